"""/mydata: everything Spotter stores about you, as documents in this chat."""

from __future__ import annotations

from telegram import Update

from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.exports import ExportBundle, ExportService
from conversations.common import Context, esc, identity, show
from conversations.container import services
from conversations.flow import command

# --- wording ---------------------------------------------------------------------------------

INTRO = (
    "📦 <b>Your data</b>\n\n"
    "Here is everything Spotter stores about you:\n"
    "• a JSON file with your profile, measurements, coaching relationships and permissions, "
    "sessions, sets, feedback, alerts about you, and your photo and media references;\n"
    "• your workout history ({sessions}, {sets}) as CSV for <b>Strong</b> and "
    "for <b>Hevy</b>, so you can take it to those apps.\n\n"
    "Your history stays yours, also after a coaching relationship ends. "
    "To erase your data, send /deleteme."
)


def _intro(bundle: ExportBundle) -> str:
    return INTRO.format(
        sessions=plural(bundle.sessions, "session"), sets=plural(bundle.sets, "set")
    )


# --- handlers ---------------------------------------------------------------------------------


async def mydata(update: Update, context: Context) -> None:
    try:
        bundle = await ExportService(services(context).ctx).my_data(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return
    await show(update, _intro(bundle), edit=False)
    chat = update.effective_chat
    if chat is None:
        return
    for file in bundle.files:
        await chat.send_document(document=file.data, filename=file.filename, caption=file.caption)


def build_handler() -> list[object]:
    return [command("mydata", mydata)]
