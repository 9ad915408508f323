"""Typed callback data: a flow's buttons as an action plus whole-number ids, never split by hand.

A :class:`ButtonCodec` has a short prefix and an enum of actions. ``encode`` builds
``<prefix>:<action>[:<id>...]`` and refuses anything longer than Telegram's 64 bytes;
``decode`` gives the action and ids back, or ``None`` for data that is not one of this
codec's buttons (a forged or out-of-date press), so a handler never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

MAX_CALLBACK_BYTES = 64

A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class Press(Generic[A]):
    """A decoded button press."""

    action: A
    ids: tuple[int, ...] = ()

    def id(self, index: int = 0) -> int | None:
        return self.ids[index] if index < len(self.ids) else None


@dataclass(frozen=True, slots=True)
class ButtonCodec(Generic[A]):
    prefix: str
    actions: type[A]

    def encode(self, action: A, *ids: int) -> str:
        if any(i < 0 for i in ids):
            raise ValueError("button ids are never negative")
        data = ":".join([self.prefix, action.value, *(str(i) for i in ids)])
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: str | None) -> Press[A] | None:
        parts = (data or "").split(":")
        if len(parts) < 2 or parts[0] != self.prefix:
            return None
        try:
            action = self.actions(parts[1])
        except ValueError:
            return None
        if not all(part.isdigit() and part.isascii() for part in parts[2:]):
            return None
        return Press(action, tuple(int(part) for part in parts[2:]))

    def pattern(self, *actions: A) -> str:
        """A regex for ``CallbackQueryHandler``: these actions (all when none are given)."""
        chosen = actions or tuple(self.actions)
        names = "|".join(re.escape(a.value) for a in chosen)
        return rf"^{re.escape(self.prefix)}:(?:{names})(?::\d+)*$"
