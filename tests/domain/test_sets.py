"""The set-notation parser and formatter: what a trainer types between sets."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from coaching.domain.enums import SetType, Units
from coaching.domain.sets import (
    KG_PER_LB,
    MAX_WEIGHT_KG,
    SetEntry,
    SetParseError,
    format_set,
    parse_sets,
    to_kg,
    to_unit,
)

KG, LB = Units.KG, Units.LB


def lifted(
    weight: str,
    reps: int,
    unit: Units = KG,
    *,
    rpe: str | None = None,
    rir: int | None = None,
    set_type: SetType = SetType.NORMAL,
) -> SetEntry:
    """A weighted set; ``weight`` is in kg (already normalised)."""
    return SetEntry(
        reps=reps,
        weight_kg=Decimal(weight),
        bodyweight=False,
        entered_unit=unit,
        rpe=None if rpe is None else Decimal(rpe),
        rir=rir,
        set_type=set_type,
    )


def bodyweight(reps: int, offset: str | None = None, unit: Units = KG) -> SetEntry:
    return SetEntry(
        reps=reps,
        weight_kg=None if offset is None else Decimal(offset),
        bodyweight=True,
        entered_unit=unit,
    )


def timed(seconds: int | None, metres: str | None = None, unit: Units = KG) -> SetEntry:
    return SetEntry(
        reps=None,
        weight_kg=None,
        bodyweight=False,
        entered_unit=unit,
        duration_s=seconds,
        distance_m=None if metres is None else Decimal(metres),
    )


LAST = lifted("100", 5, rpe="8")


# --------------------------------------------------------------------------- valid input

SINGLE_SETS: list[tuple[str, Units, SetEntry]] = [
    # weight × reps, every spelling from the issue
    ("100x5", KG, lifted("100", 5)),
    ("100 x 5", KG, lifted("100", 5)),
    ("100*5", KG, lifted("100", 5)),
    ("100×5", KG, lifted("100", 5)),
    ("100X5", KG, lifted("100", 5)),
    ("5@100", KG, lifted("100", 5)),
    ("5 @ 100", KG, lifted("100", 5)),
    ("100kg 5", KG, lifted("100", 5)),
    ("100 kg x 5", KG, lifted("100", 5)),
    ("  100   X   5  ", KG, lifted("100", 5)),
    ("100x5 reps", KG, lifted("100", 5)),
    ("102,5x5", KG, lifted("102.5", 5)),
    ("102.5 x 5", KG, lifted("102.5", 5)),
    ("１００x５", KG, lifted("100", 5)),
    # which number is the weight in AxB
    ("5x100kg", KG, lifted("100", 5)),
    ("5x102.5", KG, lifted("102.5", 5)),
    ("8x12.5", KG, lifted("12.5", 8)),
    ("5 @ 100 kg", KG, lifted("100", 5)),
    # units: explicit wins, otherwise the user's default
    ("225lb x 5", KG, lifted("102.058", 5, LB)),
    ("225lbs 5", KG, lifted("102.058", 5, LB)),
    ("225 pounds x 5", KG, lifted("102.058", 5, LB)),
    ("100kg x 5", LB, lifted("100", 5)),
    ("225x5", LB, lifted("102.058", 5, LB)),
    ("45.5x10", LB, lifted("20.638", 10, LB)),
    # effort
    ("100x5 @8", KG, lifted("100", 5, rpe="8")),
    ("100x5@8.5", KG, lifted("100", 5, rpe="8.5")),
    ("100x5 @ 9,5", KG, lifted("100", 5, rpe="9.5")),
    ("100x5 rpe 8", KG, lifted("100", 5, rpe="8")),
    ("100x5 RPE8", KG, lifted("100", 5, rpe="8")),
    ("100x5 @10", KG, lifted("100", 5, rpe="10")),
    ("100x5 @1", KG, lifted("100", 5, rpe="1")),
    ("5@100 @8", KG, lifted("100", 5, rpe="8")),
    ("100x5 rir2", KG, lifted("100", 5, rir=2)),
    ("100x5 rir 2", KG, lifted("100", 5, rir=2)),
    ("100 x 5 RIR 0", KG, lifted("100", 5, rir=0)),
    ("100x5 2rir", KG, lifted("100", 5, rir=2)),
    ("100x5 @8 rir 2", KG, lifted("100", 5, rpe="8", rir=2)),
    # set types
    ("60x10 warm-up", KG, lifted("60", 10, set_type=SetType.WARMUP)),
    ("60x10 warmup", KG, lifted("60", 10, set_type=SetType.WARMUP)),
    ("wu 60x10", KG, lifted("60", 10, set_type=SetType.WARMUP)),
    ("80x8 drop set", KG, lifted("80", 8, set_type=SetType.DROP)),
    ("80x8 drop", KG, lifted("80", 8, set_type=SetType.DROP)),
    ("100x5 to failure @10", KG, lifted("100", 5, rpe="10", set_type=SetType.FAILURE)),
    # bodyweight
    ("bw x 12", KG, bodyweight(12)),
    ("bw 12", KG, bodyweight(12)),
    ("BW12", KG, bodyweight(12)),
    ("bodyweight x 12", KG, bodyweight(12)),
    ("bw+20 x 8", KG, bodyweight(8, "20")),
    ("bw + 20kg x 8", LB, bodyweight(8, "20")),
    ("bw+45 x 8", LB, bodyweight(8, "20.412", LB)),
    ("bw-10 x 8", KG, bodyweight(8, "-10")),
    ("bw+0 x 8", KG, bodyweight(8)),
    # time
    ("60s", KG, timed(60)),
    ("90 s", KG, timed(90)),
    ("45 sec", KG, timed(45)),
    ("1:30", KG, timed(90)),
    ("2 min", KG, timed(120)),
    ("1.5 min", KG, timed(90)),
    ("1:05:00", KG, timed(3900)),
    ("1 h", KG, timed(3600)),
    ("24:00:00", KG, timed(86400)),
    # distance, with and without time
    ("5km 25:00", KG, timed(1500, "5000")),
    ("5 km in 25:00", KG, timed(1500, "5000")),
    ("5k 25:00", KG, timed(1500, "5000")),
    ("25:00 5km", KG, timed(1500, "5000")),
    ("400m 1:30", KG, timed(90, "400")),
    ("2.5 mi 20:00", KG, timed(1200, "4023.36")),
    ("2.5 miles", LB, timed(None, "4023.36", LB)),
    ("5km", KG, timed(None, "5000")),
    ("5m", KG, timed(None, "5")),
    ("5km 25:00 @7", KG, replace(timed(1500, "5000"), rpe=Decimal(7))),
]


@pytest.mark.parametrize(("text", "unit", "expected"), SINGLE_SETS)
def test_parses_one_set(text: str, unit: Units, expected: SetEntry) -> None:
    assert parse_sets(text, default_unit=unit) == (expected,)


MULTI_SETS: list[tuple[str, int, SetEntry]] = [
    # the two readings of AxBxC in the issue
    ("3x5x100", 3, lifted("100", 5)),
    ("100x5x3", 3, lifted("100", 5)),
    # ambiguous: the larger outer number is the weight, the middle is always reps
    ("5x5x60", 5, lifted("60", 5)),
    ("60x5x5", 5, lifted("60", 5)),
    ("3x10x20", 3, lifted("20", 10)),
    ("20x10x3", 3, lifted("20", 10)),
    ("5x5x5", 5, lifted("5", 5)),
    # a unit or a decimal point marks the weight even when it is the smaller number
    ("20x10x3kg", 20, lifted("3", 10)),
    ("8kg x 10 x 12", 12, lifted("8", 10)),
    ("12x10x7.5", 12, lifted("7.5", 10)),
    ("3 x 5 x 100 @8", 3, lifted("100", 5, rpe="8")),
    ("3x5 100kg", 3, lifted("100", 5)),
    ("3x5 @ 100kg", 3, lifted("100", 5)),
    ("1x5x100", 1, lifted("100", 5)),
    ("20x5x100", 20, lifted("100", 5)),
]


@pytest.mark.parametrize(("text", "count", "entry"), MULTI_SETS)
def test_parses_several_sets_at_once(text: str, count: int, entry: SetEntry) -> None:
    assert parse_sets(text, default_unit=KG) == (entry,) * count


RELATIVE: list[tuple[str, SetEntry, Units, SetEntry]] = [
    ("+2.5", LAST, KG, lifted("102.5", 5)),
    ("-5", LAST, KG, lifted("95", 5)),
    ("+ 5 x 3", LAST, KG, lifted("105", 3)),
    ("+5kg", LAST, LB, lifted("105", 5)),
    ("+5", lifted("102.058", 5, LB), LB, lifted("104.326", 5, LB)),
    ("+10", bodyweight(8), KG, bodyweight(8, "10")),
    ("-5", bodyweight(8, "5"), KG, bodyweight(8)),
    ("-5", bodyweight(8), KG, bodyweight(8, "-5")),
    ("+10", bodyweight(8, "-10"), KG, bodyweight(8)),
    ("+2.5 @9", LAST, KG, lifted("102.5", 5, rpe="9")),
    ("same", LAST, KG, lifted("100", 5)),
    ("Same", LAST, KG, lifted("100", 5)),
    ("=", LAST, KG, lifted("100", 5)),
    ("again", LAST, KG, lifted("100", 5)),
    ("ditto", LAST, KG, lifted("100", 5)),
    ("same @9", LAST, KG, lifted("100", 5, rpe="9")),
    ("same", bodyweight(12, "-10"), KG, bodyweight(12, "-10")),
    ("same", timed(1500, "5000"), KG, timed(1500, "5000")),
    ("same drop", LAST, KG, lifted("100", 5, set_type=SetType.DROP)),
]


@pytest.mark.parametrize(("text", "last", "unit", "expected"), RELATIVE)
def test_relative_to_the_previous_set(
    text: str, last: SetEntry, unit: Units, expected: SetEntry
) -> None:
    assert parse_sets(text, default_unit=unit, last=last) == (expected,)


def test_same_keeps_the_set_type_but_not_the_effort() -> None:
    warm_up = lifted("60", 10, rpe="5", set_type=SetType.WARMUP)
    (entry,) = parse_sets("same", default_unit=KG, last=warm_up)
    assert entry.set_type is SetType.WARMUP
    assert entry.rpe is None


# --------------------------------------------------------------------------- bad input

BAD: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("abc", "Couldn't read"),
    ("hello 100", "Couldn't read"),
    ("12", "missing the weight or the reps"),
    ("100 5", "put an x between the weight and the reps"),
    ("bw 3x10", "as a bodyweight set"),
    ("100kg", "missing the reps"),
    ("bw", "How many reps"),
    ("bw+20", "How many reps"),
    ("@8", "only an RPE"),
    ("warm-up", "no set"),
    ("100x5 rpe", "need a number"),
    ("x" * 500, "too long"),
    ("100x5 " + "@8 " * 40, "too long"),
    # reps
    ("100x0", "Reps must be a whole number from 1 to 1000"),
    ("100x1001", "Reps must be a whole number from 1 to 1000"),
    ("100kg x 5.5", "Reps must be a whole number"),
    ("102.5x5.5", "Reps must be a whole number"),
    ("bw x 0", "Reps must be"),
    # weight
    ("0x5", "more than 0"),
    ("0.0001x5", "more than 0"),
    ("1000.5x5", "too heavy"),
    ("2205lb x 5", "too heavy"),
    ("9" * 90 + "x5", "too heavy"),
    ("100kg x 5kg", "two units"),
    ("bw+501 x 5", "±500 kg"),
    ("bw-1200lb x 5", "±500 kg"),
    # several sets
    ("21x5x100", "1 to 20 sets"),
    ("100x5x0", "1 to 20 sets"),
    ("3x5kgx100", "first or last"),
    ("100kg x 5 x 3kg", "first or last"),
    # effort
    ("100x5 @11", "RPE must be from 1 to 10 in steps of 0.5"),
    ("100x5 @0.5", "RPE must be from 1 to 10"),
    ("100x5 @8.3", "steps of 0.5"),
    ("100x5 @8 rpe 9", "RPE is given twice"),
    ("100x5 rir 11", "RIR (reps in reserve) must be a whole number from 0 to 10"),
    ("100x5 rir 1.5", "whole number"),
    ("100x5 rir 1 rir 2", "RIR is given twice"),
    ("60s rir 2", "only fits a set with reps"),
    ("60x10 warmup drop", "both warm-up and drop set"),
    # time and distance
    ("0s", "from 1 second to 24 hours"),
    ("25 h", "from 1 second to 24 hours"),
    ("1:75", "seconds must be below 60"),
    ("1:75:00", "below 60"),
    ("0km", "more than 0"),
    ("1001 km", "too far"),
    ("700 mi", "too far"),
    # relative without a previous set
    ("+2.5", "no previous set yet"),
    ("-5", "no previous set yet"),
    ("same", "no previous set yet"),
    ("=", "no previous set yet"),
]


@pytest.mark.parametrize(("text", "reason"), BAD)
def test_rejects_bad_input_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(SetParseError) as caught:
        parse_sets(text, default_unit=KG)
    assert reason in str(caught.value)
    assert caught.value.message == str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", [text for text, _ in BAD])
def test_every_error_offers_two_examples_that_work(text: str) -> None:
    with pytest.raises(SetParseError) as caught:
        parse_sets(text, default_unit=KG)
    examples = caught.value.examples
    assert len(examples) == 2
    assert examples[0] != examples[1]
    for good in examples:
        assert parse_sets(good, default_unit=KG, last=LAST)


BAD_RELATIVE: list[tuple[str, SetEntry, str]] = [
    ("-100", LAST, "must stay above 0"),
    ("-150", LAST, "-50 kg"),
    ("+901", LAST, "too heavy"),
    ("+2.5", timed(60), "no weight"),
    ("+2.5", timed(None, "5000"), "no weight"),
    ("-600", bodyweight(8), "±500 kg"),
    ("+2.5 x 0", LAST, "Reps must be"),
]


@pytest.mark.parametrize(("text", "last", "reason"), BAD_RELATIVE)
def test_rejects_relative_sets_that_make_no_sense(text: str, last: SetEntry, reason: str) -> None:
    with pytest.raises(SetParseError, match=reason):
        parse_sets(text, default_unit=KG, last=last)


def test_an_rpe_that_looks_like_a_weight_suggests_sets_reps_weight() -> None:
    with pytest.raises(SetParseError) as caught:
        parse_sets("3x5 @100", default_unit=KG)
    assert "write 3x5x100" in caught.value.message
    assert parse_sets("3x5x100", default_unit=KG) == (lifted("100", 5),) * 3


def test_an_error_quotes_the_input_but_not_all_of_a_long_one() -> None:
    with pytest.raises(SetParseError) as caught:
        parse_sets("banana split with extra cream", default_unit=KG)
    assert "“banana split with extra cream”" in caught.value.message
    with pytest.raises(SetParseError) as caught:
        parse_sets("banana split with extra cream and sprinkles", default_unit=KG)
    assert "sprinkles" not in caught.value.message


# --------------------------------------------------------------------------- conversions


@pytest.mark.parametrize(
    ("value", "unit", "kg"),
    [
        ("100", KG, "100.000"),
        ("1", LB, "0.454"),
        ("225", LB, "102.058"),
        ("45", LB, "20.412"),
        ("2.5", LB, "1.134"),
        ("1.0005", KG, "1.001"),
    ],
)
def test_to_kg(value: str, unit: Units, kg: str) -> None:
    assert to_kg(Decimal(value), unit) == Decimal(kg)
    assert str(to_kg(Decimal(value), unit)) == kg


def test_to_unit_is_the_inverse_of_the_exact_conversion() -> None:
    assert to_unit(Decimal("100"), KG) == Decimal("100")
    assert to_unit(KG_PER_LB * 225, LB) == Decimal("225")
    assert round(to_unit(Decimal("100"), LB), 3) == Decimal("220.462")


# --------------------------------------------------------------------------- formatting

FORMATTED: list[tuple[SetEntry, Units, str]] = [
    (lifted("100", 5, rpe="8"), KG, "100 kg × 5 @8"),
    (lifted("100", 5, rpe="8.5"), KG, "100 kg × 5 @8.5"),
    (lifted("102.5", 5), KG, "102.5 kg × 5"),
    (lifted("101.25", 5), KG, "101.25 kg × 5"),
    (lifted("100", 5), LB, "100 kg × 5"),
    (lifted("102.058", 5, LB), LB, "225 lb × 5"),
    (lifted("102.058", 5, LB), KG, "225 lb × 5"),
    (lifted("20.638", 10, LB), LB, "45.5 lb × 10"),
    (lifted("100", 5, rir=2), KG, "100 kg × 5 rir 2"),
    (lifted("60", 10, set_type=SetType.WARMUP), KG, "60 kg × 10 warm-up"),
    (lifted("80", 8, set_type=SetType.DROP), KG, "80 kg × 8 drop set"),
    (lifted("100", 3, set_type=SetType.FAILURE), KG, "100 kg × 3 to failure"),
    (bodyweight(12), KG, "bw × 12"),
    (bodyweight(8, "20"), KG, "bw+20 kg × 8"),
    (bodyweight(8, "-10"), KG, "bw-10 kg × 8"),
    (bodyweight(8, "20.412", LB), LB, "bw+45 lb × 8"),
    (timed(60), KG, "60 s"),
    (timed(119), KG, "119 s"),
    (timed(150), KG, "2:30"),
    (timed(3900), KG, "1:05:00"),
    (timed(1500, "5000"), KG, "5 km in 25:00"),
    (timed(None, "5000"), KG, "5 km"),
    (timed(90, "400"), KG, "400 m in 1:30"),
    (timed(1200, "4023.36"), KG, "4.02 km in 20:00"),
    (timed(1200, "4023.36", LB), LB, "2.5 mi in 20:00"),
    (timed(90, "400"), LB, "400 m in 1:30"),
    (timed(None, "5000"), LB, "5 km"),
    (replace(timed(1500, "5000"), rpe=Decimal(7)), KG, "5 km in 25:00 @7"),
    (SetEntry(reps=12, weight_kg=None, bodyweight=False, entered_unit=KG), KG, "12 reps"),
    (replace(timed(60), weight_kg=Decimal(40)), KG, "40 kg for 60 s"),
]


def shown_tolerance(unit: Units) -> Decimal:
    """How far a shown weight may be from the stored one: 0.005 kg, or half a pound."""
    return Decimal("0.005") if unit is KG else KG_PER_LB / 2 + Decimal("0.001")


@pytest.mark.parametrize(("entry", "unit", "text"), FORMATTED)
def test_format_set(entry: SetEntry, unit: Units, text: str) -> None:
    assert format_set(entry, unit) == text


@pytest.mark.parametrize(
    ("entry", "unit"),
    [(entry, unit) for entry, unit, text in FORMATTED if "reps" not in text and "for" not in text],
)
def test_what_is_shown_reads_back_as_the_same_set(entry: SetEntry, unit: Units) -> None:
    (back,) = parse_sets(format_set(entry, unit), default_unit=unit)
    assert back.reps == entry.reps
    assert back.rpe == entry.rpe
    assert back.rir == entry.rir
    assert back.set_type is entry.set_type
    assert back.duration_s == entry.duration_s
    assert back.bodyweight == entry.bodyweight
    if entry.weight_kg is None:
        assert back.weight_kg is None
    else:
        assert back.weight_kg is not None
        assert abs(back.weight_kg - entry.weight_kg) <= shown_tolerance(unit)
    if entry.distance_m is None:
        assert back.distance_m is None
    else:
        assert back.distance_m is not None
        assert abs(back.distance_m - entry.distance_m) <= 5


# --------------------------------------------------------------------------- properties

units = st.sampled_from(list(Units))
rpes = st.none() | st.integers(2, 20).map(lambda halves: Decimal(halves) / 2)
set_types = st.sampled_from(list(SetType))


@st.composite
def weighted_sets(draw: st.DrawFn) -> SetEntry:
    """A valid weighted set as the parser would build it, typed to 0.01 in its unit."""
    unit = draw(units)
    limit = 100_000 if unit is KG else 220_462
    typed = Decimal(draw(st.integers(1, limit))) / 100
    return SetEntry(
        reps=draw(st.integers(1, 1000)),
        weight_kg=to_kg(typed, unit),
        bodyweight=False,
        entered_unit=unit,
        rpe=draw(rpes),
        rir=draw(st.none() | st.integers(0, 10)),
        set_type=draw(set_types),
    )


@st.composite
def bodyweight_sets(draw: st.DrawFn) -> SetEntry:
    unit = draw(units)
    limit = 50_000 if unit is KG else 110_231
    typed = Decimal(draw(st.integers(-limit, limit).filter(bool))) / 100
    return SetEntry(
        reps=draw(st.integers(1, 1000)),
        weight_kg=to_kg(typed, unit),
        bodyweight=True,
        entered_unit=unit,
        rpe=draw(rpes),
    )


@given(entry=weighted_sets() | bodyweight_sets(), default=units)
@example(entry=lifted("0.01", 1000), default=LB)
@example(entry=lifted("1000", 1, rpe="10"), default=KG)
def test_format_then_parse_round_trips(entry: SetEntry, default: Units) -> None:
    text = format_set(entry, entry.entered_unit)
    assert parse_sets(text, default_unit=default) == (entry,)


@given(entry=weighted_sets(), shown_in=units)
def test_format_in_the_other_unit_reads_back_close(entry: SetEntry, shown_in: Units) -> None:
    assert entry.weight_kg is not None
    # Within half a pound of the limit the whole pound shown can be just over it.
    assume(entry.weight_kg <= MAX_WEIGHT_KG - KG_PER_LB)
    (back,) = parse_sets(format_set(entry, shown_in), default_unit=entry.entered_unit)
    assert entry.weight_kg is not None
    assert back.weight_kg is not None
    assert back.reps == entry.reps
    assert back.rpe == entry.rpe
    assert abs(back.weight_kg - entry.weight_kg) <= shown_tolerance(shown_in)


@given(text=st.text(), default=units, last=st.none() | weighted_sets() | bodyweight_sets())
@example(text="9" * 99 + "x5", default=KG, last=None)
@example(text="+" + "9" * 98, default=KG, last=LAST)
@example(text="100x5 @" + "9" * 90, default=KG, last=None)
@example(text="100x5 rir " + "9" * 90, default=KG, last=None)
@example(text="9" * 60 + ":00", default=KG, last=None)
@example(text="9" * 60 + " min", default=KG, last=None)
@example(text="1." + "0" * 90 + "1x5", default=KG, last=None)
@example(text="ﷺ" * 100, default=KG, last=None)
def test_anything_typed_gives_sets_or_a_set_parse_error(
    text: str, default: Units, last: SetEntry | None
) -> None:
    entries: tuple[SetEntry, ...] = ()
    error: SetParseError | None = None
    try:
        entries = parse_sets(text, default_unit=default, last=last)
    except SetParseError as raised:
        error = raised
    if error is None:
        assert 1 <= len(entries) <= 20
    else:
        assert error.message
        assert len(error.examples) == 2


notation_pieces = st.sampled_from(
    ["100", "5", "x", " ", "@", "8", ".", ",", "kg", "lb", "bw", "+", "-", "rir", "rpe", ":", "s",
     "km", "m", "mi", "in", "same", "wu", "drop", "0", "30", "2.5"]
)  # fmt: skip


@given(pieces=st.lists(notation_pieces, max_size=12), default=units)
def test_notation_like_noise_gives_sets_or_a_set_parse_error(
    pieces: list[str], default: Units
) -> None:
    try:
        entries = parse_sets("".join(pieces), default_unit=default, last=LAST)
    except SetParseError:
        return
    for entry in entries:
        assert entry.reps is None or 1 <= entry.reps <= 1000
        if entry.weight_kg is not None and not entry.bodyweight:
            assert 0 < entry.weight_kg <= 1000
