"""A session finished before its planned start counts as done at once, for both people."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.services.base import ServiceContext
from coaching.services.exports import ExportService
from tests.factories import plan_session, trainer_and_client
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


async def _finish_early(sim: ChatSimulator, factory: Factory, clock: ManualClock) -> SimUser:
    """Tom plans Lower A for Alice three hours from now, and they do it at once."""
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now() + timedelta(hours=3))
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    await tom.send("100x5")
    await tom.press("🏁 Finish")
    await tom.press("🏁 Yes, finish")
    return tom


async def test_the_trainer_sees_an_early_session_as_done_at_once(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _finish_early(sim, session_factory, clock)
    await tom.send("/clients")
    await tom.press("Alice")
    await tom.press("📊 Progress")
    text = tom.last_reply.text
    assert "7 days: 100% (1/1)" in text
    assert "No planned sessions yet" not in text


async def test_the_client_sees_an_early_session_as_done_at_once(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await _finish_early(sim, session_factory, clock)
    alice = sim.user(2001, "Alice")
    await alice.send("/progress")
    assert "7 days: 100% (1/1)" in alice.last_reply.text
    await alice.send("/today")
    assert "Lower A ✅" in alice.last_reply.text
    assert "▶️ Start Lower A" not in alice.last_reply.flat_buttons


async def test_the_trainers_export_counts_an_early_session_as_completed(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, ctx: ServiceContext
) -> None:
    await _finish_early(sim, session_factory, clock)
    bundle = await ExportService(ctx).trainer_export(1001, None)
    [adherence] = [f for f in bundle.files if "-adherence-" in f.filename]
    [row] = list(csv.DictReader(io.StringIO(adherence.data.decode())))
    assert (row["planned_sessions"], row["completed_sessions"], row["missed_sessions"]) == (
        "1",
        "1",
        "0",
    )
    assert row["adherence_pct"] == "100"
