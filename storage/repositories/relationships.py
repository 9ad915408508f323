"""Coaching relationships and their permission sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import RelationshipStatus
from coaching.domain.permissions import PermissionFlags
from storage.models import (
    ClientProfile,
    PermissionSet,
    ProgressionAccess,
    Relationship,
    TrainerProfile,
    User,
)

# The permission flags' columns, in the order of PermissionFlags' fields (a row of them reads
# back into PermissionFlags by position).
PERMISSION_COLUMNS = tuple(getattr(PermissionSet, f.name) for f in fields(PermissionFlags))

RelationshipRow = tuple[Relationship, ClientProfile, User]

# Built once: the statement of every trainer's access check (values are bound per call).
_RELATIONSHIP_FOR = (
    select(
        Relationship.id,
        Relationship.status,
        ClientProfile.user_id,
        PermissionSet.relationship_id,
        *PERMISSION_COLUMNS,
    )
    .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
    .outerjoin(PermissionSet, PermissionSet.relationship_id == Relationship.id)
    .where(
        Relationship.trainer_user_id == bindparam("trainer_user_id"),
        Relationship.client_profile_id == bindparam("client_profile_id"),
        Relationship.is_active.is_(True),
    )
    .order_by(Relationship.id.desc())
    .limit(1)
)


class RelationshipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def access_row(self, trainer_user_id: int, client_profile_id: int) -> Row[Any] | None:
        """The trainer's newest active relationship with this client profile, as (relationship
        id, status, the client's user id, the permission set's key, *``PERMISSION_COLUMNS``);
        ``None`` when there is none (one query)."""
        found = await self.session.execute(
            _RELATIONSHIP_FOR,
            {"trainer_user_id": trainer_user_id, "client_profile_id": client_profile_id},
        )
        return found.first()

    def add(self, relationship: Relationship) -> None:
        self.session.add(relationship)

    async def get(self, relationship_id: int) -> Relationship | None:
        found = await self.session.execute(
            select(Relationship).where(
                Relationship.id == relationship_id, Relationship.is_active.is_(True)
            )
        )
        return found.scalar_one_or_none()

    async def with_parties(self, relationship_id: int) -> RelationshipRow | None:
        """The relationship, the client profile and the trainer's account, in one query."""
        row = (
            await self.session.execute(
                select(Relationship, ClientProfile, User)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .join(User, User.id == Relationship.trainer_user_id)
                .where(Relationship.id == relationship_id, Relationship.is_active.is_(True))
            )
        ).first()
        if row is None:
            return None
        relationship, profile, trainer = row
        return relationship, profile, trainer

    async def permissions(self, relationship_id: int) -> PermissionSet | None:
        return await self.session.get(PermissionSet, relationship_id)

    async def pending_for_profile(self, client_profile_id: int) -> Relationship | None:
        found = await self.session.execute(
            select(Relationship)
            .where(
                Relationship.client_profile_id == client_profile_id,
                Relationship.status == RelationshipStatus.PENDING,
                Relationship.is_active.is_(True),
            )
            .order_by(Relationship.id.desc())
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def count_for_trainer(
        self,
        trainer_user_id: int,
        statuses: Sequence[RelationshipStatus],
        *,
        excluding: int | None = None,
    ) -> int:
        query = select(func.count()).where(
            Relationship.trainer_user_id == trainer_user_id,
            Relationship.status.in_(list(statuses)),
            Relationship.is_active.is_(True),
        )
        if excluding is not None:
            query = query.where(Relationship.id != excluding)
        return int((await self.session.execute(query)).scalar_one())

    async def trainer_profile(self, trainer_user_id: int) -> TrainerProfile | None:
        found = await self.session.execute(
            select(TrainerProfile).where(TrainerProfile.user_id == trainer_user_id)
        )
        return found.scalar_one_or_none()

    async def for_client(
        self, user_id: int, statuses: Sequence[RelationshipStatus]
    ) -> list[RelationshipRow]:
        """This person's relationships with trainers (newest first), with the trainer's account."""
        rows = await self.session.execute(
            select(Relationship, ClientProfile, User)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .join(User, User.id == Relationship.trainer_user_id)
            .where(
                ClientProfile.user_id == user_id,
                Relationship.status.in_(list(statuses)),
                Relationship.is_active.is_(True),
            )
            .order_by(Relationship.id.desc())
        )
        return [(r, p, u) for r, p, u in rows]

    async def ending_by(
        self, day: date, statuses: Sequence[RelationshipStatus]
    ) -> list[RelationshipRow]:
        """Relationships still running whose end date is ``day`` or earlier."""
        rows = await self.session.execute(
            select(Relationship, ClientProfile, User)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .join(User, User.id == Relationship.trainer_user_id)
            .where(
                Relationship.end_date.is_not(None),
                Relationship.end_date <= day,
                Relationship.status.in_(list(statuses)),
                Relationship.is_active.is_(True),
            )
            .order_by(Relationship.id)
        )
        return [(r, p, u) for r, p, u in rows]

    async def progression_rules(self, relationship_id: int) -> list[ProgressionAccess]:
        rows = await self.session.execute(
            select(ProgressionAccess)
            .where(
                ProgressionAccess.relationship_id == relationship_id,
                ProgressionAccess.is_active.is_(True),
            )
            .order_by(ProgressionAccess.exercise_id)
        )
        return list(rows.scalars())

    async def progression_rule(
        self, relationship_id: int, exercise_id: int
    ) -> ProgressionAccess | None:
        found = await self.session.execute(
            select(ProgressionAccess).where(
                ProgressionAccess.relationship_id == relationship_id,
                ProgressionAccess.exercise_id == exercise_id,
            )
        )
        return found.scalar_one_or_none()
