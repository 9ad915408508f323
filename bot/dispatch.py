"""The reminder dispatcher: the one repeating job that empties the outbox.

Every run reclaims rows a stopped process left behind, claims up to :data:`BATCH` due rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, one ``UPDATE ... RETURNING`` on SQLite), and sends
them one by one through ``context.bot`` (AIORateLimiter in production). There is no job per
reminder: 100,000 scheduled reminders are 100,000 rows and one index scan.

Delivery policy
---------------
* **Sent**: the row becomes SENT with the Telegram message id.
* **Not useful any more** (the session has started; the bot was down past it): SKIPPED, unsent.
* **Client unreachable**: CANCELLED.
* **Forbidden** (the client blocked the bot): the client is marked unreachable, every pending
  reminder of theirs is cancelled, and each of their trainers is told once. Unblocking the bot
  (or writing to it) makes them reachable again and restores their future reminders.
* **RetryAfter** (flood control): the rate limiter already waited and retried; when it gives up,
  the row goes back to PENDING after ``retry_after``, and so does the rest of the batch, unsent.
* **A failure before the request reached Telegram** (connection refused, connect or pool
  time-out): back to PENDING with a growing back-off (30 s, 1, 2, 4 min); FAILED after 5 tries.
  It is sent on a later run only if it is still useful then.
* **A failure after the request may have reached Telegram** (a read or write time-out, a
  connection dropped mid-answer): Telegram may well have delivered the message, and the Bot API
  has neither an idempotency key nor a way to ask whether a message arrived. Resending would be a
  blind double send, so the row is closed as SENT with ``payload["uncertain"] = true`` and never
  resent. At most once beats twice for a nudge: a duplicate reminder teaches people to ignore
  reminders. The same holds for a row whose send had started when its process stopped: before each
  send the row is marked ``in_flight`` (committed), so after a crash only that one row is
  uncertain, and the rest of the claimed batch is simply sent by the next run.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import CallbackContext

from bot.application import services
from coaching.domain.enums import ReminderKind
from coaching.domain.notices import HeldEntry, digest_text
from coaching.domain.reminders import describe_minutes, relative_day
from coaching.domain.schedule import load_zone
from coaching.domain.threads import TargetKind
from coaching.services.base import ServiceContext
from coaching.services.reminders import BlockedNotice, Outgoing, ReminderService
from conversations.common import esc, keyboard
from conversations.feedback import FEEDBACK_ASK, rpe_keyboard
from conversations.notices import BLOCKED
from conversations.threads import ask_button

log = logging.getLogger("spotter.reminders")

BATCH = 100
DIGEST_ROWS = 12
WORKER_ID = f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"

# --- wording ----------------------------------------------------------------------------------

EVENING = "🔔 {day} at {at}: <b>{title}</b>"
BEFORE = "⏰ In {left} ({at}): <b>{title}</b>"
STARTING = "⏰ Starting now ({at}): <b>{title}</b>"
WHERE = "\n📍 {location}"
TRAINER_MESSAGE = "💬 <b>{trainer}</b> wrote:\n\n{text}"
SEE_PLAN = "📋 See plan"
START_LOGGING = "▶️ Start logging"
DONE_AS_PRESCRIBED = "✅ Done as prescribed"
CANT_MAKE_IT = "🙅 Can't make it"

# Transport errors that mean the request never reached Telegram.
_NOT_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout", "ProxyError", "UnsupportedProtocol")


@dataclass
class DispatchReport:
    """What one run did (for logs and tests)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    unconfirmed: int = 0
    failed: int = 0
    blocked: int = 0
    flood_control: bool = False


def held_html(payload: dict[str, Any]) -> str:
    """The HTML of a held message: a notice built by a flow, or a trainer's typed message."""
    if isinstance(payload.get("html"), str):
        return str(payload["html"])
    return TRAINER_MESSAGE.format(
        trainer=esc(payload.get("trainer_name") or "Your trainer"),
        text=esc(payload.get("text", "")),
    )


def held_markup(payload: dict[str, Any]) -> InlineKeyboardMarkup | None:
    found = payload.get("markup")
    return InlineKeyboardMarkup.de_json(found, None) if isinstance(found, dict) else None


def _queued_label(item: Outgoing, now: datetime) -> str:
    zone = load_zone(item.timezone)
    try:
        queued = datetime.fromisoformat(str(item.payload.get("queued_at"))).astimezone(zone)
    except ValueError:
        return "earlier"
    day = relative_day(queued.date(), now.astimezone(zone).date())
    return f"{queued:%H:%M}" if day == "Today" else f"{day} {queued:%H:%M}"


def render_digest(
    items: Sequence[Outgoing], now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Several held messages to one person as one message; each shown entry keeps its buttons,
    numbered like the entry, up to :data:`DIGEST_ROWS` rows."""
    text = digest_text([HeldEntry(_queued_label(i, now), held_html(i.payload)) for i in items])
    shown = text.count("\n\n<b>")
    rows: list[list[InlineKeyboardButton]] = []
    for number, item in enumerate(items[:shown], start=1):
        markup = held_markup(item.payload)
        for row in markup.inline_keyboard if markup else ():
            if len(rows) >= DIGEST_ROWS:
                break
            rows.append(
                [
                    InlineKeyboardButton.de_json(
                        {**button.to_dict(), "text": f"{number}. {button.text}"}, None
                    )
                    for button in row
                ]
            )
    return text, InlineKeyboardMarkup(rows) if rows else None


def render(item: Outgoing, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    """The message text and buttons of one reminder, in the client's time zone."""
    payload = item.payload
    if item.kind is ReminderKind.TRAINER_MESSAGE:
        return held_html(payload), held_markup(payload)
    if item.kind is ReminderKind.FEEDBACK_PROMPT and str(payload.get("record_id", "")).isdigit():
        title = esc(payload.get("title") or "your session")
        return FEEDBACK_ASK.format(title=title), rpe_keyboard(int(payload["record_id"]))
    if item.kind not in (ReminderKind.EVENING_BEFORE, ReminderKind.BEFORE_SESSION):
        return esc(payload.get("text") or ""), None
    zone = load_zone(item.timezone)
    start = datetime.fromisoformat(str(payload["scheduled_at"]))
    local = start.astimezone(zone)
    at = f"{local:%H:%M}"
    title = esc(payload.get("title") or "Training session")
    if item.kind is ReminderKind.EVENING_BEFORE:
        day = relative_day(local.date(), now.astimezone(zone).date())
        text = EVENING.format(day=day, at=at, title=title)
    else:
        minutes_left = round((start - now).total_seconds() / 60)
        text = (
            BEFORE.format(left=describe_minutes(minutes_left), at=at, title=title)
            if minutes_left >= 1
            else STARTING.format(at=at, title=title)
        )
    if payload.get("location"):
        text += WHERE.format(location=esc(payload["location"]))
    markup = None
    if item.coaching_session_id is not None:
        sid = item.coaching_session_id
        ask = ask_button(TargetKind.SESSION, sid)
        if item.kind is ReminderKind.BEFORE_SESSION:
            markup = keyboard(
                [
                    [(SEE_PLAN, f"rm:plan:{sid}"), (START_LOGGING, f"lg:p:{sid}")],
                    [(DONE_AS_PRESCRIBED, f"rm:done:{sid}")],
                    [(CANT_MAKE_IT, f"rm:cant:{sid}"), ask],
                ]
            )
        else:
            markup = keyboard(
                [[(SEE_PLAN, f"rm:plan:{sid}")], [(CANT_MAKE_IT, f"rm:cant:{sid}"), ask]]
            )
    return text, markup


def may_have_been_delivered(error: NetworkError) -> bool:
    """False only when the request certainly never reached Telegram."""
    names = {type(error).__name__}
    cause: BaseException | None = error.__cause__
    while cause is not None:
        names.add(type(cause).__name__)
        cause = cause.__cause__
    message = str(error)
    if any(name in names for name in _NOT_SENT) or "Pool timeout" in message:
        return False
    if not isinstance(error, TimedOut):
        return not any(message.startswith(f"httpx.{name}") for name in _NOT_SENT)
    return True


def _retry_delay(error: RetryAfter) -> timedelta:
    value = error.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


async def _tell_trainers(bot: Bot, notices: list[BlockedNotice]) -> None:
    for notice in notices:
        try:
            await bot.send_message(
                notice.trainer_chat_id, BLOCKED.format(client=esc(notice.client_name))
            )
        except TelegramError as error:
            log.info("could not tell trainer %s: %s", notice.trainer_chat_id, error)


def deliveries(items: Sequence[Outgoing]) -> list[list[Outgoing]]:
    """The claimed rows as messages to send: one person's held text messages go out together
    (one digest), every other row alone. Order follows the first row of each message."""
    held: dict[int, list[Outgoing]] = {}
    out: list[list[Outgoing]] = []
    for item in items:
        if item.kind is ReminderKind.TRAINER_MESSAGE and not item.payload.get("media"):
            group = held.get(item.user_id)
            if group is None:
                group = held[item.user_id] = []
                out.append(group)
            group.append(item)
        else:
            out.append([item])
    return out


async def _send_media(bot: Bot, item: Outgoing, media: dict[str, Any]) -> Message:
    caption, markup = held_html(item.payload), held_markup(item.payload)
    file_id, kind = str(media.get("file_id")), media.get("kind")
    if kind == "video":
        return await bot.send_video(item.chat_id, file_id, caption=caption, reply_markup=markup)
    if kind == "voice":
        return await bot.send_voice(item.chat_id, file_id, caption=caption, reply_markup=markup)
    return await bot.send_photo(item.chat_id, file_id, caption=caption, reply_markup=markup)


async def _send(bot: Bot, group: Sequence[Outgoing], now: datetime) -> Message:
    first = group[0]
    if len(group) > 1:
        text, markup = render_digest(group, now)
        return await bot.send_message(first.chat_id, text, reply_markup=markup)
    media = first.payload.get("media") if first.kind is ReminderKind.TRAINER_MESSAGE else None
    if isinstance(media, dict):
        return await _send_media(bot, first, media)
    text, markup = render(first, now)
    return await bot.send_message(first.chat_id, text, reply_markup=markup)


async def _network_failed(
    svc: ReminderService, group: Sequence[Outgoing], worker: str, error: NetworkError
) -> tuple[int, int]:
    """(unconfirmed, retried) after a transport failure."""
    reason = str(error) or type(error).__name__
    for item in group:
        if may_have_been_delivered(error):
            await svc.unconfirmed(item, worker, reason)
        else:
            await svc.retry_later(item, worker, reason)
    return (len(group), 0) if may_have_been_delivered(error) else (0, len(group))


async def _flood(
    svc: ReminderService,
    groups: Sequence[Sequence[Outgoing]],
    worker: str,
    error: RetryAfter,
    now: datetime,
) -> None:
    """Flood control: this message and every later one of the batch wait, unsent."""
    delay = _retry_delay(error)
    for item in groups[0]:
        await svc.retry_later(item, worker, f"flood control: {error}", delay=delay)
    for group in groups[1:]:
        for rest in group:
            await svc.release(rest, worker, now + delay)
    log.warning("flood control: %d messages wait %s", len(groups), delay)


async def dispatch_due(
    bot: Bot, ctx: ServiceContext, *, worker: str = WORKER_ID, batch: int = BATCH
) -> DispatchReport:
    """One dispatcher run: reclaim, claim a batch, send each message, record each outcome."""
    svc = ReminderService(ctx)
    report = DispatchReport()
    await svc.reclaim_stuck()
    items = await svc.claim(worker, batch)
    report.claimed = len(items)
    groups = deliveries(items)
    for index, group in enumerate(groups):
        started = [item for item in group if await svc.begin_send(item, worker)]
        if not started:
            continue
        try:
            await _deliver(bot, svc, started, worker, report, ctx)
        except RetryAfter as error:
            report.retried += len(started)
            report.flood_control = True
            await _flood(svc, [started, *groups[index + 1 :]], worker, error, ctx.clock.now())
            break
    if items:
        log.info(
            "reminders: %d sent, %d retried, %d unconfirmed, %d failed, %d blocked",
            report.sent,
            report.retried,
            report.unconfirmed,
            report.failed,
            report.blocked,
        )
    return report


async def _deliver(
    bot: Bot,
    svc: ReminderService,
    started: list[Outgoing],
    worker: str,
    report: DispatchReport,
    ctx: ServiceContext,
) -> None:
    """Send one message for ``started`` and record the outcome of each row (flood control
    is left to the caller: it holds back the rest of the batch too)."""
    try:
        message = await _send(bot, started, ctx.clock.now())
    except Forbidden:
        report.blocked += len(started)
        for item in started:
            await _tell_trainers(bot, await svc.blocked(item, worker, item.user_id))
    except RetryAfter:
        raise
    except BadRequest as error:
        report.failed += len(started)
        for item in started:
            await svc.failed(item, worker, str(error))
        log.warning("reminder %s refused by Telegram: %s", started[0].id, error)
    except NetworkError as error:
        unconfirmed, retried = await _network_failed(svc, started, worker, error)
        report.unconfirmed += unconfirmed
        report.retried += retried
    except TelegramError as error:
        report.failed += len(started)
        for item in started:
            await svc.failed(item, worker, str(error))
    else:
        report.sent += len(started)
        for item in started:
            await svc.sent(item, worker, message.message_id)


async def dispatch_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The repeating JobQueue callback.

    It sends batch after batch while full batches keep coming (a busy minute), within most of
    one scan interval, so a backlog drains at the rate limiter's pace instead of one batch per
    interval. Flood control ends the run early; the rows wait for their retry time.
    """
    found = services(context)
    budget = 0.8 * found.settings.reminder_scan_seconds
    started = time.monotonic()
    while True:
        report = await dispatch_due(context.bot, found.ctx, batch=BATCH)
        if report.claimed < BATCH or report.flood_control:
            return
        if time.monotonic() - started >= budget:
            return


def scan_interval(app: object) -> float:
    """The job's interval: ``REMINDER_SCAN_SECONDS`` from the running bot's settings."""
    found = getattr(app, "services", None)
    settings = getattr(found, "settings", None)
    return float(getattr(settings, "reminder_scan_seconds", 30.0))
