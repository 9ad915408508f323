"""Pieces every flow shares: who is talking, replying in place, keyboards, cancel."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackContext, ConversationHandler

from coaching.services.base import DatabaseBusy
from coaching.services.reminders import Notice, NoticeService
from coaching.services.users import TelegramIdentity
from conversations.container import services

log = logging.getLogger(__name__)

Context = CallbackContext[Any, Any, Any, Any]
END = ConversationHandler.END

Button = tuple[str, str]


def esc(text: object) -> str:
    """Escape user-provided text for HTML parse mode."""
    return html.escape(str(text), quote=False)


def identity(update: Update) -> TelegramIdentity:
    """The acting user, as Telegram authenticated them."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("update without a user")
    return TelegramIdentity(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def answer(update: Update, text: str | None = None, *, alert: bool = False) -> None:
    """Answer a button press (stops the client's spinner); harmless for messages."""
    query = update.callback_query
    if query is not None:
        try:
            await query.answer(text, show_alert=alert)
        except BadRequest as error:  # the query is too old to answer; nothing to do
            log.debug("could not answer callback query: %s", error)


async def show(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    edit: bool = True,
) -> Message | None:
    """Move the flow on: edit the message whose button was pressed, else send a new one."""
    query: CallbackQuery | None = update.callback_query
    if edit and query is not None and query.message is not None:
        await answer(update)
        try:
            result = await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return None
            if (
                "not found" not in str(error).lower()
                and "can't be edited" not in str(error).lower()
            ):
                raise
        else:
            return result if isinstance(result, Message) else None
    chat = update.effective_chat
    if chat is None:
        return None
    if query is not None:
        await answer(update)
    return await chat.send_message(text, reply_markup=markup)


# What a person types to pass over an optional step, as if they had tapped its Skip button.
SKIP_WORDS = frozenset({"skip", "-", "–", "—", "none", "n/a"})
CANCELLED = "Cancelled. What you already saved is kept. Send /help to see what you can do."


def is_skip(text: str) -> bool:
    """Whether typed text means "skip": ``skip`` (any case), ``-`` or ``none``."""
    return " ".join(text.split()).casefold().rstrip(".!") in SKIP_WORDS


async def cancel(update: Update, context: Context) -> int:
    """/cancel: leave whatever flow is open. Nothing half-entered is stored; what an earlier
    step already saved (a template's exercises, say) stays, and the reply says so."""
    if context.user_data is not None:
        context.user_data.clear()
    await show(update, CANCELLED)
    return END


async def nothing_to_cancel(update: Update, context: Context) -> None:
    if update.effective_chat is not None:
        await update.effective_chat.send_message("There is nothing to cancel right now.")


async def stale_button(update: Update, context: Context) -> None:
    """A button from an old or finished message, or one not meant for this user."""
    await answer(update, "This button has expired. Send /help to start again.", alert=True)


class Outcome(Enum):
    """What became of a notice: sent now, held for the recipient's quiet hours, or neither
    (blocked, refused, or a person who has not joined)."""

    SENT = "sent"
    HELD = "held"
    NOT_DELIVERED = "not delivered"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The result of :func:`notify`. True unless the notice was lost (so ``if await notify``
    still reads "delivered or queued"). ``release_at`` is, for a held notice, when it goes
    out, in the recipient's own time zone."""

    outcome: Outcome
    release_at: datetime | None = None
    message: Message | None = None

    def __bool__(self) -> bool:
        return self.outcome is not Outcome.NOT_DELIVERED

    @property
    def held(self) -> bool:
        return self.outcome is Outcome.HELD


NOT_DELIVERED = Delivery(Outcome.NOT_DELIVERED)
TOLD = "{name} has been told."
WILL_SEE = "{name} will see it at {at} their time, after their quiet hours."
NOT_TOLD = "{name} could not be reached on Telegram, so they have not been told."


def told(name_html: str, delivery: Delivery) -> str:
    """The end of a confirmation that promises delivery, true to what happened: "Bob has been
    told.", "Bob will see it at 07:00 their time, after their quiet hours." or that Bob could
    not be reached. ``name_html`` is already escaped."""
    if delivery.held and delivery.release_at is not None:
        return WILL_SEE.format(name=name_html, at=f"{delivery.release_at:%H:%M}")
    if delivery:
        return TOLD.format(name=name_html)
    return NOT_TOLD.format(name=name_html)


async def hold_for_quiet_hours(
    context: Context,
    telegram_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    media: dict[str, str] | None = None,
    *,
    subject: str | None = None,
) -> datetime | None:
    """The one path of every non-urgent message to a person: if their quiet hours are on (and
    the sender may not contact them outside hours, and they are not using the bot right now),
    the message is stored to go out when the quiet hours end, and the moment is returned, in
    the recipient's time zone. ``None``: send it now. A message to the person acting is never
    held. Held notices with the same ``subject`` (one notice edited step by step) replace each
    other, so the recipient gets only the newest."""
    notice = Notice(telegram_id, text, markup.to_dict() if markup else None, media, subject)
    sender = getattr(context, "_user_id", None)  # PTB's key of user_data: who is acting
    try:
        return await NoticeService(services(context).ctx).hold_if_quiet(
            notice, sender_telegram_id=sender if isinstance(sender, int) else None
        )
    except DatabaseBusy:
        log.warning("could not check quiet hours of %s; sending now", telegram_id)
        return None


async def notify(
    context: Context,
    telegram_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    urgent: bool = False,
    subject: str | None = None,
) -> Delivery:
    """Tell the other party something. A user who blocked the bot is skipped, not an error.

    Unless ``urgent``, the message respects the person's quiet hours
    (:func:`hold_for_quiet_hours`). The result says whether it was sent, held (and until
    when) or not delivered; confirmations word it with :func:`told`.
    """
    if telegram_id is None:
        return NOT_DELIVERED
    if not urgent:
        due = await hold_for_quiet_hours(context, telegram_id, text, markup, subject=subject)
        if due is not None:
            return Delivery(Outcome.HELD, release_at=due)
    sent = await _send_now(context, telegram_id, text, markup)
    return Delivery(Outcome.SENT, message=sent) if sent is not None else NOT_DELIVERED


async def notify_message(
    context: Context,
    telegram_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    urgent: bool = False,
    subject: str | None = None,
) -> Message | None:
    """Like :func:`notify`, returning the message sent (to edit it later), or ``None`` when it
    was not delivered now (held for quiet hours, blocked, refused)."""
    delivery = await notify(context, telegram_id, text, markup, urgent=urgent, subject=subject)
    return delivery.message


async def _send_now(
    context: Context, telegram_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> Message | None:
    try:
        sent: Message = await context.bot.send_message(telegram_id, text, reply_markup=markup)
    except Forbidden:
        log.info("user %s has blocked the bot; notice not delivered", telegram_id)
        return None
    except BadRequest as error:
        log.warning("notice to %s refused: %s", telegram_id, error)
        return None
    return sent
