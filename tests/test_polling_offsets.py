"""The polling leader confirms an update to Telegram only once it has been handled, so an
update a dying leader had fetched but not finished is fetched again by the next leader, and one
it had finished is answered once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import SpotterApplication
from bot.config import Settings
from bot.leader import HandledOffsetPoller
from coaching.clock import ManualClock
from tests.conftest import restarted
from tests.fakes import FakeUser
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.updates import message_update

WELCOME = "Welcome to Spotter"


def _push_start(api: FakeBotAPI, user: FakeUser) -> int:
    update = message_update(
        api.next_update_id(), user, "/start", message_id=api.allocate_message_id(user.id)
    )
    return api.push_update(update)


def _welcomes(api: FakeBotAPI, chat_id: int) -> int:
    return sum(WELCOME in str(m.get("text", "")) for m in api.sent_to(chat_id))


def _held_back(app: SpotterApplication, update_id: int, gate: asyncio.Event) -> None:
    """Make ``app`` wait on ``gate`` before handling update ``update_id``."""
    handle: Callable[[object], Awaitable[None]] = app.process_update

    async def slow(update: Any) -> None:
        if getattr(update, "update_id", None) == update_id:
            await gate.wait()
        await handle(update)

    app.process_update = slow  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def polling(app: SpotterApplication) -> Any:
    poller = HandledOffsetPoller(app, timeout=1)
    task = asyncio.create_task(poller.run())
    try:
        yield poller
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_update_still_running_is_not_confirmed(
    app: SpotterApplication, api: FakeBotAPI
) -> None:
    slow_user, quick_user = FakeUser(3001, "Sam"), FakeUser(3002, "Quinn")
    slow_id = _push_start(api, slow_user)
    quick_id = _push_start(api, quick_user)
    gate = asyncio.Event()
    _held_back(app, slow_id, gate)

    async with polling(app):
        await api.wait_until_async(lambda: _welcomes(api, quick_user.id) == 1, 10, "Quinn")
        pending = [int(u["update_id"]) for u in api.pending_updates]
        assert slow_id in pending, "Telegram keeps what is still being handled"
        assert _welcomes(api, slow_user.id) == 0

        gate.set()
        await api.wait_until_async(lambda: _welcomes(api, slow_user.id) == 1, 10, "Sam")
        await api.wait_until_async(lambda: not api.pending_updates, 10, "all confirmed")
    assert (_welcomes(api, slow_user.id), _welcomes(api, quick_user.id)) == (1, 1)
    assert quick_id > slow_id


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
async def test_the_next_leader_handles_what_the_dead_one_left_and_nothing_twice(
    app: SpotterApplication,
    api: FakeBotAPI,
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
) -> None:
    slow_user, quick_user = FakeUser(3001, "Sam"), FakeUser(3002, "Quinn")
    slow_id = _push_start(api, slow_user)
    quick_id = _push_start(api, quick_user)
    _held_back(app, slow_id, asyncio.Event())  # never released: this leader dies first

    async with polling(app) as dying:
        await api.wait_until_async(lambda: _welcomes(api, quick_user.id) == 1, 10, "Quinn")
        for _ in range(1000):  # until Quinn's update is finished, handled mark and all
            if quick_id not in dying.in_flight:
                break
            await asyncio.sleep(0.01)
        assert quick_id not in dying.in_flight
        dying.in_flight[slow_id].cancel()  # killed in the middle of Sam's

    async with restarted(settings, api, engine, clock) as next_leader, polling(next_leader):
        await api.wait_until_async(lambda: _welcomes(api, slow_user.id) == 1, 10, "Sam")
        await api.wait_until_async(lambda: not api.pending_updates, 10, "all confirmed")
    assert _welcomes(api, quick_user.id) == 1, "handled by the dead leader, not again"
    assert _welcomes(api, slow_user.id) == 1
