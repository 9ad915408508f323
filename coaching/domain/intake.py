"""What a trainer recorded about a client before they joined, as the client reads it.

When a client opens their trainer's invite, they are shown these details and asked whether
the trainer may keep seeing them. Values come in as stored (plain Python values); each line is
cut so that the whole list fits one Telegram message with room to spare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coaching.domain.enums import Units
from coaching.domain.units import plain, to_unit

LINE_MAX = 180
LABELS: tuple[tuple[str, str], ...] = (
    ("contact", "Contact"),
    ("date_of_birth", "Date of birth"),
    ("gender", "Gender"),
    ("height_cm", "Height"),
    ("current_weight_kg", "Weight"),
    ("body_fat_pct", "Body fat"),
    ("resting_heart_rate", "Resting heart rate"),
    ("fitness_level", "Fitness level"),
    ("goals", "Goals"),
    ("injuries", "Injuries"),
    ("medical_notes", "Medical notes"),
    ("emergency_contact", "Emergency contact"),
    ("address", "Address"),
)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LINE_MAX else text[: LINE_MAX - 1] + "…"


def _injury(item: object) -> str:
    if isinstance(item, Mapping):
        part = str(item.get("part") or "").strip()
        note = str(item.get("text") or "").strip()
        return " — ".join(x for x in (part, note) if x)
    return str(item).strip()


def _items(value: object) -> str:
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "; ".join(x for x in (_injury(item) for item in value) if x)
    return str(value or "")


def _text(key: str, value: object, unit: Units) -> str:
    if key == "height_cm" and isinstance(value, Decimal):
        return f"{plain(value.quantize(Decimal(1)))} cm"
    if key == "current_weight_kg" and isinstance(value, Decimal):
        shown = to_unit(value, unit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return f"{plain(shown)} {unit}"
    if key == "body_fat_pct" and isinstance(value, Decimal):
        return f"{plain(value)}%"
    if key == "resting_heart_rate":
        return f"{value} bpm"
    if isinstance(value, date):
        return value.isoformat()
    return _items(value)


def recorded_intake(values: Mapping[str, object], unit: Units) -> tuple[tuple[str, str], ...]:
    """The recorded details, as (label, text) pairs in intake order; empty ones left out.

    ``values`` has the client profile's fields by name (``contact`` may join email and phone);
    ``unit`` is the reader's unit for the body weight.
    """
    lines = []
    for key, label in LABELS:
        value = values.get(key)
        if value in (None, "", [], ()):
            continue
        text = _text(key, value, unit)
        if text.strip():
            lines.append((label, _cut(text)))
    return tuple(lines)
