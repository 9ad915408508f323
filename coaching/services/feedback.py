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
  client. Every read goes through :func:`~coaching.services.access.trainer_access`; the session's
  sets need VIEW_WORKOUT_HISTORY.
* Media notes: a photo or video on a session, by Telegram ``file_id``. Each timestamped comment
  is one ``media_notes`` row (same ``file_id``), so comments can be queried and ordered by time;
  the first row holds the optional drawing description.
* "Can't make it" on a reminder: the client's reason and proposed time, for the trainer to
  accept (through the calendar), re-time or cancel. The open request is the session's
  ``status_reason`` (``Client can't make it: …``); logging the session as done withdraws it
  (``REQUEST_WITHDRAWN``), and the trainer's answer buttons then say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    MediaKind,
    Permission,
    RelationshipStatus,
    ReminderKind,
    ReminderStatus,
    SessionStatus,
    Units,
)
from coaching.domain.feedback import (
    PART_MAX,
    RATING_MAX,
    RATING_MIN,
    RPE_MAX,
    RPE_MIN,
    SEVERITY_MAX,
    SEVERITY_MIN,
    TEXT_MAX,
    CommentError,
    TimedComment,
    clean_part,
    is_urgent,
    mentions_pain,
    parse_comments,
    severity_of,
)
from coaching.domain.live import format_kg
from coaching.domain.reminders import trainer_message_due
from coaching.domain.schedule import load_zone
from coaching.domain.when import WhenError, parse_when
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import (
    check_access,
    current_access,
    own_profile,
    person_profiles,
)
from coaching.services.base import Service, ServiceContext
from coaching.services.profiles import store_rating
from coaching.services.reminders import quiet_hours_of
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    MediaNote,
    Relationship,
    Reminder,
    SessionRecord,
    TrainingFeedback,
    User,
)
from storage.repositories.feedback import FeedbackRepository
from storage.repositories.reminders import ReminderRepository
from storage.repositories.users import UserRepository
from storage.uow import UnitOfWork

NOT_YOUR_SESSION = "I can't find that session among yours."
NOT_YOURS = "I can't find that among yours."
UNKNOWN_USER = "I don't know you yet. Send /start first."
ALREADY_LOGGED = "This session is already logged as done, so there is nothing to move."
RECENT_DAYS = 14
REVIEW_DAYS = 60
REASON_MAX = 200
DRAWING_MAX = 1000
PROMPT_EXPIRES = timedelta(days=3)
REVIEW_STATUSES = (RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED)
TEXT_EXAMPLE = "Squats felt heavy, bench was easy"
INJURY_EXAMPLE = "Sharp pain on the outside of the knee when squatting"
CANT_MAKE_IT = "Client can't make it: "
"""``coaching_sessions.status_reason`` of a session with an open request to move it."""
REQUEST_WITHDRAWN = "The client did it after all; their request to move it was withdrawn."
"""``status_reason`` once the client logged it as done after asking to move it."""


def request_open(status_reason: str | None) -> bool:
    """Whether a session's ``status_reason`` holds an open "can't make it" request."""
    return bool(status_reason and status_reason.startswith(CANT_MAKE_IT))


# --------------------------------------------------------------------------------------------
# DTOs
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def person(user: User | None) -> Person | None:
    if user is None:
        return None
    return Person(user.telegram_id, user.display_name, user.timezone, user.units)


def clean_text(text: str, *, limit: int = TEXT_MAX, example: str = TEXT_EXAMPLE) -> str:
    cleaned = "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()
    if not cleaned:
        raise InvalidInput("That message is empty. Type a few words, or tap Skip.", example=example)
    if len(cleaned) > limit:
        raise InvalidInput(
            f"That is {len(cleaned)} characters; please keep it under {limit}.", example=example
        )
    return cleaned


def _feedback(record: SessionRecord) -> dict[str, Any]:
    return dict(record.trainee_feedback or {})


def has_feedback(record: SessionRecord) -> bool:
    fb = record.trainee_feedback or {}
    return any(fb.get(key) is not None for key in ("rpe", "text", "rating"))


def _comments_of(rows: list[MediaNote]) -> tuple[TimedComment, ...]:
    found = [TimedComment(r.timestamp_s, r.comment) for r in rows if r.comment]
    return tuple(sorted(found, key=lambda c: (c.at_s is None, c.at_s or 0)))


class FeedbackService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ the client's feedback

    async def rate(self, telegram_id: int, record_id: int, rpe: int) -> ClientFeedback:
        """The client's "How hard was it?": RPE 1–10 on a finished session."""
        if not RPE_MIN <= rpe <= RPE_MAX:
            raise InvalidInput("Pick a number from 1 to 10.", example="7")
        async with self.ctx.uow() as uow:
            record, profile, _user = await self._client_record(uow.session, telegram_id, record_id)
            feedback = _feedback(record)
            feedback["rpe"] = rpe
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            result = await self._client_view(uow.session, record, profile)
            await uow.commit()
            return result

    async def add_text(self, telegram_id: int, record_id: int, text: str) -> ClientFeedback:
        """Free text on the session; pain words raise a suggested alert for the trainer."""
        cleaned = clean_text(text)
        async with self.ctx.uow() as uow:
            session = uow.session
            record, profile, _user = await self._client_record(session, telegram_id, record_id)
            feedback = _feedback(record)
            feedback["text"] = cleaned
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            coaching = await FeedbackRepository(session).coaching_session(
                record.coaching_session_id
            )
            if coaching is not None:
                coaching.client_feedback = cleaned
            flagged = False
            if mentions_pain(cleaned) and record.trainer_user_id is not None:
                flagged = await self._suggest_alert(session, record, profile, cleaned) is not None
            result = await self._client_view(session, record, profile, flagged)
            await uow.commit()
            return result

    async def rate_session(
        self, telegram_id: int, record_id: int, rating: int, *, public: bool = False
    ) -> ClientFeedback:
        """The client's 1–5 rating of the session. It feeds the trainer's public rating in the
        directory only when ``public`` (the client said so); the trainer reads it either way."""
        if not RATING_MIN <= rating <= RATING_MAX:
            raise InvalidInput("Rate the session from 1 to 5.", example="4")
        async with self.ctx.uow() as uow:
            session = uow.session
            record, profile, _user = await self._client_record(session, telegram_id, record_id)
            feedback = _feedback(record)
            feedback["rating"] = rating
            feedback["rating_public"] = public
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            coaching = await FeedbackRepository(session).coaching_session(
                record.coaching_session_id
            )
            if coaching is not None:
                coaching.rating = rating
                coaching.rating_public = public
                await session.flush()
                access = await self._trainer_of(session, record, profile)
                if access is not None:
                    await store_rating(uow, access)
            result = await self._client_view(session, record, profile)
            await uow.commit()
            return result

    async def current(self, telegram_id: int, record_id: int) -> ClientFeedback:
        """The client's feedback on one of their sessions, as stored."""
        async with self.ctx.uow() as uow:
            record, profile, _ = await self._client_record(uow.session, telegram_id, record_id)
            return await self._client_view(uow.session, record, profile)

    async def recent(self, telegram_id: int) -> tuple[SessionChoice, ...]:
        """The client's sessions of the last 14 days, those without feedback first."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow.session, telegram_id)
            since = self.ctx.clock.now() - timedelta(days=RECENT_DAYS)
            ids = await person_profiles(uow, user.id)
            rows = await FeedbackRepository(uow.session).recent_of_profiles(ids, since)
            zone = load_zone(user.timezone)
            choices = [
                SessionChoice(r.id, r.title, r.start_time.astimezone(zone).date(), has_feedback(r))
                for r in rows
            ]
            choices.sort(key=lambda c: c.has_feedback)
            return tuple(choices)

    async def schedule_prompt(self, telegram_id: int, record_id: int) -> datetime | None:
        """Queue the "How hard was it?" prompt for when the session's time has passed.

        Returns the local time it will arrive, or ``None`` when the session is over already
        (ask now). The prompt waits for the client's quiet hours to end.
        """
        async with self.ctx.uow() as uow:
            session = uow.session
            record, _profile, user = await self._client_record(session, telegram_id, record_id)
            coaching = await FeedbackRepository(session).coaching_session(
                record.coaching_session_id
            )
            now = self.ctx.clock.now()
            if coaching is None:
                return None
            ends = coaching.scheduled_at + timedelta(minutes=coaching.duration_minutes)
            if ends <= now:
                return None
            due = trainer_message_due(
                ends, tz=user.timezone, quiet=quiet_hours_of(user), contact_outside_hours=False
            )
            key = f"fbp:{record.id}"
            session.add(
                Reminder(
                    user_id=user.id,
                    coaching_session_id=None,
                    kind=ReminderKind.FEEDBACK_PROMPT,
                    due_at=due,
                    expires_at=due + PROMPT_EXPIRES,
                    status=ReminderStatus.PENDING,
                    attempts=0,
                    payload={"record_id": record.id, "title": record.title},
                    dedup_key=key,
                )
            )
            record.feedback_requested_at = due
            await uow.commit()
            return due.astimezone(load_zone(user.timezone))

    # ------------------------------------------------------------------ the trainer's review

    async def review_list(self, telegram_id: int) -> tuple[ReviewItem, ...]:
        """The trainer's sessions with client feedback not reviewed yet, newest first."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            since = self.ctx.clock.now() - timedelta(days=REVIEW_DAYS)
            rows = await FeedbackRepository(session).awaiting_review(user.id, since)
            zone = load_zone(user.timezone)
            allowed: dict[int, bool] = {}
            items: list[ReviewItem] = []
            for record, profile in rows:
                if not has_feedback(record):
                    continue
                if profile.id not in allowed:
                    access = await current_access(uow, user.id, profile.id)
                    allowed[profile.id] = access is not None and access.status in REVIEW_STATUSES
                if not allowed[profile.id]:
                    continue
                fb = record.trainee_feedback or {}
                items.append(
                    ReviewItem(
                        record.id,
                        profile.name,
                        record.title,
                        record.start_time.astimezone(zone).date(),
                        fb.get("rpe"),
                        fb.get("rating"),
                    )
                )
            return tuple(items)

    async def review(self, telegram_id: int, record_id: int) -> ReviewDetail:
        """One session for the trainer: the client's feedback, the sets (if shared), media."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            record, profile, sees_history = await self._trainer_record(session, user, record_id)
            return await self._detail(session, user, record, profile, sees_history)

    async def client_detail(self, telegram_id: int, record_id: int) -> ReviewDetail:
        """One of the client's own sessions, as they see it."""
        async with self.ctx.uow() as uow:
            session = uow.session
            record, profile, user = await self._client_record(
                session, telegram_id, record_id, with_sets=True
            )
            return await self._detail(session, user, record, profile, True)

    async def submit(self, telegram_id: int, record_id: int, draft: FeedbackDraft) -> SentFeedback:
        """Store the trainer's feedback, marked reviewed (seed 000 ``markAsReviewed``)."""
        if draft.rating is not None and not RATING_MIN <= draft.rating <= RATING_MAX:
            raise InvalidInput("Rate the performance from 1 to 5.", example="4")
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            record, profile, _ = await self._trainer_record(session, user, record_id)
            now = self.ctx.clock.now()
            repo = FeedbackRepository(session)
            if any(f.was_reviewed for f in await repo.feedback_of(record.id)):
                raise Conflict("You have already reviewed this session.")
            row = TrainingFeedback(
                session_record_id=record.id,
                client_profile_id=profile.id,
                trainer_user_id=user.id,
                feedback_date=now.astimezone(load_zone(user.timezone)).date(),
                feedback_text=draft.text,
                correction_notes=draft.corrections,
                form_comments=draft.form,
                performance_rating=draft.rating,
                progression_suggestions=draft.progression,
                was_reviewed=True,
                review_date=now,
                created_by=user.id,
            )
            repo.add(row)
            await session.flush()
            for note in await repo.media_of(record.id):
                if note.feedback_id is None and note.created_by == user.id:
                    note.feedback_id = row.id
            client = (await repo.users([profile.user_id])).get(profile.user_id or 0)
            zone = load_zone(client.timezone if client else user.timezone)
            await uow.commit()
            return SentFeedback(
                record_id=record.id,
                title=record.title,
                client_name=profile.name,
                trainer_name=user.display_name,
                day=record.start_time.astimezone(zone).date(),
                draft=draft,
                client=person(client),
            )

    # ------------------------------------------------------------------ media notes

    async def add_media(
        self,
        telegram_id: int,
        record_id: int,
        kind: MediaKind,
        file_id: str,
        file_unique_id: str | None = None,
    ) -> MediaSaved:
        """A photo or video on a session, from its client or its trainer."""
        if kind not in (MediaKind.PHOTO, MediaKind.VIDEO) or not file_id:
            raise InvalidInput("Send a photo or a video.")
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            found = await FeedbackRepository(session).record(record_id)
            if found is None:
                raise NotFound(NOT_YOUR_SESSION)
            record, profile = found
            by_trainer = profile.user_id != user.id
            if by_trainer:
                record, profile, _ = await self._trainer_record(session, user, record_id)
            elif not record.completed:
                raise Conflict("You can add media once the session is finished.")
            row = MediaNote(
                session_record_id=record.id,
                media_kind=kind,
                file_id=file_id[:255],
                file_unique_id=(file_unique_id or None) and file_unique_id[:64],
                created_by=user.id,
            )
            FeedbackRepository(session).add(row)
            await session.flush()
            other_id = profile.user_id if by_trainer else record.trainer_user_id
            people = await FeedbackRepository(session).users([other_id])
            other = person(people.get(other_id or 0))
            if not by_trainer and other is not None:
                access = await current_access(uow, record.trainer_user_id or 0, profile.id)
                if access is None or access.status not in REVIEW_STATUSES:
                    other = None
            await uow.commit()
            return MediaSaved(
                row.id, record.id, kind, row.file_id, record.title, profile.name, by_trainer, other
            )

    async def comment_media(
        self, telegram_id: int, media_note_id: int, text: str
    ) -> tuple[TimedComment, ...]:
        """The trainer's comments, one per line (``0:42 knees cave in``); one row each."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            note = await self._trainer_media(session, user, media_note_id)
            try:
                comments = parse_comments(text, timed=note.media_kind is MediaKind.VIDEO)
            except CommentError as error:
                raise InvalidInput(str(error), example="0:42 knees cave in") from None
            repo = FeedbackRepository(session)
            rows = await repo.media_with_file(note.session_record_id, note.file_id)
            blank = [r for r in rows if r.comment is None]
            for comment in comments:
                if blank:
                    row = blank.pop(0)
                else:
                    row = MediaNote(
                        session_record_id=note.session_record_id,
                        feedback_id=note.feedback_id,
                        media_kind=note.media_kind,
                        file_id=note.file_id,
                        file_unique_id=note.file_unique_id,
                        created_by=user.id,
                    )
                    repo.add(row)
                row.timestamp_s = comment.at_s
                row.comment = comment.text
            await uow.commit()
            return comments

    async def finish_media(
        self, telegram_id: int, media_note_id: int, drawing: str | None
    ) -> MediaDelivery:
        """Add the optional drawing description; return what the client is sent."""
        cleaned = None
        if drawing is not None:
            cleaned = clean_text(
                drawing, limit=DRAWING_MAX, example="Arrow along the shin: knee tracks over toes"
            )
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            note = await self._trainer_media(session, user, media_note_id)
            repo = FeedbackRepository(session)
            rows = await repo.media_with_file(note.session_record_id, note.file_id)
            first = rows[0] if rows else note
            if cleaned is not None:
                first.drawing_data = cleaned
            found = await repo.record(note.session_record_id)
            assert found is not None
            record, profile = found
            client = (await repo.users([profile.user_id])).get(profile.user_id or 0)
            await uow.commit()
            return MediaDelivery(
                media_note_id=first.id,
                record_id=record.id,
                kind=note.media_kind,
                file_id=note.file_id,
                title=record.title,
                trainer_name=user.display_name,
                comments=_comments_of(rows),
                drawing=first.drawing_data,
                client=person(client),
            )

    # ------------------------------------------------------------------ injuries and alerts

    async def report_injury(
        self, telegram_id: int, part: str, severity: int, text: str | None
    ) -> InjuryReport:
        """Store a pain or injury report and alert each active trainer."""
        name = clean_part(part)
        if not name:
            raise InvalidInput("Tell me which body part.", example="Left knee")
        if len(part.strip()) > PART_MAX:
            raise InvalidInput(
                f"Please name the body part in under {PART_MAX} characters.", example="Left knee"
            )
        if not SEVERITY_MIN <= severity <= SEVERITY_MAX:
            raise InvalidInput("Rate the pain from 1 to 10.", example="6")
        details = clean_text(text, example=INJURY_EXAMPLE) if text is not None else None
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._user(session, telegram_id)
            now = self.ctx.clock.now()
            today = now.astimezone(load_zone(user.timezone)).date()
            entry = {
                "part": name,
                "severity": severity,
                "text": details,
                "reported_at": now.astimezone(UTC).isoformat(),
            }
            repo = FeedbackRepository(session)
            held = await repo.active_trainer_profiles(user.id)
            profiles: list[ClientProfile] = [p for p, _ in held]
            profiles.append(await own_profile(uow, user.id, user.display_name))
            for profile in profiles:
                profile.injuries = [*(profile.injuries or []), entry]
            level = severity_of(severity)
            key = f"injury:{name.lower()}:{today.isoformat()}"[:120]
            message = f"{name} pain, {severity}/10" + (f": {details}" if details else "")
            trainers = await repo.users([p.trainer_user_id for p, _ in held])
            notices: list[InjuryNotice] = []
            duplicate = False
            for profile, _ in held:
                trainer = trainers.get(profile.trainer_user_id or 0)
                if trainer is None:
                    continue
                alert = await repo.open_alert(trainer.id, profile.id, key)
                if alert is not None:
                    duplicate = True
                    if severity <= int(alert.details.get("score", 0)):
                        continue
                    alert.severity = level
                    alert.message = message[:1000]
                    alert.details = {**alert.details, "score": severity, "text": details}
                else:
                    alert = ClientAlert(
                        client_profile_id=profile.id,
                        trainer_user_id=trainer.id,
                        alert_type=AlertType.INJURY_REPORTED,
                        severity=level,
                        raised_at=now,
                        message=message[:1000],
                        dedup_key=key,
                        details={"part": name, "score": severity, "text": details},
                        created_by=user.id,
                    )
                    repo.add(alert)
                    await session.flush()
                found = person(trainer)
                assert found is not None
                notices.append(InjuryNotice(found, profile.name, alert.id, level, is_urgent(level)))
            await uow.commit()
            return InjuryReport(name, severity, details, tuple(notices), duplicate)

    async def dismiss_alert(self, telegram_id: int, alert_id: int) -> DismissedAlert:
        """The trainer dismisses an alert (a suggested one, say): resolved, notes "dismissed"."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            alert = await FeedbackRepository(session).alert(alert_id)
            if alert is None or alert.trainer_user_id != user.id:
                raise NotFound(NOT_YOURS)
            profile = await session.get(ClientProfile, alert.client_profile_id)
            if alert.is_resolved:
                raise Conflict("This alert is already resolved.")
            alert.is_resolved = True
            alert.resolved_by = user.id
            alert.resolved_at = self.ctx.clock.now()
            alert.resolution_notes = "dismissed"
            await uow.commit()
            return DismissedAlert(alert.id, profile.name if profile else "")

    # ------------------------------------------------------------------ can't make it

    async def appointment(
        self, telegram_id: int, coaching_session_id: int, *, to_move: bool = False
    ) -> ClientAppointment:
        """A scheduled session of the acting client (refused otherwise).

        ``to_move``: the client is about to ask to move it, so a session already done is
        refused as "already logged, nothing to move".
        """
        async with self.ctx.uow() as uow:
            session = uow.session
            user, coaching, relationship, trainer = await self._client_appointment(
                session, telegram_id, coaching_session_id, to_move=to_move
            )
            profile = await session.get(ClientProfile, relationship.client_profile_id)
            zone = load_zone(user.timezone)
            return ClientAppointment(
                coaching.id,
                coaching.title,
                coaching.scheduled_at.astimezone(zone),
                trainer.display_name if trainer else "your trainer",
                user.timezone,
                request_open=request_open(coaching.status_reason),
                client_name=profile.name if profile else user.display_name,
                client_gender=profile.gender if profile else None,
            )

    async def withdrawn_request(
        self, telegram_id: int, coaching_session_id: int
    ) -> WithdrawnRequest | None:
        """For the trainer's answer buttons: the client's request, if they withdrew it."""
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await self._trainer(session, telegram_id)
            target = await ReminderRepository(session).session_target(coaching_session_id)
            if target is None or target.relationship.trainer_user_id != user.id:
                raise NotFound(NOT_YOUR_SESSION)
            if target.session.status_reason != REQUEST_WITHDRAWN:
                return None
            profile = await session.get(ClientProfile, target.relationship.client_profile_id)
            return WithdrawnRequest(
                target.session.id,
                target.session.title,
                profile.name if profile else "Your client",
                profile.gender if profile else None,
            )

    async def read_client_time(self, telegram_id: int, text: str) -> datetime:
        """A moment the client typed, in their time zone; aware UTC, in the future."""
        async with self.ctx.uow() as uow:
            tz = (await self._user(uow.session, telegram_id)).timezone
        try:
            return parse_when(text, now=self.ctx.clock.now(), tz=tz)
        except WhenError as error:
            raise InvalidInput(str(error)) from None

    async def request_change(
        self,
        telegram_id: int,
        coaching_session_id: int,
        reason: str,
        proposed: datetime | None,
    ) -> ChangeRequest:
        """The client can't make it: note the reason on the session and ask the trainer."""
        cleaned = clean_text(reason, limit=REASON_MAX, example="I'm ill")
        if proposed is not None and proposed <= self.ctx.clock.now():
            raise InvalidInput("That time has already passed.", example="tomorrow 18:00")
        async with self.ctx.uow() as uow:
            session = uow.session
            user, coaching, relationship, trainer = await self._client_appointment(
                session, telegram_id, coaching_session_id, to_move=True
            )
            if trainer is None:
                raise NotFound(NOT_YOUR_SESSION)
            if await FeedbackRepository(session).record_for_coaching(coaching.id) is not None:
                raise Conflict(ALREADY_LOGGED)
            coaching.status_reason = f"{CANT_MAKE_IT}{cleaned}"[:500]
            profile = await session.get(ClientProfile, relationship.client_profile_id)
            client_name = profile.name if profile else user.display_name
            zone = load_zone(trainer.timezone)
            await uow.commit()
            found_trainer = person(trainer)
            assert found_trainer is not None
            return ChangeRequest(
                coaching_session_id=coaching.id,
                title=coaching.title,
                client_name=client_name,
                reason=cleaned,
                starts=coaching.scheduled_at.astimezone(zone),
                proposed=proposed.astimezone(zone) if proposed else None,
                proposed_utc=proposed.astimezone(UTC) if proposed else None,
                trainer=found_trainer,
            )

    # ------------------------------------------------------------------ internals

    async def _user(self, session: AsyncSession, telegram_id: int) -> User:
        user = await UserRepository(session).by_telegram_id(telegram_id)
        if user is None:
            raise NotFound(UNKNOWN_USER)
        return user

    async def _trainer(self, session: AsyncSession, telegram_id: int) -> User:
        user = await self._user(session, telegram_id)
        if not user.is_trainer:
            raise NotAllowed("This is for trainers. Send /start to register as a trainer.")
        return user

    async def _client_record(
        self, session: AsyncSession, telegram_id: int, record_id: int, *, with_sets: bool = False
    ) -> tuple[SessionRecord, ClientProfile, User]:
        user = await self._user(session, telegram_id)
        found = await FeedbackRepository(session).record(record_id, with_sets=with_sets)
        if found is None or found[1].user_id != user.id or not found[0].is_active:
            raise NotFound(NOT_YOUR_SESSION)
        record, profile = found
        if not record.completed:
            raise Conflict("You can rate a session once it is finished.")
        return record, profile, user

    async def _trainer_record(
        self, session: AsyncSession, user: User, record_id: int
    ) -> tuple[SessionRecord, ClientProfile, bool]:
        """A session of the trainer's client, with whether its sets may be shown."""
        found = await FeedbackRepository(session).record(record_id, with_sets=True)
        if found is None or not found[0].is_active:
            raise NotFound(NOT_YOUR_SESSION)
        record, profile = found
        if user.id not in (record.trainer_user_id, profile.trainer_user_id):
            raise NotFound(NOT_YOUR_SESSION)
        try:
            access = await check_access(UnitOfWork.joining(session), user.id, profile.id)
        except NotFound:
            raise NotFound(NOT_YOUR_SESSION) from None
        if access.status not in REVIEW_STATUSES:
            raise NotFound(NOT_YOUR_SESSION)
        try:
            await check_access(
                UnitOfWork.joining(session), user.id, profile.id, Permission.VIEW_WORKOUT_HISTORY
            )
            sees_history = True
        except NotAllowed:
            sees_history = False
        return record, profile, sees_history

    async def _trainer_media(
        self, session: AsyncSession, user: User, media_note_id: int
    ) -> MediaNote:
        note = await FeedbackRepository(session).media_note(media_note_id)
        if note is None or not note.is_active:
            raise NotFound(NOT_YOURS)
        await self._trainer_record(session, user, note.session_record_id)
        return note

    async def _trainer_of(
        self, session: AsyncSession, record: SessionRecord, profile: ClientProfile
    ) -> int | None:
        return record.trainer_user_id or profile.trainer_user_id

    async def _client_view(
        self,
        session: AsyncSession,
        record: SessionRecord,
        profile: ClientProfile,
        flagged: bool = False,
    ) -> ClientFeedback:
        fb = record.trainee_feedback or {}
        trainer_id = record.trainer_user_id
        trainer: Person | None = None
        if trainer_id is not None:
            access = await current_access(UnitOfWork.joining(session), trainer_id, profile.id)
            if access is not None and access.status in REVIEW_STATUSES:
                trainer = person(await session.get(User, trainer_id))
        return ClientFeedback(
            record_id=record.id,
            title=record.title,
            client_name=profile.name,
            rpe=fb.get("rpe"),
            text=fb.get("text"),
            rating=fb.get("rating"),
            trainer=trainer,
            pain_flagged=flagged,
            rating_public=bool(fb.get("rating_public")),
            rating_can_be_public=record.coaching_session_id is not None and trainer is not None,
        )

    async def _suggest_alert(
        self, session: AsyncSession, record: SessionRecord, profile: ClientProfile, text: str
    ) -> ClientAlert | None:
        trainer_id = record.trainer_user_id
        if trainer_id is None:
            return None
        access = await current_access(UnitOfWork.joining(session), trainer_id, profile.id)
        if access is None or access.status not in REVIEW_STATUSES:
            return None
        repo = FeedbackRepository(session)
        key = f"pain:{record.id}"
        alert = await repo.open_alert(trainer_id, profile.id, key)
        message = f"Feedback on {record.title} mentions pain: {text}"[:1000]
        if alert is None:
            alert = ClientAlert(
                client_profile_id=profile.id,
                trainer_user_id=trainer_id,
                alert_type=AlertType.INJURY_REPORTED,
                severity=AlertSeverity.MEDIUM,
                raised_at=self.ctx.clock.now(),
                message=message,
                dedup_key=key,
                details={"suggested": True, "record_id": record.id, "text": text},
                created_by=profile.user_id,
            )
            repo.add(alert)
        else:
            alert.message = message
            alert.details = {**alert.details, "text": text}
        await session.flush()
        return alert

    async def suggested_alert(self, telegram_id: int, record_id: int) -> SuggestedAlert | None:
        """The open suggested pain alert raised by this session's feedback, for the notice."""
        async with self.ctx.uow() as uow:
            session = uow.session
            record, profile, _ = await self._client_record(session, telegram_id, record_id)
            trainer_id = record.trainer_user_id
            if trainer_id is None:
                return None
            alert = await FeedbackRepository(session).open_alert(
                trainer_id, profile.id, f"pain:{record.id}"
            )
            trainer = person(await session.get(User, trainer_id))
            if alert is None or trainer is None:
                return None
            return SuggestedAlert(
                alert.id, trainer, profile.name, record.title, str(alert.details.get("text", ""))
            )

    async def _detail(
        self,
        session: AsyncSession,
        viewer: User,
        record: SessionRecord,
        profile: ClientProfile,
        sees_history: bool,
    ) -> ReviewDetail:
        repo = FeedbackRepository(session)
        fb = record.trainee_feedback or {}
        exercises: tuple[str, ...] | None = None
        if sees_history:
            lines: list[str] = []
            for exercise in sorted(record.exercises, key=lambda e: e.order_index):
                if exercise.skipped and not exercise.sets:
                    lines.append(f"{exercise.exercise_name}: skipped")
                    continue
                sets = []
                for row in sorted(exercise.sets, key=lambda s: s.set_index):
                    load = (
                        format_kg(row.weight_kg, viewer.units)
                        if row.weight_kg is not None
                        else ("bw" if row.bodyweight else "")
                    )
                    reps = f"× {row.reps}" if row.reps is not None else ""
                    sets.append(" ".join(p for p in (load, reps) if p) or "done")
                lines.append(f"{exercise.exercise_name}: {', '.join(sets) or 'no sets'}")
            exercises = tuple(lines)
        notes = await repo.media_of(record.id)
        by_file: dict[str, list[MediaNote]] = {}
        for note in notes:
            by_file.setdefault(note.file_id, []).append(note)
        media = tuple(
            MediaItem(
                rows[0].id,
                rows[0].media_kind,
                file_id,
                _comments_of(rows),
                rows[0].drawing_data,
                rows[0].created_by != profile.user_id,
            )
            for file_id, rows in by_file.items()
        )
        reviewed = any(f.was_reviewed for f in await repo.feedback_of(record.id))
        return ReviewDetail(
            record_id=record.id,
            client_name=profile.name,
            title=record.title,
            started=record.start_time.astimezone(load_zone(viewer.timezone)),
            rpe=fb.get("rpe"),
            text=fb.get("text"),
            rating=fb.get("rating"),
            exercises=exercises,
            media=media,
            reviewed=reviewed,
        )

    async def _client_appointment(
        self,
        session: AsyncSession,
        telegram_id: int,
        coaching_session_id: int,
        *,
        to_move: bool = False,
    ) -> tuple[User, CoachingSession, Relationship, User | None]:
        user = await self._user(session, telegram_id)
        target = await ReminderRepository(session).session_target(coaching_session_id)
        if (
            target is None
            or target.client is None
            or target.client.id != user.id
            or not target.session.is_active
        ):
            raise NotFound(NOT_YOUR_SESSION)
        coaching = target.session
        if to_move and coaching.status is SessionStatus.COMPLETED:
            raise Conflict(ALREADY_LOGGED)
        if coaching.status is not SessionStatus.SCHEDULED:
            word = {
                SessionStatus.RESCHEDULED: "has been moved to a new time",
                SessionStatus.CANCELLED: "was cancelled",
                SessionStatus.COMPLETED: "is already done",
                SessionStatus.IN_PROGRESS: "is already under way",
            }.get(coaching.status, "can't be changed")
            raise Conflict(f"This session {word}.")
        trainer = await session.get(User, target.relationship.trainer_user_id)
        return user, coaching, target.relationship, trainer
