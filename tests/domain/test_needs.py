"""Ranking clients by need: open alerts and activity merged per client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from coaching.domain.enums import AlertSeverity, AlertType
from coaching.domain.needs import OpenAlert, rank_needs

TODAY = date(2026, 12, 7)


@dataclass(frozen=True)
class Activity:
    client_profile_id: int
    name: str
    score: int
    missed: int = 0
    idle_days: int | None = None
    adherence_30: Decimal | None = None
    drop_points: Decimal | None = None


def _alert(
    pid: int,
    kind: AlertType,
    severity: AlertSeverity,
    details: dict[str, Any] | None = None,
    raised: date = TODAY,
) -> OpenAlert:
    return OpenAlert(pid, f"Client {pid}", kind, severity, raised, "message.", details or {})


def test_an_injury_outranks_missed_sessions_and_good_news() -> None:
    needs = rank_needs(
        [
            _alert(1, AlertType.GOAL_ACHIEVED, AlertSeverity.LOW, {"record_id": 3}),
            _alert(2, AlertType.INJURY_REPORTED, AlertSeverity.HIGH, {"part": "Knee", "score": 7}),
        ],
        [Activity(3, "Client 3", score=60, missed=2)],
        TODAY,
        7,
    )
    assert [n.client_profile_id for n in needs] == [2, 3, 1]
    assert needs[0].injuries[0].part == "Knee"
    assert needs[0].injuries[0].score == 7
    assert needs[1].missed == 2
    assert needs[2].records == 1


def test_one_entry_per_client_naming_everything() -> None:
    alerts = [
        _alert(1, AlertType.MISSED_WORKOUT, AlertSeverity.HIGH),
        _alert(1, AlertType.MISSED_WORKOUT, AlertSeverity.HIGH),
        _alert(1, AlertType.MISSED_WORKOUT, AlertSeverity.HIGH),
        _alert(
            1,
            AlertType.INACTIVITY,
            AlertSeverity.HIGH,
            {"idle_days": 15},
            raised=date(2026, 12, 5),
        ),
        _alert(1, AlertType.GOAL_ACHIEVED, AlertSeverity.LOW, {"goal": "bodyweight 75kg"}),
    ]
    (need,) = rank_needs(alerts, [], TODAY, 7)
    assert need.missed == 3
    assert need.idle_days == 17, "the idle count grows from when the alert was raised"
    assert need.goals == ("bodyweight 75kg",)
    assert need.severity is AlertSeverity.HIGH
    assert need.alerts == 5


@pytest.mark.parametrize(
    ("idle", "threshold", "shown"),
    [(3, 7, None), (7, 7, 7), (20, 7, 20)],
)
def test_days_without_a_workout_are_named_from_the_threshold(
    idle: int, threshold: int, shown: int | None
) -> None:
    (need,) = rank_needs(
        [], [Activity(1, "Ivy", score=30, missed=1, idle_days=idle)], TODAY, threshold
    )
    assert need.idle_days == shown


def test_nobody_is_listed_when_all_is_well() -> None:
    assert rank_needs([], [Activity(1, "Ivy", score=0, idle_days=2)], TODAY, 7) == []
