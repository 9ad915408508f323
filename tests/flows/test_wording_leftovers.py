"""Small wording fixes a user reads: counts in the singular, time zones by city, date
examples that fit the question, and "skip" typed instead of tapped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipStatus, RelationshipType, SetType, Units
from coaching.services.base import ServiceContext
from coaching.services.plan import format_last_sets
from storage.models import (
    Certificate,
    ClientAlert,
    ClientProfile,
    CoachingSession,
    Relationship,
    SetRecord,
)
from tests.factories import (
    DEFAULT_SESSIONS,
    alerts_world,
    create_client,
    join_by_invite,
    joined_client,
    live_message,
    make_coaching,
    make_program,
    make_user,
    onboard,
    plan_session,
    register,
    schedule_setup,
    trainer_and_client,
)
from tests.factories import sessions as stored_sessions
from tests.factories import user_row as _user
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


# --------------------------------------------------------------------------- one, not ones


async def test_one_set_is_counted_in_the_singular_in_the_live_session(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(
        session_factory,
        coaching,
        at=clock.now(),
        exercises=(("barbell-back-squat", 1, 5, "100", None),),
    )
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    await tom.press("Next ›")
    assert "All exercises done (1 set)." in live_message(tom).text
    await tom.press("🏁 Finish")
    assert "Finish Lower A? 1 set logged." in live_message(tom).text
    await tom.press("Yes, finish")
    summary = tom.last_reply.text
    assert "· 1 set · 500 kg volume" in summary
    assert "• Barbell Back Squat: 1 set · best 100 kg × 5" in summary
    assert "1 sets" not in summary


async def test_a_one_session_program_is_counted_in_the_singular(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice_user = await make_user(session_factory, 1001, "Alice", trainer=True)
    bob_user = await make_user(session_factory, 2002, "Bob", client=True)
    await make_coaching(session_factory, alice_user, bob_user)
    await make_program(
        session_factory, alice_user, name="Test Day", weeks=1, sessions=DEFAULT_SESSIONS[:1]
    )
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/assign")
    await alice.press("Bob")
    await alice.press("Test Day")
    await alice.press("Next Monday")
    await alice.press("Mon")
    await alice.press("Done")
    await alice.send("7am")
    assert "1 session, last one Mon 30 Nov." in alice.last_reply.text
    await alice.press("✅ Assign")
    assert "Test Day is assigned to Bob: 1 session from Mon 30 Nov." in alice.last_reply.text
    assert "1 session, Mon at 07:00, from Mon 30 Nov to Mon 30 Nov." in bob.last_reply.text
    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Test Day (assigned)")
    assert "0 of 1 session done." in alice.last_reply.text


def test_last_time_with_one_rep_says_rep() -> None:
    def reps_only(reps: int) -> SetRecord:
        return SetRecord(
            set_type=SetType.NORMAL,
            reps=reps,
            weight_kg=None,
            bodyweight=False,
            entered_unit=None,
            duration_s=None,
            distance_m=None,
        )

    assert format_last_sets([reps_only(1)], Units.KG) == "1 rep"
    assert format_last_sets([reps_only(12), reps_only(10)], Units.KG) == "12, 10 reps"
    weighted = reps_only(1)
    weighted.weight_kg = Decimal("140.000")
    assert format_last_sets([weighted], Units.KG) == "140 kg × 1"


# --------------------------------------------------------------------------- time zones by city


async def test_start_takes_a_city_for_the_time_zone(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    bob = sim.user(2002, "Bob")
    await bob.send("/start")
    await bob.press("I'm a client")
    assert "e.g. Madrid, New York or Europe/Madrid" in bob.last_reply.text
    await bob.send("Atlantis")
    assert "I don't know a time zone or city called “Atlantis”" in bob.last_reply.text
    assert "a city such as Madrid or New York" in bob.last_reply.text
    assert not (await _user(session_factory, 2002)).onboarded

    await bob.send("new york")
    assert "You're registered as a client, in America/New_York." in bob.last_reply.text
    user = await _user(session_factory, 2002)
    assert (user.onboarded, user.timezone) == (True, "America/New_York")


async def test_an_invited_client_types_a_city(sim: ChatSimulator, session_factory: Factory) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    payload = await create_client(tom, "Cleo Smith")
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/start {payload}")
    await cleo.press("Accept")
    await cleo.send("madrid")
    assert "Your time zone is Europe/Madrid." in cleo.last_reply.text
    user = await _user(session_factory, 2)
    assert (user.onboarded, user.timezone) == (True, "Europe/Madrid")


# --------------------------------------------------------------------------- certificate dates


async def test_certificate_date_errors_give_examples_that_fit_the_question(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice = await register(sim, 1001, "Alice", "trainer")
    await alice.send("/profile")
    await alice.press("Certificates")
    await alice.press("Add certificate")
    await alice.send("NASM CPT")
    await alice.send("NASM")
    await alice.send("someday")
    reply = alice.last_reply.text
    assert "Try '2024-11-01', '1 nov 2024' or 'last year'." in reply, "dates in the past"
    assert "tomorrow" not in reply
    await alice.send("last year")
    await alice.send("whenever")
    reply = alice.last_reply.text
    assert "Try '2028-11-01', '1 nov 2028' or 'in 2 years'." in reply, "dates to come"
    await alice.send("in 2 years")
    await alice.press("Skip")
    assert "Certificate NASM CPT added" in alice.last_reply.text
    async with session_factory() as session:
        cert = (await session.execute(select(Certificate))).scalar_one()
    assert (cert.date_obtained, cert.expiration_date) == (date(2025, 11, 23), date(2028, 11, 23))


# --------------------------------------------------------------------------- typed "skip"


async def test_newclient_optional_steps_take_a_typed_skip(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    await tom.send("/newclient")
    await tom.send("Maria Lopez")
    await tom.press("Add details")
    for _ in range(20):
        if "Check the new client" in tom.last_reply.text:
            break
        await tom.send("skip")
        assert "⚠️" not in tom.last_reply.text, tom.transcript()
    await tom.press("Create")
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
        relationship = (await session.execute(select(Relationship))).scalar_one()
    assert profile.name == "Maria Lopez"
    assert (profile.email, profile.phone, profile.medical_notes) == (None, None, None)
    assert (profile.goals, profile.injuries, profile.emergency_contact) == ([], [], None)
    assert relationship.relationship_type is RelationshipType.IN_PERSON


async def test_injury_details_take_a_typed_skip(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 2001, "Alice", client=True)
    alice = sim.user(2001, "Alice")
    await alice.send("/injury")
    await alice.press("Shoulder")
    await alice.press("3")
    await alice.send("skip")
    assert "Noted: Shoulder, 3/10" in alice.last_reply.text
    async with session_factory() as session:
        profile = (await session.execute(select(ClientProfile))).scalar_one()
    assert [entry.get("text") for entry in profile.injuries] == [None]


async def test_a_trainer_pauses_with_a_typed_skip_but_must_give_an_end_reason(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom, cleo = await joined_client(sim)
    await tom.send("/clients")
    await tom.press("Cleo Smith")
    await tom.press("Pause")
    await tom.send("skip")
    assert "Coaching paused" in tom.last_reply.text
    assert "skip" not in cleo.last_reply.text.lower()
    async with session_factory() as session:
        relationship = (await session.execute(select(Relationship))).scalar_one()
    assert (relationship.status, relationship.status_reason) == (RelationshipStatus.PAUSED, None)


async def test_a_client_pauses_with_a_typed_skip(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    tom = await onboard(sim, 1, "Tom", "trainer")
    alice = await onboard(sim, 2, "Alice", "client")
    await join_by_invite(tom, alice, "Alice B")
    await alice.send("/permissions")
    await alice.press("Pause coaching")
    await alice.send("Skip")
    assert "Coaching paused" in alice.last_reply.text
    assert "Skip" not in tom.last_reply.text
    async with session_factory() as session:
        relationship = (await session.execute(select(Relationship))).scalar_one()
    assert (relationship.status, relationship.status_reason) == (RelationshipStatus.PAUSED, None)


async def test_schedule_optional_steps_take_a_typed_skip(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await schedule_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/schedule")
    await alice.press("New session")
    await alice.press("Bob")
    await alice.send("tomorrow 18:00")
    await alice.press("More details")
    await alice.press("Focus")
    await alice.send("skip")
    assert "Focus: —" in alice.last_reply.text
    await alice.press("Goals")
    assert "Goals for the session?" in alice.last_reply.text
    await alice.send("none")
    await alice.press("Location")
    assert "Where?" in alice.last_reply.text
    await alice.send("-")
    assert "Location: —" in alice.last_reply.text
    await alice.press("Done")
    await alice.press("Training")
    assert "Booked: Training session with Bob" in alice.last_reply.text
    (booked,) = await stored_sessions(session_factory)
    assert (booked.focus_areas, booked.goals, booked.location) == ([], [], None)

    clock.set(datetime(2026, 11, 24, 18, 5, tzinfo=UTC))
    await alice.send("/schedule")
    await alice.press_data(f"sch:s:{booked.id}")
    await alice.press("Complete")
    await alice.send("Good session")
    await alice.send("Skip")
    assert "Training session with Bob is complete" in alice.last_reply.text
    assert "Outcomes:" not in alice.last_reply.text
    async with session_factory() as session:
        done = await session.get(CoachingSession, booked.id)
    assert done is not None
    assert done.outcomes == []


async def test_alert_notes_take_a_typed_skip(
    sim: ChatSimulator,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    await alerts_world(session_factory, ctx, clock)
    async with session_factory() as session:
        first = (await session.execute(select(ClientAlert).order_by(ClientAlert.id))).scalars()
        alert_id = next(iter(first)).id
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    await tara.press_data(f"al:r:{alert_id}")
    await tara.send("skip")
    assert "Alert resolved" in tara.last_reply.text
    async with session_factory() as session:
        alert = await session.get(ClientAlert, alert_id)
    assert alert is not None
    assert (alert.is_resolved, alert.resolution_notes) == (True, None)


# --------------------------------------------------------------------------- /help mid-onboarding


async def test_help_after_a_cancelled_onboarding_says_how_to_finish(sim: ChatSimulator) -> None:
    ann = sim.user(3003, "Ann")
    await ann.send("/start")
    await ann.press("I'm a trainer")
    await ann.send("/help")
    assert "pick your time zone above" in ann.last_reply.text
    await ann.send("/cancel")
    await ann.send("/help")
    assert "send /start to pick your time zone and finish" in ann.last_reply.text
    await ann.send("/start")
    assert "Which time zone are you in?" in ann.last_reply.text
    await ann.send("London")
    assert "in Europe/London" in ann.last_reply.text
