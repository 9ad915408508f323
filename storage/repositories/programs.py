"""Programs and their blueprint sessions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storage.models import ExerciseTemplate, Program, ProgramSession
from storage.repositories.library import LibraryRepository


class ProgramRepository(LibraryRepository[Program]):
    model = Program

    def add_session(self, program_session: ProgramSession) -> None:
        self.session.add(program_session)

    async def get_owned(
        self,
        program_id: int,
        trainer_user_id: int,
        *,
        with_sessions: bool = False,
        with_exercises: bool = False,
    ) -> Program | None:
        """The trainer's active program; optionally its sessions and their exercises."""
        statement = self._owned(program_id, trainer_user_id)
        if with_exercises:
            statement = statement.options(
                selectinload(Program.sessions)
                .selectinload(ProgramSession.exercises)
                .selectinload(ExerciseTemplate.exercise)
            )
        elif with_sessions:
            statement = statement.options(selectinload(Program.sessions))
        found = await self.session.execute(statement)
        return found.scalar_one_or_none()

    async def get_session_owned(
        self, program_session_id: int, trainer_user_id: int
    ) -> tuple[ProgramSession, Program] | None:
        """A session of one of the trainer's active programs, with the program."""
        row = (
            await self.session.execute(
                select(ProgramSession, Program)
                .join(Program, Program.id == ProgramSession.program_id)
                .where(
                    ProgramSession.id == program_session_id,
                    Program.trainer_user_id == trainer_user_id,
                    Program.is_active.is_(True),
                )
            )
        ).first()
        if row is None:
            return None
        return row[0], row[1]

    async def sessions_of(self, program_id: int) -> list[ProgramSession]:
        """Every session of the program, by week and number (without exercises)."""
        rows = await self.session.execute(
            select(ProgramSession)
            .where(ProgramSession.program_id == program_id)
            .order_by(ProgramSession.week_number, ProgramSession.session_number)
        )
        return list(rows.scalars())

    async def sessions_in_weeks(
        self, program_id: int, weeks: Sequence[int]
    ) -> list[ProgramSession]:
        """The program's sessions in these weeks, with their exercises."""
        rows = await self.session.execute(
            select(ProgramSession)
            .where(ProgramSession.program_id == program_id, ProgramSession.week_number.in_(weeks))
            .options(selectinload(ProgramSession.exercises))
            .order_by(ProgramSession.week_number, ProgramSession.session_number)
        )
        return list(rows.scalars())

    async def delete_session(self, program_session: ProgramSession) -> None:
        await self.session.delete(program_session)
