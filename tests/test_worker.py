"""A worker's name (host and process id) and the one-process rule of a SQLite file."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest

from bot.logs import OneLineFormatter
from bot.worker import (
    DatabaseInUse,
    claim_sqlite,
    is_multi_process,
    release_sqlite_claims,
    worker_name,
)


def test_a_worker_is_named_by_its_host_and_process_id() -> None:
    assert worker_name() == f"{socket.gethostname()}:{os.getpid()}"


def test_log_lines_name_the_worker_when_there_are_several() -> None:
    record = logging.LogRecord("spotter", logging.INFO, __file__, 1, "started", None, None)

    shared = OneLineFormatter("web-2:4711").format(record)
    alone = OneLineFormatter().format(record)

    assert "INFO [web-2:4711] spotter: started" in shared
    assert "INFO spotter: started" in alone


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("postgresql+asyncpg://spotter@db:5432/spotter", True),
        ("sqlite+aiosqlite:///data/spotter.db", False),
    ],
)
def test_only_postgresql_is_shared_by_workers(url: str, shared: bool) -> None:
    assert is_multi_process(url) is shared


def test_a_second_claim_on_a_sqlite_file_names_the_holder(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.db'}"
    claim_sqlite(url)  # held by this test process until released below
    try:
        with pytest.raises(DatabaseInUse) as refused:
            claim_sqlite(url)
    finally:
        release_sqlite_claims()
    claim_sqlite(url)  # free again once released
    release_sqlite_claims()

    assert refused.value.holder == worker_name()
    assert refused.value.database == tmp_path / "data" / "bot.db"
    assert (tmp_path / "data" / "bot.db.lock").read_text().strip() == worker_name()


def test_postgresql_is_never_claimed() -> None:
    claim_sqlite("postgresql+asyncpg://spotter@db:5432/spotter")
    claim_sqlite("postgresql+asyncpg://spotter@db:5432/spotter")
