"""Live logging: start a session, log sets turn by turn, finish it with a summary.

The session record (``session_records``, ``is_live`` while logging) is the whole state: its
exercise records and set records are written as sets arrive, and every turn is rebuilt from
them, so a restarted bot carries on at the next set. Each use case opens one unit of work,
authorises the acting user against the record, changes what it must and commits once before
the chat answers.

Who may log into a session: the client themselves, or the client's trainer while the client
lets them change and log workouts (``trainer_access(..., Permission.MODIFY_WORKOUTS)``). Anyone
else is told the session does not exist among theirs, whether it exists or not.

Idempotency: each set row carries ``source_key`` (``u<update_id>:<n>``), unique in the table,
and every other change remembers the update that made it (``session_metadata["ops"]``), so an
update delivered twice changes nothing twice.

Logging a set is the hot path (a trainer does it every minute or two, phone in hand). It reads
the user, the record, its profile, exercises, targets and sets as plain rows in one query
(:meth:`LiveRepository.read_live`), authorises, inserts the set rows, and builds the next turn
from the rows it read plus the ones it wrote, without reading the session again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, TypeVar
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.catalogue import (
    SearchCandidate,
    SearchHit,
    crosses_variant,
    search_exercises,
)
from coaching.domain.enums import (
    AssignmentStatus,
    Permission,
    RecordStatus,
    RelationshipStatus,
    SessionStatus,
    SetType,
    Units,
)
from coaching.domain.live import (
    ExerciseState,
    SummaryData,
    Target,
    adhoc_title,
    build_summary,
    build_turn,
    format_target,
    next_exercise_key,
    planned_entry,
    repeat_entry,
    rest_seconds,
    step_entry,
    step_unit,
)
from coaching.domain.sets import SetEntry, SetParseError, format_set, parse_sets
from coaching.domain.strength import PerformedSet
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.access import (
    Access,
    access_of,
    all_profiles_of,
    authorise,
    client_profile_ids,
    profile_scope,
    readable_profiles,
    relationship_for,
    self_profile,
    trainer_access,
)
from coaching.services.base import Service, ServiceContext
from coaching.services.plan import effective_exercises
from storage.models import (
    ClientProfile,
    CoachingSession,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    ProgramModification,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.clients import ClientRepository
from storage.repositories.exercises import ExerciseRepository
from storage.repositories.live import (
    LiveRead,
    LiveRepository,
    LiveSet,
    LiveTemplate,
)
from storage.repositories.timers import DelayedMessageRepository
from storage.repositories.users import UserRepository
from storage.uow import UnitOfWork, UnitOfWorkFactory

T = TypeVar("T")

NOT_YOUR_SESSION = "I can't find that session among yours."
FINISHED = "This session is finished."
UNKNOWN_USER = "I don't know you yet. Send /start first."
NO_SET_YET = "Log a set first."
UNPLANNED_TITLE = "Unplanned session"
MOVED = "This session has been moved to a new time: start it from /log at its new time."
OWN_TITLE = "My workout"
MAX_NOTE = 1000
MAX_REASON = 500
OPS_KEPT = 30
LAST_TIME_SETS = 8
SEARCH_LIMIT = 5
MENU_PENDING_MAX = 100  # clients not joined yet that /log lists, besides the active ones


class SessionFinished(Conflict):
    """The live session is over (finished, closed or abandoned): nothing more goes into it."""

    def __init__(self, record_id: int) -> None:
        super().__init__(FINISHED)
        self.record_id = record_id


class SessionNotYours(NotFound):
    """The session is not among the acting user's (or does not exist: the same answer)."""

    def __init__(self, session_id: int | None = None) -> None:
        super().__init__(NOT_YOUR_SESSION)
        self.session_id = session_id


class SessionMoved(Conflict):
    """The planned session was moved to a new time: it is started from there, not here."""

    def __init__(self, coaching_session_id: int) -> None:
        super().__init__(MOVED)
        self.coaching_session_id = coaching_session_id


class NoSetYet(Conflict):
    """Something needs a set logged first (an RPE for the last set, undo, ...)."""

    def __init__(self) -> None:
        super().__init__(NO_SET_YET)


class ReasonNeeded(InvalidInput):
    """A swap in a program session needs a reason (it is recorded for the program)."""


# --------------------------------------------------------------------------- DTOs


@dataclass(frozen=True, slots=True)
class PlannedChoice:
    """A session planned for today that can be logged."""

    coaching_session_id: int
    title: str
    local_time: str
    client_name: str
    trainer_name: str
    in_progress: bool


@dataclass(frozen=True, slots=True)
class ClientChoice:
    """A client /log offers a trainer; ``joined`` is false for a profile whose client has not
    linked an account (the trainer coaches them on their own record)."""

    profile_id: int
    name: str
    planned_today: bool
    live: bool
    joined: bool = True


@dataclass(frozen=True, slots=True)
class StartMenu:
    """What /log offers: a trainer's clients, and a client's own options."""

    is_trainer: bool
    is_client: bool
    clients: tuple[ClientChoice, ...]
    planned: tuple[PlannedChoice, ...]
    live_record_id: int | None


@dataclass(frozen=True, slots=True)
class ClientOptions:
    profile_id: int
    name: str
    planned: tuple[PlannedChoice, ...]
    live_record_id: int | None


@dataclass(frozen=True, slots=True)
class TurnView:
    """One turn of a live session, as the viewer sees it (weights in their unit)."""

    record_id: int
    title: str
    client_name: str
    is_live: bool
    exercise_name: str | None
    position: int
    count: int
    set_number: int
    target_sets: int | None
    target_text: str | None
    target_met: bool
    has_plan: bool
    upcoming: str | None
    last_time: str | None
    history_locked: bool
    today: tuple[str, ...]
    total_sets: int
    rest_s: int | None
    timer_on: bool
    next_type: SetType | None
    units: Units
    message_id: int | None
    viewer_is_client: bool
    exercise_id: int | None = None
    step_unit: Units = Units.KG
    """The unit the ± buttons step in: the last set's as typed, else the viewer's."""


@dataclass(frozen=True, slots=True)
class StartResult:
    turn: TurnView
    resumed: bool


@dataclass(frozen=True, slots=True)
class ExerciseChoice:
    exercise_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LogResult:
    """What a logged message did: the new turn, the sets stored, and the rest to count.

    ``duplicate`` is true when the same update had already been logged (nothing was stored).
    ``choices`` is set instead when there was no exercise yet and the text was taken as one.
    """

    turn: TurnView
    logged: tuple[str, ...] = ()
    duplicate: bool = False
    rest_s: int | None = None
    choices: tuple[ExerciseChoice, ...] | None = None


def rest_timer_key(record_id: int) -> str:
    """The rest timer's key among delayed messages: one timer per live session."""
    return f"lg-rest:{record_id}"


@dataclass(frozen=True, slots=True)
class RestTimer:
    """Where a logged set's rest timer says "rest over", and in what words.

    ``message`` turns the next turn into the text (``None``: nothing to announce, so no
    timer); the wording stays with the chat. The timer is written in the set's own
    transaction, so it is committed with the set, before the reply.
    """

    chat_id: int
    message: Callable[[TurnView], str | None]


@dataclass(frozen=True, slots=True)
class NamedResult:
    """What an exercise's name typed mid-session did.

    ``added`` or ``switched`` when one exercise matched exactly (it was added at the end, or
    the session moved to it); otherwise ``choices`` holds the matches to confirm (empty when
    nothing matched) and nothing changed.
    """

    turn: TurnView
    added: bool = False
    switched: bool = False
    choices: tuple[ExerciseChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    telegram_id: int
    units: Units
    timezone: str
    message_id: int | None


@dataclass(frozen=True, slots=True)
class FinishResult:
    """A finished session: the summary per audience and who gets it.

    ``trainer_summary`` is built only from what the client shares with the trainer
    (``trainer_sees_history`` / ``trainer_sees_progress``). ``discarded`` is true when nothing
    had been logged, so the session was closed without a summary.
    """

    record_id: int
    title: str
    client_name: str
    discarded: bool
    actor_is_client: bool
    client_summary: SummaryData | None
    trainer_summary: SummaryData | None
    trainer_sees_history: bool
    trainer_sees_progress: bool
    client: Recipient | None
    trainer: Recipient | None
    ask_feedback: bool


@dataclass(frozen=True, slots=True)
class Abandoned:
    record_id: int
    title: str
    client_name: str
    sets: int
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    rpe: int
    client_name: str
    title: str
    trainer: Recipient | None


# --------------------------------------------------------------------------- loading


@dataclass
class _Loaded:
    user: User
    record: SessionRecord
    profile: ClientProfile
    is_client: bool
    access: Access | None
    scope: list[int]
    history_visible: bool
    templates: dict[int, ExerciseTemplate]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _entry(row: SetRecord | LiveSet) -> SetEntry:
    return SetEntry(
        reps=row.reps,
        weight_kg=row.weight_kg,
        bodyweight=row.bodyweight,
        entered_unit=row.entered_unit,
        rpe=row.rpe,
        rir=row.rir,
        duration_s=row.duration_s,
        distance_m=row.distance_m,
        set_type=row.set_type,
    )


def _performed(row: SetRecord) -> PerformedSet:
    return PerformedSet(
        exercise_id=row.exercise_id,
        weight_kg=row.weight_kg,
        reps=row.reps,
        set_type=row.set_type,
        performed_at=row.performed_at,
        bodyweight=row.bodyweight,
        entered_unit=row.entered_unit,
    )


def _target(template: ExerciseTemplate | LiveTemplate | None, exercise_id: int) -> Target | None:
    if template is None:
        return None
    return Target(
        sets=template.target_sets,
        reps_min=template.reps_min,
        reps_max=template.reps_max,
        # A swapped exercise keeps the scheme but not the other exercise's load.
        weight_kg=template.target_weight_kg if template.exercise_id == exercise_id else None,
        bodyweight=template.bodyweight,
        rpe=template.target_rpe,
        rir=template.target_rir,
        rest_s=template.rest_seconds,
        duration_s=template.duration_s,
        distance_m=template.distance_m,
    )


def _ordered(record: SessionRecord) -> list[ExerciseRecord]:
    return sorted(record.exercises, key=lambda e: (e.order_index, e.id or 0))


def _states(loaded: _Loaded) -> list[ExerciseState]:
    return [
        ExerciseState(
            key=row.id,
            exercise_id=row.exercise_id,
            name=row.exercise_name,
            target=_target(loaded.templates.get(row.exercise_template_id or 0), row.exercise_id),
            sets=tuple(_entry(s) for s in sorted(row.sets, key=lambda s: (s.set_index, s.id))),
            skipped=row.skipped,
            completed=row.completed,
        )
        for row in _ordered(loaded.record)
    ]


def _read_states(read: LiveRead) -> list[ExerciseState]:
    """The exercises of a session read by :meth:`LiveRepository.read_live`, in order."""
    return [
        ExerciseState(
            key=row.id,
            exercise_id=row.exercise_id,
            name=row.exercise_name,
            target=_target(row.template, row.exercise_id),
            sets=tuple(_entry(s) for s in row.sets),
            skipped=row.skipped,
            completed=row.completed,
        )
        for row in read.exercises
    ]


def _last_time(rows: Sequence[SetRecord | LiveSet], units: Units, tz: str) -> str | None:
    """ "Tue 17 Nov: 100 kg × 5, …": the sets of the last session that had the exercise."""
    if not rows:
        return None
    shown = ", ".join(format_set(_entry(r), units) for r in rows[:LAST_TIME_SETS])
    if len(rows) > LAST_TIME_SETS:
        shown += ", …"
    when = max(r.performed_at for r in rows)
    day = when.astimezone(_zone(tz)).strftime("%a %d %b").replace(" 0", " ")
    return f"{day}: {shown}"


def _turn_view(
    *,
    record_id: int,
    title: str,
    client_name: str,
    is_live: bool,
    meta: dict[str, Any],
    viewer_telegram_id: int,
    units: Units,
    viewer_is_client: bool,
    history_visible: bool,
    states: Sequence[ExerciseState],
    last_time: str | None,
) -> TurnView:
    turn = build_turn(states, meta.get("current"))
    exercise = turn.exercise
    target = exercise.target if exercise is not None else None
    timer = meta.get("timer")
    next_type = meta.get("next_type")
    rest = rest_seconds(target, timer)
    return TurnView(
        record_id=record_id,
        title=title,
        client_name=client_name,
        is_live=is_live,
        exercise_name=exercise.name if exercise else None,
        position=turn.position,
        count=turn.count,
        set_number=turn.set_number,
        target_sets=target.sets if target else None,
        target_text=format_target(target, units) if target else None,
        target_met=turn.target_met,
        has_plan=_plan_loggable(target, exercise.last if exercise else None, units),
        upcoming=turn.upcoming,
        last_time=last_time,
        history_locked=exercise is not None and not history_visible,
        today=tuple(format_set(entry, units) for entry in exercise.sets) if exercise else (),
        total_sets=sum(len(s.sets) for s in states),
        rest_s=rest,
        timer_on=rest is not None,
        next_type=SetType(next_type) if next_type else None,
        units=units,
        message_id=meta.get("messages", {}).get(str(viewer_telegram_id)),
        viewer_is_client=viewer_is_client,
        exercise_id=exercise.exercise_id if exercise else None,
        step_unit=step_unit(exercise.last if exercise else None, units),
    )


_LastTimeKey = tuple[int, int, int, Units, str]


class _LastTimes:
    """ "Last time" lines already worked out for live sessions, per application.

    "Last time" is read from *other* sessions, so it does not change while a session moves
    from set to set; keeping it saves the hot path a query per set (the card re-sent below a
    typed set costs one small write instead). Keyed by record, exercise, viewer, unit and time
    zone; bounded, oldest out first. Only sessions the viewer may see history for are kept.
    """

    KEPT = 2048
    _by_app: ClassVar[
        WeakKeyDictionary[UnitOfWorkFactory, OrderedDict[_LastTimeKey, str | None]]
    ] = WeakKeyDictionary()

    @classmethod
    def of(cls, ctx: ServiceContext) -> OrderedDict[_LastTimeKey, str | None]:
        found = cls._by_app.get(ctx.uow)
        if found is None:
            found = cls._by_app[ctx.uow] = OrderedDict()
        return found

    @classmethod
    def keep(cls, ctx: ServiceContext, key: _LastTimeKey, value: str | None) -> None:
        kept = cls.of(ctx)
        kept[key] = value
        kept.move_to_end(key)
        while len(kept) > cls.KEPT:
            kept.popitem(last=False)


@dataclass
class _Storing:
    """What storing a logged set needs from the unit of work that read the session."""

    uow: UnitOfWork
    live: _Live
    states: list[ExerciseState]
    current: ExerciseState
    source_key: str
    rest: RestTimer | None


@dataclass
class _Live:
    """A live session read for one turn, after checking the user may log into it."""

    read: LiveRead
    record_id: int
    is_client: bool
    access: Access | None
    history_visible: bool


def _meta(record: SessionRecord) -> dict[str, Any]:
    return dict(record.session_metadata or {})


def _set_meta(record: SessionRecord, **changes: Any) -> None:
    meta = _meta(record)
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    record.session_metadata = meta


def _first_time(record: SessionRecord, op_key: str | None) -> bool:
    """Remember ``op_key``; false when this update already changed the session."""
    if op_key is None:
        return True
    ops = list(_meta(record).get("ops", []))
    if op_key in ops:
        return False
    _set_meta(record, ops=[*ops, op_key][-OPS_KEPT:])
    return True


def _plan_loggable(target: Target | None, last: SetEntry | None, units: Units) -> bool:
    """Whether "✓ As planned" would log a set: the plan gives a load (or bodyweight, reps
    only, a time or a distance), or the last set gives the load the plan leaves open."""
    if target is None:
        return False
    try:
        planned_entry(target, last, units)
    except SetParseError:
        return False
    return True


def _unambiguous(hits: Sequence[SearchHit], record: SessionRecord) -> int | None:
    """The exercise a typed name certainly means, or ``None`` to ask.

    Certain: the name is exactly one exercise open in this session (``rdl`` in a session that
    has Romanian deadlifts), or the search found one exercise only, by its exact name or alias.
    """
    open_ids = {row.exercise_id for row in record.exercises if not (row.completed or row.skipped)}
    here = [hit for hit in hits if hit.exact and int(hit.key) in open_ids]
    if len(here) == 1:
        return int(here[0].key)
    if len(hits) == 1 and hits[0].exact:
        return int(hits[0].key)
    return None


def _title_after_what_was_done(record: SessionRecord) -> None:
    """An unplanned session is titled after its exercises ("Squat · Pull-Up") once finished."""
    if record.program_session_id is not None or record.coaching_session_id is not None:
        return
    title = adhoc_title([row.exercise_name for row in _ordered(record) if row.sets])
    if title is not None:
        record.title = title[:255]


def _local_day(now: datetime, tz: str) -> tuple[date, datetime, datetime]:
    zone = _zone(tz)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(0), zone).astimezone(UTC)
    end = datetime.combine(today + timedelta(days=1), time(0), zone).astimezone(UTC)
    return today, start, end


class LiveService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ starting

    async def menu(self, telegram_id: int) -> StartMenu:
        """What /log offers this user: their clients (trainer) and today's plan (client)."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            repo = LiveRepository(session)
            _, start, end = _local_day(self.ctx.clock.now(), user.timezone)
            clients: list[ClientChoice] = []
            if user.is_trainer:
                profiles = await repo.active_clients(user.id)
                planned = {
                    profile.id
                    for _, _, profile in await repo.planned_between(
                        start, end, trainer_user_id=user.id
                    )
                }
                # Clients who have not joined (yet): the trainer logs for them on their own
                # record, which every permission allows while the relationship is pending.
                waiting = [
                    profile
                    for profile, _ in await ClientRepository(session).page_for_trainer(
                        user.id, (RelationshipStatus.PENDING,), offset=0, limit=MENU_PENDING_MAX
                    )
                    if profile.user_id is None and profile.is_active and profile.erased_at is None
                ]
                if waiting:
                    # planned_between already covers their sessions (pending, no account).
                    profiles = sorted(
                        [*profiles, *waiting], key=lambda p: (p.name.casefold(), p.id)
                    )
                live_rows = await repo.live_for_profiles([p.id for p in profiles])
                live = {r.client_profile_id for r in live_rows}
                clients = [
                    ClientChoice(
                        p.id, p.name, p.id in planned, p.id in live, joined=p.user_id is not None
                    )
                    for p in profiles
                ]
                clients.sort(key=lambda c: (not c.live, not c.planned_today))
            planned_choices: tuple[PlannedChoice, ...] = ()
            live_id: int | None = None
            if user.is_client or not user.is_trainer:
                planned_choices = await self._planned(
                    session, user, start, end, client_user_id=user.id
                )
                own = await client_profile_ids(session, user.id)
                live_rows = await repo.live_for_profiles(own)
                live_id = live_rows[0].id if live_rows else None
            return StartMenu(
                is_trainer=user.is_trainer,
                is_client=user.is_client or not user.is_trainer,
                clients=tuple(clients),
                planned=planned_choices,
                live_record_id=live_id,
            )

    async def client_options(self, telegram_id: int, profile_id: int) -> ClientOptions:
        """A trainer picked a client: today's planned sessions for them, or a live one."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            await trainer_access(session, user.id, profile_id, Permission.MODIFY_WORKOUTS)
            repo = LiveRepository(session)
            profile = await repo.profile(profile_id)
            if profile is None:
                raise SessionNotYours()
            _, start, end = _local_day(self.ctx.clock.now(), user.timezone)
            planned = await self._planned(
                session, user, start, end, trainer_user_id=user.id, profile_id=profile_id
            )
            return ClientOptions(
                profile_id=profile_id,
                name=profile.name,
                planned=planned,
                live_record_id=await repo.live_id_for_profile(profile_id),
            )

    async def _planned(
        self,
        session: AsyncSession,
        viewer: User,
        start: datetime,
        end: datetime,
        **where: int,
    ) -> tuple[PlannedChoice, ...]:
        repo = LiveRepository(session)
        rows = await repo.planned_between(start, end, **where)
        trainers = await repo.users([rel.trainer_user_id for _, rel, _ in rows])
        zone = _zone(viewer.timezone)
        return tuple(
            PlannedChoice(
                coaching_session_id=cs.id,
                title=cs.title,
                local_time=cs.scheduled_at.astimezone(zone).strftime("%H:%M"),
                client_name=profile.name,
                trainer_name=(
                    trainers[rel.trainer_user_id].display_name
                    if rel.trainer_user_id in trainers
                    else ""
                ),
                in_progress=cs.status is SessionStatus.IN_PROGRESS,
            )
            for cs, rel, profile in rows
        )

    async def start_planned(self, telegram_id: int, coaching_session_id: int) -> StartResult:
        """Start (or resume) logging a scheduled session; its exercises come pre-filled."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            repo = LiveRepository(session)
            found = await repo.coaching_session(coaching_session_id)
            if found is None:
                raise SessionNotYours()
            coaching, relationship, profile = found
            if profile.user_id != user.id:
                if relationship.trainer_user_id != user.id:
                    raise SessionNotYours()
                await self._trainer_may_log(session, user.id, profile.id)
            live_id = await repo.live_id_for_profile(profile.id)
            if live_id is not None:
                return await self._resumed(session, uow, user, live_id)
            if coaching.status is SessionStatus.RESCHEDULED:
                raise SessionMoved(coaching.id)
            if coaching.status not in (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS):
                raise Conflict(f"This session is {coaching.status.value.lower()}.")
            now = self.ctx.clock.now()
            record = self._new_record(
                user, profile, coaching.title, now, trainer_user_id=relationship.trainer_user_id
            )
            record.coaching_session_id = coaching.id
            record.program_session_id = coaching.program_session_id
            if coaching.location:
                record.location = coaching.location
            await self._prefill(session, record, coaching)
            if coaching.status is not SessionStatus.IN_PROGRESS:
                check_transition(coaching.status, SessionStatus.IN_PROGRESS)
                coaching.status = SessionStatus.IN_PROGRESS
                coaching.started_at = now
            if coaching.assignment_id is not None:
                # The program's first logged session starts it.
                assignment = await repo.assignment(coaching.assignment_id)
                if assignment is not None and assignment.status is AssignmentStatus.ASSIGNED:
                    check_transition(assignment.status, AssignmentStatus.IN_PROGRESS)
                    assignment.status = AssignmentStatus.IN_PROGRESS
            repo.add(record)
            await session.flush()
            loaded = await self._load(session, user, record.id)
            view = await self._view(session, loaded)
            await uow.commit()
            return StartResult(view, resumed=False)

    async def start_unplanned(self, telegram_id: int, profile_id: int) -> StartResult:
        """A trainer starts an unplanned session for one of their clients."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            await self._trainer_may_log(session, user.id, profile_id)
            repo = LiveRepository(session)
            live_id = await repo.live_id_for_profile(profile_id)
            if live_id is not None:
                return await self._resumed(session, uow, user, live_id)
            profile = await repo.profile(profile_id)
            if profile is None:
                raise SessionNotYours()
            record = self._new_record(
                user, profile, UNPLANNED_TITLE, self.ctx.clock.now(), trainer_user_id=user.id
            )
            return await self._created(session, uow, user, record)

    async def start_own(self, telegram_id: int) -> StartResult:
        """A client starts (or resumes) a workout of their own, on their self profile."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            profile = await self_profile(session, user.id, user.display_name)
            repo = LiveRepository(session)
            live_id = await repo.live_id_for_profile(profile.id)
            if live_id is not None:
                return await self._resumed(session, uow, user, live_id)
            record = self._new_record(
                user, profile, OWN_TITLE, self.ctx.clock.now(), trainer_user_id=None
            )
            return await self._created(session, uow, user, record)

    async def resume(self, telegram_id: int, record_id: int) -> StartResult:
        async with self.ctx.uow() as uow:
            user = await self._user(uow.session, telegram_id)
            return await self._resumed(uow.session, uow, user, record_id)

    async def _resumed(
        self, session: AsyncSession, uow: UnitOfWork, user: User, record_id: int
    ) -> StartResult:
        loaded = await self._load(session, user, record_id)
        if not loaded.record.is_live:
            raise SessionFinished(record_id)
        view = await self._view(session, loaded)
        await uow.commit()
        return StartResult(view, resumed=True)

    async def _created(
        self, session: AsyncSession, uow: UnitOfWork, user: User, record: SessionRecord
    ) -> StartResult:
        LiveRepository(session).add(record)
        await session.flush()
        loaded = await self._load(session, user, record.id)
        view = await self._view(session, loaded)
        await uow.commit()
        return StartResult(view, resumed=False)

    def _new_record(
        self,
        user: User,
        profile: ClientProfile,
        title: str,
        now: datetime,
        *,
        trainer_user_id: int | None,
    ) -> SessionRecord:
        return SessionRecord(
            client_profile_id=profile.id,
            trainer_user_id=trainer_user_id,
            logged_by_user_id=user.id,
            title=title[:255],
            session_date=now.astimezone(_zone(user.timezone)).date(),
            start_time=now,
            completed=False,
            is_live=True,
            status=RecordStatus.LIVE,
            source="live",
            created_by=user.id,
            trainee_feedback={},
            session_metadata={},
            exercises=[],
        )

    async def _prefill(
        self, session: AsyncSession, record: SessionRecord, coaching: CoachingSession
    ) -> None:
        """The planned exercises with their targets, after this client's swaps."""
        for index, planned in enumerate(await effective_exercises(session, coaching.id)):
            note = None
            if planned.swapped:
                note = f"Swapped from {planned.original_name}"
                if planned.swap_reason:
                    note += f": {planned.swap_reason}"
            record.exercises.append(
                ExerciseRecord(
                    exercise_template_id=planned.exercise_template_id,
                    exercise_id=planned.exercise_id,
                    exercise_name=planned.name[:100],
                    order_index=index,
                    modification_notes=note,
                    sets=[],
                )
            )

    # ------------------------------------------------------------------ reading a turn

    async def turn(self, telegram_id: int, record_id: int) -> TurnView:
        async with self.ctx.uow() as uow:
            user = await self._user(uow.session, telegram_id)
            loaded = await self._load(uow.session, user, record_id)
            return await self._view(uow.session, loaded)

    async def remember_message(self, telegram_id: int, record_id: int, message_id: int) -> None:
        """Keep the id of this chat's live message so later turns (and restarts) edit it."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow.session, telegram_id)
            record = await self._authorised_record(uow.session, user, record_id)
            messages = dict(_meta(record).get("messages", {}))
            if messages.get(str(telegram_id)) == message_id:
                return
            messages[str(telegram_id)] = message_id
            _set_meta(record, messages=messages)
            await uow.commit()

    async def move_card(self, record_id: int, telegram_id: int, message_id: int) -> None:
        """Remember the live card just sent below a typed message, in one small write.

        Called only after this update read the record's turn for ``telegram_id`` (which is
        where it was authorised), so it neither reads nor re-checks anything.
        """
        async with self.ctx.uow() as uow:
            await LiveRepository(uow.session).set_card(record_id, telegram_id, message_id)
            await uow.commit()

    async def card_of(self, telegram_id: int, record_id: int) -> int | None:
        """This chat's current live card for the record (after authorising), or ``None``."""
        async with self.ctx.uow() as uow:
            live = await self._read(uow.session, telegram_id, record_id)
            card = live.read.metadata.get("messages", {}).get(str(telegram_id))
            return card if isinstance(card, int) else None

    # ------------------------------------------------------------------ logging sets

    async def log_text(
        self,
        telegram_id: int,
        record_id: int,
        text: str,
        source_key: str,
        rest: RestTimer | None = None,
    ) -> LogResult:
        """Log the set(s) one message describes; ``SetParseError`` if it is unreadable.

        With no exercise to log into yet, the text is taken as the name of one to add and
        ``choices`` lists the matches.
        """
        async with self.ctx.uow() as uow:
            session = uow.session
            live = await self._read(session, telegram_id, record_id)
            states = _read_states(live.read)
            meta = live.read.metadata
            turn = build_turn(states, meta.get("current"))
            if turn.exercise is None:
                choices = await self._search_for(session, live.read.trainer_user_id, text)
                view = await self._read_view(session, live, states, meta)
                return LogResult(view, choices=choices)
            if _logged_by(live.read, source_key):
                view = await self._read_view(session, live, states, meta)
                return LogResult(view, duplicate=True)
            entries = parse_sets(text, default_unit=live.read.units, last=turn.exercise.last)
            return await self._store(
                _Storing(uow, live, states, turn.exercise, source_key, rest), entries
            )

    async def log_button(
        self,
        telegram_id: int,
        record_id: int,
        kind: str,
        source_key: str,
        rest: RestTimer | None = None,
    ) -> LogResult:
        """A logging button: ``planned`` (✓ as planned), ``same``, ``up`` or ``down``."""
        async with self.ctx.uow() as uow:
            session = uow.session
            live = await self._read(session, telegram_id, record_id)
            states = _read_states(live.read)
            meta = live.read.metadata
            turn = build_turn(states, meta.get("current"))
            if turn.exercise is None:
                raise Conflict("There is no exercise to log into: add one first.")
            if _logged_by(live.read, source_key):
                view = await self._read_view(session, live, states, meta)
                return LogResult(view, duplicate=True)
            current = turn.exercise
            units = live.read.units
            if kind == "planned":
                entry = planned_entry(current.target, current.last, units)
            elif kind == "same":
                entry = repeat_entry(current.last, units)
            elif kind in ("up", "down"):
                entry = step_entry(current.last, up=kind == "up", unit=units)
            else:
                raise InvalidInput("That button is not known.")
            return await self._store(
                _Storing(uow, live, states, current, source_key, rest), (entry,)
            )

    async def _store(self, storing: _Storing, entries: Sequence[SetEntry]) -> LogResult:
        """Insert the set rows and set the rest timer, commit, and build the next turn from
        what was read and written."""
        uow, live, states, current = storing.uow, storing.live, storing.states, storing.current
        session, source_key = uow.session, storing.source_key
        read = live.read
        row = next(e for e in read.exercises if e.id == current.key)
        now = self.ctx.clock.now()
        meta = dict(read.metadata)
        next_type = meta.get("next_type")
        index = max((s.set_index for s in row.sets), default=0)
        stored: list[SetEntry] = []
        rows: list[dict[str, Any]] = []
        for offset, entry in enumerate(entries):
            set_type = entry.set_type
            if set_type is SetType.NORMAL and next_type:
                set_type = SetType(next_type)
            stored.append(replace(entry, set_type=set_type))
            rows.append(
                {
                    "exercise_record_id": row.id,
                    "client_profile_id": read.client_profile_id,
                    "exercise_id": row.exercise_id,
                    "set_index": index + offset + 1,
                    "set_type": set_type,
                    "weight_kg": entry.weight_kg,
                    "bodyweight": entry.bodyweight,
                    "reps": entry.reps,
                    "rpe": entry.rpe,
                    "rir": entry.rir,
                    "duration_s": entry.duration_s,
                    "distance_m": entry.distance_m,
                    "entered_unit": entry.entered_unit,
                    "performed_at": now,
                    "source_key": f"{source_key}:{offset}",
                }
            )
        repo = LiveRepository(session)
        try:
            await repo.insert_sets(rows)
        except IntegrityError as error:
            if "source_key" not in str(error.orig):
                raise
            # This update's sets are stored already (in another session): none are added.
            await uow.rollback()
            view = await self._read_view(session, live, states, read.metadata)
            return LogResult(view, duplicate=True)
        if row.started_at is None:
            await repo.exercise_started(row.id, now)
        changed = {**meta, "current": row.id}
        changed.pop("next_type", None)
        if changed != meta:
            await repo.set_metadata(live.record_id, changed)
        after = [
            replace(state, sets=(*state.sets, *stored)) if state.key == row.id else state
            for state in states
        ]
        view = await self._read_view(session, live, after, changed)
        rest = rest_seconds(current.target, meta.get("timer"))
        if storing.rest is not None:
            await self._set_rest_timer(session, live.record_id, storing.rest, view, rest)
        # The set is this update's whole work: its processed mark goes in the same commit.
        await uow.commit(completes_update=True)
        units = read.units
        logged = tuple(format_set(entry, units) for entry in entries)
        return LogResult(view, logged=logged, rest_s=rest)

    async def _set_rest_timer(
        self,
        session: AsyncSession,
        record_id: int,
        timer: RestTimer,
        view: TurnView,
        seconds: int | None,
    ) -> None:
        """One statement: the upsert replaces the session's earlier timer, or the delete
        removes it when this set starts no rest (or there is nothing to announce)."""
        repo = DelayedMessageRepository(session)
        text = timer.message(view) if seconds else None
        key = rest_timer_key(record_id)
        if text is None or seconds is None:
            await repo.cancel(key)
            return
        due = self.ctx.clock.now() + timedelta(seconds=seconds)
        await repo.put(key, timer.chat_id, text, due)

    # ------------------------------------------------------------------ editing the session

    async def rate_last_set(
        self, telegram_id: int, record_id: int, rpe: int, op_key: str
    ) -> TurnView:
        """RPE (6–10) for the set just logged."""
        if not 1 <= rpe <= 10:
            raise InvalidInput("RPE goes from 1 to 10.", example="8")

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            last = self._last_set(loaded)
            last.rpe = Decimal(rpe)
            last.rir = None

        return await self._change(telegram_id, record_id, op_key, change)

    async def mark_set_type(
        self, telegram_id: int, record_id: int, set_type: SetType, which: str, op_key: str
    ) -> TurnView:
        """Mark the ``last`` set, or the ``next`` one, as warm-up, drop or failure."""

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            if which == "next":
                current = _meta(loaded.record).get("next_type")
                chosen = None if current == set_type.value else set_type.value
                _set_meta(loaded.record, next_type=chosen)
                return
            last = self._last_set(loaded)
            last.set_type = SetType.NORMAL if last.set_type is set_type else set_type

        return await self._change(telegram_id, record_id, op_key, change)

    async def rate_form(
        self, telegram_id: int, record_id: int, rating: int, op_key: str
    ) -> TurnView:
        """Form rating 1–5 for the current exercise."""
        if not 1 <= rating <= 5:
            raise InvalidInput("Form is rated from 1 to 5.", example="4")

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            self._current_row(loaded).form_rating = rating

        return await self._change(telegram_id, record_id, op_key, change)

    async def undo(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        """Delete the most recent set of the session; its exercise becomes current again."""

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            last = self._last_set(loaded)
            row = next(e for e in loaded.record.exercises if e.id == last.exercise_record_id)
            row.sets.remove(last)
            row.completed = False
            row.completed_at = None
            row.skipped = False
            _set_meta(loaded.record, current=row.id)

        return await self._change(telegram_id, record_id, op_key, change)

    async def skip(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            row.skipped = True
            following = next_exercise_key(_states(loaded), row.id)
            _set_meta(loaded.record, current=following)

        return await self._change(telegram_id, record_id, op_key, change)

    async def next_exercise(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        """Done with this exercise (skipped if nothing was logged); on to the next open one."""

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            if row.sets:
                row.completed = True
                row.completed_at = self.ctx.clock.now()
            else:
                row.skipped = True
            following = next_exercise_key(_states(loaded), row.id)
            _set_meta(loaded.record, current=following)

        return await self._change(telegram_id, record_id, op_key, change)

    async def toggle_timer(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            meta = _meta(loaded.record)
            current = self._current_state(loaded)
            on = rest_seconds(current.target if current else None, meta.get("timer")) is not None
            _set_meta(loaded.record, timer=not on)

        return await self._change(telegram_id, record_id, op_key, change)

    async def add_note(self, telegram_id: int, record_id: int, text: str, op_key: str) -> TurnView:
        """A form note on the current exercise (kept with earlier notes)."""
        note = " ".join(text.split())
        if not note:
            raise InvalidInput("The note is empty.", example="Knees caving on rep 4")
        if len(note) > MAX_NOTE:
            raise InvalidInput(
                f"That note is too long ({len(note)} characters; at most {MAX_NOTE}).",
                example="Knees caving on rep 4",
            )

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            row.notes = f"{row.notes}\n{note}" if row.notes else note

        return await self._change(telegram_id, record_id, op_key, change)

    async def search(
        self, telegram_id: int, record_id: int, query: str
    ) -> tuple[ExerciseChoice, ...]:
        """Exercises matching ``query`` (built-ins and the trainer's own), best first."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow.session, telegram_id)
            loaded = await self._load(uow.session, user, record_id, live_only=True)
            return await self._search(uow.session, loaded, query)

    async def _search(
        self, session: AsyncSession, loaded: _Loaded, query: str
    ) -> tuple[ExerciseChoice, ...]:
        return await self._search_for(session, loaded.record.trainer_user_id, query)

    async def _search_for(
        self, session: AsyncSession, owner: int | None, query: str
    ) -> tuple[ExerciseChoice, ...]:
        hits = await self._hits(session, owner, query)
        return tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)

    async def _hits(
        self, session: AsyncSession, owner: int | None, query: str, *, same_lift: bool = False
    ) -> list[SearchHit]:
        """The exercises ``query`` may mean, best first. With ``same_lift``, a loose match that
        would change the lift (``incline bench press`` on Barbell Bench Press) is left out
        whenever another match keeps it; an exact name or alias always stays."""
        cleaned = " ".join(query.split())[:100]
        if not cleaned:
            return []
        rows = await ExerciseRepository(session).visible_to(owner)
        candidates = tuple(SearchCandidate(row.id, row.name, tuple(row.aliases)) for row in rows)
        hits = search_exercises(cleaned, candidates, limit=SEARCH_LIMIT)
        if not same_lift:
            return hits
        category = {row.id: row.category for row in rows}
        fitting = [
            hit
            for hit in hits
            if hit.exact or not crosses_variant(cleaned, hit.name, category.get(int(hit.key)))
        ]
        return fitting or hits

    async def exercise_named(
        self, telegram_id: int, record_id: int, text: str, op_key: str
    ) -> NamedResult:
        """An exercise's name typed mid-session (``bench press``, ``rdl``).

        Without doubt (see :func:`_unambiguous`) the session moves to it if it is open there,
        else it is added at the end (see :meth:`_add_or_switch`). Anything less certain
        changes nothing and returns the matches as ``choices`` to confirm with a button.
        """
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            loaded = await self._load(session, user, record_id, live_only=True)
            hits = await self._hits(session, loaded.record.trainer_user_id, text, same_lift=True)
            chosen = _unambiguous(hits, loaded.record)
            if chosen is None:
                choices = tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)
                return NamedResult(await self._view(session, loaded), choices=choices)
            switched = False
            if _first_time(loaded.record, op_key):
                exercise = await self._exercise(session, loaded, chosen)
                switched = await self._add_or_switch(session, loaded, exercise)
                await session.flush()
            view = await self._view(session, loaded)
            await uow.commit()
            return NamedResult(view, added=not switched, switched=switched)

    async def add_exercise(
        self, telegram_id: int, record_id: int, exercise_id: int, op_key: str
    ) -> TurnView:
        """Add an exercise at the end of the session and make it current.

        An exercise the session already has open is not added twice: the session moves to it.
        """

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            exercise = await self._exercise(session, loaded, exercise_id)
            await self._add_or_switch(session, loaded, exercise)

        return await self._change(telegram_id, record_id, op_key, change)

    async def _add_or_switch(
        self, session: AsyncSession, loaded: _Loaded, exercise: Exercise
    ) -> bool:
        """Make ``exercise`` current: its open row if any (true), else a new row at the end."""
        rows = _ordered(loaded.record)
        for row in rows:
            if row.exercise_id == exercise.id and not (row.completed or row.skipped):
                _set_meta(loaded.record, current=row.id)
                return True
        added = ExerciseRecord(
            exercise_id=exercise.id,
            exercise_name=exercise.name[:100],
            order_index=(rows[-1].order_index + 1) if rows else 0,
            sets=[],
        )
        loaded.record.exercises.append(added)
        await session.flush()
        _set_meta(loaded.record, current=added.id)
        return False

    async def swap(
        self,
        telegram_id: int,
        record_id: int,
        exercise_id: int,
        op_key: str,
        reason: str | None = None,
    ) -> TurnView:
        """Swap the current exercise; in a program session the reason is recorded.

        With sets already logged, those stay with the old exercise and the replacement takes
        the rest of its plan. Raises :class:`ReasonNeeded` when a reason is required.
        """
        cleaned = " ".join((reason or "").split())
        if len(cleaned) > MAX_REASON:
            raise InvalidInput(
                f"That reason is too long (at most {MAX_REASON} characters).",
                example="Knee pain on deep squats",
            )

        async def change(session: AsyncSession, loaded: _Loaded) -> None:
            record = loaded.record
            row = self._current_row(loaded)
            exercise = await self._exercise(session, loaded, exercise_id)
            if exercise.id == row.exercise_id:
                raise InvalidInput(
                    f"That is already {row.exercise_name}: pick a different exercise.",
                    example="leg press",
                )
            assignment_id = await self._assignment_of(session, record)
            if assignment_id is not None and not cleaned:
                raise ReasonNeeded(
                    f"Why swap {row.exercise_name} for {exercise.name}? "
                    "The reason is kept with the program.",
                    example="Knee pain on deep squats",
                )
            note = f"Swapped from {row.exercise_name}" + (f": {cleaned}" if cleaned else "")
            if assignment_id is not None:
                session.add(
                    ProgramModification(
                        assignment_id=assignment_id,
                        program_session_id=record.program_session_id,
                        original_exercise_id=row.exercise_id,
                        replacement_exercise_id=exercise.id,
                        reason=cleaned,
                        modified_by=loaded.user.id,
                        modified_at=self.ctx.clock.now(),
                    )
                )
            if not row.sets:
                row.exercise_id = exercise.id
                row.exercise_name = exercise.name[:100]
                row.modification_notes = note
                _set_meta(record, current=row.id)
                return
            row.completed = True
            row.completed_at = self.ctx.clock.now()
            for other in record.exercises:
                if other.order_index > row.order_index:
                    other.order_index += 1
            replacement = ExerciseRecord(
                exercise_template_id=row.exercise_template_id,
                exercise_id=exercise.id,
                exercise_name=exercise.name[:100],
                order_index=row.order_index + 1,
                modification_notes=note,
                sets=[],
            )
            record.exercises.append(replacement)
            await session.flush()
            _set_meta(record, current=replacement.id)

        return await self._change(telegram_id, record_id, op_key, change)

    async def _assignment_of(self, session: AsyncSession, record: SessionRecord) -> int | None:
        if record.coaching_session_id is None:
            return None
        coaching = await LiveRepository(session).get_coaching_session(record.coaching_session_id)
        return coaching.assignment_id if coaching is not None else None

    async def _exercise(self, session: AsyncSession, loaded: _Loaded, exercise_id: int) -> Exercise:
        exercise = await ExerciseRepository(session).get_visible(
            exercise_id, loaded.record.trainer_user_id
        )
        if exercise is None:
            raise NotFound("I can't find that exercise. Search again by name.")
        return exercise

    # ------------------------------------------------------------------ finishing

    async def finish(self, telegram_id: int, record_id: int, op_key: str) -> FinishResult:
        """Complete the session: summary, records, comparison; the appointment is completed.

        A session with nothing logged is closed as abandoned, without a summary.
        """
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            loaded = await self._load(session, user, record_id, live_only=True)
            record, profile = loaded.record, loaded.profile
            now = self.ctx.clock.now()
            rows = [s for e in record.exercises for s in e.sets]
            _first_time(record, op_key)
            record.is_live = False
            record.end_time = max(now, record.start_time)
            repo = LiveRepository(session)
            people = await repo.users([u for u in (profile.user_id, record.trainer_user_id) if u])
            client_user = people.get(profile.user_id or 0)
            trainer_user = people.get(record.trainer_user_id or 0)
            messages = _meta(record).get("messages", {})
            client = _recipient(client_user, messages)
            trainer = _recipient(trainer_user, messages)
            if not rows:
                record.status = RecordStatus.ABANDONED
                record.completed = False
                await uow.commit()
                return FinishResult(
                    record_id=record.id,
                    title=record.title,
                    client_name=profile.name,
                    discarded=True,
                    actor_is_client=loaded.is_client,
                    client_summary=None,
                    trainer_summary=None,
                    trainer_sees_history=False,
                    trainer_sees_progress=False,
                    client=client,
                    trainer=trainer,
                    ask_feedback=False,
                )
            record.status = RecordStatus.COMPLETED
            record.completed = True
            _title_after_what_was_done(record)
            for exercise in record.exercises:
                if exercise.sets and not exercise.completed:
                    exercise.completed = True
                    exercise.completed_at = now
            await self._complete_appointment(session, record, now)
            client_scope = (
                await client_profile_ids(session, profile.user_id)
                if profile.user_id is not None
                else [profile.id]
            )
            client_summary = await self._summary(session, loaded, client_scope, now)
            sees_history = sees_progress = True
            trainer_summary: SummaryData | None = None
            if trainer_user is not None:
                access = await relationship_for(session, trainer_user.id, profile.id)
                if access is not None and access.client_user_id is not None:
                    sees_history = access.flags.view_workout_history
                    sees_progress = access.flags.view_progression_data
                scope = await profile_scope(session, access) if access else [profile.id]
                trainer_summary = await self._summary(
                    session,
                    loaded,
                    scope,
                    now,
                    history=sees_progress,
                    previous=sees_history,
                )
            if client_user is not None:
                record.feedback_requested_at = now
            await uow.commit()
            return FinishResult(
                record_id=record.id,
                title=record.title,
                client_name=profile.name,
                discarded=False,
                actor_is_client=loaded.is_client,
                client_summary=client_summary,
                trainer_summary=trainer_summary,
                trainer_sees_history=sees_history,
                trainer_sees_progress=sees_progress,
                client=client,
                trainer=trainer,
                ask_feedback=client_user is not None,
            )

    async def _complete_appointment(
        self, session: AsyncSession, record: SessionRecord, now: datetime
    ) -> None:
        if record.coaching_session_id is None:
            return
        coaching = await LiveRepository(session).get_coaching_session(record.coaching_session_id)
        if coaching is None or coaching.status is SessionStatus.COMPLETED:
            return
        try:
            check_transition(coaching.status, SessionStatus.COMPLETED)
        except InvalidTransition:
            return  # cancelled meanwhile: the record still says what happened
        coaching.status = SessionStatus.COMPLETED
        coaching.completed_at = now
        coaching.started_at = coaching.started_at or record.start_time

    async def _summary(
        self,
        session: AsyncSession,
        loaded: _Loaded,
        scope: Sequence[int],
        now: datetime,
        *,
        history: bool = True,
        previous: bool = True,
    ) -> SummaryData:
        record = loaded.record
        repo = LiveRepository(session)
        performed = [_performed(s) for e in record.exercises for s in e.sets]
        exercise_ids = sorted({p.exercise_id for p in performed})
        past: list[PerformedSet] = []
        if history:
            rows = await repo.history(scope, exercise_ids, record.start_time, record.id)
            past = [_performed(s) for s in rows]
        before_rows: list[SetRecord] = []
        before_date: date | None = None
        if previous:
            earlier = await repo.previous_record(
                scope,
                program_session_id=record.program_session_id,
                exercise_ids=exercise_ids,
                before=record.start_time,
                exclude_record_id=record.id,
            )
            if earlier is not None:
                before_rows = await repo.sets_of_record(earlier.id)
                before_date = earlier.session_date
        return build_summary(
            exercises=_states(loaded),
            performed=performed,
            history=past,
            previous=[_performed(s) for s in before_rows],
            previous_date=before_date,
            started_at=record.start_time,
            finished_at=record.end_time or now,
        )

    async def rate_session(self, telegram_id: int, record_id: int, rpe: int) -> FeedbackResult:
        """The client's "How hard was it?" answer, RPE 1–10, on a completed session."""
        if not 1 <= rpe <= 10:
            raise InvalidInput("Pick a number from 1 to 10.", example="7")
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            repo = LiveRepository(session)
            record = await session.get(SessionRecord, record_id)
            profile = await repo.profile(record.client_profile_id) if record else None
            if record is None or profile is None or profile.user_id != user.id:
                raise SessionNotYours()
            if not record.completed:
                raise Conflict("You can rate a session once it is finished.")
            feedback = dict(record.trainee_feedback or {})
            feedback["rpe"] = rpe
            feedback["rpe_at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            trainer = None
            if record.trainer_user_id is not None:
                people = await repo.users([record.trainer_user_id])
                trainer = _recipient(people.get(record.trainer_user_id), {})
            await uow.commit()
            return FeedbackResult(rpe, profile.name, record.title, trainer)

    # ------------------------------------------------------------------ abandoned sessions

    async def abandon_stale(self, older_than: timedelta) -> list[Abandoned]:
        """Close sessions left live longer than ``older_than`` as incomplete.

        With sets logged the record is INCOMPLETE (and the appointment completed, since it
        took place); with none it is ABANDONED and the appointment is left as it is.
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            session = uow.session
            repo = LiveRepository(session)
            stale = await repo.stale_live(now - older_than)
            if not stale:
                return []
            profiles = {r.client_profile_id: await repo.profile(r.client_profile_id) for r in stale}
            ids: list[int] = []
            for record in stale:
                profile = profiles[record.client_profile_id]
                ids.extend(
                    i for i in (profile.user_id if profile else None, record.trainer_user_id) if i
                )
            people = await repo.users(ids)
            closed: list[Abandoned] = []
            for record in stale:
                profile = profiles[record.client_profile_id]
                sets = sum(len(e.sets) for e in record.exercises)
                record.is_live = False
                last = max((s.performed_at for e in record.exercises for s in e.sets), default=None)
                record.end_time = max(last or record.start_time, record.start_time)
                record.status = RecordStatus.INCOMPLETE if sets else RecordStatus.ABANDONED
                if sets:
                    await self._complete_appointment(session, record, now)
                messages = _meta(record).get("messages", {})
                recipients = tuple(
                    r
                    for r in (
                        _recipient(people.get(profile.user_id or 0) if profile else None, messages),
                        _recipient(people.get(record.trainer_user_id or 0), messages),
                    )
                    if r is not None
                )
                closed.append(
                    Abandoned(
                        record.id, record.title, profile.name if profile else "", sets, recipients
                    )
                )
            await uow.commit()
            return closed

    # ------------------------------------------------------------------ internals

    async def _user(self, session: AsyncSession, telegram_id: int) -> User:
        user = await UserRepository(session).by_telegram_id(telegram_id)
        if user is None:
            raise NotFound(UNKNOWN_USER)
        return user

    async def _trainer_may_log(
        self, session: AsyncSession, user_id: int, profile_id: int
    ) -> Access:
        try:
            return await trainer_access(session, user_id, profile_id, Permission.MODIFY_WORKOUTS)
        except NotFound:
            raise SessionNotYours() from None

    async def _authorised_record(
        self, session: AsyncSession, user: User, record_id: int
    ) -> SessionRecord:
        record = await session.get(SessionRecord, record_id)
        if record is None:
            raise SessionNotYours()
        profile = await session.get(ClientProfile, record.client_profile_id)
        if profile is None:
            raise SessionNotYours()
        if profile.user_id != user.id:
            await self._trainer_may_log(session, user.id, profile.id)
        return record

    async def _load(
        self, session: AsyncSession, user: User, record_id: int, *, live_only: bool = False
    ) -> _Loaded:
        """The record with its exercises and sets, after checking the user may log into it."""
        repo = LiveRepository(session)
        record = await repo.record(record_id)
        profile = await repo.profile(record.client_profile_id) if record else None
        if record is None or profile is None:
            raise SessionNotYours()
        access: Access | None = None
        if profile.user_id == user.id:
            is_client = True
            scope = await client_profile_ids(session, user.id)
            history_visible = True
        else:
            is_client = False
            access = await self._trainer_may_log(session, user.id, profile.id)
            scope = await profile_scope(session, access)
            history_visible = access.client_user_id is None or access.flags.view_workout_history
        if live_only and not record.is_live:
            raise SessionFinished(record.id)
        template_ids = [e.exercise_template_id for e in record.exercises if e.exercise_template_id]
        templates = await repo.templates(sorted(set(template_ids)))
        return _Loaded(user, record, profile, is_client, access, scope, history_visible, templates)

    async def _change(
        self,
        telegram_id: int,
        record_id: int,
        op_key: str,
        change: Callable[[AsyncSession, _Loaded], Awaitable[None]],
    ) -> TurnView:
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            loaded = await self._load(session, user, record_id, live_only=True)
            if _first_time(loaded.record, op_key):
                await change(session, loaded)
                await session.flush()
            view = await self._view(session, loaded)
            await uow.commit()
            return view

    def _current_state(self, loaded: _Loaded) -> ExerciseState | None:
        return build_turn(_states(loaded), _meta(loaded.record).get("current")).exercise

    def _current_row(self, loaded: _Loaded) -> ExerciseRecord:
        current = self._current_state(loaded)
        if current is None:
            raise Conflict("There is no exercise open: add one first.")
        return next(e for e in loaded.record.exercises if e.id == current.key)

    def _last_set(self, loaded: _Loaded) -> SetRecord:
        rows = [s for e in loaded.record.exercises for s in e.sets]
        if not rows:
            raise NoSetYet()
        return max(rows, key=lambda s: (s.performed_at, s.id or 0))

    async def _view(
        self,
        session: AsyncSession,
        loaded: _Loaded,
        states: list[ExerciseState] | None = None,
    ) -> TurnView:
        record, user = loaded.record, loaded.user
        states = states if states is not None else _states(loaded)
        meta = _meta(record)
        exercise = build_turn(states, meta.get("current")).exercise
        last_time: str | None = None
        if exercise is not None and loaded.history_visible:
            key = (record.id, exercise.exercise_id, user.telegram_id, user.units, user.timezone)
            rows = await LiveRepository(session).last_sets(
                loaded.scope, exercise.exercise_id, record.id
            )
            last_time = _last_time(rows, user.units, user.timezone)
            _LastTimes.keep(self.ctx, key, last_time)
        return _turn_view(
            record_id=record.id,
            title=record.title,
            client_name=loaded.profile.name,
            is_live=record.is_live,
            meta=meta,
            viewer_telegram_id=user.telegram_id,
            units=user.units,
            viewer_is_client=loaded.is_client,
            history_visible=loaded.history_visible,
            states=states,
            last_time=last_time,
        )

    # ------------------------------------------------------------------ the hot path

    async def _read(self, session: AsyncSession, telegram_id: int, record_id: int) -> _Live:
        """The live session for one turn, after checking this user may log into it."""
        read = await LiveRepository(session).read_live(telegram_id, record_id)
        if read is None:
            raise NotFound(UNKNOWN_USER)
        if read.record_id is None:
            raise SessionNotYours()
        access: Access | None = None
        if read.profile_user_id == read.user_id:
            is_client, history_visible = True, True
        else:
            # The relationship came with the read: the same check as trainer_access, no query.
            is_client = False
            relationship = access_of(read.user_id, read.client_profile_id, read.relationship)
            try:
                access = authorise(relationship, Permission.MODIFY_WORKOUTS)
            except NotFound:
                raise SessionNotYours() from None
            history_visible = access.client_user_id is None or access.flags.view_workout_history
        if not read.is_live:
            raise SessionFinished(read.record_id)
        return _Live(read, read.record_id, is_client, access, history_visible)

    async def _read_view(
        self,
        session: AsyncSession,
        live: _Live,
        states: Sequence[ExerciseState],
        meta: dict[str, Any],
    ) -> TurnView:
        read = live.read
        exercise = build_turn(states, meta.get("current")).exercise
        last_time: str | None = None
        if exercise is not None and live.history_visible:
            key = (
                live.record_id,
                exercise.exercise_id,
                read.telegram_id,
                read.units,
                read.timezone,
            )
            kept = _LastTimes.of(self.ctx)
            if key in kept:
                last_time = kept[key]
            else:
                scope = (
                    readable_profiles(live.access)
                    if live.access is not None
                    else all_profiles_of(read.user_id)
                )
                rows = await LiveRepository(session).last_sets(
                    scope, exercise.exercise_id, live.record_id
                )
                last_time = _last_time(rows, read.units, read.timezone)
                _LastTimes.keep(self.ctx, key, last_time)
        return _turn_view(
            record_id=live.record_id,
            title=read.title,
            client_name=read.profile_name,
            is_live=read.is_live,
            meta=meta,
            viewer_telegram_id=read.telegram_id,
            units=read.units,
            viewer_is_client=live.is_client,
            history_visible=live.history_visible,
            states=states,
            last_time=last_time,
        )

    # ------------------------------------------------------------------ done as prescribed

    async def log_as_prescribed(
        self, telegram_id: int, coaching_session_id: int, op_key: str
    ) -> FinishResult:
        """The client trained exactly as planned: log every target set in one tap.

        A completed record gets one set per prescribed set (the planned load; with a load given
        as a percentage, the client's last load; failing both, the reps alone). The appointment
        becomes COMPLETED and its pending reminders are withdrawn. Only the session's client
        may do this, and only once: a session already logged raises :class:`Conflict`.
        ``ask_feedback`` is true once the session's time has passed (else the caller queues
        the RPE prompt for its end). An open "can't make it" request on the session is
        withdrawn: the client did it after all.
        """
        # Imported here so this use case stays a self-contained addition to the module.
        from coaching.domain.sets import SetParseError
        from coaching.services.feedback import REQUEST_WITHDRAWN, request_open
        from coaching.services.reminders import reminders_for_session_changed
        from storage.repositories.feedback import FeedbackRepository

        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            repo = LiveRepository(session)
            found = await repo.coaching_session(coaching_session_id)
            if found is None or found[2].user_id != user.id or not found[0].is_active:
                raise SessionNotYours()
            coaching, relationship, profile = found
            if await FeedbackRepository(session).record_for_coaching(coaching.id) is not None:
                raise Conflict("This session is already logged.")
            try:
                check_transition(coaching.status, SessionStatus.COMPLETED)
            except InvalidTransition:
                raise Conflict(f"This session is {coaching.status.value.lower()}.") from None
            if coaching.status is SessionStatus.RESCHEDULED:
                raise Conflict("This session has been moved to a new time.")
            if await repo.live_id_for_profile(profile.id) is not None:
                raise Conflict("You have a session open in /log: finish it there first.")
            planned = await effective_exercises(session, coaching.id)
            if not planned:
                raise Conflict(
                    "This session has no planned exercises to log. Send /log to log what you did."
                )
            now = self.ctx.clock.now()
            start = min(coaching.scheduled_at, now)
            ends = coaching.scheduled_at + timedelta(minutes=coaching.duration_minutes)
            record = self._new_record(
                user, profile, coaching.title, start, trainer_user_id=relationship.trainer_user_id
            )
            record.is_live = False
            record.completed = True
            record.status = RecordStatus.COMPLETED
            record.source = "prescribed"
            record.coaching_session_id = coaching.id
            record.program_session_id = coaching.program_session_id
            record.location = coaching.location
            record.end_time = max(start, min(now, ends))
            templates = await repo.templates(sorted({p.exercise_template_id for p in planned}))
            scope = await client_profile_ids(session, user.id)
            for index, item in enumerate(planned):
                target = _target(templates.get(item.exercise_template_id), item.exercise_id)
                entry: SetEntry | None = None
                if target is not None:
                    previous = await repo.last_performance(scope, item.exercise_id, 0)
                    last = _entry(previous[1][-1]) if previous and previous[1] else None
                    try:
                        entry = planned_entry(target, last, user.units)
                    except SetParseError:
                        if target.reps is not None:
                            entry = SetEntry(
                                target.reps, None, False, user.units, rpe=target.rpe, rir=target.rir
                            )
                count = target.sets if target is not None and entry is not None else 0
                note = f"Swapped from {item.original_name}" if item.swapped else None
                record.exercises.append(
                    ExerciseRecord(
                        exercise_template_id=item.exercise_template_id,
                        exercise_id=item.exercise_id,
                        exercise_name=item.name[:100],
                        order_index=index,
                        modification_notes=note,
                        completed=count > 0,
                        skipped=count == 0,
                        started_at=start if count else None,
                        completed_at=record.end_time if count else None,
                        sets=[
                            SetRecord(
                                client_profile_id=profile.id,
                                exercise_id=item.exercise_id,
                                set_index=n + 1,
                                set_type=SetType.NORMAL,
                                weight_kg=entry.weight_kg,
                                bodyweight=entry.bodyweight,
                                reps=entry.reps,
                                rpe=entry.rpe,
                                rir=entry.rir,
                                duration_s=entry.duration_s,
                                distance_m=entry.distance_m,
                                entered_unit=entry.entered_unit,
                                performed_at=record.end_time,
                                source_key=f"{op_key}:p{index}:{n}"[:64],
                            )
                            for n in range(count)
                            if entry is not None
                        ],
                    )
                )
            repo.add(record)
            await session.flush()
            coaching.status = SessionStatus.COMPLETED
            coaching.completed_at = now
            coaching.started_at = coaching.started_at or start
            if request_open(coaching.status_reason):
                coaching.status_reason = REQUEST_WITHDRAWN
            await reminders_for_session_changed(session, coaching.id, now)
            loaded = await self._load(session, user, record.id)
            client_summary = await self._summary(session, loaded, scope, now)
            people = await repo.users([u for u in (user.id, relationship.trainer_user_id) if u])
            trainer_user = people.get(relationship.trainer_user_id)
            sees_history = sees_progress = True
            trainer_summary: SummaryData | None = None
            if trainer_user is not None:
                access = await relationship_for(session, trainer_user.id, profile.id)
                if access is not None:
                    sees_history = access.flags.view_workout_history
                    sees_progress = access.flags.view_progression_data
                trainer_scope = await profile_scope(session, access) if access else [profile.id]
                trainer_summary = await self._summary(
                    session,
                    loaded,
                    trainer_scope,
                    now,
                    history=sees_progress,
                    previous=sees_history,
                )
            ask_now = ends <= now
            if ask_now:
                record.feedback_requested_at = now
            await uow.commit()
            return FinishResult(
                record_id=record.id,
                title=record.title,
                client_name=profile.name,
                discarded=False,
                actor_is_client=True,
                client_summary=client_summary,
                trainer_summary=trainer_summary,
                trainer_sees_history=sees_history,
                trainer_sees_progress=sees_progress,
                client=_recipient(user, {}),
                trainer=_recipient(trainer_user, {}),
                ask_feedback=ask_now,
            )


def _logged_by(read: LiveRead, source_key: str) -> bool:
    """Whether this update's sets are already in the session (a re-delivered update)."""
    first = f"{source_key}:0"
    return any(s.source_key == first for e in read.exercises for s in e.sets)


def _recipient(user: User | None, messages: dict[str, int]) -> Recipient | None:
    if user is None:
        return None
    return Recipient(
        telegram_id=user.telegram_id,
        units=user.units,
        timezone=user.timezone,
        message_id=messages.get(str(user.telegram_id)),
    )
