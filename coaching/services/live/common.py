"""What the parts of live logging share: loading and authorising a session, the one view
builder, and the search and summary several parts use."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.domain.catalogue import (
    SearchCandidate,
    SearchHit,
    crosses_variant,
    search_exercises,
)
from coaching.domain.enums import (
    Permission,
    RecordStatus,
    SetType,
    Units,
)
from coaching.domain.live import (
    ExerciseState,
    LastTime,
    LiveSet,
    SummaryData,
    Target,
    adhoc_title,
    build_summary,
    build_turn,
    planned_entry,
    rest_seconds,
    step_unit,
)
from coaching.domain.sets import SetEntry, SetParseError
from coaching.domain.strength import PerformedSet
from coaching.errors import Conflict, NotFound
from coaching.services.access import (
    Access,
    access_of,
    all_profiles_of,
    authorise,
    check_access,
    person_profiles,
    readable_profiles,
    readable_scope,
)
from coaching.services.base import Service, ServiceContext
from coaching.services.live.errors import (
    OPS_KEPT,
    SEARCH_LIMIT,
    UNKNOWN_USER,
    NoSetYet,
    SessionFinished,
    SessionNotYours,
)
from coaching.services.live.views import (
    ExerciseChoice,
    Recipient,
    RestTimer,
    TurnView,
)
from storage.models import (
    ClientProfile,
    ExerciseRecord,
    ExerciseTemplate,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.live import (
    LiveRead,
    LiveTemplate,
    live_set,
)
from storage.uow import UnitOfWork, UnitOfWorkFactory

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
            sets=tuple(live_set(s) for s in sorted(row.sets, key=lambda s: (s.set_index, s.id))),
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
            sets=row.sets,
            skipped=row.skipped,
            completed=row.completed,
        )
        for row in read.exercises
    ]


def _last_time(rows: Sequence[LiveSet], tz: str) -> LastTime | None:
    """The sets of the last session that had the exercise, on its day in zone ``tz``."""
    if not rows:
        return None
    when = max(r.performed_at for r in rows)
    return LastTime(on=when.astimezone(_zone(tz)).date(), sets=tuple(rows))


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
    last_time: LastTime | None,
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
        target=target,
        target_met=turn.target_met,
        has_plan=_plan_loggable(target, exercise.last if exercise else None, units),
        upcoming=turn.upcoming,
        last_time=last_time,
        history_locked=exercise is not None and not history_visible,
        today=exercise.sets if exercise else (),
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


_LastTimeKey = tuple[int, int, int, str]


class _LastTimes:
    """ "Last time" already read for live sessions, per application.

    "Last time" is read from *other* sessions, so it does not change while a session moves
    from set to set; keeping it saves the hot path a query per set (the card re-sent below a
    typed set costs one small write instead). Keyed by record, exercise, viewer and time zone
    (which gives its day); bounded, oldest out first. Only sessions the viewer may see history
    for are kept.
    """

    KEPT = 512
    """Entries kept. Each holds the sets of an earlier session, objects that every full
    garbage collection walks, and the cache keeps entries of finished sessions until newer
    ones push them out: in bench.mixed's alert-scan window on the large database, 20 trainers
    logging sets added about 650 entries holding 3,200 sets, one of the two parts of the heap that
    grew there. An entry that has fallen out costs one query when its session logs again."""
    _by_app: ClassVar[
        WeakKeyDictionary[UnitOfWorkFactory, OrderedDict[_LastTimeKey, LastTime | None]]
    ] = WeakKeyDictionary()

    @classmethod
    def of(cls, ctx: ServiceContext) -> OrderedDict[_LastTimeKey, LastTime | None]:
        found = cls._by_app.get(ctx.uow)
        if found is None:
            found = cls._by_app[ctx.uow] = OrderedDict()
        return found

    @classmethod
    def keep(cls, ctx: ServiceContext, key: _LastTimeKey, value: LastTime | None) -> None:
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


class LivePart(Service):
    """The base of each part of live logging: authorising, loading and the turn's view."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ reading a turn

    async def turn(self, telegram_id: int, record_id: int) -> TurnView:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            loaded = await self._load(uow, user, record_id)
            return await self._view(uow, loaded)

    async def remember_message(self, telegram_id: int, record_id: int, message_id: int) -> None:
        """Keep the id of this chat's live message so later turns (and restarts) edit it."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            record = await self._authorised_record(uow, user, record_id)
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
            await uow.live.set_card(record_id, telegram_id, message_id)
            await uow.commit()

    async def card_of(self, telegram_id: int, record_id: int) -> int | None:
        """This chat's current live card for the record (after authorising), or ``None``."""
        async with self.ctx.uow() as uow:
            live = await self._read(uow, telegram_id, record_id)
            card = live.read.metadata.get("messages", {}).get(str(telegram_id))
            return card if isinstance(card, int) else None

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

    async def _search_for(
        self, uow: UnitOfWork, owner: int | None, query: str
    ) -> tuple[ExerciseChoice, ...]:
        hits = await self._hits(uow, owner, query)
        return tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)

    async def _hits(
        self, uow: UnitOfWork, owner: int | None, query: str, *, same_lift: bool = False
    ) -> list[SearchHit]:
        """The exercises ``query`` may mean, best first. With ``same_lift``, a loose match that
        would change the lift (``incline bench press`` on Barbell Bench Press) is left out
        whenever another match keeps it; an exact name or alias always stays."""
        cleaned = " ".join(query.split())[:100]
        if not cleaned:
            return []
        rows = await uow.exercises.visible_to(owner)
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

    async def _summary(
        self,
        uow: UnitOfWork,
        loaded: _Loaded,
        scope: Sequence[int],
        now: datetime,
        *,
        history: bool = True,
        previous: bool = True,
    ) -> SummaryData:
        record = loaded.record
        repo = uow.live
        performed = [live_set(s).performed() for e in record.exercises for s in e.sets]
        exercise_ids = sorted({p.exercise_id for p in performed})
        past: list[PerformedSet] = []
        if history:
            past = await repo.record_bests(scope, exercise_ids, record.start_time, record.id)
        before_rows: list[LiveSet] = []
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
            previous=[s.performed() for s in before_rows],
            previous_date=before_date,
            started_at=record.start_time,
            finished_at=record.end_time or now,
        )

    # ------------------------------------------------------------------ internals

    async def _user(self, uow: UnitOfWork, telegram_id: int) -> User:
        user = await uow.users.acting_user(telegram_id)
        if user is None:
            raise NotFound(UNKNOWN_USER)
        return user

    async def _trainer_may_log(self, uow: UnitOfWork, user_id: int, profile_id: int) -> Access:
        try:
            return await check_access(uow, user_id, profile_id, Permission.MODIFY_WORKOUTS)
        except NotFound:
            raise SessionNotYours() from None

    async def _authorised_record(
        self, uow: UnitOfWork, user: User, record_id: int
    ) -> SessionRecord:
        record = await uow.get(SessionRecord, record_id)
        if record is None:
            raise SessionNotYours()
        profile = await uow.get(ClientProfile, record.client_profile_id)
        if profile is None:
            raise SessionNotYours()
        if profile.user_id != user.id:
            await self._trainer_may_log(uow, user.id, profile.id)
        return record

    async def _load(
        self, uow: UnitOfWork, user: User, record_id: int, *, live_only: bool = False
    ) -> _Loaded:
        """The record with its exercises and sets, after checking the user may log into it."""
        repo = uow.live
        record = await repo.record(record_id)
        profile = await repo.profile(record.client_profile_id) if record else None
        if record is None or profile is None:
            raise SessionNotYours()
        access: Access | None = None
        if profile.user_id == user.id:
            is_client = True
            scope = await person_profiles(uow, user.id)
            history_visible = True
        else:
            is_client = False
            access = await self._trainer_may_log(uow, user.id, profile.id)
            scope = await readable_scope(uow, access)
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
        change: Callable[[UnitOfWork, _Loaded], Awaitable[None]],
    ) -> TurnView:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            loaded = await self._load(uow, user, record_id, live_only=True)
            if _first_time(loaded.record, op_key):
                await change(uow, loaded)
                await uow.flush()
            view = await self._view(uow, loaded)
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
        uow: UnitOfWork,
        loaded: _Loaded,
        states: list[ExerciseState] | None = None,
    ) -> TurnView:
        record, user = loaded.record, loaded.user
        states = states if states is not None else _states(loaded)
        meta = _meta(record)
        exercise = build_turn(states, meta.get("current")).exercise
        last_time: LastTime | None = None
        if exercise is not None and loaded.history_visible:
            key = (record.id, exercise.exercise_id, user.telegram_id, user.timezone)
            rows = await uow.live.last_sets(loaded.scope, exercise.exercise_id, record.id)
            last_time = _last_time(rows, user.timezone)
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

    async def _read(self, uow: UnitOfWork, telegram_id: int, record_id: int) -> _Live:
        """The live session for one turn, after checking this user may log into it."""
        read = await uow.live.read_live(telegram_id, record_id)
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
        uow: UnitOfWork,
        live: _Live,
        states: Sequence[ExerciseState],
        meta: dict[str, Any],
    ) -> TurnView:
        read = live.read
        exercise = build_turn(states, meta.get("current")).exercise
        last_time: LastTime | None = None
        if exercise is not None and live.history_visible:
            key = (
                live.record_id,
                exercise.exercise_id,
                read.telegram_id,
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
                rows = await uow.live.last_sets(scope, exercise.exercise_id, live.record_id)
                last_time = _last_time(rows, read.timezone)
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
