"""The dashboard benchmark: a trainer with 200 clients on the large generated database.

``python -m bench.dashboard`` builds (or reuses) the database of ``bench.generate``, copies it,
and gives one generated trainer the clients of three others (200 clients with their whole
history at the large size). Then, through the full Application and the fake Bot API, it
interleaves three kinds of update, timing each one and counting its SQL statements:

* a set-logging update of the ``bench.driver`` benchmark client (the reference);
* ``/dashboard`` from the 200-client trainer;
* the "📊 Progress" card of one of those clients.

It reports the statements per call and the latency as a ratio to the set-logging update, then
runs the alert scan over all trainers once (``AlertService.scan_all``), timing it and measuring
memory above idle (Python allocations with ``tracemalloc``, and the process's resident set).
The results are appended to ``bench/RESULTS.md`` (``--no-record`` skips that).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.driver import Samples, SpotterTarget, Target
from bench.generate import DEFAULT_SEED, OUT_DIR, ensure_database, parse_size
from bench.run import RESULTS, load_average, machine
from coaching.clock import SystemClock
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from storage.uow import UnitOfWorkFactory
from tests.fakes.updates import FakeUser

DASHBOARD_TRAINER_TELEGRAM_ID = 990_100_001
MERGED_TRAINERS = 4


@dataclass(frozen=True)
class DashboardReport:
    started: datetime
    machine: str
    load: tuple[str, str]
    size: str
    clients: int
    samples: tuple[Samples, Samples, Samples]
    scan_seconds: float
    scan_trainers: int
    scan_clients: int
    scan_raised: int
    scan_batches: int
    scan_python_peak_mb: float
    scan_rss_growth_mb: float

    def markdown(self) -> str:
        sets, board, card = self.samples
        base_mean, base_p50 = sets.mean_ms, sets.p50_ms

        def row(samples: Samples) -> str:
            span = samples.statements_range
            statements = (
                "–"
                if span is None
                else (str(span[0]) if span[0] == span[1] else f"{span[0]}–{span[1]}")
            )
            return (
                f"| {samples.name} | {samples.count} | {samples.mean_ms:.2f} | "
                f"{samples.p50_ms:.2f} | {samples.p99_ms:.2f} | {statements} | "
                f"{samples.mean_ms / base_mean:.2f}× | {samples.p50_ms / base_p50:.2f}× |"
            )

        lines = [
            f"## Dashboard {self.started:%Y-%m-%d %H:%M} UTC",
            "",
            f"- machine: {self.machine}; load average {self.load[0]} at the start, "
            f"{self.load[1]} at the end",
            f"- database: {self.size}; the dashboard trainer has {self.clients} clients",
            "",
            "| update | n | mean ms | p50 ms | p99 ms | SQL statements / update | "
            "mean vs set | p50 vs set |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            row(sets),
            row(board),
            row(card),
            "",
            f"- alert scan over all trainers: {self.scan_seconds:.2f} s for "
            f"{self.scan_trainers:,} trainers and {self.scan_clients:,} active clients "
            f"in {self.scan_batches} batches; {self.scan_raised:,} alerts raised",
            f"- alert scan memory above idle: {self.scan_rss_growth_mb:.1f} MB resident-set "
            f"growth over the first scan; {self.scan_python_peak_mb:.1f} MB peak of Python "
            "allocations (tracemalloc, a second untimed scan)",
            "",
        ]
        return "\n".join(lines)


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def merge_trainers(path: Path) -> tuple[int, int]:
    """Give the first generated trainer the clients of the next ones. (user id, clients)."""
    conn = sqlite3.connect(path)
    try:
        ids = [
            int(r[0])
            for r in conn.execute(
                "SELECT user_id FROM trainer_profiles ORDER BY user_id LIMIT ?", (MERGED_TRAINERS,)
            )
        ]
        keep, others = ids[0], ids[1:]
        marks = ",".join("?" for _ in others)
        if others:
            conn.execute(
                f"UPDATE relationships SET trainer_user_id = ? WHERE trainer_user_id IN ({marks})",
                (keep, *others),
            )
            conn.execute(
                f"UPDATE client_profiles SET trainer_user_id = ? "
                f"WHERE trainer_user_id IN ({marks})",
                (keep, *others),
            )
            conn.execute(
                f"UPDATE session_records SET trainer_user_id = ? "
                f"WHERE trainer_user_id IN ({marks})",
                (keep, *others),
            )
        conn.execute(
            "UPDATE users SET telegram_id = ?, timezone = 'UTC', reachable = 1 WHERE id = ?",
            (DASHBOARD_TRAINER_TELEGRAM_ID, keep),
        )
        clients = conn.execute(
            "SELECT count(*) FROM relationships WHERE trainer_user_id = ? AND status = 'ACTIVE'",
            (keep,),
        ).fetchone()[0]
        conn.commit()
        return keep, int(clients)
    finally:
        conn.close()


def first_client(path: Path, trainer_user_id: int) -> int:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT client_profile_id FROM relationships WHERE trainer_user_id = ? "
            "AND status = 'ACTIVE' ORDER BY id LIMIT 1",
            (trainer_user_id,),
        ).fetchone()
        return int(row[0])
    finally:
        conn.close()


class TrainerAtDesk(Target):
    """The 200-client trainer, talking to the same application as the set-logging target."""

    def __init__(self, spotter: SpotterTarget) -> None:
        super().__init__(
            "Spotter, /dashboard (200 clients)",
            spotter.api,
            FakeUser(DASHBOARD_TRAINER_TELEGRAM_ID, "Desk", "Trainer"),
        )
        self.app = spotter.app
        self.spotter = spotter

    def last_message(self) -> dict[str, Any]:
        sent = self.api.sent_to(self.user.id)
        return sent[-1]


async def run(
    size_text: str,
    rounds: int,
    warmup: int,
    *,
    seed: int = DEFAULT_SEED,
    out_dir: Path = OUT_DIR,
    record: Path | None = RESULTS,
) -> DashboardReport:
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    started = datetime.now(UTC)
    load_start = load_average()
    size = parse_size(size_text)
    print(f"Spotter dashboard benchmark — {machine()}")
    generated = await ensure_database(
        size, out_dir=out_dir, seed=seed, progress=lambda line: print(f"  {line}", flush=True)
    )
    work = out_dir / "run"
    work.mkdir(parents=True, exist_ok=True)
    copy = work / "dashboard.db"
    for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(generated.path, copy)
    trainer_id, clients = merge_trainers(copy)
    profile_id = first_client(copy, trainer_id)
    sessions = (warmup + rounds) // 10 + 2
    spotter = SpotterTarget("Spotter, set logging (reference)", copy, pace=False, sessions=sessions)
    desk = TrainerAtDesk(spotter)
    board = Samples("Spotter, /dashboard (200 clients)")
    card = Samples("Spotter, client progress card")
    try:
        await spotter.start()
        desk.counter = spotter.counter
        for number in range(warmup):
            await spotter.before_set(number)
            await spotter.text(spotter.set_message(number))
            await desk.text("/dashboard")
            await desk.press(f"pg:{profile_id}", desk.last_message())
        spotter.samples = Samples(spotter.samples.name)
        print(f"driving {rounds} rounds of set / dashboard / progress card …", flush=True)
        for number in range(warmup, warmup + rounds):
            await spotter.measure_set(number)
            board.add(await desk.text("/dashboard"))
            card.add(await desk.press(f"pg:{profile_id}", desk.last_message()))
        ctx = ServiceContext(uow=UnitOfWorkFactory(spotter.session_factory), clock=SystemClock())
        idle_rss = rss_mb()
        clock = time.perf_counter()
        report = await AlertService(ctx).scan_all()
        scan_seconds = time.perf_counter() - clock
        rss_growth = max(rss_mb() - idle_rss, 0.0)
        # tracemalloc slows Python down several times over, so the allocation peak comes from
        # a second, untimed scan (the same reads; every cause is known by then).
        tracemalloc.start()
        await AlertService(ctx).scan_all()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        await spotter.close()
        for stale in (copy, copy.with_name(copy.name + "-wal"), copy.with_name(copy.name + "-shm")):
            stale.unlink(missing_ok=True)
    result = DashboardReport(
        started=started,
        machine=machine(),
        load=(load_start, load_average()),
        size=str(size),
        clients=clients,
        samples=(spotter.samples, board, card),
        scan_seconds=scan_seconds,
        scan_trainers=report.trainers,
        scan_clients=report.clients,
        scan_raised=report.raised,
        scan_batches=report.statements_batches,
        scan_python_peak_mb=peak / 1024 / 1024,
        scan_rss_growth_mb=rss_growth,
    )
    text = result.markdown()
    print()
    print(text)
    if record is not None:
        with record.open("a", encoding="utf-8") as results:
            results.write("\n" + text)
        print(f"recorded in {record.name}")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", default="large", help="tiny, small, large or T,C,S")
    parser.add_argument("--rounds", type=int, default=100, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    asyncio.run(
        run(
            args.size,
            args.rounds,
            args.warmup,
            seed=args.seed,
            record=None if args.no_record else RESULTS,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
