"""Commands a role can't use say what they are for and offer the role with a button."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.dead_ends import BUTTON_SCREENS, CLIENT_ONLY, TRAINER_ONLY
from storage.models import TrainerProfile
from tests.factories import make_user
from tests.factories import user_row_or_none as _user
from tests.fakes.botapi import FakeBotAPI
from tests.fakes.chat import ChatSimulator

Factory = async_sessionmaker[AsyncSession]


async def test_a_client_sending_dashboard_can_become_a_trainer(
    sim: ChatSimulator, api: FakeBotAPI, session_factory: Factory
) -> None:
    await make_user(session_factory, 2, "Cleo", client=True)
    cleo = sim.user(2, "Cleo")
    await cleo.send("/dashboard")
    reply = cleo.last_reply
    assert "/dashboard is for trainers: today at a glance: sessions, feedback, alerts." in (
        reply.text
    )
    assert "You're registered as a client" in reply.text
    assert "Send /start to register" not in reply.text
    assert reply.flat_buttons == ["🏋️ Become a trainer too"]
    await cleo.press("Become a trainer too")
    assert "You're now a trainer and a client, Cleo" in cleo.last_reply.text
    assert "/newclient" in cleo.last_reply.text
    user = await _user(session_factory, 2)
    assert user is not None
    assert (user.is_trainer, user.is_client, user.onboarded) == (True, True, True)
    async with session_factory() as session:
        profiles = await session.execute(
            select(TrainerProfile).where(TrainerProfile.user_id == user.id)
        )
        assert len(profiles.scalars().all()) == 1
    menu = [c for c in api.calls_to("setMyCommands") if "chat" in json.dumps(c.params)][-1]
    assert "dashboard" in json.dumps(menu.params)
    await cleo.send("/dashboard")
    assert "is for trainers" not in cleo.last_reply.text
    # The same button again changes nothing more.
    await cleo.press_data("become:trainer")
    async with session_factory() as session:
        profiles = await session.execute(select(TrainerProfile))
        assert len(profiles.scalars().all()) == 1


@pytest.mark.parametrize("command", sorted(TRAINER_ONLY))
async def test_every_trainer_command_explains_itself_to_a_client(
    sim: ChatSimulator, session_factory: Factory, command: str
) -> None:
    await make_user(session_factory, 2, "Cleo", client=True)
    cleo = sim.user(2, "Cleo")
    await cleo.send(f"/{command}")
    assert f"/{command} is for trainers: " in cleo.last_reply.text
    assert cleo.last_reply.flat_buttons == ["🏋️ Become a trainer too"]


@pytest.mark.parametrize("command", sorted(CLIENT_ONLY))
async def test_every_client_command_explains_itself_to_a_trainer(
    sim: ChatSimulator, session_factory: Factory, command: str
) -> None:
    await make_user(session_factory, 1, "Tom", trainer=True)
    tom = sim.user(1, "Tom")
    await tom.send(f"/{command}")
    assert f"/{command} is for clients: " in tom.last_reply.text
    assert "invite link" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["🙋 Become a client too"]


async def test_a_trainer_becomes_a_client_and_start_offers_the_other_role(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1, "Tom", trainer=True)
    tom = sim.user(1, "Tom")
    await tom.send("/start")
    assert "Welcome back, Tom! You're registered as a trainer" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["🙋 Become a client too"]
    await tom.send("/today")
    await tom.press("Become a client too")
    assert "You're now a trainer and a client" in tom.last_reply.text
    assert "/trainers" in tom.last_reply.text
    await tom.send("/today")
    assert "is for clients" not in tom.last_reply.text
    await tom.send("/start")
    assert tom.last_reply.flat_buttons == [], "both roles: nothing more to offer"


async def test_a_newcomer_starts_with_the_role_from_the_button(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    nina = sim.user(3, "Nina")
    await nina.send("/schedule")
    assert "/schedule is for trainers: book and manage sessions." in nina.last_reply.text
    assert "You're not set up yet" in nina.last_reply.text
    await nina.press("Start as a trainer")
    assert "time zone" in nina.last_reply.text
    await nina.send("madrid")
    assert "All set" in nina.last_reply.text
    user = await _user(session_factory, 3)
    assert user is not None
    assert (user.is_trainer, user.is_client, user.onboarded, user.timezone) == (
        True,
        False,
        True,
        "Europe/Madrid",
    )


async def test_forged_role_buttons_are_refused(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 2, "Cleo", client=True)
    cleo = sim.user(2, "Cleo")
    await cleo.send("/help")
    for data in ("become:admin", "become:trainer:5", "become"):
        await cleo.press_data(data)
        assert cleo.last_answer is not None
        assert "expired" in cleo.last_answer
    user = await _user(session_factory, 2)
    assert user is not None
    assert not user.is_trainer


async def test_a_stale_dashboard_button_says_what_it_is_for_and_offers_the_role(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 2, "Cleo", client=True)
    cleo = sim.user(2, "Cleo")
    await cleo.send("/help")
    await cleo.press_data("db:home")
    reply = cleo.last_reply
    assert "/dashboard is for trainers: today at a glance: sessions, feedback, alerts." in (
        reply.text
    )
    assert "You're registered as a client" in reply.text
    assert "Send /start to register" not in reply.text
    assert reply.flat_buttons == ["🏋️ Become a trainer too"]
    await cleo.press("Become a trainer too")
    assert "You're now a trainer and a client, Cleo" in cleo.last_reply.text
    await cleo.press_data("db:home")
    assert "is for trainers" not in cleo.last_reply.text, "now the button opens the dashboard"


async def test_a_stale_client_button_tells_a_trainer_how_to_become_a_client(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1, "Tom", trainer=True)
    tom = sim.user(1, "Tom")
    await tom.send("/help")
    await tom.press_data("mp:x")
    assert "/progress is for clients: " in tom.last_reply.text
    assert "invite link" in tom.last_reply.text
    assert tom.last_reply.flat_buttons == ["🙋 Become a client too"]


@pytest.mark.parametrize(("prefix", "command"), sorted(BUTTON_SCREENS.items()))
async def test_every_gated_screen_button_explains_itself_to_a_newcomer(
    sim: ChatSimulator, prefix: str, command: str
) -> None:
    nina = sim.user(3, "Nina")
    await nina.send("/help")
    await nina.press_data(f"{prefix}:1:2")
    role = "trainers" if command in TRAINER_ONLY else "clients"
    assert f"/{command} is for {role}: " in nina.last_reply.text
    assert "You're not set up yet" in nina.last_reply.text
    assert len(nina.last_reply.flat_buttons) == 1
    assert command in TRAINER_ONLY | CLIENT_ONLY


async def test_buttons_both_roles_use_are_not_gated(
    sim: ChatSimulator, session_factory: Factory
) -> None:
    await make_user(session_factory, 1, "Tom", trainer=True)
    tom = sim.user(1, "Tom")
    await tom.send("/help")
    for data in ("fb:l", "tf:l", "th:n:1", "rm:ok:1:2"):
        await tom.press_data(data)
        assert not any("is for clients" in r.text for r in tom.new_replies), data
