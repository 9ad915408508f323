"""/permissions: a client decides what each trainer may see and do, and runs the relationship.

Each flag is a toggle button saved at once; the trainer is told what changed. The same screen
pauses, resumes or ends the coaching relationship, with a reason the trainer sees.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.application import services
from coaching.domain.enums import RelationshipStatus
from coaching.domain.permissions import PERMISSION_LABELS
from coaching.errors import DomainError, NotFound
from coaching.services.permissions import (
    NOT_YOUR_TRAINER,
    PERMISSION_ORDER,
    PermissionChange,
    PermissionService,
    PermissionsView,
    TrainerLink,
)
from coaching.services.relationships import Parties, RelationshipService
from conversations.clients import lifecycle_notice, notice_markup
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
)
from conversations.flow import Flow
from conversations.invite import SHARED_NOUNS

REASON = 0
KEY = "perm"

# --- wording and keyboards -------------------------------------------------------------------

NO_TRAINER = (
    "You don't have a trainer yet. Open the invite link your trainer sent you, "
    "or find one with /trainers."
)
PICK_TRAINER = "🔐 <b>Your trainers</b>\n\nPick one to see and change what they may see and do."
STATUS_TEXT = {
    RelationshipStatus.PENDING: "⏳ waiting for the trainer",
    RelationshipStatus.ACTIVE: "🟢 active",
    RelationshipStatus.PAUSED: "⏸ paused",
}
VIEW_TEXT = (
    "🔐 <b>What {trainer} may see and do</b>\n"
    "Coaching: {status}{dates}\n\n"
    "Tap a line to switch it on or off. It takes effect at once and {trainer} is told."
)
ASK_PAUSE = (
    "⏸ Why are you pausing coaching with <b>{name}</b>? They will see the reason.\n"
    "For example: <i>holiday until 10 January</i>. Or tap Skip."
)
ASK_END = (
    "🛑 Why are you ending coaching with <b>{name}</b>? They will see the reason "
    "(up to 500 characters). Your data stays yours.\n"
    "For example: <i>moving to another city</i>"
)
LOST = "That step is no longer open. Send /permissions to start again."
EXPIRED = "This button has expired. Send /permissions to start again."


def change_notice(change: PermissionChange) -> str:
    """What the trainer reads when a client switches one flag."""
    noun = SHARED_NOUNS[change.permission]
    name = esc(change.client_name)
    viewing = change.permission.value.startswith("view_")
    if change.allowed:
        verb = "now shares" if viewing else "now allows"
        return f"🔓 <b>{name}</b> {verb}: {noun}."
    verb = "stopped sharing" if viewing else "no longer allows"
    return f"🔒 <b>{name}</b> {verb}: {noun}."


def view_text(view: PermissionsView) -> str:
    dates = ""
    if view.start_date:
        dates += f", since {view.start_date.isoformat()}"
    if view.end_date:
        dates += f", until {view.end_date.isoformat()}"
    return VIEW_TEXT.format(
        trainer=esc(view.trainer_name), status=STATUS_TEXT.get(view.status, ""), dates=dates
    )


def view_keyboard(view: PermissionsView, *, several: bool) -> InlineKeyboardMarkup:
    rid = view.relationship_id
    rows: list[list[Button]] = [
        [(f"{'✅' if view.flags.allows(p) else '❌'} {PERMISSION_LABELS[p]}", f"perm:t:{rid}:{i}")]
        for i, p in enumerate(PERMISSION_ORDER)
    ]
    actions: list[Button] = []
    if view.status is RelationshipStatus.ACTIVE:
        actions.append(("⏸ Pause coaching", f"perm:pause:{rid}"))
    elif view.status is RelationshipStatus.PAUSED:
        actions.append(("▶️ Resume coaching", f"perm:resume:{rid}"))
    actions.append(("🛑 End coaching", f"perm:end:{rid}"))
    rows.append(actions)
    if several:
        rows.append([("◀ All trainers", "perm:list")])
    return keyboard(rows)


def trainers_keyboard(links: list[TrainerLink]) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [
                (
                    f"{link.trainer_name} · {STATUS_TEXT[link.status]}",
                    f"perm:r:{link.relationship_id}",
                )
            ]
            for link in links
        ]
    )


# --- handlers ---------------------------------------------------------------------------------


async def _several(context: Context, telegram_id: int) -> bool:
    return len(await PermissionService(services(context).ctx).trainers(telegram_id)) > 1


async def permissions_command(update: Update, context: Context) -> int:
    svc = PermissionService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        links = await svc.trainers(who)
        if len(links) == 1:
            view = await svc.view(who, links[0].relationship_id)
            await show(update, view_text(view), view_keyboard(view, several=False), edit=False)
            return END
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not links:
        await show(update, NO_TRAINER, edit=False)
        return END
    await show(update, PICK_TRAINER, trainers_keyboard(links), edit=False)
    return END


async def list_pressed(update: Update, context: Context) -> int:
    try:
        links = await PermissionService(services(context).ctx).trainers(
            identity(update).telegram_id
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    if not links:
        await show(update, NO_TRAINER)
        return END
    await show(update, PICK_TRAINER, trainers_keyboard(links))
    return END


def _parts(update: Update) -> list[str]:
    assert update.callback_query is not None
    return (update.callback_query.data or "").split(":")


async def _render(update: Update, context: Context, relationship_id: int, note: str = "") -> int:
    who = identity(update).telegram_id
    try:
        view = await PermissionService(services(context).ctx).view(who, relationship_id)
        several = await _several(context, who)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    text = view_text(view)
    await show(update, f"{note}\n\n{text}" if note else text, view_keyboard(view, several=several))
    return END


async def open_pressed(update: Update, context: Context) -> int:
    parts = _parts(update)
    if len(parts) != 3 or not parts[2].isdigit():
        await answer(update, EXPIRED, alert=True)
        return END
    return await _render(update, context, int(parts[2]))


async def toggle_pressed(update: Update, context: Context) -> int:
    parts = _parts(update)
    if len(parts) != 4 or not parts[2].isdigit() or not parts[3].isdigit():
        await answer(update, EXPIRED, alert=True)
        return END
    who = identity(update).telegram_id
    try:
        change = await PermissionService(services(context).ctx).toggle(
            who, int(parts[2]), int(parts[3])
        )
        several = await _several(context, who)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    await notify(context, change.trainer_telegram_id, change_notice(change))
    await show(update, view_text(change.view), view_keyboard(change.view, several=several))
    return END


async def _ask(update: Update, context: Context, action: str) -> int:
    parts = _parts(update)
    if len(parts) != 3 or not parts[2].isdigit():
        await answer(update, EXPIRED, alert=True)
        return END
    target = RelationshipStatus.PAUSED if action == "pause" else RelationshipStatus.TERMINATED
    try:
        parties = await _client_side(context, identity(update).telegram_id, int(parts[2]), target)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    assert context.user_data is not None
    context.user_data[KEY] = {"action": action, "rid": parties.relationship_id}
    context.user_data[KEY]["name"] = parties.other_name
    await show(update, _prompt(context.user_data[KEY]), _prompt_markup(action))
    return REASON


async def _client_side(
    context: Context, telegram_id: int, relationship_id: int, target: RelationshipStatus
) -> Parties:
    """This screen is the client's: a trainer acts from the client's card instead."""
    parties = await RelationshipService(services(context).ctx).prepare(
        telegram_id, relationship_id, target
    )
    if parties.by_trainer:
        raise NotFound(NOT_YOUR_TRAINER)
    return parties


def _prompt(state: dict[str, Any]) -> str:
    template = ASK_PAUSE if state["action"] == "pause" else ASK_END
    return template.format(name=esc(state.get("name", "")))


def _prompt_markup(action: str) -> InlineKeyboardMarkup | None:
    return keyboard([[("Skip ⏭", "perm:skip")]]) if action == "pause" else None


async def pause_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "pause")


async def end_pressed(update: Update, context: Context) -> int:
    return await _ask(update, context, "end")


async def resume_pressed(update: Update, context: Context) -> int:
    parts = _parts(update)
    if len(parts) != 3 or not parts[2].isdigit():
        await answer(update, EXPIRED, alert=True)
        return END
    who = identity(update).telegram_id
    try:
        await _client_side(context, who, int(parts[2]), RelationshipStatus.ACTIVE)
        change = await RelationshipService(services(context).ctx).resume(who, int(parts[2]))
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return END
    await notify(context, change.other_telegram_id, lifecycle_notice(change), notice_markup(change))
    return await _render(update, context, change.relationship_id, "▶️ Coaching resumed.")


def _state(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    state = data.get(KEY) if data is not None else None
    return state if isinstance(state, dict) else None


async def reason_typed(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    return await _apply(update, context, update.effective_message.text or "")


async def reason_skipped(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None or state.get("action") != "pause":
        await answer(update, "Please type the reason.", alert=True)
        return REASON
    return await _apply(update, context, None)


async def _apply(update: Update, context: Context, reason: str | None) -> int:
    state = _state(context)
    if state is None:
        await show(update, LOST, edit=False)
        return END
    svc = RelationshipService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        if state["action"] == "pause":
            change = await svc.pause(who, int(state["rid"]), reason)
        else:
            change = await svc.terminate(who, int(state["rid"]), reason or "")
    except DomainError as error:
        await show(
            update,
            f"⚠️ {esc(error)}\n\n{_prompt(state)}",
            _prompt_markup(str(state["action"])),
            edit=False,
        )
        return REASON
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    await notify(context, change.other_telegram_id, lifecycle_notice(change), notice_markup(change))
    if change.status is RelationshipStatus.TERMINATED:
        await show(
            update,
            f"🛑 Your coaching with <b>{esc(change.trainer_name)}</b> has ended and they have "
            "been told. Your data stays yours.",
        )
        return END
    return await _render(update, context, change.relationship_id, "⏸ Coaching paused.")


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "permissions",
        entry_points=[
            CommandHandler("permissions", permissions_command),
            CallbackQueryHandler(list_pressed, pattern=r"^perm:list$"),
            CallbackQueryHandler(open_pressed, pattern=r"^perm:r:"),
            CallbackQueryHandler(toggle_pressed, pattern=r"^perm:t:"),
            CallbackQueryHandler(pause_pressed, pattern=r"^perm:pause:"),
            CallbackQueryHandler(resume_pressed, pattern=r"^perm:resume:"),
            CallbackQueryHandler(end_pressed, pattern=r"^perm:end:"),
        ],
        states={
            REASON: [
                CallbackQueryHandler(reason_skipped, pattern=r"^perm:skip$"),
                MessageHandler(text, reason_typed),
            ],
        },
    )
    return [flow]
