"""How flows are wired so that exactly one thing answers each update.

Every flow is a persistent :class:`Flow` (a ConversationHandler) in a group of its own, and
so is every stand-alone handler (see ``bot.app``). A flow that handles an update stops it
there, so the catch-alls in the last group (expired button, unknown command, nothing to
cancel) answer only what no flow took. When another command arrives mid-flow, the open flow
ends quietly and lets the command through to its own flow or handler.

A flow built with ``keep_open_on_commands=True`` (a live session, an onboarding, a half-written
feedback) does not end then: it stays in its step and lets the command through all the same,
so a quick look at /help or /alerts loses nothing. It ends on its own /cancel or when it is
done. The order below decides where typed text goes while the other command's flow is open.

A button can open a flow while another one is open (a notice's "Resolve" during a live /log),
so a person can have several flows open in one chat. A button carries its flow's prefix and
goes to that flow. A message (typed text, a photo, a file, /cancel) goes to the open flow the
person entered or answered most recently among those that take it: an open flow passes a
message on when a flow used after it would take it, and so does a flow the message would open.
When the newest flow ends, the one used before it gets typed text again. Another command still
ends the open flows it passes on its way to its own flow, as before, except those that stay
open on commands: passing a command on leaves their place in the order as it was.

That order is kept in ``user_data[OPEN_FLOWS]`` per chat, so it is persisted with the
conversation states after every update and survives a restart. It is there only while two or
more flows are open in the chat (one open flow needs no order, and the hot path of a live
session costs nothing extra), and it is rewritten only when it changes. With each open flow it
keeps the ``user_data`` keys the flow wrote, so the newest flow's /cancel (which clears
``user_data``) leaves the older flows' data in place.
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
Key = tuple[int | str, ...]

OPEN_FLOWS = "_open_flows"
"""``user_data`` key: per chat id (as text), the open flows as ``[name, [user_data keys]]``,
least recently used first; present only while two or more flows are open in that chat."""

_MISSING = object()


def conversation_state(flow: ConversationHandler[Any], key: Key) -> object | None:
    """The state ``flow`` is in for ``key`` (a (chat id, user id) pair); None when not open.

    PTB offers no public way to read a conversation's state: it keeps them in the private
    mapping ``ConversationHandler._conversations``. This is the one place that reads it;
    ``test_conversation_state_reads_ptb_state`` fails if a PTB upgrade changes it.
    """
    return flow._conversations.get(key)


async def _yield_to_other_command(update: Update, context: Context) -> int:
    return END


async def _stay_for_other_command(update: Update, context: Context) -> None:
    return None  # PTB keeps the conversation in its state


class _YieldHandler(MessageHandler[Any, Any]):
    """Ends the open flow when another command arrives, without answering it."""

    def __init__(self, callback: Callback = _yield_to_other_command) -> None:
        super().__init__(filters.COMMAND, callback)


class _StayOpenHandler(_YieldHandler):
    """Lets another command through, without answering it, and keeps the flow in its step."""

    def __init__(self) -> None:
        super().__init__(_stay_for_other_command)


class Flow(ConversationHandler[Any]):
    """A persistent, per-user conversation that stops an update once it has handled it.

    A message goes to the open flow used most recently (see the module's docstring). Another
    command ends the flow, unless ``keep_open_on_commands``: then the flow stays in its step
    and takes typed text again once no flow opened after it needs it.
    """

    # The application's flows by name, in group order (found on the first update).
    _registry: tuple[object, dict[str, Flow]] | None = None

    def __init__(
        self,
        name: str,
        *,
        entry_points: Sequence[BaseHandler[Update, Any, Any]],
        states: dict[object, list[BaseHandler[Update, Any, Any]]],
        fallbacks: Sequence[BaseHandler[Update, Any, Any]] = (),
        keep_open_on_commands: bool = False,
    ) -> None:
        passing_on = _StayOpenHandler() if keep_open_on_commands else _YieldHandler()
        with warnings.catch_warnings():
            # Flows are per chat and user on purpose; PTB warns about that for every flow
            # that has buttons.
            warnings.filterwarnings("ignore", message="If 'per_message=False'")
            self._init(name, entry_points, states, [*fallbacks, passing_on])
        self.flow_name = name

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
            fallbacks=[CommandHandler("cancel", cancel), *fallbacks],
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
        state, key, handler = check_result[0], check_result[1], check_result[2]
        if isinstance(handler, _StayOpenHandler):
            # Another command passes by: the flow keeps its step and its place in the order,
            # and nothing is recorded, so the command costs the open flow no write.
            return await super().handle_update(update, application, check_result, context)
        yields = isinstance(handler, _YieldHandler)
        data: dict[Any, Any] | None = context.user_data
        chat = str(key[0])
        order = _open_order(data, chat)
        if (
            order
            and not yields
            and update.callback_query is None
            and self._newer_flow_takes(update, order, application)
        ):
            return None  # not handled here: the groups after this one go on
        # Only while several flows are open, or when this one may open, is anything recorded.
        before = dict(data) if data is not None and (order or state is None) else None
        try:
            result = await super().handle_update(update, application, check_result, context)
        finally:
            if before is not None and data is not None:
                self._record(application, key, chat, order, before, data)
        if yields:
            return result
        raise ApplicationHandlerStop

    def _flows(self, application: Any) -> dict[str, Flow]:
        registry = self._registry
        if registry is None or registry[0] is not application:
            flows = {
                handler.flow_name: handler
                for handlers in application.handlers.values()
                for handler in handlers
                if isinstance(handler, Flow)
            }
            registry = self._registry = (application, flows)
        return registry[1]

    def _newer_flow_takes(self, update: Update, order: list[Entry], application: Any) -> bool:
        """Whether a flow used after this one is open and would answer ``update`` itself."""
        names = [name for name, _ in order]
        mine = self.flow_name
        newer = names[names.index(mine) + 1 :] if mine in names else names
        flows = self._flows(application)
        for name in newer:
            flow = flows.get(name)
            if flow is None or flow is self:
                continue
            found = flow.check_update(update)
            if found and found[0] is not None and not isinstance(found[2], _YieldHandler):
                return True
        return False

    def _record(
        self,
        application: Any,
        key: Key,
        chat: str,
        order: list[Entry],
        before: dict[Any, Any],
        data: dict[Any, Any],
    ) -> None:
        """After handling: put this flow on top (or drop it once ended) and note its keys."""
        flows = self._flows(application)
        entries = self._entries(flows, key, order, before)
        mine = next((keys for name, keys in entries if name == self.flow_name), [])
        written = [
            k for k, v in data.items() if k != OPEN_FLOWS and before.get(k, _MISSING) is not v
        ]
        kept = self._others_kept(flows, key, entries, mine, before, data)
        if entries and conversation_state(self, key) is not None:
            own = [k for k in mine if k in data]
            kept.append((self.flow_name, own + [k for k in written if k not in own]))
        _store_order(data, chat, kept, before)

    def _entries(
        self, flows: dict[str, Flow], key: Key, order: list[Entry], before: dict[Any, Any]
    ) -> list[Entry]:
        """The chat's open flows as noted; none noted while this flow is open means it opened
        on top of the others open now, and what user_data held is theirs."""
        entries = [(name, list(keys)) for name, keys in order]
        if entries or conversation_state(self, key) is None:
            return entries
        others = [
            name
            for name, flow in flows.items()
            if flow is not self and conversation_state(flow, key) is not None
        ]
        earlier = [k for k in before if k != OPEN_FLOWS]
        return [(name, list(earlier)) for name in others]

    def _others_kept(
        self,
        flows: dict[str, Flow],
        key: Key,
        entries: list[Entry],
        mine: list[Any],
        before: dict[Any, Any],
        data: dict[Any, Any],
    ) -> list[Entry]:
        """The other flows still open, with the keys they still hold in ``data``."""
        kept: list[Entry] = []
        for name, keys in entries:
            flow = flows.get(name)
            if name == self.flow_name or flow is None or conversation_state(flow, key) is None:
                continue
            for k in keys:
                if k not in data and k in before and k not in mine:
                    # This flow's /cancel cleared user_data; the older flow still needs this.
                    data[k] = before[k]
            kept.append((name, [k for k in keys if k in data]))
        return kept


Entry = tuple[str, list[Any]]


def _open_order(data: dict[Any, Any] | None, chat: str) -> list[Entry]:
    """The open flows of ``chat`` as stored, least recently used first ([] when fewer than 2)."""
    chats = data.get(OPEN_FLOWS) if data is not None else None
    entries = chats.get(chat) if isinstance(chats, dict) else None
    if not isinstance(entries, list):
        return []
    return [
        (entry[0], entry[1])
        for entry in entries
        if isinstance(entry, list | tuple)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], list)
    ]


def _store_order(
    data: dict[Any, Any], chat: str, entries: list[Entry], before: dict[Any, Any]
) -> None:
    """Write the chat's order into ``user_data``, only if it changed; none for one flow."""
    stored = before.get(OPEN_FLOWS)
    chats: dict[str, Any] = dict(stored) if isinstance(stored, dict) else {}
    if len(entries) > 1:
        chats[chat] = [[name, keys] for name, keys in entries]
    else:
        chats.pop(chat, None)
    if not chats:
        data.pop(OPEN_FLOWS, None)
    elif data.get(OPEN_FLOWS) != chats:
        data[OPEN_FLOWS] = chats


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
