"""/start inv_<token>: a client opens their trainer's invite link.

They see who invites them and what the trainer asks to see, switch any permission before
accepting, then accept or decline. The trainer is told either way. A newcomer then picks a
time zone, as /start would have asked.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import Permission, RelationshipType
from coaching.domain.permissions import PERMISSION_LABELS, PermissionFlags
from coaching.errors import DomainError
from coaching.services.invites import InviteService
from coaching.services.relationships import CapacityReached
from coaching.services.users import UserService
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
from conversations.menus import set_menu_for
from conversations.start import ASK_TIMEZONE, ZONE_BUTTONS, pressed_zone
from conversations.typed_buttons import ButtonCodec

REVIEW, TIMEZONE = range(2)


class Inv(StrEnum):
    TOGGLE = "t"  # the permission's index in PERMISSIONS
    ACCEPT = "yes"
    DECLINE = "no"


INVITE = ButtonCodec("inv", Inv)
KEY = "invite"
PERMISSIONS: tuple[Permission, ...] = tuple(Permission)

# --- wording and keyboards -------------------------------------------------------------------

TYPE_TEXT = {
    RelationshipType.IN_PERSON.value: "in person",
    RelationshipType.ONLINE.value: "online",
    RelationshipType.HYBRID.value: "hybrid: in person and online",
}
REVIEW_TEXT = (
    "🤝 <b>{trainer}</b> invites you to train with them on Spotter ({kind}).\n\n"
    "{recorded}"
    "They are asking to:\n{lines}\n\n"
    "Tap a line to switch it on or off. You can change these any time later with "
    "/permissions. Then accept or decline."
)
RECORDED = (
    "📋 <b>What {trainer} has recorded about you</b>:\n{lines}\n\n"
    "<b>May {trainer} keep seeing these details?</b> {answer} Tap “See your personal and "
    "health details” below to change that.\n\n"
)
RECORDED_SHARED = "Now: ✅ yes, they stay shared."
RECORDED_HIDDEN = "Now: ❌ no, they are hidden from {trainer} until you share them."
ACCEPTED_SHARED = "\n\n{trainer} can see the details they recorded about you."
ACCEPTED_HIDDEN = (
    "\n\nThe details {trainer} recorded about you are hidden from them; share them any time "
    "with /permissions."
)
LOST = "This invite is no longer open here. Open the invite link again."
ACCEPTED = (
    "✅ You're now training with <b>{trainer}</b>. {told}\n\n"
    "Change what they may see any time with /permissions."
)
DECLINED = "You declined the invite from <b>{trainer}</b>. {told} Nothing was shared."
TRAINER_ACCEPTED = (
    "✅ <b>{client}</b> accepted your invite and is now your client (profile: {profile}).\n"
    "They share: {shared}."
)
TRAINER_DECLINED = "✖ <b>{client}</b> declined your invite (profile: {profile})."
TRAINER_FULL = (
    "⚠️ <b>{client}</b> tried to accept your invite, but you can't take a new client. {reason}\n"
    "Their link stays valid until it expires."
)
FINISHED = (
    "✅ <b>All set</b>, {name}! Your time zone is {tz}.\n\n"
    "Send /today for today's session, or /help to see what you can do."
)
SHARED_NOUNS: dict[Permission, str] = {
    Permission.VIEW_WORKOUT_HISTORY: "workout history",
    Permission.VIEW_PROGRESSION_DATA: "progress data",
    Permission.VIEW_PERSONAL_DATA: "personal and health details",
    Permission.ASSIGN_WORKOUTS: "assigning workouts",
    Permission.ASSIGN_PROGRAMS: "assigning programs",
    Permission.MODIFY_WORKOUTS: "changing and logging workouts",
    Permission.VIEW_ACTIVITY_STATUS: "activity status",
    Permission.CONTACT_OUTSIDE_HOURS: "messages during quiet hours",
}


def shared_summary(flags: PermissionFlags) -> str:
    allowed = [SHARED_NOUNS[p] for p in PERMISSIONS if flags.allows(p)]
    return ", ".join(allowed) if allowed else "nothing yet"


def recorded_text(state: dict[str, Any], flags: PermissionFlags) -> str:
    """The details the trainer typed in, and the question whether they stay shared."""
    recorded = state.get("recorded") or []
    if not recorded:
        return ""
    trainer = esc(state["trainer"])
    lines = "\n".join(f"• {esc(label)}: {esc(text)}" for label, text in recorded)
    shared = flags.allows(Permission.VIEW_PERSONAL_DATA)
    answer_now = RECORDED_SHARED if shared else RECORDED_HIDDEN.format(trainer=trainer)
    return RECORDED.format(trainer=trainer, lines=lines, answer=answer_now)


def review_text(state: dict[str, Any]) -> str:
    flags = PermissionFlags.from_mapping(state["flags"])
    lines = "\n".join(
        f"{'✅' if flags.allows(p) else '❌'} {esc(PERMISSION_LABELS[p])}" for p in PERMISSIONS
    )
    return REVIEW_TEXT.format(
        trainer=esc(state["trainer"]),
        kind=TYPE_TEXT.get(str(state["kind"]), "in person"),
        recorded=recorded_text(state, flags),
        lines=lines,
    )


def _mark(flags: PermissionFlags, permission: Permission) -> str:
    return f"{'✅' if flags.allows(permission) else '❌'} {PERMISSION_LABELS[permission]}"


def review_buttons(state: dict[str, Any]) -> InlineKeyboardMarkup:
    flags = PermissionFlags.from_mapping(state["flags"])
    rows: list[list[Button]] = [
        [(_mark(flags, p), INVITE.encode(Inv.TOGGLE, i))] for i, p in enumerate(PERMISSIONS)
    ]
    rows.append(
        [("✅ Accept", INVITE.encode(Inv.ACCEPT)), ("✖ Decline", INVITE.encode(Inv.DECLINE))]
    )
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _state(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    state = data.get(KEY) if data is not None else None
    return state if isinstance(state, dict) else None


async def open_invite(update: Update, context: Context) -> int:
    svc = services(context)
    who = identity(update)
    await UserService(svc.ctx).register(who)
    payload = (context.args or [""])[0]
    try:
        preview = await InviteService(svc.ctx).open(who.telegram_id, payload)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    state = {
        "id": preview.invite_id,
        "trainer": preview.trainer_name,
        "kind": preview.relationship_type.value,
        "flags": preview.requested.as_dict(),
        "recorded": [list(line) for line in preview.recorded],
    }
    assert context.user_data is not None
    context.user_data[KEY] = state
    await show(update, review_text(state), review_buttons(state), edit=False)
    return REVIEW


async def toggle(update: Update, context: Context) -> int:
    state = _state(context)
    assert update.callback_query is not None
    press = INVITE.decode(update.callback_query.data)
    index = press.id() if press is not None and len(press.ids) == 1 else None
    if state is None:
        await answer(update, LOST, alert=True)
        return END
    if index is None or index >= len(PERMISSIONS):
        await answer(update, "That button isn't part of this invite.", alert=True)
        return REVIEW
    flags = PermissionFlags.from_mapping(state["flags"]).toggled(PERMISSIONS[index])
    state["flags"] = flags.as_dict()
    await show(update, review_text(state), review_buttons(state))
    return REVIEW


async def accept(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None:
        await answer(update, LOST, alert=True)
        return END
    svc = services(context)
    who = identity(update)
    try:
        done = await InviteService(svc.ctx).accept(
            who.telegram_id, int(state["id"]), PermissionFlags.from_mapping(state["flags"])
        )
    except CapacityReached as error:
        await notify(
            context,
            error.trainer_telegram_id,
            TRAINER_FULL.format(client=esc(who.first_name), reason=esc(error.trainer_reason)),
        )
        return await _finish_with(update, context, esc(error))
    except DomainError as error:
        return await _finish_with(update, context, esc(error))
    assert context.user_data is not None
    context.user_data.pop(KEY, None)
    delivery = await notify(
        context,
        done.trainer_telegram_id,
        TRAINER_ACCEPTED.format(
            client=esc(done.client_name),
            profile=esc(done.profile_name),
            shared=shared_summary(done.flags),
        ),
        keyboard([[("📇 Open card", f"cl:card:{done.client_profile_id}")]]),
    )
    trainer = esc(done.trainer_name)
    text = ACCEPTED.format(trainer=trainer, told=told(trainer, delivery))
    if state.get("recorded"):
        shared = done.flags.allows(Permission.VIEW_PERSONAL_DATA)
        text += (ACCEPTED_SHARED if shared else ACCEPTED_HIDDEN).format(
            trainer=esc(done.trainer_name)
        )
    if done.needs_onboarding:
        await show(update, f"{text}\n\n{ASK_TIMEZONE}", ZONE_BUTTONS)
        return TIMEZONE
    await show(update, text)
    if update.effective_chat is not None:
        await set_menu_for(context.bot, update.effective_chat.id, done.roles, svc.commands)
    return END


async def decline(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None:
        await answer(update, LOST, alert=True)
        return END
    svc = services(context)
    try:
        done = await InviteService(svc.ctx).decline(identity(update).telegram_id, int(state["id"]))
    except DomainError as error:
        return await _finish_with(update, context, esc(error))
    assert context.user_data is not None
    context.user_data.pop(KEY, None)
    delivery = await notify(
        context,
        done.trainer_telegram_id,
        TRAINER_DECLINED.format(client=esc(done.client_name), profile=esc(done.profile_name)),
    )
    trainer = esc(done.trainer_name)
    await show(update, DECLINED.format(trainer=trainer, told=told(trainer, delivery)))
    return END


async def review_typed(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None:
        await show(update, LOST, edit=False)
        return END
    await show(
        update,
        "Please tap Accept or Decline (or a line to change it).\n\n" + review_text(state),
        review_buttons(state),
        edit=False,
    )
    return REVIEW


async def _finish_with(update: Update, context: Context, text: str) -> int:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    await show(update, text)
    return END


async def _set_zone(update: Update, context: Context, zone: str) -> int:
    svc = services(context)
    try:
        view = await UserService(svc.ctx).set_timezone(
            identity(update).telegram_id, zone, finish=True
        )
    except DomainError as error:
        await show(update, f"{esc(error)}\n\n{ASK_TIMEZONE}", ZONE_BUTTONS, edit=False)
        return TIMEZONE
    await show(update, FINISHED.format(name=esc(view.first_name), tz=esc(view.timezone)))
    if update.effective_chat is not None:
        await set_menu_for(context.bot, update.effective_chat.id, view.roles, svc.commands)
    return END


async def zone_pressed(update: Update, context: Context) -> int:
    assert update.callback_query is not None
    return await _set_zone(update, context, pressed_zone(update.callback_query.data))


async def zone_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    return await _set_zone(update, context, update.effective_message.text or "")


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "invite",
        entry_points=[
            CommandHandler("start", open_invite, filters=filters.Regex(r"^/start(@\w+)?\s+inv_"))
        ],
        states={
            REVIEW: [
                # Any data with the toggle's prefix: a forged one is answered, not ignored.
                CallbackQueryHandler(toggle, pattern=r"^inv:t:"),
                CallbackQueryHandler(accept, pattern=INVITE.pattern(Inv.ACCEPT)),
                CallbackQueryHandler(decline, pattern=INVITE.pattern(Inv.DECLINE)),
                MessageHandler(text, review_typed),
            ],
            TIMEZONE: [
                CallbackQueryHandler(zone_pressed, pattern=r"^start:tz:"),
                MessageHandler(text, zone_typed),
            ],
        },
    )
    return [flow]
