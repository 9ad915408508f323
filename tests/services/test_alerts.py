"""The alert engine against a real database: every type raised, deduplicated and resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import AlertSeverity, AlertType, AssignmentStatus
from coaching.domain.permissions import PermissionFlags
from coaching.errors import InvalidInput, NotFound
from coaching.services.alerts import AlertService, on_injury
from coaching.services.base import ServiceContext
from storage.models import ClientAlert, ClientProfile, ProgramAssignment
from tests.conftest import START
from tests.factories import Coaching, make_coaching, make_user
from tests.progress_data import exercise_id, log_session, plan

SQUAT = "Barbell Back Squat"


async def _alerts(factory: async_sessionmaker[AsyncSession]) -> list[ClientAlert]:
    async with factory() as session:
        rows = await session.execute(select(ClientAlert).order_by(ClientAlert.id))
        return list(rows.scalars())


async def _setup(
    factory: async_sessionmaker[AsyncSession], flags: PermissionFlags | None = None
) -> Coaching:
    trainer = await make_user(factory, 1, "Tara", trainer=True)
    client = await make_user(factory, 2, "Cleo", client=True)
    return await make_coaching(factory, trainer, client, flags=flags, start=START.date())


async def test_missed_workout_after_grace_once_and_resolved(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    await plan(session_factory, coaching, START + timedelta(hours=2))
    clock.advance(hours=3 + 11)  # ended 11 h ago: still within the 12 h grace
    svc = AlertService(ctx)
    await svc.scan_all()
    assert await _alerts(session_factory) == []
    clock.advance(hours=2)
    report = await svc.scan_all()
    assert report.raised == 1
    await svc.scan_all()  # the same cause: no second alert
    rows = await _alerts(session_factory)
    assert [(a.alert_type, a.severity) for a in rows] == [
        (AlertType.MISSED_WORKOUT, AlertSeverity.MEDIUM)
    ]
    assert "Leg day" in rows[0].message
    view = await svc.resolve(1, rows[0].id, "Called her, she was ill")
    assert view.is_resolved
    await svc.scan_all()  # resolved: the same cause is not raised again
    rows = await _alerts(session_factory)
    assert len(rows) == 1
    assert rows[0].resolved_by == coaching.trainer.id
    assert rows[0].resolved_at == clock.now()
    assert rows[0].resolution_notes == "Called her, she was ill"


async def test_inactivity_and_hidden_activity(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _setup(session_factory)
    hidden_trainer = await make_user(session_factory, 3, "Hank", trainer=True)
    other = await make_user(session_factory, 4, "Ola", client=True)
    await make_coaching(
        session_factory,
        hidden_trainer,
        other,
        flags=PermissionFlags(view_activity_status=False),
        start=START.date(),
    )
    clock.advance(days=8)
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert [(a.alert_type, a.trainer_user_id) for a in rows] == [(AlertType.INACTIVITY, 1)]
    assert "8 days" in rows[0].message


async def test_decline_pr_and_program_completed(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    async with session_factory() as session:
        assignment = ProgramAssignment(
            relationship_id=coaching.relationship.id,
            name="Strength block",
            start_date=START.date(),
            status=AssignmentStatus.IN_PROGRESS,
        )
        session.add(assignment)
        await session.commit()
        assignment_id = assignment.id
    base = START - timedelta(days=10)
    for day, weight in enumerate(("120", "110", "100")):
        await log_session(
            session_factory, coaching, base + timedelta(days=day * 2), [(squat, weight, 5, 8)]
        )
    last_planned = await plan(
        session_factory, coaching, START - timedelta(days=1), assignment_id=assignment_id
    )
    record = await log_session(
        session_factory,
        coaching,
        START - timedelta(days=1),
        [(squat, "130", 5, 9)],
        coaching_session_id=last_planned,
    )
    raised = await AlertService(ctx).session_finished(record)
    rows = await _alerts(session_factory)
    types = {a.alert_type for a in rows}
    assert AlertType.GOAL_ACHIEVED in types  # a squat personal record
    assert AlertType.PROGRAM_COMPLETED in types
    assert raised == len(rows)
    async with session_factory() as session:
        done = await session.get(ProgramAssignment, assignment_id)
        assert done is not None
        assert done.status is AssignmentStatus.COMPLETED
    # A decline: 130 -> 110 -> 95 over the last three sessions.
    for day, weight in enumerate(("110", "95")):
        await log_session(
            session_factory, coaching, START + timedelta(days=day), [(squat, weight, 5, 8)]
        )
    clock.advance(days=2)
    await AlertService(ctx).scan_all()
    decline = [
        a for a in await _alerts(session_factory) if a.alert_type is AlertType.PERFORMANCE_DECLINE
    ]
    assert len(decline) == 1
    assert decline[0].severity is AlertSeverity.HIGH  # down 27 %: over twice the 10 % threshold
    assert "Barbell Back Squat" in decline[0].message


async def test_rpe_rising_at_same_load(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    for day, rpe in enumerate((7, 8, 9)):
        await log_session(
            session_factory, coaching, START - timedelta(days=6 - day * 2), [(squat, "100", 5, rpe)]
        )
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert [a.dedup_key.split(":")[0] for a in rows] == ["rpe"]
    assert "feels harder" in rows[0].message


async def test_progression_hidden_raises_nothing(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    coaching = await _setup(session_factory, PermissionFlags(view_progression_data=False))
    squat = await exercise_id(session_factory, SQUAT)
    for day, weight in enumerate(("120", "110", "100")):
        await log_session(
            session_factory, coaching, START - timedelta(days=6 - day * 2), [(squat, weight, 5, 8)]
        )
    await AlertService(ctx).scan_all()
    assert await _alerts(session_factory) == []


async def test_goals_from_profile(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    coaching = await _setup(session_factory, PermissionFlags(view_personal_data=True))
    squat = await exercise_id(session_factory, SQUAT)
    async with session_factory() as session:
        profile = await session.get(ClientProfile, coaching.profile.id)
        assert profile is not None
        profile.goals = ["squat 140kg", "bodyweight 75kg", "feel stronger"]
        profile.current_weight_kg = 75  # type: ignore[assignment]
        await session.commit()
    await log_session(
        session_factory, coaching, START - timedelta(days=1), [(squat, "140", 1, None)]
    )
    await AlertService(ctx).scan_all()
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert sorted(a.dedup_key for a in rows) == ["goal:bodyweight:75", "goal:squat:140"]
    assert all(a.alert_type is AlertType.GOAL_ACHIEVED for a in rows)


async def test_injury_hook_and_urgent_notice_once(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    async with ctx.uow() as uow:
        first = await on_injury(
            uow.session, coaching.trainer.id, coaching.profile.id, "r1", "knee", clock.now()
        )
        again = await on_injury(
            uow.session, coaching.trainer.id, coaching.profile.id, "r1", "knee", clock.now()
        )
        await uow.commit()
    assert first is not None
    assert again is None
    # A HIGH missed-workout streak notifies once.
    for days in (3, 5, 7):
        await plan(session_factory, coaching, START + timedelta(days=days))
    clock.advance(days=9)
    await AlertService(ctx).scan_all()
    urgent = await AlertService(ctx).urgent()
    assert {u.alert_type for u in urgent} == {AlertType.MISSED_WORKOUT}
    assert all(u.severity is AlertSeverity.HIGH for u in urgent)
    assert await AlertService(ctx).urgent() == []


async def test_resolve_refusals(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    await make_user(session_factory, 9, "Other", trainer=True)
    async with ctx.uow() as uow:
        alert_id = await on_injury(
            uow.session, coaching.trainer.id, coaching.profile.id, "r", "back", clock.now()
        )
        await uow.commit()
    assert alert_id is not None
    with pytest.raises(NotFound):
        await AlertService(ctx).resolve(9, alert_id, None)
    with pytest.raises(InvalidInput):
        await AlertService(ctx).resolve(1, alert_id, "x" * 1001)
    assert not (await _alerts(session_factory))[0].is_resolved


async def test_thresholds(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await _setup(session_factory)
    svc = AlertService(ctx)
    limits, empty = await svc.set_threshold(1, "inactivity_days", 10)
    assert limits.inactivity_days == 10
    assert not empty
    with pytest.raises(InvalidInput):
        await svc.set_threshold(1, "decline_pct", 99)
    _, empty = await svc.toggle_empty_digest(1)
    assert empty
