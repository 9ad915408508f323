"""Who is acting: the refusals for a person the bot does not know, or who lacks a role.

An erased account (``/deleteme``) counts as unknown: it keeps no name and no roles, and nothing
may be read or written in its name.
"""

from __future__ import annotations

from coaching.errors import NotAllowed, NotFound

NOT_REGISTERED = "I don't know you yet. Send /start first."


class NotRegistered(NotFound):
    """No account for this Telegram id."""

    def __init__(self, telegram_id: int, message: str = NOT_REGISTERED) -> None:
        super().__init__(message)
        self.telegram_id = telegram_id


class Erased(NotRegistered):
    """The account was erased; to the bot it is as unknown as one that never existed."""


class NotATrainer(NotAllowed):
    """The acting person has an account but is not registered as a trainer. ``refusal`` is the
    sentence for the feature they tried (each says what the feature is for)."""

    def __init__(self, telegram_id: int, refusal: str) -> None:
        super().__init__(refusal)
        self.telegram_id = telegram_id


__all__ = ["NOT_REGISTERED", "Erased", "NotATrainer", "NotRegistered"]
