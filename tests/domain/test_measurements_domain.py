"""Parsing measurement messages, units, ranges and trends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import Units
from coaching.domain.measurements import (
    BODY_FAT,
    BODY_WEIGHT,
    RESTING_HR,
    MeasurementEntry,
    Point,
    format_delta,
    format_value,
    parse_measurement,
    trend,
)
from coaching.errors import InvalidInput

TODAY = date(2026, 11, 23)


def entry(kind: str, value: str, unit: str, day: date = TODAY) -> MeasurementEntry:
    return MeasurementEntry(kind, Decimal(value), unit, day)


@pytest.mark.parametrize(
    ("text", "units", "expected"),
    [
        ("82.5", Units.KG, entry(BODY_WEIGHT, "82.500", "kg")),
        ("82,5", Units.KG, entry(BODY_WEIGHT, "82.500", "kg")),
        ("82.5kg", Units.LB, entry(BODY_WEIGHT, "82.500", "kg")),
        ("181 lb", Units.KG, entry(BODY_WEIGHT, "82.100", "kg")),
        ("181", Units.LB, entry(BODY_WEIGHT, "82.100", "kg")),
        ("bf 18.5", Units.KG, entry(BODY_FAT, "18.500", "%")),
        ("18.5%", Units.KG, entry(BODY_FAT, "18.500", "%")),
        ("rhr 58", Units.KG, entry(RESTING_HR, "58.000", "bpm")),
        ("58 bpm", Units.KG, entry(RESTING_HR, "58.000", "bpm")),
        ("waist 84cm", Units.KG, entry("waist", "84.000", "cm")),
        ("Waist: 33 in", Units.KG, entry("waist", "83.820", "cm")),
        ("waist 33", Units.LB, entry("waist", "83.820", "cm")),
        ("upper arm 35", Units.KG, entry("upper arm", "35.000", "cm")),
        (
            "weight 82.5 2026-11-20",
            Units.KG,
            entry(BODY_WEIGHT, "82.500", "kg", date(2026, 11, 20)),
        ),
        ("82.5 yesterday", Units.KG, entry(BODY_WEIGHT, "82.500", "kg", date(2026, 11, 22))),
        ("body fat 20 today", Units.KG, entry(BODY_FAT, "20.000", "%")),
    ],
)
def test_parse(text: str, units: Units, expected: MeasurementEntry) -> None:
    assert parse_measurement(text, units=units, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("", None, "Send a measurement"),
        ("abc", None, "couldn't read"),
        ("5", None, "not a believable weight"),
        ("900 kg", None, "not a believable weight"),
        ("bf 90", None, "not a believable body fat"),
        ("rhr 300", None, "not a believable resting hr"),
        ("84cm", None, "What did you measure?"),
        ("weight 80 cm", None, "isn't measured in cm"),
        ("82 2026-11-24", None, "in the future"),
        ("82 2026-02-30", None, "not a real date"),
        ("82 20/11/2026", None, "year-month-day"),
        ("82 2010-01-01", None, "more than ten years"),
        ("waist 84", BODY_WEIGHT, "send just the value"),
        ("123 kg", BODY_FAT, "isn't measured in kg"),
    ],
)
def test_parse_refuses(text: str, kind: str | None, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_measurement(text, units=Units.KG, today=TODAY, kind=kind)
    assert message in str(caught.value)
    assert "For example" in str(caught.value)


def test_a_chosen_kind_reads_a_bare_value() -> None:
    assert parse_measurement("18", units=Units.KG, today=TODAY, kind=BODY_FAT).kind == BODY_FAT
    assert parse_measurement("58", units=Units.KG, today=TODAY, kind=RESTING_HR).unit == "bpm"


def test_formatting_in_the_viewers_units() -> None:
    assert format_value(Decimal("82.5"), "kg", Units.KG) == "82.5 kg"
    assert format_value(Decimal("82.100"), "kg", Units.LB) == "181 lb"
    assert format_value(Decimal("83.82"), "cm", Units.LB) == "33 in"
    assert format_value(Decimal("18.5"), "%", Units.KG) == "18.5%"
    assert format_value(Decimal("58"), "bpm", Units.KG) == "58 bpm"
    assert format_delta(Decimal("-0.5"), "kg", Units.KG) == "−0.5 kg"
    assert format_delta(Decimal("1.2"), "kg", Units.KG) == "+1.2 kg"
    assert format_delta(Decimal("0"), "kg", Units.KG) == "±0 kg"


def test_trend_against_previous_and_30_days() -> None:
    points = [
        Point(date(2026, 10, 1), Decimal(86)),
        Point(date(2026, 10, 24), Decimal(84)),
        Point(date(2026, 11, 20), Decimal(83)),
        Point(date(2026, 11, 23), Decimal("82.5")),
    ]
    result = trend(points)
    assert result.latest.value == Decimal("82.5")
    assert result.delta_previous == Decimal("-0.5")
    assert result.baseline == Point(date(2026, 10, 24), Decimal(84))
    assert result.delta_30d == Decimal("-1.5")
    assert result.arrow == "↓"

    single = trend([Point(TODAY, Decimal(80))])
    assert (single.delta_previous, single.delta_30d, single.arrow) == (None, None, "•")
    assert trend([Point(TODAY, Decimal(80)), Point(TODAY, Decimal(80))]).arrow == "→"
    with pytest.raises(ValueError, match="at least one"):
        trend([])


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=200), st.integers(min_value=40, max_value=200)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_trend_properties(raw: list[tuple[int, int]]) -> None:
    points = [Point(TODAY - timedelta(days=d), Decimal(v)) for d, v in raw]
    result = trend(points)
    assert result.latest.measured_on == max(p.measured_on for p in points)
    if result.baseline is not None:
        assert (result.latest.measured_on - result.baseline.measured_on).days >= 30
        assert result.delta_30d == result.latest.value - result.baseline.value
    else:
        assert all((result.latest.measured_on - p.measured_on).days < 30 for p in points)


@given(st.decimals(min_value=Decimal(20), max_value=Decimal(400), places=1))
def test_every_believable_weight_round_trips(value: Decimal) -> None:
    parsed = parse_measurement(f"{value} kg", units=Units.KG, today=TODAY)
    assert parsed.value == value
