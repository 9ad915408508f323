"""Processed update ids, for handling a re-delivered update once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate, utcnow
from storage.upsert import upsert_statement


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, update_id: int) -> bool:
        found = await self.session.execute(
            select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
        )
        return found.first() is not None

    async def mark(self, update_id: int) -> None:
        await self.session.execute(
            upsert_statement(
                self.session,
                ProcessedUpdate.__table__,  # type: ignore[arg-type]
                {"update_id": update_id, "processed_at": utcnow()},
                keys=("update_id",),
            )
        )

    async def prune(self, older_than: datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
