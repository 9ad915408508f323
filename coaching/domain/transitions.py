"""Lifecycle rules for program assignments, coaching sessions and coaching relationships.

Each status enum has a fixed table of the moves it may make. Services call
:func:`check_transition` before changing a status; an invalid move raises
:class:`InvalidTransition`, whose ``str()`` is a sentence the bot can show as it is, e.g.
"This session is already completed, so it can't be cancelled."

The tables:

* :class:`~coaching.domain.enums.AssignmentStatus`: ASSIGNED → IN_PROGRESS, CANCELLED,
  MODIFIED; IN_PROGRESS → COMPLETED, CANCELLED, MODIFIED; MODIFIED → IN_PROGRESS, COMPLETED,
  CANCELLED, MODIFIED. COMPLETED and CANCELLED are final.
* :class:`~coaching.domain.enums.SessionStatus`: SCHEDULED → IN_PROGRESS, COMPLETED, CANCELLED,
  RESCHEDULED; RESCHEDULED → IN_PROGRESS, COMPLETED, CANCELLED, RESCHEDULED; IN_PROGRESS →
  COMPLETED, CANCELLED. COMPLETED and CANCELLED are final.
* :class:`~coaching.domain.enums.RelationshipStatus`: PENDING → ACTIVE, TERMINATED, EXPIRED;
  ACTIVE → PAUSED, TERMINATED, EXPIRED; PAUSED → ACTIVE, TERMINATED, EXPIRED. TERMINATED and
  EXPIRED are final.

A status moving to itself is only allowed where the table says so (a modified assignment can be
modified again; a rescheduled session can be rescheduled again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from coaching.domain.enums import AssignmentStatus, RelationshipStatus, SessionStatus

__all__ = [
    "InvalidTransition",
    "Status",
    "allowed_targets",
    "check_transition",
    "is_terminal",
]

Status = TypeVar("Status", bound=AssignmentStatus | SessionStatus | RelationshipStatus)
"""Any of the three status enums with a lifecycle."""

_AnyStatus = AssignmentStatus | SessionStatus | RelationshipStatus

_A = AssignmentStatus
_S = SessionStatus
_R = RelationshipStatus

_ASSIGNMENT: Mapping[AssignmentStatus, frozenset[AssignmentStatus]] = {
    _A.ASSIGNED: frozenset({_A.IN_PROGRESS, _A.CANCELLED, _A.MODIFIED}),
    _A.IN_PROGRESS: frozenset({_A.COMPLETED, _A.CANCELLED, _A.MODIFIED}),
    _A.MODIFIED: frozenset({_A.IN_PROGRESS, _A.COMPLETED, _A.CANCELLED, _A.MODIFIED}),
    _A.COMPLETED: frozenset(),
    _A.CANCELLED: frozenset(),
}

_SESSION: Mapping[SessionStatus, frozenset[SessionStatus]] = {
    _S.SCHEDULED: frozenset({_S.IN_PROGRESS, _S.COMPLETED, _S.CANCELLED, _S.RESCHEDULED}),
    _S.RESCHEDULED: frozenset({_S.IN_PROGRESS, _S.COMPLETED, _S.CANCELLED, _S.RESCHEDULED}),
    _S.IN_PROGRESS: frozenset({_S.COMPLETED, _S.CANCELLED}),
    _S.COMPLETED: frozenset(),
    _S.CANCELLED: frozenset(),
}

_RELATIONSHIP: Mapping[RelationshipStatus, frozenset[RelationshipStatus]] = {
    _R.PENDING: frozenset({_R.ACTIVE, _R.TERMINATED, _R.EXPIRED}),
    _R.ACTIVE: frozenset({_R.PAUSED, _R.TERMINATED, _R.EXPIRED}),
    _R.PAUSED: frozenset({_R.ACTIVE, _R.TERMINATED, _R.EXPIRED}),
    _R.TERMINATED: frozenset(),
    _R.EXPIRED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class _Wording:
    """How one status reads in a sentence about the thing that has it."""

    state: str
    """Completes "This session …", e.g. "is already completed"."""
    adjective: str
    """Completes "This session is already …", e.g. "completed"."""
    action: str
    """Completes "… so it can't …", e.g. "be cancelled"."""


_ASSIGNMENT_WORDING: Mapping[AssignmentStatus, _Wording] = {
    _A.ASSIGNED: _Wording("hasn't started yet", "assigned", "go back to not started"),
    _A.IN_PROGRESS: _Wording("is in progress", "in progress", "be started"),
    _A.COMPLETED: _Wording("is already completed", "completed", "be completed"),
    _A.CANCELLED: _Wording("is already cancelled", "cancelled", "be cancelled"),
    _A.MODIFIED: _Wording("has been modified", "modified", "be modified"),
}

_SESSION_WORDING: Mapping[SessionStatus, _Wording] = {
    _S.SCHEDULED: _Wording("is scheduled", "scheduled", "go back to scheduled"),
    _S.IN_PROGRESS: _Wording("is in progress", "in progress", "be started"),
    _S.COMPLETED: _Wording("is already completed", "completed", "be completed"),
    _S.CANCELLED: _Wording("is already cancelled", "cancelled", "be cancelled"),
    _S.RESCHEDULED: _Wording("has been rescheduled", "rescheduled", "be rescheduled"),
}

_RELATIONSHIP_WORDING: Mapping[RelationshipStatus, _Wording] = {
    _R.PENDING: _Wording("is still pending", "pending", "go back to pending"),
    _R.ACTIVE: _Wording("is active", "active", "be reactivated"),
    _R.PAUSED: _Wording("is paused", "paused", "be paused"),
    _R.TERMINATED: _Wording("has already ended", "ended", "be ended"),
    _R.EXPIRED: _Wording("has already expired", "expired", "expire"),
}


@dataclass(frozen=True, slots=True)
class _Lifecycle:
    """Everything known about one status enum.

    The enums are ``StrEnum``s, so members of different enums with the same name compare equal
    (``SessionStatus.COMPLETED == AssignmentStatus.COMPLETED``). Keeping one lifecycle per enum,
    looked up by the member's exact type, stops them from ever being confused.
    """

    noun: str
    transitions: Mapping[Any, frozenset[Any]]
    wording: Mapping[Any, _Wording]


_LIFECYCLES: Mapping[type[_AnyStatus], _Lifecycle] = {
    AssignmentStatus: _Lifecycle("program", _ASSIGNMENT, _ASSIGNMENT_WORDING),
    SessionStatus: _Lifecycle("session", _SESSION, _SESSION_WORDING),
    RelationshipStatus: _Lifecycle("coaching relationship", _RELATIONSHIP, _RELATIONSHIP_WORDING),
}


def _lifecycle(status: _AnyStatus) -> _Lifecycle:
    """The lifecycle of ``status``'s enum."""
    return _LIFECYCLES[type(status)]


def _sentence(current: _AnyStatus, target: _AnyStatus) -> str:
    """The user-facing sentence for the refused move ``current`` → ``target``."""
    lifecycle = _lifecycle(current)
    now, then = lifecycle.wording[current], lifecycle.wording[target]
    if current == target:
        return f"This {lifecycle.noun} is already {now.adjective}."
    return f"This {lifecycle.noun} {now.state}, so it can't {then.action}."


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow.

    ``str()`` is a complete sentence for the user, such as "This session is already completed,
    so it can't be cancelled." ``current`` and ``target`` hold the refused move.
    """

    def __init__(self, current: _AnyStatus, target: _AnyStatus) -> None:
        super().__init__(_sentence(current, target))
        self.current = current
        self.target = target


def allowed_targets(current: Status) -> frozenset[Status]:
    """Every status ``current`` may move to (empty for a final status)."""
    targets: frozenset[Status] = _lifecycle(current).transitions[current]
    return targets


def is_terminal(status: Status) -> bool:
    """True if ``status`` is final: nothing can follow it."""
    return not allowed_targets(status)


def check_transition(current: Status, target: Status) -> None:
    """Allow the move from ``current`` to ``target``, or raise :class:`InvalidTransition`.

    Raises:
        InvalidTransition: the lifecycle does not allow the move.
        TypeError: the two statuses belong to different enums (a programming error).
    """
    if type(current) is not type(target):
        raise TypeError(
            f"cannot move a {type(current).__name__} to a {type(target).__name__}: {target!r}"
        )
    if target not in allowed_targets(current):
        raise InvalidTransition(current, target)
