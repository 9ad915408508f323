"""Charts are drawn in a separate process; a pool that fails still leaves the user served."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import conversations.charts
from coaching.services.charts import ChartData, Series
from conversations.charts import ChartPool, ChartUnavailable, render_png
from conversations.dashboard import CHART_FAILED
from tests.conftest import START
from tests.factories import make_coaching, make_user
from tests.fakes.chat import ChatSimulator
from tests.progress_data import exercise_id, log_session

CHART = ChartData(
    "line",
    "Cleo · Barbell Back Squat: estimated 1RM",
    "Estimated 1RM (kg)",
    (
        Series(
            "Barbell Back Squat",
            "kg",
            tuple((date(2026, 9, 1) + timedelta(days=3 * i), 100.0 + i) for i in range(30)),
        ),
    ),
)
CALENDAR = ChartData(
    "calendar",
    "Cleo · adherence, last 12 weeks",
    "",
    marks=((date(2026, 11, 2), "done"), (date(2026, 11, 4), "missed")),
    start=date(2026, 9, 7),
    end=date(2026, 11, 23),
)


def _dies_in_a_worker(chart: ChartData) -> bytes:
    """Kills the worker process it runs in; draws normally anywhere else."""
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return render_png(chart)


def _fails(chart: ChartData) -> bytes:
    raise ValueError(f"cannot draw {chart.title}")


@pytest.fixture
def pool() -> Iterator[ChartPool]:
    charts = ChartPool(workers=1)
    try:
        yield charts
    finally:
        charts.close()


async def test_a_chart_drawn_in_the_pool_is_the_same_png(pool: ChartPool) -> None:
    for chart in (CHART, CALENDAR):
        png = await pool.render(chart)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert png == render_png(chart)
    assert pool.started
    pool.close()
    assert not pool.started


async def test_a_dead_worker_still_gives_the_chart_and_a_fresh_pool() -> None:
    charts = ChartPool(workers=1, draw=_dies_in_a_worker)
    try:
        assert await charts.render(CHART) == render_png(CHART)
        assert not charts.started, "the broken pool is dropped"
        assert await charts.render(CHART) == render_png(CHART)
    finally:
        charts.close()


async def test_a_pool_that_cannot_start_draws_in_a_thread() -> None:
    charts = ChartPool(method="no-such-start-method")
    assert await charts.render(CALENDAR) == render_png(CALENDAR)
    assert not charts.started


async def test_a_chart_that_cannot_be_drawn_is_reported() -> None:
    broken = ChartPool(workers=1, draw=_fails)
    try:
        with pytest.raises(ChartUnavailable):
            await broken.render(CHART)
    finally:
        broken.close()
    with pytest.raises(ChartUnavailable):
        await ChartPool(method="no-such-start-method", draw=_fails).render(CHART)


async def test_the_user_gets_a_clear_reply_when_no_chart_can_be_drawn(
    sim: ChatSimulator,
    session_factory: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trainer = await make_user(session_factory, 1001, "Tara", trainer=True)
    cleo_user = await make_user(session_factory, 1002, "Cleo", client=True)
    coaching = await make_coaching(
        session_factory, trainer, cleo_user, start=START.date() - timedelta(days=20)
    )
    squat = await exercise_id(session_factory, "Barbell Back Squat")
    await log_session(session_factory, coaching, START - timedelta(days=7), [(squat, "90", 5, 8)])
    monkeypatch.setattr(
        conversations.charts, "_charts", ChartPool(method="no-such-start-method", draw=_fails)
    )
    cleo = sim.user(1002, "Cleo")
    await cleo.send("/progress")
    await cleo.press("📊 Weekly volume")
    assert cleo.last_reply.text == CHART_FAILED
    assert cleo.last_reply.file_bytes is None
