"""Pure rules of single workouts and of one day's changed workout."""

from __future__ import annotations

import re
from enum import StrEnum

from coaching.errors import InvalidInput

TITLE_MAX = 120


class ChangeKind(StrEnum):
    """What a trainer changed in one day's workout."""

    TARGETS = "targets"
    SWAP = "swap"
    ADD = "add"
    REMOVE = "remove"


def split_title(text: str) -> tuple[str | None, str]:
    """A typed workout: an optional first line naming it, then one exercise a line.

    The first line is the name when it holds no digit (every exercise line has its sets), and
    other lines follow it: ``Leg day`` over ``Back squat 3x5 @100kg``. A name needs a letter;
    blank or invisible text is not one.

    Raises:
        InvalidInput: the name line has no letter.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or re.search(r"\d", lines[0]):
        return None, "\n".join(lines)
    title = " ".join(lines[0].split())
    if re.search(r"[^\W\d_]", title) is None:
        raise InvalidInput("The first line names the workout and needs letters.", example="Leg day")
    return title[:TITLE_MAX], "\n".join(lines[1:])


REASON_MAX = 200
REASON_EXAMPLE = "knee sore after Tuesday, lighter today"


class ReasonUnclear(InvalidInput):
    """A day change's reason that is blank, invisible or too long (``length`` characters)."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.limit = REASON_MAX
        if length == 0:
            message = "A reason needs words. Type it, or tap ⏭ No reason."
        else:
            message = f"Please keep the reason under {REASON_MAX} characters (this is {length})."
        super().__init__(message, example=REASON_EXAMPLE)


def clean_reason(text: str) -> str:
    """Why a day changes, as typed, on one line.

    Raises:
        ReasonUnclear: nothing visible, or more than :data:`REASON_MAX` characters.
    """
    reason = " ".join(text.split())
    if not re.search(r"[^\W_]", reason):
        raise ReasonUnclear(0)
    if len(reason) > REASON_MAX:
        raise ReasonUnclear(len(reason))
    return reason


def change_line(summary: str, reason: str | None) -> str:
    """One change to a day as people read it: ``Back squat: 3×5 → 3×3 (why: knee sore)``."""
    return f"{summary} (why: {reason})" if reason else summary
