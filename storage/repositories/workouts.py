"""Single workouts and one day's workout: the rows behind them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coaching.domain.enums import SessionStatus
from storage.models import (
    CoachingSession,
    ExerciseTemplate,
    Program,
    ProgramAssignment,
    ProgramSession,
    Relationship,
    WorkoutChange,
)


class WorkoutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(
        self,
        row: Program
        | ProgramSession
        | ExerciseTemplate
        | ProgramAssignment
        | CoachingSession
        | WorkoutChange,
    ) -> None:
        self.session.add(row)

    async def planned(
        self, coaching_session_id: int
    ) -> tuple[CoachingSession, Relationship] | None:
        """A coaching session that carries exercises, with its relationship."""
        row = (
            await self.session.execute(
                select(CoachingSession, Relationship)
                .join(Relationship, Relationship.id == CoachingSession.relationship_id)
                .where(
                    CoachingSession.id == coaching_session_id,
                    CoachingSession.is_active.is_(True),
                    CoachingSession.program_session_id.is_not(None),
                )
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def upcoming(
        self, relationship_id: int, since: datetime, *, limit: int
    ) -> list[CoachingSession]:
        """The relationship's scheduled sessions with exercises from ``since``, soonest first."""
        rows = await self.session.execute(
            select(CoachingSession)
            .where(
                CoachingSession.relationship_id == relationship_id,
                CoachingSession.is_active.is_(True),
                CoachingSession.program_session_id.is_not(None),
                CoachingSession.status == SessionStatus.SCHEDULED,
                CoachingSession.scheduled_at >= since,
            )
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
            .limit(limit)
        )
        return list(rows.scalars())

    async def program_session(
        self, program_session_id: int
    ) -> tuple[ProgramSession, Program] | None:
        """A program session with its exercises (and their catalogue rows), and its program."""
        row = (
            await self.session.execute(
                select(ProgramSession, Program)
                .join(Program, Program.id == ProgramSession.program_id)
                .where(ProgramSession.id == program_session_id)
                .options(
                    selectinload(ProgramSession.exercises).selectinload(ExerciseTemplate.exercise)
                )
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def single_workouts(self, assignment_ids: Sequence[int]) -> set[int]:
        """Which of these assignments are single workouts (their program is a one-off)."""
        if not assignment_ids:
            return set()
        rows = await self.session.execute(
            select(ProgramAssignment.id)
            .join(Program, Program.id == ProgramAssignment.program_id)
            .where(ProgramAssignment.id.in_(list(assignment_ids)), Program.is_one_off.is_(True))
        )
        return {int(i) for i in rows.scalars()}

    async def is_day_copy(self, program_session: ProgramSession, assignment_id: int) -> bool:
        """Whether the program session is one day's own copy, made when the trainer edited
        that day of a program: a one-off program that is not the assignment's own."""
        program = await self.session.get(Program, program_session.program_id)
        if program is None or not program.is_one_off:
            return False
        assignment = await self.session.get(ProgramAssignment, assignment_id)
        return assignment is None or assignment.program_id != program.id

    async def changes(self, coaching_session_ids: Sequence[int]) -> list[WorkoutChange]:
        """Changes made to these days, in the order they were made."""
        if not coaching_session_ids:
            return []
        rows = await self.session.execute(
            select(WorkoutChange)
            .where(WorkoutChange.coaching_session_id.in_(list(coaching_session_ids)))
            .order_by(WorkoutChange.modified_at, WorkoutChange.id)
        )
        return list(rows.scalars())
