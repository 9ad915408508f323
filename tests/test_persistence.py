"""The database-backed PTB persistence keeps conversations and user_data across restarts."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.persistence import SqlPersistence
from storage.models import ConversationState


async def test_conversation_states_survive_a_new_persistence_object(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = SqlPersistence(session_factory)
    await first.update_conversation("newclient", (42, 42), 3)
    await first.update_conversation("newclient", (43, 43), 1)
    await first.update_conversation("start", (42, 42), 0)
    await first.update_conversation("newclient", (43, 43), None)

    second = SqlPersistence(session_factory)
    assert await second.get_conversations("newclient") == {(42, 42): 3}
    assert await second.get_conversations("start") == {(42, 42): 0}
    async with session_factory() as session:
        keys = (await session.execute(select(ConversationState.key))).scalars().all()
    assert sorted(keys) == ["[42,42]", "[42,42]"]


async def test_user_data_round_trips_and_can_be_dropped(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = SqlPersistence(session_factory)
    await first.update_user_data(7, {"newclient": {"name": "Zoë", "height_cm": 172.5}})
    await first.update_user_data(8, {"x": [1, 2]})
    await first.drop_user_data(8)

    second = SqlPersistence(session_factory)
    assert await second.get_user_data() == {7: {"newclient": {"name": "Zoë", "height_cm": 172.5}}}


async def test_unchanged_user_data_costs_no_write(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    persistence = SqlPersistence(session_factory)
    await persistence.update_user_data(7, {"a": 1})
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await persistence.update_user_data(7, {"a": 1})
        assert statements == []
        await persistence.update_user_data(7, {"a": 2})
        assert any("persistence_user_data" in s for s in statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
