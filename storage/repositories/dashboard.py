"""The trainer dashboard's and the progress card's reads: aggregates computed in SQL.

Each method is one statement whatever the number of clients or sets (GROUP BY in the database,
never a query per client).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import RelationshipStatus, SessionStatus, SetType
from storage.models import (
    ClientProfile,
    CoachingSession,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    Measurement,
    PermissionSet,
    Relationship,
    SessionRecord,
    SetRecord,
    TrainerProfile,
    TrainingFeedback,
    User,
)
from storage.repositories.alerts import (
    DONE_RECORD_STATUSES,
    PLANNED_STATUSES,
    counted_lift,
    e1rm_sql,
    logged_sql,
    session_status_in,
)

LIVE = (RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED, RelationshipStatus.PENDING)
UPCOMING = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def digest_candidates(self) -> list[tuple[str, int, time | None, date | None]]:
        """(time zone, trainer profile id, digest time, last sent) of every reachable, active
        trainer with a digest time, in user order. Plain columns: it runs every few minutes."""
        rows = await self.session.execute(
            select(
                User.timezone,
                TrainerProfile.id,
                TrainerProfile.digest_time,
                TrainerProfile.digest_last_sent,
            )
            .join(TrainerProfile, TrainerProfile.user_id == User.id)
            .where(
                User.is_trainer.is_(True),
                User.reachable.is_(True),
                User.is_active.is_(True),
                TrainerProfile.digest_time.is_not(None),
            )
            .order_by(User.id)
        )
        return [(zone, int(profile_id), at, last) for zone, profile_id, at, last in rows]

    async def alert_limits(self, trainer_user_id: int) -> tuple[int, int] | None:
        """The trainer's inactivity threshold (days) and missed-session grace (hours)."""
        found = await self.session.execute(
            select(
                TrainerProfile.alert_inactivity_days, TrainerProfile.alert_missed_grace_hours
            ).where(TrainerProfile.user_id == trainer_user_id)
        )
        row = found.first()
        return (int(row[0]), int(row[1])) if row is not None else None

    async def active_relationship_ids(self, profile_ids: Sequence[int]) -> list[int]:
        """The ids of the active relationships of these client profiles."""
        rows = await self.session.execute(
            select(Relationship.id).where(
                Relationship.client_profile_id.in_(list(profile_ids)),
                Relationship.is_active.is_(True),
            )
        )
        return [int(i) for i in rows.scalars()]

    async def clients(
        self, trainer_user_id: int
    ) -> list[tuple[Relationship, ClientProfile, PermissionSet | None]]:
        rows = await self.session.execute(
            select(Relationship, ClientProfile, PermissionSet)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .outerjoin(PermissionSet, PermissionSet.relationship_id == Relationship.id)
            .where(
                Relationship.trainer_user_id == trainer_user_id,
                Relationship.status.in_(LIVE),
                Relationship.is_active.is_(True),
            )
            .order_by(ClientProfile.name, ClientProfile.id)
        )
        return [(r, p, s) for r, p, s in rows]

    async def upcoming(
        self, trainer_user_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, datetime, str, int, str, int]]:
        """(session, starts, title, minutes, client name, relationship) in [start, end)."""
        rows = await self.session.execute(
            select(
                CoachingSession.id,
                CoachingSession.scheduled_at,
                CoachingSession.title,
                CoachingSession.duration_minutes,
                ClientProfile.name,
                Relationship.id,
            )
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                Relationship.trainer_user_id == trainer_user_id,
                Relationship.status == RelationshipStatus.ACTIVE,
                Relationship.is_active.is_(True),
                CoachingSession.scheduled_at >= start,
                CoachingSession.scheduled_at < end,
                session_status_in(UPCOMING),
                CoachingSession.is_active.is_(True),
            )
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]

    async def pending_feedback(
        self, trainer_user_id: int, since: date, limit: int = 50
    ) -> list[tuple[SessionRecord, str, int]]:
        """Completed sessions with client feedback the trainer has not reviewed yet."""
        reviewed = (
            select(literal(1))
            .where(
                TrainingFeedback.session_record_id == SessionRecord.id,
                TrainingFeedback.was_reviewed.is_(True),
            )
            .exists()
        )
        rows = await self.session.execute(
            select(SessionRecord, ClientProfile.name, ClientProfile.id)
            .join(ClientProfile, ClientProfile.id == SessionRecord.client_profile_id)
            .where(
                ClientProfile.trainer_user_id == trainer_user_id,
                SessionRecord.session_date >= since,
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
                func.length(cast(SessionRecord.trainee_feedback, String)) > 2,
                ~reviewed,
            )
            .order_by(SessionRecord.end_time.desc(), SessionRecord.id.desc())
            .limit(limit)
        )
        return [(r, str(n), int(i)) for r, n, i in rows]

    async def adherence_by_relationship(
        self,
        relationship_ids: Sequence[int],
        now: datetime,
        window_start: datetime,
        previous_start: datetime,
        missed_since: datetime,
        missed_before: datetime,
    ) -> dict[int, tuple[int, int, int, int, int]]:
        """Relationship -> (planned, done) this window, (planned, done) before, missed lately."""
        if not relationship_ids:
            return {}
        logged = logged_sql()
        # A session is due once its time has passed, or at once when it was done early.
        due = or_(CoachingSession.scheduled_at < now, logged)
        current = and_(CoachingSession.scheduled_at >= window_start, due)
        before = and_(
            CoachingSession.scheduled_at >= previous_start,
            CoachingSession.scheduled_at < window_start,
        )
        missed = and_(
            CoachingSession.scheduled_at >= missed_since,
            CoachingSession.scheduled_at < missed_before,
            ~logged,
        )
        one = literal(1)
        rows = await self.session.execute(
            select(
                CoachingSession.relationship_id,
                func.sum(case((current, one), else_=0)),
                func.sum(case((and_(current, logged), one), else_=0)),
                func.sum(case((before, one), else_=0)),
                func.sum(case((and_(before, logged), one), else_=0)),
                func.sum(case((missed, one), else_=0)),
            )
            .where(
                CoachingSession.relationship_id.in_(list(relationship_ids)),
                CoachingSession.scheduled_at >= previous_start,
                due,
                session_status_in(PLANNED_STATUSES),
                CoachingSession.is_active.is_(True),
            )
            .group_by(CoachingSession.relationship_id)
        )
        return {
            int(r): (int(a or 0), int(b or 0), int(c or 0), int(d or 0), int(e or 0))
            for r, a, b, c, d, e in rows
        }

    async def last_activity(self, profile_ids: Sequence[int]) -> dict[int, date]:
        if not profile_ids:
            return {}
        rows = await self.session.execute(
            select(SessionRecord.client_profile_id, func.max(SessionRecord.session_date))
            .where(
                SessionRecord.client_profile_id.in_(list(profile_ids)),
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
            )
            .group_by(SessionRecord.client_profile_id)
        )
        return {int(p): d for p, d in rows if d is not None}

    async def self_profiles(self, user_ids: Sequence[int]) -> dict[int, int]:
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(ClientProfile.user_id, ClientProfile.id).where(
                ClientProfile.user_id.in_(list(user_ids)), ClientProfile.trainer_user_id.is_(None)
            )
        )
        return {int(u): int(i) for u, i in rows if u is not None}

    # ------------------------------------------------------------------ one client

    async def planned_sessions(
        self, relationship_id: int, start: datetime, end: datetime
    ) -> list[tuple[int, datetime, str, bool, int, int]]:
        """(session, starts, title, logged, exercises planned, exercises done), due ones: those
        starting before ``end``, and those done already (early) whatever their start."""
        planned_exercises = (
            select(func.count(ExerciseTemplate.id))
            .where(ExerciseTemplate.program_session_id == CoachingSession.program_session_id)
            .scalar_subquery()
        )
        done_exercises = (
            select(func.count(func.distinct(ExerciseRecord.exercise_id)))
            .join(SessionRecord, SessionRecord.id == ExerciseRecord.session_record_id)
            .where(
                SessionRecord.coaching_session_id == CoachingSession.id,
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
                ExerciseRecord.completed.is_(True),
                ExerciseRecord.skipped.is_(False),
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                CoachingSession.id,
                CoachingSession.scheduled_at,
                CoachingSession.title,
                logged_sql(),
                planned_exercises,
                done_exercises,
            )
            .where(
                CoachingSession.relationship_id == relationship_id,
                CoachingSession.scheduled_at >= start,
                or_(CoachingSession.scheduled_at < end, logged_sql()),
                session_status_in(PLANNED_STATUSES),
                CoachingSession.is_active.is_(True),
            )
            .order_by(CoachingSession.scheduled_at)
        )
        return [
            (int(i), s, str(t), bool(lg), int(p or 0), int(d or 0)) for i, s, t, lg, p, d in rows
        ]

    async def daily_lifts(
        self, profile_ids: Sequence[int], since: date, exercise_id: int | None = None
    ) -> list[tuple[int, str, bool, date, Any, Any]]:
        """Per exercise and day: (exercise, name, main lift?, day, best e1RM, volume kg)."""
        volume = func.sum(
            case(
                (
                    and_(SetRecord.weight_kg > 0, SetRecord.reps > 0),
                    SetRecord.weight_kg * SetRecord.reps,
                ),
                else_=0,
            )
        )
        best = func.max(case((counted_lift(), e1rm_sql()), else_=None))
        statement = (
            select(
                SetRecord.exercise_id,
                Exercise.name,
                Exercise.is_main_lift,
                SessionRecord.session_date,
                best,
                volume,
            )
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .join(SessionRecord, SessionRecord.id == ExerciseRecord.session_record_id)
            .join(Exercise, Exercise.id == SetRecord.exercise_id)
            .where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                SessionRecord.session_date >= since,
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
                SetRecord.set_type != SetType.WARMUP,
            )
            .group_by(
                SetRecord.exercise_id,
                Exercise.name,
                Exercise.is_main_lift,
                SessionRecord.session_date,
            )
            .order_by(SessionRecord.session_date)
        )
        if exercise_id is not None:
            statement = statement.where(SetRecord.exercise_id == exercise_id)
        rows = await self.session.execute(statement)
        return [(int(e), str(n), bool(m), d, b, v) for e, n, m, d, b, v in rows]

    async def measurements(self, profile_ids: Sequence[int], since: date) -> list[Measurement]:
        rows = await self.session.execute(
            select(Measurement)
            .where(
                Measurement.client_profile_id.in_(list(profile_ids)),
                Measurement.measured_on >= since,
                Measurement.is_active.is_(True),
            )
            .order_by(Measurement.measured_on, Measurement.id)
        )
        return list(rows.scalars())
