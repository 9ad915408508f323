"""The exercise catalogue: built-in rows (by slug) and each trainer's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from storage.models import Exercise
from storage.upsert import upsert_statement


class ExerciseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def names(self, exercise_ids: Sequence[int]) -> dict[int, str]:
        """Exercise names by id, for the ids that exist."""
        if not exercise_ids:
            return {}
        found = await self.session.execute(
            select(Exercise.id, Exercise.name).where(Exercise.id.in_(list(exercise_ids)))
        )
        return {int(exercise_id): str(name) for exercise_id, name in found.all()}

    async def upsert_builtins(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert or refresh built-in exercises, keyed by slug (owner is empty)."""
        if not rows:
            return
        await self.session.execute(
            upsert_statement(
                self.session,
                Exercise.__table__,  # type: ignore[arg-type]
                list(rows),
                keys=("slug",),
                update=(
                    "name",
                    "aliases",
                    "category",
                    "muscle_groups",
                    "equipment",
                    "difficulty",
                    "measure",
                    "is_main_lift",
                ),
            )
        )

    async def visible_to(self, trainer_user_id: int | None) -> list[Exercise]:
        """Built-ins plus the trainer's own active exercises."""
        condition: ColumnElement[bool] = Exercise.owner_user_id.is_(None)
        if trainer_user_id is not None:
            condition = or_(condition, Exercise.owner_user_id == trainer_user_id)
        rows = await self.session.execute(
            select(Exercise).where(condition, Exercise.is_active.is_(True)).order_by(Exercise.id)
        )
        return list(rows.scalars())

    async def owned_by(self, trainer_user_id: int, *, active_only: bool = False) -> list[Exercise]:
        """The trainer's own exercises (archived ones too, unless ``active_only``), by name
        when ``active_only``."""
        statement = select(Exercise).where(Exercise.owner_user_id == trainer_user_id)
        if active_only:
            statement = statement.where(Exercise.is_active.is_(True)).order_by(
                Exercise.name, Exercise.id
            )
        rows = await self.session.execute(statement)
        return list(rows.scalars())

    async def by_slug(self, slug: str) -> Exercise | None:
        rows = await self.session.execute(select(Exercise).where(Exercise.slug == slug))
        return rows.scalar_one_or_none()

    async def get_visible(self, exercise_id: int, trainer_user_id: int | None) -> Exercise | None:
        """An exercise the user may use: a built-in or one of the trainer's own."""
        exercise = await self.session.get(Exercise, exercise_id)
        if exercise is None or not exercise.is_active:
            return None
        if exercise.owner_user_id is not None and exercise.owner_user_id != trainer_user_id:
            return None
        return exercise
