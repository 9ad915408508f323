"""Importing workout history from Strong or Hevy CSV exports.

The chat flow calls :meth:`ImportService.plan` with the file's bytes: the file is validated
(size, format, every row), exercise names are matched onto the catalogue, and a summary comes
back; nothing is stored. Names the catalogue cannot match come with the closest candidates, and
the person decides (an exercise, "create as my own", or "skip these sets"). :meth:`commit` then
stores every workout as a session record with ``source="import"`` and one ``import_batch`` id,
in one transaction; :meth:`undo` deletes that batch again, as one unit.

A client imports into their own (self) profile, so the history stays theirs whatever happens to
a coaching relationship. A trainer imports for a client only with ``modify_workouts``.
Workouts already present (same start and title on the same profile) are skipped, so sending the
same file twice stores it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.catalogue import normalise_name
from coaching.domain.enums import Permission, RecordStatus
from coaching.domain.exchange import History, HistoryFormat, read_history
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.access import self_profile, trainer_access
from coaching.services.base import Service, ServiceContext
from coaching.services.exercises import match_name
from coaching.services.exports import zone
from storage.models import (
    ClientProfile,
    Exercise,
    ExerciseRecord,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.exchange import ExchangeRepository
from storage.repositories.exercises import ExerciseRepository
from storage.repositories.users import UserRepository

UNKNOWN_USER = "I don't know you yet. Send /start first."
NO_IMPORT = "I can't find that import; it may have been undone already."
OWN = "own"
SKIP = "skip"
CANDIDATES = 4

Decision = int | str


@dataclass(frozen=True, slots=True)
class ImportTarget:
    """Whose history a file goes into: ``profile_id`` None means the person's own."""

    profile_id: int | None
    label: str


@dataclass(frozen=True, slots=True)
class Candidate:
    exercise_id: int
    name: str


@dataclass(frozen=True, slots=True)
class Unmatched:
    name: str
    sets: int
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    format: HistoryFormat
    target_label: str
    workouts: int
    sets: int
    first_day: date | None
    last_day: date | None
    exercises: int
    matched: tuple[tuple[str, str], ...]
    unmatched: tuple[Unmatched, ...]
    duplicates: int


@dataclass(frozen=True, slots=True)
class ImportDone:
    batch: str
    target_label: str
    workouts: int
    sets: int
    skipped_sets: int
    duplicates: int
    new_exercises: tuple[str, ...]
    client_telegram_id: int | None
    importer_name: str


@dataclass(frozen=True, slots=True)
class UndoDone:
    workouts: int
    sets: int
    target_label: str


@dataclass(frozen=True, slots=True)
class BatchView:
    batch: str
    target_label: str
    imported_at: datetime
    workouts: int


@dataclass(slots=True)
class _Context:
    user: User
    profile: ClientProfile | None
    profile_id: int | None
    label: str
    owner_id: int
    trainer_user_id: int | None
    tz_name: str
    client_user: User | None


class ImportService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def targets(self, telegram_id: int) -> tuple[ImportTarget, ...]:
        """Where this person may import: their own history, and clients who allow it."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await _user(session, telegram_id)
            found: list[ImportTarget] = []
            if user.is_client or not user.is_trainer:
                found.append(ImportTarget(None, "your own history"))
            if user.is_trainer:
                for profile in await ExchangeRepository(session).trainer_clients(user.id):
                    try:
                        await trainer_access(
                            session, user.id, profile.id, Permission.MODIFY_WORKOUTS
                        )
                    except (NotAllowed, NotFound):
                        continue
                    found.append(ImportTarget(profile.id, profile.name))
            return tuple(found)

    async def plan(self, telegram_id: int, data: bytes, profile_id: int | None) -> ImportPlan:
        """Validate and match the file; store nothing."""
        async with self.ctx.uow() as uow:
            session = uow.session
            target = await self._target(session, telegram_id, profile_id, create=False)
            history = read_history(data, zone(target.tz_name))
            visible = await ExerciseRepository(session).visible_to(target.owner_id)
            counts = history.sets_per_name()
            matched: list[tuple[str, str]] = []
            unmatched: list[Unmatched] = []
            for name in history.exercise_names():
                result = match_name(visible, name, limit=CANDIDATES)
                if result.exercise is not None:
                    matched.append((name, result.exercise.name))
                else:
                    unmatched.append(
                        Unmatched(
                            name=name,
                            sets=counts[name],
                            candidates=tuple(
                                Candidate(c.id, c.name) for c in result.candidates[:CANDIDATES]
                            ),
                        )
                    )
            existing = (
                await ExchangeRepository(session).existing_starts(target.profile_id)
                if target.profile_id is not None
                else set()
            )
            duplicates = sum(1 for w in history.workouts if (w.start, w.title) in existing)
            days = history.date_range(zone(target.tz_name))
            return ImportPlan(
                format=history.format,
                target_label=target.label,
                workouts=len(history.workouts),
                sets=history.set_count,
                first_day=days[0] if days else None,
                last_day=days[1] if days else None,
                exercises=len(counts),
                matched=tuple(matched),
                unmatched=tuple(unmatched),
                duplicates=duplicates,
            )

    async def commit(
        self,
        telegram_id: int,
        data: bytes,
        profile_id: int | None,
        decisions: Mapping[str, Decision],
    ) -> ImportDone:
        """Store the file's workouts as one import batch (all or nothing)."""
        async with self.ctx.uow() as uow:
            session = uow.session
            target = await self._target(session, telegram_id, profile_id, create=True)
            assert target.profile is not None
            history = read_history(data, zone(target.tz_name))
            mapping, created = await self._mapping(session, target, history, decisions)
            repo = ExchangeRepository(session)
            existing = await repo.existing_starts(target.profile.id)
            batch = str(uuid.uuid4())
            workouts = sets = skipped = duplicates = 0
            tz = zone(target.tz_name)
            for workout in history.workouts:
                if (workout.start, workout.title[:255]) in existing:
                    duplicates += 1
                    continue
                exercises: list[ExerciseRecord] = []
                for exercise in workout.exercises:
                    chosen = mapping.get(exercise.name)
                    if chosen is None:
                        skipped += len(exercise.sets)
                        continue
                    exercises.append(
                        ExerciseRecord(
                            exercise_id=chosen.id,
                            exercise_name=chosen.name[:100],
                            order_index=len(exercises),
                            notes=exercise.notes,
                            completed=True,
                            skipped=False,
                            started_at=workout.start,
                            completed_at=workout.end or workout.start,
                            sets=[
                                SetRecord(
                                    client_profile_id=target.profile.id,
                                    exercise_id=chosen.id,
                                    set_index=index,
                                    set_type=entry.set_type,
                                    weight_kg=entry.weight_kg,
                                    bodyweight=entry.weight_kg is None and entry.reps is not None,
                                    reps=entry.reps,
                                    rpe=entry.rpe,
                                    duration_s=entry.duration_s,
                                    distance_m=entry.distance_m,
                                    entered_unit=entry.unit,
                                    performed_at=workout.start,
                                )
                                for index, entry in enumerate(exercise.sets, start=1)
                            ],
                        )
                    )
                if not exercises:
                    continue
                metadata: dict[str, str] = {"import_format": history.format.value}
                if workout.notes:
                    metadata["notes"] = workout.notes
                repo.add(
                    SessionRecord(
                        client_profile_id=target.profile.id,
                        trainer_user_id=target.trainer_user_id,
                        logged_by_user_id=target.user.id,
                        title=workout.title[:255],
                        session_date=workout.start.astimezone(tz).date(),
                        start_time=workout.start,
                        end_time=workout.end,
                        completed=True,
                        is_live=False,
                        status=RecordStatus.COMPLETED,
                        source="import",
                        import_batch=batch,
                        created_by=target.user.id,
                        trainee_feedback={},
                        session_metadata=metadata,
                        exercises=exercises,
                    )
                )
                existing.add((workout.start, workout.title[:255]))
                workouts += 1
                sets += sum(len(e.sets) for e in exercises)
            if workouts == 0:
                if duplicates:
                    raise InvalidInput(
                        "Every workout in this file is already in Spotter, so nothing new was "
                        "imported."
                    )
                raise InvalidInput(
                    "You chose to skip every exercise, so there is nothing to import."
                )
            await session.flush()
            client_telegram_id = (
                target.client_user.telegram_id
                if target.client_user is not None and target.client_user.id != target.user.id
                else None
            )
            await uow.commit()
            return ImportDone(
                batch=batch,
                target_label=target.label,
                workouts=workouts,
                sets=sets,
                skipped_sets=skipped,
                duplicates=duplicates,
                new_exercises=tuple(created),
                client_telegram_id=client_telegram_id,
                importer_name=target.user.display_name,
            )

    async def undo(self, telegram_id: int, batch: str) -> UndoDone:
        """Remove every session of one import."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await _user(session, telegram_id)
            repo = ExchangeRepository(session)
            records = await repo.batch_records(batch[:36])
            if not records:
                raise NotFound(NO_IMPORT)
            label = await self._may_undo(session, user, records)
            ids = [r.id for r in records]
            sets = await repo.batch_set_count(ids)
            await repo.delete_records(ids)
            await uow.commit()
            return UndoDone(workouts=len(ids), sets=sets, target_label=label)

    async def recent(self, telegram_id: int) -> tuple[BatchView, ...]:
        """This person's latest imports that can still be undone."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await _user(session, telegram_id)
            views = []
            for batch, profile_id, when, count in await ExchangeRepository(session).recent_batches(
                user.id
            ):
                profile = await session.get(ClientProfile, profile_id)
                if profile is None:
                    continue
                label = "your own history" if profile.user_id == user.id else profile.name
                views.append(BatchView(batch, label, when, count))
            return tuple(views)

    # ------------------------------------------------------------------ internals

    async def _target(
        self, session: AsyncSession, telegram_id: int, profile_id: int | None, *, create: bool
    ) -> _Context:
        user = await _user(session, telegram_id)
        if profile_id is None:
            profile = (
                await self_profile(session, user.id, user.display_name)
                if create
                else await ExchangeRepository(session).own_profile(user.id)
            )
            return _Context(
                user=user,
                profile=profile,
                profile_id=profile.id if profile else None,
                label="your own history",
                owner_id=user.id,
                trainer_user_id=None,
                tz_name=user.timezone,
                client_user=user,
            )
        access = await trainer_access(session, user.id, profile_id, Permission.MODIFY_WORKOUTS)
        profile = await session.get(ClientProfile, profile_id)
        if profile is None:
            raise NotFound("I can't find that client among yours.")
        client = (
            await session.get(User, access.client_user_id)
            if access.client_user_id is not None
            else None
        )
        return _Context(
            user=user,
            profile=profile,
            profile_id=profile.id,
            label=profile.name,
            owner_id=user.id,
            trainer_user_id=user.id,
            tz_name=client.timezone if client is not None else user.timezone,
            client_user=client,
        )

    async def _mapping(
        self,
        session: AsyncSession,
        target: _Context,
        history: History,
        decisions: Mapping[str, Decision],
    ) -> tuple[dict[str, Exercise | None], list[str]]:
        visible = await ExerciseRepository(session).visible_to(target.owner_id)
        by_id = {e.id: e for e in visible}
        mapping: dict[str, Exercise | None] = {}
        created: list[str] = []
        for name in history.exercise_names():
            decision = decisions.get(name)
            if decision == SKIP:
                mapping[name] = None
                continue
            if isinstance(decision, int):
                chosen = by_id.get(decision)
                if chosen is None:
                    raise NotFound("That exercise is not in your catalogue; pick another one.")
                mapping[name] = chosen
                continue
            result = match_name(visible, name, limit=CANDIDATES)
            if result.exercise is not None and decision != OWN:
                mapping[name] = by_id[result.exercise.id]
                continue
            if decision != OWN:
                raise InvalidInput(
                    f"I still need to know which exercise “{name}” is.", example="Create as my own"
                )
            own = await _own_exercise(session, target.owner_id, name)
            if own.id not in by_id:
                created.append(own.name)
                by_id[own.id] = own
                visible.append(own)
            mapping[name] = own
        return mapping, created

    async def _may_undo(
        self, session: AsyncSession, user: User, records: Sequence[SessionRecord]
    ) -> str:
        profile = await session.get(ClientProfile, records[0].client_profile_id)
        if profile is None:
            raise NotFound(NO_IMPORT)
        if profile.user_id == user.id:
            return "your own history"
        if any(r.logged_by_user_id != user.id for r in records):
            raise NotFound(NO_IMPORT)
        try:
            await trainer_access(session, user.id, profile.id, Permission.MODIFY_WORKOUTS)
        except NotFound:
            raise NotFound(NO_IMPORT) from None
        return profile.name


async def _user(session: AsyncSession, telegram_id: int) -> User:
    user = await UserRepository(session).by_telegram_id(telegram_id)
    if user is None or user.erased_at is not None:
        raise NotFound(UNKNOWN_USER)
    return user


async def _own_exercise(session: AsyncSession, owner_id: int, name: str) -> Exercise:
    """The owner's exercise of this name (re-activated if archived), or a new one."""
    wanted = normalise_name(name)
    for exercise in await ExchangeRepository(session).own_exercises(owner_id):
        if normalise_name(exercise.name) == wanted:
            exercise.is_active = True
            return exercise
    exercise = Exercise(
        owner_user_id=owner_id,
        created_by=owner_id,
        name=name[:100],
        category="other",
        measure="weight_reps",
        aliases=[],
        muscle_groups=[],
        equipment=[],
    )
    session.add(exercise)
    await session.flush()
    return exercise
