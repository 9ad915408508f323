"""Reminders after a block, and at short notice.

A client who blocked the bot and comes back (a message, a command or a button; with or without
Telegram's "unblocked" update) is reachable again and gets the reminders of every future
session back, including the ones booked while she was away. A session booked inside the
reminder's lead time is reminded at once, unless it is minutes away.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderKind, ReminderStatus
from coaching.services.reminders import reminders_for_session_changed
from storage.models import Reminder, User
from storage.uow import UnitOfWork
from tests.factories import Coaching, Factory, plan_session, trainer_and_client
from tests.fakes.chat import ChatSimulator, SimUser

FIRST = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
BOOKED_WHILE_AWAY = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


async def _book(factory: Factory, coaching: Coaching, at: datetime, now: datetime) -> int:
    planned = await plan_session(factory, coaching, at=at)
    async with UnitOfWork(factory) as uow:
        await reminders_for_session_changed(uow, planned.coaching_session_id, now)
        await uow.commit()
    return planned.coaching_session_id


async def _reminders(factory: Factory) -> dict[tuple[int | None, ReminderKind], ReminderStatus]:
    async with factory() as session:
        rows = (await session.execute(select(Reminder).order_by(Reminder.id))).scalars()
        return {(r.coaching_session_id, r.kind): r.status for r in rows}


async def _reachable(factory: Factory, telegram_id: int) -> bool:
    async with factory() as session:
        found = await session.execute(select(User.reachable).where(User.telegram_id == telegram_id))
        return bool(found.scalar_one())


async def _come_back(alice: SimUser, how: str, first: int) -> None:
    if how == "message":
        await alice.send("hello again")
    elif how == "command":
        await alice.send("/today")
    else:
        await alice.press_data(f"rm:plan:{first}")


@pytest.mark.parametrize("how", ["message", "command", "button"])
async def test_coming_back_restores_the_reminders_of_sessions_booked_meanwhile(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    how: str,
) -> None:
    coaching = await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await alice.send("/help")
    first = await _book(session_factory, coaching, FIRST, clock.now())

    # Alice blocks the bot; the evening-before reminder finds out.
    sim.api.block(alice.chat_id)
    clock.set(datetime(2026, 11, 24, 19, 0, tzinfo=UTC))
    await dispatch_due(app.bot, app.services.ctx)
    assert not await _reachable(session_factory, 2001)
    assert "Alice has blocked Spotter" in tom.last_reply.text
    # Tom books another session while she is away.
    second = await _book(session_factory, coaching, BOOKED_WHILE_AWAY, clock.now())
    await dispatch_due(app.bot, app.services.ctx)
    before = await _reminders(session_factory)
    assert before[(first, ReminderKind.BEFORE_SESSION)] is ReminderStatus.CANCELLED
    # The second session's evening note falls due while she is still away: cancelled.
    clock.set(datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
    await dispatch_due(app.bot, app.services.ctx)
    before = await _reminders(session_factory)
    assert before[(second, ReminderKind.EVENING_BEFORE)] is ReminderStatus.CANCELLED

    # She unblocks (no "unblocked" update reaches us) and comes back in some way.
    sim.api.unblock(alice.chat_id)
    clock.set(datetime(2026, 11, 24, 19, 30, tzinfo=UTC))
    await _come_back(alice, how, first)
    assert await _reachable(session_factory, 2001)
    after = await _reminders(session_factory)
    assert after[(first, ReminderKind.BEFORE_SESSION)] is ReminderStatus.PENDING
    assert after[(second, ReminderKind.EVENING_BEFORE)] is ReminderStatus.PENDING
    assert after[(second, ReminderKind.BEFORE_SESSION)] is ReminderStatus.PENDING

    clock.set(FIRST - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.last_reply.text == "⏰ In 1 hour (10:30): Lower A"
    clock.set(datetime(2026, 11, 25, 19, 0, tzinfo=UTC))
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.last_reply.text == "🔔 Tomorrow at 10:30: Lower A"
    clock.set(BOOKED_WHILE_AWAY - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.last_reply.text == "⏰ In 1 hour (10:30): Lower A"
    assert sum(r.text.startswith(("⏰", "🔔")) for r in alice.replies) == 3


async def test_unblocking_the_bot_restores_them_too(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    alice = sim.user(2001, "Alice")
    first = await _book(session_factory, coaching, FIRST, clock.now())
    await alice.block_bot()
    assert (await _reminders(session_factory))[
        (first, ReminderKind.BEFORE_SESSION)
    ] is ReminderStatus.CANCELLED
    await alice.unblock_bot()
    restored = await _reminders(session_factory)
    assert restored[(first, ReminderKind.BEFORE_SESSION)] is ReminderStatus.PENDING
    assert restored[(first, ReminderKind.EVENING_BEFORE)] is ReminderStatus.PENDING


async def test_a_session_booked_40_minutes_ahead_is_reminded_at_once(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    alice = sim.user(2001, "Alice")
    await _book(session_factory, coaching, clock.now() + timedelta(minutes=40), clock.now())
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.last_reply.text == "⏰ In 40 min (09:40): Lower A"
    assert "▶️ Start logging" in alice.last_reply.flat_buttons


async def test_a_session_minutes_away_gets_no_separate_reminder(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    alice = sim.user(2001, "Alice")
    await _book(session_factory, coaching, clock.now() + timedelta(minutes=10), clock.now())
    await dispatch_due(app.bot, app.services.ctx)
    assert alice.replies == []
    assert await _reminders(session_factory) == {}
