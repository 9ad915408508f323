"""Workout history and training libraries in and out of Spotter, as plain values.

Two workout-log CSV formats are read and written, with the exact columns those apps use:

* **Strong** (``STRONG_COLUMNS``), semicolon-separated. ``Date`` is local time as
  ``2026-11-20 18:03:00``. ``Set Order`` is the set's number, or ``W`` (warm-up), ``D`` (drop
  set) or ``F`` (failure). ``Weight Unit`` is ``kg`` or ``lbs``; ``Distance Unit`` is ``km``,
  ``m`` or ``mi``. ``Notes`` holds the exercise's notes (on its first row), ``Workout Notes``
  the session's. Strong's own app writes commas in some versions, so a Strong header separated
  by commas is read too.
* **Hevy** (``HEVY_COLUMNS``), comma-separated. ``start_time``/``end_time`` are local time as
  ``20 Nov 2026, 18:03``. ``set_index`` counts from 0; ``set_type`` is ``normal``, ``warmup``,
  ``dropset`` or ``failure``. Weights are kilograms and distances kilometres.

Neither format carries a time zone: times are read and written in the owner's zone (passed in).
A workout is the run of rows sharing a date and a name (Strong) or a title, start and end
(Hevy). Set numbers are positional: the n-th row of an exercise in a workout is its n-th set.

A bad file raises :class:`FileProblem` naming the line and the problem; nothing is half-read.

The training library (templates and programs) travels as versioned JSON, validated by
:func:`parse_library`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, Final, Literal
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

STRONG_COLUMNS: Final = (
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
STRONG_DATE: Final = "%Y-%m-%d %H:%M:%S"
STRONG_DATE_EXAMPLE: Final = "2026-11-20 18:03:00"
HEVY_DATE: Final = "%d %b %Y, %H:%M"
HEVY_DATE_EXAMPLE: Final = "20 Nov 2026, 18:03"

GOOD_FILE_HINT: Final = (
    "Export your history from Strong (Settings → Export data) or Hevy "
    "(Settings → Export & import data → Export workouts) and send me that CSV file."
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


class HistoryFormat(StrEnum):
    STRONG = "strong"
    HEVY = "hevy"

    @property
    def label(self) -> str:
        return "Strong" if self is HistoryFormat.STRONG else "Hevy"


class FileProblem(InvalidInput):
    """A file that cannot be imported. ``line`` is the 1-based line at fault, if any."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        text = f"Line {line}: {message}" if line is not None else message
        super().__init__(text)
        self.line = line


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
class History:
    format: HistoryFormat
    workouts: tuple[Workout, ...]

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
        raise FileProblem(f"the {what} {value} is more than {limit}.", line=line)
    return int(value)


def _rpe(raw: str, line: int) -> Decimal | None:
    value = _decimal(raw, line, "RPE", "8 or 8.5")
    if value is None or value == 0:
        return None
    if not Decimal(1) <= value <= Decimal(10):
        raise FileProblem(f"the RPE {raw.strip()} must be from 1 to 10.", line=line)
    return value.quantize(Decimal("0.1"))


def _weight(value: Decimal | None, unit: Units, line: int) -> Decimal | None:
    if value is None or value == 0:
        return None
    kg = value * KG_PER_LB if unit is Units.LB else value
    if kg > MAX_WEIGHT_KG:
        raise FileProblem(f"the weight {value} {unit.value} is more than 1000 kg.", line=line)
    return kg.quantize(Decimal("0.001"))


def _distance_m(value: Decimal | None, unit: str, line: int) -> Decimal | None:
    if value is None or value == 0:
        return None
    factor = {"km": Decimal(1000), "m": Decimal(1), "mi": MILE_IN_M, "miles": MILE_IN_M}.get(
        unit.strip().lower() or "km"
    )
    if factor is None:
        raise FileProblem(f"the distance unit “{unit.strip()[:10]}” is not km, m or mi.", line=line)
    metres = value * factor
    if metres > MAX_DISTANCE_M:
        raise FileProblem(f"the distance {value} {unit} is more than 1000 km.", line=line)
    return metres.quantize(Decimal("0.01"))


def parse_local(raw: str, pattern: str, example: str, tz: ZoneInfo, line: int) -> datetime:
    """A local date and time in ``pattern``, as aware UTC."""
    text = raw.strip()
    try:
        naive = datetime.strptime(text, pattern)
    except ValueError:
        raise FileProblem(
            f"the date “{text[:30]}” is not a date and time like {example}.", line=line
        ) from None
    if not 1900 <= naive.year <= 2200:
        raise FileProblem(f"the date “{text[:30]}” is out of range.", line=line)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def render_local(when: datetime, pattern: str, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime(pattern)


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
    if b"\x00" in data[:4096]:
        raise FileProblem(f"this is not a CSV text file. {GOOD_FILE_HINT}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(f"this is not a CSV text file. {GOOD_FILE_HINT}") from None


def _header_fields(first_line: str, delimiter: str) -> list[str]:
    row = next(csv.reader([first_line], delimiter=delimiter), [])
    return [cell.strip().strip('"') for cell in row]


def detect_format(first_line: str) -> tuple[HistoryFormat, str]:
    """The format and delimiter a header line belongs to; :class:`FileProblem` otherwise."""
    for delimiter in (";", ","):
        fields = _header_fields(first_line, delimiter)
        if "Exercise Name" in fields and "Workout Name" in fields:
            _check_columns(fields, STRONG_COLUMNS, "Strong")
            return HistoryFormat.STRONG, delimiter
        if "exercise_title" in fields and "start_time" in fields:
            if delimiter == ";":
                continue
            _check_columns(fields, HEVY_COLUMNS, "Hevy")
            return HistoryFormat.HEVY, delimiter
    raise FileProblem(
        "this is not a Strong or Hevy export: the first line should be their column names "
        f"(Strong starts with “Date;Workout Name;…”, Hevy with “title,start_time,…”). "
        f"{GOOD_FILE_HINT}",
        line=1,
    )


def _check_columns(fields: Sequence[str], expected: Sequence[str], label: str) -> None:
    missing = [c for c in expected if c not in fields]
    extra = [c for c in fields if c not in expected]
    duplicated = sorted({c for c in fields if fields.count(c) > 1})
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f"“{c}”" for c in missing))
    if extra:
        problems.append("unexpected " + ", ".join(f"“{c[:30]}”" for c in extra[:5]))
    if duplicated:
        problems.append("repeated " + ", ".join(f"“{c}”" for c in duplicated))
    if problems:
        raise FileProblem(
            f"the {label} columns are wrong ({'; '.join(problems)}). Send the file exactly as "
            f"{label} exported it.",
            line=1,
        )


def read_history(data: bytes, tz: ZoneInfo) -> History:
    """Parse a Strong or Hevy export. Raises :class:`FileProblem` naming the line at fault."""
    text = _text_of(data)
    first_line = text.splitlines()[0] if text.splitlines() else ""
    history_format, delimiter = detect_format(first_line)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        if history_format is HistoryFormat.STRONG:
            workouts = _read_strong(reader, tz)
        else:
            workouts = _read_hevy(reader, tz)
    except csv.Error as error:
        raise FileProblem(f"the CSV is malformed ({error}).", line=reader.line_num) from None
    if not workouts:
        raise FileProblem("the file has column names but no sets in it.")
    return History(history_format, tuple(workouts))


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
        self.rows = 0

    def add(
        self,
        key: tuple[str, ...],
        *,
        title: str,
        start: datetime,
        end: datetime | None,
        workout_notes: str | None,
        exercise: str,
        exercise_notes: str | None,
        entry: LoggedSet,
        line: int,
    ) -> None:
        self.rows += 1
        if self.rows > MAX_IMPORT_ROWS:
            raise FileProblem(
                f"the file has more than {MAX_IMPORT_ROWS} sets; export a shorter period.",
                line=line,
            )
        if key != self._key:
            self.close()
            self._key = key
            self._title, self._start, self._end = title, start, end
            self._notes = workout_notes
        elif workout_notes and not self._notes:
            self._notes = workout_notes
        if not self._exercises or self._exercises[-1][0] != exercise:
            self._exercises.append((exercise, exercise_notes, []))
        elif exercise_notes and not self._exercises[-1][1]:
            name, _, sets = self._exercises[-1]
            self._exercises[-1] = (name, exercise_notes, sets)
        self._exercises[-1][2].append(entry)

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


def _name(raw: str | None, line: int, what: str, example: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise FileProblem(f"the {what} is empty (like “{example}”).", line=line)
    if len(text) > 100:
        raise FileProblem(f"the {what} is longer than 100 characters.", line=line)
    return text


def _note(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text[:2000] or None


def _row_check(row: dict[str | Any, Any], line: int) -> None:
    if None in row or any(value is None for value in row.values()):
        raise FileProblem("this row has a different number of columns from the header.", line=line)


def _read_strong(reader: csv.DictReader[str], tz: ZoneInfo) -> list[Workout]:
    builder = _Builder()
    for row in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        _row_check(row, line)
        start = parse_local(row["Date"], STRONG_DATE, STRONG_DATE_EXAMPLE, tz, line)
        title = _name(row["Workout Name"], line, "workout name", "Push Day")
        exercise = _name(row["Exercise Name"], line, "exercise name", "Bench Press (Barbell)")
        order = row["Set Order"].strip().upper()
        if order in _STRONG_SET_TYPES:
            set_type = _STRONG_SET_TYPES[order]
        else:
            _integer(order, line, "set order", "1, or W for a warm-up", limit=1000)
            if not order:
                raise FileProblem("the set order is empty (like 1, or W for a warm-up).", line=line)
            set_type = SetType.NORMAL
        unit_text = row["Weight Unit"].strip().lower()
        if unit_text in ("", "kg", "kgs"):
            unit = Units.KG
        elif unit_text in ("lb", "lbs"):
            unit = Units.LB
        else:
            raise FileProblem(f"the weight unit “{unit_text[:10]}” is not kg or lbs.", line=line)
        weight = _weight(_decimal(row["Weight"], line, "weight", "82.5"), unit, line)
        entry = LoggedSet(
            set_type=set_type,
            weight_kg=weight,
            reps=_integer(row["Reps"], line, "reps", "8", limit=1000) or None,
            rpe=_rpe(row["RPE"], line),
            distance_m=_distance_m(
                _decimal(row["Distance"], line, "distance", "5"), row["Distance Unit"], line
            ),
            duration_s=_integer(row["Seconds"], line, "seconds", "60", limit=MAX_SECONDS) or None,
            unit=unit,
        )
        builder.add(
            (row["Date"].strip(), title),
            title=title,
            start=start,
            end=None,
            workout_notes=_note(row["Workout Notes"]),
            exercise=exercise,
            exercise_notes=_note(row["Notes"]),
            entry=entry,
            line=line,
        )
    builder.close()
    return builder.workouts


def _read_hevy(reader: csv.DictReader[str], tz: ZoneInfo) -> list[Workout]:
    builder = _Builder()
    for row in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        _row_check(row, line)
        start = parse_local(row["start_time"], HEVY_DATE, HEVY_DATE_EXAMPLE, tz, line)
        end: datetime | None = None
        if row["end_time"].strip():
            end = parse_local(row["end_time"], HEVY_DATE, HEVY_DATE_EXAMPLE, tz, line)
            if end < start:
                raise FileProblem("the workout ends before it starts.", line=line)
        title = _name(row["title"], line, "workout title", "Push Day")
        exercise = _name(row["exercise_title"], line, "exercise title", "Bench Press (Barbell)")
        kind = row["set_type"].strip().lower() or "normal"
        if kind not in _HEVY_SET_TYPES:
            raise FileProblem(
                f"the set type “{kind[:20]}” is not normal, warmup, dropset or failure.", line=line
            )
        _integer(row["set_index"], line, "set index", "0", limit=1000)
        entry = LoggedSet(
            set_type=_HEVY_SET_TYPES[kind],
            weight_kg=_weight(_decimal(row["weight_kg"], line, "weight", "82.5"), Units.KG, line),
            reps=_integer(row["reps"], line, "reps", "8", limit=1000) or None,
            rpe=_rpe(row["rpe"], line),
            distance_m=_distance_m(_decimal(row["distance_km"], line, "distance", "5"), "km", line),
            duration_s=_integer(row["duration_seconds"], line, "duration", "60", limit=MAX_SECONDS)
            or None,
            unit=Units.KG,
        )
        builder.add(
            (row["title"].strip(), row["start_time"].strip(), row["end_time"].strip()),
            title=title,
            start=start,
            end=end,
            workout_notes=_note(row["description"]),
            exercise=exercise,
            exercise_notes=_note(row["exercise_notes"]),
            entry=entry,
            line=line,
        )
    builder.close()
    return builder.workouts


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_strong(workouts: Iterable[Workout], tz: ZoneInfo) -> bytes:
    """Strong's CSV: semicolon-separated, local times, weights in each set's own unit."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(STRONG_COLUMNS)
    for workout in workouts:
        date_text = render_local(workout.start, STRONG_DATE, tz)
        for exercise in workout.exercises:
            number = 0
            for index, entry in enumerate(exercise.sets):
                if entry.set_type is SetType.NORMAL:
                    number += 1
                    order = str(number)
                else:
                    order = _STRONG_SET_LETTER[entry.set_type]
                weight = ""
                unit = ""
                if entry.weight_kg is not None:
                    if entry.unit is Units.LB:
                        weight, unit = format_decimal(kg_to_lb(entry.weight_kg)), "lbs"
                    else:
                        weight, unit = format_decimal(entry.weight_kg), "kg"
                distance = ""
                if entry.distance_m is not None:
                    distance = format_decimal(entry.distance_m / 1000)
                writer.writerow(
                    (
                        date_text,
                        workout.title,
                        exercise.name,
                        order,
                        weight,
                        unit,
                        "" if entry.reps is None else str(entry.reps),
                        format_decimal(entry.rpe),
                        distance,
                        "km" if distance else "",
                        "" if entry.duration_s is None else str(entry.duration_s),
                        (exercise.notes or "") if index == 0 else "",
                        workout.notes or "",
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
