"""PTB persistence backed by the application's own database.

Conversations and ``user_data`` are stored so that a bot killed mid-conversation resumes at the
same step. ``user_data`` must hold JSON values only (ids, strings, numbers, lists, dicts).
The application flushes after every handled update (see :mod:`bot.application`).
"""

from __future__ import annotations

import json
import logging
from copy import deepcopy
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage.models import ConversationState, UserData, utcnow
from storage.upsert import upsert_statement

log = logging.getLogger(__name__)

UD = dict[Any, Any]


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
            return {_decode_key(key): state for key, state in rows if state is not None}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        async with self._sessions() as session:
            if new_state is None:
                await session.execute(
                    delete(ConversationState).where(
                        ConversationState.name == name,
                        ConversationState.key == _encode_key(key),
                    )
                )
            else:
                await session.execute(
                    upsert_statement(
                        session,
                        ConversationState.__table__,  # type: ignore[arg-type]
                        {
                            "name": name,
                            "key": _encode_key(key),
                            "state": new_state,
                            "updated_at": utcnow(),
                        },
                        keys=("name", "key"),
                        update=("state", "updated_at"),
                    )
                )
            await session.commit()

    async def update_user_data(self, user_id: int, data: UD) -> None:
        encoded = json.dumps(data, sort_keys=True, default=str)
        if self._written_user_data.get(user_id, "{}") == encoded:
            return
        async with self._sessions() as session:
            await session.execute(
                upsert_statement(
                    session,
                    UserData.__table__,  # type: ignore[arg-type]
                    {"user_id": user_id, "data": deepcopy(data), "updated_at": utcnow()},
                    keys=("user_id",),
                    update=("data", "updated_at"),
                )
            )
            await session.commit()
        self._written_user_data[user_id] = encoded

    async def update_chat_data(self, chat_id: int, data: UD) -> None:
        return None

    async def update_bot_data(self, data: UD) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
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
