"""Housekeeping jobs of the bot itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import CallbackContext

from bot.application import services

# Telegram re-delivers an update for at most 24 hours; a week of ids is plenty.
KEEP_PROCESSED_UPDATES = timedelta(days=7)


async def prune_processed_updates(context: CallbackContext[Any, Any, Any, Any]) -> None:
    ctx = services(context).ctx
    async with ctx.uow() as uow:
        await uow.processed_updates.prune(ctx.clock.now() - KEEP_PROCESSED_UPDATES)
        await uow.commit()
