"""Delayed messages (rest timers) and periodic jobs' leases, shared by every worker.

Both are safe with several bot processes on PostgreSQL and with one process on SQLite:

* A due delayed message is taken by one ``DELETE ... RETURNING`` whose inner select locks its
  rows ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two workers take different rows) and runs under
  SQLite's single writer lock there (the clause is not rendered).
* A lease is taken by one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING``: the
  database serialises the writers of the row, and only the one whose update applied gets a row
  back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models import DelayedMessage, JobLease
from storage.upsert import upsert_statement

_PUTS: dict[str, Insert] = {}


@dataclass(frozen=True, slots=True)
class DueRow:
    """A delayed message taken for sending (already removed from the table)."""

    key: str
    chat_id: int
    text: str
    due_at: datetime


class DelayedMessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def put(self, key: str, chat_id: int, text: str, due_at: datetime) -> None:
        """Schedule ``text`` for ``chat_id`` at ``due_at``, replacing the row of the same key."""
        dialect = self.session.get_bind().dialect.name
        statement = _PUTS.get(dialect)
        if statement is None:
            # Built once per backend (a set's rest timer is on the hot path); values are bound
            # per call.
            table: Any = DelayedMessage.__table__
            columns = ("key", "chat_id", "text", "due_at")
            statement = _PUTS[dialect] = upsert_statement(
                self.session,
                table,
                {name: bindparam(name) for name in columns},
                keys=("key",),
                update=columns[1:],
            )
        await self.session.execute(
            statement, {"key": key, "chat_id": chat_id, "text": text, "due_at": due_at}
        )

    async def cancel(self, key: str) -> None:
        await self.session.execute(delete(DelayedMessage).where(DelayedMessage.key == key))

    async def any_due(self, now: datetime) -> bool:
        """Whether a row is due: a read, so an idle check takes no write lock."""
        found = await self.session.execute(
            select(DelayedMessage.id).where(DelayedMessage.due_at <= now).limit(1)
        )
        return found.first() is not None

    async def take_due(self, now: datetime, limit: int) -> list[DueRow]:
        """Remove and return up to ``limit`` rows due by ``now``, earliest first."""
        due = (
            select(DelayedMessage.id)
            .where(DelayedMessage.due_at <= now)
            .order_by(DelayedMessage.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self.session.execute(
            delete(DelayedMessage)
            .where(DelayedMessage.id.in_(due.scalar_subquery()))
            .returning(
                DelayedMessage.key,
                DelayedMessage.chat_id,
                DelayedMessage.text,
                DelayedMessage.due_at,
            )
        )
        taken = [DueRow(*row) for row in rows.all()]
        return sorted(taken, key=lambda row: row.due_at)

    async def pending(self, key: str) -> DueRow | None:
        """The row scheduled under ``key``, if any (for tests and logs)."""
        row = (
            await self.session.execute(
                select(
                    DelayedMessage.key,
                    DelayedMessage.chat_id,
                    DelayedMessage.text,
                    DelayedMessage.due_at,
                ).where(DelayedMessage.key == key)
            )
        ).first()
        return None if row is None else DueRow(*row)


class JobLeaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def acquire(
        self, name: str, period: int, holder: str, expires_at: datetime, now: datetime
    ) -> bool:
        """Take job ``name`` for ``period`` unless it ran in that period, or another holder's
        lease on it has not expired yet."""
        dialect = self.session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        table: Any = JobLease.__table__
        values = {
            "name": name,
            "period": period,
            "holder": holder,
            "expires_at": expires_at,
            "done": False,
        }
        statement = module.insert(table).values(values)
        current = table.c
        free = or_(
            current.period < statement.excluded.period,
            and_(
                current.period == statement.excluded.period,
                current.done.is_(False),
                current.expires_at <= now,
            ),
        )
        statement = statement.on_conflict_do_update(
            index_elements=["name"],
            set_={
                key: statement.excluded[key] for key in ("period", "holder", "expires_at", "done")
            },
            where=free,
        ).returning(current.name)
        return (await self.session.execute(statement)).first() is not None

    async def renew(self, name: str, period: int, holder: str, expires_at: datetime) -> bool:
        """Extend the lease; false when it is no longer this holder's."""
        result = await self.session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.period == period, JobLease.holder == holder)
            .values(expires_at=expires_at)
            .returning(JobLease.name)
        )
        return result.first() is not None

    async def finish(
        self, name: str, period: int, holder: str, *, done: bool, at: datetime
    ) -> None:
        """Close the holder's lease: done for the period, or released for another try now."""
        values: dict[str, Any] = {"done": True} if done else {"expires_at": at}
        await self.session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.period == period, JobLease.holder == holder)
            .values(**values)
        )

    async def get(self, name: str) -> JobLease | None:
        return await self.session.get(JobLease, name)

    async def beat(self, name: str, holder: str, expires_at: datetime) -> None:
        """Hold ``name`` (a worker's presence) until ``expires_at``, whoever held it before."""
        dialect = self.session.get_bind().dialect.name
        module: Any = postgresql if dialect == "postgresql" else sqlite
        table: Any = JobLease.__table__
        values = {"name": name, "period": 0, "holder": holder, "expires_at": expires_at}
        statement = module.insert(table).values(**values, done=False)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": holder, "expires_at": expires_at},
            )
        )

    async def count_held(self, prefix: str, now: datetime) -> int:
        """How many leases named ``prefix``... are held past ``now``."""
        found = await self.session.scalar(
            select(func.count())
            .select_from(JobLease)
            .where(JobLease.name.startswith(prefix, autoescape=True), JobLease.expires_at > now)
        )
        return int(found or 0)

    async def drop(self, name: str, holder: str) -> None:
        """Give up ``name`` if ``holder`` still holds it."""
        await self.session.execute(
            delete(JobLease).where(JobLease.name == name, JobLease.holder == holder)
        )
