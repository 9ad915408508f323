"""The benchmark's generator and driver work (at a tiny size). Speed is never asserted here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bench.generate import SIZES, Size, ensure_database, parse_size
from bench.run import run


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("large", Size(1_000, 50_000, 5_000_000)),
        ("Small", SIZES["small"]),
        ("3,9,1234", Size(3, 9, 1234)),
        ("1_000, 50_000, 5_000_000", Size(1_000, 50_000, 5_000_000)),
    ],
)
def test_sizes_read_from_the_command_line(text: str, size: Size) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["huge", "1,2", "a,b,c", "5,2,10", "1,1,-1"])
def test_a_bad_size_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="1000,50000,5000000"):
        parse_size(text)


async def test_generator_builds_the_rows_once_and_reuses_the_file(tmp_path: Path) -> None:
    size = Size(2, 5, 437)
    built = await ensure_database(size, out_dir=tmp_path, seed=7)

    assert not built.reused
    assert built.counts["set_records"] == 437
    assert _count(built.path, "set_records") == 437
    assert _count(built.path, "users") == 2 + 5
    assert _count(built.path, "trainer_profiles") == 2
    assert _count(built.path, "client_profiles") == 5
    assert _count(built.path, "permissions") == 5
    with sqlite3.connect(built.path) as conn:
        statuses = {row[0] for row in conn.execute("SELECT status FROM relationships")}
        assert statuses == {"ACTIVE"}
        # every set belongs to its client's own session
        orphans = conn.execute(
            "SELECT COUNT(*) FROM set_records s "
            "JOIN exercise_records e ON e.id = s.exercise_record_id "
            "JOIN session_records r ON r.id = e.session_record_id "
            "WHERE r.client_profile_id <> s.client_profile_id"
        ).fetchone()[0]
        assert orphans == 0
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []

    again = await ensure_database(size, out_dir=tmp_path, seed=7)
    assert again.reused
    assert again.counts == built.counts

    other_seed = await ensure_database(size, out_dir=tmp_path, seed=8)
    assert not other_seed.reused


async def test_driver_logs_every_set_once_and_reports(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"

    report = await run("2,6,600", 12, 3, out_dir=tmp_path, record=results, pace=False)

    names = [samples.name for samples in report.samples]
    assert names[0].startswith("PTB echo")
    assert all(samples.count == 12 for samples in report.samples)
    # warm-up and timed sets: each one stored exactly once, in every database
    # the floors (a bare handler re-sending the live card, then with raw SQL, then the same SQL
    # through SQLAlchemy's session) sent each card, and the last two stored each set
    assert report.stored == [15, 15, 15, 15, 15, 15, 15]
    floors = report.samples[3:6]
    assert [samples.name.split(":")[0] for samples in floors] == ["Floor"] * 3
    spotter = [samples for samples in report.samples if samples.name.startswith("Spotter")]
    assert len(spotter) == 3
    # every set-logging update sent SQL and answered through the fake Bot API
    assert all(min(samples.statements) > 0 for samples in spotter)
    assert all(min(samples.api_calls) >= 1 for samples in spotter)
    assert [v.measure for v in report.verdicts][:3] == [
        "cost per set vs the raw-storage floor, empty database (mean)",
        "cost per set vs the storage-stack floor, empty database (mean; proposed target)",
        "growth, empty → large database (mean)",
    ]
    assert [f.name for f in report.floors] == [
        "a bare PTB handler re-sending the live card",
        "the same plus raw aiosqlite read, insert, mark, commit",
        "the same statements through SQLAlchemy's AsyncSession",
    ]
    assert all(f.vs_echo > 0 and f.spotter_vs_floor > 0 for f in report.floors)
    text = results.read_text()
    assert "| Spotter, empty database |" in text
    assert "| Floor: the same plus raw aiosqlite read, insert, mark, commit |" in text
    assert "| the same plus raw aiosqlite read, insert, mark, commit |" in text
    assert "| the same statements through SQLAlchemy's AsyncSession |" in text
    assert "machine:" in text
    assert not list((tmp_path / "run").glob("*.db"))
