"""The reminder outbox against a real database: deriving rows, trainer messages, claiming."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import (
    RelationshipStatus,
    ReminderKind,
    ReminderStatus,
    SessionStatus,
)
from coaching.domain.permissions import PermissionFlags
from coaching.domain.quiet_hours import QuietHours
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.reminders import (
    ReminderService,
    SettingsService,
    queue_trainer_message,
    reminders_for_session_changed,
    reminders_for_user_settings_changed,
)
from storage.db import create_engine, create_session_factory
from storage.models import CoachingSession, Reminder, User
from storage.repositories.reminders import ReminderRepository
from storage.uow import UnitOfWork
from tests.factories import Coaching, make_coaching, make_user

Factory = async_sessionmaker[AsyncSession]
EVENING = ReminderKind.EVENING_BEFORE
BEFORE = ReminderKind.BEFORE_SESSION


def u(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def _people(
    factory: Factory,
    *,
    tz: str = "UTC",
    status: RelationshipStatus = RelationshipStatus.ACTIVE,
    flags: PermissionFlags | None = None,
    joined: bool = True,
) -> Coaching:
    trainer = await make_user(factory, 500, "Tina", trainer=True)
    client = await make_user(factory, 600, "Carl", client=True, timezone=tz) if joined else None
    return await make_coaching(factory, trainer, client, status=status, flags=flags)


async def _book(factory: Factory, coaching: Coaching, at: datetime, now: datetime) -> int:
    async with UnitOfWork(factory) as uow:
        row = CoachingSession(
            relationship_id=coaching.relationship.id,
            title="Leg day",
            scheduled_at=at,
            location="Gym West",
            created_by=coaching.trainer.id,
        )
        uow.add(row)
        await uow.flush()
        await reminders_for_session_changed(uow, row.id, now)
        await uow.commit()
        return row.id


async def _change(factory: Factory, session_id: int, now: datetime, **values: object) -> None:
    async with factory() as session:
        await session.execute(
            update(CoachingSession).where(CoachingSession.id == session_id).values(**values)
        )
        await session.commit()
    async with UnitOfWork(factory) as uow:
        await reminders_for_session_changed(uow, session_id, now)
        await uow.commit()


async def _rows(factory: Factory) -> list[Reminder]:
    async with factory() as session:
        found = await session.execute(select(Reminder).order_by(Reminder.id))
        return list(found.scalars())


def _pending(rows: list[Reminder]) -> dict[ReminderKind, datetime]:
    return {r.kind: r.due_at for r in rows if r.status is ReminderStatus.PENDING}


async def test_booking_creates_evening_and_lead_reminders_across_dst(
    session_factory: Factory, clock: ManualClock
) -> None:
    clock.set(u("2026-03-20 09:00"))
    coaching = await _people(session_factory, tz="Europe/London")
    # Monday 2026-03-30 18:00 BST, the day after the clocks go forward.
    session_id = await _book(session_factory, coaching, u("2026-03-30 17:00"), clock.now())

    rows = await _rows(session_factory)
    assert _pending(rows) == {EVENING: u("2026-03-29 18:00"), BEFORE: u("2026-03-30 16:00")}
    evening = next(r for r in rows if r.kind is EVENING)
    assert evening.user_id == coaching.client.id  # type: ignore[union-attr]
    assert evening.coaching_session_id == session_id
    assert evening.expires_at == u("2026-03-30 17:00")
    assert (
        evening.dedup_key
        == f"s{session_id}:EVENING_BEFORE:{int(u('2026-03-30 17:00').timestamp())}"
    )
    assert evening.payload["title"] == "Leg day"
    assert evening.payload["scheduled_at"] == "2026-03-30T17:00:00+00:00"


async def test_rescheduling_moves_reminders_and_cancelling_stops_them(
    session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    session_id = await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    await _change(session_factory, session_id, clock.now(), scheduled_at=u("2026-11-26 08:00"))

    rows = await _rows(session_factory)
    assert _pending(rows) == {EVENING: u("2026-11-25 19:00"), BEFORE: u("2026-11-26 07:00")}
    assert [r.status for r in rows[:2]] == [ReminderStatus.CANCELLED] * 2

    await _change(session_factory, session_id, clock.now(), status=SessionStatus.CANCELLED)
    assert _pending(await _rows(session_factory)) == {}


async def test_sent_reminders_stay_and_are_not_recreated(
    session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    session_id = await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    async with session_factory() as session:
        await session.execute(
            update(Reminder).where(Reminder.kind == EVENING).values(status=ReminderStatus.SENT)
        )
        await session.commit()
    clock.set(u("2026-11-24 20:00"))
    await _change(session_factory, session_id, clock.now(), title="Leg day (heavy)")
    await _change(session_factory, session_id, clock.now(), status=SessionStatus.COMPLETED)

    rows = await _rows(session_factory)
    assert [(r.kind, r.status) for r in rows] == [
        (EVENING, ReminderStatus.SENT),
        (BEFORE, ReminderStatus.CANCELLED),
    ]


async def test_no_reminders_for_clients_not_joined_or_paused(
    session_factory: Factory, clock: ManualClock
) -> None:
    walk_in = await _people(session_factory, joined=False)
    await _book(session_factory, walk_in, u("2026-11-25 18:00"), clock.now())
    assert await _rows(session_factory) == []

    paused_client = await make_user(session_factory, 601, "Pia", client=True)
    paused = await make_coaching(
        session_factory, walk_in.trainer, paused_client, status=RelationshipStatus.PAUSED
    )
    await _book(session_factory, paused, u("2026-11-25 18:00"), clock.now())
    assert await _rows(session_factory) == []


async def test_moments_already_past_are_not_created(
    session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    # Booked at 09:00 for 09:10 today: the evening before and 08:10 have passed, and the
    # session is minutes away (the booking notice says so), so no reminder at all.
    await _book(session_factory, coaching, u("2026-11-23 09:10"), clock.now())
    assert await _rows(session_factory) == []
    # Booked for 18:00 today: only the 17:00 note is still ahead.
    await _book(session_factory, coaching, u("2026-11-23 18:00"), clock.now())
    assert _pending(await _rows(session_factory)) == {BEFORE: u("2026-11-23 17:00")}


async def test_a_session_booked_inside_the_lead_time_is_reminded_at_once(
    session_factory: Factory, clock: ManualClock
) -> None:
    """Short notice: 40 minutes ahead with the default 60-minute lead."""
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-23 09:40"), clock.now())
    assert _pending(await _rows(session_factory)) == {BEFORE: clock.now()}


async def test_settings_change_rederives_future_sessions(
    session_factory: Factory, ctx: ServiceContext, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    await _book(session_factory, coaching, u("2026-11-20 18:00"), u("2026-11-10 09:00"))
    before = await _rows(session_factory)

    svc = SettingsService(ctx)
    await svc.set_timezone(600, "America/New_York")
    view = await svc.set_lead(600, 120)
    assert view.lead_minutes == 120

    rows = await _rows(session_factory)
    future = [r for r in rows if r.payload["scheduled_at"].startswith("2026-11-25")]
    # 18:00 UTC is 13:00 in New York; the evening before is 19:00 EST = 00:00 UTC.
    assert _pending(future) == {EVENING: u("2026-11-25 00:00"), BEFORE: u("2026-11-25 16:00")}
    past = [r for r in rows if r.payload["scheduled_at"].startswith("2026-11-20")]
    assert [(r.id, r.due_at, r.status) for r in past] == [
        (r.id, r.due_at, r.status)
        for r in before
        if r.payload["scheduled_at"].startswith("2026-11-20")
    ], "a session in the past is left alone"

    await svc.set_evening(600, None)
    await svc.set_lead(600, None)
    rows = await _rows(session_factory)
    assert _pending([r for r in rows if r.payload["scheduled_at"].startswith("2026-11-25")]) == {}

    with pytest.raises(InvalidInput, match="between 5 minutes and 48 hours"):
        await svc.set_lead(600, 3)


async def test_quiet_hours_hold_a_trainer_message_until_morning(
    session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _people(session_factory, tz="Europe/London")
    clock.set(u("2026-11-23 23:15"))  # 23:15 in London (GMT): inside 22:00-07:00
    async with UnitOfWork(session_factory) as uow:
        view = await queue_trainer_message(
            uow, coaching.trainer.id, coaching.profile.id, "  Bring a belt  ", clock.now()
        )
        await uow.commit()
    assert view.kind is ReminderKind.TRAINER_MESSAGE
    assert view.due_at == u("2026-11-24 07:00")
    row = (await _rows(session_factory))[0]
    assert row.payload["text"] == "Bring a belt"
    assert row.payload["trainer_name"] == "Tina"


async def test_contact_outside_hours_lets_the_message_through(
    session_factory: Factory, clock: ManualClock
) -> None:
    flags = PermissionFlags(contact_outside_hours=True)
    coaching = await _people(session_factory, flags=flags)
    clock.set(u("2026-11-23 23:15"))
    async with UnitOfWork(session_factory) as uow:
        view = await queue_trainer_message(
            uow, coaching.trainer.id, coaching.profile.id, "Running late", clock.now()
        )
    assert view.due_at == clock.now()


async def test_trainer_message_refusals(session_factory: Factory, clock: ManualClock) -> None:
    coaching = await _people(session_factory, status=RelationshipStatus.PAUSED)
    stranger = await make_user(session_factory, 700, "Sam", trainer=True)
    walk_in = await make_coaching(session_factory, coaching.trainer, None)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotAllowed, match="paused"):
            await queue_trainer_message(
                uow, coaching.trainer.id, coaching.profile.id, "Hi", clock.now()
            )
        with pytest.raises(NotFound, match="among yours"):
            await queue_trainer_message(uow, stranger.id, coaching.profile.id, "Hi", clock.now())
        with pytest.raises(Conflict, match="not joined"):
            await queue_trainer_message(
                uow, coaching.trainer.id, walk_in.profile.id, "Hi", clock.now()
            )
        with pytest.raises(InvalidInput, match="empty"):
            await queue_trainer_message(
                uow, coaching.trainer.id, walk_in.profile.id, "   ", clock.now()
            )
    assert await _rows(session_factory) == []


async def test_quiet_hours_change_releases_a_held_message(
    session_factory: Factory, ctx: ServiceContext, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    clock.set(u("2026-11-23 23:15"))
    async with UnitOfWork(session_factory) as uow:
        await queue_trainer_message(
            uow, coaching.trainer.id, coaching.profile.id, "Hi", clock.now()
        )
        await uow.commit()
    await SettingsService(ctx).set_quiet(600, QuietHours(time(23, 30), time(6, 0)))
    ready = await ReminderService(ctx).claim("w1", 10)
    assert [item.payload["text"] for item in ready] == ["Hi"]


async def test_claim_takes_due_rows_once(
    session_factory: Factory, ctx: ServiceContext, clock: ManualClock
) -> None:
    coaching = await _people(session_factory)
    await _book(session_factory, coaching, u("2026-11-25 18:00"), clock.now())
    svc = ReminderService(ctx)
    assert await svc.claim("w1", 10) == []

    clock.set(u("2026-11-24 19:00"))
    first = await svc.claim("w1", 10)
    assert [item.kind for item in first] == [EVENING]
    assert first[0].chat_id == 600
    assert await svc.claim("w2", 10) == []
    rows = await _rows(session_factory)
    assert (rows[0].status, rows[0].claimed_by) == (ReminderStatus.SENDING, "w1")
    assert rows[1].status is ReminderStatus.PENDING


async def test_user_settings_change_is_a_noop_without_sessions(
    session_factory: Factory, clock: ManualClock
) -> None:
    user = await make_user(session_factory, 800, "Nia", client=True)
    async with UnitOfWork(session_factory) as uow:
        await reminders_for_user_settings_changed(uow, user.id, clock.now())
        await uow.commit()
    assert await _rows(session_factory) == []


# --------------------------------------------------------------------------------------------
# Two dispatchers on PostgreSQL
# --------------------------------------------------------------------------------------------

PG_URL = os.environ.get("TEST_DATABASE_URL") or None


@pytest.mark.skipif(PG_URL is None, reason="needs PostgreSQL: set TEST_DATABASE_URL")
async def test_two_dispatchers_on_postgres_claim_each_row_once(
    session_factory: Factory, clock: ManualClock
) -> None:
    assert PG_URL is not None
    async with session_factory() as session:
        user = User(telegram_id=900, first_name="Many", onboarded=True, is_client=True)
        session.add(user)
        await session.flush()
        due = clock.now() - timedelta(minutes=1)
        session.add_all(
            Reminder(
                user_id=user.id,
                kind=ReminderKind.TRAINER_MESSAGE,
                due_at=due,
                payload={"text": f"m{i}"},
            )
            for i in range(400)
        )
        await session.commit()

    engines = [create_engine(PG_URL), create_engine(PG_URL)]
    try:

        async def loop(index: int) -> list[int]:
            factory = create_session_factory(engines[index])
            claimed: list[int] = []
            while True:
                async with factory() as session:
                    rows = await ReminderRepository(session).claim_due(
                        clock.now(), f"worker-{index}", 25
                    )
                    await session.commit()
                if not rows:
                    return claimed
                claimed.extend(r.id for r in rows)
                await asyncio.sleep(0)

        first, second = await asyncio.gather(loop(0), loop(1))
    finally:
        for engine in engines:
            await engine.dispose()

    assert len(first) + len(second) == 400
    assert not set(first) & set(second)
    rows = await _rows(session_factory)
    assert {r.status for r in rows} == {ReminderStatus.SENDING}
    owner = {r.id: r.claimed_by for r in rows}
    assert all(owner[i] == "worker-0" for i in first)
    assert all(owner[i] == "worker-1" for i in second)
