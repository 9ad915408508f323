"""Exports: everything about a client for the client, permitted data for a trainer, libraries.

* :meth:`ExportService.my_data`: a JSON file of every row about the person (every profile of
  theirs, measurements, photo and media ``file_id`` references, relationships and permissions,
  appointments, session records with exercises and sets, feedback, alerts about them) plus
  their workout history as Strong and Hevy CSV files. Nothing is filtered by trainer
  permissions: it is their own data.
* :meth:`ExportService.trainer_export`: per client or for all clients, what each client lets the
  trainer see: sessions and sets (``view_workout_history``) and an adherence summary
  (``view_activity_status``). Every client goes through ``check_access``.
* :meth:`ExportService.library` / :meth:`ExportService.import_library`: the trainer's templates and
  programs as versioned JSON, and back as new rows owned by the importer.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.domain.catalogue import CATEGORIES, normalise_name
from coaching.domain.enums import Permission, RecordStatus, SessionStatus, Units
from coaching.domain.exchange import (
    FileProblem,
    Library,
    LibraryExercise,
    LibraryProgram,
    LibrarySession,
    LibraryTemplate,
    LoggedExercise,
    LoggedSet,
    Workout,
    format_decimal,
    library_json,
    parse_library,
    write_hevy,
    write_rows,
    write_strong,
)
from coaching.errors import NotAllowed, NotFound
from coaching.services.access import Access, authorise, check_access, readable_scope
from coaching.services.base import Service, ServiceContext
from coaching.services.elsewhere import in_worker
from coaching.services.exercises import acting_trainer
from coaching.services.offload import FILES
from coaching.services.threads import MESSAGE_COLUMNS, conversation_records, conversation_rows
from storage.models import (
    Base,
    ClientProfile,
    Exercise,
    ExerciseTemplate,
    Program,
    ProgramSession,
    SessionRecord,
    SessionTemplate,
    User,
)
from storage.repositories.exchange import ExchangeRepository, RecordPage, Rows
from storage.uow import UnitOfWork

EXPORT_FORMAT = "spotter-personal-data"
EXPORT_VERSION = 1
UNKNOWN_USER = "I don't know you yet. Send /start first."
RECENT_DAYS = 28
# Long histories are read a page at a time, each page awaited, and turned into JSON and CSV in
# a worker process (a thread would hold the GIL and slow every other reply), so no step holds
# the event loop for more than a few milliseconds.
RECORDS_PER_PAGE = 16
ROWS_PER_PAGE = 500
LIBRARY_PER_PAGE = 25


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    data: bytes
    caption: str


@dataclass(frozen=True, slots=True)
class ExportBundle:
    files: tuple[ExportFile, ...]
    sessions: int
    sets: int
    left_out: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True, slots=True)
class ClientChoice:
    profile_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LibraryImportResult:
    templates: int
    programs: int
    new_exercises: tuple[str, ...]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def slug_of(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", normalise_name(text)).strip("-")
    return slug[:40] or "client"


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def row_dict(row: Base, *, skip: Sequence[str] = ()) -> dict[str, Any]:
    """Every column of a row, JSON-ready."""
    return {
        column.key: jsonable(getattr(row, column.key))
        for column in row.__table__.columns
        if column.key not in skip
    }


def workouts_of(records: Sequence[SessionRecord]) -> list[Workout]:
    """Performed sessions as exchange values; exercises and sessions without sets are left out."""
    workouts = []
    for record in records:
        exercises = []
        for exercise in record.exercises:
            if not exercise.sets:
                continue
            sets = tuple(
                LoggedSet(
                    set_type=s.set_type,
                    weight_kg=s.weight_kg,
                    reps=s.reps,
                    rpe=s.rpe,
                    distance_m=s.distance_m,
                    duration_s=s.duration_s,
                    unit=s.entered_unit,
                )
                for s in sorted(exercise.sets, key=lambda s: (s.set_index, s.id or 0))
            )
            exercises.append(
                LoggedExercise(name=exercise.exercise_name, sets=sets, notes=exercise.notes)
            )
        if not exercises:
            continue
        notes = (record.session_metadata or {}).get("notes")
        workouts.append(
            Workout(
                title=record.title,
                start=record.start_time,
                end=record.end_time,
                exercises=tuple(exercises),
                notes=str(notes) if notes else None,
            )
        )
    return workouts


def _library_exercise(row: ExerciseTemplate) -> LibraryExercise:
    exercise: Exercise = row.exercise
    return LibraryExercise(
        name=exercise.name,
        slug=exercise.slug,
        category=exercise.category,
        measure=exercise.measure,
        target_sets=row.target_sets,
        reps_min=row.reps_min,
        reps_max=row.reps_max,
        target_weight_kg=row.target_weight_kg,
        target_percent_e1rm=row.target_percent_e1rm,
        bodyweight=row.bodyweight,
        target_rpe=row.target_rpe,
        target_rir=row.target_rir,
        rest_seconds=row.rest_seconds,
        duration_s=row.duration_s,
        distance_m=row.distance_m,
        instructions=row.instructions,
        tips=row.tips,
        notes=row.notes,
    )


# --------------------------------------------------------------------------------------------
# Long histories, a page at a time. The async helpers read; the plain functions below them run
# off the event loop and touch nothing but their arguments: those given plain rows (a page's
# history) in a worker process, those given ORM objects whose columns are already loaded and
# that no other code uses meanwhile (the account, the library) in a worker thread.
# --------------------------------------------------------------------------------------------

_Grouped = list[tuple[dict[str, Any], list[tuple[dict[str, Any], list[dict[str, Any]]]]]]
_INDENT = 2
# A list that is the value of a top-level key: how the encoder opens and closes it, and what
# separates its items.
_ITEMS_OPEN = "[\n" + " " * 2 * _INDENT
_ITEMS_SEPARATOR = ",\n" + " " * 2 * _INDENT
_ITEMS_CLOSE = "\n" + " " * _INDENT + "]"


async def _record_pages(
    repo: ExchangeRepository, profile_ids: Sequence[int]
) -> AsyncIterator[RecordPage]:
    """The profiles' finished records with exercises and sets, oldest first, page by page."""
    after: tuple[Any, ...] | None = None
    while True:
        page = await repo.record_page(profile_ids, after, RECORDS_PER_PAGE)
        if not page.records:
            return
        yield page
        if len(page.records) < RECORDS_PER_PAGE:
            return
        after = page.records.after


async def _paged(
    fetch: Callable[[tuple[Any, ...] | None, int], Awaitable[Rows]],
) -> tuple[Rows, ...]:
    """Every page of a flat table, ``ROWS_PER_PAGE`` rows at a time."""
    pages: list[Rows] = []
    after = None
    while True:
        rows = await fetch(after, ROWS_PER_PAGE)
        if rows:
            pages.append(rows)
        if len(rows) < ROWS_PER_PAGE:
            return tuple(pages)
        after = rows.after


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as :func:`row_dict` gives it: every column, JSON-ready."""
    return {key: jsonable(value) for key, value in row.items()}


def _json_rows(pages: Sequence[Rows]) -> list[dict[str, Any]]:
    return [_json_row(row) for rows in pages for row in rows.dicts()]


def _grouped(page: RecordPage) -> _Grouped:
    """Each record with its exercises, each exercise with its sets, in the page's order."""
    sets: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in page.sets.dicts():
        sets[row["exercise_record_id"]].append(row)
    exercises: dict[int, list[tuple[dict[str, Any], list[dict[str, Any]]]]] = defaultdict(list)
    for row in page.exercises.dicts():
        exercises[row["session_record_id"]].append((row, sets.get(row["id"], [])))
    return [(record, exercises.get(record["id"], [])) for record in page.records.dicts()]


def _by_set_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda s: (s["set_index"], s["id"] or 0))


def _workout_of(
    record: dict[str, Any], exercises: list[tuple[dict[str, Any], list[dict[str, Any]]]]
) -> Workout | None:
    """What :func:`workouts_of` makes of one record, from its rows."""
    logged = []
    for exercise, sets in exercises:
        if not sets:
            continue
        logged.append(
            LoggedExercise(
                name=exercise["exercise_name"],
                sets=tuple(
                    LoggedSet(
                        set_type=s["set_type"],
                        weight_kg=s["weight_kg"],
                        reps=s["reps"],
                        rpe=s["rpe"],
                        distance_m=s["distance_m"],
                        duration_s=s["duration_s"],
                        unit=s["entered_unit"],
                    )
                    for s in _by_set_order(sets)
                ),
                notes=exercise["notes"],
            )
        )
    if not logged:
        return None
    notes = (record["session_metadata"] or {}).get("notes")
    return Workout(
        title=record["title"],
        start=record["start_time"],
        end=record["end_time"],
        exercises=tuple(logged),
        notes=str(notes) if notes else None,
    )


def _encode(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``."""
    return json.dumps(value, indent=_INDENT, ensure_ascii=False)


def _items(values: list[Any]) -> bytes:
    """The items of a top-level list, encoded exactly as inside the whole document."""
    text = _encode({"items": values})
    head = "{\n" + " " * _INDENT + '"items": ' + _ITEMS_OPEN
    tail = _ITEMS_CLOSE + "\n}"
    if not values or not text.startswith(head) or not text.endswith(tail):
        raise ValueError("unexpected JSON layout")
    return text[len(head) : -len(tail)].encode("utf-8")


def _without_header(data: bytes, header: bytes) -> bytes:
    if not data.startswith(header):
        raise ValueError("unexpected CSV layout")
    return data[len(header) :]


@dataclass(frozen=True, slots=True)
class _HistoryPart:
    """One page of the client's history, encoded: JSON session items and CSV rows."""

    sessions: bytes
    strong: bytes
    hevy: bytes
    workouts: int
    sets: int


def _history_part(page: RecordPage, tz: ZoneInfo, unit: Units = Units.KG) -> _HistoryPart:
    grouped = _grouped(page)
    entries = [
        {
            **_json_row(record),
            "exercises": [
                {**_json_row(exercise), "sets": [_json_row(s) for s in sets]}
                for exercise, sets in exercises
            ],
        }
        for record, exercises in grouped
    ]
    workouts = [w for w in (_workout_of(r, e) for r, e in grouped) if w is not None]
    return _HistoryPart(
        sessions=_items(entries),
        strong=_without_header(write_strong(workouts, tz, unit), write_strong((), tz, unit)),
        hevy=_without_header(write_hevy(workouts, tz), write_hevy((), tz)),
        workouts=len(workouts),
        sets=sum(w.set_count for w in workouts),
    )


@dataclass(frozen=True, slots=True)
class _MyData:
    now: datetime
    tz: ZoneInfo
    user: User
    profiles: tuple[ClientProfile, ...]
    relationships: tuple[tuple[Any, Any], ...]
    trainer_names: dict[int, str]
    windows: tuple[Any, ...]
    history: tuple[_HistoryPart, ...]
    appointments: tuple[Rows, ...]
    measurements: tuple[Rows, ...]
    photos: tuple[Rows, ...]
    feedback: tuple[Rows, ...]
    media: tuple[Rows, ...]
    alerts: tuple[Rows, ...]
    conversations: tuple[dict[str, Any], ...] = ()


def _my_data_bundle(data: _MyData) -> ExportBundle:
    """The three files of /mydata, from what :meth:`ExportService.my_data` read."""
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": data.now.isoformat(),
        "account": row_dict(data.user),
        "profiles": [row_dict(p) for p in data.profiles],
        "relationships": [
            {
                **row_dict(r),
                "trainer_name": data.trainer_names.get(r.trainer_user_id)
                if r.trainer_user_id in data.trainer_names
                else None,
                "permissions": row_dict(p, skip=("relationship_id",)) if p else None,
                "progression_access": [
                    row_dict(w) for w in data.windows if w.relationship_id == r.id
                ],
            }
            for r, p in data.relationships
        ],
        "measurements": _json_rows(data.measurements),
        "progress_photos": _json_rows(data.photos),
        "appointments": _json_rows(data.appointments),
        "sessions": [],
        "feedback": _json_rows(data.feedback),
        "media": _json_rows(data.media),
        "alerts": _json_rows(data.alerts),
        "conversations": list(data.conversations),
    }
    text = _encode(document)
    pieces = [text.encode("utf-8")]
    if data.history:
        marker = "\n" + " " * _INDENT + '"sessions": []'
        at = text.index(marker) + len(marker) - 2
        pieces = [
            text[:at].encode("utf-8"),
            _ITEMS_OPEN.encode("utf-8"),
            _ITEMS_SEPARATOR.encode("utf-8").join(part.sessions for part in data.history),
            _ITEMS_CLOSE.encode("utf-8"),
            text[at + 2 :].encode("utf-8"),
        ]
    stamp = data.now.astimezone(data.tz).strftime("%Y-%m-%d")
    files = (
        ExportFile(
            f"spotter-my-data-{stamp}.json",
            b"".join(pieces),
            "Everything Spotter stores about you (JSON).",
        ),
        ExportFile(
            f"spotter-strong-{stamp}.csv",
            write_strong((), data.tz) + b"".join(part.strong for part in data.history),
            "Your workout history in Strong's CSV layout (weights in your unit).",
        ),
        ExportFile(
            f"spotter-hevy-{stamp}.csv",
            write_hevy((), data.tz) + b"".join(part.hevy for part in data.history),
            "Your workout history for Hevy (CSV).",
        ),
    )
    return ExportBundle(
        files=files,
        sessions=sum(part.workouts for part in data.history),
        sets=sum(part.sets for part in data.history),
    )


class ExportService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ the client's own data

    @in_worker(FILES)
    async def my_data(self, telegram_id: int) -> ExportBundle:
        """Everything stored about this person: a JSON file and their history as CSV. Read and
        written in a worker process (see :mod:`coaching.services.elsewhere`): years of history
        never pass through the bot's own heap."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            repo = uow.exchange
            profiles = await repo.profiles_of(user.id)
            profile_ids = [p.id for p in profiles]
            relationships = await repo.relationships_of(profile_ids)
            relationship_ids = [r.id for r, _ in relationships]
            trainers = await repo.users([r.trainer_user_id for r, _ in relationships])
            windows = await repo.progression_access(relationship_ids)
            tz = zone(user.timezone)
            parts: list[_HistoryPart] = []
            async for page in _record_pages(repo, profile_ids):
                parts.append(await FILES.run(_history_part, page, tz, user.units))
            appointments = await _paged(partial(repo.appointment_rows, relationship_ids))
            measurements = await _paged(partial(repo.measurement_rows, profile_ids))
            photos = await _paged(partial(repo.photo_rows, profile_ids))
            feedback = await _paged(partial(repo.feedback_rows, profile_ids))
            media = await _paged(partial(repo.media_rows, profile_ids))
            alerts = await _paged(partial(repo.alert_rows, profile_ids))
            now = self.ctx.clock.now()
            return await asyncio.to_thread(
                _my_data_bundle,
                _MyData(
                    now=now,
                    tz=tz,
                    user=user,
                    profiles=tuple(profiles),
                    relationships=tuple(relationships),
                    trainer_names={i: t.display_name for i, t in trainers.items()},
                    windows=tuple(windows),
                    history=tuple(parts),
                    appointments=appointments,
                    measurements=measurements,
                    photos=photos,
                    feedback=feedback,
                    media=media,
                    alerts=alerts,
                    conversations=tuple(await conversation_records(uow, profile_ids)),
                ),
            )

    # ------------------------------------------------------------------ a trainer's clients

    async def clients(self, telegram_id: int) -> tuple[ClientChoice, ...]:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            rows = await uow.exchange.trainer_clients(trainer.id)
            return tuple(ClientChoice(p.id, p.name) for p in rows)

    @in_worker(FILES)
    async def trainer_export(self, telegram_id: int, profile_id: int | None) -> ExportBundle:
        """Sessions, sets and adherence of one client (or all), as each client permits; in a
        worker process, as :meth:`my_data`."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            profiles = await _export_profiles(uow, trainer.id, profile_id)
            tz = zone(trainer.timezone)
            now = self.ctx.clock.now()
            found = _TrainerExport()
            for profile in profiles:
                await _client_export(uow, trainer.id, profile, tz, now, found)
            label = slug_of(profiles[0].name) if profile_id is not None else "all-clients"
            stamp = now.astimezone(tz).strftime("%Y-%m-%d")
            messages = await conversation_rows(uow, profiles, trainer.display_name, tz)
            return ExportBundle(
                files=found.files(f"spotter-{label}", stamp, messages),
                sessions=found.sessions,
                sets=found.sets,
                left_out=tuple(found.left_out),
                label=profiles[0].name if profile_id is not None else "all your clients",
            )

    # ------------------------------------------------------------------ the library

    async def library(self, telegram_id: int) -> tuple[ExportFile, int, int]:
        """The trainer's active templates and programs as one JSON file, with their counts."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            repo = uow.exchange
            templates: list[SessionTemplate] = []
            while page := await repo.template_page(
                trainer.id, templates[-1].id if templates else 0, LIBRARY_PER_PAGE
            ):
                templates += page
            programs: list[Program] = []
            while batch := await repo.program_page(
                trainer.id, programs[-1].id if programs else 0, LIBRARY_PER_PAGE
            ):
                programs += batch
            linked = {
                s.session_template_id
                for p in programs
                for s in p.sessions
                if s.session_template_id is not None
            }
            names = await repo.template_names(sorted(linked))
            now = self.ctx.clock.now()
            data = await asyncio.to_thread(_library_file, now, templates, programs, names)
            stamp = now.astimezone(zone(trainer.timezone)).strftime("%Y-%m-%d")
            file = ExportFile(
                f"spotter-library-{stamp}.json",
                data,
                "Your templates and programs. Send this file back to me (or to another Spotter "
                "bot) to import them.",
            )
            return file, len(templates), len(programs)

    async def import_library(self, telegram_id: int, data: bytes) -> LibraryImportResult:
        """Create the file's templates and programs as the trainer's own, all or nothing."""
        # Validating a big library is CPU work: off the event loop, like the history import.
        library = await FILES.run(read_library, data)
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            resolver = _ExerciseResolver(uow, trainer)
            await resolver.load()
            repo = uow.exchange
            by_name: dict[str, SessionTemplate] = {}
            for spec in library.templates:
                template = SessionTemplate(
                    trainer_user_id=trainer.id,
                    name=spec.name,
                    description=spec.description,
                    category=spec.category,
                    difficulty=spec.difficulty,
                    duration_minutes=spec.duration_minutes,
                    equipment_needed=list(spec.equipment_needed),
                    notes=spec.notes,
                    created_by=trainer.id,
                    exercises=[
                        await resolver.prescription(index, item)
                        for index, item in enumerate(spec.exercises)
                    ],
                )
                repo.add(template)
                by_name.setdefault(spec.name, template)
            await uow.flush()
            for program_spec in library.programs:
                program = Program(
                    trainer_user_id=trainer.id,
                    name=program_spec.name,
                    description=program_spec.description,
                    difficulty=program_spec.difficulty,
                    duration_weeks=program_spec.duration_weeks,
                    goals=list(program_spec.goals),
                    created_by=trainer.id,
                    sessions=[],
                )
                for item in program_spec.sessions:
                    linked = by_name.get(item.template) if item.template else None
                    program.sessions.append(
                        ProgramSession(
                            trainer_user_id=trainer.id,
                            session_template_id=linked.id if linked else None,
                            name=item.name,
                            description=item.description,
                            session_type=item.session_type,
                            focus_area=item.focus_area,
                            estimated_duration=item.estimated_duration,
                            warmup=list(item.warmup),
                            cooldown=list(item.cooldown),
                            week_number=item.week_number,
                            session_number=item.session_number,
                            created_by=trainer.id,
                            exercises=[
                                await resolver.prescription(index, ex)
                                for index, ex in enumerate(item.exercises)
                            ],
                        )
                    )
                repo.add(program)
            await uow.flush()
            await uow.commit()
            return LibraryImportResult(
                templates=len(library.templates),
                programs=len(library.programs),
                new_exercises=tuple(resolver.created),
            )


SESSION_COLUMNS = (
    "client",
    "date",
    "start",
    "end",
    "session",
    "status",
    "source",
    "exercises",
    "sets",
    "volume_kg",
    "client_rpe",
)
SET_COLUMNS = (
    "client",
    "date",
    "session",
    "exercise",
    "set",
    "set_type",
    "weight_kg",
    "reps",
    "rpe",
    "rir",
    "duration_s",
    "distance_m",
)
ADHERENCE_COLUMNS = (
    "client",
    "relationship",
    "planned_sessions",
    "completed_sessions",
    "missed_sessions",
    "adherence_pct",
    "workouts_logged",
    f"workouts_last_{RECENT_DAYS}_days",
    "sets_logged",
    "last_workout",
)


@dataclass(frozen=True, slots=True)
class _Done:
    """A client's finished workouts so far: how many, how many lately, their sets, the last."""

    workouts: int = 0
    recent: int = 0
    sets: int = 0
    last: datetime | None = None

    def plus(self, other: _Done) -> _Done:
        lasts = [t for t in (self.last, other.last) if t is not None]
        return _Done(
            self.workouts + other.workouts,
            self.recent + other.recent,
            self.sets + other.sets,
            max(lasts, default=None),
        )


@dataclass(frozen=True, slots=True)
class _TrainerPart:
    """One page of a client's history for the trainer: CSV rows, counts, what was done."""

    sessions: bytes
    sets: bytes
    session_count: int
    set_count: int
    done: _Done


async def _export_profiles(
    uow: UnitOfWork, trainer_id: int, profile_id: int | None
) -> list[ClientProfile]:
    """The client profiles a trainer export covers: the one asked for, or all the clients."""
    if profile_id is None:
        profiles = await uow.exchange.trainer_clients(trainer_id)
        if not profiles:
            raise NotFound("You have no clients to export yet. Add one with /newclient.")
        return profiles
    await check_access(uow, trainer_id, profile_id)
    found = await uow.clients.get(profile_id)
    if found is None:
        raise NotFound("I can't find that client among yours.")
    return [found]


@dataclass(slots=True)
class _TrainerExport:
    """What a trainer export gathered so far, client by client."""

    session_parts: list[bytes] = field(default_factory=list)
    set_parts: list[bytes] = field(default_factory=list)
    sessions: int = 0
    sets: int = 0
    adherence_rows: list[list[object]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def shared(self, access: Access, permission: Permission, refused: str) -> bool:
        """Whether the client shares ``permission``; if not, ``refused`` is left out."""
        try:
            authorise(access, permission)
        except NotAllowed:
            self.left_out.append(refused)
            return False
        return True

    def add(self, part: _TrainerPart) -> None:
        self.session_parts.append(part.sessions)
        self.set_parts.append(part.sets)
        self.sessions += part.session_count
        self.sets += part.set_count

    def files(
        self, prefix: str, stamp: str, messages: list[list[object]]
    ) -> tuple[ExportFile, ...]:
        files: list[ExportFile] = []
        if self.sessions:
            files.append(
                ExportFile(
                    f"{prefix}-sessions-{stamp}.csv",
                    _header(SESSION_COLUMNS) + b"".join(self.session_parts),
                    f"Sessions ({self.sessions}).",
                )
            )
            files.append(
                ExportFile(
                    f"{prefix}-sets-{stamp}.csv",
                    _header(SET_COLUMNS) + b"".join(self.set_parts),
                    f"Sets ({self.sets}).",
                )
            )
        if messages:
            files.append(
                ExportFile(
                    f"{prefix}-messages-{stamp}.csv",
                    write_rows(MESSAGE_COLUMNS, messages),
                    f"Messages ({len(messages)}).",
                )
            )
        if self.adherence_rows:
            files.append(
                ExportFile(
                    f"{prefix}-adherence-{stamp}.csv",
                    write_rows(ADHERENCE_COLUMNS, self.adherence_rows),
                    "Adherence summary.",
                )
            )
        return tuple(files)


async def _client_export(
    uow: UnitOfWork,
    trainer_id: int,
    profile: ClientProfile,
    tz: ZoneInfo,
    now: datetime,
    found: _TrainerExport,
) -> None:
    """One client's part of a trainer export, as far as the client shares it."""
    access = await check_access(uow, trainer_id, profile.id)
    scope = await readable_scope(uow, access)
    history = found.shared(
        access, Permission.VIEW_WORKOUT_HISTORY, f"{profile.name}: workout history not shared"
    )
    activity = found.shared(
        access, Permission.VIEW_ACTIVITY_STATUS, f"{profile.name}: activity status not shared"
    )
    done = _Done()
    if history or activity:
        async for page in _record_pages(uow.exchange, scope):
            part = await FILES.run(_trainer_part, profile.name, page, tz, now, history)
            found.add(part)
            done = done.plus(part.done)
    if activity:
        appointments = await _paged(
            partial(uow.exchange.appointment_rows, [access.relationship_id])
        )
        found.adherence_rows.append(
            await asyncio.to_thread(
                _adherence, profile.name, access.status.value, done, appointments, now, tz
            )
        )


def _trainer_part(
    name: str, page: RecordPage, tz: ZoneInfo, now: datetime, history: bool
) -> _TrainerPart:
    session_rows: list[list[object]] = []
    set_rows: list[list[object]] = []
    workouts = recent = done_sets = 0
    last: datetime | None = None
    for record, exercises in _grouped(page):
        sets = [s for _e, exercise_sets in exercises for s in exercise_sets]
        if record["status"] is RecordStatus.COMPLETED or record["completed"]:
            start = record["start_time"]
            workouts += 1
            done_sets += len(sets)
            recent += start >= now - timedelta(days=RECENT_DAYS)
            last = start if last is None else max(last, start)
        if history:
            session_rows.append(_session_row(name, record, exercises, sets, tz))
            set_rows.extend(_set_rows(name, record, exercises))
    return _TrainerPart(
        sessions=_without_header(
            write_rows(SESSION_COLUMNS, session_rows), _header(SESSION_COLUMNS)
        ),
        sets=_without_header(write_rows(SET_COLUMNS, set_rows), _header(SET_COLUMNS)),
        session_count=len(session_rows),
        set_count=len(set_rows),
        done=_Done(workouts, recent, done_sets, last),
    )


def _session_row(
    name: str,
    record: dict[str, Any],
    exercises: list[tuple[dict[str, Any], list[dict[str, Any]]]],
    sets: list[dict[str, Any]],
    tz: ZoneInfo,
) -> list[object]:
    """A record's row of the sessions file."""
    volume = sum(
        (s["weight_kg"] * s["reps"] for s in sets if s["weight_kg"] is not None and s["reps"]),
        Decimal(0),
    )
    rpe = (record["trainee_feedback"] or {}).get("rpe")
    end = record["end_time"]
    return [
        name,
        record["session_date"].isoformat(),
        record["start_time"].astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        end.astimezone(tz).strftime("%Y-%m-%d %H:%M") if end else "",
        record["title"],
        record["status"].value,
        record["source"],
        sum(1 for _e, exercise_sets in exercises if exercise_sets),
        len(sets),
        format_decimal(volume),
        rpe if rpe is not None else "",
    ]


def _set_rows(
    name: str,
    record: dict[str, Any],
    exercises: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> list[list[object]]:
    """A record's rows of the sets file, in set order."""
    return [
        [
            name,
            record["session_date"].isoformat(),
            record["title"],
            exercise["exercise_name"],
            s["set_index"],
            s["set_type"].value,
            format_decimal(s["weight_kg"]),
            s["reps"],
            format_decimal(s["rpe"]),
            s["rir"],
            s["duration_s"],
            format_decimal(s["distance_m"]),
        ]
        for exercise, exercise_sets in exercises
        for s in _by_set_order(exercise_sets)
    ]


def _header(columns: Sequence[str]) -> bytes:
    """A CSV file's header line, as :func:`write_rows` writes it."""
    return write_rows(columns, ())


def _adherence(
    name: str,
    status: str,
    done: _Done,
    appointments: Sequence[Rows],
    now: datetime,
    tz: ZoneInfo,
) -> list[object]:
    """Planned appointments that fell due, how many were completed, and what was logged.

    A completed appointment counts at once, even when it was done before its planned start."""
    due = [
        a
        for rows in appointments
        for a in rows.dicts()
        if (a["scheduled_at"] <= now or a["status"] is SessionStatus.COMPLETED)
        and a["is_active"]
        and a["status"] not in (SessionStatus.CANCELLED, SessionStatus.RESCHEDULED)
    ]
    completed = sum(1 for a in due if a["status"] is SessionStatus.COMPLETED)
    return [
        name,
        status,
        len(due),
        completed,
        len(due) - completed,
        round(100 * completed / len(due)) if due else "",
        done.workouts,
        done.recent,
        done.sets,
        done.last.astimezone(tz).strftime("%Y-%m-%d") if done.last else "",
    ]


def _library_file(
    now: datetime,
    templates: Sequence[SessionTemplate],
    programs: Sequence[Program],
    names: dict[int, str],
) -> bytes:
    """The library as JSON; runs in a worker thread (everything it reads is loaded)."""
    library = Library(
        format="spotter-library",
        version=1,
        exported_at=now.isoformat(),
        templates=[_library_template(t) for t in templates],
        programs=[_library_program(p, names) for p in programs],
    )
    return library_json(library)


def _library_template(row: SessionTemplate) -> LibraryTemplate:
    return LibraryTemplate(
        name=row.name,
        description=row.description,
        category=row.category,
        difficulty=row.difficulty,
        duration_minutes=row.duration_minutes,
        equipment_needed=list(row.equipment_needed or []),
        notes=row.notes,
        exercises=[_library_exercise(e) for e in row.exercises],
    )


def _library_program(row: Program, names: dict[int, str]) -> LibraryProgram:
    return LibraryProgram(
        name=row.name,
        description=row.description,
        difficulty=row.difficulty,
        duration_weeks=row.duration_weeks,
        goals=list(row.goals or []),
        sessions=[
            LibrarySession(
                name=s.name,
                week_number=s.week_number,
                session_number=s.session_number,
                description=s.description,
                session_type=s.session_type,
                focus_area=s.focus_area,
                estimated_duration=s.estimated_duration,
                warmup=list(s.warmup or []),
                cooldown=list(s.cooldown or []),
                template=names.get(s.session_template_id) if s.session_template_id else None,
                exercises=[_library_exercise(e) for e in s.exercises],
            )
            for s in row.sessions
        ],
    )


def read_library(data: bytes) -> Library:
    """A library file parsed and checked; :class:`FileProblem` says where it is wrong."""
    library = parse_library(data)
    _check_library(library)
    return library


def _check_library(library: Library) -> None:
    """Rules the schema alone cannot state; the message names the item at fault."""
    for t_index, template in enumerate(library.templates):
        _check_exercises(f"templates → {t_index} ({template.name})", template.exercises)
    for p_index, program in enumerate(library.programs):
        slots: set[tuple[int, int]] = set()
        for s_index, item in enumerate(program.sessions):
            where = f"programs → {p_index} ({program.name}) → sessions → {s_index}"
            slot = (item.week_number, item.session_number)
            if slot in slots:
                raise FileProblem(
                    f"the library file is wrong at {where}: week {slot[0]} session {slot[1]} "
                    "appears twice."
                )
            slots.add(slot)
            _check_exercises(where, item.exercises)


def _check_exercises(where: str, exercises: Sequence[LibraryExercise]) -> None:
    for index, item in enumerate(exercises):
        if (
            item.reps_min is not None
            and item.reps_max is not None
            and item.reps_min > item.reps_max
        ):
            raise FileProblem(
                f"the library file is wrong at {where} → exercises → {index}: reps_min "
                "is more than reps_max."
            )


class _ExerciseResolver:
    """Maps a library exercise onto the catalogue: by slug, then by name, else a new own one."""

    def __init__(self, uow: UnitOfWork, trainer: User) -> None:
        self.uow = uow
        self.trainer = trainer
        self.created: list[str] = []
        self._by_name: dict[str, Exercise] = {}
        self._own_by_name: dict[str, Exercise] = {}

    async def load(self) -> None:
        visible = await self.uow.exercises.visible_to(self.trainer.id)
        for exercise in visible:
            keys = [exercise.name, *(exercise.aliases or [])]
            for key in keys:
                name = normalise_name(key)
                if exercise.owner_user_id is not None or name not in self._by_name:
                    self._by_name[name] = exercise
        for exercise in await self.uow.exchange.own_exercises(self.trainer.id):
            self._own_by_name[normalise_name(exercise.name)] = exercise

    async def exercise(self, item: LibraryExercise) -> Exercise:
        if item.slug:
            found = await self.uow.exercises.by_slug(item.slug)
            if found is not None and found.owner_user_id is None:
                return found
        name = normalise_name(item.name)
        if name in self._by_name:
            return self._by_name[name]
        own = self._own_by_name.get(name)
        if own is None:
            own = Exercise(
                owner_user_id=self.trainer.id,
                created_by=self.trainer.id,
                name=" ".join(item.name.split())[:100],
                category=item.category if item.category in CATEGORIES else "other",
                measure=item.measure,
                aliases=[],
                muscle_groups=[],
                equipment=[],
            )
            self.uow.add(own)
            await self.uow.flush()
            self.created.append(own.name)
            self._own_by_name[name] = own
        own.is_active = True
        self._by_name[name] = own
        return own

    async def prescription(self, index: int, item: LibraryExercise) -> ExerciseTemplate:
        exercise = await self.exercise(item)
        return ExerciseTemplate(
            exercise_id=exercise.id,
            order_index=index,
            target_sets=item.target_sets,
            reps_min=item.reps_min,
            reps_max=item.reps_max,
            target_weight_kg=item.target_weight_kg,
            target_percent_e1rm=item.target_percent_e1rm,
            bodyweight=item.bodyweight,
            target_rpe=item.target_rpe,
            target_rir=item.target_rir,
            rest_seconds=item.rest_seconds,
            duration_s=item.duration_s,
            distance_m=item.distance_m,
            instructions=item.instructions,
            tips=item.tips,
            notes=item.notes,
        )


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    """The acting person; unknown or erased: :class:`NotRegistered`, worded as
    :data:`UNKNOWN_USER`."""
    return (await uow.users.acting(telegram_id)).user


__all__ = [
    "ClientChoice",
    "ExportBundle",
    "ExportFile",
    "ExportService",
    "LibraryImportResult",
    "workouts_of",
]
