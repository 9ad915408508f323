"""Live logging: session records, their exercises and sets, and what a session starts from.

Reads of the calendar (coaching_sessions), programs (program_sessions, exercise_templates) and
per-client swaps (program_modifications) that live logging needs are here too, so the hot path
uses a handful of indexed queries. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from coaching.domain.enums import RelationshipStatus, SessionStatus, Units
from coaching.domain.live import LiveSet
from coaching.domain.strength import PerformedSet
from storage.models import (
    ClientProfile,
    CoachingSession,
    ExerciseRecord,
    ExerciseTemplate,
    PermissionSet,
    ProgramAssignment,
    ProgramModification,
    Relationship,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.relationships import PERMISSION_COLUMNS

COMPARABLE_LOOKBACK = 50
"""Unplanned sessions searched for one with the same exercises, latest first."""

# Appointments that can still be logged today. A RESCHEDULED row is the old time of a session
# that was moved (a new SCHEDULED row holds the new time), so it is not offered.
OPEN_SESSION_STATUSES = (
    SessionStatus.SCHEDULED,
    SessionStatus.IN_PROGRESS,
)

# --------------------------------------------------------------------------- the hot path
# Logging a set reads the live session as plain rows (Core, no ORM objects), in one query.

_USERS = cast(Table, User.__table__)
_RECORDS = cast(Table, SessionRecord.__table__)
_PROFILES = cast(Table, ClientProfile.__table__)
_EXERCISES = cast(Table, ExerciseRecord.__table__)
_TEMPLATES = cast(Table, ExerciseTemplate.__table__)
_SETS = cast(Table, SetRecord.__table__)
_U, _R, _P, _E, _T, _S = (t.c for t in (_USERS, _RECORDS, _PROFILES, _EXERCISES, _TEMPLATES, _SETS))

_SET_COLUMNS = (
    _S.id,
    _S.exercise_record_id,
    _S.exercise_id,
    _S.set_index,
    _S.set_type,
    _S.weight_kg,
    _S.bodyweight,
    _S.reps,
    _S.rpe,
    _S.rir,
    _S.duration_s,
    _S.distance_m,
    _S.entered_unit,
    _S.performed_at,
    _S.source_key,
)
_TEMPLATE_COLUMNS = (
    _T.id,
    _T.exercise_id,
    _T.target_sets,
    _T.reps_min,
    _T.reps_max,
    _T.target_weight_kg,
    _T.bodyweight,
    _T.target_rpe,
    _T.target_rir,
    _T.rest_seconds,
    _T.duration_s,
    _T.distance_m,
)


@dataclass(frozen=True, slots=True)
class LiveTemplate:
    """The prescription of a planned exercise (the columns of ``exercise_templates``)."""

    id: int
    exercise_id: int
    target_sets: int
    reps_min: int | None
    reps_max: int | None
    target_weight_kg: Decimal | None
    bodyweight: bool
    target_rpe: Decimal | None
    target_rir: int | None
    rest_seconds: int | None
    duration_s: int | None
    distance_m: Decimal | None


@dataclass(frozen=True, slots=True)
class LiveExercise:
    """An exercise record of a live session with its template and its sets, in order."""

    id: int
    exercise_id: int
    exercise_name: str
    order_index: int
    skipped: bool
    completed: bool
    started_at: datetime | None
    template: LiveTemplate | None
    sets: tuple[LiveSet, ...]


@dataclass(frozen=True, slots=True)
class LiveRead:
    """The acting user, the session record, its client profile and its exercises.

    ``record_id`` is ``None`` when no such record exists.
    """

    user_id: int
    telegram_id: int
    units: Units
    timezone: str
    record_id: int | None
    client_profile_id: int
    is_live: bool
    title: str
    trainer_user_id: int | None
    metadata: dict[str, Any]
    profile_user_id: int | None
    profile_name: str
    exercises: tuple[LiveExercise, ...]
    relationship: tuple[Any, ...] = ()
    """The acting user's newest relationship as the profile's trainer: (id, status, the
    client's user id, the permission set's key, *``PERMISSION_COLUMNS``), all ``None`` when
    there is none."""


@dataclass(frozen=True, slots=True)
class ProfileScope:
    """Whose client profiles a read covers: the profile ``profile_id`` and the person
    ``person_user_id``'s profiles, all of them (``any_of_person``) or only their self profile
    (the one no trainer keeps). Either part may be ``None``."""

    profile_id: int | None
    person_user_id: int | None
    any_of_person: bool


_SET_FIELDS = tuple(column.key for column in _SET_COLUMNS)
"""The columns of a set that :class:`LiveSet` holds, each under its column's name."""


_NEW = tuple(name for name in _SET_FIELDS if name != "id")
"""What :meth:`LiveRepository.insert_sets` writes of a set (the database numbers it)."""


_TEMPLATE_FIELDS = tuple(column.key for column in _TEMPLATE_COLUMNS)


def _live_template(values: Sequence[Any]) -> LiveTemplate:
    return LiveTemplate(**dict(zip(_TEMPLATE_FIELDS, values, strict=True)))


def _live_set(row: Any, offset: int) -> LiveSet:
    values = row[offset : offset + len(_SET_COLUMNS)]
    return LiveSet(**dict(zip(_SET_FIELDS, values, strict=True)))


def live_set(row: SetRecord) -> LiveSet:
    """A set loaded as a model (with its session record, say) as live logging reads it."""
    return LiveSet(**{name: getattr(row, name) for name in _SET_FIELDS})


# The hot path's statements are built once; their values are bound per call.
_READ_HEAD = (_U.id, _U.telegram_id, _U.units, _U.timezone)
_READ_RECORD = (
    _R.id,
    _R.client_profile_id,
    _R.is_live,
    _R.title,
    _R.trainer_user_id,
    _R.session_metadata,
    _P.user_id,
    _P.name,
)
_READ_EXERCISE = (
    _E.id,
    _E.exercise_id,
    _E.exercise_name,
    _E.order_index,
    _E.skipped,
    _E.completed,
    _E.started_at,
)
_REL = cast(Table, Relationship.__table__).c
_NEWEST_RELATIONSHIP = (
    select(func.max(_REL.id))
    .where(
        _REL.trainer_user_id == _U.id,
        _REL.client_profile_id == _R.client_profile_id,
        _REL.is_active.is_(True),
    )
    .correlate(_USERS, _RECORDS)
    .scalar_subquery()
)
_READ_RELATIONSHIP = (
    _REL.id,
    _REL.status,
    _P.user_id,
    PermissionSet.relationship_id,
    *PERMISSION_COLUMNS,
)
_READ_LIVE = (
    select(
        *_READ_HEAD,
        *_READ_RECORD,
        *_READ_RELATIONSHIP,
        *_READ_EXERCISE,
        *_TEMPLATE_COLUMNS,
        *_SET_COLUMNS,
    )
    .select_from(_USERS)
    .outerjoin(_RECORDS, _R.id == bindparam("record_id"))
    .outerjoin(_PROFILES, _P.id == _R.client_profile_id)
    .outerjoin(Relationship, _REL.id == _NEWEST_RELATIONSHIP)
    .outerjoin(PermissionSet, PermissionSet.relationship_id == _REL.id)
    .outerjoin(_EXERCISES, _E.session_record_id == _R.id)
    .outerjoin(_TEMPLATES, _T.id == _E.exercise_template_id)
    .outerjoin(_SETS, _S.exercise_record_id == _E.id)
    .where(_U.telegram_id == bindparam("telegram_id"))
    .order_by(_E.order_index, _E.id, _S.set_index, _S.id)
)


def _last_sets_statement(in_profiles: ColumnElement[bool]) -> Select[Any]:
    """The sets of an exercise in the latest session of these profiles that had it, other
    than the one excluded (``exercise_id`` and ``exclude_record_id`` are bound per call)."""
    exercise_id = bindparam("exercise_id", type_=Integer)
    latest = (
        select(_S.exercise_record_id)
        .join(_EXERCISES, _E.id == _S.exercise_record_id)
        .where(
            in_profiles,
            _S.exercise_id == exercise_id,
            _E.session_record_id != bindparam("exclude_record_id"),
        )
        .order_by(_S.performed_at.desc(), _S.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(*_SET_COLUMNS)
        .where(_S.exercise_record_id == latest, _S.exercise_id == exercise_id)
        .order_by(_S.set_index, _S.id)
    )


_SCOPED_PROFILES = select(_P.id).where(
    or_(
        _P.id == bindparam("profile_id"),
        and_(
            _P.user_id == bindparam("person_user_id"),
            or_(bindparam("any_of_person", type_=Boolean), _P.trainer_user_id.is_(None)),
        ),
    )
)
_LAST_SETS_IN_SCOPE = _last_sets_statement(_S.client_profile_id.in_(_SCOPED_PROFILES))


class LiveRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ the hot path

    async def read_live(self, telegram_id: int, record_id: int) -> LiveRead | None:
        """One query: the user, the record, its profile, exercises, templates and sets.

        ``None`` when no user has this Telegram id.
        """
        rows = (
            await self.session.execute(
                _READ_LIVE, {"telegram_id": telegram_id, "record_id": record_id}
            )
        ).all()
        if not rows:
            return None
        first = rows[0]
        relationship_at = len(_READ_HEAD) + len(_READ_RECORD)
        exercise_at = relationship_at + len(_READ_RELATIONSHIP)
        template_at = exercise_at + len(_READ_EXERCISE)
        set_at = template_at + len(_TEMPLATE_COLUMNS)
        exercises: list[tuple[Any, ...]] = []
        templates: dict[int, LiveTemplate | None] = {}
        sets: dict[int, list[LiveSet]] = {}
        for row in rows:
            exercise_id = row[exercise_at]
            if exercise_id is None:
                continue
            if exercise_id not in sets:
                sets[exercise_id] = []
                exercises.append(tuple(row[exercise_at:template_at]))
                templates[exercise_id] = (
                    _live_template(row[template_at:set_at])
                    if row[template_at] is not None
                    else None
                )
            if row[set_at] is not None:
                sets[exercise_id].append(_live_set(row, set_at))
        user_id, user_telegram_id, units, timezone = first[: len(_READ_HEAD)]
        rid, profile_id, is_live, title, trainer_id, meta, profile_user, name = first[
            len(_READ_HEAD) : relationship_at
        ]
        return LiveRead(
            user_id=user_id,
            telegram_id=user_telegram_id,
            units=units,
            timezone=timezone,
            record_id=rid if rid is not None and name is not None else None,
            client_profile_id=profile_id or 0,
            is_live=bool(is_live),
            title=title or "",
            trainer_user_id=trainer_id,
            metadata=dict(meta or {}),
            profile_user_id=profile_user,
            profile_name=name or "",
            exercises=tuple(
                LiveExercise(
                    id=e_id,
                    exercise_id=exercise_id,
                    exercise_name=name,
                    order_index=order,
                    skipped=bool(skipped),
                    completed=bool(completed),
                    started_at=started,
                    template=templates[e_id],
                    sets=tuple(sets[e_id]),
                )
                for e_id, exercise_id, name, order, skipped, completed, started in exercises
            ),
            relationship=tuple(first[relationship_at:exercise_at]),
        )

    async def last_sets(
        self, profiles: Sequence[int] | ProfileScope, exercise_id: int, exclude_record_id: int
    ) -> list[LiveSet]:
        """One query: the sets of this exercise in the latest other session that had it.

        ``profiles`` is a list of profile ids, or a :class:`ProfileScope` that the same
        statement resolves (so the scope costs no query of its own).
        """
        if isinstance(profiles, ProfileScope):
            rows = await self.session.execute(
                _LAST_SETS_IN_SCOPE,
                {
                    "profile_id": profiles.profile_id,
                    "person_user_id": profiles.person_user_id,
                    "any_of_person": profiles.any_of_person,
                    "exercise_id": exercise_id,
                    "exclude_record_id": exclude_record_id,
                },
            )
            return [_live_set(row, 0) for row in rows]
        if not profiles:
            return []
        rows = await self.session.execute(
            _last_sets_statement(_S.client_profile_id.in_(profiles)),
            {"exercise_id": exercise_id, "exclude_record_id": exclude_record_id},
        )
        return [_live_set(row, 0) for row in rows]

    async def insert_sets(self, client_profile_id: int, sets: Sequence[LiveSet]) -> bool:
        """New sets of the client profile's session (Core insert; the column defaults apply).

        False, with nothing inserted, when a row's ``source_key`` is taken: the update's sets
        are stored already (by another session). The transaction must then be rolled back.
        """
        rows = [
            {"client_profile_id": client_profile_id, **{name: getattr(s, name) for name in _NEW}}
            for s in sets
        ]
        try:
            await self.session.execute(insert(_SETS), rows)
        except IntegrityError as error:
            if "source_key" not in str(error.orig):
                raise
            return False
        return True

    async def exercise_started(self, exercise_record_id: int, at: datetime) -> None:
        await self.session.execute(
            update(_EXERCISES)
            .where(_E.id == exercise_record_id, _E.started_at.is_(None))
            .values(started_at=at)
        )

    async def set_metadata(self, record_id: int, metadata: dict[str, Any]) -> None:
        await self.session.execute(
            update(_RECORDS).where(_R.id == record_id).values(session_metadata=metadata)
        )

    async def set_card(self, record_id: int, telegram_id: int, message_id: int) -> None:
        """Remember ``telegram_id``'s live card in the record's metadata, in one statement.

        Only ``messages.<telegram_id>`` changes (a JSON path update), so a turn that another
        chat commits meanwhile is not overwritten with an older copy of the metadata.
        """
        params = {"rid": record_id, "tid": str(telegram_id), "mid": message_id}
        if self.session.get_bind().dialect.name == "postgresql":
            statement = text(
                "UPDATE session_records SET session_metadata = jsonb_set("
                "coalesce(session_metadata::jsonb, '{}'::jsonb), '{messages}', "
                "coalesce(session_metadata::jsonb -> 'messages', '{}'::jsonb) || "
                "jsonb_build_object(CAST(:tid AS text), CAST(:mid AS integer)))::json "
                "WHERE id = :rid"
            )
        else:
            statement = text(
                "UPDATE session_records SET session_metadata = json_set("
                "coalesce(session_metadata, '{}'), '$.messages', json_set("
                "coalesce(json_extract(session_metadata, '$.messages'), '{}'), "
                "'$.\"' || :tid || '\"', :mid)) WHERE id = :rid"
            )
        await self.session.execute(statement, params)

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
        """Open appointments in [start, end), earliest first, in active relationships and in
        pending ones whose client has no account (the trainer coaches them on their own
        record)."""
        statement = (
            select(CoachingSession, Relationship, ClientProfile)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                CoachingSession.scheduled_at >= start,
                CoachingSession.scheduled_at < end,
                CoachingSession.status.in_(OPEN_SESSION_STATUSES),
                CoachingSession.is_active.is_(True),
                or_(
                    Relationship.status == RelationshipStatus.ACTIVE,
                    and_(
                        Relationship.status == RelationshipStatus.PENDING,
                        ClientProfile.user_id.is_(None),
                    ),
                ),
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
    ) -> tuple[datetime, list[LiveSet]] | None:
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
        return row[1], [live_set(found) for found in sets.scalars()]

    async def record_bests(
        self,
        profile_ids: Sequence[int],
        exercise_ids: Sequence[int],
        before: datetime,
        exclude_record_id: int,
    ) -> list[PerformedSet]:
        """What personal records are measured against: of the earlier sets of these exercises,
        the heaviest of each exercise, rep count, set type and kind of load.

        The records (:func:`coaching.domain.strength.detect_records`) read the heaviest weight,
        the heaviest at each rep count and the best e1RM, and pick their sets by type and kind
        of load: each is found among these sets as among every set. Grouped in the database, a
        client with years of history gives a few dozen rows here, not thousands of loaded sets
        (a finished session's summary read them all, holding the event loop 20 ms and more).
        """
        if not profile_ids or not exercise_ids:
            return []
        rows = await self.session.execute(
            select(
                SetRecord.exercise_id,
                func.max(SetRecord.weight_kg),
                SetRecord.reps,
                SetRecord.set_type,
                func.max(SetRecord.performed_at),
                SetRecord.bodyweight,
            )
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(
                SetRecord.client_profile_id.in_(profile_ids),
                SetRecord.exercise_id.in_(exercise_ids),
                SetRecord.performed_at < before,
                ExerciseRecord.session_record_id != exclude_record_id,
                SetRecord.weight_kg.is_not(None),
                SetRecord.reps.is_not(None),
            )
            .group_by(
                SetRecord.exercise_id, SetRecord.reps, SetRecord.set_type, SetRecord.bodyweight
            )
        )
        return [PerformedSet(*row) for row in rows]

    async def previous_record(
        self,
        profile_ids: Sequence[int],
        *,
        program_session_id: int | None,
        exercise_ids: Sequence[int],
        before: datetime,
        exclude_record_id: int,
    ) -> SessionRecord | None:
        """The latest completed session comparable with this one, or ``None``.

        Comparable means the same planned session (program session) when there is one, else an
        unplanned session in which exactly the same exercises were done. A shared title alone
        ("Unplanned session") says nothing. Unplanned candidates are looked for among the
        latest :data:`COMPARABLE_LOOKBACK` (two queries).
        """
        if not profile_ids:
            return None
        earlier = select(SessionRecord).where(
            SessionRecord.client_profile_id.in_(profile_ids),
            SessionRecord.completed.is_(True),
            SessionRecord.id != exclude_record_id,
            SessionRecord.start_time < before,
        )
        latest = (SessionRecord.start_time.desc(), SessionRecord.id.desc())
        if program_session_id is not None:
            planned = earlier.where(SessionRecord.program_session_id == program_session_id)
            found = await self.session.execute(planned.order_by(*latest).limit(1))
            return found.scalar_one_or_none()
        unplanned = earlier.where(SessionRecord.program_session_id.is_(None))
        rows = await self.session.execute(unplanned.order_by(*latest).limit(COMPARABLE_LOOKBACK))
        candidates = list(rows.scalars())
        if not candidates or not exercise_ids:
            return None
        done = await self.session.execute(
            select(ExerciseRecord.session_record_id, SetRecord.exercise_id)
            .join(SetRecord, SetRecord.exercise_record_id == ExerciseRecord.id)
            .where(ExerciseRecord.session_record_id.in_([c.id for c in candidates]))
            .distinct()
        )
        by_record: dict[int, set[int]] = {}
        for record_id, exercise_id in done:
            by_record.setdefault(record_id, set()).add(exercise_id)
        wanted = set(exercise_ids)
        return next((c for c in candidates if by_record.get(c.id) == wanted), None)

    async def sets_of_record(self, record_id: int) -> list[LiveSet]:
        rows = await self.session.execute(
            select(SetRecord)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id == record_id)
            .order_by(SetRecord.performed_at, SetRecord.id)
        )
        return [live_set(found) for found in rows.scalars()]
