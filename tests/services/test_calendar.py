"""The coaching calendar: booking, overlaps, reschedule history, cancel and complete."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus, SessionType
from coaching.domain.permissions import PermissionFlags
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.calendar import (
    CalendarService,
    NewSession,
    parse_duration,
    parse_list,
)
from tests.factories import Coaching, make_coaching, make_user
from tests.factories import sessions as all_sessions

Factory = async_sessionmaker[AsyncSession]


@pytest.fixture
async def bob(session_factory: Factory) -> Coaching:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True, timezone="Europe/Berlin")
    bob = await make_user(session_factory, 2002, "Bob", client=True, timezone="America/New_York")
    return await make_coaching(session_factory, alice, bob)


def booking(coaching: Coaching, at: datetime, minutes: int = 60) -> NewSession:
    return NewSession(
        client_profile_id=coaching.profile.id,
        session_type=SessionType.ASSESSMENT,
        starts_at=at,
        duration_minutes=minutes,
        focus_areas=("mobility",),
        goals=("baseline squat",),
        location="Main gym",
    )


async def test_times_are_read_in_the_trainers_zone(ctx: ServiceContext, bob: Coaching) -> None:
    svc = CalendarService(ctx)
    # Berlin is UTC+1 in November.
    assert await svc.read_when(1001, "tomorrow 18:00") == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert await svc.read_when(1001, "2026-12-01 18:30") == datetime(
        2026, 12, 1, 17, 30, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="already passed"):
        await svc.read_when(1001, "today 8am")
    with pytest.raises(InvalidInput, match="01/02"):
        await svc.read_when(1001, "01/02 18:00")


@pytest.mark.parametrize(
    ("text", "minutes"), [("45", 45), ("90 min", 90), ("1h30", 90), ("1:15", 75), ("2h", 120)]
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "long", "0", "601", "2 days"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_lists() -> None:
    assert parse_list("squat depth, bracing;  hips ") == ("squat depth", "bracing", "hips")
    with pytest.raises(InvalidInput):
        parse_list(" , ")


async def test_booking_overlaps_and_the_clients_time(
    ctx: ServiceContext, session_factory: Factory, bob: Coaching
) -> None:
    svc = CalendarService(ctx)
    at = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    notice = await svc.create(1001, booking(bob, at))
    assert notice.client_telegram_id == 2002
    assert notice.client_starts_at.hour == 12, "17:00 UTC is noon in New York"
    assert notice.detail.item.starts_at.hour == 18, "and 18:00 in Berlin"
    assert notice.detail.item.title == "Assessment"
    overlaps = await svc.overlaps(1001, datetime(2026, 11, 24, 17, 30, tzinfo=UTC), 60)
    assert [(o.client_name, o.starts_at.hour, o.ends_at.hour) for o in overlaps] == [
        ("Bob", 18, 19)
    ]
    assert await svc.overlaps(1001, datetime(2026, 11, 24, 18, 0, tzinfo=UTC), 60) == ()
    assert await svc.overlaps(1001, datetime(2026, 11, 24, 16, 0, tzinfo=UTC), 60) == ()
    page = await svc.upcoming(1001)
    assert [i.client_name for i in page.items] == ["Bob"]
    rows = await all_sessions(session_factory)
    assert rows[0].focus_areas == ["mobility"]
    assert rows[0].goals == ["baseline squat"]
    assert rows[0].location == "Main gym"


async def test_reschedule_keeps_history(
    ctx: ServiceContext, session_factory: Factory, bob: Coaching
) -> None:
    svc = CalendarService(ctx)
    first = await svc.create(1001, booking(bob, datetime(2026, 11, 24, 17, 0, tzinfo=UTC)))
    moved = await svc.reschedule(
        1001, first.detail.item.id, datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    )
    assert moved.client_previous is not None
    assert moved.client_previous.day == 24
    assert moved.client_starts_at.day == 25
    old, new = await all_sessions(session_factory)
    assert old.status is SessionStatus.RESCHEDULED
    assert new.status is SessionStatus.SCHEDULED
    assert new.rescheduled_from_id == old.id
    assert (new.title, new.location, new.goals) == (old.title, old.location, old.goals)
    assert [t.day for t in moved.detail.earlier_times] == [24]
    with pytest.raises(Conflict, match="moved to a new time"):
        await svc.cancel(1001, old.id, "ill")
    page = await svc.upcoming(1001)
    assert [i.id for i in page.items] == [new.id]


async def test_cancel_and_complete_follow_transitions(
    ctx: ServiceContext, clock: ManualClock, session_factory: Factory, bob: Coaching
) -> None:
    svc = CalendarService(ctx)
    one = await svc.create(1001, booking(bob, datetime(2026, 11, 24, 17, 0, tzinfo=UTC)))
    two = await svc.create(1001, booking(bob, datetime(2026, 11, 25, 17, 0, tzinfo=UTC)))
    with pytest.raises(InvalidInput, match="reason"):
        await svc.cancel(1001, one.detail.item.id, "  ")
    cancelled = await svc.cancel(1001, one.detail.item.id, "Client is ill")
    assert cancelled.detail.item.status is SessionStatus.CANCELLED
    assert cancelled.detail.status_reason == "Client is ill"
    with pytest.raises(Conflict, match="This session is already cancelled, so it can't be"):
        await svc.complete(1001, one.detail.item.id, "notes", ())
    with pytest.raises(Conflict, match="hasn't started yet"):
        await svc.complete(1001, two.detail.item.id, "notes", ())
    clock.set(datetime(2026, 11, 25, 18, 5, tzinfo=UTC))
    done = await svc.complete(1001, two.detail.item.id, "Great squat depth", ("new 5RM",))
    assert done.detail.item.status is SessionStatus.COMPLETED
    rows = await all_sessions(session_factory)
    assert rows[1].completed_at == datetime(2026, 11, 25, 18, 5, tzinfo=UTC)
    assert rows[1].outcomes == ["new 5RM"]
    assert rows[1].trainer_notes == "Great squat depth"
    with pytest.raises(Conflict, match="already completed"):
        await svc.reschedule(1001, two.detail.item.id, datetime(2026, 11, 30, 9, tzinfo=UTC))


async def test_only_the_trainer_with_permission_books(
    ctx: ServiceContext, session_factory: Factory, bob: Coaching
) -> None:
    svc = CalendarService(ctx)
    carol = await make_user(session_factory, 3003, "Carol", client=True)
    shy = await make_coaching(
        session_factory, bob.trainer, carol, flags=PermissionFlags(assign_workouts=False)
    )
    at = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    with pytest.raises(NotAllowed, match="assign them workouts"):
        await svc.create(1001, booking(shy, at))
    with pytest.raises(NotAllowed, match="assign them workouts"):
        await svc.client(1001, shy.profile.id)
    mine = await svc.create(1001, booking(bob, at))
    await make_user(session_factory, 4004, "Dave", trainer=True)
    with pytest.raises(NotFound, match="session among yours"):
        await svc.detail(4004, mine.detail.item.id)
    with pytest.raises(NotFound, match="session among yours"):
        await svc.cancel(4004, mine.detail.item.id, "mine now")
    with pytest.raises(NotFound, match="session among yours"):
        await svc.detail(1001, 999)
    with pytest.raises(NotAllowed, match="Only trainers"):
        await svc.upcoming(2002)
    assert len(await all_sessions(session_factory)) == 1
