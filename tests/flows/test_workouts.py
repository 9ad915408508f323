"""/workout: single workouts for a day and time, and one day's workout changed for one client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import RecordStatus, SessionStatus
from coaching.domain.permissions import PermissionFlags
from coaching.services.plan import planned_exercises
from storage.models import (
    CoachingSession,
    ExerciseRecord,
    ExerciseTemplate,
    PermissionSet,
    Program,
    ProgramAssignment,
    ProgramSession,
    SessionRecord,
    SetRecord,
    WorkoutChange,
    WorkoutMessage,
)
from storage.uow import UnitOfWork
from tests.factories import (
    LEG_DAY,
    Coaching,
    assign_bob,
    live_message,
    make_coaching,
    make_program,
    make_template,
    make_user,
)
from tests.factories import sessions as planned
from tests.factories import setup_workout as setup
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]

# Bob lives in New York; the test clock starts on Mon 23 Nov 2026 09:00 UTC (04:00 for him).
THURSDAY_6PM = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)


async def set_flags(factory: Factory, coaching: Coaching, **flags: bool) -> None:
    async with factory() as session:
        await session.execute(
            update(PermissionSet)
            .where(PermissionSet.relationship_id == coaching.relationship.id)
            .values(**flags)
        )
        await session.commit()


async def give_leg_day(alice: SimUser, when: str = "thu 18:00") -> None:
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send(LEG_DAY)
    await alice.send(when)
    await alice.press("✅ Assign")


# --- giving a single workout ------------------------------------------------------------------


async def test_a_typed_workout_for_thursday_reaches_the_client_and_their_plan(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/workout")
    assert "Who is it for? (1 active client)" in alice.last_reply.text
    await alice.press("Bob")
    assert alice.last_reply.flat_buttons == ["➕ New workout", "✏️ Change a day's workout"]
    await alice.press("➕ New workout")
    assert "type the workout in one message" in alice.last_reply.text

    await alice.send("Back squat three by five")
    assert "Back squat three by five" in alice.last_reply.text
    await alice.send("Leg day\nFlibbertigibbet 3x5")
    assert "Line 1" in alice.last_reply.text
    assert "Flibbertigibbet" in alice.last_reply.text
    await alice.send(LEG_DAY)
    assert "When does Bob do Leg day?" in alice.last_reply.text
    assert "America/New_York" in alice.last_reply.text

    await alice.send("someday")
    assert "someday" in alice.last_reply.text
    await alice.send("2026-11-20 07:00")
    assert "has already passed" in alice.last_reply.text
    await alice.send("thu 18:00")
    text = alice.last_reply.text
    assert "Give Bob this workout?" in text
    assert "Thu 26 Nov 18:00 in America/New_York (yours: Thu 26 Nov 23:00)" in text
    assert "Barbell Back Squat — 3×5 @ 100 kg, rest 3:00" in text
    assert "Romanian Deadlift — 3×8 @ 60 kg" in text
    assert await planned(session_factory) == [], "nothing is stored before confirming"

    await alice.press("✅ Assign")
    assert "Leg day is on Bob's plan for Thu 26 Nov 18:00" in alice.last_reply.text
    assert "Bob has been told" in alice.last_reply.text
    assert "New workout from Alice: Leg day" in bob.last_reply.text
    assert "Thu 26 Nov 18:00" in bob.last_reply.text

    [row] = await planned(session_factory)
    assert row.scheduled_at == THURSDAY_6PM
    assert row.title == "Leg day"
    assert row.status is SessionStatus.SCHEDULED
    async with session_factory() as session:
        program = (await session.execute(select(Program))).scalar_one()
        assert program.is_one_off
        assert not program.is_active
        assignment = (await session.execute(select(ProgramAssignment))).scalar_one()
        assert row.assignment_id == assignment.id
        async with UnitOfWork(session_factory) as uow:
            exercises = await planned_exercises(uow, row.id)
    assert [e.name for e in exercises] == ["Barbell Back Squat", "Romanian Deadlift"]
    assert exercises[0].prescription.weight_kg == Decimal(100)

    await alice.send("/programs")
    assert "Leg day" not in alice.last_reply.text, "a single workout is no program to list"

    await bob.send("/plan")
    assert "Leg day" in bob.last_reply.text
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    await bob.send("/today")
    text = bob.last_reply.text
    assert "Leg day" in text
    assert "Barbell Back Squat — 3×5 @ 100 kg" in text


async def test_a_workout_from_a_template_through_assign(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    await make_template(session_factory, coaching)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/assign")
    await alice.press("Bob")
    assert "🏋️ One workout instead" in alice.last_reply.flat_buttons
    await alice.press("🏋️ One workout instead")
    await alice.press("➕ New workout")
    await alice.press("📄 Push day")
    assert "When does Bob do Push day?" in alice.last_reply.text
    await alice.send("tomorrow 7am")
    assert "Barbell Bench Press — 4×6 @ 80 kg" in alice.last_reply.text
    await alice.press("✅ Assign")
    assert "Push day is on Bob's plan for Tue 24 Nov 07:00" in alice.last_reply.text
    assert "New workout from Alice: Push day" in bob.last_reply.text
    [row] = await planned(session_factory)
    assert row.duration_minutes == 45


async def test_the_reminder_starts_live_logging_against_the_workouts_targets(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await give_leg_day(alice)
    clock.set(THURSDAY_6PM - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    reminder = bob.last_reply
    assert reminder.text.startswith("⏰"), bob.transcript()
    assert "Leg day" in reminder.text
    assert "✅ Done as prescribed" in reminder.flat_buttons
    assert "🚫 Can't make it" in reminder.flat_buttons or any(
        "make it" in label for label in reminder.flat_buttons
    )
    await bob.press("▶️ Start logging")
    assert "target 3×5 @ 100 kg" in live_message(bob).text


async def test_a_client_who_withheld_single_workouts_is_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory, PermissionFlags(assign_workouts=False))
    alice = sim.user(1001, "Alice")
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    assert alice.last_answer == "The client has not allowed you to assign them workouts."
    assert await planned(session_factory) == []


async def test_permission_revoked_before_confirming_stores_nothing(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send(LEG_DAY)
    await alice.send("thu 18:00")
    before = len(bob.replies)
    await set_flags(session_factory, coaching, assign_workouts=False)
    await alice.press("✅ Assign")
    assert "The client has not allowed you to assign them workouts." in alice.last_reply.text
    assert "Nothing was assigned" in alice.last_reply.text
    assert await planned(session_factory) == []
    assert len(bob.replies) == before, "the client hears nothing"


async def test_cancel_forged_and_stale_buttons(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    eve = await make_user(session_factory, 3003, "Eve", trainer=True)
    eve_coaching = await make_coaching(session_factory, eve, None, name="Zed")
    foreign_template = await make_template(session_factory, eve_coaching, "Eve's day")
    alice = sim.user(1001, "Alice")
    await alice.send("/workout")
    await alice.press_data(f"wko:c:{eve_coaching.profile.id}")
    assert alice.last_answer is not None
    assert "Zed" not in alice.last_reply.text

    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.press_data(f"wko:t:{foreign_template}")
    assert alice.last_answer == "I can't find that template among yours."
    await alice.press_data("wko:zz:1")
    assert alice.last_answer is not None
    assert "earlier step" in alice.last_answer
    await alice.press_data("wko:ok:0")
    assert alice.last_answer is not None
    assert "earlier step" in alice.last_answer
    await alice.send(LEG_DAY)
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text
    await alice.press_data("wko:ok:0")
    assert await planned(session_factory) == []

    await give_leg_day(alice)
    await alice.press_data("wko:ok:0", message_id=alice.last_reply.message_id)
    assert len(await planned(session_factory)) == 1, "a second press stores nothing twice"
    assert coaching.profile.id


async def test_a_client_cannot_give_workouts(sim: ChatSimulator, session_factory: Factory) -> None:
    await setup(session_factory)
    bob = sim.user(2002, "Bob")
    await bob.send("/workout")
    assert "Only trainers" in bob.last_reply.text


async def test_forty_exercises_with_notes_fit_one_message_and_more_are_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    line = "Back squat 3x5 @100kg rest 180 - keep the bar path straight, brace hard"
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send("\n".join([line] * 41))
    assert "at most 40" in alice.last_reply.text
    await alice.send("\n".join([line] * 40))
    await alice.send("thu 18:00")
    assert len(alice.last_reply.text) <= 4096
    await alice.press("✅ Assign")
    assert "Bob has been told" in alice.last_reply.text
    assert "New workout from Alice" in bob.last_reply.text
    async with UnitOfWork(session_factory) as uow:
        [row] = await planned(session_factory)
        assert len(await planned_exercises(uow, row.id)) == 40


async def test_a_name_line_without_letters_is_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice = sim.user(1001, "Alice")
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send("\u200b…\nBack squat 3x5")
    assert "needs letters" in alice.last_reply.text
    assert await planned(session_factory) == []


# --- changing one day ------------------------------------------------------------------------


async def assign_program(factory: Factory, alice: SimUser) -> None:
    await assign_bob(alice)


async def first_day(factory: Factory) -> CoachingSession:
    return (await planned(factory))[0]


async def test_changing_one_day_leaves_the_program_and_other_days_alone(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await setup(session_factory)
    program = await make_program(session_factory, coaching.trainer)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await assign_program(session_factory, alice)
    day = await first_day(session_factory)

    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("✏️ Change a day's workout")
    assert "Which of Bob's next workouts?" in alice.last_reply.text
    await alice.press(alice.last_reply.flat_buttons[0])
    assert "Why change this day? Bob will see the reason" in alice.last_reply.text
    await alice.press_data(f"wko:sk:{day.id + 999}")
    assert alice.last_answer is not None
    assert "earlier step" in alice.last_answer
    await alice.send("\u200b  ")
    assert "A reason needs words" in alice.last_reply.text
    await alice.send("x" * 201)
    assert "under 200 characters (this is 201)" in alice.last_reply.text
    await alice.send("knee sore after Tuesday, <lighter> today")
    assert "Reason noted: knee sore after Tuesday, <lighter> today" in alice.last_reply.text
    assert "for this day only" in alice.last_reply.text
    assert "Barbell Back Squat — 3×5 @ 100 kg" in alice.last_reply.text
    await alice.press("1. Barbell Back Squat")
    await alice.press("🎯 Targets")
    await alice.send("lots")
    assert "couldn't read" in alice.last_reply.text
    await alice.send("3x5 @90kg")
    assert (
        "Changed for Bob: Barbell Back Squat: 3×5 @ 100 kg, rest 3:00 → 3×5 @ 90 kg\n"
        in alice.last_reply.text
    )
    assert "Alice changed your workout" in bob.last_reply.text
    assert "3×5 @ 90 kg" in bob.last_reply.text
    assert "Why: knee sore after Tuesday, <lighter> today" in bob.last_reply.text

    await alice.press("2. Romanian Deadlift")
    await alice.press("🔁 Swap")
    await alice.send("leg press")
    await alice.press_data("wko:r:999999")
    assert alice.last_answer is not None
    assert "earlier step" in alice.last_answer
    await alice.press("Leg Press")
    assert "Romanian Deadlift → Leg Press" in alice.last_reply.text

    await alice.press("➕ Add an exercise")
    await alice.send("Zorblax 3x10")
    assert "Zorblax" in alice.last_reply.text
    await alice.send("Goblet squat 3x10 @24kg")
    assert "Goblet Squat added: 3×10 @ 24 kg" in alice.last_reply.text

    await alice.press("2. Leg Press")
    await alice.press("🗑 Remove")
    assert "Leg Press removed" in alice.last_reply.text

    async with session_factory() as session:
        async with UnitOfWork(session_factory) as uow:
            mine = await planned_exercises(uow, day.id)
        assert [(e.name, e.prescription.weight_kg) for e in mine] == [
            ("Barbell Back Squat", Decimal(90)),
            ("Goblet Squat", Decimal(24)),
        ]
        # The program's own session is untouched, and so is the next Lower A.
        blueprint = await session.get(ProgramSession, program.session_ids[(1, 1)])
        assert blueprint is not None
        rows = (
            await session.execute(
                select(ExerciseTemplate).where(ExerciseTemplate.program_session_id == blueprint.id)
            )
        ).scalars()
        assert next((r.exercise_id, r.target_weight_kg) for r in rows)[1] == Decimal(100)
        others = [s for s in await planned(session_factory) if s.id != day.id]
        later_lower_a = next(s for s in others if "Lower A" in s.title)
        async with UnitOfWork(session_factory) as uow:
            theirs = await planned_exercises(uow, later_lower_a.id)
        assert [e.name for e in theirs] == ["Barbell Back Squat", "Romanian Deadlift"]
        changes = list((await session.execute(select(WorkoutChange))).scalars())
    assert [c.kind for c in changes] == ["targets", "swap", "add", "remove"]
    assert all(c.coaching_session_id == day.id for c in changes)
    assert {c.reason for c in changes} == {"knee sore after Tuesday, <lighter> today"}

    clock.set(day.scheduled_at - timedelta(hours=2))
    await bob.send("/today")
    text = bob.last_reply.text
    assert "Changed for you today" in text
    assert "Leg Press removed (why: knee sore after Tuesday, <lighter> today)" in text
    assert "Goblet Squat — 3×10 @ 24 kg" in text
    assert "Romanian Deadlift" not in text.split("Changed for you today")[0]


async def test_day_changes_are_refused_without_permission_or_for_someone_elses_day(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    await make_program(session_factory, coaching.trainer)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await assign_program(session_factory, alice)
    day = await first_day(session_factory)

    eve = sim.user(3003, "Eve")
    eve_user = await make_user(session_factory, 3003, "Eve", trainer=True)
    await make_coaching(session_factory, eve_user, None, name="Zed")
    await eve.send("/workout")
    await eve.press("Zed")
    await eve.press("➕ New workout")
    await eve.send("Bench press 3x5")
    await eve.send("thu 18:00")
    await eve.press("✅ Assign")
    await eve.send("/workout")
    await eve.press("Zed")
    await eve.press("✏️ Change a day's workout")
    await eve.press_data(f"wko:d:{day.id}")
    assert eve.last_answer == "I can't find that workout among your clients' upcoming ones."
    await eve.press_data(f"wko:o:{coaching.profile.id}")
    assert eve.last_answer is not None
    assert "Bob" not in eve.last_reply.text

    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("✏️ Change a day's workout")
    await alice.press(alice.last_reply.flat_buttons[0])
    await alice.press("⏭ No reason")
    await alice.press("1. Barbell Back Squat")
    await alice.press("🎯 Targets")
    before = len(bob.replies)
    await set_flags(session_factory, coaching, modify_workouts=False)
    await alice.send("3x5 @90kg")
    assert "not allowed you to change or log their workouts" in alice.last_reply.text
    assert len(bob.replies) == before
    async with session_factory() as session:
        assert list((await session.execute(select(WorkoutChange))).scalars()) == []
        async with UnitOfWork(session_factory) as uow:
            [squat, _rdl] = await planned_exercises(uow, day.id)
        assert squat.prescription.weight_kg == Decimal(100)
    await alice.send("/cancel")
    assert "Cancelled" in alice.last_reply.text


async def test_a_removed_exercises_old_button_is_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice = sim.user(1001, "Alice")
    await give_leg_day(alice)
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("✏️ Change a day's workout")
    await alice.press(alice.last_reply.flat_buttons[0])
    await alice.press("⏭ No reason")
    squat_button = alice.last_reply.button_data[0][0]
    await alice.press("1. Barbell Back Squat")
    await alice.press("🗑 Remove")
    assert "Barbell Back Squat removed" in alice.last_reply.text
    await alice.press("1. Romanian Deadlift")
    await alice.press("🗑 Remove")
    assert alice.last_answer is not None
    assert "only exercise left" in alice.last_answer
    await alice.press("⬅️ Back")
    await alice.press_data(squat_button)
    assert alice.last_answer is not None
    assert "earlier step" in alice.last_answer
    [row] = await planned(session_factory)
    async with UnitOfWork(session_factory) as uow:
        assert [e.name for e in await planned_exercises(uow, row.id)] == ["Romanian Deadlift"]


async def test_many_clients_with_long_names_page_and_fit(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    for n in range(30):
        await make_coaching(session_factory, coaching.trainer, None, name=f"{n:02d} " + "Ö" * 95)
    alice = sim.user(1001, "Alice")
    await alice.send("/workout")
    assert "(31 active clients)" in alice.last_reply.text
    assert "▶️" in alice.last_reply.flat_buttons
    await alice.press("▶️")
    await alice.press("▶️")
    await alice.press("▶️")
    assert "Bob" in alice.last_reply.flat_buttons
    await alice.press("Bob")
    assert "Bob" in alice.last_reply.text


async def test_a_later_swap_for_every_session_leaves_a_day_edited_on_its_own(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    coaching = await setup(session_factory)
    await make_program(session_factory, coaching.trainer)
    alice = sim.user(1001, "Alice")
    await assign_program(session_factory, alice)
    day = await first_day(session_factory)
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("✏️ Change a day's workout")
    await alice.press(alice.last_reply.flat_buttons[0])
    await alice.press("⏭ No reason")
    await alice.press("1. Barbell Back Squat")
    await alice.press("🎯 Targets")
    await alice.send("3x5 @90kg")
    assert "Why:" not in alice.last_reply.text, "no reason given, none shown"

    await alice.send("/assign")
    await alice.press("Current assignments")
    await alice.press("Bob · Strength Base (assigned)")
    await alice.press("Swap an exercise")
    await alice.press("All sessions")
    await alice.press("Barbell Back Squat")
    await alice.send("leg press")
    await alice.press("Leg Press")
    await alice.send("knee pain")
    async with UnitOfWork(session_factory) as uow:
        edited = await planned_exercises(uow, day.id)
        other = next(
            s for s in await planned(session_factory) if s.id != day.id and "Lower A" in s.title
        )
        elsewhere = await planned_exercises(uow, other.id)
    assert edited[0].name == "Barbell Back Squat", "the day keeps what was set for it"
    assert edited[0].prescription.weight_kg == Decimal(90)
    assert elsewhere[0].name == "Leg Press"


# --- the reminder's buttons and adherence ---------------------------------------------------


async def give(alice: SimUser, text: str, when: str) -> None:
    await alice.send("/workout")
    await alice.press("Bob")
    await alice.press("➕ New workout")
    await alice.send(text)
    await alice.send(when)
    await alice.press("✅ Assign")


def reminder_of(user: SimUser, title: str) -> int:
    for reply in reversed(user.replies):
        if reply.text.startswith("⏰") and title in reply.text:
            return reply.message_id
    raise AssertionError(user.transcript())


async def test_done_and_cant_make_it_on_single_workouts_and_their_adherence(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await give(alice, "Tue legs\nBack squat 3x5 @100kg\nRomanian deadlift 2x8 @60kg", "tue 18:00")
    await give(alice, "Wed legs\nBack squat 3x5 @100kg", "wed 18:00")
    await give(alice, "Thu legs\nBack squat 3x5 @100kg", "thu 18:00")
    tue, wed, thu = await planned(session_factory)

    # Tuesday: "Done as prescribed" logs every target of the workout and tells Alice.
    clock.set(tue.scheduled_at - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    await bob.press("✅ Done as prescribed", message_id=reminder_of(bob, "Tue legs"))
    assert "Log every planned set of Tue legs as prescribed?" in bob.last_reply.text
    await bob.press("✅ Yes, log it")
    async with session_factory() as session:
        [record] = (await session.execute(select(SessionRecord))).scalars()
        stored = (
            await session.execute(
                select(SetRecord.weight_kg, SetRecord.reps)
                .join(ExerciseRecord, SetRecord.exercise_record_id == ExerciseRecord.id)
                .where(ExerciseRecord.session_record_id == record.id)
                .order_by(ExerciseRecord.order_index, SetRecord.set_index)
            )
        ).all()
        tue_now = await session.get(CoachingSession, tue.id)
    assert record.coaching_session_id == tue.id
    assert (record.status, record.completed) == (RecordStatus.COMPLETED, True)
    assert [(w, r) for w, r in stored] == [(Decimal(100), 5)] * 3 + [(Decimal(60), 8)] * 2
    assert tue_now is not None
    assert tue_now.status is SessionStatus.COMPLETED
    told = [r for r in alice.replies if "logged it as prescribed" in r.text]
    assert told == [], "22:00 in London: Alice's quiet hours hold the notice"
    clock.set(tue.scheduled_at + timedelta(hours=9))
    await dispatch_due(app.bot, app.services.ctx)
    [notice] = [r for r in alice.replies if "logged it as prescribed" in r.text]
    assert "Tue legs" in notice.text

    # Wednesday: "Can't make it" asks Alice, who cancels it; a cancelled workout is not missed.
    clock.set(wed.scheduled_at - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    await bob.press("🙅 Can't make it", message_id=reminder_of(bob, "Wed legs"))
    await bob.press("💼 Work")
    await bob.press("No new time")
    # Alice is in her quiet hours (in London) an hour before Bob's evening workout in New York.
    assert "Alice will see it at 07:00 their time" in bob.last_reply.text
    clock.set(wed.scheduled_at + timedelta(hours=9))
    await dispatch_due(app.bot, app.services.ctx)
    request = alice.last_reply
    assert "Bob can't make Wed legs" in request.text
    assert "Reason: work" in request.text
    async with session_factory() as session:
        wed_now = await session.get(CoachingSession, wed.id)
    assert wed_now is not None
    assert wed_now.status_reason == "Client can't make it: work"
    await alice.press("✖ Cancel session", message_id=request.message_id)
    assert "Alice cancelled Wed legs" in bob.last_reply.text

    # Thursday passes unlogged. Bob's adherence counts the workouts as program sessions.
    clock.set(thu.scheduled_at + timedelta(hours=16))
    await bob.send("/progress")
    text = bob.last_reply.text
    assert "7 days: 50% (1/2)" in text, text
    missed = text.split("Missed sessions")[1]
    assert "Thu legs" in missed
    assert "Wed legs" not in missed
    assert "Tue legs" not in missed


async def test_current_assignments_name_a_single_workout_as_a_workout(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await give_leg_day(alice)
    await alice.send("/assign")
    await alice.press("📂 Current assignments")
    assert "Bob · 🏋️ Leg day (workout, assigned)" in alice.last_reply.flat_buttons
    await alice.press("Bob · 🏋️ Leg day (workout, assigned)")
    text = alice.last_reply.text
    assert "A single workout" in text
    assert "program" not in text.lower()
    assert alice.last_reply.flat_buttons == ["📆 Shift schedule", "✖️ Cancel workout", "⬅️ Back"]
    await alice.press("✖️ Cancel workout")
    await alice.press("Yes, cancel it")
    assert "Leg day is cancelled for Bob; 1 upcoming session cancelled." in alice.last_reply.text
    assert "Alice cancelled your workout Leg day" in bob.last_reply.text
    [row] = await planned(session_factory)
    assert row.status is SessionStatus.CANCELLED
    assert row.status_reason == "The workout was cancelled."


async def test_the_trainer_messages_the_client_about_a_planned_single_workout(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await setup(session_factory)
    alice, bob = sim.user(1001, "Alice"), sim.user(2002, "Bob")
    await give_leg_day(alice, "tomorrow 18:00")
    [row] = await planned(session_factory)
    await alice.send("/schedule")
    await alice.press("Tue 24 Nov 23:00 · Bob · Leg day")
    await alice.press("💬 Message")
    assert "Message to Bob about Leg day · Tue 24 Nov" in alice.last_reply.text
    await alice.send("Go lighter on the deadlifts")
    incoming = bob.last_reply
    assert incoming.text == "💬 Alice · Leg day · Tue 24 Nov\n\nGo lighter on the deadlifts"
    assert incoming.flat_buttons == ["↩️ Reply", "📜 See the thread"]
    await bob.press("↩️ Reply")
    await bob.send("Will do")
    assert alice.last_reply.text.endswith("Will do")
    async with session_factory() as session:
        stored = list((await session.execute(select(WorkoutMessage))).scalars())
    assert [m.coaching_session_id for m in stored] == [row.id, row.id], "one thread per workout"
