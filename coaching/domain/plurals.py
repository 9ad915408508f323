"""Counting things in sentences: ``1 set``, ``2 sets``, ``1 entry``, ``3 entries``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the form that fits it: ``1 set``, ``0 sets``, ``12 sets``.

    ``plural_form`` is for nouns that don't just add an "s" (``plural(3, "entry", "entries")``).
    """
    noun = singular if abs(count) == 1 else (plural_form or f"{singular}s")
    return f"{count} {noun}"
