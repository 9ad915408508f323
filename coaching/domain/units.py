"""Weight units: the one conversion factor, the conversions, and how a load is shown.

Weights are stored in kilograms to the gram. A user sees them in their own unit, rounded the
way a lifter loads a bar:

* in kilograms to at most two decimals (``102.058`` → ``102.06 kg``, ``102.5 kg`` stays);
* in pounds to the whole pound (``100 kg`` → ``220 lb``), except that a weight typed in pounds
  is shown back exactly as typed (``102.5 lb``, ``101.25 lb``).

Whatever a user is shown converts back (with :func:`to_kg`) to a weight that is shown the same
again, so repeating or stepping from a shown load never drifts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from coaching.domain.enums import Units

__all__ = [
    "KG_PER_LB",
    "KG_STEP",
    "LB_PLANNED_STEP",
    "format_weight",
    "plain",
    "planned_kg",
    "shown_weight",
    "to_kg",
    "to_unit",
]

KG_PER_LB: Final = Decimal("0.45359237")
"""The international avoirdupois pound, exactly."""

KG_STEP: Final = Decimal("0.001")
"""Weights are stored to the gram."""

LB_PLANNED_STEP: Final = Decimal("2.5")
"""A planned load converted to pounds is rounded to what a bar can be loaded to."""

_KG_SHOWN: Final = Decimal("0.01")
_LB_TYPED: Final = Decimal("0.01")
_LB_HALF: Final = Decimal("0.5")
_LB_SHOWN: Final = Decimal(1)
_FINER: Final = (Decimal("0.1"), Decimal("0.01"), KG_STEP)
"""Used only so that a tiny non-zero weight is never shown as 0."""


def to_kg(value: Decimal, unit: Units) -> Decimal:
    """Convert ``value`` in ``unit`` to kilograms, quantised to 0.001 kg (half up)."""
    kg = value if unit is Units.KG else value * KG_PER_LB
    return kg.quantize(KG_STEP, rounding=ROUND_HALF_UP)


def to_unit(weight_kg: Decimal, unit: Units) -> Decimal:
    """Convert kilograms to ``unit`` at full precision; round only when displaying."""
    return weight_kg if unit is Units.KG else weight_kg / KG_PER_LB


def _nearest(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _is_typed(size_kg: Decimal, pounds: Decimal) -> bool:
    """Whether ``size_kg`` is exactly what typing ``pounds`` stores."""
    return to_kg(pounds, Units.LB) == size_kg.quantize(KG_STEP, rounding=ROUND_HALF_UP)


def _shown_size(size_kg: Decimal, unit: Units, entered: Units | None) -> Decimal:
    """:func:`shown_weight` for a weight of at least 0."""
    exact = to_unit(size_kg, unit)
    if unit is Units.KG:
        shown = exact.quantize(_KG_SHOWN, rounding=ROUND_HALF_UP)
    else:
        typed = exact.quantize(_LB_TYPED, rounding=ROUND_HALF_UP)
        half = _nearest(exact, _LB_HALF)
        if entered is Units.LB and _is_typed(size_kg, typed):
            shown = typed
        elif _is_typed(size_kg, half):
            shown = half
        else:
            shown = _nearest(exact, _LB_SHOWN)
    for step in _FINER:
        if shown or not size_kg:
            break
        shown = exact.quantize(step, rounding=ROUND_HALF_UP)
    return shown


def shown_weight(weight_kg: Decimal, unit: Units, *, entered: Units | None = None) -> Decimal:
    """The number a user whose unit is ``unit`` sees for ``weight_kg``.

    In kilograms: two decimals. In pounds: the pounds typed when ``entered`` says the weight
    was typed in pounds (to 0.01 lb), an exact half pound, else the nearest whole pound. The
    sign is kept (assisted bodyweight offsets are negative) and a non-zero weight is never
    shown as 0.
    """
    shown = _shown_size(weight_kg.copy_abs(), unit, entered)
    return -shown if weight_kg < 0 else shown


def plain(value: Decimal) -> str:
    """``102.50`` → ``102.5``, ``100.000`` → ``100``, never exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_weight(weight_kg: Decimal, unit: Units, *, entered: Units | None = None) -> str:
    """A weight as a user sees it: ``102.06 kg``, ``220 lb``, ``102.5 lb``."""
    return f"{plain(shown_weight(weight_kg, unit, entered=entered))} {unit}"


def planned_kg(weight_kg: Decimal, unit: Units) -> Decimal:
    """The kilograms to store for a planned load, so it is exactly what the user is shown.

    In kilograms that is the load to two decimals. In pounds it is a load typed in pounds
    (an exact whole or half pound) as it is, else the load rounded to 2.5 lb, as a bar is
    loaded: 100 kg is planned as 220 lb. A non-zero load never becomes 0.
    """
    size = weight_kg.copy_abs()
    if unit is Units.KG:
        pounds_or_kg = _shown_size(size, unit, None)
    else:
        exact = to_unit(size, unit)
        half = _nearest(exact, _LB_HALF)
        pounds_or_kg = half if _is_typed(size, half) else _nearest(exact, LB_PLANNED_STEP)
        if not pounds_or_kg:
            pounds_or_kg = _shown_size(size, unit, None)
    kg = to_kg(pounds_or_kg, unit)
    return -kg if weight_kg < 0 else kg
