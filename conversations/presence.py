"""The first handler every update meets: the person is here.

Any update from a person (a message, a command, a button) tells Spotter two things. They can be
reached: someone who had blocked the bot and comes back, in whatever way, gets the reminders of
their future sessions back, including sessions booked while they were away. And they are using
the bot right now: a message that answers what they are doing is not held for their quiet hours.

To keep the hot path free of writes, a process records a person's visit at most once every
:data:`SEEN_EVERY_SECONDS`. Unblocking the bot also sends a ``my_chat_member`` update, which
``/settings``' membership handler answers at once, so a visit skipped here is never the only
sign of a return.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import TypeHandler

from coaching.services.base import DatabaseBusy
from coaching.services.reminders import NoticeService
from conversations.common import Context
from conversations.container import services

log = logging.getLogger(__name__)

SEEN_EVERY_SECONDS = 180.0
CACHE_KEY = "presence_seen_at"
CACHE_MAX = 50_000


async def note_presence(update: Update, context: Context) -> None:
    """Record the visit (at most every few minutes per person and process); never answers."""
    user = update.effective_user
    if user is None or user.is_bot or update.my_chat_member is not None:
        return
    found = services(context)
    cache: dict[int, float] = found.extras.setdefault(CACHE_KEY, {})
    now = found.ctx.clock.now().timestamp()
    last = cache.get(user.id)
    if last is not None and now - last < SEEN_EVERY_SECONDS:
        return
    try:
        await NoticeService(found.ctx).seen(user.id)
    except DatabaseBusy:
        log.info("could not record that %s is here; the next update will", user.id)
        return
    if len(cache) >= CACHE_MAX:
        cache.clear()
    cache[user.id] = now


def build_presence_handler() -> TypeHandler[Update, Context, None]:
    return TypeHandler(Update, note_presence)
