"""Reads and writes for export, import and erasure. Nothing here commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coaching.domain.enums import RelationshipStatus, ReminderStatus
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    ConversationState,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    Invite,
    InviteAttempt,
    Measurement,
    MediaNote,
    PermissionSet,
    Program,
    ProgramAssignment,
    ProgramModification,
    ProgramSession,
    ProgressionAccess,
    ProgressPhoto,
    Relationship,
    Reminder,
    SessionRecord,
    SessionTemplate,
    SetRecord,
    TrainerProfile,
    TrainingFeedback,
    User,
    UserData,
)

LIVE_STATUSES = (RelationshipStatus.PENDING, RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED)
OPEN_REMINDERS = (ReminderStatus.PENDING, ReminderStatus.SENDING)

_RECORDS = cast(Table, SessionRecord.__table__)
_EXERCISES = cast(Table, ExerciseRecord.__table__)
_SETS = cast(Table, SetRecord.__table__)
# An import's rows are written with Core (no ORM objects), many rows per statement. New ids
# come back with the columns that tell the rows apart (asking for them in parameter order
# instead makes SQLite insert one row per statement).
_INSERT_RECORDS = insert(_RECORDS).returning(_RECORDS.c.id, _RECORDS.c.start_time, _RECORDS.c.title)
_INSERT_EXERCISES = insert(_EXERCISES).returning(
    _EXERCISES.c.id, _EXERCISES.c.session_record_id, _EXERCISES.c.order_index
)
_INSERT_SETS = insert(_SETS)


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows of one table as plain tuples, with the column keys in the table's order.

    Exports read long histories page by page as these: turning them into dicts, JSON or CSV is
    left to the caller, which does it off the event loop. They are immutable, so a worker
    thread may read them while the loop goes on.
    """

    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    # Where the next page starts: the sort key of the last row (``None`` on an empty page).
    after: tuple[Any, ...] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.keys, row, strict=True)) for row in self.values]


@dataclass(frozen=True, slots=True)
class RecordPage:
    """Finished session records with their exercises and sets, each as :class:`Rows`.

    Exercises come by record, then ``order_index``; sets by exercise, then ``set_index``.
    """

    records: Rows
    exercises: Rows
    sets: Rows


Key = tuple[Any, ...]


async def _rows(session: AsyncSession, statement: Select[Any], order: Sequence[Any] = ()) -> Rows:
    result = await session.execute(statement)
    keys = tuple(result.keys())
    values = tuple(tuple(row) for row in result)
    after = None
    if values and order:
        after = tuple(values[-1][keys.index(column.key)] for column in order)
    return Rows(keys, values, after)


def _beyond(order: Sequence[Any], after: Key) -> Any:
    """Rows sorted after ``after`` in the order ``order`` (lexicographic, all ascending)."""
    column, *rest = order
    value, *more = after
    if not rest:
        return column > value
    return or_(column > value, and_(column == value, _beyond(rest, tuple(more))))


class ExchangeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ people

    async def profiles_of(self, user_id: int) -> list[ClientProfile]:
        rows = await self.session.execute(
            select(ClientProfile).where(ClientProfile.user_id == user_id).order_by(ClientProfile.id)
        )
        return list(rows.scalars())

    async def users(self, user_ids: Sequence[int | None]) -> dict[int, User]:
        ids = sorted({i for i in user_ids if i is not None})
        if not ids:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(ids)))
        return {user.id: user for user in rows.scalars()}

    async def relationships_of(
        self, profile_ids: Sequence[int]
    ) -> list[tuple[Relationship, PermissionSet | None]]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(Relationship, PermissionSet)
            .outerjoin(PermissionSet, PermissionSet.relationship_id == Relationship.id)
            .where(Relationship.client_profile_id.in_(profile_ids))
            .order_by(Relationship.id)
        )
        return [(r, p) for r, p in rows.all()]

    async def trainer_clients(self, trainer_user_id: int) -> list[ClientProfile]:
        """The trainer's client profiles in a current (not ended) relationship, by name."""
        rows = await self.session.execute(
            select(ClientProfile)
            .where(
                ClientProfile.id.in_(
                    select(Relationship.client_profile_id).where(
                        Relationship.trainer_user_id == trainer_user_id,
                        Relationship.status.in_(LIVE_STATUSES),
                        Relationship.is_active.is_(True),
                    )
                ),
                ClientProfile.is_active.is_(True),
                ClientProfile.erased_at.is_(None),
            )
            .order_by(func.lower(ClientProfile.name), ClientProfile.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ what was done

    async def records(self, profile_ids: Sequence[int]) -> list[SessionRecord]:
        """Finished (not live) session records with exercises and sets, oldest first."""
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(SessionRecord)
            .where(
                SessionRecord.client_profile_id.in_(profile_ids), SessionRecord.is_live.is_(False)
            )
            .order_by(SessionRecord.start_time, SessionRecord.id)
            .options(selectinload(SessionRecord.exercises).selectinload(ExerciseRecord.sets))
        )
        return list(rows.scalars())

    async def record_page(
        self, profile_ids: Sequence[int], after: Key | None, limit: int
    ) -> RecordPage:
        """Up to ``limit`` finished records sorted after ``after``, oldest first.

        The same rows, in the same order, as :meth:`records`, read a page at a time: pass
        the previous page's ``records.after`` to get the next one.
        """
        empty = RecordPage(Rows((), ()), Rows((), ()), Rows((), ()))
        if not profile_ids:
            return empty
        order = (SessionRecord.start_time, SessionRecord.id)
        statement = select(SessionRecord.__table__).where(
            SessionRecord.client_profile_id.in_(profile_ids), SessionRecord.is_live.is_(False)
        )
        if after is not None:
            statement = statement.where(_beyond(order, after))
        records = await _rows(self.session, statement.order_by(*order).limit(limit), order)
        if not records:
            return empty
        position = records.keys.index("id")
        exercises = await _rows(
            self.session,
            select(ExerciseRecord.__table__)
            .where(ExerciseRecord.session_record_id.in_([r[position] for r in records.values]))
            .order_by(
                ExerciseRecord.session_record_id, ExerciseRecord.order_index, ExerciseRecord.id
            ),
        )
        sets = Rows(tuple(c.key for c in SetRecord.__table__.columns), ())
        if exercises:
            position = exercises.keys.index("id")
            sets = await _rows(
                self.session,
                select(SetRecord.__table__)
                .where(SetRecord.exercise_record_id.in_([e[position] for e in exercises.values]))
                .order_by(SetRecord.exercise_record_id, SetRecord.set_index, SetRecord.id),
            )
        return RecordPage(records, exercises, sets)

    async def appointment_rows(
        self, relationship_ids: Sequence[int], after: Key | None, limit: int
    ) -> Rows:
        """A page of :meth:`appointments`, as rows."""
        return await self._page(
            CoachingSession,
            CoachingSession.relationship_id.in_(relationship_ids),
            (CoachingSession.scheduled_at, CoachingSession.id),
            after,
            limit,
        )

    async def measurement_rows(
        self, profile_ids: Sequence[int], after: Key | None, limit: int
    ) -> Rows:
        """A page of :meth:`measurements`, as rows."""
        return await self._page(
            Measurement,
            Measurement.client_profile_id.in_(profile_ids),
            (Measurement.measured_on, Measurement.id),
            after,
            limit,
        )

    async def photo_rows(self, profile_ids: Sequence[int], after: Key | None, limit: int) -> Rows:
        """A page of :meth:`photos`, as rows."""
        return await self._page(
            ProgressPhoto,
            ProgressPhoto.client_profile_id.in_(profile_ids),
            (ProgressPhoto.taken_on, ProgressPhoto.id),
            after,
            limit,
        )

    async def feedback_rows(
        self, profile_ids: Sequence[int], after: Key | None, limit: int
    ) -> Rows:
        """A page of :meth:`feedback`, as rows."""
        return await self._page(
            TrainingFeedback,
            TrainingFeedback.client_profile_id.in_(profile_ids),
            (TrainingFeedback.id,),
            after,
            limit,
        )

    async def media_rows(self, profile_ids: Sequence[int], after: Key | None, limit: int) -> Rows:
        """A page of the media on these profiles' finished records (:meth:`media`), as rows."""
        finished = select(SessionRecord.id).where(
            SessionRecord.client_profile_id.in_(profile_ids), SessionRecord.is_live.is_(False)
        )
        return await self._page(
            MediaNote, MediaNote.session_record_id.in_(finished), (MediaNote.id,), after, limit
        )

    async def alert_rows(self, profile_ids: Sequence[int], after: Key | None, limit: int) -> Rows:
        """A page of :meth:`alerts`, as rows."""
        return await self._page(
            ClientAlert,
            ClientAlert.client_profile_id.in_(profile_ids),
            (ClientAlert.raised_at, ClientAlert.id),
            after,
            limit,
        )

    async def _page(
        self, model: Any, condition: Any, order: tuple[Any, ...], after: Key | None, limit: int
    ) -> Rows:
        """One page of a table's rows in a total order (the last key is the primary key),
        sorted after ``after``: rows added meanwhile neither repeat nor push others out."""
        statement = select(model.__table__).where(condition)
        if after is not None:
            statement = statement.where(_beyond(order, after))
        return await _rows(self.session, statement.order_by(*order).limit(limit), order)

    async def record_ids(self, profile_ids: Sequence[int]) -> list[int]:
        """Every session record on these profiles, live ones too."""
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(SessionRecord.id).where(SessionRecord.client_profile_id.in_(profile_ids))
        )
        return list(rows.scalars())

    async def existing_starts(self, profile_id: int) -> set[tuple[datetime, str]]:
        rows = await self.session.execute(
            select(SessionRecord.start_time, SessionRecord.title).where(
                SessionRecord.client_profile_id == profile_id
            )
        )
        return {(start, title) for start, title in rows.all()}

    async def appointments(self, relationship_ids: Sequence[int]) -> list[CoachingSession]:
        if not relationship_ids:
            return []
        rows = await self.session.execute(
            select(CoachingSession)
            .where(CoachingSession.relationship_id.in_(relationship_ids))
            .order_by(CoachingSession.scheduled_at, CoachingSession.id)
        )
        return list(rows.scalars())

    async def measurements(self, profile_ids: Sequence[int]) -> list[Measurement]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(Measurement)
            .where(Measurement.client_profile_id.in_(profile_ids))
            .order_by(Measurement.measured_on, Measurement.id)
        )
        return list(rows.scalars())

    async def photos(self, profile_ids: Sequence[int]) -> list[ProgressPhoto]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(ProgressPhoto)
            .where(ProgressPhoto.client_profile_id.in_(profile_ids))
            .order_by(ProgressPhoto.taken_on, ProgressPhoto.id)
        )
        return list(rows.scalars())

    async def feedback(self, profile_ids: Sequence[int]) -> list[TrainingFeedback]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(TrainingFeedback)
            .where(TrainingFeedback.client_profile_id.in_(profile_ids))
            .order_by(TrainingFeedback.id)
        )
        return list(rows.scalars())

    async def media(self, record_ids: Sequence[int]) -> list[MediaNote]:
        if not record_ids:
            return []
        rows = await self.session.execute(
            select(MediaNote)
            .where(MediaNote.session_record_id.in_(record_ids))
            .order_by(MediaNote.id)
        )
        return list(rows.scalars())

    async def alerts(self, profile_ids: Sequence[int]) -> list[ClientAlert]:
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(ClientAlert)
            .where(ClientAlert.client_profile_id.in_(profile_ids))
            .order_by(ClientAlert.raised_at, ClientAlert.id)
        )
        return list(rows.scalars())

    async def progression_access(self, relationship_ids: Sequence[int]) -> list[ProgressionAccess]:
        if not relationship_ids:
            return []
        rows = await self.session.execute(
            select(ProgressionAccess)
            .where(ProgressionAccess.relationship_id.in_(relationship_ids))
            .order_by(ProgressionAccess.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ imports

    def single_writer(self) -> bool:
        """Whether the database lets one transaction write at a time (SQLite), so a long
        series of writes should leave gaps for others."""
        return self.session.get_bind().dialect.name == "sqlite"

    async def starts_between(
        self, profile_id: int, first: datetime, last: datetime
    ) -> set[tuple[datetime, str]]:
        """(start, title) of the profile's session records that start in [first, last]."""
        rows = await self.session.execute(
            select(SessionRecord.start_time, SessionRecord.title).where(
                SessionRecord.client_profile_id == profile_id,
                SessionRecord.start_time >= first,
                SessionRecord.start_time <= last,
            )
        )
        return {(start, title) for start, title in rows.all()}

    async def batch_of_file(
        self, profile_id: int, logged_by_user_id: int, file_key: str
    ) -> str | None:
        """The batch an earlier import of the same file by this person into this profile left,
        if any of it is still stored (its records carry ``import_file`` in their metadata)."""
        first_ids = (
            select(func.min(SessionRecord.id))
            .where(
                SessionRecord.client_profile_id == profile_id,
                SessionRecord.logged_by_user_id == logged_by_user_id,
                SessionRecord.source == "import",
                SessionRecord.import_batch.is_not(None),
            )
            .group_by(SessionRecord.import_batch)
        )
        rows = await self.session.execute(
            select(SessionRecord.import_batch, SessionRecord.session_metadata)
            .where(SessionRecord.id.in_(first_ids))
            .order_by(SessionRecord.id.desc())
        )
        for batch, metadata in rows.all():
            if batch is not None and (metadata or {}).get("import_file") == file_key:
                return str(batch)
        return None

    async def insert_records(
        self, rows: Sequence[dict[str, Any]]
    ) -> dict[tuple[datetime, str], int]:
        """New session records (Core insert); their ids by (start time, title)."""
        if not rows:
            return {}
        result = await self.session.execute(_INSERT_RECORDS, list(rows))
        return {(start, title): int(i) for i, start, title in result.all()}

    async def insert_exercise_records(
        self, rows: Sequence[dict[str, Any]]
    ) -> dict[tuple[int, int], int]:
        """New exercise records (Core insert); their ids by (session record id, order)."""
        if not rows:
            return {}
        result = await self.session.execute(_INSERT_EXERCISES, list(rows))
        return {(int(record), int(order)): int(i) for i, record, order in result.all()}

    async def insert_set_records(self, rows: Sequence[dict[str, Any]]) -> None:
        """New set rows (Core insert; the column defaults apply)."""
        if rows:
            await self.session.execute(_INSERT_SETS, list(rows))

    async def batch_rows(self, batch: str) -> list[tuple[int, int, int | None]]:
        """(id, profile id, logged by) of each session record of an import batch, by id."""
        rows = await self.session.execute(
            select(
                SessionRecord.id, SessionRecord.client_profile_id, SessionRecord.logged_by_user_id
            )
            .where(SessionRecord.import_batch == batch, SessionRecord.source == "import")
            .order_by(SessionRecord.id)
        )
        return [(int(i), int(p), None if u is None else int(u)) for i, p, u in rows.all()]

    async def batch_set_count(self, record_ids: Sequence[int]) -> int:
        if not record_ids:
            return 0
        count = await self.session.execute(
            select(func.count(SetRecord.id))
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id.in_(record_ids))
        )
        return int(count.scalar_one())

    async def delete_records(self, record_ids: Sequence[int]) -> None:
        """Delete session records with everything under them, children first."""
        if not record_ids:
            return
        exercise_ids = select(ExerciseRecord.id).where(
            ExerciseRecord.session_record_id.in_(record_ids)
        )
        await self.session.execute(
            delete(SetRecord).where(SetRecord.exercise_record_id.in_(exercise_ids))
        )
        await self.session.execute(
            delete(ExerciseRecord).where(ExerciseRecord.session_record_id.in_(record_ids))
        )
        await self.session.execute(
            delete(MediaNote).where(MediaNote.session_record_id.in_(record_ids))
        )
        await self.session.execute(
            delete(TrainingFeedback).where(TrainingFeedback.session_record_id.in_(record_ids))
        )
        await self.session.execute(delete(SessionRecord).where(SessionRecord.id.in_(record_ids)))

    async def recent_batches(
        self, logged_by_user_id: int, limit: int = 5
    ) -> list[tuple[str, int, datetime, int]]:
        """(batch, profile id, when imported, number of sessions), newest first."""
        rows = await self.session.execute(
            select(
                SessionRecord.import_batch,
                func.min(SessionRecord.client_profile_id),
                func.max(SessionRecord.created_at),
                func.count(SessionRecord.id),
            )
            .where(
                SessionRecord.source == "import",
                SessionRecord.logged_by_user_id == logged_by_user_id,
                SessionRecord.import_batch.is_not(None),
            )
            .group_by(SessionRecord.import_batch)
            .order_by(func.max(SessionRecord.created_at).desc())
            .limit(limit)
        )
        return [(str(b), int(p), w, int(n)) for b, p, w, n in rows.all()]

    # ------------------------------------------------------------------ the library

    async def templates(self, trainer_user_id: int) -> list[SessionTemplate]:
        rows = await self.session.execute(
            select(SessionTemplate)
            .where(
                SessionTemplate.trainer_user_id == trainer_user_id,
                SessionTemplate.is_active.is_(True),
            )
            .order_by(SessionTemplate.id)
            .options(
                selectinload(SessionTemplate.exercises).selectinload(ExerciseTemplate.exercise)
            )
        )
        return list(rows.scalars())

    async def programs(self, trainer_user_id: int) -> list[Program]:
        rows = await self.session.execute(
            select(Program)
            .where(Program.trainer_user_id == trainer_user_id, Program.is_active.is_(True))
            .order_by(Program.id)
            .options(
                selectinload(Program.sessions)
                .selectinload(ProgramSession.exercises)
                .selectinload(ExerciseTemplate.exercise)
            )
        )
        return list(rows.scalars())

    async def template_page(
        self, trainer_user_id: int, after_id: int, limit: int
    ) -> list[SessionTemplate]:
        """Up to ``limit`` of :meth:`templates` with an id above ``after_id``."""
        rows = await self.session.execute(
            select(SessionTemplate)
            .where(
                SessionTemplate.trainer_user_id == trainer_user_id,
                SessionTemplate.is_active.is_(True),
                SessionTemplate.id > after_id,
            )
            .order_by(SessionTemplate.id)
            .limit(limit)
            .options(
                selectinload(SessionTemplate.exercises).selectinload(ExerciseTemplate.exercise)
            )
        )
        return list(rows.scalars())

    async def program_page(self, trainer_user_id: int, after_id: int, limit: int) -> list[Program]:
        """Up to ``limit`` of :meth:`programs` with an id above ``after_id``."""
        rows = await self.session.execute(
            select(Program)
            .where(
                Program.trainer_user_id == trainer_user_id,
                Program.is_active.is_(True),
                Program.id > after_id,
            )
            .order_by(Program.id)
            .limit(limit)
            .options(
                selectinload(Program.sessions)
                .selectinload(ProgramSession.exercises)
                .selectinload(ExerciseTemplate.exercise)
            )
        )
        return list(rows.scalars())

    async def template_names(self, template_ids: Sequence[int]) -> dict[int, str]:
        if not template_ids:
            return {}
        rows = await self.session.execute(
            select(SessionTemplate.id, SessionTemplate.name).where(
                SessionTemplate.id.in_(template_ids)
            )
        )
        return {int(i): str(n) for i, n in rows.all()}

    def add(self, row: Any) -> None:
        self.session.add(row)

    async def own_profile(self, user_id: int) -> ClientProfile | None:
        """The person's self profile (no trainer), if they have one."""
        rows = await self.session.execute(
            select(ClientProfile).where(
                ClientProfile.user_id == user_id, ClientProfile.trainer_user_id.is_(None)
            )
        )
        return rows.scalar_one_or_none()

    async def own_exercises(self, owner_user_id: int) -> list[Exercise]:
        """Every exercise this user owns, archived ones too."""
        rows = await self.session.execute(
            select(Exercise).where(Exercise.owner_user_id == owner_user_id).order_by(Exercise.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ erasure

    async def open_reminders(self, user_id: int, profile_ids: Sequence[int]) -> list[Reminder]:
        """Reminders not yet sent that go to this person or are about their profiles."""
        rows = await self.session.execute(
            select(Reminder).where(Reminder.status.in_(OPEN_REMINDERS))
        )
        wanted = set(profile_ids)
        return [
            row
            for row in rows.scalars()
            if row.user_id == user_id or (row.payload or {}).get("client_profile_id") in wanted
        ]

    async def reminders_of(self, user_id: int) -> list[Reminder]:
        rows = await self.session.execute(select(Reminder).where(Reminder.user_id == user_id))
        return list(rows.scalars())

    async def delete_profile_personal_rows(self, profile_ids: Sequence[int]) -> None:
        if not profile_ids:
            return
        await self.session.execute(
            delete(Measurement).where(Measurement.client_profile_id.in_(profile_ids))
        )
        await self.session.execute(
            delete(ProgressPhoto).where(ProgressPhoto.client_profile_id.in_(profile_ids))
        )
        await self.session.execute(delete(Invite).where(Invite.client_profile_id.in_(profile_ids)))

    async def delete_media(self, record_ids: Sequence[int], uploader_id: int) -> None:
        """Media on the client's sessions, and anything else the client uploaded."""
        condition = MediaNote.created_by == uploader_id
        if record_ids:
            condition = or_(condition, MediaNote.session_record_id.in_(record_ids))
        await self.session.execute(delete(MediaNote).where(condition))

    async def clear_feedback_text(self, profile_ids: Sequence[int]) -> None:
        if not profile_ids:
            return
        await self.session.execute(
            update(TrainingFeedback)
            .where(TrainingFeedback.client_profile_id.in_(profile_ids))
            .values(
                feedback_text=None,
                correction_notes=None,
                form_comments=None,
                progression_suggestions=None,
            )
        )

    async def delete_invites_by(self, user_id: int, telegram_id: int) -> None:
        await self.session.execute(
            update(Invite).where(Invite.used_by_user_id == user_id).values(used_by_user_id=None)
        )
        await self.session.execute(
            delete(InviteAttempt).where(InviteAttempt.telegram_id == telegram_id)
        )

    async def delete_persistence(self, telegram_id: int) -> None:
        """The person's ``user_data`` and every conversation state keyed by them."""
        await self.session.execute(delete(UserData).where(UserData.user_id == telegram_id))
        rows = await self.session.execute(
            select(ConversationState.name, ConversationState.key).where(
                ConversationState.key.contains(str(telegram_id))
            )
        )
        for name, key in rows.all():
            try:
                parts = json.loads(key)
            except ValueError:
                continue
            if isinstance(parts, list) and telegram_id in parts:
                await self.session.execute(
                    delete(ConversationState).where(
                        ConversationState.name == name, ConversationState.key == key
                    )
                )

    async def scrub_records(self, profile_ids: Sequence[int]) -> None:
        """Free text on the person's session records and their exercises."""
        if not profile_ids:
            return
        await self.session.execute(
            update(SessionRecord)
            .where(SessionRecord.client_profile_id.in_(profile_ids))
            .values(trainee_feedback={}, session_metadata={}, trainer_notes=None, location=None)
        )
        record_ids = select(SessionRecord.id).where(
            SessionRecord.client_profile_id.in_(profile_ids)
        )
        await self.session.execute(
            update(ExerciseRecord)
            .where(ExerciseRecord.session_record_id.in_(record_ids))
            .values(notes=None, modification_notes=None)
        )

    async def scrub_appointments(self, relationship_ids: Sequence[int]) -> None:
        """Free text, feedback and recordings on appointments and assignments."""
        if not relationship_ids:
            return
        await self.session.execute(
            update(CoachingSession)
            .where(CoachingSession.relationship_id.in_(relationship_ids))
            .values(
                client_feedback=None,
                trainer_notes=None,
                description=None,
                recording_file_id=None,
                outcomes=[],
                goals=[],
                status_reason=None,
            )
        )
        assignment_ids = select(ProgramAssignment.id).where(
            ProgramAssignment.relationship_id.in_(relationship_ids)
        )
        await self.session.execute(
            update(ProgramAssignment)
            .where(ProgramAssignment.relationship_id.in_(relationship_ids))
            .values(notes=None, goals=None, description=None)
        )
        await self.session.execute(
            update(ProgramModification)
            .where(ProgramModification.assignment_id.in_(assignment_ids))
            .values(reason="(erased)")
        )

    async def delete_alerts(self, profile_ids: Sequence[int]) -> None:
        if not profile_ids:
            return
        await self.session.execute(
            delete(ClientAlert).where(ClientAlert.client_profile_id.in_(profile_ids))
        )

    async def trainer_profile(self, user_id: int) -> TrainerProfile | None:
        rows = await self.session.execute(
            select(TrainerProfile).where(TrainerProfile.user_id == user_id)
        )
        return rows.scalar_one_or_none()

    async def live_relationships_as_trainer(self, user_id: int) -> int:
        count = await self.session.execute(
            select(func.count(Relationship.id)).where(
                Relationship.trainer_user_id == user_id,
                Relationship.status.in_(LIVE_STATUSES),
                Relationship.is_active.is_(True),
            )
        )
        return int(count.scalar_one())

    async def delete_trainer_profile(self, user_id: int) -> None:
        """The trainer profile (certificates, categories and tags go with it)."""
        await self.session.execute(delete(TrainerProfile).where(TrainerProfile.user_id == user_id))

    async def delete_profiles(self, profile_ids: Sequence[int]) -> None:
        if profile_ids:
            await self.session.execute(
                delete(ClientProfile).where(ClientProfile.id.in_(profile_ids))
            )
