"""The digest of held messages, and the short-notice rule of session reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coaching.domain.enums import ReminderKind
from coaching.domain.notices import DIGEST_LIMIT, HeldEntry, digest_text, plain_text
from coaching.domain.reminders import ReminderPrefs, plan_session_reminders, short_notice_due

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("html_text", "expected"),
    [
        ("<b>Tom</b> booked you", "Tom booked you"),
        ("💬 <b>Alice</b> on <b>Lower A</b>: RPE 8/10", "💬 Alice on Lower A: RPE 8/10"),
        ("a &lt;b&gt; &amp; c", "a &lt;b&gt; &amp; c"),
        ("line one\n\nline   two", "line one line two"),
        ("x" * 300, "x" * 279 + "…"),
    ],
)
def test_plain_text(html_text: str, expected: str) -> None:
    assert plain_text(html_text) == expected


def test_one_message_has_its_own_header() -> None:
    text = digest_text([HeldEntry("23:00", "<b>Hi</b>")])
    assert text.startswith("🌅 <b>While your quiet hours were on</b>, this message came in:")
    assert text.endswith("<b>1.</b> <i>23:00</i> · Hi")


def test_what_does_not_fit_is_counted() -> None:
    entries = [HeldEntry("23:00", "y" * 500) for _ in range(400)]
    text = digest_text(entries)
    assert len(text) <= DIGEST_LIMIT
    shown = text.count("\n\n<b>")
    assert text.endswith(f"…and {400 - shown} more, not shown here.")


def test_a_digest_needs_a_message() -> None:
    with pytest.raises(ValueError, match="at least one"):
        digest_text([])


@given(st.lists(st.text(max_size=600), min_size=1, max_size=80))
def test_every_digest_fits(texts: list[str]) -> None:
    text = digest_text([HeldEntry("Monday 23 Nov 23:00", t) for t in texts])
    assert len(text) <= DIGEST_LIMIT


@pytest.mark.parametrize(
    ("minutes_ahead", "reminded_at_once"),
    [(40, True), (16, True), (15, False), (5, False), (90, False)],
)
def test_short_notice(minutes_ahead: int, reminded_at_once: bool) -> None:
    start = NOW + timedelta(minutes=minutes_ahead)
    planned = plan_session_reminders(1, start, ReminderPrefs("UTC", None, 60))
    [lead] = [p for p in planned if p.kind is ReminderKind.BEFORE_SESSION]
    due = short_notice_due(lead, start, NOW)
    assert (due == NOW) is reminded_at_once
    if minutes_ahead == 90:
        assert due is None, "the lead moment is still ahead: the ordinary reminder does"


def test_the_evening_note_is_never_sent_late() -> None:
    start = NOW + timedelta(minutes=40)
    evening = plan_session_reminders(1, start + timedelta(days=1), ReminderPrefs("UTC"))[0]
    assert evening.kind is ReminderKind.EVENING_BEFORE
    assert short_notice_due(evening, start, NOW + timedelta(days=1)) is None
