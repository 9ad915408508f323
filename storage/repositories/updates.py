"""Processed update ids, for handling a re-delivered update once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models import ProcessedUpdate, utcnow
from storage.upsert import upsert_statement

_MARKS: dict[str, Insert] = {}


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, update_id: int) -> bool:
        found = await self.session.execute(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
        )
        return found.first() is not None

    async def mark(self, update_id: int) -> None:
        dialect = self.session.get_bind().dialect.name
        statement = _MARKS.get(dialect)
        if statement is None:
            # Built once per backend; the values are bound per call.
            statement = _MARKS[dialect] = upsert_statement(
                self.session,
                ProcessedUpdate.__table__,  # type: ignore[arg-type]
                {"update_id": bindparam("update_id"), "processed_at": bindparam("processed_at")},
                keys=("update_id",),
            )
        await self.session.execute(statement, {"update_id": update_id, "processed_at": utcnow()})

    async def prune(self, older_than: datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
