"""Rest timers are rows any worker sends: set by a logged set, replaced by the next one,
removed when the session ends, and sent once, even by another worker after the first is gone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from coaching.services.base import DatabaseBusy, ServiceContext
from coaching.services.timers import TimerService
from storage.db import create_engine
from storage.models import DelayedMessage
from storage.repositories.timers import DelayedMessageRepository
from tests.conftest import make_sim, restarted
from tests.factories import (
    fire,
    live_message,
    make_coaching,
    make_user,
    plan_session,
    records,
    sets_of,
    trainer_and_client,
)
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser
from tests.helpers import texts

Factory = async_sessionmaker[AsyncSession]
REST_OVER_SET_3 = "⏱ Rest over — next: Set 3 of Barbell Back Squat"


async def timers(factory: Factory) -> dict[int, DelayedMessage]:
    """The stored delayed messages by chat."""
    async with factory() as session:
        rows = (await session.execute(select(DelayedMessage))).scalars()
        return {row.chat_id: row for row in rows}


async def _logging(sim: ChatSimulator, factory: Factory, clock: ManualClock) -> SimUser:
    coaching = await trainer_and_client(factory)
    await plan_session(factory, coaching, at=clock.now())
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    assert "Rest timer: 3:00" in live_message(tom).text
    return tom


async def test_rest_over_is_sent_once_when_due_and_the_next_set_replaces_the_timer(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    tom = await _logging(sim, session_factory, clock)
    await tom.send("100x5")
    [first] = (await timers(session_factory)).values()
    assert first.due_at == clock.now() + timedelta(seconds=180)
    assert first.text == "⏱ Rest over — next: Set 2 of Barbell Back Squat"

    clock.advance(seconds=60)
    await tom.send("100x5")
    [second] = (await timers(session_factory)).values()
    assert second.text == REST_OVER_SET_3, "the earlier timer was replaced"
    assert second.due_at == clock.now() + timedelta(seconds=180)

    clock.advance(seconds=179)
    await fire(sim.app)
    assert REST_OVER_SET_3 not in texts(api, 1001), "not before it is due"
    clock.advance(seconds=1)
    await fire(sim.app)
    await fire(sim.app)
    assert texts(api, 1001).count(REST_OVER_SET_3) == 1
    assert tom.last_reply.text == REST_OVER_SET_3
    assert await timers(session_factory) == {}


async def test_turning_the_timer_off_removes_it_and_no_set_sets_one(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    tom = await _logging(sim, session_factory, clock)
    await tom.send("100x5")
    assert len(await timers(session_factory)) == 1
    await tom.press("More…")
    await tom.press("Rest timer off")
    assert await timers(session_factory) == {}
    await tom.send("100x5")
    assert await timers(session_factory) == {}
    clock.advance(minutes=5)
    await fire(sim.app)
    assert not [t for t in texts(api, 1001) if t.startswith("⏱ Rest over")]


async def test_each_live_session_keeps_its_own_timer_and_finishing_removes_it(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, api: FakeBotAPI
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    bea = await make_user(session_factory, 1002, "Bea", trainer=True)
    carl = await make_user(session_factory, 2002, "Carl", client=True)
    await plan_session(
        session_factory, await make_coaching(session_factory, bea, carl), at=clock.now()
    )
    tom, bea_chat = sim.user(1001, "Tom"), sim.user(1002, "Bea")
    for trainer, client in ((tom, "Alice"), (bea_chat, "Carl")):
        await trainer.send("/log")
        await trainer.press(client)
        await trainer.press("Lower A")
        await trainer.send("100x5")
    before = await timers(session_factory)
    assert set(before) == {1001, 1002}

    clock.advance(seconds=30)
    await tom.send("102.5x5")
    after = await timers(session_factory)
    assert after[1002].due_at == before[1002].due_at, "Bea's timer is untouched"
    assert after[1001].due_at == before[1001].due_at + timedelta(seconds=30)

    await bea_chat.press("🏁 Finish")
    await bea_chat.press("🏁 Yes, finish")
    assert set(await timers(session_factory)) == {1001}
    clock.advance(minutes=4)
    await fire(sim.app)
    assert texts(api, 1001).count(REST_OVER_SET_3) == 1
    assert not [t for t in texts(api, 1002) if t.startswith("⏱ Rest over")]


async def test_a_timer_set_on_a_worker_that_is_gone_is_sent_once_by_another(
    settings: Settings,
    session_factory: Factory,
    clock: ManualClock,
    engine: AsyncEngine,
    api: FakeBotAPI,
) -> None:
    coaching = await trainer_and_client(session_factory)
    await plan_session(session_factory, coaching, at=clock.now())
    async with restarted(settings, api, engine, clock) as first_worker:
        tom = make_sim(first_worker, api).user(1001, "Tom")
        await tom.send("/log")
        await tom.press("Alice")
        await tom.press("Lower A")
        await tom.send("100x5")
        await tom.send("100x5")
    # The first worker is gone; its timer was never sent.
    clock.advance(minutes=3)
    async with (
        restarted(settings, api, engine, clock) as second,
        restarted(settings, api, engine, clock) as third,
    ):
        await asyncio.gather(fire(second), fire(third))
        await fire(second)
        await fire(third)
    assert texts(api, 1001).count(REST_OVER_SET_3) == 1
    assert await timers(session_factory) == {}


async def test_two_workers_share_many_due_timers_and_send_each_once(
    settings: Settings,
    ctx: ServiceContext,
    session_factory: Factory,
    clock: ManualClock,
    engine: AsyncEngine,
    api: FakeBotAPI,
) -> None:
    chats = list(range(7000, 7250))
    for chat in chats:
        await make_user(session_factory, chat, f"Person {chat}")
        await TimerService(ctx).schedule(
            f"test:{chat}", chat, f"⏱ Rest over <b>{chat}</b>", timedelta(seconds=90)
        )
    clock.advance(seconds=90)
    # Each worker on its own connection pool, as two processes would be.
    other_engine = create_engine(settings.database_url)
    try:
        async with (
            restarted(settings, api, engine, clock) as one,
            restarted(settings, api, other_engine, clock) as two,
        ):
            await asyncio.gather(fire(one), fire(two))
    finally:
        await other_engine.dispose()
    sent: dict[int, list[Any]] = {chat: texts(api, chat) for chat in chats}
    assert all(sent[chat] == [f"⏱ Rest over {chat}"] for chat in chats)
    assert await timers(session_factory) == {}


async def test_a_timer_found_long_after_it_fell_due_is_dropped_unsent(
    app: SpotterApplication, ctx: ServiceContext, clock: ManualClock, api: FakeBotAPI
) -> None:
    await TimerService(ctx).schedule("test:late", 1001, "⏱ Rest over", timedelta(seconds=60))
    clock.advance(minutes=30)  # every worker was down meanwhile
    await fire(app)
    assert texts(api, 1001) == []
    assert await TimerService(ctx).pending("test:late") is None


async def test_a_busy_database_retries_the_set_and_its_timer_together(
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom = await _logging(sim, session_factory, clock)
    put = DelayedMessageRepository.put
    failures = [DatabaseBusy("OperationalError")]

    async def busy_once(self: DelayedMessageRepository, *args: Any) -> None:
        if failures:
            raise failures.pop()
        await put(self, *args)

    monkeypatch.setattr(DelayedMessageRepository, "put", busy_once)
    await tom.send("100x5")

    # The timer is written in the set's own transaction: the busy first try stored neither,
    # the retry stored both, once.
    assert "Logged: 100 kg × 5" in live_message(tom).text
    [timer] = (await timers(session_factory)).values()
    assert timer.text == "⏱ Rest over — next: Set 2 of Barbell Back Squat"
    [record] = await records(session_factory)
    assert len(await sets_of(session_factory, record.id)) == 1
