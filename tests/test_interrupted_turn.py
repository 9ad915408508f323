"""A bot that stops between an update's commit and the write of its step does not do the
update's work again when the update is delivered again.

An update's first commit marks it handled, unsettled, in the same transaction as its effects;
the write of the conversation state after the handler settles the mark. Here the bot "dies"
between the two (the state write raises), a new bot starts on the same database, and the same
update arrives again, as Telegram re-delivers one it never saw answered.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.application import INTERRUPTED
from bot.config import Settings
from bot.persistence import SqlPersistence
from coaching.clock import ManualClock
from storage.models import ClientProfile, ProcessedUpdate, SetRecord
from tests.conftest import make_sim, restarted
from tests.factories import start_squats
from tests.fakes import FakeBotAPI
from tests.fakes.chat import ChatSimulator, SimUser


class Killed(BaseException):
    """The process died here."""


def _dying(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next state write (either mode) raises, as a SIGKILL between the two would."""

    async def die(*_args: object, **_kwargs: object) -> None:
        raise Killed

    monkeypatch.setattr(SqlPersistence, "write", die)
    monkeypatch.setattr(SqlPersistence, "write_turn", die)


async def _naming_a_client(sim: ChatSimulator) -> SimUser:
    """Tom, a trainer, at /newclient's choice after typing the name Maria Lopez."""
    tom = sim.user(1001, "Tom")
    await tom.send("/start")
    await tom.press("I'm a trainer")
    await tom.send("/newclient")
    await tom.send("Maria Lopez")
    return tom


async def _dies_during(
    sim: ChatSimulator, monkeypatch: pytest.MonkeyPatch, action: Awaitable[object]
) -> dict[str, Any]:
    """Run ``action`` in a bot that dies before writing the update's step; the update, for
    delivering it again."""
    with monkeypatch.context() as dying:
        _dying(dying)
        with pytest.raises(Killed):
            await action
    assert sim.last_update is not None
    return sim.last_update


async def _profiles(engine: AsyncEngine, name: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(
            select(func.count()).select_from(ClientProfile).where(ClientProfile.name == name)
        )
    return int(found or 0)


async def _sets(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(SetRecord)) or 0)


async def _settled(engine: AsyncEngine) -> list[bool]:
    async with engine.connect() as conn:
        return list((await conn.scalars(select(ProcessedUpdate.settled))).all())


async def test_a_form_finished_just_before_the_bot_died_is_not_done_twice(
    sim: ChatSimulator,
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom = await _naming_a_client(sim)
    create = await _dies_during(sim, monkeypatch, tom.press("Create now"))
    assert "Maria Lopez" in tom.last_reply.text  # the answer went out before the bot died
    assert await _profiles(engine, "Maria Lopez") == 1
    assert False in await _settled(engine)

    async with restarted(settings, api, engine, clock) as again:
        after = make_sim(again, api)
        tom_again = after.user(1001, "Tom")
        await after.replay(create)
        assert tom_again.last_reply.text == INTERRUPTED
        assert await _profiles(engine, "Maria Lopez") == 1
        assert all(await _settled(engine))
        # The step is closed: typed text is not taken as an answer to the old form.
        await tom_again.send("Maria Lopez")
        assert await _profiles(engine, "Maria Lopez") == 1
        assert "Create now" not in tom_again.last_reply.flat_buttons
        # And delivered a third time, it is simply skipped.
        replies = len(tom_again.replies)
        await after.replay(create)
        assert len(tom_again.replies) == replies


async def test_a_set_logged_just_before_the_bot_died_is_kept_and_the_session_goes_on(
    sim: ChatSimulator,
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Logging a set settles its own mark: the session stays open where it was, and the set
    delivered again is neither stored twice nor interrupted."""
    tom = await _naming_a_client(sim)
    await tom.press("Create now")
    await start_squats(tom, "Maria Lopez")
    logged = await _dies_during(sim, monkeypatch, tom.send("100x5"))
    assert await _sets(engine) == 1

    async with restarted(settings, api, engine, clock) as again:
        after = make_sim(again, api)
        tom_again = after.user(1001, "Tom")
        await after.replay(logged)
        assert all(reply.text != INTERRUPTED for reply in tom_again.replies)
        assert await _sets(engine) == 1
        await tom_again.send("100x5")
        assert await _sets(engine) == 2


async def test_a_person_who_blocked_the_bot_meanwhile_is_recovered_without_an_error(
    sim: ChatSimulator,
    settings: Settings,
    api: FakeBotAPI,
    engine: AsyncEngine,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tom = await _naming_a_client(sim)
    create = await _dies_during(sim, monkeypatch, tom.press("Create now"))
    await tom.block_bot()

    async with restarted(settings, api, engine, clock) as again:
        after = make_sim(again, api)
        await after.replay(create)  # the notice cannot go out; nothing else goes wrong
        assert await _profiles(engine, "Maria Lopez") == 1
        assert all(await _settled(engine))
