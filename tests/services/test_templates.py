"""Session templates: create, enter exercises two ways, reorder/replace/remove, copy, archive."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Difficulty, Units
from coaching.domain.progression import (
    build_prescription,
    check_intensity,
    check_load,
    check_rest,
    check_sets,
    check_target,
)
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exercises import ExerciseService
from coaching.services.templates import (
    NewPrescribed,
    Parent,
    ParentKind,
    TemplateField,
    TemplateService,
)
from storage.models import SessionTemplate
from tests.factories import make_user
from tests.factories import template_rows as _rows


@pytest.fixture
async def tara(session_factory: async_sessionmaker[AsyncSession]) -> int:
    await make_user(session_factory, 10, "Tara", trainer=True)
    await make_user(session_factory, 11, "Otto", trainer=True)
    return 10


async def test_one_message_entry_stores_ordered_rows(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "  Lower   A ")
    assert template.name == "Lower A"
    parent = Parent(ParentKind.TEMPLATE, template.id)
    text = "Back squat 3x5 @100kg rest 180\nRDL 3x8-12 @rpe8 rest 2m - hinge\n\nPlank 3x60s"
    matches = await svc.match_lines(tara, text)
    assert [m.match.exercise.name if m.match.exercise else None for m in matches] == [
        "Barbell Back Squat",
        "Romanian Deadlift",
        "Plank",
    ]
    view = await svc.add_lines(tara, parent, text, {})
    assert [e.exercise_name for e in view.exercises] == [
        "Barbell Back Squat",
        "Romanian Deadlift",
        "Plank",
    ]
    rows = await _rows(session_factory, template.id)
    assert rows[0]["target_weight_kg"] == Decimal("100.000")
    assert (rows[1]["reps_min"], rows[1]["reps_max"], rows[1]["target_rpe"]) == (
        8,
        12,
        Decimal("8.0"),
    )
    assert rows[1]["instructions"] == "hinge"
    assert rows[2]["duration_s"] == 60
    assert [r["order_index"] for r in rows] == [0, 1, 2]


async def test_a_bad_line_is_named_and_nothing_is_stored(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "Upper")
    parent = Parent(ParentKind.TEMPLATE, template.id)
    with pytest.raises(InvalidInput) as info:
        await svc.add_lines(tara, parent, "Bench 3x5 @80kg\nRow lots of times", {})
    assert "Line 2" in str(info.value)
    assert "Back squat 3x5 @100kg rest 180" in str(info.value)
    assert await _rows(session_factory, template.id) == []


async def test_an_ambiguous_name_needs_a_choice(ctx: ServiceContext, tara: int) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "Pull")
    parent = Parent(ParentKind.TEMPLATE, template.id)
    text = "Deadlfit 3x5 @140"
    (line,) = await svc.match_lines(tara, text)
    assert line.match.exercise is None
    with pytest.raises(Conflict, match="Deadlfit"):
        await svc.add_lines(tara, parent, text, {})
    chosen = line.match.candidates[0]
    view = await svc.add_lines(tara, parent, text, {0: chosen.id})
    assert view.exercises[0].exercise_name == "Barbell Deadlift"


async def test_both_entry_paths_store_identical_rows(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = TemplateService(ctx)
    one = await svc.create(tara, "By message")
    two = await svc.create(tara, "By buttons")
    await svc.add_lines(
        tara,
        Parent(ParentKind.TEMPLATE, one.id),
        "Back squat 4x8-12 @100kg rpe 8 rest 180 - brace hard",
        {},
    )
    squat = (await ExerciseService(ctx).search(tara, "back squat")).exercise
    assert squat is not None
    prescription = build_prescription(
        exercise_text=squat.name,
        sets=check_sets("4"),
        target=check_target("8-12"),
        load=check_load("100kg", Units.KG),
        intensity=check_intensity("rpe 8"),
        rest_s=check_rest("180"),
        unit=Units.KG,
    )
    await svc.add_one(
        tara,
        Parent(ParentKind.TEMPLATE, two.id),
        NewPrescribed(squat.id, prescription, instructions="brace hard"),
    )
    assert await _rows(session_factory, one.id) == await _rows(session_factory, two.id)


async def test_reorder_replace_retarget_and_remove(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "Full body")
    parent = Parent(ParentKind.TEMPLATE, template.id)
    view = await svc.add_lines(tara, parent, "Squat 3x5\nBench 3x5\nPull-up 3x8", {})
    squat, bench, pull = (e.row_id for e in view.exercises)
    view = await svc.move(tara, parent, pull, -1)
    assert [e.exercise_name for e in view.exercises] == [
        "Barbell Back Squat",
        "Pull-Up",
        "Barbell Bench Press",
    ]
    view = await svc.move(tara, parent, squat, -1)
    assert view.exercises[0].row_id == squat, "the first stays first"
    dips = (await ExerciseService(ctx).search(tara, "dips")).candidates[0]
    view = await svc.replace(tara, parent, bench, dips.id)
    assert view.exercises[2].exercise_name == dips.name
    assert view.exercises[2].prescription.sets == 3, "targets are kept"
    view = await svc.set_targets(tara, parent, squat, "5x5 @120kg rest 3m")
    assert view.exercises[0].prescription.weight_kg == Decimal("120.000")
    with pytest.raises(InvalidInput, match="couldn't read"):
        await svc.set_targets(tara, parent, squat, "heavy")
    view = await svc.remove(tara, parent, pull)
    assert [e.position for e in view.exercises] == [1, 2]
    rows = await _rows(session_factory, template.id)
    assert [r["order_index"] for r in rows] == [0, 1]
    with pytest.raises(NotFound):
        await svc.remove(tara, parent, pull)


async def test_details_copy_and_archive(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "Legs")
    parent = Parent(ParentKind.TEMPLATE, template.id)
    await svc.add_lines(tara, parent, "Squat 3x5 @100", {})
    view = await svc.set_detail(tara, template.id, TemplateField.DURATION, "1h15")
    assert view.duration_minutes == 75
    view = await svc.set_detail(tara, template.id, TemplateField.DIFFICULTY, "inter")
    assert view.difficulty is Difficulty.INTERMEDIATE
    view = await svc.set_detail(tara, template.id, TemplateField.EQUIPMENT, "barbell, rack")
    assert view.equipment == ("barbell", "rack")
    view = await svc.set_detail(tara, template.id, TemplateField.EQUIPMENT, None)
    assert view.equipment == ()
    with pytest.raises(InvalidInput, match="minutes"):
        await svc.set_detail(tara, template.id, TemplateField.DURATION, "forever")
    with pytest.raises(InvalidInput):
        await svc.set_detail(tara, template.id, TemplateField.NAME, "")

    twin = await svc.copy(tara, template.id)
    assert twin.name == "Legs (copy)"
    assert twin.duration_minutes == 75
    assert [e.exercise_name for e in twin.exercises] == ["Barbell Back Squat"]
    assert twin.exercises[0].row_id != (await svc.get(tara, template.id)).exercises[0].row_id

    await svc.archive(tara, template.id)
    listing = await svc.page(tara)
    assert [t.name for t in listing.items] == ["Legs (copy)"]
    with pytest.raises(NotFound):
        await svc.get(tara, template.id)
    async with session_factory() as session:
        kept = await session.get(SessionTemplate, template.id)
        assert kept is not None
        assert not kept.is_active
    assert len(await _rows(session_factory, template.id)) == 1, "history keeps its rows"


async def test_another_trainer_cannot_touch_a_template(ctx: ServiceContext, tara: int) -> None:
    svc = TemplateService(ctx)
    template = await svc.create(tara, "Secret")
    parent = Parent(ParentKind.TEMPLATE, template.id)
    view = await svc.add_lines(tara, parent, "Squat 3x5", {})
    row = view.exercises[0].row_id
    otto = 11
    for attempt in (
        svc.get(otto, template.id),
        svc.copy(otto, template.id),
        svc.archive(otto, template.id),
        svc.set_detail(otto, template.id, TemplateField.NAME, "Mine"),
        svc.add_lines(otto, parent, "Squat 3x5", {}),
        svc.remove(otto, parent, row),
        svc.move(otto, parent, row, 1),
        svc.exercises(otto, parent),
    ):
        with pytest.raises(NotFound, match="template among yours"):
            await attempt
    assert (await svc.page(otto)).total == 0


async def test_pages_hold_eight(ctx: ServiceContext, tara: int) -> None:
    svc = TemplateService(ctx)
    for n in range(10):
        await svc.create(tara, f"Template {n:02d}")
    first = await svc.page(tara, 0)
    assert (len(first.items), first.pages, first.total) == (8, 2, 10)
    last = await svc.page(tara, 5)
    assert last.page == 1
    assert [t.name for t in last.items] == ["Template 08", "Template 09"]
