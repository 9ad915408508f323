"""The reminder outbox: deriving rows from the calendar, and claiming due rows for sending.

Claiming is safe with several bot processes on PostgreSQL (``FOR UPDATE SKIP LOCKED``: each
process locks different rows) and with one process on SQLite (one ``UPDATE ... RETURNING``
statement, which SQLite runs under its single writer lock).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, TextClause

from coaching.domain.enums import (
    RelationshipStatus,
    ReminderKind,
    ReminderStatus,
    SessionStatus,
)
from storage.models import (
    ClientProfile,
    CoachingSession,
    PermissionSet,
    Relationship,
    Reminder,
    TrainerProfile,
    User,
)


@dataclass(frozen=True, slots=True)
class SessionTarget:
    """A coaching session and the client it is for (``None`` if they have not joined)."""

    session: CoachingSession
    relationship: Relationship
    client: User | None


class ReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # ------------------------------------------------------------------ deriving from the calendar

    async def session_target(self, coaching_session_id: int) -> SessionTarget | None:
        row = (
            await self.session.execute(
                select(CoachingSession, Relationship, User)
                .join(Relationship, Relationship.id == CoachingSession.relationship_id)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .outerjoin(User, User.id == ClientProfile.user_id)
                .where(CoachingSession.id == coaching_session_id)
            )
        ).first()
        if row is None:
            return None
        coaching_session, relationship, client = row
        return SessionTarget(coaching_session, relationship, client)

    async def future_session_ids(self, client_user_id: int, now: datetime) -> list[int]:
        """The client's scheduled sessions that have not started yet, across all trainers."""
        rows = await self.session.execute(
            select(CoachingSession.id)
            .join(Relationship, Relationship.id == CoachingSession.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                ClientProfile.user_id == client_user_id,
                CoachingSession.status == SessionStatus.SCHEDULED,
                CoachingSession.scheduled_at > now,
                CoachingSession.is_active.is_(True),
            )
            .order_by(CoachingSession.scheduled_at)
        )
        return list(rows.scalars())

    async def for_session(self, coaching_session_id: int) -> list[Reminder]:
        rows = await self.session.execute(
            select(Reminder).where(Reminder.coaching_session_id == coaching_session_id)
        )
        return list(rows.scalars())

    async def by_dedup_keys(self, keys: Iterable[str]) -> dict[str, Reminder]:
        wanted = list(keys)
        if not wanted:
            return {}
        rows = await self.session.execute(select(Reminder).where(Reminder.dedup_key.in_(wanted)))
        return {r.dedup_key: r for r in rows.scalars() if r.dedup_key is not None}

    def add(self, reminder: Reminder) -> None:
        self.session.add(reminder)

    async def pending_of_kind(self, user_id: int, kind: ReminderKind) -> list[Reminder]:
        rows = await self.session.execute(
            select(Reminder).where(
                Reminder.user_id == user_id,
                Reminder.kind == kind,
                Reminder.status == ReminderStatus.PENDING,
            )
        )
        return list(rows.scalars())

    async def cancel_pending_for_user(
        self, user_id: int, reason: str, *, kinds: Sequence[ReminderKind] | None = None
    ) -> int:
        statement = (
            update(Reminder)
            .where(Reminder.user_id == user_id, Reminder.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus.CANCELLED, last_error=reason[:500])
        )
        if kinds is not None:
            statement = statement.where(Reminder.kind.in_(list(kinds)))
        result = await self.session.execute(statement.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    # ------------------------------------------------------------------ dispatching

    async def claim_due(self, now: datetime, worker: str, limit: int) -> list[Reminder]:
        """Move up to ``limit`` due PENDING rows to SENDING for ``worker`` and return them.

        The caller commits at once, so the claim is visible to every other process.
        """
        due = (
            select(Reminder.id)
            .where(Reminder.status == ReminderStatus.PENDING, Reminder.due_at <= now)
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        return await self._claim(due, now, worker)

    async def claim_held(
        self, user_ids: Iterable[int], now: datetime, worker: str, limit: int
    ) -> list[Reminder]:
        """Claim the other due held messages of these people, so one digest carries them all."""
        wanted = list(set(user_ids))
        if not wanted:
            return []
        due = (
            select(Reminder.id)
            .where(
                Reminder.status == ReminderStatus.PENDING,
                Reminder.kind == ReminderKind.TRAINER_MESSAGE,
                Reminder.user_id.in_(wanted),
                Reminder.due_at <= now,
            )
            .order_by(Reminder.due_at, Reminder.id)
            .limit(limit)
        )
        return await self._claim(due, now, worker)

    async def _claim(self, due: Any, now: datetime, worker: str) -> list[Reminder]:
        if self.dialect == "postgresql":
            # Another dispatcher's claimed rows are skipped, not waited for.
            due = due.with_for_update(skip_locked=True)
        # The ids first (an index range scan), then the update by primary key: a single
        # UPDATE ... WHERE id IN (subquery) makes SQLite walk every pending row instead.
        ids = list((await self.session.execute(due)).scalars())
        if not ids:
            return []
        still_pending: ColumnElement[bool] | TextClause = Reminder.status == ReminderStatus.PENDING
        if self.dialect == "sqlite":
            # A unary plus keeps SQLite from choosing the (status, due_at) index for this term,
            # which would walk every pending row; the ids lead it to the primary key instead.
            still_pending = text("+status = :pending").bindparams(
                pending=ReminderStatus.PENDING.value
            )
        claimed = await self.session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids), still_pending)
            .values(status=ReminderStatus.SENDING, claimed_at=now, claimed_by=worker)
            .returning(Reminder)
            .execution_options(synchronize_session=False)
        )
        rows = list(claimed.scalars())
        rows.sort(key=lambda r: (r.due_at, r.id))
        return rows

    async def stuck(self, before: datetime, limit: int) -> list[Reminder]:
        """Rows left in SENDING since before ``before``: their process stopped mid-dispatch."""
        query = (
            select(Reminder)
            .where(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_at < before)
            .order_by(Reminder.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars())

    async def finish(
        self, reminder_id: int, worker: str, values: dict[str, Any], *, from_status: ReminderStatus
    ) -> bool:
        """Update one claimed row, only if this worker still holds it in ``from_status``."""
        result = await self.session.execute(
            update(Reminder)
            .where(
                Reminder.id == reminder_id,
                Reminder.status == from_status,
                Reminder.claimed_by == worker,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    # ------------------------------------------------------------------ people

    async def users(self, user_ids: Iterable[int]) -> dict[int, User]:
        wanted = list(set(user_ids))
        if not wanted:
            return {}
        rows = await self.session.execute(select(User).where(User.id.in_(wanted)))
        return {u.id: u for u in rows.scalars()}

    async def trainers_of(
        self, client_user_id: int, statuses: Sequence[RelationshipStatus]
    ) -> list[tuple[User, str]]:
        """This person's trainers (relationship in ``statuses``) and the name each knows them by."""
        rows = await self.session.execute(
            select(User, ClientProfile.name)
            .join(Relationship, Relationship.trainer_user_id == User.id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                ClientProfile.user_id == client_user_id,
                Relationship.status.in_(list(statuses)),
                Relationship.is_active.is_(True),
            )
            .order_by(User.id, Relationship.id)
        )
        seen: dict[int, tuple[User, str]] = {}
        for user, name in rows:
            seen.setdefault(user.id, (user, name))
        return list(seen.values())

    async def trainer_profile(self, user_id: int) -> TrainerProfile | None:
        rows = await self.session.execute(
            select(TrainerProfile).where(TrainerProfile.user_id == user_id)
        )
        return rows.scalar_one_or_none()

    async def contact_outside_hours(self, trainer_user_id: int, client_user_id: int) -> bool:
        """Whether this client lets this trainer (an active relationship) write during quiet
        hours (seed 000 canContactOutsideHours)."""
        rows = await self.session.execute(
            select(PermissionSet.contact_outside_hours)
            .join(Relationship, Relationship.id == PermissionSet.relationship_id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(
                Relationship.trainer_user_id == trainer_user_id,
                ClientProfile.user_id == client_user_id,
                Relationship.status == RelationshipStatus.ACTIVE,
                Relationship.is_active.is_(True),
            )
        )
        return any(bool(value) for value in rows.scalars())
