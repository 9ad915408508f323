"""Live logging: session records, their exercises and sets, and what a session starts from.

Reads of the calendar (coaching_sessions), programs (program_sessions, exercise_templates) and
per-client swaps (program_modifications) that live logging needs are here too, so the hot path
uses a handful of indexed queries. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from coaching.domain.enums import RelationshipStatus, SessionStatus
from storage.models import (
    ClientProfile,
    CoachingSession,
    ExerciseRecord,
    ExerciseTemplate,
    ProgramAssignment,
    ProgramModification,
    Relationship,
    SessionRecord,
    SetRecord,
    User,
)

# Appointments that can still be logged today.
OPEN_SESSION_STATUSES = (
    SessionStatus.SCHEDULED,
    SessionStatus.RESCHEDULED,
    SessionStatus.IN_PROGRESS,
)


class LiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ records

    async def record(self, record_id: int) -> SessionRecord | None:
        """A session record with its exercises and their sets (three queries)."""
        rows = await self.session.execute(
            select(SessionRecord)
            .where(SessionRecord.id == record_id)
            .options(selectinload(SessionRecord.exercises).selectinload(ExerciseRecord.sets))
        )
        return rows.scalar_one_or_none()

    async def live_for_profiles(self, profile_ids: Sequence[int]) -> list[SessionRecord]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(SessionRecord)
            .where(SessionRecord.client_profile_id.in_(profile_ids), SessionRecord.is_live)
            .order_by(SessionRecord.start_time.desc())
        )
        return list(rows.scalars())

    async def live_id_for_profile(self, profile_id: int) -> int | None:
        rows = await self.session.execute(
            select(SessionRecord.id).where(
                SessionRecord.client_profile_id == profile_id, SessionRecord.is_live
            )
        )
        return rows.scalar_one_or_none()

    async def stale_live(self, started_before: datetime) -> list[SessionRecord]:
        rows = await self.session.execute(
            select(SessionRecord)
            .where(SessionRecord.is_live, SessionRecord.start_time < started_before)
            .order_by(SessionRecord.id)
            .options(selectinload(SessionRecord.exercises).selectinload(ExerciseRecord.sets))
        )
        return list(rows.scalars())

    def add(self, row: SessionRecord | ExerciseRecord | SetRecord | ProgramModification) -> None:
        self.session.add(row)

    async def source_key_exists(self, key: str) -> bool:
        rows = await self.session.execute(
            select(SetRecord.id).where(SetRecord.source_key == key).limit(1)
        )
        return rows.first() is not None

    async def delete_set(self, set_id: int) -> None:
        await self.session.execute(delete(SetRecord).where(SetRecord.id == set_id))

    # ------------------------------------------------------------------ people

    async def profile(self, profile_id: int) -> ClientProfile | None:
        return await self.session.get(ClientProfile, profile_id)

    async def users(self, user_ids: Sequence[int]) -> dict[int, User]:
        ids = [i for i in user_ids if i is not None]
        if not ids:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(ids)))
        return {user.id: user for user in rows.scalars()}

    async def active_clients(self, trainer_user_id: int) -> list[ClientProfile]:
        """The trainer's clients in an active relationship, by name."""
        rows = await self.session.execute(
            select(ClientProfile)
            .where(
                ClientProfile.id.in_(
                    select(Relationship.client_profile_id).where(
                        Relationship.trainer_user_id == trainer_user_id,
                        Relationship.status == RelationshipStatus.ACTIVE,
                        Relationship.is_active.is_(True),
                    )
                ),
                ClientProfile.is_active.is_(True),
                ClientProfile.erased_at.is_(None),
            )
            .order_by(func.lower(ClientProfile.name), ClientProfile.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ the calendar

    async def planned_between(
        self,
        start: datetime,
        end: datetime,
        *,
        trainer_user_id: int | None = None,
        client_user_id: int | None = None,
        profile_id: int | None = None,
    ) -> list[tuple[CoachingSession, Relationship, ClientProfile]]:
        """Open appointments in [start, end) in active relationships, earliest first."""
        statement = (
            select(CoachingSession, Relationship, ClientProfile)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                CoachingSession.scheduled_at >= start,
                CoachingSession.scheduled_at < end,
                CoachingSession.status.in_(OPEN_SESSION_STATUSES),
                CoachingSession.is_active.is_(True),
                Relationship.status == RelationshipStatus.ACTIVE,
                Relationship.is_active.is_(True),
            )
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
        )
        if trainer_user_id is not None:
            statement = statement.where(Relationship.trainer_user_id == trainer_user_id)
        if client_user_id is not None:
            statement = statement.where(ClientProfile.user_id == client_user_id)
        if profile_id is not None:
            statement = statement.where(ClientProfile.id == profile_id)
        rows = await self.session.execute(statement)
        return [(cs, rel, profile) for cs, rel, profile in rows.all()]

    async def coaching_session(
        self, coaching_session_id: int
    ) -> tuple[CoachingSession, Relationship, ClientProfile] | None:
        rows = await self.session.execute(
            select(CoachingSession, Relationship, ClientProfile)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(CoachingSession.id == coaching_session_id)
        )
        row = rows.first()
        return None if row is None else (row[0], row[1], row[2])

    async def get_coaching_session(self, coaching_session_id: int) -> CoachingSession | None:
        return await self.session.get(CoachingSession, coaching_session_id)

    async def assignment(self, assignment_id: int) -> ProgramAssignment | None:
        return await self.session.get(ProgramAssignment, assignment_id)

    # ------------------------------------------------------------------ programs

    async def templates(self, template_ids: Sequence[int]) -> dict[int, ExerciseTemplate]:
        if not template_ids:
            return {}
        rows = await self.session.execute(
            select(ExerciseTemplate).where(ExerciseTemplate.id.in_(template_ids))
        )
        return {row.id: row for row in rows.scalars()}

    # ------------------------------------------------------------------ history

    async def last_performance(
        self, profile_ids: Sequence[int], exercise_id: int, exclude_record_id: int
    ) -> tuple[datetime, list[SetRecord]] | None:
        """The sets of the most recent other session in which this exercise was done."""
        if not profile_ids:
            return None
        latest = await self.session.execute(
            select(SetRecord.exercise_record_id, SetRecord.performed_at)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(
                SetRecord.client_profile_id.in_(profile_ids),
                SetRecord.exercise_id == exercise_id,
                ExerciseRecord.session_record_id != exclude_record_id,
            )
            .order_by(SetRecord.performed_at.desc(), SetRecord.id.desc())
            .limit(1)
        )
        row = latest.first()
        if row is None:
            return None
        sets = await self.session.execute(
            select(SetRecord)
            .where(
                SetRecord.exercise_record_id == row[0],
                SetRecord.exercise_id == exercise_id,
            )
            .order_by(SetRecord.set_index, SetRecord.id)
        )
        return row[1], list(sets.scalars())

    async def history(
        self,
        profile_ids: Sequence[int],
        exercise_ids: Sequence[int],
        before: datetime,
        exclude_record_id: int,
    ) -> list[SetRecord]:
        """Every earlier set of these exercises (for personal records)."""
        if not profile_ids or not exercise_ids:
            return []
        rows = await self.session.execute(
            select(SetRecord)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(
                SetRecord.client_profile_id.in_(profile_ids),
                SetRecord.exercise_id.in_(exercise_ids),
                SetRecord.performed_at < before,
                ExerciseRecord.session_record_id != exclude_record_id,
            )
        )
        return list(rows.scalars())

    async def previous_record(
        self,
        profile_ids: Sequence[int],
        *,
        program_session_id: int | None,
        title: str,
        before: datetime,
        exclude_record_id: int,
    ) -> SessionRecord | None:
        """The latest completed session of the same program session or with the same title."""
        if not profile_ids:
            return None
        same: ColumnElement[bool] = SessionRecord.title == title
        if program_session_id is not None:
            same = or_(same, SessionRecord.program_session_id == program_session_id)
        rows = await self.session.execute(
            select(SessionRecord)
            .where(
                SessionRecord.client_profile_id.in_(profile_ids),
                SessionRecord.completed.is_(True),
                SessionRecord.id != exclude_record_id,
                SessionRecord.start_time < before,
                same,
            )
            .order_by(SessionRecord.start_time.desc(), SessionRecord.id.desc())
            .limit(1)
        )
        return rows.scalar_one_or_none()

    async def sets_of_record(self, record_id: int) -> list[SetRecord]:
        rows = await self.session.execute(
            select(SetRecord)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id == record_id)
            .order_by(SetRecord.performed_at, SetRecord.id)
        )
        return list(rows.scalars())
