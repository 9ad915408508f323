"""Live logging: start a session, log sets turn by turn, finish it with a summary.

The session record (``session_records``, ``is_live`` while logging) is the whole state: its
exercise records and set records are written as sets arrive, and every turn is rebuilt from
them, so a restarted bot carries on at the next set. Each use case opens one unit of work,
authorises the acting user against the record, changes what it must and commits once before
the chat answers.

Who may log into a session: the client themselves, or the client's trainer while the client
lets them change and log workouts (``trainer_access(..., Permission.MODIFY_WORKOUTS)``). Anyone
else is told the session does not exist among theirs, whether it exists or not.

Idempotency: each set row carries ``source_key`` (``u<update_id>:<n>``), unique in the table,
and every other change remembers the update that made it (``session_metadata["ops"]``), so an
update delivered twice changes nothing twice.

Logging a set is the hot path (a trainer does it every minute or two, phone in hand). It reads
the user, the record, its profile, exercises, targets and sets as plain rows in one query
(:meth:`LiveRepository.read_live`), authorises, inserts the set rows, and builds the next turn
from the rows it read plus the ones it wrote, without reading the session again.

The use cases live in parts, one module each, over :class:`LivePart` (``common``: loading,
authorising and the one view builder): ``start``, ``log``, ``edit``, ``search`` (search, add
and swap), ``finish`` (and closing sessions left open) and ``ratings``. :class:`Live` holds one
of each for the chat; ``errors`` and ``views`` hold the typed errors and the results.
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching.services.base import ServiceContext
from coaching.services.live.common import LivePart
from coaching.services.live.edit import EditPart
from coaching.services.live.errors import (
    FINISHED,
    MAX_NOTE,
    MAX_REASON,
    MENU_PENDING_MAX,
    MOVED,
    NO_SET_YET,
    NOT_YOUR_SESSION,
    OPS_KEPT,
    OWN_TITLE,
    SEARCH_LIMIT,
    UNKNOWN_USER,
    UNPLANNED_TITLE,
    NoSetYet,
    ReasonNeeded,
    SessionFinished,
    SessionMoved,
    SessionNotYours,
)
from coaching.services.live.finish import FinishPart
from coaching.services.live.log import LogPart
from coaching.services.live.ratings import RatingsPart
from coaching.services.live.search import SearchPart
from coaching.services.live.start import StartPart
from coaching.services.live.views import (
    Abandoned,
    ClientChoice,
    ClientOptions,
    ExerciseChoice,
    FeedbackResult,
    FinishResult,
    LogResult,
    NamedResult,
    PlannedChoice,
    Recipient,
    RestTimer,
    StartMenu,
    StartResult,
    TurnView,
    rest_timer_key,
)


@dataclass(frozen=True, slots=True)
class Live:
    """The parts of live logging over one service context: ``card`` reads a turn and keeps
    the chat's live card, and each other part holds its use cases (see its module)."""

    card: LivePart
    start: StartPart
    log: LogPart
    edit: EditPart
    search: SearchPart
    finish: FinishPart
    ratings: RatingsPart

    @classmethod
    def of(cls, ctx: ServiceContext) -> Live:
        return cls(
            card=LivePart(ctx),
            start=StartPart(ctx),
            log=LogPart(ctx),
            edit=EditPart(ctx),
            search=SearchPart(ctx),
            finish=FinishPart(ctx),
            ratings=RatingsPart(ctx),
        )


__all__ = [
    "FINISHED",
    "MAX_NOTE",
    "MAX_REASON",
    "MENU_PENDING_MAX",
    "MOVED",
    "NOT_YOUR_SESSION",
    "NO_SET_YET",
    "OPS_KEPT",
    "OWN_TITLE",
    "SEARCH_LIMIT",
    "UNKNOWN_USER",
    "UNPLANNED_TITLE",
    "Abandoned",
    "ClientChoice",
    "ClientOptions",
    "EditPart",
    "ExerciseChoice",
    "FeedbackResult",
    "FinishPart",
    "FinishResult",
    "Live",
    "LivePart",
    "LogPart",
    "LogResult",
    "NamedResult",
    "NoSetYet",
    "PlannedChoice",
    "RatingsPart",
    "ReasonNeeded",
    "Recipient",
    "RestTimer",
    "SearchPart",
    "SessionFinished",
    "SessionMoved",
    "SessionNotYours",
    "StartMenu",
    "StartPart",
    "StartResult",
    "TurnView",
    "rest_timer_key",
]
