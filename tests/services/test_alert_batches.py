"""The alert scan in small batches raises exactly what one big batch raises."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.enums import AssignmentStatus
from coaching.domain.permissions import PermissionFlags
from coaching.services.alerts import AlertService
from coaching.services.base import ServiceContext
from storage.models import ClientAlert, ClientProfile, ProgramAssignment
from tests.conftest import START
from tests.factories import make_coaching, make_user
from tests.progress_data import exercise_id, log_session, plan

Factory = async_sessionmaker[AsyncSession]
Raised = list[tuple[int, int, str, str, str, str]]


async def _world(factory: Factory) -> None:
    """Three trainers, 11 clients: declines, missed sessions, goals, a program ending, idle
    clients and one who shares nothing; several of them in every batch size tried."""
    squat = await exercise_id(factory, "Barbell Back Squat")
    bench = await exercise_id(factory, "Barbell Bench Press")
    telegram_id = 100
    for number, (name, clients) in enumerate((("Tara", 5), ("Theo", 0), ("Tess", 6))):
        trainer = await make_user(factory, number + 1, name, trainer=True)
        for index in range(clients):
            telegram_id += 1
            client = await make_user(factory, telegram_id, f"{name} client {index}", client=True)
            flags = PermissionFlags(view_progression_data=index != 3, view_personal_data=True)
            coaching = await make_coaching(
                factory, trainer, client, flags=flags, start=START.date() - timedelta(days=60)
            )
            if index % 2 == 0:  # a decline on the squat, rising RPE on the bench
                for day, (weight, rpe) in enumerate((("120", 7), ("110", 8), ("95", 9))):
                    await log_session(
                        factory,
                        coaching,
                        START - timedelta(days=12 - day * 3),
                        [(squat, weight, 5, 8), (bench, "80", 5, rpe)],
                    )
            if index % 3 == 0:  # missed sessions: a streak
                for days in (2, 4, 6):
                    await plan(factory, coaching, START - timedelta(days=days))
            if index == 1:  # goals reached
                async with factory() as session:
                    profile = await session.get(ClientProfile, coaching.profile.id)
                    assert profile is not None
                    profile.goals = ["squat 100kg", "bodyweight 80kg"]
                    profile.current_weight_kg = 80  # type: ignore[assignment]
                    await session.commit()
                await log_session(
                    factory, coaching, START - timedelta(days=1), [(squat, "100", 1, None)]
                )
            if index == 4:  # the last planned session of a program was logged
                async with factory() as session:
                    assignment = ProgramAssignment(
                        relationship_id=coaching.relationship.id,
                        name="Block",
                        start_date=START.date() - timedelta(days=20),
                        status=AssignmentStatus.IN_PROGRESS,
                    )
                    session.add(assignment)
                    await session.commit()
                    assignment_id = assignment.id
                last = await plan(
                    factory, coaching, START - timedelta(days=1), assignment_id=assignment_id
                )
                await log_session(
                    factory,
                    coaching,
                    START - timedelta(days=1),
                    [(squat, "90", 5, 8)],
                    coaching_session_id=last,
                )
            # index 5 (Tess only): nothing logged for two months: inactivity


async def _raised(factory: Factory) -> Raised:
    async with factory() as session:
        rows = await session.execute(select(ClientAlert))
        return sorted(
            (
                a.trainer_user_id,
                a.client_profile_id,
                str(a.alert_type),
                str(a.severity),
                a.dedup_key,
                a.message,
            )
            for a in rows.scalars()
        )


async def _forget(factory: Factory) -> None:
    """Back to before the scan: no alert, the program still under way."""
    async with factory() as session:
        await session.execute(delete(ClientAlert))
        await session.execute(update(ProgramAssignment).values(status=AssignmentStatus.IN_PROGRESS))
        await session.commit()


async def test_small_batches_raise_what_one_batch_raises(
    ctx: ServiceContext, session_factory: Factory, clock: ManualClock
) -> None:
    await _world(session_factory)
    clock.advance(hours=1)
    whole = await AlertService(ctx).scan_all()
    expected = await _raised(session_factory)
    kinds = {kind for _t, _p, kind, *_ in expected}
    assert len(kinds) >= 5, kinds  # missed, decline, RPE, goals, program, inactivity
    assert whole.clients == 11
    assert whole.programs_completed == 2  # one of Tara's clients, one of Tess's
    for trainers, clients in ((1, 1), (1, 2), (2, 3), (50, 4)):
        await _forget(session_factory)
        report = await AlertService(ctx).scan_all(batch=trainers, clients_per_batch=clients)
        assert await _raised(session_factory) == expected, (trainers, clients)
        assert (report.trainers, report.clients, report.raised) == (3, 11, whole.raised)
        assert report.programs_completed == 2
    # And a second scan raises nothing new, whatever the batches.
    again = await AlertService(ctx).scan_all(batch=1, clients_per_batch=2)
    assert again.raised == 0
    assert await _raised(session_factory) == expected
