"""/workout: give a client a single workout, or change one day's workout for them alone.

Giving: client → a template or the workout typed in one message → day and time → confirm.
Changing: client → one of their next workouts → an exercise → new targets, a swap or removal,
or add an exercise. Each change reaches the client at once, and /today shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.when import example_day
from coaching.domain.workouts import clean_reason
from coaching.errors import DomainError
from coaching.services.assignments import AssignmentChoices, ClientPage
from coaching.services.workouts import (
    DayChanged,
    DayView,
    WorkoutDraft,
    WorkoutPreview,
    WorkoutService,
    WorkoutSource,
)
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
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec

(CLIENT, MENU, SOURCE, WHEN, CONFIRM, DAYS, DAY, ROW, TARGETS, SEARCH, PICK, ADD, REASON) = range(
    13
)

KEY = "workout"
PREFIX = "wko"
MESSAGE_LIMIT = 4000
QUOTE_MAX = 60

# --- callback data ----------------------------------------------------------------------------


class Act(StrEnum):
    OPEN = "o"
    PAGE = "pg"
    CLIENT = "c"
    NEW = "n"
    TEMPLATE = "t"
    OK = "ok"
    NO = "no"
    DAYS = "ds"
    DAY = "d"
    ROW = "e"
    TARGETS = "tg"
    SWAP = "sw"
    REMOVE = "rm"
    PICK = "r"
    ADD = "add"
    SKIP = "sk"


BUTTONS = ButtonCodec(PREFIX, Act)
ID_MAX = 2**53


@dataclass(frozen=True, slots=True)
class WorkoutButton:
    """One button of this flow: ``wko:<act>:<id>`` (through :data:`BUTTONS`)."""

    act: Act
    id: int = 0

    def encode(self) -> str:
        return BUTTONS.encode(self.act, self.id)

    @classmethod
    def decode(cls, data: str | None) -> WorkoutButton | None:
        """The button, or ``None`` for data this flow never made."""
        press = BUTTONS.decode(data)
        if press is None or press.word is not None or len(press.ids) != 1:
            return None
        number = press.ids[0]
        return cls(press.action, number) if number < ID_MAX else None


def _b(label: str, act: Act, id_: int = 0) -> Button:
    return (label, WorkoutButton(act, id_).encode())


# --- wording and keyboards --------------------------------------------------------------------

PICK_CLIENT = "🏋️ <b>Single workout</b>\n\nWho is it for? ({total} active client{s})"
NO_CLIENTS = (
    "🏋️ <b>Single workout</b>\n\nYou have no active clients yet. Add one with /newclient; "
    "once they accept your invite you can give them a workout here."
)
MENU_TEXT = "🏋️ <b>{client}</b>: give them a one-off workout, or change one of their next ones?"
NEW_BUTTON = "➕ New workout"
DAYS_BUTTON = "✏️ Change a day's workout"
ASK_SOURCE = (
    "🏋️ New workout for <b>{client}</b>\n\n"
    "Tap a template, or type the workout in one message, one exercise a line. "
    "An optional first line names it:\n"
    "<code>Leg day\nBack squat 3x5 @100kg rest 180\nRomanian deadlift 3x8 @60kg</code>"
)
MORE_TEMPLATES = "\n\n({more} more template{s} in /templates; type the workout to use one.)"
ASK_WHEN = (
    "When does <b>{client}</b> do <b>{title}</b>?\n\n"
    "Type a day and time in {client}'s time zone ({tz}), e.g. <code>thu 18:00</code>, "
    "<code>tomorrow 7am</code> or <code>{example} 07:30</code>."
)
CONFIRM_TEXT = "<b>Give {client} this workout?</b>\n\n🏋️ <b>{title}</b>\n🕒 {when}{yours}\n\n{lines}"
ASSIGNED = "✅ <b>{title}</b> is on {client}'s plan for {when}."
CLIENT_SEES = " They can see it with /today and /plan."
CLIENT_NOT_TOLD = "{client} hasn't joined Spotter yet, so they weren't notified."
CLIENT_NOTICE = "🏋️ <b>New workout from {trainer}</b>: {title}\n🕒 {when}\n\n{lines}"
SEE_PLAN = keyboard([[("🗓 See plan", "plan:show")]])
NOT_ASSIGNED = "Nothing was assigned. Send /workout to start again."
NO_DAYS = "{client} has no upcoming workouts to change. Give them one with ➕ New workout."
PICK_DAY = "✏️ Which of <b>{client}</b>'s next workouts? (times are yours)"
DAY_TEXT = (
    "✏️ <b>{title}</b> for <b>{client}</b>, {when}\n"
    "Changes here are for this day only; the program stays as it is.\n\n{lines}"
)
DAY_CHANGES = "\n\n<b>Changed so far:</b>\n{lines}"
ROW_TEXT = "<b>{name}</b> — {target}\n\nWhat should change for this day?"
ASK_TARGETS = (
    "New targets for <b>{name}</b> on this day, e.g. <code>3x5 @100kg rest 180</code> or "
    "<code>4x8-10 @rpe8</code>."
)
ASK_SWAP = "Replace <b>{name}</b> with what? Type its name, e.g. <code>leg press</code>."
PICK_SWAP = "Tap the replacement for <b>{name}</b>, or type another name."
ASK_ADD = "Type the exercise to add, with its targets, e.g. <code>Leg press 3x10 @120kg</code>."
CHANGED = "✅ Changed for {client}: {summary}"
CHANGE_NOTICE = "✏️ <b>{trainer} changed your workout</b> {title}, {when}:\n{summary}"
WHY = "\nWhy: {reason}"
ASK_REASON = (
    "✏️ <b>{title}</b> for <b>{client}</b>, {when}.\n\n"
    "Why change this day? {client} will see the reason with each change. Type it, e.g. "
    "<code>knee sore after Tuesday, lighter today</code>, or tap ⏭ No reason."
)
NO_REASON = "⏭ No reason"
REASON_NOTED = "Reason noted: <i>{reason}</i>\n\n"
TODAY = keyboard([[("📋 Today", "plan:today"), ("🗓 See plan", "plan:show")]])
USE_BUTTONS = "Please use the buttons above, or /cancel."
OLD_BUTTON = "That button is from an earlier step. Use the latest message, or /workout."


def day_text(day: date) -> str:
    """A day as the flows write it: ``Thu 26 Nov``."""
    return f"{day:%a} {day.day} {day:%b}"


def when_text(moment: datetime) -> str:
    """A moment as the flows write it: ``Thu 26 Nov 18:00``."""
    return f"{day_text(moment.date())} {moment:%H:%M}"


def plural_s(n: int) -> str:
    return "" if n == 1 else "s"


def _fit(text: str) -> str:
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[:MESSAGE_LIMIT].rsplit("\n", 1)[0] + "\n…"


def _state(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    found = data.get(KEY)
    if not isinstance(found, dict):
        found = {}
        data[KEY] = found
    return found


def _text(update: Update) -> str:
    assert update.effective_message is not None
    return update.effective_message.text or ""


def _pressed(update: Update) -> WorkoutButton | None:
    assert update.callback_query is not None
    return WorkoutButton.decode(update.callback_query.data)


def _svc(context: Context) -> WorkoutService:
    return WorkoutService(services(context).ctx)


async def _refuse(update: Update, error: DomainError | str) -> None:
    await answer(update, str(error)[:190], alert=True)


async def _say(update: Update, error: DomainError | str, markup: Any = None) -> None:
    """A typed step that can't be taken: say why below the person's message."""
    await show(update, esc(error), markup, edit=False)


# --- choosing the client ----------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = {}
    return await _clients(update, context, 0, edit=False)


async def _clients(update: Update, context: Context, page: int, *, edit: bool = True) -> int:
    try:
        result = await AssignmentChoices(services(context).ctx).client_page(
            identity(update).telegram_id, page
        )
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not result.total:
        await show(update, NO_CLIENTS, edit=edit)
        return END
    text = PICK_CLIENT.format(total=result.total, s=plural_s(result.total))
    await show(update, text, keyboard(_client_rows(result)), edit=edit)
    return CLIENT


def _client_rows(page: ClientPage) -> list[list[Button]]:
    rows: list[list[Button]] = [[_b(c.name, Act.CLIENT, c.profile_id)] for c in page.items]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(_b("◀️", Act.PAGE, page.page - 1))
    if page.page + 1 < page.pages:
        nav.append(_b("▶️", Act.PAGE, page.page + 1))
    if nav:
        rows.append(nav)
    return rows


async def client_page(update: Update, context: Context, button: WorkoutButton) -> int:
    return await _clients(update, context, button.id)


async def from_assign(update: Update, context: Context) -> int:
    """/assign's "One workout instead" button: this client's workout menu."""
    assert context.user_data is not None
    context.user_data[KEY] = {}
    button = _pressed(update)
    if button is None:
        await _refuse(update, OLD_BUTTON)
        return END
    return await pick_client(update, context, button)


async def pick_client(update: Update, context: Context, button: WorkoutButton) -> int:
    state = _state(context)
    state.clear()
    state["client"] = button.id
    rows = [[_b(NEW_BUTTON, Act.NEW, button.id)], [_b(DAYS_BUTTON, Act.DAYS, button.id)]]
    try:
        name, _days = await _svc(context).days(identity(update).telegram_id, button.id)
    except DomainError:
        name = None
    if name is None:
        # No right to change workouts: giving one may still be allowed.
        return await new_workout(update, context, button)
    await show(update, MENU_TEXT.format(client=esc(name)), keyboard(rows))
    return MENU


# --- giving a workout -------------------------------------------------------------------------


async def new_workout(update: Update, context: Context, button: WorkoutButton) -> int:
    try:
        client = await _svc(context).client(identity(update).telegram_id, button.id)
    except DomainError as error:
        await _refuse(update, error)
        return END if not _state(context).get("client") else MENU
    state = _state(context)
    state.clear()
    state.update(client=client.profile_id, client_name=client.name, tz=client.timezone)
    rows = [[_b(f"📄 {t.name}", Act.TEMPLATE, t.id)] for t in client.templates]
    text = ASK_SOURCE.format(client=esc(client.name))
    if client.more_templates:
        text += MORE_TEMPLATES.format(more=client.more_templates, s=plural_s(client.more_templates))
    await show(update, text, keyboard(rows) if rows else None)
    return SOURCE


async def _take_source(update: Update, context: Context, source: WorkoutSource) -> int:
    state = _state(context)
    try:
        title = await _svc(context).source(identity(update).telegram_id, source)
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
        else:
            await _say(update, error)
        return SOURCE
    state.update(title=title, template=source.template_id, text=source.text)
    example = example_day(services(context).ctx.clock.now().date()).isoformat()
    text = ASK_WHEN.format(
        client=esc(state["client_name"]), title=esc(title), tz=esc(state["tz"]), example=example
    )
    await show(update, text, edit=update.callback_query is not None)
    return WHEN


async def template_pressed(update: Update, context: Context, button: WorkoutButton) -> int:
    return await _take_source(update, context, WorkoutSource(template_id=button.id))


async def source_typed(update: Update, context: Context) -> int:
    return await _take_source(update, context, WorkoutSource(text=_text(update)))


def _draft(state: dict[str, Any]) -> WorkoutDraft:
    return WorkoutDraft(
        client_profile_id=int(state["client"]),
        source=WorkoutSource(template_id=state.get("template"), text=state.get("text")),
        starts_at=datetime.fromisoformat(state["at"]),
    )


def _confirm_text(preview: WorkoutPreview) -> str:
    yours = ""
    if preview.client_time.utcoffset() != preview.trainer_time.utcoffset():
        yours = f" in {esc(preview.client_timezone)} (yours: {when_text(preview.trainer_time)})"
    return _fit(
        CONFIRM_TEXT.format(
            client=esc(preview.client_name),
            title=esc(preview.title),
            when=when_text(preview.client_time),
            yours=yours,
            lines="\n".join(f"• {esc(line)}" for line in preview.lines),
        )
    )


CONFIRM_BUTTONS = keyboard([[_b("✅ Assign", Act.OK), _b("✖️ Cancel", Act.NO)]])


async def when_typed(update: Update, context: Context) -> int:
    state = _state(context)
    svc = _svc(context)
    who = identity(update).telegram_id
    try:
        at = await svc.when(who, int(state["client"]), _text(update))
        state["at"] = at.isoformat()
        preview = await svc.preview(who, _draft(state))
    except DomainError as error:
        state.pop("at", None)
        await _say(update, error)
        return WHEN
    await show(update, _confirm_text(preview), CONFIRM_BUTTONS, edit=False)
    return CONFIRM


async def confirm(update: Update, context: Context, button: WorkoutButton) -> int:
    state = _state(context)
    if "at" not in state:
        await _refuse(update, OLD_BUTTON)
        return END
    try:
        done = await _svc(context).assign(identity(update).telegram_id, _draft(state))
    except DomainError as error:
        state.clear()
        await show(update, f"{esc(error)}\n\n{NOT_ASSIGNED}")
        return END
    state.clear()
    preview = done.preview
    lines = "\n".join(f"• {esc(line)}" for line in preview.lines)
    name = esc(preview.client_name)
    said = CLIENT_NOT_TOLD.format(client=name)
    if done.client_telegram_id is not None:
        delivery = await notify(
            context,
            done.client_telegram_id,
            _fit(
                CLIENT_NOTICE.format(
                    trainer=esc(done.trainer_name),
                    title=esc(preview.title),
                    when=when_text(preview.client_time),
                    lines=lines,
                )
            ),
            SEE_PLAN,
        )
        said = told(name, delivery) + CLIENT_SEES
    text = ASSIGNED.format(
        title=esc(preview.title),
        client=esc(preview.client_name),
        when=when_text(preview.client_time),
    )
    await show(update, f"{text}\n{said}")
    return END


async def decline(update: Update, context: Context, button: WorkoutButton) -> int:
    _state(context).clear()
    await show(update, NOT_ASSIGNED)
    return END


# --- changing one day -------------------------------------------------------------------------


async def days(update: Update, context: Context, button: WorkoutButton) -> int:
    try:
        name, choices = await _svc(context).days(identity(update).telegram_id, button.id)
    except DomainError as error:
        await _refuse(update, error)
        return MENU
    state = _state(context)
    state.update(client=button.id, client_name=name)
    back = [_b("⬅️ Back", Act.CLIENT, button.id)]
    if not choices:
        await show(update, NO_DAYS.format(client=esc(name)), keyboard([back]))
        return MENU
    rows = [
        [_b(f"{when_text(c.starts_at)} · {c.title}"[:60], Act.DAY, c.session_id)] for c in choices
    ]
    rows.append(back)
    await show(update, PICK_DAY.format(client=esc(name)), keyboard(rows))
    return DAYS


def _day_text(view: DayView, prefix: str = "") -> str:
    lines = "\n".join(
        f"{i}. <b>{esc(e.name)}</b> — {esc(e.target)}" for i, e in enumerate(view.exercises, 1)
    )
    text = prefix + DAY_TEXT.format(
        title=esc(view.title),
        client=esc(view.client_name),
        when=when_text(view.starts_at),
        lines=lines or "—",
    )
    if view.changes:
        text += DAY_CHANGES.format(lines="\n".join(f"• {esc(c)}" for c in view.changes[-10:]))
    return _fit(text)


def _day_rows(view: DayView, client_id: int) -> list[list[Button]]:
    rows = [[_b(f"{i}. {e.name}"[:60], Act.ROW, e.row_id)] for i, e in enumerate(view.exercises, 1)]
    rows.append([_b("➕ Add an exercise", Act.ADD, view.session_id)])
    rows.append([_b("⬅️ Back", Act.DAYS, client_id)])
    return rows


async def _show_day(
    update: Update, context: Context, view: DayView, *, prefix: str = "", edit: bool = True
) -> int:
    state = _state(context)
    state.update(
        day=view.session_id,
        rows={str(e.row_id): [e.name, e.target] for e in view.exercises},
    )
    rows = _day_rows(view, int(state.get("client", 0)))
    await show(update, _day_text(view, prefix), keyboard(rows), edit=edit)
    return DAY


async def ask_reason(update: Update, context: Context, button: WorkoutButton) -> int:
    """A day picked from the list: ask once why it changes (optional), then show it."""
    try:
        view = await _svc(context).day(identity(update).telegram_id, button.id)
    except DomainError as error:
        await _refuse(update, error)
        return DAYS
    state = _state(context)
    state.update(day=view.session_id, reason=None)
    rows = [
        [_b(NO_REASON, Act.SKIP, view.session_id)],
        [_b("⬅️ Back", Act.DAYS, int(state.get("client", 0)))],
    ]
    text = ASK_REASON.format(
        title=esc(view.title), client=esc(view.client_name), when=when_text(view.starts_at)
    )
    await show(update, text, keyboard(rows))
    return REASON


async def skip_reason(update: Update, context: Context, button: WorkoutButton) -> int:
    if button.id != _state(context).get("day"):
        await _refuse(update, OLD_BUTTON)
        return REASON
    return await day(update, context, button)


async def reason_typed(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        reason = clean_reason(_text(update))
        view = await _svc(context).day(identity(update).telegram_id, int(state["day"]))
    except DomainError as error:
        await _say(update, error)
        return REASON
    state["reason"] = reason
    prefix = REASON_NOTED.format(reason=esc(reason))
    return await _show_day(update, context, view, prefix=prefix, edit=False)


def _reason(context: Context) -> str | None:
    reason = _state(context).get("reason")
    return str(reason) if reason else None


async def day(update: Update, context: Context, button: WorkoutButton) -> int:
    try:
        view = await _svc(context).day(identity(update).telegram_id, button.id)
    except DomainError as error:
        await _refuse(update, error)
        return DAYS
    return await _show_day(update, context, view)


async def row(update: Update, context: Context, button: WorkoutButton) -> int:
    state = _state(context)
    found = state.get("rows", {}).get(str(button.id))
    if found is None:
        await _refuse(update, OLD_BUTTON)
        return DAY
    state["row"] = button.id
    name, target = found
    rows = [
        [_b("🎯 Targets", Act.TARGETS, button.id), _b("🔁 Swap", Act.SWAP, button.id)],
        [_b("🗑 Remove", Act.REMOVE, button.id)],
        [_b("⬅️ Back", Act.DAY, int(state["day"]))],
    ]
    await show(update, ROW_TEXT.format(name=esc(name), target=esc(target)), keyboard(rows))
    return ROW


def _row_name(state: dict[str, Any], row_id: int) -> str | None:
    found = state.get("rows", {}).get(str(row_id))
    return None if found is None else str(found[0])


async def ask_targets(update: Update, context: Context, button: WorkoutButton) -> int:
    name = _row_name(_state(context), button.id)
    if name is None:
        await _refuse(update, OLD_BUTTON)
        return ROW
    await show(update, ASK_TARGETS.format(name=esc(name)))
    return TARGETS


async def ask_swap(update: Update, context: Context, button: WorkoutButton) -> int:
    name = _row_name(_state(context), button.id)
    if name is None:
        await _refuse(update, OLD_BUTTON)
        return ROW
    await show(update, ASK_SWAP.format(name=esc(name)))
    return SEARCH


async def ask_add(update: Update, context: Context, button: WorkoutButton) -> int:
    if button.id != _state(context).get("day"):
        await _refuse(update, OLD_BUTTON)
        return DAY
    await show(update, ASK_ADD)
    return ADD


async def _changed(update: Update, context: Context, done: DayChanged) -> int:
    view = done.view
    await notify(
        context,
        done.client_telegram_id,
        _fit(
            CHANGE_NOTICE.format(
                trainer=esc(done.trainer_name),
                title=esc(view.title),
                when=when_text(done.client_time),
                summary=esc(done.summary),
            )
            + (WHY.format(reason=esc(done.reason)) if done.reason else "")
        ),
        TODAY,
    )
    prefix = CHANGED.format(client=esc(view.client_name), summary=esc(done.summary))
    prefix += (WHY.format(reason=esc(done.reason)) if done.reason else "") + "\n\n"
    return await _show_day(
        update, context, view, prefix=prefix, edit=update.callback_query is not None
    )


async def targets_typed(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        done = await _svc(context).set_targets(
            identity(update).telegram_id,
            int(state["day"]),
            int(state["row"]),
            _text(update),
            reason=_reason(context),
        )
    except DomainError as error:
        await _say(update, error)
        return TARGETS
    return await _changed(update, context, done)


async def remove(update: Update, context: Context, button: WorkoutButton) -> int:
    state = _state(context)
    try:
        done = await _svc(context).remove(
            identity(update).telegram_id, int(state["day"]), button.id, reason=_reason(context)
        )
    except DomainError as error:
        await _refuse(update, error)
        return ROW
    return await _changed(update, context, done)


async def search_typed(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        hits = await AssignmentChoices(services(context).ctx).find_replacements(
            identity(update).telegram_id, _text(update)
        )
    except DomainError as error:
        await _say(update, error)
        return PICK if state.get("hits") else SEARCH
    state["hits"] = [h.id for h in hits]
    rows = [[_b(h.name[:60], Act.PICK, h.id)] for h in hits]
    rows.append([_b("⬅️ Back", Act.DAY, int(state["day"]))])
    name = _row_name(state, int(state["row"])) or ""
    await show(update, PICK_SWAP.format(name=esc(name)), keyboard(rows), edit=False)
    return PICK


async def pick(update: Update, context: Context, button: WorkoutButton) -> int:
    state = _state(context)
    if button.id not in state.get("hits", []):
        await _refuse(update, OLD_BUTTON)
        return PICK
    try:
        done = await _svc(context).swap(
            identity(update).telegram_id,
            int(state["day"]),
            int(state["row"]),
            button.id,
            reason=_reason(context),
        )
    except DomainError as error:
        await _refuse(update, error)
        return PICK
    state.pop("hits", None)
    return await _changed(update, context, done)


async def add_typed(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        done = await _svc(context).add(
            identity(update).telegram_id, int(state["day"]), _text(update), reason=_reason(context)
        )
    except DomainError as error:
        await _say(update, error)
        return ADD
    return await _changed(update, context, done)


async def use_buttons(update: Update, context: Context) -> None:
    await show(update, USE_BUTTONS, edit=False)


# --- wiring -----------------------------------------------------------------------------------

Handler = Any

DISPATCH: dict[int, dict[Act, Handler]] = {
    CLIENT: {Act.CLIENT: pick_client, Act.PAGE: client_page},
    MENU: {Act.NEW: new_workout, Act.DAYS: days, Act.CLIENT: pick_client},
    SOURCE: {Act.TEMPLATE: template_pressed},
    WHEN: {},
    CONFIRM: {Act.OK: confirm, Act.NO: decline},
    DAYS: {Act.DAY: ask_reason, Act.CLIENT: pick_client},
    DAY: {Act.ROW: row, Act.ADD: ask_add, Act.DAYS: days, Act.DAY: day},
    ROW: {Act.TARGETS: ask_targets, Act.SWAP: ask_swap, Act.REMOVE: remove, Act.DAY: day},
    TARGETS: {Act.DAY: day},
    SEARCH: {Act.DAY: day},
    PICK: {Act.PICK: pick, Act.DAY: day},
    ADD: {Act.DAY: day},
    REASON: {Act.SKIP: skip_reason, Act.DAYS: days},
}


def _dispatcher(step: int) -> Handler:
    table = DISPATCH[step]

    async def dispatch(update: Update, context: Context) -> int:
        button = _pressed(update)
        handler = table.get(button.act) if button is not None else None
        if button is None or handler is None:
            await _refuse(update, OLD_BUTTON)
            return step
        result: int = await handler(update, context, button)
        return result

    return dispatch


def build_handler() -> Flow:
    text = filters.TEXT & ~filters.COMMAND
    typed = {
        SOURCE: source_typed,
        WHEN: when_typed,
        TARGETS: targets_typed,
        SEARCH: search_typed,
        PICK: search_typed,
        ADD: add_typed,
        REASON: reason_typed,
    }
    states: dict[object, list[Any]] = {}
    for step in DISPATCH:
        states[step] = [
            CallbackQueryHandler(_dispatcher(step), pattern=rf"^{PREFIX}:"),
            MessageHandler(text, typed.get(step, use_buttons)),
        ]
    return Flow(
        "workout",
        entry_points=[
            CommandHandler("workout", start),
            CallbackQueryHandler(from_assign, pattern=rf"^{PREFIX}:{Act.OPEN.value}:\d+$"),
        ],
        states=states,
    )
