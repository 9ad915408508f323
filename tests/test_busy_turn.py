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
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import persistence as persistence_module
from bot.application import SpotterApplication
from bot.persistence import PendingWrites, SqlPersistence, encode_key
from storage.db import create_engine
from storage.models import ConversationState, ProcessedUpdate
from tests.conftest import POSTGRES_URL, open_test_engine
from tests.factories import Factory, trainer_and_client
from tests.fakes.chat import ChatSimulator

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
    caplog.set_level(logging.INFO, logger="bot.persistence")

    async def release_once_met() -> None:
        # Held until the turn's write has met it; the tries after that get through.
        for _ in range(3000):
            if "state write met a busy database" in caplog.text:
                break
            await asyncio.sleep(0.01)
        await held.release()

    releasing = asyncio.create_task(release_once_met())
    try:
        await tom.send("/log")
        await releasing
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


class _SerializationFailure(Exception):
    sqlstate = "40001"


def _busy_once(
    persistence: SqlPersistence, monkeypatch: pytest.MonkeyPatch, in_the_gap: Any = None
) -> None:
    """The turn's first write fails as busy (after ``in_the_gap`` ran); later ones go through."""
    write = persistence._write_pending
    failed: list[bool] = []

    async def busy_first(*args: Any, **kwargs: Any) -> None:
        if not failed:
            failed.append(True)
            if in_the_gap is not None:
                await in_the_gap()
            raise DBAPIError("INSERT", {}, _SerializationFailure())
        await write(*args, **kwargs)

    monkeypatch.setattr(persistence, "_write_pending", busy_first)


async def _state_of(factory: Factory, name: str, key: str) -> object | None:
    async with factory() as session:
        return await session.scalar(
            select(ConversationState.state).where(
                ConversationState.name == name, ConversationState.key == key
            )
        )


async def _marked(factory: Factory, update_id: int) -> bool:
    async with factory() as session:
        found = await session.scalar(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
        )
        return found is not None


KEY = (5001,)


async def _turn_writing(persistence: SqlPersistence, update_id: int, state: int) -> None:
    keys = {encode_key(KEY): KEY}
    async with persistence.chat_turn(5001, update_id, keys, None) as turn:
        pending = PendingWrites(conversations={("flow", encode_key(KEY)): state})
        await persistence.write_turn(turn, pending, handled_update_id=update_id)


async def test_a_turn_write_met_by_a_busy_database_is_stored_once_in_a_fresh_turn(
    session_factory: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = SqlPersistence(session_factory, shared=True)
    _busy_once(persistence, monkeypatch)
    monkeypatch.setattr(persistence_module, "BACKOFF_SECONDS", (0.0, 0.0))

    await _turn_writing(persistence, 71, state=2)

    assert await _state_of(session_factory, "flow", encode_key(KEY)) == 2
    assert await _marked(session_factory, 71)


async def test_a_chat_that_moved_on_while_the_turn_waited_keeps_the_newer_state(
    session_factory: Factory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    persistence = SqlPersistence(session_factory, shared=True)
    other_worker = SqlPersistence(session_factory, shared=True)

    async def next_update_handled_elsewhere() -> None:
        # Another worker's turn of the same chat would wait for this turn's lock; it runs
        # once the failed transaction has let go of it. Here it is stored straight away.
        await other_worker.write(
            PendingWrites(conversations={("flow", encode_key(KEY)): 3}), handled_update_id=73
        )

    _busy_once(persistence, monkeypatch, next_update_handled_elsewhere)
    monkeypatch.setattr(persistence_module, "BACKOFF_SECONDS", (0.0, 0.0))
    caplog.set_level(logging.WARNING, logger="bot.persistence")

    await _turn_writing(persistence, 72, state=2)

    assert await _state_of(session_factory, "flow", encode_key(KEY)) == 3, "the newer state"
    assert await _marked(session_factory, 72), "handled: its effects and answer are out"
    assert "the chat moved on" in caplog.text
