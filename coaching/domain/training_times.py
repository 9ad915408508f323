"""Start times for a client's training days: one time for all of them, or a time per day.

A trainer who has picked the training days (say Monday, Wednesday and Friday) answers "at what
time?" in one of two ways:

* one time for every training day: ``07:00``, ``7am``, ``18:30``;
* a time per day: ``mon 7:00, wed 18:30, fri 7am``. Entries are separated by commas,
  semicolons or new lines. Day names are full or three letters (``tues``, ``thurs`` and
  plurals such as ``mondays`` are fine too), in any case, before or after the time. Days
  listed without a time take the next time given, so ``mon, wed 7am, fri 6pm`` means Monday
  and Wednesday at 07:00 and Friday at 18:00, and ``Mon, Wed, Fri at 07:00`` reads back as it
  is shown.

A per-day answer must give every picked day a time and name no other day. Times are read by
:func:`coaching.domain.when.parse_local_time` and kept to the minute.

The same values are stored (and carried between conversation steps) as JSON:
``[[weekday, "HH:MM"], ...]`` in weekday order, Monday = 0. :func:`dump_training_days` and
:func:`load_training_days` convert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import time

from coaching.domain.schedule import WEEKDAY_NAMES, TrainingDay, format_weekdays
from coaching.domain.when import WhenError, parse_local_time

__all__ = [
    "TrainingTimesError",
    "dump_training_days",
    "format_training_days",
    "load_training_days",
    "parse_training_times",
    "same_time",
    "shift_training_days",
    "times_example",
]

_EXAMPLE_TIMES = (time(7, 0), time(18, 30))
_ONE_TIME_EXAMPLE = "07:00"


class TrainingTimesError(ValueError):
    """The answer can't be read as training times. ``str()`` is a sentence for the user."""


def _build_day_words() -> dict[str, int]:
    words: dict[str, int] = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
    for index, name in enumerate(WEEKDAY_NAMES):
        lower = name.lower()
        words.update({lower: index, f"{lower}s": index, lower[:3]: index})
    return words


_DAY_WORDS = _build_day_words()
_FILLERS = frozenset({"at", "on", "and", "@", "-", "–", "—", "=", ":"})
_ENTRY_SEPARATORS = re.compile(r"[,;\n]+")
_GLUED_DAY = re.compile(r"\b([a-z]+)(?=\d)")
# Punctuation that may stick to a day name: "mon:", "Mon.", "mon-".
_DAY_PUNCTUATION = ".:-=@"


def same_time(weekdays: Iterable[int], at: time) -> tuple[TrainingDay, ...]:
    """Every weekday in ``weekdays`` at the same local time, in weekday order."""
    return tuple(TrainingDay(day, _to_minute(at)) for day in sorted(set(weekdays)))


def times_example(weekdays: Iterable[int]) -> str:
    """A per-day answer for these weekdays, as a user would type it: ``mon 07:00, wed 18:30``.

    The times alternate so that the example shows days with different times.
    """
    days = sorted(set(weekdays)) or [0, 2, 4]
    return ", ".join(
        f"{WEEKDAY_NAMES[day][:3].lower()} {_EXAMPLE_TIMES[i % 2]:%H:%M}"
        for i, day in enumerate(days)
    )


def format_training_days(days: Iterable[TrainingDay]) -> str:
    """Render the days and their times in weekday order.

    The short form when every day starts at the same time (``"Mon, Wed, Fri at 07:00"``), a
    time per day otherwise (``"Mon 07:00, Wed 18:30, Fri 07:00"``). Empty input gives ``""``.
    """
    ordered = sorted(days, key=lambda d: d.weekday)
    if not ordered:
        return ""
    times = {d.at for d in ordered}
    if len(times) == 1:
        return f"{format_weekdays(d.weekday for d in ordered)} at {ordered[0].at:%H:%M}"
    return ", ".join(f"{WEEKDAY_NAMES[d.weekday][:3]} {d.at:%H:%M}" for d in ordered)


def dump_training_days(days: Iterable[TrainingDay]) -> list[list[int | str]]:
    """The JSON form, ``[[weekday, "HH:MM"], ...]`` in weekday order."""
    return [[d.weekday, f"{d.at:%H:%M}"] for d in sorted(days, key=lambda d: d.weekday)]


def load_training_days(raw: object) -> tuple[TrainingDay, ...]:
    """Read the JSON form back, in weekday order; items that can't be read are skipped.

    A weekday given twice keeps its first time.
    """
    found: dict[int, time] = {}
    if not isinstance(raw, list | tuple):
        return ()
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        day, at = item
        try:
            weekday = int(day)
            start = time.fromisoformat(str(at))
        except (TypeError, ValueError):
            continue
        if 0 <= weekday <= 6 and start.tzinfo is None:
            found.setdefault(weekday, _to_minute(start))
    return tuple(TrainingDay(day, found[day]) for day in sorted(found))


def shift_training_days(days: Iterable[TrainingDay], by: int) -> tuple[TrainingDay, ...]:
    """The same times on the weekdays ``by`` calendar days later (earlier when negative)."""
    return tuple(
        sorted((TrainingDay((d.weekday + by) % 7, d.at) for d in days), key=lambda d: d.weekday)
    )


def parse_training_times(text: str, weekdays: Sequence[int]) -> tuple[TrainingDay, ...]:
    """Read the trainer's answer to "at what time?" for the picked ``weekdays``.

    Returns:
        One :class:`TrainingDay` per picked weekday, in weekday order, times to the minute.

    Raises:
        TrainingTimesError: the text is empty; a time can't be read; a per-day answer leaves a
            picked day out, names a day that wasn't picked, gives a day two different times,
            or has a time without a day. The message says what was wrong and shows an example
            built from the picked days.
    """
    picked = sorted(set(weekdays))
    example = times_example(picked)
    entries = [_tokens(entry) for entry in _ENTRY_SEPARATORS.split(_normalise(text))]
    entries = [entry for entry in entries if entry]
    if not entries:
        raise TrainingTimesError(
            f"Tell me a time for all training days, e.g. {_ONE_TIME_EXAMPLE}, "
            f"or one per day, e.g. {example}."
        )
    if not any(_day_of(token) is not None for entry in entries for token in entry):
        return same_time(picked, _one_time(text, entries, example))
    chosen = _per_day(entries, example)
    _check_days(chosen, picked, example)
    return tuple(TrainingDay(day, chosen[day]) for day in picked)


def _normalise(text: str) -> str:
    cleaned = text.lower().replace("/", " ").replace("&", " ").replace("+", " ")
    # "mon7am" -> "mon 7am", only when the letters are a day name.
    return _GLUED_DAY.sub(lambda m: f"{m[1]} " if m[1] in _DAY_WORDS else m[1], cleaned)


def _tokens(entry: str) -> list[str]:
    return [token for token in entry.split() if token not in _FILLERS]


def _day_of(token: str) -> int | None:
    return _DAY_WORDS.get(token.strip(_DAY_PUNCTUATION))


def _one_time(text: str, entries: list[list[str]], example: str) -> time:
    """The answer names no day: it must be one time for every training day."""
    if len(entries) > 1:
        raise TrainingTimesError(
            f"'{' '.join(text.split())}' gives times without days. Give one time for all "
            f"training days, e.g. {_ONE_TIME_EXAMPLE}, or put the day before each time, "
            f"e.g. {example}."
        )
    try:
        return _to_minute(parse_local_time(text))
    except WhenError as error:
        raise TrainingTimesError(str(error)) from error


def _per_day(entries: list[list[str]], example: str) -> dict[int, time]:
    """Read ``mon 7am``-style entries; days without a time take the next time given."""
    chosen: dict[int, time] = {}
    waiting: list[int] = []
    for entry in entries:
        days = [day for token in entry if (day := _day_of(token)) is not None]
        rest = " ".join(token for token in entry if _day_of(token) is None)
        if not rest:
            waiting += days
            continue
        days = waiting + days
        waiting = []
        if not days:
            raise TrainingTimesError(_no_day(rest, example))
        try:
            at = _to_minute(parse_local_time(rest))
        except WhenError as error:
            raise TrainingTimesError(f"{_names(days)}: {error}") from error
        for day in days:
            if chosen.get(day, at) != at:
                raise TrainingTimesError(
                    f"{WEEKDAY_NAMES[day]} has two times, {chosen[day]:%H:%M} and {at:%H:%M}. "
                    f"Give each day one time, e.g. {example}."
                )
            chosen[day] = at
    if waiting:
        have = "has" if len(set(waiting)) == 1 else "have"
        raise TrainingTimesError(
            f"{_names(waiting)} {have} no time. Put a time after each day, e.g. {example}."
        )
    return chosen


def _no_day(rest: str, example: str) -> str:
    first = rest.split()[0]
    if first.isalpha() and first not in ("noon", "midnight"):
        return (
            f"'{first}' is not a day of the week. Write days as mon or monday, tue, wed, "
            f"thu, fri, sat, sun, e.g. {example}."
        )
    return f"'{rest}' has no day. Put the day before each time, e.g. {example}."


def _check_days(chosen: dict[int, time], picked: list[int], example: str) -> None:
    extra = sorted(set(chosen) - set(picked))
    if extra:
        verb = "isn't one" if len(extra) == 1 else "aren't"
        among = " of" if len(extra) == 1 else " among"
        raise TrainingTimesError(
            f"{_names(extra)} {verb}{among} the training days you picked "
            f"({format_weekdays(picked)}). Give times for those days, e.g. {example}."
        )
    missing = [day for day in picked if day not in chosen]
    if missing:
        raise TrainingTimesError(
            f"You gave no time for {_names(missing)}. Give every training day a time, "
            f"e.g. {example}, or one time for all, e.g. {_ONE_TIME_EXAMPLE}."
        )


def _names(days: Iterable[int]) -> str:
    """Full day names in weekday order: ``Monday``, ``Monday and Friday``, ``A, B and C``."""
    names = [WEEKDAY_NAMES[day] for day in sorted(set(days))]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _to_minute(at: time) -> time:
    return at.replace(second=0, microsecond=0)
