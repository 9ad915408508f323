"""/export (trainers): client data as each client permits, and the template/program library."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Final

from telegram import InlineKeyboardMarkup, Update

from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.exports import ClientChoice, ExportBundle, ExportService
from conversations.common import Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import button, command
from conversations.typed_buttons import ButtonCodec, Press

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


class Xp(StrEnum):
    CLIENTS = "clients"
    LIBRARY = "lib"
    ALL = "all"
    CLIENT = "c"


EXPORT: Final = ButtonCodec("xp", Xp)


def _menu(has_clients: bool) -> InlineKeyboardMarkup:
    rows = []
    if has_clients:
        rows.append([("👥 Client data", EXPORT.encode(Xp.CLIENTS))])
    rows.append([("📚 Templates & programs", EXPORT.encode(Xp.LIBRARY))])
    return keyboard(rows)


def _clients_keyboard(clients: tuple[ClientChoice, ...]) -> InlineKeyboardMarkup:
    rows = [[("👥 All clients", EXPORT.encode(Xp.ALL))]]
    rows += [
        [(client.name[:40], EXPORT.encode(Xp.CLIENT, client.profile_id))]
        for client in clients[:MAX_CLIENT_BUTTONS]
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


async def pick_client(update: Update, context: Context, pressed: Press[Xp]) -> None:
    try:
        clients = await ExportService(services(context).ctx).clients(identity(update).telegram_id)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    if not clients:
        await answer(update, "You have no current clients to export.", alert=True)
        return
    await show(update, PICK_CLIENT, _clients_keyboard(clients))


async def export_clients(update: Update, context: Context, pressed: Press[Xp]) -> None:
    profile_id = pressed.id()
    svc = ExportService(services(context).ctx)
    try:
        bundle = await svc.trainer_export(identity(update).telegram_id, profile_id)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(update, _done_text(bundle, bundle.label))
    await _send(update, bundle)


async def export_library(update: Update, context: Context, pressed: Press[Xp]) -> None:
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


_Handler = Callable[[Update, Context, Press[Xp]], Awaitable[None]]
# Each button: its handler, and how many ids it carries (no button carries a word).
_HANDLERS: Final[dict[Xp, tuple[_Handler, int]]] = {
    Xp.CLIENTS: (pick_client, 0),
    Xp.LIBRARY: (export_library, 0),
    Xp.ALL: (export_clients, 0),
    Xp.CLIENT: (export_clients, 1),
}


async def on_button(update: Update, context: Context) -> None:
    """Every /export button; one not in its action's shape is answered as stale."""
    assert update.callback_query is not None
    pressed = EXPORT.decode(update.callback_query.data)
    if pressed is None:
        await answer(update, STALE, alert=True)
        return
    handler, ids = _HANDLERS[pressed.action]
    if len(pressed.ids) != ids or pressed.word is not None:
        await answer(update, STALE, alert=True)
        return
    await handler(update, context, pressed)


def build_handler() -> list[object]:
    return [
        command("export", export),
        # The data these buttons have always had: a forged client button is answered as stale.
        button(r"^xp:(?:clients|lib|all|c:.*)$", on_button),
    ]
