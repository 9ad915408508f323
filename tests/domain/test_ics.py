"""Tests for the iCalendar export: every file is parsed back with icalendar and checked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from coaching.domain.ics import PRODID, CalendarEvent, build_calendar, session_uid

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def event(**changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": session_uid(123),
        "title": "Lower body",
        "starts_at": datetime(2026, 3, 29, 6, 0, tzinfo=UTC),
        "duration_min": 60,
        "description": "Squat focus",
        "location": "North gym",
        "status": "CONFIRMED",
    }
    fields.update(changes)
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def parse(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    return calendar


def text_of(raw: object) -> str:
    """Unescape a TEXT value (RFC 5545 section 3.3.11) that icalendar hands back raw.

    icalendar does not know NAME and X-WR-CALNAME, so it returns them unparsed.
    """
    escaped = raw.to_ical().decode()  # type: ignore[attr-defined]
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], escaped)


def test_calendar_header() -> None:
    calendar = parse(build_calendar([event()], calendar_name="Anna's sessions", now=NOW))
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert text_of(calendar["X-WR-CALNAME"]) == "Anna's sessions"
    assert text_of(calendar["NAME"]) == "Anna's sessions"


def test_every_event_field_round_trips() -> None:
    events = [
        event(),
        event(
            uid=session_uid(124),
            title="Conditioning",
            starts_at=datetime(2026, 3, 31, 17, 30, tzinfo=UTC),
            duration_min=45,
            description=None,
            location=None,
            status="CANCELLED",
            sequence=2,
        ),
    ]
    calendar = parse(build_calendar(events, calendar_name="Spotter", now=NOW))
    parsed = calendar.walk("VEVENT")
    assert len(parsed) == 2
    for original, vevent in zip(events, parsed, strict=True):
        assert str(vevent["UID"]) == original.uid
        assert str(vevent["SUMMARY"]) == original.title
        assert vevent.decoded("DTSTART") == original.starts_at
        assert vevent.decoded("DTEND") == original.starts_at + timedelta(
            minutes=original.duration_min
        )
        assert vevent.decoded("DTSTAMP") == NOW.replace(microsecond=0)
        assert str(vevent["STATUS"]) == original.status
        assert vevent.decoded("SEQUENCE") == original.sequence
        assert (str(vevent["DESCRIPTION"]) if "DESCRIPTION" in vevent else None) == (
            original.description
        )
        assert (str(vevent["LOCATION"]) if "LOCATION" in vevent else None) == original.location


def test_times_are_written_in_utc() -> None:
    # A start given in Kolkata time is exported as the same instant, written in UTC.
    kolkata = datetime(2026, 3, 29, 7, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    data = build_calendar([event(starts_at=kolkata)], calendar_name="Spotter", now=NOW)
    assert b"DTSTART:20260329T013000Z" in data
    assert b"DTEND:20260329T023000Z" in data
    assert b"DTSTAMP:20260301T120000Z" in data


def test_output_uses_crlf_lines_of_at_most_75_octets() -> None:
    data = build_calendar(
        [event(title="Long " * 40, description="Notes " * 60)], calendar_name="Spotter", now=NOW
    )
    lines = data.split(b"\r\n")
    assert lines[-1] == b""
    assert all(b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75


@pytest.mark.parametrize(
    "text",
    [
        "Legs, glutes; core",
        "Line one\nLine two",
        "Back\\slash and colon: here",
        "Ünïcödé 🏋️ – “quotes”",
        "Gym, Main St; Room 2\nBring a band",
    ],
)
def test_special_characters_round_trip(text: str) -> None:
    data = build_calendar(
        [event(title=text, description=text, location=text)], calendar_name=text, now=NOW
    )
    calendar = parse(data)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == text
    assert str(vevent["DESCRIPTION"]) == text
    assert str(vevent["LOCATION"]) == text
    assert text_of(calendar["X-WR-CALNAME"]) == " ".join(text.split())


def test_windows_line_breaks_and_control_characters_are_cleaned() -> None:
    data = build_calendar(
        [event(description="one\r\ntwo\rthree\x00\x07")], calendar_name="Spotter", now=NOW
    )
    (vevent,) = parse(data).walk("VEVENT")
    assert str(vevent["DESCRIPTION"]) == "one\ntwo\nthree"


SAFE_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(",;:\\\n\t"),
    min_size=1,
    max_size=200,
).filter(lambda s: s.strip() != "")


@given(title=SAFE_TEXT, description=SAFE_TEXT, location=SAFE_TEXT)
def test_any_text_round_trips(title: str, description: str, location: str) -> None:
    data = build_calendar(
        [event(title=title, description=description, location=location)],
        calendar_name="Spotter",
        now=NOW,
    )
    (vevent,) = parse(data).walk("VEVENT")
    assert (str(vevent["SUMMARY"]), str(vevent["DESCRIPTION"]), str(vevent["LOCATION"])) == (
        title,
        description,
        location,
    )


def test_empty_calendar_is_still_valid() -> None:
    calendar = parse(build_calendar([], calendar_name="Spotter", now=NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_session_uid_is_stable() -> None:
    assert session_uid(123) == "session-123@spotter"
    with pytest.raises(ValueError, match="positive"):
        session_uid(0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"uid": ""}, "uid"),
        ({"uid": "session 1@spotter"}, "uid"),
        ({"title": "  "}, "title"),
        ({"starts_at": datetime(2026, 3, 29, 6, 0)}, "timezone-aware"),
        ({"duration_min": 0}, "duration_min"),
        ({"status": "TENTATIVE"}, "status"),
        ({"sequence": -1}, "sequence"),
    ],
)
def test_invalid_events_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        event(**changes)


def test_duplicate_uids_naked_now_and_blank_names_are_refused() -> None:
    with pytest.raises(ValueError, match="session-123@spotter"):
        build_calendar([event(), event(title="Again")], calendar_name="Spotter", now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_calendar([event()], calendar_name="Spotter", now=datetime(2026, 3, 1))
    with pytest.raises(ValueError, match="calendar_name"):
        build_calendar([event()], calendar_name=" \n ", now=NOW)
