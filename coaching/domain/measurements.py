"""Body measurements as people type them, and how they trend.

One message is one measurement: ``82.5``, ``82.5kg``, ``181 lb``, ``bf 18.5``, ``rhr 58``,
``waist 84cm`` or ``weight 82.5 2026-11-20``. :func:`parse_measurement` reads it in the
person's units (kg/lb, and cm/in for lengths) and returns it normalised: body weight and other
masses in kg, lengths in cm, body fat in %, heart rate in bpm. A trailing ``YYYY-MM-DD``,
``today`` or ``yesterday`` dates it; a future date is refused.

:func:`trend` compares the latest entry of a kind with the previous one and with the one from
30 days before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from coaching.domain.enums import Units
from coaching.domain.units import KG_PER_LB
from coaching.errors import InvalidInput

BODY_WEIGHT = "body_weight"
BODY_FAT = "body_fat_pct"
RESTING_HR = "resting_hr"
BUILT_IN_KINDS = (BODY_WEIGHT, BODY_FAT, RESTING_HR)

KIND_LABELS = {BODY_WEIGHT: "Weight", BODY_FAT: "Body fat", RESTING_HR: "Resting HR"}

CM_PER_IN = Decimal("2.54")
CUSTOM_NAME_MAX = 30
MAX_AGE_DAYS = 3660
TREND_WINDOW_DAYS = 30

# What people call the built-in kinds.
_KIND_WORDS = {
    "weight": BODY_WEIGHT,
    "w": BODY_WEIGHT,
    "bw": BODY_WEIGHT,
    "body weight": BODY_WEIGHT,
    "bodyweight": BODY_WEIGHT,
    "bf": BODY_FAT,
    "bf%": BODY_FAT,
    "fat": BODY_FAT,
    "body fat": BODY_FAT,
    "bodyfat": BODY_FAT,
    "body fat %": BODY_FAT,
    "rhr": RESTING_HR,
    "hr": RESTING_HR,
    "pulse": RESTING_HR,
    "heart rate": RESTING_HR,
    "resting hr": RESTING_HR,
    "resting heart rate": RESTING_HR,
}

# Entered unit word -> (normalised unit, factor to the normalised unit).
_UNITS: dict[str, tuple[str, Decimal]] = {
    "kg": ("kg", Decimal(1)),
    "kgs": ("kg", Decimal(1)),
    "kilo": ("kg", Decimal(1)),
    "kilos": ("kg", Decimal(1)),
    "lb": ("kg", KG_PER_LB),
    "lbs": ("kg", KG_PER_LB),
    "pound": ("kg", KG_PER_LB),
    "pounds": ("kg", KG_PER_LB),
    "cm": ("cm", Decimal(1)),
    "mm": ("cm", Decimal("0.1")),
    "in": ("cm", CM_PER_IN),
    "inch": ("cm", CM_PER_IN),
    "inches": ("cm", CM_PER_IN),
    '"': ("cm", CM_PER_IN),
    "%": ("%", Decimal(1)),
    "bpm": ("bpm", Decimal(1)),
}

# Sensible ranges, in the normalised unit.
_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    BODY_WEIGHT: (Decimal(20), Decimal(400)),
    BODY_FAT: (Decimal(2), Decimal(75)),
    RESTING_HR: (Decimal(25), Decimal(220)),
    "cm": (Decimal("0.1"), Decimal(300)),
    "kg": (Decimal("0.1"), Decimal(1000)),
    "%": (Decimal(0), Decimal(100)),
    "bpm": (Decimal(20), Decimal(250)),
}

_EXAMPLES = {
    BODY_WEIGHT: "82.5 or 181 lb (add a date: 82.5 yesterday)",
    BODY_FAT: "18.5 (percent)",
    RESTING_HR: "58 (beats per minute)",
}
QUICK_EXAMPLE = "82.5, bf 18.5, rhr 58 or waist 84cm"

_NUMBER = r"(?P<num>\d{1,4}(?:[.,]\d{1,3})?)"
_UNIT = r"(?P<unit>kgs?|kilos?|lbs?|pounds?|cm|mm|inch(?:es)?|in|\"|%|bpm)"
_DATE_TAIL = re.compile(r"^(?P<rest>.*?)\s+(?P<date>\d{4}-\d{2}-\d{2}|today|yesterday)$")
_OTHER_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}|\d{1,2}\.\d{1,2}\.\d{2,4}")
_VALUE = re.compile(rf"^(?:(?P<name>.*?)\s*[:=]?\s+)?{_NUMBER}\s*{_UNIT}?$")


@dataclass(frozen=True, slots=True)
class MeasurementEntry:
    """One parsed measurement, normalised (kg, cm, %, bpm)."""

    kind: str
    value: Decimal
    unit: str
    measured_on: date


def is_built_in(kind: str) -> bool:
    return kind in BUILT_IN_KINDS


def kind_label(kind: str) -> str:
    """``Weight`` / ``Body fat`` / ``Resting HR``, or the custom name capitalised."""
    return KIND_LABELS.get(kind) or kind[:1].upper() + kind[1:]


def length_unit(units: Units) -> str:
    return "in" if units is Units.LB else "cm"


def normalise_custom_name(text: str) -> str:
    """A custom measurement's name as stored: lower case, single spaces, letters first."""
    name = " ".join(text.strip().lower().split())
    if name in _KIND_WORDS:
        return _KIND_WORDS[name]
    if not name or not re.fullmatch(r"[^\W\d_][\w '\-/()]*", name):
        raise InvalidInput(
            "Give the measurement a name made of words.", example="waist 84cm or upper arm 35cm"
        )
    if len(name) > CUSTOM_NAME_MAX:
        raise InvalidInput(f"Keep the name to {CUSTOM_NAME_MAX} characters.", example="waist 84cm")
    return name


def _parse_date(word: str, today: date) -> date:
    if word == "today":
        day = today
    elif word == "yesterday":
        day = today - timedelta(days=1)
    else:
        try:
            day = date.fromisoformat(word)
        except ValueError:
            raise InvalidInput(
                f"“{word}” is not a real date.", example=f"weight 82.5 {today.isoformat()}"
            ) from None
    if day > today:
        raise InvalidInput(
            f"{day.isoformat()} is in the future; log measurements for today or earlier.",
            example=f"weight 82.5 {today.isoformat()}",
        )
    if (today - day).days > MAX_AGE_DAYS:
        raise InvalidInput(
            f"{day.isoformat()} is more than ten years ago.",
            example=f"weight 82.5 {(today - timedelta(days=7)).isoformat()}",
        )
    return day


def parse_measurement(
    text: str, *, units: Units, today: date, kind: str | None = None
) -> MeasurementEntry:
    """Read one measurement message.

    ``kind`` is the kind already chosen with a button (then the text is just the value and an
    optional unit and date); without it the text names the kind, and a bare number is body
    weight.
    """
    cleaned = " ".join(text.strip().lower().split())
    example = _EXAMPLES.get(kind or "", QUICK_EXAMPLE) if kind else QUICK_EXAMPLE
    if not cleaned:
        raise InvalidInput("Send a measurement.", example=example)
    measured_on = today
    dated = _DATE_TAIL.match(cleaned)
    if dated is not None:
        measured_on = _parse_date(dated["date"], today)
        cleaned = dated["rest"].strip()
    if _OTHER_DATE.search(cleaned):
        raise InvalidInput(
            "Write the date as year-month-day after the value.",
            example=f"weight 82.5 {today.isoformat()}",
        )
    match = _VALUE.match(cleaned)
    if match is None:
        raise InvalidInput("I couldn't read that measurement.", example=example)
    try:
        number = Decimal(match["num"].replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise InvalidInput("I couldn't read that number.", example=example) from None
    named = match["name"]
    if named:
        named_kind = normalise_custom_name(named)
        if kind is not None and named_kind != kind:
            raise InvalidInput(
                f"You're logging {kind_label(kind).lower()}; send just the value.",
                example=example,
            )
        kind = named_kind
    unit_word = match["unit"]
    if kind is None:
        kind = _kind_from_unit(unit_word)
    return _normalise(kind, number, unit_word, units, measured_on)


def _kind_from_unit(unit_word: str | None) -> str:
    if unit_word is None:
        return BODY_WEIGHT
    unit = _UNITS[unit_word][0]
    if unit == "kg":
        return BODY_WEIGHT
    if unit == "%":
        return BODY_FAT
    if unit == "bpm":
        return RESTING_HR
    raise InvalidInput("What did you measure? Put its name before the value.", example="waist 84cm")


def _normalise(
    kind: str, number: Decimal, unit_word: str | None, units: Units, measured_on: date
) -> MeasurementEntry:
    if kind == BODY_WEIGHT:
        unit_word = unit_word or units.value
        allowed = {"kg"}
    elif kind == BODY_FAT:
        unit_word = unit_word or "%"
        allowed = {"%"}
    elif kind == RESTING_HR:
        unit_word = unit_word or "bpm"
        allowed = {"bpm"}
    else:
        unit_word = unit_word or length_unit(units)
        allowed = {"kg", "cm", "%", "bpm"}
    unit, factor = _UNITS[unit_word]
    example = _EXAMPLES.get(kind, f"{kind} 84cm")
    if unit not in allowed:
        raise InvalidInput(f"{kind_label(kind)} isn't measured in {unit_word}.", example=example)
    value = (number * factor).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    low, high = _RANGES.get(kind, _RANGES[unit])
    if not low <= value <= high:
        shown = f"{number.normalize():f} {unit_word}".strip()
        raise InvalidInput(
            f"{shown} is not a believable {kind_label(kind).lower()} "
            f"(I accept {_range_text(low, high, unit, units)}).",
            example=example,
        )
    return MeasurementEntry(kind=kind, value=value, unit=unit, measured_on=measured_on)


def _range_text(low: Decimal, high: Decimal, unit: str, units: Units) -> str:
    return f"{format_value(low, unit, units)} to {format_value(high, unit, units)}"


# --- display -----------------------------------------------------------------------------------


def display_unit(unit: str, units: Units) -> str:
    """The unit a stored value is shown in for someone who uses ``units``."""
    if unit == "kg":
        return units.value
    if unit == "cm":
        return length_unit(units)
    return unit


def convert(value: Decimal, unit: str, units: Units) -> Decimal:
    """A stored (normalised) value in the viewer's units."""
    if unit == "kg" and units is Units.LB:
        return value / KG_PER_LB
    if unit == "cm" and units is Units.LB:
        return value / CM_PER_IN
    return value


def _plain(value: Decimal, places: str = "0.1") -> str:
    rounded = value.quantize(Decimal(places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def format_value(value: Decimal, unit: str, units: Units) -> str:
    """``82.5 kg``, ``181.9 lb``, ``18.5%``, ``58 bpm``, ``33.1 in``."""
    shown = _plain(convert(value, unit, units), "1" if unit == "bpm" else "0.1")
    shown_unit = display_unit(unit, units)
    return f"{shown}%" if shown_unit == "%" else f"{shown} {shown_unit}"


def format_delta(delta: Decimal, unit: str, units: Units) -> str:
    """``+0.5 kg`` / ``−1.2 kg`` / ``±0 kg``."""
    text = format_value(abs(delta), unit, units)
    if text.startswith("0 ") or text == "0%":
        return "±" + text
    return ("+" if delta > 0 else "−") + text


# --- trends ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    measured_on: date
    value: Decimal


@dataclass(frozen=True, slots=True)
class Trend:
    latest: Point
    previous: Point | None
    delta_previous: Decimal | None
    baseline: Point | None
    delta_30d: Decimal | None

    @property
    def arrow(self) -> str:
        if self.delta_previous is None:
            return "•"
        if self.delta_previous > 0:
            return "↑"
        if self.delta_previous < 0:
            return "↓"
        return "→"


def trend(points: Sequence[Point]) -> Trend:
    """The latest point compared with the previous one and with the one 30 days earlier.

    ``points`` may come in any order; the newest date wins (ties keep the given order, first
    being newest). The 30-day baseline is the newest point dated at least 30 days before the
    latest.
    """
    if not points:
        raise ValueError("trend needs at least one point")
    ordered = sorted(points, key=lambda p: p.measured_on, reverse=True)
    latest = ordered[0]
    previous = ordered[1] if len(ordered) > 1 else None
    cutoff = latest.measured_on - timedelta(days=TREND_WINDOW_DAYS)
    baseline = next((p for p in ordered[1:] if p.measured_on <= cutoff), None)
    return Trend(
        latest=latest,
        previous=previous,
        delta_previous=latest.value - previous.value if previous else None,
        baseline=baseline,
        delta_30d=latest.value - baseline.value if baseline else None,
    )
