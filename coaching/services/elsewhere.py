"""Use cases run whole in a worker process, on database connections of the worker's own.

A use case that reads a great deal (a person's whole history for an export, every client for the
hourly alert scan) builds tens of thousands of rows and objects. On the bot's event loop it held
the loop between its awaits, and every object it kept alive was walked by each full garbage
collection of the bot's heap while people waited for their replies. Run in a worker process
(:mod:`coaching.services.offload`) it shares neither the loop, the GIL nor the heap with them;
only its result comes back (a report, files as bytes).

The worker opens the same database itself (``ServiceContext.database_url``), and its clock stands
still at the moment the bot asked, so the work is done as of then. Without an address (an
in-memory database) the use case runs in the bot's own process, as it always could.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from coaching.clock import FixedClock
from coaching.services.base import ServiceContext
from coaching.services.offload import WorkerPool
from storage.db import create_engine, create_session_factory
from storage.uow import UnitOfWorkFactory


async def run_elsewhere(
    ctx: ServiceContext, pool: WorkerPool, use_case: type[Any], method: str, *args: Any
) -> Any:
    """``use_case(ctx).method(*args)`` in a worker of ``pool`` when the database can be opened
    from one, else here. ``use_case`` is a service class, ``method`` the name of one of its
    coroutine methods; the arguments and the result must pickle."""
    if ctx.database_url is None:
        return await getattr(use_case(ctx), method)(*args)
    return await pool.run(
        _in_worker,
        ctx.database_url,
        ctx.clock.now(),
        ctx.default_timezone,
        use_case,
        method,
        args,
    )


def _in_worker(
    database_url: str,
    now: datetime,
    default_timezone: str,
    use_case: type[Any],
    method: str,
    args: tuple[Any, ...],
) -> Any:
    return asyncio.run(_run(database_url, now, default_timezone, use_case, method, args))


async def _run(
    database_url: str,
    now: datetime,
    default_timezone: str,
    use_case: type[Any],
    method: str,
    args: tuple[Any, ...],
) -> Any:
    engine = create_engine(database_url)
    try:
        ctx = ServiceContext(
            uow=UnitOfWorkFactory(create_session_factory(engine)),
            clock=FixedClock(now),
            default_timezone=default_timezone,
        )
        return await getattr(use_case(ctx), method)(*args)
    finally:
        await engine.dispose()
