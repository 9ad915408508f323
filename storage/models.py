"""The whole schema, merged from the three seed documents (see DESIGN.md).

Identity is the Telegram user id, kept on ``users.telegram_id``; every other key is a short
integer so it fits in callback data. Times are aware UTC. Owned tables carry seed 002's common
columns: ``created_by``, ``created_at``, ``updated_at`` and ``is_active`` (soft delete).

Relationships are declared ``lazy="raise"``: a query must say what it loads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    AssignmentStatus,
    Difficulty,
    InviteStatus,
    MediaKind,
    RecordStatus,
    RelationshipStatus,
    RelationshipType,
    ReminderKind,
    ReminderStatus,
    SessionStatus,
    SessionType,
    SetType,
    Units,
    Visibility,
)
from coaching.domain.threads import ThreadMediaKind
from storage.types import Dec, UTCDateTime, enum_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BIO_MAX = 2000
NOTES_MAX = 2000
NAME_MAX = 120


def utcnow() -> datetime:
    """The storage layer's default for timestamp columns."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        list[str]: JSON(),
    }


class Timestamps:
    """created_at / updated_at, kept by the database and by the ORM."""

    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now(), nullable=False
    )


class Owned(Timestamps):
    """Seed 002's common columns for tables a user owns."""

    @declared_attr
    def created_by(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    is_active: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true"), nullable=False
    )


def _len_check(column: str, limit: int) -> CheckConstraint:
    return CheckConstraint(f"length({column}) <= {limit}", name=f"{column}_len")


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


class User(Timestamps, Base):
    """A Telegram account. Seed 000 User, seed 002 USER and seed 001 TRAINER merged."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    first_name: Mapped[str] = mapped_column(String(64), nullable=False)
    last_name: Mapped[str | None] = mapped_column(String(64))
    username: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    language_code: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    units: Mapped[Units] = mapped_column(
        enum_column(Units, "units"), default=Units.KG, server_default=Units.KG.value
    )
    is_trainer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_client: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    unreachable_since: Mapped[datetime | None] = mapped_column()
    # When the person last sent the bot anything (written at most every few minutes).
    last_seen_at: Mapped[datetime | None] = mapped_column()
    # Client settings: reminders and quiet hours, in the user's own time zone.
    evening_reminder_time: Mapped[time | None] = mapped_column(Time, default=time(19, 0))
    reminder_lead_minutes: Mapped[int | None] = mapped_column(Integer, default=60)
    quiet_start: Mapped[time | None] = mapped_column(Time, default=time(22, 0))
    quiet_end: Mapped[time | None] = mapped_column(Time, default=time(7, 0))
    erased_at: Mapped[datetime | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    trainer_profile: Mapped[TrainerProfile | None] = relationship(
        back_populates="user", lazy="raise", uselist=False, foreign_keys="TrainerProfile.user_id"
    )

    __table_args__ = (
        CheckConstraint(
            "reminder_lead_minutes IS NULL OR "
            "(reminder_lead_minutes >= 0 AND reminder_lead_minutes <= 2880)",
            name="lead_minutes_range",
        ),
    )

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class TrainerProfile(Owned, Base):
    """Seed 000 TrainerProfile and seed 002 TRAINER_PROFILE, merged."""

    __tablename__ = "trainer_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    bio: Mapped[str | None] = mapped_column(Text)
    specializations: Mapped[list[str]] = mapped_column(default=list)
    experience_years: Mapped[int | None] = mapped_column(SmallInteger)
    rating: Mapped[Decimal | None] = mapped_column(Dec(3, 2))
    rating_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    availability: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client_limit: Mapped[int] = mapped_column(SmallInteger, default=30, server_default="30")
    hourly_rate: Mapped[Decimal | None] = mapped_column(Dec(10, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    is_independent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    accepts_new_clients: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility, "visibility"),
        default=Visibility.PRIVATE,
        server_default=Visibility.PRIVATE.value,
    )
    share_code: Mapped[str | None] = mapped_column(String(24), unique=True)
    # Trainer settings: daily digest and alert thresholds.
    digest_time: Mapped[time | None] = mapped_column(Time, default=time(7, 30))
    digest_when_empty: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    alert_decline_pct: Mapped[int] = mapped_column(SmallInteger, default=10, server_default="10")
    alert_decline_sessions: Mapped[int] = mapped_column(SmallInteger, default=3, server_default="3")
    alert_inactivity_days: Mapped[int] = mapped_column(SmallInteger, default=7, server_default="7")
    alert_missed_grace_hours: Mapped[int] = mapped_column(
        SmallInteger, default=12, server_default="12"
    )
    # The trainer's local date the last daily digest went out (sent at most once a day).
    digest_last_sent: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(
        back_populates="trainer_profile", lazy="raise", foreign_keys=[user_id]
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="trainer_profile", lazy="raise", cascade="all, delete-orphan"
    )

    __table_args__ = (
        _len_check("bio", BIO_MAX),
        CheckConstraint("client_limit >= 0 AND client_limit <= 1000", name="client_limit_range"),
        CheckConstraint("experience_years IS NULL OR experience_years >= 0", name="experience"),
        CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="rate_positive"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        Index("ix_trainer_profiles_visibility", "visibility", "accepts_new_clients"),
    )


class Certificate(Owned, Base):
    """Seed 000 Certificate. Valid until its expiration date (see coaching.domain)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_profile_id: Mapped[int] = mapped_column(
        ForeignKey("trainer_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    issuing_body: Mapped[str | None] = mapped_column(String(200))
    date_obtained: Mapped[date | None] = mapped_column(Date)
    expiration_date: Mapped[date | None] = mapped_column(Date)
    verification_link: Mapped[str | None] = mapped_column(String(500))

    trainer_profile: Mapped[TrainerProfile] = relationship(
        back_populates="certificates", lazy="raise"
    )

    __table_args__ = (
        CheckConstraint(
            "expiration_date IS NULL OR date_obtained IS NULL OR expiration_date >= date_obtained",
            name="dates_ordered",
        ),
    )


class Category(Timestamps, Base):
    """Seed 002 CATEGORY: a directory category such as strength or rehab."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)


class Tag(Timestamps, Base):
    """Seed 002 TAG: a free-form label a trainer is found by."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)


class TrainerCategory(Owned, Base):
    """Seed 002 TRAINER_CATEGORY; at most one primary category per trainer."""

    __tablename__ = "trainer_categories"

    trainer_profile_id: Mapped[int] = mapped_column(
        ForeignKey("trainer_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        Index(
            "uq_trainer_categories_one_primary",
            "trainer_profile_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )


class TrainerTag(Owned, Base):
    """Seed 002 TRAINER_TAG."""

    __tablename__ = "trainer_tags"

    trainer_profile_id: Mapped[int] = mapped_column(
        ForeignKey("trainer_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ClientProfile(Owned, Base):
    """Seed 001 TRAINEE: a client as one trainer knows them.

    A trainer creates it before the client joins, so ``user_id`` stays empty until the invite
    is accepted. A client training on their own has a profile with no trainer.
    """

    __tablename__ = "client_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    emergency_contact: Mapped[str | None] = mapped_column(String(200))
    height_cm: Mapped[Decimal | None] = mapped_column(Dec(5, 1))
    current_weight_kg: Mapped[Decimal | None] = mapped_column(Dec(6, 2))
    body_fat_pct: Mapped[Decimal | None] = mapped_column(Dec(4, 1))
    resting_heart_rate: Mapped[int | None] = mapped_column(SmallInteger)
    fitness_level: Mapped[str | None] = mapped_column(String(32))
    goals: Mapped[list[Any]] = mapped_column(default=list)
    injuries: Mapped[list[Any]] = mapped_column(default=list)
    medical_notes: Mapped[str | None] = mapped_column(Text)
    erased_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        _len_check("medical_notes", NOTES_MAX),
        CheckConstraint(
            "height_cm IS NULL OR (height_cm >= 50 AND height_cm <= 260)", name="height_range"
        ),
        CheckConstraint(
            "current_weight_kg IS NULL OR (current_weight_kg >= 20 AND current_weight_kg <= 400)",
            name="weight_range",
        ),
        CheckConstraint(
            "body_fat_pct IS NULL OR (body_fat_pct >= 2 AND body_fat_pct <= 75)",
            name="body_fat_range",
        ),
        CheckConstraint(
            "resting_heart_rate IS NULL OR "
            "(resting_heart_rate >= 25 AND resting_heart_rate <= 220)",
            name="rhr_range",
        ),
        UniqueConstraint("trainer_user_id", "user_id", name="uq_client_profiles_trainer_user"),
        Index(
            "uq_client_profiles_self",
            "user_id",
            unique=True,
            sqlite_where=text("trainer_user_id IS NULL"),
            postgresql_where=text("trainer_user_id IS NULL"),
        ),
    )


class Measurement(Owned, Base):
    """Seed 001 TRAINEE.measurement_history, one row per entry."""

    __tablename__ = "measurements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    value: Mapped[Decimal] = mapped_column(Dec(10, 3), nullable=False)
    unit: Mapped[str] = mapped_column(String(16), nullable=False)
    measured_on: Mapped[date] = mapped_column(Date, nullable=False)
    note: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index("ix_measurements_profile_kind_date", "client_profile_id", "kind", "measured_on"),
    )


class ProgressPhoto(Owned, Base):
    """Seed 001 TRAINEE.progress_photos, kept by Telegram ``file_id``."""

    __tablename__ = "progress_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    file_id: Mapped[str] = mapped_column(String(255), nullable=False)
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    caption: Mapped[str | None] = mapped_column(String(1024))
    taken_on: Mapped[date] = mapped_column(Date, nullable=False)


class Relationship(Owned, Base):
    """Seed 000 ClientCoachRelationship and seed 002 CLIENT_TRAINER_RELATIONSHIP."""

    __tablename__ = "relationships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    status: Mapped[RelationshipStatus] = mapped_column(
        enum_column(RelationshipStatus, "relationship_status"),
        default=RelationshipStatus.PENDING,
        server_default=RelationshipStatus.PENDING.value,
        nullable=False,
    )
    relationship_type: Mapped[RelationshipType] = mapped_column(
        enum_column(RelationshipType, "relationship_type"),
        default=RelationshipType.IN_PERSON,
        server_default=RelationshipType.IN_PERSON.value,
        nullable=False,
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[datetime | None] = mapped_column()

    permissions: Mapped[PermissionSet | None] = relationship(
        lazy="raise", uselist=False, cascade="all, delete-orphan"
    )

    __table_args__ = (
        _len_check("notes", NOTES_MAX),
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name="dates_ordered",
        ),
        Index("ix_relationships_trainer_status", "trainer_user_id", "status"),
    )


class PermissionSet(Timestamps, Base):
    """Seed 000 PermissionSet, one per relationship. The client sets every flag."""

    __tablename__ = "permissions"

    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), primary_key=True
    )
    view_workout_history: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    view_progression_data: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    view_personal_data: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    assign_workouts: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    assign_programs: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    modify_workouts: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    view_activity_status: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    contact_outside_hours: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class ProgressionAccess(Owned, Base):
    """Seed 000 ProgressionAccess: per exercise, which metrics a trainer sees, and when."""

    __tablename__ = "progression_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), nullable=False
    )
    viewable_metrics: Mapped[list[str]] = mapped_column(default=list)
    can_edit: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    visibility_start: Mapped[date | None] = mapped_column(Date)
    visibility_end: Mapped[date | None] = mapped_column(Date)
    is_auto_shared: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    __table_args__ = (
        UniqueConstraint("relationship_id", "exercise_id", name="uq_progression_access_pair"),
    )


class Invite(Owned, Base):
    """A single-use, expiring invite link for a client profile. Only the hash is stored."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    relationship_type: Mapped[RelationshipType] = mapped_column(
        enum_column(RelationshipType, "invite_relationship_type"),
        default=RelationshipType.IN_PERSON,
        nullable=False,
    )
    requested_permissions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    status: Mapped[InviteStatus] = mapped_column(
        enum_column(InviteStatus, "invite_status"),
        default=InviteStatus.OPEN,
        server_default=InviteStatus.OPEN.value,
        nullable=False,
    )
    used_at: Mapped[datetime | None] = mapped_column()
    used_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class InviteAttempt(Base):
    """A failed invite look-up, kept briefly to rate-limit guessing from one account."""

    __tablename__ = "invite_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    __table_args__ = (Index("ix_invite_attempts_who_when", "telegram_id", "attempted_at"),)


# --------------------------------------------------------------------------------------------
# What a trainer prescribes
# --------------------------------------------------------------------------------------------


class Exercise(Owned, Base):
    """The exercise catalogue: built-in rows (no owner) plus each trainer's own."""

    __tablename__ = "exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str | None] = mapped_column(String(80), unique=True)
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    aliases: Mapped[list[str]] = mapped_column(default=list)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), nullable=False)
    muscle_groups: Mapped[list[str]] = mapped_column(default=list)
    equipment: Mapped[list[str]] = mapped_column(default=list)
    difficulty: Mapped[Difficulty] = mapped_column(
        enum_column(Difficulty, "difficulty"), default=Difficulty.BEGINNER, nullable=False
    )
    measure: Mapped[str] = mapped_column(String(16), default="weight_reps", nullable=False)
    is_main_lift: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    __table_args__ = (UniqueConstraint("owner_user_id", "name", name="uq_exercises_owner_name"),)


class SessionTemplate(Owned, Base):
    """Seed 001 SESSION_TEMPLATE."""

    __tablename__ = "session_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64))
    difficulty: Mapped[Difficulty | None] = mapped_column(
        enum_column(Difficulty, "template_difficulty")
    )
    duration_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    equipment_needed: Mapped[list[str]] = mapped_column(default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    exercises: Mapped[list[ExerciseTemplate]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ExerciseTemplate.order_index",
        foreign_keys="ExerciseTemplate.session_template_id",
    )

    __table_args__ = (
        _len_check("description", NOTES_MAX),
        CheckConstraint(
            "duration_minutes IS NULL OR (duration_minutes > 0 AND duration_minutes <= 600)",
            name="duration_range",
        ),
    )


class ExerciseTemplate(Timestamps, Base):
    """Seed 001 EXERCISE_TEMPLATE: one prescribed exercise with its targets.

    It belongs to a session template or to one program session (whose targets may differ by
    week), never both.
    """

    __tablename__ = "exercise_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_templates.id", ondelete="CASCADE"), index=True
    )
    program_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True
    )
    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    order_index: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    target_sets: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    reps_min: Mapped[int | None] = mapped_column(SmallInteger)
    reps_max: Mapped[int | None] = mapped_column(SmallInteger)
    target_weight_kg: Mapped[Decimal | None] = mapped_column(Dec(8, 3))
    target_percent_e1rm: Mapped[Decimal | None] = mapped_column(Dec(5, 2))
    bodyweight: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    target_rpe: Mapped[Decimal | None] = mapped_column(Dec(3, 1))
    target_rir: Mapped[int | None] = mapped_column(SmallInteger)
    rest_seconds: Mapped[int | None] = mapped_column(SmallInteger)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[Decimal | None] = mapped_column(Dec(10, 2))
    instructions: Mapped[str | None] = mapped_column(Text)
    tips: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    exercise: Mapped[Exercise] = relationship(lazy="raise")

    __table_args__ = (
        CheckConstraint(
            "(session_template_id IS NULL) <> (program_session_id IS NULL)", name="one_parent"
        ),
        CheckConstraint("target_sets >= 1 AND target_sets <= 20", name="sets_range"),
        CheckConstraint(
            "reps_min IS NULL OR reps_max IS NULL OR reps_min <= reps_max", name="reps_ordered"
        ),
        CheckConstraint(
            "target_rpe IS NULL OR (target_rpe >= 1 AND target_rpe <= 10)", name="rpe_range"
        ),
        CheckConstraint(
            "target_rir IS NULL OR (target_rir >= 0 AND target_rir <= 10)", name="rir_range"
        ),
    )


class Program(Owned, Base):
    """Seed 001 PROGRAM: weeks of sessions."""

    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    difficulty: Mapped[Difficulty | None] = mapped_column(
        enum_column(Difficulty, "program_difficulty")
    )
    duration_weeks: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=4)
    goals: Mapped[list[str]] = mapped_column(default=list)
    is_one_off: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false"), nullable=False
    )
    """A single workout's private program, or a copy of one program session edited for one day
    of one client. Stored with ``is_active`` false, so it never shows in program lists."""

    sessions: Mapped[list[ProgramSession]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="(ProgramSession.week_number, ProgramSession.session_number)",
    )

    __table_args__ = (
        _len_check("description", NOTES_MAX),
        CheckConstraint("duration_weeks >= 1 AND duration_weeks <= 104", name="weeks_range"),
    )


class ProgramSession(Owned, Base):
    """Seed 001 TRAINING_SESSION: a blueprint session inside a program."""

    __tablename__ = "program_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), nullable=False
    )
    session_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_templates.id", ondelete="SET NULL")
    )
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    session_type: Mapped[SessionType] = mapped_column(
        enum_column(SessionType, "program_session_type"),
        default=SessionType.TRAINING,
        nullable=False,
    )
    focus_area: Mapped[str | None] = mapped_column(String(120))
    estimated_duration: Mapped[int | None] = mapped_column(SmallInteger)
    warmup: Mapped[list[str]] = mapped_column(default=list)
    cooldown: Mapped[list[str]] = mapped_column(default=list)
    week_number: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    session_number: Mapped[int] = mapped_column(SmallInteger, nullable=False)

    exercises: Mapped[list[ExerciseTemplate]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ExerciseTemplate.order_index",
        foreign_keys="ExerciseTemplate.program_session_id",
    )

    __table_args__ = (
        UniqueConstraint(
            "program_id", "week_number", "session_number", name="uq_program_sessions_slot"
        ),
        CheckConstraint("week_number >= 1 AND session_number >= 1", name="slot_positive"),
    )


class ProgramAssignment(Owned, Base):
    """Seed 000 ProgramAssignment and seed 002 TRAINING_PLAN."""

    __tablename__ = "program_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), index=True, nullable=False
    )
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)
    training_days: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"),
        default=AssignmentStatus.ASSIGNED,
        server_default=AssignmentStatus.ASSIGNED.value,
        nullable=False,
    )
    goals: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        _len_check("description", NOTES_MAX),
        _len_check("goals", NOTES_MAX),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )


class ProgramModification(Timestamps, Base):
    """Seed 000 ProgramModification: an exercise swapped for one client, with the reason."""

    __tablename__ = "program_modifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("program_assignments.id", ondelete="CASCADE"), index=True, nullable=False
    )
    program_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="SET NULL")
    )
    original_exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    replacement_exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    modified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    modified_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)


class CoachingSession(Owned, Base):
    """Seed 000 CoachingSession and seed 002 TRAINING_SESSION: an appointment."""

    __tablename__ = "coaching_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), nullable=False
    )
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_assignments.id", ondelete="SET NULL"), index=True
    )
    program_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="SET NULL")
    )
    rescheduled_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    scheduled_at: Mapped[datetime] = mapped_column(nullable=False)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger, default=60, nullable=False)
    session_type: Mapped[SessionType] = mapped_column(
        enum_column(SessionType, "session_type"), default=SessionType.TRAINING, nullable=False
    )
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"),
        default=SessionStatus.SCHEDULED,
        server_default=SessionStatus.SCHEDULED.value,
        nullable=False,
    )
    location: Mapped[str | None] = mapped_column(String(200))
    focus_areas: Mapped[list[str]] = mapped_column(default=list)
    goals: Mapped[list[str]] = mapped_column(default=list)
    outcomes: Mapped[list[str]] = mapped_column(default=list)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    trainer_notes: Mapped[str | None] = mapped_column(Text)
    client_feedback: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_public: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    """The client agreed that this rating counts towards the trainer's public rating."""
    status_reason: Mapped[str | None] = mapped_column(String(500))
    recording_file_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        _len_check("description", NOTES_MAX),
        _len_check("trainer_notes", NOTES_MAX),
        _len_check("client_feedback", NOTES_MAX),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 600", name="duration_range"),
        Index("ix_coaching_sessions_rel_when", "relationship_id", "scheduled_at"),
        Index("ix_coaching_sessions_status_when", "status", "scheduled_at"),
    )


# --------------------------------------------------------------------------------------------
# What actually happened
# --------------------------------------------------------------------------------------------


class SessionRecord(Owned, Base):
    """Seed 001 TRAINING_SESSION_RECORD: a performed session; ``is_live`` while logging."""

    __tablename__ = "session_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), nullable=False
    )
    coaching_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL"), index=True
    )
    program_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="SET NULL")
    )
    trainer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    logged_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    session_date: Mapped[date] = mapped_column(Date, nullable=False)
    start_time: Mapped[datetime] = mapped_column(nullable=False)
    end_time: Mapped[datetime | None] = mapped_column()
    location: Mapped[str | None] = mapped_column(String(200))
    completed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    is_live: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus, "record_status"), default=RecordStatus.LIVE, nullable=False
    )
    source: Mapped[str] = mapped_column(String(16), default="live", nullable=False)
    import_batch: Mapped[str | None] = mapped_column(String(36), index=True)
    trainer_notes: Mapped[str | None] = mapped_column(Text)
    trainee_feedback: Mapped[dict[str, Any]] = mapped_column(default=dict)
    session_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    feedback_requested_at: Mapped[datetime | None] = mapped_column()

    exercises: Mapped[list[ExerciseRecord]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ExerciseRecord.order_index"
    )

    __table_args__ = (
        Index("ix_session_records_profile_date", "client_profile_id", "session_date"),
        Index(
            "uq_session_records_one_live",
            "client_profile_id",
            unique=True,
            sqlite_where=text("is_live"),
            postgresql_where=text("is_live"),
        ),
    )


class ExerciseRecord(Timestamps, Base):
    """Seed 001 EXERCISE_RECORD: one exercise within a performed session."""

    __tablename__ = "exercise_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_record_id: Mapped[int] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    exercise_template_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercise_templates.id", ondelete="SET NULL")
    )
    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    exercise_name: Mapped[str] = mapped_column(String(100), nullable=False)
    order_index: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)
    perceived_exertion: Mapped[int | None] = mapped_column(SmallInteger)
    form_rating: Mapped[int | None] = mapped_column(SmallInteger)
    completed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    modification_notes: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()

    sets: Mapped[list[SetRecord]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SetRecord.set_index"
    )

    __table_args__ = (
        CheckConstraint(
            "form_rating IS NULL OR (form_rating >= 1 AND form_rating <= 5)", name="form_range"
        ),
        CheckConstraint(
            "perceived_exertion IS NULL OR (perceived_exertion >= 1 AND perceived_exertion <= 10)",
            name="rpe_range",
        ),
    )


class SetRecord(Timestamps, Base):
    """Seed 001 EXERCISE_RECORD.sets, one row per set so progression can be queried.

    ``client_profile_id`` and ``exercise_id`` are copied from the parents so progression
    queries read one indexed table. ``source_key`` makes logging idempotent: the same update
    delivered twice cannot add a second row.
    """

    __tablename__ = "set_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_record_id: Mapped[int] = mapped_column(
        ForeignKey("exercise_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="RESTRICT"), nullable=False
    )
    set_index: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    set_type: Mapped[SetType] = mapped_column(
        enum_column(SetType, "set_type"), default=SetType.NORMAL, nullable=False
    )
    weight_kg: Mapped[Decimal | None] = mapped_column(Dec(8, 3))
    bodyweight: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    reps: Mapped[int | None] = mapped_column(SmallInteger)
    rpe: Mapped[Decimal | None] = mapped_column(Dec(3, 1))
    rir: Mapped[int | None] = mapped_column(SmallInteger)
    duration_s: Mapped[int | None] = mapped_column(Integer)
    distance_m: Mapped[Decimal | None] = mapped_column(Dec(10, 2))
    entered_unit: Mapped[Units] = mapped_column(
        enum_column(Units, "set_unit"), default=Units.KG, nullable=False
    )
    performed_at: Mapped[datetime] = mapped_column(nullable=False)
    source_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    __table_args__ = (
        CheckConstraint("reps IS NULL OR (reps >= 0 AND reps <= 1000)", name="reps_range"),
        CheckConstraint("rpe IS NULL OR (rpe >= 1 AND rpe <= 10)", name="rpe_range"),
        CheckConstraint("rir IS NULL OR (rir >= 0 AND rir <= 10)", name="rir_range"),
        Index("ix_set_records_progress", "client_profile_id", "exercise_id", "performed_at"),
    )


class TrainingFeedback(Owned, Base):
    """Seed 000 TrainingFeedback: the trainer's written feedback on a session."""

    __tablename__ = "training_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_record_id: Mapped[int] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    trainer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    feedback_date: Mapped[date] = mapped_column(Date, nullable=False)
    feedback_text: Mapped[str | None] = mapped_column(Text)
    correction_notes: Mapped[str | None] = mapped_column(Text)
    form_comments: Mapped[str | None] = mapped_column(Text)
    performance_rating: Mapped[int | None] = mapped_column(SmallInteger)
    progression_suggestions: Mapped[str | None] = mapped_column(Text)
    was_reviewed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    review_date: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        _len_check("feedback_text", NOTES_MAX),
        CheckConstraint(
            "performance_rating IS NULL OR (performance_rating >= 1 AND performance_rating <= 5)",
            name="rating_range",
        ),
    )


class MediaNote(Owned, Base):
    """Seed 000 MediaNote: a photo or video on a session, with timestamped comments."""

    __tablename__ = "media_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_record_id: Mapped[int] = mapped_column(
        ForeignKey("session_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_feedback.id", ondelete="SET NULL")
    )
    media_kind: Mapped[MediaKind] = mapped_column(
        enum_column(MediaKind, "media_kind"), nullable=False
    )
    file_id: Mapped[str] = mapped_column(String(255), nullable=False)
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    timestamp_s: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    drawing_data: Mapped[str | None] = mapped_column(Text)


class ClientAlert(Owned, Base):
    """Seed 000 ClientAlert. One open alert per cause (``dedup_key``) until it is resolved."""

    __tablename__ = "client_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), nullable=False
    )
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    alert_type: Mapped[AlertType] = mapped_column(
        enum_column(AlertType, "alert_type"), nullable=False
    )
    severity: Mapped[AlertSeverity] = mapped_column(
        enum_column(AlertSeverity, "alert_severity"), nullable=False
    )
    raised_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    message: Mapped[str] = mapped_column(String(1000), nullable=False)
    dedup_key: Mapped[str] = mapped_column(String(120), nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_resolved: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    # When the trainer was told at once (HIGH and CRITICAL alerts); never twice.
    notified_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_client_alerts_trainer_open", "trainer_user_id", "is_resolved", "severity"),
        Index(
            "uq_client_alerts_open_cause",
            "trainer_user_id",
            "client_profile_id",
            "dedup_key",
            unique=True,
            sqlite_where=text("NOT is_resolved"),
            postgresql_where=text("NOT is_resolved"),
        ),
    )


# --------------------------------------------------------------------------------------------
# Delivery and bot plumbing
# --------------------------------------------------------------------------------------------


class Reminder(Timestamps, Base):
    """An outbox row: one message due to one user at one time, sent once."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False
    )
    coaching_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ReminderKind] = mapped_column(
        enum_column(ReminderKind, "reminder_kind"), nullable=False
    )
    due_at: Mapped[datetime] = mapped_column(nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[ReminderStatus] = mapped_column(
        enum_column(ReminderStatus, "reminder_status"),
        default=ReminderStatus.PENDING,
        server_default=ReminderStatus.PENDING.value,
        nullable=False,
    )
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0, nullable=False)
    claimed_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column()
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    __table_args__ = (Index("ix_reminders_due", "status", "due_at"),)


class WorkoutMessage(Owned, Base):
    """Issue 18: one message of the conversation about a workout between a trainer and their
    client (or about the coaching in general, when no workout is named). Media by Telegram
    ``file_id``; a trainer's note on a video carries seed 000 MediaNote's timestamp and comment.
    Kept when the relationship ends, for the record; removed when the client erases their data.
    """

    __tablename__ = "workout_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    relationship_id: Mapped[int] = mapped_column(
        ForeignKey("relationships.id", ondelete="CASCADE"), nullable=False
    )
    client_profile_id: Mapped[int] = mapped_column(
        ForeignKey("client_profiles.id", ondelete="CASCADE"), index=True, nullable=False
    )
    coaching_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="SET NULL")
    )
    session_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_records.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_trainer: Mapped[bool] = mapped_column(Boolean, nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    media_kind: Mapped[ThreadMediaKind | None] = mapped_column(
        enum_column(ThreadMediaKind, "thread_media_kind")
    )
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_unique_id: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("workout_messages.id", ondelete="SET NULL")
    )
    timestamp_s: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        _len_check("text", 4000),
        Index(
            "ix_workout_messages_thread",
            "relationship_id",
            "coaching_session_id",
            "session_record_id",
        ),
    )


class ConversationState(Base):
    """PTB persistence: one row per (conversation, key)."""

    __tablename__ = "persistence_conversations"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class UserData(Base):
    """PTB persistence: ``context.user_data`` per Telegram user."""

    __tablename__ = "persistence_user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class ChatData(Base):
    """PTB persistence: ``context.chat_data`` per chat."""

    __tablename__ = "persistence_chat_data"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class BotData(Base):
    """PTB persistence: ``context.bot_data``, a single row."""

    __tablename__ = "persistence_bot_data"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)


class ProcessedUpdate(Base):
    """Every handled Telegram update id, so a re-delivered update is handled once."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False, index=True)
    # False from the update's first commit until its conversation state is written: a
    # re-delivered update still unsettled met a bot that stopped in between (bot.application).
    settled: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true"), nullable=False
    )


class WorkoutChange(Timestamps, Base):
    """A change to one day's workout for one client (targets, swap, added or removed exercise),
    recorded like a ProgramModification and shown to the client."""

    __tablename__ = "workout_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coaching_session_id: Mapped[int] = mapped_column(
        ForeignKey("coaching_sessions.id", ondelete="CASCADE"), index=True, nullable=False
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    exercise_id: Mapped[int | None] = mapped_column(ForeignKey("exercises.id", ondelete="SET NULL"))
    replacement_exercise_id: Mapped[int | None] = mapped_column(
        ForeignKey("exercises.id", ondelete="SET NULL")
    )
    summary: Mapped[str] = mapped_column(String(500), nullable=False)
    modified_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    modified_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    """Why the trainer changed this day, as they typed it (optional); the client sees it."""


class ExerciseDemo(Timestamps, Base):
    """A trainer's own demo (video, GIF or photo, by Telegram file_id) and cues for one exercise,
    built-in or their own; their clients see it with the exercise's how-to."""

    __tablename__ = "exercise_demos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    exercise_id: Mapped[int] = mapped_column(
        ForeignKey("exercises.id", ondelete="CASCADE"), index=True, nullable=False
    )
    file_id: Mapped[str | None] = mapped_column(String(255))
    media_kind: Mapped[str | None] = mapped_column(String(16))
    cues: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("trainer_user_id", "exercise_id", name="uq_exercise_demos_trainer"),
        _len_check("cues", 800),
    )


class DelayedMessage(Base):
    """A message due in a chat at a moment (a rest timer's "rest over"): an outbox row that
    any worker may send, once. ``key`` names its purpose, so setting it again replaces it."""

    __tablename__ = "delayed_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    due_at: Mapped[datetime] = mapped_column(nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)


class JobLease(Base):
    """Which worker runs a periodic job in which period, until when: one run per period."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[int] = mapped_column(BigInteger, nullable=False)
    holder: Mapped[str] = mapped_column(String(128), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(nullable=False)
    done: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
