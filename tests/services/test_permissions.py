"""The client's permission flags and per-exercise progression access, and their enforcement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Permission, RelationshipStatus, Role
from coaching.domain.permissions import PermissionFlags
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.access import check_access
from coaching.services.base import ServiceContext
from coaching.services.clients import ClientService
from coaching.services.invites import InviteService
from coaching.services.permissions import (
    PERMISSION_ORDER,
    PermissionService,
    trainer_progression_visible,
)
from coaching.services.relationships import RelationshipService
from storage.models import Exercise, User
from storage.uow import UnitOfWork
from tests.factories import CLIENT, OTHER_TRAINER, STRANGER, TRAINER, new_client, register_user


@pytest.fixture
async def setup(ctx: ServiceContext) -> tuple[int, int]:
    await register_user(ctx, TRAINER, "Tom", Role.TRAINER)
    await register_user(ctx, OTHER_TRAINER, "Olga", Role.TRAINER)
    await register_user(ctx, CLIENT, "Cleo")
    await register_user(ctx, STRANGER, "Sam")
    profile_id, token = await new_client(ctx)
    preview = await InviteService(ctx).open(CLIENT, f"inv_{token}")
    done = await InviteService(ctx).accept(CLIENT, preview.invite_id, PermissionFlags())
    return done.relationship_id, profile_id


async def _ids(factory: async_sessionmaker[AsyncSession], tid: int) -> int:
    from sqlalchemy import select

    async with factory() as session:
        return (await session.execute(select(User.id).where(User.telegram_id == tid))).scalar_one()


async def test_toggling_is_saved_and_binds_the_trainer(
    ctx: ServiceContext, setup: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, profile_id = setup
    svc = PermissionService(ctx)
    links = await svc.trainers(CLIENT)
    assert [(link.trainer_name, link.status) for link in links] == [
        ("Tom", RelationshipStatus.ACTIVE)
    ]
    index = PERMISSION_ORDER.index(Permission.VIEW_WORKOUT_HISTORY)
    change = await svc.toggle(CLIENT, rid, index)
    assert change.permission is Permission.VIEW_WORKOUT_HISTORY
    assert change.allowed is False
    assert change.trainer_telegram_id == TRAINER
    assert change.client_name == "Cleo"
    assert (await svc.view(CLIENT, rid)).flags.view_workout_history is False

    trainer_id = await _ids(session_factory, TRAINER)
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(NotAllowed, match="workout history"):
            await check_access(uow, trainer_id, profile_id, Permission.VIEW_WORKOUT_HISTORY)
    card = await ClientService(ctx).card(TRAINER, profile_id)
    assert not card.personal_visible
    assert card.email is None
    await svc.toggle(CLIENT, rid, PERMISSION_ORDER.index(Permission.VIEW_PERSONAL_DATA))
    assert (await ClientService(ctx).card(TRAINER, profile_id)).personal_visible


async def test_only_the_client_of_the_relationship_may_change_it(
    ctx: ServiceContext, setup: tuple[int, int]
) -> None:
    rid, _pid = setup
    svc = PermissionService(ctx)
    for who in (TRAINER, OTHER_TRAINER, STRANGER):
        with pytest.raises(NotFound, match="can't find that trainer"):
            await svc.toggle(who, rid, 0)
        with pytest.raises(NotFound):
            await svc.view(who, rid)
    with pytest.raises(NotFound):
        await svc.toggle(CLIENT, rid, 99)
    assert (await svc.view(CLIENT, rid)).flags == PermissionFlags()
    assert await svc.trainers(STRANGER) == []


async def test_ended_relationships_leave_the_permissions_screen(
    ctx: ServiceContext, setup: tuple[int, int]
) -> None:
    rid, _pid = setup
    await RelationshipService(ctx).terminate(CLIENT, rid, "done")
    assert await PermissionService(ctx).trainers(CLIENT) == []
    with pytest.raises(NotFound):
        await PermissionService(ctx).toggle(CLIENT, rid, 0)


async def test_progression_access_per_exercise_with_a_window(
    ctx: ServiceContext, setup: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, profile_id = setup
    async with session_factory() as session:
        squat = Exercise(name="Test squat", category="strength")
        bench = Exercise(name="Test bench", category="strength")
        session.add_all([squat, bench])
        await session.commit()
        squat_id, bench_id = squat.id, bench.id
    svc = PermissionService(ctx)
    with pytest.raises(InvalidInput, match="metric"):
        await svc.set_progression_access(CLIENT, rid, squat_id, ["mood"])
    with pytest.raises(InvalidInput, match="end on or after"):
        await svc.set_progression_access(
            CLIENT, rid, squat_id, ["weight"], date(2027, 1, 2), date(2027, 1, 1)
        )
    with pytest.raises(NotFound):
        await svc.set_progression_access(TRAINER, rid, squat_id, ["weight"])
    window = await svc.set_progression_access(
        CLIENT, rid, squat_id, ["Weight", "reps"], date(2026, 11, 1), date(2026, 12, 31)
    )
    assert window.viewable_metrics == frozenset({"weight", "reps"})
    assert [w.exercise_id for w in await svc.progression_access(CLIENT, rid)] == [squat_id]

    trainer_id = await _ids(session_factory, TRAINER)
    other_id = await _ids(session_factory, OTHER_TRAINER)
    today = date(2026, 11, 23)
    async with UnitOfWork(session_factory) as uow:

        async def visible(exercise: int, metric: str, on: date | None = None) -> bool:
            return await trainer_progression_visible(
                uow,
                trainer_id,
                profile_id,
                exercise_id=exercise,
                metric=metric,
                today=today,
                on=on,
            )

        assert await visible(squat_id, "weight")
        assert not await visible(squat_id, "e1rm")
        assert not await visible(squat_id, "weight", on=date(2026, 10, 1))
        assert await visible(bench_id, "e1rm"), "no rule: the general flag decides"
        with pytest.raises(NotFound):
            await trainer_progression_visible(
                uow, other_id, profile_id, exercise_id=squat_id, metric="weight", today=today
            )
    await svc.toggle(CLIENT, rid, PERMISSION_ORDER.index(Permission.VIEW_PROGRESSION_DATA))
    async with UnitOfWork(session_factory) as uow:
        assert not await trainer_progression_visible(
            uow, trainer_id, profile_id, exercise_id=bench_id, metric="e1rm", today=today
        )
    await svc.clear_progression_access(CLIENT, rid, squat_id)
    assert await svc.progression_access(CLIENT, rid) == []
