"""Run the set-logging benchmark: ``python -m bench.run [--size large] [--updates 500]``.

In one run it measures a bare PTB echo bot and the real bot logging sets on an empty
(freshly migrated) database and on the generated large one, interleaved update by update.
It prints a table and appends it, with the date and the machine, to ``bench/RESULTS.md``.

Targets (DESIGN.md): a set-logging update costs at most 2× the raw-storage floor, grows at most
1.3× from the empty database to the large one, and sends a constant number of SQL statements.
Beside the first, the replacement proposed for it: at most 2× the storage-stack floor (the same
SQL through SQLAlchemy's ``AsyncSession``; see bench/README.md). The echo is reported, as the
yardstick the floors are read against; the old target of 3× the echo is retired.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.driver import (
    SETS_PER_SESSION,
    BenchError,
    EchoTarget,
    FloorTarget,
    Samples,
    SessionFloorTarget,
    SpotterTarget,
    Target,
    run_interleaved,
)
from bench.generate import (
    DEFAULT_SEED,
    OUT_DIR,
    Generated,
    ensure_database,
    migrated_database,
    parse_size,
)

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MAX_COST_VS_RAW_FLOOR = 2.0
"""One set against the raw-storage floor: DESIGN.md's target."""
MAX_COST_VS_STACK_FLOOR = 2.0
"""One set against the storage-stack floor: the replacement proposed in bench/README."""
MAX_GROWTH_RATIO = 1.3

# The targets' names, as the tables show them (bench.mixed reads its one-set figures by them).
SPOTTER_EMPTY = "Spotter, empty database"
HANDLER_FLOOR = "Floor: a bare PTB handler re-sending the live card"
RAW_FLOOR = "Floor: the same plus raw aiosqlite read, insert, mark, commit"
STACK_FLOOR = "Floor: the same statements through SQLAlchemy's AsyncSession"


@dataclass(frozen=True)
class Verdict:
    measure: str
    value: str
    target: str
    met: bool


@dataclass(frozen=True)
class FloorLine:
    """A floor's cost against the echo, and the real bot's against the floor."""

    name: str
    vs_echo: float
    vs_echo_p50: float
    spotter_vs_floor: float


def floor_lines(echo: Samples, spotter: Samples, floors: Sequence[Samples]) -> list[FloorLine]:
    return [
        FloorLine(
            name=floor.name.removeprefix("Floor: "),
            vs_echo=floor.mean_ms / echo.mean_ms,
            vs_echo_p50=floor.p50_ms / echo.p50_ms,
            spotter_vs_floor=spotter.mean_ms / floor.mean_ms,
        )
        for floor in floors
    ]


@dataclass(frozen=True)
class Report:
    """What one run found."""

    started: datetime
    machine: str
    load: tuple[str, str]
    generated: Generated
    updates: int
    warmup: int
    samples: Sequence[Samples]
    stored: Sequence[int]
    verdicts: Sequence[Verdict]
    seconds: float
    floors: Sequence[FloorLine] = ()

    def table(self) -> str:
        lines = [
            "| target | updates | mean ms | p50 ms | p99 ms | SQL statements / update "
            "| in SQL, mean ms | commits / update | Bot API calls / update |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in self.samples:
            span = s.statements_range
            statements = "–" if span is None else _span(span)
            in_sql = "–" if s.sql_mean_ms is None else f"{s.sql_mean_ms:.2f}"
            commits = "–" if s.commits_mean is None else f"{s.commits_mean:.1f}"
            lines.append(
                f"| {s.name} | {s.count} | {s.mean_ms:.2f} | {s.p50_ms:.2f} | {s.p99_ms:.2f} "
                f"| {statements} | {in_sql} | {commits} | {s.api_calls_mean:.1f} |"
            )
        return "\n".join(lines)

    def verdict_table(self) -> str:
        lines = ["| measure | value | target | met |", "|---|---|---|---|"]
        for v in self.verdicts:
            lines.append(f"| {v.measure} | {v.value} | {v.target} | {'yes' if v.met else 'NO'} |")
        return "\n".join(lines)

    def floor_table(self) -> str:
        """Each floor against the echo, and the real bot against each floor."""
        if not self.floors:
            return ""
        lines = [
            "| floor (what any implementation of the turn pays) | vs echo, mean | vs echo, p50 "
            "| Spotter (empty database) vs this floor, mean |",
            "|---|---:|---:|---:|",
        ]
        for f in self.floors:
            ratios = (f.vs_echo, f.vs_echo_p50, f.spotter_vs_floor)
            lines.append(f"| {f.name} | " + " | ".join(f"{r:.2f}×" for r in ratios) + " |")
        return "\n".join(lines)

    def markdown(self) -> str:
        g = self.generated
        data = "reused" if g.reused else f"generated in {g.seconds:.0f} s"
        return "\n".join(
            [
                f"## {self.started:%Y-%m-%d %H:%M} UTC",
                "",
                f"- machine: {self.machine}; load average {self.load[0]} at the start, "
                f"{self.load[1]} at the end",
                f"- large database: {g.size} ({data}); empty database: freshly migrated",
                f"- {self.updates} timed set-logging updates per target after {self.warmup} "
                f"untimed ones, interleaved; run took {self.seconds:.0f} s",
                "",
                self.table(),
                "",
                self.verdict_table(),
                "",
                *([self.floor_table(), ""] if self.floors else []),
            ]
        )


def _span(span: tuple[int, int]) -> str:
    low, high = span
    return str(low) if low == high else f"{low}–{high}"


def load_average() -> str:
    """The 1-minute load average: other work on the machine inflates every latency."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def machine() -> str:
    """CPU count and model, Python and SQLite versions, OS."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} × {model}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def verdicts(
    empty: Samples, large: Samples, raw_floor: Samples, stack_floor: Samples
) -> list[Verdict]:
    cost_raw = empty.mean_ms / raw_floor.mean_ms
    cost_stack = empty.mean_ms / stack_floor.mean_ms
    growth = large.mean_ms / empty.mean_ms
    growth_p50 = large.p50_ms / empty.p50_ms
    same_statements = empty.statements == large.statements
    span_empty = empty.statements_range or (0, 0)
    span_large = large.statements_range or (0, 0)
    half = len(large.statements) // 2
    steady = max(large.statements[:half] or [0]) >= max(large.statements[half:] or [0])
    statements = (
        f"{_span(span_empty)} on the empty database, {_span(span_large)} on the large one"
        + ("; identical update by update" if same_statements else "; they differ")
    )
    return [
        Verdict(
            "cost per set vs the raw-storage floor, empty database (mean)",
            f"{cost_raw:.2f}× (p50 {empty.p50_ms / raw_floor.p50_ms:.2f}×)",
            f"≤ {MAX_COST_VS_RAW_FLOOR:g}×",
            cost_raw <= MAX_COST_VS_RAW_FLOOR,
        ),
        Verdict(
            "cost per set vs the storage-stack floor, empty database (mean; proposed target)",
            f"{cost_stack:.2f}× (p50 {empty.p50_ms / stack_floor.p50_ms:.2f}×)",
            f"≤ {MAX_COST_VS_STACK_FLOOR:g}×",
            cost_stack <= MAX_COST_VS_STACK_FLOOR,
        ),
        Verdict(
            "growth, empty → large database (mean)",
            f"{growth:.2f}× (p50 {growth_p50:.2f}×)",
            f"≤ {MAX_GROWTH_RATIO:g}×",
            growth <= MAX_GROWTH_RATIO,
        ),
        Verdict(
            "SQL statements per set-logging update",
            statements,
            "constant",
            same_statements and steady,
        ),
    ]


async def run(
    size_text: str,
    updates: int,
    warmup: int,
    *,
    seed: int = DEFAULT_SEED,
    out_dir: Path = OUT_DIR,
    record: Path | None = RESULTS,
    limiter_off_row: bool = True,
    pace: bool = True,
) -> Report:
    """Build or reuse the data, drive every target, check what was stored, report."""
    # PTB 22 warns about RetryAfter's future type unless this is set; the bot does the same.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    started_at = datetime.now(UTC)
    load_at_start = load_average()
    clock = time.perf_counter()
    size = parse_size(size_text)
    print(f"Spotter set-logging benchmark — {machine()}")
    print(f"large database: {size}")
    generated = await ensure_database(
        size, out_dir=out_dir, seed=seed, progress=lambda line: print(f"  {line}", flush=True)
    )
    print(
        f"  {'reused' if generated.reused else 'generated'} {generated.path.name}"
        + ("" if generated.reused else f" in {generated.seconds:.0f} s")
    )

    work = out_dir / "run"
    work.mkdir(parents=True, exist_ok=True)
    large_copy = work / "large.db"
    _remove(large_copy)
    shutil.copyfile(generated.path, large_copy)
    empty = work / "empty.db"
    empty_no_limiter = work / "empty-no-limiter.db"
    await migrated_database(empty)
    if limiter_off_row:
        await migrated_database(empty_no_limiter)

    sessions = (warmup + updates) // SETS_PER_SESSION + 2
    echo = EchoTarget()
    spotter_empty = SpotterTarget(SPOTTER_EMPTY, empty, pace=pace, sessions=sessions)
    spotter_large = SpotterTarget(
        f"Spotter, large database ({size.sets:,} sets)", large_copy, pace=pace, sessions=sessions
    )
    floor_database = work / "floor.db"
    session_floor_database = work / "session-floor.db"
    raw_floor = FloorTarget(RAW_FLOOR, spotter_empty, floor_database, pace=pace)
    stack_floor = SessionFloorTarget(STACK_FLOOR, spotter_empty, session_floor_database, pace=pace)
    floors = [FloorTarget(HANDLER_FLOOR, spotter_empty, pace=pace), raw_floor, stack_floor]
    targets: list[Target] = [echo, spotter_empty, spotter_large, *floors]
    if limiter_off_row:
        targets.append(
            SpotterTarget(
                "Spotter, empty database, no rate limiter",
                empty_no_limiter,
                rate_limiter=False,
                sessions=sessions,
            )
        )
    try:
        for target in targets:
            await target.start()
        print(f"driving {updates} set-logging updates (+{warmup} warm-up) per target …")
        await run_interleaved(targets, updates, warmup)
        stored = [await check_stored(target, warmup + updates) for target in targets]
    finally:
        for target in targets:
            await target.close()
        for path in (large_copy, empty, empty_no_limiter, floor_database, session_floor_database):
            _remove(path)

    report = Report(
        started=started_at,
        machine=machine(),
        load=(load_at_start, load_average()),
        generated=generated,
        updates=updates,
        warmup=warmup,
        samples=[target.samples for target in targets],
        stored=stored,
        verdicts=verdicts(
            spotter_empty.samples,
            spotter_large.samples,
            raw_floor=raw_floor.samples,
            stack_floor=stack_floor.samples,
        ),
        floors=floor_lines(echo.samples, spotter_empty.samples, [f.samples for f in floors]),
        seconds=time.perf_counter() - clock,
    )
    print()
    print(report.table())
    print()
    print(report.verdict_table())
    print()
    print(report.floor_table())
    if record is not None:
        append_results(record, report)
        print(f"\nrecorded in {record.name}")
    return report


async def check_stored(target: Target, expected: int) -> int:
    """Every set the bot acknowledged is stored, once (the echo: every message answered)."""
    if isinstance(target, SpotterTarget):
        stored = await target.set_rows()
        what = "set rows stored"
    elif isinstance(target, FloorTarget):
        stored, what = target.edits(), "edits"
        rows = await target.set_rows()
        if rows is not None and rows != stored:
            raise BenchError(f"{target.name}: {rows} set rows stored for {stored} edits")
    else:
        stored = len(target.api.sent_to(target.user.id))
        what = "replies"
    if stored != expected:
        raise BenchError(f"{target.name}: {stored} {what}, expected {expected}")
    return stored


def append_results(path: Path, report: Report) -> None:
    if not path.exists():
        path.write_text("# Benchmark results\n\nAppended by `python -m bench.run`.\n\n")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(report.markdown() + "\n")


def _remove(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description="Spotter's set-logging benchmark."
    )
    parser.add_argument(
        "--size", default="large", help="tiny, small, large (default) or trainers,clients,sets"
    )
    parser.add_argument("--updates", type=int, default=500, help="timed updates per target")
    parser.add_argument("--warmup", type=int, default=40, help="untimed updates first")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--no-record", action="store_true", help="print only; do not append to RESULTS.md"
    )
    args = parser.parse_args(argv)
    if args.updates < 10 or args.warmup < 0:
        parser.error("--updates must be at least 10 and --warmup not negative")
    try:
        asyncio.run(
            run(
                args.size,
                args.updates,
                args.warmup,
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
