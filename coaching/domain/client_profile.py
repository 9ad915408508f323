"""Reading what a trainer types about a new client (seed 001 TRAINEE), as pure validators.

Every parser takes the raw text and returns a clean value, or raises :class:`InvalidInput`
whose sentence says what was wrong and gives an example. Units are converted here: heights in
feet and inches become centimetres, weights in pounds become kilograms.

Dates of birth are read day first when they are not year-month-day: ``17.05.1990`` and
``17/05/1990`` are both the 17th of May 1990, as ``1990-05-17`` is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from coaching.domain.enums import RelationshipType
from coaching.domain.units import KG_PER_LB
from coaching.errors import InvalidInput

T = TypeVar("T")

NAME_MAX = 120
EMAIL_MAX = 254
PHONE_MAX = 32
GENDER_MAX = 32
EMERGENCY_MAX = 200
NOTES_MAX = 2000
LIST_ITEM_MAX = 200
LIST_MAX_ITEMS = 20
MAX_AGE_YEARS = 120

HEIGHT_RANGE = (Decimal(50), Decimal(260))
WEIGHT_RANGE = (Decimal(20), Decimal(400))
BODY_FAT_RANGE = (Decimal(2), Decimal(75))
RHR_RANGE = (25, 220)

INCH_CM = Decimal("2.54")

GENDERS = ("female", "male", "non-binary", "prefer not to say")
FITNESS_LEVELS = ("beginner", "intermediate", "advanced", "athlete")

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,24}$")
_NUMBER = r"(\d+(?:[.,]\d+)?)"


def _clean(text: str) -> str:
    return " ".join(text.split())


def _number(raw: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValueError(raw) from None


def parse_name(text: str) -> str:
    name = _clean(text)
    if not name:
        raise InvalidInput("Please send the client's name.", example="Maria Lopez")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            f"That name is {len(name)} characters long; the limit is {NAME_MAX}.",
            example="Maria Lopez",
        )
    if not any(ch.isalpha() for ch in name):
        raise InvalidInput("A name needs at least one letter.", example="Maria Lopez")
    return name


def parse_contact(text: str) -> tuple[str | None, str | None]:
    """An email address, a phone number, or both (separated by a comma or a new line)."""
    example = "maria@example.com, +44 7700 900123"
    parts = [p.strip() for p in re.split(r"[,;\n]+", text) if p.strip()]
    if not parts:
        raise InvalidInput("Please send an email address or a phone number.", example=example)
    email: str | None = None
    phone: str | None = None
    for part in parts:
        if "@" in part:
            if email is not None or len(part) > EMAIL_MAX or not _EMAIL.match(part):
                raise InvalidInput(
                    f"“{part[:60]}” is not an email address I can use.", example=example
                )
            email = part.lower()
        else:
            digits = sum(ch.isdigit() for ch in part)
            if phone is not None or not _PHONE.match(part) or not 6 <= digits <= 15:
                raise InvalidInput(
                    f"“{part[:60]}” is not a phone number I can use (6 to 15 digits).",
                    example=example,
                )
            phone = _clean(part)[:PHONE_MAX]
    return email, phone


_DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), (3, 2, 1)),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), (3, 2, 1)),
)


def parse_date(text: str, *, example: str = "1990-05-17 or 17.05.1990") -> date:
    """A calendar date: ``1990-05-17``, ``17.05.1990`` or ``17/05/1990`` (day first)."""
    raw = text.strip()
    for pattern, (y, m, d) in _DATE_FORMS:
        match = pattern.match(raw)
        if match is None:
            continue
        try:
            return date(int(match.group(y)), int(match.group(m)), int(match.group(d)))
        except ValueError:
            raise InvalidInput(f"“{raw[:40]}” is not a real date.", example=example) from None
    raise InvalidInput(
        f"I can't read “{raw[:40]}” as a date. Use year-month-day, or day.month.year.",
        example=example,
    )


def parse_date_of_birth(text: str, today: date) -> date:
    born = parse_date(text)
    if born >= today:
        raise InvalidInput("A date of birth must be in the past.", example="1990-05-17")
    try:
        oldest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        oldest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if born < oldest:
        raise InvalidInput(
            f"That would make the client over {MAX_AGE_YEARS} years old.", example="1990-05-17"
        )
    return born


def parse_gender(text: str) -> str:
    value = _clean(text)
    if not value:
        raise InvalidInput("Please tap a button or type a gender.", example="female")
    if len(value) > GENDER_MAX:
        raise InvalidInput(
            f"Please keep it to {GENDER_MAX} characters.", example="female, male or non-binary"
        )
    lowered = value.lower()
    return lowered if lowered in GENDERS else value


def _in_range(value: Decimal, bounds: tuple[Decimal, Decimal], what: str, example: str) -> Decimal:
    low, high = bounds
    if not low <= value <= high:
        raise InvalidInput(
            f"{what} must be between {low} and {high}; {value.normalize():f} is not possible.",
            example=example,
        )
    return value


def parse_height(text: str) -> Decimal:
    """Centimetres, from ``180``, ``180 cm``, ``1.80 m``, ``5'11"`` or ``5 ft 11 in``."""
    example = "180 cm, 1.80 m or 5'11\""
    raw = text.strip().lower().replace("’", "'").replace("”", '"').replace("″", '"')
    raw = raw.replace("′", "'")
    feet = re.match(
        r"^(\d)\s*(?:'|ft|feet|foot)\s*(?:(\d{1,2}(?:[.,]\d+)?)\s*(?:\"|''|in|inches)?)?$", raw
    )
    if feet:
        inches = Decimal(feet.group(1)) * 12 + (_number(feet.group(2)) if feet.group(2) else 0)
        if feet.group(2) and _number(feet.group(2)) >= 12:
            raise InvalidInput("Inches must be below 12.", example=example)
        cm = (inches * INCH_CM).quantize(Decimal("0.1"))
        return _in_range(cm, HEIGHT_RANGE, "Height in cm", example)
    metric = re.match(rf"^{_NUMBER}\s*(cm|m)?$", raw)
    if metric is None:
        raise InvalidInput(f"I can't read “{text.strip()[:40]}” as a height.", example=example)
    value = _number(metric.group(1))
    unit = metric.group(2)
    if unit == "m" or (unit is None and value < 3):
        value *= 100
    return _in_range(value.quantize(Decimal("0.1")), HEIGHT_RANGE, "Height in cm", example)


def parse_weight(text: str, *, default_unit: str = "kg") -> Decimal:
    """Kilograms, from ``82.5``, ``82.5 kg`` or ``180 lb`` (a bare number is ``default_unit``)."""
    example = "82.5 kg or 180 lb"
    raw = text.strip().lower()
    match = re.match(rf"^{_NUMBER}\s*(kg|kgs|kilos?|lb|lbs|pounds?)?$", raw)
    if match is None:
        raise InvalidInput(f"I can't read “{text.strip()[:40]}” as a weight.", example=example)
    value = _number(match.group(1))
    unit = match.group(2) or default_unit
    if unit.startswith(("lb", "pound")):
        value = value * KG_PER_LB
    return _in_range(value.quantize(Decimal("0.01")), WEIGHT_RANGE, "Weight in kg", example)


def parse_body_fat(text: str) -> Decimal:
    example = "18 or 18.5%"
    match = re.match(rf"^{_NUMBER}\s*%?$", text.strip())
    if match is None:
        raise InvalidInput(
            f"I can't read “{text.strip()[:40]}” as a body fat percentage.", example=example
        )
    return _in_range(
        _number(match.group(1)).quantize(Decimal("0.1")), BODY_FAT_RANGE, "Body fat %", example
    )


def parse_resting_hr(text: str) -> int:
    example = "62 or 62 bpm"
    match = re.match(r"^(\d{1,3})\s*(?:bpm)?$", text.strip().lower())
    if match is None:
        raise InvalidInput(
            f"I can't read “{text.strip()[:40]}” as a heart rate in beats per minute.",
            example=example,
        )
    value = int(match.group(1))
    low, high = RHR_RANGE
    if not low <= value <= high:
        raise InvalidInput(
            f"A resting heart rate must be between {low} and {high} bpm; {value} is not possible.",
            example=example,
        )
    return value


def parse_fitness_level(text: str) -> str:
    value = _clean(text).lower()
    if value not in FITNESS_LEVELS:
        raise InvalidInput(
            "Please pick one of: " + ", ".join(FITNESS_LEVELS) + ".", example="intermediate"
        )
    return value


def split_items(text: str) -> list[str]:
    """Split a typed list at commas, semicolons and new lines, not inside brackets.

    ``left knee (ACL, 2021), lower back pain`` is two items: the comma inside the brackets
    belongs to the first one. A new line always ends an item, and a line whose bracket is never
    closed is split at every separator, so one stray ``(`` cannot swallow the rest of the list.
    """
    items: list[str] = []
    for line in text.splitlines():
        depth = 0
        current: list[str] = []
        for char in line:
            if char in "([{":
                depth += 1
            elif char in ")]}" and depth:
                depth -= 1
            elif char in ",;" and not depth:
                items.append("".join(current))
                current = []
                continue
            current.append(char)
        if depth:  # a bracket never closed: split its item at every separator after all
            items.extend(re.split(r"[,;]", "".join(current)))
        else:
            items.append("".join(current))
    return [cleaned for item in items if (cleaned := _clean(item))]


def parse_list(text: str, what: str, example: str) -> list[str]:
    """Items separated by commas, semicolons or new lines (goals, injuries).

    Commas inside brackets stay in their item: see :func:`split_items`.
    """
    items = split_items(text)
    if not items:
        raise InvalidInput(f"Please send at least one {what}.", example=example)
    if len(items) > LIST_MAX_ITEMS:
        raise InvalidInput(f"Please send at most {LIST_MAX_ITEMS} {what}s.", example=example)
    for item in items:
        if len(item) > LIST_ITEM_MAX:
            raise InvalidInput(
                f"Each {what} can be at most {LIST_ITEM_MAX} characters; one is {len(item)}.",
                example=example,
            )
    return items


def parse_goals(text: str) -> list[str]:
    return parse_list(text, "goal", "lose 5 kg, run a 10k, deadlift 100 kg")


def parse_injuries(text: str) -> list[str]:
    return parse_list(text, "injury", "left knee (ACL, 2021), lower back pain")


def parse_notes(
    text: str, *, limit: int = NOTES_MAX, example: str = "asthma; uses an inhaler"
) -> str:
    value = text.strip()
    if not value:
        raise InvalidInput("Please send some text.", example=example)
    if len(value) > limit:
        raise InvalidInput(
            f"That is {len(value)} characters long; the limit is {limit}. Please shorten it.",
            example=example,
        )
    return value


def parse_medical_notes(text: str) -> str:
    return parse_notes(text)


def parse_emergency_contact(text: str) -> str:
    example = "Ana Lopez (sister), +44 7700 900456"
    value = _clean(text)
    if not value:
        raise InvalidInput("Please send a name and a phone number.", example=example)
    if len(value) > EMERGENCY_MAX:
        raise InvalidInput(
            f"Please keep it to {EMERGENCY_MAX} characters; that is {len(value)}.",
            example=example,
        )
    return value


def parse_relationship_type(text: str) -> RelationshipType:
    value = _clean(text).lower().replace("-", " ").replace("_", " ")
    table = {
        "in person": RelationshipType.IN_PERSON,
        "online": RelationshipType.ONLINE,
        "hybrid": RelationshipType.HYBRID,
    }
    if value not in table:
        raise InvalidInput("Please pick in person, online or hybrid.", example="online")
    return table[value]


@dataclass(frozen=True, slots=True)
class ClientDraft:
    """A new client's validated details; only the name is required."""

    name: str
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    body_fat_pct: Decimal | None = None
    resting_heart_rate: int | None = None
    fitness_level: str | None = None
    goals: tuple[str, ...] = field(default_factory=tuple)
    injuries: tuple[str, ...] = field(default_factory=tuple)
    medical_notes: str | None = None
    emergency_contact: str | None = None
    relationship_type: RelationshipType = RelationshipType.IN_PERSON


def _opt(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    return None if value is None or value == "" else str(value)


def _items(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return []


def _parsed(values: Mapping[str, object], key: str, parse: Callable[[str], T]) -> T | None:
    """``values[key]`` checked again by ``parse``; ``None`` when it is missing or empty."""
    text = _opt(values, key)
    return parse(text) if text else None


def _parsed_items(
    values: Mapping[str, object], key: str, parse: Callable[[str], list[str]]
) -> tuple[str, ...]:
    """The list ``values[key]`` checked again by ``parse`` (which reads one item a line)."""
    items = _items(values.get(key))
    return tuple(parse("\n".join(items))) if items else ()


def _height_cm(text: str) -> Decimal:
    return _in_range(Decimal(text), HEIGHT_RANGE, "Height in cm", "180")


def _weight_kg(text: str) -> Decimal:
    return _in_range(Decimal(text), WEIGHT_RANGE, "Weight in kg", "82.5")


def _body_fat_pct(text: str) -> Decimal:
    return _in_range(Decimal(text), BODY_FAT_RANGE, "Body fat %", "18")


def draft_from_values(values: Mapping[str, object]) -> ClientDraft:
    """Rebuild a draft from JSON-able values (dates as ISO text, decimals as text).

    The values were validated as they were typed; they are checked again here so a tampered
    or outdated draft can never reach the database.
    """
    name = parse_name(str(values.get("name") or ""))
    contact = ", ".join(v for v in (_opt(values, "email"), _opt(values, "phone")) if v)
    parsed_email, parsed_phone = parse_contact(contact) if contact else (None, None)
    return ClientDraft(
        name=name,
        email=parsed_email,
        phone=parsed_phone,
        date_of_birth=_parsed(values, "date_of_birth", date.fromisoformat),
        gender=_parsed(values, "gender", parse_gender),
        height_cm=_parsed(values, "height_cm", _height_cm),
        weight_kg=_parsed(values, "weight_kg", _weight_kg),
        body_fat_pct=_parsed(values, "body_fat_pct", _body_fat_pct),
        resting_heart_rate=_parsed(values, "resting_heart_rate", parse_resting_hr),
        fitness_level=_parsed(values, "fitness_level", parse_fitness_level),
        goals=_parsed_items(values, "goals", parse_goals),
        injuries=_parsed_items(values, "injuries", parse_injuries),
        medical_notes=_parsed(values, "medical_notes", parse_medical_notes),
        emergency_contact=_parsed(values, "emergency_contact", parse_emergency_contact),
        relationship_type=_relationship_type(values),
    )


def _relationship_type(values: Mapping[str, object]) -> RelationshipType:
    kind = _parsed(values, "relationship_type", RelationshipType)
    return RelationshipType.IN_PERSON if kind is None else kind
