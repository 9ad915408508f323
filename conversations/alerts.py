"""/alerts: the trainer's open alerts by severity; resolve one with notes (seed 000 resolveAlert).

Also here: the per-client alert list behind the card's "⚠️ Alerts" button, the alert
thresholds screen reached from /settings, the immediate notice for HIGH and CRITICAL alerts,
and the jobs that scan for alerts and send those notices.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.alerts import THRESHOLD_LIMITS, Thresholds, by_severity
from coaching.domain.enums import AlertSeverity, AlertType
from coaching.domain.threads import TargetKind
from coaching.errors import DomainError
from coaching.services.alerts import (
    Acknowledged,
    AlertList,
    AlertService,
    AlertView,
    ClientNotice,
    UrgentNotice,
)
from conversations.clients import CARD_ACTIONS, card_data
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    notify,
    show,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.threads import message_button
from conversations.typed_buttons import MAX_CALLBACK_BYTES, ButtonCodec, Press, Shape

log = logging.getLogger("spotter.alerts")

NOTES = 0
KEY = "alerts"
PAGE = 10
URGENT_BATCH = 100
"""Notices told per run of a job; the rest wait for the job's next run."""

# --- wording and keyboards -------------------------------------------------------------------

SEVERITY_ICON = {
    AlertSeverity.CRITICAL: "🟥",
    AlertSeverity.HIGH: "🟧",
    AlertSeverity.MEDIUM: "🟨",
    AlertSeverity.LOW: "🟩",
}
TYPE_LABEL = {
    AlertType.MISSED_WORKOUT: "Missed workout",
    AlertType.PERFORMANCE_DECLINE: "Performance decline",
    AlertType.GOAL_ACHIEVED: "Goal achieved",
    AlertType.INJURY_REPORTED: "Injury reported",
    AlertType.PROGRAM_COMPLETED: "Program completed",
    AlertType.INACTIVITY: "Inactivity",
}
HEADER = "⚠️ <b>Open alerts</b>"
HEADER_CLIENT = "⚠️ <b>Open alerts · {name}</b>"
NONE_OPEN = "✅ No open alerts. I'll flag missed sessions, declines, goals and more here."
COUNTS = "{counts}"
TAP = "Tap an alert to see it and resolve it."
ALERT_TEXT = (
    "{icon} <b>{type}</b> · {severity}\n👤 {client}\n🕒 Raised {when}\n\n{message}{resolved}"
)
RESOLVED_LINE = "\n\n✅ Resolved {when}{notes}"
ASK_NOTES = (
    "📝 Any <b>notes</b> on how you handled it? They're kept with the alert (up to 1000 "
    "characters).\nFor example: <i>Called her; knee is fine, back to full load next week.</i>\n"
    "Or tap Skip."
)
RESOLVED = "✅ Alert resolved."
EXPIRED = "This button has expired. Send /alerts to start again."
NOT_YOURS = "I can't find that alert among yours."
LOST = "That step is no longer open. Send /alerts to start again."
URGENT = "{icon} <b>{type}</b> · {severity}\n👤 {client}\n\n{message}"
URGENT_MANY = "{icon} <b>{client}</b>: {count} new alerts"
URGENT_LINE = "{icon} <b>{type}</b> · {severity}: {message}"
URGENT_MORE = "…and {count} more. Tap 👀 Open alerts to see them all."
LIST_MESSAGE_MAX = 200
"""Each alert's message is cut to this in the list (the whole message is one tap away)."""
NOTICE_LINES = 8
"""Alerts named one by one in a client's notice; the rest are counted."""
NOTICE_MESSAGE_MAX = 300
"""Each alert's message is cut to this in a notice with several, so the notice fits."""
ACK_ALL = "✅ Acknowledge all ({count})"
ACK_CLIENT = "✅ Acknowledge all for {name}"
ACKED = "✅ {count} acknowledged."
ACKED_CLIENT = "✅ {count} acknowledged for <b>{name}</b>."
ACKED_NONE = "Those alerts are already resolved."

THRESHOLDS_TEXT = (
    "⚠️ <b>Alert thresholds</b>\n\n"
    "📉 Performance decline: e1RM down <b>{decline_pct}%</b> over <b>{decline_sessions}</b> "
    "sessions\n"
    "😴 Inactivity: no workout for <b>{inactivity_days}</b> days\n"
    "⏰ Missed workout: <b>{missed_grace_hours} h</b> grace after the session's end\n"
    "📰 Digest on a day with nothing to report: <b>{empty}</b>\n\n"
    "Tap − or + to change a value."
)
THRESHOLD_LABELS = {
    "decline_pct": "Decline %",
    "decline_sessions": "Sessions",
    "inactivity_days": "Inactive days",
    "missed_grace_hours": "Grace hours",
}
THRESHOLD_STEPS = {
    "decline_pct": 1,
    "decline_sessions": 1,
    "inactivity_days": 1,
    "missed_grace_hours": 2,
}
THRESHOLD_CODES = {"dp": "decline_pct", "ds": "decline_sessions", "id": "inactivity_days"}
THRESHOLD_CODES["mg"] = "missed_grace_hours"


class Al(StrEnum):
    """The alerts screens' buttons: ``al:ls``, ``al:c:<client profile>``, ``al:o:<alert>``,
    ``al:r:<alert>``, ``al:skip``."""

    LIST = "ls"
    CLIENT = "c"
    OPEN = "o"
    RESOLVE = "r"
    SKIP = "skip"


class At(StrEnum):
    """The threshold screen's buttons; a step up or down is a :class:`StepButton`."""

    OPEN = "open"
    DONE = "done"
    EMPTY = "empty"


class Ack(StrEnum):
    UP_TO = "u"


ALERTS = ButtonCodec("al", Al)
THRESHOLDS = ButtonCodec("at", At)
ACK = ButtonCodec("ak", Ack, bare=Ack.UP_TO)
"""``ak:<client profile or 0>:<newest alert id>`` (bare: the data names no action)."""


@dataclass(frozen=True, slots=True)
class AckButton:
    """ "Acknowledge all" (``client`` is None) or "Acknowledge all for <client>".

    ``up_to`` is the newest alert shown with the button: alerts raised later stay open, so an
    old button never clears what the trainer has not seen. The ids are re-checked on press.
    """

    PREFIX: ClassVar[str] = ACK.prefix
    up_to: int
    client: int | None = None

    def encode(self) -> str:
        return ACK.encode(Ack.UP_TO, self.client or 0, self.up_to)

    @classmethod
    def decode(cls, data: str | None) -> AckButton | None:
        """The button, or None for data this codec did not make."""
        press = ACK.decode(data)
        if press is None or press.word is not None or len(press.ids) != 2 or not press.ids[1]:
            return None
        return cls(up_to=press.ids[1], client=press.ids[0] or None)


@dataclass(frozen=True, slots=True)
class StepButton:
    """``at:<threshold code>:+`` or ``:-``: one step up or down (the sign is no word, so this
    codec is apart from :data:`THRESHOLDS`)."""

    code: str
    up: bool
    PREFIX: ClassVar[str] = "at:"

    def encode(self) -> str:
        if self.code not in THRESHOLD_CODES:
            raise ValueError(f"not a threshold code: {self.code!r}")
        data = f"{self.PREFIX}{self.code}:{'+' if self.up else '-'}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> StepButton | None:
        if not (data or "").startswith(cls.PREFIX):
            return None
        code, _, sign = (data or "")[len(cls.PREFIX) :].partition(":")
        if code not in THRESHOLD_CODES or sign not in ("+", "-"):
            return None
        return cls(code, up=sign == "+")


def _plural_alerts(count: int) -> str:
    return f"{count} alert" if count == 1 else f"{count} alerts"


def _local(moment: object, zone: str) -> str:
    from datetime import datetime

    assert isinstance(moment, datetime)
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def counts_line(counts: dict[AlertSeverity, int]) -> str:
    parts = [
        f"{SEVERITY_ICON[s]} {counts[s]} {s.value.lower()}" for s in AlertSeverity if counts.get(s)
    ]
    return " · ".join(reversed(parts)) if parts else "none"


def list_text(listing: AlertList) -> str:
    header = HEADER_CLIENT.format(name=esc(listing.client_name)) if listing.client_name else HEADER
    if not listing.alerts:
        return f"{header}\n\n{NONE_OPEN}"
    lines = [header, "", counts_line(listing.counts), ""]
    for alert in listing.alerts[:PAGE]:
        lines.append(
            f"{SEVERITY_ICON[alert.severity]} <b>{esc(alert.client_name)}</b> · "
            f"{TYPE_LABEL[alert.alert_type]}\n   {esc(_cut(alert.message, LIST_MESSAGE_MAX))}"
        )
    if len(listing.alerts) > PAGE:
        lines.append(f"\n…and {len(listing.alerts) - PAGE} more; resolve some to see the rest.")
    lines += ["", TAP]
    return "\n".join(lines)


def list_keyboard(listing: AlertList, back: Button | None = None) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    for alert in listing.alerts[:PAGE]:
        label = (
            f"{SEVERITY_ICON[alert.severity]} {alert.client_name}: {TYPE_LABEL[alert.alert_type]}"
        )
        rows.append([(label[:60], ALERTS.encode(Al.OPEN, alert.id))])
    if len(listing.alerts) > 1:
        rows.append([ack_button(listing)])
    if back is not None:
        rows.append([back])
    return keyboard(rows)


def ack_button(listing: AlertList) -> Button:
    """Acknowledge every alert in the listing (one client's when it is a client's list)."""
    up_to = max(alert.id for alert in listing.alerts)
    if listing.client_name is not None:
        client = listing.alerts[0].client_profile_id
        label = ACK_CLIENT.format(name=listing.client_name)[:60]
        return (label, AckButton(up_to, client).encode())
    total = max(sum(listing.counts.values()), len(listing.alerts))
    return (ACK_ALL.format(count=total), AckButton(up_to).encode())


def acknowledged_text(done: Acknowledged) -> str:
    if done.count == 0:
        return ACKED_NONE
    count = _plural_alerts(done.count)
    if done.client_name is None:
        return ACKED.format(count=count)
    return ACKED_CLIENT.format(count=count, name=esc(done.client_name))


def alert_text(alert: AlertView, zone: str) -> str:
    resolved = ""
    if alert.is_resolved and alert.resolved_at is not None:
        notes = f"\n🗒 {esc(alert.resolution_notes)}" if alert.resolution_notes else ""
        resolved = RESOLVED_LINE.format(when=_local(alert.resolved_at, zone), notes=notes)
    return ALERT_TEXT.format(
        icon=SEVERITY_ICON[alert.severity],
        type=TYPE_LABEL[alert.alert_type],
        severity=alert.severity.value.lower(),
        client=esc(alert.client_name),
        when=_local(alert.raised_at, zone),
        message=esc(alert.message),
        resolved=resolved,
    )


def alert_keyboard(alert: AlertView) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    if not alert.is_resolved:
        rows.append([("✅ Resolve", ALERTS.encode(Al.RESOLVE, alert.id))])
    rows.append(
        [
            ("📊 Progress", f"pg:{alert.client_profile_id}"),
            ("📇 Card", card_data(alert.client_profile_id)),
        ]
    )
    rows.append([message_button(TargetKind.CLIENT, alert.client_profile_id)])
    rows.append([("◀ All alerts", ALERTS.encode(Al.LIST))])
    return keyboard(rows)


def thresholds_text(limits: Thresholds, empty: bool) -> str:
    return THRESHOLDS_TEXT.format(
        decline_pct=limits.decline_pct,
        decline_sessions=limits.decline_sessions,
        inactivity_days=limits.inactivity_days,
        missed_grace_hours=limits.missed_grace_hours,
        empty="sent" if empty else "not sent",
    )


def thresholds_keyboard(empty: bool) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    for code, name in THRESHOLD_CODES.items():
        label = THRESHOLD_LABELS[name]
        rows.append(
            [
                (f"− {label}", StepButton(code, up=False).encode()),
                (f"+ {label}", StepButton(code, up=True).encode()),
            ]
        )
    rows.append(
        [("📰 Send empty digests: " + ("on" if empty else "off"), THRESHOLDS.encode(At.EMPTY))]
    )
    rows.append([("✅ Done", THRESHOLDS.encode(At.DONE))])
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query is not None else None


def _id(update: Update) -> int | None:
    """The one id of an ``al:<action>:<id>`` button; None for anything else."""
    press = ALERTS.decode(_data(update))
    return press.ids[0] if press is not None and Shape.ID.fits(press) else None


async def _refuse(update: Update, message: str) -> int:
    await answer(update, message, alert=True)
    return END


async def alerts_command(update: Update, context: Context) -> int:
    try:
        listing = await AlertService(services(context).ctx).open_alerts(
            identity(update).telegram_id
        )
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    await show(update, list_text(listing), list_keyboard(listing), edit=False)
    return END


async def list_pressed(update: Update, context: Context) -> int:
    try:
        listing = await AlertService(services(context).ctx).open_alerts(
            identity(update).telegram_id
        )
    except DomainError as error:
        return await _refuse(update, str(error))
    await show(update, list_text(listing), list_keyboard(listing))
    return END


async def client_pressed(update: Update, context: Context) -> int:
    profile_id = _id(update)
    if profile_id is None:
        return await _refuse(update, EXPIRED)
    try:
        listing = await AlertService(services(context).ctx).open_alerts(
            identity(update).telegram_id, profile_id
        )
    except DomainError as error:
        return await _refuse(update, str(error))
    back: Button = ("📇 Back to card", card_data(profile_id))
    await show(update, list_text(listing), list_keyboard(listing, back))
    return END


async def open_pressed(update: Update, context: Context) -> int:
    alert_id = _id(update)
    if alert_id is None:
        return await _refuse(update, EXPIRED)
    try:
        alert, zone = await AlertService(services(context).ctx).get(
            identity(update).telegram_id, alert_id
        )
    except DomainError:
        return await _refuse(update, NOT_YOURS)
    await show(update, alert_text(alert, zone), alert_keyboard(alert))
    return END


async def resolve_pressed(update: Update, context: Context) -> int:
    alert_id = _id(update)
    if alert_id is None:
        return await _refuse(update, EXPIRED)
    try:
        alert, _zone = await AlertService(services(context).ctx).get(
            identity(update).telegram_id, alert_id
        )
    except DomainError:
        return await _refuse(update, NOT_YOURS)
    if alert.is_resolved:
        return await _refuse(update, "That alert is already resolved.")
    assert context.user_data is not None
    context.user_data[KEY] = {"alert": alert_id}
    await show(update, ASK_NOTES, keyboard([[("Skip ⏭", ALERTS.encode(Al.SKIP))]]))
    return NOTES


async def _resolve(update: Update, context: Context, notes: str | None) -> int:
    data = context.user_data
    state = data.get(KEY) if data is not None else None
    if not isinstance(state, dict) or "alert" not in state:
        await show(update, LOST, edit=False)
        return END
    svc = AlertService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        alert = await svc.resolve(who, int(state["alert"]), notes)
    except DomainError as error:
        if update.callback_query is not None:
            return await _refuse(update, str(error))
        await show(
            update,
            f"⚠️ {esc(error)}\n\n{ASK_NOTES}",
            keyboard([[("Skip ⏭", ALERTS.encode(Al.SKIP))]]),
            edit=False,
        )
        return NOTES
    if data is not None:
        data.pop(KEY, None)
    listing = await svc.open_alerts(who)
    note = f"{RESOLVED} <i>{esc(alert.client_name)}: {TYPE_LABEL[alert.alert_type]}</i>"
    await show(
        update,
        f"{note}\n\n{list_text(listing)}",
        list_keyboard(listing),
        edit=update.callback_query is not None,
    )
    return END


async def notes_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    return await _resolve(update, context, None if is_skip(text) else text)


async def notes_skipped(update: Update, context: Context) -> int:
    return await _resolve(update, context, None)


async def ack_pressed(update: Update, context: Context) -> int:
    """ "Acknowledge all" / "… for <client>": resolve those alerts, then show what is left."""
    button = AckButton.decode(_data(update))
    if button is None:
        return await _refuse(update, EXPIRED)
    svc = AlertService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        done = await svc.acknowledge(who, button.client, button.up_to)
        listing = await svc.open_alerts(who, button.client)
    except DomainError as error:
        return await _refuse(update, str(error))
    if done.count == 0:
        return await _refuse(update, ACKED_NONE)
    back: Button | None = None
    if button.client is not None:
        back = ("📇 Back to card", card_data(button.client))
    await show(
        update, f"{acknowledged_text(done)}\n\n{list_text(listing)}", list_keyboard(listing, back)
    )
    return END


async def thresholds_open(update: Update, context: Context) -> int:
    try:
        limits, empty = await AlertService(services(context).ctx).thresholds(
            identity(update).telegram_id
        )
    except DomainError as error:
        return await _refuse(update, str(error))
    await show(update, thresholds_text(limits, empty), thresholds_keyboard(empty))
    return END


async def threshold_pressed(update: Update, context: Context) -> int:
    press, step_button = THRESHOLDS.decode(_data(update)), StepButton.decode(_data(update))
    svc = AlertService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        if press == Press(At.EMPTY):
            limits, empty = await svc.toggle_empty_digest(who)
        elif step_button is not None:
            name = THRESHOLD_CODES[step_button.code]
            current, _ = await svc.thresholds(who)
            step = THRESHOLD_STEPS[name] * (1 if step_button.up else -1)
            value = getattr(current, name) + step
            low, high = THRESHOLD_LIMITS[name]
            if not low <= value <= high:
                return await _refuse(
                    update, f"{THRESHOLD_LABELS[name]} stays between {low} and {high}."
                )
            limits, empty = await svc.set_threshold(who, name, value)
        else:
            return await _refuse(update, EXPIRED)
    except DomainError as error:
        return await _refuse(update, str(error))
    await show(update, thresholds_text(limits, empty), thresholds_keyboard(empty))
    return END


async def thresholds_done(update: Update, context: Context) -> int:
    await show(update, "✅ Alert thresholds saved. Send /settings any time to change them.")
    return END


# --- notices and jobs -------------------------------------------------------------------------


def urgent_text(item: UrgentNotice) -> str:
    return URGENT.format(
        icon=SEVERITY_ICON[item.severity],
        type=TYPE_LABEL[item.alert_type],
        severity=item.severity.value.lower(),
        client=esc(item.client_name),
        message=esc(item.message),
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notice_text(client_name: str, items: Sequence[UrgentNotice]) -> str:
    """One message naming everything new about one client, most severe first."""
    if len(items) == 1:
        return urgent_text(items[0])
    ordered = by_severity(list(items))
    lines = [
        URGENT_MANY.format(
            icon=SEVERITY_ICON[ordered[0].severity], client=esc(client_name), count=len(items)
        ),
        "",
    ]
    for item in ordered[:NOTICE_LINES]:
        lines.append(
            URGENT_LINE.format(
                icon=SEVERITY_ICON[item.severity],
                type=TYPE_LABEL[item.alert_type],
                severity=item.severity.value.lower(),
                message=esc(_cut(item.message, NOTICE_MESSAGE_MAX)),
            )
        )
    if len(ordered) > NOTICE_LINES:
        lines.append(URGENT_MORE.format(count=len(ordered) - NOTICE_LINES))
    return "\n".join(lines)


def notice_keyboard(notice: ClientNotice, items: Sequence[UrgentNotice]) -> InlineKeyboardMarkup:
    pid = notice.client_profile_id
    progress: Button = ("📊 Progress", f"pg:{pid}")
    if len(items) == 1:
        return keyboard(
            [
                [("👀 Open alert", ALERTS.encode(Al.OPEN, items[0].alert_id)), progress],
                [message_button(TargetKind.CLIENT, pid)],
            ]
        )
    up_to = max(item.alert_id for item in items)
    ack = ACK_CLIENT.format(name=notice.client_name)[:60]
    return keyboard(
        [
            [("👀 Open alerts", ALERTS.encode(Al.CLIENT, pid)), progress],
            [(ack, AckButton(up_to, pid).encode())],
            [message_button(TargetKind.CLIENT, pid)],
        ]
    )


async def send_urgent(context: Context, limit: int = URGENT_BATCH) -> int:
    """Tell trainers about new HIGH and CRITICAL alerts: one message per client naming
    everything new about them, each alert told once. Returns how many messages were sent.

    Runs only from the repeating jobs, never inside a person's update. A client's alerts are
    claimed (marked told, committed) just before their notice is sent, so a restart resends
    nothing and loses nothing but a send that was under way; notices not reached yet wait for
    the next run.
    """
    svc = AlertService(services(context).ctx)
    sent = 0
    for notice, reachable in await svc.pending_notices(limit):
        claimed = set(await svc.claim_notices([item.alert_id for item in notice.items]))
        items = [item for item in notice.items if item.alert_id in claimed]
        if not items or not reachable:
            continue
        text = notice_text(notice.client_name, items)
        markup = notice_keyboard(notice, items)
        if await notify(context, notice.trainer_chat_id, text, markup, urgent=True):
            sent += 1
    return sent


async def after_session_finished(context: Context, record_id: int) -> None:
    """After /log's finish: check this client's alerts (only theirs).

    Any urgent notice it raises goes out from the ``alert_notify`` job, not from this update.
    """
    try:
        await AlertService(services(context).ctx).session_finished(record_id)
    except Exception:  # an alert check must never spoil the finished session's reply
        log.exception("alert check after session %s failed", record_id)


async def alert_scan_job(context: Context) -> None:
    """Repeating job: run every rule over every trainer, then send urgent notices."""
    report = await AlertService(services(context).ctx).scan_everyone()
    if report.raised:
        log.info("alert scan: %s trainers, %s new alerts", report.trainers, report.raised)
    await send_urgent(context)


async def urgent_job(context: Context) -> None:
    """Repeating job: urgent alerts raised since (by the scan, a finished session) are told."""
    await send_urgent(context)


ON_PRESS: dict[Al, Callable[[Update, Context], Coroutine[Any, Any, int]]] = {
    Al.CLIENT: client_pressed,
    Al.OPEN: open_pressed,
    Al.RESOLVE: resolve_pressed,
}


def build_handler() -> list[object]:
    for action in (("⚠️ Alerts", f"{ALERTS.prefix}:{Al.CLIENT.value}"),):
        if action not in CARD_ACTIONS:
            CARD_ACTIONS.append(action)
    flow = Flow(
        "alerts",
        entry_points=[
            CommandHandler("alerts", alerts_command),
            CallbackQueryHandler(list_pressed, pattern=ALERTS.exactly(Al.LIST)),
            # any data after the action's name reaches its handler, which answers a forged one
            *(
                CallbackQueryHandler(handler, pattern=rf"^{ALERTS.prefix}:{action.value}:")
                for action, handler in ON_PRESS.items()
            ),
            CallbackQueryHandler(ack_pressed, pattern=rf"^{ACK.prefix}:"),
            CallbackQueryHandler(thresholds_open, pattern=THRESHOLDS.exactly(At.OPEN)),
            CallbackQueryHandler(thresholds_done, pattern=THRESHOLDS.exactly(At.DONE)),
            CallbackQueryHandler(threshold_pressed, pattern=rf"^{THRESHOLDS.prefix}:"),
        ],
        states={
            NOTES: [
                CallbackQueryHandler(notes_skipped, pattern=ALERTS.exactly(Al.SKIP)),
                MessageHandler(filters.TEXT & ~filters.COMMAND, notes_typed),
            ]
        },
    )
    return [flow]
