"""Creating clients and the invite life cycle, against a real database."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import (
    InviteStatus,
    Permission,
    RelationshipStatus,
    RelationshipType,
    Role,
)
from coaching.domain.invites import InviteState
from coaching.domain.permissions import PermissionFlags
from coaching.errors import NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.invites import (
    AlreadyLinked,
    InviteRefused,
    InviteService,
    TooManyAttempts,
)
from coaching.services.relationships import CapacityReached
from storage.models import (
    ClientProfile,
    Invite,
    InviteAttempt,
    PermissionSet,
    Relationship,
    TrainerProfile,
    User,
)
from tests.factories import CLIENT, OTHER_TRAINER, STRANGER, TRAINER, new_client, register_user


@pytest.fixture
async def people(ctx: ServiceContext) -> None:
    await register_user(ctx, TRAINER, "Tom", Role.TRAINER)
    await register_user(ctx, OTHER_TRAINER, "Olga", Role.TRAINER)
    await register_user(ctx, CLIENT, "Cleo")
    await register_user(ctx, STRANGER, "Sam")


@pytest.mark.usefixtures("people")
async def test_creating_a_client_stores_profile_pending_relationship_and_hashed_invite(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    profile_id, token = await new_client(ctx)
    assert len(token) >= 22
    async with session_factory() as session:
        profile = await session.get(ClientProfile, profile_id)
        assert profile is not None
        assert profile.user_id is None
        relationship = (
            await session.execute(
                select(Relationship).where(Relationship.client_profile_id == profile_id)
            )
        ).scalar_one()
        assert relationship.status is RelationshipStatus.PENDING
        assert relationship.relationship_type is RelationshipType.ONLINE
        permissions = await session.get(PermissionSet, relationship.id)
        assert permissions is not None
        assert permissions.view_personal_data is False
        assert permissions.view_workout_history is True
        invite = (await session.execute(select(Invite))).scalar_one()
        assert invite.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in invite.token_hash
        assert invite.expires_at == clock.now() + timedelta(days=7)
        assert invite.status is InviteStatus.OPEN


@pytest.mark.usefixtures("people")
async def test_client_limit_and_accepting_flag_are_enforced_at_creation(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(client_limit=1))
        await session.commit()
    await new_client(ctx)
    with pytest.raises(CapacityReached, match=r"client limit is 1.*/profile"):
        await new_client(ctx, name="Second")
    async with session_factory() as session:
        await session.execute(
            update(TrainerProfile).values(client_limit=5, accepts_new_clients=False)
        )
        await session.commit()
    with pytest.raises(CapacityReached, match=r"not accepting new clients.*/profile"):
        await new_client(ctx, name="Third")
    async with session_factory() as session:
        count = (
            await session.execute(select(func.count()).select_from(ClientProfile))
        ).scalar_one()
    assert count == 1


@pytest.mark.usefixtures("people")
async def test_a_non_trainer_cannot_create_clients(ctx: ServiceContext) -> None:
    with pytest.raises(NotAllowed, match="Only trainers"):
        await new_client(ctx, trainer=CLIENT)


@pytest.mark.usefixtures("people")
async def test_accepting_links_the_account_and_activates_the_relationship(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    profile_id, token = await new_client(ctx)
    invites = InviteService(ctx)
    preview = await invites.open(CLIENT, f"inv_{token}")
    assert preview.trainer_name == "Tom"
    assert preview.requested == PermissionFlags()
    chosen = PermissionFlags().with_flag(Permission.VIEW_PERSONAL_DATA, True)
    done = await invites.accept(CLIENT, preview.invite_id, chosen)
    assert done.trainer_telegram_id == TRAINER
    assert done.client_name == "Cleo"
    assert done.needs_onboarding
    assert done.roles == frozenset({Role.CLIENT})
    assert done.start_date == date(2026, 11, 23)
    async with session_factory() as session:
        profile = await session.get(ClientProfile, profile_id)
        client = (
            await session.execute(select(User).where(User.telegram_id == CLIENT))
        ).scalar_one()
        relationship = (await session.execute(select(Relationship))).scalar_one()
        permissions = await session.get(PermissionSet, relationship.id)
        invite = (await session.execute(select(Invite))).scalar_one()
    assert profile is not None
    assert profile.user_id == client.id
    assert client.is_client
    assert relationship.status is RelationshipStatus.ACTIVE
    assert relationship.start_date == date(2026, 11, 23)
    assert permissions is not None
    assert permissions.view_personal_data is True
    assert invite.status is InviteStatus.USED
    assert invite.used_by_user_id == client.id

    with pytest.raises(InviteRefused) as used:
        await invites.open(STRANGER, f"inv_{token}")
    assert used.value.state is InviteState.USED
    assert "already been used" in str(used.value)


@pytest.mark.usefixtures("people")
async def test_each_bad_link_gets_its_own_message_and_changes_nothing(
    ctx: ServiceContext, clock: ManualClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    invites = InviteService(ctx)
    _pid, token = await new_client(ctx)
    with pytest.raises(InviteRefused, match="don't recognise"):
        await invites.open(CLIENT, "inv_" + "A" * 32)
    with pytest.raises(InviteRefused, match="don't recognise"):
        await invites.open(CLIENT, "inv_x")

    profile_b, token_b = await new_client(ctx, name="Bea")
    await invites.revoke(TRAINER, profile_b)
    with pytest.raises(InviteRefused, match="withdrawn"):
        await invites.open(CLIENT, f"inv_{token_b}")

    clock.advance(days=7)
    with pytest.raises(InviteRefused, match="expired"):
        await invites.open(CLIENT, f"inv_{token}")
    async with session_factory() as session:
        statuses = {r.status for r in (await session.execute(select(Relationship))).scalars()}
        linked = (await session.execute(select(ClientProfile.user_id))).scalars().all()
    assert statuses == {RelationshipStatus.PENDING}
    assert set(linked) == {None}


@pytest.mark.usefixtures("people")
async def test_a_new_link_revokes_the_previous_one(ctx: ServiceContext) -> None:
    invites = InviteService(ctx)
    profile_id, first = await new_client(ctx)
    second = await invites.issue(TRAINER, profile_id, 7)
    with pytest.raises(InviteRefused, match="withdrawn"):
        await invites.open(CLIENT, f"inv_{first}")
    preview = await invites.open(CLIENT, f"inv_{second.token}")
    assert preview.profile_name == "Maria"
    with pytest.raises(NotFound, match="can't find that client"):
        await invites.issue(OTHER_TRAINER, profile_id, 7)
    with pytest.raises(NotFound, match="can't find that client"):
        await invites.revoke(OTHER_TRAINER, profile_id)
    await invites.revoke(TRAINER, profile_id)
    with pytest.raises(Exception, match="no open invite link"):
        await invites.revoke(TRAINER, profile_id)


@pytest.mark.usefixtures("people")
async def test_guessing_is_rate_limited_per_account(
    ctx: ServiceContext, clock: ManualClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    invites = InviteService(ctx)
    _pid, token = await new_client(ctx)
    for i in range(5):
        with pytest.raises(InviteRefused):
            await invites.open(STRANGER, f"inv_{'B' * 30}{i:02d}")
        clock.advance(minutes=1)
    with pytest.raises(TooManyAttempts, match=r"try again in 5 minutes"):
        await invites.open(STRANGER, f"inv_{token}")
    # Another account is not affected.
    assert (await invites.open(CLIENT, f"inv_{token}")).profile_name == "Maria"
    async with session_factory() as session:
        attempts = (
            await session.execute(select(func.count()).select_from(InviteAttempt))
        ).scalar_one()
    assert attempts == 5
    clock.advance(minutes=5)
    assert (await invites.open(STRANGER, f"inv_{token}")).profile_name == "Maria"


@pytest.mark.usefixtures("people")
async def test_own_link_linked_client_and_full_trainer_are_refused_at_acceptance(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    invites = InviteService(ctx)
    _pid, token = await new_client(ctx)
    with pytest.raises(NotAllowed, match="your own invite link"):
        await invites.open(TRAINER, f"inv_{token}")
    preview = await invites.open(CLIENT, f"inv_{token}")
    await invites.accept(CLIENT, preview.invite_id, PermissionFlags())
    _pid2, token2 = await new_client(ctx, name="Cleo again")
    with pytest.raises(AlreadyLinked, match="already connected with Tom"):
        await invites.open(CLIENT, f"inv_{token2}")

    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(client_limit=2))
        await session.commit()
    preview3 = await invites.open(STRANGER, f"inv_{token2}")
    async with session_factory() as session:
        await session.execute(update(TrainerProfile).values(client_limit=1))
        await session.commit()
    with pytest.raises(CapacityReached) as full:
        await invites.accept(STRANGER, preview3.invite_id, PermissionFlags())
    assert full.value.trainer_telegram_id == TRAINER
    assert "client limit" in full.value.trainer_reason
    assert "Tom can't take on new clients" in str(full.value)
    async with session_factory() as session:
        invite = await session.get(Invite, preview3.invite_id)
    assert invite is not None
    assert invite.status is InviteStatus.OPEN


@pytest.mark.usefixtures("people")
async def test_declining_ends_the_pending_relationship(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    invites = InviteService(ctx)
    profile_id, token = await new_client(ctx)
    preview = await invites.open(CLIENT, f"inv_{token}")
    declined = await invites.decline(CLIENT, preview.invite_id)
    assert declined.trainer_telegram_id == TRAINER
    async with session_factory() as session:
        relationship = (await session.execute(select(Relationship))).scalar_one()
        invite = (await session.execute(select(Invite))).scalar_one()
        profile = await session.get(ClientProfile, profile_id)
    assert relationship.status is RelationshipStatus.TERMINATED
    assert relationship.status_reason == "invite declined"
    assert invite.status is InviteStatus.DECLINED
    assert profile is not None
    assert profile.user_id is None
    with pytest.raises(InviteRefused, match="declined"):
        await invites.accept(CLIENT, preview.invite_id, PermissionFlags())
