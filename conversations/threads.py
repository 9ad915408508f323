"""Conversations attached to workouts: "💬 Message", "💬 Ask my trainer", Reply, the thread.

The buttons live on other flows' messages (a client's card, an alert, a feedback review, a
session summary, a planned workout, /today, a reminder); each carries a :class:`ThreadButton`
and lands here. The person types a message or sends a photo, video or voice note; the other
party gets it with the workout named and a Reply button, through the one path that holds
non-urgent messages for their quiet hours (``conversations.common.hold_for_quiet_hours``). A
trainer answers a video with a timestamped note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from coaching.domain.schedule import load_zone
from coaching.domain.threads import (
    EmptyMessage,
    MessageTooLong,
    TargetKind,
    ThreadMediaKind,
    ThreadTarget,
    TimestampUnreadable,
    format_timestamp,
    parse_timestamp_note,
)
from coaching.errors import DomainError
from coaching.services.threads import Media, Posted, ThreadLine, ThreadService, ThreadView
from conversations.clients import CARD_ACTIONS
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    hold_for_quiet_hours,
    identity,
    keyboard,
    show,
)
from conversations.container import services
from conversations.flow import Flow, button
from conversations.typed_buttons import ButtonCodec

log = logging.getLogger(__name__)

COMPOSE, NOTE = range(2)
DRAFT_KEY = "thread_to"
PREFIX = "th"

# --- wording -----------------------------------------------------------------------------------

MESSAGE = "💬 Message"
ASK = "💬 Ask my trainer"
REPLY = "↩️ Reply"
SEE_THREAD = "📜 See the thread"
WRITE = "💬 Write"
NOTE_BUTTON = "📝 Note at a moment"

ASK_TRAINER_SIDE = (
    "💬 Message to <b>{other}</b> about <b>{subject}</b>.\n\n"
    "Type it, or send a photo, video or voice note (a caption is optional). /cancel to stop."
)
ASK_CLIENT_SIDE = (
    "💬 Message to <b>{other}</b> about <b>{subject}</b>.\n\n"
    "Type your question, or send a photo, video (a form check, say) or voice note. "
    "/cancel to stop."
)
ASK_NOTE = (
    "📝 A note on {other}'s video about <b>{subject}</b>.\n\n"
    "Start with the moment in the video, then your comment, e.g. "
    "<code>0:42 knees cave in on the way up</code>. /cancel to stop."
)
NOT_SENDABLE = (
    "I can pass on text, a photo, a video or a voice note. Send one of those, or /cancel."
)
SENT = "✅ Sent to {other}."
HELD = "🌙 It's quiet hours for {other}: your message goes out at {at} their time."
UNREACHABLE = (
    "⚠️ {other} can't be reached on Telegram right now (they may have blocked Spotter). "
    "Your message is saved in the thread."
)
INCOMING = "💬 <b>{sender}</b> · {subject}"
INCOMING_NOTE = "📝 <b>{sender}</b> on your video · {subject}\n⏱ <b>{at}</b> — {text}"
THREAD_HEADER = "📜 <b>{subject}</b> · with {other}"
THREAD_EMPTY = "No messages yet."
THREAD_OLDER = "<i>(older messages: ⬅️ Older)</i>"
THREAD_NO_OLDER = "No older messages."
OLDER = "⬅️ Older"
MEDIA_LABELS = {
    ThreadMediaKind.PHOTO: "📷 photo",
    ThreadMediaKind.VIDEO: "🎥 video",
    ThreadMediaKind.VOICE: "🎙 voice note",
}
CARD_ACTION = (MESSAGE, f"th:n:{TargetKind.CLIENT.value}")  # the client card's button
SUBJECT_SHOWN = 60
NAME_SHOWN = 40
LINE_SHOWN = 300
THREAD_BUDGET = 3800


# --- the button codec --------------------------------------------------------------------------


class Action(StrEnum):
    NEW = "n"
    VIEW = "v"
    NOTE = "t"


# One codec per action: the target's kind is the codec's "action", its id (and, for older
# messages, the message id before which to look) follow.
_CODECS = {action: ButtonCodec(f"{PREFIX}:{action.value}", TargetKind) for action in Action}
_OLDER = ButtonCodec(f"{PREFIX}:o", TargetKind)


@dataclass(frozen=True, slots=True)
class ThreadButton:
    """``th:<action>:<target kind>:<id>``."""

    action: Action
    target: ThreadTarget

    def encode(self) -> str:
        return _CODECS[self.action].encode(self.target.kind, self.target.id)

    @classmethod
    def decode(cls, data: str | None) -> ThreadButton | None:
        for action, codec in _CODECS.items():
            press = codec.decode(data)
            if press is not None and len(press.ids) == 1:
                return cls(action, ThreadTarget(press.action, press.ids[0]))
        return None


@dataclass(frozen=True, slots=True)
class OlderButton:
    """``th:o:<target kind>:<id>:<message id>``: the thread's messages before that message."""

    target: ThreadTarget
    before_id: int

    def encode(self) -> str:
        return _OLDER.encode(self.target.kind, self.target.id, self.before_id)

    @classmethod
    def decode(cls, data: str | None) -> OlderButton | None:
        press = _OLDER.decode(data)
        if press is None or len(press.ids) != 2:
            return None
        return cls(ThreadTarget(press.action, press.ids[0]), press.ids[1])


def message_button(kind: TargetKind, target_id: int, label: str = MESSAGE) -> Button:
    """The "💬 Message" button other flows put on their messages."""
    return label, ThreadButton(Action.NEW, ThreadTarget(kind, target_id)).encode()


def ask_button(kind: TargetKind, target_id: int) -> Button:
    """The client's "💬 Ask my trainer" button."""
    return message_button(kind, target_id, ASK)


def today_ask_button(session_id: int, title: str, of: int) -> Button:
    """/today's "💬 Ask my trainer" for one planned session (named when there are several)."""
    label = ASK if of <= 1 else f"{ASK} · {title[:30]}"
    return message_button(TargetKind.SESSION, session_id, label)


def summary_markup(record_id: int, *, for_client: bool) -> InlineKeyboardMarkup:
    """The button under a session summary: "Ask my trainer" for the client, "Message" for the
    trainer."""
    make = ask_button if for_client else message_button
    return keyboard([[make(TargetKind.RECORD, record_id)]])


# --- rendering ---------------------------------------------------------------------------------


def _subject(text: str) -> str:
    return esc(text if len(text) <= SUBJECT_SHOWN else text[: SUBJECT_SHOWN - 1] + "…")


def incoming_text(posted: Posted) -> str:
    name = posted.sender_name
    sender = esc(name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…")
    subject = _subject(posted.subject)
    if posted.timestamp_s is not None:
        return INCOMING_NOTE.format(
            sender=sender,
            subject=subject,
            at=format_timestamp(posted.timestamp_s),
            text=esc(posted.text or ""),
        )
    head = INCOMING.format(sender=sender, subject=subject)
    return f"{head}\n\n{esc(posted.text)}" if posted.text else head


def incoming_markup(posted: Posted) -> InlineKeyboardMarkup:
    target = ThreadTarget(TargetKind.MESSAGE, posted.id)
    rows: list[list[Button]] = [
        [
            (REPLY, ThreadButton(Action.NEW, target).encode()),
            (SEE_THREAD, ThreadButton(Action.VIEW, target).encode()),
        ]
    ]
    if posted.is_video and not posted.from_trainer:
        rows.append([(NOTE_BUTTON, ThreadButton(Action.NOTE, target).encode())])
    return keyboard(rows)


def _line(line: ThreadLine) -> str:
    who = "You" if line.mine else esc(line.author)
    head = f"<b>{who}</b> · {line.at_local:%a} {line.at_local.day} {line.at_local:%b %H:%M}"
    body = line.text or ""
    if len(body) > LINE_SHOWN:
        body = body[: LINE_SHOWN - 1] + "…"
    parts = [esc(body)] if body else []
    if line.media_kind is not None:
        parts.insert(0, f"[{MEDIA_LABELS[line.media_kind]}]")
    if line.timestamp_s is not None:
        parts.insert(0, f"⏱ {format_timestamp(line.timestamp_s)} —")
    return f"{head}\n{' '.join(parts)}"


@dataclass(frozen=True, slots=True)
class ThreadPage:
    text: str
    older_than: int | None
    """The oldest message shown, when older ones exist (the "⬅️ Older" button's cursor)."""


def thread_page(view: ThreadView, *, paging: bool = False) -> ThreadPage:
    """The newest messages of ``view`` that fit one message (under 4,096 characters), and
    where the next page back starts. ``paging``: an older page, so none means none left."""
    header = THREAD_HEADER.format(
        subject=_subject(view.info.subject), other=esc(view.info.other_name)
    )
    if not view.lines:
        return ThreadPage(f"{header}\n\n{THREAD_NO_OLDER if paging else THREAD_EMPTY}", None)
    kept: list[str] = []
    used = len(header) + len(THREAD_OLDER) + 4
    oldest = view.lines[-1].id
    cut = False
    for line in reversed(view.lines):
        text = _line(line)
        if used + len(text) + 2 > THREAD_BUDGET:
            cut = True
            break
        kept.append(text)
        used += len(text) + 2
        oldest = line.id
    older = cut or view.has_older
    if older:
        kept.append(THREAD_OLDER)
    return ThreadPage("\n\n".join([header, *reversed(kept)]), oldest if older else None)


# --- handlers ----------------------------------------------------------------------------------


def _svc(context: Context) -> ThreadService:
    return ThreadService(services(context).ctx)


def _user_data(context: Context) -> dict[Any, Any]:
    return context.user_data if context.user_data is not None else {}


def _pressed(update: Update) -> ThreadButton | None:
    query = update.callback_query
    return ThreadButton.decode(query.data if query else None)


async def _refuse(update: Update, text: str) -> None:
    await answer(update, text, alert=True)


async def start(update: Update, context: Context) -> int:
    """A "💬 Message", "Ask my trainer", Reply or "Note at a moment" button."""
    pressed = _pressed(update)
    if pressed is None or pressed.action is Action.VIEW:
        await _refuse(update, "This button has expired. Send /help to start again.")
        return END
    try:
        view = await _svc(context).open(identity(update).telegram_id, pressed.target)
    except DomainError as error:
        await _refuse(update, str(error))
        return END
    info = view.info
    if pressed.action is Action.NOTE and not (info.as_trainer and info.reply_to_is_video):
        await _refuse(update, "A timestamped note goes on a client's video.")
        return END
    _user_data(context)[DRAFT_KEY] = {"k": pressed.target.kind.value, "i": pressed.target.id}
    values = {"other": esc(info.other_name), "subject": _subject(info.subject)}
    if pressed.action is Action.NOTE:
        await show(update, ASK_NOTE.format(**values), edit=False)
        return NOTE
    prompt = ASK_TRAINER_SIDE if info.as_trainer else ASK_CLIENT_SIDE
    await show(update, prompt.format(**values), edit=False)
    return COMPOSE


def _draft(context: Context) -> ThreadTarget | None:
    stored = _user_data(context).get(DRAFT_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        return ThreadTarget(TargetKind(str(stored.get("k"))), int(stored.get("i", "")))
    except (TypeError, ValueError):
        return None


def _media_of(message: Message) -> Media | None:
    if message.photo:
        best = message.photo[-1]
        return Media(ThreadMediaKind.PHOTO, best.file_id, best.file_unique_id)
    if message.video is not None:
        return Media(ThreadMediaKind.VIDEO, message.video.file_id, message.video.file_unique_id)
    if message.voice is not None:
        return Media(ThreadMediaKind.VOICE, message.voice.file_id, message.voice.file_unique_id)
    return None


async def composed(update: Update, context: Context) -> int:
    """The message itself: text, or a photo, video or voice note with an optional caption."""
    message = update.effective_message
    target = _draft(context)
    if message is None or target is None:
        return END
    media = _media_of(message)
    text = message.caption if media is not None else message.text
    try:
        posted = await _svc(context).post(identity(update).telegram_id, target, text, media)
    except DomainError as error:
        return await _failed(update, context, error, COMPOSE)
    return await _delivered(update, context, posted)


async def note_typed(update: Update, context: Context) -> int:
    """The trainer's timestamped note on a client's video."""
    message = update.effective_message
    target = _draft(context)
    if message is None or target is None:
        return END
    try:
        moment, comment = parse_timestamp_note(message.text or "")
        posted = await _svc(context).post(
            identity(update).telegram_id, target, comment, timestamp_s=moment
        )
    except DomainError as error:
        return await _failed(update, context, error, NOTE)
    return await _delivered(update, context, posted)


async def _failed(update: Update, context: Context, error: DomainError, state: int) -> int:
    """Bad input stays in the step; a thread that can no longer be written to ends it."""
    await show(update, f"⚠️ {esc(error)}", edit=False)
    if isinstance(error, EmptyMessage | MessageTooLong | TimestampUnreadable):
        return state
    _user_data(context).pop(DRAFT_KEY, None)
    return END


async def not_sendable(update: Update, context: Context) -> int:
    await show(update, NOT_SENDABLE, edit=False)
    return COMPOSE


class Outcome(Enum):
    SENT = "sent"
    HELD = "held"
    UNREACHABLE = "unreachable"


async def deliver(context: Context, posted: Posted) -> tuple[Outcome, datetime | None]:
    """Send a stored message to the other party now, or hold it for their quiet hours."""
    html, markup = incoming_text(posted), incoming_markup(posted)
    media = (
        {"kind": posted.media.kind.value, "file_id": posted.media.file_id} if posted.media else None
    )
    due = await hold_for_quiet_hours(context, posted.recipient_telegram_id, html, markup, media)
    if due is not None:
        return Outcome.HELD, due
    chat, bot = posted.recipient_telegram_id, context.bot
    try:
        if posted.media is None:
            await bot.send_message(chat, html, reply_markup=markup)
        elif posted.media.kind is ThreadMediaKind.VIDEO:
            await bot.send_video(chat, posted.media.file_id, caption=html, reply_markup=markup)
        elif posted.media.kind is ThreadMediaKind.VOICE:
            await bot.send_voice(chat, posted.media.file_id, caption=html, reply_markup=markup)
        else:
            await bot.send_photo(chat, posted.media.file_id, caption=html, reply_markup=markup)
    except (Forbidden, BadRequest) as error:
        log.info("thread message %s not delivered: %s", posted.id, error)
        return Outcome.UNREACHABLE, None
    return Outcome.SENT, None


async def _delivered(update: Update, context: Context, posted: Posted) -> int:
    _user_data(context).pop(DRAFT_KEY, None)
    outcome, due = await deliver(context, posted)
    other = esc(posted.recipient_name)
    if outcome is Outcome.HELD and due is not None:
        at = due.astimezone(load_zone(posted.recipient_timezone))
        text = HELD.format(other=other, at=f"{at:%H:%M}")
    elif outcome is Outcome.UNREACHABLE:
        text = UNREACHABLE.format(other=other)
    else:
        text = SENT.format(other=other)
    view = ThreadButton(Action.VIEW, ThreadTarget(TargetKind.MESSAGE, posted.id)).encode()
    await show(update, text, keyboard([[(SEE_THREAD, view)]]), edit=False)
    return END


async def view_thread(update: Update, context: Context) -> None:
    """ "📜 See the thread": the newest messages, and a button to write."""
    pressed = _pressed(update)
    if pressed is None or pressed.action is not Action.VIEW:
        await _refuse(update, "This button has expired. Send /help to start again.")
        return
    try:
        view = await _svc(context).open(identity(update).telegram_id, pressed.target)
    except DomainError as error:
        await _refuse(update, str(error))
        return
    await _show_page(update, pressed.target, view, edit=False)


async def _show_page(
    update: Update, target: ThreadTarget, view: ThreadView, *, edit: bool, paging: bool = False
) -> None:
    page = thread_page(view, paging=paging)
    row: list[Button] = []
    if page.older_than is not None:
        row.append((OLDER, OlderButton(target, page.older_than).encode()))
    row.append((WRITE, ThreadButton(Action.NEW, target).encode()))
    await show(update, page.text, keyboard([row]), edit=edit)


async def older_pressed(update: Update, context: Context) -> None:
    """ "⬅️ Older": the page of the thread before the oldest message shown, in place."""
    assert update.callback_query is not None
    pressed = OlderButton.decode(update.callback_query.data)
    if pressed is None:
        await _refuse(update, "This button has expired. Send /help to start again.")
        return
    try:
        view = await _svc(context).open(
            identity(update).telegram_id, pressed.target, before_id=pressed.before_id
        )
    except DomainError as error:
        await _refuse(update, str(error))
        return
    await _show_page(update, pressed.target, view, edit=True, paging=True)


def build_handler() -> list[object]:
    if CARD_ACTION not in CARD_ACTIONS:
        CARD_ACTIONS.append(CARD_ACTION)
    text = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.VIDEO | filters.VOICE
    flow = Flow(
        "threads",
        entry_points=[CallbackQueryHandler(start, pattern=r"^th:[nt]:")],
        states={
            COMPOSE: [
                MessageHandler(text | media, composed),
                MessageHandler(~filters.COMMAND, not_sendable),
            ],
            NOTE: [MessageHandler(text, note_typed)],
        },
    )
    return [flow, button(r"^th:v:", view_thread), button(r"^th:o:", older_pressed)]
