"""/templates: session templates.

A trainer lists, creates, edits, copies and archives templates; the list, copy and archive are
the shared :class:`~conversations.library_flow.Library`, and the exercises go in through the
shared :class:`~conversations.exercise_entry.ExerciseEntry` (the program flow uses both too).

Every button carries the ids it acts on; the services re-check them against the acting user.
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler

from coaching.errors import DomainError
from coaching.services.templates import (
    ParentKind,
    TemplateField,
    TemplateService,
    TemplateSummary,
    TemplateView,
)
from conversations.common import Button, Context, esc, identity, keyboard, show
from conversations.container import services
from conversations.exercise_entry import ExerciseEntry, render_rows
from conversations.fields import (
    Codes,
    FieldEditor,
    difficulty_choice,
    error_text,
    message_text,
    refuse,
)
from conversations.flow import Flow
from conversations.howto import howto_rows
from conversations.library_flow import (
    TEXT,
    Library,
    LibraryAction,
    LibraryWording,
    PressHandler,
    button_handler,
    plain,
)
from conversations.typed_buttons import ButtonCodec

EXPIRED = "This button has expired. Send /templates to start again."

# --------------------------------------------------------------------------------------------
# /templates
# --------------------------------------------------------------------------------------------

LIST, NAME, VIEW, VALUE = "tpl_list", "tpl_name", "tpl_view", "tpl_value"

LIST_HEADER = "📋 <b>Your session templates</b> ({total})"
LIST_EMPTY = (
    "📋 <b>Session templates</b>\n\nYou have no templates yet. A template is a session you "
    "can reuse: its exercises with sets, reps, load and rest. Tap <b>New template</b>."
)
ASK_NAME = "What's the new template called? e.g. <code>Lower body A</code>"
ASK_VALUE = {
    TemplateField.NAME: "Send the new name, e.g. <code>Lower body A</code>.",
    TemplateField.DESCRIPTION: "Send a description, e.g. <code>Heavy squat day</code>.",
    TemplateField.CATEGORY: "Send a category, e.g. <code>Strength</code>.",
    TemplateField.DURATION: "How long does it take? e.g. <code>60</code> or <code>1h15</code>.",
    TemplateField.EQUIPMENT: "List the equipment, separated by commas, e.g. "
    "<code>barbell, rack, bench</code>.",
    TemplateField.NOTES: "Send your notes for this template.",
}
FIELD_LABELS = {
    TemplateField.NAME: "Name",
    TemplateField.DESCRIPTION: "Description",
    TemplateField.CATEGORY: "Category",
    TemplateField.DIFFICULTY: "Difficulty",
    TemplateField.DURATION: "Duration",
    TemplateField.EQUIPMENT: "Equipment",
    TemplateField.NOTES: "Notes",
}
IDLE_TEXT = "Tap one of the buttons above, or send /cancel to leave /templates."
CONFIRM_ARCHIVE = (
    "Archive <b>{name}</b>? It leaves your list. Programs and history that used it keep it."
)


def template_text(view: TemplateView, notice: str = "") -> str:
    facts = [
        part
        for part in (
            view.difficulty.value.title() if view.difficulty else None,
            f"{view.duration_minutes} min" if view.duration_minutes else None,
            esc(view.category) if view.category else None,
        )
        if part
    ]
    lines = [notice] if notice else []
    lines.append(f"📋 <b>{esc(view.name)}</b>")
    if facts:
        lines.append(" · ".join(facts))
    if view.equipment:
        lines.append("Equipment: " + esc(", ".join(view.equipment)))
    if view.description:
        lines.append(f"<i>{esc(view.description)}</i>")
    if view.notes:
        lines.append(f"Notes: {esc(view.notes)}")
    lines.append("")
    lines.append(render_rows(view.exercises, view.units))
    return "\n".join(lines)


class TemplateAction(StrEnum):
    """The template's own buttons (the detail editor's codes)."""

    DETAILS = "det"
    DETAIL = "df"
    DIFFICULTY = "dv"
    CLEAR = "dc"


BUTTONS = ButtonCodec("tpl", TemplateAction, words=True)


def _service(context: Context) -> TemplateService:
    return TemplateService(services(context).ctx)


def _list_line(item: TemplateSummary) -> str:
    extra = f" · {item.duration_minutes} min" if item.duration_minutes else ""
    return f"• {esc(item.name)}{extra}"


async def show_template(update: Update, context: Context, template_id: int, notice: str) -> object:
    try:
        view = await _service(context).get(identity(update).telegram_id, template_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    lib = LIBRARY.data
    rows = ENTRY.edit_buttons(view.id)
    rows += howto_rows((e.exercise_id, e.exercise_name) for e in view.exercises)
    rows += [
        [
            ("✏️ Edit details", BUTTONS.encode(TemplateAction.DETAILS, view.id)),
            ("📄 Copy", lib(LibraryAction.COPY, view.id)),
        ],
        [
            ("📦 Archive", lib(LibraryAction.ARCHIVE, view.id)),
            ("⬅️ All templates", lib(LibraryAction.LIST, 0)),
        ],
    ]
    await show(update, template_text(view, notice), keyboard(rows))
    return VIEW


ENTRY = ExerciseEntry("tpl", ParentKind.TEMPLATE, show_template, VIEW)


async def on_new(update: Update, context: Context) -> object:
    back: Button = ("⬅️ Back", LIBRARY.data(LibraryAction.LIST, 0))
    await show(update, ASK_NAME, keyboard([[back]]))
    return NAME


LIBRARY: Library[TemplateSummary, TemplateView] = Library(
    prefix="tpl",
    wording=LibraryWording(
        header=LIST_HEADER,
        empty=LIST_EMPTY,
        new_button="➕ New template",
        confirm_archive=CONFIRM_ARCHIVE,
        idle=IDLE_TEXT,
        expired=EXPIRED,
    ),
    service=_service,
    line=_list_line,
    show_item=show_template,
    start_new=on_new,
    list_state=LIST,
    view_state=VIEW,
    forget=(ENTRY.key,),
)
templates_command = LIBRARY.command


async def on_name(update: Update, context: Context) -> object:
    try:
        view = await _service(context).create(identity(update).telegram_id, message_text(update))
    except DomainError as error:
        await show(update, f"{error_text(error)}\n\n{ASK_NAME}")
        return NAME
    notice = f"✅ Template <b>{esc(view.name)}</b> created."
    return await ENTRY.start(update, context, view.id, view.name, notice)


DETAILS = FieldEditor(
    prefix="tpl",
    codes=Codes(menu="det", pick="df", clear="dc", item="open"),
    kind=TemplateField,
    labels=FIELD_LABELS,
    prompts=ASK_VALUE,
    required=frozenset({TemplateField.NAME}),
    choice=difficulty_choice(TemplateField.DIFFICULTY, "dv"),
    id_key="id",
    value_state=VALUE,
    view_state=VIEW,
    expired=EXPIRED,
    load=lambda context: _service(context).get,
    save=lambda context: _service(context).set_detail,
    render=template_text,
    show_item=show_template,
    gone=ENTRY.gone,
)


def build_handler() -> list[object]:
    details: dict[TemplateAction, PressHandler[TemplateAction]] = {
        TemplateAction(code): plain(callback) for code, callback in DETAILS.routes()
    }
    buttons = [
        LIBRARY.handler(),
        button_handler(BUTTONS, details, EXPIRED),
        ENTRY.handler(),
        LIBRARY.stale_handler(),
    ]
    flow = Flow(
        "templates",
        entry_points=[CommandHandler("templates", templates_command), *buttons],
        states={
            LIST: [LIBRARY.idle_handler()],
            VIEW: [LIBRARY.idle_handler()],
            NAME: [MessageHandler(TEXT, on_name)],
            VALUE: [MessageHandler(TEXT, DETAILS.on_value)],
            **ENTRY.states(),
        },
    )
    return [flow]
