"""/start, /help, /cancel and the catch-alls, through the chat simulator."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import Settings
from coaching.clock import ManualClock
from coaching.services.users import UserService
from storage.models import TrainerProfile
from tests.conftest import make_sim, restarted
from tests.factories import user_row_or_none as _user
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator


async def test_new_trainer_registers_with_role_and_time_zone(
    sim: ChatSimulator, api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    alice = sim.user(1001, "Alice")
    await alice.send("/start")
    assert "Welcome to Spotter" in alice.last_reply.text
    assert "Alice" in alice.last_reply.text
    assert alice.last_reply.flat_buttons == ["🏋️ I'm a trainer", "🙋 I'm a client", "Both"]

    await alice.press("I'm a trainer")
    welcome_id = alice.last_reply.message_id
    assert "time zone" in alice.last_reply.text
    assert "Europe/London" in alice.last_reply.flat_buttons

    await alice.press("Europe/London")
    assert alice.last_reply.message_id == welcome_id, "the flow edits its own message"
    assert "All set" in alice.last_reply.text
    assert "a trainer" in alice.last_reply.text
    assert "/newclient" in alice.last_reply.text

    user = await _user(session_factory, 1001)
    assert user is not None
    assert (user.is_trainer, user.is_client, user.onboarded) == (True, False, True)
    assert user.timezone == "Europe/London"
    async with session_factory() as session:
        profile = await session.execute(
            select(TrainerProfile).where(TrainerProfile.user_id == user.id)
        )
        assert profile.scalar_one().client_limit == 30

    menus = [c for c in api.calls_to("setMyCommands") if "chat" in json.dumps(c.params)]
    assert menus, "the trainer's chat gets its own command menu"
    names = [item["command"] for item in _commands(menus[-1].params)]
    assert "help" in names
    assert "cancel" in names
    assert "today" not in names, "a trainer-only account does not see client commands"


def _commands(params: dict[str, object]) -> list[dict[str, str]]:
    raw = params["commands"]
    return json.loads(raw) if isinstance(raw, str) else raw  # type: ignore[return-value]


async def test_client_types_a_time_zone_and_bad_input_is_refused(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    bob = sim.user(2002, "Bob")
    await bob.send("/start")
    await bob.send("I'm a client")
    assert "tap one of the buttons" in bob.last_reply.text
    await bob.press("I'm a client")

    await bob.send("Mars/Olympus")
    assert "I don't know a time zone or city called “Mars/Olympus”" in bob.last_reply.text
    assert "Europe/Madrid" in bob.last_reply.text
    user = await _user(session_factory, 2002)
    assert user is not None
    assert user.timezone == "UTC"
    assert not user.onboarded

    await bob.send("america/chicago")
    assert "All set" in bob.last_reply.text
    assert "a client" in bob.last_reply.text
    user = await _user(session_factory, 2002)
    assert user is not None
    assert (user.timezone, user.is_client, user.is_trainer) == ("America/Chicago", True, False)


async def test_both_roles_and_help_lists_both_menus(sim: ChatSimulator) -> None:
    carol = sim.user(3003, "Carol")
    await carol.send("/help")
    assert "Send /start to register" in carol.last_reply.text
    await carol.send("/start")
    await carol.press("Both")
    await carol.press("UTC")
    assert "a trainer and a client" in carol.last_reply.text
    await carol.send("/help")
    assert "As a trainer" in carol.last_reply.text
    assert "As a client" in carol.last_reply.text
    await carol.send("/start")
    assert "Welcome back, Carol" in carol.last_reply.text


async def test_cancel_leaves_the_flow_and_old_buttons_expire(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    dan = sim.user(4004, "Dan")
    await dan.send("/cancel")
    assert "nothing to cancel" in dan.last_reply.text
    await dan.send("/start")
    await dan.press("I'm a trainer")
    zone_message = dan.last_reply.message_id
    await dan.send("/cancel")
    assert "Cancelled" in dan.last_reply.text
    await dan.press("Europe/Berlin", message_id=zone_message)
    assert dan.last_answer is not None
    assert "expired" in dan.last_answer
    user = await _user(session_factory, 4004)
    assert user is not None
    assert not user.onboarded
    assert user.timezone == "UTC"


async def test_forged_role_data_changes_nothing(
    sim: ChatSimulator, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    eve = sim.user(5005, "Eve")
    await eve.send("/start")
    await eve.press_data("start:role:admin")
    assert "Are you a trainer or a client" in eve.last_reply.text
    user = await _user(session_factory, 5005)
    assert user is not None
    assert (user.is_trainer, user.is_client) == (False, False)


async def test_unknown_command_and_stray_text_get_a_pointer(sim: ChatSimulator) -> None:
    fay = sim.user(6006, "Fay")
    await fay.send("/dance")
    assert "I don't know that command" in fay.last_reply.text
    await fay.send("hello?")
    assert "/help" in fay.last_reply.text


async def test_a_redelivered_update_is_handled_once(sim: ChatSimulator, api: FakeBotAPI) -> None:
    gus = sim.user(7007, "Gus")
    await gus.send("/start")
    update = sim.last_update
    assert update is not None
    before = len(api.sent_to(7007))
    await sim.replay(update)
    assert len(api.sent_to(7007)) == before


async def test_an_unexpected_error_is_reported_in_plain_words(
    sim: ChatSimulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(UserService, "register", broken)
    sim.raise_errors = False
    hal = sim.user(8008, "Hal")
    update_before = len(sim.errors)
    await hal.send("/start")
    assert "something went wrong on my side" in hal.last_reply.text
    assert "database on fire" not in hal.last_reply.text
    assert len(sim.errors) == update_before + 1
    assert any("database on fire" in r.getMessage() or r.exc_info for r in caplog.records)


async def test_a_restart_resumes_the_conversation_at_the_same_step(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    api: FakeBotAPI,
    sim: ChatSimulator,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ivy = sim.user(9009, "Ivy")
    await ivy.send("/start")
    await ivy.press("I'm a client")
    question = ivy.last_reply.message_id
    # Killed: the first application is never shut down, so nothing is flushed on the way out.

    # A new process: a new Application on the same database and the same Telegram.
    async with restarted(settings, api, engine, clock) as app2:
        sim2 = make_sim(app2, api)
        ivy2 = sim2.user(9009, "Ivy")
        await ivy2.press_data("start:tz:Asia/Kolkata", message_id=question)
        assert "All set" in ivy2.last_reply.text
        user = await _user(session_factory, 9009)
        assert user is not None
        assert (user.timezone, user.onboarded) == ("Asia/Kolkata", True)
