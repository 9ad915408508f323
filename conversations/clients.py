"""/clients: the trainer's clients by status, each client's card, and the card's actions.

The card text comes from :func:`render_card` and its keyboard from :func:`card_keyboard`;
later features add buttons by appending ``(label, callback prefix)`` to :data:`CARD_ACTIONS`
(the button's data is ``<prefix>:<client profile id>``; the feature re-checks the id).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.display import (
    format_body_fat,
    format_body_weight,
    format_day,
    format_heart_rate,
    format_height,
    format_injury,
)
from coaching.domain.enums import RelationshipStatus, RelationshipType
from coaching.domain.invites import invite_link
from coaching.domain.when import example_day
from coaching.errors import DomainError
from coaching.services.clients import ClientCard, ClientGroup, ClientPage, ClientService
from coaching.services.invites import InviteService
from coaching.services.relationships import RelationshipService, StatusChange
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
    told,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec

REASON, EXTEND, NOTES = range(3)
KEY = "clients"
INJURIES_SHOWN = 5
"""The newest injury lines on the card; older ones are counted."""
FIELD_MAX = 500
"""A long detail (goals, medical notes) is cut on the card so the card fits one message."""
INJURY_MAX = 200
CARD_BUDGET = 3900
"""The trainer's notes are shown whole when the card has room, else cut to fit."""
NOTES_MIN = 300


class Cl(StrEnum):
    """The clients flow's buttons, ``cl:<action>:<id>``; the list's tabs are
    ``cl:ls:<group>:<page>`` (``CLIENT_LIST``)."""

    CARD = "card"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    EXTEND = "ext"
    NOTES = "note"
    INVITE = "inv"
    REVOKE = "rev"
    SKIP = "skip"


CLIENTS = ButtonCodec("cl", Cl)
CLIENT_LIST = ButtonCodec("cl:ls", ClientGroup)
SKIP_BUTTON = ("Skip ⏭", CLIENTS.encode(Cl.SKIP))


def card_data(profile_id: int) -> str:
    """The data of a button that opens a client's card (``cl:card:<profile id>``)."""
    return CLIENTS.encode(Cl.CARD, profile_id)


# Buttons later features add to every live client's card: (label, callback data prefix).
CARD_ACTIONS: list[tuple[str, str]] = []

# --- wording and keyboards -------------------------------------------------------------------

GROUP_LABELS = {
    ClientGroup.ACTIVE: "Active",
    ClientGroup.PENDING: "Pending",
    ClientGroup.PAUSED: "Paused",
    ClientGroup.ENDED: "Ended",
}
STATUS_TEXT = {
    RelationshipStatus.PENDING: "⏳ pending: invited, not joined yet",
    RelationshipStatus.ACTIVE: "🟢 active",
    RelationshipStatus.PAUSED: "⏸ paused",
    RelationshipStatus.TERMINATED: "🛑 ended",
    RelationshipStatus.EXPIRED: "⌛ expired",
}
TYPE_TEXT = {
    RelationshipType.IN_PERSON: "in person",
    RelationshipType.ONLINE: "online",
    RelationshipType.HYBRID: "hybrid",
}
NO_CLIENTS = "No {group} clients. Add one with /newclient."
PRIVATE_LINE = "🔒 The client has not shared personal details."
ENDED_LINE = "The coaching relationship has ended; the client's data stays with them."
ASK_PAUSE = (
    "⏸ Why are you pausing coaching with <b>{name}</b>? They will see the reason.\n"
    "For example: <i>holiday until 10 January</i>. Or tap Skip."
)
ASK_END = (
    "🛑 Why are you ending coaching with <b>{name}</b>? They will see the reason "
    "(up to 500 characters).\nFor example: <i>moving to another city</i>"
)
ASK_EXTEND = (
    "📅 New <b>end date</b> for coaching <b>{name}</b>? It must be after today.\n"
    "For example: <i>{example}</i>"
)
ASK_NOTES = (
    "🗒 Send your <b>notes</b> on <b>{name}</b> (only you see them, up to 2000 characters). "
    "They replace the current notes.\nFor example: <i>prefers mornings; knee rehab until March</i>"
)
LOST = "That step is no longer open. Send /clients to start again."
INVITE_OPEN = "🔗 Invite link open until {expires}"
INVITE_EXPIRED = (
    "⌛ The invite link expired on {expires}, so it no longer works. "
    "Tap 🔗 New invite link to make a fresh one."
)
NO_INVITE = "🔗 No invite link is open. Tap 🔗 New invite link to make one."
NEW_LINK = (
    "🔗 New invite link for <b>{name}</b> (the previous one no longer works):\n{link}\n\n"
    "It works once and expires on {expires}."
)
NOTICE = {
    RelationshipStatus.PAUSED: "⏸ <b>{actor}</b> paused your coaching relationship.",
    RelationshipStatus.ACTIVE: "▶️ <b>{actor}</b> resumed your coaching relationship.",
    RelationshipStatus.TERMINATED: "🛑 <b>{actor}</b> ended your coaching relationship.",
}
EXPIRED_NOTICE = (
    "⌛ Your coaching relationship with <b>{other}</b> reached its end date ({end}) "
    "and has expired."
)


def lifecycle_notice(change: StatusChange) -> str:
    """What the other side reads about a pause, resume or end."""
    text = NOTICE.get(change.status, "Your coaching relationship changed.").format(
        actor=esc(change.actor_name)
    )
    if change.reason:
        text += f"\nReason: <i>{esc(change.reason)}</i>"
    if not change.by_trainer:
        return text
    if change.status is RelationshipStatus.TERMINATED:
        return text + "\nYour data stays yours."
    return text + "\nSend /permissions to see it or to respond."


def notice_markup(change: StatusChange) -> InlineKeyboardMarkup | None:
    """The trainer's notice links to the client's card."""
    if change.by_trainer:
        return None
    return keyboard([[("📇 Open card", card_data(change.client_profile_id))]])


def list_text(page: ClientPage) -> str:
    title = GROUP_LABELS[page.group]
    lines = [f"👥 <b>Your clients</b> · {title} ({page.counts[page.group]})"]
    if not page.rows:
        lines.append("\n" + NO_CLIENTS.format(group=title.lower()))
    elif page.pages > 1:
        lines.append(f"Page {page.page + 1} of {page.pages}")
    if page.rows:
        lines.append("Tap a client to open their card.")
    return "\n".join(lines)


def list_keyboard(page: ClientPage) -> InlineKeyboardMarkup:
    tabs: list[Button] = []
    for group, label in GROUP_LABELS.items():
        mark = "• " if group is page.group else ""
        tabs.append((f"{mark}{label} {page.counts[group]}", CLIENT_LIST.encode(group, 0)))
    rows: list[list[Button]] = [tabs[:2], tabs[2:]]
    for row in page.rows:
        suffix = " ⏳" if not row.joined and row.status is RelationshipStatus.PENDING else ""
        rows.append([(f"{row.name}{suffix}", card_data(row.client_profile_id))])
    nav: list[Button] = []
    if page.page > 0:
        nav.append(("◀", CLIENT_LIST.encode(page.group, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(("▶", CLIENT_LIST.encode(page.group, page.page + 1)))
    if nav:
        rows.append(nav)
    return keyboard(rows)


def _moment(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%d %b %Y, %H:%M")


def _fmt(value: object, unit: str = "", limit: int = FIELD_MAX) -> str:
    if value in (None, "", ()):
        return "—"
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"{esc(text)}{unit}"


def _measured(value: Decimal | int | None, shown: Callable[[Any], str]) -> str:
    return "—" if value is None else esc(shown(value))


def personal_lines(card: ClientCard, zone: ZoneInfo, today: date) -> list[str]:
    """The personal details the client shares, each as a person writes it."""
    units = card.viewer_units
    contact = ", ".join(v for v in (card.email, card.phone) if v)
    born = f"{card.date_of_birth.day} {card.date_of_birth:%b %Y}" if card.date_of_birth else None
    injuries = [_fmt(format_injury(i, zone, today), limit=INJURY_MAX) for i in card.injuries]
    lines = [
        f"Contact: {_fmt(contact)}",
        f"Date of birth: {_fmt(born)}",
        f"Gender: {_fmt(card.gender)}",
        f"Height: {_measured(card.height_cm, lambda v: format_height(v, units))}",
        f"Weight: {_measured(card.weight_kg, lambda v: format_body_weight(v, units))}",
        f"Body fat: {_measured(card.body_fat_pct, format_body_fat)}",
        f"Resting heart rate: {_measured(card.resting_heart_rate, format_heart_rate)}",
        f"Fitness level: {_fmt(card.fitness_level)}",
        f"Goals: {_fmt('; '.join(card.goals))}",
    ]
    if len(injuries) == 1:
        lines.append(f"Injuries: {injuries[0]}")
    elif injuries:
        lines.append("Injuries:")
        lines += [f"• {line}" for line in injuries[-INJURIES_SHOWN:]]
        if len(injuries) > INJURIES_SHOWN:
            lines.append(f"  (and {len(injuries) - INJURIES_SHOWN} earlier)")
    else:
        lines.append("Injuries: —")
    lines += [
        f"Medical notes: {_fmt(card.medical_notes)}",
        f"Emergency contact: {_fmt(card.emergency_contact)}",
    ]
    return lines


def render_card(card: ClientCard, now: datetime | None = None) -> str:
    """The card's text: header, personal details within permissions, and the trainer's notes."""
    zone = ZoneInfo(card.viewer_timezone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    lines = [f"📇 <b>{esc(card.name)}</b>", f"Status: {STATUS_TEXT[card.status]}"]
    lines.append(f"Coaching: {TYPE_TEXT[card.relationship_type]}")
    if card.start_date:
        lines.append(f"Started: {format_day(card.start_date, today)}")
    if card.end_date:
        lines.append(f"Ends: {format_day(card.end_date, today)}")
    if card.status_reason and card.status is not RelationshipStatus.ACTIVE:
        lines.append(f"Reason: <i>{esc(card.status_reason)}</i>")
    if card.invite_expires_at is not None:
        lines.append(INVITE_OPEN.format(expires=_moment(card.invite_expires_at, zone)))
    elif card.invite_expired_at is not None and card.awaiting_invite:
        lines.append(INVITE_EXPIRED.format(expires=_moment(card.invite_expired_at, zone)))
    elif card.awaiting_invite:
        lines.append(NO_INVITE)
    lines.append("")
    if not card.is_live:
        lines.append(ENDED_LINE)
    elif card.personal_visible:
        lines += personal_lines(card, zone, today)
    else:
        lines.append(PRIVATE_LINE)
    lines.append("")
    room = CARD_BUDGET - len("\n".join(lines))
    lines.append(f"🗒 Notes: {_fmt(card.notes, limit=max(room, NOTES_MIN))}")
    return "\n".join(lines)


def card_keyboard(card: ClientCard) -> InlineKeyboardMarkup:
    """Actions by status, then the actions later features registered in CARD_ACTIONS."""
    rid, pid = card.relationship_id, card.client_profile_id
    rows: list[list[Button]] = []
    if card.is_live:
        first: list[Button] = []
        if card.status is RelationshipStatus.ACTIVE:
            first.append(("⏸ Pause", CLIENTS.encode(Cl.PAUSE, rid)))
        elif card.status is RelationshipStatus.PAUSED:
            first.append(("▶️ Resume", CLIENTS.encode(Cl.RESUME, rid)))
        first.append(("🛑 End", CLIENTS.encode(Cl.END, rid)))
        rows.append(first)
        rows.append(
            [
                ("📅 Extend", CLIENTS.encode(Cl.EXTEND, rid)),
                ("🗒 Notes", CLIENTS.encode(Cl.NOTES, rid)),
            ]
        )
        if card.awaiting_invite:
            invite_row: list[Button] = [("🔗 New invite link", CLIENTS.encode(Cl.INVITE, pid))]
            if card.invite_expires_at is not None:
                invite_row.append(("🚫 Revoke invite", CLIENTS.encode(Cl.REVOKE, pid)))
            rows.append(invite_row)
        extra = [(label, f"{prefix}:{pid}") for label, prefix in CARD_ACTIONS]
        rows.extend(extra[i : i + 2] for i in range(0, len(extra), 2))
    rows.append([("◀ All clients", CLIENT_LIST.encode(_group_of(card.status), 0))])
    return keyboard(rows)


def _group_of(status: RelationshipStatus) -> ClientGroup:
    return {
        RelationshipStatus.ACTIVE: ClientGroup.ACTIVE,
        RelationshipStatus.PENDING: ClientGroup.PENDING,
        RelationshipStatus.PAUSED: ClientGroup.PAUSED,
    }.get(status, ClientGroup.ENDED)


# --- handlers ---------------------------------------------------------------------------------


def _id(update: Update) -> int | None:
    """The id a ``cl:<action>:<id>`` button carries; None for a forged or stale one."""
    assert update.callback_query is not None
    press = CLIENTS.decode(update.callback_query.data)
    return press.id() if press is not None else None


async def _refuse(update: Update, error: DomainError | str) -> int:
    await answer(update, str(error), alert=True)
    return END


async def clients_command(update: Update, context: Context) -> int:
    svc = ClientService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        page = await svc.list_clients(who, ClientGroup.ACTIVE, 0)
        if not page.rows:
            for group in (ClientGroup.PENDING, ClientGroup.PAUSED):
                if page.counts[group]:
                    page = await svc.list_clients(who, group, 0)
                    break
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    await show(update, list_text(page), list_keyboard(page), edit=False)
    return END


async def list_pressed(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    press = CLIENT_LIST.decode(update.callback_query.data)
    if press is None or len(press.ids) != 1 or press.word is not None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    try:
        page = await ClientService(services(context).ctx).list_clients(
            identity(update).telegram_id, press.action, press.ids[0]
        )
    except DomainError as error:
        return await _refuse(update, error)
    await show(update, list_text(page), list_keyboard(page))
    return END


async def _show_card(update: Update, context: Context, profile_id: int, note: str = "") -> int:
    try:
        card = await ClientService(services(context).ctx).card(
            identity(update).telegram_id, profile_id
        )
    except DomainError as error:
        return await _refuse(update, error)
    text = render_card(card, services(context).ctx.clock.now())
    await show(update, f"{note}\n\n{text}" if note else text, card_keyboard(card))
    return END


async def card_pressed(update: Update, context: Context) -> int:
    profile_id = _id(update)
    if profile_id is None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    return await _show_card(update, context, profile_id)


async def _ask(
    update: Update,
    context: Context,
    action: str,
    state: int,
    prompt: str,
    markup: InlineKeyboardMarkup | None = None,
) -> int:
    """Check the action is possible (and the client is ours) before asking for text."""
    relationship_id = _id(update)
    if relationship_id is None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    target = {"pause": RelationshipStatus.PAUSED, "end": RelationshipStatus.TERMINATED}.get(action)
    try:
        parties = await RelationshipService(services(context).ctx).prepare(
            identity(update).telegram_id, relationship_id, target, trainer_only=True
        )
    except DomainError as error:
        return await _refuse(update, error)
    assert context.user_data is not None
    context.user_data[KEY] = {"action": action, "rid": relationship_id, "name": parties.other_name}
    today = services(context).ctx.clock.now().date()
    example = example_day(today + timedelta(days=60)).isoformat()
    await show(update, prompt.format(name=esc(parties.other_name), example=example), markup)
    return state


async def pause_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "pause", REASON, ASK_PAUSE, keyboard([[SKIP_BUTTON]]))


async def end_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "end", REASON, ASK_END)


async def extend_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "extend", EXTEND, ASK_EXTEND)


async def notes_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "notes", NOTES, ASK_NOTES)


async def resume_pressed(update: Update, context: Context) -> int:
    relationship_id = _id(update)
    if relationship_id is None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    try:
        change = await RelationshipService(services(context).ctx).resume(
            identity(update).telegram_id, relationship_id
        )
    except DomainError as error:
        return await _refuse(update, error)
    await notify(context, change.other_telegram_id, lifecycle_notice(change))
    return await _show_card(update, context, change.client_profile_id, "▶️ Coaching resumed.")


def _pending(context: Context, *actions: str) -> dict[str, Any] | None:
    """The typed step waiting in this chat, when it is one of ``actions``."""
    data = context.user_data
    state = data.get(KEY) if data is not None else None
    if isinstance(state, dict) and state.get("action") in actions:
        return state
    return None


async def reason_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    if is_skip(text) and _pending(context, "pause") is not None:
        return await _apply_reason(update, context, None)
    return await _apply_reason(update, context, text)


async def reason_skipped(update: Update, context: Context) -> int:
    state = _pending(context, "pause")
    if state is None:
        await answer(update, "Please type the reason.", alert=True)
        return REASON
    return await _apply_reason(update, context, None)


async def _apply_reason(update: Update, context: Context, reason: str | None) -> int:
    state = _pending(context, "pause", "end")
    if state is None:
        await show(update, LOST, edit=False)
        return END
    svc = RelationshipService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        if state["action"] == "pause":
            change = await svc.pause(who, int(state["rid"]), reason)
        else:
            change = await svc.terminate(who, int(state["rid"]), reason or "")
    except DomainError as error:
        prompt = ASK_END if state["action"] == "end" else ASK_PAUSE
        markup = keyboard([[SKIP_BUTTON]]) if state["action"] == "pause" else None
        name = esc(state.get("name", ""))
        await show(update, f"⚠️ {esc(error)}\n\n" + prompt.format(name=name), markup, edit=False)
        return REASON
    _clear(context)
    delivery = await notify(context, change.other_telegram_id, lifecycle_notice(change))
    note = "⏸ Coaching paused." if change.status is RelationshipStatus.PAUSED else "🛑 Ended."
    said = f" {told(esc(change.client_name), delivery)}" if change.other_telegram_id else ""
    return await _show_card(update, context, change.client_profile_id, note + said)


async def extend_typed(update: Update, context: Context) -> int:
    state = _pending(context, "extend")
    assert update.effective_message is not None
    if state is None:
        await show(update, LOST, edit=False)
        return END
    try:
        change = await RelationshipService(services(context).ctx).extend(
            identity(update).telegram_id, int(state["rid"]), update.effective_message.text or ""
        )
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}", edit=False)
        return EXTEND
    _clear(context)
    assert change.end_date is not None
    await notify(
        context,
        change.other_telegram_id,
        f"📅 <b>{esc(change.trainer_name)}</b> set the end of your coaching to "
        f"{change.end_date.isoformat()}.",
    )
    return await _show_card(
        update, context, change.client_profile_id, f"📅 End date set to {change.end_date}."
    )


async def notes_typed(update: Update, context: Context) -> int:
    state = _pending(context, "notes")
    assert update.effective_message is not None
    if state is None:
        await show(update, LOST, edit=False)
        return END
    try:
        profile_id = await RelationshipService(services(context).ctx).set_notes(
            identity(update).telegram_id, int(state["rid"]), update.effective_message.text or ""
        )
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}", edit=False)
        return NOTES
    _clear(context)
    return await _show_card(update, context, profile_id, "🗒 Notes saved.")


def _clear(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


async def new_invite_pressed(update: Update, context: Context) -> int:
    profile_id = _id(update)
    if profile_id is None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    svc = services(context)
    who = identity(update).telegram_id
    try:
        issued = await InviteService(svc.ctx).issue(who, profile_id, svc.settings.invite_ttl_days)
        card = await ClientService(svc.ctx).card(who, profile_id)
    except DomainError as error:
        return await _refuse(update, error)
    await show(
        update,
        NEW_LINK.format(
            name=esc(card.name),
            link=esc(invite_link(context.bot.username, issued.token)),
            expires=_moment(issued.expires_at, ZoneInfo(card.viewer_timezone)),
        ),
        keyboard([[("📇 Back to card", card_data(profile_id))]]),
    )
    return END


async def revoke_pressed(update: Update, context: Context) -> int:
    profile_id = _id(update)
    if profile_id is None:
        return await _refuse(update, "This button has expired. Send /clients to start again.")
    try:
        await InviteService(services(context).ctx).revoke(identity(update).telegram_id, profile_id)
    except DomainError as error:
        return await _refuse(update, error)
    return await _show_card(update, context, profile_id, "🚫 Invite link revoked.")


async def expire_relationships(context: Context) -> None:
    """Repeating job: relationships past their end date become EXPIRED; both sides are told."""
    notices = await RelationshipService(services(context).ctx).expire_due()
    for item in notices:
        end = item.end_date.isoformat()
        await notify(
            context,
            item.trainer_telegram_id,
            EXPIRED_NOTICE.format(other=esc(item.client_name), end=end),
            keyboard([[("📇 Open card", card_data(item.client_profile_id))]]),
        )
        await notify(
            context,
            item.client_telegram_id,
            EXPIRED_NOTICE.format(other=esc(item.trainer_name), end=end),
        )


ON_PRESS: dict[Cl, Callable[[Update, Context], Coroutine[Any, Any, int]]] = {
    Cl.CARD: card_pressed,
    Cl.PAUSE: pause_pressed,
    Cl.RESUME: resume_pressed,
    Cl.END: end_pressed,
    Cl.EXTEND: extend_pressed,
    Cl.NOTES: notes_pressed,
    Cl.INVITE: new_invite_pressed,
    Cl.REVOKE: revoke_pressed,
}


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    entry_points = [
        CommandHandler("clients", clients_command),
        CallbackQueryHandler(list_pressed, pattern=rf"^{CLIENT_LIST.prefix}:"),
        # any data after the action's name reaches its handler, which answers a forged one
        *(
            CallbackQueryHandler(handler, pattern=rf"^{CLIENTS.prefix}:{action.value}:")
            for action, handler in ON_PRESS.items()
        ),
    ]
    flow = Flow(
        "clients",
        entry_points=entry_points,
        states={
            REASON: [
                CallbackQueryHandler(reason_skipped, pattern=CLIENTS.exactly(Cl.SKIP)),
                MessageHandler(text, reason_typed),
            ],
            EXTEND: [MessageHandler(text, extend_typed)],
            NOTES: [MessageHandler(text, notes_typed)],
        },
    )
    return [flow]
