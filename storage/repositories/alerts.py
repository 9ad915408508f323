"""Client alerts: set-based reads for the alert scan, inserts that cannot duplicate a cause."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    AssignmentStatus,
    RecordStatus,
    RelationshipStatus,
    SessionStatus,
    SetType,
    Units,
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


PERMISSION_COLUMNS = (
    PermissionSet.view_workout_history,
    PermissionSet.view_progression_data,
    PermissionSet.view_personal_data,
    PermissionSet.assign_workouts,
    PermissionSet.assign_programs,
    PermissionSet.modify_workouts,
    PermissionSet.view_activity_status,
    PermissionSet.contact_outside_hours,
)
PERMISSION_NAMES = tuple(c.key for c in PERMISSION_COLUMNS)
THREAD_ROWS = 2000
"""Lift rows above which folding them runs in a worker thread, not on the event loop."""
KEYS_PER_QUERY = 2000
"""Alert causes looked up per statement (3 parameters each)."""
KG = Decimal("0.001")
"""The scale of ``set_records.weight_kg`` (``Dec(8, 3)``), and of an e1RM computed from it."""
RPE_STEP = Decimal("0.1")
"""The scale of ``set_records.rpe`` (``Dec(3, 1)``)."""


class ActiveClient(NamedTuple):
    """One active coaching relationship and what the alert rules read from its client.

    A named tuple: a scan reads tens of thousands at once.
    """

    relationship_id: int
    trainer_user_id: int
    start_date: date | None
    profile_id: int
    user_id: int | None
    goals: tuple[Any, ...]
    current_weight_kg: Decimal | None
    permissions: tuple[bool, ...] | None
    """The permission flags in :data:`PERMISSION_NAMES` order; ``None`` without a row."""


def as_decimal(value: Any, quantum: Decimal) -> Decimal:
    """A raw numeric (float or int on SQLite, Decimal on PostgreSQL) as the ``Dec`` column type
    with this scale would give it."""
    return Decimal(str(value)).quantize(quantum)


LiftSession = tuple[int, date, Decimal, Decimal, Decimal | None]
"""One logged session of one lift: (session record, date, best e1RM, top load, the highest
RPE at that load). The e1RM is Epley's, as :func:`e1rm_sql` gives it."""


@dataclass(frozen=True, slots=True)
class LiftSessions:
    """What the performance rules read: profile -> main lift -> sessions, oldest first (by
    date, then record); and the main lifts' names."""

    sessions: dict[int, dict[int, list[LiftSession]]]
    names: dict[int, str]


class PerformedRow(NamedTuple):
    """A stored set as the personal-record rules read it (a PerformedSet's fields)."""

    exercise_id: int
    weight_kg: Decimal | None
    reps: int | None
    set_type: SetType
    performed_at: datetime
    bodyweight: bool


PERFORMED_COLUMNS = (
    SetRecord.exercise_id,
    SetRecord.weight_kg,
    SetRecord.reps,
    SetRecord.set_type,
    SetRecord.performed_at,
    SetRecord.bodyweight,
)


def as_date(value: Any) -> date:
    """A raw date (text on SQLite, a date on PostgreSQL) as the ``Date`` column type gives it."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _lift_numbers(
    weight: Any, best: Any, rpe: Any, e1rm_step: Decimal
) -> tuple[Decimal, Decimal, Decimal | None]:
    """A lift row's raw numbers as the column types give them, the e1RM then rounded to
    ``e1rm_step``."""
    return (
        as_decimal(weight, KG),
        as_decimal(best, KG).quantize(e1rm_step),
        None if rpe is None else as_decimal(rpe, RPE_STEP),
    )


def _merged(
    session: LiftSession, weight: Decimal, best: Decimal, rpe: Decimal | None
) -> LiftSession:
    record_id, day, top_best, top, top_rpe = session
    if weight > top:
        top, top_rpe = weight, rpe
    elif weight == top and rpe is not None and (top_rpe is None or rpe > top_rpe):
        top_rpe = rpe
    return record_id, day, max(top_best, best), top, top_rpe


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


def _lift_rows(rows: Sequence[Any], found: LiftSessions, e1rm_step: Decimal) -> LiftSessions:
    """Fold :meth:`AlertRepository.lift_sessions`' ordered rows into ``found``."""
    # Hundreds of thousands of rows, a few hundred distinct (weight, e1RM, RPE) and dates:
    # each is converted once (a Date column's own conversion would cost more than all).
    days: dict[Any, date] = {}
    numbers: dict[tuple[Any, Any, Any], tuple[Decimal, Decimal, Decimal | None]] = {}
    sessions: list[LiftSession] = []
    last_profile = last_exercise = None
    for (
        profile_id,
        exercise_id,
        record_id,
        raw_day,
        raw_weight,
        raw_best,
        raw_rpe,
    ) in rows:
        if exercise_id != last_exercise or profile_id != last_profile:
            last_profile, last_exercise = profile_id, exercise_id
            sessions = found.sessions.setdefault(profile_id, {}).setdefault(exercise_id, [])
        key = (raw_weight, raw_best, raw_rpe)
        values = numbers.get(key)
        if values is None:
            values = numbers[key] = _lift_numbers(raw_weight, raw_best, raw_rpe, e1rm_step)
        weight, best, rpe = values
        if not sessions or sessions[-1][0] != record_id:
            day = days.get(raw_day)
            if day is None:
                day = days[raw_day] = as_date(raw_day)
            sessions.append((record_id, day, best, weight, rpe))
        else:  # another load in that session, or the same load in another of its records
            sessions[-1] = _merged(sessions[-1], weight, best, rpe)
    return found


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
        self,
        trainer_ids: Sequence[int],
        profile_ids: Sequence[int] | None = None,
        *,
        after_relationship: int = 0,
        limit: int | None = None,
    ) -> list[ActiveClient]:
        """The trainers' active clients as plain rows (no ORM objects: a batch has thousands).

        With a ``limit``, one page of them in relationship order, after ``after_relationship``.
        """
        statement = (
            select(
                Relationship.id,
                Relationship.trainer_user_id,
                Relationship.start_date,
                ClientProfile.id,
                ClientProfile.user_id,
                ClientProfile.goals,
                ClientProfile.current_weight_kg,
                PermissionSet.relationship_id,
                *PERMISSION_COLUMNS,
            )
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
        if limit is not None:
            statement = (
                statement.where(Relationship.id > after_relationship)
                .order_by(Relationship.id)
                .limit(limit)
            )
        rows = await (await self.session.connection()).execute(statement)
        return [
            ActiveClient(
                rel,
                trainer,
                start,
                profile,
                user,
                tuple(goals or ()),
                weight,
                None if has_row is None else tuple(map(bool, flags)),
            )
            for rel, trainer, start, profile, user, goals, weight, has_row, *flags in rows
        ]

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

    async def unlogged_planned(
        self, relationship_ids: Sequence[int], start: datetime, end: datetime
    ) -> list[tuple[int, int, str, datetime, int]]:
        """(relationship, session id, title, starts, minutes) of planned sessions in a time
        range that nothing was logged for: the only ones that can be missed.

        Most past sessions were logged, so leaving those out in SQL keeps the rows few.
        """
        if not relationship_ids:
            return []
        rows = await self.session.execute(
            select(
                CoachingSession.relationship_id,
                CoachingSession.id,
                CoachingSession.title,
                CoachingSession.scheduled_at,
                CoachingSession.duration_minutes,
            ).where(
                CoachingSession.relationship_id.in_(list(relationship_ids)),
                CoachingSession.scheduled_at >= start,
                CoachingSession.scheduled_at < end,
                session_status_in(PLANNED_STATUSES),
                CoachingSession.is_active.is_(True),
                not_(logged_sql()),
            )
        )
        return [(int(r), int(i), str(t), s, int(d)) for r, i, t, s, d in rows]

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

    async def lift_sessions(
        self, profile_ids: Sequence[int], since: date, e1rm_step: Decimal = KG
    ) -> LiftSessions:
        """Each profile's logged sessions of each main lift since a date, oldest first: per
        session its best e1RM (rounded to ``e1rm_step`` after the column's 0.001 kg), its top
        load and the highest RPE at that load.

        The sets are aggregated per exercise record and load in SQL, from ``set_records``
        alone through its progress index; only those rows (about one per session and lift)
        are joined to their session, and come back as plain rows (no ORM loading), ordered so
        that each lift's sessions arrive together and in order. The main lifts' names are a
        second, small statement.
        """
        if not profile_ids:
            return LiftSessions({}, {})
        main_lifts = await self.session.execute(
            select(Exercise.id, Exercise.name).where(Exercise.is_main_lift.is_(True))
        )
        found = LiftSessions({}, {int(i): str(n) for i, n in main_lifts})
        loads = (
            select(
                SetRecord.client_profile_id.label("profile_id"),
                SetRecord.exercise_id.label("exercise_id"),
                SetRecord.exercise_record_id.label("exercise_record_id"),
                SetRecord.weight_kg.label("weight"),
                func.max(e1rm_sql()).label("best"),
                func.max(SetRecord.rpe).label("rpe"),
            )
            .where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                # Main lifts and a time range on set_records itself, so the progress index
                # (profile, exercise, performed_at) answers the query.
                SetRecord.exercise_id.in_(
                    select(Exercise.id).where(Exercise.is_main_lift.is_(True)).scalar_subquery()
                ),
                SetRecord.performed_at >= datetime.combine(since, time(0), tzinfo=UTC),
                counted_lift(),
            )
            .group_by(
                SetRecord.client_profile_id,
                SetRecord.exercise_id,
                SetRecord.exercise_record_id,
                SetRecord.weight_kg,
            )
            .subquery("loads")
        )
        raw = NullType()  # numbers as the driver gives them; converted once per value below
        statement = (
            select(
                loads.c.profile_id,
                loads.c.exercise_id,
                ExerciseRecord.session_record_id,
                type_coerce(SessionRecord.session_date, raw),
                type_coerce(loads.c.weight, raw),
                type_coerce(loads.c.best, raw),
                type_coerce(loads.c.rpe, raw),
            )
            .join(ExerciseRecord, ExerciseRecord.id == loads.c.exercise_record_id)
            .join(SessionRecord, SessionRecord.id == ExerciseRecord.session_record_id)
            .where(
                SessionRecord.session_date >= since,
                SessionRecord.status.in_(DONE_RECORD_STATUSES),
            )
            .order_by(
                loads.c.profile_id,
                loads.c.exercise_id,
                SessionRecord.session_date,
                ExerciseRecord.session_record_id,
            )
        )
        result = await (await self.session.connection()).execute(statement)
        rows = result.all()
        if len(rows) > THREAD_ROWS:  # pure Python over many rows: off the event loop
            return await asyncio.to_thread(_lift_rows, rows, found, e1rm_step)
        return _lift_rows(rows, found, e1rm_step)

    async def record_sets(self, record_id: int) -> list[tuple[str, PerformedRow]]:
        """A session record's sets as plain rows, each with its exercise's name there."""
        rows = await self.session.execute(
            select(ExerciseRecord.exercise_name, *PERFORMED_COLUMNS)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id == record_id)
        )
        return [(str(row[0]), PerformedRow._make(row[1:])) for row in rows]

    async def history_sets(
        self, profile_ids: Sequence[int], exercise_ids: Sequence[int], before: datetime
    ) -> list[PerformedRow]:
        """Every set of these exercises by these profiles before a moment, as plain rows."""
        if not profile_ids or not exercise_ids:
            return []
        rows = await self.session.execute(
            select(*PERFORMED_COLUMNS).where(
                SetRecord.client_profile_id.in_(list(profile_ids)),
                SetRecord.exercise_id.in_(list(exercise_ids)),
                SetRecord.performed_at < before,
            )
        )
        return [PerformedRow._make(row) for row in rows]

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
        self,
        relationship_ids: Sequence[int],
        assignment_ids: Sequence[int] | None = None,
        *,
        last_logged_only: bool = False,
    ) -> list[tuple[int, int, int, datetime | None, datetime | None]]:
        """Open assignments: (assignment, relationship, sessions, last at, last logged at).

        ``last_logged_only`` keeps only those whose last planned session was logged (the ones
        that may be complete), leaving the many still under way out in SQL.
        """
        if not relationship_ids and not assignment_ids:
            return []
        logged = logged_sql()
        last_logged = func.max(case((logged, CoachingSession.scheduled_at), else_=None))
        statement = (
            select(
                ProgramAssignment.id,
                ProgramAssignment.relationship_id,
                func.count(CoachingSession.id),
                func.max(CoachingSession.scheduled_at),
                last_logged,
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
        if last_logged_only:
            statement = statement.having(last_logged >= func.max(CoachingSession.scheduled_at))
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
        chunk = KEYS_PER_QUERY
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
        """Insert alerts; an open alert with the same cause makes a row a no-op. New ids.

        One statement run for many parameter sets: SQLAlchemy compiles it once and sends the
        rows in pages of multi-row VALUES below the drivers' parameter limits (a first scan
        raises thousands of alerts per batch; compiling one VALUES clause with all of them
        cost more than the rest of the scan).
        """
        if not values:
            return []
        dialect = self.session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = (
            module.insert(ClientAlert.__table__)
            .on_conflict_do_nothing(
                index_elements=["trainer_user_id", "client_profile_id", "dedup_key"],
                index_where=text("NOT is_resolved"),
            )
            .returning(ClientAlert.__table__.c.id)
        )
        rows = await self.session.execute(statement, list(values))
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

    async def urgent_pending(
        self, since: datetime, limit: int
    ) -> list[
        tuple[int, int, str, AlertSeverity, AlertType, str, int, bool, dict[str, Any], Units]
    ]:
        """Open HIGH/CRITICAL alerts not yet told, oldest first, as plain rows: (alert, client
        profile, client name, severity, type, message, trainer chat, trainer reachable,
        details, trainer's units).

        Nothing is locked or marked: each is claimed on its own by :meth:`mark_notified`.
        """
        rows = await self.session.execute(
            select(
                ClientAlert.id,
                ClientAlert.client_profile_id,
                ClientProfile.name,
                ClientAlert.severity,
                ClientAlert.alert_type,
                ClientAlert.message,
                User.telegram_id,
                User.reachable,
                ClientAlert.details,
                User.units,
            )
            .join(ClientProfile, ClientProfile.id == ClientAlert.client_profile_id)
            .join(User, User.id == ClientAlert.trainer_user_id)
            .where(
                ClientAlert.is_resolved.is_(False),
                ClientAlert.notified_at.is_(None),
                ClientAlert.severity.in_((AlertSeverity.HIGH, AlertSeverity.CRITICAL)),
                ClientAlert.raised_at >= since,
                ClientAlert.alert_type != AlertType.INJURY_REPORTED,
            )
            .order_by(ClientAlert.id)
            .limit(limit)
        )
        return [
            (
                int(i),
                int(p),
                str(n),
                AlertSeverity(s),
                AlertType(t),
                str(m),
                int(c),
                bool(r),
                dict(d or {}),
                Units(u),
            )
            for i, p, n, s, t, m, c, r, d, u in rows
        ]

    async def mark_notified(self, alert_id: int, now: datetime) -> bool:
        """Mark one alert as told; False when it already was (another run or worker told it)."""
        result = await self.session.execute(
            update(ClientAlert)
            .where(ClientAlert.id == alert_id, ClientAlert.notified_at.is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def acknowledge(
        self,
        trainer_user_id: int,
        client_profile_id: int | None,
        up_to: int,
        now: datetime,
        notes: str,
    ) -> int:
        """Resolve the trainer's open alerts (one client's, or all) raised up to alert ``up_to``.

        Alerts raised after the button was shown (higher ids) stay open. Returns how many.
        """
        statement = update(ClientAlert).where(
            ClientAlert.trainer_user_id == trainer_user_id,
            ClientAlert.is_resolved.is_(False),
            ClientAlert.id <= up_to,
        )
        if client_profile_id is not None:
            statement = statement.where(ClientAlert.client_profile_id == client_profile_id)
        result = await self.session.execute(
            statement.values(
                is_resolved=True,
                resolved_by=trainer_user_id,
                resolved_at=now,
                resolution_notes=notes,
                updated_at=now,
            ).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def open_summary(
        self, trainer_user_id: int, limit: int = 1000
    ) -> list[tuple[int, str, AlertType, AlertSeverity, datetime, str, dict[str, Any]]]:
        """The trainer's open alerts as plain rows, newest first: (client profile, client
        name, type, severity, raised at, message, details). For the dashboard's ranking."""
        rows = await self.session.execute(
            select(
                ClientAlert.client_profile_id,
                ClientProfile.name,
                ClientAlert.alert_type,
                ClientAlert.severity,
                ClientAlert.raised_at,
                ClientAlert.message,
                ClientAlert.details,
            )
            .join(ClientProfile, ClientProfile.id == ClientAlert.client_profile_id)
            .where(
                ClientAlert.trainer_user_id == trainer_user_id,
                ClientAlert.is_resolved.is_(False),
            )
            .order_by(ClientAlert.raised_at.desc(), ClientAlert.id.desc())
            .limit(limit)
        )
        return [
            (int(p), str(n), AlertType(t), AlertSeverity(s), at, str(m), dict(d or {}))
            for p, n, t, s, at, m, d in rows
        ]
