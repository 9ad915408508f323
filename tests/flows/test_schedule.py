"""/schedule: booking, overlaps, reschedule, cancel and complete, through the simulator."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus, SessionType
from coaching.domain.permissions import PermissionFlags
from storage.models import ClientProfile
from tests.conftest import make_sim, restarted
from tests.factories import book, make_coaching, make_user, schedule_setup
from tests.factories import sessions as stored_sessions
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_the_common_booking_is_client_time_type(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/schedule")
    assert "Your next 14 days (Europe/London)" in alice.last_reply.text
    assert "Nothing booked" in alice.last_reply.text
    assert "Zed tomorrow 18:00 assessment" in alice.last_reply.text, "the one-message tip"
    await alice.press("New session")
    assert alice.last_reply.flat_buttons == ["Bob", "Carol", "⬅️ Back"]
    await alice.press("Bob")
    assert "When is the session with Bob?" in alice.last_reply.text
    assert "Europe/London" in alice.last_reply.text
    assert "2026-12-01 18:30" in alice.last_reply.text, "the example date lies ahead"

    await alice.send("today 8am")
    assert "has already passed" in alice.last_reply.text
    await alice.send("01/02 18:00")
    assert "01/02" in alice.last_reply.text
    await alice.send("tomorrow")
    assert "Add a time" in alice.last_reply.text
    await alice.send("tomorrow 18:00")
    assert "What kind of session with Bob, Tue 24 Nov 18:00 (60 min)?" in alice.last_reply.text
    assert "⚙️ More details" in alice.last_reply.flat_buttons
    assert "Skip" not in alice.last_reply.flat_buttons
    await alice.send("training please")
    assert "Tap a session type to book it" in alice.last_reply.text
    assert await stored_sessions(session_factory) == []
    await alice.press("Training")
    assert "Booked: Training session with Bob, Tue 24 Nov 18:00 (60 min)" in alice.last_reply.text
    assert "Bob has been told" in alice.last_reply.text

    notice = bob.last_reply.text
    assert "New session with Alice: Training session" in notice
    assert "Tue 24 Nov 13:00 · 60 min" in notice, "in Bob's own time zone"
    (row,) = await stored_sessions(session_factory)
    assert row.session_type is SessionType.TRAINING
    assert row.scheduled_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert (row.duration_minutes, row.focus_areas, row.goals, row.location) == (60, [], [], None)

    await alice.send("/schedule")
    assert "Tue 24 Nov 18:00 · Bob · Training session" in alice.last_reply.flat_buttons


async def test_more_details_are_one_button_away(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/schedule")
    await alice.press("New session")
    await alice.press("Bob")
    await alice.send("tomorrow 18:00")
    await alice.press("More details")
    menu = alice.last_reply.text
    assert "Duration: 60 min" in menu
    assert "Focus: —" in menu
    await alice.press("Duration")
    await alice.send("forever")
    assert "couldn't read that as a duration" in alice.last_reply.text
    await alice.send("75")
    assert "Duration: 75 min" in alice.last_reply.text
    await alice.press("Focus")
    await alice.send("squat depth, bracing")
    assert "Focus: squat depth, bracing" in alice.last_reply.text
    await alice.press("Location")
    await alice.send("x" * 300)
    assert "under 200 characters" in alice.last_reply.text
    await alice.send("Main gym, rack <3>")
    assert "Location: Main gym, rack <3>" in alice.last_reply.text
    await alice.press("Goals")
    await alice.press("Skip")
    assert "Goals: —" in alice.last_reply.text
    await alice.press("Location")
    await alice.press("Skip")
    assert "Location: —" in alice.last_reply.text
    await alice.press("Location")
    await alice.send("Main gym, rack 3")
    await alice.press("Done")
    assert "(75 min)" in alice.last_reply.text
    assert "Focus: squat depth, bracing" in alice.last_reply.text
    await alice.press("Assessment")
    assert "Booked: Assessment with Bob, Tue 24 Nov 18:00 (75 min)" in alice.last_reply.text
    assert "Main gym, rack 3" in bob.last_reply.text
    assert "squat depth, bracing" in bob.last_reply.text
    (row,) = await stored_sessions(session_factory)
    assert row.duration_minutes == 75
    assert row.focus_areas == ["squat depth", "bracing"]
    assert row.goals == []
    assert row.location == "Main gym, rack 3"


async def test_an_overlap_is_asked_about_once_and_only_when_there_is_one(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice, carol = sim.user(1001, "Alice"), sim.user(3003, "Carol")
    await book(alice, "Bob", "Training", "tomorrow 18:00")
    assert "Booked" in alice.last_reply.text, "no overlap, no question"
    await book(alice, "Carol", "Review", "tomorrow 19:00", "30 min")
    assert "Booked: Progress review with Carol, Tue 24 Nov 19:00 (30 min)" in (
        alice.last_reply.text
    ), "back to back is not an overlap"
    assert "Wed 25 Nov 04:00" in carol.last_reply.text, "Tokyo is nine hours ahead"

    await book(alice, "Carol", "Nutrition", "tomorrow 18:30", "30 min")
    assert (
        "The session with Carol on Tue 24 Nov 18:30 would overlap Bob's session 18:00–19:00"
        in alice.last_reply.text
    )
    assert alice.last_reply.flat_buttons == ["✅ Book anyway", "🕒 Pick another time"]
    assert len(await stored_sessions(session_factory)) == 2
    await alice.press("Pick another time")
    await alice.send("tomorrow 20:00")
    assert "Booked: Nutrition consult with Carol, Tue 24 Nov 20:00" in alice.last_reply.text

    await book(alice, "Carol", "Recovery", "tomorrow 18:15", "30 min")
    assert "overlap Bob's session 18:00–19:00" in alice.last_reply.text
    await alice.press("Book anyway")
    assert "Booked: Recovery session with Carol" in alice.last_reply.text
    assert len(await stored_sessions(session_factory)) == 4


async def test_a_booking_typed_in_one_message_is_confirmed_once(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/schedule")
    await alice.send("Bob tomorrow 18:00 assessment")
    confirm = alice.last_reply
    assert "Book Assessment with Bob on Tue 24 Nov 18:00 (60 min)?" in confirm.text
    assert "overlaps" not in confirm.text
    assert await stored_sessions(session_factory) == []
    await alice.press("✅ Book")
    assert "Booked: Assessment with Bob, Tue 24 Nov 18:00 (60 min)" in alice.last_reply.text
    assert "New session with Alice: Assessment" in bob.last_reply.text
    (row,) = await stored_sessions(session_factory)
    assert row.session_type is SessionType.ASSESSMENT
    assert row.scheduled_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC), "Alice's London time"

    # With the command itself, the client last, and an overlap named in the confirmation.
    await alice.send("/schedule tomorrow 18:30 review with carol")
    assert "Book Progress review with Carol on Tue 24 Nov 18:30 (60 min)?" in (
        alice.last_reply.text
    )
    assert "It overlaps Bob's session 18:00–19:00" in alice.last_reply.text
    await alice.press("More details")
    await alice.press("Duration")
    await alice.press("30 min")
    await alice.press("Done")
    assert "(30 min)?" in alice.last_reply.text
    await alice.press("✅ Book")
    assert "Booked: Progress review with Carol, Tue 24 Nov 18:30 (30 min)" in (
        alice.last_reply.text
    ), "the overlap was in the confirmation: no second question"
    assert len(await stored_sessions(session_factory)) == 2

    # Without a type, the type's buttons book.
    await alice.send("/schedule")
    await alice.send("Bob fri 7am")
    assert "What kind of session with Bob, Fri 27 Nov 07:00" in alice.last_reply.text
    await alice.press("Recovery")
    assert "Booked: Recovery session with Bob, Fri 27 Nov 07:00" in alice.last_reply.text

    # Don't book leaves nothing behind.
    await alice.send("/schedule Carol sat 10:00 nutrition")
    await alice.press("Don't book")
    assert "Nothing was booked" in alice.last_reply.text
    assert len(await stored_sessions(session_factory)) == 3


async def test_a_typed_booking_says_which_part_it_could_not_read(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/schedule")
    await alice.send("Zed tomorrow 18:00 assessment")
    assert "couldn't find one of your active clients named" in alice.last_reply.text
    assert "Zed tomorrow 18:00 assessment" in alice.last_reply.text
    await alice.send("Bob assessment")
    assert "I found Bob, but no time" in alice.last_reply.text
    await alice.send("Bob yesterday 18:00 assessment")
    assert "I found Bob, but couldn't read the time yesterday 18:00" in alice.last_reply.text
    assert "already passed" in alice.last_reply.text
    await alice.send("<b>" * 500)
    assert len(alice.last_reply.text) < 4096
    assert await stored_sessions(session_factory) == []


async def test_a_name_that_fits_several_clients_asks_which_one(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True, timezone="UTC")
    for number in range(30):
        client = await make_user(
            session_factory, 5000 + number, f"Zed{number}", client=True, timezone="UTC"
        )
        await make_coaching(session_factory, alice, client, name=f"Zed Client{number}")
    other = await make_user(session_factory, 6000, "Zoe", client=True)
    await make_coaching(session_factory, alice, other, name="Zoe Brown")
    chat = sim.user(1001, "Alice")
    await chat.send("/schedule")
    await chat.send("Zed tomorrow 18:00 training")
    assert "Which client do you mean by Zed?" in chat.last_reply.text
    assert "20 of 30 shown" in chat.last_reply.text
    assert len(chat.last_reply.flat_buttons) == 20
    # A client not offered is refused, even if she is Alice's.
    zoe_id = await _profile_id(session_factory, "Zoe Brown")
    await chat.press_data(f"bk:who:{zoe_id}")
    assert chat.last_answer is not None
    assert "out of date" in chat.last_answer
    await chat.press("Zed Client12")
    assert "Book Training session with Zed Client12 on Tue 24 Nov 18:00" in chat.last_reply.text
    await chat.press("✅ Book")
    (row,) = await stored_sessions(session_factory)
    assert row.session_type is SessionType.TRAINING

    # The whole name picks one client at once.
    await chat.send("/schedule Zed Client3 wed 9am")
    assert "What kind of session with Zed Client3" in chat.last_reply.text


async def _profile_id(factory: Factory, name: str) -> int:
    async with factory() as session:
        found = await session.execute(select(ClientProfile.id).where(ClientProfile.name == name))
        return int(found.scalar_one())


async def test_reschedule_cancel_and_complete(
    sim: ChatSimulator, clock: ManualClock, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice, bob, carol = sim.user(1001, "Alice"), sim.user(2002, "Bob"), sim.user(3003, "Carol")
    await book(alice, "Bob", "Training", "tomorrow 18:00")
    await book(alice, "Carol", "Assessment", "wed 9am", "45 min")

    await alice.send("/schedule")
    await alice.press("Tue 24 Nov 18:00 · Bob · Training session")
    assert "Status: scheduled" in alice.last_reply.text
    await alice.press("Reschedule")
    assert "New time for Training session with Bob" in alice.last_reply.text
    await alice.send("yesterday 9am")
    assert "has already passed" in alice.last_reply.text
    await alice.send("wed 9:30")
    assert "overlaps Carol's session 09:00–09:45" in alice.last_reply.text
    await alice.press("Pick another time")
    await alice.send("wed 7am")
    assert "Moved Training session with Bob to Wed 25 Nov 07:00" in alice.last_reply.text
    assert "Moved from: Tue 24 Nov 18:00" in alice.last_reply.text
    assert "Alice moved your session Training session" in bob.last_reply.text
    assert "from Tue 24 Nov 13:00 to Wed 25 Nov 02:00" in bob.last_reply.text
    old, carols, new = await stored_sessions(session_factory)
    assert old.status is SessionStatus.RESCHEDULED
    assert (new.status, new.rescheduled_from_id) == (SessionStatus.SCHEDULED, old.id)

    # A stale button on the old row is refused.
    await alice.press_data(f"sch:x:{old.id}")
    assert alice.last_answer is not None
    assert "moved to a new time" in alice.last_answer

    await alice.send("/schedule")
    await alice.press("Wed 25 Nov 09:00 · Carol · Assessment")
    await alice.press("Cancel")
    assert "Type the reason" in alice.last_reply.text
    await alice.send("Gym closed for repairs")
    assert "Cancelled Assessment with Carol on Wed 25 Nov 09:00" in alice.last_reply.text
    assert "Alice cancelled your session Assessment on Wed 25 Nov 18:00" in carol.last_reply.text
    assert "Reason: Gym closed for repairs" in carol.last_reply.text

    await alice.press_data(f"sch:s:{new.id}")
    await alice.press("Complete")
    assert alice.last_answer is not None
    assert "hasn't started yet" in alice.last_answer
    clock.set(datetime(2026, 11, 25, 8, 5, tzinfo=UTC))
    await alice.press("Complete")
    assert "Type your session notes" in alice.last_reply.text
    await alice.send("Great depth today")
    assert "Outcomes?" in alice.last_reply.text
    await alice.send("new 5RM squat 120 kg, hips better")
    assert "Training session with Bob is complete" in alice.last_reply.text
    assert "Outcomes: new 5RM squat 120 kg, hips better" in alice.last_reply.text
    assert "Training session on Wed 25 Nov 02:00 with Alice is complete" in bob.last_reply.text
    assert "Great depth" not in bob.last_reply.text, "the trainer's notes stay private"
    rows = await stored_sessions(session_factory)
    assert rows[1].status is SessionStatus.CANCELLED
    assert rows[1].status_reason == "Gym closed for repairs"
    assert rows[2].status is SessionStatus.COMPLETED
    assert rows[2].trainer_notes == "Great depth today"
    assert carols.id == rows[1].id


async def test_cancel_forged_buttons_and_permissions(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    bob_coaching, _ = await schedule_setup(session_factory)
    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    erin = await make_user(session_factory, 5005, "Erin", client=True)
    foreign = await make_coaching(session_factory, dave, erin)
    fay = await make_user(session_factory, 6006, "Fay", client=True)
    await make_coaching(
        session_factory, bob_coaching.trainer, fay, flags=PermissionFlags(assign_workouts=False)
    )
    alice = sim.user(1001, "Alice")
    await alice.send("/schedule")
    await alice.press("New session")
    await alice.press_data(f"sch:c:{foreign.profile.id}")
    assert alice.last_answer == "I can't find that client among yours."
    await alice.press("Fay")
    assert alice.last_answer == "The client has not allowed you to assign them workouts."
    await alice.press("Bob")
    await alice.send("tomorrow 18:00")
    await alice.press_data("sch:t:PARTY")
    assert alice.last_answer == "That isn't a session type I offered. Tap one of the buttons."
    await alice.press("More details")
    for forged in ("bk:f:9", "bk:f", "bk:f:1:2:x"):
        await alice.press_data(forged)
        assert alice.last_answer is not None
        assert "expired" in alice.last_answer or "out of date" in alice.last_answer
    await alice.press("Duration")
    await alice.press_data("bk:d:7")
    assert alice.last_answer == "Tap one of the durations, or type the minutes."
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    assert await stored_sessions(session_factory) == []

    await book(alice, "Bob", "Training", "tomorrow 18:00")
    (row,) = await stored_sessions(session_factory)
    # A typed booking for another trainer's client, or a client who doesn't allow booking.
    await alice.send("/schedule Erin tomorrow 18:00 training")
    assert "couldn't find one of your active clients" in alice.last_reply.text
    await alice.send("Fay tomorrow 20:00 training")
    assert "not allowed you to assign them workouts" in alice.last_reply.text
    assert len(await stored_sessions(session_factory)) == 1
    dave_chat = sim.user(4004, "Dave")
    await dave_chat.send("/schedule")
    for data in (f"sch:s:{row.id}", "sch:s:99999"):
        await dave_chat.press_data(data)
        assert dave_chat.last_answer == "I can't find that session among yours."
    bob = sim.user(2002, "Bob")
    await bob.send("/schedule")
    assert "/schedule is for trainers" in bob.last_reply.text
    (row,) = await stored_sessions(session_factory)
    assert row.status is SessionStatus.SCHEDULED


async def test_a_confirmation_survives_a_restart(
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    sim: ChatSimulator,
    session_factory: Factory,
) -> None:
    await schedule_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/schedule Bob tomorrow 18:00 assessment")
    assert "Book Assessment with Bob" in alice.last_reply.text
    async with restarted(settings, api, engine, clock) as app2:
        alice2 = make_sim(app2, api).user(1001, "Alice")
        await alice2.press("✅ Book")
        assert "Booked: Assessment with Bob, Tue 24 Nov 18:00" in alice2.last_reply.text
        await alice2.press_data("bk:ok")
        assert alice2.last_answer is not None
        assert "expired" in alice2.last_answer, "a second tap books nothing more"
    (row,) = await stored_sessions(session_factory)
    assert row.session_type is SessionType.ASSESSMENT


async def test_calendar_buttons_of_the_wrong_shape_are_out_of_date(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await schedule_setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/schedule")
    for forged in ("sch:ls", "sch:ls:0:1", "sch:new:5", "sch:s:1:TRAINING", "sch:c:x"):
        await alice.press_data(forged)
        assert alice.last_answer is not None
        assert "expired" in alice.last_answer
    await alice.press_data("sch:ls:0")
    assert "Your next 14 days" in alice.last_reply.text
