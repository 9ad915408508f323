"""The async engine and session factory, with the SQLite pragmas the design asks for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from storage.sqlite_driver import WriterGate, one_trip_connector

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/spotter.db"
"""Where data lives unless ``DATABASE_URL`` says otherwise (the bot's and Alembic's default)."""

SQLITE_BUSY_TIMEOUT_MS = 5000

# Connections kept open, and how many more may be opened at a peak. Updates of different chats
# run concurrently (see bot.updates), each holding a connection only for its transactions, and
# the repeating jobs take a few more.
POOL_SIZE = 10
POOL_OVERFLOW = 20

POSTGRES_PREPARED_STATEMENTS = 32
"""Prepared statements each PostgreSQL connection keeps, the most recently used (SQLAlchemy
lets half as many again in before it prunes back to this).

SQLAlchemy's asyncpg dialect keeps 100 by default, each with asyncpg's descriptors of its
columns (a ``Type`` and an ``Attribute`` per column), and every one of them is an object the
garbage collector walks in each full collection. With the pool's connections each caching
every kind of statement the bot runs, they were a quarter of the objects the collector
tracked at the end of bench.mixed's "all together" window on PostgreSQL (about 1,000
statements and 22,000 descriptors of 91,000 objects), and full collections grow with what it
tracks. A set-logging turn runs about seven statements, so they stay prepared; a rarely used
statement is prepared again when it comes back, one round trip more."""


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite database file if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


def create_engine(
    url: str, *, echo: bool = False, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> AsyncEngine:
    """An async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg).

    ``busy_timeout_ms`` is how long a SQLite write waits for the writer lock before the unit of
    work reports the database busy (and its use case is tried again)."""
    ensure_sqlite_directory(url)
    backend = make_url(url).get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    database = make_url(url).database
    if backend == "sqlite" and database and database != ":memory:":
        # One trip to the database thread per statement instead of four (see sqlite_driver).
        timeout = busy_timeout_ms / 1000
        kwargs["async_creator"] = one_trip_connector(
            database, timeout=timeout, gate=WriterGate(timeout)
        )
    elif backend == "sqlite":
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"prepared_statement_cache_size": POSTGRES_PREPARED_STATEMENTS}
    engine = create_async_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    return engine


def shareable_url(url: str) -> str | None:
    """``url``, if another process can open the same database from it (a worker process running
    a batch job); None for an in-memory SQLite database, which lives in one process only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return None
    return url


def create_null_pool_engine(url: str) -> AsyncEngine:
    """An engine that keeps no connection open, for one-off jobs such as migrations."""
    ensure_sqlite_directory(url)
    engine = create_async_engine(url, poolclass=NullPool)
    if make_url(url).get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(SQLITE_BUSY_TIMEOUT_MS))
    return engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so DTOs can be built afterwards."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
