"""/deleteme through the chat: explicit confirmation, the trainer is told, nothing stays."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from storage.models import ConversationState, User, UserData
from tests.factories import TOM, ZELDA, make_user, rich_client
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def _zelda(factory: Factory) -> User | None:
    async with factory() as session:
        found = await session.execute(select(User).where(User.telegram_id == ZELDA))
        return found.scalar_one_or_none()


async def test_typing_delete_erases_and_tells_the_trainer(
    sim: ChatSimulator, app: SpotterApplication, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    zelda, tom = sim.user(ZELDA, "Zelda"), sim.user(TOM, "Tom")
    await zelda.send("/deleteme")
    warning = zelda.last_reply.text
    assert "Erase your personal data" in warning
    assert "2 measurements and 2 progress photos" in warning
    assert "Your coaching with Tom ends" in warning
    await zelda.send("delete")
    assert "type DELETE in capital letters" in zelda.last_reply.text
    assert await _zelda(session_factory) is not None, "nothing erased yet"
    await zelda.send("DELETE")
    assert "Your personal data has been erased" in zelda.last_reply.text
    assert "Your client Zelda Quixote erased their personal data" in tom.last_reply.text
    assert await _zelda(session_factory) is None
    assert ZELDA not in app.user_data
    async with session_factory() as session:
        assert (await session.execute(select(UserData))).first() is None
        keys = [row.key for row in (await session.execute(select(ConversationState))).scalars()]
        assert not any(str(ZELDA) in key for key in keys)

    # Writing again starts afresh, as a newcomer.
    await zelda.send("/mydata")
    assert "Send /start first" in zelda.last_reply.text


async def test_pressing_the_button_twice_erases(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    zelda = sim.user(ZELDA, "Zelda")
    await zelda.send("/deleteme")
    await zelda.press("Erase my data")
    assert "cannot be undone" in zelda.last_reply.text
    assert await _zelda(session_factory) is not None
    await zelda.press("Yes, erase everything")
    assert "has been erased" in zelda.last_reply.text
    assert await _zelda(session_factory) is None


async def test_keep_cancel_and_stale_buttons_change_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    zelda = sim.user(ZELDA, "Zelda")
    await zelda.send("/deleteme")
    await zelda.press("Keep my data")
    assert "Nothing was erased" in zelda.last_reply.text
    await zelda.press_data("dm:2")
    assert zelda.last_answer is not None
    assert "expired" in zelda.last_answer
    await zelda.send("/deleteme")
    await zelda.press_data("dm:2")  # skipping the first press
    assert zelda.last_answer is not None
    assert "expired" in zelda.last_answer
    await zelda.send("/cancel")
    assert "Cancelled" in zelda.last_reply.text
    await zelda.send("DELETE")
    assert "not expecting a message" in zelda.last_reply.text
    assert await _zelda(session_factory) is not None


async def test_a_trainer_with_clients_is_told_to_end_them_first(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await rich_client(session_factory)
    tom = sim.user(TOM, "Tom")
    await tom.send("/deleteme")
    assert "End those coaching relationships in /clients first" in tom.last_reply.text


async def test_a_stranger_has_nothing_to_erase(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 5, "Other")
    stranger = sim.user(4242, "Stranger")
    await stranger.send("/deleteme")
    assert "nothing to erase" in stranger.last_reply.text
