"""Strength maths for summaries, progression and alerts: e1RM, volume, records, session totals.

All weights are :class:`~decimal.Decimal` kilograms. Estimates are quantised to 0.001 kg
(half up), the precision weights are stored at.

Which sets count:

* **Warm-ups never count**: not for volume, e1RM, records or set totals.
* **Bodyweight sets, one rule everywhere.** A set's body weight is not stored with it (a
  measurement weeks old would make a volume up), so a bodyweight set counts by its *added
  load only*: ``bw+20 × 8`` adds 160 kg of volume, plain and assisted bodyweight sets add
  none, and every text that shows such a volume says "added load" (see
  :attr:`ExerciseSummary.bodyweight`). Bodyweight sets count as sets but never for e1RM or
  weight records, whose numbers would mean a different thing for them.
* **Volume** is weight × reps over the other sets that have both.
* **e1RM and records** use only externally loaded sets (not bodyweight) with a positive weight.
  An e1RM is meaningful only from 1 to :data:`E1RM_MAX_REPS` reps; sets above that are
  ignored by :func:`best_e1rm` and by e1RM records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal, TypeAlias

from coaching.domain.enums import SetType, Units

__all__ = [
    "BRZYCKI_MAX_REPS",
    "E1RM_MAX_REPS",
    "ExerciseComparison",
    "ExerciseSummary",
    "PerformedSet",
    "PersonalRecord",
    "RecordKind",
    "SessionSummary",
    "best_e1rm",
    "brzycki",
    "compare",
    "detect_records",
    "e1rm",
    "epley",
    "summarise",
    "volume_kg",
]

E1RM_MAX_REPS: Final = 12
"""Above this many reps an estimated one-rep max says little; such sets give no e1RM."""
BRZYCKI_MAX_REPS: Final = 36
"""Brzycki divides by ``37 - reps``, so it is defined only up to 36 reps."""

_STEP: Final = Decimal("0.001")
_ZERO: Final = Decimal(0)

RecordKind: TypeAlias = Literal["e1rm_epley", "e1rm_brzycki", "weight_for_reps", "max_weight"]


@dataclass(frozen=True, slots=True)
class PerformedSet:
    """A set as stored: the input to every calculation here.

    For bodyweight sets ``weight_kg`` is the added load (negative when assisted, ``None`` for
    plain bodyweight). Timed and distance sets have ``reps`` and ``weight_kg`` of ``None``.
    ``entered_unit`` is the unit the weight was typed in, kept so it is shown back that way.
    """

    exercise_id: int
    weight_kg: Decimal | None
    reps: int | None
    set_type: SetType
    performed_at: datetime
    bodyweight: bool = False
    entered_unit: Units | None = None


@dataclass(frozen=True, slots=True)
class PersonalRecord:
    """A new best for one exercise.

    ``value`` is the new best in kg: an estimated 1RM for the ``e1rm_*`` kinds, a lifted
    weight otherwise. ``reps`` is the rep count of the set that set the record (for
    ``weight_for_reps``, the rep count the record is for). ``previous`` is the best before it.
    """

    kind: RecordKind
    exercise_id: int
    value: Decimal
    reps: int | None
    previous: Decimal | None
    entered_unit: Units | None = None
    """For weight records, the unit the record set was typed in (to show it that way)."""


@dataclass(frozen=True, slots=True)
class ExerciseSummary:
    """One exercise within a session.

    ``sets`` counts non-warm-up sets. ``best_set`` is the heaviest externally loaded set
    (more reps break a tie, then the earlier set); for an exercise done only with bodyweight it
    is the set with the most added load, then the most reps; ``None`` when no set has reps.
    """

    exercise_id: int
    sets: int
    volume_kg: Decimal
    best_set: PerformedSet | None
    best_e1rm_kg: Decimal | None
    bodyweight: bool = False
    """Some working set was a bodyweight set, so the volume counts added load only."""


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """Totals for one session, exercises in the order they were first performed."""

    started_at: datetime
    finished_at: datetime
    duration: timedelta
    total_sets: int
    total_volume_kg: Decimal
    exercises: tuple[ExerciseSummary, ...]

    def exercise(self, exercise_id: int) -> ExerciseSummary | None:
        """The summary for ``exercise_id``, or ``None`` if it was not performed."""
        return next((ex for ex in self.exercises if ex.exercise_id == exercise_id), None)


@dataclass(frozen=True, slots=True)
class ExerciseComparison:
    """One exercise of the current session against the previous one.

    The ``previous_*`` fields are ``None`` when there is no previous session or the exercise
    was not in it; a delta is ``None`` unless both of its sides are known. A positive delta
    is an improvement.
    """

    exercise_id: int
    volume_kg: Decimal
    previous_volume_kg: Decimal | None
    volume_delta_kg: Decimal | None
    best_e1rm_kg: Decimal | None
    previous_best_e1rm_kg: Decimal | None
    best_e1rm_delta_kg: Decimal | None


# --------------------------------------------------------------------------- estimates


def _check(weight_kg: Decimal, reps: int) -> None:
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    if weight_kg < 0:
        raise ValueError(f"weight must not be negative, got {weight_kg}")


def epley(weight_kg: Decimal, reps: int) -> Decimal:
    """Epley's estimated one-rep max: ``w × (1 + reps / 30)``; a single is its own 1RM.

    Raises :class:`ValueError` for reps below 1 or a negative weight. Defined for any rep
    count, but see :data:`E1RM_MAX_REPS` for where it stops meaning much.
    """
    _check(weight_kg, reps)
    if reps == 1:
        return weight_kg.quantize(_STEP, rounding=ROUND_HALF_UP)
    return (weight_kg * (30 + reps) / 30).quantize(_STEP, rounding=ROUND_HALF_UP)


def brzycki(weight_kg: Decimal, reps: int) -> Decimal | None:
    """Brzycki's estimated one-rep max: ``w × 36 / (37 − reps)``.

    Returns ``None`` from :data:`BRZYCKI_MAX_REPS` + 1 (37) reps on, where the formula has no
    value. Raises :class:`ValueError` for reps below 1 or a negative weight.
    """
    _check(weight_kg, reps)
    if reps > BRZYCKI_MAX_REPS:
        return None
    return (weight_kg * 36 / (37 - reps)).quantize(_STEP, rounding=ROUND_HALF_UP)


def e1rm(weight_kg: Decimal, reps: int) -> Decimal:
    """The estimated one-rep max the product shows: Epley.

    Epley is the better known of the two and, unlike Brzycki, stays defined at high reps;
    both agree within a few percent up to 10 reps. Brzycki is still tracked for records.
    """
    return epley(weight_kg, reps)


# --------------------------------------------------------------------------- set filters


def _is_working(performed: PerformedSet) -> bool:
    return performed.set_type is not SetType.WARMUP


@dataclass(frozen=True, slots=True)
class _Lift:
    """A loaded working set reduced to what e1RM and records need."""

    exercise_id: int
    weight_kg: Decimal
    reps: int
    entered_unit: Units | None = None


def _lifts(sets: Iterable[PerformedSet]) -> list[_Lift]:
    """The working sets with an external weight above 0 and reps (see the module notes)."""
    return [
        _Lift(performed.exercise_id, performed.weight_kg, performed.reps, performed.entered_unit)
        for performed in sets
        if _is_working(performed)
        and not performed.bodyweight
        and performed.weight_kg is not None
        and performed.weight_kg > 0
        and performed.reps is not None
        and performed.reps >= 1
    ]


def _best_estimate(
    lifts: Iterable[_Lift], formula: Literal["epley", "brzycki"]
) -> tuple[Decimal, int] | None:
    """The highest estimate over lifts of 1 to 12 reps, with its reps (fewer win a tie)."""
    estimate = epley if formula == "epley" else brzycki
    best: tuple[Decimal, int] | None = None
    for lift in lifts:
        if lift.reps > E1RM_MAX_REPS:
            continue
        value = estimate(lift.weight_kg, lift.reps)
        if value is not None and (best is None or (value, -lift.reps) > (best[0], -best[1])):
            best = (value, lift.reps)
    return best


def best_e1rm(sets: Iterable[PerformedSet]) -> Decimal | None:
    """The highest Epley e1RM over loaded working sets of 1 to 12 reps, or ``None``."""
    best = _best_estimate(_lifts(sets), "epley")
    return None if best is None else best[0]


def volume_kg(sets: Iterable[PerformedSet]) -> Decimal:
    """Weight × reps summed over non-warm-up sets that have both (see the module notes)."""
    total = _ZERO
    for performed in sets:
        if not _is_working(performed) or performed.weight_kg is None or not performed.reps:
            continue
        load = max(performed.weight_kg, _ZERO) if performed.bodyweight else performed.weight_kg
        total += load * performed.reps
    return total


# --------------------------------------------------------------------------- records


def detect_records(
    history: Sequence[PerformedSet], new: Sequence[PerformedSet]
) -> list[PersonalRecord]:
    """Personal records set by ``new`` against everything in ``history``.

    Only loaded working sets count (see the module notes). Per exercise, in the order the
    exercises first appear in ``new``, the records are, when strictly beaten:

    * ``max_weight``: the heaviest weight ever lifted;
    * ``weight_for_reps``: the heaviest weight at exactly that rep count, one per rep count,
      ascending;
    * ``e1rm_epley`` and ``e1rm_brzycki``: the best estimated 1RM from 1 to 12 reps.

    A first time is a baseline, not a record: an exercise with no counted history, a rep count
    never done before, or an e1RM with no earlier set in range gives no record. Ties are not
    records. Each kind compares the best of ``new`` with the best of ``history``, so several
    sets in one session beating the old best produce one record, for the best of them.
    """
    past_by_exercise = _group(_lifts(history))
    records: list[PersonalRecord] = []
    for exercise_id, lifts in _group(_lifts(new)).items():
        past = past_by_exercise.get(exercise_id)
        if past:
            records.extend(_records_for(exercise_id, past, lifts))
    return records


def _group(lifts: Iterable[_Lift]) -> dict[int, list[_Lift]]:
    grouped: dict[int, list[_Lift]] = {}
    for lift in lifts:
        grouped.setdefault(lift.exercise_id, []).append(lift)
    return grouped


def _heaviest_by_reps(lifts: Iterable[_Lift]) -> dict[int, _Lift]:
    heaviest: dict[int, _Lift] = {}
    for lift in lifts:
        best = heaviest.get(lift.reps)
        if best is None or lift.weight_kg > best.weight_kg:
            heaviest[lift.reps] = lift
    return heaviest


def _records_for(exercise_id: int, past: list[_Lift], new: list[_Lift]) -> Iterable[PersonalRecord]:
    heaviest = max(new, key=lambda lift: (lift.weight_kg, lift.reps))
    previous_max = max(lift.weight_kg for lift in past)
    if heaviest.weight_kg > previous_max:
        yield PersonalRecord(
            "max_weight",
            exercise_id,
            heaviest.weight_kg,
            heaviest.reps,
            previous_max,
            heaviest.entered_unit,
        )

    past_by_reps = _heaviest_by_reps(past)
    for reps, lift in sorted(_heaviest_by_reps(new).items()):
        previous = past_by_reps.get(reps)
        if previous is not None and lift.weight_kg > previous.weight_kg:
            yield PersonalRecord(
                "weight_for_reps",
                exercise_id,
                lift.weight_kg,
                reps,
                previous.weight_kg,
                lift.entered_unit,
            )

    formulas: tuple[tuple[RecordKind, Literal["epley", "brzycki"]], ...] = (
        ("e1rm_epley", "epley"),
        ("e1rm_brzycki", "brzycki"),
    )
    for kind, formula in formulas:
        best_new = _best_estimate(new, formula)
        best_past = _best_estimate(past, formula)
        if best_new is not None and best_past is not None and best_new[0] > best_past[0]:
            yield PersonalRecord(kind, exercise_id, best_new[0], best_new[1], best_past[0])


# --------------------------------------------------------------------------- sessions


def summarise(
    sets: Sequence[PerformedSet], started_at: datetime, finished_at: datetime
) -> SessionSummary:
    """Summarise a session's sets: duration, working sets, volume and bests per exercise.

    Exercises appear in the order they were first performed (by ``performed_at``, then input
    order). An exercise done only as warm-up is listed with 0 sets. Raises
    :class:`ValueError` when ``finished_at`` is before ``started_at``.
    """
    if finished_at < started_at:
        raise ValueError(f"session finished ({finished_at}) before it started ({started_at})")
    by_exercise: dict[int, list[PerformedSet]] = {}
    for performed in sorted(sets, key=lambda s: s.performed_at):
        by_exercise.setdefault(performed.exercise_id, []).append(performed)
    exercises = tuple(
        _summarise_exercise(exercise_id, performed)
        for exercise_id, performed in by_exercise.items()
    )
    return SessionSummary(
        started_at=started_at,
        finished_at=finished_at,
        duration=finished_at - started_at,
        total_sets=sum(ex.sets for ex in exercises),
        total_volume_kg=sum((ex.volume_kg for ex in exercises), _ZERO),
        exercises=exercises,
    )


def _summarise_exercise(exercise_id: int, sets: list[PerformedSet]) -> ExerciseSummary:
    working = [s for s in sets if _is_working(s)]
    best_set = max(
        (s for s in working if s.reps is not None and s.reps >= 1),
        key=lambda s: (not s.bodyweight, s.weight_kg or _ZERO, s.reps or 0),
        default=None,
    )
    return ExerciseSummary(
        exercise_id=exercise_id,
        sets=len(working),
        volume_kg=volume_kg(working),
        best_set=best_set,
        best_e1rm_kg=best_e1rm(working),
        bodyweight=any(s.bodyweight for s in working),
    )


def compare(current: SessionSummary, previous: SessionSummary | None) -> list[ExerciseComparison]:
    """Each exercise of ``current`` against the same exercise in ``previous``.

    Exercises only in ``previous`` are left out: the comparison is about what was done now.
    """
    comparisons: list[ExerciseComparison] = []
    for exercise in current.exercises:
        before = previous.exercise(exercise.exercise_id) if previous is not None else None
        before_volume = before.volume_kg if before is not None else None
        before_e1rm = before.best_e1rm_kg if before is not None else None
        comparisons.append(
            ExerciseComparison(
                exercise_id=exercise.exercise_id,
                volume_kg=exercise.volume_kg,
                previous_volume_kg=before_volume,
                volume_delta_kg=_delta(exercise.volume_kg, before_volume),
                best_e1rm_kg=exercise.best_e1rm_kg,
                previous_best_e1rm_kg=before_e1rm,
                best_e1rm_delta_kg=_delta(exercise.best_e1rm_kg, before_e1rm),
            )
        )
    return comparisons


def _delta(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return None if now is None or before is None else now - before
