"""Starting planned work: /today's Start button, moved sessions, and "✓ As planned"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import SessionStatus
from storage.models import CoachingSession
from tests.factories import (
    live_message,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_today_has_a_start_button_that_opens_the_live_session(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    planned = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=2))
    alice = sim.user(2001, "Alice")
    await alice.send("/today")
    assert "▶️ Start Lower A" in alice.last_reply.flat_buttons
    await alice.press("▶️ Start Lower A")
    card = live_message(alice)
    assert "Started Lower A" in card.text
    assert "Barbell Back Squat (1/2)" in card.text
    await alice.press("✓ As planned")
    [record] = await records(session_factory)
    assert record.coaching_session_id == planned.coaching_session_id
    assert [(str(s.weight_kg), s.reps) for s in await sets_of(session_factory, record.id)] == [
        ("100.000", 5)
    ]


async def test_a_moved_session_is_not_offered_at_its_old_time(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    old = await plan_session(session_factory, coaching, at=clock.now() + timedelta(hours=1))
    async with session_factory() as session:
        row = await session.get(CoachingSession, old.coaching_session_id)
        assert row is not None
        row.status = SessionStatus.RESCHEDULED  # moved to another day (a new row holds that)
        await session.commit()
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    assert "Lower A" not in tom.last_reply.text
    assert "Nothing is planned for Alice today" in tom.last_reply.text

    # A button left over from before the move (a reminder) gets a clear answer.
    await tom.press_data(f"lg:p:{old.coaching_session_id}")
    assert tom.last_answer is not None
    assert "moved to a new time" in tom.last_answer
    assert await records(session_factory) == []


async def test_as_planned_shows_only_when_it_would_log_a_set(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(
        session_factory,
        coaching,
        at=clock.now() + timedelta(hours=1),
        exercises=(
            ("barbell-back-squat", 3, 5, None, None),
            ("romanian-deadlift", 2, 8, "80", None),
        ),
    )
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    assert "✓ As planned" not in live_message(tom).flat_buttons, "no load to log yet"
    await tom.send("90x5")
    assert "✓ As planned" in live_message(tom).flat_buttons, "now the last load fills it in"
    await tom.press("✓ As planned")
    assert "2. 90 kg × 5 @8" in live_message(tom).text
    await tom.send("next")
    assert "✓ As planned" in live_message(tom).flat_buttons, "the plan gives 80 kg"
