"""What the client sees: /today with last performances and swaps, /plan, and the .ics file."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus, SessionType, Units
from coaching.services.assignments import AssignmentChanges
from coaching.services.base import ServiceContext
from coaching.services.calendar import CalendarService, NewSession
from coaching.services.plan import PlanService
from storage.models import CoachingSession
from tests.factories import (
    assign_from_today,
    coached,
    library_exercise_id,
    log_sets,
    make_user,
)

Factory = async_sessionmaker[AsyncSession]


async def test_today_shows_targets_instructions_and_last_time(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    await assign_from_today(ctx, session_factory, coaching)
    await log_sets(
        session_factory,
        coaching.profile.id,
        "barbell-back-squat",
        datetime(2026, 11, 12, 23, 0, tzinfo=UTC),
        [("100", 5), ("100", 5), ("100", 4)],
    )
    view = await PlanService(ctx).today(2002)
    assert view.is_client
    assert view.today == date(2026, 11, 23), "04:00 in New York, still Monday"
    (today,) = view.sessions
    assert today.session.title == "Strength Base · W1 S1 · Lower A"
    assert today.session.starts_at.hour == 18
    assert today.session.trainer_name == "Alice"
    assert today.warmup == ("5 min bike",)
    squat, rdl = today.exercises
    assert squat.name == "Barbell Back Squat"
    assert squat.target == "3×5 @ 100 kg, rest 3:00"
    assert (squat.instructions, squat.tips) == ("Brace before each rep", "Knees out")
    assert squat.last_time is not None
    assert squat.last_time.sets == "100 kg × 5, 5, 4"
    assert squat.last_time.on == date(2026, 11, 12)
    assert rdl.target == "3×8–12"
    assert rdl.last_time is None
    assert view.next_session is None


async def test_today_in_pounds_and_with_a_swap(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await coached(session_factory, Units.LB)
    assignment = await assign_from_today(ctx, session_factory, coaching)
    squat = await library_exercise_id(session_factory, "barbell-back-squat")
    press = await library_exercise_id(session_factory, "leg-press")
    await AssignmentChanges(ctx).swap(1001, assignment, None, squat, press, "knee")
    await log_sets(
        session_factory,
        coaching.profile.id,
        "leg-press",
        datetime(2026, 11, 20, 15, 0, tzinfo=UTC),
        [("100", 10), ("110", 8)],
    )
    (today,) = (await PlanService(ctx).today(2002)).sessions
    first = today.exercises[0]
    assert first.name == "Leg Press"
    assert first.swapped_from == "Barbell Back Squat"
    assert first.target.startswith("3×5 @ 220 lb")
    assert first.last_time is not None
    # The sets were logged in kilograms: a load shows as it was entered (DESIGN.md).
    assert first.last_time.sets == "100 kg × 10, 110 kg × 8"


async def test_no_session_today_shows_the_next_one(
    ctx: ServiceContext, clock: ManualClock, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    await assign_from_today(ctx, session_factory, coaching)
    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))  # Tuesday
    view = await PlanService(ctx).today(2002)
    assert view.sessions == ()
    assert view.next_session is not None
    assert view.next_session.title.endswith("W1 S2 · Upper A")
    assert view.next_session.starts_at.day == 25


async def test_plan_groups_fourteen_days_and_skips_cancelled(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    await assign_from_today(ctx, session_factory, coaching)
    calendar = CalendarService(ctx)
    extra = await calendar.create(
        1001,
        NewSession(
            coaching.profile.id,
            SessionType.REVIEW,
            datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
            30,
        ),
    )
    gone = await calendar.create(
        1001,
        NewSession(
            coaching.profile.id, SessionType.NUTRITION, datetime(2026, 11, 28, 15, tzinfo=UTC), 30
        ),
    )
    await calendar.cancel(1001, gone.detail.item.id, "holiday")
    view = await PlanService(ctx).plan(2002)
    assert (view.start, view.end) == (date(2026, 11, 23), date(2026, 12, 6))
    days = [day for day, _ in view.days]
    assert days == [
        date(2026, 11, 23),
        date(2026, 11, 25),
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 11, 30),
        date(2026, 12, 2),
        date(2026, 12, 4),
    ]
    titles = [item.title for _, items in view.days for item in items]
    assert "Progress review" in titles
    assert "Nutrition consult" not in titles
    assert extra.detail.item.id in [item.id for _, items in view.days for item in items]
    assert all(item.status is SessionStatus.SCHEDULED for _, items in view.days for item in items)


async def test_calendar_file_parses_and_lists_upcoming_sessions(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await coached(session_factory)
    await assign_from_today(ctx, session_factory, coaching)
    file = await PlanService(ctx).calendar_file(2002)
    assert file is not None
    assert file.filename == "plan.ics"
    assert file.count == 6
    calendar = Calendar.from_ical(file.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 6
    first = events[0]
    assert str(first["SUMMARY"]) == "Strength Base · W1 S1 · Lower A"
    assert str(first["STATUS"]) == "CONFIRMED"
    async with session_factory() as session:
        ids = list(
            (
                await session.execute(select(CoachingSession.id).order_by(CoachingSession.id))
            ).scalars()
        )
    assert [str(e["UID"]) for e in events] == [f"session-{i}@spotter" for i in ids]
    assert first.decoded("DTSTART") == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert "Alice" in str(first["DESCRIPTION"])


async def test_someone_who_is_not_a_client_is_told(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, 1001, "Alice", trainer=True)
    svc = PlanService(ctx)
    assert not (await svc.today(1001)).is_client
    assert not (await svc.plan(1001)).is_client
    assert await svc.calendar_file(1001) is None
    assert not (await svc.today(9999)).is_client
