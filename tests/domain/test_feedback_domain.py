"""Pure feedback rules: pain words, injury severity, timestamped comments."""

from __future__ import annotations

import pytest

from coaching.domain.enums import AlertSeverity
from coaching.domain.feedback import (
    CommentError,
    TimedComment,
    clean_part,
    format_timestamp,
    mentions_pain,
    parse_comments,
    severity_of,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("left knee hurts on the way down", True),
        ("sharp pain in my lower back", True),
        ("I think I pulled something", True),
        ("shoulder is a bit sore", True),
        ("felt a twinge in the hamstring", True),
        ("tweaked my wrist on the last set", True),
        ("ankle sprain from football", True),
        ("my elbow aches", True),
        ("Injured my calf", True),
        ("no pain at all today", False),
        ("Not sore this time", False),
        ("didn't hurt at all", False),
        ("pain-free squats finally!", False),
        ("without any soreness", False),
        ("great session, felt strong", False),
        ("painting the house tomorrow, might be late", False),
        ("no pain, but the knee hurts a little on lunges", True),
        ("", False),
    ],
)
def test_mentions_pain(text: str, expected: bool) -> None:
    assert mentions_pain(text) is expected


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        (1, AlertSeverity.LOW),
        (3, AlertSeverity.LOW),
        (4, AlertSeverity.MEDIUM),
        (6, AlertSeverity.MEDIUM),
        (7, AlertSeverity.HIGH),
        (8, AlertSeverity.HIGH),
        (9, AlertSeverity.CRITICAL),
        (10, AlertSeverity.CRITICAL),
    ],
)
def test_severity_of(score: int, severity: AlertSeverity) -> None:
    assert severity_of(score) is severity


@pytest.mark.parametrize("score", [0, 11, -1])
def test_severity_out_of_range(score: int) -> None:
    with pytest.raises(ValueError, match="severity"):
        severity_of(score)


@pytest.mark.parametrize(
    ("text", "timed", "expected"),
    [
        ("0:42 knees cave in", True, (TimedComment(42, "knees cave in"),)),
        (
            "0:42 knees cave in\n1:02:05 - good depth",
            True,
            (TimedComment(42, "knees cave in"), TimedComment(3725, "good depth")),
        ),
        ("12:00   chest up", True, (TimedComment(720, "chest up"),)),
        ("keep the bar over mid-foot", False, (TimedComment(None, "keep the bar over mid-foot"),)),
        ("0:05 hips first", False, (TimedComment(5, "hips first"),)),
    ],
)
def test_parse_comments(text: str, timed: bool, expected: tuple[TimedComment, ...]) -> None:
    assert parse_comments(text, timed=timed) == expected


@pytest.mark.parametrize(
    ("text", "timed", "message"),
    [
        ("knees cave in", True, "no time at the start"),
        ("0:75 too late", True, "seconds go up to 59"),
        ("0:42", True, "no comment"),
        ("   ", True, "at least one comment"),
        ("7:00:00 very long", True, "6 hours"),
        ("1:75:00 x", True, "h:mm:ss"),
    ],
)
def test_parse_comments_errors(text: str, timed: bool, message: str) -> None:
    with pytest.raises(CommentError, match=message):
        parse_comments(text, timed=timed)


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (42, "0:42"), (600, "10:00"), (3725, "1:02:05")]
)
def test_format_timestamp(seconds: int, shown: str) -> None:
    assert format_timestamp(seconds) == shown


@pytest.mark.parametrize(
    ("raw", "part"), [("  left   KNEE ", "Left knee"), ("", ""), ("shoulder", "Shoulder")]
)
def test_clean_part(raw: str, part: str) -> None:
    assert clean_part(raw) == part
