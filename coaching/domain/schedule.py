"""Expanding a program assignment into concrete, dated sessions.

A trainer assigns a program (blueprint sessions numbered by week and session) to a client and
picks the client's training days, each with a local start time, for example Mon 07:00,
Wed 07:00 and Fri 18:30. :func:`expand_schedule` turns that into one :class:`PlannedSlot` per
blueprint session, stored in UTC and computed in the client's IANA time zone.

The rules:

* Program week 1 starts on the first training day on or after the start date. Program week
  ``n`` starts exactly ``7 * (n - 1)`` days later and lasts seven days.
* Within a program week the training days are taken in calendar order starting from the week's
  first day. The week's sessions, ordered by session number, fill them in turn: the first session
  goes to the first training day, the second to the second, and so on. With contiguous numbering
  (1, 2, 3) session ``k`` lands on the ``k``-th training day.
* A week with more sessions than training days cannot be scheduled: :class:`ScheduleError`.
* Daylight saving time: a local time that does not exist (the spring-forward gap) moves forward
  to the first valid instant, the end of the gap; an ambiguous local time (fall-back) takes its
  first occurrence (``fold=0``).

Weekdays are integers with Monday = 0 … Sunday = 6, as :meth:`datetime.date.weekday` returns.

This module also holds the time-zone helpers the other calendar modules share:
:func:`load_zone` and :func:`local_to_utc`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "WEEKDAY_NAMES",
    "PlannedSlot",
    "ScheduleError",
    "TrainingDay",
    "UnknownTimeZone",
    "expand_schedule",
    "format_weekdays",
    "load_zone",
    "local_to_utc",
    "parse_weekdays",
    "shift_slots",
]

WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
"""Full English weekday names, indexed by ``date.weekday()`` (Monday = 0)."""

_WEEKDAY_EXAMPLE = "mon wed fri"


class ScheduleError(ValueError):
    """A schedule cannot be built or read. ``str()`` is a sentence fit to show the user."""


class UnknownTimeZone(ValueError):
    """A time-zone name is not a known IANA zone."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"'{name}' is not a time zone I know. Use an IANA name such as Europe/London "
            "or America/New_York."
        )
        self.name = name


# ---------------------------------------------------------------------------------------------
# Time-zone helpers shared by the calendar modules
# ---------------------------------------------------------------------------------------------


def load_zone(name: str) -> ZoneInfo:
    """Return the :class:`ZoneInfo` for the IANA zone ``name``.

    Raises:
        UnknownTimeZone: ``name`` is empty, malformed or not in the time-zone database.
    """
    if not name or name != name.strip():
        raise UnknownTimeZone(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(name) from exc


def _require_aware(value: datetime, what: str) -> None:
    """Raise ``ValueError`` if ``value`` is a naive datetime (a programming error)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")


def _end_of_gap(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant a spring-forward gap containing the wall time ``local`` ends.

    Inside a gap ``fold=1`` reads the wall time with the offset after the transition and
    ``fold=0`` with the offset before it, so the transition instant lies between the two
    readings. Transitions fall on whole seconds; a binary search over that interval finds it.
    """
    low = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    after = high.astimezone(zone).utcoffset()
    lo_s, hi_s = 0, int((high - low).total_seconds())
    while lo_s < hi_s:
        mid = (lo_s + hi_s) // 2
        if (low + timedelta(seconds=mid)).astimezone(zone).utcoffset() == after:
            hi_s = mid
        else:
            lo_s = mid + 1
    return low + timedelta(seconds=lo_s)


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Convert the naive wall-clock time ``local`` in ``zone`` to an aware UTC datetime.

    A wall time that does not exist (skipped by a spring-forward change) moves forward to the
    first valid instant, the moment the clocks jumped; for Europe/Berlin on 2026-03-29 a
    requested 02:30 becomes 03:00 CEST. An ambiguous wall time (repeated by a fall-back change)
    takes its first occurrence.

    Raises:
        ValueError: ``local`` is not naive.
    """
    if local.tzinfo is not None:
        raise ValueError(f"expected a naive local datetime, got {local!r}")
    first = local.replace(tzinfo=zone, fold=0)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None, fold=0) != local.replace(fold=0):
        return _end_of_gap(local, zone)
    return as_utc


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainingDay:
    """A weekday the client trains on, with the local start time of the session."""

    weekday: int
    """Monday = 0 … Sunday = 6."""
    at: time
    """Local wall-clock start time (naive)."""

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if self.at.tzinfo is not None:
            raise ValueError("TrainingDay.at must be a naive local time")


@dataclass(frozen=True, slots=True)
class PlannedSlot:
    """One blueprint session placed on the calendar."""

    week_number: int
    session_number: int
    starts_at_utc: datetime
    """Aware datetime in UTC."""
    local_date: date
    """The date in the client's time zone on which the session takes place."""


# ---------------------------------------------------------------------------------------------
# Expansion
# ---------------------------------------------------------------------------------------------


def format_weekdays(weekdays: Iterable[int]) -> str:
    """Render weekdays as short names in calendar order, e.g. ``"Mon, Wed, Fri"``."""
    return ", ".join(WEEKDAY_NAMES[d][:3] for d in sorted(set(weekdays)))


def _group_sessions(sessions: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """Group ``(week, session)`` pairs by week, validating numbers and rejecting duplicates."""
    weeks: dict[int, list[int]] = {}
    seen: set[tuple[int, int]] = set()
    for week_number, session_number in sessions:
        if week_number < 1 or session_number < 1:
            raise ScheduleError(
                f"Week {week_number}, session {session_number} is not a valid position: "
                "weeks and sessions are numbered from 1, e.g. week 1, session 1."
            )
        if (week_number, session_number) in seen:
            raise ScheduleError(
                f"The program lists week {week_number}, session {session_number} twice. "
                "Each session needs its own number, e.g. week 1 sessions 1, 2 and 3."
            )
        seen.add((week_number, session_number))
        weeks.setdefault(week_number, []).append(session_number)
    return weeks


def expand_schedule(
    *,
    start_date: date,
    tz: str,
    training_days: Sequence[TrainingDay],
    sessions: Iterable[tuple[int, int]],
) -> tuple[PlannedSlot, ...]:
    """Place every blueprint session of a program on the client's calendar.

    Args:
        start_date: The local date from which the program may start.
        tz: The client's IANA time zone, e.g. ``"Europe/London"``.
        training_days: The chosen weekdays with a local start time each; each weekday at most
            once.
        sessions: The program's blueprint sessions as ``(week_number, session_number)`` pairs,
            in any order. Weeks may hold different numbers of sessions, and a week may be empty.

    Returns:
        The planned sessions ordered by start time (which is also week, then session order).

    Raises:
        ScheduleError: no training days, a weekday chosen twice, a duplicate or non-positive
            session position, or a week with more sessions than training days.
        UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    zone = load_zone(tz)
    if not training_days:
        raise ScheduleError(
            f"Pick at least one training day with a time, e.g. {_WEEKDAY_EXAMPLE} at 07:00."
        )
    by_weekday: dict[int, time] = {}
    for day in training_days:
        if day.weekday in by_weekday:
            raise ScheduleError(
                f"{WEEKDAY_NAMES[day.weekday]} is chosen twice. Pick each training day once, "
                f"e.g. {_WEEKDAY_EXAMPLE}."
            )
        by_weekday[day.weekday] = day.at

    weeks = _group_sessions(sessions)
    if not weeks:
        return ()

    # Week 1 starts on the first training weekday on or after the start date.
    first_day = min(
        start_date + timedelta(days=(weekday - start_date.weekday()) % 7) for weekday in by_weekday
    )
    # Training weekdays as day offsets from a program week's first day, in calendar order.
    offsets = sorted((weekday - first_day.weekday()) % 7 for weekday in by_weekday)

    slots: list[PlannedSlot] = []
    for week_number in sorted(weeks):
        numbers = sorted(weeks[week_number])
        if len(numbers) > len(offsets):
            raise ScheduleError(
                f"Week {week_number} has {len(numbers)} sessions but only {len(offsets)} "
                f"training day{'s' if len(offsets) != 1 else ''} "
                f"({format_weekdays(by_weekday)}) are chosen. Choose at least {len(numbers)} "
                "days, e.g. mon tue thu fri, or move a session to another week."
            )
        week_start = first_day + timedelta(weeks=week_number - 1)
        for session_number, offset in zip(numbers, offsets, strict=False):
            local_date = week_start + timedelta(days=offset)
            starts = local_to_utc(
                datetime.combine(local_date, by_weekday[local_date.weekday()]), zone
            )
            slots.append(PlannedSlot(week_number, session_number, starts, local_date))
    slots.sort(key=lambda s: (s.starts_at_utc, s.week_number, s.session_number))
    return tuple(slots)


def shift_slots(slots: Iterable[PlannedSlot], days: int, tz: str) -> tuple[PlannedSlot, ...]:
    """Move every slot by ``days`` calendar days, keeping its local wall-clock time.

    A 07:00 session stays at 07:00 local even when the move crosses a DST change, so its UTC
    time shifts by an hour. A slot landing in a spring-forward gap moves to the gap's end, as in
    :func:`local_to_utc`. ``days`` may be negative.

    Raises:
        UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    zone = load_zone(tz)
    shifted: list[PlannedSlot] = []
    for slot in slots:
        _require_aware(slot.starts_at_utc, "PlannedSlot.starts_at_utc")
        wall = slot.starts_at_utc.astimezone(zone).replace(tzinfo=None, fold=0)
        moved = wall + timedelta(days=days)
        shifted.append(
            PlannedSlot(
                slot.week_number, slot.session_number, local_to_utc(moved, zone), moved.date()
            )
        )
    return tuple(shifted)


# ---------------------------------------------------------------------------------------------
# Reading weekdays typed by a user
# ---------------------------------------------------------------------------------------------


def _build_day_words() -> dict[str, int]:
    """Every accepted spelling of a weekday, mapped to its number."""
    words: dict[str, int] = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
    for index, name in enumerate(WEEKDAY_NAMES):
        lower = name.lower()
        words.update({lower: index, f"{lower}s": index, lower[:3]: index, lower[:2]: index})
    return words


_DAY_WORDS = _build_day_words()

_GROUP_WORDS: dict[str, tuple[int, ...]] = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "everyday": (0, 1, 2, 3, 4, 5, 6),
}

_SEPARATORS = re.compile(r"[\s,;/&+]+|\band\b")


def _day(token: str) -> int:
    """Read one day name, or raise a :class:`ScheduleError` naming the bad token."""
    if token in _DAY_WORDS:
        return _DAY_WORDS[token]
    hint = ""
    if token.isdigit():
        hint = " Days are written as names, because day 1 can mean Monday or Sunday."
    raise ScheduleError(
        f"'{token}' is not a day of the week.{hint} Write days like '{_WEEKDAY_EXAMPLE}', "
        "'tue/thu', 'mon-fri' or 'weekdays'."
    )


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Read a set of training weekdays typed by a user.

    Accepted, case-insensitively:

    * day names, full or abbreviated: ``mon``, ``tue``/``tues``, ``wed``, ``thu``/``thurs``,
      ``monday``, ``mondays``…
    * separated by spaces, commas, semicolons, slashes, ``&``, ``+`` or ``and``:
      ``"mon wed fri"``, ``"Mon, Wed, Fri"``, ``"tue/thu"``, ``"tuesday and thursday"``;
    * ranges in calendar order, which may wrap the weekend: ``"mon-fri"``, ``"fri-mon"``;
    * groups: ``weekdays`` (Mon–Fri), ``weekend``/``weekends`` (Sat, Sun), ``daily`` or
      ``every day``.

    Day numbers such as ``"1 3 5"`` are rejected: whether 1 is Monday or Sunday depends on the
    reader.

    Returns:
        The distinct weekdays in calendar order, Monday = 0.

    Raises:
        ScheduleError: the text is empty or contains a token that is not a day; the message
            names the token and shows an example.
    """
    normalised = text.strip().lower().replace("–", "-").replace("—", "-")
    normalised = re.sub(r"\bevery\s+day\b", "everyday", normalised)
    normalised = re.sub(r"\s*-\s*", "-", normalised)
    tokens = [t for t in _SEPARATORS.split(normalised) if t]
    if not tokens:
        raise ScheduleError(
            f"Tell me which days you train, e.g. '{_WEEKDAY_EXAMPLE}' or 'weekdays'."
        )
    days: set[int] = set()
    for token in tokens:
        if token in _GROUP_WORDS:
            days.update(_GROUP_WORDS[token])
        elif "-" in token:
            parts = token.split("-")
            if len(parts) != 2 or not all(parts):
                raise ScheduleError(
                    f"'{token}' is not a range of days. Write a range like 'mon-fri'."
                )
            first, last = _day(parts[0]), _day(parts[1])
            days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
        else:
            days.add(_day(token))
    return tuple(sorted(days))
