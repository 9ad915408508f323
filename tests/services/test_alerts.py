"""The alert engine against a real database: every type raised, deduplicated and resolved."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    AssignmentStatus,
    RecordStatus,
    SetType,
)
from coaching.domain.permissions import PermissionFlags
from coaching.errors import InvalidInput, NotFound
from coaching.services.alerts import AlertService, on_injury
from coaching.services.base import ServiceContext
from coaching.services.offload import JOBS
from storage.models import (
    ClientAlert,
    ClientProfile,
    ExerciseRecord,
    ProgramAssignment,
    ProgressionAccess,
    SessionRecord,
    SetRecord,
    User,
)
from storage.repositories.alerts import AlertRepository
from tests.conftest import START
from tests.factories import Coaching, make_coaching, make_user
from tests.factories import client_alerts as _alerts
from tests.helpers import counting
from tests.progress_data import exercise_id, log_session, plan

SQUAT = "Barbell Back Squat"


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


def _jobs_started() -> bool:
    return JOBS.started


async def test_the_hourly_scan_runs_in_a_worker_process_as_of_the_bots_clock(
    ctx: ServiceContext,
    database_url: str,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    coaching = await _setup(session_factory)
    await plan(session_factory, coaching, START + timedelta(hours=2))
    clock.advance(hours=16)
    JOBS.close()  # as another test may have left it
    here = await AlertService(ctx).scan_everyone()  # no address for a worker: runs here
    assert not _jobs_started()
    assert here.raised == 1
    async with session_factory() as session:
        await session.execute(delete(ClientAlert))
        await session.commit()

    elsewhere = dataclasses.replace(ctx, database_url=database_url)
    try:
        report = await AlertService(elsewhere).scan_everyone()
        assert _jobs_started()
        again = await AlertService(elsewhere).scan_everyone()
    finally:
        JOBS.close()
    assert (report.trainers, report.clients, report.raised) == (1, 1, 1)
    assert again.raised == 0  # the same cause, found by the same worker: not raised twice
    rows = await _alerts(session_factory)
    assert [(a.alert_type, a.severity) for a in rows] == [
        (AlertType.MISSED_WORKOUT, AlertSeverity.MEDIUM)
    ]
    assert "Leg day" in rows[0].message
    # As of the moment the bot asked, not the worker's own clock.
    assert rows[0].raised_at == clock.now()


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
            uow, coaching.trainer.id, coaching.profile.id, "r1", "knee", clock.now()
        )
        again = await on_injury(
            uow, coaching.trainer.id, coaching.profile.id, "r1", "knee", clock.now()
        )
        await uow.commit()
    assert first is not None
    assert again is None
    # A HIGH missed-workout streak notifies once.
    for days in (3, 5, 7):
        await plan(session_factory, coaching, START + timedelta(days=days))
    clock.advance(days=9)
    await AlertService(ctx).scan_all()
    service = AlertService(ctx)
    urgent = [notice for notice, _reachable in await service.pending_urgent()]
    assert {u.alert_type for u in urgent} == {AlertType.MISSED_WORKOUT}
    assert all(u.severity is AlertSeverity.HIGH for u in urgent)
    assert all([await service.claim_notice(u.alert_id) for u in urgent])
    assert await service.pending_urgent() == []


async def test_resolve_refusals(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    coaching = await _setup(session_factory)
    await make_user(session_factory, 9, "Other", trainer=True)
    async with ctx.uow() as uow:
        alert_id = await on_injury(
            uow, coaching.trainer.id, coaching.profile.id, "r", "back", clock.now()
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


# --------------------------------------------------------------------------- the scan's reads


LiftSet = tuple[int, str, int, str | None, SetType]
"""(exercise, weight, reps, RPE, set type)"""


async def _log_records(
    factory: async_sessionmaker[AsyncSession],
    profile_id: int,
    at: datetime,
    records: Sequence[Sequence[LiftSet]],
) -> int:
    """One completed session whose exercise records (several may share a lift) hold these sets."""
    async with factory() as session:
        record = SessionRecord(
            client_profile_id=profile_id,
            title="Heavy day",
            session_date=at.date(),
            start_time=at,
            end_time=at + timedelta(hours=1),
            completed=True,
            is_live=False,
            status=RecordStatus.COMPLETED,
        )
        session.add(record)
        await session.flush()
        minute = 0
        for order, sets in enumerate(records):
            parent = ExerciseRecord(
                session_record_id=record.id,
                exercise_id=sets[0][0],
                exercise_name="x",
                order_index=order,
                completed=True,
            )
            session.add(parent)
            await session.flush()
            for exercise, weight, reps, rpe, set_type in sets:
                minute += 1
                session.add(
                    SetRecord(
                        exercise_record_id=parent.id,
                        client_profile_id=profile_id,
                        exercise_id=exercise,
                        set_index=minute,
                        set_type=set_type,
                        weight_kg=Decimal(weight),
                        reps=reps,
                        rpe=Decimal(rpe) if rpe is not None else None,
                        performed_at=at + timedelta(minutes=minute),
                    )
                )
        await session.commit()
        return record.id


async def test_decline_message_has_epley_e1rm_to_the_decimal(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """130x5 is 151.67 kg by Epley and 95x5 110.83 kg, in SQL as in Python, on both databases."""
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    for day, weight in enumerate(("130", "110", "95")):
        await log_session(
            session_factory,
            coaching,
            START - timedelta(days=6 - day * 2),
            [(squat, weight, 5, None)],
        )
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert [(a.alert_type, a.severity, a.message) for a in rows] == [
        (
            AlertType.PERFORMANCE_DECLINE,
            AlertSeverity.HIGH,
            "Barbell Back Squat: estimated 1RM down 27% over the last 3 sessions "
            "(151.7 kg → 110.8 kg).",
        )
    ]


async def test_session_point_is_its_top_load_over_loads_and_records(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """A session's top load, the highest RPE at it across the session's records of the lift,
    and its best e1RM from any load; warm-ups do not count."""
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    normal, warmup = SetType.NORMAL, SetType.WARMUP
    day = START - timedelta(days=7)
    # RPE 7 then, in a second record of the squat, 8 at the same 100 kg: the session's is 8.
    await _log_records(
        session_factory,
        coaching.profile.id,
        day,
        [
            [(squat, "60", 10, None, warmup), (squat, "100", 5, "7", normal)],
            [(squat, "80", 12, "9.5", normal), (squat, "100", 3, "8", normal)],
        ],
    )
    await _log_records(
        session_factory,
        coaching.profile.id,
        day + timedelta(days=2),
        [[(squat, "100", 5, "8.5", normal)]],
    )
    # A heavy warm-up single would be the top load if warm-ups counted.
    last = await _log_records(
        session_factory,
        coaching.profile.id,
        day + timedelta(days=4),
        [[(squat, "120", 1, "10", warmup), (squat, "100", 5, "9", normal)]],
    )
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    # No decline: each session's best e1RM is 116.67 kg (100x5), above 80x12's 112 kg.
    assert [(a.dedup_key, a.message) for a in rows] == [
        (
            f"rpe:{squat}:{last}",
            "Barbell Back Squat: the same 100 kg feels harder — RPE 8.0 → 9.0 "
            "over the last 3 sessions.",
        )
    ]


async def test_decline_across_the_clients_own_log_and_the_trainers(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Sessions the client logged on their own count in the series the trainer's alert reads."""
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    assert coaching.client is not None
    async with session_factory() as session:
        own = ClientProfile(user_id=coaching.client.id, name="Cleo", created_by=coaching.client.id)
        session.add(own)
        await session.commit()
        own_id = own.id
    normal = SetType.NORMAL
    await _log_records(
        session_factory,
        coaching.profile.id,
        START - timedelta(days=6),
        [[(squat, "130", 5, None, normal)]],
    )
    await _log_records(
        session_factory, own_id, START - timedelta(days=4), [[(squat, "110", 5, None, normal)]]
    )
    last = await _log_records(
        session_factory,
        coaching.profile.id,
        START - timedelta(days=2),
        [[(squat, "95", 5, None, normal)]],
    )
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert [(a.client_profile_id, a.dedup_key) for a in rows] == [
        (coaching.profile.id, f"decline:{squat}:{last}")
    ]


async def _clients_with_history(
    factory: async_sessionmaker[AsyncSession], trainer: User, first_id: int, count: int
) -> None:
    squat = await exercise_id(factory, SQUAT)
    for number in range(count):
        client = await make_user(factory, first_id + number, f"Client {number}", client=True)
        coaching = await make_coaching(factory, trainer, client, start=START.date())
        await plan(factory, coaching, START - timedelta(days=2))
        for day, weight in enumerate(("120", "110", "100")):
            await log_session(
                factory, coaching, START - timedelta(days=9 - day * 2), [(squat, weight, 5, 8)]
            )


async def test_scan_statements_do_not_grow_with_clients(
    ctx: ServiceContext,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
    clock: ManualClock,
) -> None:
    """A batch costs the same statements for 2 clients as for 8, each raising alerts."""
    trainer = await make_user(session_factory, 1, "Tara", trainer=True)
    await _clients_with_history(session_factory, trainer, 100, 2)
    clock.advance(hours=1)
    with counting(engine) as few:
        small = await AlertService(ctx).scan_all()
    other = await make_user(session_factory, 2, "Theo", trainer=True)
    await _clients_with_history(session_factory, other, 200, 8)
    async with session_factory() as session:  # Tara's causes are raised again too
        await session.execute(delete(ClientAlert))
        await session.commit()
    with counting(engine) as many:
        large = await AlertService(ctx).scan_all()
    assert (small.clients, large.clients) == (2, 10)
    assert small.raised == 2 * 2  # each: a decline and the missed session
    assert large.raised == 10 * 2
    assert len(many) == len(few), (few, many)


async def test_thousands_of_alerts_in_one_batch(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """Inserts and cause look-ups are split below the databases' parameter limits."""
    coaching = await _setup(session_factory)
    now = START
    values = [
        {
            "client_profile_id": coaching.profile.id,
            "trainer_user_id": coaching.trainer.id,
            "alert_type": AlertType.MISSED_WORKOUT,
            "severity": AlertSeverity.MEDIUM,
            "raised_at": now,
            "message": f"Missed session {number}",
            "dedup_key": f"missed:{number}",
            "details": {},
            "is_resolved": False,
            "created_at": now,
            "updated_at": now,
            "is_active": True,
        }
        for number in range(2600)
    ]
    keys = [(coaching.trainer.id, coaching.profile.id, f"missed:{n}") for n in range(3000)]
    async with session_factory() as session:
        repo = AlertRepository(session)
        ids = await repo.insert(values)
        again = await repo.insert(values[:10])  # open alerts with the same causes: no-ops
        known = await repo.known_keys(keys)
        await session.commit()
    assert len(set(ids)) == 2600
    assert again == []
    assert known == set(keys[:2600])
    assert len(await _alerts(session_factory)) == 2600


async def test_exercise_window_without_e1rm_hides_that_lifts_decline(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """A per-exercise rule sharing only the weight keeps the squat's decline from the trainer;
    the bench press, with no rule, still raises one."""
    coaching = await _setup(session_factory)
    squat = await exercise_id(session_factory, SQUAT)
    bench = await exercise_id(session_factory, "Barbell Bench Press")
    async with session_factory() as session:
        session.add(
            ProgressionAccess(
                relationship_id=coaching.relationship.id,
                exercise_id=squat,
                viewable_metrics=["weight"],
            )
        )
        await session.commit()
    for day, weight in enumerate(("120", "110", "100")):
        await log_session(
            session_factory,
            coaching,
            START - timedelta(days=6 - day * 2),
            [(squat, weight, 5, 8), (bench, weight, 5, 8)],
        )
    await AlertService(ctx).scan_all()
    rows = await _alerts(session_factory)
    assert [a.dedup_key.rsplit(":", 1)[0] for a in rows] == [f"decline:{bench}"]
