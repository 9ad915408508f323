"""PTB persistence backed by the application's own database.

Conversations and ``user_data`` are stored so that a bot killed mid-conversation resumes at the
same step. ``user_data`` must hold JSON values only (ids, strings, numbers, lists, dicts).
The application flushes after every handled update (see :mod:`bot.application`).

What was last written (or loaded) is remembered, so a conversation that stays in its state and
an untouched ``user_data`` cost no write. Inside :meth:`SqlPersistence.collect` the writes are
gathered instead of made, and :meth:`SqlPersistence.write` stores them together with the
handled update's id in one transaction (see :mod:`bot.application`).

Handled update ids are remembered too (:meth:`SqlPersistence.handled`): every id at or below the
newest one stored when the bot started is looked up in the database, and every newer one is
known from memory, because this process wrote all of those itself. On SQLite one process owns
the database (see :mod:`bot.worker`), so one process writes to ``processed_updates``.

**Shared mode (PostgreSQL, any number of workers).** No worker's memory can be trusted: the
previous update of a chat may have been handled by another worker. Each update is handled in a
:meth:`SqlPersistence.chat_turn`: one transaction, on a connection of its own, that

1. takes a transaction-level advisory lock on the chat id (``pg_advisory_xact_lock``), so the
   chat's updates run one at a time across all workers, while other chats run in parallel;
2. reads, in one statement, the chat's conversation states, the user's ``user_data`` and
   whether the update was handled already (by any worker);
3. after the handlers, writes what changed and the handled mark, and commits, which lets go of
   the lock. A worker that dies in between loses its connection, and PostgreSQL rolls the
   transaction back and releases the lock: the next worker finds the chat as it was.

**A busy database at step 3** (a deadlock, a lock time-out, a serialization failure) rolls
the turn's transaction back, and with it only the turn's own writes: the update's effects were
committed by its services in their own units of work, and the person has had the answer. So
the update is not run again (that would do its effects twice); its writes are stored again, in
a fresh transaction that takes the chat's lock again, after the same pauses as a busy use case
(:meth:`SqlPersistence.write_turn`). They are stored only if the chat is still as the turn
found it: when another update of the chat was handled in the gap, its state is newer and is
kept (the update is still marked handled: its effects and answer are out).

That is two statements per update more than on SQLite (the lock and the read); the writes are
the ones the single process makes too.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import random
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, delete, func, literal_column, select, text, union_all
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql import Select
from sqlalchemy.sql.expression import ColumnClause
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from coaching.services.base import BACKOFF_SECONDS
from storage.models import ConversationState, ProcessedUpdate, UserData, utcnow
from storage.repositories.updates import Handled, ProcessedUpdateRepository
from storage.uow import is_busy
from storage.upsert import upsert_statement

log = logging.getLogger(__name__)

UD = dict[Any, Any]

# Handled ids newer than the floor are kept in memory; past this many, the floor moves up to
# the newest of them and they are looked up in the database again.
HANDLED_IN_MEMORY = 4096


@dataclass
class PendingWrites:
    """Writes gathered during one flush, stored by :meth:`SqlPersistence.write`."""

    conversations: dict[tuple[str, str], object | None] = field(default_factory=dict)
    user_data: dict[int, tuple[UD, str]] = field(default_factory=dict)
    dropped_users: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.conversations or self.user_data or self.dropped_users)


@dataclass
class ChatTurn:
    """One update's turn in its chat, in shared mode (see :meth:`SqlPersistence.chat_turn`).

    ``states`` holds the stored conversation states of the update's keys, by (conversation
    name, encoded key); ``user_data`` the user's stored data (None: none stored).
    """

    session: AsyncSession
    handled: Handled
    states: dict[tuple[str, str], object] = field(default_factory=dict)
    user_data: UD | None = None
    # What the turn was opened with, to take the chat again when its writes must be retried.
    lock_key: int | None = None
    update_id: int = 0
    keys: tuple[str, ...] = ()
    user_id: int | None = None

    def same_as(self, other: ChatTurn) -> bool:
        """Whether ``other`` (a later read of the same chat) found what this turn found."""
        return self.states == other.states and self.user_data == other.user_data


@dataclass(frozen=True)
class _Marks:
    """The handled mark a write stores: a new settled mark for ``handled``, or the settling
    of the unsettled mark the update's own commit made for ``settle``."""

    handled: int | None
    settle: int | None


_LOCK_CHAT = text("SELECT pg_advisory_xact_lock(:key)")


def _turn_read(keys: list[str], user_id: int | None, update_id: int) -> Select[Any]:
    """One statement: the states of ``keys``, the user's data and whether the update was
    handled, as rows of (kind, name, key, value)."""
    nothing: ColumnClause[Any] = literal_column("NULL")
    states = select(
        literal_column("'c'").label("kind"),
        ConversationState.name,
        ConversationState.key,
        ConversationState.state.label("value"),
    ).where(ConversationState.key.in_(keys))
    settled = case((ProcessedUpdate.settled, "s"), else_="u")
    handled = select(literal_column("'h'"), settled, nothing, nothing).where(
        ProcessedUpdate.update_id == update_id
    )
    if user_id is None:
        return union_all(states, handled)  # type: ignore[return-value]
    data = select(literal_column("'u'"), nothing, nothing, UserData.data).where(
        UserData.user_id == user_id
    )
    return union_all(states, data, handled)  # type: ignore[return-value]


_pending: contextvars.ContextVar[PendingWrites | None] = contextvars.ContextVar(
    "spotter_pending_persistence", default=None
)


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


def encode_key(key: ConversationKey) -> str:
    """A conversation key as stored in ``persistence_conversations.key``."""
    return _encode_key(key)


def _encode_data(data: UD) -> str:
    return json.dumps(data, sort_keys=True, default=str)


class SqlPersistence(BasePersistence[UD, UD, UD]):
    """Stores conversations and user_data in the ``persistence_*`` tables."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        shared: bool = False,
        max_turns: int = 1,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._sessions = session_factory
        # Shared mode: state is read per update (chat_turn); at most max_turns updates hold a
        # connection for their turn at once, so services always find one for their own work.
        self.shared = shared
        self._turn_slots = asyncio.Semaphore(max_turns)
        # What was last written per user, so an untouched user_data costs no write.
        self._written_user_data: dict[int, str] = {}
        # What is stored per (conversation, key); for the names in _loaded_names a key that is
        # missing here is missing in the database too.
        self._written_states: dict[tuple[str, str], object] = {}
        self._loaded_names: set[str] = set()
        # Handled update ids: the newest stored when first asked (None: not read yet), and
        # the ones handled since that are newer.
        self._handled_floor: int | None = None
        self._handled_since: set[int] = set()

    # ------------------------------------------------------------------ handled updates

    async def handled(self, update_id: int) -> Handled:
        """Whether this update id was handled already (by this process or before a restart),
        and if so whether its conversation state was written too."""
        if self._handled_floor is None:
            async with self._sessions() as session:
                newest = await session.scalar(select(func.max(ProcessedUpdate.update_id)))
            self._handled_floor = int(newest) if newest is not None else -1
        if update_id > self._handled_floor:
            # This process handled every newer one it knows of, and settles them itself.
            return Handled.SETTLED if update_id in self._handled_since else Handled.NEW
        async with self._sessions() as session:
            return await ProcessedUpdateRepository(session).handled(update_id)

    def _remember_handled(self, update_id: int) -> None:
        if self._handled_floor is None or update_id <= self._handled_floor:
            return
        self._handled_since.add(update_id)
        if len(self._handled_since) > HANDLED_IN_MEMORY:
            self._handled_floor = max(self._handled_since)
            self._handled_since.clear()

    # ------------------------------------------------------------------ shared mode

    @asynccontextmanager
    async def chat_turn(
        self,
        lock_key: int | None,
        update_id: int,
        keys: Mapping[str, ConversationKey],
        user_id: int | None,
    ) -> AsyncIterator[ChatTurn]:
        """Hold ``lock_key``'s chat for one update, with its state as stored (shared mode).

        ``keys`` are the update's conversation keys, encoded to the tuples. Leaving commits
        what :meth:`write_turn` wrote and releases the lock; an error rolls back.
        """
        async with self._turn_slots, self._sessions() as session:
            turn = ChatTurn(
                session,
                handled=Handled.NEW,
                lock_key=lock_key,
                update_id=update_id,
                keys=tuple(keys),
                user_id=user_id,
            )
            await self._take_chat(turn)
            self._remember_turn(turn, keys, user_id)
            yield turn
            await session.commit()

    async def _take_chat(self, turn: ChatTurn) -> None:
        """Lock the turn's chat (in its session's transaction) and read what is stored."""
        session = turn.session
        if turn.lock_key is not None:
            await session.execute(_LOCK_CHAT, {"key": turn.lock_key})
        rows = await session.execute(_turn_read(list(turn.keys), turn.user_id, turn.update_id))
        for kind, name, key, value in rows:
            if kind == "h":
                turn.handled = Handled.SETTLED if name == "s" else Handled.UNSETTLED
            elif kind == "u":
                turn.user_data = dict(value or {})
            elif value is not None:
                turn.states[(name, key)] = value

    def _remember_turn(
        self, turn: ChatTurn, keys: Mapping[str, ConversationKey], user_id: int | None
    ) -> None:
        """What is stored now is what was last written, for the unchanged-write checks."""
        for name in self._loaded_names:
            for key in keys:
                self._wrote_state(name, key, turn.states.get((name, key)))
        if user_id is not None:
            if turn.user_data is None:
                self._written_user_data.pop(user_id, None)
            else:
                self._written_user_data[user_id] = _encode_data(turn.user_data)

    async def write_turn(
        self,
        turn: ChatTurn,
        pending: PendingWrites,
        *,
        handled_update_id: int | None,
        settle_update_id: int | None = None,
    ) -> None:
        """Write gathered writes and the handled mark (or settle the mark the update's own
        commit made) in the turn's transaction, and commit.

        A busy database rolls the transaction back; the writes are then stored again in fresh
        turns of the same chat (see the module's docstring)."""
        marks = _Marks(handled_update_id, settle_update_id)
        try:
            await self._write_pending(turn.session, pending, marks)
            await turn.session.commit()
        except DBAPIError as error:
            if not is_busy(error):
                raise
            await turn.session.rollback()  # lets go of the chat's lock
            log.info("update %s: state write met a busy database; trying again", turn.update_id)
            if not await self._write_turn_again(turn, pending, marks):
                return
        self._remember_written(pending)

    async def _write_turn_again(
        self, turn: ChatTurn, pending: PendingWrites, marks: _Marks
    ) -> bool:
        """Store the turn's writes in a fresh turn of its chat, if the chat is as the turn
        found it; whether they were stored."""
        for pause in BACKOFF_SECONDS:
            await asyncio.sleep(pause * (1 + random.random() / 2))
            try:
                return await self._write_if_unchanged(turn, pending, marks)
            except DBAPIError as error:
                if not is_busy(error):
                    raise
        log.warning(
            "update %s: conversation state not saved, the database stayed busy", turn.update_id
        )
        return False

    async def _write_if_unchanged(
        self, turn: ChatTurn, pending: PendingWrites, marks: _Marks
    ) -> bool:
        async with self._sessions() as session:
            again = ChatTurn(
                session,
                handled=Handled.NEW,
                lock_key=turn.lock_key,
                update_id=turn.update_id,
                keys=turn.keys,
                user_id=turn.user_id,
            )
            await self._take_chat(again)
            if marks.handled is not None and again.handled is not Handled.NEW:
                marks = _Marks(None, None)  # another worker handled this very update meanwhile
                moved_on = True
            else:
                moved_on = not turn.same_as(again)
            if moved_on:
                log.warning(
                    "update %s: the chat moved on while its state waited for a busy database; "
                    "the newer state is kept",
                    turn.update_id,
                )
                pending = PendingWrites()  # only the handled mark, if it is still missing
            await self._write_pending(session, pending, marks)
            await session.commit()
        return not moved_on

    # ------------------------------------------------------------------ batched writes

    @contextmanager
    def collect(self) -> Iterator[PendingWrites]:
        """Gather the writes made inside (in this task) instead of making them."""
        pending = PendingWrites()
        token = _pending.set(pending)
        try:
            yield pending
        finally:
            _pending.reset(token)

    async def write(
        self,
        pending: PendingWrites,
        *,
        handled_update_id: int | None,
        recorded: bool = False,
        settled: bool = True,
    ) -> None:
        """Store gathered writes and mark an update handled, in one transaction.

        ``recorded`` says the handler's own commit has marked the update handled already
        (see :func:`storage.uow.handling_update`); it is then remembered, and settled here
        unless that commit ``settled`` it.
        """
        marks = _Marks(handled_update_id, None)
        if recorded and handled_update_id is not None:
            self._remember_handled(handled_update_id)
            marks = _Marks(None, None if settled else handled_update_id)
        if not pending and marks.handled is None and marks.settle is None:
            return
        for pause in (*BACKOFF_SECONDS, None):
            try:
                await self._store(pending, marks)
                break
            except DBAPIError as error:
                # Every write here is an upsert, a delete or an idempotent mark: storing them
                # again after a busy database's rollback stores them once.
                if pause is None or not is_busy(error):
                    raise
                log.info("conversation state: database busy; trying again")
                await asyncio.sleep(pause)
        self._remember_written(pending)
        if marks.handled is not None:
            self._remember_handled(marks.handled)

    def _remember_written(self, pending: PendingWrites) -> None:
        for (name, key), state in pending.conversations.items():
            self._wrote_state(name, key, state)
        for user_id, (_, encoded) in pending.user_data.items():
            self._written_user_data[user_id] = encoded
        for user_id in pending.dropped_users:
            self._written_user_data.pop(user_id, None)

    async def _store(self, pending: PendingWrites, marks: _Marks) -> None:
        async with self._sessions() as session:
            await self._write_pending(session, pending, marks)
            await session.commit()

    async def _write_pending(
        self, session: AsyncSession, pending: PendingWrites, marks: _Marks
    ) -> None:
        for (name, key), state in pending.conversations.items():
            await self._write_state(session, name, key, state)
        for user_id, (data, _) in pending.user_data.items():
            await self._write_user_data(session, user_id, data)
        for user_id in pending.dropped_users:
            await session.execute(delete(UserData).where(UserData.user_id == user_id))
        if marks.handled is not None:
            await ProcessedUpdateRepository(session).mark(marks.handled)
        if marks.settle is not None:
            await ProcessedUpdateRepository(session).settle(marks.settle)

    # ------------------------------------------------------------------ PTB's interface

    async def get_user_data(self) -> dict[int, UD]:
        if self.shared:
            return {}  # read per update, in its chat turn
        async with self._sessions() as session:
            rows = await session.execute(select(UserData.user_id, UserData.data))
            loaded = {user_id: dict(data or {}) for user_id, data in rows}
        self._written_user_data = {user_id: _encode_data(data) for user_id, data in loaded.items()}
        return loaded

    async def get_chat_data(self) -> dict[int, UD]:
        return {}

    async def get_bot_data(self) -> UD:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        if self.shared:
            self._loaded_names.add(name)
            return {}  # read per update, in its chat turn
        async with self._sessions() as session:
            rows = await session.execute(
                select(ConversationState.key, ConversationState.state).where(
                    ConversationState.name == name
                )
            )
            loaded = {key: state for key, state in rows if state is not None}
        self._written_states.update({(name, key): state for key, state in loaded.items()})
        self._loaded_names.add(name)
        return {_decode_key(key): state for key, state in loaded.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        encoded = _encode_key(key)
        if self._state_unchanged(name, encoded, new_state):
            return
        pending = _pending.get()
        if pending is not None:
            pending.conversations[(name, encoded)] = new_state
            return
        async with self._sessions() as session:
            await self._write_state(session, name, encoded, new_state)
            await session.commit()
        self._wrote_state(name, encoded, new_state)

    def _state_unchanged(self, name: str, key: str, state: object | None) -> bool:
        if (name, key) in self._written_states:
            return self._written_states[(name, key)] == state
        return state is None and name in self._loaded_names

    def _wrote_state(self, name: str, key: str, state: object | None) -> None:
        if state is None:
            self._written_states.pop((name, key), None)
        else:
            self._written_states[(name, key)] = state

    async def _write_state(
        self, session: AsyncSession, name: str, key: str, state: object | None
    ) -> None:
        if state is None:
            await session.execute(
                delete(ConversationState).where(
                    ConversationState.name == name, ConversationState.key == key
                )
            )
            return
        await session.execute(
            upsert_statement(
                session,
                ConversationState.__table__,  # type: ignore[arg-type]
                {"name": name, "key": key, "state": state, "updated_at": utcnow()},
                keys=("name", "key"),
                update=("state", "updated_at"),
            )
        )

    async def update_user_data(self, user_id: int, data: UD) -> None:
        encoded = _encode_data(data)
        if self._written_user_data.get(user_id, "{}") == encoded:
            return
        pending = _pending.get()
        if pending is not None:
            pending.dropped_users.discard(user_id)
            pending.user_data[user_id] = (deepcopy(data), encoded)
            return
        async with self._sessions() as session:
            await self._write_user_data(session, user_id, data)
            await session.commit()
        self._written_user_data[user_id] = encoded

    async def _write_user_data(self, session: AsyncSession, user_id: int, data: UD) -> None:
        await session.execute(
            upsert_statement(
                session,
                UserData.__table__,  # type: ignore[arg-type]
                {"user_id": user_id, "data": deepcopy(data), "updated_at": utcnow()},
                keys=("user_id",),
                update=("data", "updated_at"),
            )
        )

    async def update_chat_data(self, chat_id: int, data: UD) -> None:
        return None

    async def update_bot_data(self, data: UD) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        pending = _pending.get()
        if pending is not None:
            pending.user_data.pop(user_id, None)
            pending.dropped_users.add(user_id)
            return
        async with self._sessions() as session:
            await session.execute(delete(UserData).where(UserData.user_id == user_id))
            await session.commit()
        self._written_user_data.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: UD) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: UD) -> None:
        return None

    async def refresh_bot_data(self, bot_data: UD) -> None:
        return None

    async def flush(self) -> None:
        return None
