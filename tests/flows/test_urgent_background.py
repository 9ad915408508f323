"""Urgent alert notices go out from the repeating job, never inside the update that raised them.

Finishing a session answers the person at once and checks that client's alerts; the notice of
an urgent alert it raised is sent by the ``alert_notify`` job, once, also across a restart.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from coaching.domain.enums import AlertSeverity, AlertType
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from conversations.alerts import send_urgent, urgent_job
from storage.models import ClientAlert
from tests.conftest import restarted
from tests.factories import Coaching, plan_session, trainer_and_client
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser
from tests.helpers import job_context as _context
from tests.progress_data import plan

Factory = async_sessionmaker[AsyncSession]
OPEN_ALERT = ("👀 Open alert", "👀 Open alerts")


def _notices(user: SimUser) -> list[str]:
    return [r.text for r in user.replies if set(OPEN_ALERT) & set(r.flat_buttons)]


def _told(texts: list[str], alert: ClientAlert) -> int:
    """How many notices name this alert."""
    return sum(text.count(alert.message) for text in texts)


async def _urgent(factory: Factory) -> list[ClientAlert]:
    async with factory() as session:
        rows = await session.execute(
            select(ClientAlert)
            .where(ClientAlert.severity.in_((AlertSeverity.HIGH, AlertSeverity.CRITICAL)))
            .order_by(ClientAlert.id)
        )
        return list(rows.scalars())


async def _three_missed(factory: Factory, coaching: Coaching, clock: ManualClock) -> None:
    """Three booked sessions in the past week with nothing logged: a HIGH missed streak."""
    for days in (7, 5, 3):
        await plan(factory, coaching, clock.now() - timedelta(days=days))


async def test_finishing_a_session_replies_at_once_and_the_job_sends_the_notice_once(
    sim: ChatSimulator, app: SpotterApplication, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await _three_missed(session_factory, coaching, clock)
    await plan_session(session_factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("3x5x100")
    await tom.press("🏁 Finish")
    await tom.press("Yes, finish")

    assert "Session complete" in tom.last_reply.text  # the reply to the person acting
    raised = await _urgent(session_factory)
    assert raised, "finishing checked the client's alerts"
    assert {a.alert_type for a in raised} == {AlertType.MISSED_WORKOUT}
    assert all(a.notified_at is None for a in raised)
    assert _notices(tom) == [], "no notice is sent inside the finishing update"

    await urgent_job(_context(app))
    notices = _notices(tom)
    assert len(notices) == 1, "one notice names everything new about Alice"
    assert f"Alice: {len(raised)} new alerts" in notices[0]
    assert all(_told(notices, alert) == 1 for alert in raised)
    assert all(a.notified_at is not None for a in await _urgent(session_factory))

    await urgent_job(_context(app))
    assert len(_notices(tom)) == 1, "each notice is sent once"
    assert "Session complete" in tom.replies[-1 - len(notices)].text


async def test_a_restart_between_raising_and_sending_still_sends_each_notice_once(
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    ctx: ServiceContext,
    session_factory: Factory,
    clock: ManualClock,
) -> None:
    coaching = await trainer_and_client(session_factory)
    await _three_missed(session_factory, coaching, clock)
    await AlertService(ctx).scan_all()  # the alerts are raised: their notices are due
    due = len(await _urgent(session_factory))
    assert due >= 3

    async with restarted(settings, api, engine, clock) as first:
        assert await send_urgent(_context(first), limit=1) == 1
    # The process stops here, with the other notices still to send.
    async with restarted(settings, api, engine, clock) as second:
        sim = ChatSimulator(second, api)
        tom = sim.user(1001, "Tom")
        await urgent_job(_context(second))
        await urgent_job(_context(second))
    texts = _notices(tom)
    assert len(texts) == 2, "the one sent before the restart, then one naming the rest"
    assert all(_told(texts, alert) == 1 for alert in await _urgent(session_factory))


async def test_a_notice_claimed_by_another_run_is_not_sent_again(
    app: SpotterApplication,
    sim: ChatSimulator,
    ctx: ServiceContext,
    session_factory: Factory,
    clock: ManualClock,
) -> None:
    """Two runs (or two workers) racing: the one that claims an alert first tells it."""
    coaching = await trainer_and_client(session_factory)
    await _three_missed(session_factory, coaching, clock)
    await AlertService(ctx).scan_all()
    svc = AlertService(ctx)
    pending = await svc.pending_urgent()
    assert len(pending) == len(await _urgent(session_factory)) >= 3
    assert await svc.claim_notice(pending[0][0].alert_id)  # another worker took this one
    assert not await svc.claim_notice(pending[0][0].alert_id)
    assert await send_urgent(_context(app)) == 1
    notices = _notices(sim.user(1001, "Tom"))
    assert len(notices) == 1
    alerts = {a.id: a for a in await _urgent(session_factory)}
    assert _told(notices, alerts[pending[0][0].alert_id]) == 0
    assert all(_told(notices, alerts[p.alert_id]) == 1 for p, _ in pending[1:])
