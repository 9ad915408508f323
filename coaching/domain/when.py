"""Reading dates and times that people type, in their own time zone.

Trainers and clients type things like ``tomorrow 18:00``, ``mon 7am``, ``next friday 07:30``,
``in 2 days`` or ``2026-12-01 18:30``. :func:`parse_when` reads such text as wall-clock time in
the person's IANA time zone and returns an aware UTC datetime; :func:`parse_local_date` and
:func:`parse_local_time` read just a date or just a time of day.

The heavy lifting for dates is done by ``dateparser``, configured explicitly (English only,
dates preferred from the future, a fixed relative base) so that the answer never depends on the
machine's clock, locale or time zone. Around it sits a thin layer that makes the result strict
and predictable:

* The time of day is read here, not by dateparser, which silently ignores forms like
  ``tomorrow at 7`` or ``tomorrow 1830``. Accepted: ``18:30``, ``7am``, ``7 pm``, ``6:15pm``,
  ``noon``, ``midnight``. A bare hour after a date (``tomorrow at 7``) is refused: morning or
  evening? A time typed alone (:func:`parse_local_time`) may also be a whole hour that can only
  mean one time: ``19`` or ``07``.
* Numeric dates other than year-month-day are refused: ``01/02`` means 1 February to some
  people and 2 January to others. ``2026-12-01`` and ``1 dec`` are fine.
* Only date words dateparser reads reliably are passed on (weekdays, months, ``today``,
  ``tomorrow``, ``next``, ``in 3 days``, …); anything else is refused rather than guessed at.
* Conversion to UTC is done with ``zoneinfo``: dateparser applies a single fixed offset and gets
  times on the far side of a daylight-saving change wrong by an hour. A wall time skipped by a
  spring-forward change moves to the end of the gap; a repeated one takes its first occurrence.

Meaning of the accepted forms (``now`` is the caller's current instant):

* A weekday alone (``mon 7am``) is its nearest occurrence, today included; if that moment has
  passed it is the same weekday next week (unless the caller accepts past moments, in which
  case this morning's ``mon 7am`` stays this morning). ``next friday`` is the first Friday
  after today, as dateparser reads it.
* A time alone (``18:00``) is today at that time.
* ``in 2 days`` and ``in 1 week`` without a time keep the current local wall-clock time (to the
  minute): asked at 09:41 on Monday, ``in 2 days`` is Wednesday 09:41, even across a DST change.
  ``in 2 days 18:00`` takes the given time.
* ``in 90 minutes`` and ``in 2 hours`` are elapsed time from ``now``, and ``now`` is ``now``.
* Everything else gives whole minutes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, available_timezones

import dateparser

from coaching.domain.schedule import WEEKDAY_NAMES, load_zone, local_to_utc

__all__ = ["WhenError", "parse_local_date", "parse_local_time", "parse_timezone", "parse_when"]


def example_day(today: date) -> date:
    """A date to quote as an example: the first of a coming month, at least four days after
    ``today`` (1 January 2027 on 7 December 2026), so an example never lies in the past,
    whatever the person's time zone."""
    return (today + timedelta(days=35)).replace(day=1)


def when_examples(today: date) -> str:
    """Good answers for "when?", with a dated one that lies ahead of ``today``."""
    return f"'tomorrow 18:00', 'mon 7am' or '{example_day(today).isoformat()} 18:30'"


def date_examples(today: date) -> str:
    """Good answers for "which day?", with a dated one that lies ahead of ``today``."""
    return f"'{example_day(today).isoformat()}', 'tomorrow', 'mon' or 'in 3 days'"


_TIME_EXAMPLES = "18:30, 7am or 6:15pm"

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


class WhenError(ValueError):
    """Text that cannot be read as the date or time asked for.

    ``str()`` is a sentence for the user that says what was wrong and shows good input.
    """


# ---------------------------------------------------------------------------------------------
# Times of day
# ---------------------------------------------------------------------------------------------

_AMPM = r"(?:a\.?m\.?|p\.?m\.?)"
_TIME_12 = re.compile(rf"(?P<h>\d{{1,2}})(?::(?P<m>\d{{2}}))?\s*(?P<ampm>{_AMPM})")
_TIME_24 = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?")
# One time of day inside longer text: "tomorrow 18:00", "mon 7am", "2026-12-01 18:30:00".
_TIME_IN_TEXT = re.compile(
    rf"(?<![\w:./-])(?:\d{{1,2}}(?::\d{{2}})?\s*{_AMPM}(?![\w.])|\d{{1,2}}:\d{{2}}(?::\d{{2}})?"
    r"(?![\w:])|noon|midnight)(?!\w)"
)


def _read_time(token: str) -> time:
    """Read one time-of-day token (already lower-case and stripped)."""
    if token == "noon":
        return time(12, 0)
    if token == "midnight":
        return time(0, 0)
    if match := _TIME_12.fullmatch(token):
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if not 1 <= hour <= 12 or minute > 59:
            raise WhenError(
                f"'{token}' is not a time of day: with am/pm the hour runs from 1 to 12. "
                "Write it like 7am, 6:15pm or 18:30."
            )
        pm = match["ampm"].startswith("p")
        return time(hour % 12 + (12 if pm else 0), minute)
    if match := _TIME_24.fullmatch(token):
        hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise WhenError(
                f"'{token}' is not a time of day. Use 00:00 to 23:59, e.g. 18:30 or 07:00."
            )
        return time(hour, minute, second)
    if token.isdigit() and len(token) <= 2:
        return _bare_hour(token)
    raise WhenError(f"I couldn't read '{token}' as a time of day. Write it like {_TIME_EXAMPLES}.")


def _bare_hour(token: str) -> time:
    """An hour typed alone: ``13`` to ``23``, or zero-padded ``00`` to ``09``, is that hour.

    ``1`` to ``11`` (and ``10``, ``11``) could be morning or evening, and ``12`` noon or
    midnight, so they are refused with the choices spelt out.
    """
    hour = int(token)
    if hour > 23:
        raise WhenError(f"'{token}' is not a time of day. Use 00:00 to 23:59, e.g. 18:30 or 07:00.")
    if hour >= 13 or (len(token) == 2 and token.startswith("0")):
        return time(hour, 0)
    if hour == 12:
        raise WhenError("'12' on its own could be noon or midnight. Write 12:00, 00:00 or noon.")
    if hour == 0:
        raise WhenError("'0' on its own is not a clear time. Write 00:00 or midnight.")
    raise WhenError(
        f"'{token}' on its own could be morning or evening. "
        f"Write {hour:02d}:00, {hour + 12}:00 or {hour}pm."
    )


def parse_local_time(text: str) -> time:
    """Read a wall-clock time of day such as ``7am``, ``18:30``, ``6:15pm``, ``19`` or ``noon``.

    A leading ``at`` is allowed (``at 7pm``). Twelve-hour times need am/pm; 24-hour times need
    a colon, except a whole hour that can only be one time: ``13`` to ``23``, or zero-padded
    ``00`` to ``09`` (``07`` is 07:00). Seconds are kept when given (``18:30:15``).

    Raises:
        WhenError: the text is not a single time of day, e.g. ``7`` (morning or evening?),
            ``12`` (noon or midnight?), ``25:00`` or ``13pm``.
    """
    token = " ".join(text.lower().split())
    token = re.sub(r"^(?:at\b|@)\s*", "", token)
    if not token:
        raise WhenError(f"Tell me a time of day, e.g. {_TIME_EXAMPLES}.")
    return _read_time(token)


# ---------------------------------------------------------------------------------------------
# Normalising and vetting the text
# ---------------------------------------------------------------------------------------------


def _build_abbreviations() -> dict[str, str]:
    """Spellings dateparser misses, mapped to ones it reads."""
    words = {
        "tmrw": "tomorrow",
        "tmr": "tomorrow",
        "tmrow": "tomorrow",
        "tomorow": "tomorrow",
        "tommorow": "tomorrow",
        "tommorrow": "tomorrow",
        "tonight": "today",
        "tues": "tuesday",
        "weds": "wednesday",
        "thur": "thursday",
        "thurs": "thursday",
        "sept": "september",
    }
    words.update({name[:3].lower(): name.lower() for name in WEEKDAY_NAMES})
    return words


_ABBREVIATIONS = _build_abbreviations()
_WEEKDAY_WORDS = {name.lower(): index for index, name in enumerate(WEEKDAY_NAMES)}
_MONTH_WORDS = frozenset(_MONTHS) | frozenset(m[:3] for m in _MONTHS)
# fmt: off
_NUMBER_WORDS = frozenset({
    "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
})
_RELATIVE_WORDS = frozenset({
    "today", "tomorrow", "yesterday", "next", "last", "this", "in", "ago", "after", "the", "of",
    "on", "at", "day", "days", "week", "weeks", "month", "months", "year", "years",
})
# fmt: on
_KNOWN_WORDS = frozenset(_WEEKDAY_WORDS) | _MONTH_WORDS | _NUMBER_WORDS | _RELATIVE_WORDS
_VAGUE_WORDS = frozenset({"morning", "afternoon", "evening", "night", "later", "soon"})

_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?![\d-])")
_AMBIGUOUS_DATE = re.compile(r"(?<![\d./-])\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?(?![\d./-])")
_TIME_ZONE = re.compile(r"\b(?:utc|gmt)\b|\d\s*z\b|(?:^|\s|\d)[+-]\d{2}:?\d{2}$")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b")
_ELAPSED = re.compile(
    r"in\s+(?P<n>\d+|an?|one)\s+(?P<unit>min|mins|minute|minutes|hr|hrs|hour|hours)"
)
_UNITS = r"(?:day|days|week|weeks|month|months|year|years)"
_RELATIVE_OFFSET = re.compile(rf"^(?:in\s+\S+\s+{_UNITS}|\S+\s+{_UNITS}\s+ago)$")


def _normalise(text: str) -> str:
    """Lower-case, collapse spaces, expand common abbreviations and tidy ISO dates."""
    cleaned = " ".join(text.lower().split())
    # "2026-12-01T18:30" -> "2026-12-01 18:30"
    cleaned = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(\d)", r"\1 \2", cleaned)
    return re.sub(r"\b[a-z]+\b", lambda m: _ABBREVIATIONS.get(m[0], m[0]), cleaned)


def _vet_dates(cleaned: str, original: str, today: date) -> str:
    """Refuse ambiguous numeric dates and impossible ISO dates; rewrite ISO dates zero-padded."""
    example = example_day(today).isoformat()

    def iso(match: re.Match[str]) -> str:
        year, month, day = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            raise WhenError(
                f"'{match[0]}' is not a real date. Write the date as year-month-day, "
                f"e.g. {example}."
            ) from None

    cleaned = _ISO_DATE.sub(iso, cleaned)
    if match := _AMBIGUOUS_DATE.search(cleaned):
        raise WhenError(
            f"'{match[0]}' can be read more than one way (day/month or month/day, or a time). "
            f"Write dates as year-month-day and times with a colon, e.g. {example} 18:30."
        )
    if _TIME_ZONE.search(cleaned):
        raise WhenError(
            f"'{original.strip()}' names a time zone. Times are read in your own time zone, "
            "so leave it out, e.g. 'tomorrow 18:00'."
        )
    return cleaned


def _split_time(cleaned: str) -> tuple[time | None, str]:
    """Take the time of day out of ``cleaned``; return it and the remaining date words."""
    matches = list(_TIME_IN_TEXT.finditer(cleaned))
    if len(matches) > 1:
        found = " and ".join(f"'{m[0]}'" for m in matches)
        raise WhenError(f"I found two times, {found}. Give one, e.g. 'tomorrow 18:00'.")
    if not matches:
        return None, cleaned
    match = matches[0]
    rest = f"{cleaned[: match.start()]} {cleaned[match.end() :]}"
    rest = re.sub(r"\bat\b|@", " ", rest)
    return _read_time(match[0]), " ".join(rest.split())


def _vet_date_words(
    date_part: str, original: str, *, with_time: bool, today: date, examples: str | None = None
) -> None:
    """Refuse words and numbers that dateparser would guess at or silently ignore.

    ``with_time`` says whether the caller asked for a date and time (:func:`parse_when`) or a
    date alone (:func:`parse_local_date`); it only changes the wording of the errors.
    """
    shown = original.strip()
    unreadable = (
        f"I couldn't read '{shown}' as a date and time. Try {when_examples(today)}."
        if with_time
        else f"I couldn't read '{shown}' as a date. Try {examples or date_examples(today)}."
    )
    plain = _ORDINAL.sub(r"\1", date_part)
    _vet_words(plain, unreadable)
    without_iso = re.sub(r"\d{4}-\d{2}-\d{2}", " ", plain)
    numbers = re.findall(r"\d+", without_iso)
    has_month = any(word in _MONTH_WORDS for word in re.findall(r"[a-z]+", plain))
    if not numbers or has_month or _counts_units(without_iso):
        return
    _refuse_stray_number(numbers[0], shown, with_time=with_time, today=today)


def _vet_words(plain: str, unreadable: str) -> None:
    """Refuse vague words (``evening``), unknown words and stray signs; ``unreadable`` is
    the message for the last two."""
    for word in re.findall(r"[a-z]+", plain):
        if word in _VAGUE_WORDS:
            raise WhenError(
                f"'{word}' is not an exact time. Give a clock time, e.g. 'tomorrow 07:00'."
            )
        if word not in _KNOWN_WORDS:
            raise WhenError(unreadable)
    leftover = re.sub(r"[a-z]+|\d{4}-\d{2}-\d{2}|\d+", " ", plain)
    if leftover.replace(",", " ").replace(".", " ").strip():
        raise WhenError(unreadable)


def _refuse_stray_number(number: str, shown: str, *, with_time: bool, today: date) -> NoReturn:
    """Refuse a number among date words that is neither a day of a month nor a count of
    days: after a date it reads as an hour without a colon, otherwise as a date to respell."""
    example = example_day(today).isoformat()
    if with_time and len(number) <= 2 and int(number) <= 23:
        try:
            hour = _bare_hour(number)
        except WhenError as error:
            raise WhenError(f"{error} For example: 'tomorrow 19:00'.") from None
        raise WhenError(
            f"Write '{number}' with a colon after a date: {hour:%H:%M}, "
            f"e.g. 'tomorrow {hour:%H:%M}'."
        )
    if with_time:
        raise WhenError(
            f"I can't tell what '{number}' means in '{shown}'. Write times with a colon or "
            f"am/pm and dates as year-month-day, e.g. 'tomorrow 18:30' or '{example} 18:30'."
        )
    month = f"{example_day(today):%b}".lower()
    raise WhenError(
        f"I can't tell what '{number}' means in '{shown}'. Write the date as year-month-day "
        f"or with the month's name, e.g. {example} or 1 {month}."
    )


def _counts_units(date_part: str) -> bool:
    """True if every number in ``date_part`` counts days, weeks, months or years."""
    return not re.search(r"\d", re.sub(rf"\d+\s+{_UNITS}\b", " ", date_part))


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ResolvedDate:
    day: date
    relative_offset: bool
    """The text was an offset such as "in 2 days", which keeps the current wall-clock time."""
    bare_weekday: bool
    """The text was just a weekday name, resolved to its nearest occurrence (today included)."""


def _dateparser_settings(base: datetime, *, require_day: bool) -> dict[str, Any]:
    """Explicit dateparser settings, so nothing depends on the machine's clock or locale.

    ``base`` is a naive local wall-clock time. dateparser is told the zone is UTC, which has no
    DST, so it does plain calendar arithmetic on wall-clock values and converts nothing.
    """
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "TIMEZONE": "UTC",
        "DATE_ORDER": "YMD",
        "PARSERS": ["relative-time", "absolute-time"],
    }
    if require_day:
        settings["REQUIRE_PARTS"] = ["day", "month"]
    return settings


def _resolve_date(
    date_part: str, *, base: datetime, original: str, examples: str | None = None
) -> _ResolvedDate:
    """Resolve date words (already normalised and vetted) against the local wall time ``base``."""
    words = [w for w in date_part.replace(",", " ").split() if w != "on"]
    if len(words) == 1 and words[0] in _WEEKDAY_WORDS:
        ahead = (_WEEKDAY_WORDS[words[0]] - base.weekday()) % 7
        return _ResolvedDate(base.date() + timedelta(days=ahead), False, True)
    text = " ".join(words)
    absolute = bool(re.search(r"\d{4}-\d{2}-\d{2}", text)) or any(w in _MONTH_WORDS for w in words)
    parsed: datetime | None = dateparser.parse(
        text, languages=["en"], settings=_dateparser_settings(base, require_day=absolute)
    )
    if parsed is None:
        if absolute:
            raise WhenError(
                f"I couldn't find the date in '{original.strip()}'. Check that the day exists "
                f"and write it as year-month-day, e.g. {example_day(base.date()).isoformat()}."
            )
        examples = examples or date_examples(base.date())
        raise WhenError(f"I couldn't read '{original.strip()}' as a date. Try {examples}.")
    return _ResolvedDate(parsed.date(), bool(_RELATIVE_OFFSET.match(text)), False)


def _describe(local: datetime) -> str:
    """A locale-independent description such as "Mon 30 Mar, 18:00"."""
    weekday = WEEKDAY_NAMES[local.weekday()][:3]
    month = _MONTHS[local.month - 1][:3].capitalize()
    return f"{weekday} {local.day} {month}, {local:%H:%M}"


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")


def parse_local_date(
    text: str, *, today: date, allow_past: bool = True, examples: str | None = None
) -> date:
    """Read a calendar date such as ``2026-12-01``, ``today``, ``tomorrow``, ``mon``,
    ``next friday``, ``in 3 days`` or ``1 dec``.

    ``today`` is the person's current local date. A weekday alone is its nearest occurrence,
    today included. Dates without a year (``1 dec``) are the next such day. A time of day in the
    text (``tomorrow 7am``) is allowed and ignored. ``examples`` are the good answers the errors
    quote; give ones that fit the question (a date in the past for "when did you get it?").

    Raises:
        WhenError: the text is not a date, is ambiguous (``01/02``), is not a real date
            (``2026-02-30``), or lies before ``today`` while ``allow_past`` is false.
    """
    examples = examples or date_examples(today)
    cleaned = _normalise(text)
    if not cleaned:
        raise WhenError(f"Tell me a date, e.g. {examples}.")
    cleaned = _vet_dates(cleaned, text, today)
    if cleaned == "now":
        return today
    _, date_part = _split_time(cleaned)
    if not date_part:
        raise WhenError(f"That is a time, but I need a date, e.g. {examples}.")
    _vet_date_words(date_part, text, with_time=False, today=today, examples=examples)
    base = datetime.combine(today, time())
    day = _resolve_date(date_part, base=base, original=text, examples=examples).day
    if day < today and not allow_past:
        raise WhenError(
            f"{day.isoformat()} has already passed. Give today or a later date, e.g. {examples}."
        )
    return day


# ---------------------------------------------------------------------------------------------
# Date and time together
# ---------------------------------------------------------------------------------------------


def _elapsed(cleaned: str) -> timedelta | None:
    """The offset of "in 90 minutes" / "in an hour", or ``None`` for other text."""
    match = _ELAPSED.fullmatch(cleaned)
    if match is None:
        return None
    count = int(match["n"]) if match["n"].isdigit() else 1
    minutes = count if match["unit"].startswith("min") else count * 60
    return timedelta(minutes=minutes)


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: str,
    allow_past: bool = False,
    require_time: bool = True,
) -> datetime:
    """Read a date and time typed by a person in time zone ``tz``; return it as aware UTC.

    Examples (in the person's zone): ``tomorrow 18:00``, ``mon 7am``, ``2026-12-01 18:30``,
    ``today 6pm``, ``next friday 07:30``, ``18:00`` (today), ``in 2 days`` (same time of day),
    ``in 90 minutes``, ``now``. The module docstring spells out each form's meaning.

    Args:
        text: What the person typed.
        now: The current instant (aware). Relative words are resolved against it, in ``tz``.
        tz: The person's IANA time zone.
        allow_past: Accept moments before ``now`` (e.g. logging a past workout).
        require_time: Refuse a date without a time (``tomorrow``). When false, such a date
            means the start of that local day, and it counts as past only if the whole day is.

    Raises:
        WhenError: unreadable text, an ambiguous numeric date such as ``01/02``, a bare hour
            such as ``at 7``, a missing time when one is required, or a past moment when
            ``allow_past`` is false.
        UnknownTimeZone: ``tz`` is not an IANA zone.
        ValueError: ``now`` is naive.
    """
    _require_aware(now, "now")
    zone = load_zone(tz)
    today = now.astimezone(zone).date()
    cleaned = _normalise(text)
    if not cleaned:
        raise WhenError(f"Tell me when, e.g. {when_examples(today)}.")
    cleaned = _vet_dates(cleaned, text, today)
    if cleaned == "now":
        return now.astimezone(UTC)
    if (offset := _elapsed(cleaned)) is not None:
        return now.astimezone(UTC) + offset

    local_now = now.astimezone(zone).replace(tzinfo=None, fold=0)
    at, date_part = _split_time(cleaned)
    resolved = _ResolvedDate(local_now.date(), False, False)
    if date_part:
        _vet_date_words(date_part, text, with_time=True, today=today)
        resolved = _resolve_date(date_part, base=local_now, original=text)
    at, date_only = _time_of_day(at, resolved, local_now, text, require_time=require_time)

    day = resolved.day
    result = local_to_utc(datetime.combine(day, at), zone)
    if resolved.bare_weekday and not date_only and not allow_past and result < now:
        day += timedelta(days=7)
        result = local_to_utc(datetime.combine(day, at), zone)

    if not allow_past and (day < local_now.date() if date_only else result < now):
        described = day.isoformat() if date_only else _describe(result.astimezone(zone))
        raise _already_passed(described, at, typed_date=bool(date_part), today=today)
    return result


def _time_of_day(
    at: time | None,
    resolved: _ResolvedDate,
    local_now: datetime,
    text: str,
    *,
    require_time: bool,
) -> tuple[time, bool]:
    """The time of day to use, and whether the text gave a date only (the day's start).

    A typed time wins; an offset such as "in 2 days" keeps the current wall-clock minute; a
    date alone is refused when a time is required.
    """
    if at is not None:
        return at, False
    if resolved.relative_offset:
        return local_now.time().replace(second=0, microsecond=0), False
    if require_time:
        raise WhenError(
            f"Add a time to '{text.strip()}', e.g. '{text.strip()} 18:00' or '{text.strip()} 7am'."
        )
    return time(0, 0), True


def _already_passed(described: str, at: time, *, typed_date: bool, today: date) -> WhenError:
    """The error for a moment (``described``) that has passed, with a tip that fits what was
    typed: a time alone is most likely meant for tomorrow."""
    tip = (
        f"Give a moment in the future, e.g. {when_examples(today)}."
        if typed_date
        else f"For tomorrow, write 'tomorrow {_read_back(at)}'."
    )
    return WhenError(f"{described} has already passed. {tip}")


def _read_back(at: time) -> str:
    """``at`` as the user would type it: ``18:00``."""
    return f"{at:%H:%M}"


# ---------------------------------------------------------------------------------------------
# Time zones
# ---------------------------------------------------------------------------------------------

_ZONE_EXAMPLES = "a city such as Madrid or New York, or a zone name such as Europe/Madrid"
# The areas of today's zone names; the others (US/, Canada/, Etc/, ...) are older aliases.
_ZONE_AREAS = frozenset(
    (
        "Africa",
        "America",
        "Antarctica",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    )
)
_NOT_ZONES = frozenset({"Factory", "localtime"})
_ZONE_NAME_MAX = 64
# Two zones behave alike when their UTC offsets agree on every one of these days.
_SAMPLE_START = datetime(2020, 1, 1, 12, tzinfo=UTC)
_SAMPLE_DAYS = range(0, 21 * 366, 5)


def _city_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


@cache
def _zone_index() -> tuple[Mapping[str, str], Mapping[str, tuple[str, ...]]]:
    """Every known zone by its lower-case name, and by its city (the name's last part)."""
    names = sorted(
        n
        for n in available_timezones()
        if n not in _NOT_ZONES and not n.startswith(("posix/", "right/"))
    )
    by_name = {name.casefold(): name for name in names}
    by_city: dict[str, list[str]] = {}
    for name in names:
        if "/" in name:
            by_city.setdefault(_city_key(name.rsplit("/", 1)[-1]), []).append(name)
    return by_name, {city: tuple(zones) for city, zones in by_city.items()}


def _alike(zones: tuple[str, ...]) -> bool:
    """Whether the zones keep the same clock (aliases of one zone, such as Asia/Istanbul)."""
    loaded = [ZoneInfo(zone) for zone in zones]
    for offset in _SAMPLE_DAYS:
        moment = _SAMPLE_START + timedelta(days=offset)
        if len({moment.astimezone(zone).utcoffset() for zone in loaded}) > 1:
            return False
    return True


def parse_timezone(text: str) -> str:
    """The IANA time zone a person means: ``Europe/Madrid``, ``europe/madrid``, ``madrid``,
    ``New York`` or ``new_york``, ``UTC``.

    A full zone name is matched without regard to case. Otherwise the text is taken as a city
    and matched, without regard to case and with spaces for underscores, against the last part
    of the zone names (``America/New_York`` is ``new york``). Current names (``Europe/...``,
    ``America/...``) win over old aliases (``US/Eastern``, ``Singapore``); several current
    names for one clock (``Asia/Istanbul`` and ``Europe/Istanbul``) give the longest, then the
    first in alphabetical order.

    Raises:
        WhenError: nothing matches, or several zones with different clocks do (``eastern``).
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise WhenError(f"Please send your time zone: {_ZONE_EXAMPLES}.")
    shown = cleaned[:_ZONE_NAME_MAX]
    by_name, by_city = _zone_index()
    exact = by_name.get(cleaned.replace(" ", "_").casefold())
    if exact is not None and "/" in exact:
        return exact
    found = by_city.get(_city_key(cleaned), ())
    current = tuple(zone for zone in found if zone.split("/", 1)[0] in _ZONE_AREAS)
    if len(current) == 1 or (len(current) > 1 and _alike(current)):
        return sorted(current, key=lambda zone: (-zone.count("/"), zone))[0]
    if exact is not None:  # an old one-word alias such as UTC or Japan
        return exact
    if len(found) == 1:
        return found[0]
    if found:
        listed = ", ".join(found[:5])
        raise WhenError(
            f"“{shown}” matches several time zones: {listed}. Send the one you mean, "
            f"e.g. {found[0]}."
        )
    raise WhenError(f"I don't know a time zone or city called “{shown}”. Send {_ZONE_EXAMPLES}.")
