"""The dashboard and the progress card: numbers, hidden data, and a constant statement count."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coaching.clock import ManualClock
from coaching.domain.permissions import PermissionFlags
from coaching.errors import NotFound
from coaching.services.base import ServiceContext
from coaching.services.charts import ChartService
from coaching.services.dashboard import DashboardService
from coaching.services.offload import READS
from tests.conftest import START
from tests.factories import make_coaching, make_user
from tests.helpers import counting
from tests.progress_data import exercise_id, log_session, plan


async def _trainer_with_clients(factory: async_sessionmaker[AsyncSession], count: int) -> list[int]:
    trainer = await make_user(factory, 1, "Tara", trainer=True)
    squat = await exercise_id(factory, "Barbell Back Squat")
    profiles = []
    for i in range(count):
        client = await make_user(factory, 100 + i, f"Client {i}", client=True)
        coaching = await make_coaching(
            factory, trainer, client, start=START.date() - timedelta(days=60)
        )
        profiles.append(coaching.profile.id)
        if i % 2 == 0:
            planned = await plan(factory, coaching, START - timedelta(days=3))
            await log_session(
                factory,
                coaching,
                START - timedelta(days=3),
                [(squat, "100", 5, 8)],
                coaching_session_id=planned,
            )
        else:
            await plan(factory, coaching, START - timedelta(days=2))
        await plan(factory, coaching, START + timedelta(hours=3))
    return profiles


@pytest.mark.parametrize("clients", [5, 200])
async def test_constant_statements(
    ctx: ServiceContext,
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clients: int,
) -> None:
    profiles = await _trainer_with_clients(session_factory, clients)
    svc = DashboardService(ctx)
    with counting(engine) as dashboard_statements:
        board = await svc.dashboard(1)
    with counting(engine) as card_statements:
        progress = await svc.client_progress(1, profiles[0])
    assert board.clients == clients
    assert len(board.today_sessions) == clients
    assert len(board.attention) == min(clients // 2, 8)
    assert progress.lifts is not None
    assert progress.lifts[0].name == "Barbell Back Squat"
    # The same small number of statements for 5 clients and for 200 (the tenth reads the open
    # alerts that rank clients by need).
    assert len(dashboard_statements) == 10, dashboard_statements
    assert len(card_statements) <= 9, card_statements


async def test_dashboard_progress_and_chart_data_are_read_in_a_worker_process_alike(
    ctx: ServiceContext,
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    database_url: str,
) -> None:
    profiles = await _trainer_with_clients(session_factory, 6)
    here = DashboardService(ctx)
    board, progress = await here.dashboard(1), await here.client_progress(1, profiles[0])
    volume = await ChartService(ctx).volume(1, profiles[0])
    moved = dataclasses.replace(ctx, database_url=database_url)
    elsewhere = DashboardService(moved)
    try:
        with counting(engine) as statements:
            assert await elsewhere.dashboard(1) == board
            assert await elsewhere.client_progress(1, profiles[0]) == progress
            assert await ChartService(moved).volume(1, profiles[0]) == volume
            with pytest.raises(NotFound):  # not a trainer of theirs: refused, as here
                await elsewhere.client_progress(2, profiles[0])
    finally:
        READS.close()
    assert statements == [], "the worker reads on connections of its own"
    assert board.clients == 6


async def test_progress_numbers_and_hidden(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    trainer = await make_user(session_factory, 1, "Tara", trainer=True)
    client = await make_user(session_factory, 2, "Cleo", client=True)
    coaching = await make_coaching(session_factory, trainer, client, start=START.date())
    squat = await exercise_id(session_factory, "Barbell Back Squat")
    done = await plan(session_factory, coaching, START - timedelta(days=5))
    await log_session(
        session_factory,
        coaching,
        START - timedelta(days=5),
        [(squat, "100", 5, 8)],
        coaching_session_id=done,
    )
    await plan(session_factory, coaching, START - timedelta(days=2), title="Pull day")
    await log_session(session_factory, coaching, START - timedelta(days=1), [(squat, "110", 3, 8)])
    progress = await DashboardService(ctx).client_progress(1, coaching.profile.id)
    assert progress.adherence is not None
    week = progress.adherence[0]
    assert (week.sessions.done, week.sessions.planned) == (1, 2)  # the own session doesn't count
    assert progress.missed is not None
    assert [m.title for m in progress.missed] == ["Pull day"]
    assert progress.lifts is not None
    assert progress.lifts[0].best_e1rm == Decimal("121.0")
    hidden_client = await make_user(session_factory, 3, "Hal", client=True)
    hidden = await make_coaching(
        session_factory,
        trainer,
        hidden_client,
        flags=PermissionFlags(view_activity_status=False, view_progression_data=False),
    )
    secret = await DashboardService(ctx).client_progress(1, hidden.profile.id)
    assert secret.adherence is None
    assert secret.missed is None
    assert secret.lifts is None
    assert not secret.measurements_visible
    with pytest.raises(NotFound):
        await DashboardService(ctx).client_progress(3, hidden.profile.id)
