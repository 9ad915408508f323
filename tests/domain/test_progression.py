"""Repeat-a-week progression and the step-by-step prescription pieces, as tables."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import Units
from coaching.domain.prescription import parse_prescription_line
from coaching.domain.progression import (
    EntryError,
    Increment,
    IncrementKind,
    LoadTarget,
    ProgressionError,
    WeekStep,
    build_prescription,
    check_intensity,
    check_load,
    check_rest,
    check_sets,
    check_target,
    describe_steps,
    parse_increment,
    parse_week,
    parse_week_range,
    plan_repeat,
    plate_step_kg,
    progress_load,
)

KG = IncrementKind.KG
PCT = IncrementKind.PERCENT


@pytest.mark.parametrize(
    ("source", "first", "last", "expected"),
    [
        (1, 2, 4, ((2, 1), (3, 2), (4, 3))),
        (1, 3, 3, ((3, 1),)),
        (4, 1, 3, ((1, 1), (2, 2), (3, 3))),
        (2, 5, 8, ((5, 1), (6, 2), (7, 3), (8, 4))),
    ],
)
def test_plan_repeat_counts_steps_from_the_source(
    source: int, first: int, last: int, expected: tuple[tuple[int, int], ...]
) -> None:
    steps = plan_repeat(source, first, last, duration_weeks=8)
    assert steps == tuple(WeekStep(w, s) for w, s in expected)


@pytest.mark.parametrize(
    ("source", "first", "last", "message"),
    [
        (1, 2, 5, "don't all fit"),
        (1, 1, 3, "the week being repeated"),
        (2, 1, 3, "the week being repeated"),
        (5, 2, 3, "outside this 4-week program"),
        (1, 3, 2, "runs backwards"),
        (1, 0, 2, "don't all fit"),
    ],
)
def test_plan_repeat_refuses_what_cannot_be_done(
    source: int, first: int, last: int, message: str
) -> None:
    with pytest.raises(ProgressionError, match=message) as info:
        plan_repeat(source, first, last, duration_weeks=4)
    assert info.value.example


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2-4", (2, 4)), ("2–4", (2, 4)), ("2 to 4", (2, 4)), ("weeks 2-3", (2, 3)), ("3", (3, 3))],
)
def test_week_ranges(text: str, expected: tuple[int, int]) -> None:
    assert parse_week_range(text, duration_weeks=4) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("2-9", "outside it"), ("4-2", "runs backwards"), ("soon", "couldn't read"), ("0", "outside")],
)
def test_bad_week_ranges(text: str, message: str) -> None:
    with pytest.raises(ProgressionError, match=message):
        parse_week_range(text, duration_weeks=4)


def test_a_single_week() -> None:
    assert parse_week("week 2", duration_weeks=4) == 2
    with pytest.raises(ProgressionError, match="one week"):
        parse_week("1-2", duration_weeks=4)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("2.5", Units.KG, Increment(KG, Decimal("2.500"))),
        ("2,5 kg", Units.KG, Increment(KG, Decimal("2.500"))),
        ("+5", Units.LB, Increment(KG, Decimal("2.268"))),
        ("5lb", Units.KG, Increment(KG, Decimal("2.268"))),
        ("0", Units.KG, Increment(KG, Decimal("0.000"))),
        ("2.5%", Units.KG, Increment(PCT, Decimal("2.5"))),
    ],
)
def test_increments(text: str, unit: Units, expected: Increment) -> None:
    assert parse_increment(text, unit) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("lots", "couldn't read"), ("80", "50 kg"), ("60%", "steep")]
)
def test_bad_increments(text: str, message: str) -> None:
    with pytest.raises(ProgressionError, match=message):
        parse_increment(text, Units.KG)


def _kg(weight: str | None) -> LoadTarget:
    return LoadTarget(Decimal(weight) if weight else None, None, False)


@pytest.mark.parametrize(
    ("load", "increment", "steps", "expected"),
    [
        (_kg("100"), Increment(KG, Decimal("2.5")), 1, _kg("102.5")),
        (_kg("100"), Increment(KG, Decimal("2.5")), 3, _kg("107.5")),
        (_kg("100"), Increment(KG, Decimal(0)), 3, _kg("100")),
        (_kg("100"), Increment(PCT, Decimal("2.5")), 2, _kg("105")),
        (_kg("62.5"), Increment(PCT, Decimal("3")), 1, _kg("64.5")),  # 64.375 to a 0.5 kg plate
        (_kg(None), Increment(KG, Decimal("2.5")), 2, _kg(None)),
        (_kg("999"), Increment(KG, Decimal("5")), 2, _kg("1000")),
        (
            LoadTarget(Decimal(10), None, True),
            Increment(KG, Decimal("2.5")),
            2,
            LoadTarget(Decimal("15"), None, True),
        ),
        (
            LoadTarget(None, None, True),
            Increment(KG, Decimal("2.5")),
            2,
            LoadTarget(None, None, True),
        ),
        (
            LoadTarget(None, Decimal("75.0"), False),
            Increment(KG, Decimal("2.5")),
            2,
            LoadTarget(None, Decimal("75.0"), False),
        ),
        (
            LoadTarget(None, Decimal("75.0"), False),
            Increment(PCT, Decimal("2.5")),
            2,
            LoadTarget(None, Decimal("80.0"), False),
        ),
        (
            LoadTarget(None, Decimal("115.0"), False),
            Increment(PCT, Decimal("5")),
            2,
            LoadTarget(None, Decimal("120.0"), False),
        ),
    ],
)
def test_progress_load(
    load: LoadTarget, increment: Increment, steps: int, expected: LoadTarget
) -> None:
    assert progress_load(load, increment, steps) == expected


def test_percent_increments_round_to_a_pound_for_pounds_users() -> None:
    step = plate_step_kg(Units.LB)
    result = progress_load(_kg("100"), Increment(PCT, Decimal("1.3")), 1, step_kg=step)
    assert result.weight_kg is not None
    assert (result.weight_kg / step) % 1 < Decimal("0.01")


@given(
    weight=st.decimals(min_value=1, max_value=500, places=1),
    amount=st.decimals(min_value=0, max_value=10, places=1),
    steps=st.integers(min_value=0, max_value=10),
)
def test_kg_progression_is_linear_and_never_lighter(
    weight: Decimal, amount: Decimal, steps: int
) -> None:
    result = progress_load(_kg(str(weight)), Increment(KG, amount), steps)
    assert result.weight_kg is not None
    assert result.weight_kg >= weight
    assert result.weight_kg == min(weight + amount * steps, Decimal(1000))


def test_describe_steps() -> None:
    assert describe_steps(plan_repeat(1, 2, 4, duration_weeks=4)) == "weeks 2–4"
    assert describe_steps(plan_repeat(1, 3, 3, duration_weeks=4)) == "week 3"


# ------------------------------------------------------------------ step-by-step pieces


@pytest.mark.parametrize(("text", "sets"), [("3", 3), (" 20 ", 20)])
def test_sets(text: str, sets: int) -> None:
    assert check_sets(text) == sets


@pytest.mark.parametrize("text", ["0", "21", "three", "3x5"])
def test_bad_sets(text: str) -> None:
    with pytest.raises(EntryError):
        check_sets(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("5", "5"), ("8-12", "8-12"), ("8 - 12", "8-12"), ("60s", "60s")]
)
def test_targets(text: str, expected: str) -> None:
    assert check_target(text) == expected


@pytest.mark.parametrize("text", ["12-8", "0", "lots", ""])
def test_bad_targets(text: str) -> None:
    with pytest.raises(EntryError) as info:
        check_target(text)
    assert info.value.example


@pytest.mark.parametrize("text", ["100", "@100kg", "225lb", "75%", "bw", "bw+10"])
def test_loads(text: str) -> None:
    assert check_load(text, Units.KG)


@pytest.mark.parametrize("text", ["heavy", "2000", "", "rpe 8"])
def test_bad_loads(text: str) -> None:
    with pytest.raises(EntryError):
        check_load(text, Units.KG)


@pytest.mark.parametrize(
    ("text", "expected"), [("8", "rpe 8"), ("rpe 8.5", "rpe 8.5"), ("rir 2", "rir 2")]
)
def test_intensity(text: str, expected: str) -> None:
    assert check_intensity(text) == expected


@pytest.mark.parametrize("text", ["11", "hard", "rir 12", "rpe 7.3"])
def test_bad_intensity(text: str) -> None:
    with pytest.raises(EntryError):
        check_intensity(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("2m", 120), ("1:30", 90), ("rest 3m", 180)]
)
def test_rest(text: str, seconds: int) -> None:
    assert check_rest(text) == seconds


@pytest.mark.parametrize("text", ["a while", "2h"])
def test_bad_rest(text: str) -> None:
    with pytest.raises(EntryError):
        check_rest(text)


@pytest.mark.parametrize("unit", [Units.KG, Units.LB])
def test_pieces_build_what_the_line_gives(unit: Units) -> None:
    built = build_prescription(
        exercise_text="Back squat",
        sets=check_sets("3"),
        target=check_target("8-12"),
        load=check_load("100", unit),
        intensity=check_intensity("8"),
        rest_s=check_rest("180"),
        unit=unit,
        notes="brace",
    )
    line = parse_prescription_line(
        "Back squat 3x8-12 @100 rpe 8 rest 180 - brace", default_unit=unit
    )
    assert built == line
