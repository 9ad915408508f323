"""Conversations attached to workouts: what a thread is about, and the rules of one message.

A thread belongs to one coaching relationship and is about one workout (a booked or planned
session, or a logged one) or, from a client's card or an alert, about the coaching in general.
Messages are text, or a photo, video or voice note with an optional caption; a trainer can
answer a video with a timestamped note (seed 000 MediaNote: a timestamp and a comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from coaching.errors import InvalidInput

__all__ = [
    "CAPTION_MAX",
    "MESSAGE_MAX",
    "TIMESTAMP_MAX_SECONDS",
    "EmptyMessage",
    "MessageTooLong",
    "TargetKind",
    "ThreadMediaKind",
    "ThreadTarget",
    "TimestampUnreadable",
    "clean_message",
    "format_timestamp",
    "parse_timestamp_note",
    "telegram_length",
]

MESSAGE_MAX = 3500
"""Characters of one typed message (the delivered text adds a header and stays under 4,096)."""

CAPTION_MAX = 700
"""Characters of a media message's caption (Telegram allows 1,024 with the header)."""

TIMESTAMP_MAX_SECONDS = 6 * 3600


class ThreadMediaKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"


class TargetKind(StrEnum):
    """What a "💬 Message" button points at."""

    CLIENT = "c"  # a client profile: the conversation in general (card, alert)
    SESSION = "s"  # a booked or planned session
    RECORD = "r"  # a logged session (summary, feedback review)
    MESSAGE = "m"  # a message of a thread (Reply, a note on a video)


@dataclass(frozen=True, slots=True)
class ThreadTarget:
    kind: TargetKind
    id: int


class EmptyMessage(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "That message has no text I can send.", example="Great depth today — keep it up!"
        )


class MessageTooLong(InvalidInput):
    def __init__(self, length: int, limit: int) -> None:
        self.length = length
        self.limit = limit
        super().__init__(
            f"That message is {length} characters; the limit is {limit}. Please shorten it."
        )


class TimestampUnreadable(InvalidInput):
    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            "Start with the moment in the video, then your comment.",
            example="0:42 knees cave in on the way up",
        )


_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u115f\u1160\u3164]+")


def clean_message(text: str | None, *, limit: int = MESSAGE_MAX, required: bool = True) -> str:
    """The message as typed, trimmed. Blank or invisible text is no message.

    Raises:
        EmptyMessage: nothing visible, and a text is required.
        MessageTooLong: more than ``limit`` characters.
    """
    cleaned = (text or "").strip()
    if not _INVISIBLE.sub("", cleaned):
        if required:
            raise EmptyMessage()
        return ""
    length = telegram_length(cleaned)
    if length > limit:
        raise MessageTooLong(length, limit)
    return cleaned


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


_STAMP = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\b\s*[-–—:,.]?\s*(.*)$", re.S)
_SECONDS = re.compile(r"^\s*(\d{1,5})\s*s\b\s*[-–—:,.]?\s*(.*)$", re.S | re.I)


def parse_timestamp_note(text: str) -> tuple[int, str]:
    """A note on a video: ``0:42 knees cave in``, ``1:02:03 …`` or ``42s …``.

    Returns the moment in seconds and the comment.

    Raises:
        TimestampUnreadable: no moment at the start, a moment past six hours, or no comment.
        MessageTooLong: the comment is too long.
    """
    match = _STAMP.match(text or "")
    if match is not None:
        hours, minutes, seconds, comment = match.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            raise TimestampUnreadable(text)
        moment = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    else:
        found = _SECONDS.match(text or "")
        if found is None:
            raise TimestampUnreadable(text)
        moment, comment = int(found.group(1)), found.group(2)
    if moment > TIMESTAMP_MAX_SECONDS:
        raise TimestampUnreadable(text)
    try:
        return moment, clean_message(comment)
    except MessageTooLong:
        raise
    except InvalidInput:
        raise TimestampUnreadable(text) from None


def format_timestamp(seconds: int) -> str:
    """``0:42``, ``12:05`` or ``1:02:03``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
