"""aiosqlite connections whose statements each cost one trip to the database thread.

aiosqlite runs SQLite in a thread of its own per connection, and every call crosses to it and
back. SQLAlchemy's aiosqlite adapter makes four such calls per statement (open a cursor,
execute, fetch the rows, close the cursor): on the set-logging hot path that was 17 crossings
per update for 4 statements, and each crossing is a wake-up of the other thread and a hand-over
of the GIL. Here a cursor does all four in one crossing: it executes, fetches every row (the
adapter would fetch them all at once anyway: Spotter uses no server-side cursors), notes the
description, row count and last row id, and closes the SQLite cursor, all inside the database
thread. Fetching then reads the rows already in memory.

SQLAlchemy takes these connections through ``create_async_engine(async_creator=...)``, its
public hook for supplying the driver connection; the connection is aiosqlite's own (same
thread, same queue), and only its ``cursor()`` differs. Queued work runs through
``Connection._execute``, the one aiosqlite call every aiosqlite method is built on.

**Writers take turns in the bot, not in SQLite.** SQLite lets one transaction write at a time.
A writer that finds the lock taken is put to sleep by SQLite's busy handler and tries again
after 1, 2, 5, … then 100 ms at a time, so with many writers waiting the lock goes to whichever
wakes first, not to the first that asked: in bench.mixed's "all together" window, sets waited
200 ms to 1.3 s in those sleeps behind the import, the alert scan and each other. So the
connections of one engine share a :class:`WriterGate`: a transaction's first write statement
waits for the gate, first come first served, and its commit or rollback hands the gate to the
next writer at once. Reads never wait for it (WAL lets them run beside a writer). A writer that
waits longer than the busy timeout goes on ungated, and SQLite's own lock decides, as before.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite

Row = tuple[Any, ...]
Description = tuple[tuple[Any, ...], ...] | None


class OneTripCursor:
    """The part of aiosqlite's cursor that SQLAlchemy's adapter uses, one trip per statement."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque[Row] = deque()
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> OneTripCursor:
        await self._connection.before(sql)
        raw = self._connection.raw
        outcome = await self._connection.in_thread(_execute, raw, sql, parameters or ())
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
        await self._connection.before(sql)
        raw = self._connection.raw
        self.rowcount = await self._connection.in_thread(_executemany, raw, sql, parameters)
        self.description, self.lastrowid, self._rows = None, None, deque()
        return self

    async def fetchone(self) -> Row | None:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Row]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()


def _execute(
    raw: Callable[[], sqlite3.Connection], sql: str, parameters: Sequence[Any]
) -> tuple[Description, int, int | None, list[Row]]:
    cursor = raw().cursor()
    try:
        cursor.execute(sql, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _executemany(
    raw: Callable[[], sqlite3.Connection], sql: str, parameters: Iterable[Sequence[Any]]
) -> int:
    cursor = raw().cursor()
    try:
        cursor.executemany(sql, parameters)
        return cursor.rowcount
    finally:
        cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_WRITES_IN_WITH = (" INSERT ", " UPDATE ", " DELETE ", " REPLACE ")


def writes(sql: str) -> bool:
    """Whether a statement writes (and so needs SQLite's one writer lock)."""
    head = sql.lstrip()[:8].upper()
    if head.startswith(_WRITES):
        return True
    if head.startswith("WITH"):
        flat = " ".join(sql.upper().split())
        return any(word in flat for word in _WRITES_IN_WITH)
    return False


class WriterGate:
    """One writing transaction at a time among an engine's connections, first come first
    served (see the module's docstring)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        # One lock per event loop: an engine may outlive a loop (tests, tools).
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def enter(self) -> asyncio.Lock | None:
        """Wait for the turn to write; the lock to release when the transaction ends, or None
        when the wait outlasted the timeout (SQLite's own lock decides then)."""
        lock = self._lock()
        try:
            async with asyncio.timeout(self.timeout):
                await lock.acquire()
        except TimeoutError:
            return None
        return lock


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection, with cursors that cross to its thread once per statement, and
    writes that wait for the engine's :class:`WriterGate`."""

    def __init__(
        self,
        connector: Callable[[], sqlite3.Connection],
        iter_chunk_size: int,
        gate: WriterGate | None = None,
    ) -> None:
        super().__init__(connector, iter_chunk_size)
        self._gate = gate
        self._writing = False
        self._held: asyncio.Lock | None = None

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    def raw(self) -> sqlite3.Connection:
        """The SQLite connection itself; call it only inside :meth:`in_thread`."""
        return self._conn

    def in_thread(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """Run ``fn(*args)`` in the connection's thread, after what is already queued."""
        return self._execute(fn, *args)  # type: ignore[no-untyped-call]

    async def before(self, sql: str) -> None:
        """Before a statement: a transaction's first write waits for its turn."""
        if self._gate is None or self._writing or not writes(sql):
            return
        self._writing = True
        self._held = await self._gate.enter()

    def _transaction_over(self) -> None:
        self._writing = False
        held, self._held = self._held, None
        if held is not None:
            held.release()

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._transaction_over()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._transaction_over()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._transaction_over()


def one_trip_connector(
    path: str, *, timeout: float, gate: WriterGate | None = None
) -> Callable[[], Awaitable[OneTripConnection]]:
    """An ``async_creator`` for SQLAlchemy: opens ``path`` as its aiosqlite dialect would
    (``check_same_thread=False``, the busy ``timeout`` in seconds), with one-trip cursors and,
    given a ``gate``, writers that take turns through it."""

    async def connect() -> OneTripConnection:
        connection = OneTripConnection(
            partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False),
            iter_chunk_size=64,
            gate=gate,
        )
        # As SQLAlchemy does for aiosqlite: the database thread never keeps the process alive.
        connection._thread.daemon = True
        await connection
        return connection

    return connect
