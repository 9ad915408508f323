"""The import benchmark: how long a big Strong export takes from file to stored sets.

``python -m bench.imports [--sets 20000]`` writes a Strong export in the layout Strong writes
today (comma-separated, no unit columns, ``Duration`` like ``1h 5m``, a rest-timer row after
every set, the apps' standard exercise names mixed with names of the lifter's own), builds a
fresh migrated SQLite database with the built-in catalogue and one client, and then times,
as the chat does it:

1. **read**: :func:`coaching.domain.exchange.read_history` alone, the CPU part;
2. **review**: ``ImportService.plan`` (read again, match every name, count duplicates);
3. **store**: ``ImportService.commit`` with the reviewed mapping (every standard name
   exact, the rest created as the lifter's own), written in transactions of ``CHUNK_SETS``
   sets with the pause between them that lets live logging in on SQLite.

It checks that every set of the file was stored once, then prints the times and appends them,
with the date and the machine, to ``bench/RESULTS.md`` (``--no-record`` skips that). The
target (issue 15): a 20,000-set file finishes in seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench.generate import migrated_database, sqlite_url
from bench.run import RESULTS, load_average, machine
from coaching.domain.app_names import APP_NAMES
from coaching.domain.enums import Units
from coaching.domain.exchange import STRONG_COLUMNS, read_history
from coaching.services.base import ServiceContext
from coaching.services.imports import CHUNK_SETS, OWN, Decision, ImportService, NameKind
from storage.db import create_engine, create_session_factory
from storage.models import SessionRecord, SetRecord, User
from storage.uow import UnitOfWorkFactory

TELEGRAM_ID = 4242
SETS_PER_EXERCISE = 5
EXERCISES_PER_WORKOUT = 8
STANDARD_NAMES = 60
OWN_NAMES = 20


class BenchError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class ImportReport:
    sets: int
    workouts: int
    names: int
    file_bytes: int
    read_s: float
    review_s: float
    store_s: float
    stored_sets: int
    stored_workouts: int

    @property
    def total_s(self) -> float:
        return self.review_s + self.store_s

    def lines(self) -> list[str]:
        return [
            f"- file: {self.sets:,} sets in {self.workouts:,} workouts, {self.names} exercise "
            f"names, {self.file_bytes / 1024 / 1024:.1f} MB (Strong's current layout, a "
            "rest-timer row after every set)",
            f"- read (parse only): {self.read_s:.2f} s",
            f"- review (`ImportService.plan`: read, match names, find duplicates): "
            f"{self.review_s:.2f} s",
            f"- store (`ImportService.commit`, {CHUNK_SETS}-set transactions with the pause "
            f"for live logging): {self.store_s:.2f} s",
            f"- from the file to the last set stored (review + store): {self.total_s:.2f} s",
            f"- stored: {self.stored_sets:,} sets in {self.stored_workouts:,} workouts",
        ]

    def markdown(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        head = [
            f"## Imports {stamp}",
            "",
            f"`python -m bench.imports --sets {self.sets}` on SQLite. Machine: {machine()}; "
            f"load average {load_average()}.",
            "",
        ]
        return "\n".join([*head, *self.lines(), ""])


def exercise_names() -> list[str]:
    """The apps' standard names (matched exactly) and names of the lifter's own (new)."""
    standard = [names[0] for names in list(APP_NAMES.values())[:STANDARD_NAMES]]
    own = [f"Gym Special {n}" for n in range(1, OWN_NAMES + 1)]
    return standard + own


def strong_file(sets: int) -> bytes:
    """A Strong export (current layout) of ``sets`` sets, one workout a day."""
    names = exercise_names()
    first = datetime(2019, 1, 1, 7, 0)
    lines = [",".join(STRONG_COLUMNS)]
    written = 0
    workout = 0
    while written < sets:
        day = (first + timedelta(days=workout)).strftime("%Y-%m-%d %H:%M:%S")
        for slot in range(EXERCISES_PER_WORKOUT):
            name = names[(workout * EXERCISES_PER_WORKOUT + slot) % len(names)]
            quoted = f'"{name}"' if "," in name else name
            for number in range(1, SETS_PER_EXERCISE + 1):
                if written == sets:
                    break
                weight = 40 + (workout + number) % 60 + 2.5 * (slot % 2)
                lines.append(
                    f"{day},Day {workout + 1},1h 5m,{quoted},{number},{weight},{8 + number % 3},"
                    "0,0,,,"
                )
                lines.append(f"{day},Day {workout + 1},1h 5m,{quoted},Rest Timer,0,0,0,90,,,")
                written += 1
        workout += 1
    return ("\n".join(lines) + "\n").encode()


async def run(sets: int, *, out_dir: Path, record: Path | None) -> ImportReport:
    data = strong_file(sets)
    started = time.perf_counter()
    history = read_history(data, ZoneInfo("UTC"), Units.KG)
    read_s = time.perf_counter() - started
    if history.set_count != sets:
        raise BenchError(f"read {history.set_count} sets, expected {sets}")

    path = out_dir / "imports.db"
    await migrated_database(path)
    engine = create_engine(sqlite_url(path))
    factory = create_session_factory(engine)
    try:
        async with factory() as session:
            session.add(
                User(
                    telegram_id=TELEGRAM_ID,
                    first_name="Lifter",
                    is_client=True,
                    onboarded=True,
                    timezone="UTC",
                    units=Units.KG,
                )
            )
            await session.commit()
        service = ImportService(ServiceContext(uow=UnitOfWorkFactory(factory)))

        started = time.perf_counter()
        plan = await service.plan(TELEGRAM_ID, data, None, Units.KG)
        review_s = time.perf_counter() - started
        decisions: dict[str, Decision] = {
            n.name: OWN for n in plan.names if n.kind is not NameKind.EXACT
        }

        started = time.perf_counter()
        done = await service.commit(TELEGRAM_ID, data, None, decisions, unit=Units.KG)
        store_s = time.perf_counter() - started

        async with factory() as session:
            stored_sets = (await session.execute(select(func.count(SetRecord.id)))).scalar_one()
            stored_workouts = (
                await session.execute(select(func.count(SessionRecord.id)))
            ).scalar_one()
    finally:
        await engine.dispose()
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            file.unlink(missing_ok=True)
    if done.sets != sets or stored_sets != sets or stored_workouts != done.workouts:
        raise BenchError(f"stored {stored_sets} sets in {stored_workouts} workouts, not {sets}")

    report = ImportReport(
        sets=sets,
        workouts=len(history.workouts),
        names=len(plan.names),
        file_bytes=len(data),
        read_s=read_s,
        review_s=review_s,
        store_s=store_s,
        stored_sets=int(stored_sets),
        stored_workouts=int(stored_workouts),
    )
    print("\n".join(report.lines()))
    if record is not None:
        with record.open("a", encoding="utf-8") as handle:
            handle.write("\n" + report.markdown())
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports", description="Spotter's import benchmark."
    )
    parser.add_argument("--sets", type=int, default=20_000, help="sets in the file")
    parser.add_argument(
        "--no-record", action="store_true", help="print only; do not append to RESULTS.md"
    )
    args = parser.parse_args(argv)
    if args.sets < 1:
        parser.error("--sets must be at least 1")
    with tempfile.TemporaryDirectory(prefix="spotter-imports-") as out:
        try:
            asyncio.run(
                run(args.sets, out_dir=Path(out), record=None if args.no_record else RESULTS)
            )
        except BenchError as error:
            print(f"benchmark failed: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
