"""Tests for quiet hours and reminder times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from coaching.domain.quiet_hours import (
    QuietHours,
    lead_time_before,
    local_evening_before,
    next_allowed,
)
from coaching.domain.schedule import UnknownTimeZone
from tests.helpers import u

NIGHT = QuietHours(time(22, 0), time(7, 0))
LUNCH = QuietHours(time(12, 0), time(13, 30))


@pytest.mark.parametrize(
    ("quiet", "wall", "inside"),
    [
        (NIGHT, time(21, 59), False),
        (NIGHT, time(22, 0), True),
        (NIGHT, time(23, 59), True),
        (NIGHT, time(0, 0), True),
        (NIGHT, time(6, 59), True),
        (NIGHT, time(7, 0), False),
        (NIGHT, time(12, 0), False),
        (LUNCH, time(11, 59), False),
        (LUNCH, time(12, 0), True),
        (LUNCH, time(13, 29), True),
        (LUNCH, time(13, 30), False),
        (LUNCH, time(0, 0), False),
    ],
)
def test_quiet_period_contains(quiet: QuietHours, wall: time, inside: bool) -> None:
    assert quiet.contains(wall) is inside


def test_quiet_hours_need_distinct_times() -> None:
    with pytest.raises(ValueError, match=r"e\.g\. 22:00 to 07:00"):
        QuietHours(time(22), time(22))


@pytest.mark.parametrize(
    ("tz", "quiet", "at", "expected"),
    [
        # Outside quiet hours: unchanged.
        ("Europe/London", NIGHT, "2026-01-15 12:00", "2026-01-15 12:00"),
        ("Europe/London", NIGHT, "2026-01-15 21:59", "2026-01-15 21:59"),
        # Evening inside a period that wraps midnight: the next local morning.
        ("Europe/London", NIGHT, "2026-01-15 23:00", "2026-01-16 07:00"),
        # After midnight: the same local morning.
        ("Europe/London", NIGHT, "2026-01-16 03:00", "2026-01-16 07:00"),
        # The UTC date differs from the local date (22:30 UTC is 04:00 next day in Kolkata).
        ("Asia/Kolkata", NIGHT, "2026-01-15 22:30", "2026-01-16 01:30"),
        ("Asia/Kolkata", NIGHT, "2026-01-15 16:30", "2026-01-16 01:30"),
        ("Asia/Kolkata", NIGHT, "2026-01-15 16:29", "2026-01-15 16:29"),
        # New York: 02:00 UTC is 21:00 EST (allowed), 03:00 UTC is 22:00 EST (quiet).
        ("America/New_York", NIGHT, "2026-01-16 02:00", "2026-01-16 02:00"),
        ("America/New_York", NIGHT, "2026-01-16 03:00", "2026-01-16 12:00"),
        # A quiet night spanning the spring-forward change ends at 07:00 summer time.
        ("Europe/London", NIGHT, "2026-03-28 23:00", "2026-03-29 06:00"),
        ("America/New_York", NIGHT, "2026-03-08 04:00", "2026-03-08 11:00"),
        ("Europe/Berlin", NIGHT, "2026-03-28 22:00", "2026-03-29 05:00"),
        # ... and the fall-back change ends at 07:00 winter time.
        ("Europe/London", NIGHT, "2026-10-24 22:00", "2026-10-25 07:00"),
        ("America/New_York", NIGHT, "2026-11-01 03:00", "2026-11-01 12:00"),
        # A daytime period that does not wrap.
        ("Europe/London", LUNCH, "2026-07-01 11:15", "2026-07-01 12:30"),
        ("Europe/London", LUNCH, "2026-07-01 12:30", "2026-07-01 12:30"),
    ],
)
def test_next_allowed_waits_for_the_end_of_quiet_hours(
    tz: str, quiet: QuietHours, at: str, expected: str
) -> None:
    assert next_allowed(u(at), tz=tz, quiet=quiet, contact_outside_hours=False) == u(expected)


@pytest.mark.parametrize(
    ("quiet", "at", "expected"),
    [
        # Quiet 01:00-02:30 in Berlin on 2026-03-29: 02:30 does not exist, the quiet night ends
        # when the clocks jump to 03:00 CEST (01:00 UTC).
        (QuietHours(time(1), time(2, 30)), "2026-03-29 00:15", "2026-03-29 01:00"),
        # Quiet 22:00-02:30 on the fall-back night (2026-10-25), when 02:00-03:00 happens twice.
        # During the first 02:15 (CEST) the period ends at the first 02:30.
        (QuietHours(time(22), time(2, 30)), "2026-10-25 00:15", "2026-10-25 00:30"),
        # During the second 02:15 (CET) the first 02:30 has passed; it ends at the second.
        (QuietHours(time(22), time(2, 30)), "2026-10-25 01:15", "2026-10-25 01:30"),
    ],
)
def test_next_allowed_when_the_end_is_skipped_or_repeated(
    quiet: QuietHours, at: str, expected: str
) -> None:
    result = next_allowed(u(at), tz="Europe/Berlin", quiet=quiet, contact_outside_hours=False)
    assert result == u(expected)


@pytest.mark.parametrize(("quiet", "outside"), [(None, False), (NIGHT, True), (None, True)])
def test_no_quiet_hours_or_permission_means_send_now(
    quiet: QuietHours | None, outside: bool
) -> None:
    at = u("2026-01-15 23:30")
    assert next_allowed(at, tz="Europe/London", quiet=quiet, contact_outside_hours=outside) == at


def test_next_allowed_returns_utc_for_any_aware_input() -> None:
    berlin = datetime(2026, 1, 15, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    result = next_allowed(berlin, tz="Europe/Berlin", quiet=NIGHT, contact_outside_hours=False)
    assert result == berlin
    assert result.tzinfo is UTC


def test_next_allowed_rejects_naive_and_unknown_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(datetime(2026, 1, 1, 12), tz="UTC", quiet=NIGHT, contact_outside_hours=False)
    with pytest.raises(UnknownTimeZone):
        next_allowed(
            u("2026-01-01 23:00"), tz="Nowhere/City", quiet=NIGHT, contact_outside_hours=False
        )


@given(
    at=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31)),
    tz=st.sampled_from(
        [
            "Europe/London",
            "America/New_York",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
            "Europe/Berlin",
        ]
    ),
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_the_answer_is_never_earlier_and_never_quiet(
    at: datetime, tz: str, start: time, end: time
) -> None:
    assume(start != end)
    quiet = QuietHours(start, end)
    moment = at.replace(tzinfo=UTC)
    result = next_allowed(moment, tz=tz, quiet=quiet, contact_outside_hours=False)
    assert result >= moment
    assert result - moment <= timedelta(hours=25)
    assert not quiet.contains(result.astimezone(ZoneInfo(tz)).time())


@pytest.mark.parametrize(
    ("tz", "session", "at", "expected"),
    [
        # Tuesday 07:00 London (GMT) -> Monday 19:00 London.
        ("Europe/London", "2026-01-13 07:00", time(19), "2026-01-12 19:00"),
        # Sunday 29 March 2026 07:00 BST -> Saturday 19:00 GMT.
        ("Europe/London", "2026-03-29 06:00", time(19), "2026-03-28 19:00"),
        # Monday 30 March 07:00 BST -> Sunday 19:00 BST.
        ("Europe/London", "2026-03-30 06:00", time(19), "2026-03-29 18:00"),
        # Sunday 1 November 2026 07:00 EST -> Saturday 20:00 EDT.
        ("America/New_York", "2026-11-01 12:00", time(20), "2026-11-01 00:00"),
        # The local date matters: 00:15 Tuesday in Kolkata is Monday 18:45 UTC.
        ("Asia/Kolkata", "2026-01-12 18:45", time(20), "2026-01-12 14:30"),
        # A reminder time skipped by the change moves to the end of the gap (03:00 CEST).
        ("Europe/Berlin", "2026-03-30 05:00", time(2, 30), "2026-03-29 01:00"),
    ],
)
def test_local_evening_before(tz: str, session: str, at: time, expected: str) -> None:
    assert local_evening_before(u(session), tz=tz, at=at) == u(expected)


@pytest.mark.parametrize(
    ("session", "minutes", "expected"),
    [
        ("2026-01-15 07:00", 60, "2026-01-15 06:00"),
        ("2026-01-15 07:00", 0, "2026-01-15 07:00"),
        ("2026-01-15 00:30", 90, "2026-01-14 23:00"),
        # Across Berlin's spring-forward: 03:30 CEST minus an hour is 01:30 CET, real time.
        ("2026-03-29 01:30", 60, "2026-03-29 00:30"),
    ],
)
def test_lead_time_is_elapsed_time(session: str, minutes: int, expected: str) -> None:
    assert lead_time_before(u(session), minutes) == u(expected)


def test_lead_time_rejects_negative_minutes_and_naive_times() -> None:
    with pytest.raises(ValueError, match="negative"):
        lead_time_before(u("2026-01-15 07:00"), -5)
    with pytest.raises(ValueError, match="timezone-aware"):
        lead_time_before(datetime(2026, 1, 15, 7), 30)
