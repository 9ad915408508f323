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
known from memory, because this process wrote all of those itself. Telegram allows one
consumer of a bot's updates (one ``getUpdates`` poller or one webhook), so one process writes
to ``processed_updates`` at a time.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from coaching.services.base import BACKOFF_SECONDS
from storage.models import ConversationState, ProcessedUpdate, UserData, utcnow
from storage.repositories.updates import ProcessedUpdateRepository
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


_pending: contextvars.ContextVar[PendingWrites | None] = contextvars.ContextVar(
    "spotter_pending_persistence", default=None
)


def _encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def _decode_key(raw: str) -> ConversationKey:
    return tuple(json.loads(raw))


class SqlPersistence(BasePersistence[UD, UD, UD]):
    """Stores conversations and user_data in the ``persistence_*`` tables."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=60,
        )
        self._sessions = session_factory
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

    async def handled(self, update_id: int) -> bool:
        """Whether this update id was handled already (by this process or before a restart)."""
        if self._handled_floor is None:
            async with self._sessions() as session:
                newest = await session.scalar(select(func.max(ProcessedUpdate.update_id)))
            self._handled_floor = int(newest) if newest is not None else -1
        if update_id > self._handled_floor:
            return update_id in self._handled_since
        async with self._sessions() as session:
            return await ProcessedUpdateRepository(session).seen(update_id)

    def _remember_handled(self, update_id: int) -> None:
        if self._handled_floor is None or update_id <= self._handled_floor:
            return
        self._handled_since.add(update_id)
        if len(self._handled_since) > HANDLED_IN_MEMORY:
            self._handled_floor = max(self._handled_since)
            self._handled_since.clear()

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
        self, pending: PendingWrites, *, handled_update_id: int | None, recorded: bool = False
    ) -> None:
        """Store gathered writes and mark an update handled, in one transaction.

        ``recorded`` says the handler's own commit has marked the update handled already
        (see :func:`storage.uow.handling_update`); it is then only remembered.
        """
        if recorded and handled_update_id is not None:
            self._remember_handled(handled_update_id)
            handled_update_id = None
        if not pending and handled_update_id is None:
            return
        for pause in (*BACKOFF_SECONDS, None):
            try:
                await self._store(pending, handled_update_id)
                break
            except DBAPIError as error:
                # Every write here is an upsert, a delete or an idempotent mark: storing them
                # again after a busy database's rollback stores them once.
                if pause is None or not is_busy(error):
                    raise
                log.info("conversation state: database busy; trying again")
                await asyncio.sleep(pause)
        for (name, key), state in pending.conversations.items():
            self._wrote_state(name, key, state)
        for user_id, (_, encoded) in pending.user_data.items():
            self._written_user_data[user_id] = encoded
        for user_id in pending.dropped_users:
            self._written_user_data.pop(user_id, None)
        if handled_update_id is not None:
            self._remember_handled(handled_update_id)

    async def _store(self, pending: PendingWrites, handled_update_id: int | None) -> None:
        async with self._sessions() as session:
            for (name, key), state in pending.conversations.items():
                await self._write_state(session, name, key, state)
            for user_id, (data, _) in pending.user_data.items():
                await self._write_user_data(session, user_id, data)
            for user_id in pending.dropped_users:
                await session.execute(delete(UserData).where(UserData.user_id == user_id))
            if handled_update_id is not None:
                await ProcessedUpdateRepository(session).mark(handled_update_id)
            await session.commit()

    # ------------------------------------------------------------------ PTB's interface

    async def get_user_data(self) -> dict[int, UD]:
        async with self._sessions() as session:
            rows = await session.execute(select(UserData.user_id, UserData.data))
            loaded = {user_id: dict(data or {}) for user_id, data in rows}
        self._written_user_data = {
            user_id: json.dumps(data, sort_keys=True, default=str)
            for user_id, data in loaded.items()
        }
        return loaded

    async def get_chat_data(self) -> dict[int, UD]:
        return {}

    async def get_bot_data(self) -> UD:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
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
        encoded = json.dumps(data, sort_keys=True, default=str)
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
