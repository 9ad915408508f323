"""Exporting coaching sessions as an iCalendar (RFC 5545) file.

:func:`build_calendar` turns :class:`CalendarEvent` values into the bytes of a ``.ics`` file
that calendar apps (Google Calendar, Apple Calendar, Outlook) can import or subscribe to. Every
event keeps a stable UID, such as ``session-123@spotter``, so importing a newer export updates
the existing entries instead of duplicating them; a cancelled session is published with
``STATUS:CANCELLED`` (and should carry a higher ``sequence``) so apps remove or strike it out.

All times are written in UTC, so the file needs no time-zone definitions; calendar apps show
them in the reader's own zone. Text escaping and line folding are left to ``icalendar``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from icalendar import Calendar, Event, vText

__all__ = ["PRODID", "CalendarEvent", "EventStatus", "build_calendar", "session_uid"]

PRODID = "-//Spotter//Spotter coaching calendar//EN"
"""The product identifier written into every exported calendar."""

EventStatus = Literal["CONFIRMED", "CANCELLED"]

_UID_DOMAIN = "spotter"


def session_uid(session_id: int) -> str:
    """The stable calendar UID of a coaching session, e.g. ``"session-123@spotter"``."""
    if session_id < 1:
        raise ValueError(f"session ids are positive, got {session_id}")
    return f"session-{session_id}@{_UID_DOMAIN}"


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")


def _to_utc_seconds(value: datetime) -> datetime:
    """``value`` in UTC, truncated to whole seconds (iCalendar's resolution)."""
    return value.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One session as it appears in an exported calendar."""

    uid: str
    """Globally unique and stable across exports, e.g. ``session_uid(123)``."""
    title: str
    starts_at: datetime
    """Aware; UTC by convention (other offsets are converted)."""
    duration_min: int
    description: str | None
    location: str | None
    status: EventStatus
    sequence: int = 0
    """Revision number; raise it whenever the event changes (moved, cancelled)."""

    def __post_init__(self) -> None:
        if not self.uid or any(ch.isspace() for ch in self.uid):
            raise ValueError(f"uid must be non-empty and without whitespace, got {self.uid!r}")
        if not self.title.strip():
            raise ValueError("title must not be empty")
        _require_aware(self.starts_at, "starts_at")
        if self.duration_min <= 0:
            raise ValueError(f"duration_min must be positive, got {self.duration_min}")
        if self.status not in ("CONFIRMED", "CANCELLED"):
            raise ValueError(f"status must be CONFIRMED or CANCELLED, got {self.status!r}")
        if self.sequence < 0:
            raise ValueError(f"sequence must not be negative, got {self.sequence}")

    @property
    def ends_at(self) -> datetime:
        """When the session ends, in UTC."""
        return self.starts_at.astimezone(UTC) + timedelta(minutes=self.duration_min)


def _clean_text(text: str) -> str:
    """Make ``text`` safe for an iCalendar TEXT value.

    Line breaks of any style (CRLF, CR, LF) become a single newline, which icalendar escapes;
    other control characters, which RFC 5545 does not allow in TEXT, are dropped.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _event(item: CalendarEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", _to_utc_seconds(item.starts_at))
    event.add("dtend", _to_utc_seconds(item.ends_at))
    event.add("summary", _clean_text(item.title))
    if item.description:
        event.add("description", _clean_text(item.description))
    if item.location:
        event.add("location", _clean_text(item.location))
    event.add("status", item.status)
    event.add("sequence", item.sequence)
    return event


def build_calendar(events: Sequence[CalendarEvent], *, calendar_name: str, now: datetime) -> bytes:
    """Build a ``.ics`` file (``METHOD:PUBLISH``) holding ``events`` in the given order.

    Args:
        events: The sessions to publish; UIDs must be distinct.
        calendar_name: Shown by calendar apps as the calendar's title (``NAME`` and
            ``X-WR-CALNAME``). Line breaks are folded into spaces.
        now: The export time (aware), written as every event's ``DTSTAMP``.

    Returns:
        The calendar as UTF-8 bytes with CRLF line endings, ready to send as a file.

    Raises:
        ValueError: ``now`` is naive, ``calendar_name`` is blank, or two events share a UID.
    """
    _require_aware(now, "now")
    name = " ".join(_clean_text(calendar_name).split())
    if not name:
        raise ValueError("calendar_name must not be blank")
    seen: set[str] = set()
    for item in events:
        if item.uid in seen:
            raise ValueError(f"two events share the UID {item.uid!r}")
        seen.add(item.uid)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # Both are TEXT values; passing vText makes icalendar escape commas and semicolons.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    stamp = _to_utc_seconds(now)
    for item in events:
        calendar.add_component(_event(item, stamp))
    result: bytes = calendar.to_ical()
    return result
