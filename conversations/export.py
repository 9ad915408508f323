"""/export (trainers): client data as each client permits, and the template/program library."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.exports import ClientChoice, ExportBundle, ExportService
from conversations.common import Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import button, command

MAX_CLIENT_BUTTONS = 30

# --- wording and keyboards -------------------------------------------------------------------

MENU = (
    "📤 <b>Export</b>\n\n"
    "• <b>Client data</b>: sessions and sets as CSV plus an adherence summary, with only what "
    "each client lets you see.\n"
    "• <b>Templates &amp; programs</b>: your library as a JSON file. Send that file back to me "
    "(or to another Spotter bot) to import it.\n\n"
    "What would you like to export?"
)
NO_CLIENTS_NOTE = "\n\nYou have no current clients, so only your library can be exported."
PICK_CLIENT = "Whose data? Pick a client, or export all of them at once."
CLIENT_DONE = "✅ Exported {what}: {sessions}, {sets}."
NOTHING = "There is nothing to export for {what} yet: no sessions, and no adherence shared."
LEFT_OUT = "\n\nLeft out, as the client decided:\n{items}"
LIBRARY_DONE = "✅ Your library: {templates} and {programs}. Send the file back to me to import it."
STALE = "This export button is not valid any more. Send /export again."


def _menu(has_clients: bool) -> InlineKeyboardMarkup:
    rows = []
    if has_clients:
        rows.append([("👥 Client data", "xp:clients")])
    rows.append([("📚 Templates & programs", "xp:lib")])
    return keyboard(rows)


def _clients_keyboard(clients: tuple[ClientChoice, ...]) -> InlineKeyboardMarkup:
    rows = [[("👥 All clients", "xp:all")]]
    rows += [
        [(client.name[:40], f"xp:c:{client.profile_id}")] for client in clients[:MAX_CLIENT_BUTTONS]
    ]
    return keyboard(rows)


def _done_text(bundle: ExportBundle, what: str) -> str:
    if not bundle.files:
        text = NOTHING.format(what=esc(what))
    else:
        text = CLIENT_DONE.format(
            what=esc(what),
            sessions=plural(bundle.sessions, "session"),
            sets=plural(bundle.sets, "set"),
        )
    if bundle.left_out:
        text += LEFT_OUT.format(items="\n".join(f"• {esc(item)}" for item in bundle.left_out))
    return text


# --- handlers ---------------------------------------------------------------------------------


async def export(update: Update, context: Context) -> None:
    try:
        clients = await ExportService(services(context).ctx).clients(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return
    text = MENU + ("" if clients else NO_CLIENTS_NOTE)
    await show(update, text, _menu(bool(clients)), edit=False)


async def pick_client(update: Update, context: Context) -> None:
    try:
        clients = await ExportService(services(context).ctx).clients(identity(update).telegram_id)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    if not clients:
        await answer(update, "You have no current clients to export.", alert=True)
        return
    await show(update, PICK_CLIENT, _clients_keyboard(clients))


async def export_clients(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    data = update.callback_query.data or ""
    profile_id: int | None = None
    if data != "xp:all":
        raw = data.rsplit(":", 1)[-1]
        if not raw.isdigit():
            await answer(update, STALE, alert=True)
            return
        profile_id = int(raw)
    svc = ExportService(services(context).ctx)
    try:
        bundle = await svc.trainer_export(identity(update).telegram_id, profile_id)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(update, _done_text(bundle, bundle.label))
    await _send(update, bundle)


async def export_library(update: Update, context: Context) -> None:
    try:
        file, templates, programs = await ExportService(services(context).ctx).library(
            identity(update).telegram_id
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(
        update,
        LIBRARY_DONE.format(
            templates=plural(templates, "template"), programs=plural(programs, "program")
        ),
    )
    chat = update.effective_chat
    if chat is not None:
        await chat.send_document(document=file.data, filename=file.filename, caption=file.caption)


async def _send(update: Update, bundle: ExportBundle) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    for file in bundle.files:
        await chat.send_document(document=file.data, filename=file.filename, caption=file.caption)


def build_handler() -> list[object]:
    return [
        command("export", export),
        button(r"^xp:clients$", pick_client),
        button(r"^xp:(all|c:.*)$", export_clients),
        button(r"^xp:lib$", export_library),
    ]
