"""Typed callback data: a flow's buttons as an action plus whole-number ids, never split by hand.

A :class:`ButtonCodec` has a short prefix and an enum of actions. ``encode`` builds
``<prefix>:<action>[:<id>...][:<word>]`` and refuses anything longer than Telegram's 64 bytes;
``decode`` gives the action, ids and word back, or ``None`` for data that is not one of this
codec's buttons (a forged or out-of-date press), so a handler never guesses.

A word is for the few buttons that carry a name rather than a row id (a time zone, a field's
key): a letter, then letters, digits and ``_ + - . /``; always last. Only a codec made with
``words=True`` writes or reads one; any other codec refuses data with a word in it.

A prefix may itself hold a colon (``cl:ls``) when one action of a flow carries a word before
its ids: that action gets a codec of its own whose "actions" are the words. ``owns`` says
whether data carries this codec's prefix at all, so a catch-all (a role gate, a stale-button
answer) can recognise a flow's buttons without splitting them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

MAX_CALLBACK_BYTES = 64
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_+./-]{0,47}")

A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Press(Generic[A]):
    """A decoded button press."""

    action: A
    ids: tuple[int, ...] = ()
    word: str | None = None

    def id(self, index: int = 0) -> int | None:
        return self.ids[index] if index < len(self.ids) else None


class Shape(Enum):
    """What a button carries after its action: nothing, one id, or one word. A flow's dispatch
    table says which each action takes, so data of another shape is out of date."""

    NOTHING = "nothing"
    ID = "id"
    WORD = "word"

    def fits(self, press: Press[Any]) -> bool:
        if self is Shape.ID:
            return len(press.ids) == 1 and press.word is None
        return not press.ids and (press.word is None) is (self is Shape.NOTHING)


@dataclass(frozen=True, slots=True)
class ButtonCodec(Generic[A]):
    prefix: str
    actions: type[A]
    bare: A | None = None
    """The action of data that names none (``pg:12``, from before the flow had a second
    button): it is encoded without its name, and data with no action's name decodes to it."""
    words: bool = False

    def encode(self, action: A, *ids: int, word: str | None = None) -> str:
        if any(i < 0 for i in ids):
            raise ValueError("button ids are never negative")
        tail = [str(i) for i in ids]
        if word is not None:
            if not self.words or not is_word(word):
                raise ValueError(f"not a button word: {word!r}")
            tail.append(word)
        if action is self.bare and not tail:
            raise ValueError("a bare action's button carries an id or a word")
        name = [] if action is self.bare else [action.value]
        data = ":".join([self.prefix, *name, *tail])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def owns(self, data: str | None) -> bool:
        """Whether ``data`` starts with this codec's prefix (a button of this flow, maybe stale)."""
        return (data or "").startswith(f"{self.prefix}:")

    def decode(self, data: str | None) -> Press[A] | None:
        if not self.owns(data):
            return None
        parts = (data or "")[len(self.prefix) + 1 :].split(":")
        try:
            action, tail = self.actions(parts[0]), parts[1:]
        except ValueError:
            if self.bare is None:
                return None
            action, tail = self.bare, parts
        word = tail.pop() if self.words and tail and is_word(tail[-1]) else None
        if not all(_is_id(part) for part in tail):
            return None
        return Press(action, tuple(int(part) for part in tail), word)

    def exactly(self, action: A) -> str:
        """A regex for exactly ``<prefix>:<action>``: a button that carries nothing more."""
        return rf"^{re.escape(self.prefix)}:{re.escape(action.value)}$"

    def pattern(self, *actions: A) -> str:
        """A regex for ``CallbackQueryHandler``: these actions (all when none are given)."""
        chosen = actions or tuple(self.actions)
        names = "|".join(re.escape(a.value) for a in chosen)
        named = rf"(?::(?:{names}))?" if self.bare in chosen else rf":(?:{names})"
        word = r"(?::[A-Za-z][A-Za-z0-9_+./-]*)?" if self.words else ""
        return rf"^{re.escape(self.prefix)}{named}(?::\d+)*{word}$"


def owning_prefix(data: str | None, prefixes: Iterable[str]) -> str | None:
    """The longest of ``prefixes`` that ``data`` carries (``cl`` for ``cl:card:3``), or None:
    for a catch-all that knows flows by their prefix rather than by their codecs."""
    owned = [p for p in prefixes if (data or "").startswith(f"{p}:")]
    return max(owned, key=len) if owned else None


MAX_ID_DIGITS = 18
"""Ids longer than this are not ours (every id fits a 64-bit column): such data is forged."""


def _is_id(part: str) -> bool:
    return part.isdigit() and part.isascii() and len(part) <= MAX_ID_DIGITS


def is_word(part: str) -> bool:
    """Whether ``part`` may be a button's word (see the module's docstring)."""
    return bool(_WORD.fullmatch(part))
