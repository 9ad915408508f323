"""What live logging hands the chat: the turn's view and each use case's result.

They carry values (numbers, names, enums, dates, sets), never text: the wording of the card,
the menus and the summaries is the chat's (``conversations.log``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from coaching.domain.enums import (
    SetType,
    Units,
)
from coaching.domain.live import (
    LastTime,
    SummaryData,
    Target,
)
from coaching.domain.sets import SetEntry

# --------------------------------------------------------------------------- DTOs


@dataclass(frozen=True, slots=True)
class PlannedChoice:
    """A session planned for today that can be logged."""

    coaching_session_id: int
    title: str
    starts_at: time
    """Its start on the viewer's clock."""
    client_name: str
    trainer_name: str
    in_progress: bool


@dataclass(frozen=True, slots=True)
class ClientChoice:
    """A client /log offers a trainer; ``joined`` is false for a profile whose client has not
    linked an account (the trainer coaches them on their own record)."""

    profile_id: int
    name: str
    planned_today: bool
    live: bool
    joined: bool = True


@dataclass(frozen=True, slots=True)
class StartMenu:
    """What /log offers: a trainer's clients, and a client's own options."""

    is_trainer: bool
    is_client: bool
    clients: tuple[ClientChoice, ...]
    planned: tuple[PlannedChoice, ...]
    live_record_id: int | None


@dataclass(frozen=True, slots=True)
class ClientOptions:
    profile_id: int
    name: str
    planned: tuple[PlannedChoice, ...]
    live_record_id: int | None


@dataclass(frozen=True, slots=True)
class TurnView:
    """One turn of a live session, as the viewer sees it (weights in their unit)."""

    record_id: int
    title: str
    client_name: str
    is_live: bool
    exercise_name: str | None
    position: int
    count: int
    set_number: int
    target_sets: int | None
    target: Target | None
    target_met: bool
    has_plan: bool
    upcoming: str | None
    last_time: LastTime | None
    history_locked: bool
    today: tuple[SetEntry, ...]
    """The sets of the current exercise so far (those read back are :class:`LiveSet`)."""
    total_sets: int
    rest_s: int | None
    timer_on: bool
    next_type: SetType | None
    units: Units
    message_id: int | None
    viewer_is_client: bool
    exercise_id: int | None = None
    step_unit: Units = Units.KG
    """The unit the ± buttons step in: the last set's as typed, else the viewer's."""


@dataclass(frozen=True, slots=True)
class StartResult:
    turn: TurnView
    resumed: bool


@dataclass(frozen=True, slots=True)
class ExerciseChoice:
    exercise_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LogResult:
    """What a logged message did: the new turn, the sets stored, and the rest to count.

    ``duplicate`` is true when the same update had already been logged (nothing was stored).
    ``choices`` is set instead when there was no exercise yet and the text was taken as one.
    """

    turn: TurnView
    logged: tuple[SetEntry, ...] = ()
    duplicate: bool = False
    rest_s: int | None = None
    choices: tuple[ExerciseChoice, ...] | None = None


def rest_timer_key(record_id: int) -> str:
    """The rest timer's key among delayed messages: one timer per live session."""
    return f"lg-rest:{record_id}"


@dataclass(frozen=True, slots=True)
class RestTimer:
    """Where a logged set's rest timer says "rest over", and in what words.

    ``message`` turns the next turn into the text (``None``: nothing to announce, so no
    timer); the wording stays with the chat. The timer is written in the set's own
    transaction, so it is committed with the set, before the reply.
    """

    chat_id: int
    message: Callable[[TurnView], str | None]


@dataclass(frozen=True, slots=True)
class NamedResult:
    """What an exercise's name typed mid-session did.

    ``added`` or ``switched`` when one exercise matched exactly (it was added at the end, or
    the session moved to it); otherwise ``choices`` holds the matches to confirm (empty when
    nothing matched) and nothing changed.
    """

    turn: TurnView
    added: bool = False
    switched: bool = False
    choices: tuple[ExerciseChoice, ...] = ()


@dataclass(frozen=True, slots=True)
class Recipient:
    telegram_id: int
    units: Units
    timezone: str
    message_id: int | None


@dataclass(frozen=True, slots=True)
class FinishResult:
    """A finished session: the summary per audience and who gets it.

    ``trainer_summary`` is built only from what the client shares with the trainer
    (``trainer_sees_history`` / ``trainer_sees_progress``). ``discarded`` is true when nothing
    had been logged, so the session was closed without a summary.
    """

    record_id: int
    title: str
    client_name: str
    discarded: bool
    actor_is_client: bool
    client_summary: SummaryData | None
    trainer_summary: SummaryData | None
    trainer_sees_history: bool
    trainer_sees_progress: bool
    client: Recipient | None
    trainer: Recipient | None
    ask_feedback: bool


@dataclass(frozen=True, slots=True)
class Abandoned:
    record_id: int
    title: str
    client_name: str
    sets: int
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    rpe: int
    client_name: str
    title: str
    trainer: Recipient | None
