"""Tests for reading dates and times typed by people, in their own time zone."""

from __future__ import annotations

import re
import time as clock
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.domain.schedule import WEEKDAY_NAMES, UnknownTimeZone
from coaching.domain.when import (
    WhenError,
    parse_local_date,
    parse_local_time,
    parse_timezone,
    parse_when,
)
from tests.helpers import u


def local(tz: str, text: str) -> datetime:
    """A wall-clock instant in ``tz`` written as ``"YYYY-MM-DD HH:MM"`` (first occurrence)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def shows_an_example(message: str) -> bool:
    """True if an error message shows a well-formed time or date the user could copy."""
    return bool(re.search(r"\b\d{1,2}(?::\d{2}|am|pm)\b|\b\d{4}-\d{2}-\d{2}\b", message))


# Fixed "now"s, each named after what makes it interesting.
NOWS: dict[str, tuple[str, datetime]] = {
    # Saturday 10:00 in Berlin, the day before clocks go forward (2026-03-29).
    "berlin_before_spring": ("Europe/Berlin", local("Europe/Berlin", "2026-03-28 10:00")),
    # Monday 10:00 in New York, the day after clocks went forward (2026-03-08).
    "ny_monday": ("America/New_York", local("America/New_York", "2026-03-09 10:00")),
    # Sunday 01:00 EST in New York, an hour before the spring-forward gap.
    "ny_spring_night": ("America/New_York", local("America/New_York", "2026-03-08 01:00")),
    # Sunday 00:30 BST in London, the night clocks go back (2026-10-25).
    "london_fall_night": ("Europe/London", local("Europe/London", "2026-10-25 00:30")),
    # Monday 23:30 in Kolkata (UTC+05:30), already the next day compared with UTC's Monday 18:00.
    "kolkata_late": ("Asia/Kolkata", local("Asia/Kolkata", "2026-06-15 23:30")),
}


@pytest.mark.parametrize(
    ("where", "text", "expected"),
    [
        # Berlin: "tomorrow" is the spring-forward day, so 18:00 is CEST (UTC+2).
        ("berlin_before_spring", "tomorrow 18:00", "2026-03-29 16:00"),
        ("berlin_before_spring", "today 6pm", "2026-03-28 17:00"),
        ("berlin_before_spring", "18:00", "2026-03-28 17:00"),
        ("berlin_before_spring", "mon 7am", "2026-03-30 05:00"),
        ("berlin_before_spring", "next friday 07:30", "2026-04-03 05:30"),
        ("berlin_before_spring", "2026-12-01 18:30", "2026-12-01 17:30"),
        ("berlin_before_spring", "2026-12-01T18:30", "2026-12-01 17:30"),
        ("berlin_before_spring", "2026/12/01 18:30", "2026-12-01 17:30"),
        ("berlin_before_spring", "1 dec 18:30", "2026-12-01 17:30"),
        ("berlin_before_spring", "Dec 1st at 6:30 pm", "2026-12-01 17:30"),
        # In 2 days keeps the local time (10:00) across the change: 10:00 CEST.
        ("berlin_before_spring", "in 2 days", "2026-03-30 08:00"),
        ("berlin_before_spring", "in 2 days 9am", "2026-03-30 07:00"),
        ("berlin_before_spring", "in a week", "2026-04-04 08:00"),
        # A time inside the gap moves to 03:00 CEST.
        ("berlin_before_spring", "sunday 2:30am", "2026-03-29 01:00"),
        # Same weekday: later today, or next week once passed.
        ("berlin_before_spring", "sat 11am", "2026-03-28 10:00"),
        ("berlin_before_spring", "sat 7am", "2026-04-04 05:00"),
        ("berlin_before_spring", "Saturday at noon", "2026-03-28 11:00"),
        # Spelling and layout variants.
        ("berlin_before_spring", "  Tomorrow   18:00 ", "2026-03-29 16:00"),
        ("berlin_before_spring", "tmrw 6pm", "2026-03-29 16:00"),
        ("berlin_before_spring", "thurs 6 p.m.", "2026-04-02 16:00"),
        ("berlin_before_spring", "on monday at 7am", "2026-03-30 05:00"),
        ("berlin_before_spring", "at 18:30 friday", "2026-04-03 16:30"),
        ("berlin_before_spring", "tonight 8pm", "2026-03-28 19:00"),
        ("berlin_before_spring", "the day after tomorrow 9am", "2026-03-30 07:00"),
        ("berlin_before_spring", "2026-12-01 18:30:00", "2026-12-01 17:30"),
        # New York, Monday: "mon 7am" has passed, so next Monday; "mon 11am" is today.
        ("ny_monday", "mon 7am", "2026-03-16 11:00"),
        ("ny_monday", "mon 11am", "2026-03-09 15:00"),
        ("ny_monday", "monday 10:00", "2026-03-09 14:00"),
        ("ny_monday", "tomorrow 18:00", "2026-03-10 22:00"),
        ("ny_monday", "next monday 7am", "2026-03-16 11:00"),
        # New York, the spring-forward night: 02:30 does not exist, it becomes 03:00 EDT.
        ("ny_spring_night", "02:30", "2026-03-08 07:00"),
        ("ny_spring_night", "today 7am", "2026-03-08 11:00"),
        ("ny_spring_night", "in 1 hour", "2026-03-08 07:00"),
        # London, the fall-back night: 01:30 happens twice; the first (BST) is taken.
        ("london_fall_night", "01:30", "2026-10-25 00:30"),
        ("london_fall_night", "today 18:00", "2026-10-25 18:00"),
        ("london_fall_night", "in 2 days", "2026-10-27 00:30"),
        ("london_fall_night", "in 90 minutes", "2026-10-25 01:00"),
        # Kolkata, late evening: "tomorrow" is the local tomorrow, not UTC's.
        ("kolkata_late", "tomorrow 6am", "2026-06-16 00:30"),
        ("kolkata_late", "23:45", "2026-06-15 18:15"),
        ("kolkata_late", "tomorrow midnight", "2026-06-15 18:30"),
    ],
)
def test_parse_when(where: str, text: str, expected: str) -> None:
    tz, now = NOWS[where]
    result = parse_when(text, now=now, tz=tz)
    assert result == u(expected)
    assert result.tzinfo is UTC


def test_now_and_elapsed_offsets_are_exact() -> None:
    now = datetime(2026, 3, 28, 9, 41, 27, 500, tzinfo=UTC)
    assert parse_when("now", now=now, tz="Europe/Berlin") == now
    assert parse_when("in an hour", now=now, tz="Europe/Berlin") == now + timedelta(hours=1)
    assert parse_when("in 15 mins", now=now, tz="Europe/Berlin") == now + timedelta(minutes=15)


def test_relative_days_keep_the_time_to_the_minute() -> None:
    now = local("Europe/London", "2026-01-12 09:41") + timedelta(seconds=27)
    result = parse_when("in 2 days", now=now, tz="Europe/London")
    assert result == u("2026-01-14 09:41")


@pytest.mark.parametrize(
    ("where", "text", "kwargs", "expected"),
    [
        ("berlin_before_spring", "yesterday 10am", {"allow_past": True}, "2026-03-27 09:00"),
        ("berlin_before_spring", "09:00", {"allow_past": True}, "2026-03-28 08:00"),
        # With past moments allowed, this morning's weekday stays this morning.
        ("ny_monday", "mon 7am", {"allow_past": True}, "2026-03-09 11:00"),
        # Dates without a time, when allowed, mean the start of the local day.
        ("berlin_before_spring", "tomorrow", {"require_time": False}, "2026-03-28 23:00"),
        ("berlin_before_spring", "sat", {"require_time": False}, "2026-03-27 23:00"),
        ("berlin_before_spring", "today", {"require_time": False}, "2026-03-27 23:00"),
        ("kolkata_late", "2026-07-01", {"require_time": False}, "2026-06-30 18:30"),
        (
            "berlin_before_spring",
            "3 days ago",
            {"allow_past": True, "require_time": False},
            "2026-03-25 09:00",
        ),
    ],
)
def test_parse_when_options(where: str, text: str, kwargs: dict[str, bool], expected: str) -> None:
    tz, now = NOWS[where]
    assert parse_when(text, now=now, tz=tz, **kwargs) == u(expected)


@pytest.mark.parametrize(
    ("text", "kwargs", "fragment"),
    [
        # Unreadable text names what was typed.
        ("pizza 7pm", {}, "couldn't read 'pizza 7pm'"),
        ("whenever", {}, "couldn't read 'whenever'"),
        ("", {}, "Tell me when"),
        ("   ", {}, "Tell me when"),
        # Ambiguous numeric dates.
        ("01/02", {}, "'01/02' can be read more than one way"),
        ("1/12 18:00", {}, "'1/12' can be read more than one way"),
        ("01.02.2027 18:00", {}, "'01.02.2027' can be read more than one way"),
        ("12-25 10am", {}, "'12-25' can be read more than one way"),
        ("18.30", {}, "'18.30' can be read more than one way"),
        # Impossible dates.
        ("2026-02-30 10:00", {}, "'2026-02-30' is not a real date"),
        ("31 feb 10am", {}, "couldn't find the date"),
        # Bare hours and run-together times.
        ("tomorrow at 7", {}, "'7' on its own could be morning or evening"),
        ("7", {}, "'7' on its own could be morning or evening"),
        ("tomorrow 1830", {}, "can't tell what '1830' means"),
        ("mon 7", {}, "'7' on its own could be morning or evening"),
        ("tomorrow 19", {}, "Write '19' with a colon after a date: 19:00, e.g. 'tomorrow 19:00'"),
        ("tomorrow at 12", {}, "'12' on its own could be noon or midnight"),
        # Impossible times.
        ("tomorrow 25:00", {}, "'25:00' is not a time of day"),
        ("tomorrow 13pm", {}, "'13pm' is not a time of day"),
        ("tomorrow 7am 8am", {}, "two times, '7am' and '8am'"),
        # Vague times and time zones.
        ("tomorrow morning", {}, "'morning' is not an exact time"),
        ("tomorrow 18:00 utc", {}, "names a time zone"),
        ("2026-12-01 18:30 +05:00", {}, "names a time zone"),
        ("2026-12-01 18:30Z", {}, "names a time zone"),
        # A time is required by default.
        ("tomorrow", {}, "Add a time to 'tomorrow'"),
        ("next week", {}, "Add a time to 'next week'"),
        ("2026-12-01", {}, "Add a time to '2026-12-01'"),
        # Past moments.
        ("09:00", {}, "Sat 28 Mar, 09:00 has already passed. For tomorrow, write 'tomorrow 09:00'"),
        ("yesterday 10am", {}, "Fri 27 Mar, 10:00 has already passed"),
        ("today 9am", {}, "Sat 28 Mar, 09:00 has already passed"),
        ("yesterday", {"require_time": False}, "2026-03-27 has already passed"),
    ],
)
def test_parse_when_errors_say_what_is_wrong_and_show_an_example(
    text: str, kwargs: dict[str, bool], fragment: str
) -> None:
    tz, now = NOWS["berlin_before_spring"]
    with pytest.raises(WhenError) as info:
        parse_when(text, now=now, tz=tz, **kwargs)
    assert fragment in str(info.value)
    assert shows_an_example(str(info.value))


def test_parse_when_rejects_naive_now_and_unknown_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("tomorrow 18:00", now=datetime(2026, 3, 28, 10), tz="Europe/Berlin")
    with pytest.raises(UnknownTimeZone):
        parse_when("tomorrow 18:00", now=u("2026-03-28 10:00"), tz="Europe/Nowhere")


@pytest.fixture
def odd_machine_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a test with the process's local time zone set far from everyone's."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    clock.tzset()
    yield
    monkeypatch.undo()
    clock.tzset()


@pytest.mark.usefixtures("odd_machine_zone")
def test_results_do_not_depend_on_the_machine_time_zone() -> None:
    tz, now = NOWS["berlin_before_spring"]
    assert parse_when("tomorrow 18:00", now=now, tz=tz) == u("2026-03-29 16:00")
    assert parse_when("in 2 days", now=now, tz=tz) == u("2026-03-30 08:00")
    assert parse_local_date("tomorrow", today=date(2026, 3, 28)) == date(2026, 3, 29)


ZONES = st.sampled_from(
    ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Apia"]
)
NOW_INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


# dateparser loads its language data on first use; never fail a case for being slow.
@settings(deadline=None)
@given(
    now=NOW_INSTANTS,
    tz=ZONES,
    weekday=st.integers(0, 6),
    hour=st.integers(5, 22),
    minute=st.integers(0, 59),
)
def test_weekday_and_time_is_the_next_such_moment(
    now: datetime, tz: str, weekday: int, hour: int, minute: int
) -> None:
    text = f"{WEEKDAY_NAMES[weekday]} {hour:02d}:{minute:02d}"
    result = parse_when(text, now=now, tz=tz)
    seen = result.astimezone(ZoneInfo(tz))
    assert now <= result < now + timedelta(days=7, hours=1)
    assert seen.weekday() == weekday
    assert (seen.hour, seen.minute) == (hour, minute)


@settings(deadline=None)
@given(now=NOW_INSTANTS, tz=ZONES, hour=st.integers(5, 22), minute=st.integers(0, 59))
def test_tomorrow_is_the_next_local_day(now: datetime, tz: str, hour: int, minute: int) -> None:
    zone = ZoneInfo(tz)
    for text in (f"tomorrow {hour}:{minute:02d}", f"tomorrow {(hour - 1) % 12 + 1}:{minute:02d}"
                 f"{'am' if hour < 12 else 'pm'}"):  # fmt: skip
        seen = parse_when(text, now=now, tz=tz).astimezone(zone)
        assert seen.date() == now.astimezone(zone).date() + timedelta(days=1)
        assert (seen.hour, seen.minute) == (hour, minute)


# ---------------------------------------------------------------------------------------------
# parse_local_date
# ---------------------------------------------------------------------------------------------

MONDAY = date(2026, 3, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026-2-3", date(2026, 2, 3)),
        ("today", MONDAY),
        ("now", MONDAY),
        ("tomorrow", date(2026, 3, 31)),
        ("yesterday", date(2026, 3, 29)),
        ("mon", MONDAY),
        ("Monday", MONDAY),
        ("wed", date(2026, 4, 1)),
        ("sun", date(2026, 4, 5)),
        ("next monday", date(2026, 4, 6)),
        ("in 3 days", date(2026, 4, 2)),
        ("in two weeks", date(2026, 4, 13)),
        ("1 dec", date(2026, 12, 1)),
        ("1 jan", date(2027, 1, 1)),
        ("December 1st 2026", date(2026, 12, 1)),
        ("tomorrow 7am", date(2026, 3, 31)),
    ],
)
def test_parse_local_date(text: str, expected: date) -> None:
    assert parse_local_date(text, today=MONDAY) == expected


@pytest.mark.parametrize(
    ("text", "kwargs", "fragment"),
    [
        ("01/02", {}, "can be read more than one way"),
        ("2026-02-30", {}, "not a real date"),
        ("soonish", {}, "couldn't read 'soonish' as a date"),
        ("", {}, "Tell me a date"),
        ("18:00", {}, "I need a date"),
        ("12", {}, "can't tell what '12' means"),
        ("yesterday", {"allow_past": False}, "2026-03-29 has already passed"),
        ("2025-12-01", {"allow_past": False}, "2025-12-01 has already passed"),
    ],
)
def test_parse_local_date_errors(text: str, kwargs: dict[str, bool], fragment: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_local_date(text, today=MONDAY, allow_past=kwargs.get("allow_past", True))
    assert fragment in str(info.value)
    assert shows_an_example(str(info.value))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("skip", "I couldn't read 'skip' as a date. Try '2023-05-01' or '1 may 2023'."),
        ("", "Tell me a date, e.g. '2023-05-01' or '1 may 2023'."),
        ("7pm", "That is a time, but I need a date, e.g. '2023-05-01' or '1 may 2023'."),
    ],
)
def test_parse_local_date_quotes_the_examples_it_is_given(text: str, fragment: str) -> None:
    """A question about the past ("when did you obtain it?") can quote past examples."""
    with pytest.raises(WhenError) as info:
        parse_local_date(text, today=MONDAY, examples="'2023-05-01' or '1 may 2023'")
    assert fragment in str(info.value)
    assert "tomorrow" not in str(info.value)


def test_parse_local_date_allows_the_past_by_default() -> None:
    assert parse_local_date("2025-12-01", today=MONDAY) == date(2025, 12, 1)


@settings(deadline=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_iso_dates_round_trip(day: date) -> None:
    assert parse_local_date(day.isoformat(), today=MONDAY) == day


# ---------------------------------------------------------------------------------------------
# parse_local_time
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7am", time(7, 0)),
        ("7 AM", time(7, 0)),
        ("7 a.m.", time(7, 0)),
        ("18:30", time(18, 30)),
        ("07:05", time(7, 5)),
        ("0:30", time(0, 30)),
        ("6:15pm", time(18, 15)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:30am", time(0, 30)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
        # A whole hour that can only be one time: 13 to 23, or zero-padded.
        ("19", time(19, 0)),
        ("at 13", time(13, 0)),
        ("23", time(23, 0)),
        ("07", time(7, 0)),
        ("00", time(0, 0)),
        ("at 7pm", time(19, 0)),
        ("18:30:15", time(18, 30, 15)),
    ],
)
def test_parse_local_time(text: str, expected: time) -> None:
    assert parse_local_time(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("7", "'7' on its own could be morning or evening"),
        ("at 7", "'7' on its own could be morning or evening"),
        ("10", "'10' on its own could be morning or evening. Write 10:00, 22:00 or 10pm."),
        ("12", "'12' on its own could be noon or midnight"),
        ("0", "'0' on its own is not a clear time. Write 00:00 or midnight."),
        ("24", "'24' is not a time of day"),
        ("99", "'99' is not a time of day"),
        ("24:00", "'24:00' is not a time of day"),
        ("18:60", "'18:60' is not a time of day"),
        ("13pm", "'13pm' is not a time of day"),
        ("0am", "'0am' is not a time of day"),
        ("1830", "couldn't read '1830' as a time"),
        ("evening", "couldn't read 'evening' as a time"),
        ("", "Tell me a time"),
    ],
)
def test_parse_local_time_errors(text: str, fragment: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_local_time(text)
    assert fragment in str(info.value)
    assert shows_an_example(str(info.value))


@given(st.times().map(lambda t: t.replace(microsecond=0)))
def test_times_round_trip_in_both_notations(value: time) -> None:
    assert parse_local_time(value.strftime("%H:%M:%S")) == value
    twelve = f"{(value.hour - 1) % 12 + 1}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"
    assert parse_local_time(twelve) == value.replace(second=0)


# ---------------------------------------------------------------------------------------------
# parse_timezone
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Europe/Madrid", "Europe/Madrid"),
        ("europe/madrid", "Europe/Madrid"),
        ("madrid", "Europe/Madrid"),
        ("  MADRID ", "Europe/Madrid"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("London", "Europe/London"),
        ("ho chi minh", "Asia/Ho_Chi_Minh"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        # Old one-word aliases give way to today's name of the city.
        ("singapore", "Asia/Singapore"),
        # Two current names for one clock: the longer, then the first alphabetically.
        ("buenos aires", "America/Argentina/Buenos_Aires"),
        ("istanbul", "Asia/Istanbul"),
        ("US/Eastern", "US/Eastern"),
    ],
)
def test_parse_timezone(text: str, zone: str) -> None:
    assert parse_timezone(text) == zone


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("narnia", "I don't know a time zone or city called “narnia”"),
        ("", "Please send your time zone"),
        ("eastern", "“eastern” matches several time zones: Canada/Eastern, US/Eastern"),
    ],
)
def test_parse_timezone_refuses_with_examples(text: str, fragment: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_timezone(text)
    message = str(info.value)
    assert fragment in message
    assert "Madrid" in message or "US/Eastern" in message
