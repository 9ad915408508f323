"""MeasurementService against a real database: own entries and the trainer's permission checks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from coaching.clock import ManualClock
from coaching.domain.enums import RelationshipType, Role
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.directory import DirectoryService
from coaching.services.measurements import MeasurementService
from coaching.services.users import UserService
from storage.models import PermissionSet
from tests.factories import public_trainer, registered_user_id


async def coached(ctx: ServiceContext) -> tuple[int, int]:
    """Alice (1001) coaches Bob (2001). Returns (Alice's user id, Bob's profile id under her)."""
    ref = await public_trainer(ctx, 1001, "Alice")
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    directory = DirectoryService(ctx)
    sent = await directory.request(2001, ref, RelationshipType.IN_PERSON)
    await directory.decide(1001, sent.relationship_id, accept=True)
    target = await MeasurementService(ctx).client_page(1001)
    alice = await UserService(ctx).get(1001)
    assert alice is not None
    return alice.id, target.clients[0].client_profile_id


async def test_own_entries_and_trend(ctx: ServiceContext, clock: ManualClock) -> None:
    await registered_user_id(ctx, 2001, "Bob", Role.CLIENT)
    svc = MeasurementService(ctx)
    await svc.log_own(2001, "84")
    clock.advance(timedelta(days=31))
    await svc.log_own(2001, "83")
    saved = await svc.log_own(2001, "82.5")
    assert saved.trend is not None
    assert (saved.trend.delta_previous, saved.trend.delta_30d) == (Decimal("-0.5"), Decimal("-1.5"))
    with pytest.raises(InvalidInput):
        await svc.log_own(2001, "waist 999cm")
    await svc.add_own_photo(2001, "f1", "u1", "  front  ")
    recent = await svc.recent_own(2001)
    assert [k.kind for k in recent.kinds] == ["body_weight"]
    assert recent.kinds[0].recent[0][1] == Decimal("82.500")
    assert recent.photo_count == 1


async def test_trainer_access_is_checked_for_reads_and_writes(ctx: ServiceContext) -> None:
    alice_id, bob_profile = await coached(ctx)
    await registered_user_id(ctx, 1002, "Dora", Role.TRAINER)
    svc = MeasurementService(ctx)
    await svc.log_own(2001, "80")

    saved = await svc.log_for_client(1001, bob_profile, "bf 20")
    assert saved.trend is None, "no trend without VIEW_PERSONAL_DATA"
    assert saved.client_telegram_id == 2001
    with pytest.raises(NotAllowed, match="personal details"):
        await svc.list_measurements_for_trainer(alice_id, bob_profile)

    async with ctx.uow() as uow:
        await uow.session.execute(update(PermissionSet).values(view_personal_data=True))
        await uow.commit()
    recent = await svc.list_measurements_for_trainer(alice_id, bob_profile)
    assert {k.kind for k in recent.kinds} == {"body_weight", "body_fat_pct"}

    async with ctx.uow() as uow:
        await uow.session.execute(update(PermissionSet).values(modify_workouts=False))
        await uow.commit()
    with pytest.raises(NotAllowed, match="change or log"):
        await svc.log_for_client(1001, bob_profile, "81")
    with pytest.raises(NotAllowed):
        await svc.add_client_photo(1001, bob_profile, "f", None, None)
    target = await svc.choose_client(1001, bob_profile)
    assert (target.can_log, target.can_view) == (False, True)

    for call in (
        svc.choose_client(1002, bob_profile),
        svc.log_for_client(1002, bob_profile, "81"),
        svc.recent_for_client(1002, bob_profile),
    ):
        with pytest.raises(NotFound, match="can't find that client"):
            await call
    with pytest.raises(NotAllowed, match="Only trainers"):
        await svc.client_page(2001)
