"""Two trainers and three clients try to reach each other's data by commands and forged buttons.

Tom coaches Cleo and Dana; Olga coaches Dana and Eli; Pip was invited by Tom but has not joined.
Every press that is not the presser's own must be refused, change nothing and leak no name.
"""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Permission, RelationshipStatus
from coaching.errors import NotFound
from coaching.services.access import check_access
from storage.models import ClientProfile, PermissionSet, Relationship, User
from storage.uow import UnitOfWork
from tests.factories import create_client, onboard
from tests.factories import join_by_invite as _join
from tests.fakes.chat import ChatSimulator, SimUser

PRIVATE_NAMES = ("Cleo Secret", "Dana Secret", "Dana Other", "Eli Secret", "Pip Secret")


@pytest.fixture
async def world(sim: ChatSimulator) -> dict[str, SimUser]:
    tom = await onboard(sim, 1, "Tom", "trainer")
    olga = await onboard(sim, 2, "Olga", "trainer")
    cleo = await onboard(sim, 11, "Cleo", "client")
    dana = await onboard(sim, 12, "Dana", "client")
    eli = await onboard(sim, 13, "Eli", "client")
    await _join(tom, cleo, "Cleo Secret")
    await _join(tom, dana, "Dana Secret")
    await _join(olga, dana, "Dana Other")
    await _join(olga, eli, "Eli Secret")
    await create_client(tom, "Pip Secret")
    return {"tom": tom, "olga": olga, "cleo": cleo, "dana": dana, "eli": eli}


async def _snapshot(factory: async_sessionmaker[AsyncSession]) -> list[tuple[object, ...]]:
    async with factory() as session:
        rows = await session.execute(
            select(Relationship, PermissionSet, ClientProfile)
            .join(PermissionSet, PermissionSet.relationship_id == Relationship.id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .order_by(Relationship.id)
        )
        return [
            (r.id, r.status, r.notes, r.end_date, p.view_workout_history, c.user_id)
            for r, p, c in rows
        ]


async def _profiles(factory: async_sessionmaker[AsyncSession]) -> dict[str, tuple[int, int, int]]:
    """Profile name -> (profile id, relationship id, trainer telegram id)."""
    async with factory() as session:
        rows = await session.execute(
            select(ClientProfile.name, ClientProfile.id, Relationship.id, User.telegram_id)
            .join(Relationship, Relationship.client_profile_id == ClientProfile.id)
            .join(User, User.id == Relationship.trainer_user_id)
        )
        return {name: (pid, rid, tid) for name, pid, rid, tid in rows}


def _no_leak(user: SimUser, own: set[str]) -> None:
    seen = " ".join(r.text for r in user.new_replies) + " " + (user.last_answer or "")
    for name in PRIVATE_NAMES:
        if name not in own:
            assert name not in seen, f"{user.name} saw {name}"


TRAINER_BUTTONS = ("cl:card:{pid}", "cl:inv:{pid}", "cl:rev:{pid}")
RELATIONSHIP_BUTTONS = (
    "cl:pause:{rid}",
    "cl:resume:{rid}",
    "cl:end:{rid}",
    "cl:ext:{rid}",
    "cl:note:{rid}",
)
CLIENT_BUTTONS = ("perm:r:{rid}", "perm:t:{rid}:0", "perm:pause:{rid}", "perm:end:{rid}")


async def test_forged_buttons_across_the_matrix_are_refused(
    world: dict[str, SimUser], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    profiles = await _profiles(session_factory)
    before = await _snapshot(session_factory)
    owners = {"tom": 1, "olga": 2}
    clients_of = {
        "cleo": {"Cleo Secret"},
        "dana": {"Dana Secret", "Dana Other"},
        "eli": {"Eli Secret"},
    }
    measure = importlib.util.find_spec("conversations.measure") is not None
    for actor, user in world.items():
        for name, (pid, rid, trainer_tid) in profiles.items():
            own_as_trainer = owners.get(actor) == trainer_tid
            own_as_client = name in clients_of.get(actor, set())
            if not own_as_trainer:
                datas = [d.format(pid=pid, rid=rid) for d in TRAINER_BUTTONS + RELATIONSHIP_BUTTONS]
                if measure:
                    datas.append(f"ms:c:{pid}")
                for data in datas:
                    await user.press_data(data)
                    if actor not in owners and data.startswith("cl:"):
                        # Not a trainer: the screen's purpose and how to become one.
                        assert "/clients is for trainers" in user.last_reply.text, data
                    elif not data.startswith("ms:"):
                        assert user.last_answer_alert, (actor, name, data)
                    _no_leak(user, clients_of.get(actor, set()))
            if not own_as_client:
                for data in (d.format(rid=rid) for d in CLIENT_BUTTONS):
                    await user.press_data(data)
                    if actor in clients_of:
                        assert user.last_answer_alert, (actor, name, data)
                    else:
                        assert "/permissions is for clients" in user.last_reply.text, data
                    _no_leak(user, set())
    assert await _snapshot(session_factory) == before


async def test_commands_show_only_ones_own(world: dict[str, SimUser]) -> None:
    tom, olga = world["tom"], world["olga"]
    await tom.send("/clients")
    await tom.press("Active 2")
    assert {b for b in tom.last_reply.flat_buttons if "Secret" in b} == {
        "Cleo Secret",
        "Dana Secret",
    }
    await olga.send("/clients")
    listed = " ".join(olga.last_reply.flat_buttons)
    assert "Cleo" not in listed
    assert "Pip" not in listed
    assert "Dana Other" in listed
    await world["dana"].send("/permissions")
    assert {b.split(" · ")[0] for b in world["dana"].last_reply.flat_buttons} == {"Tom", "Olga"}
    await world["cleo"].send("/permissions")
    assert "What Tom may see" in world["cleo"].last_reply.text
    for client in ("cleo", "eli"):
        await world[client].send("/clients")
        assert "/clients is for trainers" in world[client].last_reply.text


async def test_the_access_check_itself_for_every_pair(
    world: dict[str, SimUser], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    profiles = await _profiles(session_factory)
    async with session_factory() as session:
        found = await session.execute(select(User.telegram_id, User.id))
        ids = {row[0]: row[1] for row in found}
    async with UnitOfWork(session_factory) as uow:
        for _name, (pid, _rid, trainer_tid) in profiles.items():
            for tid in (1, 2, 11, 12, 13):
                if tid == trainer_tid:
                    access = await check_access(uow, ids[tid], pid, Permission.VIEW_WORKOUT_HISTORY)
                    assert access.status in (RelationshipStatus.ACTIVE, RelationshipStatus.PENDING)
                else:
                    with pytest.raises(NotFound):
                        await check_access(uow, ids[tid], pid, Permission.VIEW_WORKOUT_HISTORY)
