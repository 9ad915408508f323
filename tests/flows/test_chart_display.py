"""Charts and /progress in the viewer's unit, readable time axes, and honest chart refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import matplotlib.dates as mdates
import pytest
from sqlalchemy import update

from coaching.domain.enums import Units
from coaching.domain.permissions import PermissionFlags
from coaching.services.charts import ChartData
from conversations.charts import draw_figure, render_png, tick_labels
from storage.models import PermissionSet
from tests.conftest import START
from tests.factories import Coaching, Factory, make_coaching, make_user
from tests.fakes.chat import ChatSimulator
from tests.progress_data import exercise_id, log_session, plan

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[ChartData]:
    """Every chart the bot draws, as handed to the drawing code."""
    charts: list[ChartData] = []

    async def record(chart: ChartData) -> bytes:
        charts.append(chart)
        return render_png(chart)

    monkeypatch.setattr("conversations.dashboard.render_chart", record)
    return charts


async def _lifter(factory: Factory, units: Units, sessions: int) -> Coaching:
    """Tara coaches Lou (in ``units``), who logged ``sessions`` squat sessions at 100 kg."""
    tara = await make_user(factory, 1001, "Tara", trainer=True, units=units)
    lou = await make_user(factory, 2001, "Lou", client=True, units=units)
    coaching = await make_coaching(factory, tara, lou, start=START.date() - timedelta(days=60))
    squat = await exercise_id(factory, "Barbell Back Squat")
    for week in range(sessions):
        at = START - timedelta(days=3 + 7 * week)
        await log_session(factory, coaching, at, [(squat, "100", 5, 8)])
    return coaching


def _assert_readable_axis(chart: ChartData) -> None:
    figure = draw_figure(chart)
    labels = tick_labels(figure)
    assert labels, "the time axis has ticks"
    for label in labels:
        day, month = label.split()
        assert day.isdigit(), label
        assert month in MONTHS, label
    low, high = figure.axes[0].get_xlim()
    assert high - low <= 31, "a short series spans days, not years"


async def test_a_pound_client_sees_pounds_in_progress_and_charts(
    sim: ChatSimulator, session_factory: Factory, drawn: list[ChartData]
) -> None:
    await _lifter(session_factory, Units.LB, sessions=3)
    lou = sim.user(2001, "Lou")
    await lou.send("/progress")
    text = lou.last_reply.text
    assert "Barbell Back Squat: 257 lb" in text, text
    assert " kg" not in text
    assert "lb/wk" in text
    await lou.press("📈 e1RM chart")
    await lou.press("Barbell Back Squat")
    assert "estimated 1RM (lb)" in lou.last_reply.text
    chart = drawn[-1]
    assert chart.y_label == "Estimated 1RM (lb)"
    assert [round(v) for _, v in chart.series[0].points] == [257, 257, 257]
    figure = draw_figure(chart)
    assert figure.axes[0].get_ylabel() == "Estimated 1RM (lb)"
    _assert_readable_axis(chart)
    await lou.press("📊 Weekly volume")
    assert drawn[-1].y_label == "Volume (lb × reps)"
    assert max(v for _, v in drawn[-1].series[0].points) == pytest.approx(500 / 0.45359237)


async def test_a_kilogram_trainer_sees_kilograms(
    sim: ChatSimulator, session_factory: Factory, drawn: list[ChartData]
) -> None:
    coaching = await _lifter(session_factory, Units.KG, sessions=2)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press_data(f"pg:{coaching.profile.id}")
    assert "Barbell Back Squat: 116.7 kg" in tara.last_reply.text
    await tara.press("📈 e1RM chart")
    await tara.press("Barbell Back Squat")
    assert drawn[-1].y_label == "Estimated 1RM (kg)"


async def test_one_point_spans_days_with_month_on_every_tick(
    sim: ChatSimulator, session_factory: Factory, drawn: list[ChartData]
) -> None:
    await _lifter(session_factory, Units.KG, sessions=1)
    lou = sim.user(2001, "Lou")
    await lou.send("/progress")
    await lou.press("📈 e1RM chart")
    await lou.press("Barbell Back Squat")
    chart = drawn[-1]
    assert len(chart.series[0].points) == 1
    _assert_readable_axis(chart)
    only = chart.series[0].points[0][0]
    low, high = draw_figure(chart).axes[0].get_xlim()
    assert low < mdates.date2num(only) < high  # type: ignore[no-untyped-call]


async def test_old_chart_buttons_after_sharing_stops_say_so(
    sim: ChatSimulator, session_factory: Factory, drawn: list[ChartData]
) -> None:
    coaching = await _lifter(session_factory, Units.KG, sessions=2)
    tara = sim.user(1001, "Tara")
    await tara.send("/clients")
    await tara.press_data(f"pg:{coaching.profile.id}")
    assert "📈 e1RM chart" in tara.last_reply.flat_buttons
    async with session_factory() as session:
        await session.execute(
            update(PermissionSet)
            .where(PermissionSet.relationship_id == coaching.relationship.id)
            .values(**PermissionFlags(view_progression_data=False).as_dict())
        )
        await session.commit()
    before = len(tara.replies)
    squat = await exercise_id(session_factory, "Barbell Back Squat")
    for data in (f"pc:x:{coaching.profile.id}", f"pc:e:{coaching.profile.id}:{squat}"):
        await tara.press_data(data)
        answer: Any = tara.last_answer
        assert answer == "The client has not shared their progress data with you.", data
    assert len(tara.replies) == before
    assert drawn == []


async def test_the_adherence_calendar_names_day_and_month(
    sim: ChatSimulator, session_factory: Factory, drawn: list[ChartData]
) -> None:
    coaching = await _lifter(session_factory, Units.KG, sessions=1)
    await plan(session_factory, coaching, START - timedelta(days=2))
    lou = sim.user(2001, "Lou")
    await lou.send("/progress")
    await lou.press("🗓 Adherence calendar")
    figure = draw_figure(drawn[-1])
    labels = tick_labels(figure)
    assert labels[-1] == "23 Nov"
    assert all(label.split()[1] in MONTHS for label in labels)
    assert not any(label.startswith("0") for label in labels)
