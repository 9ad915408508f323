"""Live logging's errors, each carrying the values its message needs, and its limits."""

from __future__ import annotations

from coaching.errors import Conflict, InvalidInput, NotFound

NOT_YOUR_SESSION = "I can't find that session among yours."
FINISHED = "This session is finished."
UNKNOWN_USER = "I don't know you yet. Send /start first."
NO_SET_YET = "Log a set first."
UNPLANNED_TITLE = "Unplanned session"
MOVED = "This session has been moved to a new time: start it from /log at its new time."
OWN_TITLE = "My workout"
MAX_NOTE = 1000
MAX_REASON = 500
OPS_KEPT = 30
SEARCH_LIMIT = 5
MENU_PENDING_MAX = 100  # clients not joined yet that /log lists, besides the active ones


class SessionFinished(Conflict):
    """The live session is over (finished, closed or abandoned): nothing more goes into it."""

    def __init__(self, record_id: int) -> None:
        super().__init__(FINISHED)
        self.record_id = record_id


class SessionNotYours(NotFound):
    """The session is not among the acting user's (or does not exist: the same answer)."""

    def __init__(self, session_id: int | None = None) -> None:
        super().__init__(NOT_YOUR_SESSION)
        self.session_id = session_id


class SessionMoved(Conflict):
    """The planned session was moved to a new time: it is started from there, not here."""

    def __init__(self, coaching_session_id: int) -> None:
        super().__init__(MOVED)
        self.coaching_session_id = coaching_session_id


class NoSetYet(Conflict):
    """Something needs a set logged first (an RPE for the last set, undo, ...)."""

    def __init__(self) -> None:
        super().__init__(NO_SET_YET)


class ReasonNeeded(InvalidInput):
    """A swap in a program session needs a reason (it is recorded for the program)."""

    def __init__(self, original: str, replacement: str) -> None:
        super().__init__(
            f"Why swap {original} for {replacement}? The reason is kept with the program.",
            example="Knee pain on deep squats",
        )
        self.original = original
        self.replacement = replacement
