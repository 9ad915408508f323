"""/deleteme: erase your personal data, after an explicit confirmation.

Confirm by typing DELETE, or by pressing the erase button and then its "Yes, erase" button.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.erasure import ErasurePreview, ErasureService
from conversations.common import END, Context, answer, esc, identity, keyboard, notify, show
from conversations.container import services
from conversations.flow import Flow

CONFIRM, SURE = range(2)
CONFIRM_WORD = "DELETE"

# --- wording and keyboards -------------------------------------------------------------------

WARNING = (
    "⚠️ <b>Erase your personal data</b>\n\n"
    "This permanently erases:\n"
    "• your profile{profiles}: name, contact details, date of birth, body data, goals, "
    "injuries and medical notes;\n"
    "• {measurements} and {photos};\n"
    "• your feedback, your own workout log ({sessions} in all) and your settings.\n\n"
    "{trainers}"
    "Trainers keep only anonymous records of sessions they ran with you.\n\n"
    "💡 Want a copy first? Send /mydata before you go.\n\n"
    "To confirm, type <b>DELETE</b> (in capitals), or press the button twice. "
    "/cancel keeps everything."
)
TRAINERS = "Your coaching with {names} ends, and they will be told.\n\n"
ERASE_BUTTONS = keyboard([[("🗑 Erase my data", "dm:1")], [("Keep my data", "dm:no")]])
SURE_TEXT = (
    "Are you absolutely sure? This <b>cannot be undone</b>.\n\n"
    "Press <b>Yes, erase everything</b>, or type DELETE."
)
SURE_BUTTONS = keyboard([[("🗑 Yes, erase everything", "dm:2")], [("Keep my data", "dm:no")]])
TYPE_DELETE = (
    "To confirm, type <b>DELETE</b> in capital letters (you typed something else), "
    "or send /cancel to keep your data."
)
KEPT = "Nothing was erased. Your data is as it was."
ERASED = (
    "✅ <b>Your personal data has been erased.</b>\n\n"
    "Reminders are cancelled and your coaching relationships have ended. "
    "If you ever want to come back, send /start."
)
TRAINER_TOLD = (
    "ℹ️ Your client <b>{name}</b> erased their personal data in Spotter. Your coaching "
    "relationship has ended; your session records are kept anonymously."
)
STALE = "This button has expired. Send /deleteme to start again."


def _warning(preview: ErasurePreview) -> str:
    names = ", ".join(esc(n) for n in preview.trainers)
    return WARNING.format(
        profiles="s" if preview.profiles > 1 else "",
        measurements=plural(preview.measurements, "measurement"),
        photos=plural(preview.photos, "progress photo"),
        sessions=plural(preview.sessions, "session"),
        trainers=TRAINERS.format(names=names) if preview.trainers else "",
    )


# --- handlers ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    try:
        preview = await ErasureService(services(context).ctx).preview(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    await show(update, _warning(preview), ERASE_BUTTONS, edit=False)
    return CONFIRM


async def first_press(update: Update, context: Context) -> int:
    await show(update, SURE_TEXT, SURE_BUTTONS)
    return SURE


async def second_press(update: Update, context: Context) -> int:
    return await _erase(update, context)


async def typed(update: Update, context: Context) -> int | None:
    message = update.effective_message
    if message is not None and (message.text or "").strip() == CONFIRM_WORD:
        return await _erase(update, context)
    await show(update, TYPE_DELETE, edit=False)
    return None


async def keep(update: Update, context: Context) -> int:
    await show(update, KEPT)
    return END


async def stale(update: Update, context: Context) -> int | None:
    await answer(update, STALE, alert=True)
    return None


async def _erase(update: Update, context: Context) -> int:
    try:
        done = await ErasureService(services(context).ctx).erase(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error))
        return END
    context.application.drop_user_data(done.telegram_id)
    await show(update, ERASED, edit=update.callback_query is not None)
    for notice in done.notices:
        await notify(context, notice.telegram_id, TRAINER_TOLD.format(name=esc(notice.client_name)))
    return END


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "deleteme",
        entry_points=[CommandHandler("deleteme", start)],
        states={
            CONFIRM: [
                CallbackQueryHandler(first_press, pattern=r"^dm:1$"),
                CallbackQueryHandler(keep, pattern=r"^dm:no$"),
                CallbackQueryHandler(stale, pattern=r"^dm:"),
                MessageHandler(text, typed),
            ],
            SURE: [
                CallbackQueryHandler(second_press, pattern=r"^dm:2$"),
                CallbackQueryHandler(keep, pattern=r"^dm:no$"),
                CallbackQueryHandler(stale, pattern=r"^dm:"),
                MessageHandler(text, typed),
            ],
        },
    )
    return [flow]
