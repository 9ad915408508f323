"""/progress: a client's own adherence, lifts and charts."""

from __future__ import annotations

import io
import struct
from datetime import timedelta

import matplotlib.image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.permissions import PermissionFlags
from tests.conftest import START
from tests.factories import make_coaching, make_user
from tests.fakes.chat import ChatSimulator
from tests.progress_data import exercise_id, log_session, plan


def _png_size(data: bytes | None) -> tuple[int, int]:
    assert data is not None
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    width, height = struct.unpack(">II", data[16:24])
    assert pixels.shape[:2] == (height, width)
    return width, height


async def test_own_progress_and_charts(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    trainer = await make_user(session_factory, 1001, "Tara", trainer=True)
    cleo_user = await make_user(session_factory, 1002, "Cleo", client=True)
    # Cleo hides everything from her trainer: her own view still shows it all.
    coaching = await make_coaching(
        session_factory,
        trainer,
        cleo_user,
        flags=PermissionFlags(view_progression_data=False, view_activity_status=False),
        start=START.date() - timedelta(days=20),
    )
    squat = await exercise_id(session_factory, "Barbell Back Squat")
    for days, weight in ((14, "90"), (7, "95")):
        planned = await plan(session_factory, coaching, START - timedelta(days=days))
        await log_session(
            session_factory,
            coaching,
            START - timedelta(days=days),
            [(squat, weight, 5, 8)],
            coaching_session_id=planned,
        )
    await plan(session_factory, coaching, START - timedelta(days=3), title="Missed one")
    cleo = sim.user(1002, "Cleo")
    await cleo.send("/progress")
    text = cleo.last_reply.text
    assert "Progress · Cleo" in text
    assert "Missed one" in text
    assert "Barbell Back Squat: 110.8 kg" in text
    await cleo.press("📊 Weekly volume")
    width, height = _png_size(cleo.last_reply.file_bytes)
    assert width > 500
    assert height > 300
    await cleo.press("📈 e1RM chart")
    await cleo.press("Barbell Back Squat")
    _png_size(cleo.last_reply.file_bytes)
    await cleo.press("🗓 Adherence calendar")
    _png_size(cleo.last_reply.file_bytes)
    await cleo.press("⚖️ Body weight & measurements")
    assert "No body measurements yet" in (cleo.last_answer or "")
    await cleo.press_data("mp:e:notanumber")
    assert "expired" in (cleo.last_answer or "")


async def test_newcomer(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 1005, "Nia", client=True)
    nia = sim.user(1005, "Nia")
    await nia.send("/progress")
    assert "no training logged yet" in nia.last_reply.text
    await nia.press_data("mp:v")
    assert "no training logged yet" in (nia.last_answer or "")
