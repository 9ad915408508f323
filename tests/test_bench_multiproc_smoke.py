"""The multi-process benchmark runs every setup (at a tiny size) and checks that every
acknowledged set is stored once. Speed is never asserted here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bench.multiproc import parse_args, run
from tests.conftest import POSTGRES_URL


def test_a_bad_worker_count_is_refused_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--workers", "1,0"])
    assert exited.value.code == 2
    assert "e.g. 1,2,3" in capsys.readouterr().err


@pytest.mark.skipif(POSTGRES_URL is None, reason="the workers share a PostgreSQL database")
@pytest.mark.workers
def test_the_benchmark_runs_sqlite_and_each_worker_count_and_stores_every_set_once(
    tmp_path: Path,
) -> None:
    assert POSTGRES_URL is not None
    test_database = make_url(POSTGRES_URL)
    own = test_database.set(database=f"{test_database.database}_multiproc")
    args = parse_args(
        [
            "--database",
            own.render_as_string(hide_password=False),
            "--trainers",
            "2",
            "--sets",
            "3",
            "--warmup",
            "1",
            "--workers",
            "1,2",
            "--no-record",
        ]
    )

    results, table = asyncio.run(run(args, tmp_path))

    assert [r.setup.name for r in results] == [
        "SQLite, 1 process",
        "PostgreSQL, 1 worker",
        "PostgreSQL, 2 workers",
    ]
    assert [r.sets for r in results] == [6, 6, 6]
    assert "| PostgreSQL, 2 workers | 6 |" in table
    assert "sets/s vs 1 PG worker" in table
