"""Updates that wait on heavy work run only a few at a time, and only they.

Twenty people asking for charts at once used to hold every chat turn while the charts were
drawn one after another, and trainers logging sets waited behind them. The processor now runs
at most ``max_heavy`` heavy updates at once; the rest of them wait before they hold anything,
and every other update goes straight on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.ratelimit import is_patient
from bot.updates import ChatOrderedProcessor
from conversations.dashboard import MY_CHART, TRAINER_CHART, Chart
from conversations.export import EXPORT, Xp
from conversations.heavy import heavy
from conversations.importer import IMPORT, Act
from conversations.log import LIVE, LiveAction
from tests.fakes.updates import (
    FakeUser,
    callback_update,
    document_message_update,
    message_update,
)

ANNA = FakeUser(2001, "Anna")


def _bot_message(chat_id: int) -> dict[str, Any]:
    return {
        "message_id": 40,
        "date": 0,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": 1, "is_bot": True, "first_name": "Spotter"},
        "text": "…",
    }


def _press(data: str, user: FakeUser = ANNA, update_id: int = 1) -> Update:
    return Update.de_json(callback_update(update_id, user, data, _bot_message(user.id)), None)


def _text(text: str, user: FakeUser = ANNA, update_id: int = 1) -> Update:
    return Update.de_json(message_update(update_id, user, text), None)


def test_charts_exports_imports_and_files_are_heavy() -> None:
    assert heavy(_press(MY_CHART.encode(Chart.VOLUME)))
    assert heavy(_press(TRAINER_CHART.encode(Chart.E1RM, 7, 3)))
    assert heavy(_press(EXPORT.encode(Xp.ALL)))
    assert heavy(_press(IMPORT.encode(Act.ACCEPT)))
    assert heavy(_text("/mydata"))
    assert heavy(_text("/mydata@SpotterBot"))
    assert heavy(_text("/progress"))
    assert heavy(_text("/dashboard"))
    upload = document_message_update(1, ANNA, "f1", "strong.csv", "text/csv", 2_000)
    assert heavy(Update.de_json(upload, None))


def test_everything_else_is_not() -> None:
    assert not heavy(_text("100 x 5"))
    assert not heavy(_text("/log"))
    assert not heavy(_text("my data please"))
    assert not heavy(_text("/mydatas"))
    assert not heavy(_press(LIVE.encode(LiveAction.NEXT, 5)))
    assert not heavy(_press("forged:data"))
    assert not heavy(object())


async def test_heavy_updates_wait_for_each_other_while_the_rest_go_straight_on() -> None:
    processor = ChatOrderedProcessor(8, heavy=heavy, max_heavy=1)
    chart_drawn = asyncio.Event()
    events: list[str] = []

    async def chart(name: str) -> None:
        events.append(f"{name} starts")
        if name == "chart 1":
            await asyncio.wait_for(chart_drawn.wait(), 5)
        events.append(f"{name} ends")

    async def typed_set() -> None:
        events.append("set logged")
        chart_drawn.set()

    people = [FakeUser(3000 + n, f"Client {n}") for n in range(3)]
    first = asyncio.create_task(
        processor.process_update(
            _press(MY_CHART.encode(Chart.VOLUME), people[0], 1), chart("chart 1")
        )
    )
    second = asyncio.create_task(
        processor.process_update(
            _press(MY_CHART.encode(Chart.VOLUME), people[1], 2), chart("chart 2")
        )
    )
    for _ in range(5):
        await asyncio.sleep(0)
    assert events == ["chart 1 starts"], "the second chart waits for the first"

    await processor.process_update(_text("100 x 5", people[2], 3), typed_set())
    await asyncio.gather(first, second)
    assert events == [
        "chart 1 starts",
        "set logged",
        "chart 1 ends",
        "chart 2 starts",
        "chart 2 ends",
    ]
    assert processor.active_chats == 0


async def test_a_heavy_update_stopped_while_waiting_never_starts_and_frees_its_chat() -> None:
    processor = ChatOrderedProcessor(8, heavy=heavy, max_heavy=1)
    release = asyncio.Event()
    events: list[str] = []

    async def slow() -> None:
        events.append("first chart")
        await release.wait()

    async def never() -> None:
        events.append("second chart")

    first = asyncio.create_task(
        processor.process_update(_press(MY_CHART.encode(Chart.VOLUME), FakeUser(1, "A"), 1), slow())
    )
    await asyncio.sleep(0)
    second = asyncio.create_task(
        processor.process_update(
            _press(MY_CHART.encode(Chart.VOLUME), FakeUser(2, "B"), 2), never()
        )
    )
    for _ in range(3):
        await asyncio.sleep(0)
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert processor.active_chats == 1, "only the first chart's chat is still held"
    release.set()
    await first
    assert events == ["first chart"]
    assert processor.active_chats == 0


async def test_what_a_heavy_update_sends_is_patient_and_nothing_else_is() -> None:
    processor = ChatOrderedProcessor(heavy=heavy)
    patient: dict[str, bool] = {}

    async def handle(name: str) -> None:
        await asyncio.sleep(0)
        patient[name] = is_patient()

    bob = FakeUser(2002, "Bob")
    await asyncio.gather(
        processor.do_process_update(_text("/dashboard"), handle("dashboard")),
        processor.do_process_update(_text("3x100", user=bob, update_id=2), handle("set")),
        processor.do_process_update(
            _press(MY_CHART.encode(Chart.VOLUME), update_id=3), handle("chart")
        ),
    )
    assert patient == {"dashboard": True, "set": False, "chart": True}
    assert not is_patient(), "only inside the heavy update"
