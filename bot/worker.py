"""Who this process is, and whether it may run at all on the database it was given.

Every worker names itself from its host and process id (:func:`worker_name`), for logs and for
the leases of jobs that must run once across workers. Nothing about it is configured: starting
the same command several times gives each process its own name.

SQLite is the one-process embedded database. A second process on the same file would handle
updates with the first one's conversation states out of date, so it is refused at start-up
(:func:`claim_sqlite`): the first process holds an exclusive lock on a file beside the database
for as long as it lives, and the operating system lets go of it however the process ends
(even by SIGKILL), so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import socket
from functools import cache
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from storage.db import ensure_sqlite_directory

LOCK_SUFFIX = ".lock"

# The lock files this process holds; kept open (and so locked) until the process ends.
_held: list[IO[str]] = []


@cache
def worker_name() -> str:
    """``host:pid``, e.g. ``web-2:4711``: unique among the workers running at one time."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}"  # fits job_leases.holder


class DatabaseInUse(Exception):
    """Another process is running on this SQLite database file."""

    def __init__(self, database: Path, holder: str) -> None:
        super().__init__(f"{database} is in use by {holder or 'another process'}")
        self.database = database
        self.holder = holder


def is_multi_process(database_url: str) -> bool:
    """Whether workers share this database (PostgreSQL) rather than own it (SQLite)."""
    return make_url(database_url).get_backend_name() == "postgresql"


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def claim_sqlite(database_url: str) -> None:
    """Take the SQLite database for this process, for the rest of its life.

    Raises :class:`DatabaseInUse` when another live process holds it. Does nothing for
    PostgreSQL, where any number of workers share the database.
    """
    database = sqlite_file(database_url)
    if database is None:
        return
    ensure_sqlite_directory(database_url)
    lock_path = database.with_name(database.name + LOCK_SUFFIX)
    handle = lock_path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise DatabaseInUse(database, holder) from None
    handle.seek(0)
    handle.truncate()
    handle.write(worker_name() + "\n")
    handle.flush()
    _held.append(handle)


def release_sqlite_claims() -> None:
    """Let go of every SQLite database this process claimed (its end does the same)."""
    while _held:
        _held.pop().close()
