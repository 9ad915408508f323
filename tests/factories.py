"""Rows for tests that need people already in place (written straight to the database).

Flows that create these rows have their own tests; other features start from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RelationshipStatus, RelationshipType, Units
from coaching.domain.permissions import PermissionFlags
from storage.models import (
    ClientProfile,
    PermissionSet,
    Relationship,
    SetRecord,
    TrainerProfile,
    User,
)
from tests.fakes.chat import SimUser


async def make_user(
    session_factory: async_sessionmaker[AsyncSession],
    telegram_id: int,
    first_name: str,
    *,
    trainer: bool = False,
    client: bool = False,
    timezone: str = "UTC",
    units: Units = Units.KG,
    quiet_hours: bool = True,
) -> User:
    """An onboarded user; a trainer also gets a trainer profile. ``quiet_hours=False`` turns
    off the default 22:00–07:00 quiet hours (notices then arrive at any local time)."""
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
        if not quiet_hours:
            user.quiet_start = user.quiet_end = None
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


async def client_sets(
    session_factory: async_sessionmaker[AsyncSession], profile_id: int
) -> list[tuple[Decimal, int]]:
    """The client's sets as stored, (weight in kg, reps), in the order they were written."""
    async with session_factory() as session:
        rows = await session.execute(
            select(SetRecord.weight_kg, SetRecord.reps)
            .where(SetRecord.client_profile_id == profile_id)
            .order_by(SetRecord.id)
        )
        return [(Decimal(str(weight)), int(str(reps))) for weight, reps in rows]


async def start_squats(trainer: SimUser, client_name: str) -> None:
    """Through /log: an unplanned session for ``client_name``, on Barbell Back Squat."""
    await trainer.send("/log")
    await trainer.press(client_name)
    await trainer.press("Unplanned session")
    await trainer.send("squat")
    if "Which one did you mean" in trainer.last_reply.text:
        await trainer.press("Barbell Back Squat")
    assert "Barbell Back Squat" in trainer.last_reply.text, trainer.transcript()
