"""The alert rules (seed 000 ClientAlert): what deserves a trainer's attention, and how much.

Each rule takes plain values (the caller loads them and passes "now") and returns
:class:`AlertDraft` values: the type, a severity, a user-facing message and a *dedup key*. The
key names the cause, so the same cause never raises a second alert: one missed session, one
decline ending at one logged session, one personal-record session, one goal.

Also here: the small goal grammar read from a client's profile goals (``bodyweight 75kg``,
``squat 140kg``, ``bench press: 100 kg``, ``deadlift to 180kg``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from coaching.domain.enums import AlertSeverity, AlertType, Units
from coaching.domain.units import KG_PER_LB, format_weight

BODYWEIGHT_TOLERANCE_KG = Decimal("0.5")
MISSED_LOOKBACK_DAYS = 14
"""Missed sessions older than this are history, not an alert."""
MISSED_HIGH_COUNT = 3
"""A client who missed this many sessions in the lookback gets a HIGH alert."""
RPE_RISE = Decimal(1)
"""RPE at the same load must rise by at least this much across the sessions."""

SEVERITY_ORDER: dict[AlertSeverity, int] = {
    AlertSeverity.CRITICAL: 0,
    AlertSeverity.HIGH: 1,
    AlertSeverity.MEDIUM: 2,
    AlertSeverity.LOW: 3,
}
URGENT = frozenset({AlertSeverity.HIGH, AlertSeverity.CRITICAL})
"""Severities that notify the trainer at once."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A trainer's alert thresholds (``trainer_profiles.alert_*``), with the defaults."""

    decline_pct: int = 10
    decline_sessions: int = 3
    inactivity_days: int = 7
    missed_grace_hours: int = 12


THRESHOLD_LIMITS: dict[str, tuple[int, int]] = {
    "decline_pct": (3, 50),
    "decline_sessions": (2, 10),
    "inactivity_days": (2, 60),
    "missed_grace_hours": (0, 72),
}


def check_threshold(name: str, value: int) -> None:
    """Raise :class:`ValueError` for an unknown threshold or a value out of its range."""
    if name not in THRESHOLD_LIMITS:
        raise ValueError(f"unknown threshold {name!r}")
    low, high = THRESHOLD_LIMITS[name]
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """An alert to raise, before it is stored."""

    alert_type: AlertType
    severity: AlertSeverity
    dedup_key: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def _kg(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"
    return (text[:-2] if text.endswith(".0") else text) + " kg"


def _safe(text: str) -> str:
    """User text (an exercise name, a goal) made safe to put in a message template."""
    return text.replace("{", "{{").replace("}", "}}")


def _with_loads(template: str, loads: Sequence[Decimal]) -> tuple[str, dict[str, Any]]:
    """The message in kilograms, and the details that let it be shown in pounds later:
    ``template`` has a ``{}`` where each load goes (user text in it made :func:`_safe`)."""
    message = template.format(*(_kg(load) for load in loads))
    return message, {"template": template, "loads": [str(load) for load in loads]}


def shown_message(message: str, details: Mapping[str, Any], units: Units) -> str:
    """An alert's message with its loads in the viewer's ``units`` (``265 lb``).

    Alerts that name loads keep a template and the loads in kilograms in their details;
    older alerts without them are shown as stored.
    """
    template, loads = details.get("template"), details.get("loads")
    if units is Units.KG or not isinstance(template, str) or not isinstance(loads, list):
        return message
    try:
        return template.format(*(format_weight(Decimal(str(load)), units) for load in loads))
    except (IndexError, KeyError, ValueError, InvalidOperation):
        return message


def _when(moment: datetime, zone: tzinfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


# --------------------------------------------------------------------------- missed workouts


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """A planned coaching session and whether anything was logged for it."""

    coaching_session_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    logged: bool


def is_missed(item: PlannedSession, now: datetime, grace_hours: int) -> bool:
    """Its end plus the grace period has passed, nothing was logged, and it is recent."""
    if item.logged:
        return False
    end = item.starts_at + timedelta(minutes=item.duration_minutes)
    if now < end + timedelta(hours=grace_hours):
        return False
    return now - item.starts_at <= timedelta(days=MISSED_LOOKBACK_DAYS)


def missed_workouts(
    planned: Sequence[PlannedSession], now: datetime, grace_hours: int, zone: tzinfo
) -> list[AlertDraft]:
    """One MISSED_WORKOUT per missed session; HIGH once several were missed in two weeks."""
    missed = sorted(
        (p for p in planned if is_missed(p, now, grace_hours)), key=lambda p: p.starts_at
    )
    severity = AlertSeverity.HIGH if len(missed) >= MISSED_HIGH_COUNT else AlertSeverity.MEDIUM
    drafts = []
    for item in missed:
        message = (
            f"Missed “{item.title}” planned for {_when(item.starts_at, zone)}: nothing logged."
        )
        if severity is AlertSeverity.HIGH:
            message += f" {len(missed)} sessions missed in the last {MISSED_LOOKBACK_DAYS} days."
        drafts.append(
            AlertDraft(
                AlertType.MISSED_WORKOUT,
                severity,
                f"missed:{item.coaching_session_id}",
                message,
                {
                    "coaching_session_id": item.coaching_session_id,
                    "scheduled_at": item.starts_at.isoformat(),
                },
            )
        )
    return drafts


# --------------------------------------------------------------------------- performance


class SessionPoint(NamedTuple):
    """One logged session of one exercise: its best e1RM, top load and the RPE at that load.

    A named tuple rather than a dataclass: the hourly scan builds hundreds of thousands.
    """

    record_id: int
    day: date
    best_e1rm: Decimal
    top_weight: Decimal
    rpe_at_top: Decimal | None = None


def sessions_compared(sessions: int) -> int:
    """How many of the latest sessions the performance rules compare: the trainer's
    ``decline_sessions``, and never fewer than two. A lift with fewer sessions raises nothing.
    """
    return max(sessions, 2)


def _session_key(point: SessionPoint) -> tuple[date, int]:
    return point.day, point.record_id


def latest_sessions(points: Sequence[SessionPoint], sessions: int) -> list[SessionPoint] | None:
    """The last :func:`sessions_compared` points by day (then record), oldest first; ``None``
    when there are fewer."""
    count = sessions_compared(sessions)
    if len(points) < count:
        return None
    return sorted(points, key=_session_key)[-count:]


def e1rm_decline(
    points: Sequence[SessionPoint],
    *,
    exercise_id: int,
    exercise_name: str,
    decline_pct: int,
    sessions: int,
) -> AlertDraft | None:
    """e1RM fell by at least ``decline_pct`` % from the first to the last of the last sessions.

    The last ``sessions`` sessions are compared (at least two), and the latest must be the
    lowest of them, so a single bad day between good ones is not a decline. A fall of twice
    the threshold or more is HIGH, otherwise MEDIUM.
    """
    ordered = latest_sessions(points, sessions)
    if ordered is None:
        return None
    return _decline(ordered, exercise_id, exercise_name, decline_pct)


def _decline(
    ordered: Sequence[SessionPoint], exercise_id: int, exercise_name: str, decline_pct: int
) -> AlertDraft | None:
    first, last = ordered[0], ordered[-1]
    if first.best_e1rm <= 0 or last.best_e1rm > min(p.best_e1rm for p in ordered):
        return None
    drop = (first.best_e1rm - last.best_e1rm) * 100 / first.best_e1rm
    if drop < decline_pct:
        return None
    severity = AlertSeverity.HIGH if drop >= 2 * decline_pct else AlertSeverity.MEDIUM
    percent = drop.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    message, shown = _with_loads(
        f"{_safe(exercise_name)}: estimated 1RM down {percent}% over the last "
        f"{len(ordered)} sessions ({{}} → {{}}).",
        (first.best_e1rm, last.best_e1rm),
    )
    return AlertDraft(
        AlertType.PERFORMANCE_DECLINE,
        severity,
        f"decline:{exercise_id}:{last.record_id}",
        message,
        {
            "exercise_id": exercise_id,
            "drop_pct": str(percent),
            "record_id": last.record_id,
            **shown,
        },
    )


def rpe_rising(
    points: Sequence[SessionPoint], *, exercise_id: int, exercise_name: str, sessions: int
) -> AlertDraft | None:
    """RPE at the same top load rose over the last sessions (never fell, up by 1 or more)."""
    ordered = latest_sessions(points, sessions)
    if ordered is None:
        return None
    return _rpe_rising(ordered, exercise_id, exercise_name)


def _rpe_rising(
    ordered: Sequence[SessionPoint], exercise_id: int, exercise_name: str
) -> AlertDraft | None:
    load = ordered[-1].top_weight
    if any(p.top_weight != load or p.rpe_at_top is None for p in ordered):
        return None
    rpes = [p.rpe_at_top for p in ordered if p.rpe_at_top is not None]
    if any(later < earlier for earlier, later in itertools.pairwise(rpes)):
        return None
    if rpes[-1] - rpes[0] < RPE_RISE:
        return None
    message, shown = _with_loads(
        f"{_safe(exercise_name)}: the same {{}} feels harder — RPE {rpes[0]:f} → {rpes[-1]:f} "
        f"over the last {len(ordered)} sessions.",
        (load,),
    )
    return AlertDraft(
        AlertType.PERFORMANCE_DECLINE,
        AlertSeverity.MEDIUM,
        f"rpe:{exercise_id}:{ordered[-1].record_id}",
        message,
        {"exercise_id": exercise_id, "record_id": ordered[-1].record_id, **shown},
    )


def performance_alerts(
    ordered: Sequence[SessionPoint],
    *,
    exercise_id: int,
    exercise_name: str,
    decline_pct: int,
    sessions: int,
) -> list[AlertDraft]:
    """Both performance rules for one lift: :func:`e1rm_decline`, then :func:`rpe_rising`.

    ``ordered`` holds the lift's sessions already oldest first (by day, then record), as the
    scan reads them; only the last :func:`sessions_compared` of them are looked at. The scan
    runs this for every client's every main lift, so nothing is sorted here.
    """
    count = sessions_compared(sessions)
    if len(ordered) < count:
        return []
    latest = ordered[-count:]
    found = (
        _decline(latest, exercise_id, exercise_name, decline_pct),
        _rpe_rising(latest, exercise_id, exercise_name),
    )
    return [draft for draft in found if draft is not None]


# --------------------------------------------------------------------------- goals


@dataclass(frozen=True, slots=True)
class Goal:
    """A measurable goal: a body weight (``lift`` is None) or a weight on one lift."""

    text: str
    target_kg: Decimal
    lift: str | None = None

    @property
    def key(self) -> str:
        subject = self.lift or "bodyweight"
        return f"goal:{subject}:{self.target_kg.normalize():f}"[:120]


BODYWEIGHT_WORDS = frozenset({"bodyweight", "body weight", "weight", "bw", "weigh"})
_GOAL = re.compile(
    r"^\s*(?P<subject>[a-z][a-z' \-]*?)\s*(?::|=|\bto\b|\bat\b|\bof\b)?\s*"
    r"(?P<value>\d{1,4}(?:[.,]\d{1,2})?)\s*(?P<unit>kg|kgs|lb|lbs)?\s*$",
    re.IGNORECASE,
)


def parse_goal(text: str) -> Goal | None:
    """A structured goal, or ``None`` for free text such as "feel stronger".

    ``bodyweight 75kg``, ``weight: 75``, ``squat 140kg``, ``bench press to 225 lb``. Pounds
    are converted to kg; no unit means kg.
    """
    match = _GOAL.match(text.strip().lower())
    if match is None:
        return None
    subject = " ".join(match["subject"].replace("-", " ").split())
    for prefix in ("reach ", "hit ", "get to "):
        if subject.startswith(prefix):
            subject = subject[len(prefix) :]
    try:
        value = Decimal(match["value"].replace(",", "."))
    except InvalidOperation:
        return None
    if value <= 0 or not subject:
        return None
    if (match["unit"] or "kg").startswith("lb"):
        value = (value * KG_PER_LB).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if subject in BODYWEIGHT_WORDS:
        return Goal(text=text.strip(), target_kg=value)
    return Goal(text=text.strip(), target_kg=value, lift=subject)


def bodyweight_goal_reached(goal: Goal, first_kg: Decimal | None, latest_kg: Decimal) -> bool:
    """Reached when the latest weight is within 0.5 kg, or past it in the direction of travel."""
    if goal.lift is not None:
        return False
    if abs(latest_kg - goal.target_kg) <= BODYWEIGHT_TOLERANCE_KG:
        return True
    if first_kg is None:
        return False
    if first_kg > goal.target_kg:
        return latest_kg <= goal.target_kg
    return latest_kg >= goal.target_kg


def goal_alert(goal: Goal, achieved_kg: Decimal) -> AlertDraft:
    what = "body weight" if goal.lift is None else goal.lift
    message, shown = _with_loads(
        f"Goal reached: “{_safe(goal.text)}” ({_safe(what)} {{}}).", (achieved_kg,)
    )
    return AlertDraft(
        AlertType.GOAL_ACHIEVED,
        AlertSeverity.LOW,
        goal.key,
        message,
        {"goal": goal.text, "target_kg": str(goal.target_kg), **shown},
    )


@dataclass(frozen=True, slots=True)
class RecordLine:
    """A personal record, ready to word: the exercise's name and the record."""

    exercise_name: str
    kind: str
    value: Decimal
    reps: int | None


RECORD_WORDS = {
    "max_weight": "heaviest weight",
    "weight_for_reps": "best for {reps} reps",
    "e1rm_epley": "best estimated 1RM",
    "e1rm_brzycki": "best estimated 1RM (Brzycki)",
}


def personal_records(
    record_id: int, title: str, records: Sequence[RecordLine]
) -> AlertDraft | None:
    """One GOAL_ACHIEVED for a session that set personal records (Brzycki left out)."""
    shown = [r for r in records if r.kind != "e1rm_brzycki"]
    if not shown:
        return None
    parts = [
        f"{_safe(r.exercise_name)} {RECORD_WORDS.get(r.kind, r.kind).format(reps=r.reps)} {{}}"
        for r in shown[:4]
    ]
    more = f" and {len(shown) - 4} more" if len(shown) > 4 else ""
    message, loads = _with_loads(
        f"New personal records in “{_safe(title)}”: " + "; ".join(parts) + more + ".",
        [r.value for r in shown[:4]],
    )
    return AlertDraft(
        AlertType.GOAL_ACHIEVED,
        AlertSeverity.LOW,
        f"pr:{record_id}",
        message,
        {"record_id": record_id, "count": len(shown), **loads},
    )


# --------------------------------------------------------------------------- programs


def program_completed(
    assignment_id: int, name: str, *, sessions_total: int, sessions_open: int, last_logged: bool
) -> AlertDraft | None:
    """The assignment's last planned session was logged and nothing is left to do."""
    if sessions_total <= 0 or sessions_open > 0 or not last_logged:
        return None
    return AlertDraft(
        AlertType.PROGRAM_COMPLETED,
        AlertSeverity.LOW,
        f"program:{assignment_id}",
        f"Program “{name}” completed: the last session was logged. Time to plan what's next.",
        {"assignment_id": assignment_id},
    )


# --------------------------------------------------------------------------- inactivity


def inactivity(
    last_activity: date | None, coaching_since: date | None, today: date, days: int
) -> AlertDraft | None:
    """No logged activity for ``days`` days (counted from the start of coaching if none ever).

    HIGH once the gap is twice the threshold. The key is the last active day, so the alert is
    raised again only after the client has been active and then stopped again.
    """
    since = last_activity or coaching_since
    if since is None:
        return None
    idle = (today - since).days
    if idle < days:
        return None
    severity = AlertSeverity.HIGH if idle >= 2 * days else AlertSeverity.MEDIUM
    if last_activity is None:
        message = f"No workout logged since coaching began {idle} days ago."
    else:
        message = f"No workout logged for {idle} days (last on {last_activity:%d %b})."
    return AlertDraft(
        AlertType.INACTIVITY,
        severity,
        f"inactive:{since.isoformat()}",
        message,
        {"idle_days": idle, "since": since.isoformat()},
    )


# --------------------------------------------------------------------------- injuries


def injury_reported(reference: str, description: str, *, severe: bool = False) -> AlertDraft:
    """An injury the client reported: HIGH, or CRITICAL when they marked it severe."""
    text = " ".join(description.split())[:400]
    return AlertDraft(
        AlertType.INJURY_REPORTED,
        AlertSeverity.CRITICAL if severe else AlertSeverity.HIGH,
        f"injury:{reference}"[:120],
        f"Injury reported: {text}" if text else "Injury reported.",
        {"reference": reference},
    )


def by_severity(items: Sequence[Any], key: Any = None) -> list[Any]:
    """Items sorted most severe first (``key`` gives an item's severity)."""
    pick = key or (lambda item: item.severity)
    return sorted(items, key=lambda item: SEVERITY_ORDER[pick(item)])
