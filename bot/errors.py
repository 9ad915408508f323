"""The global error handler: log with the update id, tell the user in plain words."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ApplicationHandlerStop, CallbackContext

from storage.uow import DatabaseBusy

log = logging.getLogger("spotter.errors")

BUSY = (
    "Sorry, I'm very busy right now and couldn't save that last step, so nothing of it was "
    "stored. Please send it again in a moment."
)
SORRY = (
    "Sorry, something went wrong on my side and that last step didn't go through. "
    "Please try again, or send /cancel to start over."
)


async def on_error(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.info("update %s: the user has blocked the bot (%s)", update_id, error)
        raise ApplicationHandlerStop
    reply = SORRY
    if isinstance(error, DatabaseBusy):
        # Every attempt found the database busy and rolled back: nothing was stored.
        log.warning("update %s: database busy after every attempt: %s", update_id, error)
        reply = BUSY
    elif isinstance(error, NetworkError):
        log.warning("update %s: network error talking to Telegram: %s", update_id, error)
    else:
        log.error(
            "update %s: unhandled %s: %s",
            update_id,
            type(error).__name__,
            error,
            exc_info=error,
        )
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            await context.bot.send_message(update.effective_chat.id, reply)
        except TelegramError as send_error:
            log.warning("update %s: could not tell the user: %s", update_id, send_error)
    # The user has had their answer: no later handler group may answer the same update.
    raise ApplicationHandlerStop
