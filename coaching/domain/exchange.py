"""Workout history and training libraries in and out of Spotter, as plain values.

Workout logs are read from the CSV files three apps write, each recognised by its header:

* **Strong**, in two layouts. The current one (``STRONG_COLUMNS``, written since about 2020) is
  comma-separated: ``Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,
  Seconds,Notes,Workout Notes,RPE``. It has no unit columns (weights are in the app's unit, so
  the person is asked), ``Duration`` reads like ``2h 18m``, reps may be written ``10.0``, and
  *rest-timer rows* (``Set Order`` is ``Rest Timer``, ``Seconds`` the rest) are not sets and
  are skipped. The older layout (``STRONG_LEGACY_COLUMNS``) is semicolon-separated and carries
  ``Weight Unit`` (``kg``/``lbs``, mixed in one file) and ``Distance Unit``. Strong writes its
  headers in the app's language; the French, German, Spanish, Italian and Portuguese names are
  known too (``_STRONG_HEADERS``). ``Date`` is local time as ``2026-11-20 18:03:00``.
  ``Set Order`` is the set's number, or ``W`` (warm-up), ``D`` (drop set) or ``F`` (failure).
* **Hevy** (``HEVY_COLUMNS``), comma-separated, in kilograms and kilometres (``weight_kg``,
  ``distance_km``) or pounds and miles (``weight_lbs``, ``distance_miles``). ``start_time`` and
  ``end_time`` are local time as ``20 Nov 2026, 18:03``; ``set_type`` is ``normal``,
  ``warmup``, ``dropset`` or ``failure``; the sets of a superset are kept with their exercise.
* **FitNotes** (``FITNOTES_COLUMNS``): one set per row, a date without a time, ``Weight Unit``
  ``kgs`` or ``lbs``. FitNotes does not quote exercise names holding a comma, so a row with
  more cells than the header has its extra cells joined back into the exercise name.

None of them carries a time zone: times are read and written in the owner's zone (passed in).
A workout is the run of rows sharing a date and a name (Strong), a title, start and end (Hevy)
or a day (FitNotes). Set numbers are positional.

A file that cannot be read at all (not a CSV, an unknown header, broken quoting) raises
:class:`FileProblem`. A row that cannot be read (a weight that is not a number, 877,777 reps)
is not fatal: it is left out and listed in :attr:`History.bad_rows` with its line and reason.

The training library (templates and programs) travels as versioned JSON, validated by
:func:`parse_library`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coaching.domain.enums import Difficulty, SessionType, SetType, Units
from coaching.domain.units import KG_PER_LB
from coaching.errors import InvalidInput

MAX_IMPORT_BYTES: Final = 5 * 1024 * 1024
MAX_IMPORT_ROWS: Final = 100_000
MILE_IN_M: Final = Decimal("1609.344")
MAX_WEIGHT_KG: Final = Decimal(1000)
MAX_DISTANCE_M: Final = Decimal(1_000_000)
MAX_SECONDS: Final = 86_400
MAX_REPS: Final = 1000

STRONG_COLUMNS: Final = (
    "Date",
    "Workout Name",
    "Duration",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Reps",
    "Distance",
    "Seconds",
    "Notes",
    "Workout Notes",
    "RPE",
)
STRONG_LEGACY_COLUMNS: Final = (
    "Date",
    "Workout Name",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Weight Unit",
    "Reps",
    "RPE",
    "Distance",
    "Distance Unit",
    "Seconds",
    "Notes",
    "Workout Notes",
)
HEVY_COLUMNS: Final = (
    "title",
    "start_time",
    "end_time",
    "description",
    "exercise_title",
    "superset_id",
    "exercise_notes",
    "set_index",
    "set_type",
    "weight_kg",
    "reps",
    "distance_km",
    "duration_seconds",
    "rpe",
)
FITNOTES_COLUMNS: Final = (
    "Date",
    "Exercise",
    "Category",
    "Weight",
    "Weight Unit",
    "Reps",
    "Distance",
    "Distance Unit",
    "Time",
)
STRONG_DATE: Final = "%Y-%m-%d %H:%M:%S"
STRONG_DATE_EXAMPLE: Final = "2026-11-20 18:03:00"
HEVY_DATE: Final = "%d %b %Y, %H:%M"
HEVY_DATE_EXAMPLE: Final = "20 Nov 2026, 18:03"
FITNOTES_DATE: Final = "%Y-%m-%d"
FITNOTES_TITLE: Final = "FitNotes workout"
# What the apps have written over the years (and ISO 8601, as other tools re-write them).
_ISO_DATES: Final = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M")
_STRONG_DATES: Final = (
    STRONG_DATE,
    *_ISO_DATES,
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
)
_HEVY_DATES: Final = (HEVY_DATE, "%d %b %Y, %H:%M:%S", STRONG_DATE, *_ISO_DATES)
_FITNOTES_DATES: Final = (FITNOTES_DATE, "%Y-%m-%d %H:%M:%S")

GOOD_FILE_HINT: Final = (
    "Export your history from Strong (Settings → Export data), Hevy (Settings → Export & "
    "import data → Export workouts) or FitNotes (Settings → Spreadsheet export) and send me "
    "that CSV file."
)

_STRONG_SET_TYPES: Final = {"W": SetType.WARMUP, "D": SetType.DROP, "F": SetType.FAILURE}
_STRONG_SET_LETTER: Final = {value: key for key, value in _STRONG_SET_TYPES.items()}
_HEVY_SET_TYPES: Final = {
    "normal": SetType.NORMAL,
    "warmup": SetType.WARMUP,
    "dropset": SetType.DROP,
    "failure": SetType.FAILURE,
}
_HEVY_SET_NAME: Final = {value: key for key, value in _HEVY_SET_TYPES.items()}
_DISTANCE_FACTORS: Final = {
    "km": Decimal(1000),
    "kms": Decimal(1000),
    "m": Decimal(1),
    "meters": Decimal(1),
    "metres": Decimal(1),
    "mi": MILE_IN_M,
    "mile": MILE_IN_M,
    "miles": MILE_IN_M,
    "ft": Decimal("0.3048"),
    "yd": Decimal("0.9144"),
    "yds": Decimal("0.9144"),
}


class HistoryFormat(StrEnum):
    STRONG = "strong"
    HEVY = "hevy"
    FITNOTES = "fitnotes"

    @property
    def label(self) -> str:
        return {"strong": "Strong", "hevy": "Hevy", "fitnotes": "FitNotes"}[self.value]


class FileProblem(InvalidInput):
    """A file that cannot be imported. ``line`` is the 1-based line at fault, if any."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        text = f"Line {line}: {message}" if line is not None else message
        super().__init__(text)
        self.line = line
        self.reason = message


class DateProblem(FileProblem):
    """A date the file's app never writes. ``respelt``: it looks re-written by a spreadsheet
    (``01/02/2025 18:00``), whose day and month order cannot be known."""

    def __init__(self, text: str, example: str, line: int) -> None:
        super().__init__(
            f"the date “{text[:30]}” is not a date and time like {example}.", line=line
        )
        self.respelt = "/" in text or bool(re.match(r"\d{1,2}\.\d{1,2}\.", text))


SPREADSHEET_HINT: Final = (
    "The dates look changed by a spreadsheet program: send the file exactly as the app "
    "exported it, without opening and saving it first."
)


# --------------------------------------------------------------------------------------------
# Plain values
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedSet:
    set_type: SetType = SetType.NORMAL
    weight_kg: Decimal | None = None
    reps: int | None = None
    rpe: Decimal | None = None
    distance_m: Decimal | None = None
    duration_s: int | None = None
    unit: Units = Units.KG


@dataclass(frozen=True, slots=True)
class LoggedExercise:
    name: str
    sets: tuple[LoggedSet, ...]
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Workout:
    title: str
    start: datetime
    end: datetime | None
    exercises: tuple[LoggedExercise, ...]
    notes: str | None = None

    @property
    def set_count(self) -> int:
        return sum(len(e.sets) for e in self.exercises)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row left out of an import: its 1-based line and what is wrong with it."""

    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class History:
    format: HistoryFormat
    workouts: tuple[Workout, ...]
    bad_rows: tuple[BadRow, ...] = ()
    rest_rows: int = 0
    repeated_rows: int = 0  # a row written twice (the same numbered set), kept once
    # True when the file says nothing about its weight unit (Strong's current layout): the
    # weights were read in the unit passed to :func:`read_history`, which the person confirms.
    unit_missing: bool = False

    @property
    def set_count(self) -> int:
        return sum(w.set_count for w in self.workouts)

    def exercise_names(self) -> list[str]:
        """Every exercise name, in order of first appearance."""
        return list(dict.fromkeys(e.name for w in self.workouts for e in w.exercises))

    def sets_per_name(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for workout in self.workouts:
            for exercise in workout.exercises:
                counts[exercise.name] = counts.get(exercise.name, 0) + len(exercise.sets)
        return counts

    def date_range(self, tz: ZoneInfo) -> tuple[date, date] | None:
        if not self.workouts:
            return None
        days = [w.start.astimezone(tz).date() for w in self.workouts]
        return min(days), max(days)


# --------------------------------------------------------------------------------------------
# Numbers and dates
# --------------------------------------------------------------------------------------------


def format_decimal(value: Decimal | None) -> str:
    """A decimal without trailing zeros or exponent: ``100``, ``82.5``, ``0.125``."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def kg_to_lb(value: Decimal) -> Decimal:
    return (value / KG_PER_LB).quantize(Decimal("0.01"))


def _decimal(raw: str, line: int, what: str, example: str) -> Decimal | None:
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FileProblem(
            f"the {what} “{raw.strip()[:30]}” is not a number (like {example}).", line=line
        ) from None
    if not value.is_finite() or value < 0:
        raise FileProblem(
            f"the {what} “{raw.strip()[:30]}” must be zero or more (like {example}).", line=line
        )
    return value


def _integer(raw: str, line: int, what: str, example: str, *, limit: int) -> int | None:
    value = _decimal(raw, line, what, example)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise FileProblem(
            f"the {what} “{raw.strip()[:30]}” must be a whole number (like {example}).", line=line
        )
    if value > limit:
        raise FileProblem(f"the {what} {format_decimal(value)} is more than {limit}.", line=line)
    return int(value)


def _rpe(raw: str, line: int) -> Decimal | None:
    value = _decimal(raw, line, "RPE", "8 or 8.5")
    if value is None or value == 0:
        return None
    if not Decimal(1) <= value <= Decimal(10):
        raise FileProblem(f"the RPE {raw.strip()[:10]} must be from 1 to 10.", line=line)
    return value.quantize(Decimal("0.1"))


def _weight(value: Decimal | None, unit: Units, line: int) -> Decimal | None:
    if value is None or value == 0:
        return None
    kg = value * KG_PER_LB if unit is Units.LB else value
    if kg > MAX_WEIGHT_KG:
        shown = "lbs" if unit is Units.LB else "kg"
        raise FileProblem(
            f"the weight {format_decimal(value)} {shown} is more than 1000 kg.", line=line
        )
    return kg.quantize(Decimal("0.001"))


def _distance_m(value: Decimal | None, unit: str, line: int) -> Decimal | None:
    if value is None or value == 0:
        return None
    factor = _DISTANCE_FACTORS.get(unit.strip().lower() or "km")
    if factor is None:
        raise FileProblem(f"the distance unit “{unit.strip()[:10]}” is not km, m or mi.", line=line)
    metres = value * factor
    if metres > MAX_DISTANCE_M:
        raise FileProblem(
            f"the distance {format_decimal(value)} {unit} is more than 1000 km.", line=line
        )
    return metres.quantize(Decimal("0.01"))


def _weight_unit(raw: str, line: int) -> Units:
    text = raw.strip().lower()
    if text in ("", "kg", "kgs"):
        return Units.KG
    if text in ("lb", "lbs"):
        return Units.LB
    raise FileProblem(f"the weight unit “{text[:10]}” is not kg or lbs.", line=line)


def parse_local(
    raw: str, pattern: str | Sequence[str], example: str, tz: ZoneInfo, line: int
) -> datetime:
    """A local date and time in ``pattern`` (or any of several), as aware UTC."""
    text = raw.strip()
    patterns = (pattern,) if isinstance(pattern, str) else tuple(pattern)
    naive: datetime | None = None
    for each in patterns:
        try:
            naive = datetime.strptime(text, each)
            break
        except ValueError:
            continue
    if naive is None:
        raise DateProblem(text, example, line)
    if not 1900 <= naive.year <= 2200:
        raise FileProblem(f"the date “{text[:30]}” is out of range.", line=line)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def render_local(when: datetime, pattern: str, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime(pattern)


_DURATION_PART: Final = re.compile(r"(\d+)\s*([hms])[a-z]*", re.IGNORECASE)


def parse_duration(raw: str) -> int | None:
    """Seconds in Strong's ``2h 18m`` (also ``45m``, ``1h``, ``30s``) or FitNotes' ``1:02:03``.

    Anything else is None: a workout's length is a nicety, never a reason to refuse a row."""
    text = raw.strip()
    if not text:
        return None
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}", text):
        seconds = 0
        for part in text.split(":"):
            seconds = seconds * 60 + int(part)
        return seconds if seconds <= MAX_SECONDS else None
    if text.isdigit():
        return int(text) if int(text) <= MAX_SECONDS else None
    parts = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text).strip():
        return None
    scale = {"h": 3600, "m": 60, "s": 1}
    seconds = sum(int(number) * scale[letter.lower()] for number, letter in parts)
    return seconds if seconds <= MAX_SECONDS else None


def render_duration(seconds: int) -> str:
    """Strong's way of writing a workout's length: ``2h 18m``, ``45m``."""
    hours, minutes = divmod(max(seconds, 0) // 60, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


# --------------------------------------------------------------------------------------------
# Layouts: which app wrote a file, read from its header
# --------------------------------------------------------------------------------------------

# Strong's column names, by the key this module reads them under, in English and in the
# languages the app is localised in (French, German, Spanish, Italian, Portuguese).
_STRONG_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "date": ("Date", "Datum", "Fecha", "Data"),
    "workout": (
        "Workout Name",
        "Nom de l'entraînement",
        "Trainingsname",
        "Name des Trainings",
        "Nombre del entrenamiento",
        "Nome allenamento",
        "Nome dell'allenamento",
        "Nome do treino",
    ),
    "duration": ("Duration", "Workout Duration", "Durée", "Dauer", "Duración", "Durata", "Duração"),
    "exercise": (
        "Exercise Name",
        "Nom de l'exercice",
        "Übungsname",
        "Name der Übung",
        "Nombre del ejercicio",
        "Nome esercizio",
        "Nome dell'esercizio",
        "Nome do exercício",
    ),
    "order": (
        "Set Order",
        "Ordre des séries",
        "Ordre de la série",
        "Satzreihenfolge",
        "Satz",
        "Orden de la serie",
        "Orden de series",
        "Ordine serie",
        "Ordine della serie",
        "Ordem da série",
        "Ordem das séries",
    ),
    "weight": ("Weight", "Poids", "Gewicht", "Peso"),
    "weight_unit": ("Weight Unit",),
    "reps": ("Reps", "Répétitions", "Wiederholungen", "Repeticiones", "Ripetizioni", "Repetições"),
    "distance": ("Distance", "Distanz", "Distancia", "Distanza", "Distância"),
    "distance_unit": ("Distance Unit",),
    "seconds": ("Seconds", "Secondes", "Sekunden", "Segundos", "Secondi"),
    "notes": ("Notes", "Notizen", "Notas", "Note"),
    "workout_notes": (
        "Workout Notes",
        "Notes de l'entraînement",
        "Trainingsnotizen",
        "Notas del entrenamiento",
        "Note allenamento",
        "Note dell'allenamento",
        "Notas do treino",
    ),
    "rpe": ("RPE",),
}
_STRONG_REQUIRED: Final = ("date", "workout", "exercise", "order", "weight", "reps")
# What Strong writes in "Set Order" for a rest timer, in its languages.
_REST_TIMER: Final = frozenset(
    {
        "rest timer",
        "minuteur de repos",
        "temps de repos",
        "pausentimer",
        "pausen-timer",
        "temporizador de descanso",
        "timer de descanso",
        "timer di recupero",
        "timer riposo",
        "cronômetro de descanso",
    }
)

_HEVY_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "title": ("title",),
    "start": ("start_time",),
    "end": ("end_time",),
    "description": ("description",),
    "exercise": ("exercise_title",),
    "superset": ("superset_id",),
    "notes": ("exercise_notes",),
    "index": ("set_index",),
    "type": ("set_type",),
    "weight_kg": ("weight_kg",),
    "weight_lbs": ("weight_lbs",),
    "reps": ("reps",),
    "distance_km": ("distance_km",),
    "distance_miles": ("distance_miles",),
    "distance_meters": ("distance_meters",),
    "seconds": ("duration_seconds",),
    "rpe": ("rpe",),
}
_HEVY_REQUIRED: Final = ("title", "start", "exercise", "type", "reps")

_FITNOTES_HEADERS: Final[Mapping[str, tuple[str, ...]]] = {
    "date": ("Date",),
    "exercise": ("Exercise",),
    "category": ("Category",),
    "weight": ("Weight",),
    "weight_unit": ("Weight Unit",),
    "reps": ("Reps",),
    "distance": ("Distance",),
    "distance_unit": ("Distance Unit",),
    "time": ("Time",),
    "comment": ("Comment",),
}
_FITNOTES_REQUIRED: Final = ("date", "exercise", "category", "weight", "reps")


def _header_key(text: str) -> str:
    return " ".join(text.replace("’", "'").strip().strip('"').casefold().split())


def _lookup(headers: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {_header_key(name): key for key, names in headers.items() for name in names}


_LOOKUPS: Final = {
    HistoryFormat.STRONG: (_lookup(_STRONG_HEADERS), _STRONG_REQUIRED),
    HistoryFormat.HEVY: (_lookup(_HEVY_HEADERS), _HEVY_REQUIRED),
    HistoryFormat.FITNOTES: (_lookup(_FITNOTES_HEADERS), _FITNOTES_REQUIRED),
}


@dataclass(frozen=True, slots=True)
class Layout:
    """How one file is laid out: its app, delimiter, and each known column's position."""

    format: HistoryFormat
    delimiter: str
    columns: Mapping[str, int]
    width: int

    def has(self, key: str) -> bool:
        return key in self.columns


def _header_fields(first_line: str, delimiter: str) -> list[str]:
    row = next(csv.reader([first_line], delimiter=delimiter), [])
    return [cell.strip().strip('"') for cell in row]


def _classify(fields: Sequence[str]) -> HistoryFormat | None:
    keys = {_header_key(f) for f in fields}
    if {"exercise_title", "start_time"} <= keys:
        return HistoryFormat.HEVY
    if {"exercise", "category", "date"} <= keys:
        return HistoryFormat.FITNOTES
    strong, _ = _LOOKUPS[HistoryFormat.STRONG]
    found = {strong[k] for k in keys if k in strong}
    if {"exercise", "workout", "order"} <= found:
        return HistoryFormat.STRONG
    return None


def detect_layout(first_line: str) -> Layout:
    """The layout a header line belongs to; :class:`FileProblem` otherwise."""
    for delimiter in (";", ",", "\t"):
        fields = _header_fields(first_line, delimiter)
        if len(fields) < 3:
            continue
        history_format = _classify(fields)
        if history_format is None:
            continue
        return _layout(history_format, delimiter, fields)
    raise FileProblem(
        "this is not a Strong, Hevy or FitNotes export: the first line should be their column "
        "names (Strong starts with “Date,Workout Name,…”, Hevy with “title,start_time,…”, "
        f"FitNotes with “Date,Exercise,Category,…”). {GOOD_FILE_HINT}",
        line=1,
    )


def detect_format(first_line: str) -> tuple[HistoryFormat, str]:
    """The format and delimiter a header line belongs to; :class:`FileProblem` otherwise."""
    layout = detect_layout(first_line)
    return layout.format, layout.delimiter


def _layout(history_format: HistoryFormat, delimiter: str, fields: Sequence[str]) -> Layout:
    lookup, required = _LOOKUPS[history_format]
    columns: dict[str, int] = {}
    repeated: list[str] = []
    for index, name in enumerate(fields):
        key = lookup.get(_header_key(name))
        if key is None:
            continue
        if key in columns:
            repeated.append(name)
        columns[key] = index
    missing = [key for key in required if key not in columns]
    if history_format is HistoryFormat.HEVY and not (
        "weight_kg" in columns or "weight_lbs" in columns
    ):
        missing.append("weight_kg")
    problems = []
    if missing:
        names = _names_of(history_format)
        problems.append("missing " + ", ".join(f"“{names.get(k, k)}”" for k in missing))
    if repeated:
        problems.append("repeated " + ", ".join(f"“{c[:30]}”" for c in repeated[:5]))
    if problems:
        label = history_format.label
        raise FileProblem(
            f"the {label} columns are wrong ({'; '.join(problems)}). Send the file exactly as "
            f"{label} exported it.",
            line=1,
        )
    return Layout(history_format, delimiter, columns, len(fields))


def _names_of(history_format: HistoryFormat) -> dict[str, str]:
    headers = {
        HistoryFormat.STRONG: _STRONG_HEADERS,
        HistoryFormat.HEVY: _HEVY_HEADERS,
        HistoryFormat.FITNOTES: _FITNOTES_HEADERS,
    }[history_format]
    return {key: names[0] for key, names in headers.items()}


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _text_of(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise FileProblem(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB. Export a shorter period and send that."
        )
    if not data.strip():
        raise FileProblem(f"the file is empty. {GOOD_FILE_HINT}")
    utf16 = _utf16(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data[:4096]:
        raise FileProblem(f"this is not a CSV text file. {GOOD_FILE_HINT}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(f"this is not a CSV text file. {GOOD_FILE_HINT}") from None


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file (some apps write it so): by its byte-order mark, or, without
    one, by the zero byte beside every ASCII character of the header. None otherwise."""
    head = data[:64]
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif len(head) >= 8 and not any(head[1::2]) and all(head[0::2]):
        encoding = "utf-16-le"
    elif len(head) >= 8 and not any(head[0::2]) and all(head[1::2]):
        encoding = "utf-16-be"
    else:
        return None
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        raise FileProblem(f"this is not a CSV text file. {GOOD_FILE_HINT}") from None


class _Row:
    """One CSV row, read by column key; a missing optional column reads as empty."""

    __slots__ = ("cells", "layout", "line")

    def __init__(self, layout: Layout, cells: list[str], line: int) -> None:
        self.layout = layout
        self.cells = cells
        self.line = line

    def __getitem__(self, key: str) -> str:
        index = self.layout.columns.get(key)
        return self.cells[index] if index is not None else ""


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one row adds: a set of an exercise in a workout."""

    key: tuple[str, ...]
    title: str
    start: datetime
    end: datetime | None
    workout_notes: str | None
    exercise: str
    exercise_notes: str | None
    entry: LoggedSet
    merge: bool = False  # add to this exercise earlier in the workout (a superset's sets)
    # The row's cells when they number the set (Strong, Hevy): the same row twice in one run of
    # an exercise is the same set written twice, kept once. None: identical rows are real sets.
    cells: tuple[str, ...] | None = None


@dataclass(slots=True)
class _Reading:
    layout: Layout
    tz: ZoneInfo
    unit: Units
    bad_rows: list[BadRow] = field(default_factory=list)
    rest_rows: int = 0
    respelt_dates: int = 0


def read_history(data: bytes, tz: ZoneInfo, unit: Units | None = None) -> History:
    """Parse a Strong, Hevy or FitNotes export.

    ``unit`` is the weight unit of a file that does not say (Strong's current layout);
    kilograms when not given. A file that cannot be read raises :class:`FileProblem`; rows that
    cannot be read are listed in :attr:`History.bad_rows`."""
    text = _text_of(data)
    lines = text.splitlines()
    layout = detect_layout(lines[0] if lines else "")
    reading = _Reading(layout, tz, unit or Units.KG)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, strict=True)
    builder = _Builder()
    parse = _ROW_READERS[layout.format]
    try:
        next(reader)
        for line, cells in _numbered(reader):
            if not any(cell.strip() for cell in cells):
                continue
            try:
                entry = parse(_Row(layout, _fit(layout, cells, line), line), reading)
            except FileProblem as problem:
                reading.bad_rows.append(BadRow(line, _printable(problem.reason)))
                if isinstance(problem, DateProblem) and problem.respelt:
                    reading.respelt_dates += 1
                continue
            if entry is None:
                reading.rest_rows += 1
                continue
            builder.add(entry, line)
    except csv.Error as error:
        raise FileProblem(f"the CSV is malformed ({error}).", line=reader.line_num) from None
    builder.close()
    if not builder.workouts:
        raise _nothing_read(reading)
    return History(
        format=layout.format,
        workouts=tuple(builder.workouts),
        bad_rows=tuple(reading.bad_rows),
        rest_rows=reading.rest_rows,
        repeated_rows=builder.repeated,
        unit_missing=layout.format is HistoryFormat.STRONG and not layout.has("weight_unit"),
    )


def _nothing_read(reading: _Reading) -> FileProblem:
    """Why a file gave no sets: its first unreadable row, or that it holds none."""
    if not reading.bad_rows:
        return FileProblem("the file has column names but no sets in it.")
    first, others = reading.bad_rows[0], len(reading.bad_rows) - 1
    more = f" None of the other {others} rows can be read either." if others else ""
    hint = f" {SPREADSHEET_HINT}" if reading.respelt_dates else ""
    return FileProblem(first.reason + more + hint, line=first.line)


def _printable(text: str) -> str:
    """A reason quoting the file, without the control characters a broken file may hold."""
    return "".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text)


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on (a quoted note may span several lines)."""
    line_num = getattr(reader, "line_num", 0)
    for cells in reader:
        yield line_num + 1, cells
        line_num = getattr(reader, "line_num", line_num + 1)


def _fit(layout: Layout, cells: list[str], line: int) -> list[str]:
    """The row's cells, one per header column. FitNotes leaves commas in exercise names
    unquoted: the extra cells are joined back into the name."""
    extra = len(cells) - layout.width
    if extra > 0 and layout.format is HistoryFormat.FITNOTES and layout.delimiter == ",":
        at = layout.columns["exercise"]
        name = ",".join(cells[at : at + extra + 1])
        return [*cells[:at], name, *cells[at + extra + 1 :]]
    if extra != 0:
        raise FileProblem("this row has a different number of columns from the header.", line=line)
    return cells


class _Builder:
    """Collects rows into workouts, in file order."""

    def __init__(self) -> None:
        self.workouts: list[Workout] = []
        self._key: tuple[str, ...] | None = None
        self._title = ""
        self._start: datetime | None = None
        self._end: datetime | None = None
        self._notes: str | None = None
        self._exercises: list[tuple[str, str | None, list[LoggedSet]]] = []
        self._seen: list[set[tuple[str, ...]]] = []  # per exercise: the rows read
        self.rows = 0
        self.repeated = 0

    def add(self, row: _Entry, line: int) -> None:
        self.rows += 1
        if self.rows > MAX_IMPORT_ROWS:
            raise FileProblem(
                f"the file has more than {MAX_IMPORT_ROWS} sets; export a shorter period.",
                line=line,
            )
        if row.key != self._key:
            self.close()
            self._key = row.key
            self._title, self._start, self._end = row.title, row.start, row.end
            self._notes = row.workout_notes
        elif row.workout_notes and not self._notes:
            self._notes = row.workout_notes
        slot = self._slot(row.exercise, merge=row.merge)
        if row.cells is not None:
            if row.cells in self._seen[slot]:
                self.repeated += 1
                return
            self._seen[slot].add(row.cells)
        name, notes, sets = self._exercises[slot]
        if row.exercise_notes and not notes:
            self._exercises[slot] = (name, row.exercise_notes, sets)
        sets.append(row.entry)

    def _slot(self, exercise: str, *, merge: bool) -> int:
        if self._exercises and self._exercises[-1][0] == exercise:
            return len(self._exercises) - 1
        if merge:
            for index, (name, _, _) in enumerate(self._exercises):
                if name == exercise:
                    return index
        self._exercises.append((exercise, None, []))
        self._seen.append(set())
        return len(self._exercises) - 1

    def close(self) -> None:
        if self._key is None or self._start is None:
            return
        self.workouts.append(
            Workout(
                title=self._title,
                start=self._start,
                end=self._end,
                notes=self._notes,
                exercises=tuple(
                    LoggedExercise(name=name, notes=notes, sets=tuple(sets))
                    for name, notes, sets in self._exercises
                ),
            )
        )
        self._key = None
        self._exercises = []
        self._seen = []


# Characters that draw nothing, though not whitespace to str.split.
_BLANK_LOOKING: Final = frozenset("\u2800\u3164\u115f\u1160\uffa0")


def _visible(text: str) -> bool:
    return any(
        not ch.isspace() and ch not in _BLANK_LOOKING and unicodedata.category(ch) != "Cf"
        for ch in text
    )


def _name(raw: str | None, line: int, what: str, example: str) -> str:
    text = " ".join((raw or "").split())
    if not _visible(text):
        raise FileProblem(f"the {what} is empty (like “{example}”).", line=line)
    if len(text) > 100:
        raise FileProblem(f"the {what} is longer than 100 characters.", line=line)
    return text


def _note(raw: str | None) -> str | None:
    """A note, with Windows line endings made plain newlines."""
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return text[:2000] or None


def _blank(raw: str) -> bool:
    """Empty or zero, as Strong writes an unused number."""
    return raw.strip().replace(",", ".").rstrip("0").rstrip(".") in ("", "0")


def _strong_order(raw: str, row: _Row) -> SetType | None:
    """The set type of a Strong "Set Order", or None for a rest-timer row."""
    order = raw.strip().upper()
    if order in _STRONG_SET_TYPES:
        return _STRONG_SET_TYPES[order]
    if " ".join(raw.split()).casefold() in _REST_TIMER:
        return None
    if not order:
        raise FileProblem("the set order is empty (like 1, or W for a warm-up).", line=row.line)
    try:
        _integer(order, row.line, "set order", "1, or W for a warm-up", limit=1000)
    except FileProblem:
        # A rest timer in a language not listed: only its seconds are filled in.
        if row["seconds"].strip() and _blank(row["weight"]) and _blank(row["reps"]):
            return None
        raise
    return SetType.NORMAL


def _read_strong(row: _Row, reading: _Reading) -> _Entry | None:
    line = row.line
    set_type = _strong_order(row["order"], row)
    if set_type is None:
        return None
    start = parse_local(row["date"], _STRONG_DATES, STRONG_DATE_EXAMPLE, reading.tz, line)
    title = _name(row["workout"], line, "workout name", "Push Day")
    exercise = _name(row["exercise"], line, "exercise name", "Bench Press (Barbell)")
    if reading.layout.has("weight_unit"):
        unit = _weight_unit(row["weight_unit"], line)
        distance_unit = row["distance_unit"]
    else:
        unit = reading.unit
        distance_unit = "mi" if unit is Units.LB else "km"
    seconds = parse_duration(row["duration"])
    entry = LoggedSet(
        set_type=set_type,
        weight_kg=_weight(_decimal(row["weight"], line, "weight", "82.5"), unit, line),
        reps=_integer(row["reps"], line, "reps", "8", limit=MAX_REPS) or None,
        rpe=_rpe(row["rpe"], line),
        distance_m=_distance_m(
            _decimal(row["distance"], line, "distance", "5"), distance_unit, line
        ),
        duration_s=_integer(row["seconds"], line, "seconds", "60", limit=MAX_SECONDS) or None,
        unit=unit,
    )
    return _Entry(
        key=(row["date"].strip(), title),
        title=title,
        start=start,
        end=start + timedelta(seconds=seconds) if seconds is not None else None,
        workout_notes=_note(row["workout_notes"]),
        exercise=exercise,
        exercise_notes=_note(row["notes"]),
        entry=entry,
        # Strong numbers working sets, so a numbered row seen twice is one set written twice;
        # warm-up, drop and failure sets are lettered (W, D, F), and two alike are two sets.
        cells=tuple(row.cells) if row["order"].strip().isdigit() else None,
    )


def _hevy_measures(row: _Row) -> tuple[Units, Decimal | None, Decimal | None]:
    """The unit, the weight in kg and the distance in metres of a Hevy row."""
    line = row.line
    if row.layout.has("weight_lbs"):
        unit = Units.LB
        weight = _weight(_decimal(row["weight_lbs"], line, "weight", "185"), Units.LB, line)
    else:
        unit = Units.KG
        weight = _weight(_decimal(row["weight_kg"], line, "weight", "82.5"), Units.KG, line)
    if row.layout.has("distance_miles"):
        distance = _distance_m(_decimal(row["distance_miles"], line, "distance", "3"), "mi", line)
    elif row.layout.has("distance_meters"):
        distance = _distance_m(_decimal(row["distance_meters"], line, "distance", "400"), "m", line)
    else:
        distance = _distance_m(_decimal(row["distance_km"], line, "distance", "5"), "km", line)
    return unit, weight, distance


def _read_hevy(row: _Row, reading: _Reading) -> _Entry:
    line = row.line
    patterns = _HEVY_DATES
    start = parse_local(row["start"], patterns, HEVY_DATE_EXAMPLE, reading.tz, line)
    end: datetime | None = None
    if row["end"].strip():
        end = parse_local(row["end"], patterns, HEVY_DATE_EXAMPLE, reading.tz, line)
        if end < start:
            raise FileProblem("the workout ends before it starts.", line=line)
    title = _name(row["title"], line, "workout title", "Push Day")
    exercise = _name(row["exercise"], line, "exercise title", "Bench Press (Barbell)")
    kind = row["type"].strip().lower() or "normal"
    if kind not in _HEVY_SET_TYPES:
        raise FileProblem(
            f"the set type “{kind[:20]}” is not normal, warmup, dropset or failure.", line=line
        )
    _integer(row["index"], line, "set index", "0", limit=1000)
    unit, weight, distance = _hevy_measures(row)
    entry = LoggedSet(
        set_type=_HEVY_SET_TYPES[kind],
        weight_kg=weight,
        reps=_integer(row["reps"], line, "reps", "8", limit=MAX_REPS) or None,
        rpe=_rpe(row["rpe"], line),
        distance_m=distance,
        duration_s=_integer(row["seconds"], line, "duration", "60", limit=MAX_SECONDS) or None,
        unit=unit,
    )
    return _Entry(
        key=(row["title"].strip(), row["start"].strip(), row["end"].strip()),
        title=title,
        start=start,
        end=end,
        workout_notes=_note(row["description"]),
        exercise=exercise,
        exercise_notes=_note(row["notes"]),
        entry=entry,
        merge=bool(row["superset"].strip()),
        cells=tuple(row.cells),
    )


def _read_fitnotes(row: _Row, reading: _Reading) -> _Entry:
    line = row.line
    start = parse_local(row["date"], _FITNOTES_DATES, "2026-11-20", reading.tz, line)
    exercise = _name(row["exercise"], line, "exercise name", "Flat Barbell Bench Press")
    unit = _weight_unit(row["weight_unit"], line)
    seconds = parse_duration(row["time"])
    if row["time"].strip() and seconds is None:
        raise FileProblem(f"the time “{row['time'].strip()[:20]}” is not like 0:01:30.", line=line)
    entry = LoggedSet(
        weight_kg=_weight(_decimal(row["weight"], line, "weight", "82.5"), unit, line),
        reps=_integer(row["reps"], line, "reps", "8", limit=MAX_REPS) or None,
        distance_m=_distance_m(
            _decimal(row["distance"], line, "distance", "5"), row["distance_unit"], line
        ),
        duration_s=seconds or None,
        unit=unit,
    )
    return _Entry(
        key=(row["date"].strip(),),
        title=FITNOTES_TITLE,
        start=start,
        end=None,
        workout_notes=None,
        exercise=exercise,
        exercise_notes=_note(row["comment"]),
        entry=entry,
    )


_ROW_READERS: Final[Mapping[HistoryFormat, Callable[[_Row, _Reading], _Entry | None]]] = {
    HistoryFormat.STRONG: _read_strong,
    HistoryFormat.HEVY: _read_hevy,
    HistoryFormat.FITNOTES: _read_fitnotes,
}


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _strong_weight(entry: LoggedSet, unit: Units) -> str:
    if entry.weight_kg is None:
        return ""
    return format_decimal(kg_to_lb(entry.weight_kg) if unit is Units.LB else entry.weight_kg)


def _strong_distance(entry: LoggedSet, unit: Units) -> str:
    if entry.distance_m is None:
        return ""
    per = MILE_IN_M if unit is Units.LB else Decimal(1000)
    value = entry.distance_m / per
    return format_decimal(value.quantize(Decimal("0.00001")) if unit is Units.LB else value)


def write_strong(workouts: Iterable[Workout], tz: ZoneInfo, unit: Units = Units.KG) -> bytes:
    """Strong's current CSV: comma-separated, local times, every weight in ``unit`` (kg or lb,
    as Strong writes the app's unit), distances in km (or miles with lb)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=",", lineterminator="\n")
    writer.writerow(STRONG_COLUMNS)
    for workout in workouts:
        date_text = render_local(workout.start, STRONG_DATE, tz)
        duration = (
            render_duration(int((workout.end - workout.start).total_seconds()))
            if workout.end is not None and workout.end >= workout.start
            else ""
        )
        for exercise in workout.exercises:
            number = 0
            for index, entry in enumerate(exercise.sets):
                if entry.set_type is SetType.NORMAL:
                    number += 1
                    order = str(number)
                else:
                    order = _STRONG_SET_LETTER[entry.set_type]
                writer.writerow(
                    (
                        date_text,
                        workout.title,
                        duration,
                        exercise.name,
                        order,
                        _strong_weight(entry, unit),
                        "" if entry.reps is None else str(entry.reps),
                        _strong_distance(entry, unit),
                        "" if entry.duration_s is None else str(entry.duration_s),
                        (exercise.notes or "") if index == 0 else "",
                        workout.notes or "",
                        format_decimal(entry.rpe),
                    )
                )
    return out.getvalue().encode("utf-8")


def write_hevy(workouts: Iterable[Workout], tz: ZoneInfo) -> bytes:
    """Hevy's CSV: comma-separated, local times to the minute, kilograms and kilometres."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=",", lineterminator="\n")
    writer.writerow(HEVY_COLUMNS)
    for workout in workouts:
        start = render_local(workout.start, HEVY_DATE, tz)
        end = render_local(workout.end, HEVY_DATE, tz) if workout.end else ""
        for exercise in workout.exercises:
            for index, entry in enumerate(exercise.sets):
                writer.writerow(
                    (
                        workout.title,
                        start,
                        end,
                        workout.notes or "",
                        exercise.name,
                        "",
                        exercise.notes or "",
                        str(index),
                        _HEVY_SET_NAME[entry.set_type],
                        format_decimal(entry.weight_kg),
                        "" if entry.reps is None else str(entry.reps),
                        "" if entry.distance_m is None else format_decimal(entry.distance_m / 1000),
                        "" if entry.duration_s is None else str(entry.duration_s),
                        format_decimal(entry.rpe),
                    )
                )
    return out.getvalue().encode("utf-8")


def write_rows(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A plain comma-separated file (trainer exports)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------------------
# The training library: versioned JSON
# --------------------------------------------------------------------------------------------

LIBRARY_FORMAT: Final = "spotter-library"
LIBRARY_VERSION: Final = 1
MAX_LIBRARY_BYTES: Final = 2 * 1024 * 1024

Text100 = Annotated[str, Field(min_length=1, max_length=100)]
Text120 = Annotated[str, Field(min_length=1, max_length=120)]
OptText = Annotated[str | None, Field(default=None, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LibraryExercise(_Strict):
    """One prescribed exercise: the catalogue entry by slug and name, and its targets."""

    name: Text100
    slug: Annotated[str | None, Field(default=None, max_length=80)] = None
    category: Annotated[str, Field(max_length=32)] = "other"
    measure: Literal["weight_reps", "reps", "time", "distance_time"] = "weight_reps"
    target_sets: Annotated[int, Field(ge=1, le=20)]
    reps_min: Annotated[int | None, Field(ge=0, le=1000)] = None
    reps_max: Annotated[int | None, Field(ge=0, le=1000)] = None
    target_weight_kg: Annotated[Decimal | None, Field(ge=0, le=1000)] = None
    target_percent_e1rm: Annotated[Decimal | None, Field(ge=0, le=150)] = None
    bodyweight: bool = False
    target_rpe: Annotated[Decimal | None, Field(ge=1, le=10)] = None
    target_rir: Annotated[int | None, Field(ge=0, le=10)] = None
    rest_seconds: Annotated[int | None, Field(ge=0, le=3600)] = None
    duration_s: Annotated[int | None, Field(ge=0, le=MAX_SECONDS)] = None
    distance_m: Annotated[Decimal | None, Field(ge=0, le=MAX_DISTANCE_M)] = None
    instructions: OptText = None
    tips: OptText = None
    notes: OptText = None


class LibraryTemplate(_Strict):
    name: Text120
    description: OptText = None
    category: Annotated[str | None, Field(default=None, max_length=64)] = None
    difficulty: Difficulty | None = None
    duration_minutes: Annotated[int | None, Field(ge=1, le=600)] = None
    equipment_needed: list[Annotated[str, Field(max_length=60)]] = []
    notes: OptText = None
    exercises: list[LibraryExercise] = []


class LibrarySession(_Strict):
    name: Text120
    week_number: Annotated[int, Field(ge=1, le=104)]
    session_number: Annotated[int, Field(ge=1, le=50)]
    description: OptText = None
    session_type: SessionType = SessionType.TRAINING
    focus_area: Annotated[str | None, Field(default=None, max_length=120)] = None
    estimated_duration: Annotated[int | None, Field(ge=1, le=600)] = None
    warmup: list[Annotated[str, Field(max_length=300)]] = []
    cooldown: list[Annotated[str, Field(max_length=300)]] = []
    template: Annotated[str | None, Field(default=None, max_length=120)] = None
    exercises: list[LibraryExercise] = []


class LibraryProgram(_Strict):
    name: Text120
    description: OptText = None
    difficulty: Difficulty | None = None
    duration_weeks: Annotated[int, Field(ge=1, le=104)] = 4
    goals: list[Annotated[str, Field(max_length=200)]] = []
    sessions: list[LibrarySession] = []


class Library(_Strict):
    format: Literal["spotter-library"]
    version: Literal[1]
    exported_at: str | None = None
    templates: Annotated[list[LibraryTemplate], Field(max_length=500)] = []
    programs: Annotated[list[LibraryProgram], Field(max_length=200)] = []


def library_json(library: Library) -> bytes:
    return library.model_dump_json(indent=2, exclude_none=False).encode("utf-8")


def parse_library(data: bytes) -> Library:
    """Validate a library file; :class:`FileProblem` says where it is wrong."""
    if len(data) > MAX_LIBRARY_BYTES:
        raise FileProblem(
            f"the file is {len(data) / 1024 / 1024:.1f} MB; a library file may be at most "
            f"{MAX_LIBRARY_BYTES // 1024 // 1024} MB."
        )
    try:
        return Library.model_validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = " → ".join(str(part) for part in first["loc"]) or "the file"
        if first["type"] == "json_invalid":
            raise FileProblem(
                "this is not a Spotter library file (it is not valid JSON). Send the .json file "
                "that /export made."
            ) from None
        if first["loc"] and first["loc"][0] in ("format", "version"):
            raise FileProblem(
                "this is not a Spotter library file (or a newer version of one). Send the "
                ".json file that /export made."
            ) from None
        raise FileProblem(f"the library file is wrong at {where}: {first['msg']}.") from None


def looks_like_library(data: bytes) -> bool:
    head = data[:200].lstrip()
    return head.startswith(b"{") and LIBRARY_FORMAT.encode() in data[:400]
