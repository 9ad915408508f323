"""A clock that process tests move: now is the time written in a file.

Tests of the real entry point (``python -m bot`` in a subprocess) cannot reach into the process
to move a :class:`coaching.clock.ManualClock`. With ``TEST_CLOCK_FILE`` set, the bot reads "now"
from that file instead of the system clock, and the test moves time by writing the file. The
setting is refused unless the Bot API is a local test double (``TELEGRAM_API_BASE_URL`` on
127.0.0.1, see :mod:`bot.config`), so a real deployment cannot switch it on by accident.

The file holds one ISO 8601 time with its offset, e.g. ``2026-11-24T07:00:00+00:00``. It is
read again whenever it changes; write it atomically (a temporary file, then ``os.replace``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings
from coaching.clock import Clock


class ClockFileError(ValueError):
    """The test clock's file is missing or does not hold an aware ISO 8601 time."""

    def __init__(self, path: Path, content: str | None) -> None:
        self.path = path
        self.content = content
        what = "is missing" if content is None else f"holds {content[:40]!r}"
        super().__init__(
            f"TEST_CLOCK_FILE {path} {what}; write a time such as 2026-11-24T07:00:00+00:00"
        )


def read_time(path: Path) -> datetime:
    try:
        content = path.read_text(encoding="utf-8").strip()
    except OSError:
        raise ClockFileError(path, None) from None
    try:
        when = datetime.fromisoformat(content)
    except ValueError:
        raise ClockFileError(path, content) from None
    if when.tzinfo is None:
        raise ClockFileError(path, content)
    return when.astimezone(UTC)


def write_time(path: Path, when: datetime) -> None:
    """Set the time a bot started with ``TEST_CLOCK_FILE=path`` takes as now (for tests)."""
    if when.tzinfo is None:
        raise ValueError("write an aware datetime")
    partial = path.with_name(path.name + ".partial")
    partial.write_text(when.astimezone(UTC).isoformat(), encoding="utf-8")
    os.replace(partial, path)


class FileClock:
    """Now as written in a file; read again only when the file changes."""

    __test__ = False  # not a pytest test class, whatever its module's name

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp = os.stat(path).st_mtime_ns if path.exists() else None
        self._now = read_time(path)

    def now(self) -> datetime:
        try:
            stamp = os.stat(self._path).st_mtime_ns
        except OSError:
            return self._now  # the file is being replaced: keep the last time read
        if stamp != self._stamp:
            try:
                self._now = read_time(self._path)
                self._stamp = stamp
            except ClockFileError:
                pass  # a half-written file: keep the last time read, look again next call
        return self._now


def clock_for(settings: Settings) -> Clock | None:
    """The test clock when ``TEST_CLOCK_FILE`` is set (checked by the settings), else None."""
    if settings.test_clock_file is None:
        return None
    return FileClock(settings.test_clock_file)
