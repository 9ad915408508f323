"""Importing workout history from Strong, Hevy or FitNotes CSV exports.

The chat flow calls :meth:`ImportService.plan` with the file's bytes: the file is read (rows
that cannot be read are listed, not fatal), every exercise name is reviewed against the
catalogue, and a summary comes back; nothing is stored. Each name is an *exact* match (the
person's own exercise of that name, a Strong/Hevy/FitNotes built-in name the catalogue knows, or
a catalogue name or alias), has a *suggestion* (the closest exercise that does not change the
equipment or variant), or is *new*. The person settles every name (an exercise, "create as my
own", or "skip these sets"). :meth:`commit` then stores every workout with exactly that mapping
as a session record with ``source="import"`` and one ``import_batch`` id; a name the mapping
does not cover is refused (:class:`ReviewNeeded`) unless it is an exact match, which does not
depend on anything that changes during the import. :meth:`undo` deletes that batch again.

Nobody waits on a big file (a 20,000-set history is common): reading, matching and picking the
workouts run in a worker process, and the workouts are written with bulk inserts in transactions
of a bounded number of sets, whole workouts each, with a pause between them on SQLite so other
people's sets get its single writer lock. Every transaction skips workouts already stored, and
each record carries a key of the file it came from, so a run cut short (the process killed)
finishes, in the same batch, when the same person imports the same file again. A failure
partway removes what the run wrote and says so (:class:`ImportFailed`).

A client imports into their own (self) profile, so the history stays theirs whatever happens to
a coaching relationship. A trainer imports for a client only with ``modify_workouts``.
Workouts already present (same start and title on the same profile) are skipped, so sending the
same file twice stores it once.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from coaching.domain.catalogue import (
    SearchCandidate,
    SearchIndex,
    app_name_slug,
    build_index,
    crosses_variant,
    normalise_name,
)
from coaching.domain.enums import Permission, RecordStatus, SetType, Units
from coaching.domain.exchange import BadRow, History, HistoryFormat, read_history
from coaching.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from coaching.services.access import check_access, own_profile
from coaching.services.base import Service, ServiceContext, own_transactions, retried
from coaching.services.exports import zone
from coaching.services.offload import FILES
from storage.models import ClientProfile, Exercise, User
from storage.repositories.exchange import ExchangeRepository
from storage.uow import UnitOfWork

UNKNOWN_USER = "I don't know you yet. Send /start first."
NO_IMPORT = "I can't find that import; it may have been undone already."
OWN = "own"
SKIP = "skip"
CANDIDATES = 4
# The most sets one transaction of an import writes (a bigger workout goes alone, never split),
# and the most session records one transaction of a removal deletes. Between transactions on
# SQLite the import pauses about as long as the last one held the database (at most
# PAUSE_CAP_S), so live logging gets SQLite's single writer lock in between.
CHUNK_SETS = 200
REMOVE_RECORDS = 100
PAUSE_CAP_S = 0.05
REMOVED_AGAIN = (
    "Storing the workouts failed partway, so I removed the part already stored. "
    "Please send the file again."
)
PARTLY_STORED = (
    "Storing the workouts failed partway, and part of them is stored. Send the file again to "
    "finish the import (nothing is stored twice), or undo it with /import."
)

BAD_ROWS_SHOWN = 10

Decision = int | str
Progress = Callable[[int, int], Awaitable[None]]


class ReviewNeeded(InvalidInput):
    """The mapping given to :meth:`ImportService.commit` does not settle ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"I still need to know which exercise “{name[:60]}” is.", example="Create as my own"
        )
        self.name = name


class NameKind(StrEnum):
    EXACT = "exact"
    SUGGESTED = "suggested"
    NEW = "new"


class ImportFailed(Conflict):
    """Writing an import failed partway. ``partly_stored``: removing the part already written
    failed too, so it is still stored (a re-run of the file finishes it; undo removes it)."""

    def __init__(self, message: str, *, partly_stored: bool = False) -> None:
        super().__init__(message)
        self.partly_stored = partly_stored


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
class NameReview:
    """One exercise name of the file: how it matched, the exercise matched or suggested (None
    for a new name), and other exercises it could be (none crossing equipment or variant)."""

    name: str
    sets: int
    kind: NameKind
    match: Candidate | None
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class ImportPlan:
    format: HistoryFormat
    target_label: str
    workouts: int
    sets: int
    first_day: date | None
    last_day: date | None
    names: tuple[NameReview, ...]
    duplicates: int
    bad_rows: tuple[BadRow, ...]  # the first BAD_ROWS_SHOWN
    bad_row_count: int
    rest_rows: int
    unit_missing: bool  # the file does not say its weight unit: ask, ``unit`` preselected
    unit: Units
    repeated_workouts: int = 0  # a workout written twice in the file: stored once
    repeated_rows: int = 0  # a set row written twice in one workout: kept once

    @property
    def exercises(self) -> int:
        return len(self.names)

    def count(self, kind: NameKind) -> int:
        return sum(1 for n in self.names if n.kind is kind)


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
    repeated_workouts: int = 0  # written twice in the file, stored once


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


@dataclass(frozen=True, slots=True)
class _Run:
    """One run of :meth:`ImportService.commit`: who imports, where, and the settled file."""

    telegram_id: int
    profile_id: int | None
    prepared: _Prepared
    known: set[int]
    tz: ZoneInfo


class ImportService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def targets(self, telegram_id: int) -> tuple[ImportTarget, ...]:
        """Where this person may import: their own history, and clients who allow it."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            found: list[ImportTarget] = []
            if user.is_client or not user.is_trainer:
                found.append(ImportTarget(None, "your own history"))
            if user.is_trainer:
                for profile in await uow.exchange.trainer_clients(user.id):
                    try:
                        await check_access(uow, user.id, profile.id, Permission.MODIFY_WORKOUTS)
                    except (NotAllowed, NotFound):
                        continue
                    found.append(ImportTarget(profile.id, profile.name))
            return tuple(found)

    async def plan(
        self, telegram_id: int, data: bytes, profile_id: int | None, unit: Units | None = None
    ) -> ImportPlan:
        """Read the file and review its names; store nothing.

        ``unit`` is the weight unit of a file that does not say; the importing person's unit
        setting when not given. Reading the file and matching its names run in a worker
        process, so a big file never holds the event loop nor slows other replies."""
        async with self.ctx.uow() as uow:
            target = await self._target(uow, telegram_id, profile_id, create=False)
            visible = await uow.exercises.visible_to(target.owner_id)
            existing = (
                await uow.exchange.existing_starts(target.profile_id)
                if target.profile_id is not None
                else set()
            )
            chosen_unit = unit or target.user.units
            catalogue = _Catalogue.of(visible)
            tz, label = zone(target.tz_name), target.label
        return await FILES.run(_plan, data, tz, label, catalogue, existing, chosen_unit)

    @own_transactions
    async def commit(
        self,
        telegram_id: int,
        data: bytes,
        profile_id: int | None,
        decisions: Mapping[str, Decision],
        *,
        unit: Units | None = None,
        progress: Progress | None = None,
    ) -> ImportDone:
        """Store the file's workouts as one import batch, with exactly the reviewed mapping.

        ``decisions`` settles each name: an exercise id, :data:`OWN` or :data:`SKIP`; a name it
        leaves out must be an exact match (:class:`ReviewNeeded` otherwise). ``unit`` is the
        weight unit of a file that does not say (as in :meth:`plan`). ``progress`` is awaited
        after each transaction with the sets written so far and the sets to write.

        The file is read and matched in a worker process. The workouts are then written with
        bulk inserts in transactions of at most :data:`CHUNK_SETS` sets (a workout is never
        split), pausing between them so live logging gets the database. Each transaction
        skips workouts already stored, and a re-run of the same file by the same person joins
        the batch an interrupted run left, so undo still removes the whole import. If writing
        fails partway, what this run stored is removed again and :class:`ImportFailed` says so.
        """
        prepared, known, tz = await self._prepared(telegram_id, data, profile_id, decisions, unit)
        if not prepared.workouts:
            if prepared.duplicates:
                raise InvalidInput(
                    "Every workout in this file is already in Spotter, so nothing new was imported."
                )
            raise InvalidInput("You chose to skip every exercise, so there is nothing to import.")
        tally = _Tally(duplicates=prepared.duplicates)
        try:
            target, created, batch = await self._write(
                _Run(telegram_id, profile_id, prepared, known, tz), tally, progress
            )
        except Exception as error:
            if not tally.record_ids or isinstance(error, DomainError):
                raise
            raise await self._removed_after_failure(tally.record_ids) from error
        client_telegram_id = (
            target.client_user.telegram_id
            if target.client_user is not None and target.client_user.id != target.user.id
            else None
        )
        return ImportDone(
            batch=batch,
            target_label=target.label,
            workouts=tally.workouts,
            sets=tally.sets,
            skipped_sets=prepared.skipped_sets,
            duplicates=tally.duplicates,
            new_exercises=tuple(created),
            client_telegram_id=client_telegram_id,
            importer_name=target.user.display_name,
            repeated_workouts=prepared.repeated,
        )

    async def _prepared(
        self,
        telegram_id: int,
        data: bytes,
        profile_id: int | None,
        decisions: Mapping[str, Decision],
        unit: Units | None,
    ) -> tuple[_Prepared, set[int], ZoneInfo]:
        """The file read and settled with ``decisions`` (in a worker process), the ids of the
        exercises the person may import onto, and the time zone of the history."""
        async with self.ctx.uow() as uow:
            target = await self._target(uow, telegram_id, profile_id, create=False)
            visible = await uow.exercises.visible_to(target.owner_id)
            existing = (
                await uow.exchange.existing_starts(target.profile_id)
                if target.profile_id is not None
                else set()
            )
            tz = zone(target.tz_name)
            chosen_unit = unit or target.user.units
            catalogue = _Catalogue.of(visible)
        prepared = await FILES.run(
            _prepare, data, tz, catalogue, dict(decisions), existing, chosen_unit
        )
        return prepared, set(catalogue.by_id), tz

    async def _write(
        self, run: _Run, tally: _Tally, progress: Progress | None
    ) -> tuple[_Context, list[str], str]:
        """Write the workouts chunk by chunk, each chunk its own transaction (tried again on
        its own when the database is busy: the import as a whole is not), into ``tally``."""
        workouts = run.prepared.workouts
        chunks = _chunks(workouts, CHUNK_SETS)
        total = sum(w[5] for w in workouts)
        started = time.monotonic()
        target, created, single_writer, writer, done = await self._first_chunk(run, chunks[0])
        tally.add(done)
        written = sum(w[5] for w in chunks[0])
        for chunk in chunks[1:]:
            if progress is not None:
                await progress(written, total)
            await _pause(time.monotonic() - started, single_writer=single_writer)
            started = time.monotonic()
            tally.add(await self._next_chunk(writer, chunk))
            written += sum(w[5] for w in chunk)
        return target, created, writer.batch

    @retried
    async def _first_chunk(
        self, run: _Run, chunk: Sequence[_WorkoutRow]
    ) -> tuple[_Context, list[str], bool, _Writer, _Written]:
        """The first transaction: the profile and the new exercises, the batch (an
        interrupted run's, for the same file), and the first chunk."""
        prepared = run.prepared
        async with self.ctx.uow() as uow:
            target = await self._target(uow, run.telegram_id, run.profile_id, create=True)
            assert target.profile is not None
            mapping = {name: chosen for name, chosen in prepared.chosen.items() if chosen}
            created = await _own_exercises(uow, target.owner_id, prepared.own, run.known, mapping)
            repo = uow.exchange
            batch = await repo.batch_of_file(
                target.profile.id, target.user.id, prepared.file_key
            ) or str(uuid.uuid4())
            writer = _Writer(
                profile_id=target.profile.id,
                trainer_user_id=target.trainer_user_id,
                user_id=target.user.id,
                batch=batch,
                format=prepared.format,
                file_key=prepared.file_key,
                tz=run.tz,
                mapping=mapping,
            )
            done = await writer.write(repo, chunk)
            await uow.commit()
        return target, created, repo.single_writer(), writer, done

    @retried
    async def _next_chunk(self, writer: _Writer, chunk: Sequence[_WorkoutRow]) -> _Written:
        async with self.ctx.uow() as uow:
            done = await writer.write(uow.exchange, chunk)
            await uow.commit()
        return done

    async def _removed_after_failure(self, record_ids: Sequence[int]) -> ImportFailed:
        """Remove what a failed run stored; the error that says how that went."""
        try:
            await self._remove(record_ids)
        except Exception:
            return ImportFailed(PARTLY_STORED, partly_stored=True)
        return ImportFailed(REMOVED_AGAIN)

    async def undo(self, telegram_id: int, batch: str) -> UndoDone:
        """Remove every session of one import, in bounded transactions.

        Should it stop partway, what is left is still the same batch: undo again finishes it."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            repo = uow.exchange
            records = await repo.batch_rows(batch[:36])
            if not records:
                raise NotFound(NO_IMPORT)
            label = await self._may_undo(uow, user, records)
            ids = [record_id for record_id, _, _ in records]
            sets = await repo.batch_set_count(ids)
        await self._remove(ids)
        return UndoDone(workouts=len(ids), sets=sets, target_label=label)

    async def recent(self, telegram_id: int) -> tuple[BatchView, ...]:
        """This person's latest imports that can still be undone."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            views = []
            for batch, profile_id, when, count in await uow.exchange.recent_batches(user.id):
                profile = await uow.clients.get(profile_id)
                if profile is None:
                    continue
                label = "your own history" if profile.user_id == user.id else profile.name
                views.append(BatchView(batch, label, when, count))
            return tuple(views)

    # ------------------------------------------------------------------ internals

    async def _remove(self, record_ids: Sequence[int]) -> None:
        """Delete these session records with everything under them, a bounded part per
        transaction, pausing between parts as the import does."""
        started = time.monotonic()
        single_writer = False
        for index in range(0, len(record_ids), REMOVE_RECORDS):
            if index:
                await _pause(time.monotonic() - started, single_writer=single_writer)
                started = time.monotonic()
            async with self.ctx.uow() as uow:
                repo = uow.exchange
                single_writer = repo.single_writer()
                await repo.delete_records(record_ids[index : index + REMOVE_RECORDS])
                await uow.commit()

    async def _target(
        self, uow: UnitOfWork, telegram_id: int, profile_id: int | None, *, create: bool
    ) -> _Context:
        user = await _user(uow, telegram_id)
        if profile_id is None:
            profile = (
                await own_profile(uow, user.id, user.display_name)
                if create
                else await uow.exchange.own_profile(user.id)
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
        access = await check_access(uow, user.id, profile_id, Permission.MODIFY_WORKOUTS)
        profile = await uow.clients.get(profile_id)
        if profile is None:
            raise NotFound("I can't find that client among yours.")
        client = (
            await uow.users.get(access.client_user_id)
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

    async def _may_undo(
        self, uow: UnitOfWork, user: User, records: Sequence[tuple[int, int, int | None]]
    ) -> str:
        profile = await uow.clients.get(records[0][1])
        if profile is None:
            raise NotFound(NO_IMPORT)
        if profile.user_id == user.id:
            return "your own history"
        if any(logged_by != user.id for _, _, logged_by in records):
            raise NotFound(NO_IMPORT)
        try:
            await check_access(uow, user.id, profile.id, Permission.MODIFY_WORKOUTS)
        except NotFound:
            raise NotFound(NO_IMPORT) from None
        return profile.name


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    """The acting person; unknown or erased: :class:`NotRegistered`, worded as
    :data:`UNKNOWN_USER`."""
    return (await uow.users.acting(telegram_id)).user


async def _own_exercises(
    uow: UnitOfWork,
    owner_id: int,
    names: Sequence[str],
    known: set[int],
    mapping: dict[str, tuple[int, str]],
) -> list[str]:
    """Map each of ``names`` onto the owner's own exercise of that name, made if need be;
    the names of the exercises that were not ``known`` (visible) before."""
    created: list[str] = []
    seen = set(known)
    for name in names:
        own = await _own_exercise(uow, owner_id, name)
        if own.id not in seen:
            created.append(own.name)
            seen.add(own.id)
        mapping[name] = (own.id, own.name)
    return created


async def _own_exercise(uow: UnitOfWork, owner_id: int, name: str) -> Exercise:
    """The owner's exercise of this name (re-activated if archived), or a new one."""
    wanted = normalise_name(name)
    for exercise in await uow.exchange.own_exercises(owner_id):
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
    uow.add(exercise)
    await uow.flush()
    return exercise


# --------------------------------------------------------------------------- off the event loop
# These run in a worker process (coaching.services.offload): reading a big file, matching its
# names and walking its sets cost far more than the few milliseconds the event loop may be
# held, and in a thread they would slow every other reply (the GIL). What they are given and
# return is plain data, sent to the worker and back.


@dataclass(frozen=True, slots=True)
class _Known:
    """An exercise a file's names may match: what matching reads of it, as plain data."""

    id: int
    name: str
    category: str
    slug: str | None
    owner_user_id: int | None
    aliases: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Catalogue:
    """The exercises a person may import onto, indexed once for the whole file."""

    by_id: Mapping[int, _Known]
    by_slug: Mapping[str, _Known]
    candidates: tuple[SearchCandidate, ...]

    @classmethod
    def of(cls, visible: Sequence[Exercise]) -> _Catalogue:
        known = [
            _Known(e.id, e.name, e.category, e.slug, e.owner_user_id, tuple(e.aliases or ()))
            for e in visible
        ]
        return cls(
            by_id={e.id: e for e in known},
            by_slug={e.slug: e for e in known if e.slug and e.owner_user_id is None},
            candidates=tuple(
                SearchCandidate(key=e.id, name=e.name, aliases=e.aliases) for e in known
            ),
        )

    def review(self, name: str, sets: int, index: SearchIndex) -> NameReview:
        """How ``name`` matches: exact, with a suggestion, or new."""
        # An alias that changes the lift ("hanging knee raise" on Hanging Leg Raise) is not
        # an exact match, nor a suggestion; the apps' own names (the table) are exact.
        fitting: list[tuple[bool, _Known]] = []
        for hit in index.search(name, limit=12):
            exercise = self.by_id[int(hit.key)]
            if not crosses_variant(name, exercise.name, exercise.category):
                fitting.append((hit.exact, exercise))
        chosen = self._exact_choice(name, [e for exact, e in fitting if exact])
        if chosen is not None:
            kind = NameKind.EXACT
        elif fitting:
            kind, chosen = NameKind.SUGGESTED, fitting[0][1]
        else:
            kind = NameKind.NEW
        others = [e for _, e in fitting if chosen is None or e.id != chosen.id][: CANDIDATES - 1]
        return NameReview(
            name=name,
            sets=sets,
            kind=kind,
            match=Candidate(chosen.id, chosen.name) if chosen is not None else None,
            candidates=tuple(Candidate(e.id, e.name) for e in others),
        )

    def _exact_choice(self, name: str, exact: Sequence[_Known]) -> _Known | None:
        """The exact match: the person's own exercise when just one matches, else the apps'
        built-in name, else the one exact catalogue match (none if the person has several)."""
        own = [e for e in exact if e.owner_user_id is not None]
        if len(own) == 1:
            return own[0]
        slug = app_name_slug(name)
        chosen = self.by_slug.get(slug) if slug else None
        if chosen is None and not own and len(exact) == 1:
            chosen = exact[0]
        return chosen

    def exact(self, name: str, index: SearchIndex) -> _Known | None:
        review = self.review(name, 0, index)
        if review.kind is not NameKind.EXACT or review.match is None:
            return None
        return self.by_id[review.match.exercise_id]


def _plan(
    data: bytes,
    tz: ZoneInfo,
    label: str,
    catalogue: _Catalogue,
    existing: set[tuple[datetime, str]],
    unit: Units,
) -> ImportPlan:
    history = read_history(data, tz, unit)
    counts = history.sets_per_name()
    index = build_index(catalogue.candidates)
    names = tuple(catalogue.review(name, counts[name], index) for name in counts)
    duplicates = repeated = 0
    seen: set[tuple[datetime, str]] = set()
    for workout in history.workouts:
        key = (workout.start, workout.title[:255])
        if key in existing:
            duplicates += 1
        elif key in seen:
            repeated += 1
        seen.add(key)
    days = history.date_range(tz)
    return ImportPlan(
        format=history.format,
        target_label=label,
        workouts=len(history.workouts),
        sets=history.set_count,
        first_day=days[0] if days else None,
        last_day=days[1] if days else None,
        names=names,
        duplicates=duplicates,
        bad_rows=history.bad_rows[:BAD_ROWS_SHOWN],
        bad_row_count=len(history.bad_rows),
        rest_rows=history.rest_rows,
        unit_missing=history.unit_missing,
        unit=unit,
        repeated_workouts=repeated,
        repeated_rows=history.repeated_rows,
    )


# A workout to store, as plain values only (tuples of strings, numbers and datetimes): the
# garbage collector stops tracking such tuples, so holding a big file's workouts while they are
# written does not make full collections (which hold the event loop) more frequent or longer.
# Sets: (set type, weight kg, reps, rpe, seconds, metres, unit); exercises: (name, notes, sets);
# workouts: (start, title, end, notes, exercises, number of sets).
_SetRow = tuple[str, Decimal | None, int | None, Decimal | None, int | None, Decimal | None, str]
_ExerciseRow = tuple[str, str | None, tuple[_SetRow, ...]]
_WorkoutRow = tuple[datetime, str, datetime | None, str | None, tuple[_ExerciseRow, ...], int]


@dataclass(frozen=True, slots=True)
class _Prepared:
    format: HistoryFormat
    file_key: str
    chosen: dict[str, tuple[int, str] | None]  # name -> (exercise id, name); None: skipped
    own: list[str]  # names to create as the person's own exercises
    workouts: tuple[_WorkoutRow, ...]  # not stored yet, with at least one exercise kept
    skipped_sets: int
    duplicates: int  # already stored
    repeated: int  # written twice in the file


def _prepare(
    data: bytes,
    tz: ZoneInfo,
    catalogue: _Catalogue,
    decisions: Mapping[str, Decision],
    existing: set[tuple[datetime, str]],
    unit: Units,
) -> _Prepared:
    """Read the file, settle each name, and pick the workouts to store."""
    history = read_history(data, tz, unit)
    chosen, own = _resolve(history, catalogue, decisions)
    seen: set[tuple[datetime, str]] = set()
    workouts: list[_WorkoutRow] = []
    skipped_sets = duplicates = repeated = 0
    for workout in history.workouts:
        key = (workout.start, workout.title[:255])
        if key in existing:
            duplicates += 1
            continue
        if key in seen:
            repeated += 1
            continue
        kept: list[_ExerciseRow] = []
        for exercise in workout.exercises:
            if exercise.name in chosen and chosen[exercise.name] is None:
                skipped_sets += len(exercise.sets)
                continue
            sets = tuple(
                (
                    s.set_type.value,
                    s.weight_kg,
                    s.reps,
                    s.rpe,
                    s.duration_s,
                    s.distance_m,
                    s.unit.value,
                )
                for s in exercise.sets
            )
            kept.append((exercise.name, exercise.notes, sets))
        if not kept:
            continue
        seen.add(key)
        count = sum(len(sets) for _, _, sets in kept)
        workouts.append((key[0], key[1], workout.end, workout.notes, tuple(kept), count))
    return _Prepared(
        format=history.format,
        file_key=hashlib.sha256(data).hexdigest()[:32],
        chosen=chosen,
        own=own,
        workouts=tuple(workouts),
        skipped_sets=skipped_sets,
        duplicates=duplicates,
        repeated=repeated,
    )


def _resolve(
    history: History, catalogue: _Catalogue, decisions: Mapping[str, Decision]
) -> tuple[dict[str, tuple[int, str] | None], list[str]]:
    """Each name's exercise as (id, name) (None: skipped), and the names to create as the
    person's own: exactly as decided; a name left out only if it is an exact match."""
    chosen: dict[str, tuple[int, str] | None] = {}
    own: list[str] = []
    index: SearchIndex | None = None
    for name in history.exercise_names():
        decision = decisions.get(name)
        if decision == SKIP:
            chosen[name] = None
        elif decision == OWN:
            own.append(name)
        elif isinstance(decision, int) and not isinstance(decision, bool):
            exercise = catalogue.by_id.get(decision)
            if exercise is None:
                raise NotFound("That exercise is not in your catalogue; pick another one.")
            chosen[name] = (exercise.id, exercise.name)
        else:
            if index is None:
                index = build_index(catalogue.candidates)
            match = catalogue.exact(name, index)
            if match is None:
                raise ReviewNeeded(name)
            chosen[name] = (match.id, match.name)
    return chosen, own


def _chunks(workouts: Sequence[_WorkoutRow], limit: int) -> list[list[_WorkoutRow]]:
    """Whole workouts in order, at most ``limit`` sets a chunk (a bigger workout alone)."""
    chunks: list[list[_WorkoutRow]] = []
    current: list[_WorkoutRow] = []
    size = 0
    for workout in workouts:
        if current and size + workout[5] > limit:
            chunks.append(current)
            current, size = [], 0
        current.append(workout)
        size += workout[5]
    if current:
        chunks.append(current)
    return chunks


@dataclass(slots=True)
class _Tally:
    """What an import's committed chunks wrote so far."""

    duplicates: int
    workouts: int = 0
    sets: int = 0
    record_ids: list[int] = field(default_factory=list)

    def add(self, written: _Written) -> None:
        self.record_ids.extend(written.record_ids)
        self.workouts += written.workouts
        self.sets += written.sets
        self.duplicates += written.duplicates


async def _pause(held: float, *, single_writer: bool) -> None:
    """Let other writers in: with one writer at a time (SQLite), wait about as long as the
    database was just held; otherwise just let other tasks run."""
    await asyncio.sleep(min(max(held, 0.0), PAUSE_CAP_S) if single_writer else 0)


# --------------------------------------------------------------------------- writing a chunk


@dataclass(frozen=True, slots=True)
class _Written:
    record_ids: list[int]
    workouts: int
    sets: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class _Writer:
    """Writes chunks of one import with bulk inserts; each chunk skips what is stored already."""

    profile_id: int
    trainer_user_id: int | None
    user_id: int
    batch: str
    format: HistoryFormat
    file_key: str
    tz: ZoneInfo
    mapping: Mapping[str, tuple[int, str]]

    async def write(self, repo: ExchangeRepository, chunk: Sequence[_WorkoutRow]) -> _Written:
        present = await repo.starts_between(
            self.profile_id, min(w[0] for w in chunk), max(w[0] for w in chunk)
        )
        todo = [w for w in chunk if (w[0], w[1]) not in present]
        record_ids = await repo.insert_records([self._record(w) for w in todo])
        exercise_rows: list[dict[str, Any]] = []
        for start, title, end, _, exercises, _ in todo:
            record_id = record_ids[(start, title)]
            for order, (name, notes, _) in enumerate(exercises):
                exercise_id, exercise_name = self.mapping[name]
                exercise_rows.append(
                    {
                        "session_record_id": record_id,
                        "exercise_id": exercise_id,
                        "exercise_name": exercise_name[:100],
                        "order_index": order,
                        "notes": notes,
                        "completed": True,
                        "skipped": False,
                        "started_at": start,
                        "completed_at": end or start,
                    }
                )
        exercise_ids = await repo.insert_exercise_records(exercise_rows)
        set_rows: list[dict[str, Any]] = []
        for start, title, _, _, exercises, _ in todo:
            record_id = record_ids[(start, title)]
            for order, (name, _, sets) in enumerate(exercises):
                exercise_id, _ = self.mapping[name]
                exercise_record_id = exercise_ids[(record_id, order)]
                for index, (kind, weight, reps, rpe, seconds, metres, unit) in enumerate(
                    sets, start=1
                ):
                    set_rows.append(
                        {
                            "exercise_record_id": exercise_record_id,
                            "client_profile_id": self.profile_id,
                            "exercise_id": exercise_id,
                            "set_index": index,
                            "set_type": SetType(kind),
                            "weight_kg": weight,
                            "bodyweight": weight is None and reps is not None,
                            "reps": reps,
                            "rpe": rpe,
                            "duration_s": seconds,
                            "distance_m": metres,
                            "entered_unit": Units(unit),
                            "performed_at": start,
                        }
                    )
        await repo.insert_set_records(set_rows)
        return _Written(
            record_ids=sorted(record_ids.values()),
            workouts=len(todo),
            sets=len(set_rows),
            duplicates=len(chunk) - len(todo),
        )

    def _record(self, workout: _WorkoutRow) -> dict[str, Any]:
        start, title, end, notes, _, _ = workout
        metadata: dict[str, str] = {"import_format": self.format.value}
        if notes:
            metadata["notes"] = notes
        metadata["import_file"] = self.file_key
        return {
            "client_profile_id": self.profile_id,
            "trainer_user_id": self.trainer_user_id,
            "logged_by_user_id": self.user_id,
            "title": title,
            "session_date": start.astimezone(self.tz).date(),
            "start_time": start,
            "end_time": end,
            "completed": True,
            "is_live": False,
            "status": RecordStatus.COMPLETED,
            "source": "import",
            "import_batch": self.batch,
            "created_by": self.user_id,
            "trainee_feedback": {},
            "session_metadata": metadata,
        }
