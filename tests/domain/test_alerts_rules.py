"""The alert rules, table by table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.domain import alerts as rules
from coaching.domain.enums import AlertSeverity, AlertType

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("hours_ago", "logged", "grace", "missed"),
    [
        (2, False, 0, True),  # ended an hour ago, no grace
        (2, False, 12, False),  # within the grace period
        (14, False, 12, True),
        (14, True, 12, False),  # logged
        (24 * 20, False, 12, False),  # too old to alert on
    ],
)
def test_missed(hours_ago: int, logged: bool, grace: int, missed: bool) -> None:
    item = rules.PlannedSession(1, "Legs", NOW - timedelta(hours=hours_ago), 60, logged)
    assert rules.is_missed(item, NOW, grace) is missed


def test_missed_severity_and_keys() -> None:
    planned = [
        rules.PlannedSession(i, "Legs", NOW - timedelta(days=i), 60, False) for i in (1, 2, 3)
    ]
    drafts = rules.missed_workouts(planned, NOW, 12, UTC_ZONE)
    assert [d.dedup_key for d in drafts] == ["missed:3", "missed:2", "missed:1"]
    assert {d.severity for d in drafts} == {AlertSeverity.HIGH}
    one = rules.missed_workouts(planned[:1], NOW, 12, UTC_ZONE)
    assert one[0].severity is AlertSeverity.MEDIUM
    assert one[0].alert_type is AlertType.MISSED_WORKOUT


def _points(
    values: list[str], weight: str = "100", rpes: list[str] | None = None
) -> list[rules.SessionPoint]:
    return [
        rules.SessionPoint(
            i,
            date(2026, 11, 1) + timedelta(days=i),
            Decimal(v),
            Decimal(weight),
            Decimal(rpes[i]) if rpes else None,
        )
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("values", "severity"),
    [
        (["120", "110", "100"], AlertSeverity.MEDIUM),  # 16.7 %
        (["150", "130", "110"], AlertSeverity.HIGH),  # 26.7 %
        (["120", "118", "115"], None),  # 4 %
        (["120", "100", "110"], None),  # the last is not the lowest
        (["120", "100"], None),  # too few sessions
        (["200", "120", "118", "110"], None),  # only the last three count: 6.8 %
    ],
)
def test_decline(values: list[str], severity: AlertSeverity | None) -> None:
    draft = rules.e1rm_decline(
        _points(values), exercise_id=7, exercise_name="Squat", decline_pct=10, sessions=3
    )
    assert (draft.severity if draft else None) is severity
    if draft:
        assert draft.dedup_key == f"decline:7:{len(values) - 1}"


@pytest.mark.parametrize(
    ("rpes", "raised"),
    [(["7", "8", "9"], True), (["7", "7.5", "7.5"], False), (["8", "7", "9"], False)],
)
def test_rpe_rising(rpes: list[str], raised: bool) -> None:
    draft = rules.rpe_rising(
        _points(["100", "100", "100"], rpes=rpes), exercise_id=1, exercise_name="Bench", sessions=3
    )
    assert (draft is not None) is raised


@pytest.mark.parametrize(("sessions", "compared"), [(1, 2), (2, 2), (3, 3), (10, 10)])
def test_sessions_compared(sessions: int, compared: int) -> None:
    assert rules.sessions_compared(sessions) == compared
    too_few = _points(["120", "110", "100", "90", "80"][: compared - 1])
    assert rules.latest_sessions(too_few, sessions) is None


_DECIMALS = st.decimals(min_value=0, max_value=300, places=1, allow_nan=False)


@settings(deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.integers(0, 6),
            _DECIMALS,
            st.sampled_from(["100", "102.5"]),
            st.none() | st.sampled_from(["7", "7.5", "8", "9", "10"]),
        ),
        max_size=6,
    ),
    sessions=st.integers(1, 5),
    decline_pct=st.integers(3, 50),
)
def test_performance_alerts_are_both_rules(
    points: list[tuple[int, Decimal, str, str | None]], sessions: int, decline_pct: int
) -> None:
    """The scan's one pass over a lift's sessions, oldest first, raises what the two rules
    raise on the same sessions in any order."""
    series = [
        rules.SessionPoint(
            number,
            date(2026, 11, 1) + timedelta(days=day),
            best,
            Decimal(weight),
            Decimal(rpe) if rpe else None,
        )
        for number, (day, best, weight, rpe) in enumerate(points)
    ]
    ordered = sorted(series, key=lambda p: (p.day, p.record_id))
    found = rules.performance_alerts(
        ordered, exercise_id=7, exercise_name="Squat", decline_pct=decline_pct, sessions=sessions
    )
    shuffled = list(reversed(series))
    expected = [
        rules.e1rm_decline(
            shuffled,
            exercise_id=7,
            exercise_name="Squat",
            decline_pct=decline_pct,
            sessions=sessions,
        ),
        rules.rpe_rising(shuffled, exercise_id=7, exercise_name="Squat", sessions=sessions),
    ]
    assert found == [draft for draft in expected if draft is not None]


@pytest.mark.parametrize(
    ("text", "lift", "kg"),
    [
        ("bodyweight 75kg", None, "75"),
        ("Weight: 80", None, "80"),
        ("squat 140kg", "squat", "140"),
        ("Bench press to 225 lb", "bench press", "102.1"),
        ("reach deadlift 200 kg", "deadlift", "200"),
        ("feel stronger", "x", None),
        ("run 5k", "x", None),
    ],
)
def test_parse_goal(text: str, lift: str | None, kg: str | None) -> None:
    goal = rules.parse_goal(text)
    if kg is None:
        assert goal is None
        return
    assert goal is not None
    assert goal.lift == lift
    assert goal.target_kg == Decimal(kg)


@pytest.mark.parametrize(
    ("first", "latest", "reached"),
    [
        ("85", "75.4", True),
        ("85", "74", True),
        ("85", "78", False),
        ("65", "76", True),
        (None, "80", False),
    ],
)
def test_bodyweight_goal(first: str | None, latest: str, reached: bool) -> None:
    goal = rules.parse_goal("bodyweight 75kg")
    assert goal is not None
    got = rules.bodyweight_goal_reached(goal, Decimal(first) if first else None, Decimal(latest))
    assert got is reached


@pytest.mark.parametrize(
    ("last", "since", "severity", "key"),
    [
        (date(2026, 11, 20), None, None, None),
        (date(2026, 11, 16), None, AlertSeverity.MEDIUM, "inactive:2026-11-16"),
        (date(2026, 11, 1), None, AlertSeverity.HIGH, "inactive:2026-11-01"),
        (None, date(2026, 11, 10), AlertSeverity.MEDIUM, "inactive:2026-11-10"),
        (None, None, None, None),
    ],
)
def test_inactivity(
    last: date | None, since: date | None, severity: AlertSeverity | None, key: str | None
) -> None:
    draft = rules.inactivity(last, since, date(2026, 11, 23), 7)
    assert (draft.severity if draft else None) is severity
    assert (draft.dedup_key if draft else None) == key


def test_program_records_and_injury() -> None:
    assert rules.program_completed(3, "Block", sessions_total=8, sessions_open=0, last_logged=True)
    assert (
        rules.program_completed(3, "Block", sessions_total=8, sessions_open=1, last_logged=True)
        is None
    )
    assert (
        rules.program_completed(3, "Block", sessions_total=0, sessions_open=0, last_logged=True)
        is None
    )
    line = rules.RecordLine("Squat", "e1rm_epley", Decimal("150"), 3)
    draft = rules.personal_records(9, "Legs", [line])
    assert draft is not None
    assert draft.dedup_key == "pr:9"
    assert "Squat" in draft.message
    assert rules.personal_records(9, "Legs", []) is None
    assert rules.injury_reported("r", "knee", severe=True).severity is AlertSeverity.CRITICAL
    assert rules.injury_reported("r", "knee").severity is AlertSeverity.HIGH


def test_thresholds() -> None:
    rules.check_threshold("decline_pct", 10)
    with pytest.raises(ValueError, match="from 3 to 50"):
        rules.check_threshold("decline_pct", 90)
    with pytest.raises(ValueError, match="unknown threshold"):
        rules.check_threshold("nonsense", 1)
