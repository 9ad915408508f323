"""Reminder rules: which reminders a coaching session implies, and when one is still worth sending.

A client gets up to two reminders per scheduled session, both from their own settings:

* **the evening before**, at a local wall-clock time they choose (19:00 by default), on the local
  day before the session. It is left out when that moment is not before the session, or when it
  falls less than the lead time before it (the lead-time note follows soon enough);
* **a lead time before** (60 minutes by default), in real elapsed time.

Either can be switched off. Reminders are the client's own choice, so they go out at the chosen
times even inside the client's quiet hours; a *trainer's* message queued through the outbox waits
until the quiet hours end unless the client allowed contact outside hours
(:func:`trainer_message_due`).

A reminder that falls due late (the bot was down) is still sent if it is useful: a session
reminder is useless once the session has started (:func:`still_useful`).

Everything here is pure: times are passed in as aware datetimes and come back in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from coaching.domain.enums import ReminderKind
from coaching.domain.quiet_hours import (
    QuietHours,
    lead_time_before,
    local_evening_before,
    next_allowed,
)
from coaching.domain.schedule import WEEKDAY_NAMES
from coaching.domain.when import WhenError, parse_local_time

__all__ = [
    "DEFAULT_EVENING",
    "DEFAULT_LEAD_MINUTES",
    "LEAD_MAX_MINUTES",
    "LEAD_MIN_MINUTES",
    "SESSION_KINDS",
    "PlannedReminder",
    "ReminderInputError",
    "ReminderPrefs",
    "dedup_key",
    "describe_minutes",
    "parse_lead",
    "parse_quiet_hours",
    "parse_reminder_time",
    "plan_session_reminders",
    "relative_day",
    "short_notice_due",
    "still_useful",
    "trainer_message_due",
]

DEFAULT_EVENING = time(19, 0)
DEFAULT_LEAD_MINUTES = 60
LEAD_MIN_MINUTES = 5
LEAD_MAX_MINUTES = 2880  # two days; the users table checks the same range
SESSION_KINDS = frozenset({ReminderKind.EVENING_BEFORE, ReminderKind.BEFORE_SESSION})
SHORT_NOTICE_MINUTES = 15
"""A session booked this close to its start gets no separate reminder: the booking notice,
which names the time, is the reminder."""

_OFF_WORDS = frozenset({"off", "none", "no", "never", "disable", "disabled", "-"})


class ReminderInputError(ValueError):
    """A setting typed by a person could not be read. ``str()`` is a sentence with an example."""


@dataclass(frozen=True, slots=True)
class ReminderPrefs:
    """A client's reminder settings. ``None`` switches that reminder off."""

    timezone: str
    evening_at: time | None = DEFAULT_EVENING
    lead_minutes: int | None = DEFAULT_LEAD_MINUTES


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One reminder a session implies: when it falls due and when it stops being useful."""

    kind: ReminderKind
    due_at: datetime
    expires_at: datetime
    dedup_key: str


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def dedup_key(session_id: int, kind: ReminderKind, scheduled_at: datetime) -> str:
    """The outbox key of one reminder: the same session, kind and start give the same key.

    A rescheduled session starts at another moment, so it gets new keys; a settings change
    keeps the keys, so a reminder that already went out is never sent again.
    """
    epoch = int(_aware(scheduled_at, "scheduled_at").timestamp())
    return f"s{session_id}:{kind.value}:{epoch}"


def plan_session_reminders(
    session_id: int, scheduled_at: datetime, prefs: ReminderPrefs
) -> tuple[PlannedReminder, ...]:
    """The reminders a session at ``scheduled_at`` implies for a client with ``prefs``.

    Raises:
        ValueError: ``scheduled_at`` is naive.
        UnknownTimeZone: ``prefs.timezone`` is not an IANA zone.
    """
    start = _aware(scheduled_at, "scheduled_at")
    lead = prefs.lead_minutes if prefs.lead_minutes and prefs.lead_minutes > 0 else None
    planned: list[PlannedReminder] = []
    if prefs.evening_at is not None:
        evening = local_evening_before(start, tz=prefs.timezone, at=prefs.evening_at)
        latest = start - timedelta(minutes=lead or 0)
        if evening < start and (lead is None or evening <= latest):
            planned.append(
                PlannedReminder(
                    ReminderKind.EVENING_BEFORE,
                    evening,
                    start,
                    dedup_key(session_id, ReminderKind.EVENING_BEFORE, start),
                )
            )
    if lead is not None:
        planned.append(
            PlannedReminder(
                ReminderKind.BEFORE_SESSION,
                lead_time_before(start, lead),
                start,
                dedup_key(session_id, ReminderKind.BEFORE_SESSION, start),
            )
        )
    return tuple(sorted(planned, key=lambda p: p.due_at))


def short_notice_due(
    planned: PlannedReminder, scheduled_at: datetime, now: datetime
) -> datetime | None:
    """When a reminder whose moment has already passed should still go out: at once.

    Only the lead-time reminder is sent late (a session booked 40 minutes ahead with a 60-minute
    lead gets it at once); the evening-before note is not. A session that starts within
    :data:`SHORT_NOTICE_MINUTES` gets none, since the booking notice already says it is about to
    start. ``None`` means no reminder.
    """
    start = _aware(scheduled_at, "scheduled_at")
    moment = _aware(now, "now")
    if planned.kind is not ReminderKind.BEFORE_SESSION or planned.due_at > moment:
        return None
    if start - moment <= timedelta(minutes=SHORT_NOTICE_MINUTES):
        return None
    return moment


def trainer_message_due(
    now: datetime, *, tz: str, quiet: QuietHours | None, contact_outside_hours: bool
) -> datetime:
    """When a trainer's message written at ``now`` may reach the client.

    At once, unless the client is inside their quiet hours and has not allowed their trainer to
    contact them outside hours: then when the quiet hours end on the client's clock.
    """
    return next_allowed(
        _aware(now, "now"), tz=tz, quiet=quiet, contact_outside_hours=contact_outside_hours
    )


def still_useful(kind: ReminderKind, *, now: datetime, expires_at: datetime | None) -> bool:
    """Whether a reminder that is due at ``now`` is still worth sending.

    A session reminder (the evening-before note or the lead-time note) is useless once the
    session has started; any other message is useful until its ``expires_at``, if it has one.
    """
    moment = _aware(now, "now")
    if expires_at is None:
        return kind not in SESSION_KINDS
    return moment < _aware(expires_at, "expires_at")


def describe_minutes(minutes: int) -> str:
    """A duration the way a person says it: ``45 min``, ``1 hour``, ``1 h 30 min``, ``2 days``."""
    if minutes < 60:
        return f"{minutes} min"
    if minutes % 1440 == 0:
        days = minutes // 1440
        return "1 day" if days == 1 else f"{days} days"
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return "1 hour" if hours == 1 else f"{hours} hours"
    return f"{hours} h {rest} min"


def relative_day(day: date, today: date) -> str:
    """``Today``, ``Tomorrow``, or a weekday and date such as ``Sunday 29 Mar``."""
    if day == today:
        return "Today"
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b}"


# ---------------------------------------------------------------------------------------------
# Reading settings typed by a person
# ---------------------------------------------------------------------------------------------


def _is_off(text: str) -> bool:
    return text.strip().lower() in _OFF_WORDS


_OFF_HINT = "Or send “off” to turn it off."


def parse_reminder_time(text: str) -> time | None:
    """A local time of day such as ``19:30``, ``7pm`` or ``19``; ``off`` gives ``None``.

    Times are read by :func:`coaching.domain.when.parse_local_time`, the reader every time
    question uses, so the same answers work and the same refusals explain them.

    Raises:
        ReminderInputError: the text is not a single time of day.
    """
    if _is_off(text):
        return None
    try:
        at = parse_local_time(text)
    except WhenError as error:
        raise ReminderInputError(f"{error} {_OFF_HINT}") from None
    return at.replace(second=0, microsecond=0)


_LEAD = re.compile(
    r"^(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes)?)?$"
)


def parse_lead(text: str) -> int | None:
    """A lead time in minutes: ``60``, ``90 min``, ``1h``, ``1.5 hours``, ``1h 30``; ``off``.

    Raises:
        ReminderInputError: unreadable, or outside 5 minutes to 48 hours.
    """
    if _is_off(text):
        return None
    cleaned = " ".join(text.strip().lower().split())
    match = _LEAD.fullmatch(cleaned) if cleaned else None
    if match is None or not (match["h"] or match["m"]):
        raise ReminderInputError(
            f"“{text.strip()[:40]}” is not a lead time I can read. Send minutes or hours, "
            "e.g. 60, 90 min or 2h, or “off”."
        )
    minutes = round(float((match["h"] or "0").replace(",", ".")) * 60) + int(match["m"] or 0)
    if not LEAD_MIN_MINUTES <= minutes <= LEAD_MAX_MINUTES:
        raise ReminderInputError(
            "The reminder can come between 5 minutes and 48 hours before a session. "
            "For example: 60 or 2h."
        )
    return minutes


_RANGE_SPLIT = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b)\s*")


def parse_quiet_hours(text: str) -> QuietHours | None:
    """Quiet hours such as ``22:00-07:00``, ``10pm to 7am`` or ``22-07``; ``off`` gives ``None``.

    Raises:
        ReminderInputError: not two times, or the same time twice.
    """
    if _is_off(text):
        return None
    example = "Send a start and an end, e.g. 22:00-07:00 or 10pm to 7am, or “off”."
    parts = [p for p in _RANGE_SPLIT.split(text.strip().lower()) if p]
    if len(parts) != 2:
        raise ReminderInputError(f"“{text.strip()[:40]}” is not a time range I can read. {example}")
    try:
        start, end = (parse_local_time(p).replace(second=0) for p in parts)
    except WhenError as error:
        raise ReminderInputError(
            f"I couldn't read both times in “{text.strip()[:40]}”: {error} {example}"
        ) from None
    if start == end:
        raise ReminderInputError(f"Quiet hours need different start and end times. {example}")
    return QuietHours(start, end)
