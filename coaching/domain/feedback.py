"""Pure rules of the feedback loop: pain words, injury severity, timestamped media comments.

Nothing here knows about Telegram, the database or the clock; times are passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coaching.domain.enums import AlertSeverity

RPE_MIN, RPE_MAX = 1, 10
RATING_MIN, RATING_MAX = 1, 5
SEVERITY_MIN, SEVERITY_MAX = 1, 10
TEXT_MAX = 2000
PART_MAX = 60
COMMENT_MAX = 500
COMMENTS_MAX = 20
TIMESTAMP_MAX_S = 6 * 3600

# Words (and their forms) that suggest pain or an injury in free text.
_PAIN_STEMS = (
    r"pain(?:s|ful)?",
    r"hurt(?:s|ing)?",
    r"injur(?:y|ies|ed)",
    r"sore(?:ness)?",
    r"ach(?:e|es|ed|ing|y)",
    r"pulled",
    r"strain(?:ed)?",
    r"sprain(?:ed)?",
    r"twinge(?:s)?",
    r"tweak(?:ed)?",
    r"pinch(?:ed|ing)?",
    r"throbb(?:ing)?",
    r"swollen|swelling",
    r"cramp(?:s|ed|ing)?",
    r"tendinitis|tendonitis",
)
_PAIN = re.compile(r"\b(?:" + "|".join(_PAIN_STEMS) + r")\b", re.IGNORECASE)
# A negation shortly before the word cancels it: "no pain", "didn't hurt", "without any soreness".
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|zero|nothing|none|free of|pain-free|isn't|wasn't|didn't|doesn't|"
    r"don't|dont|didnt|doesnt|isnt|wasnt|nor)\b(?:\W+\w+){0,2}\W*$",
    re.IGNORECASE,
)
# "pain-free", "painless", "no longer sore" style phrases that mean the opposite.
_FREE_AFTER = re.compile(r"^\s*-?\s*(?:free|less)\b", re.IGNORECASE)


def mentions_pain(text: str) -> bool:
    """True when ``text`` speaks of pain or an injury, not of its absence.

    >>> mentions_pain("left knee hurts on the way down")
    True
    >>> mentions_pain("no pain at all today")
    False
    """
    for match in _PAIN.finditer(text):
        before = text[: match.start()]
        after = text[match.end() :]
        if _FREE_AFTER.match(after):
            continue
        if _NEGATION.search(before):
            continue
        return True
    return False


def severity_of(score: int) -> AlertSeverity:
    """An injury's alert severity from the client's 1–10 score."""
    if not SEVERITY_MIN <= score <= SEVERITY_MAX:
        raise ValueError(f"severity must be {SEVERITY_MIN}..{SEVERITY_MAX}, got {score}")
    if score <= 3:
        return AlertSeverity.LOW
    if score <= 6:
        return AlertSeverity.MEDIUM
    if score <= 8:
        return AlertSeverity.HIGH
    return AlertSeverity.CRITICAL


def is_urgent(severity: AlertSeverity) -> bool:
    return severity in (AlertSeverity.HIGH, AlertSeverity.CRITICAL)


def clean_part(text: str) -> str:
    """A body part as typed, tidied: ``"  left   KNEE "`` → ``"Left knee"``; ``""`` if empty."""
    words = " ".join(text.split())[:PART_MAX]
    return words[:1].upper() + words[1:].lower() if words else ""


class CommentError(ValueError):
    """A timestamped comment could not be read. ``str()`` is a sentence for the user."""


@dataclass(frozen=True, slots=True)
class TimedComment:
    """One comment on a photo or video; ``at_s`` is ``None`` for a comment without a time."""

    at_s: int | None
    text: str


_STAMP = re.compile(r"^\s*(?:(\d{1,2}):)?(\d{1,3}):(\d{2})(?:\s*[-–—:]\s*|\s+|$)(.*)$")


def parse_timestamp(hours: str | None, minutes: str, seconds: str) -> int:
    m, s = int(minutes), int(seconds)
    if s >= 60:
        raise CommentError(f"“{minutes}:{seconds}” has {s} seconds; seconds go up to 59.")
    if hours is not None and m >= 60:
        raise CommentError(f"“{hours}:{minutes}:{seconds}” has {m} minutes; use h:mm:ss.")
    total = (int(hours) * 3600 if hours else 0) + m * 60 + s
    if total > TIMESTAMP_MAX_S:
        raise CommentError("That timestamp is longer than any video here (6 hours at most).")
    return total


def parse_comments(text: str, *, timed: bool) -> tuple[TimedComment, ...]:
    """Comments typed one per line, e.g. ``0:42 knees cave in`` or ``1:02:05 - good depth``.

    With ``timed`` (a video) each line must start with ``m:ss`` or ``h:mm:ss``; for a photo a
    line is a plain comment (a leading time is still read if present).
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise CommentError("Type at least one comment.")
    if len(lines) > COMMENTS_MAX:
        raise CommentError(f"Please send at most {COMMENTS_MAX} comments at a time.")
    comments: list[TimedComment] = []
    for line in lines:
        match = _STAMP.match(line)
        if match is None:
            if timed:
                raise CommentError(f"“{line[:40]}” has no time at the start.")
            comments.append(TimedComment(None, _comment_text(line)))
            continue
        hours, minutes, seconds, body = match.groups()
        at = parse_timestamp(hours, minutes, seconds)
        if not body.strip():
            raise CommentError(f"“{line[:40]}” has a time but no comment.")
        comments.append(TimedComment(at, _comment_text(body)))
    return tuple(comments)


def _comment_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > COMMENT_MAX:
        raise CommentError(f"A comment can be at most {COMMENT_MAX} characters.")
    return cleaned


def format_timestamp(seconds: int) -> str:
    """``42`` → ``0:42``; ``3725`` → ``1:02:05``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
