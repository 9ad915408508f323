"""Workout conversations: the rows a thread is about, and its messages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    ClientProfile,
    CoachingSession,
    Relationship,
    SessionRecord,
    User,
    WorkoutMessage,
)


class ThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def relationship_of_profile(
        self, client_profile_id: int
    ) -> tuple[Relationship, ClientProfile] | None:
        """A trainer's client profile and its newest relationship, whatever its status."""
        row = (
            await self.session.execute(
                select(Relationship, ClientProfile)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .where(
                    ClientProfile.id == client_profile_id,
                    Relationship.is_active.is_(True),
                )
                .order_by(Relationship.id.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def relationship(self, relationship_id: int) -> tuple[Relationship, ClientProfile] | None:
        row = (
            await self.session.execute(
                select(Relationship, ClientProfile)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .where(Relationship.id == relationship_id)
            )
        ).first()
        return None if row is None else (row[0], row[1])

    async def coaching_session(self, coaching_session_id: int) -> CoachingSession | None:
        return await self.session.get(CoachingSession, coaching_session_id)

    async def record(self, record_id: int) -> SessionRecord | None:
        return await self.session.get(SessionRecord, record_id)

    async def message(self, message_id: int) -> WorkoutMessage | None:
        return await self.session.get(WorkoutMessage, message_id)

    async def thread(
        self,
        relationship_id: int,
        coaching_session_id: int | None,
        session_record_id: int | None,
        limit: int,
        before_id: int | None = None,
    ) -> list[WorkoutMessage]:
        """The newest ``limit`` messages of one thread (older than ``before_id``), oldest
        first."""
        rows = await self.session.execute(
            select(WorkoutMessage)
            .where(
                WorkoutMessage.relationship_id == relationship_id,
                WorkoutMessage.coaching_session_id.is_(None)
                if coaching_session_id is None
                else WorkoutMessage.coaching_session_id == coaching_session_id,
                WorkoutMessage.session_record_id.is_(None)
                if session_record_id is None
                else WorkoutMessage.session_record_id == session_record_id,
                WorkoutMessage.is_active.is_(True),
                WorkoutMessage.id < before_id if before_id is not None else true(),
            )
            .order_by(WorkoutMessage.id.desc())
            .limit(limit)
        )
        return list(reversed(list(rows.scalars())))

    def add(self, message: WorkoutMessage) -> None:
        self.session.add(message)

    async def users(self, user_ids: Iterable[int | None]) -> dict[int, User]:
        wanted = [i for i in set(user_ids) if i is not None]
        if not wanted:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(wanted)))
        return {u.id: u for u in rows.scalars()}

    async def for_profiles(self, profile_ids: Sequence[int]) -> list[WorkoutMessage]:
        """Every message about these client profiles, oldest first (exports)."""
        if not profile_ids:
            return []
        rows = await self.session.execute(
            select(WorkoutMessage)
            .where(WorkoutMessage.client_profile_id.in_(list(profile_ids)))
            .order_by(WorkoutMessage.id)
        )
        return list(rows.scalars())

    async def delete_for_profiles(self, profile_ids: Sequence[int]) -> int:
        """Erase every message about these client profiles (the client's /deleteme)."""
        if not profile_ids:
            return 0
        result = await self.session.execute(
            delete(WorkoutMessage)
            .where(WorkoutMessage.client_profile_id.in_(list(profile_ids)))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
