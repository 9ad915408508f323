"""Relative entries (``+2.5``, ``-5``, ``+10kg x 5``): the last set's load moved by that much."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coaching.domain.enums import Units
from coaching.domain.sets import SetEntry, SetParseError, format_set, parse_sets

KG, LB = Units.KG, Units.LB

CASES: list[tuple[SetEntry, str, Units, str]] = [
    # (last set, typed, user's unit, what is logged)
    (SetEntry(5, Decimal(100), False, KG), "+2.5", KG, "102.5 kg × 5"),
    (SetEntry(5, Decimal(100), False, KG), "-5 x 8", KG, "95 kg × 8"),
    (SetEntry(5, Decimal("102.5"), False, KG), "+1.25", KG, "103.75 kg × 5"),
    (SetEntry(8, Decimal(10), True, KG), "+10kg x 5", KG, "bw+20 kg × 5"),
    (SetEntry(8, None, True, KG), "+10", KG, "bw+10 kg × 8"),
    (SetEntry(8, Decimal(-20), True, KG), "+5", KG, "bw-15 kg × 8"),
    (SetEntry(8, Decimal(5), True, KG), "-10", KG, "bw-5 kg × 8"),
    (SetEntry(5, Decimal("102.058"), False, LB), "+10", KG, "235 lb × 5"),
    (SetEntry(5, Decimal("102.058"), False, LB), "+5", LB, "230 lb × 5"),
    (SetEntry(5, Decimal(100), False, KG), "+5", LB, "105 kg × 5"),
    (SetEntry(5, Decimal(100), False, KG), "+5 lb", LB, "225 lb × 5"),
    (SetEntry(8, Decimal("9.072"), True, LB), "+10 x 6", KG, "bw+30 lb × 6"),
]


@pytest.mark.parametrize(("last", "typed", "unit", "logged"), CASES)
def test_a_relative_entry_moves_the_last_load(
    last: SetEntry, typed: str, unit: Units, logged: str
) -> None:
    (entry,) = parse_sets(typed, default_unit=unit, last=last)
    assert format_set(entry, unit) == logged


@pytest.mark.parametrize(
    ("last", "typed"),
    [
        (None, "+2.5"),
        (SetEntry(None, None, False, KG, duration_s=60), "+5"),
        (SetEntry(5, Decimal(20), False, KG), "-25"),
    ],
)
def test_a_relative_entry_with_nothing_to_move_is_refused(
    last: SetEntry | None, typed: str
) -> None:
    with pytest.raises(SetParseError):
        parse_sets(typed, default_unit=KG, last=last)
