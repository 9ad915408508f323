"""Big imports: written in bounded transactions, once, while other trainers keep logging.

A 20,000-set file is stored completely and once, in several transactions of a bounded number
of sets; sets another trainer logs while it is written are all stored and answered; an import
killed partway finishes on a re-run without duplicates and is undone as one batch; a failure
partway removes what was written and says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coaching.services.base import ServiceContext
from coaching.services.imports import CHUNK_SETS, ImportFailed, ImportService, NameKind
from coaching.services.live import Live
from conversations.log import set_texts
from storage.models import ExerciseRecord, SessionRecord, SetRecord
from storage.repositories.exchange import ExchangeRepository
from tests.factories import (
    TOM,
    ZOE,
    exercise_id,
    make_user,
    strong_file,
    trainer_and_client,
)

Factory = async_sessionmaker[AsyncSession]


async def counts(factory: Factory) -> tuple[int, int, int]:
    """Session records, set rows, and distinct (workout start, title) among the records."""
    async with factory() as session:
        records = (await session.execute(select(func.count(SessionRecord.id)))).scalar_one()
        sets = (await session.execute(select(func.count(SetRecord.id)))).scalar_one()
        keys = select(SessionRecord.start_time, SessionRecord.title).distinct().subquery()
        distinct = (await session.execute(select(func.count()).select_from(keys))).scalar_one()
        return int(records), int(sets), int(distinct)


async def sets_in_record_order(factory: Factory) -> list[int]:
    """How many sets each stored workout has."""
    async with factory() as session:
        rows = await session.execute(
            select(func.count(SetRecord.id))
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .group_by(ExerciseRecord.session_record_id)
        )
        return [int(n) for n in rows.scalars()]


class Spy:
    """Records each bulk insert of set rows and each commit, in order."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine) -> None:
        self.events: list[tuple[str, int]] = []
        self.fail_on: int | None = None
        self.failure: BaseException = RuntimeError("disk full")
        original = ExchangeRepository.insert_set_records
        spy = self

        async def insert_set_records(
            repo: ExchangeRepository, rows: Sequence[dict[str, Any]]
        ) -> None:
            inserts = sum(1 for kind, _ in spy.events if kind == "sets")
            if spy.fail_on is not None and inserts + 1 == spy.fail_on:
                raise spy.failure
            await original(repo, rows)
            spy.events.append(("sets", len(rows)))

        monkeypatch.setattr(ExchangeRepository, "insert_set_records", insert_set_records)
        event.listen(engine.sync_engine, "commit", self._commit)
        self._engine = engine

    def _commit(self, _conn: Any) -> None:
        self.events.append(("commit", 0))

    def close(self) -> None:
        event.remove(self._engine.sync_engine, "commit", self._commit)

    def sets_per_transaction(self) -> list[int]:
        """Set rows inserted in each committed transaction that inserted any."""
        found: list[int] = []
        pending = 0
        for kind, n in self.events:
            if kind == "sets":
                pending += n
            elif pending:
                found.append(pending)
                pending = 0
        return found


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine) -> Iterator[Spy]:
    watcher = Spy(monkeypatch, engine)
    yield watcher
    watcher.close()


async def test_a_20000_set_file_is_stored_once_in_bounded_transactions(
    ctx: ServiceContext, session_factory: Factory, spy: Spy
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    big = strong_file(2000)
    svc = ImportService(ctx)
    plan = await svc.plan(ZOE, big, None)
    assert (plan.workouts, plan.sets) == (2000, 20_000)
    assert {n.kind for n in plan.names} == {NameKind.EXACT}

    done = await svc.commit(ZOE, big, None, {})
    assert (done.workouts, done.sets, done.duplicates) == (2000, 20_000, 0)
    assert await counts(session_factory) == (2000, 20_000, 2000)
    assert await sets_in_record_order(session_factory) == [10] * 2000
    per_transaction = spy.sets_per_transaction()
    assert len(per_transaction) > 1, "the import is written in several transactions"
    assert max(per_transaction) <= CHUNK_SETS
    assert sum(per_transaction) == 20_000

    with pytest.raises(Exception, match="already in Spotter"):
        await svc.commit(ZOE, big, None, {})
    assert await counts(session_factory) == (2000, 20_000, 2000), "twice adds nothing"

    undone = await svc.undo(ZOE, done.batch)
    assert (undone.workouts, undone.sets) == (2000, 20_000)
    assert await counts(session_factory) == (0, 0, 0)


async def test_sets_logged_while_a_big_import_is_written_are_all_stored(
    ctx: ServiceContext, session_factory: Factory, spy: Spy
) -> None:
    coaching = await trainer_and_client(session_factory)
    await make_user(session_factory, ZOE, "Zoe", client=True)
    live = Live.of(ctx)
    started = await live.start.start_unplanned(TOM, coaching.profile.id)
    record_id = started.turn.record_id
    squat = await exercise_id(session_factory, "barbell-back-squat")
    await live.search.add_exercise(TOM, record_id, squat, "add")
    big = strong_file(2000)

    task = asyncio.create_task(ImportService(ctx).commit(ZOE, big, None, {}))
    logged = 0
    while not task.done() and logged < 5000:
        result = await live.log.log_text(TOM, record_id, "100x5", f"set-{logged}")
        assert set_texts(result.logged, result.turn.units) == ("100 kg × 5",), (
            "every set is answered as stored"
        )
        spy.events.append(("logged", 0))
        logged += 1
    done = await task

    kinds = [kind for kind, _ in spy.events if kind != "commit"]
    first_chunk, last_chunk = kinds.index("sets"), len(kinds) - 1 - kinds[::-1].index("sets")
    assert "logged" in kinds[first_chunk:last_chunk], "sets were logged between import chunks"
    assert done.sets == 20_000
    async with session_factory() as session:
        tom_sets = await session.execute(
            select(func.count(SetRecord.id))
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id == record_id)
        )
        assert int(tom_sets.scalar_one()) == logged, "no logged set is lost or doubled"
    records, sets, _ = await counts(session_factory)
    assert (records, sets) == (2001, 20_000 + logged)


class Killed(BaseException):
    """The process dying: nothing after it runs, no clean-up."""


async def test_an_interrupted_import_finishes_on_a_rerun_and_undoes_as_one(
    ctx: ServiceContext, session_factory: Factory, spy: Spy
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    data = strong_file(300)
    svc = ImportService(ctx)
    spy.fail_on, spy.failure = 3, Killed()
    with pytest.raises(Killed):
        await svc.commit(ZOE, data, None, {})
    records, sets, _ = await counts(session_factory)
    assert 0 < sets < 3000, "the chunks before the interruption stay stored"
    assert sets == 2 * CHUNK_SETS

    spy.fail_on = None
    done = await svc.commit(ZOE, data, None, {})
    assert (done.workouts, done.duplicates) == (300 - records, records)
    assert await counts(session_factory) == (300, 3000, 300), "complete, nothing twice"
    assert [b.batch for b in await svc.recent(ZOE)] == [done.batch], "one batch"

    undone = await svc.undo(ZOE, done.batch)
    assert (undone.workouts, undone.sets) == (300, 3000)
    assert await counts(session_factory) == (0, 0, 0)


async def test_a_failure_partway_removes_what_was_written(
    ctx: ServiceContext, session_factory: Factory, spy: Spy
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    data = strong_file(300)
    svc = ImportService(ctx)
    spy.fail_on = 4
    with pytest.raises(ImportFailed, match="removed the part already stored") as failed:
        await svc.commit(ZOE, data, None, {})
    assert not failed.value.partly_stored
    assert await counts(session_factory) == (0, 0, 0)
    assert await svc.recent(ZOE) == ()

    spy.fail_on = None
    done = await svc.commit(ZOE, data, None, {})
    assert (done.workouts, done.sets, done.duplicates) == (300, 3000, 0)


async def test_when_removing_fails_too_the_person_is_told_and_a_rerun_finishes(
    ctx: ServiceContext,
    session_factory: Factory,
    spy: Spy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await make_user(session_factory, ZOE, "Zoe", client=True)
    data = strong_file(300)
    svc = ImportService(ctx)

    async def broken(repo: ExchangeRepository, record_ids: Sequence[int]) -> None:
        raise RuntimeError("database gone")

    spy.fail_on = 4
    with monkeypatch.context() as patch:
        patch.setattr(ExchangeRepository, "delete_records", broken)
        with pytest.raises(ImportFailed, match="part of them is stored") as failed:
            await svc.commit(ZOE, data, None, {})
    assert failed.value.partly_stored
    assert (await counts(session_factory))[1] == 3 * CHUNK_SETS

    spy.fail_on = None
    done = await svc.commit(ZOE, data, None, {})
    assert await counts(session_factory) == (300, 3000, 300)
    undone = await svc.undo(ZOE, done.batch)
    assert (undone.workouts, undone.sets) == (300, 3000)
