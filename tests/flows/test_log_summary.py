"""The end of a session: unplanned sessions are titled after what was done, and compared only
with a comparable session (the same planned session, or the same exercises)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from tests.factories import finish_session as _finish
from tests.factories import live_message, records, trainer_and_client
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]


async def _unplanned(tom: SimUser) -> None:
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Unplanned session")


async def test_an_unplanned_session_is_titled_after_what_was_done(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await trainer_and_client(session_factory)
    tom, alice = sim.user(1001, "Tom"), sim.user(2001, "Alice")
    await _unplanned(tom)
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("100x5")
    await tom.send("pull up")
    await tom.press("Pull-Up")
    card = live_message(tom).text
    assert "Pull-Up (2/2)" in card
    assert "Then:" not in card, "the squats are done: the card does not point back to them"
    await tom.send("bw x 8")
    await tom.send("next")
    assert "Then:" not in live_message(tom).text
    summary = await _finish(tom)

    title = "Barbell Back Squat · Pull-Up"
    assert f"Session complete: {title} · Alice" in summary
    assert "Unplanned session" not in summary
    [alices] = [r.text for r in alice.replies if "Session complete" in r.text]
    assert title in alices
    assert f"How hard was {title}?" in alice.last_reply.text
    [record] = await records(session_factory)
    assert record.title == title


async def test_unrelated_unplanned_sessions_are_not_compared(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await trainer_and_client(session_factory)
    tom = sim.user(1001, "Tom")
    await _unplanned(tom)
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("3x5x100")
    first = await _finish(tom)
    assert "First time logging this session" in first

    clock.advance(days=2)
    await _unplanned(tom)
    await tom.send("bench press")
    await tom.press("Barbell Bench Press")
    await tom.send("3x5x60")
    second = await _finish(tom)
    assert " vs " not in second, "a bench day is not compared with a squat day"
    assert "▼" not in second

    clock.advance(days=2)
    await _unplanned(tom)
    await tom.send("squat")
    await tom.press("Barbell Back Squat")
    await tom.send("2x5x100")
    third = await _finish(tom)
    assert "▼ 500 kg vs " in third, "the same exercises: compared with the squat day"
