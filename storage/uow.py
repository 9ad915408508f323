"""The unit of work: one transaction, owned by a service.

The unit of work owns the repositories (``uow.users``, ``uow.alerts``, ...), each built on first
use over the one session; services talk to them and never see the session. Repositories never
commit; the service commits once.

Every commit made while an inbound update is handled (the bot says which with
:func:`handling_update`) records that update as processed in the same transaction, the first
time: the update's effects and its de-duplication mark land together or not at all, so an update
delivered again never does its work twice. The mark is *unsettled* until the bot has written the
conversation state the update leaves (see :mod:`storage.repositories.updates`), unless the
commit is the update's whole work (:meth:`UnitOfWork.commit` with ``completes_update=True``,
e.g. logging a set, whose conversation stays where it is).

A busy database (SQLite's writer lock held past ``busy_timeout``, a PostgreSQL serialization
failure, deadlock or lock time-out) surfaces from a unit of work as :class:`DatabaseBusy`,
after the transaction was rolled back: nothing of it was stored, and the whole unit of work can
run again (see :func:`coaching.services.base.retried`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Base
from storage.repositories.alerts import AlertRepository
from storage.repositories.assignments import AssignmentRepository
from storage.repositories.calendar import CalendarRepository
from storage.repositories.clients import ClientRepository, InviteAttemptRepository, InviteRepository
from storage.repositories.dashboard import DashboardRepository
from storage.repositories.exchange import ExchangeRepository
from storage.repositories.exercises import ExerciseRepository
from storage.repositories.feedback import FeedbackRepository
from storage.repositories.howtos import HowToRepository
from storage.repositories.live import LiveRepository
from storage.repositories.measurements import MeasurementRepository
from storage.repositories.profiles import ProfileRepository
from storage.repositories.programs import ProgramRepository
from storage.repositories.relationships import RelationshipRepository
from storage.repositories.reminders import ReminderRepository
from storage.repositories.templates import ExerciseRowRepository, TemplateRepository
from storage.repositories.threads import ThreadRepository
from storage.repositories.timers import DelayedMessageRepository, JobLeaseRepository
from storage.repositories.updates import ProcessedUpdateRepository
from storage.repositories.users import UserRepository
from storage.repositories.workouts import WorkoutRepository

# SQLite: SQLITE_BUSY and SQLITE_LOCKED (primary result codes; extended codes keep the low byte).
_SQLITE_BUSY_CODES = frozenset({5, 6})
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_POSTGRES_BUSY_STATES = frozenset({"40001", "40P01", "55P03"})


R = TypeVar("R")
M = TypeVar("M", bound=Base)


def _no_factory() -> AsyncSession:
    raise RuntimeError("a joined unit of work is not entered: its caller owns the session")


_NO_FACTORY: async_sessionmaker[AsyncSession] = _no_factory  # type: ignore[assignment]


class DatabaseBusy(Exception):
    """The database could not take this unit of work now; it was rolled back, nothing stored."""


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` means "the database is busy, try the transaction again"."""
    if not isinstance(error, DBAPIError):
        return False
    orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_BUSY_CODES
    state = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
    if state is None and orig is not None and orig.__cause__ is not None:
        state = getattr(orig.__cause__, "sqlstate", None)
    if state is not None:
        return str(state) in _POSTGRES_BUSY_STATES
    return "database is locked" in str(orig)


@dataclass
class InboundUpdate:
    """The update being handled, and whether a commit has recorded it as processed."""

    update_id: int
    recorded: bool = False
    settled: bool = False


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
        self._repositories: dict[Callable[[AsyncSession], Any], Any] = {}

    @classmethod
    def joining(cls, session: AsyncSession) -> UnitOfWork:
        """The repositories over a session someone else opened, and will commit and close: for
        code that still passes a session around. Not to be entered (``async with``)."""
        joined = cls(_NO_FACTORY)
        joined._session = session
        return joined

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
        self._repositories.clear()
        if session is None:
            return
        try:
            await session.rollback()
        finally:
            await session.close()
        if exc is not None and is_busy(exc):
            raise DatabaseBusy(str(exc.__class__.__name__)) from exc

    @property
    def session(self) -> AsyncSession:
        """The session itself, for the services not yet on the repositories (and tests)."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use 'async with uow:'")
        return self._session

    def _repository(self, make: Callable[[AsyncSession], R]) -> R:
        """The repository ``make`` builds over this unit of work's session, built on first
        use and kept until the unit of work closes."""
        found = self._repositories.get(make)
        if found is None:
            found = self._repositories[make] = make(self.session)
        return found

    @property
    def alerts(self) -> AlertRepository:
        return self._repository(AlertRepository)

    @property
    def assignments(self) -> AssignmentRepository:
        return self._repository(AssignmentRepository)

    @property
    def calendar(self) -> CalendarRepository:
        return self._repository(CalendarRepository)

    @property
    def clients(self) -> ClientRepository:
        return self._repository(ClientRepository)

    @property
    def invites(self) -> InviteRepository:
        return self._repository(InviteRepository)

    @property
    def invite_attempts(self) -> InviteAttemptRepository:
        return self._repository(InviteAttemptRepository)

    @property
    def dashboard(self) -> DashboardRepository:
        return self._repository(DashboardRepository)

    @property
    def exchange(self) -> ExchangeRepository:
        return self._repository(ExchangeRepository)

    @property
    def exercises(self) -> ExerciseRepository:
        return self._repository(ExerciseRepository)

    @property
    def feedback(self) -> FeedbackRepository:
        return self._repository(FeedbackRepository)

    @property
    def howtos(self) -> HowToRepository:
        return self._repository(HowToRepository)

    @property
    def live(self) -> LiveRepository:
        return self._repository(LiveRepository)

    @property
    def measurements(self) -> MeasurementRepository:
        return self._repository(MeasurementRepository)

    @property
    def profiles(self) -> ProfileRepository:
        return self._repository(ProfileRepository)

    @property
    def programs(self) -> ProgramRepository:
        return self._repository(ProgramRepository)

    @property
    def relationships(self) -> RelationshipRepository:
        return self._repository(RelationshipRepository)

    @property
    def reminders(self) -> ReminderRepository:
        return self._repository(ReminderRepository)

    @property
    def templates(self) -> TemplateRepository:
        return self._repository(TemplateRepository)

    @property
    def exercise_rows(self) -> ExerciseRowRepository:
        return self._repository(ExerciseRowRepository)

    @property
    def threads(self) -> ThreadRepository:
        return self._repository(ThreadRepository)

    @property
    def delayed_messages(self) -> DelayedMessageRepository:
        return self._repository(DelayedMessageRepository)

    @property
    def job_leases(self) -> JobLeaseRepository:
        return self._repository(JobLeaseRepository)

    @property
    def processed_updates(self) -> ProcessedUpdateRepository:
        return self._repository(ProcessedUpdateRepository)

    @property
    def users(self) -> UserRepository:
        return self._repository(UserRepository)

    @property
    def workouts(self) -> WorkoutRepository:
        return self._repository(WorkoutRepository)

    async def commit(self, *, completes_update: bool = False) -> None:
        """Commit, recording the inbound update (if any) as processed in the same transaction
        the first time. With ``completes_update`` this commit is the whole of the update's work
        and its mark is settled at once; otherwise the bot settles it with the conversation
        state it writes after the handler."""
        inbound = _inbound.get()
        if inbound is None or inbound.recorded:
            await self.session.commit()
            return
        await self.processed_updates.mark(inbound.update_id, settled=completes_update)
        await self.session.commit()
        inbound.recorded = True
        inbound.settled = completes_update

    def add(self, row: object) -> None:
        """Track a new row: it is inserted at the next flush or commit."""
        self.session.add(row)

    async def delete(self, row: object) -> None:
        """Mark a loaded row for deletion at the next flush or commit."""
        await self.session.delete(row)

    async def get(self, model: type[M], key: int, *, for_update: bool = False) -> M | None:
        """One row by primary key (from the session's identity map when already loaded);
        ``for_update`` locks it for the rest of the transaction where the database can."""
        return await self.session.get(model, key, with_for_update=for_update or None)

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
