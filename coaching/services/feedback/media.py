"""Media notes: a photo or video on a session, by Telegram ``file_id``, from its client or its
trainer. Each timestamped comment is one ``media_notes`` row (same ``file_id``), so comments
can be queried and ordered by time; the first row holds the optional drawing description."""

from __future__ import annotations

from coaching.domain.enums import MediaKind
from coaching.domain.feedback import CommentError, TimedComment, parse_comments
from coaching.errors import InvalidInput
from coaching.services.feedback.common import FeedbackPart, comments_of, reviewing
from coaching.services.feedback.errors import (
    DRAWING_MAX,
    MEDIA_WHEN_FINISHED,
    NotFinished,
    SessionNotYours,
    clean_text,
)
from coaching.services.feedback.views import MediaDelivery, MediaSaved, person
from storage.models import MediaNote


class MediaNoteService(FeedbackPart):
    """Photos and videos on a session, and the trainer's comments on them."""

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
            user = await self._user(uow, telegram_id)
            found = await uow.feedback.record(record_id)
            if found is None:
                raise SessionNotYours()
            record, profile = found
            by_trainer = profile.user_id != user.id
            if by_trainer:
                record, profile, _ = await self._trainer_record(uow, user, record_id)
            elif not record.completed:
                raise NotFinished(MEDIA_WHEN_FINISHED)
            row = MediaNote(
                session_record_id=record.id,
                media_kind=kind,
                file_id=file_id[:255],
                file_unique_id=(file_unique_id or None) and file_unique_id[:64],
                created_by=user.id,
            )
            uow.feedback.add(row)
            await uow.flush()
            other_id = profile.user_id if by_trainer else record.trainer_user_id
            people = await uow.feedback.users([other_id])
            other = person(people.get(other_id or 0))
            trainer_id = record.trainer_user_id or 0
            if (
                not by_trainer
                and other is not None
                and not await reviewing(uow, trainer_id, profile.id)
            ):
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
            user = await self._trainer(uow, telegram_id)
            note = await self._trainer_media(uow, user, media_note_id)
            try:
                comments = parse_comments(text, timed=note.media_kind is MediaKind.VIDEO)
            except CommentError as error:
                raise InvalidInput(str(error), example="0:42 knees cave in") from None
            repo = uow.feedback
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
            user = await self._trainer(uow, telegram_id)
            note = await self._trainer_media(uow, user, media_note_id)
            repo = uow.feedback
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
                comments=comments_of(rows),
                drawing=first.drawing_data,
                client=person(client),
            )
