"""Assigning a program to a client, and the client's own changes to it.

Assigning creates a program assignment and one coaching session per program session, placed on
the client's training days in the client's time zone. Afterwards the trainer can swap an
exercise for this client only, shift the schedule, or cancel the assignment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.catalogue import SearchCandidate, search_exercises
from coaching.domain.enums import AssignmentStatus, Permission, SessionStatus, SessionType
from coaching.domain.plurals import plural
from coaching.domain.schedule import (
    PlannedSlot,
    ScheduleError,
    TrainingDay,
    expand_schedule,
    format_weekdays,
    load_zone,
    shift_slots,
)
from coaching.domain.training_times import (
    TrainingTimesError,
    dump_training_days,
    format_training_days,
    load_training_days,
    parse_training_times,
    shift_training_days,
)
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.domain.when import WhenError, parse_local_date
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import Access, check_access
from coaching.services.base import Service, ServiceContext
from coaching.services.plan import program_session_exercises
from coaching.services.reminders import reminders_for_session_changed
from storage.models import (
    CoachingSession,
    Program,
    ProgramAssignment,
    ProgramModification,
    ProgramSession,
    Relationship,
    User,
)
from storage.repositories.assignments import AssignmentRepository
from storage.repositories.calendar import CalendarRepository
from storage.repositories.exercises import ExerciseRepository
from storage.repositories.users import UserRepository
from storage.repositories.workouts import WorkoutRepository
from storage.uow import UnitOfWork

PAGE_SIZE = 8
PREVIEW_SESSIONS = 3
REASON_MAX = 500
SHIFT_MAX_DAYS = 60
DEFAULT_DURATION = 60
LIVE_ASSIGNMENTS = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.IN_PROGRESS,
    AssignmentStatus.MODIFIED,
)
NOT_YOUR_ASSIGNMENT = "I can't find that program assignment among yours."
NOT_YOUR_PROGRAM = "I can't find that program among yours."
TRAINERS_ONLY = "Only trainers can assign programs. Send /start to register as a trainer."


@dataclass(frozen=True, slots=True)
class ClientChoice:
    profile_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ClientPage:
    items: tuple[ClientChoice, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ClientTarget:
    profile_id: int
    name: str
    timezone: str
    today: date
    """Today in the client's time zone."""


@dataclass(frozen=True, slots=True)
class ProgramChoice:
    id: int
    name: str
    weeks: int
    session_count: int
    per_week: int
    """The most sessions any week holds: how many training days the client needs."""


@dataclass(frozen=True, slots=True)
class AssignDraft:
    client_profile_id: int
    program_id: int
    start_date: date
    training_days: tuple[TrainingDay, ...]
    """Each training weekday with its own local start time, in the client's time zone.
    ``coaching.domain.training_times.same_time`` builds one time for every day."""

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(sorted({day.weekday for day in self.training_days}))


@dataclass(frozen=True, slots=True)
class PlannedLine:
    week: int
    session: int
    name: str
    client_time: datetime
    trainer_time: datetime


@dataclass(frozen=True, slots=True)
class AssignPreview:
    client_name: str
    program_name: str
    client_timezone: str
    trainer_timezone: str
    start_date: date
    end_date: date
    days: str
    """The training weekdays alone, e.g. "Mon, Wed, Fri"."""
    training_days: tuple[TrainingDay, ...]
    schedule: str
    """Days with their times: "Mon, Wed, Fri at 07:00" or "Mon 07:00, Wed 18:30, Fri 07:00"."""
    total: int
    first: tuple[PlannedLine, ...]


@dataclass(frozen=True, slots=True)
class Assigned:
    assignment_id: int
    preview: AssignPreview
    trainer_name: str
    client_telegram_id: int | None


@dataclass(frozen=True, slots=True)
class AssignmentSummary:
    id: int
    name: str
    client_name: str
    status: AssignmentStatus
    start_date: date
    end_date: date | None
    single: bool = False
    """A single workout (from /workout), not a program."""


@dataclass(frozen=True, slots=True)
class ProgramSessionChoice:
    id: int
    label: str


@dataclass(frozen=True, slots=True)
class AssignmentDetail:
    id: int
    name: str
    client_name: str
    status: AssignmentStatus
    start_date: date
    end_date: date | None
    days: str
    timezone: str
    """The trainer's time zone, in which ``upcoming`` is shown."""
    done: int
    total: int
    upcoming: tuple[tuple[datetime, str], ...]
    swaps: tuple[str, ...]
    program_sessions: tuple[ProgramSessionChoice, ...]
    is_final: bool
    single: bool = False
    """A single workout (from /workout), not a program."""


@dataclass(frozen=True, slots=True)
class ExerciseChoice:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ChangeNotice:
    """What changed, for the trainer's reply and the client's notice."""

    assignment_name: str
    trainer_name: str
    client_name: str
    client_telegram_id: int | None
    client_timezone: str
    summary: str
    count: int = 0
    next_times: tuple[datetime, ...] = ()
    """Client-local start times of the next affected sessions."""
    single: bool = False
    """The assignment is a single workout (from /workout), not a program."""


def session_title(program_name: str, slot: ProgramSession) -> str:
    return f"{program_name} · W{slot.week_number} S{slot.session_number} · {slot.name}"[:255]


def _program_choice(program: Program) -> ProgramChoice:
    per_week = Counter(s.week_number for s in program.sessions)
    return ProgramChoice(
        id=program.id,
        name=program.name,
        weeks=program.duration_weeks,
        session_count=len(program.sessions),
        per_week=max(per_week.values(), default=0),
    )


class AssignmentService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- choosing --------------------------------------------------------------------------

    async def client_page(self, telegram_id: int, page: int = 0) -> ClientPage:
        """One page of the trainer's active clients."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            page = max(page, 0)
            rows, total = await AssignmentRepository(uow.session).active_clients(
                trainer.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            pages = max(1, -(-total // PAGE_SIZE))
            if page >= pages and total:
                return await self.client_page(telegram_id, pages - 1)
            return ClientPage(
                items=tuple(ClientChoice(p.id, p.name) for p, _ in rows),
                page=page,
                pages=pages,
                total=total,
            )

    async def client_target(self, telegram_id: int, client_profile_id: int) -> ClientTarget:
        """The client to assign to; refuses unless they let this trainer assign programs."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            await check_access(uow, trainer.id, client_profile_id, Permission.ASSIGN_PROGRAMS)
            return await self._target(uow.session, trainer, client_profile_id)

    async def _target(
        self, session: AsyncSession, trainer: User, client_profile_id: int
    ) -> ClientTarget:
        profile, account = await AssignmentRepository(session).client_account(client_profile_id)
        tz = account.timezone if account is not None else trainer.timezone
        return ClientTarget(
            profile_id=profile.id,
            name=profile.name,
            timezone=tz,
            today=self.ctx.clock.now().astimezone(load_zone(tz)).date(),
        )

    async def programs(self, telegram_id: int) -> tuple[ProgramChoice, ...]:
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            rows = await AssignmentRepository(uow.session).programs_of(trainer.id)
            return tuple(_program_choice(p) for p in rows)

    async def program(self, telegram_id: int, program_id: int) -> ProgramChoice:
        """One of the trainer's programs that can be assigned (it has sessions)."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            program = await AssignmentRepository(uow.session).program_of(program_id, trainer.id)
            if program is None:
                raise NotFound(NOT_YOUR_PROGRAM)
            choice = _program_choice(program)
            if not choice.session_count:
                raise InvalidInput(
                    f"“{program.name}” has no sessions yet, so there is nothing to schedule. "
                    "Add sessions in /programs first, or pick another program."
                )
            return choice

    def start_date(self, target: ClientTarget, text: str) -> date:
        """A start date typed by the trainer, read in the client's calendar."""
        try:
            return parse_local_date(text, today=target.today, allow_past=False)
        except WhenError as error:
            raise InvalidInput(str(error)) from error

    @staticmethod
    def training_times(text: str, weekdays: Sequence[int]) -> tuple[TrainingDay, ...]:
        """The start time of each picked weekday: one time for all (``07:00``) or a time per
        day (``mon 7:00, wed 18:30, fri 7am``), in the client's wall-clock time."""
        try:
            return parse_training_times(text, weekdays)
        except TrainingTimesError as error:
            raise InvalidInput(str(error)) from error

    # --- assigning -----------------------------------------------------------------------------

    async def preview(self, telegram_id: int, draft: AssignDraft) -> AssignPreview:
        """The schedule the draft would create, without storing anything."""
        async with self.ctx.uow() as uow:
            preview, _slots, _program, _access, _trainer = await self._plan(
                uow.session, telegram_id, draft
            )
            return preview

    async def assign(self, telegram_id: int, draft: AssignDraft) -> Assigned:
        """Create the assignment and its coaching sessions (status ASSIGNED)."""
        async with self.ctx.uow() as uow:
            preview, slots, program, access, trainer = await self._plan(
                uow.session, telegram_id, draft
            )
            repo = AssignmentRepository(uow.session)
            assignment = ProgramAssignment(
                relationship_id=access.relationship_id,
                program_id=program.id,
                name=program.name,
                description=program.description,
                assigned_by=trainer.id,
                assigned_at=self.ctx.clock.now(),
                start_date=draft.start_date,
                end_date=preview.end_date,
                training_days=dump_training_days(draft.training_days),
                status=AssignmentStatus.ASSIGNED,
                goals="\n".join(program.goals) or None,
                created_by=trainer.id,
            )
            repo.add(assignment)
            await uow.flush()
            blueprint = {(s.week_number, s.session_number): s for s in program.sessions}
            created: list[CoachingSession] = []
            for slot in slots:
                source = blueprint[(slot.week_number, slot.session_number)]
                created.append(
                    CoachingSession(
                        relationship_id=access.relationship_id,
                        assignment_id=assignment.id,
                        program_session_id=source.id,
                        title=session_title(program.name, source),
                        description=source.description,
                        scheduled_at=slot.starts_at_utc,
                        duration_minutes=source.estimated_duration or DEFAULT_DURATION,
                        session_type=source.session_type or SessionType.TRAINING,
                        status=SessionStatus.SCHEDULED,
                        focus_areas=[source.focus_area] if source.focus_area else [],
                        created_by=trainer.id,
                    )
                )
            for row in created:
                repo.add(row)
            await self._refresh_reminders(uow.session, created)
            await uow.commit()
            client = await _client_account(uow.session, access)
            return Assigned(
                assignment_id=assignment.id,
                preview=preview,
                trainer_name=trainer.display_name,
                client_telegram_id=client.telegram_id if client else None,
            )

    async def _plan(
        self, session: AsyncSession, telegram_id: int, draft: AssignDraft
    ) -> tuple[AssignPreview, tuple[PlannedSlot, ...], Program, Access, User]:
        trainer = await _trainer(session, telegram_id)
        access = await check_access(
            UnitOfWork.joining(session),
            trainer.id,
            draft.client_profile_id,
            Permission.ASSIGN_PROGRAMS,
        )
        program = await AssignmentRepository(session).program_of(draft.program_id, trainer.id)
        if program is None:
            raise NotFound(NOT_YOUR_PROGRAM)
        choice = _program_choice(program)
        if not choice.session_count:
            raise InvalidInput(
                f"“{program.name}” has no sessions yet. Add sessions in /programs first."
            )
        weekdays = draft.weekdays
        check_days(choice, weekdays)
        target = await self._target(session, trainer, draft.client_profile_id)
        if draft.start_date < target.today:
            raise InvalidInput(
                f"{draft.start_date:%d %b %Y} has already passed for {target.name}. "
                "Pick today or a later date.",
                example="tomorrow",
            )
        try:
            slots = expand_schedule(
                start_date=draft.start_date,
                tz=target.timezone,
                training_days=draft.training_days,
                sessions=[(s.week_number, s.session_number) for s in program.sessions],
            )
        except ScheduleError as error:
            raise InvalidInput(str(error)) from error
        names = {(s.week_number, s.session_number): s.name for s in program.sessions}
        client_zone, trainer_zone = load_zone(target.timezone), load_zone(trainer.timezone)
        preview = AssignPreview(
            client_name=target.name,
            program_name=program.name,
            client_timezone=target.timezone,
            trainer_timezone=trainer.timezone,
            start_date=draft.start_date,
            end_date=slots[-1].local_date,
            days=format_weekdays(weekdays),
            training_days=tuple(sorted(draft.training_days, key=lambda d: d.weekday)),
            schedule=format_training_days(draft.training_days),
            total=len(slots),
            first=tuple(
                PlannedLine(
                    week=slot.week_number,
                    session=slot.session_number,
                    name=names[(slot.week_number, slot.session_number)],
                    client_time=slot.starts_at_utc.astimezone(client_zone),
                    trainer_time=slot.starts_at_utc.astimezone(trainer_zone),
                )
                for slot in slots[:PREVIEW_SESSIONS]
            ),
        )
        return preview, slots, program, access, trainer

    # --- managing ------------------------------------------------------------------------------

    async def current(
        self, telegram_id: int, client_profile_id: int | None = None
    ) -> tuple[AssignmentSummary, ...]:
        """The trainer's assignments that are still running, newest first (of one client)."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            if client_profile_id is not None:
                await check_access(uow, trainer.id, client_profile_id)
            rows = await AssignmentRepository(uow.session).of_trainer(trainer.id, LIVE_ASSIGNMENTS)
            rows = [(a, p) for a, p in rows if client_profile_id in (None, p.id)]
            single = await WorkoutRepository(uow.session).single_workouts([a.id for a, _ in rows])
            return tuple(
                AssignmentSummary(
                    a.id, a.name, p.name, a.status, a.start_date, a.end_date, a.id in single
                )
                for a, p in rows
            )

    async def detail(self, telegram_id: int, assignment_id: int) -> AssignmentDetail:
        async with self.ctx.uow() as uow:
            trainer, assignment, _access = await self._assignment(
                uow.session, telegram_id, assignment_id, None
            )
            repo = AssignmentRepository(uow.session)
            sessions = await repo.sessions_of(assignment.id)
            now = self.ctx.clock.now()
            zone = load_zone(trainer.timezone)
            live = [s for s in sessions if s.status is not SessionStatus.RESCHEDULED]
            upcoming = tuple(
                (s.scheduled_at.astimezone(zone), s.title)
                for s in live
                if s.status is SessionStatus.SCHEDULED and s.scheduled_at >= now
            )[:3]
            program_sessions = (
                await repo.program_sessions(assignment.program_id) if assignment.program_id else []
            )
            ps_names = {ps.id: f"W{ps.week_number} S{ps.session_number}" for ps in program_sessions}
            exercise_names = {
                t.exercise_id: t.exercise.name for ps in program_sessions for t in ps.exercises
            }
            mods = await repo.modifications(assignment.id)
            rows = await CalendarRepository(uow.session).exercises_by_id(
                [m.replacement_exercise_id for m in mods] + [m.original_exercise_id for m in mods]
            )
            exercise_names.update({key: row.name for key, row in rows.items()})
            swaps = tuple(
                f"{exercise_names.get(m.original_exercise_id, '?')} → "
                f"{exercise_names.get(m.replacement_exercise_id, '?')} "
                f"({ps_names.get(m.program_session_id or 0, 'all sessions')}): {m.reason}"
                for m in mods
            )
            client = await repo.client_account(_access.client_profile_id)
            return AssignmentDetail(
                id=assignment.id,
                name=assignment.name,
                client_name=client[0].name,
                status=assignment.status,
                start_date=assignment.start_date,
                end_date=assignment.end_date,
                days=format_training_days(load_training_days(assignment.training_days)) or "—",
                timezone=trainer.timezone,
                done=sum(1 for s in live if s.status is SessionStatus.COMPLETED),
                total=sum(1 for s in live if s.status is not SessionStatus.CANCELLED),
                upcoming=upcoming,
                swaps=swaps,
                program_sessions=tuple(
                    ProgramSessionChoice(
                        ps.id, f"W{ps.week_number} S{ps.session_number} · {ps.name}"
                    )
                    for ps in program_sessions
                ),
                is_final=assignment.status
                in (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED),
                single=await _is_single(uow.session, assignment.id),
            )

    async def check_change(self, telegram_id: int, assignment_id: int) -> None:
        """Refuse early unless the trainer may still change this assignment for the client."""
        async with self.ctx.uow() as uow:
            _trainer_row, assignment, _access = await self._assignment(
                uow.session, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            _transition(assignment, AssignmentStatus.MODIFIED)

    async def swap_options(
        self, telegram_id: int, assignment_id: int, program_session_id: int | None
    ) -> tuple[ExerciseChoice, ...]:
        """The exercises (as the client does them now) that can be swapped in this scope."""
        async with self.ctx.uow() as uow:
            _trainer_row, assignment, _access = await self._assignment(
                uow.session, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            _transition(assignment, AssignmentStatus.MODIFIED)
            return await _swap_options(uow.session, assignment, program_session_id)

    async def find_replacements(self, telegram_id: int, query: str) -> tuple[ExerciseChoice, ...]:
        """Catalogue exercises (built-in and the trainer's own) the text most likely names."""
        text = query.strip()
        if len(text) < 2:
            raise InvalidInput("Type at least two letters of the exercise.", example="leg press")
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow.session, telegram_id)
            rows = await ExerciseRepository(uow.session).visible_to(trainer.id)
            candidates = tuple(SearchCandidate(r.id, r.name, tuple(r.aliases)) for r in rows)
            hits = search_exercises(text[:100], candidates, limit=6)
            if not hits:
                raise InvalidInput(
                    f"I couldn't find an exercise like “{text[:60]}”.", example="leg press"
                )
            return tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)

    async def swap(
        self,
        telegram_id: int,
        assignment_id: int,
        program_session_id: int | None,
        original_exercise_id: int,
        replacement_exercise_id: int,
        reason: str,
    ) -> ChangeNotice:
        """Swap an exercise for this client only; the assignment becomes MODIFIED."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput(
                "Please give a reason for the swap; the client sees it.",
                example="knee pain on deep flexion",
            )
        if len(reason) > REASON_MAX:
            raise InvalidInput(f"Please keep the reason under {REASON_MAX} characters.")
        async with self.ctx.uow() as uow:
            trainer, assignment, access = await self._assignment(
                uow.session, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            _transition(assignment, AssignmentStatus.MODIFIED)
            options = await _swap_options(uow.session, assignment, program_session_id)
            original = next((o for o in options if o.id == original_exercise_id), None)
            if original is None:
                raise NotFound("That exercise is not in this program for this client any more.")
            replacement = await ExerciseRepository(uow.session).get_visible(
                replacement_exercise_id, trainer.id
            )
            if replacement is None:
                raise NotFound("I can't find that exercise in your catalogue.")
            if replacement.id == original.id:
                raise InvalidInput(
                    f"That is {original.name} already. Pick a different exercise.",
                    example="leg press",
                )
            now = self.ctx.clock.now()
            AssignmentRepository(uow.session).add(
                ProgramModification(
                    assignment_id=assignment.id,
                    program_session_id=program_session_id,
                    original_exercise_id=original.id,
                    replacement_exercise_id=replacement.id,
                    reason=reason,
                    modified_by=trainer.id,
                    modified_at=now,
                )
            )
            assignment.status = AssignmentStatus.MODIFIED
            scope = "in every session"
            if program_session_id is not None:
                ps = await uow.session.get(ProgramSession, program_session_id)
                if ps is not None:
                    scope = f"in W{ps.week_number} S{ps.session_number} · {ps.name}"
            await uow.commit()
            client = await _client_account(uow.session, access)
            profile, _ = await AssignmentRepository(uow.session).client_account(
                access.client_profile_id
            )
            return ChangeNotice(
                assignment_name=assignment.name,
                trainer_name=trainer.display_name,
                client_name=profile.name,
                client_telegram_id=client.telegram_id if client else None,
                client_timezone=client.timezone if client else trainer.timezone,
                summary=f"{original.name} → {replacement.name} {scope}. Reason: {reason}",
            )

    async def shift(self, telegram_id: int, assignment_id: int, days: int) -> ChangeNotice:
        """Move every future scheduled session by ``days`` days, keeping the local time."""
        if days == 0 or abs(days) > SHIFT_MAX_DAYS:
            raise InvalidInput(
                f"Shift by a whole number of days between -{SHIFT_MAX_DAYS} and "
                f"{SHIFT_MAX_DAYS}, not 0.",
                example="3 (later) or -2 (earlier)",
            )
        async with self.ctx.uow() as uow:
            trainer, assignment, access = await self._assignment(
                uow.session, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            _transition(assignment, AssignmentStatus.MODIFIED)
            client = await _client_account(uow.session, access)
            tz = client.timezone if client else trainer.timezone
            now = self.ctx.clock.now()
            sessions = await AssignmentRepository(uow.session).sessions_of(assignment.id)
            movable = [
                s for s in sessions if s.status is SessionStatus.SCHEDULED and s.scheduled_at > now
            ]
            if not movable:
                raise Conflict("This program has no upcoming sessions left to move.")
            moved = shift_slots(
                [PlannedSlot(0, s.id, s.scheduled_at, s.scheduled_at.date()) for s in movable],
                days,
                tz,
            )
            if any(slot.starts_at_utc <= now for slot in moved):
                raise InvalidInput(
                    f"Moving by {plural(days, 'day')} would put a session in the past. "
                    "Pick a smaller shift.",
                    example="1",
                )
            for row, slot in zip(movable, moved, strict=True):
                row.scheduled_at = slot.starts_at_utc
            if days % 7:
                # The upcoming sessions now fall on other weekdays, at the same times.
                assignment.training_days = dump_training_days(
                    shift_training_days(load_training_days(assignment.training_days), days)
                )
            zone = load_zone(tz)
            live_dates = [
                s.scheduled_at.astimezone(zone).date()
                for s in sessions
                if s.status not in (SessionStatus.CANCELLED, SessionStatus.RESCHEDULED)
            ]
            if live_dates:
                assignment.start_date = min(assignment.start_date, min(live_dates))
                assignment.end_date = max(live_dates)
            assignment.status = AssignmentStatus.MODIFIED
            await self._refresh_reminders(uow.session, movable)
            await uow.commit()
            profile, _ = await AssignmentRepository(uow.session).client_account(
                access.client_profile_id
            )
            direction = "later" if days > 0 else "earlier"
            return ChangeNotice(
                assignment_name=assignment.name,
                trainer_name=trainer.display_name,
                client_name=profile.name,
                client_telegram_id=client.telegram_id if client else None,
                client_timezone=tz,
                summary=f"{plural(len(movable), 'upcoming session')} moved "
                f"{plural(abs(days), 'day')} {direction}",
                count=len(movable),
                next_times=tuple(sorted(slot.starts_at_utc.astimezone(zone) for slot in moved)[:3]),
                single=await _is_single(uow.session, assignment.id),
            )

    async def cancel(self, telegram_id: int, assignment_id: int) -> ChangeNotice:
        """Cancel the assignment and its upcoming sessions."""
        async with self.ctx.uow() as uow:
            trainer, assignment, access = await self._assignment(
                uow.session, telegram_id, assignment_id, None
            )
            _transition(assignment, AssignmentStatus.CANCELLED)
            now = self.ctx.clock.now()
            sessions = await AssignmentRepository(uow.session).sessions_of(assignment.id)
            single = await _is_single(uow.session, assignment.id)
            cancelled_rows: list[CoachingSession] = []
            for row in sessions:
                if row.status is SessionStatus.SCHEDULED and row.scheduled_at > now:
                    row.status = SessionStatus.CANCELLED
                    row.status_reason = f"The {'workout' if single else 'program'} was cancelled."
                    cancelled_rows.append(row)
            cancelled = len(cancelled_rows)
            assignment.status = AssignmentStatus.CANCELLED
            await self._refresh_reminders(uow.session, cancelled_rows)
            await uow.commit()
            client = await _client_account(uow.session, access)
            profile, _ = await AssignmentRepository(uow.session).client_account(
                access.client_profile_id
            )
            return ChangeNotice(
                assignment_name=assignment.name,
                trainer_name=trainer.display_name,
                client_name=profile.name,
                client_telegram_id=client.telegram_id if client else None,
                client_timezone=client.timezone if client else trainer.timezone,
                summary=f"{cancelled} upcoming session{'s' if cancelled != 1 else ''} cancelled",
                count=cancelled,
                single=single,
            )

    async def _refresh_reminders(
        self, session: AsyncSession, rows: Sequence[CoachingSession]
    ) -> None:
        """Keep the sessions' reminders in step with them, in the same transaction."""
        await session.flush()
        now = self.ctx.clock.now()
        for row in rows:
            await reminders_for_session_changed(session, row.id, now)

    async def _assignment(
        self,
        session: AsyncSession,
        telegram_id: int,
        assignment_id: int,
        permission: Permission | None,
    ) -> tuple[User, ProgramAssignment, Access]:
        """The trainer's assignment, authorised; missing and not-yours read the same."""
        trainer = await _trainer(session, telegram_id)
        found = await AssignmentRepository(session).get(assignment_id)
        if found is None or found[1].trainer_user_id != trainer.id:
            raise NotFound(NOT_YOUR_ASSIGNMENT)
        assignment, relationship = found
        access = await _access_for(session, trainer, relationship, permission)
        return trainer, assignment, access


async def _access_for(
    session: AsyncSession, trainer: User, relationship: Relationship, permission: Permission | None
) -> Access:
    try:
        return await check_access(
            UnitOfWork.joining(session), trainer.id, relationship.client_profile_id, permission
        )
    except NotFound as error:
        raise NotFound(NOT_YOUR_ASSIGNMENT) from error


async def _is_single(session: AsyncSession, assignment_id: int) -> bool:
    return assignment_id in await WorkoutRepository(session).single_workouts([assignment_id])


async def _trainer(session: AsyncSession, telegram_id: int) -> User:
    user = await UserRepository(session).by_telegram_id(telegram_id)
    if user is None or not user.is_trainer:
        raise NotAllowed(TRAINERS_ONLY)
    return user


async def _client_account(session: AsyncSession, access: Access) -> User | None:
    if access.client_user_id is None:
        return None
    return await UserRepository(session).get(access.client_user_id)


async def _swap_options(
    session: AsyncSession, assignment: ProgramAssignment, program_session_id: int | None
) -> tuple[ExerciseChoice, ...]:
    if assignment.program_id is None:
        raise Conflict("The program behind this assignment was deleted, so nothing can be swapped.")
    program_sessions = await AssignmentRepository(session).program_sessions(assignment.program_id)
    if program_session_id is not None:
        program_sessions = [ps for ps in program_sessions if ps.id == program_session_id]
        if not program_sessions:
            raise NotFound("That session is not part of this program.")
    seen: dict[int, ExerciseChoice] = {}
    for ps in program_sessions:
        for item in await program_session_exercises(
            UnitOfWork.joining(session), ps.id, assignment.id
        ):
            seen.setdefault(item.exercise_id, ExerciseChoice(item.exercise_id, item.name))
    return tuple(seen.values())


def check_days(program: ProgramChoice, weekdays: tuple[int, ...]) -> None:
    """The client needs exactly as many training days as the program's busiest week."""
    if len(weekdays) != program.per_week:
        need = program.per_week
        raise InvalidInput(
            f"“{program.name}” has up to {need} session{'s' if need != 1 else ''} a week, "
            f"so pick {need} training day{'s' if need != 1 else ''} "
            f"(you picked {len(weekdays)}).",
            example="Mon, Wed, Fri for 3 sessions a week",
        )


def _transition(assignment: ProgramAssignment, target: AssignmentStatus) -> None:
    try:
        check_transition(assignment.status, target)
    except InvalidTransition as error:
        raise Conflict(str(error)) from error
