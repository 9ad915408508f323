"""The rules of one workout message: visible text within the limit, and a note's timestamp."""

from __future__ import annotations

import pytest

from coaching.domain.threads import (
    EmptyMessage,
    MessageTooLong,
    TimestampUnreadable,
    clean_message,
    format_timestamp,
    parse_timestamp_note,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0:42 knees cave in", (42, "knees cave in")),
        ("1:02:03 - lockout", (3723, "lockout")),
        ("12:05, bar drifts forward", (725, "bar drifts forward")),
        ("42s good depth", (42, "good depth")),
    ],
)
def test_timestamp_notes(text: str, expected: tuple[int, str]) -> None:
    assert parse_timestamp_note(text) == expected


@pytest.mark.parametrize(
    "text", ["knees cave in", "0:75 late", "1:60:00 x", "0:42", "0:42   ", "99999s x", ""]
)
def test_unreadable_timestamp_notes(text: str) -> None:
    with pytest.raises(TimestampUnreadable, match="Start with the moment"):
        parse_timestamp_note(text)


@pytest.mark.parametrize("text", ["", "   ", "\u200b", "\u2060\ufeff", None])
def test_invisible_text_is_no_message(text: str | None) -> None:
    with pytest.raises(EmptyMessage):
        clean_message(text)
    assert clean_message(text, required=False) == ""


def test_the_limit() -> None:
    assert clean_message("  a" * 1 + "  ") == "a"
    with pytest.raises(MessageTooLong) as raised:
        clean_message("x" * 3501)
    assert (raised.value.length, raised.value.limit) == (3501, 3500)


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0:00"), (42, "0:42"), (3723, "1:02:03")])
def test_format_timestamp(seconds: int, shown: str) -> None:
    assert format_timestamp(seconds) == shown
