"""Two workers on one PostgreSQL database, in one test process: per-update state and handled
updates decided by the database (bot.persistence's shared mode).

Each worker is a whole application with its own memory, as two processes would be; the
updates of one trainer go to one worker, then the other. What one worker did must be what the
other one sees next, and an update given to both at once is handled once. (The same with real
processes, webhooks and a SIGKILL is tests/test_workers.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from tests.conftest import POSTGRES_URL, make_sim, restarted
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser
from tests.fakes.updates import message_update
from tests.flows.test_log_trainer import (
    Factory,
    live_message,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)

pytestmark = pytest.mark.skipif(
    POSTGRES_URL is None, reason="several workers share a PostgreSQL database only"
)


@pytest.fixture
async def second_app(
    settings: Settings, api: FakeBotAPI, engine: AsyncEngine, clock: ManualClock
) -> AsyncIterator[SpotterApplication]:
    async with restarted(settings, api, engine, clock) as application:
        yield application


@pytest.fixture
def sims(
    app: SpotterApplication, second_app: SpotterApplication, api: FakeBotAPI
) -> tuple[ChatSimulator, ChatSimulator]:
    return make_sim(app, api), make_sim(second_app, api)


def both(sims: tuple[ChatSimulator, ChatSimulator], user_id: int, name: str) -> list[SimUser]:
    """The same person as each worker sees them: [on worker 1, on worker 2]."""
    return [sim.user(user_id, name) for sim in sims]


async def _live_session_on_both(
    sims: tuple[ChatSimulator, ChatSimulator], factory: Factory, clock: ManualClock
) -> list[SimUser]:
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now() + timedelta(hours=1))
    tom = both(sims, 1001, "Tom")
    await tom[0].send("/log")
    await tom[1].press("Alice")
    await tom[0].press("Lower A")
    assert "Started" in live_message(tom[1]).text
    return tom


async def test_a_live_session_goes_on_whichever_worker_gets_each_update(
    sims: tuple[ChatSimulator, ChatSimulator], session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _live_session_on_both(sims, session_factory, clock)

    await tom[1].send("100x5")
    assert "Set 2 of 3" in live_message(tom[1]).text
    await tom[0].press("@8")
    assert "RPE 8 noted" in live_message(tom[0]).text
    await tom[1].press("Same")
    await tom[0].send("+2.5")
    assert "All 3 planned sets done" in live_message(tom[0]).text
    await tom[1].press("Next ›")
    assert "Romanian Deadlift" in live_message(tom[1]).text
    await tom[0].send("80x8")
    clock.advance(minutes=40)
    await tom[1].press("🏁 Finish")
    await tom[0].press("Yes, finish")

    assert "Session complete" in tom[0].last_reply.text
    assert "4 sets" in tom[0].last_reply.text
    [record] = await records(session_factory)
    stored = await sets_of(session_factory, record.id)
    assert [(float(s.weight_kg or 0), s.reps) for s in stored] == [
        (100.0, 5),
        (100.0, 5),
        (102.5, 5),
        (80.0, 8),
    ]
    assert [None if s.rpe is None else float(s.rpe) for s in stored] == [8.0, None, None, None]
    assert record.completed


async def test_a_conversation_ended_on_one_worker_is_over_on_the_other(
    sims: tuple[ChatSimulator, ChatSimulator], session_factory: Factory, clock: ManualClock
) -> None:
    tom = await _live_session_on_both(sims, session_factory, clock)
    await tom[0].send("100x5")

    await tom[1].send("/cancel")
    assert "Logging paused. 1 set is saved" in tom[1].last_reply.text
    # Worker 1 last saw the session live; the database says it was paused since.
    await tom[0].send("100x5")

    assert "not expecting a message" in tom[0].last_reply.text
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 1

    await tom[0].send("/log")
    await tom[1].press("Alice")
    assert "Resuming" in live_message(tom[1]).text
    await tom[0].send("100x5")
    assert "Set 3 of 3" in live_message(tom[0]).text
    assert len(await sets_of(session_factory, record.id)) == 2


async def test_the_same_update_given_to_two_workers_at_once_is_handled_once(
    sims: tuple[ChatSimulator, ChatSimulator],
    session_factory: Factory,
    clock: ManualClock,
    api: FakeBotAPI,
) -> None:
    tom = await _live_session_on_both(sims, session_factory, clock)
    mark = len(api.calls)
    update = message_update(
        api.next_update_id(),
        tom[0].user,
        "100x5",
        message_id=api.allocate_message_id(tom[0].chat_id),
        date=int(api.now()),
    )

    await asyncio.gather(sims[0].deliver(update), sims[1].deliver(update))

    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 1
    logged = [
        call
        for call in api.calls[mark:]
        if call.method in ("sendMessage", "editMessageText")
        and call.chat_id == tom[0].chat_id
        and "Logged: 100 kg × 5" in str((call.result or {}).get("text", ""))
    ]
    assert len(logged) == 1, api.describe_calls()
    assert "Set 2 of 3" in live_message(tom[0]).text


async def test_a_command_given_to_two_workers_at_once_is_answered_once(
    sims: tuple[ChatSimulator, ChatSimulator], api: FakeBotAPI
) -> None:
    # /help stores nothing that could tell a second run apart: only the handled mark does.
    bea = both(sims, 3001, "Bea")
    for _ in range(3):
        update = message_update(
            api.next_update_id(),
            bea[0].user,
            "/help",
            message_id=api.allocate_message_id(bea[0].chat_id),
            date=int(api.now()),
        )
        await asyncio.gather(sims[0].deliver(update), sims[1].deliver(update))

    answers = [c for c in api.calls if c.method == "sendMessage" and c.chat_id == bea[0].chat_id]
    assert len(answers) == 3, api.describe_calls()


async def test_user_data_follows_the_person_between_workers(
    sims: tuple[ChatSimulator, ChatSimulator], session_factory: Factory, clock: ManualClock
) -> None:
    # Both workers have handled Tom, so both hold a copy of his user_data in memory; each
    # update must still see the one the other worker wrote last.
    tom = await _live_session_on_both(sims, session_factory, clock)
    for turn in range(3):
        await tom[turn % 2].send("100x5")
    await tom[1].press("Next ›")
    await tom[0].send("80x8")
    await tom[1].send("same")

    [record] = await records(session_factory)
    stored = await sets_of(session_factory, record.id)
    assert [(float(s.weight_kg or 0), s.reps) for s in stored] == [(100.0, 5)] * 3 + [(80.0, 8)] * 2
    assert "Set 3 (1 extra)" in live_message(tom[1]).text
