"""/dashboard ranks clients by need and names them; the week is spelled out; it always fits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.alerts import AlertDraft
from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    RelationshipStatus,
    RelationshipType,
    SessionStatus,
)
from coaching.services.base import ServiceContext
from conversations.dashboard import digest_job
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    PermissionSet,
    Relationship,
    TrainerProfile,
)
from tests.conftest import START
from tests.factories import Coaching, Factory, make_coaching, make_user
from tests.factories import raise_now as _raise
from tests.fakes.chat import ChatSimulator
from tests.progress_data import plan


async def _team(factory: Factory) -> tuple[Coaching, Coaching, Coaching]:
    """Tara coaches Ivy Stone, Bo Lane and Cal Reyes, all active this week."""
    tara = await make_user(factory, 1001, "Tara", trainer=True)
    found = []
    for telegram_id, first, name in ((2001, "Ivy", "Ivy Stone"), (2002, "Bo", "Bo Lane")):
        user = await make_user(factory, telegram_id, first, client=True)
        found.append(await make_coaching(factory, tara, user, name=name, start=START.date()))
    cal = await make_user(factory, 2003, "Cal", client=True)
    found.append(await make_coaching(factory, tara, cal, name="Cal Reyes", start=START.date()))
    return found[0], found[1], found[2]


def _attention(text: str) -> list[str]:
    """The lines under Needs attention."""
    block = text.split("Needs attention", 1)[1].split("\n")[1:]
    return [line for line in block if line.strip()]


async def test_clients_ranked_by_need_and_named(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    _ivy, bo, cal = await _team(session_factory)
    await plan(session_factory, bo, START - timedelta(days=1), title="Leg day")
    pr = AlertDraft(
        AlertType.GOAL_ACHIEVED,
        AlertSeverity.LOW,
        "pr:1",
        "New personal records in “Leg day”: Squat heaviest weight 120 kg.",
        {"record_id": 1, "count": 1},
    )
    await _raise(ctx, cal, pr)
    ivy_chat = sim.user(2001, "Ivy")
    await ivy_chat.send("/injury")
    await ivy_chat.send("knee")
    await ivy_chat.press("7")
    await ivy_chat.send("Twisted it on the stairs")
    tara = sim.user(1001, "Tara")
    await tara.send("/dashboard")
    lines = _attention(tara.last_reply.text)
    assert "Needs attention (3 clients)" in tara.last_reply.text
    assert lines[0] == "🟧 Ivy Stone: knee injury reported today (7/10)"
    assert lines[1] == "🚩 Bo Lane: missed 1 session"
    assert lines[2] == "🟩 Cal Reyes: 🏆 new personal records"
    assert "Every client is on track" not in tara.last_reply.text
    assert tara.last_reply.flat_buttons[3:6] == ["🟧 Ivy Stone", "🚩 Bo Lane", "🟩 Cal Reyes"]
    await tara.press("🟧 Ivy Stone")
    assert "Progress · Ivy Stone" in tara.last_reply.text


async def test_on_track_never_shows_while_an_alert_is_open(
    sim: ChatSimulator, ctx: ServiceContext, session_factory: Factory
) -> None:
    _ivy, _bo, cal = await _team(session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/dashboard")
    assert "✅ Every client is on track." in tara.last_reply.text
    goal = AlertDraft(
        AlertType.GOAL_ACHIEVED,
        AlertSeverity.LOW,
        "goal:bodyweight:75",
        "Goal reached: “bodyweight 75kg” (body weight 75 kg).",
        {"goal": "bodyweight 75kg", "target_kg": "75"},
    )
    await _raise(ctx, cal, goal)
    await tara.send("/dashboard")
    text = tara.last_reply.text
    assert "Every client is on track" not in text
    assert "Cal Reyes: 🎯 goal reached: “bodyweight 75kg”" in text
    await tara.press("⚠️ Alerts (1)")
    await tara.press("🟩 Cal Reyes: Goal achieved")
    await tara.press("✅ Resolve")
    await tara.press("Skip ⏭")
    await tara.send("/dashboard")
    assert "✅ Every client is on track." in tara.last_reply.text


async def test_the_week_is_spelled_out(sim: ChatSimulator, session_factory: Factory) -> None:
    ivy, bo, _cal = await _team(session_factory)
    await plan(session_factory, ivy, START + timedelta(days=3), title="Push")  # Thursday
    await plan(session_factory, bo, START + timedelta(days=7), title="Pull")  # next Monday
    await plan(session_factory, ivy, START + timedelta(days=7, hours=2), title="Legs")
    tara = sim.user(1001, "Tara")
    await tara.send("/dashboard")
    text = tara.last_reply.text
    assert "Next 7 days: 3 sessions" in text
    assert "• Thursday 26 Nov: 1 session" in text
    assert "• Monday 30 Nov: 2 sessions" in text
    assert "Thu 1" not in text


async def test_hundreds_of_clients_fit(
    app: SpotterApplication,
    sim: ChatSimulator,
    clock: ManualClock,
    session_factory: Factory,
) -> None:
    tara = await make_user(session_factory, 1001, "Tara", trainer=True)
    async with session_factory() as session:
        for i in range(300):
            profile = ClientProfile(
                trainer_user_id=tara.id, name=f"{'Client ' * 15}{i:03d}", created_by=tara.id
            )
            session.add(profile)
            await session.flush()
            relationship = Relationship(
                trainer_user_id=tara.id,
                client_profile_id=profile.id,
                status=RelationshipStatus.ACTIVE,
                relationship_type=RelationshipType.IN_PERSON,
                start_date=START.date(),
                created_by=tara.id,
            )
            session.add(relationship)
            await session.flush()
            session.add(PermissionSet(relationship_id=relationship.id))
            if i < 40:  # a packed day: forty sessions today, with long titles
                session.add(
                    CoachingSession(
                        relationship_id=relationship.id,
                        title="Full body strength and conditioning " * 3,
                        scheduled_at=START + timedelta(hours=1, minutes=i),
                        duration_minutes=60,
                        status=SessionStatus.SCHEDULED,
                        created_by=tara.id,
                    )
                )
            session.add(
                ClientAlert(
                    client_profile_id=profile.id,
                    trainer_user_id=tara.id,
                    alert_type=AlertType.INJURY_REPORTED,
                    severity=AlertSeverity.CRITICAL if i == 150 else AlertSeverity.HIGH,
                    raised_at=START,
                    message="Injury reported.",
                    dedup_key=f"injury:{i}",
                    details={"part": "Lower back " * 3, "score": 8 if i == 150 else 6},
                )
            )
        trainer = (
            await session.execute(select(TrainerProfile).where(TrainerProfile.user_id == tara.id))
        ).scalar_one()
        trainer.digest_time = START.time().replace(hour=7)
        await session.commit()
    chat = sim.user(1001, "Tara")
    await chat.send("/dashboard")
    text = chat.last_reply.text
    assert len(text) <= 4096
    lines = _attention(text)
    assert "Needs attention (300 clients)" in text
    assert "…and 25 more: tap 📅 Next 7 days." in text
    await chat.press("📅 Next 7 days")
    assert len(chat.last_reply.text) <= 4096
    assert "more sessions." in chat.last_reply.text
    await chat.press("◀ Dashboard")
    assert lines[0].startswith("🟥 Client Client")
    assert lines[0].endswith("150: lower back lower back lower back injury reported today (8/10)")
    named = lines[:-1]
    assert 5 <= len(named) <= 20
    assert all(line.startswith("🟧 Client Client") for line in named[1:])
    more = 300 - len(named)
    assert lines[-1] == f"…and {more} more clients. Tap ⚠️ Alerts to work through them."
    context: Any = type("Ctx", (), {"application": app, "bot": app.bot})()
    clock.set(START.replace(hour=8))
    await digest_job(context)
    assert "daily digest" in chat.last_reply.text
    assert len(chat.last_reply.text) <= 4096


async def test_the_progress_card_fits_with_many_missed_sessions(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    ivy, _bo, _cal = await _team(session_factory)
    for hours in range(30, 30 + 40 * 6, 6):
        await plan(session_factory, ivy, START - timedelta(hours=hours), title="T" * 120)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press_data(f"pg:{ivy.profile.id}")
    text = tara.last_reply.text
    assert len(text) <= 4096
    assert "…and 30 more." in text
