"""Short how-tos for every built-in exercise, keyed by the catalogue's stable slug.

Each how-to holds the setup, two or three cues and the common mistakes, written for a client
training alone; the text lives in ``coaching/data/howtos.json`` (package data). The muscles
worked come from the catalogue entry itself (``muscle_groups``), so they are not repeated. A
trainer's own demo and cues are shown alongside, for that trainer's clients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from types import MappingProxyType

from coaching.errors import InvalidInput

__all__ = ["HowTo", "HowToError", "MediaKind", "clean_cues", "howto_for", "load_howtos"]

CUES = (2, 3)
"""How many cues a how-to has, at least and at most."""
TEXT_MAX = 240
"""The longest setup, cue or mistake, in characters."""
CUES_MAX = 800
"""The longest cues a trainer may attach to an exercise (they go in a media caption)."""


class MediaKind(StrEnum):
    """What a trainer's demo is; Telegram sends each with its own method."""

    PHOTO = "photo"
    VIDEO = "video"
    ANIMATION = "animation"


class HowToError(ValueError):
    """The how-to file is malformed; names the exercise and the field."""

    def __init__(self, slug: str, field: str) -> None:
        super().__init__(f"how-to of {slug!r}: bad {field}")
        self.slug = slug
        self.field = field


@dataclass(frozen=True, slots=True)
class HowTo:
    setup: str
    cues: tuple[str, ...]
    mistakes: tuple[str, ...]


def _texts(slug: str, field: str, raw: object, lo: int, hi: int) -> tuple[str, ...]:
    if not isinstance(raw, list) or not lo <= len(raw) <= hi:
        raise HowToError(slug, field)
    items = tuple(raw)
    if not all(isinstance(t, str) and 0 < len(t.strip()) <= TEXT_MAX for t in items):
        raise HowToError(slug, field)
    return items


def parse_howtos(document: object) -> Mapping[str, HowTo]:
    """The how-tos of a parsed ``howtos.json``; raises :class:`HowToError` when malformed."""
    entries = document.get("howtos") if isinstance(document, dict) else None
    if not isinstance(entries, dict):
        raise HowToError("*", "howtos")
    result: dict[str, HowTo] = {}
    for slug, entry in entries.items():
        if not isinstance(entry, dict):
            raise HowToError(slug, "entry")
        setup = entry.get("setup")
        if not isinstance(setup, str) or not 0 < len(setup.strip()) <= TEXT_MAX:
            raise HowToError(slug, "setup")
        result[slug] = HowTo(
            setup=setup,
            cues=_texts(slug, "cues", entry.get("cues"), *CUES),
            mistakes=_texts(slug, "mistakes", entry.get("mistakes"), 1, 3),
        )
    return MappingProxyType(result)


@cache
def load_howtos() -> Mapping[str, HowTo]:
    """Every built-in how-to, read once from the package data."""
    text = files("coaching").joinpath("data/howtos.json").read_text(encoding="utf-8")
    return parse_howtos(json.loads(text))


def howto_for(slug: str | None) -> HowTo | None:
    """The how-to of a built-in exercise; ``None`` for a trainer's own exercise."""
    return load_howtos().get(slug) if slug else None


def clean_cues(text: str) -> str:
    """A trainer's cues as typed: lines kept, spaces tidied, at most :data:`CUES_MAX` characters.

    Raises:
        InvalidInput: blank or invisible text, or too long.
    """
    lines = [" ".join(line.split()) for line in text.splitlines()]
    cues = "\n".join(line for line in lines if line)
    if not re.search(r"[^\W_]", cues):
        raise InvalidInput(
            "Cues need words. Type what your clients should think about.",
            example="Brace before each rep; knees out",
        )
    if len(cues) > CUES_MAX:
        raise InvalidInput(
            f"Please keep the cues under {CUES_MAX} characters (these are {len(cues)}).",
            example="Brace before each rep; knees out",
        )
    return cues
