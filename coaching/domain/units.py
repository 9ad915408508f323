"""Weight units: the one conversion factor and the conversions every rule uses."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from coaching.domain.enums import Units

KG_PER_LB: Final = Decimal("0.45359237")
"""The international avoirdupois pound, exactly."""

KG_STEP: Final = Decimal("0.001")
"""Weights are stored to the gram."""


def to_kg(value: Decimal, unit: Units) -> Decimal:
    """Convert ``value`` in ``unit`` to kilograms, quantised to 0.001 kg (half up)."""
    kg = value if unit is Units.KG else value * KG_PER_LB
    return kg.quantize(KG_STEP, rounding=ROUND_HALF_UP)


def to_unit(weight_kg: Decimal, unit: Units) -> Decimal:
    """Convert kilograms to ``unit`` at full precision; round only when displaying."""
    return weight_kg if unit is Units.KG else weight_kg / KG_PER_LB
