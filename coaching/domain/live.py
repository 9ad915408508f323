"""The live-logging turn as pure rules: where the session is and what each button logs.

A live session is a list of exercises (in order), each with an optional target and the sets
logged so far. From that and the id of the exercise the user is on, :func:`build_turn` works
out the turn: which exercise, which set number, and whether its target is reached. The button
rules live here too: what "✓ as planned" logs (:func:`planned_entry`), what "same" and ±2.5
log (:func:`repeat_entry`, :func:`step_entry`), and the step size in the user's unit.

The session summary is built here from plain values (:func:`build_summary`): duration, sets,
volume per exercise, personal records and the comparison with the previous session.
Nothing here knows about Telegram, the database or the clock; time is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from coaching.domain.enums import SetType, Units
from coaching.domain.sets import SetEntry, SetParseError, parse_sets
from coaching.domain.strength import (
    PerformedSet,
    PersonalRecord,
    RecordKind,
    compare,
    detect_records,
    summarise,
)
from coaching.domain.units import format_weight, plain, planned_kg, to_unit

__all__ = [
    "DEFAULT_REST_S",
    "ExerciseLine",
    "ExerciseState",
    "LastTime",
    "LiveSet",
    "LiveWord",
    "RecordLine",
    "SummaryData",
    "Target",
    "Turn",
    "adhoc_title",
    "build_summary",
    "build_turn",
    "current_exercise",
    "format_duration",
    "format_e1rm",
    "format_kg",
    "format_target",
    "format_volume",
    "live_word",
    "looks_like_name",
    "next_exercise_key",
    "planned_entry",
    "repeat_entry",
    "rest_seconds",
    "shown_records",
    "step_entry",
    "step_label",
    "step_unit",
]

DEFAULT_REST_S: Final = 90
"""The rest a timer counts when the user turns it on and nothing is prescribed."""

_STEPS: Final[Mapping[Units, str]] = {Units.KG: "2.5", Units.LB: "5"}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSet(SetEntry):
    """A logged set: what was done (a :class:`SetEntry`), where it was stored and when.

    The one set type of live logging: the repository builds it from the set's row, and the
    turn, the summary and the card read it as it is.
    """

    exercise_record_id: int
    exercise_id: int
    set_index: int
    performed_at: datetime
    source_key: str | None = None
    id: int | None = None
    """``None`` for a set made here to be stored (the database numbers it)."""

    @classmethod
    def of(
        cls,
        entry: SetEntry,
        *,
        exercise_record_id: int,
        exercise_id: int,
        set_index: int,
        performed_at: datetime,
        source_key: str | None,
    ) -> LiveSet:
        """``entry`` logged into exercise record ``exercise_record_id`` at ``performed_at``."""
        return cls(
            reps=entry.reps,
            weight_kg=entry.weight_kg,
            bodyweight=entry.bodyweight,
            entered_unit=entry.entered_unit,
            rpe=entry.rpe,
            rir=entry.rir,
            duration_s=entry.duration_s,
            distance_m=entry.distance_m,
            set_type=entry.set_type,
            exercise_record_id=exercise_record_id,
            exercise_id=exercise_id,
            set_index=set_index,
            performed_at=performed_at,
            source_key=source_key,
        )

    def performed(self) -> PerformedSet:
        """The set as the strength rules (records, volume, e1RM) read it."""
        return PerformedSet(
            exercise_id=self.exercise_id,
            weight_kg=self.weight_kg,
            reps=self.reps,
            set_type=self.set_type,
            performed_at=self.performed_at,
            bodyweight=self.bodyweight,
            entered_unit=self.entered_unit,
        )


@dataclass(frozen=True, slots=True)
class LastTime:
    """The sets of the last other session that had an exercise, and its day where the viewer
    is."""

    on: date
    sets: tuple[SetEntry, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """What is prescribed for one exercise (seed 001 EXERCISE_TEMPLATE), weights in kg."""

    sets: int
    reps_min: int | None = None
    reps_max: int | None = None
    weight_kg: Decimal | None = None
    bodyweight: bool = False
    rpe: Decimal | None = None
    rir: int | None = None
    rest_s: int | None = None
    duration_s: int | None = None
    distance_m: Decimal | None = None

    @property
    def reps(self) -> int | None:
        """The reps a set "as planned" has: the top of a range, else the single number."""
        return self.reps_max if self.reps_max is not None else self.reps_min


@dataclass(frozen=True, slots=True)
class ExerciseState:
    """One exercise of a live session: ``key`` is the exercise record's id."""

    key: int
    exercise_id: int
    name: str
    target: Target | None = None
    sets: tuple[SetEntry, ...] = ()
    skipped: bool = False
    completed: bool = False

    @property
    def done(self) -> bool:
        return self.skipped or self.completed

    @property
    def working_sets(self) -> int:
        return sum(1 for entry in self.sets if entry.set_type is not SetType.WARMUP)

    @property
    def last(self) -> SetEntry | None:
        return self.sets[-1] if self.sets else None


@dataclass(frozen=True, slots=True)
class Turn:
    """Where a live session stands.

    ``exercise`` is ``None`` once every exercise is done or skipped (or there are none yet).
    ``position`` is 1-based. ``set_number`` is the next working set's number; ``target_met``
    says the prescribed number of working sets has been logged.
    """

    exercise: ExerciseState | None
    position: int
    count: int
    set_number: int
    target_met: bool
    upcoming: str | None

    @property
    def finished_all(self) -> bool:
        return self.exercise is None


def _ahead(exercise: ExerciseState) -> bool:
    """Whether an exercise is still to come: open, and not unplanned work already started.

    An exercise added during the session (no plan) with sets logged was done when the person
    moved on to another one, so the card never points back to it ("Then: Squat" after the
    squats). Typing its name goes back to it.
    """
    return not exercise.done and not (exercise.target is None and exercise.sets)


def current_exercise(
    exercises: Sequence[ExerciseState], current_key: int | None
) -> ExerciseState | None:
    """The exercise the user is on: the chosen one while open, else the first one ahead."""
    for exercise in exercises:
        if exercise.key == current_key and not exercise.done:
            return exercise
    return next((exercise for exercise in exercises if _ahead(exercise)), None)


def next_exercise_key(exercises: Sequence[ExerciseState], after_key: int) -> int | None:
    """The next exercise ahead after ``after_key`` in order, wrapping round; ``None`` if none."""
    keys = [exercise.key for exercise in exercises]
    start = keys.index(after_key) + 1 if after_key in keys else 0
    ordered = [*exercises[start:], *exercises[:start]]
    return next((e.key for e in ordered if _ahead(e) and e.key != after_key), None)


def adhoc_title(names: Sequence[str], limit: int = 120) -> str | None:
    """An unplanned session's title from what was done: ``Barbell Back Squat · Pull-Up``.

    Names keep their order, each once; past ``limit`` characters the rest are counted
    (``… +3 more``). ``None`` when nothing was done.
    """
    unique = list(dict.fromkeys(name for name in names if name.strip()))
    if not unique:
        return None
    shown: list[str] = []
    for index, name in enumerate(unique):
        rest = len(unique) - index
        candidate = " · ".join([*shown, name])
        more = f" … +{rest - 1} more" if rest > 1 else ""
        if len(candidate) + len(more) > limit and shown:
            return " · ".join(shown) + f" … +{rest} more"
        shown.append(name[:limit])
    return " · ".join(shown)


def build_turn(exercises: Sequence[ExerciseState], current_key: int | None) -> Turn:
    """The turn to show: current exercise, its next set number and what comes after it."""
    exercise = current_exercise(exercises, current_key)
    if exercise is None:
        return Turn(None, 0, len(exercises), 0, False, None)
    position = next(i for i, e in enumerate(exercises, start=1) if e.key == exercise.key)
    following = next_exercise_key(exercises, exercise.key)
    upcoming = next((e.name for e in exercises if e.key == following), None)
    target_met = exercise.target is not None and exercise.working_sets >= exercise.target.sets
    return Turn(
        exercise=exercise,
        position=position,
        count=len(exercises),
        set_number=exercise.working_sets + 1,
        target_met=target_met,
        upcoming=upcoming,
    )


# --------------------------------------------------------------------------- typed words


class LiveWord(StrEnum):
    """A plain word typed mid-session that means a button (``same`` is set notation)."""

    NEXT = "next"
    SKIP = "skip"
    DONE = "done"
    FINISH = "finish"
    UNDO = "undo"


_WORDS: Final[Mapping[str, LiveWord]] = {
    "next": LiveWord.NEXT,
    "next exercise": LiveWord.NEXT,
    "skip": LiveWord.SKIP,
    "skip it": LiveWord.SKIP,
    "skip exercise": LiveWord.SKIP,
    "skip this": LiveWord.SKIP,
    "done": LiveWord.DONE,
    "finished": LiveWord.FINISH,
    "finish": LiveWord.FINISH,
    "finish session": LiveWord.FINISH,
    "end": LiveWord.FINISH,
    "end session": LiveWord.FINISH,
    "undo": LiveWord.UNDO,
    "undo last": LiveWord.UNDO,
    "undo last set": LiveWord.UNDO,
    "oops": LiveWord.UNDO,
}
_WORD_NOISE: Final = re.compile(r"[\s!.?…,;:]+")
_NAME_LETTERS: Final = re.compile(r"[^\W\d_]")
_NOT_A_NAME: Final = re.compile(
    r"(?:bw|body\s*weight|bodyweight|rpe|rir|same|again|repeat|ditto|wu|warm\s*-?\s*up)\b"
)


def live_word(text: str) -> LiveWord | None:
    """The button a typed word stands for (``Next``, ``skip!``, ``Undo last set``), else ``None``.

    Only whole messages count, so ``next`` is a word but ``next 100x5`` is not.
    """
    if len(text) > 40:
        return None
    return _WORDS.get(" ".join(_WORD_NOISE.sub(" ", text.lower()).split()))


def looks_like_name(text: str) -> bool:
    """Whether a message that is not a set may be an exercise's name (``bench press``, ``rdl``).

    It has letters and no digits (a digit means a mistyped set) and does not start with a
    set-notation word (``bw``, ``rpe``…), whose mistakes get the set notation's own hint.
    """
    cleaned = " ".join(text.lower().split())
    if not 2 <= len(cleaned) <= 60 or any(c.isdigit() for c in cleaned):
        return False
    letters = len(_NAME_LETTERS.findall(cleaned))
    return letters >= 2 and _NOT_A_NAME.match(cleaned) is None


# --------------------------------------------------------------------------- buttons


def step_label(unit: Units) -> str:
    """The ± step in the user's unit: 2.5 kg, or 5 lb."""
    return _STEPS[unit]


def step_unit(last: SetEntry | None, unit: Units) -> Units:
    """The unit the ± buttons step in: the last set's as typed, else the user's."""
    return last.entered_unit if last is not None else unit


def step_entry(last: SetEntry | None, *, up: bool, unit: Units) -> SetEntry:
    """The last set with the weight moved one step up or down.

    The step is 2.5 kg or 5 lb, in the unit the last set was typed in (:func:`step_unit`),
    so a set typed as 225 lb steps to 230 lb even for a user in kilograms.
    """
    sign = "+" if up else "-"
    step = _STEPS[step_unit(last, unit)]
    (entry,) = parse_sets(f"{sign}{step}", default_unit=unit, last=last)
    return entry


def repeat_entry(last: SetEntry | None, unit: Units) -> SetEntry:
    """ "Same as last": the previous set again, without its effort rating."""
    (entry,) = parse_sets("same", default_unit=unit, last=last)
    return entry


def planned_entry(target: Target | None, last: SetEntry | None, unit: Units) -> SetEntry:
    """What "✓ as planned" logs: the target set, including its RPE or RIR.

    The planned load is logged as :func:`format_target` shows it in the user's unit (100 kg
    is 220 lb for a user in pounds), so the set reads back as the same number.
    Without a prescribed weight the last set's load is used with the target's reps; with
    neither there is nothing to log and :class:`SetParseError` says what to type instead.
    """
    if target is None:
        raise SetParseError(
            "There is no plan for this exercise: type the set instead.", ("100x5", "bw x 12")
        )
    rpe, rir = target.rpe, target.rir
    if target.reps is None:
        if target.duration_s is None and target.distance_m is None:
            raise SetParseError(
                "The plan has no reps or time to log: type the set instead.", ("100x5", "60s")
            )
        return SetEntry(
            None,
            None,
            False,
            unit,
            duration_s=target.duration_s,
            distance_m=target.distance_m,
            rpe=rpe,
            rir=rir,
        )
    if target.bodyweight:
        added = planned_kg(target.weight_kg, unit) if target.weight_kg else None
        return SetEntry(target.reps, added, True, unit, rpe=rpe, rir=rir)
    if target.weight_kg is not None:
        load = planned_kg(target.weight_kg, unit)
        return SetEntry(target.reps, load, False, unit, rpe=rpe, rir=rir)
    if last is not None and last.reps is not None and (last.weight_kg or last.bodyweight):
        return replace(last, reps=target.reps, set_type=SetType.NORMAL, rpe=rpe, rir=rir)
    raise SetParseError(
        "The plan gives no weight for this exercise yet: type the first set.",
        (f"60x{target.reps}", f"bw x {target.reps}"),
    )


def rest_seconds(target: Target | None, timer: bool | None) -> int | None:
    """How long the rest timer runs after a set, or ``None`` for no timer.

    ``timer`` is the user's choice in this session: ``None`` (not chosen) runs the timer
    only when a rest is prescribed, ``True`` always runs it, ``False`` never does.
    """
    prescribed = target.rest_s if target is not None else None
    if timer is False:
        return None
    if prescribed:
        return prescribed
    return DEFAULT_REST_S if timer else None


# --------------------------------------------------------------------------- wording helpers


def format_kg(value_kg: Decimal, unit: Units) -> str:
    """A weight in the user's unit as a lifter reads it: ``102.5 kg``, ``102.06 kg``, ``220 lb``.

    Kilograms keep at most two decimals; pounds are whole (or an exact half pound). Trailing
    zeros are dropped.
    """
    return format_weight(value_kg, unit)


def format_volume(value_kg: Decimal, unit: Units) -> str:
    """A session's or an exercise's volume: whole units with thousands separators, ``3,073 kg``.

    Volume is a total, not a load on the bar, so a fraction of a kilogram says nothing.
    """
    whole = to_unit(value_kg, unit).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole:,} {unit}"


def format_e1rm(value_kg: Decimal, unit: Units) -> str:
    """An estimated one-rep max to one decimal: ``128.3 kg``, ``282.9 lb``, ``120 kg``.

    It is an estimate, so more digits would promise a precision it does not have.
    """
    rounded = to_unit(value_kg, unit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{plain(rounded)} {unit}"


def _planned_load(value_kg: Decimal, unit: Units) -> str:
    """A prescribed load as "✓ as planned" logs it (see :func:`planned_entry`)."""
    return format_weight(planned_kg(value_kg, unit), unit)


def format_duration(seconds: int) -> str:
    """``90 s`` under two minutes, else ``2:30`` or ``1:05:00``."""
    if seconds < 120:
        return f"{seconds} s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_target(target: Target, unit: Units) -> str:
    """The prescription in a few words: ``3×5 @ 100 kg, RPE 8`` or ``3×8–12, rest 1:30``."""
    if target.reps_min is not None and target.reps_max not in (None, target.reps_min):
        what = f"{target.reps_min}–{target.reps_max}"
    elif target.reps is not None:
        what = str(target.reps)
    elif target.distance_m is not None:
        distance = target.distance_m
        what = f"{_plain(distance / 1000)} km" if distance >= 1000 else f"{_plain(distance)} m"
        if target.duration_s is not None:
            what += f" in {format_duration(target.duration_s)}"
    elif target.duration_s is not None:
        what = format_duration(target.duration_s)
    else:
        what = "?"
    text = f"{target.sets}×{what}"
    if target.bodyweight:
        load = "bw"
        if target.weight_kg:
            sign = "+" if target.weight_kg > 0 else "−"
            load += f"{sign}{_planned_load(target.weight_kg.copy_abs(), unit)}"
        text += f" @ {load}"
    elif target.weight_kg is not None:
        text += f" @ {_planned_load(target.weight_kg, unit)}"
    extras = []
    if target.rpe is not None:
        extras.append(f"RPE {_plain(target.rpe)}")
    if target.rir is not None:
        extras.append(f"RIR {target.rir}")
    if target.rest_s:
        extras.append(f"rest {format_duration(target.rest_s)}")
    return ", ".join([text, *extras])


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True, slots=True)
class ExerciseLine:
    """One exercise in the summary. Deltas compare with the previous session, if any."""

    exercise_id: int
    name: str
    sets: int
    volume_kg: Decimal
    best: PerformedSet | None
    best_e1rm_kg: Decimal | None
    skipped: bool
    volume_delta_kg: Decimal | None
    e1rm_delta_kg: Decimal | None
    bodyweight: bool = False
    """Bodyweight sets were done: the volume is added load only (see ``strength``)."""


@dataclass(frozen=True, slots=True)
class RecordLine:
    """A personal record set in this session; ``entered_unit`` is how its set was typed."""

    name: str
    kind: RecordKind
    value_kg: Decimal
    reps: int | None
    previous_kg: Decimal | None
    entered_unit: Units | None = None


def _skipped_line(exercise: ExerciseState) -> ExerciseLine:
    return ExerciseLine(
        exercise_id=exercise.exercise_id,
        name=exercise.name,
        sets=0,
        volume_kg=Decimal(0),
        best=None,
        best_e1rm_kg=None,
        skipped=True,
        volume_delta_kg=None,
        e1rm_delta_kg=None,
    )


@dataclass(frozen=True, slots=True)
class SummaryData:
    """Everything the end-of-session summary says, before wording."""

    duration: timedelta
    total_sets: int
    total_volume_kg: Decimal
    exercises: tuple[ExerciseLine, ...]
    records: tuple[RecordLine, ...]
    previous_date: date | None


def build_summary(
    *,
    exercises: Sequence[ExerciseState],
    performed: Sequence[PerformedSet],
    history: Sequence[PerformedSet],
    previous: Sequence[PerformedSet],
    previous_date: date | None,
    started_at: datetime,
    finished_at: datetime,
) -> SummaryData:
    """The summary of a finished session.

    ``performed`` are this session's sets; ``history`` the earlier sets of the same exercises
    that personal records are measured against (every one, or the heaviest of each exercise,
    rep count, set type and kind of load: the records come out the same); ``previous`` the
    sets of the previous comparable session (for "compared with last time"), empty when there
    is none.
    """
    finished_at = max(finished_at, started_at)
    summary = summarise(performed, started_at, finished_at)
    before = summarise(previous, started_at, started_at) if previous else None
    deltas = {c.exercise_id: c for c in compare(summary, before)}
    names: dict[int, str] = {}
    for exercise in exercises:
        names.setdefault(exercise.exercise_id, exercise.name)
    lines: list[ExerciseLine] = []
    for exercise in exercises:
        done = summary.exercise(exercise.exercise_id)
        if exercise.exercise_id in {line.exercise_id for line in lines}:
            continue
        if done is None:
            if exercise.skipped:
                lines.append(_skipped_line(exercise))
            continue
        delta = deltas.get(exercise.exercise_id)
        lines.append(
            ExerciseLine(
                exercise_id=exercise.exercise_id,
                name=exercise.name,
                sets=done.sets,
                volume_kg=done.volume_kg,
                best=done.best_set,
                best_e1rm_kg=done.best_e1rm_kg,
                skipped=False,
                volume_delta_kg=delta.volume_delta_kg if delta else None,
                e1rm_delta_kg=delta.best_e1rm_delta_kg if delta else None,
                bodyweight=done.bodyweight,
            )
        )
    found = shown_records(detect_records(history, performed))
    records = tuple(
        RecordLine(
            name=names.get(record.exercise_id, "?"),
            kind=record.kind,
            value_kg=record.value,
            reps=record.reps,
            previous_kg=record.previous,
            entered_unit=record.entered_unit,
        )
        for record in found
    )
    lines = [_no_drop_on_a_record_day(line, found) for line in lines]
    return SummaryData(
        duration=summary.duration,
        total_sets=summary.total_sets,
        total_volume_kg=summary.total_volume_kg,
        exercises=tuple(lines),
        records=records,
        previous_date=previous_date if previous else None,
    )


def shown_records(records: Sequence[PersonalRecord]) -> list[PersonalRecord]:
    """At most one record of each kind per exercise, and one e1RM, so one set is one badge.

    Per exercise: the heaviest weight; the best for a rep count only when it is not the same
    set as the heaviest weight (then the heaviest of those); and the e1RM by Epley (the one the
    product shows; Brzycki only when Epley did not move).
    """
    kept: list[PersonalRecord] = []
    for exercise_id in dict.fromkeys(record.exercise_id for record in records):
        kept += _shown_for_exercise([r for r in records if r.exercise_id == exercise_id])
    return kept


def _shown_for_exercise(mine: Sequence[PersonalRecord]) -> list[PersonalRecord]:
    """One exercise's badges (see :func:`shown_records`)."""
    heaviest = next((r for r in mine if r.kind == "max_weight"), None)
    same_set = (heaviest.value, heaviest.reps) if heaviest is not None else None
    by_reps = [r for r in mine if r.kind == "weight_for_reps" and (r.value, r.reps) != same_set]
    estimates = [r for r in mine if r.kind == "e1rm_epley"] or [
        r for r in mine if r.kind == "e1rm_brzycki"
    ]
    kept = [heaviest] if heaviest is not None else []
    if by_reps:
        kept.append(max(by_reps, key=lambda r: (r.value, r.reps or 0)))
    return kept + estimates[:1]


def _no_drop_on_a_record_day(line: ExerciseLine, records: Sequence[PersonalRecord]) -> ExerciseLine:
    """An exercise with a record today shows no volume drop: a heavier, shorter day is a win."""
    dropped = line.volume_delta_kg is not None and line.volume_delta_kg < 0
    if dropped and any(record.exercise_id == line.exercise_id for record in records):
        return replace(line, volume_delta_kg=None)
    return line
