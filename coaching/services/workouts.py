"""Single workouts, and one day's workout changed for one client.

How they are stored. A single workout is an ordinary planned session: it gets a private
program (``Program.is_one_off``, stored inactive so that no program list offers it) holding one
program session with the exercises, a program assignment for the client, and one coaching
session pointing at both. These are exactly the rows that assigning a program makes, so /today,
/plan, the .ics file, reminders and their buttons, live logging against the targets, adherence,
missed-workout alerts, exports and erasure treat a single workout as any program session, with
no code of their own. The assignment also lets /assign move or cancel it, named as a workout;
its exercises change through the day edit below.

Editing one day. The first change to one day of a program copies that day's exercises (with the
client's swaps applied) into a private program session for that day alone and points the day at
it. The program and the client's other days stay as they were. A single workout's own session is
edited in place. Every change is stored as a :class:`~storage.models.WorkoutChange` and shown to
the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coaching.domain.catalogue import check_target_fits
from coaching.domain.enums import AssignmentStatus, Permission, SessionStatus, SessionType, Units
from coaching.domain.prescription import Prescription, PrescriptionError, parse_template_text
from coaching.domain.schedule import TrainingDay, load_zone
from coaching.domain.training_times import dump_training_days
from coaching.domain.when import WhenError, parse_when
from coaching.domain.workouts import ChangeKind, change_line, clean_reason, split_title
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.access import Access, check_access
from coaching.services.base import Service, ServiceContext
from coaching.services.exercises import acting_trainer, match_name
from coaching.services.plan import format_target, planned_exercises, prescription_of
from coaching.services.reminders import reminders_for_session_changed
from coaching.services.templates import MAX_EXERCISES, apply_prescription, copy_row
from storage.models import (
    NAME_MAX,
    CoachingSession,
    Exercise,
    ExerciseTemplate,
    Program,
    ProgramAssignment,
    ProgramSession,
    User,
    WorkoutChange,
)
from storage.uow import UnitOfWork

DEFAULT_TITLE = "Workout"
DEFAULT_DURATION = 60
TEMPLATE_CHOICES = 8
DAY_CHOICES = 8
TARGETS_EXAMPLE = "3x5 @100kg rest 180"
LINE_EXAMPLE = "Leg press 3x10 @120kg"
NOT_YOUR_TEMPLATE = "I can't find that template among yours."
NOT_YOUR_DAY = "I can't find that workout among your clients' upcoming ones."
ROW_GONE = "That exercise is no longer in this workout. Pick one from the list."


# --- errors -----------------------------------------------------------------------------------


class UnclearExercise(InvalidInput):
    """A typed line names no exercise clearly; carries the line and the likely candidates."""

    def __init__(self, line_no: int, name: str, candidates: Sequence[str]) -> None:
        self.line_no = line_no
        self.name = name
        self.candidates = tuple(candidates)
        hint = (
            "Did you mean " + ", ".join(f"“{c}”" for c in self.candidates) + "? "
            if self.candidates
            else "Add it in /exercises first, or "
        )
        super().__init__(
            f"Line {line_no}: I don't know which exercise “{name[:60]}” is. "
            f"{hint}Write its full name.",
            example="Barbell Back Squat 3x5 @100kg",
        )


class DayNotEditable(Conflict):
    """The day's workout has started, is done or was cancelled; carries its status."""

    def __init__(self, status: SessionStatus) -> None:
        self.status = status
        super().__init__(
            f"That workout is {status.value.lower().replace('_', ' ')}, so it can't be changed."
        )


class WorkoutTimePassed(InvalidInput):
    """The chosen start is no longer in the future."""

    def __init__(self) -> None:
        super().__init__("That time has passed by now. Pick a later one.", example="tomorrow 7am")


# --- values -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkoutSource:
    """Where a single workout's exercises come from: a template, or lines typed in one message
    (an optional first line without digits names the workout)."""

    template_id: int | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class WorkoutDraft:
    client_profile_id: int
    source: WorkoutSource
    starts_at: datetime
    """Aware, UTC."""


@dataclass(frozen=True, slots=True)
class TemplateChoice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class WorkoutClient:
    profile_id: int
    name: str
    timezone: str
    templates: tuple[TemplateChoice, ...]
    more_templates: int


@dataclass(frozen=True, slots=True)
class WorkoutPreview:
    client_name: str
    title: str
    client_time: datetime
    trainer_time: datetime
    client_timezone: str
    lines: tuple[str, ...]
    """One line per exercise: name and targets, in the trainer's unit."""


@dataclass(frozen=True, slots=True)
class WorkoutAssigned:
    coaching_session_id: int
    preview: WorkoutPreview
    trainer_name: str
    client_telegram_id: int | None


@dataclass(frozen=True, slots=True)
class DayChoice:
    session_id: int
    title: str
    starts_at: datetime
    """In the trainer's time zone."""


@dataclass(frozen=True, slots=True)
class DayExercise:
    row_id: int
    name: str
    target: str


@dataclass(frozen=True, slots=True)
class DayView:
    session_id: int
    title: str
    client_name: str
    starts_at: datetime
    """In the trainer's time zone."""
    exercises: tuple[DayExercise, ...]
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayChanged:
    view: DayView
    summary: str
    reason: str | None
    trainer_name: str
    client_telegram_id: int | None
    client_time: datetime
    """The day's start in the client's time zone."""


@dataclass(slots=True)
class _Built:
    title: str
    duration: int
    rows: list[ExerciseTemplate]


@dataclass(slots=True)
class _Editable:
    trainer: User
    coaching: CoachingSession
    access: Access


# --- the service ------------------------------------------------------------------------------


class WorkoutService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- assigning -----------------------------------------------------------------------------

    async def client(self, telegram_id: int, client_profile_id: int) -> WorkoutClient:
        """The client to give a workout to (they must allow single workouts), and the trainer's
        first templates to build it from."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            await check_access(uow, trainer.id, client_profile_id, Permission.ASSIGN_WORKOUTS)
            profile, account = await uow.assignments.client_account(client_profile_id)
            rows, total = await uow.templates.page_for(trainer.id, offset=0, limit=TEMPLATE_CHOICES)
            return WorkoutClient(
                profile_id=profile.id,
                name=profile.name,
                timezone=account.timezone if account is not None else trainer.timezone,
                templates=tuple(TemplateChoice(t.id, t.name) for t in rows),
                more_templates=max(0, total - len(rows)),
            )

    async def source(self, telegram_id: int, source: WorkoutSource) -> str:
        """Check a template or typed lines without storing anything; the workout's name."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            built = await _build(uow, trainer, source)
            return built.title

    async def when(self, telegram_id: int, client_profile_id: int, text: str) -> datetime:
        """A start typed by the trainer, read in the client's time zone (aware UTC)."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            await check_access(uow, trainer.id, client_profile_id)
            _profile, account = await uow.assignments.client_account(client_profile_id)
            tz = account.timezone if account is not None else trainer.timezone
        try:
            return parse_when(text[:100], now=self.ctx.clock.now(), tz=tz)
        except WhenError as error:
            raise InvalidInput(str(error), example="thu 18:00") from error

    async def preview(self, telegram_id: int, draft: WorkoutDraft) -> WorkoutPreview:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            await check_access(uow, trainer.id, draft.client_profile_id, Permission.ASSIGN_WORKOUTS)
            built = await _build(uow, trainer, draft.source)
            return await _preview(uow, trainer, draft, built)

    async def assign(self, telegram_id: int, draft: WorkoutDraft) -> WorkoutAssigned:
        """Store the workout as a planned session of the client, with its reminders."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            access = await check_access(
                uow, trainer.id, draft.client_profile_id, Permission.ASSIGN_WORKOUTS
            )
            now = self.ctx.clock.now()
            if draft.starts_at <= now:
                raise WorkoutTimePassed()
            built = await _build(uow, trainer, draft.source)
            preview = await _preview(uow, trainer, draft, built)
            local = preview.client_time
            repo = uow.workouts
            program_session = await _private_session(uow, trainer, built.title, now)
            program_session.estimated_duration = built.duration
            await uow.flush()
            for index, row in enumerate(built.rows):
                row.program_session_id = program_session.id
                row.order_index = index
                repo.add(row)
            assignment = ProgramAssignment(
                relationship_id=access.relationship_id,
                program_id=program_session.program_id,
                name=built.title,
                assigned_by=trainer.id,
                assigned_at=now,
                start_date=local.date(),
                end_date=local.date(),
                training_days=dump_training_days(
                    [TrainingDay(local.weekday(), local.time().replace(tzinfo=None))]
                ),
                status=AssignmentStatus.ASSIGNED,
                created_by=trainer.id,
            )
            repo.add(assignment)
            await uow.flush()
            coaching = CoachingSession(
                relationship_id=access.relationship_id,
                assignment_id=assignment.id,
                program_session_id=program_session.id,
                title=built.title,
                scheduled_at=draft.starts_at,
                duration_minutes=built.duration,
                session_type=SessionType.TRAINING,
                status=SessionStatus.SCHEDULED,
                created_by=trainer.id,
            )
            repo.add(coaching)
            await uow.flush()
            await reminders_for_session_changed(uow, coaching.id, now)
            await uow.commit()
            client = await uow.users.get(access.client_user_id) if access.client_user_id else None
            return WorkoutAssigned(
                coaching_session_id=coaching.id,
                preview=preview,
                trainer_name=trainer.display_name,
                client_telegram_id=client.telegram_id if client is not None else None,
            )

    # --- one day's workout ---------------------------------------------------------------------

    async def days(
        self, telegram_id: int, client_profile_id: int
    ) -> tuple[str, tuple[DayChoice, ...]]:
        """The client's next workouts that the trainer may change (name, choices)."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            access = await check_access(
                uow, trainer.id, client_profile_id, Permission.MODIFY_WORKOUTS
            )
            profile, _account = await uow.assignments.client_account(client_profile_id)
            rows = await uow.workouts.upcoming(
                access.relationship_id, self.ctx.clock.now(), limit=DAY_CHOICES
            )
            zone = load_zone(trainer.timezone)
            return profile.name, tuple(
                DayChoice(r.id, r.title, r.scheduled_at.astimezone(zone)) for r in rows
            )

    async def day(self, telegram_id: int, coaching_session_id: int) -> DayView:
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            return await _day_view(uow, found)

    async def set_targets(
        self,
        telegram_id: int,
        coaching_session_id: int,
        row_id: int,
        text: str,
        *,
        reason: str | None = None,
    ) -> DayChanged:
        """New targets for one exercise of this day only, typed like ``3x5 @100kg``."""
        line = " ".join(text.split())[:200]
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            row, name = await self._row_of(uow, found, row_id)
            try:
                parsed = parse_template_text(f"{name} {line}", default_unit=found.trainer.units)
            except PrescriptionError as error:
                raise InvalidInput(
                    f"I couldn't read that: {error.message}.", example=TARGETS_EXAMPLE
                ) from None
            if len(parsed) != 1:
                raise InvalidInput("Send the targets on one line.", example=TARGETS_EXAMPLE)
            _check_fits(row.exercise, parsed[0], 1, line)
            unit = found.trainer.units
            before = format_target(prescription_of(row, name), unit)
            apply_prescription(row, parsed[0])
            if parsed[0].notes:
                row.instructions = parsed[0].notes[:500]
            after = format_target(prescription_of(row, name), unit)
            change = _change(found, ChangeKind.TARGETS, row.exercise_id, None)
            change.summary = f"{name}: {before} → {after}"[:500]
            await self._record(uow, found, change, reason)
        return await self._changed(telegram_id, coaching_session_id, change)

    async def swap(
        self,
        telegram_id: int,
        coaching_session_id: int,
        row_id: int,
        exercise_id: int,
        *,
        reason: str | None = None,
    ) -> DayChanged:
        """Put another exercise in this row, for this day only; the targets stay."""
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            replacement = await uow.exercises.get_visible(exercise_id, found.trainer.id)
            if replacement is None:
                raise NotFound("I can't find that exercise in your catalogue.")
            row, name = await self._row_of(uow, found, row_id)
            if replacement.id == row.exercise_id:
                raise InvalidInput(
                    f"That is {name} already. Pick a different exercise.", example="leg press"
                )
            change = _change(found, ChangeKind.SWAP, row.exercise_id, replacement.id)
            change.summary = f"{name} → {replacement.name}"[:500]
            row.exercise_id = replacement.id
            row.exercise = replacement
            await self._record(uow, found, change, reason)
        return await self._changed(telegram_id, coaching_session_id, change)

    async def remove(
        self, telegram_id: int, coaching_session_id: int, row_id: int, *, reason: str | None = None
    ) -> DayChanged:
        """Take one exercise out of this day only (at least one stays)."""
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            row, name = await self._row_of(uow, found, row_id)
            rows = await uow.exercise_rows.for_program_session(row.program_session_id or 0)
            if len(rows) <= 1:
                raise Conflict(
                    f"{name} is the only exercise left. Add another one first, or cancel the "
                    "workout in /assign."
                )
            await uow.exercise_rows.delete(row)
            for index, other in enumerate(r for r in rows if r is not row):
                other.order_index = index
            change = _change(found, ChangeKind.REMOVE, row.exercise_id, None)
            change.summary = f"{name} removed"[:500]
            await self._record(uow, found, change, reason)
        return await self._changed(telegram_id, coaching_session_id, change)

    async def add(
        self, telegram_id: int, coaching_session_id: int, text: str, *, reason: str | None = None
    ) -> DayChanged:
        """Add one exercise typed as a line (``Leg press 3x10 @120kg``) to this day only."""
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            visible = await uow.exercises.visible_to(found.trainer.id)
            items = _resolve_lines(" ".join(text.split())[:300], visible, found.trainer.units)
            if len(items) != 1:
                raise InvalidInput("Add one exercise at a time, on one line.", example=LINE_EXAMPLE)
            program_session_id, _copied = await self._own_copy(uow, found)
            rows = await uow.exercise_rows.for_program_session(program_session_id)
            if len(rows) >= MAX_EXERCISES:
                raise Conflict(f"A workout holds at most {MAX_EXERCISES} exercises.")
            exercise, row = items[0]
            row.program_session_id = program_session_id
            row.order_index = len(rows)
            uow.workouts.add(row)
            target = format_target(prescription_of(row, exercise.name), found.trainer.units)
            change = _change(found, ChangeKind.ADD, exercise.id, None)
            change.summary = f"{exercise.name} added: {target}"[:500]
            await self._record(uow, found, change, reason)
        return await self._changed(telegram_id, coaching_session_id, change)

    # --- internals -----------------------------------------------------------------------------

    async def _editable(
        self, uow: UnitOfWork, telegram_id: int, coaching_session_id: int
    ) -> _Editable:
        """The trainer's client's planned day, if the client lets them change workouts and the
        day has not started; missing and not-yours read the same."""
        trainer = await acting_trainer(uow, telegram_id)
        found = await uow.workouts.planned(coaching_session_id)
        if found is None or found[1].trainer_user_id != trainer.id:
            raise NotFound(NOT_YOUR_DAY)
        coaching, relationship = found
        try:
            access = await check_access(
                uow, trainer.id, relationship.client_profile_id, Permission.MODIFY_WORKOUTS
            )
        except NotFound as error:
            raise NotFound(NOT_YOUR_DAY) from error
        if coaching.status is not SessionStatus.SCHEDULED:
            raise DayNotEditable(coaching.status)
        return _Editable(trainer, coaching, access)

    async def _own_copy(self, uow: UnitOfWork, found: _Editable) -> tuple[int, dict[int, int]]:
        """The day's own program session, and how row ids moved if it was copied just now.

        A single workout's session is its own. A program's day is first copied, with the
        client's swaps applied, into a private session that only this day points at.
        """
        repo = uow.workouts
        coaching = found.coaching
        assert coaching.program_session_id is not None
        loaded = await repo.program_session(coaching.program_session_id)
        if loaded is None:
            raise NotFound(NOT_YOUR_DAY)
        program_session, program = loaded
        if program.is_one_off:
            return program_session.id, {}
        effective = {
            e.exercise_template_id: e.exercise_id for e in await planned_exercises(uow, coaching.id)
        }
        copy = await _private_session(
            uow, found.trainer, program_session.name, self.ctx.clock.now()
        )
        copy.description = program_session.description
        copy.focus_area = program_session.focus_area
        copy.session_type = program_session.session_type
        copy.estimated_duration = program_session.estimated_duration
        copy.warmup = list(program_session.warmup)
        copy.cooldown = list(program_session.cooldown)
        await uow.flush()
        catalogue = await uow.calendar.exercises_by_id(list(effective.values()))
        copies: dict[int, ExerciseTemplate] = {}
        for row in program_session.exercises:
            new = copy_row(row, program_session_id=copy.id)
            new.exercise_id = effective.get(row.id, row.exercise_id)
            new.exercise = catalogue.get(new.exercise_id, row.exercise)
            repo.add(new)
            copies[row.id] = new
        await uow.flush()
        coaching.program_session_id = copy.id
        return copy.id, {old: new.id for old, new in copies.items()}

    async def _row_of(
        self, uow: UnitOfWork, found: _Editable, row_id: int
    ) -> tuple[ExerciseTemplate, str]:
        """The day's own row for ``row_id`` (a row of the day as last shown) and the name the
        client sees for it; the day is copied first when it is a program's."""
        names = {
            e.exercise_template_id: e.name for e in await planned_exercises(uow, found.coaching.id)
        }
        if row_id not in names:
            raise NotFound(ROW_GONE)
        program_session_id, copied = await self._own_copy(uow, found)
        own_id = copied.get(row_id, row_id)
        rows = await uow.exercise_rows.for_program_session(program_session_id)
        row = next((r for r in rows if r.id == own_id), None)
        if row is None:
            raise NotFound(ROW_GONE)
        return row, names[row_id]

    async def _record(
        self, uow: UnitOfWork, found: _Editable, change: WorkoutChange, reason: str | None
    ) -> None:
        change.reason = clean_reason(reason) if reason is not None else None
        change.modified_at = self.ctx.clock.now()
        uow.workouts.add(change)
        await uow.commit()

    async def _changed(
        self, telegram_id: int, coaching_session_id: int, change: WorkoutChange
    ) -> DayChanged:
        """The day as it is now, and whom to tell about the change."""
        async with self.ctx.uow() as uow:
            found = await self._editable(uow, telegram_id, coaching_session_id)
            view = await _day_view(uow, found)
            client = (
                await uow.users.get(found.access.client_user_id)
                if found.access.client_user_id
                else None
            )
            tz = client.timezone if client is not None else found.trainer.timezone
            return DayChanged(
                view=view,
                summary=change.summary,
                reason=change.reason,
                trainer_name=found.trainer.display_name,
                client_telegram_id=client.telegram_id if client is not None else None,
                client_time=found.coaching.scheduled_at.astimezone(load_zone(tz)),
            )


def _change(
    found: _Editable, kind: ChangeKind, exercise_id: int | None, replacement_id: int | None
) -> WorkoutChange:
    return WorkoutChange(
        coaching_session_id=found.coaching.id,
        kind=kind.value,
        exercise_id=exercise_id,
        replacement_exercise_id=replacement_id,
        summary="",
        modified_by=found.trainer.id,
    )


# --- helpers ----------------------------------------------------------------------------------


async def _private_session(
    uow: UnitOfWork, trainer: User, title: str, now: datetime
) -> ProgramSession:
    """A program session of a private one-off program (hidden from every program list)."""
    program = Program(
        trainer_user_id=trainer.id,
        name=title[:NAME_MAX],
        duration_weeks=1,
        is_one_off=True,
        is_active=False,
        created_by=trainer.id,
    )
    uow.workouts.add(program)
    await uow.flush()
    program_session = ProgramSession(
        program_id=program.id,
        trainer_user_id=trainer.id,
        name=title[:NAME_MAX],
        session_type=SessionType.TRAINING,
        week_number=1,
        session_number=1,
        created_by=trainer.id,
    )
    program_session.created_at = now
    uow.workouts.add(program_session)
    return program_session


async def _build(uow: UnitOfWork, trainer: User, source: WorkoutSource) -> _Built:
    """The workout's name, length and exercise rows (not yet stored), checked."""
    if source.template_id is not None:
        template = await uow.templates.get_owned(source.template_id, trainer.id)
        if template is None:
            raise NotFound(NOT_YOUR_TEMPLATE)
        rows = await uow.exercise_rows.for_template(template.id)
        if not rows:
            raise InvalidInput(
                f"“{template.name}” has no exercises yet. Add some in /templates, or type the "
                "workout instead.",
                example="Back squat 3x5 @100kg",
            )
        copies = []
        for row in rows:
            new = copy_row(row)
            new.exercise = row.exercise
            copies.append(new)
        return _Built(template.name, template.duration_minutes or DEFAULT_DURATION, copies)
    title, body = split_title(source.text or "")
    visible = await uow.exercises.visible_to(trainer.id)
    items = _resolve_lines(body, visible, trainer.units)
    return _Built(title or DEFAULT_TITLE, DEFAULT_DURATION, [row for _e, row in items])


def _resolve_lines(
    text: str, visible: Sequence[Exercise], unit: Units
) -> list[tuple[Exercise, ExerciseTemplate]]:
    """Lines in the template notation, each resolved to one exercise, as unsaved rows."""
    if not text.strip():
        raise InvalidInput(
            "Type one exercise a line, with sets and targets.", example="Back squat 3x5 @100kg"
        )
    try:
        prescriptions = parse_template_text(text, default_unit=unit)
    except PrescriptionError as error:
        raise InvalidInput(str(error)) from None
    if len(prescriptions) > MAX_EXERCISES:
        raise InvalidInput(
            f"That is {len(prescriptions)} exercises; a workout holds at most {MAX_EXERCISES}.",
            example="Back squat 3x5 @100kg",
        )
    by_id = {e.id: e for e in visible}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    result: list[tuple[Exercise, ExerciseTemplate]] = []
    for index, p in enumerate(prescriptions):
        match = match_name(visible, p.exercise_text)
        if match.exercise is None:
            raise UnclearExercise(
                index + 1, p.exercise_text, [c.name for c in match.candidates[:3]]
            )
        exercise = by_id[match.exercise.id]
        _check_fits(exercise, p, index + 1, lines[index] if index < len(lines) else "")
        row = ExerciseTemplate(
            exercise_id=exercise.id,
            order_index=index,
            instructions=p.notes[:500] if p.notes else None,
        )
        apply_prescription(row, p)
        row.exercise = exercise
        result.append((exercise, row))
    return result


def _check_fits(exercise: Exercise, p: Prescription, line_no: int, line: str) -> None:
    try:
        check_target_fits(
            exercise.name,
            exercise.measure,
            reps=p.reps_min is not None,
            loaded=p.weight_kg is not None or p.percent_e1rm is not None,
        )
    except InvalidInput as error:
        raise InvalidInput(
            f"Line {line_no} (“{line[:80]}”): {error.message}", example=error.example
        ) from None


async def _preview(
    uow: UnitOfWork, trainer: User, draft: WorkoutDraft, built: _Built
) -> WorkoutPreview:
    profile, account = await uow.assignments.client_account(draft.client_profile_id)
    tz = account.timezone if account is not None else trainer.timezone
    return WorkoutPreview(
        client_name=profile.name,
        title=built.title,
        client_time=draft.starts_at.astimezone(load_zone(tz)),
        trainer_time=draft.starts_at.astimezone(load_zone(trainer.timezone)),
        client_timezone=tz,
        lines=tuple(
            f"{row.exercise.name} — "
            f"{format_target(prescription_of(row, row.exercise.name), trainer.units)}"
            for row in built.rows
        ),
    )


async def _day_view(uow: UnitOfWork, found: _Editable) -> DayView:
    coaching = found.coaching
    profile, _account = await uow.assignments.client_account(found.access.client_profile_id)
    exercises = await planned_exercises(uow, coaching.id)
    changes = await uow.workouts.changes([coaching.id])
    return DayView(
        session_id=coaching.id,
        title=coaching.title,
        client_name=profile.name,
        starts_at=coaching.scheduled_at.astimezone(load_zone(found.trainer.timezone)),
        exercises=tuple(
            DayExercise(
                e.exercise_template_id, e.name, format_target(e.prescription, found.trainer.units)
            )
            for e in exercises
        ),
        changes=tuple(change_line(c.summary, c.reason) for c in changes),
    )
