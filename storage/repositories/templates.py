"""Session templates and the prescribed exercise rows of templates and program sessions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import ExerciseTemplate, SessionTemplate
from storage.repositories.library import LibraryRepository


class TemplateRepository(LibraryRepository[SessionTemplate]):
    model = SessionTemplate

    async def get_owned(
        self, template_id: int, trainer_user_id: int, *, with_exercises: bool = False
    ) -> SessionTemplate | None:
        """The trainer's active template, with its exercises (and their catalogue rows)."""
        statement = self._owned(template_id, trainer_user_id)
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
