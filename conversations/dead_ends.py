"""Commands a person's role can't use: say what the command is for and how to get that role.

This module's handler comes first. A trainer-only command from someone who is not a trainer
(a client, or someone not set up yet), or a client-only command from someone who is not a
client, is answered here with the command's purpose and a button that gives them the role
(the /start flow's ``become:<role>`` entry point); nothing later sees it. Anyone with the
role passes straight on to the command's own flow.

The buttons of those commands' screens are gated the same way: an old button of a trainer's
screen pressed by someone who is not (or no longer) a trainer gets the same explanation and
button, not the screen's service error.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler

from coaching.domain.enums import Role
from coaching.services.users import UserService
from conversations.common import Context, esc, identity, keyboard, show
from conversations.container import services
from conversations.menus import CLIENT_COMMANDS, TRAINER_COMMANDS
from conversations.start import BECOME, Become
from conversations.typed_buttons import owning_prefix

TRAINER_ONLY: frozenset[str] = frozenset(
    {
        "dashboard",
        "clients",
        "newclient",
        "schedule",
        "templates",
        "programs",
        "exercises",
        "assign",
        "alerts",
        "profile",
        "export",
    }
)
CLIENT_ONLY: frozenset[str] = frozenset({"today", "plan", "permissions", "injury", "progress"})
# The first part of the callback data of each role-gated screen's buttons, and its command.
# Buttons both roles use (feedback, reminders, threads, logging) are not listed.
BUTTON_SCREENS: dict[str, str] = {
    "db": "dashboard",
    "pg": "dashboard",
    "pc": "dashboard",
    "al": "alerts",
    "at": "alerts",
    "ak": "alerts",
    "cl": "clients",
    "nc": "newclient",
    "sch": "schedule",
    "bk": "schedule",
    "tpl": "templates",
    "prg": "programs",
    "ex": "exercises",
    "asg": "assign",
    "pf": "profile",
    "xp": "export",
    "perm": "permissions",
    "plan": "plan",
    "mp": "progress",
}
PURPOSE = dict((*TRAINER_COMMANDS, *CLIENT_COMMANDS))

# --- wording and keyboards -------------------------------------------------------------------

FOR_TRAINERS = "/{command} is for trainers: {purpose}."
FOR_CLIENTS = "/{command} is for clients: {purpose}."
CLIENT_BECOMES_TRAINER = (
    "You're registered as a client. If you coach people too, tap below to become a trainer "
    "as well: you stay your trainer's client, and your menu gets the trainer commands."
)
NEWCOMER_BECOMES_TRAINER = (
    "You're not set up yet. Tap below to start as a trainer (it takes one more step: your "
    "time zone)."
)
TRAINER_BECOMES_CLIENT = (
    "You're registered as a trainer. To train with someone as their client, open the invite "
    "link your trainer sent you, or tap below to become a client too and find a trainer with "
    "/trainers."
)
NEWCOMER_BECOMES_CLIENT = (
    "You're not set up yet. If your trainer sent you an invite link, open it; or tap below to "
    "start as a client (one more step: your time zone)."
)
BECOME_TRAINER = "🏋️ Become a trainer too"
START_TRAINER = "🏋️ Start as a trainer"
BECOME_CLIENT = "🙋 Become a client too"
START_CLIENT = "🙋 Start as a client"
TRAINER_DATA = BECOME.encode(Become.TRAINER)
CLIENT_DATA = BECOME.encode(Become.CLIENT)


def dead_end_text(command: str, roles: frozenset[Role], onboarded: bool) -> tuple[str, str, str]:
    """The explanation, the button's label and its data, for a command this role can't use."""
    purpose = esc(PURPOSE.get(command, "").rstrip(".") or "not for you yet")
    newcomer = not onboarded or not roles
    if command in TRAINER_ONLY:
        head = FOR_TRAINERS.format(command=command, purpose=purpose[:1].lower() + purpose[1:])
        tail = NEWCOMER_BECOMES_TRAINER if newcomer else CLIENT_BECOMES_TRAINER
        label = START_TRAINER if newcomer else BECOME_TRAINER
        return f"{head}\n\n{tail}", label, TRAINER_DATA
    head = FOR_CLIENTS.format(command=command, purpose=purpose[:1].lower() + purpose[1:])
    tail = NEWCOMER_BECOMES_CLIENT if newcomer else TRAINER_BECOMES_CLIENT
    label = START_CLIENT if newcomer else BECOME_CLIENT
    return f"{head}\n\n{tail}", label, CLIENT_DATA


def _command(update: Update) -> str:
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    return text.split(maxsplit=1)[0].lstrip("/").split("@", 1)[0].casefold() if text else ""


def _screen(update: Update) -> str:
    """The command whose screen a pressed button belongs to ("" if none is gated)."""
    query = update.callback_query
    prefix = owning_prefix(query.data if query is not None else None, BUTTON_SCREENS)
    return BUTTON_SCREENS.get(prefix or "", "")


async def role_gate(update: Update, context: Context) -> None:
    """Answer a command, or a button of its screen, the person's role can't use; let everyone
    else through."""
    command = _screen(update) if update.callback_query is not None else _command(update)
    if not command:
        return
    needed = Role.TRAINER if command in TRAINER_ONLY else Role.CLIENT
    view = await UserService(services(context).ctx).get(identity(update).telegram_id)
    roles = view.roles if view is not None else frozenset()
    onboarded = view is not None and view.onboarded
    if needed in roles:
        return  # their command: the next groups answer it (and say if set-up is unfinished)
    text, label, data = dead_end_text(command, roles, onboarded)
    await show(update, text, keyboard([[(label, data)]]), edit=False)
    raise ApplicationHandlerStop


def build_handler() -> list[BaseHandler[Update, Context, None]]:
    screens = "|".join(sorted(BUTTON_SCREENS))
    return [
        CommandHandler(sorted(TRAINER_ONLY | CLIENT_ONLY), role_gate),
        CallbackQueryHandler(role_gate, pattern=rf"^(?:{screens}):"),
    ]
