"""Updates of different chats run concurrently; updates of one chat run strictly in order.

PTB's own ``concurrent_updates(True)`` runs every update as soon as it arrives, so two updates
of one chat (a typed set and the button pressed right after it) could interleave, and a
ConversationHandler would read a state the other one is about to change. PTB's supported hook
for this is :class:`telegram.ext.BaseUpdateProcessor`: here each update first takes its chat's
lock, so one chat's updates run one after another in arrival order, while other chats go on.

Arrival order is kept because PTB starts one task per update in the order the updates leave its
queue, and each task asks for its chat's lock before it awaits anything else; asyncio's locks
(and the processor's semaphore) serve waiters first come, first served.

The chat is the update's chat, or its user where it has no chat (a button under an inline
message). Updates with neither (a poll's state, say) need no order and run at once.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

DEFAULT_CONCURRENT_UPDATES = 64


def chat_key(update: object) -> int | None:
    """The id whose updates must stay in order: the chat's, else the user's, else None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _ChatLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` updates at once, one at a time per chat."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        # Only chats with an update running or waiting have a lock here, so the map stays as
        # small as the number of chats active at this moment.
        self._chats: dict[int, _ChatLock] = {}

    @property
    def active_chats(self) -> int:
        """How many chats have an update running or waiting (for tests and logs)."""
        return len(self._chats)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            await coroutine
            return
        chat = self._chats.get(key)
        if chat is None:
            chat = self._chats[key] = _ChatLock()
        chat.users += 1
        try:
            try:
                await chat.lock.acquire()
            except asyncio.CancelledError:
                # Stopped while waiting its turn: the update was never started.
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                raise
            try:
                await coroutine
            finally:
                chat.lock.release()
        finally:
            chat.users -= 1
            if chat.users == 0:
                del self._chats[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
