"""/alerts: list by severity, open, resolve with notes; forged buttons; thresholds; notices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from storage.models import TrainerProfile
from tests.conftest import START
from tests.factories import alerts_world, make_coaching, make_user
from tests.factories import client_alerts as _alerts
from tests.fakes.chat import ChatSimulator
from tests.progress_data import plan


async def test_list_open_and_resolve_with_notes(
    sim: ChatSimulator,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await alerts_world(session_factory, ctx, clock)
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    text = tara.last_reply.text
    assert text.index("Injury reported") < text.index("Missed workout")  # most severe first
    assert "Leg day" in text
    await tara.press("🟨 Cleo: Missed workout")
    assert "✅ Resolve" in tara.last_reply.flat_buttons
    await tara.press("✅ Resolve")
    assert "notes" in tara.last_reply.text
    await tara.send("x" * 1001)
    assert "limit is 1000" in tara.last_reply.text
    assert not any(a.is_resolved for a in await _alerts(session_factory))
    await tara.send("Rebooked for Thursday")
    assert "Alert resolved" in tara.last_reply.text
    resolved = [a for a in await _alerts(session_factory) if a.is_resolved]
    assert len(resolved) == 1
    assert resolved[0].resolution_notes == "Rebooked for Thursday"
    assert "Missed workout" not in tara.last_reply.text.split("Open alerts")[1]


async def test_skip_cancel_and_forged(
    sim: ChatSimulator,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    coaching = await alerts_world(session_factory, ctx, clock)
    rows = await _alerts(session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    await tara.press_data(f"al:r:{rows[0].id}")
    await tara.send("/cancel")
    assert "Cancelled" in tara.last_reply.text
    assert not any(a.is_resolved for a in await _alerts(session_factory))
    await tara.press_data(f"al:r:{rows[0].id}")
    await tara.press("Skip ⏭")
    assert (await _alerts(session_factory))[0].is_resolved
    await make_user(session_factory, 2001, "Mallory", trainer=True)
    mallory = sim.user(2001, "Mallory")
    await mallory.send("/alerts")
    assert "No open alerts" in mallory.last_reply.text
    for data in (f"al:o:{rows[1].id}", f"al:r:{rows[1].id}", "al:o:99999"):
        await mallory.press_data(data)
        assert mallory.last_answer == "I can't find that alert among yours."
    await mallory.press_data(f"al:c:{coaching.profile.id}")
    assert mallory.last_answer == "I can't find that client among yours."
    assert not (await _alerts(session_factory))[1].is_resolved


async def test_thresholds_from_settings(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 1001, "Tara", trainer=True)
    tara = sim.user(1001, "Tara")
    await tara.send("/settings")
    await tara.press("⚠️ Alert thresholds")
    assert "e1RM down <b>10%</b>" not in tara.last_reply.text
    assert "e1RM down 10% over 3 sessions" in tara.last_reply.text
    await tara.press("+ Inactive days")
    assert "no workout for 8 days" in tara.last_reply.text
    for _ in range(8):
        await tara.press("− Grace hours")
    await tara.press("− Grace hours")
    assert "stays between 0 and 72" in (tara.last_answer or "")
    await tara.press("📰 Send empty digests: off")
    assert "nothing to report: sent" in tara.last_reply.text
    async with session_factory() as session:
        profile = (await session.execute(select(TrainerProfile))).scalar_one()
    assert (profile.alert_inactivity_days, profile.alert_missed_grace_hours) == (8, 0)
    assert profile.digest_when_empty
    await tara.press_data("at:zz:+")
    assert "expired" in (tara.last_answer or "")


async def test_card_alerts_and_urgent_notice(
    sim: ChatSimulator,
    ctx: ServiceContext,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
    app: SpotterApplication,
) -> None:
    from conversations.alerts import send_urgent

    trainer = await make_user(session_factory, 1001, "Tara", trainer=True)
    cleo = await make_user(session_factory, 1002, "Cleo", client=True)
    coaching = await make_coaching(session_factory, trainer, cleo, start=START.date())
    for days in (1, 2, 3):
        await plan(session_factory, coaching, START - timedelta(days=days))
    await AlertService(ctx).scan_all()
    context: Any = type("Ctx", (), {"application": app, "bot": app.bot})()
    assert await send_urgent(context) == 1  # one notice names all three missed sessions
    tara = sim.user(1001, "Tara")
    assert "Cleo: 3 new alerts" in tara.last_reply.text
    assert tara.last_reply.text.count("Missed workout · high") == 3
    assert await send_urgent(context) == 0
    await tara.send("/clients")
    await tara.press("Cleo")
    await tara.press("⚠️ Alerts")
    assert "Open alerts · Cleo" in tara.last_reply.text
