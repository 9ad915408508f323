"""Feedback both ways, and the buttons a client can act on in a reminder.

The client: "How hard was it?" (RPE 1–10), then optional free text and a 1–5 session rating;
``/feedback`` lists the last 14 days' sessions to give feedback later or send a video. The
trainer gets one notice per session's feedback, sent at the RPE and edited as the rest arrives.
The trainer: ``/feedback`` lists sessions with client feedback not reviewed yet; a session
screen shows the feedback and (if shared) the sets; the trainer writes a training feedback
(text, corrections, form, performance 1–5, progression; each step skippable) that is marked
reviewed and sent to the client, or sends a photo or video with timestamped comments.

Reminder buttons: "Done as prescribed" logs every planned set after a confirmation; "Can't make
it" asks for a reason and another time, then the trainer accepts (the calendar moves the
session), picks another time, or cancels. "Done as prescribed" after "Can't make it" withdraws
the request (the confirmation says so, and the trainer is told); the trainer's answer buttons
then say it was withdrawn.

Callback data (every id is re-checked against the acting user on each press):

* ``fb:rpe:<record>:<n>``, ``fb:tx:<record>`` (skip the text), ``fb:rt:<record>:<n>`` (rating,
  ``0`` = skip), ``fb:s:<record>`` (open a session), ``fb:m:<record>`` (send media), ``fb:l``;
* ``tf:o:<record>``, ``tf:l``, ``tf:me``, ``tf:w:<record>`` (write), ``tf:dc`` (continue a
  half-written feedback, offered by ``/feedback``), ``tf:k`` (skip a step),
  ``tf:pr:<n>`` (performance rating), ``tf:send:<record>``, ``tf:rv:<record>`` (mark reviewed),
  ``tf:m:<record>`` (add media), ``tf:c:<media note>`` (comment on a client's media), ``tf:ck``
  and ``tf:dk`` (skip comments / drawing);
* ``rm:done:<session>``, ``rm:dy:<session>``, ``rm:dn:<session>``; ``rm:cant:<session>``,
  ``rm:r:<session>:<reason>``, ``rm:nt:<session>`` (no new time); for the trainer
  ``rm:ok:<session>:<epoch minutes>`` (accept), ``rm:pt:<session>`` (pick another time),
  ``rm:x:<session>`` (cancel the session).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import MediaKind, SessionStatus
from coaching.domain.feedback import TimedComment, format_timestamp
from coaching.domain.schedule import WEEKDAY_NAMES
from coaching.domain.threads import TargetKind
from coaching.errors import DomainError
from coaching.services.calendar import CalendarService, SessionNotice
from coaching.services.feedback import (
    AlreadyReviewed,
    ChangeRequest,
    ClientFeedback,
    ClientFeedbackService,
    FeedbackDraft,
    MediaDelivery,
    MediaNoteService,
    MoveRequestService,
    ReviewDetail,
    ReviewService,
    clean_text,
)
from coaching.services.live import FinishResult, LogPart
from coaching.services.users import UserService
from conversations.common import (
    END,
    NOT_DELIVERED,
    Button,
    Context,
    Delivery,
    Outcome,
    answer,
    esc,
    hold_for_quiet_hours,
    identity,
    is_skip,
    keyboard,
    notify,
    notify_message,
    show,
    told,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.injury import dismiss_button
from conversations.log import summary_text
from conversations.threads import message_button
from conversations.typed_buttons import ButtonCodec, Press

log = logging.getLogger(__name__)

(
    CLIENT_TEXT,
    CLIENT_RATING,
    CLIENT_MEDIA,
    TRAINER_MENU,
    T_TEXT,
    T_CORR,
    T_FORM,
    T_PERF,
    T_PROG,
    T_CONFIRM,
    T_MEDIA,
    T_COMMENTS,
    T_DRAW,
) = range(13)
RM_REASON, RM_WHEN, RM_TRAINER_TIME = range(100, 103)

RECORD_KEY = "fb_record"
NOTICE_KEY = "fb_notice"
"""The trainer's feedback notice: ``{"rid": record, "chat": chat id, "msg": message id}``."""
DRAFT_KEY = "tf_draft"
MEDIA_KEY = "tf_media"
RM_SESSION_KEY = "rm_session"
RM_REASON_KEY = "rm_reason"

# --- wording and keyboards -------------------------------------------------------------------

FEEDBACK_ASK = "How hard was <b>{title}</b>? Tap your RPE: 1 = very easy, 10 = all-out."
RPE_SAVED = "🙏 Thanks! RPE {rpe} saved for <b>{title}</b>."
ASK_TEXT_TRAINER = (
    "Anything to tell {trainer} about it? Type a note, e.g. "
    "<i>squats felt heavy, bench was easy</i>, or tap Skip."
)
ASK_TEXT_OWN = "Anything to note about it? Type it, e.g. <i>slept badly, felt slow</i>, or Skip."
ASK_RATING = "How was <b>{title}</b> overall? Rate it from 1 (poor) to 5 (great)."
RATING_PRIVACY = (
    "\n\n{trainer} sees your rating. It counts towards their <b>public rating</b> in the "
    "trainer directory only if you tick the box below."
)
RATING_PRIVATE_ONLY = "\n\nOnly you and your trainer see it."
CONSENT_OFF = "☐ Count it in {trainer}'s public rating"
CONSENT_ON = "☑ Counts in {trainer}'s public rating"
RATED_PUBLIC = "\nYour rating counts towards {trainer}'s public rating in the directory."
RATED_PRIVATE = "\nYour rating stays between you and {trainer}: it isn't public."
RATING_BUTTON_OLD = "That button is out of date. Tap a number from 1 to 5, or Skip."
FEEDBACK_DONE = "✅ Feedback saved for <b>{title}</b>: {summary}."
FEEDBACK_DONE_TRAINER = " {trainer} has it."
TRAINER_RPE = "💬 {client} rated <b>{title}</b>: RPE {rpe}/10."
TRAINER_FEEDBACK = "💬 <b>{client}</b> on <b>{title}</b>: {summary}"
PAIN_SUGGESTION = (
    "⚠️ <b>Possible injury</b>: {client}'s feedback on <b>{title}</b> mentions pain:\n"
    "“{text}”\n\nCheck in with them, or dismiss this if it's nothing."
)
TYPE_OR_SKIP = "Please type a few words, or tap Skip."
PICK_RATING = "Please tap a number from 1 to 5, or Skip."
EXPIRED = "This button has expired. Send /feedback to start again."
UNKNOWN = "I don't know you yet. Send /start first."

CLIENT_LIST = "📝 <b>Your recent sessions</b> (last 14 days). ✍️ = no feedback yet."
CLIENT_NONE = (
    "You have no finished sessions from the last 14 days. After your next workout "
    "I'll ask how it went."
)
CLIENT_SESSION = "📝 <b>{title}</b> · {day}"
NO_FEEDBACK_YET = "No feedback yet."
ASK_CLIENT_MEDIA = (
    "🎥 Send a <b>video</b> or a <b>photo</b> of <b>{title}</b> (a set, your form) and "
    "I'll pass it on."
)
MEDIA_SENT_TO = "✅ Sent to {trainer}: they can comment on it."
MEDIA_SAVED = "✅ Saved with <b>{title}</b>."
SEND_MEDIA = "Please send a photo or a video, or /cancel."
CLIENT_MEDIA_TO_TRAINER = "🎥 {client} sent a {kind} on <b>{title}</b>."

TRAINER_LIST = "📝 <b>Client feedback to review</b>"
TRAINER_NONE = "✅ All caught up: no client feedback is waiting for review."
MY_SESSIONS = "🙋 My own sessions"
NOT_SHARED = "🔒 The client does not share their workout history, so the sets are hidden."
ASK_T_TEXT = (
    "✍️ Feedback for {client} on <b>{title}</b> (1/5).\n\nType your overall feedback, "
    "e.g. <i>Great session, depth was solid</i>, or Skip."
)
ASK_T_CORR = "Correction notes (2/5), e.g. <i>brace before unracking</i>, or Skip."
ASK_T_FORM = "Form comments (3/5), e.g. <i>knees track well, keep chest up</i>, or Skip."
ASK_T_PERF = "Performance rating (4/5): 1 (poor) to 5 (excellent), or Skip."
ASK_T_PROG = "Progression suggestions (5/5), e.g. <i>+2.5 kg on squats next week</i>, or Skip."
CONFIRM_T = "📤 Send this to {client} and mark the session reviewed?\n\n{preview}"
DRAFT_OPEN = (
    "✍️ You have unfinished feedback for {client} on <b>{title}</b> ({n}/5). "
    "Carry on where you were, or start over (the draft is dropped)."
)
CONTINUE_DRAFT = "▶️ Continue your feedback to {client} ({n}/5)"
START_OVER = "🔄 Start over"
NOTHING_WRITTEN = "<i>(nothing written: the session is just marked reviewed)</i>"
SENT_T = "✅ Sent to {client}; <b>{title}</b> is marked reviewed."
SENT_T_NOT_TOLD = "✅ <b>{title}</b> is marked reviewed. {client} hasn't joined Spotter, so "
SENT_T_NOT_TOLD += "they weren't sent it."
REVIEWED_ONLY = "✅ <b>{title}</b> ({client}) is marked reviewed."
REVIEWED_HELD = "✅ <b>{title}</b> is marked reviewed. {told}"
CLIENT_REVIEW = "📝 <b>{trainer}</b> reviewed your session <b>{title}</b> ({day}):"
ASK_T_MEDIA = (
    "🎥 Send a <b>video</b> or a <b>photo</b> for {client} on <b>{title}</b>. "
    "Then you can add timestamped comments."
)
ASK_COMMENTS_VIDEO = (
    "Now type your comments, one per line, each starting with the time in the video:\n"
    "<code>0:42 knees cave in</code>\n<code>1:05 good depth</code>\n\nOr tap Skip."
)
ASK_COMMENTS_PHOTO = (
    "Now type your comments, one per line, e.g. <code>knees cave in</code>. Or tap Skip."
)
ASK_DRAWING = (
    "Optional: describe a drawing for it, e.g. <i>line from hip to knee: keep it vertical</i>. "
    "Or tap Skip."
)
MEDIA_DELIVERED = "✅ Sent the {kind} with your comments to {client}."
MEDIA_NOT_DELIVERED = "✅ Saved. {client} hasn't joined Spotter, so they weren't sent it."
HELD = "✅ Saved. {told}"
CLIENT_MEDIA_NOTE = "🎥 <b>{trainer}</b> on <b>{title}</b>:"

ASK_DONE = "Log every planned set of <b>{title}</b> as prescribed?"
ASK_DONE_ANYWAY = (
    "You told {trainer} you can't make it. Log it as done anyway? "
    "Your request to move it will be withdrawn."
)
DONE_AFTER_ALL = "{client} did <b>{title}</b> after all; {their} request to move it is withdrawn."
REQUEST_WITHDRAWN = (
    "{client} withdrew this request and logged {title} as done. Nothing was changed."
)
POSSESSIVE = {"female": "her", "male": "his"}
"""By the client profile's gender; anyone else is "their"."""
DONE_CANCELLED = "OK, nothing was logged. Tap ▶️ Start logging to log set by set."
FEEDBACK_LATER = "I'll ask how it went after the session, at {at}."
ASK_REASON = "🙅 Can't make <b>{title}</b> ({when})? What's the reason?"
REASONS: dict[str, str] = {
    "ill": "🤒 I'm ill",
    "inj": "🤕 I'm injured",
    "work": "💼 Work",
    "trv": "✈️ Travelling",
    "oth": "✏️ Other (type it)",
}
REASON_TEXT = {
    "ill": "ill",
    "inj": "injured",
    "work": "work",
    "trv": "travelling",
}
ASK_OTHER_REASON = "Type the reason in a few words, e.g. <i>family visit</i>."
ASK_WHEN = (
    "When could you do it instead? Type a time in your time zone ({tz}), e.g. "
    "<code>thursday 18:00</code> or <code>tomorrow 7am</code>. Or tap No new time."
)
REQUEST_SENT = "📨 Sent to {trainer}. I'll tell you what they decide."
REQUEST_SENT_TIME = "📨 Sent to {trainer}, proposing {when}. I'll tell you what they decide."
REQUEST_HELD = "📨 Saved{proposing}. {told} I'll tell you what they decide."
TRAINER_REQUEST = "🙅 <b>{client} can't make {title}</b> ({when}).\nReason: {reason}\n{proposal}"
PROPOSED = "Proposed instead: <b>{when}</b>."
NO_PROPOSAL = "No new time proposed."
ASK_TRAINER_TIME = (
    "🔄 New time for <b>{title}</b> with {client}? Type it in your time zone ({tz}), e.g. "
    "<code>friday 18:00</code>."
)
MOVED_T = "✅ Moved <b>{title}</b> with {client} to {when}. {told}"
MOVED_C = "✅ {trainer} moved <b>{title}</b> to <b>{when}</b>."
CANCELLED_T = "✖️ Cancelled <b>{title}</b> with {client}. {told}"
CANCELLED_C = "✖️ {trainer} cancelled <b>{title}</b> ({when}). Get well / see you next time!"


# --- callback data ----------------------------------------------------------------------------


class ClientAction(StrEnum):
    """The client's ``fb:`` buttons."""

    RPE = "rpe"
    SKIP_TEXT = "tx"
    RATING = "rt"
    SESSION = "s"
    MEDIA = "m"
    LIST = "l"


class TrainerAction(StrEnum):
    """The trainer's ``tf:`` buttons."""

    OPEN = "o"
    LIST = "l"
    WRITE = "w"
    SKIP = "k"
    CONTINUE = "dc"
    PERFORMANCE = "pr"
    SEND = "send"
    REVIEWED = "rv"
    MEDIA = "m"
    COMMENT = "c"
    SKIP_COMMENTS = "ck"
    SKIP_DRAWING = "dk"


class ReminderAction(StrEnum):
    """A reminder's ``rm:`` buttons, the client's and the trainer's answer."""

    DONE = "done"
    DONE_YES = "dy"
    DONE_NO = "dn"
    CANT = "cant"
    REASON = "r"
    NO_TIME = "nt"
    ACCEPT = "ok"
    PICK_TIME = "pt"
    CANCEL = "x"


CLIENT = ButtonCodec("fb", ClientAction)
TRAINER = ButtonCodec("tf", TrainerAction)
REMINDER = ButtonCodec("rm", ReminderAction, words=True)
ID_MAX = 10**11
"""Ids this long or longer are not ours: the press is out of date (or forged)."""

# How many ids each button carries (at least); a press with fewer is out of date.
CLIENT_IDS = {
    ClientAction.RPE: 2,
    ClientAction.SKIP_TEXT: 1,
    ClientAction.RATING: 2,
    ClientAction.SESSION: 1,
    ClientAction.MEDIA: 1,
    ClientAction.LIST: 0,
}
TRAINER_IDS = {
    TrainerAction.OPEN: 1,
    TrainerAction.WRITE: 1,
    TrainerAction.SEND: 1,
    TrainerAction.REVIEWED: 1,
    TrainerAction.MEDIA: 1,
    TrainerAction.COMMENT: 1,
}
REMINDER_IDS = dict.fromkeys(ReminderAction, 1)
"""Every reminder button names its session."""

REMINDER_PATTERN = rf"^{REMINDER.prefix}:({'|'.join(a.value for a in ReminderAction)}):"
"""The reminder buttons this flow answers (``rm:plan`` belongs to the settings flow)."""


def _pressed(
    codec: ButtonCodec[Any], update: Update, needed: Mapping[Any, int]
) -> Press[Any] | None:
    """The press, or ``None`` when it is not one of ``codec``'s buttons, carries fewer ids than
    its action ``needed``, or an id too long to be ours."""
    query = update.callback_query
    press = codec.decode(query.data if query is not None else None)
    if press is None or len(press.ids) < needed.get(press.action, 0):
        return None
    return None if any(i >= ID_MAX for i in press.ids) else press


def rpe_keyboard(record_id: int) -> InlineKeyboardMarkup:
    """The "How hard was it?" buttons (the same data as the live-logging finish prompt)."""
    return keyboard(
        [
            [(str(n), CLIENT.encode(ClientAction.RPE, record_id, n)) for n in range(1, 6)],
            [(str(n), CLIENT.encode(ClientAction.RPE, record_id, n)) for n in range(6, 11)],
        ]
    )


def _text_keyboard(record_id: int) -> InlineKeyboardMarkup:
    return keyboard([[("Skip ›", CLIENT.encode(ClientAction.SKIP_TEXT, record_id))]])


class Rate(StrEnum):
    """The rating step's buttons: a star (``fbr:s:<record>:<n>:<public>``) and the public
    rating box (``fbr:c:<record>:<public>``)."""

    STAR = "s"
    CONSENT = "c"


RATE = ButtonCodec("fbr", Rate)


def _short(name: str, limit: int = 20) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def ask_rating(fb: ClientFeedback, *, public: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """The rating question: it says who sees the rating, and asks before it counts publicly."""
    rid = fb.record_id
    text = ASK_RATING.format(title=esc(fb.title))
    flag = int(public and fb.rating_can_be_public)
    rows: list[list[Button]] = [
        [(f"{n} ⭐", RATE.encode(Rate.STAR, rid, n, flag)) for n in range(1, 6)]
    ]
    if fb.rating_can_be_public and fb.trainer is not None:
        name = fb.trainer.name
        text += RATING_PRIVACY.format(trainer=esc(name))
        label = (CONSENT_ON if flag else CONSENT_OFF).format(trainer=_short(name))
        rows.append([(label, RATE.encode(Rate.CONSENT, rid, 1 - flag))])
    else:
        text += RATING_PRIVATE_ONLY
    rows.append([("Skip ›", CLIENT.encode(ClientAction.RATING, rid, 0))])
    return text, keyboard(rows)


SKIP_T = keyboard([[("Skip ›", TRAINER.encode(TrainerAction.SKIP))]])
PERF_KEYBOARD = keyboard(
    [
        [(f"{n} ⭐", TRAINER.encode(TrainerAction.PERFORMANCE, n)) for n in range(1, 6)],
        [("Skip ›", TRAINER.encode(TrainerAction.SKIP))],
    ]
)


def _day(value: date) -> str:
    return f"{WEEKDAY_NAMES[value.weekday()][:3]} {value.day} {value:%b}"


def _when(value: datetime) -> str:
    return f"{WEEKDAY_NAMES[value.weekday()][:3]} {value.day} {value:%b}, {value:%H:%M}"


def _summary(fb: ClientFeedback) -> str:
    parts = []
    if fb.rpe is not None:
        parts.append(f"RPE {fb.rpe}/10")
    if fb.rating is not None:
        parts.append(f"rated {fb.rating}/5")
    if fb.text:
        parts.append(f"“{esc(fb.text)}”")
    return " · ".join(parts) or "no feedback"


def _comment_lines(comments: tuple[TimedComment, ...]) -> list[str]:
    return [
        (f"<b>{format_timestamp(c.at_s)}</b> {esc(c.text)}" if c.at_s is not None else esc(c.text))
        for c in comments
    ]


# --- helpers ----------------------------------------------------------------------------------


def _client_svc(context: Context) -> ClientFeedbackService:
    return ClientFeedbackService(services(context).ctx)


def _review_svc(context: Context) -> ReviewService:
    return ReviewService(services(context).ctx)


def _media_svc(context: Context) -> MediaNoteService:
    return MediaNoteService(services(context).ctx)


def _requests_svc(context: Context) -> MoveRequestService:
    return MoveRequestService(services(context).ctx)


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def _user_data(context: Context) -> dict[Any, Any]:
    return context.user_data if context.user_data is not None else {}


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=markup)


async def _refuse(update: Update, message: str) -> None:
    await answer(update, message, alert=True)


async def _send_media(
    context: Context,
    telegram_id: int,
    kind: MediaKind,
    file_id: str,
    caption: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Delivery:
    """Send a photo or video by ``file_id``; a long caption goes in a message of its own."""
    short = caption if len(caption) <= 1000 else None
    media = {"kind": "video" if kind is MediaKind.VIDEO else "photo", "file_id": file_id}
    due = await hold_for_quiet_hours(context, telegram_id, short or "", markup, media)
    if due is not None:
        if short is None:
            await notify(context, telegram_id, caption)
        return Delivery(Outcome.HELD, release_at=due)
    try:
        if kind is MediaKind.VIDEO:
            await context.bot.send_video(telegram_id, file_id, caption=short, reply_markup=markup)
        else:
            await context.bot.send_photo(telegram_id, file_id, caption=short, reply_markup=markup)
    except (Forbidden, BadRequest) as error:
        log.info("media to %s not delivered: %s", telegram_id, error)
        return NOT_DELIVERED
    if short is None:
        await notify(context, telegram_id, caption)
    return Delivery(Outcome.SENT)


# --- the client's feedback ------------------------------------------------------------------


async def on_client_button(update: Update, context: Context) -> int:
    """``fb:*``: every press re-checked by the service against the acting user."""
    press = _pressed(CLIENT, update, CLIENT_IDS)
    if press is None:
        await _refuse(update, EXPIRED)
        return END
    try:
        return await _CLIENT_PRESSES[press.action](update, context, press)
    except DomainError as error:
        await _refuse(update, str(error))
        return END


ClientPress = Callable[[Update, Context, Press[ClientAction]], Awaitable[int]]


async def _rpe_pressed(update: Update, context: Context, press: Press[ClientAction]) -> int:
    rid, n = press.ids[0], press.ids[1]
    fb = await _client_svc(context).rate(identity(update).telegram_id, rid, n)
    return await _after_rpe(update, context, fb)


async def _text_skipped(update: Update, context: Context, press: Press[ClientAction]) -> int:
    rid = press.ids[0]
    fb = await _client_svc(context).current(identity(update).telegram_id, rid)
    _user_data(context)[RECORD_KEY] = rid
    await show(update, *ask_rating(fb))
    return CLIENT_RATING


async def _rating_pressed(update: Update, context: Context, press: Press[ClientAction]) -> int:
    rid, n = press.ids[0], press.ids[1]
    svc, telegram_id = _client_svc(context), identity(update).telegram_id
    fb = await (svc.rate_session(telegram_id, rid, n) if n else svc.current(telegram_id, rid))
    return await _client_done(update, context, fb)


async def _session_pressed(update: Update, context: Context, press: Press[ClientAction]) -> int:
    return await _client_session(update, context, press.ids[0])


async def _media_pressed(update: Update, context: Context, press: Press[ClientAction]) -> int:
    rid = press.ids[0]
    fb = await _client_svc(context).current(identity(update).telegram_id, rid)
    _user_data(context)[RECORD_KEY] = rid
    await show(update, ASK_CLIENT_MEDIA.format(title=esc(fb.title)))
    return CLIENT_MEDIA


async def _list_pressed(update: Update, context: Context, _press: Press[ClientAction]) -> int:
    return await _client_list(update, context)


_CLIENT_PRESSES: dict[ClientAction, ClientPress] = {
    ClientAction.RPE: _rpe_pressed,
    ClientAction.SKIP_TEXT: _text_skipped,
    ClientAction.RATING: _rating_pressed,
    ClientAction.SESSION: _session_pressed,
    ClientAction.MEDIA: _media_pressed,
    ClientAction.LIST: _list_pressed,
}


async def _after_rpe(update: Update, context: Context, fb: ClientFeedback) -> int:
    _user_data(context)[RECORD_KEY] = fb.record_id
    ask = ASK_TEXT_TRAINER.format(trainer=esc(fb.trainer.name)) if fb.trainer else ASK_TEXT_OWN
    text = RPE_SAVED.format(rpe=fb.rpe, title=esc(fb.title)) + "\n\n" + ask
    await show(update, text, _text_keyboard(fb.record_id))
    await _tell_trainer(context, fb, complete=False)
    return CLIENT_TEXT


async def _tell_trainer(context: Context, fb: ClientFeedback, *, complete: bool) -> None:
    """The trainer's one notice about this feedback: sent at the RPE tap, then edited in place
    as the text and the rating arrive; the "📝 Review" button comes once it is complete. Its
    place is kept in ``user_data`` (persisted after every update), so a restart keeps it; a
    notice that is gone is sent again."""
    if fb.trainer is None:
        return
    if fb.text or fb.rating is not None:
        text = TRAINER_FEEDBACK.format(
            client=esc(fb.client_name), title=esc(fb.title), summary=_summary(fb)
        )
    elif fb.rpe is not None:
        text = TRAINER_RPE.format(client=esc(fb.client_name), title=esc(fb.title), rpe=fb.rpe)
    else:
        return
    markup = (
        keyboard([[("📝 Review", TRAINER.encode(TrainerAction.OPEN, fb.record_id))]])
        if complete
        else None
    )
    data = _user_data(context)
    chat = fb.trainer.telegram_id
    stored = data.get(NOTICE_KEY)
    if (
        isinstance(stored, dict)
        and stored.get("rid") == fb.record_id
        and stored.get("chat") == chat
        and isinstance(stored.get("msg"), int)
    ):
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat, message_id=stored["msg"], reply_markup=markup
            )
            return
        except Forbidden:
            log.info("user %s has blocked the bot; feedback notice not updated", chat)
            return
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
            log.info("feedback notice to %s not edited (%s); sending it again", chat, error)
    sent = await notify_message(context, chat, text, markup, subject=f"feedback:{fb.record_id}")
    if sent is not None:
        data[NOTICE_KEY] = {"rid": fb.record_id, "chat": chat, "msg": sent.message_id}


async def client_text_typed(update: Update, context: Context) -> int:
    rid = _user_data(context).get(RECORD_KEY)
    if not isinstance(rid, int):
        await _say(update, EXPIRED)
        return END
    try:
        if is_skip(_text(update)):
            fb = await _client_svc(context).current(identity(update).telegram_id, rid)
            await _say(update, *ask_rating(fb))
            return CLIENT_RATING
        fb = await _client_svc(context).add_text(identity(update).telegram_id, rid, _text(update))
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return CLIENT_TEXT
    await _tell_trainer(context, fb, complete=False)
    if fb.pain_flagged:
        suggestion = await _client_svc(context).suggested_alert(identity(update).telegram_id, rid)
        if suggestion is not None:
            await notify(
                context,
                suggestion.trainer.telegram_id,
                PAIN_SUGGESTION.format(
                    client=esc(suggestion.client_name),
                    title=esc(suggestion.title),
                    text=esc(suggestion.text),
                ),
                keyboard([[dismiss_button(suggestion.alert_id)]]),
            )
    await _say(update, *ask_rating(fb))
    return CLIENT_RATING


async def on_rating_button(update: Update, context: Context) -> int | None:
    """A star (with the public box as it was ticked) or the public box itself; the record is
    re-checked against the acting user by the service."""
    assert update.callback_query is not None
    press = RATE.decode(update.callback_query.data)
    ids = press.ids if press is not None else ()
    shape_ok = press is not None and len(ids) == (3 if press.action is Rate.STAR else 2)
    if press is None or not shape_ok or ids[-1] not in (0, 1):
        await answer(update, RATING_BUTTON_OLD, alert=True)
        return None
    svc = _client_svc(context)
    telegram_id = identity(update).telegram_id
    try:
        if press.action is Rate.STAR:
            fb = await svc.rate_session(telegram_id, ids[0], ids[1], public=bool(ids[2]))
            return await _client_done(update, context, fb)
        fb = await svc.current(telegram_id, ids[0])
    except DomainError as error:
        await answer(update, str(error)[:190], alert=True)
        return None
    _user_data(context)[RECORD_KEY] = fb.record_id
    await show(update, *ask_rating(fb, public=bool(ids[1])))
    return CLIENT_RATING


async def client_rating_typed(update: Update, context: Context) -> int:
    rid = _user_data(context).get(RECORD_KEY)
    if is_skip(_text(update)) and isinstance(rid, int):
        try:
            fb = await _client_svc(context).current(identity(update).telegram_id, rid)
        except DomainError as error:
            await _say(update, f"⚠️ {esc(error)}")
            return END
        return await _client_done(update, context, fb)
    await _say(update, PICK_RATING)
    return CLIENT_RATING


async def _client_done(update: Update, context: Context, fb: ClientFeedback) -> int:
    _user_data(context).pop(RECORD_KEY, None)
    text = FEEDBACK_DONE.format(title=esc(fb.title), summary=_summary(fb))
    if fb.trainer is not None:
        text += FEEDBACK_DONE_TRAINER.format(trainer=esc(fb.trainer.name))
        if fb.rating is not None and fb.rating_can_be_public:
            said = RATED_PUBLIC if fb.rating_public else RATED_PRIVATE
            text += said.format(trainer=esc(fb.trainer.name))
    await show(update, text)
    await _tell_trainer(context, fb, complete=True)
    return END


async def _client_list(update: Update, context: Context) -> int:
    choices = await _client_svc(context).recent(identity(update).telegram_id)
    if not choices:
        await show(update, CLIENT_NONE)
        return END
    rows: list[list[Button]] = [
        [
            (
                f"{'✍️ ' if not c.has_feedback else ''}{c.title} · {_day(c.day)}",
                CLIENT.encode(ClientAction.SESSION, c.record_id),
            )
        ]
        for c in choices
    ]
    await show(update, CLIENT_LIST, keyboard(rows))
    return END


async def _client_session(update: Update, context: Context, rid: int) -> int:
    detail = await _review_svc(context).client_detail(identity(update).telegram_id, rid)
    lines = [CLIENT_SESSION.format(title=esc(detail.title), day=_day(detail.started.date()))]
    rows: list[list[Button]] = []
    if detail.rpe is None and detail.text is None and detail.rating is None:
        lines += ["", NO_FEEDBACK_YET, "", FEEDBACK_ASK.format(title=esc(detail.title))]
        rows += [
            [(b.text, str(b.callback_data)) for b in row]
            for row in rpe_keyboard(rid).inline_keyboard
        ]
    else:
        lines += ["", _detail_feedback(detail)]
    if detail.media:
        lines.append(f"🎥 {len(detail.media)} media note(s)")
    rows.append([("🎥 Send a video or photo", CLIENT.encode(ClientAction.MEDIA, rid))])
    rows.append([("‹ Back", CLIENT.encode(ClientAction.LIST))])
    await show(update, "\n".join(lines), keyboard(rows))
    return END


def _detail_feedback(detail: ReviewDetail) -> str:
    parts = []
    if detail.rpe is not None:
        parts.append(f"RPE {detail.rpe}/10")
    if detail.rating is not None:
        parts.append(f"rated {detail.rating}/5")
    text = "💬 " + (" · ".join(parts) or "no rating")
    if detail.text:
        text += f"\n“{esc(detail.text)}”"
    return text


async def client_media_sent(update: Update, context: Context) -> int:
    rid = _user_data(context).get(RECORD_KEY)
    message = update.effective_message
    if not isinstance(rid, int) or message is None:
        await _say(update, EXPIRED)
        return END
    found = _media_of(update)
    if found is None:
        await _say(update, SEND_MEDIA)
        return CLIENT_MEDIA
    kind, file_id, unique = found
    try:
        saved = await _media_svc(context).add_media(
            identity(update).telegram_id, rid, kind, file_id, unique
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return END
    _user_data(context).pop(RECORD_KEY, None)
    if saved.other is None:
        await _say(update, MEDIA_SAVED.format(title=esc(saved.title)))
        return END
    delivery = await _send_media(
        context,
        saved.other.telegram_id,
        kind,
        file_id,
        CLIENT_MEDIA_TO_TRAINER.format(
            client=esc(saved.client_name), kind=kind.value, title=esc(saved.title)
        ),
        keyboard([[("💬 Comment", TRAINER.encode(TrainerAction.COMMENT, saved.media_note_id))]]),
    )
    trainer = esc(saved.other.name)
    sent = MEDIA_SENT_TO.format(trainer=trainer)
    await _say(update, HELD.format(told=told(trainer, delivery)) if delivery.held else sent)
    return END


def _media_of(update: Update) -> tuple[MediaKind, str, str | None] | None:
    message = update.effective_message
    if message is None:
        return None
    if message.photo:
        largest = message.photo[-1]
        return MediaKind.PHOTO, largest.file_id, largest.file_unique_id
    if message.video:
        return MediaKind.VIDEO, message.video.file_id, message.video.file_unique_id
    return None


# --- /feedback ------------------------------------------------------------------------------


async def feedback_command(update: Update, context: Context) -> int:
    draft = _open_draft(context)
    _clear(context, keep_draft=draft is not None)
    me = await UserService(services(context).ctx).get(identity(update).telegram_id)
    if me is None:
        _clear(context)
        await _say(update, UNKNOWN)
        return END
    if me.is_trainer:
        if draft is not None:
            return await _offer_draft(update, draft)
        return await _trainer_list(update, context, me.is_client)
    _clear(context)
    return await _client_list(update, context)


def _clear(context: Context, *, keep_draft: bool = False) -> None:
    data = _user_data(context)
    for key in (RECORD_KEY, MEDIA_KEY) if keep_draft else (RECORD_KEY, DRAFT_KEY, MEDIA_KEY):
        data.pop(key, None)


# The trainer's form: each step's number (of 5), question and keyboard.
_STEP_NUMBER = {T_TEXT: 1, T_CORR: 2, T_FORM: 3, T_PERF: 4, T_PROG: 5, T_CONFIRM: 5}


def _open_draft(context: Context) -> dict[str, Any] | None:
    """The trainer's half-written feedback, if one is open."""
    draft = _user_data(context).get(DRAFT_KEY)
    if (
        isinstance(draft, dict)
        and isinstance(draft.get("rid"), int)
        and int(draft.get("step", T_TEXT)) in _STEP_NUMBER
    ):
        return draft
    return None


async def _offer_draft(update: Update, draft: dict[str, Any]) -> int:
    step = int(draft.get("step", T_TEXT))
    n = _STEP_NUMBER[step]
    client = str(draft.get("client", ""))
    await _say(
        update,
        DRAFT_OPEN.format(client=esc(client), title=esc(draft.get("title", "")), n=n),
        keyboard(
            [
                [
                    (
                        CONTINUE_DRAFT.format(client=client, n=n),
                        TRAINER.encode(TrainerAction.CONTINUE),
                    )
                ],
                [(START_OVER, TRAINER.encode(TrainerAction.LIST))],
            ]
        ),
    )
    return step


async def _resume_draft(update: Update, context: Context) -> int:
    draft = _open_draft(context)
    if draft is None:
        await _refuse(update, EXPIRED)
        return END
    step = int(draft.get("step", T_TEXT))
    if step == T_CONFIRM:
        return await _confirm(update, context, draft)
    if step == T_TEXT:
        text = ASK_T_TEXT.format(
            client=esc(draft.get("client", "")), title=esc(draft.get("title", ""))
        )
    else:
        text = {T_CORR: ASK_T_CORR, T_FORM: ASK_T_FORM, T_PERF: ASK_T_PERF, T_PROG: ASK_T_PROG}[
            step
        ]
    await show(update, text, PERF_KEYBOARD if step == T_PERF else SKIP_T)
    return step


async def _trainer_list(update: Update, context: Context, also_client: bool) -> int:
    items = await _review_svc(context).review_list(identity(update).telegram_id)
    rows: list[list[Button]] = []
    for item in items:
        extra = f" · RPE {item.rpe}" if item.rpe is not None else ""
        rows.append(
            [
                (
                    f"{item.client_name} · {item.title} · {_day(item.day)}{extra}",
                    TRAINER.encode(TrainerAction.OPEN, item.record_id),
                )
            ]
        )
    if also_client:
        rows.append([(MY_SESSIONS, CLIENT.encode(ClientAction.LIST))])
    text = TRAINER_LIST if items else TRAINER_NONE
    await show(update, text, keyboard(rows) if rows else None)
    return TRAINER_MENU


def _review_text(detail: ReviewDetail) -> str:
    lines = [
        f"📝 <b>{esc(detail.client_name)}</b> · <b>{esc(detail.title)}</b>"
        f" · {_when(detail.started)}",
        _detail_feedback(detail),
        "",
    ]
    if detail.exercises is None:
        lines.append(NOT_SHARED)
    else:
        lines += [f"• {esc(line)}" for line in detail.exercises] or ["No sets logged."]
    for item in detail.media:
        who = "you" if item.by_trainer else detail.client_name
        lines.append(
            f"🎥 {item.kind.value} from {esc(who)}"
            + (f": {len(item.comments)} comment(s)" if item.comments else "")
        )
    if detail.reviewed:
        lines += ["", "✅ Reviewed."]
    return "\n".join(lines)


def _review_keyboard(detail: ReviewDetail) -> InlineKeyboardMarkup:
    rid = detail.record_id
    rows: list[list[Button]] = []
    if not detail.reviewed:
        rows.append(
            [
                ("✍️ Write feedback", TRAINER.encode(TrainerAction.WRITE, rid)),
                ("✅ Mark reviewed", TRAINER.encode(TrainerAction.REVIEWED, rid)),
            ]
        )
    rows.append([("🎥 Add a video or photo", TRAINER.encode(TrainerAction.MEDIA, rid))])
    rows.append([message_button(TargetKind.RECORD, rid)])
    rows.append([("‹ Back", TRAINER.encode(TrainerAction.LIST))])
    return keyboard(rows)


async def on_trainer_button(update: Update, context: Context) -> int:
    """``tf:*``: the trainer's review screens; every id re-checked by the service."""
    press = _pressed(TRAINER, update, TRAINER_IDS)
    if press is None:
        await _refuse(update, EXPIRED)
        return END
    try:
        return await _TRAINER_PRESSES[press.action](update, context, press)
    except DomainError as error:
        await _refuse(update, str(error))
        return TRAINER_MENU


TrainerPress = Callable[[Update, Context, Press[TrainerAction]], Awaitable[int]]


async def _back_to_list(update: Update, context: Context, _press: Press[TrainerAction]) -> int:
    _clear(context)
    me = await UserService(services(context).ctx).get(identity(update).telegram_id)
    return await _trainer_list(update, context, bool(me and me.is_client))


async def _open_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    _clear(context)
    detail = await _review_svc(context).review(identity(update).telegram_id, press.ids[0])
    await show(update, _review_text(detail), _review_keyboard(detail))
    return TRAINER_MENU


async def _write_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    rid = press.ids[0]
    detail = await _review_svc(context).review(identity(update).telegram_id, rid)
    if detail.reviewed:
        raise AlreadyReviewed()
    _user_data(context)[DRAFT_KEY] = {
        "rid": rid,
        "client": detail.client_name,
        "title": detail.title,
    }
    await show(
        update,
        ASK_T_TEXT.format(client=esc(detail.client_name), title=esc(detail.title)),
        SKIP_T,
    )
    return T_TEXT


async def _skip_pressed(update: Update, context: Context, _press: Press[TrainerAction]) -> int:
    return await _draft_step(update, context, None)


async def _continue_pressed(update: Update, context: Context, _press: Press[TrainerAction]) -> int:
    return await _resume_draft(update, context)


async def _performance_pressed(
    update: Update, context: Context, press: Press[TrainerAction]
) -> int:
    draft = _user_data(context).get(DRAFT_KEY)
    rating = press.id()
    if not isinstance(draft, dict) or rating is None or not 1 <= rating <= 5:
        await _refuse(update, EXPIRED)
        return END
    draft["rating"] = rating
    draft["step"] = T_PROG
    await show(update, ASK_T_PROG, SKIP_T)
    return T_PROG


async def _send_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    return await _send_feedback(update, context, press.ids[0])


async def _reviewed_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    rid = press.ids[0]
    sent = await _review_svc(context).submit(identity(update).telegram_id, rid, FeedbackDraft())
    await show(
        update,
        REVIEWED_ONLY.format(title=esc(sent.title), client=esc(sent.client_name)),
        keyboard([[("‹ Back to the list", TRAINER.encode(TrainerAction.LIST))]]),
    )
    return TRAINER_MENU


async def _add_media_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    rid = press.ids[0]
    detail = await _review_svc(context).review(identity(update).telegram_id, rid)
    _user_data(context)[MEDIA_KEY] = {"rid": rid}
    await show(
        update,
        ASK_T_MEDIA.format(client=esc(detail.client_name), title=esc(detail.title)),
    )
    return T_MEDIA


async def _comment_pressed(update: Update, context: Context, press: Press[TrainerAction]) -> int:
    return await _prepare_comment(update, context, press.ids[0])


async def _comments_skipped(update: Update, context: Context, _press: Press[TrainerAction]) -> int:
    return await _ask_drawing(update, context)


async def _drawing_skipped(update: Update, context: Context, _press: Press[TrainerAction]) -> int:
    return await _deliver_media(update, context, None)


_TRAINER_PRESSES: dict[TrainerAction, TrainerPress] = {
    TrainerAction.LIST: _back_to_list,
    TrainerAction.OPEN: _open_pressed,
    TrainerAction.WRITE: _write_pressed,
    TrainerAction.SKIP: _skip_pressed,
    TrainerAction.CONTINUE: _continue_pressed,
    TrainerAction.PERFORMANCE: _performance_pressed,
    TrainerAction.SEND: _send_pressed,
    TrainerAction.REVIEWED: _reviewed_pressed,
    TrainerAction.MEDIA: _add_media_pressed,
    TrainerAction.COMMENT: _comment_pressed,
    TrainerAction.SKIP_COMMENTS: _comments_skipped,
    TrainerAction.SKIP_DRAWING: _drawing_skipped,
}


async def _prepare_comment(update: Update, context: Context, media_note_id: int) -> int:
    telegram_id = identity(update).telegram_id
    # Authorise through the service before asking for anything (no comments stored yet).
    delivery = await _media_svc(context).finish_media(telegram_id, media_note_id, None)
    _user_data(context)[MEDIA_KEY] = {
        "rid": delivery.record_id,
        "note": delivery.media_note_id,
        "kind": delivery.kind.value,
    }
    ask = ASK_COMMENTS_VIDEO if delivery.kind is MediaKind.VIDEO else ASK_COMMENTS_PHOTO
    await answer(update)
    await _say(update, ask, keyboard([[("Skip ›", TRAINER.encode(TrainerAction.SKIP_COMMENTS))]]))
    return T_COMMENTS


_DRAFT_STEPS = {
    T_TEXT: ("text", T_CORR, ASK_T_CORR),
    T_CORR: ("corrections", T_FORM, ASK_T_FORM),
    T_FORM: ("form", T_PERF, ASK_T_PERF),
    T_PROG: ("progression", T_CONFIRM, ""),
}


async def _draft_step(update: Update, context: Context, value: str | None) -> int:
    data = _user_data(context)
    draft = data.get(DRAFT_KEY)
    if not isinstance(draft, dict):
        await _refuse(update, EXPIRED)
        return END
    step = int(draft.get("step", T_TEXT))
    if step == T_PERF:
        draft["step"] = T_PROG
        await show(update, ASK_T_PROG, SKIP_T)
        return T_PROG
    field, following, ask = _DRAFT_STEPS[step]
    draft[field] = value
    draft["step"] = following
    if following == T_PERF:
        await show(update, ask, PERF_KEYBOARD)
        return T_PERF
    if following == T_CONFIRM:
        return await _confirm(update, context, draft)
    await show(update, ask, SKIP_T)
    return following


def _draft_of(draft: dict[str, Any]) -> FeedbackDraft:
    rating = draft.get("rating")
    return FeedbackDraft(
        text=draft.get("text"),
        corrections=draft.get("corrections"),
        form=draft.get("form"),
        rating=rating if isinstance(rating, int) else None,
        progression=draft.get("progression"),
    )


def _feedback_lines(draft: FeedbackDraft) -> list[str]:
    lines = []
    if draft.text:
        lines.append(esc(draft.text))
    if draft.corrections:
        lines.append(f"<b>Corrections:</b> {esc(draft.corrections)}")
    if draft.form:
        lines.append(f"<b>Form:</b> {esc(draft.form)}")
    if draft.rating is not None:
        lines.append(f"<b>Performance:</b> {draft.rating}/5")
    if draft.progression:
        lines.append(f"<b>Next steps:</b> {esc(draft.progression)}")
    return lines


async def _confirm(update: Update, context: Context, draft: dict[str, Any]) -> int:
    feedback = _draft_of(draft)
    preview = "\n".join(_feedback_lines(feedback)) or NOTHING_WRITTEN
    rid = int(draft["rid"])
    await show(
        update,
        CONFIRM_T.format(client=esc(draft.get("client", "")), preview=preview),
        keyboard(
            [
                [
                    ("📤 Send", TRAINER.encode(TrainerAction.SEND, rid)),
                    ("✖ Discard", TRAINER.encode(TrainerAction.LIST)),
                ]
            ]
        ),
    )
    return T_CONFIRM


async def draft_typed(update: Update, context: Context) -> int:
    draft = _user_data(context).get(DRAFT_KEY)
    if not isinstance(draft, dict):
        await _say(update, EXPIRED)
        return END
    step = int(draft.get("step", T_TEXT))
    if step == T_CONFIRM:
        await _say(update, "Tap 📤 Send, or ✖ Discard.")
        return T_CONFIRM
    if is_skip(_text(update)):
        return await _draft_step(update, context, None)
    if step == T_PERF:
        await _say(update, PICK_RATING)
        return T_PERF
    try:
        cleaned = clean_text(_text(update), example="Great session, depth was solid")
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return step
    return await _draft_step(update, context, cleaned)


async def _send_feedback(update: Update, context: Context, rid: int) -> int:
    draft = _user_data(context).get(DRAFT_KEY)
    if not isinstance(draft, dict) or draft.get("rid") != rid:
        await _refuse(update, EXPIRED)
        return TRAINER_MENU
    sent = await _review_svc(context).submit(identity(update).telegram_id, rid, _draft_of(draft))
    _user_data(context).pop(DRAFT_KEY, None)
    delivered = NOT_DELIVERED
    if sent.client is not None:
        text = "\n\n".join(
            [
                CLIENT_REVIEW.format(
                    trainer=esc(sent.trainer_name), title=esc(sent.title), day=_day(sent.day)
                ),
                "\n".join(_feedback_lines(sent.draft)) or "✅ Reviewed, nothing to add.",
            ]
        )
        delivered = await notify(context, sent.client.telegram_id, text)
    client, title = esc(sent.client_name), esc(sent.title)
    done = (SENT_T if delivered else SENT_T_NOT_TOLD).format(client=client, title=title)
    if delivered.held:
        done = REVIEWED_HELD.format(title=title, told=told(client, delivered))
    await show(
        update,
        done,
        keyboard([[("‹ Back to the list", TRAINER.encode(TrainerAction.LIST))]]),
    )
    return TRAINER_MENU


async def trainer_media_sent(update: Update, context: Context) -> int:
    media = _user_data(context).get(MEDIA_KEY)
    if not isinstance(media, dict) or not isinstance(media.get("rid"), int):
        await _say(update, EXPIRED)
        return END
    found = _media_of(update)
    if found is None:
        await _say(update, SEND_MEDIA)
        return T_MEDIA
    kind, file_id, unique = found
    try:
        saved = await _media_svc(context).add_media(
            identity(update).telegram_id, int(media["rid"]), kind, file_id, unique
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return END
    media.update(note=saved.media_note_id, kind=kind.value)
    ask = ASK_COMMENTS_VIDEO if kind is MediaKind.VIDEO else ASK_COMMENTS_PHOTO
    await _say(update, ask, keyboard([[("Skip ›", TRAINER.encode(TrainerAction.SKIP_COMMENTS))]]))
    return T_COMMENTS


async def comments_typed(update: Update, context: Context) -> int:
    media = _user_data(context).get(MEDIA_KEY)
    if not isinstance(media, dict) or not isinstance(media.get("note"), int):
        await _say(update, EXPIRED)
        return END
    if is_skip(_text(update)):
        return await _ask_drawing(update, context)
    try:
        await _media_svc(context).comment_media(
            identity(update).telegram_id, int(media["note"]), _text(update)
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return T_COMMENTS
    return await _ask_drawing(update, context)


async def _ask_drawing(update: Update, context: Context) -> int:
    media = _user_data(context).get(MEDIA_KEY)
    if not isinstance(media, dict) or not isinstance(media.get("note"), int):
        await _refuse(update, EXPIRED)
        return END
    await answer(update)
    await _say(
        update, ASK_DRAWING, keyboard([[("Skip ›", TRAINER.encode(TrainerAction.SKIP_DRAWING))]])
    )
    return T_DRAW


async def drawing_typed(update: Update, context: Context) -> int:
    text = _text(update)
    return await _deliver_media(update, context, None if is_skip(text) else text)


async def _deliver_media(update: Update, context: Context, drawing: str | None) -> int:
    media = _user_data(context).get(MEDIA_KEY)
    if not isinstance(media, dict) or not isinstance(media.get("note"), int):
        await _refuse(update, EXPIRED)
        return END
    try:
        delivery = await _media_svc(context).finish_media(
            identity(update).telegram_id, int(media["note"]), drawing
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return T_DRAW
    _user_data(context).pop(MEDIA_KEY, None)
    await answer(update)
    delivered = NOT_DELIVERED
    if delivery.client is not None:
        delivered = await _send_media(
            context,
            delivery.client.telegram_id,
            delivery.kind,
            delivery.file_id,
            _caption(delivery),
        )
    text = MEDIA_DELIVERED if delivered else MEDIA_NOT_DELIVERED
    detail_client = await _review_svc(context).review(
        identity(update).telegram_id, delivery.record_id
    )
    client = esc(detail_client.client_name)
    text = text.format(kind=delivery.kind.value, client=client)
    if delivered.held:
        text = HELD.format(told=told(client, delivered))
    await _say(
        update,
        text,
        keyboard(
            [[("‹ Back to the session", TRAINER.encode(TrainerAction.OPEN, delivery.record_id))]]
        ),
    )
    return TRAINER_MENU


def _caption(delivery: MediaDelivery) -> str:
    lines = [
        CLIENT_MEDIA_NOTE.format(trainer=esc(delivery.trainer_name), title=esc(delivery.title))
    ]
    lines += _comment_lines(delivery.comments)
    if delivery.drawing:
        lines.append(f"✏️ {esc(delivery.drawing)}")
    return "\n".join(lines)


async def trainer_text_in_menu(update: Update, context: Context) -> int:
    await _say(update, "Please pick with the buttons above, or send /cancel.")
    return TRAINER_MENU


async def client_media_wrong(update: Update, context: Context) -> int:
    await _say(update, SEND_MEDIA)
    return CLIENT_MEDIA


async def trainer_media_wrong(update: Update, context: Context) -> int:
    await _say(update, SEND_MEDIA)
    return T_MEDIA


# --- reminder buttons: done as prescribed ---------------------------------------------------


async def on_reminder_button(update: Update, context: Context) -> int:
    """``rm:*``: a reminder's buttons; the session is re-checked by the service on each press."""
    press = _pressed(REMINDER, update, REMINDER_IDS)
    if press is None:
        await _refuse(update, EXPIRED)
        return END
    try:
        return await _REMINDER_PRESSES[press.action](update, context, press)
    except DomainError as error:
        await _refuse(update, str(error))
        return END


ReminderPress = Callable[[Update, Context, Press[ReminderAction]], Awaitable[int]]


async def _done_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    sid = press.ids[0]
    session = await _requests_svc(context).appointment(identity(update).telegram_id, sid)
    ask = (
        ASK_DONE_ANYWAY.format(trainer=esc(session.trainer_name))
        if session.request_open
        else ASK_DONE.format(title=esc(session.title))
    )
    yes = REMINDER.encode(ReminderAction.DONE_YES, sid)
    no = REMINDER.encode(ReminderAction.DONE_NO, sid)
    await show(update, ask, keyboard([[("✅ Yes, log it", yes), ("✖ No", no)]]), edit=False)
    return END


async def _done_confirmed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    return await _done_as_prescribed(update, context, press.ids[0])


async def _done_declined(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    await _requests_svc(context).appointment(identity(update).telegram_id, press.ids[0])
    await show(update, DONE_CANCELLED)
    return END


async def _cant_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    sid = press.ids[0]
    svc = _requests_svc(context)
    session = await svc.appointment(identity(update).telegram_id, sid, to_move=True)
    rows: list[list[Button]] = [
        [(label, REMINDER.encode(ReminderAction.REASON, sid, word=code))]
        for code, label in REASONS.items()
    ]
    await show(
        update,
        ASK_REASON.format(title=esc(session.title), when=_when(session.starts)),
        keyboard(rows),
        edit=False,
    )
    _user_data(context)[RM_SESSION_KEY] = sid
    return RM_REASON


async def _reason_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    sid, code = press.ids[0], press.word or ""
    svc = _requests_svc(context)
    session = await svc.appointment(identity(update).telegram_id, sid, to_move=True)
    _user_data(context)[RM_SESSION_KEY] = sid
    if code == "oth":
        await show(update, ASK_OTHER_REASON)
        return RM_REASON
    if code not in REASON_TEXT:
        await _refuse(update, EXPIRED)
        return END
    _user_data(context)[RM_REASON_KEY] = REASON_TEXT[code]
    await show(
        update,
        ASK_WHEN.format(tz=esc(session.timezone)),
        keyboard([[("No new time", REMINDER.encode(ReminderAction.NO_TIME, sid))]]),
    )
    return RM_WHEN


async def _no_time_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    return await _send_request(update, context, press.ids[0], None)


async def _done_as_prescribed(update: Update, context: Context, sid: int) -> int:
    telegram_id = identity(update).telegram_id
    # Read first: logging it withdraws an open "can't make it" request, which the trainer is
    # then told about.
    before = await _requests_svc(context).appointment(telegram_id, sid)
    result = await LogPart(services(context).ctx).log_as_prescribed(
        telegram_id, sid, f"u{update.update_id}"
    )
    await _deliver_done(update, context, result)
    if before.request_open and result.trainer is not None:
        await notify(
            context,
            result.trainer.telegram_id,
            DONE_AFTER_ALL.format(
                client=esc(before.client_name),
                title=esc(before.title),
                their=POSSESSIVE.get(before.client_gender or "", "their"),
            ),
        )
    if result.ask_feedback:
        await _say(
            update, FEEDBACK_ASK.format(title=esc(result.title)), rpe_keyboard(result.record_id)
        )
    else:
        at = await _client_svc(context).schedule_prompt(telegram_id, result.record_id)
        if at is not None:
            await _say(update, FEEDBACK_LATER.format(at=f"{at:%H:%M}"))
        else:
            await _say(
                update, FEEDBACK_ASK.format(title=esc(result.title)), rpe_keyboard(result.record_id)
            )
    return END


async def _deliver_done(update: Update, context: Context, result: FinishResult) -> None:
    client_text = trainer_text = "🏁 Session complete."
    if result.client is not None and result.client_summary is not None:
        client_text = summary_text(
            result.title, result.client_name, result.client_summary, result.client.units
        )
    await show(update, client_text)
    if result.trainer is not None and result.trainer_summary is not None:
        trainer_text = summary_text(
            result.title,
            result.client_name,
            result.trainer_summary,
            result.trainer.units,
            history=result.trainer_sees_history,
            progress=result.trainer_sees_progress,
        )
        await notify(
            context,
            result.trainer.telegram_id,
            f"✅ {esc(result.client_name)} logged it as prescribed.\n\n{trainer_text}",
        )


# --- reminder buttons: can't make it --------------------------------------------------------


async def reason_typed(update: Update, context: Context) -> int:
    sid = _user_data(context).get(RM_SESSION_KEY)
    if not isinstance(sid, int):
        await _say(update, EXPIRED)
        return END
    try:
        reason = clean_text(_text(update), limit=200, example="family visit")
        session = await _requests_svc(context).appointment(identity(update).telegram_id, sid)
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return RM_REASON
    _user_data(context)[RM_REASON_KEY] = reason
    await _say(
        update,
        ASK_WHEN.format(tz=esc(session.timezone)),
        keyboard([[("No new time", REMINDER.encode(ReminderAction.NO_TIME, sid))]]),
    )
    return RM_WHEN


async def when_typed(update: Update, context: Context) -> int:
    sid = _user_data(context).get(RM_SESSION_KEY)
    if not isinstance(sid, int):
        await _say(update, EXPIRED)
        return END
    if is_skip(_text(update)):
        return await _send_request(update, context, sid, None)
    try:
        proposed = await _requests_svc(context).read_client_time(
            identity(update).telegram_id, _text(update)
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return RM_WHEN
    return await _send_request(update, context, sid, proposed)


async def _send_request(
    update: Update, context: Context, sid: int, proposed: datetime | None
) -> int:
    data = _user_data(context)
    reason = data.get(RM_REASON_KEY)
    if data.get(RM_SESSION_KEY) != sid or not isinstance(reason, str):
        await _refuse(update, EXPIRED)
        return END
    try:
        request = await _requests_svc(context).request_change(
            identity(update).telegram_id, sid, reason, proposed
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return RM_WHEN
    data.pop(RM_SESSION_KEY, None)
    data.pop(RM_REASON_KEY, None)
    delivery = await _notify_request(context, request)
    trainer = esc(request.trainer.name)
    when = ""
    if proposed is not None:
        client_when = await _requests_svc(context).appointment(identity(update).telegram_id, sid)
        when = _when(proposed.astimezone(client_when.starts.tzinfo))
    if delivery.held:
        proposing = f", proposing {when}" if when else ""
        text = REQUEST_HELD.format(proposing=proposing, told=told(trainer, delivery))
    elif when:
        text = REQUEST_SENT_TIME.format(trainer=trainer, when=when)
    else:
        text = REQUEST_SENT.format(trainer=trainer)
    await show(update, text)
    return END


async def _notify_request(context: Context, request: ChangeRequest) -> Delivery:
    sid = request.coaching_session_id
    rows: list[list[Button]] = []
    if request.proposed_utc is not None:
        minutes = int(request.proposed_utc.timestamp() // 60)
        rows.append([("✅ Accept", REMINDER.encode(ReminderAction.ACCEPT, sid, minutes))])
    rows.append(
        [
            ("🔄 Pick another time", REMINDER.encode(ReminderAction.PICK_TIME, sid)),
            ("✖ Cancel session", REMINDER.encode(ReminderAction.CANCEL, sid)),
        ]
    )
    proposal = (
        PROPOSED.format(when=_when(request.proposed))
        if request.proposed is not None
        else NO_PROPOSAL
    )
    return await notify(
        context,
        request.trainer.telegram_id,
        TRAINER_REQUEST.format(
            client=esc(request.client_name),
            title=esc(request.title),
            when=_when(request.starts),
            reason=esc(request.reason),
            proposal=proposal,
        ),
        keyboard(rows),
    )


async def _withdrawn(update: Update, context: Context, sid: int) -> bool:
    """Whether the client withdrew their request (the trainer is told so, and nothing
    changes)."""
    telegram_id = identity(update).telegram_id
    withdrawn = await _requests_svc(context).withdrawn_request(telegram_id, sid)
    if withdrawn is None:
        return False
    await _refuse(
        update,
        REQUEST_WITHDRAWN.format(client=withdrawn.client_name, title=withdrawn.title),
    )
    return True


async def _accept_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    """The trainer accepts the client's proposed time (``rm:ok:<session>:<epoch minutes>``)."""
    sid, minutes = press.ids[0], press.id(1)
    if await _withdrawn(update, context, sid):
        return END
    if minutes is None:
        await _refuse(update, EXPIRED)
        return END
    notice = await CalendarService(services(context).ctx).reschedule(
        identity(update).telegram_id, sid, datetime.fromtimestamp(minutes * 60, tz=UTC)
    )
    await _moved(update, context, notice)
    return END


async def _pick_time_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    sid = press.ids[0]
    if await _withdrawn(update, context, sid):
        return END
    calendar = CalendarService(services(context).ctx)
    detail = await calendar.check(identity(update).telegram_id, sid, SessionStatus.RESCHEDULED)
    _user_data(context)[RM_SESSION_KEY] = sid
    await show(
        update,
        ASK_TRAINER_TIME.format(
            title=esc(detail.item.title),
            client=esc(detail.item.client_name),
            tz=esc(detail.timezone),
        ),
        edit=False,
    )
    return RM_TRAINER_TIME


async def _cancel_pressed(update: Update, context: Context, press: Press[ReminderAction]) -> int:
    sid = press.ids[0]
    if await _withdrawn(update, context, sid):
        return END
    calendar = CalendarService(services(context).ctx)
    notice = await calendar.cancel(identity(update).telegram_id, sid, "The client couldn't make it")
    item = notice.detail.item
    delivery = await notify(
        context,
        notice.client_telegram_id,
        CANCELLED_C.format(
            trainer=esc(notice.trainer_name),
            title=esc(item.title),
            when=_when(notice.client_starts_at),
        ),
    )
    client = esc(item.client_name)
    said = told(client, delivery)
    await show(update, CANCELLED_T.format(title=esc(item.title), client=client, told=said))
    return END


_REMINDER_PRESSES: dict[ReminderAction, ReminderPress] = {
    ReminderAction.DONE: _done_pressed,
    ReminderAction.DONE_YES: _done_confirmed,
    ReminderAction.DONE_NO: _done_declined,
    ReminderAction.CANT: _cant_pressed,
    ReminderAction.REASON: _reason_pressed,
    ReminderAction.NO_TIME: _no_time_pressed,
    ReminderAction.ACCEPT: _accept_pressed,
    ReminderAction.PICK_TIME: _pick_time_pressed,
    ReminderAction.CANCEL: _cancel_pressed,
}


async def _moved(update: Update, context: Context, notice: SessionNotice) -> None:
    item = notice.detail.item
    delivery = await notify(
        context,
        notice.client_telegram_id,
        MOVED_C.format(
            trainer=esc(notice.trainer_name),
            title=esc(item.title),
            when=_when(notice.client_starts_at),
        ),
    )
    client = esc(item.client_name)
    await show(
        update,
        MOVED_T.format(
            title=esc(item.title),
            client=client,
            when=_when(item.starts_at),
            told=told(client, delivery),
        ),
    )


async def trainer_time_typed(update: Update, context: Context) -> int:
    sid = _user_data(context).get(RM_SESSION_KEY)
    if not isinstance(sid, int):
        await _say(update, EXPIRED)
        return END
    calendar = CalendarService(services(context).ctx)
    telegram_id = identity(update).telegram_id
    try:
        starts = await calendar.read_when(telegram_id, _text(update))
        notice = await calendar.reschedule(telegram_id, sid, starts)
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return RM_TRAINER_TIME
    _user_data(context).pop(RM_SESSION_KEY, None)
    await _moved(update, context, notice)
    return END


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.VIDEO
    other = ~filters.COMMAND & ~media & ~filters.TEXT
    feedback = Flow(
        "feedback",
        entry_points=[
            CommandHandler("feedback", feedback_command),
            CallbackQueryHandler(on_client_button, pattern=rf"^{CLIENT.prefix}:"),
            CallbackQueryHandler(on_rating_button, pattern=RATE.pattern()),
            CallbackQueryHandler(on_trainer_button, pattern=rf"^{TRAINER.prefix}:"),
        ],
        states={
            CLIENT_TEXT: [MessageHandler(text, client_text_typed)],
            CLIENT_RATING: [MessageHandler(text, client_rating_typed)],
            CLIENT_MEDIA: [
                MessageHandler(media, client_media_sent),
                MessageHandler(text | other, client_media_wrong),
            ],
            TRAINER_MENU: [MessageHandler(text, trainer_text_in_menu)],
            T_TEXT: [MessageHandler(text, draft_typed)],
            T_CORR: [MessageHandler(text, draft_typed)],
            T_FORM: [MessageHandler(text, draft_typed)],
            T_PERF: [MessageHandler(text, draft_typed)],
            T_PROG: [MessageHandler(text, draft_typed)],
            T_CONFIRM: [MessageHandler(text, draft_typed)],
            T_MEDIA: [
                MessageHandler(media, trainer_media_sent),
                MessageHandler(text | other, trainer_media_wrong),
            ],
            T_COMMENTS: [MessageHandler(text, comments_typed)],
            T_DRAW: [MessageHandler(text, drawing_typed)],
        },
        keep_open_on_commands=True,
    )
    reminder = Flow(
        "reminder",
        entry_points=[CallbackQueryHandler(on_reminder_button, pattern=REMINDER_PATTERN)],
        states={
            RM_REASON: [MessageHandler(text, reason_typed)],
            RM_WHEN: [MessageHandler(text, when_typed)],
            RM_TRAINER_TIME: [MessageHandler(text, trainer_time_typed)],
        },
    )
    return [feedback, reminder]
