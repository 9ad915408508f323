"""Simple progression for programs, and the pieces of a step-by-step prescription.

Two kinds of pure rule live here:

* **Repeating a week with progression.** "Repeat week 1 for weeks 2–4, adding 2.5 kg each week"
  is :func:`plan_repeat` (which weeks, how many steps from the source) plus
  :func:`progress_load` (the load of one exercise after ``steps`` increments). Increments add up
  week on week: week 2 gets +2.5 kg, week 3 +5 kg, week 4 +7.5 kg. A percentage increment is a
  share of the source week's load (linear, not compounding) and is rounded to a plate step.
* **Entering a prescription step by step.** Each button step checks one piece (sets, reps,
  load, RPE/RIR, rest) with the same grammar the one-message form uses, and
  :func:`build_prescription` puts the pieces together through that same parser, so both ways of
  entering an exercise store exactly the same thing.

Nothing here knows about Telegram, the database or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Final

from coaching.domain.enums import Units
from coaching.domain.prescription import (
    MAX_PERCENT,
    MAX_WEIGHT_KG,
    Prescription,
    PrescriptionError,
    parse_prescription_line,
)
from coaching.domain.sets import to_kg

__all__ = [
    "MAX_PROGRAM_WEEKS",
    "EntryError",
    "Increment",
    "IncrementKind",
    "LoadTarget",
    "ProgressionError",
    "WeekStep",
    "build_prescription",
    "check_intensity",
    "check_load",
    "check_rest",
    "check_sets",
    "check_target",
    "describe_steps",
    "parse_increment",
    "parse_week",
    "parse_week_range",
    "plan_repeat",
    "plate_step_kg",
    "progress_load",
]

MAX_PROGRAM_WEEKS: Final = 52
MAX_INCREMENT_KG: Final = Decimal(50)
MAX_INCREMENT_PERCENT: Final = Decimal(50)
_KG_STEP: Final = Decimal("0.001")
_PLACEHOLDER: Final = "Exercise"


class ProgressionError(ValueError):
    """A repeat-with-progression request that cannot be done; ``str()`` is for the user."""

    def __init__(self, message: str, example: str) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def __str__(self) -> str:
        return self.message


class EntryError(ValueError):
    """One step of the step-by-step entry could not be read; ``str()`` is for the user."""

    def __init__(self, message: str, example: str) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------
# Repeat a week with progression
# --------------------------------------------------------------------------------------------


class IncrementKind(StrEnum):
    KG = "kg"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Increment:
    """How much heavier each repeated week gets: kilograms, or a percentage of the source."""

    kind: IncrementKind
    amount: Decimal

    @property
    def is_zero(self) -> bool:
        return self.amount == 0


@dataclass(frozen=True, slots=True)
class WeekStep:
    """A target week and how many increments it is from the source week."""

    week: int
    steps: int


@dataclass(frozen=True, slots=True)
class LoadTarget:
    """The load part of one prescribed exercise."""

    weight_kg: Decimal | None
    percent_e1rm: Decimal | None
    bodyweight: bool


_RANGE_RE: Final = re.compile(
    r"^\s*(?:weeks?\s*)?(\d{1,3})\s*(?:(?:-|–|—|to|\.\.)\s*(\d{1,3}))?\s*$", re.IGNORECASE
)
_INCREMENT_RE: Final = re.compile(
    r"^\s*\+?\s*(\d+(?:[.,]\d+)?)\s*(kgs?|kilos?|lbs?|pounds?|%)?\s*$", re.IGNORECASE
)


def parse_week(text: str, *, duration_weeks: int) -> int:
    """A single week number within the program, e.g. ``1`` or ``week 1``."""
    first, last = parse_week_range(text, duration_weeks=duration_weeks)
    if first != last:
        raise ProgressionError("Please send one week number.", example="1")
    return first


def parse_week_range(text: str, *, duration_weeks: int) -> tuple[int, int]:
    """``2-4``, ``2–4``, ``2 to 4`` or ``3`` to (first, last), within the program's weeks."""
    match = _RANGE_RE.match(text)
    if match is None:
        raise ProgressionError(
            f"I couldn't read “{text.strip()[:40]}” as weeks. Send a week or a range.",
            example="2-4",
        )
    first = int(match[1])
    last = int(match[2]) if match[2] is not None else first
    if first > last:
        raise ProgressionError(
            f"The range {first}–{last} runs backwards; put the lower week first.",
            example=f"{last}-{first}",
        )
    if first < 1 or last > duration_weeks:
        raise ProgressionError(
            f"The program has {duration_weeks} week{'s' if duration_weeks != 1 else ''}; "
            f"week {last if last > duration_weeks else first} is outside it.",
            example=f"2-{duration_weeks}" if duration_weeks >= 2 else "1",
        )
    return first, last


def parse_increment(text: str, unit: Units) -> Increment:
    """``2.5``, ``2.5kg``, ``5 lb``, ``0`` or ``2.5%`` to an :class:`Increment` (kg or %).

    A number without a unit is in the user's unit; pounds are converted to kilograms.
    """
    match = _INCREMENT_RE.match(text)
    if match is None:
        raise ProgressionError(
            f"I couldn't read “{text.strip()[:40]}” as an increase per week.",
            example="2.5 (or 5lb, 2.5%, 0)",
        )
    try:
        amount = Decimal(match[1].replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only passes digits through
        raise ProgressionError("That is not a number.", example="2.5") from None
    suffix = (match[2] or "").lower()
    if suffix == "%":
        if amount > MAX_INCREMENT_PERCENT:
            raise ProgressionError(
                f"{amount}% a week is too steep; use at most {MAX_INCREMENT_PERCENT}%.",
                example="2.5%",
            )
        return Increment(IncrementKind.PERCENT, amount)
    typed_unit = unit if not suffix else Units.LB if suffix[0] in "lp" else Units.KG
    kg = to_kg(amount, typed_unit)
    if kg > MAX_INCREMENT_KG:
        raise ProgressionError(
            "That is more than 50 kg a week; send a smaller increase.", example="2.5"
        )
    return Increment(IncrementKind.KG, kg)


def plan_repeat(
    source_week: int, first: int, last: int, *, duration_weeks: int
) -> tuple[WeekStep, ...]:
    """The weeks a repeat fills, each with its number of increments from the source week.

    The target weeks follow the source week's order: repeating week 1 into 2–4 gives 1, 2 and
    3 increments. Repeating into weeks before the source counts steps by position in the range,
    so repeating week 4 into 1–3 also gives 1, 2 and 3.

    Raises:
        ProgressionError: when a week is outside the program or the source is in the range.
    """
    if not 1 <= source_week <= duration_weeks:
        raise ProgressionError(
            f"Week {source_week} is outside this {duration_weeks}-week program.", example="1"
        )
    if first > last:
        raise ProgressionError(
            f"The range {first}–{last} runs backwards; put the lower week first.",
            example=f"{last}-{first}",
        )
    if first < 1 or last > duration_weeks:
        raise ProgressionError(
            f"The program has {duration_weeks} weeks; weeks {first}–{last} don't all fit.",
            example=f"{min(source_week + 1, duration_weeks)}-{duration_weeks}",
        )
    if first <= source_week <= last:
        raise ProgressionError(
            f"Week {source_week} is the week being repeated; pick other weeks to fill.",
            example=f"{source_week + 1}-{duration_weeks}"
            if source_week < duration_weeks
            else f"1-{source_week - 1}",
        )
    return tuple(WeekStep(week, index) for index, week in enumerate(range(first, last + 1), 1))


def plate_step_kg(unit: Units) -> Decimal:
    """The smallest load change a lifter can load: 0.5 kg, or 1 lb for a pounds user."""
    return Decimal("0.5") if unit is Units.KG else to_kg(Decimal(1), Units.LB)


def _round_to_step(weight_kg: Decimal, step_kg: Decimal) -> Decimal:
    steps = (weight_kg / step_kg).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (steps * step_kg).quantize(_KG_STEP, rounding=ROUND_HALF_UP)


def progress_load(
    load: LoadTarget, increment: Increment, steps: int, *, step_kg: Decimal = Decimal("0.5")
) -> LoadTarget:
    """The load after ``steps`` increments.

    * An absolute load (or the added load of a weighted bodyweight exercise) gains
      ``steps × increment`` kilograms, or ``steps × increment %`` of itself rounded to
      ``step_kg``.
    * A percentage of e1RM gains percentage points for a % increment (capped at 120 %) and
      stays as it is for a kilogram increment, since it already follows the lifter's e1RM.
    * Plain bodyweight and exercises without a load stay as they are.
    Loads are capped at the prescription limit of 1000 kg.
    """
    if steps < 0:
        raise ValueError("steps must not be negative")
    if steps == 0 or increment.is_zero:
        return load
    if load.percent_e1rm is not None:
        if increment.kind is IncrementKind.PERCENT:
            raised = min(load.percent_e1rm + increment.amount * steps, MAX_PERCENT)
            return replace(load, percent_e1rm=raised.quantize(Decimal("0.1")))
        return load
    if load.weight_kg is None:
        return load
    if increment.kind is IncrementKind.KG:
        weight = load.weight_kg + increment.amount * steps
    else:
        gained = load.weight_kg * increment.amount * steps / Decimal(100)
        weight = _round_to_step(load.weight_kg + gained, step_kg)
    weight = min(weight.quantize(_KG_STEP, rounding=ROUND_HALF_UP), MAX_WEIGHT_KG)
    return replace(load, weight_kg=weight)


# --------------------------------------------------------------------------------------------
# Step-by-step entry: each piece is checked with the one-message grammar
# --------------------------------------------------------------------------------------------


def _probe(line: str, unit: Units, example: str) -> Prescription:
    try:
        return parse_prescription_line(line, default_unit=unit)
    except PrescriptionError as error:
        # The parser's own examples are whole lines; the step's example fits the step better.
        message = re.sub(r",? e\.g\. .*$", "", error.message)
        message = message[0].upper() + message[1:]
        raise EntryError(f"{message}.", example) from None


def _clean(text: str) -> str:
    return " ".join(text.split())


def check_sets(text: str) -> int:
    """The number of sets, 1 to 20."""
    cleaned = _clean(text)
    if not cleaned.isdigit():
        raise EntryError("Send the number of sets as a whole number.", "3")
    return _probe(f"{_PLACEHOLDER} {cleaned}x1", Units.KG, "3").sets


def check_target(text: str) -> str:
    """Reps (``5``), a range (``8-12``), a time (``60s``) or a distance (``500m``)."""
    cleaned = _clean(text).replace(" - ", "-")
    if not cleaned:
        raise EntryError("Send the reps per set.", "5, 8-12, 60s or 500m")
    _probe(f"{_PLACEHOLDER} 1x{cleaned}", Units.KG, "5, 8-12, 60s or 500m")
    return cleaned


def check_load(text: str, unit: Units) -> str:
    """A load: ``100``, ``100kg``, ``225lb``, ``75%``, ``bw`` or ``bw+10``."""
    cleaned = _clean(text).lstrip("@ ").strip()
    if not cleaned:
        raise EntryError("Send the load.", "100, 225lb, 75% or bw+10")
    probe = _probe(f"{_PLACEHOLDER} 1x1 @{cleaned}", unit, "100, 225lb, 75% or bw+10")
    if probe.weight_kg is None and probe.percent_e1rm is None and not probe.bodyweight:
        raise EntryError("I couldn't find a load in that.", "100, 225lb, 75% or bw+10")
    return cleaned


def check_intensity(text: str) -> str:
    """``rpe 8``, ``rir 2``, or a bare number meaning RPE."""
    cleaned = _clean(text).lstrip("@ ").strip()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", cleaned):
        cleaned = f"rpe {cleaned}"
    if not re.match(r"(?i)(rpe|rir)", cleaned):
        raise EntryError("Send a target RPE or RIR.", "rpe 8 or rir 2")
    probe = _probe(f"{_PLACEHOLDER} 1x1 {cleaned}", Units.KG, "rpe 8 or rir 2")
    if probe.rpe is None and probe.rir is None:
        raise EntryError("Send a target RPE or RIR.", "rpe 8 or rir 2")
    return cleaned


def check_rest(text: str) -> int:
    """Rest in seconds from ``90``, ``90s``, ``2m`` or ``1:30``."""
    cleaned = _clean(text)
    if cleaned.lower().startswith("rest"):
        cleaned = cleaned[4:].strip()
    probe = _probe(f"{_PLACEHOLDER} 1x1 rest {cleaned}", Units.KG, "90, 2m or 1:30")
    if probe.rest_s is None:  # pragma: no cover - the parser always sets rest here
        raise EntryError("Send the rest between sets.", "90, 2m or 1:30")
    return probe.rest_s


def build_prescription(
    *,
    exercise_text: str,
    sets: int,
    target: str,
    load: str | None,
    intensity: str | None,
    rest_s: int | None,
    unit: Units,
    notes: str | None = None,
) -> Prescription:
    """Assemble checked pieces into the :class:`Prescription` the one-message line would give."""
    parts = [f"{_PLACEHOLDER} {sets}x{target}"]
    if load:
        parts.append(f"@{load}")
    if intensity:
        parts.append(intensity)
    if rest_s is not None:
        parts.append(f"rest {rest_s}")
    prescription = _probe(" ".join(parts), unit, "3x5 @100kg rest 180")
    return replace(prescription, exercise_text=exercise_text, notes=notes or None)


def describe_steps(steps: Sequence[WeekStep]) -> str:
    """``weeks 2–4`` or ``week 3``, for confirmations."""
    if not steps:
        return "no weeks"
    first, last = steps[0].week, steps[-1].week
    return f"week {first}" if first == last else f"weeks {first}–{last}"
