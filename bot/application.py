"""The PTB Application subclass: per-update persistence flush and update de-duplication."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict

from bot.persistence import ChatTurn, SqlPersistence, encode_key
from bot.updates import AnsweredQueue, chat_key
from coaching.services.container import Services
from storage.repositories.updates import Handled
from storage.uow import handling_update, is_busy

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("spotter.updates")

INTERRUPTED = (
    "Spotter restarted while it was answering your last message. What it saved is kept, and "
    "the step you were on is closed: send /help to carry on, or /log to get back to a live "
    "session."
)


class SpotterApplication(Application):  # type: ignore[type-arg]
    """Handles each update once and flushes conversation state after every update.

    PTB writes persistence on a timer by default; a bot killed between two steps would then
    lose the step. Here the flush happens as soon as the update is handled. An update whose id
    was already handled (Telegram re-delivers after crashes and webhook time-outs) is skipped.

    With :class:`SqlPersistence` the conversation states and ``user_data`` that changed are
    written in one transaction after the handler has answered. The update's id is marked
    handled by its first commit, in the same transaction as its effects (see
    :mod:`storage.uow`), so a re-delivered update never does its work twice; that mark stays
    *unsettled* until the state write settles it. An update that made no commit is marked with
    its state. A service whose commit is the update's whole work settles the mark at once
    (``uow.commit(completes_update=True)``, e.g. logging a set), so nothing is left to write
    afterwards unless the conversation moved on. Whether an id was handled is usually known
    without a query (see :meth:`SqlPersistence.handled`).

    A bot that stops between an update's commit and its state write leaves the mark unsettled.
    When Telegram delivers that update again, its work is not done again; the person's open
    flows in the chat are closed (the step they were on may be one behind what they saw) and
    they are told so (:meth:`_recover`).

    On PostgreSQL (shared mode, any number of workers) each update runs in its chat's turn
    (:meth:`SqlPersistence.chat_turn`): under a lock on the chat held across all workers, the
    chat's conversation states and the user's ``user_data`` are read from the database into
    PTB's dicts before any handler looks at them, whether the update was handled is decided
    by the database, and the writes and the handled mark go in the turn's transaction.
    """

    services: Services[Settings]
    # Updates inside process_update right now (other chats run concurrently, see bot.updates).
    _in_flight: int = 0

    async def update_persistence(self) -> None:
        """PTB's global flush (on its timer and at stop) runs only while no update is being
        handled: each update flushes its own writes, in its own transaction, and a global flush
        in between would take another update's state into the wrong transaction."""
        if self._in_flight:
            return
        if isinstance(self.persistence, SqlPersistence) and self.persistence.shared:
            return  # each update wrote its own; what is in memory may be another worker's past
        await super().update_persistence()

    async def _stage_writes_of(self, update: Update) -> None:
        """Hand the persistence what this update changed, and only that: its user's
        ``user_data`` and the conversation states of its chat and user. Updates of other chats
        running at the same time stage their own."""
        persistence = self.persistence
        assert persistence is not None
        user = update.effective_user
        chat = update.effective_chat
        if user is not None:
            user_id = user.id
            if user_id in self._user_ids_to_be_deleted_in_persistence:
                self._user_ids_to_be_deleted_in_persistence.discard(user_id)
                self._user_ids_to_be_updated_in_persistence.discard(user_id)
                await persistence.drop_user_data(user_id)
            elif user_id in self._user_ids_to_be_updated_in_persistence:
                self._user_ids_to_be_updated_in_persistence.discard(user_id)
                await persistence.update_user_data(user_id, self.user_data[user_id])
        keys = _conversation_keys(chat.id if chat else None, user.id if user else None)
        for name, states in self._conversation_handler_conversations.items():
            for key, state in take_written_states(states, keys):
                await persistence.update_conversation(name, key, state)

    def _mark_unsaved(self, update: Update) -> None:
        """Mark this update's user_data and conversation states as still to be written."""
        user = update.effective_user
        chat = update.effective_chat
        if user is not None:
            self._user_ids_to_be_updated_in_persistence.add(user.id)
        keys = _conversation_keys(chat.id if chat else None, user.id if user else None)
        for states in self._conversation_handler_conversations.values():
            for key in keys:
                states.mark_as_accessed(key)  # a key that was never used writes nothing

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update):
            await super().process_update(update)
            return
        queue = self.update_queue
        try:
            await self._process(update)
        except BaseException as error:
            if isinstance(queue, AnsweredQueue):
                queue.answer(update, error)
            raise
        if isinstance(queue, AnsweredQueue):
            queue.answer(update)

    async def _process(self, update: Update) -> None:
        persistence = self.persistence
        if not isinstance(persistence, SqlPersistence):
            raise RuntimeError("SpotterApplication needs SqlPersistence (see bot.app)")
        if persistence.shared:
            await self._process_in_turn(update, persistence)
            return
        handled = await persistence.handled(update.update_id)
        if handled is Handled.SETTLED:
            log.debug("update %s already handled; skipped", update.update_id)
            return
        self._in_flight += 1
        try:
            with handling_update(update.update_id) as inbound:
                if handled is Handled.UNSETTLED:
                    await self._recover(update)
                    inbound.recorded = True
                else:
                    await super().process_update(update)
            with persistence.collect() as pending:
                await self._stage_writes_of(update)
            try:
                await persistence.write(
                    pending,
                    handled_update_id=update.update_id,
                    recorded=inbound.recorded,
                    settled=inbound.settled,
                )
            except DBAPIError as error:
                if not is_busy(error):
                    raise
                # The person has had their answer and what they did is committed; only the
                # conversation's step and the handled mark are missing. The step goes with the
                # chat's next update (or PTB's flush at stop).
                self._mark_unsaved(update)
                log.warning("update %s: state not saved, database busy", update.update_id)
        finally:
            self._in_flight -= 1
        _log_handled(update)

    async def _process_in_turn(self, update: Update, persistence: SqlPersistence) -> None:
        """Shared mode: handle ``update`` in its chat's turn (see the class's docstring)."""
        user = update.effective_user
        chat = update.effective_chat
        user_id = user.id if user else None
        keys = {
            encode_key(key): key for key in _conversation_keys(chat.id if chat else None, user_id)
        }
        self._in_flight += 1
        try:
            async with persistence.chat_turn(
                chat_key(update), update.update_id, keys, user_id
            ) as turn:
                if turn.handled is Handled.SETTLED:
                    log.debug("update %s already handled; skipped", update.update_id)
                    return
                self._load_turn(turn, keys, user_id)
                with handling_update(update.update_id) as inbound:
                    if turn.handled is Handled.UNSETTLED:
                        await self._recover(update)
                        inbound.recorded = True
                    else:
                        await super().process_update(update)
                with persistence.collect() as pending:
                    await self._stage_writes_of(update)
                await persistence.write_turn(
                    turn,
                    pending,
                    handled_update_id=None if inbound.recorded else update.update_id,
                    settle_update_id=(
                        update.update_id if inbound.recorded and not inbound.settled else None
                    ),
                )
        finally:
            self._in_flight -= 1
        _log_handled(update)

    async def _recover(self, update: Update) -> None:
        """An update delivered again whose effects were committed but whose conversation
        state was never written: the bot stopped between the two (killed, or the database
        stayed busy). Its work is not done again. The step the person was on may be one behind
        what they saw, so their open flows in this chat are closed, as /cancel would, and they
        are told so; the state written with this update settles its mark."""
        chat = update.effective_chat
        user = update.effective_user
        keys = _conversation_keys(chat.id if chat else None, user.id if user else None)
        for states in self._conversation_handler_conversations.values():
            for key in keys & set(states):
                del states[key]
        if user is not None:
            data = self.user_data[user.id]
            if data:
                data.clear()
                self._user_ids_to_be_updated_in_persistence.add(user.id)
        log.warning(
            "update %s was delivered again after its work was stored but not its step; "
            "the chat's open flows were closed",
            update.update_id,
        )
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            if chat is not None:
                await self.bot.send_message(chat.id, INTERRUPTED)
        except TelegramError as error:
            # Blocked, or the press too old to answer: the flows are closed all the same.
            log.info("update %s: could not tell the person: %s", update.update_id, error)

    def _load_turn(
        self, turn: ChatTurn, keys: dict[str, tuple[int, ...]], user_id: int | None
    ) -> None:
        """Put the chat's stored states and the user's stored data in PTB's dicts, untracked:
        what this worker remembers of the chat may be older than another worker's turn."""
        for name, states in self._conversation_handler_conversations.items():
            for encoded, key in keys.items():
                stored = turn.states.get((name, encoded))
                if stored is None:
                    states.data.pop(key, None)
                else:
                    states.data[key] = stored
        if user_id is not None:
            self._user_data[user_id] = turn.user_data if turn.user_data is not None else {}
            self._user_ids_to_be_updated_in_persistence.discard(user_id)
            self._user_ids_to_be_deleted_in_persistence.discard(user_id)


def _log_handled(update: Update) -> None:
    user = update.effective_user
    log.debug(
        "handled update %s from %s (%s)",
        update.update_id,
        user.id if user else "-",
        _kind(update),
    )


def _conversation_keys(chat_id: int | None, user_id: int | None) -> set[tuple[int, ...]]:
    """The keys a ConversationHandler may use for an update of this chat and user."""
    keys: set[tuple[int, ...]] = set()
    if chat_id is not None:
        keys.add((chat_id,))
        if user_id is not None:
            keys.add((chat_id, user_id))
    if user_id is not None:
        keys.add((user_id,))
    return keys


def take_written_states(
    states: TrackingDict[Any, Any], keys: set[tuple[int, ...]]
) -> list[tuple[Any, object | None]]:
    """The conversation states written under ``keys`` since they were last taken, as
    (key, state or None when ended), no longer marked as written.

    PTB offers only ``pop_accessed_write_items()``, which takes every chat's states at once;
    under concurrent updates that would move another chat's state into this update's
    transaction. This reads the same private set of written keys, for the given keys only;
    ``test_take_written_states_reads_ptb_tracking`` fails if a PTB upgrade changes it.
    """
    written: set[Any] = states._write_access_keys
    taken: list[tuple[Any, object | None]] = []
    for key in keys & written:
        value = states.get(key, TrackingDict.DELETED)
        if isinstance(value, PendingState):
            if not value.done():
                continue  # a non-blocking step still running: its own update writes it later
            value = value.resolve()
        written.discard(key)
        taken.append((key, None if value is TrackingDict.DELETED else value))
    return taken


def _kind(update: Update) -> str:
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    message = update.effective_message
    if message is not None and message.text:
        return "command" if message.text.startswith("/") else "text"
    if message is not None:
        return "media"
    return "other"


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services[Settings]:
    """The services of the running application, with its full settings, from a job's or
    handler's context in ``bot`` (the flows use ``conversations.container.services``)."""
    return cast(SpotterApplication, context.application).services
