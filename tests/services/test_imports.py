"""ImportService against a real database: plans, round trips, duplicates, undo, permissions."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RecordStatus
from coaching.domain.exchange import FileProblem, read_history
from coaching.domain.permissions import PermissionFlags
from coaching.errors import NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exports import ExportService
from coaching.services.imports import OWN, SKIP, ImportService, NameKind
from storage.models import ClientProfile, Exercise, ExerciseRecord, SessionRecord, SetRecord
from tests.factories import HEVY, STRONG, make_coaching, make_user
from tests.factories import row_count as _count

Factory = async_sessionmaker[AsyncSession]
ALICE, TOM, MALLORY = 2001, 1001, 3001


def _sets(data: bytes) -> list[tuple[object, ...]]:
    history = read_history(data, ZoneInfo("UTC"))
    return [
        (w.start, w.title, s.set_type, s.weight_kg, s.reps, s.rpe, s.distance_m, s.duration_s)
        for w in history.workouts
        for e in w.exercises
        for s in e.sets
    ]


async def _bench_id(factory: Factory) -> int:
    async with factory() as session:
        found = await session.execute(
            select(Exercise.id).where(Exercise.slug == "barbell-bench-press")
        )
        return int(found.scalar_one())


async def test_plan_matches_names_and_stores_nothing(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    plan = await ImportService(ctx).plan(ALICE, STRONG, None)
    assert (plan.workouts, plan.sets, plan.exercises) == (2, 6, 4)
    reviewed = {n.name: (n.kind, n.match.name if n.match else None, n.sets) for n in plan.names}
    assert reviewed == {
        "Deadlift (Barbell)": (NameKind.EXACT, "Barbell Deadlift", 3),
        "Zottman Wiggle": (NameKind.NEW, None, 1),
        "Running": (NameKind.EXACT, "Running", 1),
        "Plank": (NameKind.EXACT, "Plank", 1),
    }
    assert (plan.count(NameKind.EXACT), plan.count(NameKind.NEW)) == (3, 1)
    assert str(plan.first_day) == "2026-11-18"
    assert str(plan.last_day) == "2026-11-20"
    assert await _count(session_factory, SessionRecord) == 0
    assert await _count(session_factory, ClientProfile) == 0


async def test_the_apps_standard_names_match_exactly(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    plan = await ImportService(ctx).plan(ALICE, HEVY, None)
    assert [(n.name, n.kind, n.match.name if n.match else None) for n in plan.names] == [
        ("Deadlift (Barbell)", NameKind.EXACT, "Barbell Deadlift"),
        ("Bench Press (Barbell)", NameKind.EXACT, "Barbell Bench Press"),
    ]


async def test_strong_import_export_reimport_gives_the_same_sets(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    done = await svc.commit(ALICE, STRONG, None, {"Zottman Wiggle": OWN})
    assert (done.workouts, done.sets, done.new_exercises) == (2, 6, ("Zottman Wiggle",))
    async with session_factory() as session:
        records = list((await session.execute(select(SessionRecord))).scalars())
        assert {r.source for r in records} == {"import"}
        assert {r.import_batch for r in records} == {done.batch}
        assert {r.status for r in records} == {RecordStatus.COMPLETED}
        assert records[0].trainer_user_id is None

    exported = await ExportService(ctx).my_data(ALICE)
    strong = next(f for f in exported.files if "strong" in f.filename).data
    expected = _sets(STRONG)
    assert _sets(strong) == expected

    # A second account re-imports the exported file: the same sets again.
    await make_user(session_factory, 2002, "Bea", client=True)
    again = await svc.commit(2002, strong, None, {"Zottman Wiggle": OWN})
    assert again.sets == 6
    bea = await ExportService(ctx).my_data(2002)
    assert _sets(next(f for f in bea.files if "strong" in f.filename).data) == expected


async def test_hevy_import_export_reimport_gives_the_same_sets(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    bench = await _bench_id(session_factory)
    await svc.commit(ALICE, HEVY, None, {"Bench Press (Barbell)": bench})
    exported = await ExportService(ctx).my_data(ALICE)
    hevy = next(f for f in exported.files if "hevy" in f.filename).data
    assert _sets(hevy) == _sets(HEVY)
    assert "Barbell Bench Press" in hevy.decode()

    await make_user(session_factory, 2002, "Bea", client=True)
    await svc.commit(2002, hevy, None, {})
    bea = await ExportService(ctx).my_data(2002)
    assert _sets(next(f for f in bea.files if "hevy" in f.filename).data) == _sets(HEVY)


async def test_weights_in_pounds_keep_their_unit(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    await ImportService(ctx).commit(ALICE, STRONG, None, {"Zottman Wiggle": SKIP})
    async with session_factory() as session:
        weights = sorted(
            (s.weight_kg, s.entered_unit.value)
            for s in (await session.execute(select(SetRecord))).scalars()
            if s.weight_kg is not None
        )
    assert (Decimal("140.001"), "lb") in weights
    assert await _count(session_factory, SetRecord) == 5, "the skipped exercise's set is not stored"


async def test_the_same_file_twice_is_stored_once(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    await svc.commit(ALICE, STRONG, None, {"Zottman Wiggle": SKIP})
    plan = await svc.plan(ALICE, STRONG, None)
    assert plan.duplicates == 2
    with pytest.raises(Exception, match="already in Spotter"):
        await svc.commit(ALICE, STRONG, None, {"Zottman Wiggle": SKIP})
    assert await _count(session_factory, SessionRecord) == 2


async def test_undo_removes_the_whole_batch(ctx: ServiceContext, session_factory: Factory) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    await make_user(session_factory, MALLORY, "Mallory", client=True)
    svc = ImportService(ctx)
    done = await svc.commit(ALICE, STRONG, None, {"Zottman Wiggle": OWN})
    assert [b.batch for b in await svc.recent(ALICE)] == [done.batch]
    with pytest.raises(NotFound):
        await svc.undo(MALLORY, done.batch)
    undone = await svc.undo(ALICE, done.batch)
    assert (undone.workouts, undone.sets) == (2, 6)
    for model in (SessionRecord, ExerciseRecord, SetRecord):
        assert await _count(session_factory, model) == 0
    with pytest.raises(NotFound):
        await svc.undo(ALICE, done.batch)


async def test_a_decision_needed_and_a_foreign_exercise_are_refused(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    with pytest.raises(Exception, match="which exercise “Zottman Wiggle” is"):
        await svc.commit(ALICE, STRONG, None, {})
    with pytest.raises(NotFound):
        await svc.commit(ALICE, STRONG, None, {"Zottman Wiggle": 999_999})
    with pytest.raises(FileProblem):
        await svc.commit(ALICE, b"nonsense", None, {})
    assert await _count(session_factory, SessionRecord) == 0


async def test_trainer_imports_for_a_client_only_with_permission(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    alice = await make_user(session_factory, ALICE, "Alice", client=True)
    coaching = await make_coaching(session_factory, tom, alice)
    svc = ImportService(ctx)
    targets = await svc.targets(TOM)
    assert [t.profile_id for t in targets] == [coaching.profile.id]
    done = await svc.commit(TOM, STRONG, coaching.profile.id, {"Zottman Wiggle": SKIP})
    assert done.client_telegram_id == ALICE
    async with session_factory() as session:
        record = (await session.execute(select(SessionRecord).limit(1))).scalar_one()
        assert (record.client_profile_id, record.trainer_user_id) == (coaching.profile.id, tom.id)

    # Another trainer, or a client who withdrew "change and log", is refused.
    eve = await make_user(session_factory, 1002, "Eve", trainer=True)
    with pytest.raises(NotFound):
        await svc.plan(eve.telegram_id, STRONG, coaching.profile.id)
    bob = await make_user(session_factory, 2003, "Bob", client=True)
    locked = await make_coaching(
        session_factory, tom, bob, flags=PermissionFlags(modify_workouts=False)
    )
    with pytest.raises(NotAllowed):
        await svc.plan(TOM, STRONG, locked.profile.id)
    assert [t.profile_id for t in await svc.targets(TOM)] == [coaching.profile.id]
