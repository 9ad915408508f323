"""/log on a day with many planned sessions: the menu lists the first ones and counts the rest,
and always fits in one Telegram message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from conversations.log import PLANNED_SHOWN
from storage.models import CoachingSession
from tests.factories import Coaching, make_coaching, make_user
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]
PLANNED = 40
TITLE = "Lower body strength — squat, deadlift and accessories with long notes " * 2


async def _busy_day(factory: Factory, clock: ManualClock) -> Coaching:
    trainer = await make_user(factory, 1001, "Tom", trainer=True)
    client = await make_user(factory, 2001, "Alice", client=True)
    coaching = await make_coaching(factory, trainer, client)
    async with factory() as session:
        for n in range(PLANNED):
            session.add(
                CoachingSession(
                    relationship_id=coaching.relationship.id,
                    title=f"{TITLE.strip()} #{n + 1}",
                    scheduled_at=clock.now() + timedelta(minutes=30 + 15 * n),
                    created_by=trainer.id,
                )
            )
        await session.commit()
    return coaching


async def test_a_trainer_sees_the_first_sessions_of_a_busy_day_and_a_count(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await _busy_day(session_factory, clock)
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    menu = tom.last_reply
    planned_buttons = [label for label in menu.flat_buttons if label.startswith("🗓")]
    assert len(planned_buttons) == PLANNED_SHOWN
    assert planned_buttons[0].endswith("#1")
    assert f"…and {PLANNED - PLANNED_SHOWN} more later today" in menu.text
    assert menu.text.count("🗓") == PLANNED_SHOWN

    await tom.press(planned_buttons[0])
    assert "#1" in tom.last_reply.text, "the first listed session starts"


async def test_a_client_sees_the_first_sessions_of_a_busy_day_and_a_count(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock
) -> None:
    await _busy_day(session_factory, clock)
    alice = sim.user(2001, "Alice")
    await alice.send("/log")
    menu = alice.last_reply
    assert sum(label.startswith("🗓") for label in menu.flat_buttons) == PLANNED_SHOWN
    assert f"…and {PLANNED - PLANNED_SHOWN} more later today" in menu.text
