"""Which reminders a session implies, when they fall due, and reading reminder settings."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from coaching.domain.enums import ReminderKind
from coaching.domain.quiet_hours import QuietHours
from coaching.domain.reminders import (
    ReminderInputError,
    ReminderPrefs,
    dedup_key,
    describe_minutes,
    parse_lead,
    parse_quiet_hours,
    parse_reminder_time,
    plan_session_reminders,
    relative_day,
    still_useful,
    trainer_message_due,
)
from tests.helpers import u

EVENING = ReminderKind.EVENING_BEFORE
BEFORE = ReminderKind.BEFORE_SESSION


def plan(start: str, **prefs: object) -> dict[ReminderKind, datetime]:
    settings = ReminderPrefs(**{"timezone": "UTC", **prefs})  # type: ignore[arg-type]
    return {p.kind: p.due_at for p in plan_session_reminders(7, u(start), settings)}


@pytest.mark.parametrize(
    ("tz", "start", "evening", "before"),
    [
        # Winter London is UTC: Sunday 19:00 for a Monday 18:00 session.
        ("Europe/London", "2026-11-30 18:00", "2026-11-29 19:00", "2026-11-30 17:00"),
        # After the DST change: Monday 2026-03-30 18:00 BST is 17:00 UTC;
        # the evening before is Sunday 19:00 BST = 18:00 UTC.
        ("Europe/London", "2026-03-30 17:00", "2026-03-29 18:00", "2026-03-30 16:00"),
        # The evening before is the Saturday before the spring-forward night (still GMT).
        ("Europe/London", "2026-03-29 09:00", "2026-03-28 19:00", "2026-03-29 08:00"),
        # New York in winter (UTC-5): a 07:00 session; the evening before is 19:00 local.
        ("America/New_York", "2026-12-01 12:00", "2026-12-01 00:00", "2026-12-01 11:00"),
        # Fall back in New York: Sunday 2026-11-01 10:00 EST = 15:00 UTC; the evening before is
        # Saturday 19:00 EDT = 23:00 UTC, one offset; the session is in the other.
        ("America/New_York", "2026-11-01 15:00", "2026-10-31 23:00", "2026-11-01 14:00"),
        # Sydney (UTC+11 in summer): the local previous day is the UTC day before that.
        ("Australia/Sydney", "2026-12-01 21:00", "2026-12-01 08:00", "2026-12-01 20:00"),
    ],
)
def test_evening_before_and_lead_time_in_local_time(
    tz: str, start: str, evening: str, before: str
) -> None:
    assert plan(start, timezone=tz) == {EVENING: u(evening), BEFORE: u(before)}


def test_custom_settings_and_off_switches() -> None:
    assert plan("2026-11-30 18:00", evening_at=time(20, 30), lead_minutes=90) == {
        EVENING: u("2026-11-29 20:30"),
        BEFORE: u("2026-11-30 16:30"),
    }
    assert plan("2026-11-30 18:00", evening_at=None) == {BEFORE: u("2026-11-30 17:00")}
    assert plan("2026-11-30 18:00", lead_minutes=None) == {EVENING: u("2026-11-29 19:00")}
    assert plan("2026-11-30 18:00", evening_at=None, lead_minutes=None) == {}


def test_evening_note_left_out_when_not_before_the_lead_time() -> None:
    # A 00:30 session: 23:00 the evening before is 90 min ahead, more than the 60 min lead.
    assert EVENING in plan("2026-12-01 00:30", evening_at=time(23, 0))
    # A 00:30 session with a 2-hour lead: the lead note (22:30) already covers it.
    assert plan("2026-12-01 00:30", evening_at=time(23, 0), lead_minutes=120) == {
        BEFORE: u("2026-11-30 22:30")
    }
    # With the lead note off, the evening note only has to be before the session.
    assert plan("2026-12-01 00:30", evening_at=time(23, 0), lead_minutes=None) == {
        EVENING: u("2026-11-30 23:00")
    }


def test_dedup_key_follows_session_kind_and_start() -> None:
    start = u("2026-11-30 18:00")
    key = dedup_key(7, EVENING, start)
    assert key == f"s7:EVENING_BEFORE:{int(start.timestamp())}"
    assert key != dedup_key(7, EVENING, u("2026-11-30 19:00"))
    assert key != dedup_key(7, BEFORE, start)
    planned = plan_session_reminders(7, start, ReminderPrefs("UTC"))
    assert [p.dedup_key for p in planned] == [key, dedup_key(7, BEFORE, start)]
    assert all(p.expires_at == start for p in planned)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_session_reminders(1, datetime(2026, 11, 30, 18), ReminderPrefs("UTC"))


NIGHT = QuietHours(time(22, 0), time(7, 0))


@pytest.mark.parametrize(
    ("now", "tz", "contact", "due"),
    [
        ("2026-11-23 23:30", "UTC", False, "2026-11-24 07:00"),
        ("2026-11-23 23:30", "UTC", True, "2026-11-23 23:30"),
        ("2026-11-23 12:00", "UTC", False, "2026-11-23 12:00"),
        # 04:00 UTC is 23:00 in New York (quiet): wait until 07:00 EST = 12:00 UTC.
        ("2026-11-24 04:00", "America/New_York", False, "2026-11-24 12:00"),
        # Spring forward in London: quiet until 07:00 BST = 06:00 UTC.
        ("2026-03-29 01:30", "Europe/London", False, "2026-03-29 06:00"),
    ],
)
def test_trainer_message_waits_for_the_end_of_quiet_hours(
    now: str, tz: str, contact: bool, due: str
) -> None:
    assert trainer_message_due(u(now), tz=tz, quiet=NIGHT, contact_outside_hours=contact) == u(due)


def test_no_quiet_hours_means_at_once() -> None:
    now = u("2026-11-23 23:30")
    assert trainer_message_due(now, tz="UTC", quiet=None, contact_outside_hours=False) == now


@pytest.mark.parametrize(
    ("kind", "now", "expires", "useful"),
    [
        (EVENING, "2026-11-30 08:00", "2026-11-30 18:00", True),
        (EVENING, "2026-11-30 18:00", "2026-11-30 18:00", False),
        (BEFORE, "2026-11-30 17:59", "2026-11-30 18:00", True),
        (BEFORE, "2026-11-30 18:01", "2026-11-30 18:00", False),
        (ReminderKind.TRAINER_MESSAGE, "2030-01-01 00:00", None, True),
        (BEFORE, "2026-11-30 17:00", None, False),
    ],
)
def test_still_useful(kind: ReminderKind, now: str, expires: str | None, useful: bool) -> None:
    expires_at = u(expires) if expires else None
    assert still_useful(kind, now=u(now), expires_at=expires_at) is useful


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(45, "45 min"), (60, "1 hour"), (90, "1 h 30 min"), (120, "2 hours"), (1440, "1 day")],
)
def test_describe_minutes(minutes: int, text: str) -> None:
    assert describe_minutes(minutes) == text


def test_relative_day() -> None:
    today = date(2026, 3, 28)
    assert relative_day(today, today) == "Today"
    assert relative_day(date(2026, 3, 29), today) == "Tomorrow"
    assert relative_day(date(2026, 3, 30), today) == "Monday 30 Mar"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19:30", time(19, 30)),
        ("7pm", time(19, 0)),
        ("at 6:15pm", time(18, 15)),
        ("19", time(19, 0)),
        ("07", time(7, 0)),
        ("off", None),
    ],
)
def test_parse_reminder_time(text: str, expected: time | None) -> None:
    assert parse_reminder_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The same sentences as every other time question (/assign), plus how to switch off.
        ("7", "'7' on its own could be morning or evening. Write 07:00, 19:00 or 7pm."),
        ("12", "'12' on its own could be noon or midnight. Write 12:00, 00:00 or noon."),
        ("25:00", "'25:00' is not a time of day. Use 00:00 to 23:59, e.g. 18:30 or 07:00."),
        ("evening", "I couldn't read 'evening' as a time of day. Write it like 18:30"),
        ("", "Tell me a time of day, e.g. 18:30"),
    ],
)
def test_parse_reminder_time_refuses_with_an_example(text: str, message: str) -> None:
    with pytest.raises(ReminderInputError) as caught:
        parse_reminder_time(text)
    assert message in str(caught.value)
    assert str(caught.value).endswith("Or send “off” to turn it off.")


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("60", 60),
        ("90 min", 90),
        ("2h", 120),
        ("1.5 hours", 90),
        ("1h 30", 90),
        ("1 hour 15 min", 75),
        ("off", None),
    ],
)
def test_parse_lead(text: str, minutes: int | None) -> None:
    assert parse_lead(text) == minutes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "not a lead time"),
        ("", "not a lead time"),
        ("2", "between 5 minutes and 48 hours"),
        ("3 days", "not a lead time"),
        ("49h", "between 5 minutes and 48 hours"),
    ],
)
def test_parse_lead_refuses(text: str, message: str) -> None:
    with pytest.raises(ReminderInputError, match=message):
        parse_lead(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22:00-07:00", QuietHours(time(22, 0), time(7, 0))),
        ("10pm to 7am", QuietHours(time(22, 0), time(7, 0))),
        ("12:00 – 13:30", QuietHours(time(12, 0), time(13, 30))),
        ("22-07", QuietHours(time(22, 0), time(7, 0))),
        ("23 to 06:30", QuietHours(time(23, 0), time(6, 30))),
        ("off", None),
    ],
)
def test_parse_quiet_hours(text: str, expected: QuietHours | None) -> None:
    assert parse_quiet_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("22:00", "not a time range"),
        ("22:00-07:00-09:00", "not a time range"),
        ("late-early", "couldn't read both times"),
        ("22-7", "couldn't read both times in “22-7”: '7' on its own could be morning"),
        ("22:00-22:00", "different start and end"),
    ],
)
def test_parse_quiet_hours_refuses_with_an_example(text: str, message: str) -> None:
    with pytest.raises(ReminderInputError, match=message) as caught:
        parse_quiet_hours(text)
    assert "22:00-07:00" in str(caught.value)
