"""Parsing and formatting one-line exercise prescriptions."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import Units
from coaching.domain.prescription import (
    EXAMPLE_LINE,
    Prescription,
    PrescriptionError,
    format_prescription,
    parse_prescription_line,
    parse_template_text,
)

BASE = Prescription(
    exercise_text="Back squat",
    sets=3,
    reps_min=5,
    reps_max=5,
    weight_kg=None,
    percent_e1rm=None,
    bodyweight=False,
    rpe=None,
    rir=None,
    rest_s=None,
    duration_s=None,
    distance_m=None,
    notes=None,
    entered_unit=Units.KG,
)


def expect(**changes: Any) -> Prescription:
    return dataclasses.replace(BASE, **changes)


def parse(line: str, unit: Units = Units.KG) -> Prescription:
    return parse_prescription_line(line, default_unit=unit)


# --------------------------------------------------------------------------------------------
# Good lines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Back squat 3x5", expect()),
        (
            "Back squat 3x5 @100kg rest 180",
            expect(weight_kg=Decimal("100.000"), rest_s=180),
        ),
        ("  back squat   3 X 5  ", expect(exercise_text="back squat")),
        ("Back squat 3×5 @ 100", expect(weight_kg=Decimal(100))),
        ("Back squat 3*5@102.5kg", expect(weight_kg=Decimal("102.5"))),
        ("Back squat 3x5 @72,5 kg", expect(weight_kg=Decimal("72.5"))),
        ("Back squat 3x5 100kg", expect(weight_kg=Decimal(100))),
        (
            "Back squat 3x5 @225lb",
            expect(weight_kg=Decimal("102.058"), entered_unit=Units.LB),
        ),
        (
            "Back squat 3x5 @225 LBS",
            expect(weight_kg=Decimal("102.058"), entered_unit=Units.LB),
        ),
        ("Back squat 3x5 @75%", expect(percent_e1rm=Decimal(75))),
        ("Back squat 3x5 @ 72.5 % 1RM", expect(percent_e1rm=Decimal("72.5"))),
        ("Back squat 3x5 80%", expect(percent_e1rm=Decimal(80))),
        (
            "Bench press 4x8-12",
            expect(exercise_text="Bench press", sets=4, reps_min=8, reps_max=12),
        ),
        (
            "Bench press 4x8–12",
            expect(exercise_text="Bench press", sets=4, reps_min=8, reps_max=12),
        ),
        (
            "Bench press 4x8 - 12",
            expect(exercise_text="Bench press", sets=4, reps_min=8, reps_max=12),
        ),
        ("Back squat 3x5 rpe 8", expect(rpe=Decimal(8))),
        ("Back squat 3x5 @rpe8.5", expect(rpe=Decimal("8.5"))),
        ("Back squat 3x5 @ RPE 7", expect(rpe=Decimal(7))),
        ("Back squat 3x5 rir 2", expect(rir=2)),
        ("Back squat 3x5 @rir0", expect(rir=0)),
        ("Back squat 3x5 rest 90s", expect(rest_s=90)),
        ("Back squat 3x5 rest 2m", expect(rest_s=120)),
        ("Back squat 3x5 rest 2 min", expect(rest_s=120)),
        ("Back squat 3x5 rest 1:30", expect(rest_s=90)),
        ("Back squat 3x5 rest 1m30s", expect(rest_s=90)),
        ("Back squat 3x5 rest 0", expect(rest_s=0)),
        ("Back squat 3x5 REST 3600", expect(rest_s=3600)),
        (
            "Back squat 3x5 rest 180 @100kg rpe 8",
            expect(weight_kg=Decimal(100), rpe=Decimal(8), rest_s=180),
        ),
        (
            "Back squat 3x5 @100kg, RPE 8, rest 3:00",
            expect(weight_kg=Decimal(100), rpe=Decimal(8), rest_s=180),
        ),
        (
            "Pull-up 3x8 @bw",
            expect(exercise_text="Pull-up", reps_min=8, reps_max=8, bodyweight=True),
        ),
        (
            "Pull-up 3x8 @bw+10kg",
            expect(
                exercise_text="Pull-up",
                reps_min=8,
                reps_max=8,
                bodyweight=True,
                weight_kg=Decimal(10),
            ),
        ),
        (
            "Plank 3x60s rest 60 - keep hips level",
            expect(
                exercise_text="Plank",
                reps_min=None,
                reps_max=None,
                duration_s=60,
                rest_s=60,
                notes="keep hips level",
            ),
        ),
        (
            "Plank 3x1:00",
            expect(exercise_text="Plank", reps_min=None, reps_max=None, duration_s=60),
        ),
        (
            "Bike 1x20min",
            expect(exercise_text="Bike", sets=1, reps_min=None, reps_max=None, duration_s=1200),
        ),
        (
            "Row 1x500m",
            expect(
                exercise_text="Row", sets=1, reps_min=None, reps_max=None, distance_m=Decimal(500)
            ),
        ),
        (
            "Run 1x5km",
            expect(
                exercise_text="Run", sets=1, reps_min=None, reps_max=None, distance_m=Decimal(5000)
            ),
        ),
        (
            "Run 1x5 km in 25:00",
            expect(
                exercise_text="Run",
                sets=1,
                reps_min=None,
                reps_max=None,
                distance_m=Decimal(5000),
                duration_s=1500,
            ),
        ),
        (
            "Run 1x1mi",
            expect(
                exercise_text="Run",
                sets=1,
                reps_min=None,
                reps_max=None,
                distance_m=Decimal("1609.3"),
            ),
        ),
        ("Back squat 3x5 | pause at the bottom", expect(notes="pause at the bottom")),
        ("Back squat 3x5 @100kg; brace hard", expect(weight_kg=Decimal(100), notes="brace hard")),
        ("Back squat 3x5 -", expect()),
        ("21s curl 3x7", expect(exercise_text="21s curl", reps_min=7, reps_max=7)),
    ],
)
def test_good_lines_parse_into_the_expected_fields(line: str, expected: Prescription) -> None:
    assert parse(line) == expected


def test_a_load_without_unit_uses_the_default_unit() -> None:
    p = parse("Back squat 3x5 @100", Units.LB)
    assert p.weight_kg == Decimal("45.359")
    assert p.entered_unit is Units.LB


def test_an_explicit_unit_beats_the_default_unit() -> None:
    p = parse("Back squat 3x5 @100kg", Units.LB)
    assert p.weight_kg == Decimal(100)
    assert p.entered_unit is Units.KG


def test_pounds_convert_to_kilograms_to_the_gram() -> None:
    p = parse("Bench 5x5 @ 135 lb")
    assert p.weight_kg == Decimal("61.235")
    assert p.weight_kg.as_tuple().exponent == -3


# --------------------------------------------------------------------------------------------
# Bad lines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Back squat", "couldn't find the sets and reps"),
        ("Back squat 100kg", "couldn't find the sets and reps"),
        ("3x5 @100kg", "exercise name is missing"),
        ("x" * 101 + " 3x5", "longer than 100 characters"),
        ("Back squat @100kg 3x5", "load must come after the sets and reps"),
        ("Back squat 0x5", "sets must be between 1 and 20"),
        ("Back squat 21x5", "sets must be between 1 and 20"),
        ("Back squat 3x0", "reps must be between 1 and 100"),
        ("Back squat 3x101", "reps must be between 1 and 100"),
        ("Back squat 3x12-8", "runs backwards"),
        ("Back squat 3x5 @0kg", "more than 0 and at most 1000 kg"),
        ("Back squat 3x5 @1000.5kg", "more than 0 and at most 1000 kg"),
        ("Back squat 3x5 @2205lb", "more than 0 and at most 1000 kg"),
        ("Back squat 3x5 @0.5%", "percentage of 1RM must be 1 to 120"),
        ("Back squat 3x5 @121%", "percentage of 1RM must be 1 to 120"),
        ("Back squat 3x5 rpe 0.5", "1 to 10 in steps of 0.5"),
        ("Back squat 3x5 rpe 10.5", "1 to 10 in steps of 0.5"),
        ("Back squat 3x5 rpe 7.3", "1 to 10 in steps of 0.5"),
        ("Back squat 3x5 rir 11", "whole number 0 to 10"),
        ("Back squat 3x5 rir 1.5", "whole number 0 to 10"),
        ("Back squat 3x5 rpe 8 rir 2", "either RPE or RIR"),
        ("Back squat 3x5 rest 3601", "between 0 and 60 minutes"),
        ("Back squat 3x5 rest 61m", "between 0 and 60 minutes"),
        ("Back squat 3x5 rest", "rest like rest 90"),
        ("Back squat 3x5 rest soon", "rest like rest 90"),
        ("Back squat 3x5 rest 60 rest 90", "rest is given twice"),
        ("Back squat 3x5 @heavy", "write the load like @100kg"),
        ("Back squat 3x5 @100kg @90kg", "load is given twice"),
        ("Pull-up 3x8 @bw @75%", "load is given twice"),
        ("Back squat 3x5 rpe eight", "write RPE like rpe 8"),
        ("Back squat 3x5 pause at the bottom", "put notes after ' - '"),
        ("Back squat 3x5 in 2min", "only goes with a distance"),
        ("Plank 3x0s", "between 1 second and 24 hours"),
        ("Plank 3x1.5s", "whole seconds"),
        ("Row 1x0m", "distance must be more than 0"),
    ],
)
def test_bad_lines_name_the_line_and_the_problem(line: str, problem: str) -> None:
    with pytest.raises(PrescriptionError) as excinfo:
        parse_prescription_line(line, default_unit=Units.KG, line_no=4)
    error = excinfo.value
    assert error.line_no == 4
    assert error.line == line.strip()
    assert problem in error.message
    tail = f"Fixed, it reads: {error.fixed}" if error.fixed else f"Expected form: {EXAMPLE_LINE}"
    assert str(error) == f"Line 4 ({line.strip()!r}): {error.message}. {tail}"


def test_every_bad_line_message_gives_an_example() -> None:
    with pytest.raises(PrescriptionError) as excinfo:
        parse("Back squat 3x5 @1001kg")
    assert "e.g. @100kg" in excinfo.value.message


def test_prescription_error_is_a_value_error_that_survives_pickling() -> None:
    error = PrescriptionError(2, "Squat", "the sets are missing")
    assert isinstance(error, ValueError)
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.line_no, clone.line, clone.message) == (2, "Squat", "the sets are missing")
    assert str(clone) == str(error)
    fixed = PrescriptionError(1, "Squat 3x5 slow", "unread", part="slow", fixed="Squat 3x5 - slow")
    assert pickle.loads(pickle.dumps(fixed)).fixed == "Squat 3x5 - slow"


# --------------------------------------------------------------------------------------------
# Whole messages
# --------------------------------------------------------------------------------------------


def test_a_template_message_parses_one_prescription_per_line() -> None:
    text = "Back squat 3x5 @100kg rest 180\n\nBench press 4x8-12 rpe 8\n   \nPlank 3x60s\n"
    prescriptions = parse_template_text(text, default_unit=Units.KG)
    assert [p.exercise_text for p in prescriptions] == ["Back squat", "Bench press", "Plank"]
    assert prescriptions[1].reps_max == 12


def test_the_first_bad_line_is_reported_by_its_number() -> None:
    text = "Back squat 3x5 @100kg\nBench press 4x8-12\nDeadlift 1x5 @lots\nRow 0x5"
    with pytest.raises(PrescriptionError) as excinfo:
        parse_template_text(text, default_unit=Units.KG)
    assert excinfo.value.line_no == 3
    assert str(excinfo.value).startswith("Line 3 ('Deadlift 1x5 @lots'): ")


def test_blank_lines_count_towards_line_numbers() -> None:
    with pytest.raises(PrescriptionError) as excinfo:
        parse_template_text("Back squat 3x5\n\nBench", default_unit=Units.KG)
    assert excinfo.value.line_no == 3


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_an_empty_message_is_an_error(text: str) -> None:
    with pytest.raises(PrescriptionError, match="no exercise lines"):
        parse_template_text(text, default_unit=Units.KG)


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "unit", "rendered"),
    [
        ("Back squat 3x5 @100kg rpe 8 rest 180", Units.KG, "3×5 @ 100 kg, RPE 8, rest 3:00"),
        ("Back squat 3x5 @100kg", Units.LB, "3×5 @ 220 lb"),
        ("Back squat 3x5 @225lb", Units.LB, "3×5 @ 225 lb"),
        ("Back squat 3x5 @225lb", Units.KG, "3×5 @ 102.06 kg"),
        ("Bench press 4x8-12 rir 2 rest 90", Units.KG, "4×8–12, RIR 2, rest 1:30"),
        ("Back squat 5x3 @82.5% rest 45s", Units.KG, "5×3 @ 82.5%, rest 45s"),
        ("Pull-up 3x8 @bw", Units.KG, "3×8 @ bw"),
        ("Pull-up 3x8 @bw+10kg", Units.KG, "3×8 @ bw + 10 kg"),
        ("Plank 3x45s rest 60 - keep hips level", Units.KG, "3×45s, rest 1:00 - keep hips level"),
        ("Plank 3x90s", Units.KG, "3×1:30"),
        ("Row 1x500m", Units.KG, "1×500 m"),
        ("Run 1x5km in 25:00", Units.KG, "1×5 km in 25:00"),
        ("Ride 1x2h", Units.KG, "1×2:00:00"),
    ],
)
def test_format_reads_like_a_trainer_would_write_it(line: str, unit: Units, rendered: str) -> None:
    assert format_prescription(parse(line), unit) == rendered


def _line_strategy() -> st.SearchStrategy[tuple[str, Units]]:
    """Valid template lines in the parser's input grammar, with the user's default unit."""
    sets = st.integers(min_value=1, max_value=20)
    reps = st.tuples(st.integers(1, 100), st.integers(0, 20)).map(
        lambda t: f"{t[0]}" if t[1] == 0 or t[0] + t[1] > 100 else f"{t[0]}-{t[0] + t[1]}"
    )
    seconds = st.integers(1, 24 * 3600)
    timed = seconds.map(lambda s: f"{s}s")
    metres = st.integers(1, 100_000).map(lambda m: f"{m}m")
    km = st.decimals(min_value=Decimal("0.1"), max_value=100, places=1).map(lambda d: f"{d}km")
    distance = st.tuples(st.one_of(metres, km), st.none() | seconds).map(
        lambda t: t[0] if t[1] is None else f"{t[0]} in {t[1]}s"
    )
    target = st.one_of(reps, timed, distance)
    # Loads are shown to 0.01 of their unit, so a line typed to that precision reads back.
    kg = st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2)
    lb = st.decimals(min_value=Decimal("0.01"), max_value=2200, places=2)
    load = st.one_of(
        st.just(""),
        kg.map(lambda w: f"@{w}kg"),
        lb.map(lambda w: f"@{w}lb"),
        st.decimals(min_value=1, max_value=120, places=1).map(lambda p: f"@{p}%"),
        st.just("@bw"),
        kg.map(lambda w: f"@bw+{w}kg"),
        st.integers(1, 400).map(lambda w: f"@{w}"),
    )
    intensity = st.one_of(
        st.just(""),
        st.integers(2, 20).map(lambda half: f"rpe {Decimal(half) / 2}"),
        st.integers(0, 10).map(lambda r: f"rir {r}"),
    )
    rest = st.one_of(st.just(""), st.integers(0, 3600).map(lambda s: f"rest {s}"))
    notes = st.one_of(
        st.just(""),
        st.text(alphabet="abcdefghij klmnop", min_size=1, max_size=30)
        .filter(str.strip)
        .map(lambda n: f" - {n}"),
    )
    name = st.sampled_from(["Back squat", "Bench press", "Pull-up", "Farmer's carry", "Run"])
    line = st.tuples(name, sets, target, load, intensity, rest, notes).map(
        lambda t: f"{t[0]} {t[1]}x{t[2]} {t[3]} {t[4]} {t[5]}{t[6]}"
    )
    return st.tuples(line, st.sampled_from(Units))


@given(_line_strategy())
def test_format_then_parse_gives_back_the_same_prescription(case: tuple[str, Units]) -> None:
    line, default_unit = case
    original = parse_prescription_line(line, default_unit=default_unit)
    rendered = f"{original.exercise_text} {format_prescription(original, original.entered_unit)}"
    assert parse_prescription_line(rendered, default_unit=default_unit) == original


def _attempt(text: str, unit: Units) -> Prescription | PrescriptionError:
    try:
        return parse_prescription_line(text, default_unit=unit, line_no=9)
    except PrescriptionError as error:
        return error


@given(st.text(max_size=60), st.sampled_from(Units))
def test_any_text_parses_within_bounds_or_raises_a_prescription_error(
    text: str, unit: Units
) -> None:
    result = _attempt(text, unit)
    if isinstance(result, PrescriptionError):
        assert result.line_no == 9
        assert str(result).startswith("Line 9 (")
    else:
        assert 0 < len(result.exercise_text) <= 100
        assert 1 <= result.sets <= 20
        assert result.weight_kg is None or 0 < result.weight_kg <= 1000
        assert result.rest_s is None or 0 <= result.rest_s <= 3600


@given(st.text(alphabet="0123456789x@ .,:%-kglbrestpim", max_size=40))
def test_number_soup_after_a_name_never_escapes_as_another_error(soup: str) -> None:
    result = _attempt(f"Back squat {soup}", Units.KG)
    if not isinstance(result, PrescriptionError):
        assert result.exercise_text.startswith("Back squat")
        assert result.rpe is None or result.rpe % Decimal("0.5") == 0


# --------------------------------------------------------------------------------------------
# One message, several exercises; a bare number is the load; the fixed line
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        (
            "Squat 3x5 100, Bench 3x8 60",
            Units.KG,
            [("Squat", Decimal("100.000"), Units.KG), ("Bench", Decimal("60.000"), Units.KG)],
        ),
        (
            "Squat 3x5 225\nBench 3x8 135, Row 3x10 95",
            Units.LB,
            [
                ("Squat", Decimal("102.058"), Units.LB),
                ("Bench", Decimal("61.235"), Units.LB),
                ("Row", Decimal("43.091"), Units.LB),
            ],
        ),
        ("Squat 3x5 @100kg, rest 90", Units.KG, [("Squat", Decimal("100.000"), Units.KG)]),
        ("Squat, paused 3x5 100", Units.KG, [("Squat, paused", Decimal("100.000"), Units.KG)]),
        ("Squat 3x5 62,5", Units.KG, [("Squat", Decimal("62.500"), Units.KG)]),
        (
            "Squat 3x5 100 lb, Bench 3x8",
            Units.KG,
            [("Squat", Decimal("45.359"), Units.LB), ("Bench", None, Units.KG)],
        ),
    ],
)
def test_commas_separate_exercises_and_a_bare_number_is_the_load(
    text: str, unit: Units, expected: list[tuple[str, Decimal | None, Units]]
) -> None:
    found = parse_template_text(text, default_unit=unit)
    assert [(p.exercise_text, p.weight_kg, p.entered_unit) for p in found] == expected


def test_a_note_keeps_its_commas() -> None:
    (plank,) = parse_template_text("Plank 3x60s - hips level, Bench 3x8 ok", default_unit=Units.KG)
    assert plank.notes == "hips level, Bench 3x8 ok"


@pytest.mark.parametrize(
    ("text", "part", "fixed"),
    [
        (
            "Squat 3x5 100 pause at the bottom",
            "pause at the bottom",
            "Squat 3x5 100 - pause at the bottom",
        ),
        ("Squat 3x5 100, Bench 3x8 60 slow", "slow", "Bench 3x8 60 - slow"),
        ("Squat @100kg 3x5", "@100kg", "Squat 3x5 @100kg"),
        ("Squat 3x5 100 slow - keep tight", "slow", "Squat 3x5 100 - slow, keep tight"),
    ],
)
def test_an_unreadable_part_is_named_and_the_line_shown_fixed(
    text: str, part: str, fixed: str
) -> None:
    with pytest.raises(PrescriptionError) as excinfo:
        parse_template_text(text, default_unit=Units.KG)
    assert excinfo.value.part == part
    assert excinfo.value.fixed == fixed
    assert parse_template_text(fixed, default_unit=Units.KG), "the fixed line reads"


def test_a_bad_load_names_the_part_without_guessing_a_fix() -> None:
    with pytest.raises(PrescriptionError) as excinfo:
        parse_template_text("Squat 3x5 @heavy", default_unit=Units.KG)
    assert (excinfo.value.part, excinfo.value.fixed) == ("@heavy", None)
