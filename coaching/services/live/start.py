"""Starting a live session: /log's menus; planned, unplanned and own sessions; resuming."""

from __future__ import annotations

from datetime import datetime

from coaching.domain.enums import (
    AssignmentStatus,
    Permission,
    RelationshipStatus,
    SessionStatus,
)
from coaching.domain.transitions import check_transition
from coaching.errors import Conflict
from coaching.services.access import check_access, own_profile, person_profiles
from coaching.services.live.common import (
    LivePart,
    _local_day,
    _zone,
)
from coaching.services.live.errors import (
    MENU_PENDING_MAX,
    OWN_TITLE,
    UNPLANNED_TITLE,
    SessionFinished,
    SessionMoved,
    SessionNotYours,
)
from coaching.services.live.views import (
    ClientChoice,
    ClientOptions,
    PlannedChoice,
    StartMenu,
    StartResult,
)
from coaching.services.plan import planned_exercises
from storage.models import (
    CoachingSession,
    ExerciseRecord,
    SessionRecord,
    User,
)
from storage.uow import UnitOfWork


class StartPart(LivePart):
    """Starting a live session: /log's menus; planned, unplanned and own sessions; resuming."""

    # ------------------------------------------------------------------ starting

    async def menu(self, telegram_id: int) -> StartMenu:
        """What /log offers this user: their clients (trainer) and today's plan (client)."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            repo = uow.live
            _, start, end = _local_day(self.ctx.clock.now(), user.timezone)
            clients = await self._clients(uow, user, start, end) if user.is_trainer else []
            planned_choices: tuple[PlannedChoice, ...] = ()
            live_id: int | None = None
            if user.is_client or not user.is_trainer:
                planned_choices = await self._planned(uow, user, start, end, client_user_id=user.id)
                own = await person_profiles(uow, user.id)
                live_rows = await repo.live_for_profiles(own)
                live_id = live_rows[0].id if live_rows else None
            return StartMenu(
                is_trainer=user.is_trainer,
                is_client=user.is_client or not user.is_trainer,
                clients=tuple(clients),
                planned=planned_choices,
                live_record_id=live_id,
            )

    async def _clients(
        self, uow: UnitOfWork, user: User, start: datetime, end: datetime
    ) -> list[ClientChoice]:
        """A trainer's clients for /log: live ones first, then those planned today."""
        repo = uow.live
        profiles = await repo.active_clients(user.id)
        planned = {
            profile.id
            for _, _, profile in await repo.planned_between(start, end, trainer_user_id=user.id)
        }
        # Clients who have not joined (yet): the trainer logs for them on their own
        # record, which every permission allows while the relationship is pending.
        waiting = [
            profile
            for profile, _ in await uow.clients.page_for_trainer(
                user.id, (RelationshipStatus.PENDING,), offset=0, limit=MENU_PENDING_MAX
            )
            if profile.user_id is None and profile.is_active and profile.erased_at is None
        ]
        if waiting:
            # planned_between already covers their sessions (pending, no account).
            profiles = sorted([*profiles, *waiting], key=lambda p: (p.name.casefold(), p.id))
        live_rows = await repo.live_for_profiles([p.id for p in profiles])
        live = {r.client_profile_id for r in live_rows}
        clients = [
            ClientChoice(p.id, p.name, p.id in planned, p.id in live, joined=p.user_id is not None)
            for p in profiles
        ]
        clients.sort(key=lambda c: (not c.live, not c.planned_today))
        return clients

    async def client_options(self, telegram_id: int, profile_id: int) -> ClientOptions:
        """A trainer picked a client: today's planned sessions for them, or a live one."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            await check_access(uow, user.id, profile_id, Permission.MODIFY_WORKOUTS)
            repo = uow.live
            profile = await repo.profile(profile_id)
            if profile is None:
                raise SessionNotYours()
            _, start, end = _local_day(self.ctx.clock.now(), user.timezone)
            planned = await self._planned(
                uow, user, start, end, trainer_user_id=user.id, profile_id=profile_id
            )
            return ClientOptions(
                profile_id=profile_id,
                name=profile.name,
                planned=planned,
                live_record_id=await repo.live_id_for_profile(profile_id),
            )

    async def _planned(
        self,
        uow: UnitOfWork,
        viewer: User,
        start: datetime,
        end: datetime,
        **where: int,
    ) -> tuple[PlannedChoice, ...]:
        repo = uow.live
        rows = await repo.planned_between(start, end, **where)
        trainers = await repo.users([rel.trainer_user_id for _, rel, _ in rows])
        zone = _zone(viewer.timezone)
        return tuple(
            PlannedChoice(
                coaching_session_id=cs.id,
                title=cs.title,
                starts_at=cs.scheduled_at.astimezone(zone).time(),
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
            user = await self._user(uow, telegram_id)
            repo = uow.live
            found = await repo.coaching_session(coaching_session_id)
            if found is None:
                raise SessionNotYours()
            coaching, relationship, profile = found
            if profile.user_id != user.id:
                if relationship.trainer_user_id != user.id:
                    raise SessionNotYours()
                await self._trainer_may_log(uow, user.id, profile.id)
            live_id = await repo.live_id_for_profile(profile.id)
            if live_id is not None:
                return await self._resumed(uow, user, live_id)
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
            await self._prefill(uow, record, coaching)
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
            await uow.flush()
            loaded = await self._load(uow, user, record.id)
            view = await self._view(uow, loaded)
            await uow.commit()
            return StartResult(view, resumed=False)

    async def start_unplanned(self, telegram_id: int, profile_id: int) -> StartResult:
        """A trainer starts an unplanned session for one of their clients."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            await self._trainer_may_log(uow, user.id, profile_id)
            repo = uow.live
            live_id = await repo.live_id_for_profile(profile_id)
            if live_id is not None:
                return await self._resumed(uow, user, live_id)
            profile = await repo.profile(profile_id)
            if profile is None:
                raise SessionNotYours()
            record = self._new_record(
                user, profile, UNPLANNED_TITLE, self.ctx.clock.now(), trainer_user_id=user.id
            )
            return await self._created(uow, user, record)

    async def start_own(self, telegram_id: int) -> StartResult:
        """A client starts (or resumes) a workout of their own, on their self profile."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            profile = await own_profile(uow, user.id, user.display_name)
            repo = uow.live
            live_id = await repo.live_id_for_profile(profile.id)
            if live_id is not None:
                return await self._resumed(uow, user, live_id)
            record = self._new_record(
                user, profile, OWN_TITLE, self.ctx.clock.now(), trainer_user_id=None
            )
            return await self._created(uow, user, record)

    async def resume(self, telegram_id: int, record_id: int) -> StartResult:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            return await self._resumed(uow, user, record_id)

    async def _resumed(self, uow: UnitOfWork, user: User, record_id: int) -> StartResult:
        loaded = await self._load(uow, user, record_id)
        if not loaded.record.is_live:
            raise SessionFinished(record_id)
        view = await self._view(uow, loaded)
        await uow.commit()
        return StartResult(view, resumed=True)

    async def _created(self, uow: UnitOfWork, user: User, record: SessionRecord) -> StartResult:
        uow.live.add(record)
        await uow.flush()
        loaded = await self._load(uow, user, record.id)
        view = await self._view(uow, loaded)
        await uow.commit()
        return StartResult(view, resumed=False)

    async def _prefill(
        self, uow: UnitOfWork, record: SessionRecord, coaching: CoachingSession
    ) -> None:
        """The planned exercises with their targets, after this client's swaps."""
        for index, planned in enumerate(await planned_exercises(uow, coaching.id)):
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
