"""Shared mode (PostgreSQL): a busy database while a chat's turn writes its state loses no step.

Another connection holds a lock on the conversation-state table while the trainer answers, and
the application's connections give up waiting for a lock after a short time (as with a
``lock_timeout`` set for the role), so writing the turn fails with a real "lock not available".
The update's effects and answer are already out; its conversation step must still be stored,
once, when the lock is gone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from storage.db import create_engine
from storage.models import ConversationState, ProcessedUpdate
from tests.conftest import POSTGRES_URL, open_test_engine
from tests.fakes.chat import ChatSimulator
from tests.flows.test_log_trainer import Factory, trainer_and_client

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="chat turns are PostgreSQL's shared mode only"
)

LOCK_TIMEOUT_MS = 100


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The test database, on connections that wait at most LOCK_TIMEOUT_MS for a lock."""
    engine = await open_test_engine(database_url)

    def short_lock_wait(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
        cursor.close()

    event.listen(engine.sync_engine, "connect", short_lock_wait)
    await engine.dispose()  # the connections opened so far had no time-out
    yield engine
    await engine.dispose()


class _HeldStateTable:
    """Another connection holding the conversation-state table against writes."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._conn: Any = None

    async def hold(self) -> None:
        self._conn = await self._engine.connect()
        await self._conn.execute(text("LOCK TABLE persistence_conversations IN EXCLUSIVE MODE"))

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.commit()
            await conn.close()
        await self._engine.dispose()


async def _stored_states(factory: Factory) -> list[tuple[str, str]]:
    async with factory() as session:
        rows = await session.execute(select(ConversationState.name, ConversationState.key))
        return sorted((name, key) for name, key in rows)


async def test_a_step_whose_state_write_meets_a_held_lock_is_stored_when_it_is_free(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    held = _HeldStateTable(database_url)
    await held.hold()
    # Held over several tries of the turn's write; later tries get through.
    releasing = asyncio.get_running_loop().call_later(
        0.3, lambda: asyncio.ensure_future(held.release())
    )
    caplog.set_level(logging.INFO, logger="bot.persistence")
    try:
        await tom.send("/log")
    finally:
        releasing.cancel()
        await held.release()

    assert "Who are you training" in tom.last_reply.text, tom.transcript()
    assert "state write met a busy database" in caplog.text, "the held lock was met"
    assert "not saved" not in caplog.text
    assert await _stored_states(session_factory), "the conversation's step is stored"
    async with session_factory() as session:
        marks = await session.scalars(select(ProcessedUpdate.update_id))
        assert len(list(marks)) == 1, "the update is marked handled once"

    # The conversation goes on from the stored step (a lost step would make this button stale).
    await tom.press("Alice")
    assert "Nothing is planned for Alice today" in tom.last_reply.text, tom.transcript()
