"""What the assignment use cases share: their values, the checks of a draft, and a base that
loads and authorises the acting trainer, their client and an assignment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from coaching.domain.enums import AssignmentStatus, Permission
from coaching.domain.schedule import TrainingDay, load_zone
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import Access, check_access
from coaching.services.base import Service
from coaching.services.reminders import reminders_for_session_changed
from storage.models import CoachingSession, Program, ProgramAssignment, ProgramSession, User
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
FINAL_ASSIGNMENTS = (AssignmentStatus.COMPLETED, AssignmentStatus.CANCELLED)
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


@dataclass(frozen=True, slots=True)
class Authorised:
    """An assignment of the acting trainer, with their access to its client."""

    trainer: User
    assignment: ProgramAssignment
    access: Access


def session_title(program_name: str, slot: ProgramSession) -> str:
    return f"{program_name} · W{slot.week_number} S{slot.session_number} · {slot.name}"[:255]


def program_choice(program: Program) -> ProgramChoice:
    per_week = Counter(s.week_number for s in program.sessions)
    return ProgramChoice(
        id=program.id,
        name=program.name,
        weeks=program.duration_weeks,
        session_count=len(program.sessions),
        per_week=max(per_week.values(), default=0),
    )


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


def check_transition_to(assignment: ProgramAssignment, target: AssignmentStatus) -> None:
    """Refuse a status change the assignment's life cycle does not allow."""
    try:
        check_transition(assignment.status, target)
    except InvalidTransition as error:
        raise Conflict(str(error)) from error


class AssignmentBase(Service):
    """Loading and authorising, shared by the assignment use cases."""

    async def _trainer(self, uow: UnitOfWork, telegram_id: int) -> User:
        user = await uow.users.acting_user(telegram_id)
        if user is None or not user.is_trainer:
            raise NotAllowed(TRAINERS_ONLY)
        return user

    async def _target(self, uow: UnitOfWork, trainer: User, client_profile_id: int) -> ClientTarget:
        profile, account = await uow.assignments.client_account(client_profile_id)
        tz = account.timezone if account is not None else trainer.timezone
        return ClientTarget(
            profile_id=profile.id,
            name=profile.name,
            timezone=tz,
            today=self.ctx.clock.now().astimezone(load_zone(tz)).date(),
        )

    async def _assignment(
        self, uow: UnitOfWork, telegram_id: int, assignment_id: int, permission: Permission | None
    ) -> Authorised:
        """The trainer's assignment, authorised; missing and not-yours read the same."""
        trainer = await self._trainer(uow, telegram_id)
        found = await uow.assignments.get(assignment_id)
        if found is None or found[1].trainer_user_id != trainer.id:
            raise NotFound(NOT_YOUR_ASSIGNMENT)
        assignment, relationship = found
        try:
            access = await check_access(uow, trainer.id, relationship.client_profile_id, permission)
        except NotFound as error:
            raise NotFound(NOT_YOUR_ASSIGNMENT) from error
        return Authorised(trainer, assignment, access)

    @staticmethod
    async def _client_account(uow: UnitOfWork, access: Access) -> User | None:
        if access.client_user_id is None:
            return None
        return await uow.users.get(access.client_user_id)

    @staticmethod
    async def _is_single(uow: UnitOfWork, assignment_id: int) -> bool:
        return assignment_id in await uow.workouts.single_workouts([assignment_id])

    async def _refresh_reminders(self, uow: UnitOfWork, rows: Sequence[CoachingSession]) -> None:
        """Keep the sessions' reminders in step with them, in the same transaction."""
        await uow.flush()
        now = self.ctx.clock.now()
        for row in rows:
            await reminders_for_session_changed(uow, row.id, now)
