"""Strength maths: e1RM, volume, personal records and session summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import SetType
from coaching.domain.strength import (
    ExerciseComparison,
    PerformedSet,
    PersonalRecord,
    RecordKind,
    best_e1rm,
    brzycki,
    compare,
    detect_records,
    e1rm,
    epley,
    summarise,
    volume_kg,
)

SQUAT, BENCH, PULL_UP, PLANK, BIKE = 1, 2, 3, 4, 5
T0 = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def lift(
    weight: str | None,
    reps: int | None,
    *,
    exercise: int = SQUAT,
    minute: int = 0,
    set_type: SetType = SetType.NORMAL,
    bodyweight: bool = False,
) -> PerformedSet:
    return PerformedSet(
        exercise_id=exercise,
        weight_kg=None if weight is None else Decimal(weight),
        reps=reps,
        set_type=set_type,
        performed_at=T0 + timedelta(minutes=minute),
        bodyweight=bodyweight,
    )


def warm_up(weight: str, reps: int, exercise: int = SQUAT) -> PerformedSet:
    return lift(weight, reps, exercise=exercise, set_type=SetType.WARMUP)


def bw(reps: int, added: str | None = None, exercise: int = PULL_UP) -> PerformedSet:
    return lift(added, reps, exercise=exercise, bodyweight=True)


def record(
    kind: RecordKind, value: str, reps: int | None, previous: str | None, exercise: int = SQUAT
) -> PersonalRecord:
    return PersonalRecord(
        kind,
        exercise,
        Decimal(value),
        reps,
        None if previous is None else Decimal(previous),
    )


# --------------------------------------------------------------------------- estimates


@pytest.mark.parametrize(
    ("weight", "reps", "expected"),
    [
        ("100", 1, "100.000"),
        ("100", 5, "116.667"),
        ("100", 10, "133.333"),
        ("60", 12, "84.000"),
        ("102.5", 3, "112.750"),
        ("80", 8, "101.333"),
        ("0", 5, "0.000"),
    ],
)
def test_epley(weight: str, reps: int, expected: str) -> None:
    assert epley(Decimal(weight), reps) == Decimal(expected)
    assert e1rm(Decimal(weight), reps) == Decimal(expected)


@pytest.mark.parametrize(
    ("weight", "reps", "expected"),
    [
        ("100", 1, "100.000"),
        ("100", 5, "112.500"),
        ("100", 10, "133.333"),
        ("80", 8, "99.310"),
        ("100", 36, "3600.000"),
        ("100", 37, None),
        ("100", 50, None),
    ],
)
def test_brzycki(weight: str, reps: int, expected: str | None) -> None:
    result = brzycki(Decimal(weight), reps)
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize("formula", [epley, brzycki, e1rm])
@pytest.mark.parametrize(("weight", "reps"), [("100", 0), ("100", -3), ("-1", 5)])
def test_estimates_reject_impossible_sets(formula: object, weight: str, reps: int) -> None:
    assert callable(formula)
    with pytest.raises(ValueError, match=r"reps|weight"):
        formula(Decimal(weight), reps)


weights = st.integers(1, 1_000_000).map(lambda grams: Decimal(grams) / 1000)


@given(weight=weights, reps=st.integers(1, 11))
def test_more_reps_at_the_same_weight_never_lower_the_estimate(weight: Decimal, reps: int) -> None:
    assert epley(weight, reps + 1) >= epley(weight, reps) >= weight
    more, fewer = brzycki(weight, reps + 1), brzycki(weight, reps)
    assert more is not None
    assert fewer is not None
    assert more >= fewer >= weight


@given(weight=weights, reps=st.integers(1, 10))
def test_brzycki_is_the_more_conservative_up_to_ten_reps(weight: Decimal, reps: int) -> None:
    estimate = brzycki(weight, reps)
    assert estimate is not None
    assert estimate <= epley(weight, reps)


def test_best_e1rm_uses_working_loaded_sets_of_at_most_twelve_reps() -> None:
    sets = [
        warm_up("140", 1),
        lift("100", 5),
        lift("110", 3),
        lift("60", 15),
        bw(5, "40", exercise=SQUAT),
    ]
    assert best_e1rm(sets) == Decimal("121.000")


@pytest.mark.parametrize(
    "sets",
    [
        [],
        [lift("60", 15)],
        [lift("60", 13), warm_up("100", 3)],
        [bw(8, "20"), bw(12)],
        [lift(None, None)],
    ],
)
def test_best_e1rm_is_none_without_a_meaningful_set(sets: list[PerformedSet]) -> None:
    assert best_e1rm(sets) is None


def test_best_e1rm_counts_twelve_reps_but_not_thirteen() -> None:
    assert best_e1rm([lift("60", 12)]) == Decimal("84.000")
    assert best_e1rm([lift("60", 13)]) is None


# --------------------------------------------------------------------------- volume


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        ([], "0"),
        ([lift("100", 5)], "500"),
        ([lift("100", 5), lift("100", 5), lift("105", 3)], "1315"),
        ([warm_up("60", 10), lift("100", 5)], "500"),
        ([lift("102.058", 5)], "510.290"),
        ([bw(8, "20")], "160"),
        ([bw(8, "-10"), bw(12)], "0"),
        ([lift(None, None), lift("100", None), lift(None, 5)], "0"),
        ([lift("100", 5, set_type=SetType.DROP), lift("80", 8, set_type=SetType.FAILURE)], "1140"),
    ],
)
def test_volume(sets: list[PerformedSet], expected: str) -> None:
    assert volume_kg(sets) == Decimal(expected)


performed_sets = st.builds(
    lift,
    weight=st.none() | st.integers(-50_000, 500_000).map(lambda g: str(Decimal(g) / 1000)),
    reps=st.none() | st.integers(1, 50),
    exercise=st.sampled_from([SQUAT, BENCH, PULL_UP]),
    minute=st.integers(0, 120),
    set_type=st.sampled_from(list(SetType)),
    bodyweight=st.booleans(),
).filter(lambda s: s.bodyweight or s.weight_kg is None or s.weight_kg > 0)


@given(first=st.lists(performed_sets), second=st.lists(performed_sets))
def test_volume_adds_up_across_sets(first: list[PerformedSet], second: list[PerformedSet]) -> None:
    assert volume_kg(first + second) == volume_kg(first) + volume_kg(second)
    assert volume_kg(first) >= 0


# --------------------------------------------------------------------------- records

RECORD_CASES: list[tuple[str, list[PerformedSet], list[PerformedSet], list[PersonalRecord]]] = [
    ("a first time is a baseline", [], [lift("100", 5)], []),
    ("warm-ups alone are no history", [warm_up("60", 5)], [lift("100", 5)], []),
    (
        "heavier at the same reps beats every kind",
        [lift("100", 5)],
        [lift("105", 5)],
        [
            record("max_weight", "105", 5, "100"),
            record("weight_for_reps", "105", 5, "100"),
            record("e1rm_epley", "122.500", 5, "116.667"),
            record("e1rm_brzycki", "118.125", 5, "112.500"),
        ],
    ),
    ("equalling a best is not a record", [lift("100", 5)], [lift("100", 5)], []),
    ("a lighter set is not a record", [lift("100", 5)], [lift("95", 5), lift("90", 8)], []),
    (
        "more reps at a lower weight can beat the e1RM",
        [lift("100", 5)],
        [lift("95", 8)],
        [
            record("e1rm_epley", "120.333", 8, "116.667"),
            record("e1rm_brzycki", "117.931", 8, "112.500"),
        ],
    ),
    (
        "the two formulas can disagree",
        [lift("100", 10)],
        [lift("125", 3)],
        [record("max_weight", "125", 3, "100"), record("e1rm_epley", "137.500", 3, "133.333")],
    ),
    ("a heavy warm-up is not a record", [lift("100", 5)], [warm_up("120", 1)], []),
    (
        "a rep count done before only at a lower weight",
        [lift("100", 5), lift("80", 8)],
        [lift("85", 8)],
        [record("weight_for_reps", "85", 8, "80")],
    ),
    (
        "rep records come in ascending reps",
        [lift("100", 5), lift("90", 8)],
        [lift("92.5", 8), lift("102.5", 5)],
        [
            record("max_weight", "102.5", 5, "100"),
            record("weight_for_reps", "102.5", 5, "100"),
            record("weight_for_reps", "92.5", 8, "90"),
            record("e1rm_epley", "119.583", 5, "116.667"),
            record("e1rm_brzycki", "115.313", 5, "112.500"),
        ],
    ),
    (
        "several better sets give one record each, for the best",
        [lift("100", 5)],
        [lift("105", 5), lift("110", 5)],
        [
            record("max_weight", "110", 5, "100"),
            record("weight_for_reps", "110", 5, "100"),
            record("e1rm_epley", "128.333", 5, "116.667"),
            record("e1rm_brzycki", "123.750", 5, "112.500"),
        ],
    ),
    (
        "high-rep sets give rep and weight records but no e1RM",
        [lift("60", 15)],
        [lift("70", 15)],
        [record("max_weight", "70", 15, "60"), record("weight_for_reps", "70", 15, "60")],
    ),
    ("no e1RM record without an earlier set in range", [lift("60", 15)], [lift("50", 10)], []),
    ("bodyweight sets never count", [bw(8, "20")], [bw(8, "30"), bw(20)], []),
    (
        "the max weight record names the heaviest set's reps",
        [lift("100", 1)],
        [lift("102.5", 1), lift("102.5", 2)],
        [
            record("max_weight", "102.5", 2, "100"),
            record("weight_for_reps", "102.5", 1, "100"),
            record("e1rm_epley", "109.333", 2, "100.000"),
            record("e1rm_brzycki", "105.429", 2, "100.000"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("history", "new", "expected"),
    [case[1:] for case in RECORD_CASES],
    ids=[case[0] for case in RECORD_CASES],
)
def test_detect_records(
    history: list[PerformedSet], new: list[PerformedSet], expected: list[PersonalRecord]
) -> None:
    assert detect_records(history, new) == expected


def test_records_are_per_exercise_in_the_order_first_done() -> None:
    history = [lift("100", 5, exercise=SQUAT), lift("80", 5, exercise=BENCH)]
    new = [
        lift("200", 1, exercise=PULL_UP),  # never done before: a baseline
        lift("85", 5, exercise=BENCH),
        lift("90", 5, exercise=SQUAT),  # below the squat's best
        lift("87.5", 5, exercise=BENCH),
    ]
    records = detect_records(history, new)
    assert {r.exercise_id for r in records} == {BENCH}
    assert records[0] == record("max_weight", "87.5", 5, "80", exercise=BENCH)


@given(history=st.lists(performed_sets), new=st.lists(performed_sets))
def test_records_only_ever_improve_on_history(
    history: list[PerformedSet], new: list[PerformedSet]
) -> None:
    for found in detect_records(history, new):
        assert found.previous is not None
        assert found.value > found.previous
        assert found.exercise_id in {s.exercise_id for s in history}


@given(history=st.lists(performed_sets), new=st.lists(performed_sets))
def test_warm_ups_never_change_the_records(
    history: list[PerformedSet], new: list[PerformedSet]
) -> None:
    without = detect_records(
        [s for s in history if s.set_type is not SetType.WARMUP],
        [s for s in new if s.set_type is not SetType.WARMUP],
    )
    assert detect_records(history, new) == without


# --------------------------------------------------------------------------- sessions

SESSION = [
    warm_up("60", 5),
    lift("100", 5, minute=10),
    lift("100", 5, minute=15),
    lift("105", 3, minute=20),
    lift(None, 10, exercise=PULL_UP, minute=30, bodyweight=True),
    lift("10", 6, exercise=PULL_UP, minute=35, bodyweight=True),
    lift(None, None, exercise=PLANK, minute=40),
    lift(None, None, exercise=BIKE, minute=1, set_type=SetType.WARMUP),
]


def test_summarise_a_session() -> None:
    summary = summarise(list(reversed(SESSION)), T0, T0 + timedelta(minutes=65))

    assert summary.duration == timedelta(minutes=65)
    assert summary.total_sets == 6
    assert summary.total_volume_kg == Decimal("1375")
    assert [ex.exercise_id for ex in summary.exercises] == [SQUAT, BIKE, PULL_UP, PLANK]

    squat = summary.exercise(SQUAT)
    assert squat is not None
    assert (squat.sets, squat.volume_kg, squat.best_e1rm_kg) == (
        3,
        Decimal("1315"),
        Decimal("116.667"),
    )
    assert squat.best_set == SESSION[3]

    pull_up = summary.exercise(PULL_UP)
    assert pull_up is not None
    assert (pull_up.sets, pull_up.volume_kg, pull_up.best_e1rm_kg) == (2, Decimal("60"), None)
    assert pull_up.best_set == SESSION[5]

    plank = summary.exercise(PLANK)
    assert plank is not None
    assert (plank.sets, plank.volume_kg, plank.best_set, plank.best_e1rm_kg) == (
        1,
        Decimal("0"),
        None,
        None,
    )

    bike = summary.exercise(BIKE)
    assert bike is not None
    assert bike.sets == 0
    assert summary.exercise(BENCH) is None


def test_best_set_prefers_the_heavier_then_more_reps_then_the_earlier() -> None:
    first, second = lift("100", 5, minute=1), lift("100", 5, minute=2)
    summary = summarise([second, lift("100", 3), first, lift("95", 8)], T0, T0)
    squat = summary.exercise(SQUAT)
    assert squat is not None
    assert squat.best_set is first


def test_an_empty_session_sums_to_nothing() -> None:
    summary = summarise([], T0, T0)
    assert (summary.total_sets, summary.total_volume_kg, summary.exercises) == (0, Decimal(0), ())
    assert summary.duration == timedelta(0)


def test_a_session_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it started"):
        summarise(SESSION, T0, T0 - timedelta(seconds=1))


@given(sets=st.lists(performed_sets))
def test_summary_totals_match_the_sets(sets: list[PerformedSet]) -> None:
    summary = summarise(sets, T0, T0 + timedelta(hours=2))
    working = [s for s in sets if s.set_type is not SetType.WARMUP]
    assert summary.total_sets == len(working)
    assert summary.total_volume_kg == volume_kg(sets)
    assert summary.total_volume_kg == sum((ex.volume_kg for ex in summary.exercises), Decimal(0))
    assert {ex.exercise_id for ex in summary.exercises} == {s.exercise_id for s in sets}


def test_compare_with_the_previous_session() -> None:
    previous = summarise(
        [lift("100", 4), lift("100", 4), lift("100", 4), lift("60", 10, exercise=BENCH)],
        T0 - timedelta(days=3),
        T0 - timedelta(days=3) + timedelta(hours=1),
    )
    current = summarise(SESSION, T0, T0 + timedelta(minutes=65))

    comparisons = compare(current, previous)

    assert [c.exercise_id for c in comparisons] == [SQUAT, BIKE, PULL_UP, PLANK]
    assert comparisons[0] == ExerciseComparison(
        exercise_id=SQUAT,
        volume_kg=Decimal("1315"),
        previous_volume_kg=Decimal("1200"),
        volume_delta_kg=Decimal("115"),
        best_e1rm_kg=Decimal("116.667"),
        previous_best_e1rm_kg=Decimal("113.333"),
        best_e1rm_delta_kg=Decimal("3.334"),
    )
    pull_up = comparisons[2]
    assert (pull_up.previous_volume_kg, pull_up.volume_delta_kg) == (None, None)
    assert pull_up.best_e1rm_delta_kg is None


def test_a_drop_shows_as_a_negative_delta() -> None:
    previous = summarise([lift("100", 5), lift("100", 5)], T0, T0)
    current = summarise([lift("90", 5)], T0, T0)
    (squat,) = compare(current, previous)
    assert squat.volume_delta_kg == Decimal("-550")
    assert squat.best_e1rm_delta_kg == Decimal("-11.667")


def test_compare_without_a_previous_session() -> None:
    current = summarise(SESSION, T0, T0 + timedelta(minutes=65))
    for comparison in compare(current, None):
        assert comparison.previous_volume_kg is None
        assert comparison.volume_delta_kg is None
        assert comparison.previous_best_e1rm_kg is None
        assert comparison.best_e1rm_delta_kg is None
