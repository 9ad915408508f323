"""The trainer's review: sessions with client feedback not reviewed yet, one session in full
(the client's feedback, the sets when the client shares their history, media notes), and the
training feedback that marks it reviewed. The client reads their own session the same way."""

from __future__ import annotations

from datetime import timedelta

from coaching.domain.enums import Units
from coaching.domain.feedback import RATING_MAX, RATING_MIN
from coaching.domain.live import format_kg
from coaching.domain.schedule import load_zone
from coaching.errors import InvalidInput
from coaching.services.feedback.common import FeedbackPart, comments_of, has_feedback, reviewing
from coaching.services.feedback.errors import REVIEW_DAYS, AlreadyReviewed
from coaching.services.feedback.views import (
    FeedbackDraft,
    MediaItem,
    ReviewDetail,
    ReviewItem,
    SentFeedback,
    person,
)
from storage.models import (
    ClientProfile,
    ExerciseRecord,
    MediaNote,
    SessionRecord,
    SetRecord,
    TrainingFeedback,
    User,
)
from storage.uow import UnitOfWork


def _set_line(row: SetRecord, units: Units) -> str:
    if row.weight_kg is not None:
        load = format_kg(row.weight_kg, units)
    else:
        load = "bw" if row.bodyweight else ""
    reps = f"× {row.reps}" if row.reps is not None else ""
    return " ".join(p for p in (load, reps) if p) or "done"


def _exercise_line(exercise: ExerciseRecord, units: Units) -> str:
    if exercise.skipped and not exercise.sets:
        return f"{exercise.exercise_name}: skipped"
    sets = [_set_line(row, units) for row in sorted(exercise.sets, key=lambda s: s.set_index)]
    return f"{exercise.exercise_name}: {', '.join(sets) or 'no sets'}"


def exercise_lines(record: SessionRecord, units: Units) -> tuple[str, ...]:
    """One line per exercise of the session, its sets as logged."""
    ordered = sorted(record.exercises, key=lambda e: e.order_index)
    return tuple(_exercise_line(exercise, units) for exercise in ordered)


def media_items(notes: list[MediaNote], client_user_id: int | None) -> tuple[MediaItem, ...]:
    """The session's photos and videos, one each, with their comments (one row a comment)."""
    by_file: dict[str, list[MediaNote]] = {}
    for note in notes:
        by_file.setdefault(note.file_id, []).append(note)
    return tuple(
        MediaItem(
            rows[0].id,
            rows[0].media_kind,
            file_id,
            comments_of(rows),
            rows[0].drawing_data,
            rows[0].created_by != client_user_id,
        )
        for file_id, rows in by_file.items()
    )


class ReviewService(FeedbackPart):
    """The trainer reads the client's feedback on a session and answers it."""

    async def review_list(self, telegram_id: int) -> tuple[ReviewItem, ...]:
        """The trainer's sessions with client feedback not reviewed yet, newest first."""
        async with self.ctx.uow() as uow:
            user = await self._trainer(uow, telegram_id)
            since = self.ctx.clock.now() - timedelta(days=REVIEW_DAYS)
            rows = await uow.feedback.awaiting_review(user.id, since)
            zone = load_zone(user.timezone)
            allowed: dict[int, bool] = {}
            items: list[ReviewItem] = []
            for record, profile in rows:
                if not has_feedback(record):
                    continue
                if profile.id not in allowed:
                    allowed[profile.id] = await reviewing(uow, user.id, profile.id)
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
            user = await self._trainer(uow, telegram_id)
            record, profile, sees_history = await self._trainer_record(uow, user, record_id)
            return await self._detail(uow, user, record, profile, sees_history)

    async def client_detail(self, telegram_id: int, record_id: int) -> ReviewDetail:
        """One of the client's own sessions, as they see it."""
        async with self.ctx.uow() as uow:
            record, profile, user = await self._client_record(
                uow, telegram_id, record_id, with_sets=True
            )
            return await self._detail(uow, user, record, profile, True)

    async def submit(self, telegram_id: int, record_id: int, draft: FeedbackDraft) -> SentFeedback:
        """Store the trainer's feedback, marked reviewed (seed 000 ``markAsReviewed``)."""
        if draft.rating is not None and not RATING_MIN <= draft.rating <= RATING_MAX:
            raise InvalidInput("Rate the performance from 1 to 5.", example="4")
        async with self.ctx.uow() as uow:
            user = await self._trainer(uow, telegram_id)
            record, profile, _ = await self._trainer_record(uow, user, record_id)
            now = self.ctx.clock.now()
            repo = uow.feedback
            if any(f.was_reviewed for f in await repo.feedback_of(record.id)):
                raise AlreadyReviewed()
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
            await uow.flush()
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

    @staticmethod
    async def _detail(
        uow: UnitOfWork,
        viewer: User,
        record: SessionRecord,
        profile: ClientProfile,
        sees_history: bool,
    ) -> ReviewDetail:
        repo = uow.feedback
        fb = record.trainee_feedback or {}
        notes = await repo.media_of(record.id)
        reviewed = any(f.was_reviewed for f in await repo.feedback_of(record.id))
        return ReviewDetail(
            record_id=record.id,
            client_name=profile.name,
            title=record.title,
            started=record.start_time.astimezone(load_zone(viewer.timezone)),
            rpe=fb.get("rpe"),
            text=fb.get("text"),
            rating=fb.get("rating"),
            exercises=exercise_lines(record, viewer.units) if sees_history else None,
            media=media_items(notes, profile.user_id),
            reviewed=reviewed,
        )
