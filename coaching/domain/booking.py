"""Reading a booking typed in one message: ``Zed tomorrow 18:00 assessment``.

The message names a client (first name, surname, the start of the full name, or all of it),
a time, and optionally a session type, in any order as long as the client comes first or last
(``tomorrow 18:00 assessment with Zed`` works too). The time itself is read by
:func:`coaching.domain.when.parse_when` elsewhere; this module only splits the words.

Nothing here guesses silently: no client named, several clients named alike, or no time left
over are each an outcome the chat answers in its own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coaching.domain.enums import SessionType
from coaching.errors import InvalidInput

EXAMPLE = "Zed tomorrow 18:00 assessment"
MAX_NAME_WORDS = 5

# Longer phrases first, so "goal setting" is not read as "goal" plus "setting".
TYPE_WORDS: tuple[tuple[str, SessionType], ...] = (
    ("goal setting", SessionType.GOAL_SETTING),
    ("goal-setting", SessionType.GOAL_SETTING),
    ("progress review", SessionType.REVIEW),
    ("nutrition consult", SessionType.NUTRITION),
    ("training session", SessionType.TRAINING),
    ("recovery session", SessionType.RECOVERY),
    ("assessment", SessionType.ASSESSMENT),
    ("training", SessionType.TRAINING),
    ("workout", SessionType.TRAINING),
    ("review", SessionType.REVIEW),
    ("goals", SessionType.GOAL_SETTING),
    ("nutrition", SessionType.NUTRITION),
    ("recovery", SessionType.RECOVERY),
)
_FILLERS = frozenset({"with", "for", "at", "on", "book", "a", "an"})


class NoClientNamed(InvalidInput):
    """None of the trainer's clients is named at the start or the end of the message."""

    def __init__(self, text: str) -> None:
        super().__init__(f"I couldn't find a client named in '{text}'.", example=EXAMPLE)
        self.text = text


class NoTimeGiven(InvalidInput):
    """A client was named, but nothing is left to read as the time."""

    def __init__(self, client_words: str) -> None:
        super().__init__(f"I found {client_words}, but no time.", example=EXAMPLE)
        self.client_words = client_words


@dataclass(frozen=True, slots=True)
class ClientName:
    profile_id: int
    name: str


@dataclass(frozen=True, slots=True)
class TypedBooking:
    """What a one-message booking names: the clients it may mean, the time words, the type."""

    clients: tuple[ClientName, ...]
    """One client, or several that the same words fit (ask which one)."""
    client_words: str
    when_text: str
    session_type: SessionType | None


def _words(text: str) -> list[str]:
    return text.split()


def _fold(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(word.casefold().strip(",.") for word in words)


def find_type(text: str) -> tuple[SessionType | None, str]:
    """The session type named in ``text`` (as whole words), and the text without it."""
    for phrase, kind in TYPE_WORDS:
        pattern = re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
        if pattern.search(text):
            return kind, " ".join(pattern.sub(" ", text, count=1).split())
    return None, " ".join(text.split())


def _fits(words: tuple[str, ...], name: tuple[str, ...]) -> int:
    """How well typed words name a client: 3 the whole name, 2 its start, 1 one of its words."""
    if not words or not name:
        return 0
    if words == name:
        return 3
    if name[: len(words)] == words:
        return 2
    return 1 if len(words) == 1 and words[0] in name else 0


def _matches(words: tuple[str, ...], clients: Sequence[ClientName]) -> tuple[ClientName, ...]:
    scored = [(_fits(words, _fold(_words(c.name))), c) for c in clients]
    best = max((score for score, _ in scored), default=0)
    if best == 0:
        return ()
    return tuple(client for score, client in scored if score == best)


def _strip_fillers(words: list[str]) -> list[str]:
    while words and words[0].casefold() in _FILLERS:
        words = words[1:]
    while words and words[-1].casefold() in _FILLERS:
        words = words[:-1]
    return words


def read_booking(text: str, clients: Sequence[ClientName]) -> TypedBooking:
    """Split a typed booking into client, time words and type.

    The client is the longest run of words at the start (or else at the end) that names one
    or more of ``clients``. Raises :class:`NoClientNamed` or :class:`NoTimeGiven`.
    """
    session_type, rest = find_type(text)
    words = _strip_fillers(_words(rest))
    limit = min(MAX_NAME_WORDS, len(words))
    for size in range(limit, 0, -1):
        for name_words, others in (
            (words[:size], words[size:]),
            (words[len(words) - size :], words[: len(words) - size]),
        ):
            found = _matches(_fold(name_words), clients)
            if not found:
                continue
            when_words = _strip_fillers(list(others))
            typed_name = " ".join(name_words)
            if not when_words:
                raise NoTimeGiven(typed_name)
            return TypedBooking(found, typed_name, " ".join(when_words), session_type)
    raise NoClientNamed(" ".join(text.split())[:80])


class TimeUnreadable(InvalidInput):
    """The words after the client's name are not a time the trainer can book."""

    def __init__(self, client_words: str, when_text: str, reason: str) -> None:
        super().__init__(
            f"I found {client_words}, but couldn't read the time '{when_text}': {reason}",
            example=EXAMPLE,
        )
        self.client_words = client_words
        self.when_text = when_text
        self.reason = reason
