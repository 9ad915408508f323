"""Processed update ids, for handling a re-delivered update once.

A mark is *settled* once everything the update changes is stored: its effects and the
conversation state it leaves behind. An update's first commit marks it unsettled (its effects
are in; the state is written after the handler answers) and the state's write settles it, so a
mark still unsettled when the update is delivered again tells of a bot that stopped in between.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models import ProcessedUpdate, utcnow
from storage.upsert import upsert_statement

_MARKS: dict[tuple[str, bool], Insert] = {}


class Handled(Enum):
    """What is stored of an update id."""

    NEW = "new"  # never handled
    SETTLED = "settled"  # handled, its effects and its conversation state stored
    UNSETTLED = "unsettled"  # effects stored, the conversation state never written


def handled_from(settled: bool | None) -> Handled:
    """A mark's ``settled`` column (None: no mark) as :class:`Handled`."""
    if settled is None:
        return Handled.NEW
    return Handled.SETTLED if settled else Handled.UNSETTLED


class ProcessedUpdateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def seen(self, update_id: int) -> bool:
        return await self.handled(update_id) is not Handled.NEW

    async def handled(self, update_id: int) -> Handled:
        found = await self.session.scalar(
            select(ProcessedUpdate.settled).where(ProcessedUpdate.update_id == update_id)
        )
        return handled_from(found)

    async def mark(self, update_id: int, *, settled: bool = True) -> None:
        """Record the update as handled. A settled mark settles an unsettled one; an unsettled
        mark never unsettles a settled one."""
        dialect = self.session.get_bind().dialect.name
        statement = _MARKS.get((dialect, settled))
        if statement is None:
            # Built once per backend; the values are bound per call.
            statement = _MARKS[(dialect, settled)] = upsert_statement(
                self.session,
                ProcessedUpdate.__table__,  # type: ignore[arg-type]
                {
                    "update_id": bindparam("update_id"),
                    "processed_at": bindparam("processed_at"),
                    "settled": bindparam("settled"),
                },
                keys=("update_id",),
                update=("settled",) if settled else None,
            )
        await self.session.execute(
            statement, {"update_id": update_id, "processed_at": utcnow(), "settled": settled}
        )

    async def settle(self, update_id: int) -> None:
        """The update's conversation state is written: its mark is settled."""
        await self.session.execute(
            update(ProcessedUpdate)
            .where(ProcessedUpdate.update_id == update_id)
            .values(settled=True)
        )

    async def prune(self, older_than: datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < older_than)
        )
        return int(getattr(result, "rowcount", 0) or 0)
