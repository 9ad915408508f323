"""Trainers' own demos and cues for exercises."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import RelationshipStatus
from storage.models import ClientProfile, ExerciseDemo, Relationship

LIVE = (RelationshipStatus.PENDING, RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED)


class HowToRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, demo: ExerciseDemo) -> None:
        self.session.add(demo)

    async def demo(self, trainer_user_id: int, exercise_id: int) -> ExerciseDemo | None:
        return (
            await self.session.execute(
                select(ExerciseDemo).where(
                    ExerciseDemo.trainer_user_id == trainer_user_id,
                    ExerciseDemo.exercise_id == exercise_id,
                )
            )
        ).scalar_one_or_none()

    async def demos_by(
        self, trainer_user_ids: Sequence[int], exercise_id: int
    ) -> list[ExerciseDemo]:
        if not trainer_user_ids:
            return []
        rows = await self.session.execute(
            select(ExerciseDemo).where(
                ExerciseDemo.trainer_user_id.in_(list(trainer_user_ids)),
                ExerciseDemo.exercise_id == exercise_id,
            )
        )
        return list(rows.scalars())

    async def trainers_of(self, client_user_id: int) -> list[int]:
        """The trainers of this person's client profiles in a current relationship, newest
        relationship first."""
        rows = await self.session.execute(
            select(Relationship.trainer_user_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                ClientProfile.user_id == client_user_id,
                Relationship.is_active.is_(True),
                Relationship.status.in_(LIVE),
            )
            .order_by(Relationship.id.desc())
        )
        return list(dict.fromkeys(rows.scalars()))

    async def delete(self, demo: ExerciseDemo) -> None:
        await self.session.delete(demo)

    async def delete_all_of(self, trainer_user_id: int) -> None:
        await self.session.execute(
            delete(ExerciseDemo).where(ExerciseDemo.trainer_user_id == trainer_user_id)
        )
