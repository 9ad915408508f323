"""Adherence: how much of what the trainer planned the client actually did.

A *planned* session is a coaching session booked by the trainer or created from an assignment
(sessions a client logs on their own have no appointment and never count). It is *due* once its
time has passed; it is *completed* when a completed session record belongs to it. Exercises are
counted the same way: the exercises prescribed for the due sessions against those performed.

Everything here is plain values in, plain values out; the caller passes "today".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

WINDOWS: tuple[int, ...] = (7, 30, 90)
"""The adherence windows, in days, that the dashboard and the card show."""

TREND_STEADY_POINTS = Decimal(5)
"""A change of less than this many percentage points is shown as steady."""


@dataclass(frozen=True, slots=True)
class PlannedDay:
    """One due planned session, reduced to what adherence needs."""

    day: date
    completed: bool
    exercises_planned: int = 0
    exercises_done: int = 0


@dataclass(frozen=True, slots=True)
class Share:
    """``done`` of ``planned``; ``percent`` is ``None`` when nothing was planned."""

    done: int
    planned: int

    @property
    def percent(self) -> Decimal | None:
        if self.planned <= 0:
            return None
        value = Decimal(100) * Decimal(min(self.done, self.planned)) / Decimal(self.planned)
        return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class WindowAdherence:
    """Adherence over the last ``days`` days and over the ``days`` before them."""

    days: int
    sessions: Share
    exercises: Share
    previous_sessions: Share

    @property
    def trend(self) -> Decimal | None:
        """Change in session adherence, in percentage points, against the previous period."""
        now, before = self.sessions.percent, self.previous_sessions.percent
        if now is None or before is None:
            return None
        return now - before

    @property
    def direction(self) -> str:
        """``up``, ``down``, ``steady`` or ``""`` (nothing to compare)."""
        change = self.trend
        if change is None:
            return ""
        if change >= TREND_STEADY_POINTS:
            return "up"
        if change <= -TREND_STEADY_POINTS:
            return "down"
        return "steady"


def _share(days: Iterable[PlannedDay]) -> tuple[Share, Share]:
    items = list(days)
    sessions = Share(sum(1 for d in items if d.completed), len(items))
    exercises = Share(
        sum(min(d.exercises_done, d.exercises_planned) for d in items),
        sum(d.exercises_planned for d in items),
    )
    return sessions, exercises


def in_window(day: date, today: date, days: int, *, offset: int = 0) -> bool:
    """Is ``day`` within the ``days`` days ending today (``offset`` windows further back)?"""
    end = today - timedelta(days=days * offset)
    start = end - timedelta(days=days - 1)
    return start <= day <= end


def window(planned: Sequence[PlannedDay], today: date, days: int) -> WindowAdherence:
    """Adherence over the last ``days`` days (today included) and the period before."""
    if days < 1:
        raise ValueError(f"a window needs at least one day, got {days}")
    current = [p for p in planned if in_window(p.day, today, days)]
    previous = [p for p in planned if in_window(p.day, today, days, offset=1)]
    sessions, exercises = _share(current)
    before, _ = _share(previous)
    return WindowAdherence(days, sessions, exercises, before)


def adherence(
    planned: Sequence[PlannedDay], today: date, windows: Sequence[int] = WINDOWS
) -> tuple[WindowAdherence, ...]:
    """Adherence for each window (7, 30 and 90 days by default)."""
    return tuple(window(planned, today, days) for days in windows)


def calendar_marks(planned: Sequence[PlannedDay], today: date, days: int) -> dict[date, str]:
    """Per day of the last ``days`` days: ``done``, ``missed``, ``partial`` or absent.

    A day with several planned sessions is ``partial`` when some but not all were completed.
    """
    marks: dict[date, list[bool]] = {}
    for item in planned:
        if in_window(item.day, today, days):
            marks.setdefault(item.day, []).append(item.completed)
    result: dict[date, str] = {}
    for day, done in marks.items():
        if all(done):
            result[day] = "done"
        elif any(done):
            result[day] = "partial"
        else:
            result[day] = "missed"
    return result


def attention_score(
    *, missed_14d: int, idle_days: int | None, drop_points: Decimal | None, inactivity_days: int
) -> int:
    """How urgently a client needs the trainer: higher first; 0 means no attention needed.

    Missed sessions weigh most, then a stretch without activity past the trainer's threshold,
    then a drop in 30-day adherence of 10 points or more against the 30 days before.
    """
    score = 0
    score += 30 * missed_14d
    if idle_days is not None and idle_days >= inactivity_days:
        score += 20 + min(idle_days - inactivity_days, 30)
    if drop_points is not None and drop_points <= -10:
        score += int(-drop_points)
    return score
