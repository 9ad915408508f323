"""The unit of work: one transaction, owned by a service.

Repositories take ``uow.session`` and never commit; the service commits once.

A commit can also record the inbound update being handled as processed, in the same
transaction (:meth:`UnitOfWork.commit` with ``completes_update=True``): the update's write and
its de-duplication mark then land together or not at all, and the update needs no second
transaction afterwards. The bot says which update is being handled with
:func:`handling_update`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories.updates import ProcessedUpdateRepository


@dataclass
class InboundUpdate:
    """The update being handled, and whether a commit has recorded it as processed."""

    update_id: int
    recorded: bool = False


_inbound: ContextVar[InboundUpdate | None] = ContextVar("spotter_inbound_update", default=None)


@contextmanager
def handling_update(update_id: int) -> Iterator[InboundUpdate]:
    """Mark the code inside (in this task) as handling update ``update_id``."""
    inbound = InboundUpdate(update_id)
    token = _inbound.set(inbound)
    try:
        yield inbound
    finally:
        _inbound.reset(token)


class UnitOfWork:
    """``async with uow: ...; await uow.commit()``. Leaving without a commit rolls back."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        self._session = self._session_factory()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        self._session = None
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use 'async with uow:'")
        return self._session

    async def commit(self, *, completes_update: bool = False) -> None:
        """Commit. With ``completes_update``, this commit is the whole of the inbound update's
        work: the update is recorded as processed in the same transaction (once; outside
        :func:`handling_update` there is nothing to record)."""
        inbound = _inbound.get() if completes_update else None
        if inbound is None or inbound.recorded:
            await self.session.commit()
            return
        await ProcessedUpdateRepository(self.session).mark(inbound.update_id)
        await self.session.commit()
        inbound.recorded = True

    async def rollback(self) -> None:
        await self.session.rollback()

    async def flush(self) -> None:
        await self.session.flush()


class UnitOfWorkFactory:
    """Makes a fresh unit of work per use case call."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)
