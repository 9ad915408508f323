"""Messages held for someone's quiet hours, and the one digest that delivers several of them.

Pure text work: the held messages come in as Telegram HTML, and the digest goes out as Telegram
HTML that fits one message however many were held. Each entry is reduced to plain text (a
digest line has no room for formatting) and cut to a line's worth, so the digest can never
break a tag; what does not fit is counted, not dropped silently.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DIGEST_LIMIT", "ENTRY_LIMIT", "HeldEntry", "digest_text", "plain_text"]

DIGEST_LIMIT = 4000
"""Characters of digest text, below Telegram's 4,096 with room to spare."""

ENTRY_LIMIT = 280
"""Characters of one held message shown in the digest."""

_TAG = re.compile(r"<[^>]*>")

HEADER_ONE = "🌅 <b>While your quiet hours were on</b>, this message came in:"
HEADER = "🌅 <b>While your quiet hours were on</b>, {count} messages came in:"
ENTRY = "\n\n<b>{number}.</b> <i>{at}</i> · {text}"
MORE = "\n\n…and {count} more, not shown here."


@dataclass(frozen=True, slots=True)
class HeldEntry:
    """One held message: when it was written (already a local ``HH:MM`` or day label) and its
    HTML text."""

    at: str
    html_text: str


def plain_text(html_text: str, limit: int = ENTRY_LIMIT) -> str:
    """The text of a Telegram HTML message on one line, cut to ``limit`` characters, escaped."""
    flat = " ".join(html.unescape(_TAG.sub("", html_text)).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return html.escape(flat, quote=False)


def digest_text(entries: Sequence[HeldEntry], limit: int = DIGEST_LIMIT) -> str:
    """One message that lists the held messages in order and fits ``limit`` characters.

    Entries that do not fit are counted in a last line ("…and 240 more").
    """
    if not entries:
        raise ValueError("a digest needs at least one held message")
    text = HEADER_ONE if len(entries) == 1 else HEADER.format(count=len(entries))
    reserve = len(MORE.format(count=len(entries)))
    for index, entry in enumerate(entries):
        line = ENTRY.format(
            number=index + 1, at=html.escape(entry.at), text=plain_text(entry.html_text)
        )
        rest = len(entries) - index - 1
        if len(text) + len(line) + (reserve if rest else 0) > limit:
            return text + MORE.format(count=len(entries) - index)
        text += line
    return text
