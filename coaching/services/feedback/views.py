"""What the feedback use cases return: frozen views of sessions, reviews, media notes, injury
reports and "can't make it" requests, and :class:`Person`, someone to notify."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coaching.domain.enums import AlertSeverity, MediaKind, Units
from coaching.domain.feedback import TimedComment
from storage.models import User


@dataclass(frozen=True, slots=True)
class Person:
    """Someone to notify, and how they read times and weights."""

    telegram_id: int
    name: str
    timezone: str
    units: Units


@dataclass(frozen=True, slots=True)
class ClientFeedback:
    """The client's feedback on one session, as it stands."""

    record_id: int
    title: str
    client_name: str
    rpe: int | None
    text: str | None
    rating: int | None
    trainer: Person | None
    pain_flagged: bool = False
    rating_public: bool = False
    """The client agreed that the rating counts towards the trainer's public rating."""
    rating_can_be_public: bool = False
    """A rating of this session would count towards a trainer's public rating if agreed (it
    was a session booked with a trainer)."""


@dataclass(frozen=True, slots=True)
class SessionChoice:
    record_id: int
    title: str
    day: date
    """The client's local date of the session."""
    has_feedback: bool


@dataclass(frozen=True, slots=True)
class ReviewItem:
    record_id: int
    client_name: str
    title: str
    day: date
    """In the trainer's time zone."""
    rpe: int | None
    rating: int | None


@dataclass(frozen=True, slots=True)
class MediaItem:
    id: int
    kind: MediaKind
    file_id: str
    comments: tuple[TimedComment, ...]
    drawing: str | None
    by_trainer: bool


@dataclass(frozen=True, slots=True)
class ReviewDetail:
    record_id: int
    client_name: str
    title: str
    started: datetime
    """In the viewer's time zone."""
    rpe: int | None
    text: str | None
    rating: int | None
    exercises: tuple[str, ...] | None
    """One line per exercise, or ``None`` when the client does not share their history."""
    media: tuple[MediaItem, ...]
    reviewed: bool


@dataclass(frozen=True, slots=True)
class FeedbackDraft:
    """The trainer's feedback as typed, step by step; every part is optional."""

    text: str | None = None
    corrections: str | None = None
    form: str | None = None
    rating: int | None = None
    progression: str | None = None

    @property
    def empty(self) -> bool:
        return not any((self.text, self.corrections, self.form, self.rating, self.progression))


@dataclass(frozen=True, slots=True)
class SentFeedback:
    record_id: int
    title: str
    client_name: str
    trainer_name: str
    day: date
    """The session's date in the client's zone."""
    draft: FeedbackDraft
    client: Person | None


@dataclass(frozen=True, slots=True)
class MediaSaved:
    media_note_id: int
    record_id: int
    kind: MediaKind
    file_id: str
    title: str
    client_name: str
    by_trainer: bool
    other: Person | None
    """The party to tell: the trainer when the client sent it (and vice versa)."""


@dataclass(frozen=True, slots=True)
class MediaDelivery:
    """A commented photo or video, ready to send to the client."""

    media_note_id: int
    record_id: int
    kind: MediaKind
    file_id: str
    title: str
    trainer_name: str
    comments: tuple[TimedComment, ...]
    drawing: str | None
    client: Person | None


@dataclass(frozen=True, slots=True)
class InjuryNotice:
    trainer: Person
    client_name: str
    alert_id: int
    severity: AlertSeverity
    urgent: bool


@dataclass(frozen=True, slots=True)
class InjuryReport:
    part: str
    severity: int
    text: str | None
    notices: tuple[InjuryNotice, ...]
    duplicate: bool
    """The same part was already reported today: no new alert was raised."""


@dataclass(frozen=True, slots=True)
class SuggestedAlert:
    alert_id: int
    trainer: Person
    client_name: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class DismissedAlert:
    alert_id: int
    client_name: str


@dataclass(frozen=True, slots=True)
class ClientAppointment:
    """A coaching session as its client sees it (for a reminder's buttons)."""

    id: int
    title: str
    starts: datetime
    """In the client's time zone."""
    trainer_name: str
    timezone: str
    request_open: bool = False
    """The client said they can't make it, and the trainer has not answered yet."""
    client_name: str = ""
    client_gender: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawnRequest:
    """A "can't make it" request the client withdrew by logging the session as done."""

    coaching_session_id: int
    title: str
    client_name: str
    client_gender: str | None


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    """The client can't make it: what the trainer is asked."""

    coaching_session_id: int
    title: str
    client_name: str
    reason: str
    starts: datetime
    """In the trainer's time zone."""
    proposed: datetime | None
    """In the trainer's time zone."""
    proposed_utc: datetime | None
    trainer: Person


def person(user: User | None) -> Person | None:
    if user is None:
        return None
    return Person(user.telegram_id, user.display_name, user.timezone, user.units)
