"""The live turn as pure rules: where the session is, what each button logs, the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import SetType, Units
from coaching.domain.live import (
    DEFAULT_REST_S,
    ExerciseState,
    LiveSet,
    Target,
    build_summary,
    build_turn,
    current_exercise,
    format_duration,
    format_e1rm,
    format_kg,
    format_target,
    format_volume,
    next_exercise_key,
    planned_entry,
    repeat_entry,
    rest_seconds,
    step_entry,
    step_label,
)
from coaching.domain.sets import SetEntry, SetParseError, format_set
from coaching.domain.strength import PerformedSet
from coaching.domain.units import KG_PER_LB

KG, LB = Units.KG, Units.LB
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def lift(
    weight: str,
    reps: int,
    unit: Units = KG,
    *,
    rpe: Decimal | None = None,
    set_type: SetType = SetType.NORMAL,
) -> SetEntry:
    return SetEntry(reps, Decimal(weight), False, unit, rpe=rpe, set_type=set_type)


def state(key: int, *sets: SetEntry, target: Target | None = None, **flags: bool) -> ExerciseState:
    return ExerciseState(key, key * 10, f"Ex {key}", target, tuple(sets), **flags)


SQUAT = Target(sets=3, reps_min=5, reps_max=5, weight_kg=Decimal(100), rpe=Decimal(8), rest_s=180)


# --------------------------------------------------------------------------- the turn


def test_turn_counts_working_sets_and_flags_the_target() -> None:
    exercises = [
        state(1, lift("60", 10, set_type=SetType.WARMUP), lift("100", 5), target=SQUAT),
        state(2),
    ]
    turn = build_turn(exercises, None)
    assert turn.exercise is not None
    assert (turn.exercise.key, turn.position, turn.count) == (1, 1, 2)
    assert (turn.set_number, turn.target_met, turn.upcoming) == (2, False, "Ex 2")
    done = [state(1, *[lift("100", 5)] * 3, target=SQUAT), state(2)]
    assert build_turn(done, 1).target_met


@pytest.mark.parametrize(
    ("flags", "current", "expected"),
    [
        ({}, None, 1),
        ({}, 2, 2),
        ({"one": True}, None, 2),
        ({"one": True, "two": True}, None, 3),
        ({"one": True, "two": True, "three": True}, None, None),
        ({}, 99, 1),
    ],
)
def test_current_exercise_is_the_chosen_open_one_else_the_first_open(
    flags: dict[str, bool], current: int | None, expected: int | None
) -> None:
    exercises = [
        state(1, skipped=flags.get("one", False)),
        state(2, completed=flags.get("two", False)),
        state(3, skipped=flags.get("three", False)),
    ]
    found = current_exercise(exercises, current)
    assert (found.key if found else None) == expected


def test_next_exercise_wraps_round_and_skips_done_ones() -> None:
    exercises = [state(1), state(2, completed=True), state(3), state(4, skipped=True)]
    assert next_exercise_key(exercises, 1) == 3
    assert next_exercise_key(exercises, 3) == 1
    assert next_exercise_key([state(1)], 1) is None
    assert build_turn([], None).finished_all


# --------------------------------------------------------------------------- buttons


@pytest.mark.parametrize(
    ("target", "last", "expected"),
    [
        (SQUAT, None, lift("100", 5, rpe=Decimal(8))),
        (
            Target(sets=3, reps_min=8, reps_max=12),
            lift("60", 10),
            lift("60", 12),
        ),
        (
            Target(sets=3, reps_min=8, bodyweight=True, weight_kg=Decimal(10), rir=2),
            None,
            SetEntry(8, Decimal(10), True, KG, rir=2),
        ),
        (
            Target(sets=3, duration_s=60),
            None,
            SetEntry(None, None, False, KG, duration_s=60),
        ),
        (
            Target(sets=1, distance_m=Decimal(5000), duration_s=1500),
            None,
            SetEntry(None, None, False, KG, duration_s=1500, distance_m=Decimal(5000)),
        ),
    ],
)
def test_as_planned_logs_the_target(
    target: Target, last: SetEntry | None, expected: SetEntry
) -> None:
    assert planned_entry(target, last, KG) == expected


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (None, "no plan"),
        (Target(sets=3), "no reps or time"),
        (Target(sets=3, reps_min=5), "no weight"),
    ],
)
def test_as_planned_without_enough_plan_says_what_to_type(
    target: Target | None, message: str
) -> None:
    with pytest.raises(SetParseError, match=message) as error:
        planned_entry(target, None, KG)
    assert len(error.value.examples) == 2


@pytest.mark.parametrize(
    ("unit", "last", "up", "expected_kg"),
    [
        (KG, lift("100", 5), True, "102.500"),
        (KG, lift("100", 5), False, "97.500"),
        (LB, lift("102.058", 5, LB), True, "104.326"),
        (LB, lift("102.058", 5, LB), False, "99.790"),
    ],
)
def test_plus_minus_step_in_the_users_unit(
    unit: Units, last: SetEntry, up: bool, expected_kg: str
) -> None:
    entry = step_entry(last, up=up, unit=unit)
    assert entry.weight_kg == Decimal(expected_kg)
    assert entry.reps == last.reps
    assert step_label(unit) == ("2.5" if unit is KG else "5")


def test_same_repeats_without_the_effort_and_needs_a_set() -> None:
    last = lift("100", 5, rpe=Decimal(9), set_type=SetType.DROP)
    assert repeat_entry(last, KG) == lift("100", 5, set_type=SetType.DROP)
    with pytest.raises(SetParseError, match="no previous set"):
        repeat_entry(None, KG)
    with pytest.raises(SetParseError, match="no previous set"):
        step_entry(None, up=True, unit=KG)


@pytest.mark.parametrize(
    ("target", "timer", "expected"),
    [
        (SQUAT, None, 180),
        (SQUAT, True, 180),
        (SQUAT, False, None),
        (Target(sets=3), None, None),
        (Target(sets=3), True, DEFAULT_REST_S),
        (None, True, DEFAULT_REST_S),
        (None, None, None),
    ],
)
def test_rest_timer(target: Target | None, timer: bool | None, expected: int | None) -> None:
    assert rest_seconds(target, timer) == expected


@pytest.mark.parametrize(
    ("target", "unit", "text"),
    [
        (SQUAT, KG, "3×5 @ 100 kg, RPE 8, rest 3:00"),
        (SQUAT, LB, "3×5 @ 220 lb, RPE 8, rest 3:00"),
        (Target(sets=4, reps_min=8, reps_max=12, rir=2), KG, "4×8–12, RIR 2"),
        (Target(sets=3, reps_min=8, bodyweight=True, weight_kg=Decimal(10)), KG, "3×8 @ bw+10 kg"),
        (Target(sets=3, duration_s=60, rest_s=90), KG, "3×60 s, rest 90 s"),
        (Target(sets=1, distance_m=Decimal(5000), duration_s=1500), KG, "1×5 km in 25:00"),
        (Target(sets=2, distance_m=Decimal(400)), KG, "2×400 m"),
    ],
)
def test_format_target(target: Target, unit: Units, text: str) -> None:
    assert format_target(target, unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [("100", KG, "100 kg"), ("102.5", KG, "102.5 kg"), ("100", LB, "220 lb"), ("0", KG, "0 kg")],
)
def test_format_kg(value: str, unit: Units, text: str) -> None:
    assert format_kg(Decimal(value), unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("3073.08", KG, "3,073 kg"),
        ("1512.5", KG, "1,513 kg"),
        ("550", KG, "550 kg"),
        ("0", KG, "0 kg"),
        ("1234567.4", KG, "1,234,567 kg"),
        ("3073.08", LB, "6,775 lb"),
    ],
)
def test_format_volume_is_whole_with_thousands_separators(
    value: str, unit: Units, text: str
) -> None:
    assert format_volume(Decimal(value), unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        ("128.333", KG, "128.3 kg"),
        ("116.666", KG, "116.7 kg"),
        ("120.000", KG, "120 kg"),
        ("128.333", LB, "282.9 lb"),
    ],
)
def test_format_e1rm_has_one_decimal(value: str, unit: Units, text: str) -> None:
    assert format_e1rm(Decimal(value), unit) == text


@pytest.mark.parametrize(("seconds", "text"), [(45, "45 s"), (150, "2:30"), (3900, "1:05:00")])
def test_format_duration(seconds: int, text: str) -> None:
    assert format_duration(seconds) == text


@given(
    weight=st.decimals(min_value=Decimal(5), max_value=Decimal(500), places=1),
    unit=st.sampled_from([KG, LB]),
)
def test_up_then_down_returns_to_the_same_weight(weight: Decimal, unit: Units) -> None:
    start = SetEntry(5, weight, False, unit)
    back = step_entry(step_entry(start, up=True, unit=unit), up=False, unit=unit)
    assert back.weight_kg is not None
    # The steps move from the load as shown, so the user sees the same number again.
    assert format_set(back, unit) == format_set(start, unit)
    assert abs(back.weight_kg - weight) <= KG_PER_LB / 2


@given(
    sets=st.lists(st.sampled_from(list(SetType)), max_size=12),
    target_sets=st.integers(min_value=1, max_value=6),
)
def test_set_number_is_one_past_the_working_sets(sets: list[SetType], target_sets: int) -> None:
    entries = [lift("50", 5, set_type=kind) for kind in sets]
    turn = build_turn([state(1, *entries, target=Target(sets=target_sets))], None)
    working = sum(1 for kind in sets if kind is not SetType.WARMUP)
    assert turn.set_number == working + 1
    assert turn.target_met == (working >= target_sets)


# --------------------------------------------------------------------------- summary


def performed(ex: int, weight: str, reps: int, minutes: int) -> PerformedSet:
    when = T0 + timedelta(minutes=minutes)
    return PerformedSet(ex, Decimal(weight), reps, SetType.NORMAL, when)


def test_summary_has_volume_records_and_the_comparison() -> None:
    exercises = [state(1), state(2, skipped=True), state(3)]
    now = [performed(10, "110", 5, 5), performed(10, "110", 5, 10), performed(30, "50", 10, 20)]
    history = [performed(10, "100", 5, -10_000)]
    previous = [performed(10, "100", 5, -10_000), performed(30, "50", 8, -9_990)]
    summary = build_summary(
        exercises=exercises,
        performed=now,
        history=history,
        previous=previous,
        previous_date=date(2026, 11, 16),
        started_at=T0,
        finished_at=T0 + timedelta(minutes=45),
    )
    assert summary.duration == timedelta(minutes=45)
    assert (summary.total_sets, summary.total_volume_kg) == (3, Decimal(1600))
    first, skipped, last = summary.exercises
    assert (first.name, first.sets, first.volume_kg, first.volume_delta_kg) == (
        "Ex 1",
        2,
        Decimal(1100),
        Decimal(600),
    )
    assert skipped.skipped
    assert last.volume_delta_kg == Decimal(100)
    # One set beat four bests; it shows as one badge per kind and one e1RM (Epley).
    assert [r.kind for r in summary.records] == ["max_weight", "e1rm_epley"]
    assert summary.previous_date == date(2026, 11, 16)


def test_a_record_for_other_reps_than_the_heaviest_set_is_kept_once() -> None:
    now = [
        performed(10, "120", 2, 1),
        performed(10, "105", 5, 2),
        performed(10, "100", 8, 3),
    ]
    history = [performed(10, "100", 5, -10_000), performed(10, "95", 8, -10_000)]
    summary = build_summary(
        exercises=[state(1)],
        performed=now,
        history=history,
        previous=[],
        previous_date=None,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=30),
    )
    kinds = [(r.kind, r.value_kg, r.reps) for r in summary.records]
    assert kinds == [
        ("max_weight", Decimal(120), 2),
        ("weight_for_reps", Decimal(105), 5),  # the heavier of the two rep records
        ("e1rm_epley", Decimal("128.000"), 2),
    ]


def test_a_record_day_shows_no_volume_drop() -> None:
    summary = build_summary(
        exercises=[state(1)],
        performed=[performed(10, "120", 1, 1)],
        history=[performed(10, "100", 5, -10_000)],
        previous=[performed(10, "100", 5, -10_000), performed(10, "100", 5, -9_999)],
        previous_date=date(2026, 11, 16),
        started_at=T0,
        finished_at=T0 + timedelta(minutes=30),
    )
    [line] = summary.exercises
    assert summary.records
    assert line.volume_delta_kg is None, "120 kg single against 1,000 kg is not a drop"


def test_bodyweight_volume_is_added_load_and_says_so() -> None:
    sets = [
        PerformedSet(10, Decimal(20), 8, SetType.NORMAL, T0, bodyweight=True),
        PerformedSet(10, None, 10, SetType.NORMAL, T0, bodyweight=True),
    ]
    summary = build_summary(
        exercises=[state(1)],
        performed=sets,
        history=[],
        previous=[],
        previous_date=None,
        started_at=T0,
        finished_at=T0 + timedelta(minutes=10),
    )
    [line] = summary.exercises
    assert (line.volume_kg, line.bodyweight) == (Decimal(160), True)


def test_summary_without_history_has_no_records_or_comparison() -> None:
    summary = build_summary(
        exercises=[state(1)],
        performed=[performed(10, "100", 5, 1)],
        history=[],
        previous=[],
        previous_date=date(2026, 11, 16),
        started_at=T0,
        finished_at=T0,
    )
    assert summary.records == ()
    assert summary.previous_date is None
    assert summary.exercises[0].volume_delta_kg is None


def test_a_live_set_is_the_entry_it_was_logged_from_with_where_and_when() -> None:
    entry = SetEntry(5, Decimal("100"), False, KG, rpe=Decimal(8), set_type=SetType.WARMUP)
    logged = LiveSet.of(
        entry,
        exercise_record_id=7,
        exercise_id=3,
        set_index=2,
        performed_at=T0,
        source_key="u1:0",
    )
    assert format_set(logged, KG) == format_set(entry, KG), "the card reads it as the entry"
    assert logged.id is None, "numbered by the database when stored"
    assert logged.performed() == PerformedSet(
        exercise_id=3,
        weight_kg=Decimal("100"),
        reps=5,
        set_type=SetType.WARMUP,
        performed_at=T0,
        bodyweight=False,
        entered_unit=KG,
    )
