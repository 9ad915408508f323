"""Pause, resume, end, extend, notes and expiry, from both sides, against a real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import InviteStatus, RelationshipStatus, Role
from coaching.domain.permissions import PermissionFlags
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.clients import ClientGroup, ClientService
from coaching.services.invites import InviteService
from coaching.services.relationships import RelationshipService
from storage.models import ClientProfile, Invite, Relationship
from tests.factories import CLIENT, OTHER_TRAINER, STRANGER, TRAINER, new_client, register_user


@pytest.fixture
async def active(ctx: ServiceContext) -> tuple[int, int]:
    """Tom coaches Cleo (active). Returns (relationship id, profile id)."""
    await register_user(ctx, TRAINER, "Tom", Role.TRAINER)
    await register_user(ctx, OTHER_TRAINER, "Olga", Role.TRAINER)
    await register_user(ctx, CLIENT, "Cleo")
    await register_user(ctx, STRANGER, "Sam")
    profile_id, token = await new_client(ctx)
    invites = InviteService(ctx)
    preview = await invites.open(CLIENT, f"inv_{token}")
    done = await invites.accept(CLIENT, preview.invite_id, PermissionFlags())
    return done.relationship_id, profile_id


async def _status(factory: async_sessionmaker[AsyncSession], rid: int) -> Relationship:
    async with factory() as session:
        relationship = await session.get(Relationship, rid)
        assert relationship is not None
        return relationship


async def test_either_side_pauses_resumes_and_the_other_is_named(
    ctx: ServiceContext, active: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, _profile_id = active
    svc = RelationshipService(ctx)
    change = await svc.pause(TRAINER, rid, "  holiday  until January ")
    assert change.status is RelationshipStatus.PAUSED
    assert change.by_trainer
    assert change.other_telegram_id == CLIENT
    assert change.reason == "holiday until January"
    with pytest.raises(Conflict, match="already paused"):
        await svc.pause(CLIENT, rid, None)
    resumed = await svc.resume(CLIENT, rid)
    assert resumed.status is RelationshipStatus.ACTIVE
    assert not resumed.by_trainer
    assert resumed.other_telegram_id == TRAINER
    assert resumed.actor_name == "Cleo"
    with pytest.raises(Conflict, match="already active"):
        await svc.resume(TRAINER, rid)
    assert (await _status(session_factory, rid)).status is RelationshipStatus.ACTIVE


async def test_strangers_and_other_trainers_cannot_touch_it(
    ctx: ServiceContext, active: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, _pid = active
    svc = RelationshipService(ctx)
    for who in (OTHER_TRAINER, STRANGER):
        with pytest.raises(NotFound, match="can't find that coaching relationship"):
            await svc.pause(who, rid, None)
        with pytest.raises(NotFound):
            await svc.terminate(who, rid, "mine now")
        with pytest.raises(NotFound):
            await svc.prepare(who, rid)
    with pytest.raises(NotFound):
        await svc.extend(OTHER_TRAINER, rid, "2027-03-31")
    with pytest.raises(NotFound):
        await svc.set_notes(OTHER_TRAINER, rid, "notes")
    with pytest.raises(NotFound):
        await svc.pause(TRAINER, 9999, None)
    assert (await _status(session_factory, rid)).status is RelationshipStatus.ACTIVE


async def test_ending_needs_a_reason_keeps_the_data_and_is_final(
    ctx: ServiceContext, active: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, profile_id = active
    svc = RelationshipService(ctx)
    with pytest.raises(InvalidInput, match="reason"):
        await svc.terminate(CLIENT, rid, "   ")
    with pytest.raises(InvalidInput, match="limit is 500"):
        await svc.terminate(CLIENT, rid, "x" * 501)
    change = await svc.terminate(CLIENT, rid, "moving away")
    assert change.status is RelationshipStatus.TERMINATED
    assert change.other_telegram_id == TRAINER
    with pytest.raises(Conflict, match="already ended"):
        await svc.resume(TRAINER, rid)
    async with session_factory() as session:
        profile = await session.get(ClientProfile, profile_id)
    assert profile is not None
    assert profile.user_id is not None, "the client's history stays linked to them"
    page = await ClientService(ctx).list_clients(TRAINER, ClientGroup.ENDED, 0)
    assert [row.name for row in page.rows] == ["Maria"]
    card = await ClientService(ctx).card(TRAINER, profile_id)
    assert not card.personal_visible
    assert card.status_reason == "moving away"


async def test_pending_cannot_be_paused_and_ending_it_revokes_the_link(
    ctx: ServiceContext, active: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    profile_id, _token = await new_client(ctx, name="Pat")
    card = await ClientService(ctx).card(TRAINER, profile_id)
    svc = RelationshipService(ctx)
    with pytest.raises(Conflict, match="still pending, so it can't be paused"):
        await svc.pause(TRAINER, card.relationship_id, None)
    await svc.terminate(TRAINER, card.relationship_id, "never showed up")
    async with session_factory() as session:
        invite = (
            await session.execute(select(Invite).where(Invite.client_profile_id == profile_id))
        ).scalar_one()
    assert invite.status is InviteStatus.REVOKED


async def test_extend_and_notes_are_the_trainers(
    ctx: ServiceContext, active: tuple[int, int], session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rid, profile_id = active
    svc = RelationshipService(ctx)
    with pytest.raises(InvalidInput, match="after today"):
        await svc.extend(TRAINER, rid, "2026-11-23")
    with pytest.raises(InvalidInput, match="can't read"):
        await svc.extend(TRAINER, rid, "next spring")
    with pytest.raises(NotAllowed, match="Only trainers"):
        await svc.extend(CLIENT, rid, "2027-03-31")
    change = await svc.extend(TRAINER, rid, "2027-03-31")
    assert change.end_date == date(2027, 3, 31)
    assert change.other_telegram_id == CLIENT
    with pytest.raises(InvalidInput, match="limit is 2000"):
        await svc.set_notes(TRAINER, rid, "x" * 2001)
    with pytest.raises(NotAllowed):
        await svc.set_notes(CLIENT, rid, "I am the trainer now")
    assert await svc.set_notes(TRAINER, rid, "knee rehab") == profile_id
    assert (await _status(session_factory, rid)).notes == "knee rehab"


async def test_relationships_past_their_end_date_expire_once(
    ctx: ServiceContext,
    active: tuple[int, int],
    clock: ManualClock,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    rid, _profile_id = active
    svc = RelationshipService(ctx)
    await svc.extend(TRAINER, rid, "2026-11-30")
    clock.advance(days=7)  # Monday 30 November: the last day
    assert await svc.expire_due() == []
    clock.advance(days=1)
    notices = await svc.expire_due()
    assert [(n.trainer_telegram_id, n.client_telegram_id) for n in notices] == [(TRAINER, CLIENT)]
    assert notices[0].end_date == date(2026, 11, 30)
    assert (await _status(session_factory, rid)).status is RelationshipStatus.EXPIRED
    assert await svc.expire_due() == []
    clock.advance(timedelta(days=1))
    with pytest.raises(Conflict, match="expired"):
        await svc.resume(CLIENT, rid)
