"""Seed 000's PermissionSet and ProgressionAccess as pure rules.

The client decides every flag. A trainer's read or write of a client's data passes through
:func:`require` (via ``coaching.services.access``), so the client's choice binds the trainer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from coaching.domain.enums import Permission, RelationshipStatus
from coaching.errors import InvalidInput, NotAllowed

PERMISSION_LABELS: Mapping[Permission, str] = {
    Permission.VIEW_WORKOUT_HISTORY: "See your workout history",
    Permission.VIEW_PROGRESSION_DATA: "See your progress (lifts, e1RM, volume)",
    Permission.VIEW_PERSONAL_DATA: "See your personal and health details",
    Permission.ASSIGN_WORKOUTS: "Assign you single workouts",
    Permission.ASSIGN_PROGRAMS: "Assign you programs",
    Permission.MODIFY_WORKOUTS: "Change and log your workouts",
    Permission.VIEW_ACTIVITY_STATUS: "See whether you've been active",
    Permission.CONTACT_OUTSIDE_HOURS: "Message you during your quiet hours",
}

REFUSALS: Mapping[Permission, str] = {
    Permission.VIEW_WORKOUT_HISTORY: "The client has not shared their workout history with you.",
    Permission.VIEW_PROGRESSION_DATA: "The client has not shared their progress data with you.",
    Permission.VIEW_PERSONAL_DATA: "The client has not shared their personal details with you.",
    Permission.ASSIGN_WORKOUTS: "The client has not allowed you to assign them workouts.",
    Permission.ASSIGN_PROGRAMS: "The client has not allowed you to assign them programs.",
    Permission.MODIFY_WORKOUTS: "The client has not allowed you to change or log their workouts.",
    Permission.VIEW_ACTIVITY_STATUS: "The client has not shared their activity status with you.",
    Permission.CONTACT_OUTSIDE_HOURS: "The client does not take messages in their quiet hours.",
}


@dataclass(frozen=True, slots=True)
class PermissionFlags:
    """One relationship's permissions. The defaults are what a client sees at acceptance."""

    view_workout_history: bool = True
    view_progression_data: bool = True
    view_personal_data: bool = False
    assign_workouts: bool = True
    assign_programs: bool = True
    modify_workouts: bool = True
    view_activity_status: bool = True
    contact_outside_hours: bool = False

    def allows(self, permission: Permission) -> bool:
        return bool(getattr(self, permission.value))

    def with_flag(self, permission: Permission, value: bool) -> PermissionFlags:
        return replace(self, **{permission.value: value})

    def toggled(self, permission: Permission) -> PermissionFlags:
        return self.with_flag(permission, not self.allows(permission))

    def as_dict(self) -> dict[str, bool]:
        return {f.name: bool(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> PermissionFlags:
        known = {f.name for f in fields(cls)}
        return cls(**{k: bool(v) for k, v in values.items() if k in known})

    def changes_from(self, before: PermissionFlags) -> list[tuple[Permission, bool]]:
        """What differs from ``before``: (permission, new value) pairs, in a stable order."""
        return [
            (permission, self.allows(permission))
            for permission in Permission
            if self.allows(permission) != before.allows(permission)
        ]

    def viewable_all(self) -> bool:
        """Seed 000 ``viewAllClientData``: every 'view' flag is on."""
        return all(
            self.allows(p)
            for p in (
                Permission.VIEW_WORKOUT_HISTORY,
                Permission.VIEW_PROGRESSION_DATA,
                Permission.VIEW_PERSONAL_DATA,
                Permission.VIEW_ACTIVITY_STATUS,
            )
        )


# Statuses in which a trainer may act for the client. A paused relationship still lets the
# trainer read (to pick up where they left off) but not assign or log.
READ_STATUSES = frozenset({RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED})
WRITE_STATUSES = frozenset({RelationshipStatus.ACTIVE})
WRITE_PERMISSIONS = frozenset(
    {Permission.ASSIGN_WORKOUTS, Permission.ASSIGN_PROGRAMS, Permission.MODIFY_WORKOUTS}
)


def require(flags: PermissionFlags, permission: Permission, status: RelationshipStatus) -> None:
    """Raise :class:`NotAllowed` unless the relationship lets the trainer do this now."""
    allowed_statuses = WRITE_STATUSES if permission in WRITE_PERMISSIONS else READ_STATUSES
    if status not in allowed_statuses:
        raise NotAllowed(
            f"Your coaching relationship with this client is {status.value.lower()}, "
            "so this is not available."
        )
    if not flags.allows(permission):
        raise NotAllowed(REFUSALS[permission])


@dataclass(frozen=True, slots=True)
class ProgressionWindow:
    """Seed 000 ProgressionAccess for one exercise."""

    exercise_id: int
    viewable_metrics: frozenset[str]
    visibility_start: date | None = None
    visibility_end: date | None = None

    def is_currently_viewable(self, today: date) -> bool:
        if self.visibility_start is not None and today < self.visibility_start:
            return False
        return self.visibility_end is None or today <= self.visibility_end


def progression_visible(
    flags: PermissionFlags,
    windows: Iterable[ProgressionWindow],
    *,
    exercise_id: int,
    metric: str,
    today: date,
    on: date | None = None,
) -> bool:
    """May the trainer see ``metric`` of ``exercise_id`` (for data dated ``on``)?

    Without any per-exercise rule the general "view progression data" flag decides. With a
    rule for that exercise, the metric must be listed, the window must be open today, and the
    data's own date must fall inside the window.
    """
    if not flags.view_progression_data:
        return False
    rules = [w for w in windows if w.exercise_id == exercise_id]
    if not rules:
        return True
    for rule in rules:
        if rule.viewable_metrics and metric not in rule.viewable_metrics:
            continue
        if not rule.is_currently_viewable(today):
            continue
        if on is not None and not rule.is_currently_viewable(on):
            continue
        return True
    return False


# The numbers of one exercise a client can share, in the order the chat offers them.
PROGRESSION_METRIC_LABELS: Mapping[str, str] = {
    "e1rm": "e1RM",
    "weight": "Weight",
    "reps": "Reps",
    "volume": "Volume",
    "rpe": "RPE",
}
PROGRESSION_METRIC_ORDER: tuple[str, ...] = tuple(PROGRESSION_METRIC_LABELS)

# What people type for "no start" / "no end" when asked for a sharing window's dates.
OPEN_ENDED_WORDS = frozenset(
    {"no end", "no start", "none", "never", "no", "-", "all", "all history", "any", "forever"}
)


def ordered_metrics(metrics: Iterable[str]) -> tuple[str, ...]:
    """The metrics in the chat's order; ones outside the vocabulary follow, sorted."""
    chosen = {m.strip().lower() for m in metrics if m.strip()}
    known = [m for m in PROGRESSION_METRIC_ORDER if m in chosen]
    return (*known, *sorted(chosen - set(known)))


def metric_label(metric: str) -> str:
    return PROGRESSION_METRIC_LABELS.get(metric, metric.replace("_", " ").capitalize())


def is_open_ended(text: str) -> bool:
    """Whether typed text means "no limit" for a window's start or end."""
    return " ".join(text.lower().split()).rstrip(".!") in OPEN_ENDED_WORDS


def check_progression_window(start: date | None, end: date | None, today: date) -> None:
    """A window a client sets now: it ends on or after its start, and not before today."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"The sharing must end on or after the day it starts ({start.isoformat()}).",
            example=(start + timedelta(days=30)).isoformat(),
        )
    if end is not None and end < today:
        raise InvalidInput(
            f"{end.isoformat()} has already passed. Give today or a later day, or tap No end.",
            example=today.isoformat(),
        )
