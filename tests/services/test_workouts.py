"""WorkoutService against a real database: a single workout is a planned session everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import AlertType, ReminderStatus, SessionStatus
from coaching.domain.howtos import MediaKind
from coaching.domain.permissions import PermissionFlags
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from coaching.services.erasure import ErasureService
from coaching.services.exports import ExportService
from coaching.services.howtos import HowToService
from coaching.services.plan import PlanService, planned_exercises
from coaching.services.workouts import (
    DayNotEditable,
    UnclearExercise,
    WorkoutDraft,
    WorkoutService,
    WorkoutSource,
)
from storage.models import ClientAlert, CoachingSession, ExerciseDemo, Reminder
from storage.repositories.exercises import ExerciseRepository
from storage.uow import UnitOfWork
from tests.factories import Coaching, make_coaching, make_user

Factory = async_sessionmaker[AsyncSession]
TOM, ZOE = 1001, 2002
AT = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
LEG_DAY = "Leg day\nBack squat 3x5 @100kg\nRomanian deadlift 3x8 @60kg"


async def _setup(factory: Factory, flags: PermissionFlags | None = None) -> Coaching:
    tom = await make_user(factory, TOM, "Tom", trainer=True)
    zoe = await make_user(factory, ZOE, "Zoe", client=True)
    return await make_coaching(factory, tom, zoe, flags=flags)


def _draft(coaching: Coaching, text: str = LEG_DAY, at: datetime = AT) -> WorkoutDraft:
    return WorkoutDraft(coaching.profile.id, WorkoutSource(text=text), at)


async def test_a_single_workout_is_exported_alerted_and_erased_like_any_session(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    done = await WorkoutService(ctx).assign(TOM, _draft(coaching))
    async with session_factory() as session:
        reminders = list((await session.execute(select(Reminder))).scalars())
    assert reminders, "the workout gets the client's reminders"
    assert all(r.coaching_session_id == done.coaching_session_id for r in reminders)

    ics = await PlanService(ctx).calendar_file(ZOE)
    assert ics is not None
    assert b"Leg day" in ics.data

    bundle = await ExportService(ctx).my_data(ZOE)
    document = json.loads(bundle.files[0].data)
    assert [a["title"] for a in document["appointments"]] == ["Leg day"]

    clock.set(AT + timedelta(hours=14))
    await AlertService(ctx).scan_all()
    async with session_factory() as session:
        alerts = list((await session.execute(select(ClientAlert))).scalars())
    missed = [a for a in alerts if a.alert_type is AlertType.MISSED_WORKOUT]
    assert len(missed) == 1
    assert "Leg day" in missed[0].message

    clock.set(AT - timedelta(days=1))
    await WorkoutService(ctx).assign(TOM, _draft(coaching, at=AT + timedelta(days=2)))
    await ErasureService(ctx).erase(ZOE)
    async with session_factory() as session:
        pending = (
            await session.execute(select(Reminder).where(Reminder.status == ReminderStatus.PENDING))
        ).scalars()
        assert list(pending) == []
        rows = list((await session.execute(select(CoachingSession))).scalars())
    assert len(rows) == 2, "the trainer keeps that the sessions were planned"


async def test_bad_input_and_permissions_store_nothing(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _setup(session_factory, PermissionFlags(assign_workouts=False))
    svc = WorkoutService(ctx)
    with pytest.raises(NotAllowed):
        await svc.assign(TOM, _draft(coaching))
    with pytest.raises(NotAllowed):
        await svc.assign(ZOE, _draft(coaching))
    with pytest.raises(UnclearExercise) as unclear:
        await svc.source(TOM, WorkoutSource(text="Squat 3x5\nQwzx 3x5"))
    assert unclear.value.line_no == 2
    with pytest.raises(InvalidInput):
        await svc.source(TOM, WorkoutSource(text="Rowing machine 3x8 @60kg"))
    with pytest.raises(InvalidInput):
        await svc.source(TOM, WorkoutSource(text="   "))
    with pytest.raises(NotFound):
        await svc.source(TOM, WorkoutSource(template_id=424242))
    async with session_factory() as session:
        assert list((await session.execute(select(CoachingSession))).scalars()) == []


async def test_a_time_that_passed_while_confirming_is_refused(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    clock.set(AT + timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="passed"):
        await WorkoutService(ctx).assign(TOM, _draft(coaching))


async def test_a_started_day_cannot_be_changed(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await _setup(session_factory)
    svc = WorkoutService(ctx)
    done = await svc.assign(TOM, _draft(coaching))
    view = await svc.day(TOM, done.coaching_session_id)
    async with session_factory() as session:
        row = await session.get(CoachingSession, done.coaching_session_id)
        assert row is not None
        row.status = SessionStatus.COMPLETED
        await session.commit()
    with pytest.raises(DayNotEditable):
        await svc.set_targets(TOM, done.coaching_session_id, view.exercises[0].row_id, "3x3")
    async with UnitOfWork(session_factory) as uow:
        [squat, _rdl] = await planned_exercises(uow, done.coaching_session_id)
    assert squat.prescription.weight_kg == Decimal(100)


async def test_a_trainers_demos_go_when_they_erase_their_account(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    tom = await make_user(session_factory, TOM, "Tom", trainer=True)
    async with session_factory() as session:
        squat = await ExerciseRepository(session).by_slug("barbell-back-squat")
        assert squat is not None
    howtos = HowToService(ctx)
    await howtos.set_demo(TOM, squat.id, "TOM_VIDEO", MediaKind.VIDEO)
    view = await howtos.set_cues(TOM, squat.id, "Brace")
    assert (view.file_id, view.cues, view.trainer_name) == ("TOM_VIDEO", "Brace", "Tom")
    await ErasureService(ctx).erase(TOM)
    async with session_factory() as session:
        assert list((await session.execute(select(ExerciseDemo))).scalars()) == []
    assert tom.id
