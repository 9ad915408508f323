"""/measure: log body weight, body fat, resting heart rate or any named measurement, and
progress photos; see recent entries with their trend.

A client logs for themselves. A trainer picks one of their active clients and logs for them
where the client allows it; someone who is both is asked first. The chosen client is re-checked
on every step.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import Units
from coaching.domain.measurements import (
    BODY_FAT,
    BODY_WEIGHT,
    RESTING_HR,
    format_delta,
    format_value,
    kind_label,
    length_unit,
)
from coaching.errors import DomainError
from coaching.services.measurements import (
    ClientPage,
    ClientTarget,
    KindTrend,
    MeasurementService,
    RecentEntries,
    SavedMeasurement,
)
from conversations.common import END, Button, Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec, Press, Shape

CHOOSE, MENU, VALUE, CUSTOM = range(4)
STATE_KEY = "measure"

# --- wording and keyboards -------------------------------------------------------------------

KIND_CODES = {"w": BODY_WEIGHT, "f": BODY_FAT, "h": RESTING_HR}
KIND_ICONS = {BODY_WEIGHT: "⚖️", BODY_FAT: "🔥", RESTING_HR: "❤️"}
WHO = "📏 <b>Measurements</b>\n\nFor yourself or for a client?"
NO_CLIENTS = (
    "You have no active clients to log for yet. Add one with /newclient, "
    "or ask a client to accept your invite."
)
PICK_CLIENT = "📏 Which client are you measuring? (page {page} of {pages})"
MENU_TEXT = (
    "📏 <b>Measurements{subject}</b>\n\n"
    "Send one in a message, e.g. <code>82.5</code>, <code>bf 18.5</code>, <code>rhr 58</code> "
    "or <code>waist 84cm</code>; add a date like <code>82.5 yesterday</code> "
    "(or the date as year-month-day). "
    "Or pick a kind below.\n📷 Send a photo to keep it as a progress photo.\n\n"
    "<i>Units: {mass} and {length}.</i>"
)
ASK_VALUE = {
    BODY_WEIGHT: "Send the <b>body weight</b> in {mass}, e.g. <code>{example}</code>.",
    BODY_FAT: "Send the <b>body fat</b> in %, e.g. <code>18.5</code>.",
    RESTING_HR: "Send the <b>resting heart rate</b> in beats per minute, e.g. <code>58</code>.",
}
ASK_CUSTOM = (
    "Send the <b>name and value</b> of the measurement, e.g. <code>waist 84cm</code>, "
    "<code>hips 98</code> or <code>upper arm 35cm</code> (lengths in {length} unless you say)."
)
DATE_HINT = (
    "\nAdd a date if it wasn't today, e.g. <code>{example} yesterday</code> "
    "(or the date as year-month-day)."
)
DONE = "✅ Done. Send /measure any time to log more."
EXPIRED = "This button has expired. Send /measure to start again."


class Ms(StrEnum):
    """The /measure buttons: ``ms:<action>``, with a client's id or page (``ms:c:12``) or a
    kind's code (``ms:k:w``)."""

    ME = "me"
    CLIENTS = "cl"
    CLIENT_PAGE = "cp"
    CLIENT = "c"
    MENU = "menu"
    KIND = "k"
    RECENT = "recent"
    DONE = "done"


MEASURE = ButtonCodec("ms", Ms, words=True)
MENU_BUTTON: Button = ("« Menu", MEASURE.encode(Ms.MENU))


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _state(context: Context) -> dict[str, Any]:
    assert context.user_data is not None
    stored = context.user_data.setdefault(STATE_KEY, {})
    assert isinstance(stored, dict)
    return stored


def menu_buttons(*, can_log: bool, can_view: bool) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    if can_log:
        rows.append(
            [
                ("⚖️ Weight", MEASURE.encode(Ms.KIND, word="w")),
                ("🔥 Body fat %", MEASURE.encode(Ms.KIND, word="f")),
                ("❤️ Resting HR", MEASURE.encode(Ms.KIND, word="h")),
            ]
        )
        rows.append([("📐 Other measurement", MEASURE.encode(Ms.KIND, word="x"))])
    last: list[Button] = []
    if can_view:
        last.append(("📈 Recent entries", MEASURE.encode(Ms.RECENT)))
    last.append(("✔ Done", MEASURE.encode(Ms.DONE)))
    rows.append(last)
    return keyboard(rows)


def render_menu(units: Units, subject: str | None, notes: list[str]) -> str:
    text = MENU_TEXT.format(
        subject=f" for {esc(subject)}" if subject else "",
        mass=units.value,
        length=length_unit(units),
    )
    if notes:
        text += "\n\n" + "\n".join(f"🔒 {esc(note)}" for note in notes)
    return text


def _trend_line(trend: KindTrend, units: Units) -> str:
    icon = KIND_ICONS.get(trend.kind, "📐")
    value = format_value(trend.latest_value, trend.unit, units)
    parts = []
    if trend.delta_previous is not None:
        parts.append(f"{format_delta(trend.delta_previous, trend.unit, units)} since last")
    if trend.delta_30d is not None:
        parts.append(f"{format_delta(trend.delta_30d, trend.unit, units)} over 30 days")
    change = f" ({'; '.join(parts)})" if parts else ""
    return (
        f"{icon} <b>{esc(trend.label)}</b>: {esc(value)} {trend.arrow}{change} · "
        f"{_day(trend.latest_on)}"
    )


def render_saved(saved: SavedMeasurement, for_client: bool) -> str:
    entry = saved.entry
    value = format_value(entry.value, entry.unit, saved.units)
    whose = f" for {esc(saved.subject)}" if for_client else ""
    lines = [
        f"✅ Saved{whose}: <b>{esc(kind_label(entry.kind))} {esc(value)}</b> "
        f"on {_day(entry.measured_on)}."
    ]
    if saved.trend is not None and saved.trend.delta_previous is not None:
        lines.append(_trend_line(saved.trend, saved.units))
    return "\n".join(lines)


def render_recent(recent: RecentEntries, for_client: bool) -> str:
    whose = f" — {esc(recent.subject)}" if for_client else ""
    lines = [f"📈 <b>Recent entries</b>{whose}", ""]
    if not recent.kinds:
        lines.append("No measurements yet. Send one, e.g. <code>82.5</code>.")
    for trend in recent.kinds:
        lines.append(_trend_line(trend, recent.units))
        history = " · ".join(
            f"{day.day} {day:%b}: {esc(format_value(value, trend.unit, recent.units))}"
            for day, value in trend.recent
        )
        lines.append(f"   <i>{history}</i>")
    if recent.photo_count:
        photos = f"{recent.photo_count} progress photo{'' if recent.photo_count == 1 else 's'}"
        latest = f", latest {_day(recent.last_photo_on)}" if recent.last_photo_on else ""
        lines += ["", f"📷 {photos}{latest}."]
    return "\n".join(lines)


def client_buttons(page: ClientPage) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(client.name, MEASURE.encode(Ms.CLIENT, client.client_profile_id))]
        for client in page.clients
    ]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(("◀", MEASURE.encode(Ms.CLIENT_PAGE, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(("▶", MEASURE.encode(Ms.CLIENT_PAGE, page.page + 1)))
    if nav:
        rows.append(nav)
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _svc(context: Context) -> MeasurementService:
    return MeasurementService(services(context).ctx)


async def measure_command(update: Update, context: Context) -> int:
    """/measure: straight to the menu for a client; trainers pick whom first."""
    assert context.user_data is not None
    context.user_data[STATE_KEY] = {}
    svc = _svc(context)
    try:
        start = await svc.start(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if start.is_trainer and start.is_client:
        await show(
            update,
            WHO,
            keyboard(
                [
                    [
                        ("🙋 Myself", MEASURE.encode(Ms.ME)),
                        ("👥 A client", MEASURE.encode(Ms.CLIENTS)),
                    ]
                ]
            ),
            edit=False,
        )
        return CHOOSE
    if start.is_trainer:
        return await _client_list(update, context, 0, edit=False)
    return await _self_menu(update, context, start.units, edit=False)


async def _self_menu(update: Update, context: Context, units: Units, *, edit: bool) -> int:
    _state(context).update(target=None, can_log=True, can_view=True, units=units.value)
    await show(
        update, render_menu(units, None, []), menu_buttons(can_log=True, can_view=True), edit=edit
    )
    return MENU


async def _client_list(update: Update, context: Context, page_no: int, *, edit: bool) -> int:
    page = await _svc(context).client_page(identity(update).telegram_id, page_no)
    if not page.total:
        await show(update, NO_CLIENTS, edit=edit)
        return END
    await show(
        update,
        PICK_CLIENT.format(page=page.page + 1, pages=page.pages),
        client_buttons(page),
        edit=edit,
    )
    return CHOOSE


async def _client_menu(update: Update, context: Context, target: ClientTarget) -> int:
    start = await _svc(context).start(identity(update).telegram_id)
    _state(context).update(
        target=target.client_profile_id,
        can_log=target.can_log,
        can_view=target.can_view,
        units=start.units.value,
    )
    notes = [n for n in (target.log_refusal, target.view_refusal) if n]
    await show(
        update,
        render_menu(start.units, target.name, notes),
        menu_buttons(can_log=target.can_log, can_view=target.can_view),
    )
    return MENU


async def _menu(update: Update, context: Context, *, edit: bool, prefix: str = "") -> int:
    stored = _state(context)
    target = stored.get("target")
    if target is None:
        start = await _svc(context).start(identity(update).telegram_id)
        _state(context)["units"] = start.units.value
        text = render_menu(start.units, None, [])
        markup = menu_buttons(can_log=True, can_view=True)
    else:
        chosen = await _svc(context).choose_client(identity(update).telegram_id, int(target))
        start = await _svc(context).start(identity(update).telegram_id)
        stored.update(can_log=chosen.can_log, can_view=chosen.can_view)
        notes = [n for n in (chosen.log_refusal, chosen.view_refusal) if n]
        text = render_menu(start.units, chosen.name, notes)
        markup = menu_buttons(can_log=chosen.can_log, can_view=chosen.can_view)
    await show(update, prefix + text, markup, edit=edit)
    return MENU


async def on_button(update: Update, context: Context) -> int:
    """Every ``ms:`` button; the client in play is re-checked by the service each time."""
    assert update.callback_query is not None
    press = MEASURE.decode(update.callback_query.data)
    in_flow = STATE_KEY in (context.user_data or {})
    stored = _state(context)
    try:
        step = await _dispatch(update, context, press, stored) if press is not None else None
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return _unchanged(context, in_flow)
    if step is not None:
        return step
    await answer(update, EXPIRED, alert=True)
    return _unchanged(context, in_flow)


# Each press handler returns the next state, or None when the press does not fit the moment
# (a button of a screen that is gone): that gets the out-of-date answer.
PressHandler = Callable[
    [Update, Context, Press[Ms], dict[str, Any]], Coroutine[Any, Any, int | None]
]


async def _me(update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]) -> int:
    start = await _svc(context).start(identity(update).telegram_id)
    return await _self_menu(update, context, start.units, edit=True)


async def _clients(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int:
    return await _client_list(update, context, press.id() or 0, edit=True)


async def _client(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int:
    target = await _svc(context).choose_client(identity(update).telegram_id, press.ids[0])
    return await _client_menu(update, context, target)


async def _back_to_menu(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int | None:
    if STATE_KEY not in (context.user_data or {}):
        return None
    return await _menu(update, context, edit=True)


async def _recent_pressed(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int | None:
    return await _recent(update, context) if stored else None


async def _kind_pressed(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int | None:
    return await _ask_kind(update, context, press.word or "") if stored else None


async def _done(update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]) -> int:
    assert context.user_data is not None
    context.user_data.pop(STATE_KEY, None)
    await show(update, DONE)
    return END


async def _dispatch(
    update: Update, context: Context, press: Press[Ms], stored: dict[str, Any]
) -> int | None:
    shape, handler = ON_PRESS[press.action]
    return await handler(update, context, press, stored) if shape.fits(press) else None


ON_PRESS: dict[Ms, tuple[Shape, PressHandler]] = {
    Ms.ME: (Shape.NOTHING, _me),
    Ms.CLIENTS: (Shape.NOTHING, _clients),
    Ms.CLIENT_PAGE: (Shape.ID, _clients),
    Ms.CLIENT: (Shape.ID, _client),
    Ms.MENU: (Shape.NOTHING, _back_to_menu),
    Ms.RECENT: (Shape.NOTHING, _recent_pressed),
    Ms.KIND: (Shape.WORD, _kind_pressed),
    Ms.DONE: (Shape.NOTHING, _done),
}


def _unchanged(context: Context, in_flow: bool) -> int:
    """The state to stay in after a refused press (outside the flow: still outside)."""
    assert context.user_data is not None
    if not in_flow:
        context.user_data.pop(STATE_KEY, None)
        return END
    return MENU if context.user_data.get(STATE_KEY) else CHOOSE


async def _ask_kind(update: Update, context: Context, code: str) -> int:
    stored = _state(context)
    if not stored.get("can_log"):
        await answer(update, "You can't log measurements here.", alert=True)
        return MENU
    if stored.get("target") is not None:
        # The client may have changed what they share since the menu was shown.
        target = await _svc(context).choose_client(
            identity(update).telegram_id, int(stored["target"])
        )
        if not target.can_log:
            await answer(update, target.log_refusal or EXPIRED, alert=True)
            return MENU
    units = Units(stored.get("units", Units.KG.value))
    back = keyboard([[MENU_BUTTON]])
    if code == "x":
        stored["kind"] = None
        await show(update, ASK_CUSTOM.format(length=length_unit(units)), back)
        return CUSTOM
    kind = KIND_CODES.get(code)
    if kind is None:
        await answer(update, EXPIRED, alert=True)
        return MENU
    stored["kind"] = kind
    example = "82.5" if units is Units.KG else "181"
    text = ASK_VALUE[kind].format(mass=units.value, example=example)
    text += DATE_HINT.format(example=example if kind == BODY_WEIGHT else "58")
    await show(update, text, back)
    return VALUE


async def _recent(update: Update, context: Context) -> int:
    stored = _state(context)
    svc = _svc(context)
    who = identity(update).telegram_id
    target = stored.get("target")
    if target is None:
        recent = await svc.recent_own(who)
    else:
        recent = await svc.recent_for_client(who, int(target))
    await show(update, render_recent(recent, target is not None), keyboard([[MENU_BUTTON]]))
    return MENU


async def _save(update: Update, context: Context, kind: str | None, state: int) -> int:
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    stored = _state(context)
    target = stored.get("target")
    svc = _svc(context)
    who = identity(update).telegram_id
    try:
        if target is None:
            saved = await svc.log_own(who, text, kind=kind)
        else:
            saved = await svc.log_for_client(who, int(target), text, kind=kind)
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}", keyboard([[MENU_BUTTON]]), edit=False)
        return state
    stored["kind"] = None
    return await _menu(
        update, context, edit=False, prefix=render_saved(saved, target is not None) + "\n\n"
    )


async def quick_entry(update: Update, context: Context) -> int:
    """A measurement typed at the menu: the message names its kind."""
    if not _state(context).get("can_log"):
        await show(update, "You can't log measurements for this client.", edit=False)
        return MENU
    return await _save(update, context, None, MENU)


async def value_typed(update: Update, context: Context) -> int:
    kind = _state(context).get("kind")
    return await _save(update, context, str(kind) if kind else None, VALUE)


async def custom_typed(update: Update, context: Context) -> int:
    return await _save(update, context, None, CUSTOM)


async def photo_sent(update: Update, context: Context) -> int:
    """A photo during /measure is kept as a progress photo (largest size, with caption)."""
    message = update.effective_message
    assert message is not None
    if not message.photo:
        return MENU
    largest = message.photo[-1]
    stored = _state(context)
    target = stored.get("target")
    svc = _svc(context)
    who = identity(update).telegram_id
    try:
        if target is None:
            saved = await svc.add_own_photo(
                who, largest.file_id, largest.file_unique_id, message.caption
            )
        else:
            saved = await svc.add_client_photo(
                who, int(target), largest.file_id, largest.file_unique_id, message.caption
            )
    except DomainError as error:
        await show(update, f"⚠️ {esc(error)}", edit=False)
        return MENU
    whose = f" for {esc(saved.subject)}" if target is not None else ""
    caption = f" “{esc(saved.caption)}”" if saved.caption else ""
    return await _menu(
        update,
        context,
        edit=False,
        prefix=f"📷 Progress photo saved{whose}{caption} ({_day(saved.taken_on)}).\n\n",
    )


async def text_while_choosing(update: Update, context: Context) -> int:
    await show(update, "Please tap one of the buttons above, or send /cancel.", edit=False)
    return CHOOSE


def build_handler() -> Flow:
    buttons = CallbackQueryHandler(on_button, pattern=rf"^{MEASURE.prefix}:")
    text = filters.TEXT & ~filters.COMMAND
    photo = MessageHandler(filters.PHOTO, photo_sent)
    return Flow(
        "measure",
        entry_points=[CommandHandler("measure", measure_command), buttons],
        states={
            CHOOSE: [buttons, MessageHandler(text, text_while_choosing)],
            MENU: [buttons, photo, MessageHandler(text, quick_entry)],
            VALUE: [buttons, photo, MessageHandler(text, value_typed)],
            CUSTOM: [buttons, photo, MessageHandler(text, custom_typed)],
        },
    )
