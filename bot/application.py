"""The PTB Application subclass: per-update persistence flush and update de-duplication."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.persistence import SqlPersistence
from coaching.services.base import ServiceContext
from storage.uow import handling_update

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("spotter.updates")


@dataclass
class Services:
    """What handlers reach through ``context``: settings and the service context."""

    settings: Settings
    ctx: ServiceContext
    commands: frozenset[str] = frozenset()
    extras: dict[str, Any] = field(default_factory=dict)


class SpotterApplication(Application):  # type: ignore[type-arg]
    """Handles each update once and flushes conversation state after every update.

    PTB writes persistence on a timer by default; a bot killed between two steps would then
    lose the step. Here the flush happens as soon as the update is handled. An update whose id
    was already handled (Telegram re-delivers after crashes and webhook time-outs) is skipped.

    With :class:`SqlPersistence` the conversation states and ``user_data`` that changed and
    the handled update's id are written in one transaction after the handler has answered (a
    bot killed between its answer and that commit handles the update again when Telegram
    re-delivers it, which every handler tolerates: set logging is idempotent). A service whose
    commit is the update's whole work records the id in that commit instead
    (``uow.commit(completes_update=True)``, e.g. logging a set), so the write and its mark are
    atomic and nothing is left to write afterwards unless the conversation moved on. Whether
    an id was handled is usually known without a query (see :meth:`SqlPersistence.handled`).
    """

    services: Services

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        persistence = self.persistence
        if not isinstance(persistence, SqlPersistence):
            raise RuntimeError("SpotterApplication needs SqlPersistence (see bot.app)")
        if await persistence.handled(update.update_id):
            log.debug("update %s already handled; skipped", update.update_id)
            return
        with handling_update(update.update_id) as inbound:
            await super().process_update(update)
        with persistence.collect() as pending:
            await self.update_persistence()
        await persistence.write(
            pending, handled_update_id=update.update_id, recorded=inbound.recorded
        )
        user = update.effective_user
        log.debug(
            "handled update %s from %s (%s)",
            update.update_id,
            user.id if user else "-",
            _kind(update),
        )


def _kind(update: Update) -> str:
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    message = update.effective_message
    if message is not None and message.text:
        return "command" if message.text.startswith("/") else "text"
    if message is not None:
        return "media"
    return "other"


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    """The services of the running application, from a handler's context."""
    return cast(SpotterApplication, context.application).services
