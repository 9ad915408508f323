"""Finishing a session with its summaries, and closing sessions left open."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from coaching.domain.enums import (
    RecordStatus,
    SessionStatus,
)
from coaching.domain.live import (
    SummaryData,
)
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.services.access import current_access, person_profiles, readable_scope
from coaching.services.live.common import (
    LivePart,
    _first_time,
    _Loaded,
    _meta,
    _recipient,
    _title_after_what_was_done,
)
from coaching.services.live.views import (
    Abandoned,
    FinishResult,
    Recipient,
)
from storage.models import (
    ClientProfile,
    SessionRecord,
    User,
)
from storage.uow import UnitOfWork


class FinishPart(LivePart):
    """Finishing a session with its summaries, and closing sessions left open."""

    # ------------------------------------------------------------------ finishing

    async def finish(self, telegram_id: int, record_id: int, op_key: str) -> FinishResult:
        """Complete the session: summary, records, comparison; the appointment is completed.

        A session with nothing logged is closed as abandoned, without a summary.
        """
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            loaded = await self._load(uow, user, record_id, live_only=True)
            record, profile = loaded.record, loaded.profile
            now = self.ctx.clock.now()
            rows = [s for e in record.exercises for s in e.sets]
            _first_time(record, op_key)
            record.is_live = False
            record.end_time = max(now, record.start_time)
            repo = uow.live
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
                return _discarded(loaded, client, trainer)
            _close_completed(record, now)
            await self._complete_appointment(uow, record, now)
            client_scope = (
                await person_profiles(uow, profile.user_id)
                if profile.user_id is not None
                else [profile.id]
            )
            client_summary = await self._summary(uow, loaded, client_scope, now)
            trainer_summary, sees_history, sees_progress = await self._trainer_summary(
                uow, loaded, trainer_user, now
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

    async def _trainer_summary(
        self, uow: UnitOfWork, loaded: _Loaded, trainer_user: User | None, now: datetime
    ) -> tuple[SummaryData | None, bool, bool]:
        """The trainer's summary, built from what the client shares, and what they share."""
        if trainer_user is None:
            return None, True, True
        profile = loaded.profile
        sees_history = sees_progress = True
        access = await current_access(uow, trainer_user.id, profile.id)
        if access is not None and access.client_user_id is not None:
            sees_history = access.flags.view_workout_history
            sees_progress = access.flags.view_progression_data
        scope = await readable_scope(uow, access) if access else [profile.id]
        summary = await self._summary(
            uow, loaded, scope, now, history=sees_progress, previous=sees_history
        )
        return summary, sees_history, sees_progress

    async def _complete_appointment(
        self, uow: UnitOfWork, record: SessionRecord, now: datetime
    ) -> None:
        if record.coaching_session_id is None:
            return
        coaching = await uow.live.get_coaching_session(record.coaching_session_id)
        if coaching is None or coaching.status is SessionStatus.COMPLETED:
            return
        try:
            check_transition(coaching.status, SessionStatus.COMPLETED)
        except InvalidTransition:
            return  # cancelled meanwhile: the record still says what happened
        coaching.status = SessionStatus.COMPLETED
        coaching.completed_at = now
        coaching.started_at = coaching.started_at or record.start_time

    # ------------------------------------------------------------------ abandoned sessions

    async def abandon_stale(self, older_than: timedelta) -> list[Abandoned]:
        """Close sessions left live longer than ``older_than`` as incomplete.

        With sets logged the record is INCOMPLETE (and the appointment completed, since it
        took place); with none it is ABANDONED and the appointment is left as it is.
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            repo = uow.live
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
            closed = [
                await self._close_stale(
                    uow, record, profiles[record.client_profile_id], people, now
                )
                for record in stale
            ]
            await uow.commit()
            return closed

    async def _close_stale(
        self,
        uow: UnitOfWork,
        record: SessionRecord,
        profile: ClientProfile | None,
        people: Mapping[int, User],
        now: datetime,
    ) -> Abandoned:
        """One session left open: INCOMPLETE with sets (its appointment took place), else
        ABANDONED; and who is told."""
        sets = sum(len(e.sets) for e in record.exercises)
        record.is_live = False
        last = max((s.performed_at for e in record.exercises for s in e.sets), default=None)
        record.end_time = max(last or record.start_time, record.start_time)
        record.status = RecordStatus.INCOMPLETE if sets else RecordStatus.ABANDONED
        if sets:
            await self._complete_appointment(uow, record, now)
        messages = _meta(record).get("messages", {})
        client_user = people.get(profile.user_id or 0) if profile else None
        recipients = tuple(
            r
            for r in (
                _recipient(client_user, messages),
                _recipient(people.get(record.trainer_user_id or 0), messages),
            )
            if r is not None
        )
        return Abandoned(record.id, record.title, profile.name if profile else "", sets, recipients)


def _discarded(
    loaded: _Loaded, client: Recipient | None, trainer: Recipient | None
) -> FinishResult:
    """A session finished with nothing logged: closed, without a summary."""
    return FinishResult(
        record_id=loaded.record.id,
        title=loaded.record.title,
        client_name=loaded.profile.name,
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


def _close_completed(record: SessionRecord, now: datetime) -> None:
    """A finished session with sets: completed, titled after what was done if unplanned, and
    each exercise with sets completed."""
    record.status = RecordStatus.COMPLETED
    record.completed = True
    _title_after_what_was_done(record)
    for exercise in record.exercises:
        if exercise.sets and not exercise.completed:
            exercise.completed = True
            exercise.completed_at = now
