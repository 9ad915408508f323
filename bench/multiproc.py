"""Set logging with several worker processes: ``python -m bench.multiproc``.

In one run it measures the real bot (``python -m bot`` in webhook mode, each worker its own
process) against the fake Bot API served over HTTP, with many trainers logging sets in
parallel, in these setups:

* SQLite, one process (the embedded default; a second process is refused on SQLite);
* PostgreSQL with 1, 2 and 3 identical workers (``--workers``) on one database.

Updates go to the workers through a round-robin forwarder, as a proxy in front of the workers
would send them. A worker answers the webhook request only once the update is handled (see
:mod:`bot.updates`), so a set's latency is the time from the request to its answer. Each
trainer sends a set, waits for the answer and sends the next one at once (a closed loop):
throughput is the sets acknowledged per second over the timed part, in which the untimed steps
around the sets (``/log``, the session's buttons, "Next ›", finishing) also take their share.

The workers run without the rate limiter by default: it allows each process 30 Bot API calls
a second (Telegram's cap for a whole bot), which at two calls a set would cap every worker at
about 15 sets a second and measure the limiter, not the workers. ``--limiter`` keeps it, as
in production.

It prints throughput, p50 and p99 per setup, then the ratios: each PostgreSQL setup against
one PostgreSQL worker, and SQLite against one PostgreSQL worker. Every acknowledged set must
be stored exactly once, or the run fails. The table goes to ``bench/RESULTS.md`` with the
machine's core count and the load average (``--no-record`` skips that).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.driver import (
    FIRST_SETS,
    HISTORY_SESSIONS,
    LATER_SETS,
    SETS_PER_EXERCISE,
    SETS_PER_SESSION,
    BenchError,
    add_bench_people,
)
from bench.generate import migrated_database
from bench.run import RESULTS, load_average, machine
from coaching.services.base import ServiceContext
from coaching.services.catalogue import sync_builtin_exercises
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import SetRecord
from storage.uow import UnitOfWorkFactory
from tests.fakes import FakeBotAPI, FakeBotAPIServer
from tests.fakes.updates import FakeUser, callback_update, message_update
from tests.process_helpers import (
    PROJECT_ROOT,
    WEBHOOK_SECRET,
    BotProcess,
    bot_env,
    free_port,
    wait_for_port,
)

DEFAULT_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_multiproc"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_TRAINER_ID = 991_000_000
REQUEST_TIMEOUT = 60.0
# Updates handled at once per worker: keeps each worker's PostgreSQL connections well below
# the server's default max_connections (100) with three workers and the benchmark itself.
WORKER_CONCURRENCY = 16


@dataclass(frozen=True)
class Setup:
    name: str
    database_url: str
    workers: int


@dataclass(frozen=True)
class Result:
    setup: Setup
    sets: int
    seconds: float
    latencies_ms: list[float]

    @property
    def throughput(self) -> float:
        return self.sets / self.seconds

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


# ------------------------------------------------------------------------------------------
# The forwarder and the trainers
# ------------------------------------------------------------------------------------------


class Forwarder:
    """Posts each update to the next worker in turn; an update not answered 200 fails the run
    (no worker is stopped during the benchmark)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._urls = itertools.cycle(urls)
        self._client = httpx.AsyncClient(
            timeout=REQUEST_TIMEOUT, limits=httpx.Limits(max_connections=None)
        )

    async def post(self, update: dict[str, Any]) -> None:
        url = next(self._urls)
        answer = await self._client.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET})
        if answer.status_code != 200:
            raise BenchError(f"{url} answered {answer.status_code}: {answer.text[:200]}")

    async def close(self) -> None:
        await self._client.aclose()


class Trainer:
    """One trainer logging sets for their client through ``/log``, via the forwarder."""

    def __init__(self, api: FakeBotAPI, forwarder: Forwarder, user: FakeUser, client: str):
        self.api = api
        self.forwarder = forwarder
        self.user = user
        self.client = client
        self.in_session = 0
        self.number = 0
        self.acked = 0
        self.latencies_ms: list[float] = []

    def _last_text(self) -> str:
        sent = self.api.sent_to(self.user.id)
        return str(sent[-1].get("text", "")) if sent else ""

    async def send(self, body: str) -> None:
        update = message_update(
            self.api.next_update_id(),
            self.user,
            body,
            message_id=self.api.allocate_message_id(self.user.id),
        )
        await self.forwarder.post(update)

    async def press(self, label: str) -> None:
        for message in reversed(self.api.sent_to(self.user.id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            for button in itertools.chain.from_iterable(rows):
                if "callback_data" in button and label.casefold() in str(button["text"]).casefold():
                    update = callback_update(
                        self.api.next_update_id(), self.user, str(button["callback_data"]), message
                    )
                    await self.forwarder.post(update)
                    return
        raise BenchError(
            f"trainer {self.user.id}: no button {label!r}: {self._last_text()[:200]!r}"
        )

    async def _begin(self) -> None:
        await self.send("/log")
        await self.press(self.client)
        if not self._started():
            await self.press("🗓")
        if not self._started():
            raise BenchError(f"trainer {self.user.id}: /log did not start: {self._last_text()!r}")

    def _started(self) -> bool:
        text = self._last_text()
        return "Started" in text or "Resuming" in text

    async def _before_set(self) -> None:
        """Untimed steps: start a session, move to the next exercise, finish the session."""
        if self.in_session == SETS_PER_SESSION:
            await self.press("🏁 Finish")
            await self.press("🏁 Yes, finish")
            self.in_session = 0
        if self.in_session == 0:
            await self._begin()
        elif self.in_session % SETS_PER_EXERCISE == 0:
            await self.press("Next ›")
        self.in_session += 1

    def _set_message(self) -> str:
        position = self.number % SETS_PER_EXERCISE
        if position == 0:
            return FIRST_SETS[(self.number // SETS_PER_EXERCISE) % len(FIRST_SETS)]
        return LATER_SETS[position - 1]

    async def log_sets(self, count: int, *, timed: bool) -> None:
        for _ in range(count):
            await self._before_set()
            body = self._set_message()
            self.number += 1
            started = time.perf_counter()
            await self.send(body)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if not self._last_text().startswith("✅ Logged"):
                raise BenchError(f"trainer {self.user.id}: {body!r} got {self._last_text()!r}")
            self.acked += 1
            if timed:
                self.latencies_ms.append(elapsed_ms)


# ------------------------------------------------------------------------------------------
# Databases and workers
# ------------------------------------------------------------------------------------------

# The entry point with the rate limiter left out of the application it builds.
_WITHOUT_LIMITER = (
    "import functools, runpy, bot.app as app; "
    "app.build_application = functools.partial(app.build_application, rate_limiter=False); "
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)"
)


class Worker(BotProcess):
    """``python -m bot`` as a subprocess; without ``limiter``, with no rate limiter."""

    def __init__(self, env: dict[str, str], workdir: Path, name: str, *, limiter: bool) -> None:
        if limiter:
            super().__init__(env, workdir, name, PROJECT_ROOT)
            return
        self.name = name
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        self._stdout: IO[bytes] = self.stdout_path.open("wb")
        self._stderr: IO[bytes] = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WITHOUT_LIMITER],
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=self._stderr,
        )


async def _recreate_postgres(url: str) -> None:
    """Drop and create the database ``url`` names (never any other)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or not name.replace("_", "").isalnum():
        raise BenchError(f"--database must name a plain database, e.g. {DEFAULT_DATABASE}")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await upgrade(url)
    engine = create_engine(url)
    try:
        await sync_builtin_exercises(
            ServiceContext(uow=UnitOfWorkFactory(create_session_factory(engine)))
        )
    finally:
        await engine.dispose()


async def prepare(setup: Setup, trainers: int, sets: int, workdir: Path) -> None:
    """A fresh database for ``setup`` with the trainers, each with a client, a short history
    and enough sessions planned for today."""
    if setup.database_url.startswith("sqlite"):
        path = make_url(setup.database_url).database
        assert path is not None
        await migrated_database(Path(path))
    else:
        await _recreate_postgres(setup.database_url)
    engine = create_engine(setup.database_url)
    factory = create_session_factory(engine)
    sessions = math.ceil(sets / SETS_PER_SESSION) + 1
    today = datetime.now(UTC).date()
    try:
        for n in range(trainers):
            await add_bench_people(
                factory,
                today,
                sessions,
                trainer_user=FakeUser(FIRST_TRAINER_ID + 2 * n, f"Trainer {n}"),
                client_user=FakeUser(FIRST_TRAINER_ID + 2 * n + 1, f"Client {n}"),
                client_name=f"Client {n}",
            )
    finally:
        await engine.dispose()


async def stored_sets(url: str, trainers: int) -> int:
    """The sets stored beyond the seeded history."""
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            count = await session.scalar(select(func.count(SetRecord.id)))
    finally:
        await engine.dispose()
    return int(count or 0) - trainers * HISTORY_SESSIONS * SETS_PER_SESSION


def start_workers(
    setup: Setup, server: FakeBotAPIServer, workdir: Path, limiter: bool
) -> tuple[list[Worker], list[str]]:
    bots: list[Worker] = []
    urls: list[str] = []
    for index in range(setup.workers):
        port = free_port()
        env = bot_env(
            server,
            workdir,
            DATABASE_URL=setup.database_url,
            BOT_MODE="webhook",
            WEBHOOK_URL="https://bot.example.com/telegram",
            WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port),
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            MAX_CONCURRENT_UPDATES=str(WORKER_CONCURRENCY),
            LOG_LEVEL="WARNING",
        )
        name = f"{setup.name}-{index + 1}".replace(" ", "_").replace(",", "")
        bot = Worker(env, workdir, name, limiter=limiter)
        bots.append(bot)
        urls.append(f"http://127.0.0.1:{port}/telegram")
        wait_for_port(port, bot, timeout=120)
    return bots, urls


def stop_workers(bots: Sequence[Worker]) -> None:
    for bot in bots:
        if bot.process.poll() is None:
            bot.process.send_signal(signal.SIGTERM)
    for bot in bots:
        if bot.wait() not in (0, -signal.SIGTERM):
            print(f"{bot.name} ended with {bot.process.returncode}\n{bot.stderr[-2000:]}")
        bot.kill()  # closes its output files


# ------------------------------------------------------------------------------------------
# A run
# ------------------------------------------------------------------------------------------


async def measure(setup: Setup, args: argparse.Namespace, workdir: Path) -> Result:
    trainers, sets, warmup = args.trainers, args.sets, args.warmup
    await prepare(setup, trainers, sets + warmup, workdir)
    api = FakeBotAPI()
    with FakeBotAPIServer(api) as server:
        bots, urls = await asyncio.to_thread(start_workers, setup, server, workdir, args.limiter)
        forwarder = Forwarder(urls)
        people = [
            Trainer(
                api, forwarder, FakeUser(FIRST_TRAINER_ID + 2 * n, f"Trainer {n}"), f"Client {n}"
            )
            for n in range(trainers)
        ]
        try:
            await asyncio.gather(*(t.log_sets(warmup, timed=False) for t in people))
            started = time.perf_counter()
            await asyncio.gather(*(t.log_sets(sets, timed=True) for t in people))
            seconds = time.perf_counter() - started
        finally:
            await forwarder.close()
            await asyncio.to_thread(stop_workers, bots)
    acked = sum(t.acked for t in people)
    stored = await stored_sets(setup.database_url, trainers)
    if stored != acked:
        raise BenchError(f"{setup.name}: {acked} sets acknowledged, {stored} stored")
    latencies = [ms for t in people for ms in t.latencies_ms]
    if len(latencies) != trainers * sets:
        raise BenchError(f"{setup.name}: {len(latencies)} timed sets, not {trainers * sets}")
    return Result(setup, len(latencies), seconds, latencies)


def setups(postgres_url: str, workers: Sequence[int], workdir: Path, sqlite: bool) -> list[Setup]:
    found = [
        Setup(f"PostgreSQL, {n} worker{'s' if n > 1 else ''}", postgres_url, n) for n in workers
    ]
    if sqlite:
        found.insert(0, Setup("SQLite, 1 process", f"sqlite+aiosqlite:///{workdir / 'mp.db'}", 1))
    return found


def report(results: Sequence[Result], args: argparse.Namespace) -> str:
    trainers = args.trainers
    base = next(
        (r for r in results if r.setup.name.startswith("PostgreSQL") and r.setup.workers == 1), None
    )
    lines = [
        f"{trainers} trainers logging at once; each worker handles up to "
        f"{WORKER_CONCURRENCY} updates at a time; rate limiter "
        f"{'on (30 calls a second per worker)' if args.limiter else 'off'}.",
        "",
        "| setup | sets | sets/s | p50 ms | p99 ms | sets/s vs 1 PG worker | p99 vs 1 PG worker |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        vs_tp = f"{r.throughput / base.throughput:.2f}×" if base else "–"
        vs_p99 = f"{r.p99_ms / base.p99_ms:.2f}×" if base else "–"
        lines.append(
            f"| {r.setup.name} | {r.sets} | {r.throughput:.1f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {vs_tp} | {vs_p99} |"
        )
    return "\n".join(lines)


def record(table: str, args: argparse.Namespace) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cores = os.cpu_count() or 1
    try:
        noisy = os.getloadavg()[0] > cores
    except OSError:
        noisy = False
    flag = f" (noisy: load above the {cores} cores)" if noisy else ""
    heading = (
        f"\n## Multi-process set logging — {stamp}{flag}\n\n"
        f"Machine: {machine()}; load average {load_average()} at the end.\n"
        f"Command: `python -m bench.multiproc --trainers {args.trainers} --sets {args.sets} "
        f"--warmup {args.warmup} --workers {args.workers}"
        f"{' --limiter' if args.limiter else ''}`\n\n"
    )
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(heading + table + "\n")


def _workers(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or any(n < 1 or n > 8 for n in counts):
        raise argparse.ArgumentTypeError(f"worker counts from 1 to 8, e.g. 1,2,3 (not {text!r})")
    return counts


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.multiproc", description=__doc__)
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help="PostgreSQL database to (re)create"
    )
    parser.add_argument("--trainers", type=int, default=24, help="trainers logging at once")
    parser.add_argument("--sets", type=int, default=40, help="timed sets per trainer")
    parser.add_argument("--warmup", type=int, default=3, help="untimed sets per trainer first")
    parser.add_argument("--workers", default="1,2,3", help="PostgreSQL worker counts, e.g. 1,2,3")
    parser.add_argument(
        "--limiter",
        action="store_true",
        help="keep each worker's rate limiter (30 Bot API calls a second per process)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    try:
        args.worker_counts = _workers(args.workers)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if args.trainers < 1 or args.sets < 1 or args.warmup < 0:
        parser.error("--trainers and --sets must be at least 1, --warmup at least 0")
    return args


async def run(args: argparse.Namespace, workdir: Path) -> tuple[list[Result], str]:
    results = []
    for setup in setups(args.database, args.worker_counts, workdir, not args.no_sqlite):
        print(f"{setup.name}: {args.trainers} trainers × {args.sets} sets …", flush=True)
        results.append(await measure(setup, args, workdir))
    return results, report(results, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spotter-multiproc-") as tmp:
        try:
            _, table = asyncio.run(run(args, Path(tmp)))
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
    print(table)
    if not args.no_record:
        record(table, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
