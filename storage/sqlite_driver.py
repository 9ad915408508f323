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
"""

from __future__ import annotations

import sqlite3
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
        raw = self._connection.raw
        outcome = await self._connection.in_thread(_execute, raw, sql, parameters or ())
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> OneTripCursor:
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


class OneTripConnection(aiosqlite.Connection):
    """aiosqlite's connection, with cursors that cross to its thread once per statement."""

    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        return OneTripCursor(self)

    def raw(self) -> sqlite3.Connection:
        """The SQLite connection itself; call it only inside :meth:`in_thread`."""
        return self._conn

    def in_thread(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        """Run ``fn(*args)`` in the connection's thread, after what is already queued."""
        return self._execute(fn, *args)  # type: ignore[no-untyped-call]


def one_trip_connector(path: str, *, timeout: float) -> Callable[[], Awaitable[OneTripConnection]]:
    """An ``async_creator`` for SQLAlchemy: opens ``path`` as its aiosqlite dialect would
    (``check_same_thread=False``, the busy ``timeout`` in seconds), with one-trip cursors."""

    async def connect() -> OneTripConnection:
        connection = OneTripConnection(
            partial(sqlite3.connect, path, timeout=timeout, check_same_thread=False),
            iter_chunk_size=64,
        )
        # As SQLAlchemy does for aiosqlite: the database thread never keeps the process alive.
        connection._thread.daemon = True
        await connection
        return connection

    return connect
