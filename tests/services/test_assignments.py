"""Assigning programs and changing them for one client, against a real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import (
    AssignmentStatus,
    Permission,
    ReminderKind,
    SessionStatus,
    SessionType,
)
from coaching.domain.permissions import REFUSALS, PermissionFlags
from coaching.domain.schedule import TrainingDay
from coaching.domain.training_times import same_time
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.assignments import (
    AssignDraft,
    AssignmentChanges,
    AssignmentChoices,
    AssignmentOverview,
    AssignmentService,
)
from coaching.services.base import ServiceContext
from coaching.services.live import LiveService
from coaching.services.plan import effective_exercises
from storage.models import (
    CoachingSession,
    ProgramAssignment,
    ProgramModification,
    Reminder,
    User,
)
from tests.factories import (
    Coaching,
    MadeProgram,
    library_exercise_id,
    make_coaching,
    make_program,
    make_user,
)

Factory = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class World:
    alice: User
    bob: User
    coaching: Coaching
    program: MadeProgram


@pytest.fixture
async def world(session_factory: Factory) -> World:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(session_factory, 2002, "Bob", client=True, timezone="America/New_York")
    coaching = await make_coaching(session_factory, alice, bob)
    program = await make_program(session_factory, alice)
    return World(alice, bob, coaching, program)


def draft(
    w: World,
    *,
    weekdays: tuple[int, ...] = (0, 2, 4),
    at: time = time(7, 0),
    training_days: tuple[TrainingDay, ...] | None = None,
    start_date: date = date(2026, 11, 30),
    client_profile_id: int | None = None,
    program_id: int | None = None,
) -> AssignDraft:
    """Bob on Strength Base, Monday, Wednesday and Friday at 07:00 from 30 Nov, unless told."""
    return AssignDraft(
        client_profile_id=client_profile_id or w.coaching.profile.id,
        program_id=program_id or w.program.id,
        start_date=start_date,
        training_days=same_time(weekdays, at) if training_days is None else training_days,
    )


async def sessions_of(factory: Factory, assignment_id: int) -> list[CoachingSession]:
    async with factory() as session:
        rows = await session.execute(
            select(CoachingSession)
            .where(CoachingSession.assignment_id == assignment_id)
            .order_by(CoachingSession.scheduled_at)
        )
        return list(rows.scalars())


async def count(factory: Factory, model: type[Any]) -> int:
    async with factory() as session:
        return len(list((await session.execute(select(model))).scalars()))


async def test_assigning_creates_the_assignment_and_the_clients_calendar(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    preview = await svc.preview(1001, draft(world))
    assert preview.total == 6
    assert preview.end_date == date(2026, 12, 11)
    assert preview.days == "Mon, Wed, Fri"
    first = preview.first[0]
    assert (first.client_time.hour, first.trainer_time.hour) == (7, 12)
    assert await count(session_factory, ProgramAssignment) == 0, "a preview stores nothing"

    done = await svc.assign(1001, draft(world))
    assert done.client_telegram_id == 2002
    async with session_factory() as session:
        assignment = await session.get(ProgramAssignment, done.assignment_id)
        assert assignment is not None
        assert assignment.status is AssignmentStatus.ASSIGNED
        assert assignment.name == "Strength Base"
        assert assignment.training_days == [[0, "07:00"], [2, "07:00"], [4, "07:00"]]
        assert (assignment.start_date, assignment.end_date) == (
            date(2026, 11, 30),
            date(2026, 12, 11),
        )
        assert assignment.relationship_id == world.coaching.relationship.id
    rows = await sessions_of(session_factory, done.assignment_id)
    assert [r.title for r in rows[:3]] == [
        "Strength Base · W1 S1 · Lower A",
        "Strength Base · W1 S2 · Upper A",
        "Strength Base · W1 S3 · Lower B",
    ]
    # 07:00 in New York is 12:00 UTC in winter.
    assert rows[0].scheduled_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert rows[-1].scheduled_at == datetime(2026, 12, 11, 12, 0, tzinfo=UTC)
    assert {r.duration_minutes for r in rows} == {75}
    assert {r.session_type for r in rows} == {SessionType.TRAINING}
    assert {r.status for r in rows} == {SessionStatus.SCHEDULED}
    assert rows[0].program_session_id == world.program.session_ids[(1, 1)]
    assert rows[0].focus_areas == ["strength"]


async def test_duration_defaults_to_an_hour(ctx: ServiceContext, session_factory: Factory) -> None:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True)
    bob = await make_user(session_factory, 2002, "Bob", client=True)
    coaching = await make_coaching(session_factory, alice, bob)
    program = await make_program(session_factory, alice, weeks=1, duration=None)
    w = World(alice, bob, coaching, program)
    done = await AssignmentService(ctx).assign(1001, draft(w))
    assert {r.duration_minutes for r in await sessions_of(session_factory, done.assignment_id)} == {
        60
    }


async def test_bad_drafts_are_refused_and_store_nothing(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    with pytest.raises(InvalidInput, match="pick 3 training days \\(you picked 2\\)"):
        await svc.assign(1001, draft(world, weekdays=(0, 2)))
    with pytest.raises(InvalidInput, match="already passed"):
        await svc.assign(1001, draft(world, start_date=date(2026, 11, 1)))
    target = await AssignmentChoices(ctx).client_target(1001, world.coaching.profile.id)
    assert target.timezone == "America/New_York"
    assert target.today == date(2026, 11, 23)
    with pytest.raises(InvalidInput, match="has already passed"):
        AssignmentChoices(ctx).start_date(target, "2026-11-01")
    with pytest.raises(InvalidInput):
        AssignmentChoices(ctx).start_date(target, "01/02")
    assert AssignmentChoices(ctx).start_date(target, "mon") == date(2026, 11, 23)
    with pytest.raises(InvalidInput, match="morning or evening"):
        AssignmentChoices(ctx).training_times("7", (0, 2, 4))
    assert AssignmentChoices(ctx).training_times("6:15pm", (0, 4)) == same_time(
        (0, 4), time(18, 15)
    )
    with pytest.raises(InvalidInput, match="You gave no time for Friday"):
        AssignmentChoices(ctx).training_times("mon 7am, wed 6pm", (0, 2, 4))
    assert await count(session_factory, ProgramAssignment) == 0
    assert await count(session_factory, CoachingSession) == 0


async def test_permission_and_ownership_are_checked(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    shy = await make_coaching(
        session_factory, world.alice, carol, flags=PermissionFlags(assign_programs=False)
    )
    with pytest.raises(NotAllowed) as refused:
        await svc.assign(1001, draft(world, client_profile_id=shy.profile.id))
    assert str(refused.value) == REFUSALS[Permission.ASSIGN_PROGRAMS]

    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    other = await make_coaching(session_factory, dave, carol)
    with pytest.raises(NotFound, match="among yours"):
        await svc.assign(1001, draft(world, client_profile_id=other.profile.id))
    foreign = await make_program(session_factory, dave, name="Dave's plan")
    with pytest.raises(NotFound, match="program among yours"):
        await svc.assign(1001, draft(world, program_id=foreign.id))
    with pytest.raises(NotAllowed, match="Only trainers"):
        await svc.assign(2002, draft(world))
    assert await count(session_factory, ProgramAssignment) == 0


async def test_a_swap_applies_to_this_client_only(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    mine = await svc.assign(1001, draft(world))
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    carol_coaching = await make_coaching(session_factory, world.alice, carol)
    theirs = await svc.assign(1001, draft(world, client_profile_id=carol_coaching.profile.id))
    squat = await library_exercise_id(session_factory, "barbell-back-squat")
    options = await AssignmentChanges(ctx).swap_options(1001, mine.assignment_id, None)
    assert squat in [o.id for o in options]
    hits = await AssignmentChoices(ctx).find_replacements(1001, "leg press")
    leg_press = hits[0]
    assert "Leg Press" in leg_press.name.title()

    with pytest.raises(InvalidInput, match="reason"):
        await AssignmentChanges(ctx).swap(
            1001, mine.assignment_id, None, squat, leg_press.id, "   "
        )
    notice = await AssignmentChanges(ctx).swap(
        1001, mine.assignment_id, None, squat, leg_press.id, "knee pain"
    )
    assert notice.client_telegram_id == 2002
    assert "knee pain" in notice.summary

    async with session_factory() as session:
        mod = (await session.execute(select(ProgramModification))).scalar_one()
        assert (mod.original_exercise_id, mod.replacement_exercise_id) == (squat, leg_press.id)
        assert mod.program_session_id is None
        assignment = await session.get(ProgramAssignment, mine.assignment_id)
        assert assignment is not None
        assert assignment.status is AssignmentStatus.MODIFIED
        first_mine = (await sessions_of(session_factory, mine.assignment_id))[0]
        first_theirs = (await sessions_of(session_factory, theirs.assignment_id))[0]
        mine_now = await effective_exercises(session, first_mine.id)
        theirs_now = await effective_exercises(session, first_theirs.id)
    assert mine_now[0].exercise_id == leg_press.id
    assert mine_now[0].original_exercise_id == squat
    assert mine_now[0].swap_reason == "knee pain"
    assert mine_now[0].prescription.sets == 3, "the targets stay the program's"
    assert theirs_now[0].exercise_id == squat

    # Swapping the replacement again chains; a stale original is refused.
    with pytest.raises(NotFound, match="not in this program"):
        await AssignmentChanges(ctx).swap(
            1001, mine.assignment_id, None, squat, leg_press.id, "again"
        )


async def test_a_swap_for_one_session_leaves_the_others(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    done = await svc.assign(1001, draft(world))
    squat = await library_exercise_id(session_factory, "barbell-back-squat")
    goblet = await library_exercise_id(session_factory, "goblet-squat")
    ps = world.program.session_ids[(1, 3)]
    await AssignmentChanges(ctx).swap(1001, done.assignment_id, ps, squat, goblet, "travel week")
    rows = await sessions_of(session_factory, done.assignment_id)
    async with session_factory() as session:
        w1s1 = await effective_exercises(session, rows[0].id)
        w1s3 = await effective_exercises(session, rows[2].id)
    assert w1s1[0].exercise_id == squat
    assert w1s3[0].exercise_id == goblet
    detail = await AssignmentOverview(ctx).detail(1001, done.assignment_id)
    assert detail.status is AssignmentStatus.MODIFIED
    assert any("travel week" in s and "W1 S3" in s for s in detail.swaps)


async def test_shift_moves_future_sessions_keeping_local_time(
    ctx: ServiceContext, clock: ManualClock, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    done = await svc.assign(1001, draft(world, start_date=date(2026, 11, 23), at=time(18, 0)))
    before = await sessions_of(session_factory, done.assignment_id)
    clock.set(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))  # Mon and Wed have passed
    async with session_factory() as session:
        first = await session.get(CoachingSession, before[0].id)
        assert first is not None
        first.status = SessionStatus.COMPLETED
        await session.commit()
    notice = await AssignmentChanges(ctx).shift(1001, done.assignment_id, 2)
    assert notice.count == 4
    after = {r.id: r for r in await sessions_of(session_factory, done.assignment_id)}
    assert after[before[0].id].scheduled_at == before[0].scheduled_at, "completed stays"
    assert after[before[1].id].scheduled_at == before[1].scheduled_at, "past stays"
    moved = after[before[2].id]
    assert (moved.scheduled_at - before[2].scheduled_at).days == 2
    assert moved.scheduled_at.hour == 23, "18:00 New York is 23:00 UTC"
    async with session_factory() as session:
        assignment = await session.get(ProgramAssignment, done.assignment_id)
        assert assignment is not None
        assert assignment.status is AssignmentStatus.MODIFIED
        assert assignment.end_date == date(2026, 12, 6)

    with pytest.raises(InvalidInput, match="in the past"):
        await AssignmentChanges(ctx).shift(1001, done.assignment_id, -5)
    with pytest.raises(InvalidInput, match="whole number"):
        await AssignmentChanges(ctx).shift(1001, done.assignment_id, 0)


async def test_cancel_ends_the_assignment_and_its_future_sessions(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    done = await svc.assign(1001, draft(world))
    notice = await AssignmentChanges(ctx).cancel(1001, done.assignment_id)
    assert notice.count == 6
    rows = await sessions_of(session_factory, done.assignment_id)
    assert {r.status for r in rows} == {SessionStatus.CANCELLED}
    squat = await library_exercise_id(session_factory, "barbell-back-squat")
    with pytest.raises(Conflict, match="This program is already cancelled, so it can't be"):
        await AssignmentChanges(ctx).swap(1001, done.assignment_id, None, squat, squat, "x")
    with pytest.raises(Conflict, match="already cancelled"):
        await AssignmentChanges(ctx).shift(1001, done.assignment_id, 1)
    with pytest.raises(Conflict, match=r"This program is already cancelled\."):
        await AssignmentChanges(ctx).cancel(1001, done.assignment_id)
    assert await AssignmentOverview(ctx).current(1001) == ()


async def test_modify_permission_guards_swaps_and_shifts(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    locked = await make_coaching(
        session_factory, world.alice, carol, flags=PermissionFlags(modify_workouts=False)
    )
    done = await svc.assign(1001, draft(world, client_profile_id=locked.profile.id))
    squat = await library_exercise_id(session_factory, "barbell-back-squat")
    with pytest.raises(NotAllowed, match="change or log"):
        await AssignmentChanges(ctx).swap(1001, done.assignment_id, None, squat, squat, "x")
    with pytest.raises(NotAllowed, match="change or log"):
        await AssignmentChanges(ctx).shift(1001, done.assignment_id, 1)
    dave = await make_user(session_factory, 4004, "Dave", trainer=True)
    assert dave.id
    with pytest.raises(NotFound, match="assignment among yours"):
        await AssignmentOverview(ctx).detail(4004, done.assignment_id)


async def _status(factory: Factory, assignment_id: int) -> AssignmentStatus:
    async with factory() as session:
        found = await session.execute(
            select(ProgramAssignment.status).where(ProgramAssignment.id == assignment_id)
        )
        return found.scalar_one()


async def test_logging_the_first_session_starts_the_program(
    ctx: ServiceContext, session_factory: Factory, world: World, clock: ManualClock
) -> None:
    assigned = await AssignmentService(ctx).assign(1001, draft(world))
    assert await _status(session_factory, assigned.assignment_id) is AssignmentStatus.ASSIGNED
    first = (await sessions_of(session_factory, assigned.assignment_id))[0]
    clock.set(first.scheduled_at)

    await LiveService(ctx).start_planned(2002, first.id)

    assert await _status(session_factory, assigned.assignment_id) is AssignmentStatus.IN_PROGRESS
    async with session_factory() as session:
        row = await session.get(CoachingSession, first.id)
        assert row is not None
        assert row.status is SessionStatus.IN_PROGRESS


MON_7_WED_1830_FRI_7 = (
    TrainingDay(0, time(7, 0)),
    TrainingDay(2, time(18, 30)),
    TrainingDay(4, time(7, 0)),
)


async def test_each_training_day_keeps_its_own_time(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    per_day = draft(world, training_days=MON_7_WED_1830_FRI_7)
    preview = await svc.preview(1001, per_day)
    assert preview.days == "Mon, Wed, Fri"
    assert preview.schedule == "Mon 07:00, Wed 18:30, Fri 07:00"
    assert [(line.session, f"{line.client_time:%a %H:%M}") for line in preview.first] == [
        (1, "Mon 07:00"),
        (2, "Wed 18:30"),
        (3, "Fri 07:00"),
    ]
    assert await count(session_factory, CoachingSession) == 0, "a preview stores nothing"

    done = await svc.assign(1001, per_day)
    async with session_factory() as session:
        assignment = await session.get(ProgramAssignment, done.assignment_id)
        assert assignment is not None
        assert assignment.training_days == [[0, "07:00"], [2, "18:30"], [4, "07:00"]]
    rows = await sessions_of(session_factory, done.assignment_id)
    # New York is UTC-5 in winter: 07:00 is 12:00 UTC and 18:30 is 23:30 UTC.
    assert [r.scheduled_at for r in rows] == [
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 2, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 7, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 9, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 11, 12, 0, tzinfo=UTC),
    ]
    assert (
        await AssignmentOverview(ctx).detail(1001, done.assignment_id)
    ).days == "Mon 07:00, Wed 18:30, Fri 07:00"

    # The reminders follow each session's own time: an hour before, by Bob's default.
    async with session_factory() as session:
        reminders = (
            await session.execute(
                select(Reminder).where(Reminder.kind == ReminderKind.BEFORE_SESSION)
            )
        ).scalars()
        due = sorted(r.due_at for r in reminders)
    assert due == [r.scheduled_at - timedelta(hours=1) for r in rows]


async def test_per_day_times_stay_local_across_a_clock_change(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    # New York moves to daylight time on Sunday 14 March 2027, from UTC-5 to UTC-4.
    done = await AssignmentService(ctx).assign(
        1001, draft(world, training_days=MON_7_WED_1830_FRI_7, start_date=date(2027, 3, 8))
    )
    rows = await sessions_of(session_factory, done.assignment_id)
    assert [r.scheduled_at for r in rows] == [
        datetime(2027, 3, 8, 12, 0, tzinfo=UTC),
        datetime(2027, 3, 10, 23, 30, tzinfo=UTC),
        datetime(2027, 3, 12, 12, 0, tzinfo=UTC),
        datetime(2027, 3, 15, 11, 0, tzinfo=UTC),
        datetime(2027, 3, 17, 22, 30, tzinfo=UTC),
        datetime(2027, 3, 19, 11, 0, tzinfo=UTC),
    ]


async def test_one_time_for_all_days_reads_in_the_short_form(
    ctx: ServiceContext, world: World
) -> None:
    svc = AssignmentService(ctx)
    preview = await svc.preview(1001, draft(world, at=time(18, 0)))
    assert preview.schedule == "Mon, Wed, Fri at 18:00"
    done = await svc.assign(1001, draft(world, at=time(18, 0)))
    assert (
        await AssignmentOverview(ctx).detail(1001, done.assignment_id)
    ).days == "Mon, Wed, Fri at 18:00"


async def test_a_day_given_twice_is_refused_and_stores_nothing(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    twice = (*MON_7_WED_1830_FRI_7, TrainingDay(0, time(9, 0)))
    with pytest.raises(InvalidInput, match="Monday is chosen twice"):
        await AssignmentService(ctx).assign(1001, draft(world, training_days=twice))
    assert await count(session_factory, ProgramAssignment) == 0
    assert await count(session_factory, CoachingSession) == 0


async def test_shifting_moves_the_training_days_shown(
    ctx: ServiceContext, session_factory: Factory, world: World
) -> None:
    svc = AssignmentService(ctx)
    done = await svc.assign(1001, draft(world, training_days=MON_7_WED_1830_FRI_7))
    await AssignmentChanges(ctx).shift(1001, done.assignment_id, 1)
    assert (
        await AssignmentOverview(ctx).detail(1001, done.assignment_id)
    ).days == "Tue 07:00, Thu 18:30, Sat 07:00"
    rows = await sessions_of(session_factory, done.assignment_id)
    assert rows[1].scheduled_at == datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    await AssignmentChanges(ctx).shift(1001, done.assignment_id, 7)
    assert (
        await AssignmentOverview(ctx).detail(1001, done.assignment_id)
    ).days == "Tue 07:00, Thu 18:30, Sat 07:00"
