"""ExportService: the client's full export, the trainer's permitted export, the library."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coaching.domain.enums import Difficulty, SessionType
from coaching.domain.exchange import FileProblem
from coaching.domain.permissions import PermissionFlags
from coaching.errors import NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exports import ExportService
from coaching.services.offload import FILES
from storage.models import Exercise, ExerciseTemplate, Program, ProgramSession, SessionTemplate
from tests.factories import TOM, ZELDA, make_coaching, make_user, rich_client
from tests.helpers import counting

Factory = async_sessionmaker[AsyncSession]


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


async def test_my_data_holds_everything_about_the_client(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    bundle = await ExportService(ctx).my_data(ZELDA)
    names = [f.filename for f in bundle.files]
    assert [n.rsplit(".", 1)[1] for n in names] == ["json", "csv", "csv"]
    document = json.loads(bundle.files[0].data)
    assert document["format"] == "spotter-personal-data"
    assert document["account"]["telegram_id"] == ZELDA
    assert {p["id"] for p in document["profiles"]} == {rich.profile_id, rich.own_profile_id}
    assert any(p["medical_notes"] == "asthma inhaler" for p in document["profiles"])
    assert len(document["measurements"]) == 2
    assert {p["file_id"] for p in document["progress_photos"]} == {
        f"ZELDAPHOTO{rich.profile_id}",
        f"ZELDAPHOTO{rich.own_profile_id}",
    }
    (relationship,) = document["relationships"]
    assert relationship["trainer_name"] == "Tom"
    assert relationship["permissions"]["view_workout_history"] is True
    assert len(document["sessions"]) == 2
    assert document["sessions"][0]["exercises"][0]["sets"][0]["weight_kg"] == "80"
    assert document["feedback"][0]["feedback_text"].startswith("Zelda's form")
    assert document["media"][0]["file_id"] == "ZELDAVIDEO1"
    assert document["alerts"][0]["alert_type"] == "INJURY_REPORTED"
    assert document["appointments"][0]["client_feedback"] == "felt dizzy"
    strong = bundle.files[1].data.decode().splitlines()
    assert strong[0].startswith("Date,Workout Name,Duration,Exercise Name,Set Order")
    assert len(strong) == 3
    hevy = _csv(bundle.files[2].data)
    assert [row["exercise_title"] for row in hevy] == ["Barbell Back Squat"] * 2
    assert (bundle.sessions, bundle.sets) == (2, 2)


async def test_my_data_for_someone_unknown(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound):
        await ExportService(ctx).my_data(5555)


async def test_exports_are_read_and_written_in_a_worker_process_alike(
    ctx: ServiceContext, session_factory: Factory, database_url: str, engine: AsyncEngine
) -> None:
    await rich_client(session_factory)
    here = await ExportService(ctx).my_data(ZELDA)
    for_tom_here = await ExportService(ctx).trainer_export(TOM, None)
    elsewhere = ExportService(dataclasses.replace(ctx, database_url=database_url))
    try:
        with counting(engine) as statements:
            there = await elsewhere.my_data(ZELDA)
            for_tom = await elsewhere.trainer_export(TOM, None)
            with pytest.raises(NotFound):  # a refusal comes back as itself
                await elsewhere.my_data(5555)
    finally:
        FILES.close()
    assert statements == [], "the worker reads on connections of its own"
    # The same files, to the byte: the worker's clock stood at the moment the bot asked.
    assert [(f.filename, f.data) for f in there.files] == [(f.filename, f.data) for f in here.files]
    assert [(f.filename, f.data) for f in for_tom.files] == [
        (f.filename, f.data) for f in for_tom_here.files
    ]
    assert (for_tom.sessions, for_tom.sets) == (for_tom_here.sessions, for_tom_here.sets)
    assert for_tom.sets > 0


async def test_trainer_export_follows_each_clients_permissions(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    bob = await make_user(session_factory, 2002, "Bob", client=True)
    await make_coaching(
        session_factory,
        rich.trainer,
        bob,
        name="Bob Private",
        flags=PermissionFlags(view_workout_history=False, view_activity_status=False),
    )
    svc = ExportService(ctx)
    assert [c.name for c in await svc.clients(TOM)] == ["Bob Private", "Zelda Quixote"]
    bundle = await svc.trainer_export(TOM, None)
    kinds = [f.filename.split("-")[-4] for f in bundle.files]
    assert kinds == ["sessions", "sets", "adherence"]
    sessions = _csv(bundle.files[0].data)
    # Zelda's trainer profile and her self-logged session; nothing of Bob's.
    assert {row["client"] for row in sessions} == {"Zelda Quixote"}
    assert len(sessions) == 2
    sets = _csv(bundle.files[1].data)
    assert sets[0]["weight_kg"] == "80"
    assert sets[0]["reps"] == "5"
    adherence = _csv(bundle.files[2].data)
    assert [row["client"] for row in adherence] == ["Zelda Quixote"]
    assert adherence[0]["workouts_logged"] == "2"
    assert bundle.left_out == (
        "Bob Private: workout history not shared",
        "Bob Private: activity status not shared",
    )

    one = await svc.trainer_export(TOM, rich.profile_id)
    assert one.label == "Zelda Quixote"
    assert "zelda-quixote" in one.files[0].filename


async def test_trainer_export_refuses_other_peoples_clients(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    rich = await rich_client(session_factory)
    await make_user(session_factory, 1002, "Eve", trainer=True)
    with pytest.raises(NotFound):
        await ExportService(ctx).trainer_export(1002, rich.profile_id)
    with pytest.raises(NotAllowed):
        await ExportService(ctx).trainer_export(ZELDA, None)


async def _library(factory: Factory, trainer_id: int) -> None:
    async with factory() as session:
        squat = (
            await session.execute(select(Exercise).where(Exercise.slug == "barbell-back-squat"))
        ).scalar_one()
        own = Exercise(
            owner_user_id=trainer_id, name="Zottman Wiggle", category="other", created_by=trainer_id
        )
        session.add(own)
        await session.flush()
        template = SessionTemplate(
            trainer_user_id=trainer_id,
            name="Lower A",
            description="Squat focus",
            difficulty=Difficulty.INTERMEDIATE,
            duration_minutes=60,
            equipment_needed=["barbell"],
            created_by=trainer_id,
            exercises=[
                ExerciseTemplate(
                    exercise_id=squat.id,
                    order_index=0,
                    target_sets=5,
                    reps_min=5,
                    reps_max=5,
                    target_weight_kg=Decimal("100"),
                    target_rpe=Decimal("8"),
                    rest_seconds=180,
                    tips="Brace",
                ),
                ExerciseTemplate(
                    exercise_id=own.id, order_index=1, target_sets=3, distance_m=Decimal("20")
                ),
            ],
        )
        session.add(template)
        await session.flush()
        session.add(
            Program(
                trainer_user_id=trainer_id,
                name="Strength 4w",
                duration_weeks=4,
                goals=["strength"],
                created_by=trainer_id,
                sessions=[
                    ProgramSession(
                        trainer_user_id=trainer_id,
                        session_template_id=template.id,
                        name="Day 1",
                        session_type=SessionType.TRAINING,
                        warmup=["5 min bike"],
                        week_number=1,
                        session_number=1,
                        created_by=trainer_id,
                        exercises=[
                            ExerciseTemplate(
                                exercise_id=squat.id,
                                order_index=0,
                                target_sets=4,
                                reps_min=6,
                                reps_max=8,
                                target_percent_e1rm=Decimal("75"),
                            )
                        ],
                    )
                ],
            )
        )
        await session.commit()


def _content(data: bytes) -> dict[str, object]:
    document = json.loads(data)
    document.pop("exported_at")
    return dict(document)


async def test_library_export_then_import_gives_the_same(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    await _library(session_factory, tom.id)
    svc = ExportService(ctx)
    file, templates, programs = await svc.library(TOM)
    assert (templates, programs) == (1, 1)

    await make_user(session_factory, 1002, "Eve", trainer=True)
    result = await svc.import_library(1002, file.data)
    assert (result.templates, result.programs, result.new_exercises) == (1, 1, ("Zottman Wiggle",))
    again, _, _ = await svc.library(1002)
    assert _content(again.data) == _content(file.data)
    async with session_factory() as session:
        program = (
            await session.execute(select(Program).where(Program.name == "Strength 4w"))
        ).scalars()
        owners = sorted(p.trainer_user_id for p in program)
        assert owners == [tom.id, tom.id + 1]
        linked = await session.execute(
            select(func.count(ProgramSession.id)).where(
                ProgramSession.session_template_id.is_not(None)
            )
        )
        assert linked.scalar_one() == 2, "the imported program session points at its template"


async def test_bad_library_files_store_nothing(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    await _library(session_factory, tom.id)
    svc = ExportService(ctx)
    file, _, _ = await svc.library(TOM)
    bad = file.data.replace(b'"reps_min": 6', b'"reps_min": 9')
    with pytest.raises(FileProblem, match="reps_min is more than reps_max"):
        await svc.import_library(TOM, bad)
    with pytest.raises(FileProblem, match="target_sets"):
        await svc.import_library(TOM, file.data.replace(b'"target_sets": 5', b'"target_sets": 0'))
    async with session_factory() as session:
        count = await session.execute(select(func.count(SessionTemplate.id)))
        assert count.scalar_one() == 1
