"""/newclient through the chat simulator: every step, skips, bad input, edit, cancel, restart."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipStatus, RelationshipType
from storage.models import ClientProfile, Invite, Relationship, TrainerProfile
from tests.conftest import make_sim, restarted
from tests.factories import LINK, create_client, onboard
from tests.factories import row_count as _count
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator


async def test_every_step_answered_then_created_with_a_link(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    assert "name" in tom.last_reply.text
    assert "Skip" not in " ".join(tom.last_reply.flat_buttons), "the name is required"
    await tom.send("Maria Lopez")
    assert "Create now" in tom.last_reply.flat_buttons[0]
    await tom.press("Add details")
    assert "email and/or phone" in tom.last_reply.text
    await tom.send("maria@example.com, +44 7700 900123")
    await tom.send("17.05.1990")
    assert "Gender" in tom.last_reply.text
    await tom.press("Female")
    assert "Height" in tom.last_reply.text
    await tom.send("5'11\"")
    await tom.send("180 lb")
    await tom.send("18%")
    await tom.send("62")
    await tom.press("Intermediate")
    await tom.send("run a 10k, lose 5 kg")
    await tom.send("left knee")
    await tom.send("asthma")
    await tom.send("Ana Lopez (sister), +44 7700 900456")
    assert "How will you coach them" in tom.last_reply.text
    await tom.press("Online")
    summary = tom.last_reply.text
    for expected in (
        "Maria Lopez",
        "maria@example.com, +44 7700 900123",
        "1990-05-17",
        "female",
        "180.3 cm",
        "81.65 kg",
        "18.0%",
        "62 bpm",
        "intermediate",
        "run a 10k; lose 5 kg",
        "Online",
    ):
        assert expected in summary, expected
    assert await _count(session_factory, ClientProfile) == 0, "nothing is stored before Create"

    await tom.press("Create")
    text = tom.last_reply.text
    assert "Maria Lopez is now one of your clients (online)" in text
    match = LINK.search(text)
    assert match is not None
    assert match.group(1) == "SpotterTestBot"
    assert "expires on 30 Nov 2026" in text
    assert "📇 Open card" in tom.last_reply.flat_buttons
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
        relationship = (await session.execute(select(Relationship))).scalar_one()
        invite = (await session.execute(select(Invite))).scalar_one()
    assert (profile.name, profile.email, profile.gender) == (
        "Maria Lopez",
        "maria@example.com",
        "female",
    )
    assert str(profile.height_cm) == "180.3"
    assert profile.goals == ["run a 10k", "lose 5 kg"]
    assert profile.user_id is None
    assert relationship.status is RelationshipStatus.PENDING
    assert relationship.relationship_type is RelationshipType.ONLINE
    assert match.group(2)[4:] not in invite.token_hash

    await tom.press("Open card")
    assert "Maria Lopez" in tom.last_reply.text
    assert "pending" in tom.last_reply.text


async def test_bad_input_at_each_step_is_explained_and_the_step_repeats(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    bad_then_good = [
        ("   1234 ", "at least one letter", "Maria"),
        ("maria@", "not an email address", "maria@example.com"),
        ("2030-01-01", "must be in the past", "1990-05-17"),
        ("x" * 40, "32 characters", "female"),
        ("3 m", "not possible", "170"),
        ("1000 lb", "not possible", "70"),
        ("90%", "not possible", "20"),
        ("300", "not possible", "60"),
        ("superhuman", "Please pick one of", "beginner"),
        ("x" * 201, "at most 200", "get strong"),
        (",,,", "at least one injury", "none really"),
        ("x" * 2001, "limit is 2000", "none"),
        ("x" * 201, "200 characters", "Ana, 555 0100"),
        ("telepathic", "in person, online or hybrid", "hybrid"),
    ]
    for bad, message, good in bad_then_good:
        question = tom.last_reply.text.split("\n")[1]
        await tom.send(bad)
        assert message in tom.last_reply.text, (bad, tom.last_reply.text)
        assert "For example" in tom.last_reply.text
        assert question in tom.last_reply.text, "the same question is asked again"
        await tom.send(good)
        if good == "Maria":
            await tom.press("Add details")
    assert "Check the new client" in tom.last_reply.text
    assert await _count(session_factory, ClientProfile) == 0
    await tom.send("yes please")
    assert "Please tap a button" in tom.last_reply.text
    await tom.press("Create")
    assert await _count(session_factory, ClientProfile) == 1


async def test_edit_a_detail_from_the_summary_and_skip_clears_it(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press("Add details")
    await tom.send("maria@example.com")
    while "Check the new client" not in tom.last_reply.text:
        await tom.press("Skip")
    assert "Coaching: In person" in tom.last_reply.text
    await tom.press("Edit a detail")
    await tom.press("Name")
    await tom.send("Maria Lopez")
    assert "<b>" not in tom.last_reply.text
    assert "Maria Lopez" in tom.last_reply.text
    assert "Check the new client" in tom.last_reply.text, "editing returns to the summary"
    await tom.press("Edit a detail")
    await tom.press("Contact")
    await tom.press("Skip")
    assert "Contact: —" in tom.last_reply.text


async def test_cancel_and_stale_buttons_store_nothing(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press("Add details")
    contact_question = tom.last_reply.message_id
    await tom.press("Skip")
    # The Skip of an earlier question does not skip the current one.
    await tom.press_data("nc:skip:contact", message_id=contact_question)
    assert tom.last_answer == "This button belongs to an earlier question."
    assert "Date of birth" in tom.last_reply.text
    await tom.press_data("nc:opt:dob:7")
    assert tom.last_answer_alert
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await tom.press_data("nc:create")
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    assert await _count(session_factory, ClientProfile) == 0


async def test_clients_cannot_use_newclient_and_the_limit_is_explained(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    cleo = await onboard(sim, 2, "Cleo", "client")
    await cleo.send("/newclient")
    assert "/newclient is for trainers: add a client and get an invite link" in (
        cleo.last_reply.text
    )
    tom = await onboard(sim, 1, "Tom", "trainer")
    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(client_limit=1))
        await session.commit()
    await create_client(tom)
    await tom.send("/newclient")
    assert "client limit is 1" in tom.last_reply.text
    assert "/profile" in tom.last_reply.text


async def test_limit_reached_between_start_and_create_is_refused_at_create(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press("Add details")
    while "Check the new client" not in tom.last_reply.text:
        await tom.press("Skip")
    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(accepts_new_clients=False))
        await session.commit()
    await tom.press("Create")
    assert "not accepting new clients" in tom.last_reply.text
    assert "Create" in tom.last_reply.flat_buttons[0]
    assert await _count(session_factory, ClientProfile) == 0


async def test_a_restart_resumes_mid_flow(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press("Add details")
    await tom.send("maria@example.com")
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        tom2 = sim2.user(1, "Tom")
        await tom2.send("1990-05-17")
        assert "Gender" in tom2.last_reply.text
        while "Check the new client" not in tom2.last_reply.text:
            await tom2.press("Skip")
        assert "maria@example.com" in tom2.last_reply.text
        assert "1990-05-17" in tom2.last_reply.text
        await tom2.press("Create")
        assert LINK.search(tom2.last_reply.text)
    assert await _count(session_factory, ClientProfile) == 1


async def test_a_name_only_client_takes_one_message_and_one_tap(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    assert "Only the name is required" in tom.last_reply.text
    await tom.send("Zed <Brown>")
    choice = tom.last_reply
    assert "Zed <Brown>" in choice.text
    assert choice.flat_buttons == ["✅ Create now", "➕ Add details"]
    await tom.send("maria@example.com")
    assert "Please tap Create now or Add details" in tom.last_reply.text
    assert await _count(session_factory, ClientProfile) == 0
    await tom.press("Create now")
    assert "Zed <Brown> is now one of your clients (in person)" in tom.last_reply.text
    assert LINK.search(tom.last_reply.text)
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
        relationship = (await session.execute(select(Relationship))).scalar_one()
    assert (profile.name, profile.email, profile.goals) == ("Zed <Brown>", None, [])
    assert relationship.status is RelationshipStatus.PENDING
    assert relationship.relationship_type is RelationshipType.IN_PERSON
    # The choice's buttons are spent: a second tap creates nothing more.
    await tom.press("Create now", message_id=choice.message_id)
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    assert await _count(session_factory, ClientProfile) == 1


async def test_the_choice_refuses_forged_buttons_and_cancels(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press_data("nci:drop")
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    await tom.press_data("nci:now:7:x")
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    await tom.send("/cancel")
    assert "Cancelled" in tom.last_reply.text
    await tom.press_data("nci:now")
    assert tom.last_answer is not None
    assert "expired" in tom.last_answer
    assert await _count(session_factory, ClientProfile) == 0


async def test_editing_the_name_from_the_summary_skips_the_choice(sim: ChatSimulator) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    await tom.press("Add details")
    while "Check the new client" not in tom.last_reply.text:
        await tom.press("Skip")
    await tom.press("Edit a detail")
    await tom.press("Name")
    await tom.send("Maria Lopez")
    assert "Check the new client" in tom.last_reply.text
    assert "Create now" not in tom.last_reply.flat_buttons


async def test_the_choice_survives_a_restart(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria")
    async with restarted(settings, api, engine, clock) as app2:
        tom2 = make_sim(app2, api).user(1, "Tom")
        await tom2.press("Create now")
        assert "Maria is now one of your clients" in tom2.last_reply.text
    assert await _count(session_factory, ClientProfile) == 1
