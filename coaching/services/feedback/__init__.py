"""What flows back from the client to the trainer, and the trainer's answer.

* The client's feedback on a finished session: RPE 1–10, then optional free text and a 1–5
  session rating. It is stored on the session record (``trainee_feedback``: ``rpe``, ``text``,
  ``rating``, ``at``) and on the linked coaching session (``client_feedback``, ``rating``); a
  rating refreshes the trainer's rating. Text that speaks of pain raises a *suggested*
  INJURY_REPORTED alert the trainer can dismiss.
* ``/injury``: a report (body part, severity 1–10, text) goes onto every profile of the client
  that an ACTIVE trainer holds, and onto their self profile, and raises one INJURY_REPORTED alert
  per trainer (one open alert per part and day: ``dedup_key`` ``injury:<part>:<date>``).
* The trainer's review: sessions with client feedback not yet reviewed; a TrainingFeedback
  (text, corrections, form, performance rating, progression) marked reviewed and sent to the
  client. Every read checks the trainer's relationship with the client
  (:func:`~coaching.services.access.current_access`); the session's sets need
  VIEW_WORKOUT_HISTORY.
* Media notes: a photo or video on a session, by Telegram ``file_id``. Each timestamped comment
  is one ``media_notes`` row (same ``file_id``), so comments can be queried and ordered by time;
  the first row holds the optional drawing description.
* "Can't make it" on a reminder: the client's reason and proposed time, for the trainer to
  accept (through the calendar), re-time or cancel. The open request is the session's
  ``status_reason`` (``Client can't make it: …``); logging the session as done withdraws it
  (``REQUEST_WITHDRAWN``), and the trainer's answer buttons then say so.

The use cases live in parts, one service each over :class:`FeedbackPart` (``common``: finding
the acting user, loading and authorising a session record): ``client``
(:class:`ClientFeedbackService`), ``review`` (:class:`ReviewService`), ``media``
(:class:`MediaNoteService`), ``injuries`` (:class:`InjuryService`) and ``requests``
(:class:`MoveRequestService`); ``errors`` and ``views`` hold the typed errors and the results.
"""

from __future__ import annotations

from coaching.services.feedback.client import ClientFeedbackService
from coaching.services.feedback.common import FeedbackPart, has_feedback
from coaching.services.feedback.errors import (
    ALREADY_LOGGED,
    CANT_MAKE_IT,
    NOT_YOUR_SESSION,
    NOT_YOURS,
    REQUEST_WITHDRAWN,
    UNKNOWN_USER,
    AlertResolved,
    AlreadyLogged,
    AlreadyReviewed,
    NotFinished,
    NotYours,
    SessionNotOpen,
    SessionNotYours,
    TrainersOnly,
    UnknownUser,
    clean_text,
    request_open,
)
from coaching.services.feedback.injuries import InjuryService
from coaching.services.feedback.media import MediaNoteService
from coaching.services.feedback.requests import MoveRequestService
from coaching.services.feedback.review import ReviewService
from coaching.services.feedback.views import (
    ChangeRequest,
    ClientAppointment,
    ClientFeedback,
    DismissedAlert,
    FeedbackDraft,
    InjuryNotice,
    InjuryReport,
    MediaDelivery,
    MediaItem,
    MediaSaved,
    Person,
    ReviewDetail,
    ReviewItem,
    SentFeedback,
    SessionChoice,
    SuggestedAlert,
    WithdrawnRequest,
    person,
)

__all__ = [
    "ALREADY_LOGGED",
    "CANT_MAKE_IT",
    "NOT_YOURS",
    "NOT_YOUR_SESSION",
    "REQUEST_WITHDRAWN",
    "UNKNOWN_USER",
    "AlertResolved",
    "AlreadyLogged",
    "AlreadyReviewed",
    "ChangeRequest",
    "ClientAppointment",
    "ClientFeedback",
    "ClientFeedbackService",
    "DismissedAlert",
    "FeedbackDraft",
    "FeedbackPart",
    "InjuryNotice",
    "InjuryReport",
    "InjuryService",
    "MediaDelivery",
    "MediaItem",
    "MediaNoteService",
    "MediaSaved",
    "MoveRequestService",
    "NotFinished",
    "NotYours",
    "Person",
    "ReviewDetail",
    "ReviewItem",
    "ReviewService",
    "SentFeedback",
    "SessionChoice",
    "SessionNotOpen",
    "SessionNotYours",
    "SuggestedAlert",
    "TrainersOnly",
    "UnknownUser",
    "WithdrawnRequest",
    "clean_text",
    "has_feedback",
    "person",
    "request_open",
]
