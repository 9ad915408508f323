"""Programs: create, sessions from templates or ad hoc, repeat a week with progression, copy."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Difficulty, Units
from coaching.domain.progression import Increment, IncrementKind
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.base import ServiceContext
from coaching.services.programs import NewProgram, ProgramField, ProgramService, SessionField
from coaching.services.templates import Parent, ParentKind, TemplateService
from storage.models import ExerciseTemplate, Program, ProgramSession
from tests.factories import make_user

KG = IncrementKind.KG


@pytest.fixture
async def tara(session_factory: async_sessionmaker[AsyncSession]) -> int:
    await make_user(session_factory, 10, "Tara", trainer=True)
    await make_user(session_factory, 11, "Otto", trainer=True)
    await make_user(session_factory, 12, "Pam", trainer=True, units=Units.LB)
    return 10


async def _template(ctx: ServiceContext, telegram_id: int, text: str) -> int:
    svc = TemplateService(ctx)
    template = await svc.create(telegram_id, "Lower A")
    await svc.add_lines(telegram_id, Parent(ParentKind.TEMPLATE, template.id), text, {})
    return template.id


async def test_create_and_add_sessions_from_a_template_and_ad_hoc(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(
        tara,
        NewProgram(
            "Strength block",
            description="Build the base",
            difficulty=Difficulty.BEGINNER,
            duration_weeks=4,
            goals=("squat 140",),
        ),
    )
    template_id = await _template(ctx, tara, "Squat 3x5 @100kg rest 180\nRDL 3x8 @80")
    first = await svc.add_session(tara, program.id, 1, template_id=template_id)
    assert (first.week, first.number, first.name) == (1, 1, "Lower A")
    assert [e.exercise_name for e in first.exercises] == [
        "Barbell Back Squat",
        "Romanian Deadlift",
    ]
    second = await svc.add_session(tara, program.id, 1, name="Upper A")
    assert (second.number, second.exercises) == (2, ())
    await TemplateService(ctx).add_lines(tara, second.parent, "Bench 3x5 @80", {})

    # The session's rows are its own: changing the template later changes nothing here.
    await TemplateService(ctx).remove(
        tara,
        Parent(ParentKind.TEMPLATE, template_id),
        (await TemplateService(ctx).get(tara, template_id)).exercises[0].row_id,
    )
    assert len((await svc.session(tara, first.id)).exercises) == 2

    view = await svc.set_session_detail(tara, first.id, SessionField.WARMUP, "5 min bike\n- hips")
    assert view.warmup == ("5 min bike", "hips")
    view = await svc.set_session_detail(tara, first.id, SessionField.DURATION, "50")
    assert view.estimated_duration == 50
    view = await svc.set_session_detail(tara, first.id, SessionField.FOCUS, "Squat pattern")
    assert view.focus_area == "Squat pattern"

    full = await svc.get(tara, program.id)
    assert [(s.week, s.number, s.name) for s in full.week(1)] == [
        (1, 1, "Lower A"),
        (1, 2, "Upper A"),
    ]
    with pytest.raises(InvalidInput, match="4 weeks"):
        await svc.add_session(tara, program.id, 5, name="Late")
    with pytest.raises(InvalidInput):
        await svc.add_session(tara, program.id, 1, name="")
    with pytest.raises(NotFound):
        await svc.add_session(tara, program.id, 1, template_id=999)


async def test_repeat_week_one_for_weeks_two_to_four_adding_2_5_kg(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Block", duration_weeks=4))
    template_id = await _template(ctx, tara, "Squat 3x5 @100kg\nPull-up 3x8 @bw\nRDL 3x8 @70%")
    await svc.add_session(tara, program.id, 1, template_id=template_id)
    await svc.add_session(tara, program.id, 1, name="Upper")
    preview = await svc.repeat_preview(tara, program.id, 1, 2, 4)
    assert (preview.source_sessions, preview.occupied_weeks) == (2, ())

    result = await svc.repeat_week(
        tara, program.id, 1, 2, 4, Increment(KG, Decimal("2.5")), replace_existing=False
    )
    assert result.filled_weeks == (2, 3, 4)
    assert result.sessions_copied == 6
    assert [(s.week, s.number) for s in result.program.sessions] == [
        (w, n) for w in (1, 2, 3, 4) for n in (1, 2)
    ]
    loads = []
    for week in (1, 2, 3, 4):
        session = await svc.session(tara, result.program.week(week)[0].id)
        p = [e.prescription for e in session.exercises]
        loads.append((p[0].weight_kg, p[1].bodyweight, p[1].weight_kg, p[2].percent_e1rm))
    assert loads == [
        (Decimal("100.000"), True, None, Decimal("70.00")),
        (Decimal("102.500"), True, None, Decimal("70.00")),
        (Decimal("105.000"), True, None, Decimal("70.00")),
        (Decimal("107.500"), True, None, Decimal("70.00")),
    ]


async def test_repeat_asks_about_occupied_weeks_and_replaces_or_keeps(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Block", duration_weeks=3))
    template_id = await _template(ctx, tara, "Squat 3x5 @100kg")
    await svc.add_session(tara, program.id, 1, template_id=template_id)
    await svc.add_session(tara, program.id, 3, name="Deload")
    preview = await svc.repeat_preview(tara, program.id, 1, 2, 3)
    assert preview.occupied_weeks == (3,)

    kept = await svc.repeat_week(
        tara, program.id, 1, 2, 3, Increment(KG, Decimal(5)), replace_existing=False
    )
    assert (kept.filled_weeks, kept.kept_weeks) == ((2,), (3,))
    assert [s.name for s in kept.program.week(3)] == ["Deload"]

    replaced = await svc.repeat_week(
        tara, program.id, 1, 2, 3, Increment(KG, Decimal(5)), replace_existing=True
    )
    assert replaced.filled_weeks == (2, 3)
    week3 = replaced.program.week(3)
    assert [s.name for s in week3] == ["Lower A"]
    session = await svc.session(tara, week3[0].id)
    assert session.exercises[0].prescription.weight_kg == Decimal("110.000")
    assert "Deload" not in [s.name for s in replaced.program.sessions]
    async with session_factory() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(ProgramSession)
            .where(ProgramSession.program_id == program.id)
        )
        assert count == 3


async def test_repeat_refuses_weeks_beyond_the_program_and_empty_sources(
    ctx: ServiceContext, tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Block", duration_weeks=4))
    with pytest.raises(Conflict, match="no sessions"):
        await svc.repeat_preview(tara, program.id, 1, 2, 4)
    await svc.add_session(tara, program.id, 1, name="Day 1")
    with pytest.raises(InvalidInput, match="don't all fit"):
        await svc.repeat_preview(tara, program.id, 1, 2, 6)
    with pytest.raises(InvalidInput, match="being repeated"):
        await svc.repeat_week(
            tara, program.id, 1, 1, 3, Increment(KG, Decimal(0)), replace_existing=True
        )


async def test_copy_is_deep_and_archive_hides(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Block", duration_weeks=2, goals=("pr",)))
    template_id = await _template(ctx, tara, "Squat 3x5 @100kg\nBench 3x5 @80")
    await svc.add_session(tara, program.id, 1, template_id=template_id)
    await svc.repeat_week(
        tara, program.id, 1, 2, 2, Increment(KG, Decimal("2.5")), replace_existing=True
    )
    twin = await svc.copy(tara, program.id)
    assert twin.name == "Block (copy)"
    assert twin.goals == ("pr",)
    assert [(s.week, s.number) for s in twin.sessions] == [(1, 1), (2, 1)]
    week2 = await svc.session(tara, twin.week(2)[0].id)
    assert week2.exercises[0].prescription.weight_kg == Decimal("102.500")
    async with session_factory() as db:
        rows = await db.scalar(
            select(func.count())
            .select_from(ExerciseTemplate)
            .join(ProgramSession, ProgramSession.id == ExerciseTemplate.program_session_id)
            .where(ProgramSession.program_id == twin.id)
        )
        assert rows == 4

    await svc.archive(tara, program.id)
    assert [p.name for p in (await svc.page(tara)).items] == ["Block (copy)"]
    with pytest.raises(NotFound):
        await svc.get(tara, program.id)
    async with session_factory() as db:
        kept = await db.get(Program, program.id)
        assert kept is not None
        assert not kept.is_active


async def test_details_and_removing_a_session_renumbers_its_week(
    ctx: ServiceContext, tara: int
) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Block", duration_weeks=4))
    a = await svc.add_session(tara, program.id, 2, name="A")
    await svc.add_session(tara, program.id, 2, name="B")
    await svc.add_session(tara, program.id, 2, name="C")
    view = await svc.remove_session(tara, a.id)
    assert [(s.number, s.name) for s in view.week(2)] == [(1, "B"), (2, "C")]
    with pytest.raises(Conflict, match="Week 2 has sessions"):
        await svc.set_detail(tara, program.id, ProgramField.WEEKS, "1")
    view = await svc.set_detail(tara, program.id, ProgramField.WEEKS, "8 weeks")
    assert view.duration_weeks == 8
    with pytest.raises(InvalidInput, match="1 to 52"):
        await svc.set_detail(tara, program.id, ProgramField.WEEKS, "60")
    view = await svc.set_detail(tara, program.id, ProgramField.GOALS, "squat 140, bench 100")
    assert view.goals == ("squat 140", "bench 100")
    view = await svc.set_detail(tara, program.id, ProgramField.DIFFICULTY, "advanced")
    assert view.difficulty is Difficulty.ADVANCED


async def test_another_trainer_cannot_touch_a_program(ctx: ServiceContext, tara: int) -> None:
    svc = ProgramService(ctx)
    program = await svc.create(tara, NewProgram("Mine", duration_weeks=2))
    session = await svc.add_session(tara, program.id, 1, name="Day")
    otto = 11
    template_id = await _template(ctx, otto, "Squat 3x5")
    for attempt in (
        svc.get(otto, program.id),
        svc.copy(otto, program.id),
        svc.archive(otto, program.id),
        svc.add_session(otto, program.id, 1, name="X"),
        svc.repeat_preview(otto, program.id, 1, 2, 2),
    ):
        with pytest.raises(NotFound, match="program among yours"):
            await attempt
    for attempt_session in (
        svc.session(otto, session.id),
        svc.remove_session(otto, session.id),
        TemplateService(ctx).add_lines(otto, session.parent, "Squat 3x5", {}),
    ):
        with pytest.raises(NotFound, match="program session among yours"):
            await attempt_session
    with pytest.raises(NotFound, match="template among yours"):
        await svc.add_session(tara, program.id, 1, template_id=template_id)


async def test_pounds_users_progress_in_pounds(ctx: ServiceContext, tara: int) -> None:
    svc = ProgramService(ctx)
    pam = 12
    program = await svc.create(pam, NewProgram("Block", duration_weeks=2))
    template_id = await _template(ctx, pam, "Squat 3x5 @225")
    await svc.add_session(pam, program.id, 1, template_id=template_id)
    from coaching.domain.progression import parse_increment

    result = await svc.repeat_week(
        pam, program.id, 1, 2, 2, parse_increment("5", Units.LB), replace_existing=True
    )
    week2 = await svc.session(pam, result.program.week(2)[0].id)
    assert week2.exercises[0].prescription.weight_kg == Decimal("104.326")  # 230 lb
