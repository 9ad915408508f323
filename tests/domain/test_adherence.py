"""Adherence over windows, its trend, and the calendar marks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from coaching.domain import adherence as adh

TODAY = date(2026, 11, 23)


def _day(days_ago: int, done: bool, planned: int = 0, performed: int = 0) -> adh.PlannedDay:
    return adh.PlannedDay(TODAY - timedelta(days=days_ago), done, planned, performed)


@pytest.mark.parametrize(
    ("items", "days", "percent", "trend", "direction"),
    [
        ([], 7, None, None, ""),
        ([_day(1, True), _day(3, False)], 7, Decimal(50), None, ""),
        (
            [_day(1, True), _day(3, True), _day(8, False), _day(10, True)],
            7,
            Decimal(100),
            Decimal(50),
            "up",
        ),
        ([_day(1, False), _day(9, True)], 7, Decimal(0), Decimal(-100), "down"),
        ([_day(1, True), _day(40, True)], 30, Decimal(100), Decimal(0), "steady"),
        ([_day(0, True), _day(6, False), _day(7, True)], 7, Decimal(50), Decimal(-50), "down"),
    ],
)
def test_window(
    items: list[adh.PlannedDay],
    days: int,
    percent: Decimal | None,
    trend: Decimal | None,
    direction: str,
) -> None:
    result = adh.window(items, TODAY, days)
    assert result.sessions.percent == percent
    assert result.trend == trend
    assert result.direction == direction


def test_exercises_and_all_windows() -> None:
    items = [_day(1, True, 4, 3), _day(20, False, 4, 0), _day(80, True, 2, 2)]
    seven, thirty, ninety = adh.adherence(items, TODAY)
    assert (seven.exercises.done, seven.exercises.planned) == (3, 4)
    assert thirty.exercises.percent == Decimal(38)  # 3 of 8
    assert (ninety.sessions.done, ninety.sessions.planned) == (2, 3)
    with pytest.raises(ValueError, match="at least one day"):
        adh.window(items, TODAY, 0)


def test_calendar_and_attention() -> None:
    items = [_day(1, True), _day(1, False), _day(2, True), _day(3, False), _day(30, False)]
    marks = adh.calendar_marks(items, TODAY, 7)
    assert marks == {
        TODAY - timedelta(days=1): "partial",
        TODAY - timedelta(days=2): "done",
        TODAY - timedelta(days=3): "missed",
    }
    assert adh.attention_score(missed_14d=0, idle_days=2, drop_points=None, inactivity_days=7) == 0
    busy = adh.attention_score(missed_14d=2, idle_days=1, drop_points=None, inactivity_days=7)
    idle = adh.attention_score(missed_14d=0, idle_days=9, drop_points=None, inactivity_days=7)
    assert busy > idle > 0
