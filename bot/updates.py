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

**Heavy updates take few of the slots.** An update that waits on heavy work (a chart drawn in
a worker process, an export's files, an import's file) may take seconds, and on PostgreSQL each
update holds one of a few chat turns (a database connection) while it runs: twenty people
asking for charts at once held every turn while the charts were drawn one after another, and
trainers' sets waited up to 2 s behind them (bench.mixed, charts window). So updates the
``heavy`` predicate picks (see :mod:`conversations.heavy`) run at most ``max_heavy`` at a time;
the others wait for their turn *here*, before they hold anything but their own chat, and every
other update finds its slot free. What a heavy update sends is *patient*
(:func:`bot.ratelimit.patient_sends`): when Telegram's limit is near, it yields to the replies of
lighter updates, so a burst of charts does not hold back the live cards of trainers logging sets.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.ratelimit import patient_sends

DEFAULT_CONCURRENT_UPDATES = 64
DEFAULT_HEAVY_UPDATES = 3
"""How many heavy updates run at once (each waits on a worker process or a long file)."""


def _never_heavy(update: object) -> bool:
    return False


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
    """At most ``max_concurrent_updates`` updates at once, one at a time per chat, and at most
    ``max_heavy`` of those that ``heavy`` picks."""

    def __init__(
        self,
        max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES,
        *,
        heavy: Callable[[object], bool] = _never_heavy,
        max_heavy: int = DEFAULT_HEAVY_UPDATES,
    ) -> None:
        super().__init__(max_concurrent_updates)
        # Only chats with an update running or waiting have a lock here, so the map stays as
        # small as the number of chats active at this moment.
        self._chats: dict[int, _ChatLock] = {}
        self._is_heavy = heavy
        self._heavy = asyncio.Semaphore(max(1, max_heavy))

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
            await _waiting(chat.lock, coroutine)
            try:
                if self._is_heavy(update):
                    await _waiting(self._heavy, coroutine)
                    try:
                        with patient_sends():
                            await coroutine
                    finally:
                        self._heavy.release()
                else:
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


async def _waiting(turn: asyncio.Lock | asyncio.Semaphore, coroutine: Awaitable[Any]) -> None:
    """Acquire ``turn``; stopped while waiting, the update was never started."""
    try:
        await turn.acquire()
    except asyncio.CancelledError:
        if inspect.iscoroutine(coroutine):
            coroutine.close()
        raise


class AnsweredQueue(asyncio.Queue[object]):
    """The update queue of webhook mode: the webhook answers a request once its update is
    handled, not as soon as it is queued.

    PTB's webhook answers 200 as soon as the update is in the queue; a worker that dies after
    that answer and before handling the update loses it, because Telegram (or the load
    balancer) has no reason to send it again. With this queue, ``put`` returns only when the
    application has handled the update and committed it (see
    :meth:`bot.application.SpotterApplication.process_update`), so a worker that dies with an
    update in hand leaves that request unanswered and it is re-sent, to this worker or another
    one; the database then decides whether it was handled already. An update whose handling
    failed is answered 503, so it is re-sent too.

    Polling must not use it: the poller puts updates one after another and would wait for
    each to be handled before queueing the next.
    """

    def __init__(self) -> None:
        super().__init__()
        self._waiting: dict[int, asyncio.Future[None]] = {}

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        answered = asyncio.get_running_loop().create_future()
        self._waiting[id(item)] = answered
        try:
            await super().put(item)
            await answered
        except UpdateNotHandled:
            from tornado.web import HTTPError  # PTB's webhook server is tornado's

            raise HTTPError(503) from None
        finally:
            self._waiting.pop(id(item), None)

    def answer(self, update: Update, error: BaseException | None = None) -> None:
        """The application is done with ``update``: handled, or failed with ``error``."""
        answered = self._waiting.get(id(update))
        if answered is None or answered.done():
            return
        if error is None:
            answered.set_result(None)
        else:
            answered.set_exception(UpdateNotHandled(update.update_id))


class UpdateNotHandled(Exception):
    """Handling an update failed before it was marked handled; it should be sent again."""

    def __init__(self, update_id: int) -> None:
        super().__init__(f"update {update_id} was not handled")
        self.update_id = update_id
