"""The set-logging hot path: few SQL statements per set, the same count set after set.

Counted with a ``before_cursor_execute`` engine event through the chat simulator, so the
numbers cover the whole update: de-duplication, the /log handler (the read that also
authorises, last time, the set and the handled update's id in one commit) and the flush of
conversation state afterwards, which writes nothing while the session stays in its step.
Speed itself is measured in ``bench/``, never here; these are upper bounds on round trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.application import SpotterApplication
from bot.config import Settings
from coaching.clock import ManualClock
from storage.models import ProcessedUpdate
from tests.conftest import POSTGRES_URL, make_sim, restarted
from tests.factories import live_message, make_user, plan_session, trainer_and_client
from tests.factories import set_count as _set_count
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser

Factory = async_sessionmaker[AsyncSession]

# Logging one set as the client's trainer: read the session with the trainer's relationship
# and permissions (1), insert the set (1), set the rest timer (1: one upsert, or one delete when
# the set starts no rest) and mark the update handled (1), all committed together before the
# reply, so any worker can send "rest over"; on an exercise's first set also its start time
# and the current exercise (up to 2). "Last time" was read when the card first showed the
# exercise and is not read again per set. After the reply, the new live card (sent below the
# typed set) is remembered in one update (1).
TRAINER_SET_STATEMENTS = 5
TRAINER_FIRST_SET_STATEMENTS = 7
# A client logging their own set: the same, and their own profiles are theirs to read.
CLIENT_SET_STATEMENTS = 7
# On PostgreSQL (shared mode, see bot.persistence) every update also runs in its chat's turn:
# a transaction that takes the chat's lock (1) and reads its states and handled mark (1), and
# commits at the end; a re-delivered update costs just those two.
TURN_STATEMENTS = 2 if POSTGRES_URL else 0
TURN_COMMITS = 1 if POSTGRES_URL else 0
# The set, its rest timer and its handled mark are one commit before the reply; the new card's
# id a second, after it. The conversation stays in its state.
COMMITS_PER_SET = 2 + TURN_COMMITS


@dataclass
class Counter:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counter]:
    counter = Counter()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        counter.statements.append(sql)

    def commit(_conn: Any) -> None:
        counter.commits += 1

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    event.listen(engine.sync_engine, "commit", commit)
    try:
        yield counter
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)
        event.remove(engine.sync_engine, "commit", commit)


async def _send_counted(user: SimUser, engine: AsyncEngine, text: str) -> Counter:
    with counting(engine) as counter:
        await user.send(text)
    return counter


async def _start_trainer_session(
    sim: ChatSimulator, factory: Factory, clock: ManualClock
) -> SimUser:
    coaching = await trainer_and_client(factory)
    await plan_session(
        factory,
        coaching,
        at=clock.now() + timedelta(hours=1),
        exercises=(
            ("barbell-back-squat", 4, 5, "100", 180),
            ("romanian-deadlift", 4, 8, "80", None),
        ),
    )
    tom = sim.user(1001, "Tom")
    await tom.send("/log")
    await tom.press("Alice")
    await tom.press("Lower A")
    assert "Started" in live_message(tom).text
    return tom


async def test_a_trainer_logs_each_set_in_a_few_constant_statements(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, engine: AsyncEngine
) -> None:
    tom = await _start_trainer_session(sim, session_factory, clock)
    notations = ("100x5", "same", "+2.5", "100x5 @8")

    first: list[Counter] = [await _send_counted(tom, engine, text) for text in notations]
    assert "Logged: 100 kg × 5 @8" in live_message(tom).text
    await tom.press("Next ›")
    second: list[Counter] = [await _send_counted(tom, engine, text) for text in notations]

    assert len(first[0].statements) <= TRAINER_FIRST_SET_STATEMENTS + TURN_STATEMENTS
    assert len(second[0].statements) <= TRAINER_FIRST_SET_STATEMENTS + TURN_STATEMENTS
    # Every later set costs the same, in every exercise: nothing grows as sets accumulate.
    later = [len(c.statements) for c in first[1:] + second[1:]]
    assert later == [TRAINER_SET_STATEMENTS + TURN_STATEMENTS] * len(later)
    assert all(c.commits == COMMITS_PER_SET for c in first + second)
    # Later sets of an exercise touch nothing but the new row, the handled update, the rest
    # timer and the id of the card sent below.
    writes = [s.split()[0] for s in first[-1].statements if not s.startswith("SELECT")]
    assert writes == ["INSERT", "INSERT", "INSERT", "UPDATE"]
    assert await _set_count(session_factory) == 8
    assert "Set 5 (1 extra)" in live_message(tom).text


async def test_a_client_logs_their_own_set_in_a_few_statements(
    sim: ChatSimulator, session_factory: Factory, engine: AsyncEngine
) -> None:
    await make_user(session_factory, 5001, "Cleo", client=True)
    cleo = sim.user(5001, "Cleo")
    await cleo.send("/log")
    await cleo.press("My own workout")
    await cleo.send("squat")
    await cleo.press("Barbell Back Squat")

    counters = [await _send_counted(cleo, engine, text) for text in ("60x5", "same", "same")]

    assert "Logged: 60 kg × 5" in cleo.last_reply.text or "Logged: 60 kg × 5" in (
        live_message(cleo).text
    )
    assert max(len(c.statements) for c in counters) <= CLIENT_SET_STATEMENTS + TURN_STATEMENTS
    assert len(counters[1].statements) == len(counters[2].statements)
    assert await _set_count(session_factory) == 3


async def test_a_redelivered_set_costs_no_query_and_logs_nothing(
    sim: ChatSimulator, session_factory: Factory, clock: ManualClock, engine: AsyncEngine
) -> None:
    tom = await _start_trainer_session(sim, session_factory, clock)
    await tom.send("100x5")
    update = sim.last_update
    assert update is not None
    shown = live_message(tom).text

    with counting(engine) as counter:
        await sim.replay(update)

    assert len(counter.statements) == TURN_STATEMENTS
    assert all(s.startswith("SELECT") for s in counter.statements)
    assert await _set_count(session_factory) == 1
    assert live_message(tom).text == shown


async def test_after_a_restart_a_redelivered_set_is_still_handled_once(
    settings: Settings,
    sim: ChatSimulator,
    session_factory: Factory,
    clock: ManualClock,
    engine: AsyncEngine,
    api: FakeBotAPI,
) -> None:
    tom = await _start_trainer_session(sim, session_factory, clock)
    await tom.send("100x5")
    update = sim.last_update
    assert update is not None
    async with session_factory() as session:
        marked = await session.get(ProcessedUpdate, update["update_id"])
    assert marked is not None  # committed with the set itself

    # A new process on the same database: it has handled nothing yet, so it asks the database.
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        before = len(api.sent_to(1001))
        await sim2.replay(update)
        assert len(api.sent_to(1001)) == before
        assert await _set_count(session_factory) == 1
        tom2 = sim2.user(1001, "Tom")
        await tom2.send("same")
        assert "Logged: 100 kg × 5" in live_message(tom2).text
        assert await _set_count(session_factory) == 2


async def test_a_set_and_its_handled_mark_are_committed_together(
    settings: Settings,
    sim: ChatSimulator,
    app: SpotterApplication,
    session_factory: Factory,
    clock: ManualClock,
    engine: AsyncEngine,
    api: FakeBotAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom = await _start_trainer_session(sim, session_factory, clock)

    # The bot is killed right after answering: nothing after the handler's own commit lands.
    async def killed(*_args: Any, **_kwargs: Any) -> None:
        return None

    monkeypatch.setattr(app.persistence, "write", killed)
    await tom.send("100x5")
    update = sim.last_update
    assert update is not None
    assert "Logged: 100 kg × 5" in live_message(tom).text

    async with restarted(settings, api, engine, clock) as app2:
        before = len(api.calls)
        await make_sim(app2, api).replay(update)
        # Telegram re-delivers it: the new process knows it was handled and stays silent.
        assert len(api.calls) == before
        assert await _set_count(session_factory) == 1
