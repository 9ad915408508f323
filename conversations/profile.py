"""/profile: a trainer views and edits their profile, certificates, categories and tags.

The profile message is the hub: its buttons open the edit menu and each edit. Typed fields ask
for text and come back to the profile; one-tap fields (independent, accepting new clients,
visibility, categories) change in place. Every button works on the acting trainer's own profile
only, whatever its callback data says.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import Visibility
from coaching.domain.plurals import plural
from coaching.domain.profile_rules import (
    CATEGORIES,
    CertificateState,
    format_rate,
    validate_certificate_text,
    validate_link,
)
from coaching.errors import DomainError
from coaching.services.profiles import (
    CertificateDraft,
    CertificateView,
    ProfileService,
    TrainerProfileView,
)
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    show,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec, Press

(
    VIEW,
    BIO,
    SPECS,
    EXPERIENCE,
    RATE,
    LIMIT,
    TAGS,
    CERT_NAME,
    CERT_ISSUER,
    CERT_OBTAINED,
    CERT_EXPIRY,
    CERT_LINK,
) = range(12)

DRAFT_KEY = "profile_certificate"
EXPIRED = "This button has expired. Send /profile to start again."


class Pf(StrEnum):
    """The /profile buttons: ``pf:<action>``, some with a word (``pf:e:bio``, ``pf:cat:rehab``)."""

    VIEW = "view"
    EDIT = "edit"
    FIELD = "e"
    TOGGLE = "t"
    VISIBILITY = "vis"
    CATEGORIES = "cats"
    CATEGORY = "cat"
    PRIMARY_MENU = "prim"
    PRIMARY = "pri"
    NEW_LINK = "newlink"
    CERTIFICATES = "certs"
    SKIP = "skip"


class Cert(StrEnum):
    """A certificate's buttons: ``pf:cert:add``, ``pf:cert:del:<id>``, ``pf:cert:rm:<id>``."""

    ADD = "add"
    DELETE = "del"
    REMOVE = "rm"


PROFILE = ButtonCodec("pf", Pf, words=True)
CERT = ButtonCodec("pf:cert", Cert)

# --- wording and keyboards -------------------------------------------------------------------

VISIBILITY_TEXT = {
    Visibility.PUBLIC: "🌍 public — listed in /trainers",
    Visibility.UNLISTED: "🔗 unlisted — only people with your link find you",
    Visibility.PRIVATE: "🔒 private — not in the directory; clients join by invite",
}
PROMPTS: dict[int, str] = {
    BIO: (
        "Send your <b>bio</b>: who you coach and how (up to 2000 characters). Send - to clear it."
    ),
    SPECS: (
        "Send your <b>specializations</b>, separated by commas, e.g. "
        "<code>powerlifting, knee rehab, marathon prep</code>. Send - to clear them."
    ),
    EXPERIENCE: "How many <b>years of experience</b> do you have? e.g. <code>8</code>",
    RATE: (
        "Send your <b>hourly rate</b> with its currency, e.g. <code>60 EUR</code>, "
        "<code>€60</code> or <code>45.50 USD</code>. Send - to hide it."
    ),
    LIMIT: "How many clients do you take at most (1–500)? e.g. <code>25</code>",
    TAGS: (
        "Send up to 10 <b>tags</b> clients can find you by, separated by commas, e.g. "
        "<code>kettlebells, online, beginners</code>. Send - to remove them all."
    ),
    CERT_NAME: "New certificate. What is its <b>name</b>? e.g. <code>NASM CPT</code>",
    CERT_ISSUER: "Which <b>body issued</b> it? e.g. <code>NASM</code>",
    CERT_OBTAINED: "When did you <b>obtain</b> it? e.g. <code>{example}</code>",
    CERT_EXPIRY: "When does it <b>expire</b>? e.g. <code>{example}</code>",
    CERT_LINK: (
        "A <b>verification link</b>, if there is one? e.g. "
        "<code>https://www.nasm.org/verify/123456</code>"
    ),
}
SAVED: dict[int, str] = {
    BIO: "✅ Bio saved.",
    SPECS: "✅ Specializations saved.",
    EXPERIENCE: "✅ Experience saved.",
    RATE: "✅ Hourly rate saved.",
    LIMIT: "✅ Client limit saved.",
    TAGS: "✅ Tags saved.",
}
TRY_AGAIN = "\n\nTry again, or press « Back."
BACK: Button = ("« Back", PROFILE.encode(Pf.VIEW))
SKIP: Button = ("Skip ›", PROFILE.encode(Pf.SKIP))
CANCEL_CERT: Button = ("✖ Cancel", PROFILE.encode(Pf.CERTIFICATES))


def trainer_link(bot_username: str | None, code: str) -> str:
    return f"https://t.me/{bot_username or 'bot'}?start=tr_{code}"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _certificate_line(cert: CertificateView) -> str:
    issuer = f" — {esc(cert.issuing_body)}" if cert.issuing_body else ""
    if cert.state is CertificateState.EXPIRED:
        assert cert.expiration_date is not None
        status = f"❌ expired {cert.expiration_date.isoformat()}"
    elif cert.state is CertificateState.EXPIRING:
        assert cert.expiration_date is not None
        days = "today" if cert.days_left == 0 else f"in {plural(cert.days_left, 'day')}"
        status = f"⚠️ expires {days} ({cert.expiration_date.isoformat()})"
    elif cert.expiration_date is not None:
        status = f"✅ valid until {cert.expiration_date.isoformat()}"
    else:
        status = "✅ valid"
    link = ""
    if cert.verification_link:
        link = f' · <a href="{html.escape(cert.verification_link)}">verify</a>'
    return f"• <b>{esc(cert.name)}</b>{issuer}: {status}{link}"


def render_profile(view: TrainerProfileView, bot_username: str | None, note: str = "") -> str:
    lines = []
    if note:
        lines += [note, ""]
    lines.append(f"👤 <b>Your trainer profile</b> — {esc(view.name)}")
    expiring = view.expiring_certificates
    if expiring:
        names = ", ".join(esc(c.name) for c in expiring)
        lines.append(f"⚠️ Expiring within 30 days: {names}. Renew and update the date.")
    lines.append("")
    lines.append(f"<b>Bio:</b> {esc(view.bio) if view.bio else '<i>not set</i>'}")
    specs = ", ".join(esc(s) for s in view.specializations) or "<i>none</i>"
    lines.append(f"<b>Specializations:</b> {specs}")
    years = view.experience_years
    experience = "<i>not set</i>" if years is None else plural(years, "year")
    lines.append(f"<b>Experience:</b> {experience}")
    lines.append("<b>Certifications:</b>" + ("" if view.certificates else " <i>none</i>"))
    lines += [_certificate_line(c) for c in view.certificates]
    lines.append(f"<b>Hourly rate:</b> {esc(format_rate(view.hourly_rate, view.currency))}")
    lines.append(f"<b>Independent:</b> {_yes(view.is_independent)}")
    lines.append(f"<b>Accepting new clients:</b> {_taking_text(view)}")
    lines.append(
        f"<b>Client limit:</b> {view.client_limit} ({view.active_clients} active or pending)"
    )
    lines.append(f"<b>Visibility:</b> {VISIBILITY_TEXT[view.visibility]}")
    lines.append(f"<b>Categories:</b> {_categories_text(view)}")
    lines.append(f"<b>Tags:</b> {', '.join(esc(t) for t in view.tags) or '<i>none</i>'}")
    lines.append(f"<b>Rating:</b> {esc(view.rating)}")
    if view.visibility is Visibility.UNLISTED and view.share_code:
        lines += ["", f"🔗 Your link: {esc(trainer_link(bot_username, view.share_code))}"]
    return "\n".join(lines)


def _taking_text(view: TrainerProfileView) -> str:
    taking = "yes" if view.can_accept_new_clients else "no"
    if view.accepts_new_clients and not view.can_accept_new_clients:
        taking = "no — your client limit is reached"
    return taking


def _categories_text(view: TrainerProfileView) -> str:
    primary = view.primary_category
    others = [esc(c.name) for c in view.categories if not c.is_primary]
    if primary is None:
        return "<i>none</i>"
    return ", ".join([f"⭐ {esc(primary.name)} (primary)", *others])


def profile_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [
            ("✏️ Edit profile", PROFILE.encode(Pf.EDIT)),
            ("📜 Certificates", PROFILE.encode(Pf.CERTIFICATES)),
        ]
    ]
    if view.visibility is Visibility.UNLISTED:
        rows.append([("🔄 New link", PROFILE.encode(Pf.NEW_LINK))])
    return keyboard(rows)


def edit_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                ("Bio", PROFILE.encode(Pf.FIELD, word="bio")),
                ("Specializations", PROFILE.encode(Pf.FIELD, word="specs")),
            ],
            [
                ("Experience", PROFILE.encode(Pf.FIELD, word="exp")),
                ("Hourly rate", PROFILE.encode(Pf.FIELD, word="rate")),
            ],
            [
                ("Client limit", PROFILE.encode(Pf.FIELD, word="limit")),
                ("Tags", PROFILE.encode(Pf.FIELD, word="tags")),
            ],
            [
                (
                    f"Independent: {_yes(view.is_independent)}",
                    PROFILE.encode(Pf.TOGGLE, word="ind"),
                ),
                (
                    f"Accepting clients: {_yes(view.accepts_new_clients)}",
                    PROFILE.encode(Pf.TOGGLE, word="acc"),
                ),
            ],
            [
                ("Visibility", PROFILE.encode(Pf.VISIBILITY)),
                ("Categories", PROFILE.encode(Pf.CATEGORIES)),
            ],
            [("📜 Certificates", PROFILE.encode(Pf.CERTIFICATES))],
            [BACK],
        ]
    )


EDIT_MENU = "✏️ <b>Edit your profile</b>: pick a field. The rating comes from your clients."
VISIBILITY_MENU = (
    "Who can find you?\n\n• <b>Public</b>: listed in /trainers.\n"
    "• <b>Unlisted</b>: only people you give your link to.\n"
    "• <b>Private</b>: nobody; clients join by your invites.\n\nNow: {now}"
)
CATEGORIES_MENU = (
    "Tap categories to add or remove them (✅ = yours, ⭐ = primary).\n"
    "Use “Set primary” to choose the one you're listed under first."
)
PRIMARY_MENU = "Which category is your <b>primary</b> one?"


def visibility_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    def label(value: Visibility, text: str) -> Button:
        mark = "● " if view.visibility is value else ""
        return (f"{mark}{text}", PROFILE.encode(Pf.VISIBILITY, word=value.value))

    return keyboard(
        [
            [
                label(Visibility.PUBLIC, "🌍 Public"),
                label(Visibility.UNLISTED, "🔗 Unlisted"),
                label(Visibility.PRIVATE, "🔒 Private"),
            ],
            [BACK],
        ]
    )


def category_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    mine = {c.slug: c for c in view.categories}
    buttons: list[Button] = []
    for slug, name in CATEGORIES:
        chosen = mine.get(slug)
        mark = "" if chosen is None else ("⭐ " if chosen.is_primary else "✅ ")
        buttons.append((f"{mark}{name}", PROFILE.encode(Pf.CATEGORY, word=slug)))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    footer: list[Button] = []
    if len(view.categories) > 1:
        footer.append(("⭐ Set primary", PROFILE.encode(Pf.PRIMARY_MENU)))
    footer.append(("Done", PROFILE.encode(Pf.VIEW)))
    rows.append(footer)
    return keyboard(rows)


def primary_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    rows = [
        [(f"{'⭐ ' if c.is_primary else ''}{c.name}", PROFILE.encode(Pf.PRIMARY, word=c.slug))]
        for c in view.categories
    ]
    rows.append([("« Back", PROFILE.encode(Pf.CATEGORIES))])
    return keyboard(rows)


def certificates_text(view: TrainerProfileView) -> str:
    if not view.certificates:
        return "📜 <b>Certificates</b>\n\nNone yet. Add your first one."
    lines = ["📜 <b>Certificates</b>", ""]
    lines += [_certificate_line(c) for c in view.certificates]
    return "\n".join(lines)


def certificate_buttons(view: TrainerProfileView) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [[("➕ Add certificate", CERT.encode(Cert.ADD))]]
    rows += [
        [(f"🗑 Delete {c.name[:40]}", CERT.encode(Cert.DELETE, c.id))] for c in view.certificates
    ]
    rows.append([BACK])
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _svc(context: Context) -> ProfileService:
    return ProfileService(services(context).ctx)


async def _refuse(update: Update, error: DomainError, state: int) -> int:
    if update.callback_query is not None:
        await answer(update, str(error), alert=True)
        return state
    await show(update, esc(error), edit=False)
    return END


async def profile_command(update: Update, context: Context) -> int:
    """/profile: show the whole profile with its buttons."""
    try:
        view = await _svc(context).get(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    await show(
        update, render_profile(view, context.bot.username), profile_buttons(view), edit=False
    )
    return VIEW


async def _show_view(update: Update, context: Context, view: TrainerProfileView, note: str) -> int:
    await show(update, render_profile(view, context.bot.username, note), profile_buttons(view))
    return VIEW


Action = Callable[[Update, Context, Press[Pf]], Awaitable[int]]


async def _view(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).get(identity(update).telegram_id)
    return await _show_view(update, context, view, "")


async def _edit_menu(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).get(identity(update).telegram_id)
    await show(update, EDIT_MENU, edit_buttons(view))
    return VIEW


FIELD_STATES = {
    "bio": BIO,
    "specs": SPECS,
    "exp": EXPERIENCE,
    "rate": RATE,
    "limit": LIMIT,
    "tags": TAGS,
}


async def _ask_field(update: Update, context: Context, press: Press[Pf]) -> int:
    await _svc(context).get(identity(update).telegram_id)  # trainers only
    state = FIELD_STATES.get(press.word or "")
    if state is None:
        await answer(update, "That field can't be edited here.", alert=True)
        return VIEW
    await show(update, PROMPTS[state], keyboard([[BACK]]))
    return state


async def _toggle(update: Update, context: Context, press: Press[Pf]) -> int:
    svc = _svc(context)
    who = identity(update).telegram_id
    which = press.word
    if which == "ind":
        view = await svc.toggle_independent(who)
        note = f"✅ Independent: {_yes(view.is_independent)}."
    elif which == "acc":
        view = await svc.toggle_accepting(who)
        note = (
            "✅ You're accepting new clients."
            if view.accepts_new_clients
            else "✅ You're no longer accepting new clients."
        )
    else:
        await answer(update, "That setting can't be switched here.", alert=True)
        return VIEW
    return await _show_view(update, context, view, note)


async def _visibility(update: Update, context: Context, press: Press[Pf]) -> int:
    svc = _svc(context)
    who = identity(update).telegram_id
    if press == Press(Pf.VISIBILITY):
        view = await svc.get(who)
        now = VISIBILITY_TEXT[view.visibility]
        await show(update, VISIBILITY_MENU.format(now=now), visibility_buttons(view))
        return VIEW
    view = await svc.set_visibility(who, press.word or "")
    return await _show_view(update, context, view, f"✅ Visibility: {view.visibility.value}.")


async def _categories(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).get(identity(update).telegram_id)
    await show(update, CATEGORIES_MENU, category_buttons(view))
    return VIEW


async def _toggle_category(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).toggle_category(identity(update).telegram_id, press.word or "")
    await show(update, CATEGORIES_MENU, category_buttons(view))
    return VIEW


async def _primary_menu(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).get(identity(update).telegram_id)
    if not view.categories:
        await answer(update, "Add a category first.", alert=True)
        return VIEW
    await show(update, PRIMARY_MENU, primary_buttons(view))
    return VIEW


async def _set_primary(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).set_primary_category(identity(update).telegram_id, press.word or "")
    await show(update, CATEGORIES_MENU, category_buttons(view))
    return VIEW


async def _new_link(update: Update, context: Context, press: Press[Pf]) -> int:
    view = await _svc(context).regenerate_share_code(identity(update).telegram_id)
    note = "✅ New link made. The old one no longer works."
    return await _show_view(update, context, view, note)


async def _certificates(update: Update, context: Context, press: Press[Pf]) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)
    view = await _svc(context).get(identity(update).telegram_id)
    await show(update, certificates_text(view), certificate_buttons(view))
    return VIEW


async def _certificate_action(update: Update, context: Context, press: Press[Cert]) -> int:
    svc = _svc(context)
    who = identity(update).telegram_id
    cert_id = press.id() if len(press.ids) == 1 and press.word is None else None
    if press == Press(Cert.ADD):
        await svc.get(who)  # trainers only
        _draft(context).clear()
        await show(update, PROMPTS[CERT_NAME], keyboard([[CANCEL_CERT]]))
        return CERT_NAME
    if press.action is Cert.DELETE and cert_id is not None:
        view = await svc.get(who)
        cert = next((c for c in view.certificates if c.id == cert_id), None)
        if cert is None:
            await answer(update, "That certificate is not on your profile (any more).", alert=True)
            return VIEW
        await show(
            update,
            f"Delete the certificate <b>{esc(cert.name)}</b>?",
            keyboard(
                [
                    [
                        ("🗑 Yes, delete", CERT.encode(Cert.REMOVE, cert.id)),
                        ("Keep it", PROFILE.encode(Pf.CERTIFICATES)),
                    ]
                ]
            ),
        )
        return VIEW
    if press.action is Cert.REMOVE and cert_id is not None:
        view = await svc.delete_certificate(who, cert_id)
        await show(update, "🗑 Deleted.\n\n" + certificates_text(view), certificate_buttons(view))
        return VIEW
    await answer(update, EXPIRED, alert=True)
    return VIEW


ACTIONS: dict[Pf, Action] = {
    Pf.VIEW: _view,
    Pf.EDIT: _edit_menu,
    Pf.FIELD: _ask_field,
    Pf.TOGGLE: _toggle,
    Pf.VISIBILITY: _visibility,
    Pf.CATEGORIES: _categories,
    Pf.CATEGORY: _toggle_category,
    Pf.PRIMARY_MENU: _primary_menu,
    Pf.PRIMARY: _set_primary,
    Pf.NEW_LINK: _new_link,
    Pf.CERTIFICATES: _certificates,
}
NAMED = frozenset({Pf.CATEGORY, Pf.PRIMARY})
"""Actions whose button must carry a name (a category's slug) and nothing else."""


def _fits(press: Press[Pf]) -> bool:
    return press.action not in NAMED or (not press.ids and press.word is not None)


async def on_button(update: Update, context: Context) -> int:
    """Every ``pf:`` button, re-checked against the acting trainer."""
    assert update.callback_query is not None
    data = update.callback_query.data
    cert, press = CERT.decode(data), PROFILE.decode(data)
    try:
        if cert is not None:
            return await _certificate_action(update, context, cert)
        action = ACTIONS.get(press.action) if press is not None else None
        if press is None or action is None or not _fits(press):
            await answer(update, EXPIRED, alert=True)
            return VIEW
        return await action(update, context, press)
    except DomainError as error:
        return await _refuse(update, error, VIEW)


# --- typed fields -------------------------------------------------------------------------------

SETTERS: dict[int, Callable[[ProfileService, int, str], Awaitable[TrainerProfileView]]] = {
    BIO: ProfileService.set_bio,
    SPECS: ProfileService.set_specializations,
    EXPERIENCE: ProfileService.set_experience,
    RATE: ProfileService.set_rate,
    LIMIT: ProfileService.set_client_limit,
    TAGS: ProfileService.set_tags,
}


def _typed_field(state: int) -> Callable[[Update, Context], Coroutine[Any, Any, int]]:
    async def handler(update: Update, context: Context) -> int:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        try:
            view = await SETTERS[state](_svc(context), identity(update).telegram_id, text)
        except DomainError as error:
            await show(update, f"⚠️ {esc(error)}{TRY_AGAIN}", keyboard([[BACK]]), edit=False)
            return state
        note = SAVED[state]
        await show(
            update,
            render_profile(view, context.bot.username, note),
            profile_buttons(view),
            edit=False,
        )
        return VIEW

    return handler


# --- adding a certificate -----------------------------------------------------------------------


def _draft(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    draft = context.user_data.setdefault(DRAFT_KEY, {})
    assert isinstance(draft, dict)
    return draft


def _step_keyboard(skippable: bool = True) -> InlineKeyboardMarkup:
    return keyboard([[SKIP, CANCEL_CERT]] if skippable else [[CANCEL_CERT]])


CERT_EXAMPLE_YEARS = {CERT_OBTAINED: -2, CERT_EXPIRY: 2}
"""Certificate dates are quoted two years back (obtained) or ahead (expiry) of today."""


def _prompt(state: int, today: date) -> str:
    years = CERT_EXAMPLE_YEARS.get(state)
    if years is None:
        return PROMPTS[state]
    example = today.replace(day=1).replace(year=today.year + years)
    return PROMPTS[state].format(example=example.isoformat())


def _today(context: Context) -> date:
    return services(context).ctx.clock.now().date()


async def _ask(update: Update, context: Context, state: int, *, edit: bool) -> int:
    text = _prompt(state, _today(context))
    await show(update, text, _step_keyboard(state != CERT_NAME), edit=edit)
    return state


async def _cert_error(update: Update, context: Context, error: DomainError, state: int) -> int:
    await show(
        update,
        f"⚠️ {esc(error)}\n\n{_prompt(state, _today(context))}",
        _step_keyboard(state != CERT_NAME),
        edit=False,
    )
    return state


async def cert_name(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    try:
        name = validate_certificate_text(
            update.effective_message.text or "", "certificate name", "NASM CPT"
        )
    except DomainError as error:
        return await _cert_error(update, context, error, CERT_NAME)
    _draft(context)["name"] = name
    return await _ask(update, context, CERT_ISSUER, edit=False)


async def cert_issuer(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    try:
        issuer = validate_certificate_text(
            update.effective_message.text or "", "issuing body", "NASM"
        )
    except DomainError as error:
        return await _cert_error(update, context, error, CERT_ISSUER)
    _draft(context)["issuer"] = issuer
    return await _ask(update, context, CERT_OBTAINED, edit=False)


async def cert_obtained(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    try:
        day = await _svc(context).read_certificate_date(
            identity(update).telegram_id, update.effective_message.text or "", which="obtained"
        )
    except DomainError as error:
        return await _cert_error(update, context, error, CERT_OBTAINED)
    _draft(context)["obtained"] = day.isoformat()
    return await _ask(update, context, CERT_EXPIRY, edit=False)


async def cert_expiry(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    obtained = _draft(context).get("obtained")
    try:
        day = await _svc(context).read_certificate_date(
            identity(update).telegram_id,
            update.effective_message.text or "",
            which="expiry",
            obtained=date.fromisoformat(obtained) if obtained else None,
        )
    except DomainError as error:
        return await _cert_error(update, context, error, CERT_EXPIRY)
    _draft(context)["expiry"] = day.isoformat()
    return await _ask(update, context, CERT_LINK, edit=False)


async def cert_link(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    try:
        link = validate_link(update.effective_message.text or "")
    except DomainError as error:
        return await _cert_error(update, context, error, CERT_LINK)
    _draft(context)["link"] = link
    return await _save_certificate(update, context, edit=False)


async def _save_certificate(update: Update, context: Context, *, edit: bool) -> int:
    draft = _draft(context)
    if "name" not in draft:
        await answer(update, "This button has expired. Send /profile to start again.", alert=True)
        return VIEW
    obtained, expiry = draft.get("obtained"), draft.get("expiry")
    try:
        view = await _svc(context).add_certificate(
            identity(update).telegram_id,
            CertificateDraft(
                name=str(draft["name"]),
                issuing_body=draft.get("issuer"),
                date_obtained=date.fromisoformat(obtained) if obtained else None,
                expiration_date=date.fromisoformat(expiry) if expiry else None,
                verification_link=draft.get("link"),
            ),
        )
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}", edit=False)
        return END
    assert context.user_data is not None
    context.user_data.pop(DRAFT_KEY, None)
    text = f"✅ Certificate <b>{esc(draft['name'])}</b> added.\n\n" + certificates_text(view)
    await show(update, text, certificate_buttons(view), edit=edit)
    return VIEW


NEXT_AFTER_SKIP = {CERT_ISSUER: CERT_OBTAINED, CERT_OBTAINED: CERT_EXPIRY, CERT_EXPIRY: CERT_LINK}


def _skip(state: int) -> Callable[[Update, Context], Coroutine[Any, Any, int]]:
    async def handler(update: Update, context: Context) -> int:
        if state == CERT_LINK:
            return await _save_certificate(update, context, edit=True)
        return await _ask(update, context, NEXT_AFTER_SKIP[state], edit=True)

    return handler


Step = Callable[[Update, Context], Coroutine[Any, Any, int]]


def _typed_or_skip(state: int, step: Step) -> Step:
    """A typed answer to an optional step; ``skip``, ``-`` or ``none`` act as its Skip button."""
    skip = _skip(state)

    async def handler(update: Update, context: Context) -> int:
        message = update.effective_message
        if message is not None and is_skip(message.text or ""):
            return await skip(update, context)
        return await step(update, context)

    return handler


def build_handler() -> Flow:
    buttons = CallbackQueryHandler(on_button, pattern=rf"^{PROFILE.prefix}:(?!{Pf.SKIP.value}$)")
    text = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[Any]] = {VIEW: [buttons]}
    for state in SETTERS:
        states[state] = [buttons, MessageHandler(text, _typed_field(state))]
    steps: dict[int, Step] = {
        CERT_NAME: cert_name,
        CERT_ISSUER: cert_issuer,
        CERT_OBTAINED: cert_obtained,
        CERT_EXPIRY: cert_expiry,
        CERT_LINK: cert_link,
    }
    for state, step in steps.items():
        if state == CERT_NAME:
            states[state] = [buttons, MessageHandler(text, step)]
            continue
        states[state] = [
            CallbackQueryHandler(_skip(state), pattern=PROFILE.exactly(Pf.SKIP)),
            buttons,
            MessageHandler(text, _typed_or_skip(state, step)),
        ]
    return Flow(
        "profile",
        entry_points=[CommandHandler("profile", profile_command), buttons],
        states=states,
    )
