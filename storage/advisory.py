"""A PostgreSQL session-level advisory lock, held on a connection of its own.

The lock lasts as long as the connection: when the process holding it dies (even by SIGKILL)
PostgreSQL sees the socket close and frees the lock at once. When the holder merely loses its
connection, the server frees the lock once the session has been idle for
``idle_session_timeout``; the holder, checking its connection more often than that, stops
acting as the holder first.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import create_null_pool_engine

log = logging.getLogger("spotter.lock")

_CONNECTION_ERRORS = (SQLAlchemyError, OSError, asyncio.TimeoutError)


class SessionLock:
    """``try_acquire``, ``check`` and ``close`` one advisory lock ``key`` on ``url``."""

    def __init__(self, url: str, key: int, *, idle_timeout_s: int, query_timeout_s: float) -> None:
        self._engine = create_null_pool_engine(url)
        self._key = key
        self._idle_timeout_s = idle_timeout_s
        self._query_timeout_s = query_timeout_s
        self._connection: AsyncConnection | None = None
        self.lost = asyncio.Event()
        """Set as soon as the driver sees the lock's connection close (PostgreSQL ended the
        session, or the socket died); :meth:`check` finds the rest."""

    async def _connect(self) -> AsyncConnection:
        if self._connection is None:
            connection = await self._engine.connect()
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(
                text(f"SET idle_session_timeout = '{int(self._idle_timeout_s)}s'")
            )
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if driver is not None and hasattr(driver, "add_termination_listener"):
                driver.add_termination_listener(lambda *_: self.lost.set())
            self.lost.clear()
            self._connection = connection
        return self._connection

    async def _scalar(self, sql: str, **params: object) -> object:
        connection = await self._connect()
        result = await asyncio.wait_for(
            connection.execute(text(sql), params), self._query_timeout_s
        )
        return result.scalar()

    async def try_acquire(self) -> bool:
        """Take the lock if no other session holds it; false also when the database is out of
        reach (the next try connects again)."""
        try:
            return bool(await self._scalar("SELECT pg_try_advisory_lock(:key)", key=self._key))
        except _CONNECTION_ERRORS as error:
            log.warning("cannot reach the database for the lock: %s", type(error).__name__)
            await self._drop()
            return False

    async def check(self) -> bool:
        """Whether the connection, and so the lock, is still there."""
        if self.lost.is_set():
            await self._drop()
            return False
        try:
            await self._scalar("SELECT 1")
        except _CONNECTION_ERRORS as error:
            log.warning("lost the lock's database connection: %s", type(error).__name__)
            await self._drop()
            return False
        return True

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await asyncio.wait_for(connection.invalidate(), self._query_timeout_s)
        except (*_CONNECTION_ERRORS, RuntimeError):
            log.debug("the lock's connection was already gone")

    async def close(self) -> None:
        """Give the lock up (closing its connection frees it) and the engine."""
        connection, self._connection = self._connection, None
        try:
            if connection is not None:
                await asyncio.wait_for(connection.close(), self._query_timeout_s)
        except _CONNECTION_ERRORS:
            log.debug("the lock's connection was already gone")
        finally:
            await self._engine.dispose()
