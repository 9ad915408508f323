"""/permissions: toggles saved at once, the trainer told, and the client's lifecycle buttons."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RelationshipStatus
from storage.models import PermissionSet, Relationship
from tests.factories import join_by_invite, onboard
from tests.fakes.chat import ChatSimulator


async def _rows(
    factory: async_sessionmaker[AsyncSession],
) -> list[tuple[Relationship, PermissionSet]]:
    async with factory() as session:
        rows = await session.execute(
            select(Relationship, PermissionSet)
            .join(PermissionSet, PermissionSet.relationship_id == Relationship.id)
            .order_by(Relationship.id)
        )
        return [(r, p) for r, p in rows]


async def test_toggle_saves_at_once_and_tells_the_trainer(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await alice.send("/permissions")
    assert "You don't have a trainer yet" in alice.last_reply.text
    await join_by_invite(tom, alice, "Alice B")
    await alice.send("/permissions")
    assert "What Tom may see and do" in alice.last_reply.text
    assert "✅ See your workout history" in alice.last_reply.flat_buttons
    screen = alice.last_reply.message_id
    await alice.press("See your workout history")
    assert alice.last_reply.message_id == screen
    assert "❌ See your workout history" in alice.last_reply.flat_buttons
    assert tom.last_reply.text == "🔒 Alice stopped sharing: workout history."
    assert (await _rows(session_factory))[0][1].view_workout_history is False
    await alice.press("Assign you programs")
    assert tom.last_reply.text == "🔒 Alice no longer allows: assigning programs."
    await alice.press("Assign you programs")
    assert tom.last_reply.text == "🔓 Alice now allows: assigning programs."


async def test_several_trainers_are_listed_and_each_is_separate(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    olga = await onboard(sim, 3, "Olga", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await join_by_invite(tom, alice, "Alice B")
    await join_by_invite(olga, alice, "Alice C")
    await alice.send("/permissions")
    assert "Your trainers" in alice.last_reply.text
    await alice.press("Olga")
    await alice.press("See your progress")
    assert "stopped sharing: progress data" in olga.last_reply.text
    assert "stopped sharing" not in tom.last_reply.text
    rows = await _rows(session_factory)
    assert [p.view_progression_data for _r, p in rows] == [True, False]
    await alice.press("All trainers")
    assert "Your trainers" in alice.last_reply.text


async def test_client_pauses_resumes_and_ends_with_a_reason(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await join_by_invite(tom, alice, "Alice B")
    await alice.send("/permissions")
    await alice.press("Pause coaching")
    await alice.press("Skip")
    assert "Coaching paused" in alice.last_reply.text
    assert "Alice paused your coaching relationship" in tom.last_reply.text
    assert "Open card" in " ".join(tom.last_reply.flat_buttons)
    await alice.press("Resume coaching")
    assert "Alice resumed" in tom.last_reply.text
    await alice.press("End coaching")
    await alice.press_data("perm:skip")
    assert alice.last_answer == "Please type the reason."
    await alice.send("")
    await alice.send("x" * 501)
    assert "limit is 500" in alice.last_reply.text
    await alice.send("found a gym buddy")
    assert "has ended" in alice.last_reply.text
    assert "Alice ended your coaching relationship" in tom.last_reply.text
    assert "found a gym buddy" in tom.last_reply.text
    relationship, _p = (await _rows(session_factory))[0]
    assert relationship.status is RelationshipStatus.TERMINATED
    await alice.send("/permissions")
    assert "You don't have a trainer yet" in alice.last_reply.text


async def test_cancel_and_forged_toggles_change_nothing(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    bob = await onboard(sim, 4, "Bob", "client")
    await join_by_invite(tom, alice, "Alice B")
    relationship, _p = (await _rows(session_factory))[0]
    await alice.send("/permissions")
    await alice.press("End coaching")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    for who in (bob, tom):
        for data in (
            f"perm:t:{relationship.id}:0",
            f"perm:r:{relationship.id}",
            f"perm:pause:{relationship.id}",
            f"perm:end:{relationship.id}",
            f"perm:resume:{relationship.id}",
            f"perm:t:{relationship.id}:x",
        ):
            await who.press_data(data)
            if who is tom:  # not a client: what the screen is for, and how to become one
                assert "/permissions is for clients" in tom.last_reply.text, data
            else:
                assert who.last_answer_alert, data
    await alice.press_data(f"perm:t:{relationship.id}:99")
    assert alice.last_answer_alert
    relationship, permissions = (await _rows(session_factory))[0]
    assert relationship.status is RelationshipStatus.ACTIVE
    assert permissions.view_workout_history is True
