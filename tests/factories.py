"""Rows for tests that need people already in place (written straight to the database).

Flows that create these rows have their own tests; other features start from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RelationshipStatus, RelationshipType, Units
from coaching.domain.permissions import PermissionFlags
from storage.models import ClientProfile, PermissionSet, Relationship, TrainerProfile, User


async def make_user(
    session_factory: async_sessionmaker[AsyncSession],
    telegram_id: int,
    first_name: str,
    *,
    trainer: bool = False,
    client: bool = False,
    timezone: str = "UTC",
    units: Units = Units.KG,
) -> User:
    """An onboarded user; a trainer also gets a trainer profile."""
    async with session_factory() as session:
        user = User(
            telegram_id=telegram_id,
            first_name=first_name,
            is_trainer=trainer,
            is_client=client,
            onboarded=True,
            timezone=timezone,
            units=units,
        )
        session.add(user)
        await session.flush()
        if trainer:
            session.add(TrainerProfile(user_id=user.id, created_by=user.id))
        await session.commit()
        return user


@dataclass(frozen=True)
class Coaching:
    trainer: User
    client: User | None
    profile: ClientProfile
    relationship: Relationship


async def make_coaching(
    session_factory: async_sessionmaker[AsyncSession],
    trainer: User,
    client: User | None,
    *,
    name: str | None = None,
    status: RelationshipStatus = RelationshipStatus.ACTIVE,
    flags: PermissionFlags | None = None,
    start: date | None = None,
) -> Coaching:
    """A client profile of ``trainer`` (linked to ``client`` if given) and a relationship."""
    flags = flags or PermissionFlags()
    async with session_factory() as session:
        profile = ClientProfile(
            trainer_user_id=trainer.id,
            user_id=client.id if client else None,
            name=name or (client.first_name if client else "Walk-in Client"),
            created_by=trainer.id,
        )
        session.add(profile)
        await session.flush()
        relationship = Relationship(
            trainer_user_id=trainer.id,
            client_profile_id=profile.id,
            status=status,
            relationship_type=RelationshipType.IN_PERSON,
            start_date=start or date(2026, 11, 1),
            created_by=trainer.id,
        )
        session.add(relationship)
        await session.flush()
        session.add(PermissionSet(relationship_id=relationship.id, **flags.as_dict()))
        await session.commit()
        return Coaching(trainer=trainer, client=client, profile=profile, relationship=relationship)
