"""CPU-bound work off the event loop, in worker processes.

A worker *thread* does not keep a long computation from slowing everyone else: it holds the GIL,
and every time the event loop, or a database thread handing it a result, needs the GIL back it
waits up to a switch interval. A set logged while an import's file was read in a thread took
60–110 ms instead of 6 (bench.mixed, 2 cores): dozens of such hand-offs a set. A worker process
shares no GIL with the bot.

:class:`WorkerPool` is a small pool of such processes (by default one, below the bot's priority,
so on a small machine it never takes the core replies need). It is started on first use (from a
thread, since starting a process takes a while), reused after that, and closed with the
application (:func:`close_pools`). The function run must be a module-level function, and its
arguments, result and errors must pickle. What it raises reaches the caller as it was raised.

If the pool cannot start, or a worker dies, the work runs in a thread instead (slower for the
others, never lost for the person who asked) and the next call starts a fresh pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from typing import Any, TypeVar

log = logging.getLogger("spotter.offload")

T = TypeVar("T")

START_METHOD = "spawn"  # never fork: the bot's process has threads and an event loop
WORKER_NICENESS = 10
"""How far below the bot's own priority the workers run."""

_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()

_inside_worker = False
"""True in a worker process: work a pool is asked for there runs right there."""


def _ready() -> bool:
    return True


class WorkerUnpicklable(Exception):
    """What a worker raised could not be sent back; its text says what it was."""


def _in_worker(function: Callable[..., T], *args: Any) -> T:
    """Run ``function`` in the worker; an error that would not survive the trip back to the
    bot (one whose class cannot be rebuilt from its pickle) is replaced by one that does."""
    try:
        return function(*args)
    except Exception as error:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            raise WorkerUnpicklable(f"{type(error).__name__}: {error}") from None
        raise


def _start_worker(niceness: int) -> None:
    """In each worker, as it starts: run below the bot's own priority, and do whatever work a
    pool is asked for right here (a use case run whole in a worker, see
    :mod:`coaching.services.elsewhere`, uses the same pools as in the bot)."""
    global _inside_worker
    _inside_worker = True
    with contextlib.suppress(OSError):
        os.nice(niceness)


class WorkerPool:
    """A bounded pool of worker processes, started on first use and reused."""

    def __init__(
        self,
        name: str,
        *,
        workers: int = 1,
        method: str = START_METHOD,
        niceness: int = WORKER_NICENESS,
        warm: bool = True,
    ) -> None:
        self.name = name
        self.warm_at_start = warm
        self.workers = workers
        self.method = method
        self.niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        _pools.add(self)

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context(self.method),
                    initializer=_start_worker,
                    initargs=(self.niceness,),
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor | None) -> None:
        """Forget a broken pool (the next call starts a new one) and reap its workers."""
        with self._lock:
            if pool is None or self._pool is not pool:
                return
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in a worker process (in a thread if the pool fails; right here
        if this is a worker process already)."""
        if _inside_worker:
            return function(*args)
        pool: ProcessPoolExecutor | None = None
        try:
            pool = self._executor()
            # The first submit starts the worker process: in a thread, not on the event loop.
            future = await asyncio.to_thread(pool.submit, _in_worker, function, *args)
        except (OSError, RuntimeError, ValueError) as error:  # could not start, or shut down
            log.warning("%s processes unavailable (%s); working in a thread", self.name, error)
            self._discard(pool)
        else:
            try:
                return await asyncio.wrap_future(future)
            except BrokenExecutor as error:
                log.warning("a %s process died (%s); working in a thread", self.name, error)
                self._discard(pool)
        return await asyncio.to_thread(function, *args)

    def warm(self) -> None:
        """Start the workers now and wait until they answer (blocking: call it in a thread),
        so the first person who needs one does not wait for a process to start, and starting
        it never takes the processor while people are being answered."""
        try:
            pool = self._executor()
            for future in [pool.submit(_ready) for _ in range(self.workers)]:
                future.result()
        except Exception as error:  # the first real call will try again, or use a thread
            log.warning("%s processes could not start (%s)", self.name, error)

    def close(self) -> None:
        """Stop the workers and wait for them; a later call would start a new pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


FILES = WorkerPool("file")
"""Reading imported files and encoding exports: one pool for both (neither is frequent)."""

READS = WorkerPool("read")
"""Reads a person waits on that walk much of their history or many clients: a trainer's
dashboard, a progress card, a chart's data."""

JOBS = WorkerPool("job", warm=False)
"""Repeating jobs that walk much of the database (the alert scan, the digests). Nobody waits on
them, so the worker starts when the first one runs, not with the bot."""


async def warm_pools() -> None:
    """Start the processes of every worker pool a person may wait on, side by side; the
    composition root calls this at start-up in production."""
    warmed = [pool for pool in list(_pools) if pool.warm_at_start]
    await asyncio.gather(*(asyncio.to_thread(pool.warm) for pool in warmed))


async def close_pools() -> None:
    """Shut every worker pool down; the composition root calls this when the bot stops."""
    for pool in list(_pools):
        await asyncio.to_thread(pool.close)
