"""What the feedback use cases share: finding the acting user, loading a session record and
authorising it for its client or its trainer, and the client's view of their feedback."""

from __future__ import annotations

from typing import Any

from coaching.domain.enums import Permission
from coaching.domain.feedback import TimedComment
from coaching.errors import NotAllowed
from coaching.services.access import authorise, current_access
from coaching.services.base import Service
from coaching.services.feedback.errors import (
    REVIEW_STATUSES,
    NotFinished,
    NotYours,
    SessionNotYours,
    TrainersOnly,
    UnknownUser,
)
from coaching.services.feedback.views import ClientFeedback, Person, person
from storage.models import ClientProfile, MediaNote, SessionRecord, User
from storage.uow import UnitOfWork


def feedback_of(record: SessionRecord) -> dict[str, Any]:
    """A copy of the client's feedback on the record, to change and store back."""
    return dict(record.trainee_feedback or {})


def has_feedback(record: SessionRecord) -> bool:
    fb = record.trainee_feedback or {}
    return any(fb.get(key) is not None for key in ("rpe", "text", "rating"))


def comments_of(rows: list[MediaNote]) -> tuple[TimedComment, ...]:
    found = [TimedComment(r.timestamp_s, r.comment) for r in rows if r.comment]
    return tuple(sorted(found, key=lambda c: (c.at_s is None, c.at_s or 0)))


async def reviewing(uow: UnitOfWork, trainer_user_id: int, client_profile_id: int) -> bool:
    """Whether the trainer coaches this profile now (active or paused): they read its
    feedback and are told about it."""
    access = await current_access(uow, trainer_user_id, client_profile_id)
    return access is not None and access.status in REVIEW_STATUSES


class FeedbackPart(Service):
    """The base of every feedback use case: loading and authorising."""

    @staticmethod
    async def _user(uow: UnitOfWork, telegram_id: int) -> User:
        user = await uow.users.acting_user(telegram_id)
        if user is None:
            raise UnknownUser()
        return user

    async def _trainer(self, uow: UnitOfWork, telegram_id: int) -> User:
        user = await self._user(uow, telegram_id)
        if not user.is_trainer:
            raise TrainersOnly()
        return user

    async def _client_record(
        self, uow: UnitOfWork, telegram_id: int, record_id: int, *, with_sets: bool = False
    ) -> tuple[SessionRecord, ClientProfile, User]:
        """A finished session of the acting client."""
        user = await self._user(uow, telegram_id)
        found = await uow.feedback.record(record_id, with_sets=with_sets)
        if found is None or found[1].user_id != user.id or not found[0].is_active:
            raise SessionNotYours()
        record, profile = found
        if not record.completed:
            raise NotFinished()
        return record, profile, user

    @staticmethod
    async def _trainer_record(
        uow: UnitOfWork, user: User, record_id: int
    ) -> tuple[SessionRecord, ClientProfile, bool]:
        """A session of the trainer's client, with whether its sets may be shown."""
        found = await uow.feedback.record(record_id, with_sets=True)
        if found is None or not found[0].is_active:
            raise SessionNotYours()
        record, profile = found
        if user.id not in (record.trainer_user_id, profile.trainer_user_id):
            raise SessionNotYours()
        access = await current_access(uow, user.id, profile.id)
        if access is None or access.status not in REVIEW_STATUSES:
            raise SessionNotYours()
        try:
            authorise(access, Permission.VIEW_WORKOUT_HISTORY)
            sees_history = True
        except NotAllowed:
            sees_history = False
        return record, profile, sees_history

    async def _trainer_media(self, uow: UnitOfWork, user: User, media_note_id: int) -> MediaNote:
        note = await uow.feedback.media_note(media_note_id)
        if note is None or not note.is_active:
            raise NotYours()
        await self._trainer_record(uow, user, note.session_record_id)
        return note

    @staticmethod
    async def _client_view(
        uow: UnitOfWork,
        record: SessionRecord,
        profile: ClientProfile,
        flagged: bool = False,
    ) -> ClientFeedback:
        fb = record.trainee_feedback or {}
        trainer_id = record.trainer_user_id
        trainer: Person | None = None
        if trainer_id is not None and await reviewing(uow, trainer_id, profile.id):
            trainer = person(await uow.get(User, trainer_id))
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
