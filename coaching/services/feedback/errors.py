"""The feedback use cases' errors, each a class carrying what its message needs, their limits,
and the text checks they share."""

from __future__ import annotations

from datetime import timedelta

from coaching.domain.enums import RelationshipStatus, SessionStatus
from coaching.domain.feedback import TEXT_MAX
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound

NOT_YOUR_SESSION = "I can't find that session among yours."
NOT_YOURS = "I can't find that among yours."
UNKNOWN_USER = "I don't know you yet. Send /start first."
TRAINERS_ONLY = "This is for trainers. Send /start to register as a trainer."
ALREADY_LOGGED = "This session is already logged as done, so there is nothing to move."
ALREADY_REVIEWED = "You have already reviewed this session."
ALREADY_RESOLVED = "This alert is already resolved."
RATE_WHEN_FINISHED = "You can rate a session once it is finished."
MEDIA_WHEN_FINISHED = "You can add media once the session is finished."
RECENT_DAYS = 14
REVIEW_DAYS = 60
REASON_MAX = 200
DRAWING_MAX = 1000
PROMPT_EXPIRES = timedelta(days=3)
REVIEW_STATUSES = (RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED)
TEXT_EXAMPLE = "Squats felt heavy, bench was easy"
INJURY_EXAMPLE = "Sharp pain on the outside of the knee when squatting"
CANT_MAKE_IT = "Client can't make it: "
"""``coaching_sessions.status_reason`` of a session with an open request to move it."""
REQUEST_WITHDRAWN = "The client did it after all; their request to move it was withdrawn."
"""``status_reason`` once the client logged it as done after asking to move it."""
STATUS_WORDS = {
    SessionStatus.RESCHEDULED: "has been moved to a new time",
    SessionStatus.CANCELLED: "was cancelled",
    SessionStatus.COMPLETED: "is already done",
    SessionStatus.IN_PROGRESS: "is already under way",
}


class UnknownUser(NotFound):
    """The acting Telegram user has not registered."""

    def __init__(self) -> None:
        super().__init__(UNKNOWN_USER)


class TrainersOnly(NotAllowed):
    """A trainer's use case, asked for by someone who is not a trainer."""

    def __init__(self) -> None:
        super().__init__(TRAINERS_ONLY)


class SessionNotYours(NotFound):
    """The session is not among the acting user's (or does not exist: the same answer)."""

    def __init__(self) -> None:
        super().__init__(NOT_YOUR_SESSION)


class NotYours(NotFound):
    """A media note or an alert that is not among the acting user's."""

    def __init__(self) -> None:
        super().__init__(NOT_YOURS)


class NotFinished(Conflict):
    """The session is not finished yet: there is nothing to rate, or to add media to."""

    def __init__(self, message: str = RATE_WHEN_FINISHED) -> None:
        super().__init__(message)


class AlreadyReviewed(Conflict):
    """The trainer has reviewed this session already."""

    def __init__(self) -> None:
        super().__init__(ALREADY_REVIEWED)


class AlertResolved(Conflict):
    """The alert was resolved already."""

    def __init__(self) -> None:
        super().__init__(ALREADY_RESOLVED)


class AlreadyLogged(Conflict):
    """The client asks to move a session already logged as done."""

    def __init__(self) -> None:
        super().__init__(ALREADY_LOGGED)


class SessionNotOpen(Conflict):
    """The session is no longer scheduled (moved, cancelled, done or under way)."""

    def __init__(self, status: SessionStatus) -> None:
        word = STATUS_WORDS.get(status, "can't be changed")
        super().__init__(f"This session {word}.")
        self.status = status


def request_open(status_reason: str | None) -> bool:
    """Whether a session's ``status_reason`` holds an open "can't make it" request."""
    return bool(status_reason and status_reason.startswith(CANT_MAKE_IT))


def clean_text(text: str, *, limit: int = TEXT_MAX, example: str = TEXT_EXAMPLE) -> str:
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if not cleaned:
        raise InvalidInput("That message is empty. Type a few words, or tap Skip.", example=example)
    if len(cleaned) > limit:
        raise InvalidInput(
            f"That is {len(cleaned)} characters; please keep it under {limit}.", example=example
        )
    return cleaned
