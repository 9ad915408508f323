"""Exhaustive tests of the status lifecycles."""

from __future__ import annotations

from itertools import product

import pytest

from coaching.domain.enums import AssignmentStatus, RelationshipStatus, SessionStatus
from coaching.domain.transitions import (
    InvalidTransition,
    allowed_targets,
    check_transition,
    is_terminal,
)

AnyStatus = AssignmentStatus | SessionStatus | RelationshipStatus

# The lifecycles as the product defines them, written out independently of the module.
ALLOWED: dict[type[AnyStatus], dict[str, set[str]]] = {
    AssignmentStatus: {
        "ASSIGNED": {"IN_PROGRESS", "CANCELLED", "MODIFIED"},
        "IN_PROGRESS": {"COMPLETED", "CANCELLED", "MODIFIED"},
        "MODIFIED": {"IN_PROGRESS", "COMPLETED", "CANCELLED", "MODIFIED"},
        "COMPLETED": set(),
        "CANCELLED": set(),
    },
    SessionStatus: {
        "SCHEDULED": {"IN_PROGRESS", "COMPLETED", "CANCELLED", "RESCHEDULED"},
        "RESCHEDULED": {"IN_PROGRESS", "COMPLETED", "CANCELLED", "RESCHEDULED"},
        "IN_PROGRESS": {"COMPLETED", "CANCELLED"},
        "COMPLETED": set(),
        "CANCELLED": set(),
    },
    RelationshipStatus: {
        "PENDING": {"ACTIVE", "TERMINATED", "EXPIRED"},
        "ACTIVE": {"PAUSED", "TERMINATED", "EXPIRED"},
        "PAUSED": {"ACTIVE", "TERMINATED", "EXPIRED"},
        "TERMINATED": set(),
        "EXPIRED": set(),
    },
}

ALL_PAIRS = [
    pytest.param(current, target, id=f"{enum.__name__}:{current.value}->{target.value}")
    for enum in (AssignmentStatus, SessionStatus, RelationshipStatus)
    for current, target in product(list(enum), repeat=2)
]


def test_the_table_covers_every_member() -> None:
    for enum, table in ALLOWED.items():
        assert set(table) == {member.value for member in enum}


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_pair_is_allowed_or_refused_as_specified(
    current: AnyStatus, target: AnyStatus
) -> None:
    expected = target.value in ALLOWED[type(current)][current.value]
    if expected:
        check_transition(current, target)
        assert target in allowed_targets(current)
    else:
        with pytest.raises(InvalidTransition) as info:
            check_transition(current, target)
        assert target not in allowed_targets(current)
        assert (info.value.current, info.value.target) == (current, target)
        message = str(info.value)
        assert message.startswith("This ")
        assert message.endswith(".")
        assert "_" not in message  # no raw enum names reach the user


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_allowed_targets_stay_within_their_own_enum(current: AnyStatus, target: AnyStatus) -> None:
    assert all(type(t) is type(current) for t in allowed_targets(current))


@pytest.mark.parametrize(
    ("status", "terminal"),
    [
        (SessionStatus.COMPLETED, True),
        (SessionStatus.CANCELLED, True),
        (SessionStatus.SCHEDULED, False),
        (SessionStatus.RESCHEDULED, False),
        (SessionStatus.IN_PROGRESS, False),
        (AssignmentStatus.COMPLETED, True),
        (AssignmentStatus.CANCELLED, True),
        (AssignmentStatus.MODIFIED, False),
        (RelationshipStatus.TERMINATED, True),
        (RelationshipStatus.EXPIRED, True),
        (RelationshipStatus.PAUSED, False),
        (RelationshipStatus.PENDING, False),
    ],
)
def test_terminal_statuses(status: AnyStatus, terminal: bool) -> None:
    assert is_terminal(status) is terminal


@pytest.mark.parametrize(
    ("current", "target", "sentence"),
    [
        (
            SessionStatus.COMPLETED,
            SessionStatus.CANCELLED,
            "This session is already completed, so it can't be cancelled.",
        ),
        (
            SessionStatus.CANCELLED,
            SessionStatus.IN_PROGRESS,
            "This session is already cancelled, so it can't be started.",
        ),
        (
            SessionStatus.IN_PROGRESS,
            SessionStatus.RESCHEDULED,
            "This session is in progress, so it can't be rescheduled.",
        ),
        (SessionStatus.SCHEDULED, SessionStatus.SCHEDULED, "This session is already scheduled."),
        (
            AssignmentStatus.ASSIGNED,
            AssignmentStatus.COMPLETED,
            "This program hasn't started yet, so it can't be completed.",
        ),
        (
            AssignmentStatus.COMPLETED,
            AssignmentStatus.MODIFIED,
            "This program is already completed, so it can't be modified.",
        ),
        (
            AssignmentStatus.IN_PROGRESS,
            AssignmentStatus.IN_PROGRESS,
            "This program is already in progress.",
        ),
        (
            RelationshipStatus.TERMINATED,
            RelationshipStatus.ACTIVE,
            "This coaching relationship has already ended, so it can't be reactivated.",
        ),
        (
            RelationshipStatus.PENDING,
            RelationshipStatus.PAUSED,
            "This coaching relationship is still pending, so it can't be paused.",
        ),
        (
            RelationshipStatus.ACTIVE,
            RelationshipStatus.ACTIVE,
            "This coaching relationship is already active.",
        ),
    ],
)
def test_refusals_read_as_sentences(current: AnyStatus, target: AnyStatus, sentence: str) -> None:
    with pytest.raises(InvalidTransition) as info:
        check_transition(current, target)
    assert str(info.value) == sentence


def test_members_of_different_enums_are_never_confused() -> None:
    # StrEnum members with the same name compare equal as strings; a session's COMPLETED must
    # still not be accepted as a move for an assignment.
    assert SessionStatus.COMPLETED == AssignmentStatus.COMPLETED  # type: ignore[comparison-overlap]
    with pytest.raises(TypeError, match="AssignmentStatus"):
        check_transition(AssignmentStatus.IN_PROGRESS, SessionStatus.COMPLETED)
