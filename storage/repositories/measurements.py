"""Body measurements and progress photos, and the trainer's clients to log them for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import RelationshipStatus
from storage.models import ClientProfile, Measurement, ProgressPhoto, Relationship

RECENT_LIMIT = 2000


class MeasurementRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: Measurement | ProgressPhoto) -> None:
        self.session.add(row)

    async def since(self, profile_ids: Sequence[int], since: date) -> list[Measurement]:
        """Measurements of these profiles from ``since`` on, newest first."""
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(Measurement)
            .where(
                Measurement.client_profile_id.in_(list(profile_ids)),
                Measurement.measured_on >= since,
                Measurement.is_active.is_(True),
            )
            .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
            .limit(RECENT_LIMIT)
        )
        return list(rows.scalars())

    async def of_kind(
        self, profile_ids: Sequence[int], kind: str, since: date
    ) -> list[Measurement]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(Measurement)
            .where(
                Measurement.client_profile_id.in_(list(profile_ids)),
                Measurement.kind == kind,
                Measurement.measured_on >= since,
                Measurement.is_active.is_(True),
            )
            .order_by(Measurement.measured_on.desc(), Measurement.id.desc())
            .limit(RECENT_LIMIT)
        )
        return list(rows.scalars())

    async def photo_summary(self, profile_ids: Sequence[int]) -> tuple[int, date | None]:
        """How many progress photos these profiles have, and the latest one's date."""
        if not profile_ids:
            return 0, None
        count, latest = (
            await self.session.execute(
                select(func.count(ProgressPhoto.id), func.max(ProgressPhoto.taken_on)).where(
                    ProgressPhoto.client_profile_id.in_(list(profile_ids)),
                    ProgressPhoto.is_active.is_(True),
                )
            )
        ).one()
        return int(count or 0), latest

    async def active_clients(
        self, trainer_user_id: int, *, offset: int, limit: int
    ) -> tuple[list[tuple[int, str]], int]:
        """The trainer's clients in an ACTIVE relationship: (profile id, name), and the total."""
        base = (
            select(ClientProfile.id, ClientProfile.name)
            .join(Relationship, Relationship.client_profile_id == ClientProfile.id)
            .where(
                Relationship.trainer_user_id == trainer_user_id,
                Relationship.status == RelationshipStatus.ACTIVE,
                Relationship.is_active.is_(True),
                ClientProfile.is_active.is_(True),
                ClientProfile.trainer_user_id == trainer_user_id,
            )
            .distinct()
        )
        total = (
            await self.session.execute(select(func.count()).select_from(base.subquery()))
        ).scalar_one()
        rows = await self.session.execute(
            base.order_by(ClientProfile.name, ClientProfile.id).offset(offset).limit(limit)
        )
        return [(int(pid), str(name)) for pid, name in rows], int(total)
