"""Loads as a lifter reads them: kg to two decimals, lb to the pound, and stable round trips."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from coaching.domain.enums import SetType, Units
from coaching.domain.live import (
    Target,
    format_kg,
    format_target,
    planned_entry,
    repeat_entry,
    step_entry,
)
from coaching.domain.prescription import format_prescription, parse_prescription_line
from coaching.domain.sets import SetEntry, format_set, parse_sets
from coaching.domain.units import (
    format_weight,
    planned_kg,
    shown_weight,
    to_kg,
)

KG, LB = Units.KG, Units.LB


@pytest.mark.parametrize(
    ("kg", "unit", "entered", "shown"),
    [
        ("100", KG, None, "100 kg"),
        ("102.5", KG, None, "102.5 kg"),
        ("102.058", KG, None, "102.06 kg"),
        ("102.058", KG, LB, "102.06 kg"),
        ("1.25", KG, KG, "1.25 kg"),
        ("0.001", KG, KG, "0.001 kg"),
        ("0", KG, None, "0 kg"),
        ("100", LB, None, "220 lb"),
        ("100", LB, KG, "220 lb"),
        # A stored load that is not an exact typed pound (an old "as planned" row) is whole.
        ("100", LB, LB, "220 lb"),
        ("79.996", LB, LB, "176.36 lb"),
        ("102.058", LB, None, "225 lb"),
        ("102.058", LB, LB, "225 lb"),
        ("46.493", LB, None, "102.5 lb"),
        ("45.926", LB, LB, "101.25 lb"),
        ("45.926", LB, None, "101 lb"),
        ("102.5", LB, None, "226 lb"),
        ("0.1", LB, KG, "0.2 lb"),
        ("0", LB, None, "0 lb"),
        ("-10", LB, KG, "-22 lb"),
        ("-9.072", LB, LB, "-20 lb"),
    ],
)
def test_loads_are_shown_the_way_a_lifter_loads_a_bar(
    kg: str, unit: Units, entered: Units | None, shown: str
) -> None:
    assert format_weight(Decimal(kg), unit, entered=entered) == shown


@pytest.mark.parametrize(
    ("kg", "unit", "planned"),
    [
        ("100", LB, "220"),
        ("102.5", LB, "225"),
        ("60", LB, "132.5"),
        ("102.058", LB, "225"),
        ("46.493", LB, "102.5"),
        ("10", LB, "22.5"),
        ("0.2", LB, "0.4"),
        ("-10", LB, "-22.5"),
        ("100", KG, "100"),
        ("102.058", KG, "102.06"),
        ("102.5", KG, "102.5"),
    ],
)
def test_a_planned_load_is_rounded_to_what_a_bar_can_carry(
    kg: str, unit: Units, planned: str
) -> None:
    stored = planned_kg(Decimal(kg), unit)
    assert stored == to_kg(Decimal(planned), unit)
    assert shown_weight(stored, unit) == Decimal(planned)


@pytest.mark.parametrize(
    ("kg", "unit", "text"),
    [("100", KG, "100 kg"), ("102.058", KG, "102.06 kg"), ("100", LB, "220 lb")],
)
def test_summary_weights_use_the_same_rounding(kg: str, unit: Units, text: str) -> None:
    assert format_kg(Decimal(kg), unit) == text


half_pounds = st.integers(min_value=0, max_value=3000).map(lambda halves: Decimal(halves) / 2)


@given(pounds=half_pounds, entered=st.sampled_from([None, KG, LB]))
@example(pounds=Decimal(0), entered=None)
@example(pounds=Decimal(1500), entered=LB)
@example(pounds=Decimal("220.5"), entered=None)
def test_a_shown_pound_stored_and_shown_again_is_the_same_pound(
    pounds: Decimal, entered: Units | None
) -> None:
    stored = to_kg(pounds, LB)
    assert shown_weight(stored, LB, entered=entered) == pounds
    # Stored again from what is shown: nothing drifts.
    assert to_kg(shown_weight(stored, LB, entered=entered), LB) == stored


@given(pounds=half_pounds.filter(bool), reps=st.integers(1, 20))
def test_a_set_typed_in_pounds_repeats_and_steps_without_drift(pounds: Decimal, reps: int) -> None:
    (typed,) = parse_sets(f"{pounds}lb x {reps}", default_unit=LB)
    assert format_set(typed, LB) == format_set(repeat_entry(typed, LB), LB)
    up = step_entry(typed, up=True, unit=LB)
    assert up.weight_kg is not None
    assert shown_weight(up.weight_kg, LB, entered=up.entered_unit) == pounds + 5
    assert format_set(step_entry(up, up=False, unit=LB), LB) == format_set(typed, LB)


@given(hundredths=st.integers(min_value=0, max_value=100_000))
def test_a_shown_kilogram_stored_and_shown_again_is_the_same(hundredths: int) -> None:
    kilograms = Decimal(hundredths) / 100
    assert shown_weight(to_kg(kilograms, KG), KG) == kilograms


@given(kg=st.decimals(min_value=Decimal(1), max_value=1000, places=3))
def test_any_planned_load_in_pounds_is_a_multiple_of_two_and_a_half_or_typed(kg: Decimal) -> None:
    stored = planned_kg(kg, LB)
    pounds = shown_weight(stored, LB)
    assert to_kg(pounds, LB) == stored
    assert pounds % Decimal("2.5") == 0 or pounds % Decimal("0.5") == 0
    assert abs(pounds - kg / Decimal("0.45359237")) <= Decimal("1.25")


# --------------------------------------------------------------------------- live buttons in lb

LOWER_A = Target(sets=3, reps_min=5, reps_max=5, weight_kg=Decimal(100))


def test_as_planned_in_pounds_logs_what_the_target_shows() -> None:
    assert format_target(LOWER_A, LB) == "3×5 @ 220 lb"
    entry = planned_entry(LOWER_A, None, LB)
    assert format_set(entry, LB) == "220 lb × 5"
    assert entry.weight_kg == to_kg(Decimal(220), LB)


def test_plus_five_and_same_in_pounds_move_from_the_shown_load() -> None:
    planned = planned_entry(LOWER_A, None, LB)
    up = step_entry(planned, up=True, unit=LB)
    assert format_set(up, LB) == "225 lb × 5"
    assert up.weight_kg == to_kg(Decimal(225), LB)
    again = step_entry(up, up=True, unit=LB)
    assert format_set(again, LB) == "230 lb × 5"
    same = repeat_entry(again, LB)
    assert format_set(same, LB) == "230 lb × 5"
    assert same.weight_kg == to_kg(Decimal(230), LB)


def test_a_kilogram_set_steps_in_kilograms_for_a_user_in_pounds() -> None:
    # A set stays in the unit it was typed in: the 100 kg set steps by 2.5 kg.
    kg_set = SetEntry(5, Decimal(100), False, KG)
    assert format_set(kg_set, LB) == "100 kg × 5"
    assert format_set(step_entry(kg_set, up=True, unit=LB), LB) == "102.5 kg × 5"
    assert format_set(step_entry(kg_set, up=False, unit=LB), LB) == "97.5 kg × 5"
    assert format_set(parse_sets("+5lb", default_unit=LB, last=kg_set)[0], LB) == "225 lb × 5"


def test_old_as_planned_rows_in_pounds_step_from_the_whole_pound() -> None:
    # Before this rounding, "as planned" stored 100 kg marked as typed in lb.
    legacy = SetEntry(5, Decimal(100), False, LB)
    assert format_set(legacy, LB) == "220 lb × 5"
    assert format_set(step_entry(legacy, up=True, unit=LB), LB) == "225 lb × 5"


def test_a_bodyweight_plan_in_pounds_adds_a_loadable_weight() -> None:
    target = Target(sets=3, reps_min=8, bodyweight=True, weight_kg=Decimal(10))
    assert format_target(target, LB) == "3×8 @ bw+22.5 lb"
    entry = planned_entry(target, None, LB)
    assert format_set(entry, LB) == "bw+22.5 lb × 8"


def test_as_planned_in_kilograms_logs_two_decimals() -> None:
    target = Target(sets=5, reps_min=5, weight_kg=Decimal("102.058"))
    assert format_target(target, KG) == "5×5 @ 102.06 kg"
    entry = planned_entry(target, None, KG)
    assert entry == SetEntry(5, Decimal("102.06"), False, KG, set_type=SetType.NORMAL)
    assert format_set(entry, KG) == "102.06 kg × 5"


# --------------------------------------------------------------------------- template lines


@pytest.mark.parametrize(
    ("line", "default", "viewer", "shown"),
    [
        ("Bench 5x5 @225lb", KG, KG, "5×5 @ 102.06 kg"),
        ("Bench 5x5 @225lb", KG, LB, "5×5 @ 225 lb"),
        ("Bench 5x5 @102.5lb", LB, LB, "5×5 @ 102.5 lb"),
        ("Bench 5x5 @101.25", LB, LB, "5×5 @ 101.25 lb"),
        ("Bench 5x5 @100kg", KG, LB, "5×5 @ 220 lb"),
        ("Bench 5x5 @102.5kg", LB, KG, "5×5 @ 102.5 kg"),
        ("Pull-up 3x8 @bw+20lb", KG, KG, "3×8 @ bw + 9.07 kg"),
    ],
)
def test_template_lines_show_the_load_in_the_viewers_unit(
    line: str, default: Units, viewer: Units, shown: str
) -> None:
    prescription = parse_prescription_line(line, default_unit=default)
    assert format_prescription(prescription, viewer) == shown
