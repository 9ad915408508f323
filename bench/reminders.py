"""The reminder benchmark: 100,000 scheduled sessions in the outbox, and what they cost the bot.

``python -m bench.reminders [--size large] [--sessions 100000]`` copies the database of
``bench.generate`` (built once and reused, as by ``bench.run``), gives the clients reminder
settings in several time zones, and books ``--sessions`` SCHEDULED coaching sessions over the
next six weeks for the existing ACTIVE relationships, with the reminder rows they imply. The rows
are planned with the real rules (``coaching.domain.reminders.plan_session_reminders``, the same
dedup keys and payload) and written with the raw DB-API for speed; for a random sample of
sessions the real ``coaching.services.reminders.reminders_for_session_changed`` derives them
again, and the benchmark stops unless both agree row for row.

Then, in one run, it measures:

1. **memory above idle** and **start-up time**, in a fresh interpreter (``--probe``), so the
   bulk insert's memory does not hide anything: the resident set (``VmRSS``) before the
   Application is built, after ``initialize()`` + ``start()`` with the JobQueue running, and
   after the repeating reminder job has scanned the outbox once (plus that run's peak of Python
   allocations, with ``tracemalloc``);
2. **no job per reminder**: the JobQueue's jobs, which must be the fixed set of repeating jobs.
   For comparison, the same process then schedules one ``run_once`` job per pending reminder,
   the design the bot does not use, and reports what that costs (``--no-naive`` skips it);
3. **the due-scan latency**: the dispatcher's claim (``ReminderRepository.claim_due``, in its
   own transaction, as ``ReminderService.claim`` runs it), p50 and p99 over many scans, both with
   nothing due and with a full batch due (released again, untimed, between scans); and a whole
   idle dispatcher run (``dispatch_due``: reclaim plus claim);
4. **the dispatch rate**: reminders due now for ``--dispatch`` different clients, sent through
   ``bot.dispatch.dispatch_due`` by the real Application with PTB's ``AIORateLimiter``, against a
   fake Bot API that enforces Telegram's limits (30 messages a second overall, 1 per chat), as
   a ratio to the configured 30 a second; every reminder must arrive exactly once.

It prints the results and appends them, with the date and the machine, to ``bench/RESULTS.md``
(``--no-record`` skips that). Targets (DESIGN.md): no job per reminder, at most 10 MB above idle,
and a p99 due scan of at most 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from telegram import Bot
from telegram.ext import CallbackContext

from bench.generate import (
    DEFAULT_SEED,
    OUT_DIR,
    TableWriter,
    close_bulk,
    ensure_database,
    open_bulk,
    parse_size,
    sqlite_url,
    ts,
)
from bench.run import RESULTS, load_average, machine
from bot.app import build_application
from bot.config import Settings
from bot.dispatch import BATCH, DispatchReport, dispatch_due
from bot.jobs import REPEATING_JOBS
from coaching.clock import ManualClock
from coaching.domain.enums import ReminderKind, ReminderStatus, SessionStatus, SessionType
from coaching.domain.reminders import ReminderPrefs, plan_session_reminders
from coaching.services.base import ServiceContext
from coaching.services.reminders import reminders_for_session_changed
from storage.db import create_engine, create_session_factory
from storage.models import Reminder
from storage.repositories.reminders import ReminderRepository
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.fakes.botapi import FakeBotAPI, FakeRequest, RateLimit

ROOT = Path(__file__).resolve().parent.parent
BENCH_TOKEN = "123456789:" + "R" * 35

DEFAULT_SESSIONS = 100_000
DEFAULT_SCANS = 500
DEFAULT_DISPATCH = 600
SAMPLE_SESSIONS = 200
SPREAD_DAYS = 42
FIRST_SESSION_AFTER = timedelta(hours=4)
"""The earliest booked session: with a lead time of at most 2 hours, nothing is due at once."""

CONFIGURED_RATE = 30.0
"""Messages a second: AIORateLimiter's overall limit, and Telegram's (the fake's) flood limit."""
PER_CHAT_RATE = 1.0
MAX_MEMORY_MB = 10.0
MAX_SCAN_P99_MS = 20.0
DEFAULT_SCAN_SECONDS = 30.0
"""The reminder job's interval unless ``REMINDER_SCAN_SECONDS`` says otherwise."""

# Reminder settings the clients get, by user id: (time zone, evening time, lead minutes).
CLIENT_SETTINGS: tuple[tuple[str, dtime, int], ...] = (
    ("Europe/London", dtime(19, 0), 60),
    ("America/New_York", dtime(19, 0), 60),
    ("Europe/Berlin", dtime(20, 30), 30),
    ("Asia/Tokyo", dtime(18, 0), 120),
    ("UTC", dtime(19, 0), 60),
    ("Australia/Sydney", dtime(19, 0), 90),
    ("America/Los_Angeles", dtime(21, 0), 60),
)
QUIET = (dtime(22, 0), dtime(7, 0))

SESSION_COLUMNS = (
    "id", "relationship_id", "title", "scheduled_at", "duration_minutes", "session_type",
    "status", "location", "created_by", "created_at", "updated_at",
)  # fmt: skip
REMINDER_COLUMNS = (
    "user_id", "coaching_session_id", "kind", "due_at", "expires_at", "status", "attempts",
    "payload", "dedup_key", "created_at", "updated_at",
)  # fmt: skip
LOCATIONS = (None, None, "Main gym", "Studio 2", "Park run track")


class BenchError(RuntimeError):
    """The benchmark found something wrong (rows that differ, a reminder sent twice, ...)."""


# ------------------------------------------------------------------------------------------
# Measurements
# ------------------------------------------------------------------------------------------


def rss_mb() -> float:
    """This process's resident set, in MB (``VmRSS`` from ``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def percentile_ms(samples_ns: Sequence[int], p: float) -> float:
    ordered = sorted(samples_ns)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index] / 1e6


@dataclass(frozen=True)
class Latency:
    """One series of timed scans."""

    name: str
    count: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    claimed: int
    """Rows claimed per scan (the same every time)."""

    @classmethod
    def of(cls, name: str, samples_ns: Sequence[int], claimed: int) -> Latency:
        return cls(
            name=name,
            count=len(samples_ns),
            p50_ms=percentile_ms(samples_ns, 50),
            p99_ms=percentile_ms(samples_ns, 99),
            max_ms=max(samples_ns) / 1e6,
            claimed=claimed,
        )


# ------------------------------------------------------------------------------------------
# The data: sessions and their reminders
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    """What :func:`book_sessions` wrote."""

    sessions: int
    reminders: int
    clients: int
    first_session_id: int
    last_session_id: int
    now: datetime
    seconds: float


def _payload(title: str, scheduled_at: datetime, location: str | None) -> dict[str, Any]:
    """The payload ``reminders_for_session_changed`` gives a session reminder."""
    return {
        "title": title,
        "scheduled_at": scheduled_at.astimezone(UTC).isoformat(),
        "location": location,
    }


def book_sessions(path: Path, sessions: int, seed: int, now: datetime) -> Booked:
    """Reminder settings for every client, then ``sessions`` booked sessions and their rows."""
    started = time.perf_counter()
    rng = random.Random(seed)
    conn = open_bulk(path)
    try:
        conn.execute("BEGIN")
        for index, (zone, evening, lead) in enumerate(CLIENT_SETTINGS):
            conn.execute(
                "UPDATE users SET timezone = ?, evening_reminder_time = ?, "
                "reminder_lead_minutes = ?, quiet_start = ?, quiet_end = ? "
                "WHERE is_client = 1 AND id % ? = ?",
                (
                    zone,
                    evening.isoformat(timespec="microseconds"),
                    lead,
                    QUIET[0].isoformat(timespec="microseconds"),
                    QUIET[1].isoformat(timespec="microseconds"),
                    len(CLIENT_SETTINGS),
                    index,
                ),
            )
        targets = conn.execute(
            "SELECT r.id, r.trainer_user_id, u.id, u.timezone, u.evening_reminder_time, "
            "u.reminder_lead_minutes FROM relationships r "
            "JOIN client_profiles p ON p.id = r.client_profile_id "
            "JOIN users u ON u.id = p.user_id "
            "WHERE r.status = 'ACTIVE' AND r.is_active = 1 AND u.is_active = 1 "
            "AND u.erased_at IS NULL ORDER BY r.id"
        ).fetchall()
        if not targets:
            raise BenchError("the generated database has no active relationship with a client")
        first_id = int(
            conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM coaching_sessions").fetchone()[0]
        )
        created = ts(now)
        base = now.replace(minute=0, second=0, microsecond=0) + FIRST_SESSION_AFTER
        slots = SPREAD_DAYS * 24 * 4
        session_rows: list[tuple[Any, ...]] = []
        reminder_rows: list[tuple[Any, ...]] = []
        clients: set[int] = set()
        for number in range(sessions):
            rel_id, trainer_id, user_id, zone, evening, lead = targets[number % len(targets)]
            session_id = first_id + number
            at = base + timedelta(minutes=15 * rng.randrange(slots))
            location = rng.choice(LOCATIONS)
            session_rows.append(
                (session_id, rel_id, "Training", ts(at), 60, SessionType.TRAINING.value,
                 SessionStatus.SCHEDULED.value, location, trainer_id, created, created)
            )  # fmt: skip
            prefs = ReminderPrefs(
                timezone=str(zone),
                evening_at=dtime.fromisoformat(evening) if evening else None,
                lead_minutes=int(lead) if lead is not None else None,
            )
            payload = json.dumps(_payload("Training", at, location))
            for planned in plan_session_reminders(session_id, at, prefs):
                if planned.due_at <= now:
                    continue
                reminder_rows.append(
                    (user_id, session_id, planned.kind.value, ts(planned.due_at),
                     ts(planned.expires_at), ReminderStatus.PENDING.value, 0, payload,
                     planned.dedup_key, created, created)
                )  # fmt: skip
                clients.add(int(user_id))
        TableWriter(conn, "coaching_sessions", SESSION_COLUMNS).write(session_rows)
        TableWriter(conn, "reminders", REMINDER_COLUMNS).write(reminder_rows)
        conn.execute("COMMIT")
    finally:
        close_bulk(conn)
    return Booked(
        sessions=sessions,
        reminders=len(reminder_rows),
        clients=len(clients),
        first_session_id=first_id,
        last_session_id=first_id + sessions - 1,
        now=now,
        seconds=time.perf_counter() - started,
    )


def _row_key(row: Reminder) -> tuple[Any, ...]:
    return (
        row.coaching_session_id,
        row.user_id,
        row.kind,
        row.due_at,
        row.expires_at,
        row.status,
        row.attempts,
        row.dedup_key,
        json.dumps(row.payload, sort_keys=True),
    )


async def verify_sample(url: str, booked: Booked, sample: int, seed: int) -> tuple[int, int]:
    """Derive the reminders of ``sample`` booked sessions again with the real service.

    In one transaction that is rolled back: the bulk rows are read, deleted, and derived anew
    by ``reminders_for_session_changed`` at the same "now"; both sets must be identical.
    Returns (sessions checked, rows compared).
    """
    ids = list(range(booked.first_session_id, booked.last_session_id + 1))
    chosen = sorted(random.Random(seed + 1).sample(ids, min(sample, len(ids))))
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(Reminder).where(Reminder.coaching_session_id.in_(chosen))
            )
            bulk = sorted(_row_key(row) for row in rows.scalars())
            session.expunge_all()
            await session.execute(delete(Reminder).where(Reminder.coaching_session_id.in_(chosen)))
            for session_id in chosen:
                await reminders_for_session_changed(
                    UnitOfWork.joining(session), session_id, booked.now
                )
            rows = await session.execute(
                select(Reminder).where(Reminder.coaching_session_id.in_(chosen))
            )
            derived = sorted(_row_key(row) for row in rows.scalars())
            await session.rollback()
    finally:
        await engine.dispose()
    if not bulk:
        raise BenchError("the sampled sessions have no reminder rows")
    if bulk != derived:
        extra = [row for row in bulk if row not in derived][:3]
        missing = [row for row in derived if row not in bulk][:3]
        raise BenchError(
            f"bulk reminder rows differ from the service's: only in bulk {extra}, "
            f"only from the service {missing}"
        )
    return len(chosen), len(bulk)


# ------------------------------------------------------------------------------------------
# Start-up and memory, in a fresh interpreter
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """What ``python -m bench.reminders --probe DB`` measured."""

    idle_mb: float
    started_mb: float
    scanned_mb: float
    startup_s: float
    jobs: tuple[str, ...]
    scan_job_ms: float
    scan_python_peak_kb: float
    naive_jobs: int = 0
    naive_s: float = 0.0
    naive_mb: float = 0.0
    naive_job_count: int = 0

    @property
    def above_idle_mb(self) -> float:
        return max(self.started_mb, self.scanned_mb) - self.idle_mb


def bench_settings(url: str) -> Settings:
    return Settings(bot_token=BENCH_TOKEN, database_url=url, _env_file=None)


async def _naive_reminder(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """A per-reminder job's callback (never reached: every job is in the future)."""


async def probe(path: Path, naive: bool) -> Probe:
    """Start the bot on ``path`` and measure it; optionally one job per reminder after."""
    url = sqlite_url(path)
    api = FakeBotAPI()
    gc.collect()
    idle = rss_mb()
    engine = create_engine(url)
    app = build_application(
        bench_settings(url),
        request=FakeRequest(api),
        get_updates_request=FakeRequest(api),
        engine=engine,
    )
    clock = time.perf_counter()
    await app.initialize()
    await app.start()
    startup = time.perf_counter() - clock
    try:
        queue = app.job_queue
        if queue is None:
            raise BenchError("the application has no JobQueue")
        started = rss_mb()
        jobs = tuple(sorted(job.name or "?" for job in queue.jobs()))
        (reminder_job,) = queue.get_jobs_by_name("reminders")
        tracemalloc.start()
        clock = time.perf_counter()
        await reminder_job.run(app)
        scan_ms = (time.perf_counter() - clock) * 1000
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        gc.collect()
        scanned = rss_mb()
        result = Probe(
            idle_mb=idle,
            started_mb=started,
            scanned_mb=scanned,
            startup_s=startup,
            jobs=jobs,
            scan_job_ms=scan_ms,
            scan_python_peak_kb=peak / 1024,
        )
        if naive:
            before = rss_mb()
            clock = time.perf_counter()
            conn = sqlite3.connect(path)
            try:
                due = conn.execute(
                    "SELECT id, due_at FROM reminders WHERE status = 'PENDING' ORDER BY due_at, id"
                ).fetchall()
            finally:
                conn.close()
            for reminder_id, due_at in due:
                queue.run_once(
                    _naive_reminder,
                    when=datetime.fromisoformat(due_at).replace(tzinfo=UTC),
                    name=f"reminder-{reminder_id}",
                )
            await asyncio.sleep(0)
            naive_s = time.perf_counter() - clock
            result = Probe(
                **{
                    **asdict(result),
                    "naive_jobs": len(due),
                    "naive_s": naive_s,
                    "naive_mb": rss_mb() - before,
                    "naive_job_count": len(queue.jobs()),
                }
            )
    finally:
        await app.stop()
        await app.shutdown()
        await engine.dispose()
    return result


def run_probe(path: Path, naive: bool) -> Probe:
    """:func:`probe` in a fresh interpreter; its last line of output is the result (JSON)."""
    command = [sys.executable, "-m", "bench.reminders", "--probe", str(path)]
    if naive:
        command.append("--naive")
    env = {**os.environ, "PTB_TIMEDELTA": "true"}
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"the start-up probe failed: {done.stderr.strip()[-2000:]}")
    data = json.loads(lines[-1])
    data["jobs"] = tuple(data["jobs"])
    return Probe(**data)


def expected_jobs() -> tuple[str, ...]:
    """The fixed set: every repeating job of ``bot.jobs`` plus the processed-update pruning."""
    return tuple(sorted([name for name, *_ in REPEATING_JOBS] + ["prune-updates"]))


# ------------------------------------------------------------------------------------------
# The due scan
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scans:
    idle: Latency
    busy: Latency
    idle_query: Latency
    busy_query: Latency
    dispatcher_idle: Latency


async def measure_scans(url: str, scans: int, now: datetime) -> Scans:
    """Time the claim with nothing due and with a full batch due, interleaved.

    "Nothing due" scans at ``now`` (every booked reminder is later); "a batch due" scans at the
    due time of the ``10 × BATCH``-th pending row, claims ``BATCH`` rows and puts them back
    (untimed) before the next scan. The services' clock stands still at ``now``, so rows that
    fall due while the benchmark runs cannot join in.
    """
    engine = create_engine(url)
    factory = create_session_factory(engine)
    uow = UnitOfWorkFactory(factory)
    worker = "bench-scan"
    try:
        async with factory() as session:
            busy_now = await session.scalar(
                select(Reminder.due_at)
                .where(Reminder.status == ReminderStatus.PENDING)
                .order_by(Reminder.due_at, Reminder.id)
                .offset(BATCH * 10 - 1)
                .limit(1)
            )
            if busy_now is None:
                busy_now = await session.scalar(
                    select(func.max(Reminder.due_at)).where(
                        Reminder.status == ReminderStatus.PENDING
                    )
                )
        if busy_now is None:
            raise BenchError("no pending reminders to scan")

        async def claim(at: datetime) -> tuple[int, int, int]:
            started = time.perf_counter_ns()
            async with uow() as work:
                query_started = time.perf_counter_ns()
                rows = await ReminderRepository(work.session).claim_due(at, worker, BATCH)
                query_ns = time.perf_counter_ns() - query_started
                await work.commit()
            return time.perf_counter_ns() - started, query_ns, len(rows)

        async def release() -> None:
            async with uow() as work:
                await work.session.execute(
                    update(Reminder)
                    .where(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_by == worker)
                    .values(status=ReminderStatus.PENDING, claimed_at=None, claimed_by=None)
                    .execution_options(synchronize_session=False)
                )
                await work.commit()

        ctx = ServiceContext(uow=uow, clock=ManualClock(now))
        idle_bot = Bot(BENCH_TOKEN, request=FakeRequest(FakeBotAPI()))
        idle_ns: list[int] = []
        idle_query: list[int] = []
        busy_ns: list[int] = []
        busy_query: list[int] = []
        dispatcher_ns: list[int] = []
        claimed_idle: set[int] = set()
        claimed_busy: set[int] = set()
        warmup = max(5, scans // 20)
        for number in range(warmup + scans):
            idle_total, idle_q, idle_rows = await claim(now)
            busy_total, busy_q, busy_rows = await claim(busy_now)
            await release()
            started = time.perf_counter_ns()
            report = await dispatch_due(idle_bot, ctx, worker=worker)
            dispatcher = time.perf_counter_ns() - started
            if report != DispatchReport():
                raise BenchError(f"an idle dispatcher run did something: {report}")
            if number < warmup:
                continue
            idle_ns.append(idle_total)
            idle_query.append(idle_q)
            busy_ns.append(busy_total)
            busy_query.append(busy_q)
            dispatcher_ns.append(dispatcher)
            claimed_idle.add(idle_rows)
            claimed_busy.add(busy_rows)
        if claimed_idle != {0} or len(claimed_busy) != 1:
            raise BenchError(
                f"scans claimed {sorted(claimed_idle)} rows with nothing due and "
                f"{sorted(claimed_busy)} with a batch due"
            )
        async with factory() as session:
            left = await session.scalar(
                select(func.count(Reminder.id)).where(Reminder.status == ReminderStatus.SENDING)
            )
        if left:
            raise BenchError(f"{left} reminders were not put back after the scans")
    finally:
        await engine.dispose()
    busy = claimed_busy.pop()
    return Scans(
        idle=Latency.of("claim, nothing due (transaction)", idle_ns, 0),
        busy=Latency.of(f"claim, {busy} due (transaction)", busy_ns, busy),
        idle_query=Latency.of("claim, nothing due (UPDATE … RETURNING only)", idle_query, 0),
        busy_query=Latency.of(f"claim, {busy} due (UPDATE … RETURNING only)", busy_query, busy),
        dispatcher_idle=Latency.of(
            "dispatcher run, nothing due (dispatch_due: reclaim + claim)", dispatcher_ns, 0
        ),
    )


# ------------------------------------------------------------------------------------------
# The dispatch rate
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    reminders: int
    runs: int
    seconds: float
    delivered: int
    too_many_requests: int
    left_pending: int

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds > 0 else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / CONFIGURED_RATE


async def make_due(url: str, clients: int, now: datetime) -> list[int]:
    """One lead-time reminder of each of ``clients`` different clients becomes due at ``now``."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            first = (
                select(func.min(Reminder.id).label("id"))
                .where(
                    Reminder.status == ReminderStatus.PENDING,
                    Reminder.kind == ReminderKind.BEFORE_SESSION,
                )
                .group_by(Reminder.user_id)
                .order_by(Reminder.user_id)
                .limit(clients)
                .subquery()
            )
            ids = list((await session.execute(select(first.c.id))).scalars())
            await session.execute(
                update(Reminder)
                .where(Reminder.id.in_(ids))
                .values(due_at=now - timedelta(seconds=1))
                .execution_options(synchronize_session=False)
            )
            await session.commit()
    finally:
        await engine.dispose()
    return ids


async def measure_dispatch(url: str, ids: Sequence[int], now: datetime) -> Dispatch:
    """Send the due reminders through ``dispatch_due`` until none is left; check each went once.

    The application's clock stands still at ``now``: only the reminders made due are sent.
    """
    api = FakeBotAPI(
        rate_limit=RateLimit(messages_per_second_overall=CONFIGURED_RATE, per_chat=PER_CHAT_RATE)
    )
    engine = create_engine(url)
    app = build_application(
        bench_settings(url),
        request=FakeRequest(api),
        get_updates_request=FakeRequest(api),
        engine=engine,
        clock=ManualClock(now),
        rate_limiter=True,
    )
    await app.initialize()
    try:
        api.reset_calls()
        ctx = app.services.ctx
        runs = 0
        started = time.perf_counter()
        while runs < 10 * (len(ids) // BATCH + 2):
            runs += 1
            report = await dispatch_due(app.bot, ctx, worker="bench-dispatch", batch=BATCH)
            if report == DispatchReport():
                break
        seconds = time.perf_counter() - started
        factory = create_session_factory(engine)
        async with factory() as session:
            rows = await session.execute(
                select(Reminder.status, Reminder.user_id).where(Reminder.id.in_(list(ids)))
            )
            statuses = Counter(status for status, _ in rows)
            clients = {
                int(user_id)
                for user_id in (
                    await session.execute(
                        select(func.distinct(Reminder.user_id)).where(Reminder.id.in_(list(ids)))
                    )
                ).scalars()
            }
    finally:
        await app.shutdown()
        await engine.dispose()
    sends = api.calls_to("sendMessage")
    delivered = [call for call in sends if call.error is None]
    refused = [call for call in sends if call.error and call.error.startswith("429")]
    per_chat = Counter(call.chat_id for call in delivered)
    if any(count != 1 for count in per_chat.values()):
        twice = [chat for chat, count in per_chat.items() if count != 1]
        raise BenchError(f"reminders delivered more than once to chats {twice[:5]}")
    if len(per_chat) != len(delivered) or statuses.get(ReminderStatus.SENT, 0) != len(delivered):
        raise BenchError(
            f"{len(delivered)} messages delivered but the outbox says {dict(statuses)}"
        )
    if len(clients) != len(ids):
        raise BenchError(f"{len(ids)} reminders were made due for only {len(clients)} clients")
    return Dispatch(
        reminders=len(ids),
        runs=runs,
        seconds=seconds,
        delivered=len(delivered),
        too_many_requests=len(refused),
        left_pending=statuses.get(ReminderStatus.PENDING, 0),
    )


# ------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    measure: str
    value: str
    target: str
    met: bool


@dataclass(frozen=True)
class ReminderReport:
    started: datetime
    machine: str
    load: tuple[str, str]
    size: str
    reused: bool
    booked: Booked
    sample: tuple[int, int]
    probe: Probe
    expected_jobs: tuple[str, ...]
    scans: Scans
    dispatch: Dispatch
    seconds: float
    verdicts: tuple[Verdict, ...] = field(default=())

    def table(self) -> str:
        p = self.probe
        d = self.dispatch
        lines = [
            "| measure | value |",
            "|---|---:|",
            f"| resident set before building the Application (idle) | {p.idle_mb:.1f} MB |",
            f"| after initialize() + start(), JobQueue running | {p.started_mb:.1f} MB "
            f"(+{p.started_mb - p.idle_mb:.1f} MB) |",
            f"| after one run of the reminder job over the outbox | {p.scanned_mb:.1f} MB "
            f"(+{p.scanned_mb - p.idle_mb:.1f} MB) |",
            f"| Python allocations of that run, peak (tracemalloc) | "
            f"{p.scan_python_peak_kb:,.0f} KB |",
            f"| that run of the reminder job | {p.scan_job_ms:.1f} ms |",
            f"| time to start up (initialize + start) | {p.startup_s:.2f} s |",
            f"| jobs in the JobQueue | {len(p.jobs)}: {', '.join(p.jobs)} |",
        ]
        if p.naive_jobs:
            lines += [
                f"| for comparison: one run_once job per pending reminder ({p.naive_jobs:,} "
                f"jobs) | +{p.naive_mb:.1f} MB, {p.naive_s:.1f} s to schedule |",
            ]
        lines += [
            "",
            "| due scan | scans | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for s in (
            self.scans.idle,
            self.scans.busy,
            self.scans.idle_query,
            self.scans.busy_query,
            self.scans.dispatcher_idle,
        ):
            lines.append(
                f"| {s.name} | {s.count} | {s.p50_ms:.2f} | {s.p99_ms:.2f} | {s.max_ms:.2f} |"
            )
        lines += [
            "",
            "| dispatch | value |",
            "|---|---:|",
            f"| reminders due, one per client | {d.reminders} |",
            f"| delivered (each exactly once) | {d.delivered} in {d.seconds:.1f} s, "
            f"{d.runs} dispatcher runs |",
            f"| rate | {d.rate:.1f} messages/s = {d.ratio:.2f}× the configured "
            f"{CONFIGURED_RATE:g}/s |",
            f"| 429 Too Many Requests from the fake Bot API | {d.too_many_requests} |",
            f"| left pending (retry later) | {d.left_pending} |",
            f"| the repeating job (every {DEFAULT_SCAN_SECONDS:g} s) | claims batch after "
            f"batch of {BATCH} while they come full, for up to 80% of the interval |",
        ]
        return "\n".join(lines)

    def verdict_table(self) -> str:
        lines = ["| measure | value | target | met |", "|---|---|---|---|"]
        for v in self.verdicts:
            lines.append(f"| {v.measure} | {v.value} | {v.target} | {'yes' if v.met else 'NO'} |")
        return "\n".join(lines)

    def markdown(self) -> str:
        b = self.booked
        data = "reused" if self.reused else "generated"
        return "\n".join(
            [
                f"## Reminders {self.started:%Y-%m-%d %H:%M} UTC",
                "",
                f"- machine: {self.machine}; load average {self.load[0]} at the start, "
                f"{self.load[1]} at the end",
                f"- database: {self.size} ({data}), plus {b.sessions:,} scheduled sessions over "
                f"the next {SPREAD_DAYS} days with {b.reminders:,} pending reminder rows for "
                f"{b.clients:,} clients in {len(CLIENT_SETTINGS)} time zones (written in "
                f"{b.seconds:.1f} s); the real service derived the rows of {self.sample[0]} "
                f"sampled sessions again: {self.sample[1]} rows, identical",
                f"- start-up and memory measured in a fresh interpreter; run took "
                f"{self.seconds:.0f} s",
                "",
                self.table(),
                "",
                self.verdict_table(),
                "",
            ]
        )


def judge(report: ReminderReport) -> tuple[Verdict, ...]:
    p, s, d = report.probe, report.scans, report.dispatch
    worst_scan = max(s.idle.p99_ms, s.busy.p99_ms)
    return (
        Verdict(
            "jobs in the JobQueue",
            f"{len(p.jobs)} repeating jobs, with {report.booked.reminders:,} reminders pending",
            "the fixed set, no job per reminder",
            p.jobs == report.expected_jobs,
        ),
        Verdict(
            "memory above idle (started, after a scan)",
            f"{p.above_idle_mb:.1f} MB",
            f"≤ {MAX_MEMORY_MB:g} MB",
            p.above_idle_mb <= MAX_MEMORY_MB,
        ),
        Verdict(
            "due scan p99 (claim transaction)",
            f"{worst_scan:.2f} ms (nothing due {s.idle.p99_ms:.2f}, a batch due "
            f"{s.busy.p99_ms:.2f})",
            f"≤ {MAX_SCAN_P99_MS:g} ms",
            worst_scan <= MAX_SCAN_P99_MS,
        ),
        Verdict(
            "dispatch rate vs configured",
            f"{d.ratio:.2f}× ({d.too_many_requests} × 429)",
            "reported",
            d.delivered == d.reminders,
        ),
    )


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------


def _remove(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)


async def run(
    size_text: str,
    *,
    sessions: int = DEFAULT_SESSIONS,
    scans: int = DEFAULT_SCANS,
    dispatch: int = DEFAULT_DISPATCH,
    naive: bool = True,
    seed: int = DEFAULT_SEED,
    out_dir: Path = OUT_DIR,
    record: Path | None = RESULTS,
) -> ReminderReport:
    """Book the sessions, measure everything, print and record the report."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    started_at = datetime.now(UTC)
    load_at_start = load_average()
    clock = time.perf_counter()
    size = parse_size(size_text)
    print(f"Spotter reminder benchmark — {machine()}")
    print(f"database: {size}; {sessions:,} sessions to book")
    generated = await ensure_database(
        size, out_dir=out_dir, seed=seed, progress=lambda line: print(f"  {line}", flush=True)
    )
    work = out_dir / "run"
    work.mkdir(parents=True, exist_ok=True)
    path = work / "reminders.db"
    _remove(path)
    shutil.copyfile(generated.path, path)
    url = sqlite_url(path)
    try:
        now = datetime.now(UTC)
        booked = await asyncio.to_thread(book_sessions, path, sessions, seed, now)
        print(
            f"  booked {booked.sessions:,} sessions with {booked.reminders:,} reminders "
            f"in {booked.seconds:.1f} s",
            flush=True,
        )
        sample = await verify_sample(url, booked, SAMPLE_SESSIONS, seed)
        print(f"  {sample[0]} sampled sessions: the service derives the same {sample[1]} rows")
        print("start-up probe (fresh interpreter) …", flush=True)
        probe_result = await asyncio.to_thread(run_probe, path, naive)
        print(f"{scans} due scans of each kind …", flush=True)
        scans_result = await measure_scans(url, scans, booked.now)
        ids = await make_due(url, dispatch, booked.now)
        print(f"dispatching {len(ids)} due reminders at ≤ {CONFIGURED_RATE:g}/s …", flush=True)
        dispatch_result = await measure_dispatch(url, ids, booked.now)
    finally:
        _remove(path)
    report = ReminderReport(
        started=started_at,
        machine=machine(),
        load=(load_at_start, load_average()),
        size=str(size),
        reused=generated.reused,
        booked=booked,
        sample=sample,
        probe=probe_result,
        expected_jobs=expected_jobs(),
        scans=scans_result,
        dispatch=dispatch_result,
        seconds=time.perf_counter() - clock,
    )
    report = ReminderReport(**{**_fields(report), "verdicts": judge(report)})
    text = report.markdown()
    print()
    print(text)
    if record is not None:
        with record.open("a", encoding="utf-8") as results:
            results.write("\n" + text)
        print(f"recorded in {record.name}")
    return report


def _fields(report: ReminderReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in report.__dataclass_fields__}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders", description="Spotter's reminder benchmark."
    )
    parser.add_argument(
        "--size", default="large", help="tiny, small, large (default) or trainers,clients,sets"
    )
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS, help="sessions to book")
    parser.add_argument("--scans", type=int, default=DEFAULT_SCANS, help="timed scans of each kind")
    parser.add_argument(
        "--dispatch", type=int, default=DEFAULT_DISPATCH, help="reminders to send, one per client"
    )
    parser.add_argument(
        "--no-naive", action="store_true", help="skip the one-job-per-reminder comparison"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--no-record", action="store_true", help="print only; do not append to RESULTS.md"
    )
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--naive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is not None:
        result = asyncio.run(probe(args.probe, args.naive))
        print(json.dumps(asdict(result)))
        return 0
    if args.sessions < 1 or args.scans < 10 or args.dispatch < 1:
        parser.error("--sessions and --dispatch must be positive and --scans at least 10")
    try:
        asyncio.run(
            run(
                args.size,
                sessions=args.sessions,
                scans=args.scans,
                dispatch=args.dispatch,
                naive=not args.no_naive,
                seed=args.seed,
                record=None if args.no_record else RESULTS,
            )
        )
    except (BenchError, ValueError) as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
