"""Client alerts: set-based reads for the alert scan, inserts that cannot duplicate a cause."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, func, literal, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    AssignmentStatus,
    RecordStatus,
    RelationshipStatus,
    SessionStatus,
    SetType,
)
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    Exercise,
    ExerciseRecord,
    Measurement,
    PermissionSet,
    ProgramAssignment,
    ProgressionAccess,
    Relationship,
    SessionRecord,
    SetRecord,
    TrainerProfile,
    User,
)

PLANNED_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)
DONE_RECORD_STATUSES = (RecordStatus.COMPLETED, RecordStatus.INCOMPLETE)
OPEN_ASSIGNMENTS = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.MODIFIED,
)


def session_status_in(statuses: Sequence[SessionStatus]) -> Any:
    """``coaching_sessions.status IN (...)`` that SQLite cannot answer from the status index.

    These queries select a few relationships' sessions; left to itself SQLite's planner reads
    the (status, scheduled_at) index across every client in the database instead of the
    (relationship_id, scheduled_at) one. Comparing the status as text keeps it on the latter;
    PostgreSQL plans the same either way.
    """
    return cast(CoachingSession.status, String).in_([str(s.value) for s in statuses])


def e1rm_sql() -> Any:
    """Epley's e1RM of a set in SQL (a single is its own 1RM), as in coaching.domain.strength."""
    return case(
        (SetRecord.reps == 1, SetRecord.weight_kg),
        else_=SetRecord.weight_kg * (SetRecord.reps + 30) / 30.0,
    )


def counted_lift() -> Any:
    """A loaded working set of 1 to 12 reps: what e1RM is computed from."""
    return and_(
        SetRecord.set_type != SetType.WARMUP,
        SetRecord.bodyweight.is_(False),
        SetRecord.weight_kg > 0,
        SetRecord.reps >= 1,
        SetRecord.reps <= 12,
    )


def logged_sql() -> Any:
    """Whether a coaching session has been logged (completed, or a record was kept)."""
    logged_record = (
        select(literal(1))
        .where(
            SessionRecord.coaching_session_id == CoachingSession.id,
            SessionRecord.status.in_(DONE_RECORD_STATUSES),
        )
        .exists()
    )
    return or_(CoachingSession.status == SessionStatus.COMPLETED, logged_record)


class AlertRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ the scan's reads

    async def trainers_after(self, after_id: int, limit: int) -> list[tuple[User, TrainerProfile]]:
        rows = await self.session.execute(
            select(User, TrainerProfile)
            .join(TrainerProfile, TrainerProfile.user_id == User.id)
            .where(User.id > after_id, User.is_trainer.is_(True), User.is_active.is_(True))
            .order_by(User.id)
            .limit(limit)
        )
        return [(u, p) for u, p in rows]

    async def trainers(self, user_ids: Sequence[int]) -> list[tuple[User, TrainerProfile]]:
        rows = await self.session.execute(
            select(User, TrainerProfile)
            .join(TrainerProfile, TrainerProfile.user_id == User.id)
            .where(User.id.in_(list(user_ids)))
            .order_by(User.id)
        )
        return [(u, p) for u, p in rows]

    async def active_clients(
        self, trainer_ids: Sequence[int], profile_ids: Sequence[int] | None = None
    ) -> list[tuple[Relationship, ClientProfile, PermissionSet | None]]:
        statement = (
            select(Relationship, ClientProfile, PermissionSet)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .outerjoin(PermissionSet, PermissionSet.relationship_id == Relationship.id)
            .where(
                Relationship.trainer_user_id.in_(list(trainer_ids)),
                Relationship.status == RelationshipStatus.ACTIVE,
                Relationship.is_active.is_(True),
                ClientProfile.erased_at.is_(None),
            )
        )
        if profile_ids is not None:
            statement = statement.where(ClientProfile.id.in_(list(profile_ids)))
        rows = await self.session.execute(statement)
        return [(r, p, s) for r, p, s in rows]

    async def self_profiles(self, user_ids: Sequence[int]) -> dict[int, int]:
        """Client user id -> their self profile id (what they log on their own)."""
        if not user_ids:
            return {}
        rows = await self.session.execute(
            select(ClientProfile.user_id, ClientProfile.id).where(
                ClientProfile.user_id.in_(list(user_ids)), ClientProfile.trainer_user_id.is_(None)
            )
        )
        return {int(u): int(i) for u, i in rows if u is not None}

    async def windows(self, relationship_ids: Sequence[int]) -> list[ProgressionAccess]:
        if not relationship_ids:
            return []
        rows = await self.session.execute(
            select(ProgressionAccess).where(
                ProgressionAccess.relationship_id.in_(list(relationship_ids)),
                ProgressionAccess.is_active.is_(True),
            )
        )
        return list(rows.scalars())

    async def planned(
        self, relationship_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[tuple[int, int, str, datetime, int, bool]]:
        """(relationship, session id, title, starts, minutes, logged) of planned sessions."""
        if not relationship_ids:
            return []
        rows = await self.session.execute(
            select(
                CoachingSession.relationship_id,
                CoachingSession.id,
                CoachingSession.title,
                CoachingSession.scheduled_at,
                CoachingSession.duration_minutes,
                logged_sql(),
            ).where(
                CoachingSession.relationship_id.in_(list(relationship_ids)),
                CoachingSession.scheduled_at >= start,
                CoachingSession.scheduled_at < end,
                session_status_in(PLANNED_STATUSES),
                CoachingSession.is_active.is_(True),
            )
        )
        return [(int(r), int(i), str(t), s, int(d), bool(lg)) for r, i, t, s, d, lg in rows]

    async def last_activity(self, profile_ids: Sequence[int]) -> dict[int, date]:
        """Profile -> the date of its latest logged session."""
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

    async def lift_points(
        self, profile_ids: Sequence[int], since: date
    ) -> list[tuple[int, int, str, int, date, Any, Any, Any]]:
        """Per profile, main lift, session and load: best e1RM and highest RPE, since a date.

        Rows are (profile, exercise, exercise name, record, date, weight, e1RM, RPE).
        """
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(
                SetRecord.client_profile_id,
                SetRecord.exercise_id,
                Exercise.name,
                ExerciseRecord.session_record_id,
                func.max(SessionRecord.session_date),
                SetRecord.weight_kg,
                func.max(e1rm_sql()),
                func.max(SetRecord.rpe),
            )
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .join(SessionRecord, SessionRecord.id == ExerciseRecord.session_record_id)
            .join(Exercise, Exercise.id == SetRecord.exercise_id)
            .where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                # Main lifts and a time range on set_records itself, so the progress index
                # (profile, exercise, performed_at) answers the query.
                SetRecord.exercise_id.in_(
                    select(Exercise.id).where(Exercise.is_main_lift.is_(True)).scalar_subquery()
                ),
                SetRecord.performed_at >= datetime.combine(since, time(0), tzinfo=UTC),
                SessionRecord.session_date >= since,
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
                counted_lift(),
            )
            .group_by(
                SetRecord.client_profile_id,
                SetRecord.exercise_id,
                Exercise.name,
                ExerciseRecord.session_record_id,
                SetRecord.weight_kg,
            )
        )
        return [tuple(row) for row in rows]

    async def exercises_named(self, names: Sequence[str], owners: Sequence[int]) -> list[Exercise]:
        """Exercises with one of these names, and every main lift (goals name them loosely)."""
        if not names:
            return []
        rows = await self.session.execute(
            select(Exercise).where(
                or_(func.lower(Exercise.name).in_(list(names)), Exercise.is_main_lift.is_(True)),
                or_(Exercise.owner_user_id.is_(None), Exercise.owner_user_id.in_(list(owners))),
            )
        )
        return list(rows.scalars())

    async def heaviest(
        self, profile_ids: Sequence[int], exercise_ids: Sequence[int]
    ) -> dict[tuple[int, int], Any]:
        """(profile, exercise) -> the heaviest weight lifted for at least one rep."""
        if not profile_ids or not exercise_ids:
            return {}
        rows = await self.session.execute(
            select(
                SetRecord.client_profile_id, SetRecord.exercise_id, func.max(SetRecord.weight_kg)
            )
            .where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                SetRecord.exercise_id.in_(list(exercise_ids)),
                SetRecord.reps >= 1,
                SetRecord.set_type != SetType.WARMUP,
            )
            .group_by(SetRecord.client_profile_id, SetRecord.exercise_id)
        )
        return {(int(p), int(e)): w for p, e, w in rows}

    async def body_weights(self, profile_ids: Sequence[int], kind: str) -> list[Measurement]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(Measurement)
            .where(
                Measurement.client_profile_id.in_(list(profile_ids)),
                Measurement.kind == kind,
                Measurement.is_active.is_(True),
            )
            .order_by(Measurement.measured_on, Measurement.id)
        )
        return list(rows.scalars())

    async def assignment_progress(
        self, relationship_ids: Sequence[int], assignment_ids: Sequence[int] | None = None
    ) -> list[tuple[int, int, int, datetime | None, datetime | None]]:
        """Open assignments: (assignment, relationship, sessions, last at, last logged at)."""
        if not relationship_ids and not assignment_ids:
            return []
        logged = logged_sql()
        statement = (
            select(
                ProgramAssignment.id,
                ProgramAssignment.relationship_id,
                func.count(CoachingSession.id),
                func.max(CoachingSession.scheduled_at),
                func.max(case((logged, CoachingSession.scheduled_at), else_=None)),
            )
            .join(CoachingSession, CoachingSession.assignment_id == ProgramAssignment.id)
            .where(
                ProgramAssignment.status.in_(OPEN_ASSIGNMENTS),
                ProgramAssignment.is_active.is_(True),
                session_status_in(PLANNED_STATUSES),
                CoachingSession.is_active.is_(True),
            )
            .group_by(ProgramAssignment.id, ProgramAssignment.relationship_id)
        )
        if assignment_ids is not None:
            statement = statement.where(ProgramAssignment.id.in_(list(assignment_ids)))
        else:
            statement = statement.where(
                ProgramAssignment.relationship_id.in_(list(relationship_ids))
            )
        rows = await self.session.execute(statement)
        return [(int(a), int(r), int(n), last, done) for a, r, n, last, done in rows]

    async def assignments(self, ids: Sequence[int]) -> list[ProgramAssignment]:
        if not ids:
            return []
        rows = await self.session.execute(
            select(ProgramAssignment).where(ProgramAssignment.id.in_(list(ids)))
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ writing alerts

    async def known_keys(self, keys: Sequence[tuple[int, int, str]]) -> set[tuple[int, int, str]]:
        """Which (trainer, profile, key) causes already have an alert, open or resolved."""
        if not keys:
            return set()
        found: set[tuple[int, int, str]] = set()
        chunk = 300
        for start in range(0, len(keys), chunk):
            part = list(keys[start : start + chunk])
            rows = await self.session.execute(
                select(
                    ClientAlert.trainer_user_id,
                    ClientAlert.client_profile_id,
                    ClientAlert.dedup_key,
                ).where(
                    tuple_(
                        ClientAlert.trainer_user_id,
                        ClientAlert.client_profile_id,
                        ClientAlert.dedup_key,
                    ).in_(part)
                )
            )
            found.update((int(t), int(p), str(k)) for t, p, k in rows)
        return found

    async def insert(self, values: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert alerts; an open alert with the same cause makes a row a no-op. New ids."""
        if not values:
            return []
        dialect = self.session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = (
            module.insert(ClientAlert.__table__)
            .values(list(values))
            .on_conflict_do_nothing(
                index_elements=["trainer_user_id", "client_profile_id", "dedup_key"],
                index_where=text("NOT is_resolved"),
            )
            .returning(ClientAlert.__table__.c.id)
        )
        rows = await self.session.execute(statement)
        return [int(i) for i in rows.scalars()]

    # ------------------------------------------------------------------ the trainer's reads

    def _open(self, trainer_user_id: int) -> Select[ClientAlert, str]:
        return (
            select(ClientAlert, ClientProfile.name)
            .join(ClientProfile, ClientProfile.id == ClientAlert.client_profile_id)
            .where(
                ClientAlert.trainer_user_id == trainer_user_id,
                ClientAlert.is_resolved.is_(False),
            )
        )

    async def open_alerts(
        self, trainer_user_id: int, client_profile_id: int | None = None, limit: int = 200
    ) -> list[tuple[ClientAlert, str]]:
        statement = self._open(trainer_user_id)
        if client_profile_id is not None:
            statement = statement.where(ClientAlert.client_profile_id == client_profile_id)
        rows = await self.session.execute(
            statement.order_by(ClientAlert.raised_at.desc(), ClientAlert.id.desc()).limit(limit)
        )
        return [(a, str(n)) for a, n in rows]

    async def alert(self, trainer_user_id: int, alert_id: int) -> tuple[ClientAlert, str] | None:
        row = (
            await self.session.execute(
                select(ClientAlert, ClientProfile.name)
                .join(ClientProfile, ClientProfile.id == ClientAlert.client_profile_id)
                .where(ClientAlert.id == alert_id, ClientAlert.trainer_user_id == trainer_user_id)
            )
        ).first()
        return None if row is None else (row[0], str(row[1]))

    async def open_counts(self, trainer_user_id: int) -> dict[AlertSeverity, int]:
        rows = await self.session.execute(
            select(ClientAlert.severity, func.count())
            .where(
                ClientAlert.trainer_user_id == trainer_user_id,
                ClientAlert.is_resolved.is_(False),
            )
            .group_by(ClientAlert.severity)
        )
        return {AlertSeverity(s): int(n) for s, n in rows}

    async def urgent_unnotified(
        self, since: datetime, limit: int
    ) -> list[tuple[ClientAlert, str, int, bool]]:
        """Open HIGH/CRITICAL alerts not yet told: (alert, client name, trainer chat, reachable)."""
        rows = await self.session.execute(
            select(ClientAlert, ClientProfile.name, User.telegram_id, User.reachable)
            .join(ClientProfile, ClientProfile.id == ClientAlert.client_profile_id)
            .join(User, User.id == ClientAlert.trainer_user_id)
            .where(
                ClientAlert.is_resolved.is_(False),
                ClientAlert.notified_at.is_(None),
                ClientAlert.severity.in_((AlertSeverity.HIGH, AlertSeverity.CRITICAL)),
                ClientAlert.raised_at >= since,
                # The injury report tells the trainer itself, at the moment it is made.
                ClientAlert.alert_type != AlertType.INJURY_REPORTED,
            )
            .order_by(ClientAlert.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=ClientAlert)
        )
        return [(a, str(n), int(t), bool(r)) for a, n, t, r in rows]
