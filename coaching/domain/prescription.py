"""Parse one-line exercise prescriptions such as ``Back squat 3x5 @100kg rest 180``.

A trainer builds a session template by sending one message with one line per exercise::

    Back squat 3x5 @100kg rest 180
    Bench press 4x8-12 @rpe8 rest 2m
    Pull-up 3x8 @bw+10kg rir 2
    Plank 3x60s rest 60 - keep hips level
    Row 1x500m

Grammar of a line (case-insensitive, spacing forgiving), in this order::

    <exercise name> <sets>x<target> [modifiers...] [- note | | note | ; note]

``<target>`` is reps (``5``, a range ``8-12`` or ``8–12``), a time (``60s``, ``1:00``,
``20min``, ``1h``) or a distance (``500m``, ``5km``, ``2mi``, ``400yd``). The ``x`` may also be
written ``×``, ``X`` or ``*``. Modifiers may come in any order, separated by spaces or commas:

* load: ``@100kg``, ``@ 100`` (the user's default unit), ``@225lb``, ``@75%`` (of e1RM),
  ``@bw`` or ``@bw+10kg`` (bodyweight plus added load); ``100kg`` and ``75%`` also work
  without the ``@``;
* intensity: ``rpe 8``, ``@rpe8``, ``rpe 8.5``, or ``rir 2`` (one of the two, not both);
* rest: ``rest 180`` (seconds), ``rest 90s``, ``rest 2m`` / ``rest 2min`` (minutes),
  ``rest 1:30`` or ``rest 1m30s``;
* time for a distance: ``Run 1x5km in 25:00``.

A number alone after the sets and reps (``Squat 3x5 100``) is the load in the user's unit.
Several exercises may share a line, separated by commas (``Squat 3x5 100, Bench 3x8 60``): a
comma starts a new exercise only when what follows it has its own name and sets, so
``Squat 3x5 @100kg, rest 90`` stays one exercise.

Note that ``m`` means metres in a target (``1x500m``) but minutes after ``rest`` (``rest 2m``),
as trainers write them.

Every problem raises :class:`PrescriptionError`, which names the line, the part it could not
read and, where one can be made, the line fixed; nothing is guessed silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from coaching.domain.enums import Units
from coaching.domain.units import KG_PER_LB, format_weight, to_kg

__all__ = [
    "EXAMPLE_LINE",
    "KG_PER_LB",
    "Prescription",
    "PrescriptionError",
    "exercise_pieces",
    "format_prescription",
    "parse_prescription_line",
    "parse_template_text",
]

EXAMPLE_LINE: Final = "Back squat 3x5 @100kg rest 180"
"""A well-formed line, quoted in every error message."""

"""The international avoirdupois pound, exactly."""

MAX_NAME_LENGTH: Final = 100
MAX_NOTES_LENGTH: Final = 500
MAX_SETS: Final = 20
MAX_REPS: Final = 100
MAX_WEIGHT_KG: Final = Decimal(1000)
MAX_PERCENT: Final = Decimal(120)
MAX_RPE: Final = Decimal(10)
MAX_RIR: Final = 10
MAX_REST_S: Final = 3600
MAX_DURATION_S: Final = 24 * 3600
MAX_DISTANCE_M: Final = Decimal(1_000_000)

_WEIGHT_QUANTUM: Final = Decimal("0.001")
_PERCENT_QUANTUM: Final = Decimal("0.1")
_DISTANCE_QUANTUM: Final = Decimal("0.1")
_RPE_STEP: Final = Decimal("0.5")


class PrescriptionError(ValueError):
    """A template line could not be understood.

    Attributes:
        line_no: 1-based number of the offending line within the message.
        line: The line as the user typed it.
        message: What is wrong, phrased for the user (no trailing full stop).
        part: The words that could not be read, when it is one part of the line.
        fixed: The line as it would be read with that part fixed, when one can be made (the
            unreadable words turned into a note, a load moved after the sets and reps).
    """

    def __init__(
        self,
        line_no: int,
        line: str,
        message: str,
        part: str | None = None,
        fixed: str | None = None,
    ) -> None:
        self.line_no = line_no
        self.line = line
        self.message = message
        self.part = part
        self.fixed = fixed
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"Line {self.line_no} ({self.line!r}): {self.message}."
        if self.fixed:
            return f"{head} Fixed, it reads: {self.fixed}"
        return f"{head} Expected form: {EXAMPLE_LINE}"

    def __reduce__(
        self,
    ) -> tuple[type[PrescriptionError], tuple[int, str, str, str | None, str | None]]:
        return (type(self), (self.line_no, self.line, self.message, self.part, self.fixed))


@dataclass(frozen=True, slots=True)
class Prescription:
    """One exercise of a session template, as the trainer prescribed it.

    Exactly one of ``reps_min``/``reps_max`` (together), ``duration_s`` or ``distance_m`` is the
    set target, except that a distance may also carry a target time (``duration_s``).

    Attributes:
        exercise_text: The exercise as typed; resolve it with the catalogue search.
        sets: Number of sets, 1..20.
        reps_min: Lowest reps per set; equal to ``reps_max`` for a fixed count.
        reps_max: Highest reps per set.
        weight_kg: Load in kilograms (added load when ``bodyweight`` is set), to 0.001 kg.
        percent_e1rm: Load as a percentage of the estimated one-rep max.
        bodyweight: The exercise is done at bodyweight (``@bw``).
        rpe: Target rate of perceived exertion, 1..10 in steps of 0.5.
        rir: Target reps in reserve, 0..10.
        rest_s: Rest between sets in seconds.
        duration_s: Time per set in seconds (timed holds, cardio), or the target time for a
            distance.
        distance_m: Distance per set in metres.
        notes: Free text the trainer added after ``-``, ``|`` or ``;``.
        entered_unit: The unit the load was typed in, so it can be shown back the same way.
    """

    exercise_text: str
    sets: int
    reps_min: int | None
    reps_max: int | None
    weight_kg: Decimal | None
    percent_e1rm: Decimal | None
    bodyweight: bool
    rpe: Decimal | None
    rir: int | None
    rest_s: int | None
    duration_s: int | None
    distance_m: Decimal | None
    notes: str | None
    entered_unit: Units


# --------------------------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------------------------

_NUM: Final = r"\d+(?:[.,]\d+)?"
_END: Final = r"(?![\w.:%])"
_CLOCK: Final = r"\d{1,3}:[0-5]\d(?::[0-5]\d)?"
_WEIGHT_UNIT: Final = r"kgs?|kilos?|kilograms?|lbs?|pounds?"
_SECONDS_UNIT: Final = r"s|secs?|seconds?"
_MINUTES_UNIT: Final = r"mins?|minutes?"
_HOURS_UNIT: Final = r"h|hrs?|hours?"
_TIME_UNIT: Final = rf"{_SECONDS_UNIT}|{_MINUTES_UNIT}|{_HOURS_UNIT}"
_DISTANCE_UNIT: Final = r"km|kms|kilometers?|kilometres?|m|meters?|metres?|mi|miles?|yds?|yards?"

_SETS_TARGET_RE: Final = re.compile(
    rf"""
    (?<![\w.])(?P<sets>\d+)\s*[x×*]\s*
    (?:
        (?P<clock>{_CLOCK})
      | (?P<qty>{_NUM})\s?(?P<unit>{_TIME_UNIT}|{_DISTANCE_UNIT})
      | (?P<lo>\d+)(?:\s*[-–—]\s*(?P<hi>\d+))?
    )
    {_END}
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NOTE_SEPARATOR_RE: Final = re.compile(r"(?:^|\s)[-–—]+(?:\s|$)|[|;]")
_SKIP_RE: Final = re.compile(r"[\s,]+")

_RPE_RE: Final = re.compile(rf"@?\s*rpe\s*[:=]?\s*(?P<value>{_NUM}){_END}", re.IGNORECASE)
_RIR_RE: Final = re.compile(rf"@?\s*rir\s*[:=]?\s*(?P<value>{_NUM}){_END}", re.IGNORECASE)
_BODYWEIGHT_RE: Final = re.compile(
    rf"@?\s*(?:bw|bodyweight|body\s+weight)"
    rf"(?:\s*\+\s*(?P<num>{_NUM})\s*(?P<unit>{_WEIGHT_UNIT})?)?{_END}",
    re.IGNORECASE,
)
_PERCENT_RE: Final = re.compile(
    rf"@?\s*(?P<num>{_NUM})\s*%(?:\s*(?:of\s+)?e?1rm{_END})?", re.IGNORECASE
)
_AT_WEIGHT_RE: Final = re.compile(
    rf"@\s*(?P<num>{_NUM})\s*(?P<unit>{_WEIGHT_UNIT})?{_END}", re.IGNORECASE
)
_BARE_WEIGHT_RE: Final = re.compile(
    rf"(?P<num>{_NUM})\s*(?P<unit>{_WEIGHT_UNIT}){_END}", re.IGNORECASE
)
_BARE_NUMBER_RE: Final = re.compile(rf"(?P<num>{_NUM})(?P<unit>){_END}")
_REST_DURATION: Final = (
    rf"(?P<clock>{_CLOCK})"
    rf"|(?P<min>\d+)\s*(?:{_MINUTES_UNIT}|m)(?:\s*(?P<minsec>\d+)\s*(?:{_SECONDS_UNIT})?)?"
    rf"|(?P<sec>\d+)\s*(?:{_SECONDS_UNIT})?"
)
_REST_RE: Final = re.compile(rf"rest\s*[:=]?\s*(?:{_REST_DURATION}){_END}", re.IGNORECASE)
_IN_TIME_RE: Final = re.compile(
    rf"in\s+(?:(?P<clock>{_CLOCK})|(?P<qty>{_NUM})\s?(?P<unit>{_TIME_UNIT})){_END}",
    re.IGNORECASE,
)

_DISTANCE_FACTORS: Final[dict[str, Decimal]] = {
    "k": Decimal(1000),
    "m": Decimal(1),
    "mi": Decimal("1609.344"),
    "y": Decimal("0.9144"),
}
_LOAD_HELP: Final = "write the load like @100kg, @225lb, @75% or @bw"
_REST_HELP: Final = "write rest like rest 90, rest 90s, rest 2m or rest 1:30"
_NOTE_HELP: Final = "put notes after ' - ', e.g. Plank 3x60s rest 60 - keep hips level"


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


class _LineError(Exception):
    """Internal: a problem with the current line, before the line number is attached.

    ``at`` is where the unreadable part starts in the text being read (modifiers only)."""

    def __init__(
        self,
        message: str,
        *,
        part: str | None = None,
        at: int | None = None,
        fixed: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.part = part
        self.at = at
        self.fixed = fixed


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regexes only pass digits through
        raise _LineError(f"{text!r} is not a number") from None


def _clock_seconds(text: str) -> int:
    """``m:ss`` or ``h:mm:ss`` to seconds."""
    parts = [int(p) for p in text.split(":")]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    return seconds


def _unit_seconds(qty: Decimal, unit: str) -> int:
    """A quantity with a time unit (``s``, ``min``, ``h`` and their spellings) to seconds."""
    unit = unit.lower()
    factor = 3600 if unit.startswith("h") else 60 if unit.startswith("min") else 1
    seconds = qty * factor
    if seconds != seconds.to_integral_value():
        raise _LineError(f"times must come to whole seconds, e.g. 90s or 1:30, not {qty}{unit}")
    return int(seconds)


def _check_duration(seconds: int, what: str) -> int:
    if not 1 <= seconds <= MAX_DURATION_S:
        raise _LineError(f"{what} must be between 1 second and 24 hours, e.g. 3x60s or 1x20min")
    return seconds


def _weight_unit(raw: str | None, default_unit: Units) -> Units:
    if not raw:
        return default_unit
    return Units.LB if raw.lower().startswith(("lb", "pound")) else Units.KG


def _check_weight(kg: Decimal, typed: str) -> Decimal:
    if not Decimal(0) < kg <= MAX_WEIGHT_KG:
        raise _LineError(
            f"the weight {typed} is out of range: it must be more than 0 and at most 1000 kg "
            "(2204 lb), e.g. @100kg"
        )
    return kg


@dataclass(slots=True)
class _Modifiers:
    """Mutable accumulator for the modifiers of one line."""

    weight_kg: Decimal | None = None
    percent: Decimal | None = None
    bodyweight: bool = False
    unit: Units | None = None
    rpe: Decimal | None = None
    rir: int | None = None
    rest_s: int | None = None
    target_time_s: int | None = None
    has_load: bool = False

    def claim_load(self, typed: str) -> None:
        if self.has_load:
            raise _LineError(f"the load is given twice (again as {typed!r}); give one, e.g. @100kg")
        self.has_load = True

    def claim_intensity(self, typed: str) -> None:
        if self.rpe is not None or self.rir is not None:
            raise _LineError(
                f"the intensity is given twice (again as {typed!r}); give either RPE or RIR "
                "once, e.g. rpe 8 or rir 2"
            )


def _apply_rpe(match: re.Match[str], mods: _Modifiers, _default: Units) -> None:
    mods.claim_intensity(match.group(0).strip())
    rpe = _decimal(match["value"])
    if not Decimal(1) <= rpe <= MAX_RPE or rpe % _RPE_STEP != 0:
        raise _LineError(
            f"RPE {match['value']} is not valid: use 1 to 10 in steps of 0.5, e.g. rpe 8"
        )
    mods.rpe = rpe.quantize(Decimal("0.1"))


def _apply_rir(match: re.Match[str], mods: _Modifiers, _default: Units) -> None:
    mods.claim_intensity(match.group(0).strip())
    rir = _decimal(match["value"])
    if rir != rir.to_integral_value() or not 0 <= rir <= MAX_RIR:
        raise _LineError(
            f"RIR {match['value']} is not valid: use a whole number 0 to 10, e.g. rir 2"
        )
    mods.rir = int(rir)


def _apply_bodyweight(match: re.Match[str], mods: _Modifiers, default_unit: Units) -> None:
    mods.claim_load(match.group(0).strip())
    mods.bodyweight = True
    if match["num"] is not None:
        unit = _weight_unit(match["unit"], default_unit)
        mods.unit = unit
        typed = f"+{match['num']} {unit}"
        mods.weight_kg = _check_weight(to_kg(_decimal(match["num"]), unit), typed)


def _apply_percent(match: re.Match[str], mods: _Modifiers, _default: Units) -> None:
    mods.claim_load(match.group(0).strip())
    percent = _decimal(match["num"])
    if not Decimal(1) <= percent <= MAX_PERCENT:
        raise _LineError(
            f"{match['num']}% is out of range: a percentage of 1RM must be 1 to 120, e.g. @75%"
        )
    mods.percent = percent.quantize(_PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def _apply_weight(match: re.Match[str], mods: _Modifiers, default_unit: Units) -> None:
    mods.claim_load(match.group(0).strip())
    unit = _weight_unit(match["unit"], default_unit)
    mods.unit = unit
    mods.weight_kg = _check_weight(to_kg(_decimal(match["num"]), unit), f"{match['num']} {unit}")


def _apply_rest(match: re.Match[str], mods: _Modifiers, _default: Units) -> None:
    if mods.rest_s is not None:
        raise _LineError("the rest is given twice; give it once, e.g. rest 90")
    if match["clock"] is not None:
        seconds = _clock_seconds(match["clock"])
    elif match["min"] is not None:
        seconds = int(match["min"]) * 60 + int(match["minsec"] or 0)
    else:
        seconds = int(match["sec"])
    if not 0 <= seconds <= MAX_REST_S:
        raise _LineError("rest must be between 0 and 60 minutes, e.g. rest 90 or rest 2m")
    mods.rest_s = seconds


def _apply_in_time(match: re.Match[str], mods: _Modifiers, _default: Units) -> None:
    if mods.target_time_s is not None:
        raise _LineError("the target time is given twice; give it once, e.g. Run 1x5km in 25:00")
    if match["clock"] is not None:
        seconds = _clock_seconds(match["clock"])
    else:
        seconds = _unit_seconds(_decimal(match["qty"]), match["unit"])
    mods.target_time_s = _check_duration(seconds, "the target time")


_Apply = Callable[[re.Match[str], _Modifiers, Units], None]
# Order matters: the more specific forms must be tried before the looser ones.
_MODIFIERS: Final[tuple[tuple[re.Pattern[str], _Apply], ...]] = (
    (_RPE_RE, _apply_rpe),
    (_RIR_RE, _apply_rir),
    (_BODYWEIGHT_RE, _apply_bodyweight),
    (_PERCENT_RE, _apply_percent),
    (_AT_WEIGHT_RE, _apply_weight),
    (_BARE_WEIGHT_RE, _apply_weight),
    (_BARE_NUMBER_RE, _apply_weight),
    (_REST_RE, _apply_rest),
    (_IN_TIME_RE, _apply_in_time),
)


def _explain_unknown(word: str, rest: str) -> str:
    """The most helpful message for a modifier that matched nothing."""
    lowered = word.lower()
    if lowered.startswith("rest"):
        return f"I couldn't read the rest {rest.strip()!r}: {_REST_HELP}"
    if lowered.startswith(("rpe", "@rpe")):
        return f"I couldn't read {word!r}: write RPE like rpe 8 or @rpe8.5"
    if lowered.startswith(("rir", "@rir")):
        return f"I couldn't read {word!r}: write RIR like rir 2"
    if lowered.startswith("@"):
        return f"I couldn't read the load {word!r}: {_LOAD_HELP}"
    if re.match(r"\d", word):
        return f"I couldn't read {word!r}: {_LOAD_HELP}, and rest like rest 90"
    return f"I didn't understand {rest.strip()!r}; {_NOTE_HELP}"


def _parse_modifiers(text: str, default_unit: Units) -> _Modifiers:
    mods = _Modifiers()
    pos = 0
    while True:
        skip = _SKIP_RE.match(text, pos)
        if skip:
            pos = skip.end()
        if pos >= len(text):
            return mods
        for pattern, apply in _MODIFIERS:
            match = pattern.match(text, pos)
            if match:
                apply(match, mods, default_unit)
                pos = match.end()
                break
        else:
            word = text[pos:].split(maxsplit=1)[0].rstrip(",")
            # Words that are no modifier at all would read as a note; a bad load, rest or
            # intensity would not, so no fixed line is offered for those.
            note_like = re.match(r"@|\d|rest|rpe|rir", word, re.IGNORECASE) is None
            raise _LineError(
                _explain_unknown(word, text[pos:]),
                part=text[pos:].strip() if note_like else word,
                at=pos if note_like else None,
            )


def _parse_target(
    match: re.Match[str],
) -> tuple[int | None, int | None, int | None, Decimal | None]:
    """(reps_min, reps_max, duration_s, distance_m) from a sets×target match."""
    if match["clock"] is not None:
        return None, None, _check_duration(_clock_seconds(match["clock"]), "the time per set"), None
    if match["qty"] is not None:
        qty = _decimal(match["qty"])
        unit = match["unit"].lower()
        if re.fullmatch(_DISTANCE_UNIT, unit):
            factor = _DISTANCE_FACTORS[
                "k" if unit.startswith("k") else "mi" if unit.startswith("mi") else unit[0]
            ]
            metres = (qty * factor).quantize(_DISTANCE_QUANTUM, rounding=ROUND_HALF_UP)
            if not Decimal(0) < metres <= MAX_DISTANCE_M:
                raise _LineError(
                    "the distance must be more than 0 and at most 1000 km, e.g. 1x500m or 1x5km"
                )
            return None, None, None, metres
        seconds = _unit_seconds(qty, unit)
        return None, None, _check_duration(seconds, "the time per set"), None
    reps_min = int(match["lo"])
    reps_max = int(match["hi"]) if match["hi"] is not None else reps_min
    for reps in (reps_min, reps_max):
        if not 1 <= reps <= MAX_REPS:
            raise _LineError(f"reps must be between 1 and {MAX_REPS}, e.g. 3x5 or 4x8-12")
    if reps_min > reps_max:
        raise _LineError(
            f"the rep range {reps_min}-{reps_max} runs backwards: put the lower number first, "
            f"e.g. 4x{reps_max}-{reps_min}"
        )
    return reps_min, reps_max, None, None


def _parse(line: str, default_unit: Units) -> Prescription:
    stripped = line.strip()
    if not stripped:
        raise _LineError("the line is empty")
    match = _SETS_TARGET_RE.search(stripped)
    if match is None:
        raise _LineError(
            "I couldn't find the sets and reps: write them like 3x5, 4x8-12, 3x60s or 1x500m"
        )
    name = _exercise_name(stripped, match)
    sets = int(match["sets"])
    if not 1 <= sets <= MAX_SETS:
        raise _LineError(f"sets must be between 1 and {MAX_SETS}, e.g. 3x5")
    reps_min, reps_max, duration_s, distance_m = _parse_target(match)

    remainder, notes = _split_note(stripped[match.end() :])
    mods = _line_modifiers(stripped[: match.end()], remainder, notes, default_unit)
    if mods.target_time_s is not None:
        if distance_m is None:
            raise _LineError("'in <time>' only goes with a distance, e.g. Run 1x5km in 25:00")
        duration_s = mods.target_time_s

    return Prescription(
        exercise_text=name,
        sets=sets,
        reps_min=reps_min,
        reps_max=reps_max,
        weight_kg=mods.weight_kg,
        percent_e1rm=mods.percent,
        bodyweight=mods.bodyweight,
        rpe=mods.rpe,
        rir=mods.rir,
        rest_s=mods.rest_s,
        duration_s=duration_s,
        distance_m=distance_m,
        notes=notes,
        entered_unit=mods.unit or default_unit,
    )


def _exercise_name(stripped: str, match: re.Match[str]) -> str:
    """The exercise's name: the text before the sets and reps, which must be there, not too
    long, and hold no load (``Squat @100 3x5`` is refused with the line put in order)."""
    name = " ".join(stripped[: match.start()].split()).rstrip(" ,:-–—")
    if not name:
        raise _LineError("the exercise name is missing: start the line with it, e.g. Back squat")
    if len(name) > MAX_NAME_LENGTH:
        raise _LineError(f"the exercise name is longer than {MAX_NAME_LENGTH} characters")
    if "@" in name:
        bare, load = name.split("@", 1)
        raise _LineError(
            "the load must come after the sets and reps, e.g. Back squat 3x5 @100kg",
            part=f"@{load.strip()}",
            fixed=" ".join(f"{bare} {stripped[match.start() :]} @{load.strip()}".split()),
        )
    return name


def _split_note(remainder: str) -> tuple[str, str | None]:
    """(the modifiers, the note) of what follows the sets and reps."""
    separator = _NOTE_SEPARATOR_RE.search(remainder)
    if separator is None:
        return remainder, None
    notes = remainder[separator.end() :].strip() or None
    if notes is not None and len(notes) > MAX_NOTES_LENGTH:
        raise _LineError(f"the note is longer than {MAX_NOTES_LENGTH} characters")
    return remainder[: separator.start()], notes


def _line_modifiers(
    head: str, remainder: str, notes: str | None, default_unit: Units
) -> _Modifiers:
    """The modifiers after ``head`` (name, sets and target). A word that is no modifier is
    refused with the line rewritten to carry it as a note."""
    try:
        return _parse_modifiers(remainder, default_unit)
    except _LineError as error:
        if error.at is None or error.part is None:
            raise
        kept = (head + remainder[: error.at]).rstrip(" ,")
        note = ", ".join(filter(None, (error.part, notes)))
        error.fixed = f"{kept} - {note}"
        raise


def parse_prescription_line(line: str, *, default_unit: Units, line_no: int = 1) -> Prescription:
    """Parse one template line, e.g. ``Back squat 3x5 @100kg rest 180``.

    Args:
        line: The line as typed.
        default_unit: Unit for a load typed without one (``@100``), normally the user's setting.
        line_no: Position of the line in its message, used in error messages.

    Raises:
        PrescriptionError: naming the line and what is wrong with it.
    """
    try:
        return _parse(line, default_unit)
    except _LineError as exc:
        raise PrescriptionError(
            line_no, line.strip(), exc.message, part=exc.part, fixed=exc.fixed
        ) from None


_EXERCISE_COMMA_RE: Final = re.compile(r"(?<!\d),|,(?!\d)")


def _exercise(piece: str, *, noteless: bool) -> bool:
    """Whether ``piece`` has a name followed by sets and reps (``Bench 3x8``) and, when
    ``noteless``, no note after them."""
    match = _SETS_TARGET_RE.search(piece)
    if match is None or not any(c.isalpha() for c in piece[: match.start()]):
        return False
    return not noteless or _NOTE_SEPARATOR_RE.search(piece[match.end() :]) is None


def split_exercises(line: str) -> list[str]:
    """One line cut at the commas that separate exercises (``Squat 3x5 100, Bench 3x8 60``).

    A comma separates exercises only when the text before it is already a whole exercise
    (without a note) and the text after it has its own name and sets; any other comma
    (``@100kg, rest 90``, ``Squat, paused 3x5``, a decimal ``62,5``) stays where it is.
    """
    pieces: list[str] = []
    for piece in _EXERCISE_COMMA_RE.split(line):
        if pieces and not (
            _exercise(pieces[-1], noteless=True) and _exercise(piece, noteless=False)
        ):
            pieces[-1] = f"{pieces[-1]},{piece}"
        else:
            pieces.append(piece)
    return [piece.strip() for piece in pieces if piece.strip()]


def exercise_pieces(text: str) -> list[str]:
    """A message's exercises as typed, one per line or per comma (blank lines left out)."""
    return [piece for line in text.splitlines() for piece in split_exercises(line)]


def parse_template_text(text: str, *, default_unit: Units) -> tuple[Prescription, ...]:
    """Parse a message of template lines, skipping blank lines.

    Exercises are separated by new lines or by commas (see :func:`split_exercises`). Line
    numbers in errors count every line of the message, blank ones included, so they match
    what the user sees.

    Raises:
        PrescriptionError: for the first line that cannot be parsed, or if there is no line.
    """
    prescriptions = tuple(
        parse_prescription_line(piece, default_unit=default_unit, line_no=number)
        for number, line in enumerate(text.splitlines(), start=1)
        for piece in split_exercises(line)
    )
    if not prescriptions:
        raise PrescriptionError(1, text.strip(), "the message has no exercise lines")
    return prescriptions


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 100.000 -> '100', 72.50 -> '72.5'."""
    return format(value.normalize(), "f")


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _format_duration(seconds: int) -> str:
    return f"{seconds}s" if seconds < 60 else _clock(seconds)


def _format_distance(metres: Decimal) -> str:
    if metres >= 1000 and metres % 100 == 0:
        return f"{_plain(metres / 1000)} km"
    return f"{_plain(metres)} m"


def _format_weight(kg: Decimal, entered: Units, unit: Units) -> str:
    """The load as a lifter reads it: kilograms to two decimals, pounds as typed or whole."""
    return format_weight(kg, unit, entered=entered)


def format_prescription(p: Prescription, unit: Units) -> str:
    """Render a prescription without its exercise name, e.g. ``3×5 @ 100 kg, RPE 8, rest 3:00``.

    Loads are shown in ``unit``: kilograms to at most two decimals, pounds as typed (when
    entered in pounds) or else to the whole pound. The result, prefixed with the exercise
    name, parses back to the same prescription when ``unit`` is the one the load was entered
    in (to 0.01 of that unit).
    """
    head = f"{p.sets}×{_format_target(p)}"
    load = _format_load(p, unit)
    if load:
        head = f"{head} {load}"

    parts = [head]
    if p.rpe is not None:
        parts.append(f"RPE {_plain(p.rpe)}")
    if p.rir is not None:
        parts.append(f"RIR {p.rir}")
    if p.rest_s is not None:
        parts.append(f"rest {_format_duration(p.rest_s)}")
    text = ", ".join(parts)
    if p.notes:
        text += f" - {p.notes}"
    return text


def _format_target(p: Prescription) -> str:
    """What each set aims at: a distance (and time), a time, a rep range or reps."""
    if p.distance_m is not None:
        target = _format_distance(p.distance_m)
        if p.duration_s is not None:
            target += f" in {_clock(p.duration_s)}"
        return target
    if p.duration_s is not None:
        return _format_duration(p.duration_s)
    if p.reps_min is not None and p.reps_max is not None and p.reps_min != p.reps_max:
        return f"{p.reps_min}–{p.reps_max}"
    return str(p.reps_min)


def _format_load(p: Prescription, unit: Units) -> str:
    """The load after an ``@``, or nothing for an unloaded prescription."""
    if p.bodyweight:
        added = p.weight_kg
        return "@ bw" if added is None else f"@ bw + {_format_weight(added, p.entered_unit, unit)}"
    if p.percent_e1rm is not None:
        return f"@ {_plain(p.percent_e1rm)}%"
    if p.weight_kg is not None:
        return f"@ {_format_weight(p.weight_kg, p.entered_unit, unit)}"
    return ""
