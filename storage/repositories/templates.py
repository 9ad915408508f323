"""Session templates and the prescribed exercise rows of templates and program sessions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import ExerciseTemplate, SessionTemplate


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, template: SessionTemplate) -> None:
        self.session.add(template)

    def archive(self, template: SessionTemplate) -> None:
        """Hide the template from lists (a soft delete: what was made from it keeps it)."""
        template.is_active = False

    async def page_for(
        self, trainer_user_id: int, *, offset: int, limit: int
    ) -> tuple[list[SessionTemplate], int]:
        """One page of the trainer's active templates (by name) and how many there are."""
        condition = (
            SessionTemplate.trainer_user_id == trainer_user_id,
            SessionTemplate.is_active.is_(True),
        )
        total = await self.session.scalar(
            select(func.count()).select_from(SessionTemplate).where(*condition)
        )
        rows = await self.session.execute(
            select(SessionTemplate)
            .where(*condition)
            .order_by(func.lower(SessionTemplate.name), SessionTemplate.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total or 0)

    async def get_owned(
        self, template_id: int, trainer_user_id: int, *, with_exercises: bool = False
    ) -> SessionTemplate | None:
        """The trainer's active template, with its exercises (and their catalogue rows)."""
        statement = select(SessionTemplate).where(
            SessionTemplate.id == template_id,
            SessionTemplate.trainer_user_id == trainer_user_id,
            SessionTemplate.is_active.is_(True),
        )
        if with_exercises:
            statement = statement.options(
                selectinload(SessionTemplate.exercises).selectinload(ExerciseTemplate.exercise)
            )
        found = await self.session.execute(statement)
        return found.scalar_one_or_none()


class ExerciseRowRepository:
    """Prescribed exercises; each belongs to a template or to a program session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: ExerciseTemplate) -> None:
        self.session.add(row)

    async def for_template(self, template_id: int) -> list[ExerciseTemplate]:
        rows = await self.session.execute(
            select(ExerciseTemplate)
            .where(ExerciseTemplate.session_template_id == template_id)
            .options(selectinload(ExerciseTemplate.exercise))
            .order_by(ExerciseTemplate.order_index, ExerciseTemplate.id)
        )
        return list(rows.scalars())

    async def for_program_session(self, program_session_id: int) -> list[ExerciseTemplate]:
        rows = await self.session.execute(
            select(ExerciseTemplate)
            .where(ExerciseTemplate.program_session_id == program_session_id)
            .options(selectinload(ExerciseTemplate.exercise))
            .order_by(ExerciseTemplate.order_index, ExerciseTemplate.id)
        )
        return list(rows.scalars())

    async def delete(self, row: ExerciseTemplate) -> None:
        await self.session.delete(row)
