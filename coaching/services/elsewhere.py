"""Use cases run whole in a worker process, on database connections of the worker's own.

A use case that reads a great deal (a person's whole history for an export, every client for the
hourly alert scan, a trainer's dashboard over hundreds of clients) builds tens of thousands of
rows and objects. On the bot's event loop it held the loop between its awaits, and every object it
kept alive was walked by each full garbage collection of the bot's heap while people waited for
their replies. Run in a worker process (:mod:`coaching.services.offload`) it shares neither the
loop, the GIL nor the heap with them; only its result comes back (a report, a view, files as
bytes), and what it raises comes back as it was raised.

:func:`in_worker` marks such a use case. The worker opens the same database itself
(``ServiceContext.database_url``) and its clock stands still at the moment the bot asked, so the
work is done as of then. A busy database is retried in the worker, as a use case is in the bot
(:func:`coaching.services.base.retried`), not again around the whole trip. Without an address
(an in-memory database) the use case runs in the bot's own process, as it always could.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from coaching.clock import FixedClock
from coaching.services.base import ServiceContext, retried
from coaching.services.offload import WorkerPool
from storage.db import create_engine, create_session_factory
from storage.uow import UnitOfWorkFactory

P = ParamSpec("P")
T = TypeVar("T")


class _UseCases(Protocol):
    ctx: ServiceContext


S = TypeVar("S", bound=_UseCases)


def in_worker(
    pool: WorkerPool,
) -> Callable[
    [Callable[Concatenate[S, P], Coroutine[Any, Any, T]]],
    Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
]:
    """Run the decorated use case (a coroutine method of a service class) whole in a worker of
    ``pool`` when the database can be opened from one, else here. Its arguments and its result
    must pickle."""

    def decorate(
        method: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
    ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
        name = method.__name__
        again = retried(method)

        @functools.wraps(method)
        async def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
            ctx = self.ctx
            if ctx.database_url is None:  # no address, or this is the worker: do it here
                # own_transactions (applied over this decorator) marks a use case never re-run.
                once = getattr(run, "__spotter_own_transactions__", False)
                return await (method if once else again)(self, *args, **kwargs)
            call = _Call(ctx.database_url, ctx.clock.now(), ctx.default_timezone, type(self), name)
            result: T = await pool.run(_in_worker, call, args, kwargs)
            return result

        # Retried where it runs (see above), not again around the trip to the worker.
        run.__spotter_in_worker__ = True  # type: ignore[attr-defined]
        return run

    return decorate


@dataclass(frozen=True)
class _Call:
    """What a worker needs to run one use case: where the database is, as of when, and which."""

    database_url: str
    now: datetime
    default_timezone: str
    use_case: type[Any]
    method: str


def _in_worker(call: _Call, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return asyncio.run(_run(call, args, kwargs))


async def _run(call: _Call, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    engine = create_engine(call.database_url)
    try:
        ctx = ServiceContext(
            uow=UnitOfWorkFactory(create_session_factory(engine)),
            clock=FixedClock(call.now),
            default_timezone=call.default_timezone,
        )
        # No database_url here: the use case runs in this worker, not in another one.
        return await getattr(call.use_case(ctx), call.method)(*args, **kwargs)
    finally:
        await engine.dispose()
