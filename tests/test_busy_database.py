"""A busy database never loses an acknowledged set.

Another connection holds a long write while a trainer logs sets. On SQLite the writer lock is
held past ``busy_timeout`` (shortened here), so the set's unit of work reports the database busy,
rolls back and runs again until the lock is free; on PostgreSQL the insert waits on a table lock.
Either way every set is answered and stored exactly once. A use case that stays busy through
every attempt tells the person plainly that nothing was saved, and stores nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.errors import BUSY
from coaching.services import base as service_base
from coaching.services.live import LogPart
from storage.db import create_engine
from storage.uow import DatabaseBusy, UnitOfWorkFactory
from tests.conftest import POSTGRES_URL, open_test_engine
from tests.factories import client_sets, make_coaching, make_user, start_squats
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]
BUSY_TIMEOUT_MS = 150


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The test database with a short SQLite busy timeout, so a held lock makes writes fail
    fast (and be retried) instead of waiting five seconds each."""
    engine = await open_test_engine(database_url, busy_timeout_ms=BUSY_TIMEOUT_MS)
    yield engine
    await engine.dispose()


async def _trainer_logging(sim: ChatSimulator, factory: Factory) -> tuple[SimUser, int]:
    trainer = await make_user(factory, 1001, "Tom", trainer=True)
    client = await make_user(factory, 2001, "Alice", client=True)
    coaching = await make_coaching(factory, trainer, client)
    tom = sim.user(1001, "Tom")
    await start_squats(tom, "Alice")
    return tom, coaching.profile.id


class _HeldWrite:
    """A write transaction on another connection, held until :meth:`release`."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg_engine: AsyncEngine | None = None
        self._pg_conn: Any = None

    async def hold(self) -> None:
        if POSTGRES_URL:
            self._pg_engine = create_engine(self.url)
            self._pg_conn = await self._pg_engine.connect()
            await self._pg_conn.execute(text("LOCK TABLE set_records IN EXCLUSIVE MODE"))
            return
        path = make_url(self.url).database
        assert path
        self._sqlite = sqlite3.connect(path, isolation_level=None)
        self._sqlite.execute("BEGIN IMMEDIATE")
        self._sqlite.execute("UPDATE users SET updated_at = updated_at")

    async def release(self) -> None:
        """Commit and close the holding connection (again: nothing happens)."""
        conn, self._pg_conn = self._pg_conn, None
        if conn is not None:
            await conn.commit()
            await conn.close()
            assert self._pg_engine is not None
            await self._pg_engine.dispose()
        lite, self._sqlite = self._sqlite, None
        if lite is not None:
            lite.execute("COMMIT")
            lite.close()


async def test_sets_logged_while_another_connection_holds_a_long_write_are_all_kept(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tom, profile_id = await _trainer_logging(sim, session_factory)
    held = _HeldWrite(database_url)
    await held.hold()
    # Held for several busy time-outs: the first attempts of the first set fail, later ones
    # get through once the lock is gone.
    releasing = asyncio.get_running_loop().call_later(
        4 * BUSY_TIMEOUT_MS / 1000, lambda: asyncio.ensure_future(held.release())
    )
    caplog.set_level(logging.INFO, logger="spotter.retry")
    try:
        await tom.send("100x5")
        await tom.send("102.5x5")
        await tom.send("105x3")
    finally:
        releasing.cancel()
        await held.release()

    assert await client_sets(session_factory, profile_id) == [
        (Decimal("100.000"), 5),
        (Decimal("102.500"), 5),
        (Decimal("105.000"), 3),
    ]
    assert "105 kg × 3" in tom.last_reply.text, tom.transcript()
    if not POSTGRES_URL:
        assert "database busy" in caplog.text, "the held lock made the first attempts fail"


@pytest.fixture
async def logging_now(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[SimUser, int]:
    """Tom mid-session (and his client's profile id), with retries that do not pause."""
    monkeypatch.setattr(service_base, "BACKOFF_SECONDS", (0.0,) * len(service_base.BACKOFF_SECONDS))
    return await _trainer_logging(sim, session_factory)


async def test_a_use_case_busy_twice_runs_a_third_time_and_stores_once(
    logging_now: tuple[SimUser, int],
    sim: ChatSimulator,
    session_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom, profile_id = logging_now
    failures = 2
    log_text = LogPart.log_text.__wrapped__  # type: ignore[attr-defined]

    async def busy_then_fine(self: LogPart, *args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        result = await log_text(self, *args, **kwargs)  # stored, then "the commit failed"
        if failures:
            failures -= 1
            raise DatabaseBusy("simulated")
        return result

    monkeypatch.setattr(LogPart, "log_text", service_base.retried(busy_then_fine))
    await tom.send("100x5")
    assert failures == 0
    assert await client_sets(session_factory, profile_id) == [(Decimal("100.000"), 5)]
    assert "100 kg × 5" in tom.last_reply.text


async def test_busy_through_every_attempt_says_nothing_was_saved(
    logging_now: tuple[SimUser, int],
    sim: ChatSimulator,
    session_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom, profile_id = logging_now
    attempts = 0

    async def always_busy(self: LogPart, *args: Any, **kwargs: Any) -> Any:
        nonlocal attempts
        attempts += 1
        raise DatabaseBusy("simulated")

    monkeypatch.setattr(LogPart, "log_text", service_base.retried(always_busy))
    sim.raise_errors = False
    await tom.send("100x5")
    assert attempts == service_base.ATTEMPTS
    assert tom.last_reply.text == BUSY
    assert await client_sets(session_factory, profile_id) == []

    monkeypatch.undo()
    await tom.send("100x5")
    assert await client_sets(session_factory, profile_id) == [(Decimal("100.000"), 5)]


async def _write(uow: UnitOfWorkFactory, statement: str) -> None:
    async with uow() as work:
        await work.session.execute(text(statement))
        await work.commit()


async def test_a_real_busy_error_rolls_back_and_is_reported_as_busy(
    session_factory: Factory, database_url: str
) -> None:
    """The unit of work turns the database's own "busy" error into DatabaseBusy."""
    uow = UnitOfWorkFactory(session_factory)
    touch = "UPDATE users SET updated_at = updated_at"
    if POSTGRES_URL:
        serialization_failure = (
            "DO $$ BEGIN RAISE EXCEPTION 'could not serialize' USING ERRCODE = '40001'; END $$"
        )
        with pytest.raises(DatabaseBusy):
            await _write(uow, serialization_failure)
        await _write(uow, touch)
        return
    held = _HeldWrite(database_url)
    await held.hold()
    try:
        with pytest.raises(DatabaseBusy):
            await _write(uow, touch)
    finally:
        await held.release()
    await _write(uow, touch)  # the database is usable again at once
