"""The import review against a real database: exact names, suggestions that never change the
lift, the commit using exactly the reviewed mapping, units, bad rows, progress and round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Units
from coaching.domain.exchange import read_history
from coaching.services.base import ServiceContext
from coaching.services.exports import ExportService
from coaching.services.imports import OWN, ImportService, NameKind, ReviewNeeded
from storage.models import Exercise, SessionRecord, SetRecord
from tests.factories import make_user

Factory = async_sessionmaker[AsyncSession]
ALICE, BEA = 2001, 2002
FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
HEADER = (
    "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,"
    "Workout Notes,RPE\n"
)


def strong(*names: str, day: str = "2025-02-01 18:00:00") -> bytes:
    rows = [f"{day},Session,1h,{name},1,50,10,0,0,,," for name in names]
    return (HEADER + "\n".join(rows) + "\n").encode()


async def stored_sets(factory: Factory) -> list[tuple[str, Decimal | None, int | None, str]]:
    async with factory() as session:
        rows = await session.execute(
            select(Exercise.name, SetRecord.weight_kg, SetRecord.reps, SetRecord.entered_unit)
            .join(Exercise, Exercise.id == SetRecord.exercise_id)
            .order_by(SetRecord.id)
        )
        return [(name, weight, reps, unit.value) for name, weight, reps, unit in rows]


async def test_strong_and_hevy_standard_names_map_exactly(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    names = (
        "Squat (Barbell)",
        "Bench Press (Barbell)",
        "Lat Pulldown (Cable)",
        "Seated Leg Curl (Machine)",
        "Chest Press (Machine)",
        "Bent Over Row (Band)",
        "Flat Barbell Bench Press",
        "Triceps Pushdown (Cable - Straight Bar)",
    )
    plan = await ImportService(ctx).plan(ALICE, strong(*names), None)
    assert [(n.kind, n.match.name if n.match else None) for n in plan.names] == [
        (NameKind.EXACT, "Barbell Back Squat"),
        (NameKind.EXACT, "Barbell Bench Press"),
        (NameKind.EXACT, "Lat Pulldown"),
        (NameKind.EXACT, "Seated Leg Curl"),
        (NameKind.EXACT, "Machine Chest Press"),
        (NameKind.EXACT, "Band Row"),
        (NameKind.EXACT, "Barbell Bench Press"),
        (NameKind.EXACT, "Cable Triceps Pushdown"),
    ]


@pytest.mark.parametrize(
    ("name", "never"),
    [
        ("Incline Bench Press", "Barbell Bench Press"),
        ("Bent Over Row (Resistance Band)", "Barbell Bent-Over Row"),
        ("Hanging Knee Raise", "Hanging Leg Raise"),
        ("Single Leg Standing Calf Raise", "Bodyweight Calf Raise"),
        ("Decline Bench Press (Dumbbell)", "Dumbbell Bench Press"),
        ("Front Squat (Smith Machine)", "Smith Machine Squat"),
        ("Close Grip Lat Pulldown (Machine)", "Close-Grip Lat Pulldown"),
        ("Standing Leg Curl (Machine)", "Seated Leg Curl"),
    ],
)
async def test_suggestions_never_cross_equipment_or_variant(
    ctx: ServiceContext, session_factory: Factory, name: str, never: str
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    plan = await ImportService(ctx).plan(ALICE, strong(name), None)
    (review,) = plan.names
    offered = [review.match.name] if review.match else []
    offered += [c.name for c in review.candidates]
    assert never not in offered


async def test_a_suggestion_keeps_the_variant(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    plan = await ImportService(ctx).plan(ALICE, strong("Incline Barbel Bench Pres"), None)
    (review,) = plan.names
    assert review.kind is NameKind.SUGGESTED
    assert review.match is not None
    assert review.match.name == "Incline Barbell Bench Press"


async def test_the_commit_uses_exactly_the_reviewed_mapping(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    """The names decided as the person's own, and names matching them later in the file, all
    land where the review said; nothing is matched again differently."""
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    data = strong(
        "Chest Press",
        "Chest Press (Machine)",
        "Zottman Wiggle",
        "zottman wiggles",
        "Incline Barbel Bench Pres",
    )
    plan = await svc.plan(ALICE, data, None)
    decisions: dict[str, int | str] = {}
    for review in plan.names:
        if review.match is not None:  # exact, or the suggestion accepted
            decisions[review.name] = review.match.exercise_id
        else:
            decisions[review.name] = OWN
    decisions["Chest Press"] = OWN
    done = await svc.commit(ALICE, data, None, decisions)
    assert done.sets == 5
    assert done.new_exercises == ("Chest Press", "Zottman Wiggle")
    assert [name for name, *_ in await stored_sets(session_factory)] == [
        "Chest Press",
        "Machine Chest Press",
        "Zottman Wiggle",
        "Zottman Wiggle",
        "Incline Barbell Bench Press",
    ]

    # The next file: "Chest Press" is now the person's own and matches exactly.
    later = strong("Chest Press", "Chest Press (Machine)", day="2025-02-08 18:00:00")
    plan = await svc.plan(ALICE, later, None)
    assert [(n.kind, n.match.name if n.match else None) for n in plan.names] == [
        (NameKind.EXACT, "Chest Press"),
        (NameKind.EXACT, "Machine Chest Press"),
    ]
    again = await svc.commit(ALICE, later, None, {})
    assert again.sets == 2


async def test_an_unsettled_name_is_refused_by_class(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    with pytest.raises(ReviewNeeded) as caught:
        await ImportService(ctx).commit(
            ALICE, strong("Squat (Barbell)", "Zottman Wiggle"), None, {}
        )
    assert caught.value.name == "Zottman Wiggle"
    assert await stored_sets(session_factory) == []


async def test_a_file_without_units_is_read_in_the_unit_chosen(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True, units=Units.LB)
    svc = ImportService(ctx)
    data = (FIXTURES / "strong_current.csv").read_bytes()
    plan = await svc.plan(ALICE, data, None)
    assert plan.unit_missing
    assert plan.unit is Units.LB, "the person's unit is preselected"
    assert (plan.bad_row_count, plan.bad_rows[0].line, plan.rest_rows) == (1, 12, 2)
    assert (await svc.plan(ALICE, data, None, Units.KG)).unit is Units.KG
    decisions = {n.name: OWN for n in plan.names if n.kind is not NameKind.EXACT}
    done = await svc.commit(ALICE, data, None, decisions, unit=Units.KG)
    assert done.sets == 8, "every readable set; the bad row and rest timers are left out"
    bench = [s for s in await stored_sets(session_factory) if s[0] == "Barbell Bench Press"]
    assert [(weight, unit) for _, weight, _, unit in bench] == [
        (Decimal("40.000"), "kg"),
        (Decimal("80.000"), "kg"),
        (Decimal("82.500"), "kg"),
    ]


async def test_every_fixture_imports_completely(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    svc = ImportService(ctx)
    for path in sorted(FIXTURES.glob("*.csv")):
        data = path.read_bytes()
        plan = await svc.plan(ALICE, data, None)
        decisions = {
            n.name: (n.match.exercise_id if n.match and n.kind is NameKind.EXACT else OWN)
            for n in plan.names
        }
        done = await svc.commit(ALICE, data, None, decisions)
        history = read_history(data, ZoneInfo("UTC"))
        assert done.sets == history.set_count, path.name
        assert done.workouts == len(history.workouts), path.name


async def test_progress_is_reported_between_transactions(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True)
    rows = [
        f"2025-01-{day:02d} 18:00:00,Day {day},1h,Squat (Barbell),{n},100,5,0,0,,,"
        for day in range(1, 29)
        for n in range(1, 31)
    ]
    data = (HEADER + "\n".join(rows)).encode()
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    done = await ImportService(ctx).commit(ALICE, data, None, {}, progress=progress)
    assert done.sets == 840
    assert seen == [(180, 840), (360, 840), (540, 840), (720, 840)]


async def test_spotters_own_strong_export_reads_back_identically_and_twice_adds_nothing(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    await make_user(session_factory, ALICE, "Alice", client=True, units=Units.LB)
    await make_user(session_factory, BEA, "Bea", client=True, units=Units.LB)
    svc = ImportService(ctx)
    data = (FIXTURES / "hevy_lbs.csv").read_bytes()
    await svc.commit(ALICE, data, None, {})
    first = next(
        f for f in (await ExportService(ctx).my_data(ALICE)).files if "strong" in f.filename
    )
    assert first.data.startswith(b"Date,Workout Name,Duration,Exercise Name,Set Order,")
    assert b",225,5," in first.data, "weights in the person's unit"

    await svc.commit(BEA, first.data, None, {})
    second = next(
        f for f in (await ExportService(ctx).my_data(BEA)).files if "strong" in f.filename
    )
    assert second.data == first.data
    with pytest.raises(Exception, match="already in Spotter"):
        await svc.commit(BEA, first.data, None, {})
    async with session_factory() as session:
        total = await session.execute(select(func.count(SessionRecord.id)))
        assert total.scalar_one() == 2
