"""Alert floods: one notice per client per scan naming everything new, and acknowledging
several alerts at once ("Acknowledge all for Ivy", "Acknowledge all"), authorised."""

from __future__ import annotations

from datetime import timedelta

from bot.application import SpotterApplication
from coaching.domain.alerts import AlertDraft
from coaching.domain.enums import AlertSeverity, AlertType
from coaching.services.alerts import AlertService, raise_alert
from coaching.services.base import ServiceContext
from conversations.alerts import send_urgent
from tests.conftest import START
from tests.factories import Coaching, Factory, make_coaching, make_user
from tests.factories import client_alerts as _alerts
from tests.fakes.chat import ChatSimulator, SimUser
from tests.helpers import job_context as _context
from tests.progress_data import plan


async def _world(factory: Factory) -> tuple[Coaching, Coaching]:
    """Tara coaches Ivy Stone (three missed sessions, idle for 20 days) and Bo (one missed)."""
    tara = await make_user(factory, 1001, "Tara", trainer=True)
    ivy = await make_user(factory, 2001, "Ivy", client=True)
    bo = await make_user(factory, 2002, "Bo", client=True)
    start = START.date() - timedelta(days=20)
    first = await make_coaching(factory, tara, ivy, name="Ivy Stone", start=start)
    second = await make_coaching(factory, tara, bo, name="Bo Lane", start=START.date())
    for days in (2, 4, 6):
        await plan(factory, first, START - timedelta(days=days))
    await plan(factory, second, START - timedelta(days=1))
    return first, second


async def _draft(ctx: ServiceContext, coaching: Coaching, key: str, message: str) -> None:
    draft = AlertDraft(AlertType.PERFORMANCE_DECLINE, AlertSeverity.HIGH, key, message)
    async with ctx.uow() as uow:
        await raise_alert(uow, coaching.trainer.id, coaching.profile.id, draft, ctx.clock.now())
        await uow.commit()


async def test_one_notice_per_client_names_everything_new(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _world(session_factory)
    await AlertService(ctx).scan_all()
    assert await send_urgent(_context(app)) == 1
    tara = sim.user(1001, "Tara")
    assert len(tara.replies) == 1
    notice = tara.last_reply.text
    assert "Ivy Stone: 4 new alerts" in notice
    assert notice.count("Missed workout · high") == 3
    assert "Inactivity · high" in notice
    assert "No workout logged since coaching began 20 days ago" in notice
    assert "Bo Lane" not in notice  # Bo's one missed session is not urgent (medium)
    assert "✅ Acknowledge all for Ivy Stone" in tara.last_reply.flat_buttons
    assert "👀 Open alerts" in tara.last_reply.flat_buttons
    await AlertService(ctx).scan_all()
    assert await send_urgent(_context(app)) == 0, "nothing new: nothing told"


async def test_acknowledge_all_for_one_client_from_the_notice(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    first, second = await _world(session_factory)
    await AlertService(ctx).scan_all()
    await send_urgent(_context(app))
    tara = sim.user(1001, "Tara")
    notice_id = tara.last_reply.message_id
    # An alert raised after the notice was sent: the old button leaves it open.
    await _draft(ctx, first, "late", "Squat e1RM down 12% over 3 sessions.")
    await tara.press("✅ Acknowledge all for Ivy Stone", message_id=notice_id)
    text = tara.last_reply.text
    assert "✅ 4 alerts acknowledged for Ivy Stone." in text
    assert "Squat e1RM down 12%" in text, "the newer alert is still listed"
    alerts = await _alerts(session_factory)
    ivy = [a for a in alerts if a.client_profile_id == first.profile.id]
    assert [a.is_resolved for a in ivy] == [True, True, True, True, False]
    assert all(a.resolved_by == first.trainer.id for a in ivy if a.is_resolved)
    assert all(a.resolved_at is not None for a in ivy if a.is_resolved)
    assert not any(a.is_resolved for a in alerts if a.client_profile_id == second.profile.id)
    await tara.press_data(f"ak:{first.profile.id}:{ivy[3].id}")  # the same old button again
    assert tara.last_answer == "Those alerts are already resolved."


async def test_acknowledge_all_from_alerts(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    await _world(session_factory)
    await AlertService(ctx).scan_all()
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    total = len(await _alerts(session_factory))
    assert total == 5
    await tara.press(f"✅ Acknowledge all ({total})")
    assert "✅ 5 alerts acknowledged." in tara.last_reply.text
    assert "No open alerts" in tara.last_reply.text
    assert all(a.is_resolved for a in await _alerts(session_factory))


async def test_forged_and_stale_acknowledge_buttons(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    first, _ = await _world(session_factory)
    await AlertService(ctx).scan_all()
    await make_user(session_factory, 3001, "Mallory", trainer=True)
    mallory = sim.user(3001, "Mallory")
    await mallory.send("/alerts")
    newest = max(a.id for a in await _alerts(session_factory))
    await mallory.press_data(f"ak:{first.profile.id}:{newest}")
    assert mallory.last_answer == "I can't find that client among yours."
    await mallory.press_data(f"ak:0:{newest}")
    assert mallory.last_answer == "Those alerts are already resolved."
    for data in ("ak:x:1", "ak:1", "ak:0:0", "ak:1:2:3"):
        await mallory.press_data(data)
        assert mallory.last_answer == "This button has expired. Send /alerts to start again."
    ivy = sim.user(2001, "Ivy")
    await ivy.send("/alerts")
    await ivy.press_data(f"ak:0:{newest}")
    assert "/alerts is for trainers" in ivy.last_reply.text, "what the screen is for"
    assert ivy.last_reply.flat_buttons == ["🏋️ Become a trainer too"]
    assert not any(a.is_resolved for a in await _alerts(session_factory))
    assert len(mallory.replies) == 1, "refusals are answers, not messages"
    assert len(ivy.replies) == 2, "/alerts and the stale button both explain the role"


async def test_a_flood_of_long_alerts_fits_one_notice(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    tara = await make_user(session_factory, 1001, "Tara", trainer=True)
    clients = []
    for i in range(30):
        client = await make_user(session_factory, 5000 + i, f"C{i}", client=True)
        clients.append(await make_coaching(session_factory, tara, client, name=f"{'N' * 110} {i}"))
    for n in range(60):
        await _draft(ctx, clients[0], f"flood:{n}", f"Alert {n}: " + "x" * 990)
    for coaching in clients[1:]:
        await _draft(ctx, coaching, "one", "Bench e1RM down 11% over 3 sessions.")
    sent = await send_urgent(_context(app), limit=500)
    assert sent == 30
    trainer: SimUser = sim.user(1001, "Tara")
    first = next(r for r in trainer.replies if "60 new alerts" in r.text)
    assert "…and 52 more" in first.text
    assert len(first.text) <= 4096
    assert all(a.notified_at is not None for a in await _alerts(session_factory))


async def test_acknowledge_all_for_a_client_from_their_alert_list(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    first, second = await _world(session_factory)
    await AlertService(ctx).scan_all()
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press("Ivy Stone")
    await tara.press("⚠️ Alerts")
    assert "Open alerts · Ivy Stone" in tara.last_reply.text
    await tara.press("✅ Acknowledge all for Ivy Stone")
    assert "✅ 4 alerts acknowledged for Ivy Stone." in tara.last_reply.text
    assert "📇 Back to card" in tara.last_reply.flat_buttons
    alerts = await _alerts(session_factory)
    assert all(a.is_resolved for a in alerts if a.client_profile_id == first.profile.id)
    assert not any(a.is_resolved for a in alerts if a.client_profile_id == second.profile.id)


async def test_the_alert_list_fits_with_long_messages(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    first, _ = await _world(session_factory)
    for n in range(60):
        await _draft(ctx, first, f"flood:{n}", f"Alert {n}: " + "<x> " * 248)
    tara = sim.user(1001, "Tara")
    await tara.send("/alerts")
    text = tara.last_reply.text
    assert len(text) <= 4096
    assert "…and 50 more; resolve some to see the rest." in text
    assert "✅ Acknowledge all (60)" in tara.last_reply.flat_buttons
    await tara.send("/clients")
    await tara.press("Ivy Stone")
    await tara.press("⚠️ Alerts")
    assert len(tara.last_reply.text) <= 4096
    assert "Open alerts · Ivy Stone" in tara.last_reply.text


async def test_a_client_is_not_split_across_two_notices_by_the_batch_size(
    sim: ChatSimulator, app: SpotterApplication, ctx: ServiceContext, session_factory: Factory
) -> None:
    first, second = await _world(session_factory)
    for n in range(5):
        await _draft(ctx, first, f"ivy:{n}", f"Ivy alert {n}.")
    for n in range(5):
        await _draft(ctx, second, f"bo:{n}", f"Bo alert {n}.")
    assert await send_urgent(_context(app), limit=7) == 1
    tara = sim.user(1001, "Tara")
    assert "Ivy Stone: 5 new alerts" in tara.last_reply.text
    assert await send_urgent(_context(app), limit=7) == 1
    assert "Bo Lane: 5 new alerts" in tara.last_reply.text
    assert await send_urgent(_context(app), limit=7) == 0
