"""The benchmark's data generator: synthetic trainers, clients, programs and training history.

``python -m bench.generate --size large`` builds ``bench/out/db-<trainers>-<clients>-<sets>.db``
once and reuses it while its marker (``.json`` beside it) matches the size, the seed and the
schema revision. The default large size is 1,000 trainers, 50,000 clients and 5,000,000 sets.

The schema comes from the real migrations and the built-in exercise catalogue from the real
start-up sync; only the bulk rows are written with the raw DB-API (``sqlite3.executemany`` in
big transactions, with the journal and fsync off during generation and WAL restored after).
Every row comes from ``random.Random(seed)``, so a size always gives the same data.

Each client has an active relationship with its trainer (with permissions), an assigned
program, a completed appointment per past session, one upcoming appointment, and a history of
completed sessions of four exercises with a few sets each, spaced a few days apart and ending
the day before the database was built.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

from coaching.services.base import ServiceContext
from coaching.services.catalogue import sync_builtin_exercises
from storage.db import create_engine, create_session_factory
from storage.migrate import alembic_config, upgrade
from storage.models import Base
from storage.uow import UnitOfWorkFactory

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_SEED = 20261123

EXERCISES_PER_SESSION = 4
SETS_PER_EXERCISE = 5
SETS_PER_SESSION = EXERCISES_PER_SESSION * SETS_PER_EXERCISE
EXERCISES_PER_CLIENT = 8
DAYS_BETWEEN_SESSIONS = (2, 3, 3, 4)
PROGRAM_WEEKS = 4
PROGRAM_SESSIONS_PER_WEEK = 3
CLIENTS_PER_BATCH = 500

TRAINER_TELEGRAM_BASE = 10_000_000
CLIENT_TELEGRAM_BASE = 20_000_000

FIRST_NAMES = (
    "Alex", "Sam", "Jo", "Kim", "Lee", "Max", "Noa", "Ria", "Tom", "Uma",
    "Vic", "Wen", "Yan", "Zoe", "Ben", "Cat", "Dan", "Eve", "Fay", "Gus",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Lopez", "Wilson",
    "Moore", "Clark", "Lewis", "Young", "King", "Wright", "Scott", "Green",
)  # fmt: skip


@dataclass(frozen=True)
class Size:
    """How much data: trainers, clients (spread evenly over trainers) and sets."""

    trainers: int
    clients: int
    sets: int

    def __post_init__(self) -> None:
        if self.trainers < 1 or self.clients < self.trainers or self.sets < 0:
            raise ValueError(
                "a size needs at least one trainer, at least as many clients as trainers and "
                "no negative set count, e.g. 1000,50000,5000000"
            )

    @property
    def label(self) -> str:
        return f"{self.trainers}-{self.clients}-{self.sets}"

    def __str__(self) -> str:
        return f"{self.trainers:,} trainers, {self.clients:,} clients, {self.sets:,} sets"


SIZES: dict[str, Size] = {
    "tiny": Size(2, 6, 600),
    "small": Size(20, 1_000, 100_000),
    "large": Size(1_000, 50_000, 5_000_000),
}


def parse_size(text: str) -> Size:
    """``tiny``, ``small``, ``large`` or ``T,C,S`` (underscores allowed: ``1_000,50_000,...``)."""
    named = SIZES.get(text.strip().lower())
    if named is not None:
        return named
    parts = [part.strip().replace("_", "") for part in text.split(",")]
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise ValueError(
            f"unknown size {text!r}: use tiny, small, large or trainers,clients,sets "
            "such as 1000,50000,5000000"
        )
    return Size(int(parts[0]), int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class Generated:
    """A generated database: where it is and how many rows each table got."""

    path: Path
    size: Size
    seed: int
    anchor: date
    counts: dict[str, int]
    seconds: float
    reused: bool

    @property
    def url(self) -> str:
        return sqlite_url(self.path)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def schema_head() -> str:
    """The newest migration revision: a database built for another schema is rebuilt."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or "base"


async def migrated_database(path: Path) -> None:
    """A fresh database at ``path``: every migration plus the built-in exercise catalogue."""
    for stale in _database_files(path):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(path)
    await upgrade(url)
    engine = create_engine(url)
    try:
        await sync_builtin_exercises(
            ServiceContext(uow=UnitOfWorkFactory(create_session_factory(engine)))
        )
    finally:
        await engine.dispose()


def _database_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


async def ensure_database(
    size: Size,
    *,
    out_dir: Path = OUT_DIR,
    seed: int = DEFAULT_SEED,
    anchor: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Generated:
    """The database for ``size``: reused when its marker matches, else generated."""
    path = out_dir / f"db-{size.label}.db"
    marker = path.with_suffix(".json")
    head = schema_head()
    if path.exists() and marker.exists():
        try:
            saved = json.loads(marker.read_text())
        except ValueError:
            saved = {}
        if (
            saved.get("size") == asdict(size)
            and saved.get("seed") == seed
            and saved.get("schema") == head
        ):
            return Generated(
                path=path,
                size=size,
                seed=seed,
                anchor=date.fromisoformat(saved["anchor"]),
                counts={str(k): int(v) for k, v in saved["counts"].items()},
                seconds=float(saved["seconds"]),
                reused=True,
            )
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    await migrated_database(path)
    anchor = anchor or datetime.now(UTC).date()
    counts = await asyncio.to_thread(_fill, path, size, seed, anchor, progress)
    seconds = time.perf_counter() - started
    marker.write_text(
        json.dumps(
            {
                "size": asdict(size),
                "seed": seed,
                "schema": head,
                "anchor": anchor.isoformat(),
                "counts": counts,
                "seconds": round(seconds, 1),
            },
            indent=2,
        )
        + "\n"
    )
    return Generated(
        path=path,
        size=size,
        seed=seed,
        anchor=anchor,
        counts=counts,
        seconds=seconds,
        reused=False,
    )


# ------------------------------------------------------------------------------------------
# Raw rows
# ------------------------------------------------------------------------------------------


def ts(value: datetime) -> str:
    """A UTC timestamp as SQLAlchemy stores it in SQLite (naive, always with microseconds)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sql_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, dtime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


class TableWriter:
    """``INSERT`` of chosen columns; NOT NULL columns left out get the model's default.

    Taking the missing defaults from ``storage.models`` keeps the generator working when a
    column with a default is added to the schema.
    """

    def __init__(self, conn: sqlite3.Connection, table: str, columns: Sequence[str]) -> None:
        model_table = Base.metadata.tables[table]
        extra: list[str] = []
        constants: list[Any] = []
        for column in model_table.columns:
            if column.name in columns or column.primary_key or column.nullable:
                continue
            if column.server_default is not None:
                continue
            default = column.default
            if default is None:
                raise ValueError(f"{table}.{column.name} needs a value in the generator")
            arg = getattr(default, "arg", None)
            value = arg(None) if callable(arg) else arg
            extra.append(column.name)
            constants.append(_sql_value(value))
        self.conn = conn
        self.constants = tuple(constants)
        names = ", ".join(f'"{name}"' for name in (*columns, *extra))
        marks = ", ".join("?" for _ in range(len(columns) + len(extra)))
        self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        self.rows = 0

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        constants = self.constants
        if constants:
            rows = (row + constants for row in rows)
        before = self.conn.total_changes
        self.conn.executemany(self.sql, rows)
        self.rows += self.conn.total_changes - before


def _next_id(conn: sqlite3.Connection, table: str) -> int:
    row = conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0])


def _exercise_pool(conn: sqlite3.Connection) -> tuple[list[int], list[int]]:
    """Built-in weight-and-reps exercises: (main lifts, all), by id."""
    rows = conn.execute(
        "SELECT id, is_main_lift FROM exercises "
        "WHERE owner_user_id IS NULL AND measure = 'weight_reps' ORDER BY id"
    ).fetchall()
    if not rows:
        raise RuntimeError("the built-in exercise catalogue is missing; run the migrations")
    return [int(r[0]) for r in rows if r[1]], [int(r[0]) for r in rows]


def open_bulk(path: Path) -> sqlite3.Connection:
    """A connection for bulk writes: no journal, no fsync, no FK checks (rows are consistent)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def close_bulk(conn: sqlite3.Connection) -> None:
    """Back to what the application expects: WAL, normal sync."""
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.close()


@dataclass
class _Ids:
    user: int
    trainer_profile: int
    client_profile: int
    relationship: int
    program: int
    program_session: int
    exercise_template: int
    assignment: int
    coaching_session: int
    session_record: int
    exercise_record: int
    set_record: int

    @classmethod
    def after(cls, conn: sqlite3.Connection) -> _Ids:
        return cls(
            user=_next_id(conn, "users"),
            trainer_profile=_next_id(conn, "trainer_profiles"),
            client_profile=_next_id(conn, "client_profiles"),
            relationship=_next_id(conn, "relationships"),
            program=_next_id(conn, "programs"),
            program_session=_next_id(conn, "program_sessions"),
            exercise_template=_next_id(conn, "exercise_templates"),
            assignment=_next_id(conn, "program_assignments"),
            coaching_session=_next_id(conn, "coaching_sessions"),
            session_record=_next_id(conn, "session_records"),
            exercise_record=_next_id(conn, "exercise_records"),
            set_record=_next_id(conn, "set_records"),
        )


class Writers:
    """One :class:`TableWriter` per table the generator fills."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.users = TableWriter(
            conn,
            "users",
            ("id", "telegram_id", "first_name", "last_name", "timezone", "units",
             "is_trainer", "is_client", "onboarded", "created_at", "updated_at"),
        )  # fmt: skip
        self.trainer_profiles = TableWriter(
            conn,
            "trainer_profiles",
            ("id", "user_id", "bio", "experience_years", "created_by", "created_at",
             "updated_at"),
        )  # fmt: skip
        self.client_profiles = TableWriter(
            conn,
            "client_profiles",
            ("id", "trainer_user_id", "user_id", "name", "created_by", "created_at",
             "updated_at"),
        )  # fmt: skip
        self.relationships = TableWriter(
            conn,
            "relationships",
            ("id", "trainer_user_id", "client_profile_id", "status", "relationship_type",
             "start_date", "created_by", "created_at", "updated_at"),
        )  # fmt: skip
        self.permissions = TableWriter(
            conn,
            "permissions",
            ("relationship_id", "view_workout_history", "view_progression_data",
             "view_personal_data", "assign_workouts", "assign_programs", "modify_workouts",
             "view_activity_status", "contact_outside_hours", "created_at", "updated_at"),
        )  # fmt: skip
        self.programs = TableWriter(
            conn,
            "programs",
            ("id", "trainer_user_id", "name", "duration_weeks", "created_by", "created_at",
             "updated_at"),
        )  # fmt: skip
        self.program_sessions = TableWriter(
            conn,
            "program_sessions",
            ("id", "program_id", "trainer_user_id", "name", "week_number", "session_number",
             "created_by", "created_at", "updated_at"),
        )  # fmt: skip
        self.exercise_templates = TableWriter(
            conn,
            "exercise_templates",
            ("id", "program_session_id", "exercise_id", "order_index", "target_sets",
             "reps_min", "reps_max", "target_weight_kg", "target_rpe", "rest_seconds",
             "created_at", "updated_at"),
        )  # fmt: skip
        self.assignments = TableWriter(
            conn,
            "program_assignments",
            ("id", "relationship_id", "program_id", "name", "assigned_by", "assigned_at",
             "start_date", "status", "created_by", "created_at", "updated_at"),
        )  # fmt: skip
        self.coaching_sessions = TableWriter(
            conn,
            "coaching_sessions",
            ("id", "relationship_id", "assignment_id", "program_session_id", "title",
             "scheduled_at", "duration_minutes", "session_type", "status", "started_at",
             "completed_at", "created_by", "created_at", "updated_at"),
        )  # fmt: skip
        self.session_records = TableWriter(
            conn,
            "session_records",
            ("id", "client_profile_id", "coaching_session_id", "program_session_id",
             "trainer_user_id", "logged_by_user_id", "title", "session_date", "start_time",
             "end_time", "completed", "is_live", "status", "source", "created_by",
             "created_at", "updated_at"),
        )  # fmt: skip
        self.exercise_records = TableWriter(
            conn,
            "exercise_records",
            ("id", "session_record_id", "exercise_id", "exercise_name", "order_index",
             "completed", "skipped", "started_at", "completed_at", "created_at",
             "updated_at"),
        )  # fmt: skip
        self.set_records = TableWriter(
            conn,
            "set_records",
            ("id", "exercise_record_id", "client_profile_id", "exercise_id", "set_index",
             "set_type", "weight_kg", "bodyweight", "reps", "rpe", "entered_unit",
             "performed_at", "created_at", "updated_at"),
        )  # fmt: skip

    def counts(self) -> dict[str, int]:
        writers = {
            "users": self.users,
            "trainer_profiles": self.trainer_profiles,
            "client_profiles": self.client_profiles,
            "relationships": self.relationships,
            "permissions": self.permissions,
            "programs": self.programs,
            "program_sessions": self.program_sessions,
            "exercise_templates": self.exercise_templates,
            "program_assignments": self.assignments,
            "coaching_sessions": self.coaching_sessions,
            "session_records": self.session_records,
            "exercise_records": self.exercise_records,
            "set_records": self.set_records,
        }
        return {name: writer.rows for name, writer in writers.items()}


# ------------------------------------------------------------------------------------------
# History: one client's completed sessions
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientPlan:
    """What one client's history is built from."""

    client_profile_id: int
    trainer_user_id: int
    client_user_id: int | None
    relationship_id: int
    assignment_id: int | None
    program_session_ids: Sequence[int]
    exercises: Sequence[int]
    start_kg: Sequence[float]
    sets: int


@dataclass
class HistoryRows:
    coaching_sessions: list[tuple[Any, ...]]
    session_records: list[tuple[Any, ...]]
    exercise_records: list[tuple[Any, ...]]
    set_records: list[tuple[Any, ...]]


def history_rows(
    plan: ClientPlan,
    ids: _Ids,
    rng: random.Random,
    last_day: date,
    names: dict[int, str],
) -> HistoryRows:
    """Completed sessions for one client, the newest on ``last_day``, walking backwards."""
    rows = HistoryRows([], [], [], [])
    sessions = -(-plan.sets // SETS_PER_SESSION) if plan.sets else 0
    remaining = plan.sets
    gaps = [0, *(rng.choice(DAYS_BETWEEN_SESSIONS) for _ in range(sessions - 1))]
    day = last_day - timedelta(days=sum(gaps))
    exercise_count = len(plan.exercises)
    for number in range(sessions):
        day += timedelta(days=gaps[number])
        start = datetime(day.year, day.month, day.day, 6 + rng.randrange(14), 0, tzinfo=UTC)
        in_session = min(SETS_PER_SESSION, remaining)
        remaining -= in_session
        end = start + timedelta(minutes=3 * in_session + 5)
        start_s, end_s = ts(start), ts(end)
        coaching_id = ids.coaching_session
        ids.coaching_session += 1
        program_session_id = plan.program_session_ids[number % len(plan.program_session_ids)]
        rows.coaching_sessions.append(
            (coaching_id, plan.relationship_id, plan.assignment_id, program_session_id,
             "Training", start_s, 60, "TRAINING", "COMPLETED", start_s, end_s,
             plan.trainer_user_id, start_s, end_s)
        )  # fmt: skip
        record_id = ids.session_record
        ids.session_record += 1
        rows.session_records.append(
            (record_id, plan.client_profile_id, coaching_id, program_session_id,
             plan.trainer_user_id, plan.trainer_user_id, "Training", day.isoformat(),
             start_s, end_s, 1, 0, "COMPLETED", "live", plan.trainer_user_id, start_s, end_s)
        )  # fmt: skip
        progress = 1 + number * 0.01
        first = (number * 2) % exercise_count
        set_at = start
        for order in range(EXERCISES_PER_SESSION):
            if in_session <= 0:
                break
            slot = (first + order) % exercise_count
            exercise_id = plan.exercises[slot]
            record = ids.exercise_record
            ids.exercise_record += 1
            exercise_start = ts(set_at)
            count = min(SETS_PER_EXERCISE, in_session)
            in_session -= count
            base = round(plan.start_kg[slot] * progress / 2.5) * 2.5
            reps = rng.choice((3, 5, 5, 8, 10))
            for index in range(count):
                set_at += timedelta(minutes=3)
                at = ts(set_at)
                warmup = index == 0
                weight = base * 0.6 if warmup else base
                rpe = None if warmup else rng.choice((None, 7.0, 7.5, 8.0, 8.5, 9.0))
                rows.set_records.append(
                    (ids.set_record, record, plan.client_profile_id, exercise_id, index + 1,
                     "warmup" if warmup else "normal", round(weight, 3), 0,
                     reps + (2 if warmup else 0), rpe, "kg", at, at, at)
                )  # fmt: skip
                ids.set_record += 1
            rows.exercise_records.append(
                (record, record_id, exercise_id, names[exercise_id], order + 1, 1, 0,
                 exercise_start, ts(set_at), exercise_start, ts(set_at))
            )  # fmt: skip
    return rows


def write_history(writers: Writers, rows: HistoryRows) -> None:
    writers.coaching_sessions.write(rows.coaching_sessions)
    writers.session_records.write(rows.session_records)
    writers.exercise_records.write(rows.exercise_records)
    writers.set_records.write(rows.set_records)


# ------------------------------------------------------------------------------------------
# The whole data set
# ------------------------------------------------------------------------------------------


def _fill(
    path: Path,
    size: Size,
    seed: int,
    anchor: date,
    progress: Callable[[str], None] | None,
) -> dict[str, int]:
    conn = open_bulk(path)
    try:
        return _fill_with(conn, size, seed, anchor, progress or (lambda _message: None))
    finally:
        close_bulk(conn)


def _spread(total: int, parts: int) -> Iterator[int]:
    """``total`` split over ``parts`` as evenly as possible."""
    base, extra = divmod(total, parts)
    for index in range(parts):
        yield base + (1 if index < extra else 0)


def _fill_with(
    conn: sqlite3.Connection,
    size: Size,
    seed: int,
    anchor: date,
    progress: Callable[[str], None],
) -> dict[str, int]:
    rng = random.Random(seed)
    ids = _Ids.after(conn)
    writers = Writers(conn)
    main_lifts, pool = _exercise_pool(conn)
    names = {
        int(row[0]): str(row[1])
        for row in conn.execute("SELECT id, name FROM exercises WHERE owner_user_id IS NULL")
    }
    created = datetime.combine(anchor, dtime(0, 0), tzinfo=UTC) - timedelta(days=400)
    created_s = ts(created)
    last_day = anchor - timedelta(days=1)
    clients_per_trainer = list(_spread(size.clients, size.trainers))
    sets_per_client = _spread(size.sets, size.clients)
    client_number = 0

    conn.execute("BEGIN")
    trainers: list[tuple[int, int, list[int]]] = []
    for number in range(size.trainers):
        user_id = ids.user
        ids.user += 1
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        last = LAST_NAMES[(number // len(FIRST_NAMES)) % len(LAST_NAMES)]
        writers.users.write(
            [(user_id, TRAINER_TELEGRAM_BASE + number, first, last, "UTC", "kg", 1, 0, 1,
              created_s, created_s)]
        )  # fmt: skip
        writers.trainer_profiles.write(
            [(ids.trainer_profile, user_id, "Strength coach.", rng.randrange(1, 20), user_id,
              created_s, created_s)]
        )  # fmt: skip
        ids.trainer_profile += 1
        program_id = ids.program
        ids.program += 1
        writers.programs.write(
            [(program_id, user_id, "Strength block", PROGRAM_WEEKS, user_id, created_s,
              created_s)]
        )  # fmt: skip
        session_ids: list[int] = []
        templates: list[tuple[Any, ...]] = []
        sessions: list[tuple[Any, ...]] = []
        for week in range(1, PROGRAM_WEEKS + 1):
            for slot in range(1, PROGRAM_SESSIONS_PER_WEEK + 1):
                session_id = ids.program_session
                ids.program_session += 1
                session_ids.append(session_id)
                sessions.append(
                    (session_id, program_id, user_id, f"Week {week} day {slot}", week, slot,
                     user_id, created_s, created_s)
                )  # fmt: skip
                for order in range(EXERCISES_PER_SESSION):
                    templates.append(
                        (ids.exercise_template, session_id, rng.choice(pool), order + 1,
                         SETS_PER_EXERCISE - 2, 5, 5, 40.0 + 10 * order, 8.0, 120,
                         created_s, created_s)
                    )  # fmt: skip
                    ids.exercise_template += 1
        writers.program_sessions.write(sessions)
        writers.exercise_templates.write(templates)
        trainers.append((user_id, program_id, session_ids))
    conn.execute("COMMIT")
    progress(f"{size.trainers:,} trainers with their programs")

    started = time.perf_counter()
    conn.execute("BEGIN")
    in_batch = 0
    for (trainer_id, program_id, session_ids), clients in zip(
        trainers, clients_per_trainer, strict=True
    ):
        for _ in range(clients):
            _one_client(
                writers,
                ids,
                rng,
                trainer_id=trainer_id,
                program_id=program_id,
                session_ids=session_ids,
                number=client_number,
                sets=next(sets_per_client),
                main_lifts=main_lifts,
                pool=pool,
                names=names,
                created_s=created_s,
                anchor=anchor,
                last_day=last_day,
            )
            client_number += 1
            in_batch += 1
            if in_batch == CLIENTS_PER_BATCH:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
                in_batch = 0
                if client_number % (CLIENTS_PER_BATCH * 10) == 0:
                    rate = writers.set_records.rows / max(time.perf_counter() - started, 1e-9)
                    progress(
                        f"{client_number:,}/{size.clients:,} clients, "
                        f"{writers.set_records.rows:,} sets ({rate:,.0f} sets/s)"
                    )
    conn.execute("COMMIT")
    return writers.counts()


def _one_client(
    writers: Writers,
    ids: _Ids,
    rng: random.Random,
    *,
    trainer_id: int,
    program_id: int,
    session_ids: Sequence[int],
    number: int,
    sets: int,
    main_lifts: Sequence[int],
    pool: Sequence[int],
    names: dict[int, str],
    created_s: str,
    anchor: date,
    last_day: date,
) -> None:
    user_id = ids.user
    ids.user += 1
    first = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.randrange(len(LAST_NAMES))]
    writers.users.write(
        [(user_id, CLIENT_TELEGRAM_BASE + number, first, last, "UTC", "kg", 0, 1, 1,
          created_s, created_s)]
    )  # fmt: skip
    profile_id = ids.client_profile
    ids.client_profile += 1
    writers.client_profiles.write(
        [(profile_id, trainer_id, user_id, f"{first} {last}", trainer_id, created_s, created_s)]
    )
    relationship_id = ids.relationship
    ids.relationship += 1
    start = (anchor - timedelta(days=365)).isoformat()
    writers.relationships.write(
        [(relationship_id, trainer_id, profile_id, "ACTIVE", "IN_PERSON", start, trainer_id,
          created_s, created_s)]
    )  # fmt: skip
    writers.permissions.write([(relationship_id, 1, 1, 0, 1, 1, 1, 1, 0, created_s, created_s)])
    assignment_id = ids.assignment
    ids.assignment += 1
    writers.assignments.write(
        [(assignment_id, relationship_id, program_id, "Strength block", trainer_id, created_s,
          start, "IN_PROGRESS", trainer_id, created_s, created_s)]
    )  # fmt: skip
    exercises = [*rng.sample(list(main_lifts), 4), *rng.sample(list(pool), 4)]
    plan = ClientPlan(
        client_profile_id=profile_id,
        trainer_user_id=trainer_id,
        client_user_id=user_id,
        relationship_id=relationship_id,
        assignment_id=assignment_id,
        program_session_ids=session_ids,
        exercises=exercises,
        start_kg=[float(rng.randrange(8, 40) * 2.5) for _ in exercises],
        sets=sets,
    )
    write_history(writers, history_rows(plan, ids, rng, last_day, names))
    upcoming = datetime.combine(
        anchor + timedelta(days=1 + rng.randrange(6)), dtime(7 + rng.randrange(12), 0), UTC
    )
    writers.coaching_sessions.write(
        [(ids.coaching_session, relationship_id, assignment_id, session_ids[0], "Training",
          ts(upcoming), 60, "TRAINING", "SCHEDULED", None, None, trainer_id, created_s,
          created_s)]
    )  # fmt: skip
    ids.coaching_session += 1


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build (or reuse) the benchmark database.")
    parser.add_argument("--size", default="large", help="tiny, small, large or T,C,S")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    print(f"database for {size}")
    result = asyncio.run(ensure_database(size, seed=args.seed, progress=print))
    verb = "reused" if result.reused else f"built in {result.seconds:.1f} s"
    print(f"{result.path.name}: {verb}")
    for table, count in result.counts.items():
        print(f"  {table:<20} {count:>12,}")


if __name__ == "__main__":
    main()
