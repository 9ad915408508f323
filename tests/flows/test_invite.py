"""The invite link end to end across two simulated accounts."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import InviteStatus, RelationshipStatus
from storage.models import ClientProfile, Invite, PermissionSet, Relationship, TrainerProfile, User
from tests.factories import create_client, onboard
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator


async def _state(
    factory: async_sessionmaker[AsyncSession],
) -> tuple[RelationshipStatus, InviteStatus, int | None]:
    async with factory() as session:
        relationship = (await session.execute(select(Relationship))).scalars().first()
        invite = (
            (await session.execute(select(Invite).order_by(Invite.id.desc()))).scalars().first()
        )
        profile = (await session.execute(select(ClientProfile))).scalars().first()
    assert relationship is not None
    assert invite is not None
    assert profile is not None
    return relationship.status, invite.status, profile.user_id


async def test_a_new_user_accepts_with_changed_permissions_and_picks_a_time_zone(
    sim: ChatSimulator, api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom, "Cleo Smith")
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/start {payload}")
    text = cleo.last_reply.text
    assert "Tom invites you to train with them on Spotter (in person)" in text
    assert "✅ See your workout history" in text
    assert "❌ See your personal and health details" in text
    await cleo.press("See your personal and health details")
    assert "✅ See your personal and health details" in cleo.last_reply.text
    await cleo.press("Message you during your quiet hours")
    await cleo.press("Message you during your quiet hours")
    await cleo.press("Assign you programs")
    await cleo.send("hmm")
    assert "Please tap Accept or Decline" in cleo.last_reply.text

    await cleo.press("Accept")
    assert "You're now training with Tom" in cleo.last_reply.text
    assert "time zone" in cleo.last_reply.text
    notice = tom.new_replies
    assert notice, "the trainer is told"
    assert "Cleo accepted your invite" in notice[-1].text
    assert "Cleo Smith" in notice[-1].text
    assert "personal and health details" in notice[-1].text
    assert "assigning programs" not in notice[-1].text

    await cleo.press("Europe/Berlin")
    assert "All set" in cleo.last_reply.text
    menus = [c for c in api.calls_to("setMyCommands") if "chat" in json.dumps(c.params)]
    assert "permissions" in json.dumps(menus[-1].params), "the client gets the client menu"

    relationship_status, invite_status, linked = await _state(session_factory)
    assert relationship_status is RelationshipStatus.ACTIVE
    assert invite_status is InviteStatus.USED
    async with session_factory() as session:
        user = (await session.execute(select(User).where(User.telegram_id == 2))).scalar_one()
        permissions = (await session.execute(select(PermissionSet))).scalar_one()
    assert linked == user.id
    assert (user.is_client, user.onboarded, user.timezone) == (True, True, "Europe/Berlin")
    assert permissions.view_personal_data is True
    assert permissions.assign_programs is False
    assert permissions.contact_outside_hours is False

    # The link works once.
    sam = sim.user(3, "Sam")
    await sam.send(f"/start {payload}")
    assert "already been used" in sam.last_reply.text


async def test_decline_tells_the_trainer_and_ends_the_pending_relationship(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    cleo = await onboard(sim, 2, "Cleo", "client")
    await cleo.send(f"/start {payload}")
    await cleo.press("Decline")
    assert "You declined the invite from Tom" in cleo.last_reply.text
    assert "Cleo declined your invite" in tom.last_reply.text
    relationship_status, invite_status, linked = await _state(session_factory)
    assert (relationship_status, invite_status, linked) == (
        RelationshipStatus.TERMINATED,
        InviteStatus.DECLINED,
        None,
    )
    await cleo.press_data("inv:yes")
    assert cleo.last_answer is not None


async def test_expired_revoked_made_up_and_own_links_change_nothing(
    sim: ChatSimulator, clock: ManualClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    await tom.send(f"/start {payload}")
    assert "your own invite link" in tom.last_reply.text
    cleo = sim.user(2, "Cleo")
    await cleo.send("/start inv_" + "Z" * 32)
    assert "don't recognise this invite link" in cleo.last_reply.text
    await cleo.send("/start inv_nope")
    assert "don't recognise" in cleo.last_reply.text

    await tom.send("/clients")
    await tom.press("Pending 1")
    await tom.press("Maria Lopez")
    await tom.press("Revoke invite")
    await cleo.send(f"/start {payload}")
    assert "withdrawn this invite link" in cleo.last_reply.text
    await tom.press("New invite link")
    fresh = tom.last_reply.text.split("start=")[1].split()[0]
    clock.advance(days=8)
    await cleo.send(f"/start {fresh}")
    assert "This invite link has expired" in cleo.last_reply.text
    relationship_status, _invite_status, linked = await _state(session_factory)
    assert relationship_status is RelationshipStatus.PENDING
    assert linked is None


async def test_guessing_is_rate_limited(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    eve = sim.user(6, "Eve")
    for i in range(5):
        await eve.send(f"/start inv_{'Q' * 30}{i:02d}")
        assert "don't recognise" in eve.last_reply.text
    await eve.send(f"/start {payload}")
    assert "Too many invalid invite links; try again in 10 minutes." in eve.last_reply.text


async def test_an_existing_client_is_told_they_are_already_linked(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    cleo = await onboard(sim, 2, "Cleo", "client")
    await cleo.send(f"/start {await create_client(tom)}")
    await cleo.press("Accept")
    assert "You're now training with Tom" in cleo.last_reply.text
    assert "time zone" not in cleo.last_reply.text, "an onboarded user is not asked again"
    await cleo.send(f"/start {await create_client(tom, 'Cleo again')}")
    assert "already connected with Tom" in cleo.last_reply.text


async def test_a_full_trainer_is_told_how_to_fix_it(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/start {payload}")
    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(accepts_new_clients=False))
        await session.commit()
    await cleo.press("Accept")
    assert "Tom can't take on new clients right now" in cleo.last_reply.text
    assert "tried to accept your invite" in tom.last_reply.text
    assert "/profile" in tom.last_reply.text
    relationship_status, invite_status, linked = await _state(session_factory)
    assert (relationship_status, invite_status, linked) == (
        RelationshipStatus.PENDING,
        InviteStatus.OPEN,
        None,
    )


async def test_cancel_and_forged_toggles_during_review(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/start {payload}")
    for forged in ("inv:t:42", "inv:t:x", "inv:t:1:2", "inv:t:-1"):
        await cleo.press_data(forged)
        assert cleo.last_answer == "That button isn't part of this invite."
    await cleo.send("/cancel")
    assert "Cancelled" in cleo.last_reply.text
    await cleo.press_data("inv:yes")
    assert cleo.last_answer is not None
    assert "expired" in cleo.last_answer
    relationship_status, invite_status, linked = await _state(session_factory)
    assert (relationship_status, invite_status, linked) == (
        RelationshipStatus.PENDING,
        InviteStatus.OPEN,
        None,
    )
    await cleo.send(f"/start {payload}")
    await cleo.press("Accept")
    assert "You're now training with Tom" in cleo.last_reply.text


async def _with_intake(sim: ChatSimulator, goals: str = "run a 10k, lose 5 kg") -> str:
    """Tom records Maria's goals and weight, then gives her the link."""
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria Lopez")
    await tom.press("Add details")
    while "Weight" not in tom.last_reply.text:
        await tom.press("Skip")
    await tom.send("84 kg")
    while "Goals" not in tom.last_reply.text:
        await tom.press("Skip")
    await tom.send(goals)
    while "Check the new client" not in tom.last_reply.text:
        await tom.press("Skip")
    await tom.press("Create")
    return tom.last_reply.text.split("start=")[1].split()[0]


async def _personal(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        return bool((await session.execute(select(PermissionSet))).scalar_one().view_personal_data)


async def test_the_joining_client_sees_what_was_recorded_and_sharing_is_preselected(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    payload = await _with_intake(sim)
    maria = await onboard(sim, 2, "Maria", "client")
    await maria.send(f"/start {payload}")
    text = maria.last_reply.text
    assert "What Tom has recorded about you" in text
    assert "• Weight: 84 kg" in text
    assert "• Goals: run a 10k; lose 5 kg" in text
    assert "May Tom keep seeing these details? Now: ✅ yes" in text
    assert "✅ See your personal and health details" in maria.last_reply.flat_buttons
    await maria.press("Accept")
    assert "Tom can see the details they recorded about you" in maria.last_reply.text
    assert await _personal(session_factory) is True
    tom = sim.user(1, "Tom")
    await tom.send("/clients")
    await tom.press("Maria Lopez")
    assert "run a 10k" in tom.last_reply.text, "the trainer still sees the goals they typed"


async def test_the_client_can_keep_what_was_recorded_hidden(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    payload = await _with_intake(sim, goals="<b>bold</b> " + "g" * 150)
    maria = await onboard(sim, 2, "Maria", "client")
    await maria.send(f"/start {payload}")
    assert "<b>bold</b> ggg" in maria.last_reply.text, "typed text is shown, not parsed"
    await maria.press("See your personal and health details")
    assert "Now: ❌ no, they are hidden from Tom until you share them" in maria.last_reply.text
    await maria.press("Accept")
    assert "hidden from them; share them any time with /permissions" in maria.last_reply.text
    assert await _personal(session_factory) is False
    tom = sim.user(1, "Tom")
    await tom.send("/clients")
    await tom.press("Maria Lopez")
    assert "🔒" in tom.last_reply.text
    assert "<b>bold</b>" not in tom.last_reply.text


async def test_a_name_only_client_is_asked_nothing_about_recorded_details(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom)
    maria = await onboard(sim, 2, "Maria", "client")
    await maria.send(f"/start {payload}")
    assert "has recorded about you" not in maria.last_reply.text
    assert "❌ See your personal and health details" in maria.last_reply.flat_buttons
    await maria.press("Accept")
    assert await _personal(session_factory) is False
