"""What every use case is built from: a unit-of-work factory and a clock, and the retry that
makes a busy database cost a wait instead of a lost action."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import random
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from coaching.clock import Clock, SystemClock
from storage.uow import DatabaseBusy, UnitOfWorkFactory

log = logging.getLogger("spotter.retry")

P = ParamSpec("P")
T = TypeVar("T")

BACKOFF_SECONDS = (0.02, 0.05, 0.1, 0.2, 0.4)
"""The pause before each retry (with up to 50 % jitter, so retries of many chats spread out)."""

ATTEMPTS = len(BACKOFF_SECONDS) + 1
"""How many times a use case runs before a busy database is given up on. On SQLite each attempt
has already waited out ``busy_timeout`` for the writer lock, so the attempts span well over the
longest write any part of Spotter holds."""

_retrying: ContextVar[bool] = ContextVar("spotter_retrying", default=False)


@dataclass(frozen=True, slots=True)
class ServiceContext:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    default_timezone: str = "UTC"
    database_url: str | None = None
    """Where a worker process opens the same database, for the use cases that run whole in one
    (:mod:`coaching.services.elsewhere`); None keeps them in this process (an in-memory
    database, the service tests, and the worker itself)."""


def retried(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Run ``method`` again, whole, when its unit of work meets a busy database.

    A unit of work that raises :class:`DatabaseBusy` has been rolled back, so running the use
    case again stores it once. Only the outermost use case retries: one called from inside
    another is retried as part of its caller, so the attempts do not multiply. The handler that
    called the use case has not answered yet (it answers after the use case returns), so nothing
    the person saw is lost or doubled; after the last attempt the error reaches the handler's
    edge, which says the step was not saved.
    """

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        if _retrying.get():
            return await method(*args, **kwargs)
        token = _retrying.set(True)
        try:
            for pause in BACKOFF_SECONDS:
                try:
                    return await method(*args, **kwargs)
                except DatabaseBusy as busy:
                    log.info("%s: database busy (%s); trying again", method.__qualname__, busy)
                await asyncio.sleep(pause * (1 + random.random() / 2))
            return await method(*args, **kwargs)
        finally:
            _retrying.reset(token)

    return run


def own_transactions(
    method: Callable[P, Coroutine[Any, Any, T]],
) -> Callable[P, Coroutine[Any, Any, T]]:
    """Mark a use case that commits in several steps and must not be re-run whole: a retry
    would repeat the steps already committed (a claim, a "sent today" mark)."""
    method.__spotter_own_transactions__ = True  # type: ignore[attr-defined]
    return method


class Service:
    """A class of use cases. Each public coroutine method is one unit of work (or a few that
    are safe to repeat), and is :func:`retried` when the database is busy, unless marked
    :func:`own_transactions`."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if (
                name.startswith("_")
                or not inspect.iscoroutinefunction(value)
                or getattr(value, "__spotter_own_transactions__", False)
                or getattr(value, "__spotter_in_worker__", False)  # retried where it runs
            ):
                continue
            setattr(cls, name, retried(value))


__all__ = [
    "ATTEMPTS",
    "DatabaseBusy",
    "Service",
    "ServiceContext",
    "own_transactions",
    "retried",
]
