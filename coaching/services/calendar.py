"""The trainer's coaching calendar: booking, rescheduling, cancelling and completing sessions.

Times are typed in the trainer's time zone and stored in UTC. Every change returns what the
client must be told, with times in the client's own zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from coaching.domain.booking import ClientName, TimeUnreadable, read_booking
from coaching.domain.enums import Permission, SessionStatus, SessionType
from coaching.domain.schedule import load_zone, local_to_utc
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.domain.when import WhenError, parse_when
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import check_access
from coaching.services.assignments import PAGE_SIZE, ClientChoice, ClientPage
from coaching.services.base import Service, ServiceContext
from coaching.services.reminders import reminders_for_session_changed
from storage.models import ClientProfile, CoachingSession, Relationship, User
from storage.uow import UnitOfWork

UPCOMING_DAYS = 14
SESSIONS_PER_PAGE = 8
DURATION_MIN, DURATION_MAX = 5, 600
TEXT_MAX = 200
LIST_MAX = 10
MAX_TYPED_CLIENTS = 5000
"""The most active clients a typed booking's name is looked up among."""
NOT_YOUR_SESSION = "I can't find that session among yours."
NOT_STARTED = (
    "This session hasn't started yet, so it can't be completed. "
    "Reschedule it if it took place earlier."
)
TRAINERS_ONLY = "Only trainers can book sessions. Send /start to register as a trainer."

SESSION_TITLES: Mapping[SessionType, str] = {
    SessionType.ASSESSMENT: "Assessment",
    SessionType.TRAINING: "Training session",
    SessionType.REVIEW: "Progress review",
    SessionType.GOAL_SETTING: "Goal setting",
    SessionType.NUTRITION: "Nutrition consult",
    SessionType.RECOVERY: "Recovery session",
}
UPCOMING = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)
# A session can be logged live (``LiveService.start_planned``) while it is open: a RESCHEDULED
# row has been replaced by the new one, which is where the trainer logs.
LOGGABLE = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)


class SessionTimePassed(InvalidInput):
    """The time asked for a booking or a move is no longer in the future."""

    def __init__(self) -> None:
        super().__init__("That time has already passed.", example="tomorrow 18:00")


class SameTime(InvalidInput):
    """A move to the time the session already has."""

    def __init__(self) -> None:
        super().__init__(
            "That is the time the session already has. Send a different time.",
            example="tomorrow 18:00",
        )


@dataclass(frozen=True, slots=True)
class SessionItem:
    id: int
    title: str
    client_name: str
    starts_at: datetime
    """In the trainer's time zone."""
    duration_minutes: int
    session_type: SessionType
    status: SessionStatus

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True, slots=True)
class SessionPage:
    items: tuple[SessionItem, ...]
    page: int
    pages: int
    total: int
    timezone: str


@dataclass(frozen=True, slots=True)
class SessionDetail:
    item: SessionItem
    location: str | None
    focus_areas: tuple[str, ...]
    goals: tuple[str, ...]
    outcomes: tuple[str, ...]
    trainer_notes: str | None
    status_reason: str | None
    earlier_times: tuple[datetime, ...]
    """Times this session was moved from, oldest first, in the trainer's zone."""
    timezone: str
    loggable: bool = False
    """Whether the trainer can log it live now: open, due today (in their zone) or earlier,
    and the client lets them log workouts."""

    @property
    def actionable(self) -> bool:
        return self.item.status in UPCOMING


@dataclass(frozen=True, slots=True)
class NewSession:
    client_profile_id: int
    session_type: SessionType
    starts_at: datetime
    """Aware UTC."""
    duration_minutes: int
    focus_areas: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Overlap:
    client_name: str
    starts_at: datetime
    """In the trainer's time zone."""
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class SessionNotice:
    """A change made, for the trainer's reply and the client's notice."""

    detail: SessionDetail
    trainer_name: str
    client_telegram_id: int | None
    client_starts_at: datetime
    """The (new) start in the client's time zone."""
    client_previous: datetime | None = None
    """For a reschedule, the old start in the client's time zone."""
    was_started: bool = False
    """For a completion, whether live logging had started it (its sets are on that record)."""


@dataclass(frozen=True, slots=True)
class TypedDraft:
    """A booking typed in one message, read: who (maybe several alike), when, what kind."""

    clients: tuple[ClientChoice, ...]
    starts_at: datetime
    """Aware UTC."""
    session_type: SessionType | None
    client_words: str = ""
    """The words that named the client, as typed."""


def parse_duration(text: str) -> int:
    """Minutes from ``45``, ``45 min``, ``1h``, ``1h30``, ``1:30`` or ``90m``."""
    cleaned = " ".join(text.lower().split())
    minutes: int | None = None
    if match := re.fullmatch(r"(\d{1,3})\s*(?:m|min|mins|minutes?)?", cleaned):
        minutes = int(match[1])
    elif match := re.fullmatch(r"(\d{1,2}):([0-5]\d)", cleaned):
        minutes = int(match[1]) * 60 + int(match[2])
    elif match := re.fullmatch(
        r"(\d{1,2})\s*(?:h|hr|hrs|hours?)(?:\s*(\d{1,2})\s*(?:m|min|mins|minutes?)?)?", cleaned
    ):
        minutes = int(match[1]) * 60 + int(match[2] or 0)
    if minutes is None:
        raise InvalidInput("I couldn't read that as a duration.", example="45, 90 min or 1h30")
    if not DURATION_MIN <= minutes <= DURATION_MAX:
        raise InvalidInput(
            f"A session lasts between {DURATION_MIN} minutes and {DURATION_MAX // 60} hours.",
            example="60",
        )
    return minutes


def parse_list(text: str) -> tuple[str, ...]:
    """Comma- or line-separated items, e.g. focus areas or goals."""
    items = tuple(
        " ".join(part.split())[:TEXT_MAX] for part in re.split(r"[,;\n]", text) if part.strip()
    )
    if not items:
        raise InvalidInput("Send a few words, or tap Skip.", example="squat depth, bracing")
    if len(items) > LIST_MAX:
        raise InvalidInput(f"Please list at most {LIST_MAX} items.", example="mobility, bracing")
    return items


def clean_text(text: str, what: str, example: str, limit: int = TEXT_MAX) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput(f"Please type the {what}.", example=example)
    if len(cleaned) > limit:
        raise InvalidInput(f"Please keep the {what} under {limit} characters.", example=example)
    return cleaned


class CalendarService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def upcoming(self, telegram_id: int, page: int = 0) -> SessionPage:
        """The trainer's sessions from the start of today through the next 14 days."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            zone = load_zone(trainer.timezone)
            today = self.ctx.clock.now().astimezone(zone).date()
            start = local_to_utc(datetime.combine(today, time()), zone)
            end = local_to_utc(
                datetime.combine(today + timedelta(days=UPCOMING_DAYS), time()), zone
            )
            page = max(page, 0)
            repo = uow.calendar
            rows, total = await repo.of_trainer(
                trainer.id,
                start,
                end,
                UPCOMING,
                offset=page * SESSIONS_PER_PAGE,
                limit=SESSIONS_PER_PAGE,
            )
            pages = max(1, -(-total // SESSIONS_PER_PAGE))
            if total and page >= pages:
                page = pages - 1
                rows, total = await repo.of_trainer(
                    trainer.id,
                    start,
                    end,
                    UPCOMING,
                    offset=page * SESSIONS_PER_PAGE,
                    limit=SESSIONS_PER_PAGE,
                )
            return SessionPage(
                items=tuple(_item(row, profile, trainer.timezone) for row, profile in rows),
                page=page,
                pages=pages,
                total=total,
                timezone=trainer.timezone,
            )

    async def client_page(self, telegram_id: int, page: int = 0) -> ClientPage:
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            page = max(page, 0)
            rows, total = await uow.assignments.active_clients(
                trainer.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            return ClientPage(
                items=tuple(ClientChoice(p.id, p.name) for p, _ in rows),
                page=page,
                pages=max(1, -(-total // PAGE_SIZE)),
                total=total,
            )

    async def client(self, telegram_id: int, client_profile_id: int) -> ClientChoice:
        """A client the trainer may book sessions for."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            await check_access(uow, trainer.id, client_profile_id, Permission.ASSIGN_WORKOUTS)
            profile = await uow.get(ClientProfile, client_profile_id)
            assert profile is not None
            return ClientChoice(profile.id, profile.name)

    async def read_typed(self, telegram_id: int, text: str) -> TypedDraft:
        """Read ``Zed tomorrow 18:00 assessment`` against the trainer's active clients.

        Raises the booking module's errors (no client named, no time, unreadable time), or
        ``NotAllowed`` when the one client named does not let the trainer book them.
        """
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            rows, _ = await uow.assignments.active_clients(trainer.id, limit=MAX_TYPED_CLIENTS)
            typed = read_booking(text, [ClientName(p.id, p.name) for p, _ in rows])
            try:
                at = parse_when(typed.when_text, now=self.ctx.clock.now(), tz=trainer.timezone)
            except WhenError as error:
                raise TimeUnreadable(typed.client_words, typed.when_text, str(error)) from None
            if len(typed.clients) == 1:
                await check_access(
                    uow,
                    trainer.id,
                    typed.clients[0].profile_id,
                    Permission.ASSIGN_WORKOUTS,
                )
            return TypedDraft(
                clients=tuple(ClientChoice(c.profile_id, c.name) for c in typed.clients),
                starts_at=at,
                session_type=typed.session_type,
                client_words=typed.client_words,
            )

    async def read_when(self, telegram_id: int, text: str) -> datetime:
        """A moment typed by the trainer, in their time zone; aware UTC, never in the past."""
        async with self.ctx.uow() as uow:
            tz = (await _trainer(uow, telegram_id)).timezone
        try:
            return parse_when(text, now=self.ctx.clock.now(), tz=tz)
        except WhenError as error:
            raise InvalidInput(str(error)) from error

    async def local(self, telegram_id: int, moment: datetime) -> datetime:
        """``moment`` in the trainer's time zone."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            return moment.astimezone(load_zone(trainer.timezone))

    async def overlaps(
        self,
        telegram_id: int,
        starts_at: datetime,
        duration_minutes: int,
        *,
        exclude_id: int | None = None,
    ) -> tuple[Overlap, ...]:
        """The trainer's other sessions that would overlap this slot."""
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            rows = await uow.calendar.overlapping(
                trainer.id,
                starts_at,
                starts_at + timedelta(minutes=duration_minutes),
                exclude_id=exclude_id,
            )
            zone = load_zone(trainer.timezone)
            return tuple(
                Overlap(
                    client_name=profile.name,
                    starts_at=row.scheduled_at.astimezone(zone),
                    ends_at=(row.scheduled_at + timedelta(minutes=row.duration_minutes)).astimezone(
                        zone
                    ),
                )
                for row, profile in rows
            )

    async def create(self, telegram_id: int, draft: NewSession) -> SessionNotice:
        """Book a session (SCHEDULED) for one of the trainer's clients."""
        if draft.starts_at <= self.ctx.clock.now():
            raise SessionTimePassed()
        if not DURATION_MIN <= draft.duration_minutes <= DURATION_MAX:
            raise InvalidInput("That duration is out of range.", example="60")
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            access = await check_access(
                uow, trainer.id, draft.client_profile_id, Permission.ASSIGN_WORKOUTS
            )
            row = CoachingSession(
                relationship_id=access.relationship_id,
                title=SESSION_TITLES[draft.session_type],
                scheduled_at=draft.starts_at,
                duration_minutes=draft.duration_minutes,
                session_type=draft.session_type,
                status=SessionStatus.SCHEDULED,
                focus_areas=list(draft.focus_areas),
                goals=list(draft.goals),
                location=draft.location,
                created_by=trainer.id,
            )
            uow.calendar.add(row)
            await self._refresh_reminders(uow, row)
            await uow.commit()
            return await self._notice(uow, trainer, row.id)

    async def detail(self, telegram_id: int, session_id: int) -> SessionDetail:
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            await self._own(uow, trainer, session_id, None)
            return await self._detail(uow, trainer, session_id)

    async def check(
        self, telegram_id: int, session_id: int, target: SessionStatus
    ) -> SessionDetail:
        """Refuse early unless the session can move to ``target`` (before asking for input)."""
        permission = Permission.ASSIGN_WORKOUTS if target is SessionStatus.RESCHEDULED else None
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            row, _ = await self._own(uow, trainer, session_id, permission)
            _transition(row, target)
            if target is SessionStatus.COMPLETED and row.scheduled_at > self.ctx.clock.now():
                raise Conflict(NOT_STARTED)
            return await self._detail(uow, trainer, session_id)

    async def reschedule(
        self, telegram_id: int, session_id: int, starts_at: datetime
    ) -> SessionNotice:
        """Move a session: the old row becomes RESCHEDULED, a new SCHEDULED row takes over."""
        if starts_at <= self.ctx.clock.now():
            raise SessionTimePassed()
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            old, _ = await self._own(uow, trainer, session_id, Permission.ASSIGN_WORKOUTS)
            _transition(old, SessionStatus.RESCHEDULED)
            if old.scheduled_at == starts_at:
                raise SameTime()
            old.status = SessionStatus.RESCHEDULED
            old.status_reason = "Rescheduled"
            new = CoachingSession(
                relationship_id=old.relationship_id,
                assignment_id=old.assignment_id,
                program_session_id=old.program_session_id,
                rescheduled_from_id=old.id,
                title=old.title,
                description=old.description,
                scheduled_at=starts_at,
                duration_minutes=old.duration_minutes,
                session_type=old.session_type,
                status=SessionStatus.SCHEDULED,
                location=old.location,
                focus_areas=list(old.focus_areas),
                goals=list(old.goals),
                created_by=trainer.id,
            )
            uow.calendar.add(new)
            previous = old.scheduled_at
            await self._refresh_reminders(uow, old, new)
            await uow.commit()
            notice = await self._notice(uow, trainer, new.id)
            return SessionNotice(
                detail=notice.detail,
                trainer_name=notice.trainer_name,
                client_telegram_id=notice.client_telegram_id,
                client_starts_at=notice.client_starts_at,
                client_previous=previous.astimezone(notice.client_starts_at.tzinfo),
            )

    async def cancel(self, telegram_id: int, session_id: int, reason: str) -> SessionNotice:
        reason = clean_text(reason, "reason", "client is ill", limit=500)
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            row, _ = await self._own(uow, trainer, session_id, None)
            _transition(row, SessionStatus.CANCELLED)
            row.status = SessionStatus.CANCELLED
            row.status_reason = reason
            await self._refresh_reminders(uow, row)
            await uow.commit()
            return await self._notice(uow, trainer, row.id)

    async def complete(
        self, telegram_id: int, session_id: int, notes: str, outcomes: Sequence[str]
    ) -> SessionNotice:
        notes = clean_text(notes, "notes", "great energy, squat depth improved", limit=2000)
        async with self.ctx.uow() as uow:
            trainer = await _trainer(uow, telegram_id)
            row, _ = await self._own(uow, trainer, session_id, None)
            _transition(row, SessionStatus.COMPLETED)
            now = self.ctx.clock.now()
            if row.scheduled_at > now:
                raise Conflict(NOT_STARTED)
            was_started = row.status is SessionStatus.IN_PROGRESS
            row.status = SessionStatus.COMPLETED
            row.completed_at = now
            row.trainer_notes = notes
            row.outcomes = list(outcomes)
            await self._refresh_reminders(uow, row)
            await uow.commit()
            notice = await self._notice(uow, trainer, row.id)
            return replace(notice, was_started=was_started)

    # --- internals --------------------------------------------------------------------------

    async def _refresh_reminders(self, uow: UnitOfWork, *rows: CoachingSession) -> None:
        """Keep the sessions' reminders in step with them, in the same transaction."""
        await uow.flush()
        now = self.ctx.clock.now()
        for row in rows:
            await reminders_for_session_changed(uow, row.id, now)

    async def _own(
        self,
        uow: UnitOfWork,
        trainer: User,
        session_id: int,
        permission: Permission | None,
    ) -> tuple[CoachingSession, Relationship]:
        found = await uow.calendar.get(session_id)
        if found is None or found[1].trainer_user_id != trainer.id:
            raise NotFound(NOT_YOUR_SESSION)
        row, relationship, _profile, _account = found
        try:
            await check_access(uow, trainer.id, relationship.client_profile_id, permission)
        except NotFound as error:
            raise NotFound(NOT_YOUR_SESSION) from error
        return row, relationship

    async def _detail(self, uow: UnitOfWork, trainer: User, session_id: int) -> SessionDetail:
        repo = uow.calendar
        found = await repo.get(session_id)
        assert found is not None
        row, relationship, profile, _account = found
        zone = load_zone(trainer.timezone)
        earlier: list[datetime] = []
        previous_id = row.rescheduled_from_id
        while previous_id is not None and len(earlier) < 10:
            previous = await uow.get(CoachingSession, previous_id)
            if previous is None:
                break
            earlier.append(previous.scheduled_at.astimezone(zone))
            previous_id = previous.rescheduled_from_id
        return SessionDetail(
            item=_item(row, profile, trainer.timezone),
            location=row.location,
            focus_areas=tuple(row.focus_areas or ()),
            goals=tuple(row.goals or ()),
            outcomes=tuple(row.outcomes or ()),
            trainer_notes=row.trainer_notes,
            status_reason=row.status_reason,
            earlier_times=tuple(reversed(earlier)),
            timezone=trainer.timezone,
            loggable=await self._loggable(uow, trainer, row, relationship),
        )

    async def _loggable(
        self,
        uow: UnitOfWork,
        trainer: User,
        row: CoachingSession,
        relationship: Relationship,
    ) -> bool:
        if row.status not in LOGGABLE:
            return False
        zone = load_zone(trainer.timezone)
        if row.scheduled_at.astimezone(zone).date() > self.ctx.clock.now().astimezone(zone).date():
            return False
        try:
            await check_access(
                uow, trainer.id, relationship.client_profile_id, Permission.MODIFY_WORKOUTS
            )
        except (NotFound, NotAllowed):
            return False
        return True

    async def _notice(self, uow: UnitOfWork, trainer: User, session_id: int) -> SessionNotice:
        detail = await self._detail(uow, trainer, session_id)
        found = await uow.calendar.get(session_id)
        assert found is not None
        row, _relationship, _profile, account = found
        client_zone = load_zone(account.timezone if account else trainer.timezone)
        return SessionNotice(
            detail=detail,
            trainer_name=trainer.display_name,
            client_telegram_id=account.telegram_id if account else None,
            client_starts_at=row.scheduled_at.astimezone(client_zone),
        )


def _item(row: CoachingSession, profile: ClientProfile, tz: str) -> SessionItem:
    return SessionItem(
        id=row.id,
        title=row.title,
        client_name=profile.name,
        starts_at=row.scheduled_at.astimezone(load_zone(tz)),
        duration_minutes=row.duration_minutes,
        session_type=row.session_type,
        status=row.status,
    )


def _transition(row: CoachingSession, target: SessionStatus) -> None:
    if row.status is SessionStatus.RESCHEDULED:
        raise Conflict(
            "This session has been moved to a new time. Open the new one in /schedule instead."
        )
    try:
        check_transition(row.status, target)
    except InvalidTransition as error:
        raise Conflict(str(error)) from error


async def _trainer(uow: UnitOfWork, telegram_id: int) -> User:
    return await uow.users.acting_trainer(telegram_id, TRAINERS_ONLY)
