"""/trainers: browse public trainers, open a card, request coaching; the trainer answers.

Also ``/start tr_<code>``: a trainer's own link opens the same card (the only way to reach an
unlisted trainer). The trainer accepts or declines a request from the notification's buttons;
only that trainer can, and only once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

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
from conversations.typed_buttons import (
    MAX_CALLBACK_BYTES,
    ButtonCodec,
    Press,
    Shape,
    is_word,
)

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


class Dir(StrEnum):
    """The directory's buttons: ``dir:<action>``, with a page or a request's id
    (``dir:pg:2``, ``dir:acc:7``) or a trainer's ref or a category (``dir:o:p12``)."""

    LIST = "list"
    PAGE = "pg"
    CATEGORIES = "cats"
    CATEGORY = "cat"
    TAG = "tag"
    CLEAR = "clear"
    OPEN = "o"
    REQUEST = "rq"
    ACCEPT = "acc"
    DECLINE = "dec"


DIRECTORY = ButtonCodec("dir", Dir, words=True)
CODE_OF_TYPE = {kind: code for code, kind in TYPE_CODES.items()}


@dataclass(frozen=True, slots=True)
class RequestButton:
    """``dir:rt:<ref>:<type code>``: request coaching of this kind from the trainer a ref names.

    The one directory button with two words (the ref, then the kind), so it has this codec of
    its own rather than the flow's :data:`DIRECTORY`.
    """

    ref: str
    kind: RelationshipType
    PREFIX: ClassVar[str] = "dir:rt:"

    def encode(self) -> str:
        if not is_word(self.ref):
            raise ValueError(f"not a trainer ref: {self.ref!r}")
        data = f"{self.PREFIX}{self.ref}:{CODE_OF_TYPE[self.kind]}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data longer than {MAX_CALLBACK_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> RequestButton | None:
        if not (data or "").startswith(cls.PREFIX):
            return None
        ref, _, code = (data or "")[len(cls.PREFIX) :].partition(":")
        kind = TYPE_CODES.get(code)
        return cls(ref, kind) if kind is not None and is_word(ref) else None


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
        [(f"{t.name} · {t.rating.average or '–'}★", DIRECTORY.encode(Dir.OPEN, word=t.ref))]
        for t in page.trainers
    ]
    nav: list[Button] = []
    if page.has_previous:
        nav.append(("◀", DIRECTORY.encode(Dir.PAGE, page.page - 1)))
    if page.has_next:
        nav.append(("▶", DIRECTORY.encode(Dir.PAGE, page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append(
        [("📂 Category", DIRECTORY.encode(Dir.CATEGORIES)), ("🏷 Tag", DIRECTORY.encode(Dir.TAG))]
    )
    if page.category_slug or page.tag:
        rows.append([("✖ Clear filters", DIRECTORY.encode(Dir.CLEAR))])
    return keyboard(rows)


def category_menu() -> InlineKeyboardMarkup:
    buttons: list[Button] = [
        (name, DIRECTORY.encode(Dir.CATEGORY, word=slug)) for slug, name in CATEGORIES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([("All categories", DIRECTORY.encode(Dir.CATEGORY, word="all"))])
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
        rows.append([("🤝 Request coaching", DIRECTORY.encode(Dir.REQUEST, word=card.ref))])
    rows.append(
        [("« Back to the list", DIRECTORY.encode(Dir.LIST))]
        if from_list
        else [("🔎 Browse trainers", DIRECTORY.encode(Dir.LIST))]
    )
    return keyboard(rows)


def type_buttons(ref: str) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                ("🏋️ In person", RequestButton(ref, RelationshipType.IN_PERSON).encode()),
                ("💻 Online", RequestButton(ref, RelationshipType.ONLINE).encode()),
                ("🔀 Hybrid", RequestButton(ref, RelationshipType.HYBRID).encode()),
            ],
            [("« Back", DIRECTORY.encode(Dir.OPEN, word=ref))],
        ]
    )


def decision_buttons(relationship_id: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                ("✅ Accept", DIRECTORY.encode(Dir.ACCEPT, relationship_id)),
                ("✖ Decline", DIRECTORY.encode(Dir.DECLINE, relationship_id)),
            ]
        ]
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
    data = update.callback_query.data
    press, request = DIRECTORY.decode(data), RequestButton.decode(data)
    try:
        if request is not None:
            step: int | None = await _request(update, context, request.ref, request.kind)
        else:
            step = await _dispatch(update, context, press) if press is not None else None
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return BROWSE
    if step is not None:
        return step
    await answer(update, EXPIRED, alert=True)
    return BROWSE


async def _dispatch(update: Update, context: Context, press: Press[Dir]) -> int | None:
    """The press's handler when the data has its action's shape; None (out of date) else."""
    shape, handler = ON_PRESS.get(press.action, (Shape.NOTHING, None))
    if handler is None or not shape.fits(press):
        return None
    return await handler(update, context, press)


async def _show_list(update: Update, context: Context, press: Press[Dir]) -> int:
    return await _list(update, context)


async def _categories(update: Update, context: Context, press: Press[Dir]) -> int:
    await show(update, "Pick a category:", category_menu())
    return BROWSE


async def _clear(update: Update, context: Context, press: Press[Dir]) -> int:
    _filters(context).clear()
    return await _list(update, context)


async def _ask_tag(update: Update, context: Context, press: Press[Dir]) -> int:
    await show(update, ASK_TAG, keyboard([[("« Back", DIRECTORY.encode(Dir.LIST))]]))
    return TAG


async def _page(update: Update, context: Context, press: Press[Dir]) -> int:
    _filters(context)["page"] = press.ids[0]
    return await _list(update, context)


async def _category(update: Update, context: Context, press: Press[Dir]) -> int:
    stored = _filters(context)
    stored["cat"] = press.word if press.word in CATEGORY_NAMES else None
    stored["page"] = 0
    return await _list(update, context)


async def _open(update: Update, context: Context, press: Press[Dir]) -> int:
    ref = press.word or ""
    card = await _svc(context).card(identity(update).telegram_id, ref)
    from_list = ref.startswith("p")
    await show(update, render_card(card), card_buttons(card, from_list=from_list))
    return BROWSE


async def _ask_type(update: Update, context: Context, press: Press[Dir]) -> int:
    card = await _svc(context).card(identity(update).telegram_id, press.word or "")
    await show(update, ASK_TYPE.format(name=esc(card.name)), type_buttons(card.ref))
    return BROWSE


ON_PRESS: dict[Dir, tuple[Shape, Callable[[Update, Context, Press[Dir]], Awaitable[int]]]] = {
    Dir.LIST: (Shape.NOTHING, _show_list),
    Dir.CATEGORIES: (Shape.NOTHING, _categories),
    Dir.CLEAR: (Shape.NOTHING, _clear),
    Dir.TAG: (Shape.NOTHING, _ask_tag),
    Dir.PAGE: (Shape.ID, _page),
    Dir.CATEGORY: (Shape.WORD, _category),
    Dir.OPEN: (Shape.WORD, _open),
    Dir.REQUEST: (Shape.WORD, _ask_type),
}
"""The browsing buttons; accept and decline (the trainer's) are answered by ``decide``."""


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
    press = DIRECTORY.decode(update.callback_query.data)
    if press is None or press.action not in DECISIONS or not Shape.ID.fits(press):
        await answer(update, EXPIRED, alert=True)
        return
    accept = press.action is Dir.ACCEPT
    try:
        decision = await _svc(context).decide(
            identity(update).telegram_id, press.ids[0], accept=accept
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


DECISIONS = (Dir.ACCEPT, Dir.DECLINE)


def build_handler() -> list[object]:
    decisions = "|".join(d.value for d in DECISIONS)
    buttons = CallbackQueryHandler(on_button, pattern=rf"^{DIRECTORY.prefix}:(?!{decisions}:)")
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
    return [button(rf"^{DIRECTORY.prefix}:(?:{decisions}):", decide), flow]
