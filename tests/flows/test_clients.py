"""/clients: the list by status with pages, the card within permissions, and its actions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.client_profile import ClientDraft
from coaching.domain.enums import RelationshipStatus
from coaching.services.base import ServiceContext
from coaching.services.clients import ClientService
from conversations import clients as clients_flow
from storage.models import ClientProfile, Relationship
from tests.factories import create_client, joined_client, onboard
from tests.fakes.chat import ChatSimulator


async def _relationship(factory: async_sessionmaker[AsyncSession]) -> Relationship:
    async with factory() as session:
        found = await session.execute(select(Relationship).order_by(Relationship.id).limit(1))
        return found.scalar_one()


async def test_list_by_status_with_pages(sim: ChatSimulator, ctx: ServiceContext) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/clients")
    assert "No active clients" in tom.last_reply.text
    for i in range(10):
        await ClientService(ctx).create_client(1, ClientDraft(name=f"Client {i:02d}"), ttl_days=7)
    await tom.send("/clients")
    text = tom.last_reply.text
    assert "Pending (10)" in text, "the first non-empty group opens"
    assert "Page 1 of 2" in text
    names = [b for b in tom.last_reply.flat_buttons if b.startswith("Client")]
    assert names == [f"Client {i:02d} ⏳" for i in range(8)]
    await tom.press("▶")
    assert "Page 2 of 2" in tom.last_reply.text
    assert [b for b in tom.last_reply.flat_buttons if b.startswith("Client")] == [
        "Client 08 ⏳",
        "Client 09 ⏳",
    ]
    assert "▶" not in tom.last_reply.flat_buttons
    await tom.press("◀")
    assert "Page 1 of 2" in tom.last_reply.text
    await tom.press("Active 0")
    assert "No active clients" in tom.last_reply.text
    await tom.press_data("cl:ls:x:0")
    assert tom.last_answer_alert


async def test_card_shows_personal_details_only_when_shared(
    sim: ChatSimulator,
) -> None:
    tom, cleo = await joined_client(sim)
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    card = tom.last_reply.text
    assert "Status: 🟢 active" in card
    assert "cleo@example.com" in card
    assert "🔒" not in card
    await cleo.send("/permissions")
    await cleo.press("See your personal and health details")
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    card = tom.last_reply.text
    assert "🔒 The client has not shared personal details." in card
    assert "cleo@example.com" not in card


async def test_pause_resume_extend_notes_and_end_from_the_card(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom, cleo = await joined_client(sim)
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    await tom.press("Pause")
    assert "Why are you pausing" in tom.last_reply.text
    await tom.send("x" * 501)
    assert "limit is 500" in tom.last_reply.text
    await tom.send("holiday")
    assert "Coaching paused" in tom.last_reply.text
    assert "Status: ⏸ paused" in tom.last_reply.text
    assert "Tom paused your coaching relationship" in cleo.last_reply.text
    assert "holiday" in cleo.last_reply.text
    assert (await _relationship(session_factory)).status is RelationshipStatus.PAUSED

    await tom.press("Resume")
    assert "Status: 🟢 active" in tom.last_reply.text
    assert "Tom resumed" in cleo.last_reply.text

    await tom.press("Extend")
    await tom.send("2026-11-01")
    assert "must be after today" in tom.last_reply.text
    await tom.send("31/03/2027")
    assert "End date set to 2027-03-31" in tom.last_reply.text
    assert "set the end of your coaching to 2027-03-31" in cleo.last_reply.text

    await tom.press("Notes")
    await tom.send("x" * 2001)
    assert "limit is 2000" in tom.last_reply.text
    await tom.send("knee <rehab>")
    assert "Notes saved" in tom.last_reply.text
    assert "Notes: knee <rehab>" in tom.last_reply.text
    assert "knee" not in cleo.last_reply.text, "notes are the trainer's only"

    await tom.press("🛑 End")
    await tom.send("/cancel")
    assert (await _relationship(session_factory)).status is RelationshipStatus.ACTIVE
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    await tom.press("🛑 End")
    await tom.send("   ")
    assert "Please give a short reason" in tom.last_reply.text
    await tom.send("moving away")
    assert "Status: 🛑 ended" in tom.last_reply.text
    assert "data stays with them" in tom.last_reply.text
    assert "Tom ended your coaching relationship" in cleo.last_reply.text
    relationship = await _relationship(session_factory)
    assert (relationship.status, relationship.status_reason) == (
        RelationshipStatus.TERMINATED,
        "moving away",
    )
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
    assert profile.user_id is not None


async def test_new_link_and_revoke_for_a_client_not_joined_yet(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    first = await create_client(tom)
    await tom.press("Open card")
    assert "Invite link open until 30 Nov 2026" in tom.last_reply.text
    await tom.press("New invite link")
    assert "New invite link for Maria Lopez" in tom.last_reply.text
    second = tom.last_reply.text.split("start=")[1].split()[0]
    assert second != first
    await tom.press("Back to card")
    await tom.press("Revoke invite")
    assert "Invite link revoked" in tom.last_reply.text
    assert "Revoke invite" not in " ".join(tom.last_reply.flat_buttons)
    cleo = sim.user(2, "Cleo")
    for payload in (first, second):
        await cleo.send(f"/start {payload}")
        assert "withdrawn" in cleo.last_reply.text


async def test_card_actions_registry_adds_buttons(sim: ChatSimulator) -> None:
    clients_flow.CARD_ACTIONS.append(("🧪 Extra", "xx:go"))
    try:
        tom = await onboard(sim, 1, "Tom", "trainer")
        await create_client(tom)
        await tom.press("Open card")
        row = next(r for r in tom.last_reply.button_data if any(d.startswith("xx:go:") for d in r))
        assert sum(d.startswith("xx:go:") for d in row) == 1
    finally:
        clients_flow.CARD_ACTIONS.remove(("🧪 Extra", "xx:go"))


async def test_forged_and_stale_card_buttons_are_refused(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom, cleo = await joined_client(sim)
    olga = await onboard(sim, 3, "Olga", "trainer")
    relationship = await _relationship(session_factory)
    pid, rid = relationship.client_profile_id, relationship.id
    for data in (
        f"cl:card:{pid}",
        f"cl:pause:{rid}",
        f"cl:end:{rid}",
        f"cl:ext:{rid}",
        f"cl:note:{rid}",
        f"cl:inv:{pid}",
        f"cl:rev:{pid}",
        f"cl:resume:{rid}",
        "cl:card:999",
        "cl:card:abc",
    ):
        await olga.press_data(data)
        assert olga.last_answer_alert, data
        assert "Cleo" not in (olga.last_answer or "")
    await olga.press_data("cl:card:999")
    unknown = olga.last_answer
    await olga.press_data(f"cl:card:{pid}")
    assert olga.last_answer == unknown, "someone else's client looks like no client at all"
    await cleo.press_data(f"cl:card:{pid}")
    assert "/clients is for trainers" in cleo.last_reply.text, "a client: what it is for"
    assert cleo.last_reply.flat_buttons == ["🏋️ Become a trainer too"]
    assert (await _relationship(session_factory)).status is RelationshipStatus.ACTIVE
    await tom.press_data("cl:skip")
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer


async def test_the_expiry_job_tells_both_sides(
    sim: ChatSimulator,
    app: SpotterApplication,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    tom, cleo = await joined_client(sim)
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    await tom.press("Extend")
    await tom.send("2026-11-30")
    clock.advance(days=8)
    await clients_flow.expire_relationships(CallbackContext(app))
    assert "reached its end date (2026-11-30) and has expired" in tom.last_reply.text
    assert "Cleo" in tom.last_reply.text
    assert "Tom" in cleo.last_reply.text
    assert "has expired" in cleo.last_reply.text
    assert (await _relationship(session_factory)).status is RelationshipStatus.EXPIRED
    await tom.press("Open card")
    assert "Status: ⌛ expired" in tom.last_reply.text
