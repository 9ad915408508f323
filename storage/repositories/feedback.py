"""The feedback loop: session records with the client's feedback, the trainer's training
feedback, media notes, client alerts and the profiles an injury report goes onto.

Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coaching.domain.enums import AlertType, RelationshipStatus
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    ExerciseRecord,
    MediaNote,
    Relationship,
    SessionRecord,
    TrainingFeedback,
    User,
)

LIST_LIMIT = 20


class FeedbackRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: TrainingFeedback | MediaNote | ClientAlert) -> None:
        self.session.add(row)

    # ------------------------------------------------------------------ records

    async def record(
        self, record_id: int, *, with_sets: bool = False
    ) -> tuple[SessionRecord, ClientProfile] | None:
        statement = (
            select(SessionRecord, ClientProfile)
            .join(ClientProfile, ClientProfile.id == SessionRecord.client_profile_id)
            .where(SessionRecord.id == record_id)
        )
        if with_sets:
            statement = statement.options(
                selectinload(SessionRecord.exercises).selectinload(ExerciseRecord.sets)
            )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def recent_of_profiles(
        self, profile_ids: Sequence[int], since: datetime
    ) -> list[SessionRecord]:
        """Completed (or closed with sets) sessions of these profiles since ``since``, newest
        first."""
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(SessionRecord)
            .where(
                SessionRecord.client_profile_id.in_(profile_ids),
                SessionRecord.completed.is_(True),
                SessionRecord.is_active.is_(True),
                SessionRecord.start_time >= since,
            )
            .order_by(SessionRecord.start_time.desc(), SessionRecord.id.desc())
            .limit(LIST_LIMIT)
        )
        return list(rows.scalars())

    async def awaiting_review(
        self, trainer_user_id: int, since: datetime
    ) -> list[tuple[SessionRecord, ClientProfile]]:
        """The trainer's completed sessions since ``since`` with no reviewed feedback yet.

        Whether the client left feedback is read by the caller (``trainee_feedback`` is JSON).
        """
        reviewed = exists().where(
            TrainingFeedback.session_record_id == SessionRecord.id,
            TrainingFeedback.was_reviewed.is_(True),
        )
        rows = await self.session.execute(
            select(SessionRecord, ClientProfile)
            .join(ClientProfile, ClientProfile.id == SessionRecord.client_profile_id)
            .where(
                SessionRecord.trainer_user_id == trainer_user_id,
                SessionRecord.completed.is_(True),
                SessionRecord.is_active.is_(True),
                SessionRecord.start_time >= since,
                ~reviewed,
            )
            .order_by(SessionRecord.start_time.desc(), SessionRecord.id.desc())
        )
        return [(record, profile) for record, profile in rows.all()]

    async def record_for_coaching(self, coaching_session_id: int) -> SessionRecord | None:
        """The (newest) session record logged for this appointment, live or finished."""
        rows = await self.session.execute(
            select(SessionRecord)
            .where(
                SessionRecord.coaching_session_id == coaching_session_id,
                SessionRecord.is_active.is_(True),
            )
            .order_by(SessionRecord.id.desc())
            .limit(1)
        )
        return rows.scalar_one_or_none()

    async def coaching_session(self, coaching_session_id: int | None) -> CoachingSession | None:
        if coaching_session_id is None:
            return None
        return await self.session.get(CoachingSession, coaching_session_id)

    # ------------------------------------------------------------------ trainer feedback

    async def feedback_of(self, record_id: int) -> list[TrainingFeedback]:
        rows = await self.session.execute(
            select(TrainingFeedback)
            .where(TrainingFeedback.session_record_id == record_id)
            .order_by(TrainingFeedback.id)
        )
        return list(rows.scalars())

    async def media_of(self, record_id: int) -> list[MediaNote]:
        rows = await self.session.execute(
            select(MediaNote)
            .where(MediaNote.session_record_id == record_id, MediaNote.is_active.is_(True))
            .order_by(MediaNote.id)
        )
        return list(rows.scalars())

    async def media_note(self, media_note_id: int) -> MediaNote | None:
        return await self.session.get(MediaNote, media_note_id)

    async def media_with_file(self, record_id: int, file_id: str) -> list[MediaNote]:
        rows = await self.session.execute(
            select(MediaNote)
            .where(
                MediaNote.session_record_id == record_id,
                MediaNote.file_id == file_id,
                MediaNote.is_active.is_(True),
            )
            .order_by(MediaNote.id)
        )
        return list(rows.scalars())

    # ------------------------------------------------------------------ people and alerts

    async def users(self, user_ids: Sequence[int | None]) -> dict[int, User]:
        ids = sorted({i for i in user_ids if i is not None})
        if not ids:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(ids)))
        return {user.id: user for user in rows.scalars()}

    async def active_trainer_profiles(
        self, client_user_id: int
    ) -> list[tuple[ClientProfile, Relationship]]:
        """The client's profiles held by trainers they are ACTIVE with, one per trainer."""
        rows = await self.session.execute(
            select(ClientProfile, Relationship)
            .join(Relationship, Relationship.client_profile_id == ClientProfile.id)
            .where(
                ClientProfile.user_id == client_user_id,
                ClientProfile.trainer_user_id.is_not(None),
                ClientProfile.is_active.is_(True),
                Relationship.is_active.is_(True),
                Relationship.status == RelationshipStatus.ACTIVE,
            )
            .order_by(ClientProfile.id, Relationship.id.desc())
        )
        seen: set[int] = set()
        found: list[tuple[ClientProfile, Relationship]] = []
        for profile, relationship in rows.all():
            if profile.id in seen:
                continue
            seen.add(profile.id)
            found.append((profile, relationship))
        return found

    async def open_alert(
        self, trainer_user_id: int, client_profile_id: int, dedup_key: str
    ) -> ClientAlert | None:
        rows = await self.session.execute(
            select(ClientAlert).where(
                ClientAlert.trainer_user_id == trainer_user_id,
                ClientAlert.client_profile_id == client_profile_id,
                ClientAlert.dedup_key == dedup_key,
                ClientAlert.is_resolved.is_(False),
            )
        )
        return rows.scalar_one_or_none()

    async def alert(self, alert_id: int) -> ClientAlert | None:
        return await self.session.get(ClientAlert, alert_id)

    async def open_injury_alerts(self, trainer_user_id: int) -> list[ClientAlert]:
        rows = await self.session.execute(
            select(ClientAlert)
            .where(
                ClientAlert.trainer_user_id == trainer_user_id,
                ClientAlert.alert_type == AlertType.INJURY_REPORTED,
                ClientAlert.is_resolved.is_(False),
            )
            .order_by(ClientAlert.raised_at.desc())
        )
        return list(rows.scalars())
