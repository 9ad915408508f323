"""Program assignments: the trainer's clients and programs to pick from, and assignments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coaching.domain.enums import AssignmentStatus, RelationshipStatus
from storage.models import (
    ClientProfile,
    CoachingSession,
    ExerciseTemplate,
    Program,
    ProgramAssignment,
    ProgramModification,
    ProgramSession,
    Relationship,
    User,
)


class AssignmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- people and programs to choose from ---------------------------------------------------

    async def active_clients(
        self, trainer_user_id: int, *, offset: int = 0, limit: int = 8
    ) -> tuple[list[tuple[ClientProfile, Relationship]], int]:
        """One page of the trainer's clients in an ACTIVE relationship, by name, and the total."""
        condition = (
            Relationship.trainer_user_id == trainer_user_id,
            Relationship.status == RelationshipStatus.ACTIVE,
            Relationship.is_active.is_(True),
            ClientProfile.is_active.is_(True),
            ClientProfile.erased_at.is_(None),
        )
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(Relationship)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .where(*condition)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(ClientProfile, Relationship)
            .join(Relationship, Relationship.client_profile_id == ClientProfile.id)
            .where(*condition)
            .order_by(func.lower(ClientProfile.name), ClientProfile.id)
            .offset(offset)
            .limit(limit)
        )
        return [(profile, rel) for profile, rel in rows], int(total)

    async def client_account(self, client_profile_id: int) -> tuple[ClientProfile, User | None]:
        """A client profile and the account linked to it (if the client has joined)."""
        row = (
            await self.session.execute(
                select(ClientProfile, User)
                .outerjoin(User, User.id == ClientProfile.user_id)
                .where(ClientProfile.id == client_profile_id)
            )
        ).one()
        return row[0], row[1]

    async def programs_of(self, trainer_user_id: int) -> list[Program]:
        """The trainer's active programs with their sessions (no exercises), by name."""
        rows = await self.session.execute(
            select(Program)
            .where(Program.trainer_user_id == trainer_user_id, Program.is_active.is_(True))
            .options(selectinload(Program.sessions))
            .order_by(func.lower(Program.name), Program.id)
        )
        return list(rows.scalars())

    async def program_of(self, program_id: int, trainer_user_id: int) -> Program | None:
        """One of the trainer's active programs, with its sessions."""
        rows = await self.session.execute(
            select(Program)
            .where(
                Program.id == program_id,
                Program.trainer_user_id == trainer_user_id,
                Program.is_active.is_(True),
            )
            .options(selectinload(Program.sessions))
        )
        return rows.scalar_one_or_none()

    async def program_sessions(self, program_id: int) -> list[ProgramSession]:
        """A program's sessions in order, each with its exercises and their catalogue rows."""
        rows = await self.session.execute(
            select(ProgramSession)
            .where(ProgramSession.program_id == program_id)
            .options(selectinload(ProgramSession.exercises).selectinload(ExerciseTemplate.exercise))
            .order_by(ProgramSession.week_number, ProgramSession.session_number)
        )
        return list(rows.scalars())

    # --- assignments ----------------------------------------------------------------------------

    def add(self, row: ProgramAssignment | ProgramModification | CoachingSession) -> None:
        self.session.add(row)

    async def get(self, assignment_id: int) -> tuple[ProgramAssignment, Relationship] | None:
        row = (
            await self.session.execute(
                select(ProgramAssignment, Relationship)
                .join(Relationship, Relationship.id == ProgramAssignment.relationship_id)
                .where(ProgramAssignment.id == assignment_id, ProgramAssignment.is_active.is_(True))
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def of_trainer(
        self, trainer_user_id: int, statuses: Sequence[AssignmentStatus]
    ) -> list[tuple[ProgramAssignment, ClientProfile]]:
        """The trainer's assignments in these statuses, newest first, with the client."""
        rows = await self.session.execute(
            select(ProgramAssignment, ClientProfile)
            .join(Relationship, Relationship.id == ProgramAssignment.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                Relationship.trainer_user_id == trainer_user_id,
                Relationship.is_active.is_(True),
                ProgramAssignment.is_active.is_(True),
                ProgramAssignment.status.in_(list(statuses)),
            )
            .order_by(ProgramAssignment.start_date.desc(), ProgramAssignment.id.desc())
            .limit(50)
        )
        return [(a, p) for a, p in rows]

    async def sessions_of(self, assignment_id: int) -> list[CoachingSession]:
        rows = await self.session.execute(
            select(CoachingSession)
            .where(
                CoachingSession.assignment_id == assignment_id,
                CoachingSession.is_active.is_(True),
            )
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
        )
        return list(rows.scalars())

    async def modifications(self, assignment_id: int) -> list[ProgramModification]:
        """An assignment's swaps in the order they were made."""
        rows = await self.session.execute(
            select(ProgramModification)
            .where(ProgramModification.assignment_id == assignment_id)
            .order_by(ProgramModification.modified_at, ProgramModification.id)
        )
        return list(rows.scalars())
