"""SQLite's writers take turns in the bot, first come first served (storage/sqlite_driver.py).

SQLite's own busy handler wakes waiting writers on a sleep schedule, so the writer lock goes to
whichever wakes first. Here writers that queue up behind a held write get it in the order they
asked, readers never queue, and a writer that waits past the busy timeout meets SQLite's own
"database is locked" as before instead of waiting for ever.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

WRITERS = 8


async def _engine(path: Path, busy_timeout_ms: int) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{path}", busy_timeout_ms=busy_timeout_ms)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE turns (n INTEGER NOT NULL)"))
    return engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = await _engine(tmp_path / "gate.db", 10_000)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _write(engine: AsyncEngine, n: int) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO turns (n) VALUES (:n)"), {"n": n})
        await conn.commit()


async def _held_write(engine: AsyncEngine, n: int, release: asyncio.Event) -> None:
    """A write that keeps its transaction open until ``release``."""
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO turns (n) VALUES (:n)"), {"n": n})
        await release.wait()
        await conn.commit()


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.005)


async def test_writers_queued_behind_a_write_get_their_turn_in_the_order_they_asked(
    engine: AsyncEngine,
) -> None:
    release = asyncio.Event()
    held = asyncio.create_task(_held_write(engine, 0, release))
    await _settle()
    queued = []
    for n in range(1, WRITERS + 1):
        queued.append(asyncio.create_task(_write(engine, n)))
        await _settle()  # each asks after the one before it
    release.set()
    await asyncio.gather(held, *queued)

    async with engine.connect() as conn:
        order = (await conn.execute(text("SELECT n FROM turns ORDER BY rowid"))).scalars().all()
    assert order == list(range(WRITERS + 1))


async def test_a_reader_never_waits_for_the_writers_queue(engine: AsyncEngine) -> None:
    release = asyncio.Event()
    held = asyncio.create_task(_held_write(engine, 1, release))
    await _settle()
    waiting = asyncio.create_task(_write(engine, 2))
    await _settle()
    async with engine.connect() as conn:
        read = conn.execute(text("SELECT count(*) FROM turns"))
        seen = (await asyncio.wait_for(read, 2)).scalar_one()
    assert seen == 0, "the reader saw the last committed state at once"
    assert not waiting.done(), "the writer still waits its turn"
    release.set()
    await asyncio.gather(held, waiting)


async def test_a_writer_waiting_past_the_busy_timeout_meets_sqlites_own_lock(
    tmp_path: Path,
) -> None:
    engine = await _engine(tmp_path / "stuck.db", 200)
    try:
        async with engine.connect() as first:
            await first.execute(text("INSERT INTO turns (n) VALUES (1)"))
            # The same task writes on a second connection while the first still holds the
            # write: no turn will come, so after the timeout SQLite says it is locked.
            with pytest.raises(OperationalError, match="database is locked"):
                await asyncio.wait_for(_write(engine, 2), 5)
            await first.commit()
        await _write(engine, 3)  # the gate was handed on: the next writer goes at once
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT n FROM turns ORDER BY n"))).scalars()
            assert stored.all() == [1, 3]
    finally:
        await engine.dispose()
