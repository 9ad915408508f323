"""How flows are wired so that exactly one thing answers each update.

Every flow is a persistent :class:`Flow` (a ConversationHandler) in a group of its own. A flow
that handles an update stops it there, so the catch-alls in the last group (expired button,
unknown command, nothing to cancel) answer only what no flow took. When another command
arrives mid-flow, the open flow ends quietly and lets the command through to its own flow.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from conversations.common import END, Context, cancel

Callback = Callable[[Update, Context], Coroutine[Any, Any, Any]]


async def _yield_to_other_command(update: Update, context: Context) -> int:
    return END


class _YieldHandler(MessageHandler[Any, Any]):
    """Ends the open flow when another command arrives, without answering it."""

    def __init__(self) -> None:
        super().__init__(filters.COMMAND, _yield_to_other_command)


class Flow(ConversationHandler[Any]):
    """A persistent, per-user conversation that stops an update once it has handled it."""

    def __init__(
        self,
        name: str,
        *,
        entry_points: Sequence[BaseHandler[Update, Any, Any]],
        states: dict[object, list[BaseHandler[Update, Any, Any]]],
        fallbacks: Sequence[BaseHandler[Update, Any, Any]] = (),
    ) -> None:
        with warnings.catch_warnings():
            # Flows are per chat and user on purpose; PTB warns about that for every flow
            # that has buttons.
            warnings.filterwarnings("ignore", message="If 'per_message=False'")
            self._init(name, entry_points, states, fallbacks)

    def _init(
        self,
        name: str,
        entry_points: Sequence[BaseHandler[Update, Any, Any]],
        states: dict[object, list[BaseHandler[Update, Any, Any]]],
        fallbacks: Sequence[BaseHandler[Update, Any, Any]],
    ) -> None:
        super().__init__(
            entry_points=list(entry_points),
            states=states,
            fallbacks=[CommandHandler("cancel", cancel), *fallbacks, _YieldHandler()],
            name=name,
            persistent=True,
            allow_reentry=True,
            per_chat=True,
            per_user=True,
        )

    async def handle_update(
        self,
        update: Update,
        application: Any,
        check_result: Any,
        context: Any,
    ) -> object | None:
        result = await super().handle_update(update, application, check_result, context)
        if isinstance(check_result[2], _YieldHandler):
            return result
        raise ApplicationHandlerStop


class Final(BaseHandler[Update, Any, Any]):
    """Wraps a stand-alone handler so that, once it answers, no later group does."""

    def __init__(self, inner: BaseHandler[Update, Any, Any]) -> None:
        super().__init__(inner.callback, block=True)
        self.inner = inner

    def check_update(self, update: object) -> Any:
        return self.inner.check_update(update)

    async def handle_update(
        self, update: Update, application: Any, check_result: Any, context: Any
    ) -> Any:
        await self.inner.handle_update(update, application, check_result, context)
        raise ApplicationHandlerStop


def command(name: str, callback: Callback) -> Final:
    """A stand-alone command that answers and stops."""
    return Final(CommandHandler(name, callback))


def button(pattern: str, callback: Callback) -> Final:
    """A stand-alone button handler (callback data matching ``pattern``) that stops."""
    return Final(CallbackQueryHandler(callback, pattern=pattern))
