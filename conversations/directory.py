"""/trainers: browse public trainers, open a card, request coaching; the trainer answers.

Also ``/start tr_<code>``: a trainer's own link opens the same card (the only way to reach an
unlisted trainer). The trainer accepts or declines a request from the notification's buttons;
only that trainer can, and only once.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import RelationshipType
from coaching.domain.profile_rules import CATEGORIES, CATEGORY_NAMES, format_rate
from coaching.errors import DomainError
from coaching.services.directory import DirectoryPage, DirectoryService, TrainerCard
from coaching.services.users import UserService
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    keyboard,
    notify,
    show,
    told,
)
from conversations.container import services
from conversations.flow import Flow, button

BROWSE, TAG = range(2)
FILTER_KEY = "directory"

# --- wording and keyboards -------------------------------------------------------------------

TYPE_CODES = {
    "i": RelationshipType.IN_PERSON,
    "o": RelationshipType.ONLINE,
    "h": RelationshipType.HYBRID,
}
TYPE_TEXT = {
    RelationshipType.IN_PERSON: "in person",
    RelationshipType.ONLINE: "online",
    RelationshipType.HYBRID: "hybrid: in person and online",
}
ASK_TAG = "Type a tag to filter by, e.g. <code>kettlebells</code> or <code>online</code>."
ASK_TYPE = "How would you like to train with <b>{name}</b>?"
REQUEST_SENT = "📨 Request sent to <b>{name}</b> ({kind}). I'll tell you as soon as they answer."
FINISH_SETUP = "\n\nMeanwhile, send /start to finish setting up your account (time zone)."
TRAINER_NOTICE = (
    "📨 <b>New coaching request</b>\n\n<b>{client}</b> would like you to coach them "
    "({kind}). Accept to add them to your clients."
)
ACCEPTED_TRAINER = "✅ You accepted <b>{client}</b>. They're now an active client in /clients."
DECLINED_TRAINER = "You declined <b>{client}</b>'s coaching request."
ACCEPTED_CLIENT = (
    "🎉 <b>{trainer}</b> accepted your coaching request! You can choose what they may see "
    "with /permissions."
)
DECLINED_CLIENT = (
    "<b>{trainer}</b> declined your coaching request. You can find another trainer with /trainers."
)
EXPIRED = "This button has expired. Send /trainers to browse again."


def _filters(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    stored = context.user_data.setdefault(FILTER_KEY, {})
    assert isinstance(stored, dict)
    return stored


def render_page(page: DirectoryPage) -> str:
    applied = []
    if page.category_slug:
        applied.append(esc(CATEGORY_NAMES.get(page.category_slug, page.category_slug)))
    if page.tag:
        applied.append(f"#{esc(page.tag)}")
    title = "🔎 <b>Find a trainer</b>"
    if applied:
        title += " — " + " · ".join(applied)
    if not page.trainers:
        hint = "Try another category or clear the filters." if applied else "Check back soon."
        return f"{title}\n\nNo public trainers match right now. {hint}"
    count = f"{page.total} trainer{'' if page.total == 1 else 's'}"
    lines = [title, f"{count} · page {page.page + 1} of {page.pages}", ""]
    for trainer in page.trainers:
        status = "✅ accepting clients" if trainer.accepting else "⛔ not taking clients"
        headline = f" — {esc(trainer.headline)}" if trainer.headline else ""
        lines.append(f"<b>{esc(trainer.name)}</b>{headline}")
        lines.append(f"   {esc(trainer.rating)} · {status}")
    lines += ["", "Tap a trainer to see their profile."]
    return "\n".join(lines)


def page_buttons(page: DirectoryPage) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(f"{t.name} · {t.rating.average or '–'}★", f"dir:o:{t.ref}")] for t in page.trainers
    ]
    nav: list[Button] = []
    if page.has_previous:
        nav.append(("◀", f"dir:pg:{page.page - 1}"))
    if page.has_next:
        nav.append(("▶", f"dir:pg:{page.page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([("📂 Category", "dir:cats"), ("🏷 Tag", "dir:tag")])
    if page.category_slug or page.tag:
        rows.append([("✖ Clear filters", "dir:clear")])
    return keyboard(rows)


def category_menu() -> InlineKeyboardMarkup:
    buttons: list[Button] = [(name, f"dir:cat:{slug}") for slug, name in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([("All categories", "dir:cat:all")])
    return keyboard(rows)


def render_card(card: TrainerCard) -> str:
    lines = [f"🏋️ <b>{esc(card.name)}</b>"]
    if card.categories:
        lines.append(esc(" · ".join(card.categories)))
    if card.bio:
        lines += ["", esc(card.bio)]
    lines.append("")
    if card.specializations:
        lines.append(f"<b>Specializations:</b> {esc(', '.join(card.specializations))}")
    if card.experience_years is not None:
        years = card.experience_years
        lines.append(f"<b>Experience:</b> {years} year{'' if years == 1 else 's'}")
    if card.certificates:
        lines.append("<b>Certifications:</b>")
        for cert in card.certificates:
            issuer = f" — {esc(cert.issuing_body)}" if cert.issuing_body else ""
            lines.append(f"• {esc(cert.name)}{issuer}")
    if card.hourly_rate is not None:
        lines.append(f"<b>Rate:</b> {esc(format_rate(card.hourly_rate, card.currency))}")
    lines.append(f"<b>Rating:</b> {esc(card.rating)}")
    if card.tags:
        lines.append(f"<b>Tags:</b> {esc(', '.join(card.tags))}")
    lines.append("")
    if card.is_self:
        lines.append("This is your own profile, as clients see it.")
    elif card.pending:
        lines.append(f"⏳ You asked {esc(card.name)}; waiting for their answer.")
    elif card.already_coached:
        lines.append(f"🤝 {esc(card.name)} is your trainer.")
    elif card.accepting:
        lines.append("✅ Accepting new clients.")
    else:
        lines.append("⛔ Not taking new clients right now.")
    return "\n".join(lines)


def card_buttons(card: TrainerCard, *, from_list: bool) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    if card.accepting and not (card.is_self or card.pending or card.already_coached):
        rows.append([("🤝 Request coaching", f"dir:rq:{card.ref}")])
    rows.append(
        [("« Back to the list", "dir:list")] if from_list else [("🔎 Browse trainers", "dir:list")]
    )
    return keyboard(rows)


def type_buttons(ref: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                ("🏋️ In person", f"dir:rt:{ref}:i"),
                ("💻 Online", f"dir:rt:{ref}:o"),
                ("🔀 Hybrid", f"dir:rt:{ref}:h"),
            ],
            [("« Back", f"dir:o:{ref}")],
        ]
    )


def decision_buttons(relationship_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [[("✅ Accept", f"dir:acc:{relationship_id}"), ("✖ Decline", f"dir:dec:{relationship_id}")]]
    )


# --- handlers ---------------------------------------------------------------------------------


def _svc(context: Context) -> DirectoryService:
    return DirectoryService(services(context).ctx)


async def _list(update: Update, context: Context, *, edit: bool = True) -> int:
    stored = _filters(context)
    page = await _svc(context).browse(
        identity(update).telegram_id,
        category_slug=stored.get("cat"),
        tag=stored.get("tag"),
        page=int(stored.get("page", 0)),
    )
    stored["page"] = page.page
    await show(update, render_page(page), page_buttons(page), edit=edit)
    return BROWSE


async def trainers_command(update: Update, context: Context) -> int:
    """/trainers: the first page of the directory, without filters."""
    assert context.user_data is not None
    context.user_data[FILTER_KEY] = {}
    try:
        return await _list(update, context, edit=False)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END


async def open_link(update: Update, context: Context) -> int:
    """/start tr_<code>: a trainer's own link opens their card."""
    assert update.effective_message is not None
    payload = (update.effective_message.text or "").split(maxsplit=1)[-1]
    code = payload.removeprefix("tr_")
    await UserService(services(context).ctx).register(identity(update))
    try:
        card = await _svc(context).card(identity(update).telegram_id, f"c{code}")
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    await show(update, render_card(card), card_buttons(card, from_list=False), edit=False)
    return BROWSE


async def on_button(update: Update, context: Context) -> int:
    """Every directory button but accept/decline; refs are resolved again each time."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    action, arguments = (parts[1], parts[2:]) if len(parts) > 1 else ("", [])
    stored = _filters(context)
    try:
        if not arguments:
            step = await _bare_press(update, context, action)
        elif len(arguments) == 1:
            step = await _press_with(update, context, action, arguments[0], stored)
        elif action == "rt" and len(arguments) == 2 and arguments[1] in TYPE_CODES:
            step = await _request(update, context, arguments[0], TYPE_CODES[arguments[1]])
        else:
            step = None
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return BROWSE
    if step is not None:
        return step
    await answer(update, EXPIRED, alert=True)
    return BROWSE


async def _bare_press(update: Update, context: Context, action: str) -> int | None:
    """A button without an argument, or None when it is not one of the directory's."""
    if action == "list":
        return await _list(update, context)
    if action == "cats":
        await show(update, "Pick a category:", category_menu())
        return BROWSE
    if action == "clear":
        _filters(context).clear()
        return await _list(update, context)
    if action == "tag":
        await show(update, ASK_TAG, keyboard([[("« Back", "dir:list")]]))
        return TAG
    return None


async def _press_with(
    update: Update, context: Context, action: str, argument: str, stored: dict[str, Any]
) -> int | None:
    """A button with one argument, or None when it is not one of the directory's."""
    if action == "pg" and argument.isdigit():
        stored["page"] = int(argument)
        return await _list(update, context)
    if action == "cat":
        stored["cat"] = argument if argument in CATEGORY_NAMES else None
        stored["page"] = 0
        return await _list(update, context)
    if action == "o":
        card = await _svc(context).card(identity(update).telegram_id, argument)
        from_list = argument.startswith("p")
        await show(update, render_card(card), card_buttons(card, from_list=from_list))
        return BROWSE
    if action == "rq":
        card = await _svc(context).card(identity(update).telegram_id, argument)
        await show(update, ASK_TYPE.format(name=esc(card.name)), type_buttons(card.ref))
        return BROWSE
    return None


async def _request(update: Update, context: Context, ref: str, kind: RelationshipType) -> int:
    sent = await _svc(context).request(identity(update).telegram_id, ref, kind)
    delivery = await notify(
        context,
        sent.trainer_telegram_id,
        TRAINER_NOTICE.format(client=esc(sent.client_name), kind=TYPE_TEXT[kind]),
        decision_buttons(sent.relationship_id),
    )
    text = REQUEST_SENT.format(name=esc(sent.trainer_name), kind=TYPE_TEXT[kind])
    if delivery.held:
        text += " " + told(esc(sent.trainer_name), delivery)
    if not sent.requester_onboarded:
        text += FINISH_SETUP
    await show(update, text)
    return END


async def tag_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    text = (update.effective_message.text or "").strip()
    stored = _filters(context)
    previous = stored.get("tag")
    stored["tag"] = text
    stored["page"] = 0
    try:
        return await _list(update, context, edit=False)
    except DomainError as error:
        stored["tag"] = previous
        await show(update, f"⚠️ {esc(error)}\n\n{ASK_TAG}", edit=False)
        return TAG


async def decide(update: Update, context: Context) -> None:
    """Accept or decline, pressed by the trainer the request was sent to."""
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        await answer(update, EXPIRED, alert=True)
        return
    accept = parts[1] == "acc"
    try:
        decision = await _svc(context).decide(
            identity(update).telegram_id, int(parts[2]), accept=accept
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    client = esc(decision.client_name)
    trainer = esc(decision.trainer_name)
    await show(update, (ACCEPTED_TRAINER if accept else DECLINED_TRAINER).format(client=client))
    await notify(
        context,
        decision.client_telegram_id,
        (ACCEPTED_CLIENT if accept else DECLINED_CLIENT).format(trainer=trainer),
    )


def build_handler() -> list[object]:
    buttons = CallbackQueryHandler(on_button, pattern=r"^dir:(?!acc:|dec:)")
    flow = Flow(
        "directory",
        entry_points=[
            CommandHandler("trainers", trainers_command),
            CommandHandler("start", open_link, filters=filters.Regex(r"^/start(@\w+)?\s+tr_")),
            buttons,
        ],
        states={
            BROWSE: [buttons],
            TAG: [buttons, MessageHandler(filters.TEXT & ~filters.COMMAND, tag_typed)],
        },
    )
    return [button(r"^dir:(acc|dec):", decide), flow]
