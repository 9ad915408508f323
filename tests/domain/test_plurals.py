"""Counting things in sentences: one set, two sets."""

from __future__ import annotations

import pytest

from coaching.domain.plurals import plural


@pytest.mark.parametrize(
    ("count", "noun", "plural_form", "expected"),
    [
        (1, "set", None, "1 set"),
        (0, "set", None, "0 sets"),
        (2, "session", None, "2 sessions"),
        (-1, "day", None, "-1 day"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
        (1, "progress photo", None, "1 progress photo"),
    ],
)
def test_plural(count: int, noun: str, plural_form: str | None, expected: str) -> None:
    assert plural(count, noun, plural_form) == expected
