"""/schedule: booking, overlaps, reschedule, cancel and complete, through the simulator."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus, SessionType
from coaching.domain.permissions import PermissionFlags
from storage.models import CoachingSession
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


async def setup(factory: Factory) -> tuple[Coaching, Coaching]:
    alice = await make_user(factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(
        factory, 2002, "Bob", client=True, timezone="America/New_York", quiet_hours=False
    )
    carol = await make_user(
        factory, 3003, "Carol", client=True, timezone="Asia/Tokyo", quiet_hours=False
    )
    return await make_coaching(factory, alice, bob), await make_coaching(factory, alice, carol)


async def stored(factory: Factory) -> list[CoachingSession]:
    async with factory() as session:
        rows = await session.execute(select(CoachingSession).order_by(CoachingSession.id))
        return list(rows.scalars())


async def book(alice: SimUser, client: str, kind: str, when: str, minutes: str) -> None:
    await alice.send("/schedule")
    await alice.press("New session")
    await alice.press(client)
    await alice.press(kind)
    await alice.send(when)
    await alice.press(minutes)
    await alice.press("Skip")
    await alice.press("Skip")
    await alice.press("Skip")


async def test_booking_a_session_step_by_step(sim: ChatSimulator, session_factory: Factory) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/schedule")
    assert "Your next 14 days (Europe/London)" in alice.last_reply.text
    assert "Nothing booked" in alice.last_reply.text
    await alice.press("New session")
    assert alice.last_reply.flat_buttons == ["Bob", "Carol", "⬅️ Back"]
    await alice.press("Bob")
    assert "What kind of session with Bob?" in alice.last_reply.text
    assert "🎯 Goal setting" in alice.last_reply.flat_buttons
    await alice.press("Training")
    assert "Europe/London" in alice.last_reply.text

    await alice.send("today 8am")
    assert "has already passed" in alice.last_reply.text
    await alice.send("01/02 18:00")
    assert "01/02" in alice.last_reply.text
    await alice.send("tomorrow")
    assert "Add a time" in alice.last_reply.text
    await alice.send("tomorrow 18:00")
    assert "How long?" in alice.last_reply.text
    await alice.send("forever")
    assert "couldn't read that as a duration" in alice.last_reply.text
    await alice.press("60 min")
    assert "Focus areas?" in alice.last_reply.text
    await alice.send("squat depth, bracing")
    assert "Goals for the session?" in alice.last_reply.text
    await alice.press("Skip")
    await alice.send("Main gym, rack 3")
    assert "Booked: Training session with Bob, Tue 24 Nov 18:00 (60 min)" in alice.last_reply.text
    assert "Bob has been told" in alice.last_reply.text

    notice = bob.last_reply.text
    assert "New session with Alice: Training session" in notice
    assert "Tue 24 Nov 13:00 · 60 min" in notice, "in Bob's own time zone"
    assert "Main gym, rack 3" in notice
    assert "squat depth, bracing" in notice
    (row,) = await stored(session_factory)
    assert row.session_type is SessionType.TRAINING
    assert row.scheduled_at == datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    assert row.focus_areas == ["squat depth", "bracing"]
    assert row.goals == []
    assert row.location == "Main gym, rack 3"

    await alice.send("/schedule")
    assert "Tue 24 Nov 18:00 · Bob · Training session" in alice.last_reply.flat_buttons


async def test_overlaps_are_warned_about_before_saving(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice, carol = sim.user(1001, "Alice"), sim.user(3003, "Carol")
    await book(alice, "Bob", "Training", "tomorrow 18:00", "60 min")
    await book(alice, "Carol", "Review", "tomorrow 18:30", "30 min")
    assert "This overlaps Bob's session 18:00–19:00. Save anyway?" in alice.last_reply.text
    assert len(await stored(session_factory)) == 1
    await alice.press("Pick another time")
    await alice.send("tomorrow 19:00")
    assert "Booked: Progress review with Carol, Tue 24 Nov 19:00 (30 min)" in (
        alice.last_reply.text
    )
    assert "Wed 25 Nov 04:00" in carol.last_reply.text, "Tokyo is nine hours ahead"

    await book(alice, "Carol", "Nutrition", "tomorrow 18:15", "30 min")
    assert "overlaps Bob's session 18:00–19:00" in alice.last_reply.text
    await alice.press("Save anyway")
    assert "Booked: Nutrition consult with Carol" in alice.last_reply.text
    assert len(await stored(session_factory)) == 3


async def test_reschedule_cancel_and_complete(
    sim: ChatSimulator, clock: ManualClock, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice, bob, carol = sim.user(1001, "Alice"), sim.user(2002, "Bob"), sim.user(3003, "Carol")
    await book(alice, "Bob", "Training", "tomorrow 18:00", "60 min")
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
    old, carols, new = await stored(session_factory)
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
    rows = await stored(session_factory)
    assert rows[1].status is SessionStatus.CANCELLED
    assert rows[1].status_reason == "Gym closed for repairs"
    assert rows[2].status is SessionStatus.COMPLETED
    assert rows[2].trainer_notes == "Great depth today"
    assert carols.id == rows[1].id


async def test_cancel_forged_buttons_and_permissions(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    bob_coaching, _ = await setup(session_factory)
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
    await alice.press_data("sch:t:PARTY")
    assert alice.last_answer == "That isn't a session type I offered. Tap one of the buttons."
    await alice.press("Training")
    await alice.send("tomorrow 18:00")
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    assert await stored(session_factory) == []

    await book(alice, "Bob", "Training", "tomorrow 18:00", "60 min")
    (row,) = await stored(session_factory)
    dave_chat = sim.user(4004, "Dave")
    await dave_chat.send("/schedule")
    for data in (f"sch:s:{row.id}", "sch:s:99999"):
        await dave_chat.press_data(data)
        assert dave_chat.last_answer == "I can't find that session among yours."
    bob = sim.user(2002, "Bob")
    await bob.send("/schedule")
    assert "Only trainers" in bob.last_reply.text
    (row,) = await stored(session_factory)
    assert row.status is SessionStatus.SCHEDULED
