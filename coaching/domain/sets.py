"""Set notation: read the short message a trainer types between sets, and write it back.

This is the hot path of live logging, so every pattern is compiled once at import time and
a message is matched against a handful of anchored expressions at most.

What a message may contain (case, spacing and decimal commas do not matter):

* **Weight × reps**: ``100x5``, ``100 x 5``, ``100*5``, ``100×5``, ``100kg 5``,
  ``100 kg x 5``, ``225lbs 5``, ``5@100`` (reps at weight). In ``AxB`` the first number is
  the weight unless only the second carries a unit (``5x100kg``) or a decimal point
  (``5x102.5``).
* **Several identical sets at once**: ``3x5x100`` or ``100x5x3``, and ``3x5 100kg``. In
  ``AxBxC`` the middle number is always the reps and the weight is ``A`` or ``C``: the one
  carrying a unit, else the one with a decimal point, else the larger of the two (the other
  is the number of sets). So ``3x5x100`` and ``100x5x3`` are both three sets of 5 at 100,
  ``5x5x60`` and ``60x5x5`` are five sets of 5 at 60, and ``3x10x20`` is three sets of 10
  at 20. When ``A`` equals ``C`` both readings give the same sets.
* **Bodyweight**: ``bw x 12``, ``bw 12``, ``bw+20 x 8`` (weighted), ``bw-10 x 8`` (assisted).
* **Relative to the previous set**: ``+2.5``, ``-5`` and ``+10kg x 5`` always mean the
  previous set's load moved by that much, whatever kind of set it was: after ``100x5``,
  ``+2.5`` is 102.5 × 5; after ``bw+10 x 8``, ``+10kg x 5`` is ``bw+20 × 5`` (the added load
  moves); after ``bw x 8``, ``+10`` is ``bw+10 × 8`` and after ``bw-20 x 8`` (assisted),
  ``+5`` is ``bw-15 × 8``. Without a unit the step is in the unit the previous set was typed
  in, so 225 lb then ``+10`` is 235 lb even for a user in kilograms, and the result keeps
  that unit. ``x 5`` after the step also changes the reps, else they stay. And
  ``same`` (also ``=``, ``again``, ``ditto``, ``repeat``) to repeat it, set type included
  but not its RPE or RIR, which belong to the set they were given for.
* **Time and distance**: ``60s``, ``90 sec``, ``2 min``, ``1:30``, ``1:05:00``, ``5km``,
  ``5km 25:00``, ``5 km in 25:00``, ``400m 1:30``, ``2.5 mi 20:00``. A bare ``m`` means metres;
  minutes are ``min`` or a clock time.
* **Effort and set type**: ``@8`` or ``@8.5`` after the set; ``rpe 8``, ``rir2``, ``rir 2``,
  ``2 rir`` and the set types ``warm-up``/``wu``, ``drop``/``drop set``,
  ``failure``/``to failure`` anywhere in the message. They apply to every set it logs.

Weights are stored in kilograms, quantised to 0.001 kg, and remember the unit they were
typed in so they can be shown back the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from coaching.domain.enums import SetType, Units
from coaching.domain.units import KG_PER_LB, KG_STEP, format_weight, shown_weight, to_kg, to_unit

__all__ = [
    "KG_PER_LB",
    "MAX_DISTANCE_M",
    "MAX_DURATION_S",
    "MAX_INPUT_CHARS",
    "MAX_OFFSET_KG",
    "MAX_REPS",
    "MAX_RIR",
    "MAX_SETS_AT_ONCE",
    "MAX_WEIGHT_KG",
    "METRES_PER_MILE",
    "SetEntry",
    "SetParseError",
    "format_set",
    "parse_sets",
    "to_kg",
    "to_unit",
]

"""The international avoirdupois pound, exactly."""
METRES_PER_MILE: Final = Decimal("1609.344")
"""The international mile, exactly."""

MAX_REPS: Final = 1000
MAX_WEIGHT_KG: Final = Decimal(1000)
MAX_OFFSET_KG: Final = Decimal(500)
MAX_SETS_AT_ONCE: Final = 20
MAX_RIR: Final = 10
MAX_DURATION_S: Final = 24 * 60 * 60
MAX_DISTANCE_M: Final = Decimal(1_000_000)
MAX_INPUT_CHARS: Final = 100
"""Longer messages are not a set; refusing them early also bounds the parser's work."""

_KG_STEP: Final = KG_STEP
_DISTANCE_STEP: Final = Decimal("0.01")
_RPE_MIN: Final = Decimal(1)
_RPE_MAX: Final = Decimal(10)
_MAX_WEIGHT_LB_SHOWN: Final = "2204"

# Examples offered with an error, chosen by what the message was trying to say.
_EX_GENERAL: Final = ("100x5", "100x5 @8")
_EX_RPE: Final = ("100x5 @8", "100x5 @8.5")
_EX_RIR: Final = ("100x5 rir2", "100x5 rir 0")
_EX_BODYWEIGHT: Final = ("bw x 12", "bw+20 x 8")
_EX_MULTI: Final = ("3x5x100", "100x5x3")
_EX_TIME: Final = ("60s", "1:30")
_EX_DISTANCE: Final = ("5km 25:00", "400m 1:30")
_EX_RELATIVE: Final = ("+2.5", "same")
_EX_SET_TYPE: Final = ("60x10 warm-up", "80x8 drop set")


@dataclass(frozen=True, slots=True)
class SetEntry:
    """One performed set, as read from a message.

    ``weight_kg`` is the load in kilograms (quantised to 0.001). For bodyweight sets
    (``bodyweight`` is true) it is the load added to the body, negative when assisted, and
    ``None`` for plain bodyweight. It is also ``None`` for timed and distance sets, whose
    ``reps`` are ``None``. ``entered_unit`` is the unit the user typed (or their default), used
    to show the weight back as typed.
    """

    reps: int | None
    weight_kg: Decimal | None
    bodyweight: bool
    entered_unit: Units
    rpe: Decimal | None = None
    rir: int | None = None
    duration_s: int | None = None
    distance_m: Decimal | None = None
    set_type: SetType = SetType.NORMAL


class SetParseError(ValueError):
    """A message could not be read as a set.

    ``message`` says what was wrong in one line (it is also ``str(error)``) and ``examples``
    holds two inputs that would have worked, chosen for what the user was trying to type.
    Both are plain text: escape them before putting them into HTML.
    """

    def __init__(self, message: str, examples: tuple[str, str] = _EX_GENERAL) -> None:
        super().__init__(message)
        self.message = message
        self.examples = examples

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- conversions


# --------------------------------------------------------------------------- patterns

_NUM: Final = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_WEIGHT_UNIT: Final = r"(?:kilograms?|kilos?|kgs?|pounds?|lbs?)"
_DIST_UNIT: Final = r"(?:kilometers?|kilometres?|kms?|k|miles?|mi|meters?|metres?|m)"
_TIME_UNIT: Final = r"(?:seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h)"
_TIMES: Final = r"\s*x\s*"
_REPS_WORD: Final = r"(?:\s*reps?)?"
_CLOCK: Final = r"[0-9]+:[0-9]{2}(?::[0-9]{2})?"
_DURATION: Final = rf"(?:{_CLOCK}|{_NUM}\s*{_TIME_UNIT})"
_BODYWEIGHT: Final = r"(?:bw|bodyweight|body\s*weight)"


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.ASCII)


_HAS_WORD: Final = _compile(r"[a-wyz]")
_DECIMAL_COMMA: Final = _compile(r"(?<=[0-9]),(?=[0-9])")
_TIMES_SIGNS: Final = str.maketrans(dict.fromkeys("×*хx✕✖⨯╳", "x"))

_SET_TYPE_TAG: Final = _compile(
    r"(?<![a-z])(?P<tag>to\s*failure|failure|fail|warm\s*-?\s*up|wu|drop\s*-?\s*set|drop|ds)"
    r"(?![a-z])"
)
_RPE_WORD: Final = _compile(rf"(?:@\s*)?(?<![a-z])rpe\s*:?\s*(?P<v>{_NUM})")
_RIR_WORD: Final = _compile(
    rf"(?:@\s*)?(?<![a-z])rir\s*:?\s*(?P<v>{_NUM})"
    rf"|(?<![0-9.x])(?P<w>{_NUM})\s*rir(?![a-z])(?!\s*[0-9.])"
)
_RPE_TAIL: Final = _compile(rf"(?P<core>.*?)\s*@\s*(?P<v>{_NUM})")

_PAIR: Final = _compile(
    rf"(?P<a>{_NUM})\s*(?P<au>{_WEIGHT_UNIT})?{_TIMES}(?P<b>{_NUM})\s*(?P<bu>{_WEIGHT_UNIT})?"
    rf"{_REPS_WORD}"
)
_TRIPLE: Final = _compile(
    rf"(?P<a>{_NUM})\s*(?P<au>{_WEIGHT_UNIT})?{_TIMES}(?P<b>{_NUM})\s*(?P<bu>{_WEIGHT_UNIT})?"
    rf"{_TIMES}(?P<c>{_NUM})\s*(?P<cu>{_WEIGHT_UNIT})?"
)
_UNIT_THEN_REPS: Final = _compile(
    rf"(?P<w>{_NUM})\s*(?P<u>{_WEIGHT_UNIT})(?:\s*for)?\s*(?P<r>{_NUM}){_REPS_WORD}"
)
_REPS_AT_WEIGHT: Final = _compile(
    rf"(?P<r>{_NUM}){_REPS_WORD}\s*@\s*(?P<w>{_NUM})\s*(?P<u>{_WEIGHT_UNIT})?"
)
_SETS_REPS_LOAD: Final = _compile(
    rf"(?P<s>{_NUM}){_TIMES}(?P<r>{_NUM}){_REPS_WORD}\s*(?:@\s*|\s)\s*(?P<w>{_NUM})\s*"
    rf"(?P<u>{_WEIGHT_UNIT})"
)
_BODYWEIGHT_SET: Final = _compile(
    rf"{_BODYWEIGHT}(?:\s*(?P<sign>[+-])\s*(?P<off>{_NUM})(?:\s*(?P<u>{_WEIGHT_UNIT}))?)?"
    rf"(?:{_TIMES}|\s+|(?<=[a-z])(?=[0-9]))(?P<r>{_NUM}){_REPS_WORD}"
)
_BODYWEIGHT_ONLY: Final = _compile(
    rf"{_BODYWEIGHT}(?:\s*[+-]\s*{_NUM}(?:\s*{_WEIGHT_UNIT})?)?(?:\s*x)?"
)
_RELATIVE: Final = _compile(
    rf"(?P<sign>[+-])\s*(?P<d>{_NUM})\s*(?P<u>{_WEIGHT_UNIT})?(?:{_TIMES}(?P<r>{_NUM}){_REPS_WORD})?"
)
_REPEAT: Final = _compile(r"same|=|again|ditto|repeat")
_TIME_ONLY: Final = _compile(_DURATION)
_DISTANCE_SET: Final = _compile(
    rf"(?P<d>{_NUM})\s*(?P<du>{_DIST_UNIT})(?:\s*(?:in\s*)?(?P<t>{_DURATION}))?"
)
_TIME_THEN_DISTANCE: Final = _compile(
    rf"(?P<t>{_DURATION})\s*(?:for\s*)?(?P<d>{_NUM})\s*(?P<du>{_DIST_UNIT})"
)
_DURATION_PARTS: Final = _compile(
    r"(?P<h>[0-9]+):(?P<hm>[0-9]{2}):(?P<hs>[0-9]{2})"
    r"|(?P<m>[0-9]+):(?P<s>[0-9]{2})"
    rf"|(?P<n>{_NUM})\s*(?P<u>{_TIME_UNIT})"
)
_BARE_NUMBER: Final = _compile(_NUM + r"(?:\s*(?P<u>" + _WEIGHT_UNIT + r"))?")
_TWO_NUMBERS: Final = _compile(rf"{_NUM}\s+{_NUM}")
_PLAIN_PAIR: Final = _compile(r"(?P<a>[0-9]+)\s*x\s*(?P<b>[0-9]+)")

_SET_TYPE_WORDS: Final = {
    "tofailure": SetType.FAILURE,
    "failure": SetType.FAILURE,
    "fail": SetType.FAILURE,
    "warmup": SetType.WARMUP,
    "wu": SetType.WARMUP,
    "dropset": SetType.DROP,
    "drop": SetType.DROP,
    "ds": SetType.DROP,
}
_SET_TYPE_LABELS: Final = {
    SetType.WARMUP: "warm-up",
    SetType.DROP: "drop set",
    SetType.FAILURE: "to failure",
}
_SECONDS_PER_TIME_UNIT: Final = {"s": 1, "m": 60, "h": 3600}
_METRES_PER_DIST_UNIT: Final = {"k": Decimal(1000), "mi": METRES_PER_MILE, "m": Decimal(1)}


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class _Modifiers:
    """Effort and set type found in a message, still as typed."""

    rpe_texts: tuple[str, ...]
    rir_texts: tuple[str, ...]
    set_type: SetType | None


def parse_sets(
    text: str, *, default_unit: Units, last: SetEntry | None = None
) -> tuple[SetEntry, ...]:
    """Read one message as one or more identical sets.

    ``default_unit`` is the user's weight unit, used where the message names none. ``last``
    is the previous set of the same exercise, needed for ``+2.5``, ``-5`` and ``same``.

    Returns at least one entry (several for ``3x5x100``). Raises :class:`SetParseError`,
    and nothing else, for anything that is not a valid set.
    """
    cleaned = _normalise(text)
    modifiers, core = _extract_modifiers(cleaned)
    entries: tuple[SetEntry, ...] | None = None
    tail_rpe: str | None = None
    tail = _RPE_TAIL.fullmatch(core)
    if tail is not None and tail["core"]:
        entries = _parse_core(tail["core"], default_unit, last)
        if entries is not None:
            tail_rpe = tail["v"]
    if entries is None:
        entries = _parse_core(core, default_unit, last)
    if entries is None:
        if tail is not None and not tail["core"]:
            raise SetParseError("That is only an RPE: put the set before it.", _EX_RPE)
        raise _unreadable(core, text)
    rpe_texts = modifiers.rpe_texts if tail_rpe is None else (*modifiers.rpe_texts, tail_rpe)
    hint = _sets_hint(tail["core"], tail_rpe) if tail is not None and tail_rpe else ""
    return _apply_modifiers(entries, rpe_texts, modifiers, hint)


def _normalise(text: str) -> str:
    """Lower-case, fold look-alike characters and collapse whitespace."""
    if len(text) > 4 * MAX_INPUT_CHARS:
        raise _too_long()
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TIMES_SIGNS)
    folded = _DECIMAL_COMMA.sub(".", folded).replace(",", " ")
    cleaned = " ".join(folded.split())
    if not cleaned:
        raise SetParseError("The message is empty: send the set you just did.")
    if len(cleaned) > MAX_INPUT_CHARS:
        raise _too_long()
    return cleaned


def _too_long() -> SetParseError:
    return SetParseError(f"That is too long for one set (at most {MAX_INPUT_CHARS} characters).")


def _extract_modifiers(text: str) -> tuple[_Modifiers, str]:
    """Take RPE, RIR and set-type words out of ``text``; return them and what is left."""
    set_type: SetType | None = None
    rpe: list[str] = []
    rir: list[str] = []
    if _HAS_WORD.search(text) is None:
        return _Modifiers((), (), None), text
    for match in _SET_TYPE_TAG.finditer(text):
        found = _set_type_of(match["tag"])
        if set_type is not None and found is not set_type:
            raise SetParseError(
                f"A set can't be both {_SET_TYPE_LABELS[set_type]} and "
                f"{_SET_TYPE_LABELS[found]}: pick one.",
                _EX_SET_TYPE,
            )
        set_type = found
    text = _SET_TYPE_TAG.sub(" ", text)
    if "rpe" in text:
        rpe.extend(match["v"] for match in _RPE_WORD.finditer(text))
        text = _RPE_WORD.sub(" ", text)
    if "rir" in text:
        rir.extend(match["v"] or match["w"] for match in _RIR_WORD.finditer(text))
        text = _RIR_WORD.sub(" ", text)
    return _Modifiers(tuple(rpe), tuple(rir), set_type), " ".join(text.split())


def _set_type_of(tag: str) -> SetType:
    return _SET_TYPE_WORDS[tag.replace(" ", "").replace("-", "")]


def _parse_core(text: str, unit: Units, last: SetEntry | None) -> tuple[SetEntry, ...] | None:
    """Read the set itself; ``None`` if no notation matches, an error if one does but is wrong."""
    if match := _PAIR.fullmatch(text):
        return _pair(match, unit)
    if match := _TRIPLE.fullmatch(text):
        return _triple(match, unit)
    if match := _UNIT_THEN_REPS.fullmatch(text):
        return (_weighted(match["w"], match["u"], match["r"], unit),)
    if match := _REPS_AT_WEIGHT.fullmatch(text):
        return (_weighted(match["w"], match["u"], match["r"], unit),)
    if match := _SETS_REPS_LOAD.fullmatch(text):
        entry = _weighted(match["w"], match["u"], match["r"], unit)
        return (entry,) * _sets_count(match["s"])
    if match := _BODYWEIGHT_SET.fullmatch(text):
        return (_bodyweight(match, unit),)
    if match := _RELATIVE.fullmatch(text):
        return (_relative(match, text, last),)
    if _REPEAT.fullmatch(text):
        return (_repeat(text, last),)
    if _TIME_ONLY.fullmatch(text):
        return (SetEntry(None, None, False, unit, duration_s=_duration(text)),)
    if match := _DISTANCE_SET.fullmatch(text) or _TIME_THEN_DISTANCE.fullmatch(text):
        duration = _duration(match["t"]) if match["t"] else None
        distance = _distance(match["d"], match["du"])
        return (SetEntry(None, None, False, unit, duration_s=duration, distance_m=distance),)
    return None


def _unit_of(word: str | None, default: Units) -> Units:
    if word is None:
        return default
    return Units.LB if word[0] in "lp" else Units.KG


def _pair(match: re.Match[str], unit: Units) -> tuple[SetEntry, ...]:
    """``AxB``: weight × reps, unless only ``B`` is marked as the weight."""
    a, b, a_unit, b_unit = match["a"], match["b"], match["au"], match["bu"]
    if a_unit and b_unit:
        raise SetParseError(
            f"Only one number can be the weight, but “{match[0]}” gives two units.", _EX_GENERAL
        )
    b_is_weight = b_unit is not None or (a_unit is None and "." in b and "." not in a)
    if b_is_weight:
        return (_weighted(b, b_unit, a, unit),)
    return (_weighted(a, a_unit, b, unit),)


def _triple(match: re.Match[str], unit: Units) -> tuple[SetEntry, ...]:
    """``AxBxC``: the middle is reps; the weight is ``A`` or ``C`` (see the module docs)."""
    a, b, c = match["a"], match["b"], match["c"]
    a_unit, b_unit, c_unit = match["au"], match["bu"], match["cu"]
    if b_unit or (a_unit and c_unit):
        raise SetParseError(
            "In sets × reps × weight the weight comes first or last and only it takes a unit.",
            _EX_MULTI,
        )
    if a_unit:
        c_is_weight = False
    elif c_unit:
        c_is_weight = True
    elif ("." in a) != ("." in c):
        c_is_weight = "." in c
    else:
        c_is_weight = Decimal(c) > Decimal(a)
    if c_is_weight:
        entry, sets = _weighted(c, c_unit, b, unit), a
    else:
        entry, sets = _weighted(a, a_unit, b, unit), c
    return (entry,) * _sets_count(sets)


def _weighted(weight: str, unit_word: str | None, reps: str, default: Units) -> SetEntry:
    unit = _unit_of(unit_word, default)
    return SetEntry(
        reps=_reps(reps), weight_kg=_weight_kg(weight, unit), bodyweight=False, entered_unit=unit
    )


def _reps(text: str) -> int:
    value = Decimal(text)
    if value != value.to_integral_value() or not 1 <= value <= MAX_REPS:
        raise SetParseError(
            f"Reps must be a whole number from 1 to {MAX_REPS}, not {_short(text)}.",
            _EX_GENERAL,
        )
    return int(value)


def _sets_count(text: str) -> int:
    value = Decimal(text)
    if value != value.to_integral_value() or not 1 <= value <= MAX_SETS_AT_ONCE:
        raise SetParseError(
            f"You can log 1 to {MAX_SETS_AT_ONCE} sets in one message, not {_short(text)}.",
            _EX_MULTI,
        )
    return int(value)


def _weight_kg(text: str, unit: Units) -> Decimal:
    value = Decimal(text)
    if value * (1 if unit is Units.KG else KG_PER_LB) > MAX_WEIGHT_KG:
        raise SetParseError(
            f"{_short(text)} {unit} is too heavy: the most is {MAX_WEIGHT_KG} kg "
            f"({_MAX_WEIGHT_LB_SHOWN} lb).",
            _EX_GENERAL,
        )
    kg = to_kg(value, unit)
    if kg <= 0:
        raise SetParseError(
            f"The weight must be more than 0, not {text} {unit}; for bodyweight write bw.",
            ("100x5", "bw x 12"),
        )
    return kg


def _offset_kg(sign: str, text: str, unit: Units) -> Decimal:
    value = Decimal(text)
    if value * (1 if unit is Units.KG else KG_PER_LB) > MAX_OFFSET_KG:
        raise SetParseError(
            f"Added or assisted weight must stay within ±{MAX_OFFSET_KG} kg, "
            f"not {sign}{_short(text)} {unit}.",
            _EX_BODYWEIGHT,
        )
    kg = to_kg(value, unit)
    return -kg if sign == "-" else kg


def _bodyweight(match: re.Match[str], default: Units) -> SetEntry:
    unit = _unit_of(match["u"], default)
    offset = _offset_kg(match["sign"], match["off"], unit) if match["off"] else None
    return SetEntry(
        reps=_reps(match["r"]), weight_kg=offset or None, bodyweight=True, entered_unit=unit
    )


def _relative(match: re.Match[str], text: str, last: SetEntry | None) -> SetEntry:
    """``+2.5`` / ``-5``: the previous set's load moved by that much (see the module notes).

    A step without a unit is in the unit the previous set was typed in.
    """
    if last is None:
        raise SetParseError(
            f"There is no previous set yet, so “{text}” has nothing to add to.",
            ("100x5", "bw x 12"),
        )
    if last.reps is None or (last.weight_kg is None and not last.bodyweight):
        raise SetParseError(
            f"The previous set had no weight, so “{text}” has nothing to add to.", _EX_GENERAL
        )
    unit = _unit_of(match["u"], last.entered_unit)
    base = (last.weight_kg or Decimal(0)).copy_abs()
    # Step from the load as the user sees it, so 225 lb + 5 is 230 lb, never 229.54 lb.
    base_shown = shown_weight(base, unit, entered=last.entered_unit)
    if last.weight_kg is not None and last.weight_kg < 0:
        base_shown = -base_shown
    delta = Decimal(match["d"])
    moved = base_shown + delta if match["sign"] == "+" else base_shown - delta
    reps = _reps(match["r"]) if match["r"] else last.reps
    if last.bodyweight:
        sign = "-" if moved < 0 else "+"
        offset = _offset_kg(sign, _plain(moved.copy_abs()), unit)
        return SetEntry(reps, offset or None, True, unit)
    if moved <= 0:
        raise SetParseError(
            f"“{text}” would take the weight to {_plain(moved)} {unit}; it must stay above 0.",
            _EX_RELATIVE,
        )
    return SetEntry(reps, _weight_kg(_plain(moved), unit), False, unit)


def _repeat(text: str, last: SetEntry | None) -> SetEntry:
    """``same``: the previous set again, without its effort rating."""
    if last is None:
        raise SetParseError(
            f"There is no previous set yet, so “{text}” has nothing to repeat.",
            ("100x5", "bw x 12"),
        )
    return replace(last, rpe=None, rir=None)


def _duration(text: str) -> int:
    match = _DURATION_PARTS.fullmatch(text)
    if match is None:  # pragma: no cover - callers only pass text matching _DURATION
        raise SetParseError(f"Couldn't read “{text}” as a time.", _EX_TIME)
    if match["h"]:
        minutes, seconds = int(match["hm"]), int(match["hs"])
        if minutes >= 60 or seconds >= 60:
            raise SetParseError(
                f"In {text} the minutes and seconds must be below 60.", ("1:05:00", "45:30")
            )
        total = Decimal(int(match["h"]) * 3600 + minutes * 60 + seconds)
    elif match["m"]:
        seconds = int(match["s"])
        if seconds >= 60:
            raise SetParseError(f"In {text} the seconds must be below 60.", ("1:30", "90s"))
        total = Decimal(int(match["m"]) * 60 + seconds)
    else:
        factor = _SECONDS_PER_TIME_UNIT[match["u"][0]]
        total = (Decimal(match["n"]) * factor).to_integral_value(rounding=ROUND_HALF_UP)
    if not 1 <= total <= MAX_DURATION_S:
        raise SetParseError(
            f"A time must be from 1 second to 24 hours, not {_short(text)}.", _EX_TIME
        )
    return int(total)


def _distance(number: str, unit_word: str) -> Decimal:
    key = "mi" if unit_word.startswith("mi") else unit_word[0]
    metres = Decimal(number) * _METRES_PER_DIST_UNIT[key]
    if metres > MAX_DISTANCE_M:
        raise SetParseError(
            f"{_short(number)} {unit_word} is too far: the most is 1000 km.", _EX_DISTANCE
        )
    quantised = metres.quantize(_DISTANCE_STEP, rounding=ROUND_HALF_UP)
    if quantised <= 0:
        raise SetParseError(
            f"A distance must be more than 0, not {number} {unit_word}.", _EX_DISTANCE
        )
    return quantised


def _apply_modifiers(
    entries: tuple[SetEntry, ...], rpe_texts: tuple[str, ...], modifiers: _Modifiers, hint: str
) -> tuple[SetEntry, ...]:
    """Attach RPE, RIR and set type to every entry, validating them."""
    if not rpe_texts and not modifiers.rir_texts and modifiers.set_type is None:
        return entries
    first = entries[0]
    if modifiers.rir_texts and first.reps is None:
        raise SetParseError(
            "RIR (reps in reserve) only fits a set with reps; use RPE for a timed set.",
            ("5km 25:00 @7", "100x5 rir2"),
        )
    first = replace(
        first,
        rpe=_rpe(rpe_texts, hint) if rpe_texts else first.rpe,
        rir=_rir(modifiers.rir_texts) if modifiers.rir_texts else first.rir,
        set_type=first.set_type if modifiers.set_type is None else modifiers.set_type,
    )
    return (first,) * len(entries)


def _rpe(texts: tuple[str, ...], hint: str) -> Decimal:
    if len(texts) > 1:
        raise SetParseError("RPE is given twice; give it once.", _EX_RPE)
    value = Decimal(texts[0])
    if not _RPE_MIN <= value <= _RPE_MAX or (value * 2) % 1:
        raise SetParseError(
            f"RPE must be from 1 to 10 in steps of 0.5, not {_short(texts[0])}.{hint}",
            _EX_RPE,
        )
    step = Decimal(1) if value == value.to_integral_value() else Decimal("0.1")
    return value.quantize(step)


def _rir(texts: tuple[str, ...]) -> int:
    if len(texts) > 1:
        raise SetParseError("RIR is given twice; give it once.", _EX_RIR)
    value = Decimal(texts[0])
    if value != value.to_integral_value() or not 0 <= value <= MAX_RIR:
        raise SetParseError(
            f"RIR (reps in reserve) must be a whole number from 0 to {MAX_RIR}, "
            f"not {_short(texts[0])}.",
            _EX_RIR,
        )
    return int(value)


def _sets_hint(core: str, rpe_text: str) -> str:
    """Suggest sets × reps × weight when ``3x5 @100`` was probably meant."""
    pair = _PLAIN_PAIR.fullmatch(core)
    if pair is None or Decimal(rpe_text) <= _RPE_MAX:
        return ""
    sets, reps = pair["a"], pair["b"]
    if int(sets) > MAX_SETS_AT_ONCE:
        return ""
    return f" For {sets} sets of {reps} at {rpe_text}, write {sets}x{reps}x{rpe_text}."


def _unreadable(core: str, original: str) -> SetParseError:
    """The most helpful error for text no notation matched."""
    if not core:
        return SetParseError(
            "That message has an effort or set type but no set: put the set first.", _EX_GENERAL
        )
    if bare := _BARE_NUMBER.fullmatch(core):
        missing = "reps" if bare["u"] else "weight or the reps"
        return SetParseError(f"“{core}” is missing the {missing}.", ("100x5", "bw x 12"))
    if _TWO_NUMBERS.fullmatch(core):
        return SetParseError(
            f"In “{_snippet(core)}” it is unclear which number is the weight: "
            "put an x between the weight and the reps.",
            ("100x5", "100kg 5"),
        )
    if _BODYWEIGHT_ONLY.fullmatch(core):
        return SetParseError("How many reps? Add them after bw.", _EX_BODYWEIGHT)
    if core.startswith(("bw", "body")):
        return SetParseError(
            f"Couldn't read “{_snippet(original)}” as a bodyweight set.", _EX_BODYWEIGHT
        )
    if _RELATIVE.match(core) or _REPEAT.match(core):
        return SetParseError(f"Couldn't read “{_snippet(original)}” as a set.", _EX_RELATIVE)
    if any(word in core for word in ("rpe", "rir", "@")):
        return SetParseError("RPE and RIR need a number, such as @8 or rir 2.", _EX_RPE)
    return SetParseError(f"Couldn't read “{_snippet(original)}” as a set.", _EX_GENERAL)


def _short(number: str) -> str:
    """A number echoed in an error, cut short if someone typed a hundred digits."""
    return _snippet(number, 12)


def _snippet(text: str, limit: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --------------------------------------------------------------------------- formatting


def format_set(entry: SetEntry, unit: Units) -> str:
    """Render ``entry`` for a user whose unit is ``unit``, in notation ``parse_sets`` reads.

    Examples: ``100 kg × 5 @8``, ``225 lb × 5``, ``bw × 12``, ``bw+20 kg × 8``,
    ``60 s``, ``2:30``, ``5 km in 25:00``, ``60 kg × 10 warm-up``.

    A weight is shown in the unit it was typed in (``entry.entered_unit``), as a lifter loads a
    bar: in kilograms to at most two decimals (so 1.25 kg plates survive), in pounds as typed.
    Trailing zeros are dropped.
    Distances are metric (metres under 1 km) except for pound users whose distance is a whole
    hundredth of a mile, which is shown in miles.
    """
    parts: list[str] = []
    load = _format_load(entry, unit)
    if entry.reps is not None:
        parts.append(f"{load} × {entry.reps}" if load else f"{entry.reps} reps")
    elif load:
        parts.append(load)
    if entry.distance_m is not None:
        distance = _format_distance(entry.distance_m, unit)
        if entry.duration_s is not None:
            distance += f" in {_clock(entry.duration_s)}"
        parts.append(distance)
    elif entry.duration_s is not None:
        shown = _format_duration(entry.duration_s)
        parts.append(f"for {shown}" if parts else shown)
    if entry.rpe is not None:
        parts.append(f"@{_plain(entry.rpe)}")
    if entry.rir is not None:
        parts.append(f"rir {entry.rir}")
    if entry.set_type is not SetType.NORMAL:
        parts.append(_SET_TYPE_LABELS[entry.set_type])
    return " ".join(parts) or "—"


def _format_load(entry: SetEntry, unit: Units) -> str:
    if entry.weight_kg is None:
        return "bw" if entry.bodyweight else ""
    shown = _format_weight(entry.weight_kg.copy_abs(), entry.entered_unit, unit)
    if not entry.bodyweight:
        return shown
    return f"bw{'-' if entry.weight_kg < 0 else '+'}{shown}"


def _format_weight(weight_kg: Decimal, entered: Units | None, unit: Units) -> str:
    """The load in the unit it was typed in, as a lifter reads it.

    A set is shown the way it was entered (225 lb stays 225 lb for a user in kilograms, and
    100 kg stays 100 kg for a user in pounds): no plate is 102.06 kg. Loads are converted for
    maths, never for display; only a row that does not say how it was typed (older imports)
    is shown in the viewer's ``unit``.
    """
    return format_weight(weight_kg, entered or unit, entered=entered)


def _format_distance(distance_m: Decimal, unit: Units) -> str:
    if unit is Units.LB:
        miles = (distance_m / METRES_PER_MILE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if (miles * METRES_PER_MILE - distance_m).copy_abs() < _DISTANCE_STEP:
            return f"{_plain(miles)} mi"
    if distance_m < 1000:
        return f"{_plain(distance_m.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP))} m"
    kilometres = (distance_m / 1000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{_plain(kilometres)} km"


def _format_duration(seconds: int) -> str:
    """Short efforts in seconds (``90 s``), longer ones as a clock (``2:30``)."""
    return f"{seconds} s" if seconds < 120 else _clock(seconds)


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _plain(value: Decimal) -> str:
    """``102.50`` → ``102.5``, ``100.000`` → ``100``, never exponent notation."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
