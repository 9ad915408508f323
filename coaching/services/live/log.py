"""Logging sets: typed or by button, and a whole session as prescribed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import (
    RecordStatus,
    SessionStatus,
    SetType,
)
from coaching.domain.live import (
    SummaryData,
    Target,
    build_turn,
    planned_entry,
    repeat_entry,
    rest_seconds,
    step_entry,
)
from coaching.domain.sets import SetEntry, format_set, parse_sets
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.errors import Conflict, InvalidInput
from coaching.services.access import (
    client_profile_ids,
    profile_scope,
    relationship_for,
)
from coaching.services.live.common import (
    LivePart,
    _entry,
    _Loaded,
    _logged_by,
    _read_states,
    _recipient,
    _Storing,
    _target,
)
from coaching.services.live.errors import (
    SessionNotYours,
)
from coaching.services.live.views import (
    FinishResult,
    LogResult,
    RestTimer,
    TurnView,
    rest_timer_key,
)
from coaching.services.plan import effective_exercises
from storage.models import (
    ClientProfile,
    CoachingSession,
    ExerciseRecord,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.live import (
    LiveRepository,
)
from storage.repositories.timers import DelayedMessageRepository


class LogPart(LivePart):
    """Logging sets: typed or by button, and a whole session as prescribed."""

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
        from coaching.services.feedback import REQUEST_WITHDRAWN, request_open
        from coaching.services.reminders import reminders_for_session_changed

        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            coaching, relationship, profile, planned = await self._prescribable(
                session, user, coaching_session_id
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
            scope = await client_profile_ids(session, user.id)
            repo = LiveRepository(session)
            templates = await repo.templates(sorted({p.exercise_template_id for p in planned}))
            for index, item in enumerate(planned):
                target = _target(templates.get(item.exercise_template_id), item.exercise_id)
                entry = await self._prescribed_entry(repo, scope, item.exercise_id, target, user)
                record.exercises.append(
                    _prescribed_exercise(item, index, target, entry, record, profile.id, op_key)
                )
            repo.add(record)
            await session.flush()
            coaching.status = SessionStatus.COMPLETED
            coaching.completed_at = now
            coaching.started_at = coaching.started_at or start
            if request_open(coaching.status_reason):
                coaching.status_reason = REQUEST_WITHDRAWN
            await reminders_for_session_changed(uow, coaching.id, now)
            loaded = await self._load(session, user, record.id)
            result = await self._prescribed_summaries(
                session, loaded, user, relationship.trainer_user_id, scope, now
            )
            ask_now = ends <= now
            if ask_now:
                record.feedback_requested_at = now
            await uow.commit()
            return replace(result, record_id=record.id, title=record.title, ask_feedback=ask_now)

    async def _prescribable(
        self, session: AsyncSession, user: User, coaching_session_id: int
    ) -> tuple[CoachingSession, Any, ClientProfile, list[Any]]:
        """The appointment to log as prescribed, its relationship, profile and exercises, once
        checked: the user's own, not logged yet, still to do, and with something to log."""
        from storage.repositories.feedback import FeedbackRepository

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
        return coaching, relationship, profile, list(planned)

    async def _prescribed_entry(
        self,
        repo: LiveRepository,
        scope: Sequence[int],
        exercise_id: int,
        target: Target | None,
        user: User,
    ) -> SetEntry | None:
        """The set a prescribed exercise logs: the planned load; with a load given as a
        percentage, the client's last load; failing both, the reps alone (``None``: nothing)."""
        from coaching.domain.sets import SetParseError

        if target is None:
            return None
        previous = await repo.last_performance(scope, exercise_id, 0)
        last = _entry(previous[1][-1]) if previous and previous[1] else None
        try:
            return planned_entry(target, last, user.units)
        except SetParseError:
            if target.reps is None:
                return None
            return SetEntry(target.reps, None, False, user.units, rpe=target.rpe, rir=target.rir)

    async def _prescribed_summaries(
        self,
        session: AsyncSession,
        loaded: _Loaded,
        user: User,
        trainer_user_id: int | None,
        scope: Sequence[int],
        now: datetime,
    ) -> FinishResult:
        """The finished session's summaries: the client's, and what the trainer may see."""
        repo = LiveRepository(session)
        profile = loaded.profile
        client_summary = await self._summary(session, loaded, scope, now)
        people = await repo.users([u for u in (user.id, trainer_user_id) if u])
        trainer_user = people.get(trainer_user_id) if trainer_user_id else None
        sees_history = sees_progress = True
        trainer_summary: SummaryData | None = None
        if trainer_user is not None:
            access = await relationship_for(session, trainer_user.id, profile.id)
            if access is not None:
                sees_history = access.flags.view_workout_history
                sees_progress = access.flags.view_progression_data
            trainer_scope = await profile_scope(session, access) if access else [profile.id]
            trainer_summary = await self._summary(
                session, loaded, trainer_scope, now, history=sees_progress, previous=sees_history
            )
        return FinishResult(
            record_id=loaded.record.id,
            title=loaded.record.title,
            client_name=profile.name,
            discarded=False,
            actor_is_client=True,
            client_summary=client_summary,
            trainer_summary=trainer_summary,
            trainer_sees_history=sees_history,
            trainer_sees_progress=sees_progress,
            client=_recipient(user, {}),
            trainer=_recipient(trainer_user, {}),
            ask_feedback=False,
        )


def _prescribed_exercise(
    item: Any,
    index: int,
    target: Target | None,
    entry: SetEntry | None,
    record: SessionRecord,
    profile_id: int,
    op_key: str,
) -> ExerciseRecord:
    """One planned exercise logged as prescribed: its target's sets, or skipped if none."""
    count = target.sets if target is not None and entry is not None else 0
    note = f"Swapped from {item.original_name}" if item.swapped else None
    sets = (
        []
        if entry is None
        else [
            SetRecord(
                client_profile_id=profile_id,
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
        ]
    )
    return ExerciseRecord(
        exercise_template_id=item.exercise_template_id,
        exercise_id=item.exercise_id,
        exercise_name=item.name[:100],
        order_index=index,
        modification_notes=note,
        completed=count > 0,
        skipped=count == 0,
        started_at=record.start_time if count else None,
        completed_at=record.end_time if count else None,
        sets=sets,
    )
