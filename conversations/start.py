"""/start: register, pick a role and a time zone. /help: what you can do."""

from __future__ import annotations

from enum import StrEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import Role
from coaching.errors import DomainError
from coaching.services.users import UserService, UserView
from conversations.common import END, Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import Flow, command, conversation_state
from conversations.menus import CLIENT_COMMANDS, TRAINER_COMMANDS, commands_for, set_menu_for
from conversations.typed_buttons import ButtonCodec

ROLE, TIMEZONE = range(2)
FLOW_NAME = "start"

# --- wording and keyboards -------------------------------------------------------------------

WELCOME = (
    "👋 <b>Welcome to Spotter</b>, {name}!\n\n"
    "Spotter runs personal training from this chat: programs, live set logging, reminders "
    "and feedback.\n\nAre you a trainer or a client? (A trainer can also be someone's client.)"
)


class Step(StrEnum):
    """The /start flow's buttons: ``start:role:<role>`` and ``start:tz:<zone>``."""

    ROLE = "role"
    ZONE = "tz"


START = ButtonCodec("start", Step, words=True)
PICKED_ROLES = {
    "trainer": frozenset({Role.TRAINER}),
    "client": frozenset({Role.CLIENT}),
    "both": frozenset({Role.TRAINER, Role.CLIENT}),
}
ROLE_BUTTONS = keyboard(
    [
        [
            ("🏋️ I'm a trainer", START.encode(Step.ROLE, word="trainer")),
            ("🙋 I'm a client", START.encode(Step.ROLE, word="client")),
        ],
        [("Both", START.encode(Step.ROLE, word="both"))],
    ]
)
COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "UTC",
)
ASK_TIMEZONE = (
    "Which <b>time zone</b> are you in? Reminders and schedules use it.\n\n"
    "Pick one below, or type your city or the zone's name, e.g. <code>Madrid</code>, "
    "<code>New York</code> or <code>Europe/Madrid</code>."
)
ZONE_BUTTONS = keyboard(
    [
        [(zone, START.encode(Step.ZONE, word=zone)) for zone in COMMON_ZONES[i : i + 3]]
        for i in range(0, len(COMMON_ZONES), 3)
    ]
)
ROLE_TEXT = {
    frozenset({Role.TRAINER}): "a trainer",
    frozenset({Role.CLIENT}): "a client",
    frozenset({Role.TRAINER, Role.CLIENT}): "a trainer and a client",
}
DONE = (
    "✅ <b>All set</b>, {name}! You're registered as {role}, in {tz}.\n\n"
    "{next_steps}\n\nSend /help any time to see what you can do."
)
TRAINER_NEXT = "Start with /newclient to add a client and get an invite link."
CLIENT_NEXT = (
    "If your trainer sent you an invite link, open it now. Or find one with /trainers, "
    "or log your own workout with /log."
)
WELCOME_BACK = "Welcome back, {name}! Send /help to see what you can do."
WELCOME_BACK_ONE_ROLE = (
    "Welcome back, {name}! You're registered as {role}. Send /help to see what you can do."
)
BECAME = (
    "✅ You're now {role}, {name}.\n\n{next_steps}\n\nSend /help any time to see what you can do."
)


class Become(StrEnum):
    """A button that gives the person a role (``become:<role>``)."""

    TRAINER = "trainer"
    CLIENT = "client"


BECOME = ButtonCodec("become", Become)
BECOME_ROLES = {Become.TRAINER: Role.TRAINER, Become.CLIENT: Role.CLIENT}
ADD_TRAINER = ("🏋️ Become a trainer too", BECOME.encode(Become.TRAINER))
ADD_CLIENT = ("🙋 Become a client too", BECOME.encode(Become.CLIENT))
HELP_HEADER = "<b>Spotter</b> — here is what you can do:\n"
HELP_NEWCOMER = "Send /start to register as a trainer or a client."
HELP_AT_ROLE = (
    "You're setting up Spotter: tap <b>I'm a trainer</b>, <b>I'm a client</b> or <b>Both</b> "
    "above to go on."
)
HELP_AT_TIMEZONE = (
    "You're setting up Spotter: pick your time zone above (or type it, e.g. "
    "<code>Europe/London</code> or <code>madrid</code>) to finish."
)
HELP_UNFINISHED = "You're almost set up: send /start to pick your time zone and finish."


def _next_steps(view: UserView) -> str:
    parts = []
    if view.is_trainer:
        parts.append(TRAINER_NEXT)
    if view.is_client:
        parts.append(CLIENT_NEXT)
    return "\n".join(parts)


# --- handlers ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    """Register the user; a newcomer picks a role, anyone else is welcomed back."""
    svc = UserService(services(context).ctx)
    view, _created = await svc.register(identity(update))
    if view.onboarded:
        await _welcome_back(update, view)
        return END
    if view.roles:
        await show(update, ASK_TIMEZONE, ZONE_BUTTONS, edit=False)
        return TIMEZONE
    await show(update, WELCOME.format(name=esc(view.first_name)), ROLE_BUTTONS, edit=False)
    return ROLE


async def _welcome_back(update: Update, view: UserView) -> None:
    """Welcome back; someone with one role is offered the other, so /start is no dead end."""
    name = esc(view.first_name)
    if view.is_trainer and view.is_client:
        await show(update, WELCOME_BACK.format(name=name), edit=False)
        return
    role = ROLE_TEXT.get(view.roles, "a member")
    button = ADD_CLIENT if view.is_trainer else ADD_TRAINER
    text = WELCOME_BACK_ONE_ROLE.format(name=name, role=role)
    await show(update, text, keyboard([[button]]), edit=False)


async def become(update: Update, context: Context) -> int:
    """``become:<role>``: add a role (from a command the person's role can't use, or from
    /start); a newcomer then picks a time zone as in /start."""
    assert update.callback_query is not None
    press = BECOME.decode(update.callback_query.data)
    role = BECOME_ROLES.get(press.action) if press is not None and not press.ids else None
    if role is None:
        await answer(update, "This button has expired. Send /start to begin.", alert=True)
        return END
    svc = services(context)
    users = UserService(svc.ctx)
    await users.register(identity(update))
    view = await users.choose_roles(identity(update).telegram_id, frozenset({role}))
    if not view.onboarded:
        await show(update, ASK_TIMEZONE, ZONE_BUTTONS)
        return TIMEZONE
    text = BECAME.format(
        role=ROLE_TEXT.get(view.roles, "a member"),
        name=esc(view.first_name),
        next_steps=TRAINER_NEXT if role is Role.TRAINER else CLIENT_NEXT,
    )
    await show(update, text)
    if update.effective_chat is not None:
        await set_menu_for(context.bot, update.effective_chat.id, view.roles, svc.commands)
    return END


async def pick_role(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    press = START.decode(update.callback_query.data)
    roles = PICKED_ROLES.get(press.word or "") if press is not None and not press.ids else None
    if roles is None:
        await show(update, WELCOME.format(name=esc(identity(update).first_name)), ROLE_BUTTONS)
        return ROLE
    await UserService(services(context).ctx).choose_roles(identity(update).telegram_id, roles)
    await show(update, ASK_TIMEZONE, ZONE_BUTTONS)
    return TIMEZONE


async def role_typed(update: Update, context: Context) -> int:
    await show(update, "Please tap one of the buttons: trainer, client or both.", ROLE_BUTTONS)
    return ROLE


async def _finish(update: Update, context: Context, zone: str) -> int:
    svc = services(context)
    try:
        view = await UserService(svc.ctx).set_timezone(
            identity(update).telegram_id, zone, finish=True
        )
    except DomainError as error:
        await show(update, f"{esc(error)}\n\n{ASK_TIMEZONE}", ZONE_BUTTONS, edit=False)
        return TIMEZONE
    await show(
        update,
        DONE.format(
            name=esc(view.first_name),
            role=ROLE_TEXT.get(view.roles, "a member"),
            tz=esc(view.timezone),
            next_steps=_next_steps(view),
        ),
    )
    if update.effective_chat is not None:
        await set_menu_for(context.bot, update.effective_chat.id, view.roles, svc.commands)
    return END


def pressed_zone(data: str | None) -> str:
    """The zone a ``start:tz:<zone>`` button carries ("" for a forged one: the zone check
    then answers it as it answers any unknown zone)."""
    press = START.decode(data)
    return (press.word or "") if press is not None and press.action is Step.ZONE else ""


async def pick_zone(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    return await _finish(update, context, pressed_zone(update.callback_query.data))


async def zone_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    return await _finish(update, context, update.effective_message.text or "")


async def help_command(update: Update, context: Context) -> None:
    svc = services(context)
    view = await UserService(svc.ctx).get(identity(update).telegram_id)
    if view is None or not view.onboarded:
        text = HELP_HEADER + "\n" + _onboarding_help(update, context, view)
    else:
        lines = [HELP_HEADER]
        if view.is_trainer:
            lines.append("<b>As a trainer</b>")
            lines += _lines(TRAINER_COMMANDS, svc.commands)
        if view.is_client:
            lines.append("\n<b>As a client</b>" if view.is_trainer else "<b>As a client</b>")
            lines += _lines(CLIENT_COMMANDS, svc.commands)
        text = "\n".join(lines)
    await show(update, text, edit=False)


def _onboarding_help(update: Update, context: Context, view: UserView | None) -> str:
    """Where a newcomer stands: the open /start step, else how to begin or finish."""
    step = _start_step(update, context)
    if step == ROLE:
        return HELP_AT_ROLE
    if step == TIMEZONE:
        return HELP_AT_TIMEZONE
    return HELP_UNFINISHED if view is not None and view.roles else HELP_NEWCOMER


def _start_step(update: Update, context: Context) -> object | None:
    """The step the /start flow is open at in this chat, or None when it is not open."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    for handlers in context.application.handlers.values():
        for handler in handlers:
            if isinstance(handler, Flow) and handler.flow_name == FLOW_NAME:
                return conversation_state(handler, (chat.id, user.id))
    return None


def _lines(group: tuple[tuple[str, str], ...], available: frozenset[str]) -> list[str]:
    return [f"/{name} — {esc(desc)}" for name, desc in group if name in available]


def build_handler() -> list[object]:
    flow = Flow(
        FLOW_NAME,
        entry_points=[
            CommandHandler("start", start),
            CallbackQueryHandler(become, pattern=BECOME.pattern()),
        ],
        states={
            ROLE: [
                CallbackQueryHandler(pick_role, pattern=r"^start:role:"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, role_typed),
            ],
            TIMEZONE: [
                CallbackQueryHandler(pick_zone, pattern=r"^start:tz:"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, zone_typed),
            ],
        },
        keep_open_on_commands=True,
    )
    return [flow, command("help", help_command)]


__all__ = ["build_handler", "commands_for"]
