"""The last group: answers what no flow took, so nothing goes unanswered."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from conversations.common import Context, nothing_to_cancel, stale_button

UNKNOWN_COMMAND = "I don't know that command. Send /help to see what you can do."
UNEXPECTED_TEXT = (
    "I'm not expecting a message right now. Send /help to see what you can do, "
    "or /log to log a workout."
)


async def unknown_command(update: Update, context: Context) -> None:
    if update.effective_chat is not None:
        await update.effective_chat.send_message(UNKNOWN_COMMAND)


async def unexpected_message(update: Update, context: Context) -> None:
    if update.effective_chat is not None:
        await update.effective_chat.send_message(UNEXPECTED_TEXT)


def build_handler() -> list[BaseHandler[Update, Context, None]]:
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("cancel", nothing_to_cancel),
        MessageHandler(filters.COMMAND & private, unknown_command),
        CallbackQueryHandler(stale_button),
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, unexpected_message),
    ]
