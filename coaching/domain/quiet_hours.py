"""When the bot may message someone: quiet hours and reminder times.

A client sets quiet hours in their own time zone, for example 22:00–07:00. A message that falls
due inside them waits until they end, unless the client allowed their trainer to contact them
outside hours (``Permission.CONTACT_OUTSIDE_HOURS``). All instants are aware datetimes and come
back in UTC; wall-clock reasoning happens in the person's IANA time zone, so quiet hours follow
the local clock across daylight-saving changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coaching.domain.schedule import load_zone, local_to_utc

__all__ = ["QuietHours", "lead_time_before", "local_evening_before", "next_allowed"]


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily local period with no messages, from ``start`` (inclusive) to ``end`` (exclusive).

    When ``start`` is later than ``end`` the period wraps midnight: 22:00–07:00 is quiet from
    22:00 in the evening until 07:00 the next morning.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are naive local times")
        if self.start == self.end:
            raise ValueError("Quiet hours need different start and end times, e.g. 22:00 to 07:00.")

    @property
    def wraps_midnight(self) -> bool:
        """True if the period runs past midnight, like 22:00–07:00."""
        return self.start > self.end

    def contains(self, wall_time: time) -> bool:
        """True if the local wall-clock time ``wall_time`` is inside the quiet period."""
        if self.wraps_midnight:
            return wall_time >= self.start or wall_time < self.end
        return self.start <= wall_time < self.end


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime, got naive {value!r}")


def _occurrences(day: date, wall_time: time, zone: ZoneInfo) -> set[datetime]:
    """Every UTC instant at which the local clock shows ``wall_time`` on ``day``.

    Usually one; two when the fall-back change repeats that time; and for a time skipped by the
    spring-forward change, the end of the gap (see :func:`local_to_utc`).
    """
    naive = datetime.combine(day, wall_time)
    first = local_to_utc(naive, zone)
    second = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if second.astimezone(zone).replace(tzinfo=None) == naive:
        return {first, second}
    return {first}


def next_allowed(
    at_utc: datetime, *, tz: str, quiet: QuietHours | None, contact_outside_hours: bool
) -> datetime:
    """The earliest instant at or after ``at_utc`` at which a message may be delivered.

    Args:
        at_utc: When the message falls due (aware; any offset, UTC by convention).
        tz: The recipient's IANA time zone.
        quiet: The recipient's quiet hours, or ``None`` for none.
        contact_outside_hours: The recipient allows messages during quiet hours.

    Returns:
        ``at_utc`` (in UTC) if it lies outside the quiet period or quiet hours do not apply;
        otherwise the moment the quiet period ends on the local clock, in UTC. An end time
        skipped by a spring-forward change becomes the end of that gap.

    Raises:
        ValueError: ``at_utc`` is naive.
        UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    _require_aware(at_utc, "at_utc")
    moment = at_utc.astimezone(UTC)
    if quiet is None or contact_outside_hours:
        return moment
    zone = load_zone(tz)
    local = moment.astimezone(zone)
    if not quiet.contains(local.time()):
        return moment
    end_day = local.date()
    if quiet.wraps_midnight and local.time() >= quiet.start:
        end_day += timedelta(days=1)
    # During a repeated (fall-back) hour the quiet period's end can have happened already at its
    # first occurrence; take the first end that is still ahead.
    ends = [end for end in _occurrences(end_day, quiet.end, zone) if end > moment]
    return min(ends) if ends else moment


def local_evening_before(session_utc: datetime, *, tz: str, at: time) -> datetime:
    """The local wall time ``at`` on the local day before the session, in UTC.

    For a session on Tuesday 07:00 in Europe/London and ``at=19:00`` this is Monday 19:00 London
    time. A time skipped by a spring-forward change becomes the end of that gap; a repeated time
    takes its first occurrence.

    Raises:
        ValueError: ``session_utc`` is naive or ``at`` is aware.
        UnknownTimeZone: ``tz`` is not an IANA zone.
    """
    _require_aware(session_utc, "session_utc")
    if at.tzinfo is not None:
        raise ValueError("at must be a naive local time")
    zone = load_zone(tz)
    previous_day = session_utc.astimezone(zone).date() - timedelta(days=1)
    return local_to_utc(datetime.combine(previous_day, at), zone)


def lead_time_before(session_utc: datetime, minutes: int) -> datetime:
    """The instant ``minutes`` of real elapsed time before the session, in UTC.

    Elapsed time, not wall-clock time: 60 minutes before 03:30 on a spring-forward night is
    01:30 on the local clock.

    Raises:
        ValueError: ``session_utc`` is naive or ``minutes`` is negative.
    """
    _require_aware(session_utc, "session_utc")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return session_utc.astimezone(UTC) - timedelta(minutes=minutes)
