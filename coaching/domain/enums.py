"""Enumerations shared by every layer.

They are plain ``StrEnum`` values so the domain stays free of storage and Telegram; the
storage layer maps them onto database enums and the conversations render them.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    TRAINER = "trainer"
    CLIENT = "client"


class Units(StrEnum):
    KG = "kg"
    LB = "lb"


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"
    PRIVATE = "private"


class RelationshipStatus(StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"


class RelationshipType(StrEnum):
    IN_PERSON = "IN_PERSON"
    ONLINE = "ONLINE"
    HYBRID = "HYBRID"


class InviteStatus(StrEnum):
    OPEN = "OPEN"
    USED = "USED"
    REVOKED = "REVOKED"
    DECLINED = "DECLINED"


class AssignmentStatus(StrEnum):
    ASSIGNED = "ASSIGNED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    MODIFIED = "MODIFIED"


class SessionType(StrEnum):
    ASSESSMENT = "ASSESSMENT"
    TRAINING = "TRAINING"
    REVIEW = "REVIEW"
    GOAL_SETTING = "GOAL_SETTING"
    NUTRITION = "NUTRITION"
    RECOVERY = "RECOVERY"


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    RESCHEDULED = "RESCHEDULED"


class RecordStatus(StrEnum):
    """Status of a session record: what actually happened."""

    LIVE = "LIVE"
    COMPLETED = "COMPLETED"
    INCOMPLETE = "INCOMPLETE"
    ABANDONED = "ABANDONED"


class SetType(StrEnum):
    WARMUP = "warmup"
    NORMAL = "normal"
    DROP = "drop"
    FAILURE = "failure"


class Difficulty(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class AlertType(StrEnum):
    MISSED_WORKOUT = "MISSED_WORKOUT"
    PERFORMANCE_DECLINE = "PERFORMANCE_DECLINE"
    GOAL_ACHIEVED = "GOAL_ACHIEVED"
    INJURY_REPORTED = "INJURY_REPORTED"
    PROGRAM_COMPLETED = "PROGRAM_COMPLETED"
    INACTIVITY = "INACTIVITY"


class AlertSeverity(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class ReminderKind(StrEnum):
    EVENING_BEFORE = "EVENING_BEFORE"
    BEFORE_SESSION = "BEFORE_SESSION"
    FEEDBACK_PROMPT = "FEEDBACK_PROMPT"
    TRAINER_MESSAGE = "TRAINER_MESSAGE"
    DIGEST = "DIGEST"


class ReminderStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    SKIPPED = "SKIPPED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class MediaKind(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    DOCUMENT = "document"


class Permission(StrEnum):
    """Seed 000's PermissionSet, one flag each. The client decides every one."""

    VIEW_WORKOUT_HISTORY = "view_workout_history"
    VIEW_PROGRESSION_DATA = "view_progression_data"
    VIEW_PERSONAL_DATA = "view_personal_data"
    ASSIGN_WORKOUTS = "assign_workouts"
    ASSIGN_PROGRAMS = "assign_programs"
    MODIFY_WORKOUTS = "modify_workouts"
    VIEW_ACTIVITY_STATUS = "view_activity_status"
    CONTACT_OUTSIDE_HOURS = "contact_outside_hours"
