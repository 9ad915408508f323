"""/injury: a client reports pain or an injury; each of their trainers is alerted at once.

Steps: body part (buttons for common parts, or typed) → severity 1–10 (buttons) → what happened
(typed, or Skip). The report goes onto the client's profiles and raises an INJURY_REPORTED alert
per trainer; HIGH and CRITICAL ones are flagged ⚠️.

Callback data: ``inj:p:<code>`` (a common part), ``inj:s:<n>`` (severity), ``inj:k`` (skip the
text), and for the trainer ``inj:x:<alert_id>`` (dismiss an alert, re-checked as theirs).
"""

from __future__ import annotations

from enum import StrEnum

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import AlertSeverity
from coaching.domain.feedback import PART_MAX, clean_part
from coaching.errors import DomainError
from coaching.services.feedback import InjuryReport, InjuryService, clean_text
from conversations.common import (
    END,
    Button,
    Context,
    Delivery,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    notify,
    show,
    told,
)
from conversations.container import services
from conversations.flow import Flow, button
from conversations.typed_buttons import ButtonCodec, Press

PART, SEVERITY, DETAILS = range(3)
DRAFT_KEY = "inj_draft"

# --- wording and keyboards -------------------------------------------------------------------

PARTS: dict[str, str] = {
    "knee": "Knee",
    "lback": "Lower back",
    "shoulder": "Shoulder",
    "hip": "Hip",
    "ankle": "Ankle",
    "wrist": "Wrist",
    "elbow": "Elbow",
    "neck": "Neck",
    "hams": "Hamstring",
}
ASK_PART = (
    "🤕 <b>Report pain or an injury</b>\n\nWhere does it hurt? Tap a body part, or type it, "
    "e.g. <code>left knee</code>."
)
ASK_SEVERITY = "<b>{part}</b>: how bad is it, from 1 (a slight twinge) to 10 (can't move it)?"
ASK_DETAILS = (
    "<b>{part}</b>, {severity}/10. What happened, and when does it hurt? e.g. "
    "<i>sharp pain on the outside of the knee when squatting</i>. Or tap Skip."
)
BAD_PART = "⚠️ {error}"
PICK_SEVERITY = "Please tap a number from 1 to 10 above, or send /cancel."
SAVED = "✅ Noted: <b>{part}</b>, {severity}/10."
TOLD = " {trainers} {verb} been told."
NO_TRAINER = " It's saved on your profile; you have no active trainer to tell right now."
ALREADY = (
    " You already reported your {part} today, so your trainer's alert was updated, not repeated."
)
TAKE_CARE = "\n\nIf it's severe or getting worse, please see a doctor or physiotherapist."
TRAINER_ALERT = "{icon}<b>{client} reported an injury</b>: {part}, {severity}/10 ({level}).{text}"
DISMISSED = "✖ Alert about {client} dismissed."
EXPIRED = "This button has expired. Send /injury to start again."

LEVEL_WORDS = {
    AlertSeverity.LOW: "low",
    AlertSeverity.MEDIUM: "medium",
    AlertSeverity.HIGH: "high",
    AlertSeverity.CRITICAL: "critical",
}


class Injury(StrEnum):
    """The flow's buttons: ``inj:p:<code>``, ``inj:s:<n>``, ``inj:k`` and ``inj:x:<alert>``."""

    PART = "p"
    SEVERITY = "s"
    SKIP = "k"
    DISMISS = "x"


INJURY = ButtonCodec("inj", Injury, words=True)


def _pressed(update: Update, action: Injury) -> Press[Injury] | None:
    """The press, if it is this flow's ``action`` button."""
    query = update.callback_query
    press = INJURY.decode(query.data if query is not None else None)
    return press if press is not None and press.action is action else None


def part_keyboard() -> InlineKeyboardMarkup:
    codes = list(PARTS.items())
    rows: list[list[Button]] = [
        [(label, INJURY.encode(Injury.PART, word=code)) for code, label in codes[i : i + 3]]
        for i in range(0, len(codes), 3)
    ]
    return keyboard(rows)


def dismiss_button(alert_id: int) -> Button:
    """The trainer's "✖ Dismiss" under an alert (a suggested one, say)."""
    return "✖ Dismiss", INJURY.encode(Injury.DISMISS, alert_id)


SEVERITY_KEYBOARD = keyboard(
    [
        [(str(n), INJURY.encode(Injury.SEVERITY, n)) for n in range(1, 6)],
        [(str(n), INJURY.encode(Injury.SEVERITY, n)) for n in range(6, 11)],
    ]
)
SKIP = keyboard([[("Skip ›", INJURY.encode(Injury.SKIP))]])


# --- handlers ---------------------------------------------------------------------------------


def _draft(context: Context) -> dict[str, object]:
    if context.user_data is None:
        return {}
    found = context.user_data.get(DRAFT_KEY)
    if not isinstance(found, dict):
        found = {}
        context.user_data[DRAFT_KEY] = found
    return found


async def _say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text, reply_markup=markup)


async def start_report(update: Update, context: Context) -> int:
    if context.user_data is not None:
        context.user_data[DRAFT_KEY] = {}
    await show(update, ASK_PART, part_keyboard())
    return PART


async def _ask_severity(update: Update, context: Context, part: str) -> int:
    _draft(context)["part"] = part
    await show(update, ASK_SEVERITY.format(part=esc(part)), SEVERITY_KEYBOARD)
    return SEVERITY


async def part_pressed(update: Update, context: Context) -> int:
    press = _pressed(update, Injury.PART)
    code = press.word if press is not None and not press.ids else None
    if code not in PARTS:
        await answer(update, EXPIRED, alert=True)
        return PART
    assert code is not None
    return await _ask_severity(update, context, PARTS[code])


async def part_typed(update: Update, context: Context) -> int:
    message = update.effective_message
    raw = (message.text or "") if message else ""
    part = clean_part(raw)
    if not part or len(raw.strip()) > PART_MAX:
        await _say(
            update,
            BAD_PART.format(
                error=f"Please name the body part in a few words (under {PART_MAX} characters), "
                "e.g. <code>left knee</code>."
            ),
        )
        return PART
    return await _ask_severity(update, context, part)


async def severity_pressed(update: Update, context: Context) -> int:
    press = _pressed(update, Injury.SEVERITY)
    severity = press.ids[-1] if press is not None and press.ids else None
    draft = _draft(context)
    if severity is None or not 1 <= severity <= 10 or "part" not in draft:
        await answer(update, EXPIRED, alert=True)
        return SEVERITY
    draft["severity"] = severity
    text = ASK_DETAILS.format(part=esc(draft["part"]), severity=severity)
    await show(update, text, SKIP)
    return DETAILS


async def severity_typed(update: Update, context: Context) -> int:
    await _say(update, PICK_SEVERITY)
    return SEVERITY


async def details_typed(update: Update, context: Context) -> int:
    message = update.effective_message
    if message is not None and is_skip(message.text or ""):
        return await _save(update, context, None)
    try:
        text = clean_text(
            (message.text or "") if message else "", example="sharp pain when I squat"
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return DETAILS
    return await _save(update, context, text)


async def details_skipped(update: Update, context: Context) -> int:
    return await _save(update, context, None)


async def _save(update: Update, context: Context, text: str | None) -> int:
    draft = _draft(context)
    part, severity = draft.get("part"), draft.get("severity")
    if not isinstance(part, str) or not isinstance(severity, int):
        await answer(update, EXPIRED, alert=True)
        return END
    try:
        report = await InjuryService(services(context).ctx).report_injury(
            identity(update).telegram_id, part, severity, text
        )
    except DomainError as error:
        await _say(update, f"⚠️ {esc(error)}")
        return DETAILS
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    deliveries: dict[str, Delivery] = {}
    for notice in report.notices:
        icon = "⚠️ " if notice.urgent else "🩹 "
        details = f"\n“{esc(report.text)}”" if report.text else ""
        deliveries[notice.trainer.name] = await notify(
            context,
            notice.trainer.telegram_id,
            TRAINER_ALERT.format(
                icon=icon,
                client=esc(notice.client_name),
                part=esc(report.part),
                severity=report.severity,
                level=LEVEL_WORDS[notice.severity],
                text=details,
            ),
            urgent=notice.urgent,
        )
    await show(update, _confirmation(report, deliveries))
    return END


def _told_trainers(deliveries: dict[str, Delivery]) -> str:
    """Who has been told now, and who will see it after their quiet hours (or not at all)."""
    now = sorted(name for name, d in deliveries.items() if d and not d.held)
    parts = []
    if now:
        verb = "has" if len(now) == 1 else "have"
        parts.append(TOLD.format(trainers=esc(" and ".join(now)), verb=verb))
    later = sorted(name for name, d in deliveries.items() if d.held or not d)
    parts += [" " + told(esc(name), deliveries[name]) for name in later]
    return "".join(parts)


def _confirmation(report: InjuryReport, deliveries: dict[str, Delivery]) -> str:
    text = SAVED.format(part=esc(report.part), severity=report.severity)
    if deliveries:
        text += _told_trainers(deliveries)
    elif report.duplicate:
        text += ALREADY.format(part=esc(report.part.lower()))
    else:
        text += NO_TRAINER
    if report.severity >= 7:
        text += TAKE_CARE
    return text


async def dismiss(update: Update, context: Context) -> None:
    """``inj:x:<alert_id>``: the trainer dismisses an alert (checked as theirs)."""
    press = _pressed(update, Injury.DISMISS)
    if press is None or not press.ids:
        await answer(update, EXPIRED, alert=True)
        return
    try:
        done = await InjuryService(services(context).ctx).dismiss_alert(
            identity(update).telegram_id, press.ids[-1]
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(update, DISMISSED.format(client=esc(done.client_name)))


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "injury",
        entry_points=[CommandHandler("injury", start_report)],
        states={
            PART: [
                CallbackQueryHandler(part_pressed, pattern=r"^inj:p:"),
                MessageHandler(text, part_typed),
            ],
            SEVERITY: [
                CallbackQueryHandler(severity_pressed, pattern=r"^inj:s:"),
                MessageHandler(text, severity_typed),
            ],
            DETAILS: [
                CallbackQueryHandler(details_skipped, pattern=r"^inj:k$"),
                MessageHandler(text, details_typed),
            ],
        },
    )
    return [flow, button(r"^inj:x:", dismiss)]
