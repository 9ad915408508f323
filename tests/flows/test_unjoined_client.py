"""A client who never joins: the trainer logs for them, sees their programs, re-invites them.

Ghost is an in-person client the trainer coaches on a profile of their own (see
``coaching.services.access.trainer_access``): /log lists them, their card's "Programs" opens in
place with a way back, and an expired invite link says so on the card with a way to make a new
one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import InviteStatus, RelationshipStatus
from storage.models import ClientProfile, Invite, Relationship, User
from tests.factories import (
    LINK,
    Coaching,
    create_client,
    live_message,
    make_coaching,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


async def _ghost(factory: Factory) -> Coaching:
    """Ghost's rows, as /newclient made them (the client never joined)."""
    async with factory() as session:
        profile = (
            await session.execute(select(ClientProfile).where(ClientProfile.name == "Ghost"))
        ).scalar_one()
        relationship = (
            await session.execute(
                select(Relationship).where(Relationship.client_profile_id == profile.id)
            )
        ).scalar_one()
        trainer = await session.get(User, relationship.trainer_user_id)
        assert trainer is not None
        return Coaching(trainer=trainer, client=None, profile=profile, relationship=relationship)


async def _open_card(tom: SimUser) -> None:
    await tom.send("/clients")
    await tom.press("Pending 1")
    await tom.press("Ghost ⏳")
    assert "📇 Ghost" in tom.last_reply.text, tom.transcript()


async def _invites(factory: Factory) -> list[Invite]:
    async with factory() as session:
        rows = await session.execute(select(Invite).order_by(Invite.id))
        return list(rows.scalars())


# --------------------------------------------------------------------------- /log


async def test_log_lists_a_client_who_never_joined_and_resumes_their_session(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await create_client(tom, "Ghost")
    ghost = await _ghost(session_factory)

    await tom.send("/log")
    assert "⏳ = not joined yet" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["Alice", "Ghost ⏳"]

    # Started from the card, as QA did.
    await _open_card(tom)
    await tom.press("🏋️ Log a session")
    await tom.press("Unplanned session")
    assert "Unplanned session · Ghost" in live_message(tom).text
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("100x5")
    await tom.send("/cancel")
    assert "Logging paused" in tom.last_reply.text

    await tom.send("/log")
    assert tom.last_reply.flat_buttons == ["🔴 Ghost ⏳", "Alice"], "live first"
    await tom.press("🔴 Ghost ⏳")
    live = live_message(tom)
    assert "Resuming" in live.text
    assert "Barbell Back Squat" in live.text
    await tom.send("105x5")
    [record] = await records(session_factory, ghost.profile.id)
    assert [(s.weight_kg, s.reps) for s in await sets_of(session_factory, record.id)] == [
        (Decimal(100), 5),
        (Decimal(105), 5),
    ]
    assert record.is_live

    # Back to the list from the client's options keeps the marks.
    await tom.send("/cancel")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("‹ Back")
    assert tom.last_reply.flat_buttons == ["🔴 Ghost ⏳", "Alice"]


async def test_log_starts_a_session_for_a_client_who_never_joined(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await create_client(tom, "Ghost")
    ghost = await _ghost(session_factory)
    # Neither an ended client nor another trainer's client shows.
    await make_coaching(
        session_factory, ghost.trainer, None, name="Gone", status=RelationshipStatus.TERMINATED
    )
    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    await make_coaching(session_factory, dave, None, name="Dave's walk-in")

    await tom.send("/log")
    await tom.press("Ghost ⏳")
    assert "Nothing is planned for Ghost today" in tom.last_reply.text
    await tom.press("Unplanned session")
    assert "Unplanned session · Ghost" in live_message(tom).text
    await tom.send("/cancel")

    await plan_session(session_factory, ghost, at=clock.now() + timedelta(hours=2))
    await tom.send("/log")
    assert "🔴 Ghost ⏳" in tom.last_reply.flat_buttons, "live wins over planned"
    assert "Gone" not in " ".join(tom.last_reply.flat_buttons)
    assert "Dave's walk-in" not in " ".join(tom.last_reply.flat_buttons)

    # A forged pick of someone else's client is refused and starts nothing.
    dave_chat = sim.user(4004, "Dave")
    await dave_chat.send("/log")
    await dave_chat.press_data(f"lg:c:{ghost.profile.id}")
    assert dave_chat.last_answer is not None
    assert "can't find" in dave_chat.last_answer
    assert len(await records(session_factory)) == 1


async def test_log_marks_a_planned_session_of_a_client_who_never_joined(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await create_client(tom, "Ghost")
    ghost = await _ghost(session_factory)
    await plan_session(session_factory, ghost, at=clock.now() + timedelta(hours=2))
    await plan_session(session_factory, ghost, at=clock.now() + timedelta(days=1), title="Next")

    await tom.send("/log")
    assert tom.last_reply.flat_buttons == ["🗓 Ghost ⏳", "Alice"]
    # Today's plan is offered for him as for any client.
    await tom.press("🗓 Ghost ⏳")
    assert "Nothing is planned" not in tom.last_reply.text
    await tom.press("Lower A")
    assert "Started" in live_message(tom).text
    assert "Lower A" in live_message(tom).text


# --------------------------------------------------------------------------- the card


async def test_programs_open_in_place_of_the_card_with_a_way_back(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Tom", trainer=True)
    tom = sim.user(1001, "Tom")
    await create_client(tom, "Ghost")
    await _open_card(tom)
    card = tom.last_reply

    await tom.press("📋 Programs")
    programs = tom.last_reply
    assert programs.message_id == card.message_id, "shown in place of the card"
    assert "No running program for this client yet" in programs.text
    assert programs.flat_buttons == ["➕ Assign a program", "⬅️ Back"]

    await tom.press("⬅️ Back")
    assert tom.last_reply.message_id == card.message_id
    assert "📇 Ghost" in tom.last_reply.text
    assert "📋 Programs" in tom.last_reply.flat_buttons

    await tom.press("📋 Programs")
    await tom.press("➕ Assign a program")
    assert tom.last_reply.message_id == card.message_id
    assert "Build one with /programs" in tom.last_reply.text, "Tom has no programs yet"


async def test_an_expired_invite_says_so_on_the_card_and_a_new_link_can_be_made(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await make_user(session_factory, 1001, "Tom", trainer=True)
    tom = sim.user(1001, "Tom")
    await create_client(tom, "Ghost")
    await _open_card(tom)
    assert "Invite link open until 30 Nov 2026, 09:00" in tom.last_reply.text

    clock.advance(timedelta(days=8))
    await _open_card(tom)
    card = tom.last_reply
    assert "Status: ⏳ pending: invited, not joined yet" in card.text
    assert "⌛ The invite link expired on 30 Nov 2026, 09:00" in card.text
    assert "Invite link open until" not in card.text
    assert "🔗 New invite link" in card.flat_buttons
    assert "🚫 Revoke invite" not in card.flat_buttons

    await tom.press("🔗 New invite link")
    match = LINK.search(tom.last_reply.text)
    assert match is not None, tom.transcript()
    assert "expires on 08 Dec 2026, 09:00" in tom.last_reply.text
    first, second = await _invites(session_factory)
    assert first.status is InviteStatus.REVOKED
    assert second.status is InviteStatus.OPEN

    await tom.press("📇 Back to card")
    card = tom.last_reply
    assert "Invite link open until 08 Dec 2026, 09:00" in card.text
    assert "expired" not in card.text
    assert "🚫 Revoke invite" in card.flat_buttons

    # Revoked: the card says no link is open, and offers a new one.
    await tom.press("🚫 Revoke invite")
    card = tom.last_reply
    assert "No invite link is open" in card.text
    assert "🔗 New invite link" in card.flat_buttons
    assert "🚫 Revoke invite" not in card.flat_buttons

    # The new link works for the client.
    await tom.press("🔗 New invite link")
    match = LINK.search(tom.last_reply.text)
    assert match is not None
    await make_user(session_factory, 2002, "Gina", client=True)
    gina = sim.user(2002, "Gina")
    await gina.send(f"/start {match.group(2)}")
    await gina.press("Accept")
    await _open_active(tom)
    assert "Status: 🟢 active" in tom.last_reply.text
    assert "expired" not in tom.last_reply.text
    assert "No invite link" not in tom.last_reply.text


async def _open_active(tom: SimUser) -> None:
    await tom.send("/clients")
    await tom.press("Ghost")
