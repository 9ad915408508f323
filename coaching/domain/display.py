"""Stored values as a person writes them, in the viewer's units (pure: time and units passed in).

* heights: ``182 cm``; ``5'11.5"`` for someone who weighs in pounds;
* body weights: ``84 kg`` or ``185.2 lb`` (never ``84.00 kg``);
* body fat ``18.5%``, resting heart rate ``58 bpm``;
* days relative to today: ``today``, ``yesterday``, ``3 Dec``, ``3 Dec 2025``;
* injuries: ``Left knee — 4/10, reported 3 Dec: sharp on the stairs``, whether the stored
  entry is a client's report (a mapping) or a line the trainer typed at intake (text).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from coaching.domain.enums import Units
from coaching.domain.measurements import CM_PER_IN, format_value
from coaching.domain.units import plain

__all__ = [
    "Injury",
    "format_body_fat",
    "format_body_weight",
    "format_day",
    "format_heart_rate",
    "format_height",
    "format_injury",
    "read_injury",
    "relative_day",
]

INCHES_PER_FOOT = 12


def format_height(height_cm: Decimal, units: Units) -> str:
    """``182 cm`` / ``182.5 cm``; in feet and inches to the half (``5'11.5"``) for pound users,
    as /newclient shows a height typed that way."""
    if units is Units.KG:
        return format_value(height_cm, "cm", units)
    halves = (height_cm / CM_PER_IN * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    feet, inches = divmod(halves / 2, INCHES_PER_FOOT)
    return f"{plain(feet)}'{plain(inches)}\""


def format_body_weight(weight_kg: Decimal, units: Units) -> str:
    """``84 kg``, ``84.5 kg``, ``185.2 lb``: to a tenth, no trailing zeros."""
    return format_value(weight_kg, "kg", units)


def format_body_fat(percent: Decimal) -> str:
    """``18.5%``, ``20%``."""
    return format_value(percent, "%", Units.KG)


def format_heart_rate(bpm: int) -> str:
    return f"{bpm} bpm"


def format_day(day: date, today: date) -> str:
    """``3 Dec``, with the year when it is not this year: ``3 Dec 2025``."""
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def relative_day(day: date, today: date) -> str:
    """``today``, ``yesterday``, else ``3 Dec`` (``3 Dec 2025`` in another year)."""
    if day == today:
        return "today"
    if (today - day).days == 1:
        return "yesterday"
    return format_day(day, today)


@dataclass(frozen=True, slots=True)
class Injury:
    """One stored injury line: a client's report (part, 1–10, when) or free text."""

    text: str | None
    part: str | None = None
    severity: int | None = None
    reported_at: datetime | None = None


def _when(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _severity(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _text(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def read_injury(raw: object) -> Injury:
    """A stored injury entry (a mapping from a report, or a line typed at intake)."""
    if isinstance(raw, Mapping):
        return Injury(
            text=_text(raw.get("text")),
            part=_text(raw.get("part")),
            severity=_severity(raw.get("severity", raw.get("score"))),
            reported_at=_when(raw.get("reported_at")),
        )
    return Injury(text=_text(raw))


def format_injury(injury: Injury, zone: tzinfo, today: date) -> str:
    """``Left knee — 4/10, reported 3 Dec: sharp on the stairs``, or the typed line."""
    head = injury.part or ""
    facts: list[str] = []
    if injury.severity is not None:
        facts.append(f"{injury.severity}/10")
    if injury.reported_at is not None:
        day = injury.reported_at.astimezone(zone).date()
        facts.append(f"reported {relative_day(day, today)}")
    if facts:
        head = f"{head} — {', '.join(facts)}" if head else ", ".join(facts)
    if injury.text:
        return f"{head}: {injury.text}" if head else injury.text
    return head or "—"
