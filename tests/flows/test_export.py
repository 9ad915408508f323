"""/export through the chat: client data, the library, and forged buttons."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.permissions import PermissionFlags
from tests.factories import TOM, make_coaching, make_user, rich_client
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_trainer_exports_one_client_and_all(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    tom = sim.user(TOM, "Tom")
    await tom.send("/export")
    assert "Export" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["👥 Client data", "📚 Templates & programs"]
    await tom.press("Client data")
    menu = tom.last_reply.message_id
    assert tom.last_reply.flat_buttons == ["👥 All clients", "Zelda Quixote"]
    assert f"xp:c:{rich.profile_id}" in tom.last_reply.button_data[1]
    replies = await tom.press("Zelda Quixote")
    assert replies[0].message_id == menu, "the menu message is edited"
    assert "Exported Zelda Quixote: 2 sessions, 2 sets" in replies[0].text
    documents = [r for r in replies if r.document]
    assert len(documents) == 3
    assert documents[0].file_bytes is not None
    assert documents[0].file_bytes.startswith(b"client,date,start,end,session")

    await tom.press_data("xp:all", message_id=menu)
    assert any("all your clients" in r.text for r in tom.new_replies)


async def test_a_client_who_shares_nothing_is_named_as_left_out(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    bob = await make_user(session_factory, 2002, "Bob", client=True)
    await make_coaching(
        session_factory,
        tom,
        bob,
        flags=PermissionFlags(view_workout_history=False, view_activity_status=False),
    )
    chat = sim.user(TOM, "Tom")
    await chat.send("/export")
    await chat.press("Client data")
    replies = await chat.press("All clients")
    assert "nothing to export" in replies[0].text
    assert "Bob: workout history not shared" in replies[0].text
    assert not any(r.document for r in replies)


async def test_library_export_sends_a_json_file(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, TOM, "Tom", trainer=True)
    tom = sim.user(TOM, "Tom")
    await tom.send("/export")
    assert "no current clients" in tom.last_reply.text
    replies = await tom.press("Templates & programs")
    assert "0 templates and 0 programs" in replies[0].text
    document = replies[-1]
    assert document.file_bytes is not None
    assert json.loads(document.file_bytes)["format"] == "spotter-library"


async def test_forged_client_button_is_refused_and_leaks_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    await make_user(session_factory, 1002, "Eve", trainer=True)
    eve = sim.user(1002, "Eve")
    await eve.send("/export")
    await eve.press_data(f"xp:c:{rich.profile_id}")
    assert eve.last_answer == "I can't find that client among yours."
    assert eve.last_answer_alert
    await eve.press_data("xp:c:999999")
    assert eve.last_answer == "I can't find that client among yours."
    assert not any(r.document for r in eve.replies)
    await eve.press_data("xp:c:abc")
    assert eve.last_answer is not None
    assert "not valid" in eve.last_answer


async def test_export_is_for_trainers(sim: ChatSimulator, session_factory: Factory) -> None:
    await make_user(session_factory, 2002, "Bob", client=True)
    bob = sim.user(2002, "Bob")
    await bob.send("/export")
    assert "for trainers" in bob.last_reply.text
