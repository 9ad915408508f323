"""Coaching sessions on the calendar, for the trainer and for the client."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from coaching.domain.enums import RelationshipStatus, SessionStatus
from storage.models import (
    ClientProfile,
    CoachingSession,
    Exercise,
    ExerciseTemplate,
    ProgramModification,
    ProgramSession,
    Relationship,
    SetRecord,
    User,
)

# The longest session the schema allows; bounds the look-back of an overlap query.
MAX_DURATION = timedelta(minutes=600)


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: CoachingSession) -> None:
        self.session.add(row)

    async def get(
        self, session_id: int
    ) -> tuple[CoachingSession, Relationship, ClientProfile, User | None] | None:
        """A session with its relationship, the client's profile and account."""
        row = (
            await self.session.execute(
                select(CoachingSession, Relationship, ClientProfile, User)
                .join(Relationship, Relationship.id == CoachingSession.relationship_id)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .outerjoin(User, User.id == ClientProfile.user_id)
                .where(CoachingSession.id == session_id, CoachingSession.is_active.is_(True))
            )
        ).first()
        return None if row is None else (row[0], row[1], row[2], row[3])

    async def of_trainer(
        self,
        trainer_user_id: int,
        start: datetime,
        end: datetime,
        statuses: Sequence[SessionStatus],
        *,
        offset: int = 0,
        limit: int | None = None,
    ) -> tuple[list[tuple[CoachingSession, ClientProfile]], int]:
        """The trainer's sessions starting in [start, end) in these statuses, and their count."""
        condition = (
            Relationship.trainer_user_id == trainer_user_id,
            CoachingSession.is_active.is_(True),
            CoachingSession.status.in_(list(statuses)),
            CoachingSession.scheduled_at >= start,
            CoachingSession.scheduled_at < end,
        )
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(CoachingSession)
                .join(Relationship, Relationship.id == CoachingSession.relationship_id)
                .where(*condition)
            )
        ).scalar_one()
        query = (
            select(CoachingSession, ClientProfile)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(*condition)
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        rows = await self.session.execute(query)
        return [(s, p) for s, p in rows], int(total)

    async def overlapping(
        self,
        trainer_user_id: int,
        start: datetime,
        end: datetime,
        *,
        exclude_id: int | None = None,
    ) -> list[tuple[CoachingSession, ClientProfile]]:
        """The trainer's live sessions (not cancelled or moved) that overlap [start, end)."""
        candidates, _ = await self.of_trainer(
            trainer_user_id,
            start - MAX_DURATION,
            end,
            (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED),
        )
        return [
            (row, profile)
            for row, profile in candidates
            if row.id != exclude_id
            and row.scheduled_at < end
            and row.scheduled_at + timedelta(minutes=row.duration_minutes) > start
        ]

    async def of_client(
        self,
        user_id: int,
        start: datetime,
        end: datetime | None,
        statuses: Sequence[SessionStatus],
        relationship_statuses: Sequence[RelationshipStatus],
        *,
        limit: int = 500,
    ) -> list[tuple[CoachingSession, User]]:
        """All trainers' sessions with this client (an account) from ``start``, and the trainer."""
        trainer = aliased(User)
        conditions = [
            ClientProfile.user_id == user_id,
            Relationship.is_active.is_(True),
            Relationship.status.in_(list(relationship_statuses)),
            CoachingSession.is_active.is_(True),
            CoachingSession.status.in_(list(statuses)),
            CoachingSession.scheduled_at >= start,
        ]
        if end is not None:
            conditions.append(CoachingSession.scheduled_at < end)
        rows = await self.session.execute(
            select(CoachingSession, trainer)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .join(trainer, trainer.id == Relationship.trainer_user_id)
            .where(*conditions)
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
            .limit(limit)
        )
        return [(s, t) for s, t in rows]

    async def program_session(self, program_session_id: int) -> ProgramSession | None:
        """A program session with its exercises and their catalogue rows."""
        rows = await self.session.execute(
            select(ProgramSession)
            .where(ProgramSession.id == program_session_id)
            .options(selectinload(ProgramSession.exercises).selectinload(ExerciseTemplate.exercise))
        )
        return rows.scalar_one_or_none()

    async def exercises_by_id(self, exercise_ids: Sequence[int]) -> dict[int, Exercise]:
        if not exercise_ids:
            return {}
        rows = await self.session.execute(
            select(Exercise).where(Exercise.id.in_(list(set(exercise_ids))))
        )
        return {row.id: row for row in rows.scalars()}

    async def modifications(self, assignment_id: int) -> list[ProgramModification]:
        rows = await self.session.execute(
            select(ProgramModification)
            .where(ProgramModification.assignment_id == assignment_id)
            .order_by(ProgramModification.modified_at, ProgramModification.id)
        )
        return list(rows.scalars())

    async def last_sets(
        self, profile_ids: Sequence[int], exercise_ids: Sequence[int], before: datetime
    ) -> dict[int, list[SetRecord]]:
        """Per exercise, the sets of the latest time it was performed before ``before``.

        "The latest time" is the exercise record holding the newest set; two queries in all.
        """
        if not profile_ids or not exercise_ids:
            return {}
        newest = (
            select(
                SetRecord.exercise_id.label("exercise_id"),
                func.max(SetRecord.performed_at).label("at"),
            )
            .where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                SetRecord.exercise_id.in_(list(exercise_ids)),
                SetRecord.performed_at < before,
            )
            .group_by(SetRecord.exercise_id)
            .subquery()
        )
        records = (
            await self.session.execute(
                select(SetRecord.exercise_id, func.max(SetRecord.exercise_record_id))
                .join(
                    newest,
                    and_(
                        SetRecord.exercise_id == newest.c.exercise_id,
                        SetRecord.performed_at == newest.c.at,
                    ),
                )
                .where(SetRecord.client_profile_id.in_(list(profile_ids)))
                .group_by(SetRecord.exercise_id)
            )
        ).all()
        if not records:
            return {}
        record_ids = {record_id: exercise_id for exercise_id, record_id in records}
        rows = await self.session.execute(
            select(SetRecord)
            .where(SetRecord.exercise_record_id.in_(list(record_ids)))
            .order_by(SetRecord.exercise_record_id, SetRecord.set_index, SetRecord.id)
        )
        found: dict[int, list[SetRecord]] = {}
        for row in rows.scalars():
            if record_ids.get(row.exercise_record_id) == row.exercise_id:
                found.setdefault(row.exercise_id, []).append(row)
        return found
