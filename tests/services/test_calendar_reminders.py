"""Booking, moving and cancelling sessions keeps the client's reminders in step."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import ReminderKind, ReminderStatus, SessionType
from coaching.services.base import ServiceContext
from coaching.services.calendar import CalendarService, NewSession
from storage.models import Reminder
from tests.factories import make_coaching, make_user


async def _reminders(factory: async_sessionmaker[AsyncSession]) -> list[Reminder]:
    async with factory() as session:
        rows = await session.execute(select(Reminder).order_by(Reminder.id))
        return list(rows.scalars())


async def test_calendar_changes_update_the_reminders(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = await make_user(session_factory, 1001, "Alice", trainer=True)
    bob = await make_user(session_factory, 2002, "Bob", client=True, timezone="Europe/London")
    coaching = await make_coaching(session_factory, alice, bob)
    calendar = CalendarService(ctx)

    # Wednesday 18:00 London (UTC in winter): an evening note Tuesday 19:00 and one at 17:00.
    booked = await calendar.create(
        1001,
        NewSession(
            client_profile_id=coaching.profile.id,
            session_type=SessionType.TRAINING,
            starts_at=datetime(2026, 11, 25, 18, 0, tzinfo=UTC),
            duration_minutes=60,
        ),
    )
    rows = await _reminders(session_factory)
    assert [(r.kind, r.due_at, r.status, r.user_id) for r in rows] == [
        (
            ReminderKind.EVENING_BEFORE,
            datetime(2026, 11, 24, 19, 0, tzinfo=UTC),
            ReminderStatus.PENDING,
            bob.id,
        ),
        (
            ReminderKind.BEFORE_SESSION,
            datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
            ReminderStatus.PENDING,
            bob.id,
        ),
    ]

    moved = await calendar.reschedule(
        1001, booked.detail.item.id, datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    )
    pending = [r for r in await _reminders(session_factory) if r.status is ReminderStatus.PENDING]
    assert sorted(r.due_at for r in pending) == [
        datetime(2026, 11, 25, 19, 0, tzinfo=UTC),
        datetime(2026, 11, 26, 7, 0, tzinfo=UTC),
    ]

    await calendar.cancel(1001, moved.detail.item.id, "Bob is ill")
    statuses = {r.status for r in await _reminders(session_factory)}
    assert ReminderStatus.PENDING not in statuses
