"""/dashboard, drill-ins, the progress card with charts, forged buttons and the daily digest."""

from __future__ import annotations

import io
import struct
from datetime import time, timedelta
from typing import Any

import matplotlib.image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from coaching.clock import ManualClock
from coaching.domain.permissions import PermissionFlags
from conversations.dashboard import digest_job
from storage.models import Measurement, TrainerProfile
from tests.conftest import START
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.chat import ChatSimulator
from tests.progress_data import exercise_id, log_session, plan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(data: bytes | None) -> None:
    """A real PNG: signature, sensible IHDR size, and it decodes."""
    assert data is not None
    assert data.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", data[16:24])
    assert 400 <= width <= 2000
    assert 300 <= height <= 2000
    assert len(data) > 5_000
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    assert pixels.shape[0] == height
    assert pixels.shape[1] == width


async def _world(factory: async_sessionmaker[AsyncSession]) -> tuple[Coaching, Coaching]:
    trainer = await make_user(factory, 1001, "Tara", trainer=True)
    cleo = await make_user(factory, 1002, "Cleo", client=True)
    hal = await make_user(factory, 1003, "Hal", client=True)
    first = await make_coaching(
        factory,
        trainer,
        cleo,
        start=START.date() - timedelta(days=30),
        flags=PermissionFlags(view_personal_data=True),
    )
    second = await make_coaching(
        factory,
        trainer,
        hal,
        start=START.date() - timedelta(days=30),
        flags=PermissionFlags(view_progression_data=False, view_activity_status=False),
    )
    squat = await exercise_id(factory, "Barbell Back Squat")
    for days, weight in ((20, "100"), (13, "105"), (6, "110")):
        planned = await plan(factory, first, START - timedelta(days=days))
        await log_session(
            factory,
            first,
            START - timedelta(days=days),
            [(squat, weight, 5, 8)],
            coaching_session_id=planned,
        )
    await plan(factory, first, START - timedelta(days=2), title="Pull day")
    await plan(factory, first, START + timedelta(hours=8), title="Push day")
    await plan(factory, second, START + timedelta(days=2), title="Hal's legs")
    async with factory() as session:
        for days, value in ((20, "82.0"), (5, "80.5")):
            session.add(
                Measurement(
                    client_profile_id=first.profile.id,
                    kind="body_weight",
                    value=value,
                    unit="kg",
                    measured_on=(START - timedelta(days=days)).date(),
                )
            )
        await session.commit()
    return first, second


async def test_dashboard_and_drill_in(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    first, _ = await _world(session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/dashboard")
    text = tara.last_reply.text
    assert "Dashboard" in text
    assert "17:00 Cleo — Push day" in text
    assert "Next 7 days: 1" in text
    assert "Cleo: missed 1 session" in text
    assert "1 client doesn't share their activity" in text
    await tara.press("📅 Next 7 days")
    assert "Hal's legs" in tara.last_reply.text
    assert tara.last_reply.edited
    await tara.press("◀ Dashboard")
    await tara.press("🚩 Cleo")
    card = tara.last_reply.text
    assert "Progress · Cleo" in card
    assert "Pull day" in card  # missed
    assert "Barbell Back Squat: 128.3 kg" in card
    assert "7 days: <b>" not in card
    assert "7 days: 100%" not in card
    await tara.press("📊 Weekly volume")
    assert_png(tara.last_reply.file_bytes)
    assert "weekly volume" in tara.last_reply.text
    await tara.press("🗓 Adherence calendar")
    assert_png(tara.last_reply.file_bytes)
    await tara.press("⚖️ Body weight & measurements")
    assert_png(tara.last_reply.file_bytes)
    await tara.press_data(f"pc:x:{first.profile.id}")
    await tara.press("Barbell Back Squat")
    assert_png(tara.last_reply.file_bytes)
    assert "estimated 1RM" in tara.last_reply.text


async def test_hidden_data_says_so(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    _, second = await _world(session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press_data(f"pg:{second.profile.id}")
    text = tara.last_reply.text
    assert "doesn't share their activity" in text
    assert "doesn't share their progress data" in text
    assert "doesn't share personal details" in text
    assert "e1RM chart" not in tara.last_reply.flat_buttons
    before = len(tara.replies)
    await tara.press_data(f"pc:v:{second.profile.id}")
    assert "not shared their progress" in (tara.last_answer or "")
    assert len(tara.replies) == before


async def test_forged_buttons(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    first, _ = await _world(session_factory)
    await make_user(session_factory, 2001, "Mallory", trainer=True)
    mallory = sim.user(2001, "Mallory")
    await mallory.send("/dashboard")
    before = len(mallory.replies)
    for data in (
        f"pg:{first.profile.id}",
        f"pc:v:{first.profile.id}",
        f"pc:e:{first.profile.id}:1",
        "pg:999999",
        "pg:x",
        "db:zzz",
    ):
        await mallory.press_data(data)
        assert mallory.last_answer in (
            "I can't find that client among yours.",
            "This button has expired. Send /dashboard to start again.",
        )
    assert len(mallory.replies) == before
    cleo = sim.user(1002, "Cleo")
    await cleo.send("/dashboard")
    assert "for trainers" in cleo.last_reply.text


async def test_card_has_progress_and_alerts(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    _, _ = await _world(session_factory)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press("Cleo")
    assert "📊 Progress" in tara.last_reply.flat_buttons
    assert "⚠️ Alerts" in tara.last_reply.flat_buttons
    await tara.press("📊 Progress")
    assert "Progress · Cleo" in tara.last_reply.text


async def test_digest_once_a_day_and_not_when_empty(
    app: SpotterApplication,
    sim: ChatSimulator,
    api: Any,
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await _world(session_factory)
    quiet = await make_user(session_factory, 3001, "Quinn", trainer=True)
    context: Any = type("Ctx", (), {"application": app, "bot": app.bot})()
    clock.set(START.replace(hour=7, minute=0))
    await digest_job(context)
    tara = sim.user(1001, "Tara")
    assert tara.replies == []
    clock.set(START.replace(hour=7, minute=35))
    await digest_job(context)
    assert len(tara.replies) == 1
    assert "daily digest" in tara.replies[0].text
    await digest_job(context)
    assert len(tara.replies) == 1
    assert sim.user(3001, "Quinn").replies == []  # nothing to report
    async with session_factory() as session:
        profile = (
            await session.execute(select(TrainerProfile).where(TrainerProfile.user_id == quiet.id))
        ).scalar_one()
        profile.digest_when_empty = True
        profile.digest_last_sent = None
        profile.digest_time = time(7, 0)
        await session.commit()
    await digest_job(context)
    quinn = sim.user(3001, "Quinn")
    assert len(quinn.replies) == 1
    assert "Nothing needs you today" in quinn.replies[0].text
