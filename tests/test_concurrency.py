"""Nobody waits for anybody: chats are served concurrently, each chat strictly in order.

The processor is tested on its own (two updates of one chat never interleave; two chats do),
then through the whole bot: one trainer's slow step does not hold another trainer's set, the
slow trainer's next message waits its turn, and sets logged by several trainers at once are
each stored once, in the order each trainer typed them.
"""

from __future__ import annotations

import asyncio
import warnings
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.application import SpotterApplication, take_written_states
from bot.updates import ChatOrderedProcessor, chat_key
from coaching.services.live import StartPart
from tests.factories import client_sets, make_coaching, make_user, start_squats
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser
from tests.fakes.updates import FakeUser, message_update

Factory = async_sessionmaker[AsyncSession]


def _update(update_id: int, chat_id: int) -> Update:
    user = FakeUser(chat_id, f"User {chat_id}")
    return Update.de_json(message_update(update_id, user, "hi", chat_id=chat_id), None)


async def _step(events: list[str], name: str, hops: int = 5) -> None:
    events.append(f"{name} starts")
    for _ in range(hops):
        await asyncio.sleep(0)
    events.append(f"{name} ends")


# --------------------------------------------------------------------------- the processor


async def test_updates_of_one_chat_never_interleave() -> None:
    processor = ChatOrderedProcessor(8)
    events: list[str] = []
    tasks = [
        asyncio.create_task(processor.process_update(_update(i, 1), _step(events, f"#{i}")))
        for i in range(1, 5)
    ]
    await asyncio.gather(*tasks)
    assert events == [f"#{i} {edge}" for i in range(1, 5) for edge in ("starts", "ends")]
    assert processor.active_chats == 0, "a chat with nothing running keeps no lock"


async def test_updates_of_two_chats_run_at_the_same_time() -> None:
    processor = ChatOrderedProcessor(8)
    other_started = asyncio.Event()
    events: list[str] = []

    async def waits_for_other_chat() -> None:
        events.append("chat 1 starts")
        await asyncio.wait_for(other_started.wait(), timeout=5)
        events.append("chat 1 ends")

    async def other_chat() -> None:
        events.append("chat 2 starts")
        other_started.set()
        events.append("chat 2 ends")

    first = asyncio.create_task(processor.process_update(_update(1, 1), waits_for_other_chat()))
    second = asyncio.create_task(processor.process_update(_update(2, 2), other_chat()))
    await asyncio.gather(first, second)
    assert events == ["chat 1 starts", "chat 2 starts", "chat 2 ends", "chat 1 ends"]


async def test_an_update_cancelled_while_waiting_its_turn_never_starts() -> None:
    processor = ChatOrderedProcessor(8)
    release = asyncio.Event()
    events: list[str] = []

    async def slow() -> None:
        events.append("first starts")
        await release.wait()
        events.append("first ends")

    first = asyncio.create_task(processor.process_update(_update(1, 7), slow()))
    await asyncio.sleep(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "coroutine was never awaited" would be a warning
        second = asyncio.create_task(processor.process_update(_update(2, 7), _step(events, "2")))
        await asyncio.sleep(0)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
    release.set()
    await first
    assert events == ["first starts", "first ends"]
    assert processor.active_chats == 0


def test_the_chat_key_is_the_chat_then_the_user() -> None:
    assert chat_key(_update(1, 42)) == 42
    query = Update.de_json(
        {
            "update_id": 5,
            "callback_query": {
                "id": "q",
                "from": {"id": 77, "is_bot": False, "first_name": "Ann"},
                "chat_instance": "c",
                "inline_message_id": "m",
                "data": "x",
            },
        },
        None,
    )
    assert chat_key(query) == 77, "a button under an inline message is ordered by its user"
    assert chat_key(object()) is None


def test_take_written_states_reads_ptb_tracking() -> None:
    """PTB keeps written conversation keys in a private set; this fails if that changes."""
    from telegram.ext._utils.trackingdict import TrackingDict

    states: TrackingDict[Any, Any] = TrackingDict()
    states[(1, 1)] = "LOGGING"
    states[(2, 2)] = "CHOOSE"
    del states[(2, 2)]
    assert take_written_states(states, {(1, 1)}) == [((1, 1), "LOGGING")]
    assert take_written_states(states, {(1, 1)}) == [], "taken once"
    assert take_written_states(states, {(2, 2)}) == [((2, 2), None)], "an ended conversation"


# --------------------------------------------------------------------------- the whole bot


async def test_a_slow_step_of_one_trainer_holds_no_one_else(
    app: SpotterApplication,
    sim: ChatSimulator,
    session_factory: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tom's /log is stuck in a slow call; Una logs a set meanwhile and is answered at once.
    Tom's next message waits for his first one, and then both are answered in order."""
    tom_user = await make_user(session_factory, 1001, "Tom", trainer=True)
    una_user = await make_user(session_factory, 1002, "Una", trainer=True)
    profiles = []
    for trainer, client_id, name in ((tom_user, 2001, "Alice"), (una_user, 2002, "Bea")):
        client = await make_user(session_factory, client_id, name, client=True)
        profiles.append((await make_coaching(session_factory, trainer, client)).profile.id)
    tom, una = sim.user(1001, "Tom"), sim.user(1002, "Una")
    await start_squats(una, "Bea")

    release = asyncio.Event()
    entered = asyncio.Event()
    menu = StartPart.menu

    async def slow_menu(self: StartPart, telegram_id: int) -> Any:
        if telegram_id == 1001:
            entered.set()
            await asyncio.wait_for(release.wait(), timeout=10)
        return await menu(self, telegram_id)

    monkeypatch.setattr(StartPart, "menu", slow_menu)
    toms_log = asyncio.create_task(tom.send("/log"))
    await asyncio.wait_for(entered.wait(), timeout=10)
    toms_help = asyncio.create_task(tom.send("/help"))

    await una.send("100x5")
    assert "100 kg × 5" in una.last_reply.text, una.transcript()
    assert await client_sets(session_factory, profiles[1]) == [(Decimal("100.000"), 5)]
    assert not toms_log.done()
    assert not toms_help.done()
    assert tom.replies == [], "Tom's /help waits for his /log"

    release.set()
    await asyncio.gather(toms_log, toms_help)
    texts = [reply.text for reply in tom.replies]
    assert "Who are you training" in texts[0]
    assert len(texts) == 2, tom.transcript()
    assert "/log" in texts[1], "answered in the order Tom sent them"


async def test_trainers_logging_at_once_each_keep_every_set_in_order(
    app: SpotterApplication, sim: ChatSimulator, session_factory: Factory, api: FakeBotAPI
) -> None:
    trainers: list[tuple[SimUser, int]] = []
    for n in range(6):
        trainer = await make_user(session_factory, 1100 + n, f"Coach{n}", trainer=True)
        client = await make_user(session_factory, 2100 + n, f"Client{n}", client=True)
        coaching = await make_coaching(session_factory, trainer, client)
        user = sim.user(1100 + n, f"Coach{n}")
        await start_squats(user, f"Client{n}")
        trainers.append((user, coaching.profile.id))

    async def log_sets(user: SimUser, base: int) -> None:
        for k in range(5):
            await user.send(f"{base + k}x{k + 1}")

    await asyncio.gather(*(log_sets(user, 60 + 10 * n) for n, (user, _) in enumerate(trainers)))
    for n, (user, profile_id) in enumerate(trainers):
        stored = await client_sets(session_factory, profile_id)
        assert stored == [(Decimal(60 + 10 * n + k), k + 1) for k in range(5)], user.name
        assert f"{60 + 10 * n + 4} kg × 5" in user.last_reply.text, user.transcript()
