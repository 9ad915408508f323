"""Importing history (Strong or Hevy CSV) and libraries (Spotter JSON) sent as documents.

A document sent outside any other flow lands here. For workout history the bot recognises the
format, asks whose history it is (a trainer may import for a client who allows it), asks about
exercise names the catalogue cannot match (offering the closest matches), shows a summary, and
stores everything only on "Import". The result message carries an undo button for the whole
batch; /import lists recent imports with their undo buttons.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from telegram import Document, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.application import services
from coaching.domain.exchange import (
    GOOD_FILE_HINT,
    MAX_IMPORT_BYTES,
    detect_format,
    looks_like_library,
)
from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.exports import ExportService, zone
from coaching.services.imports import (
    OWN,
    SKIP,
    ImportFailed,
    ImportPlan,
    ImportService,
    ImportTarget,
)
from coaching.services.users import UserService
from conversations.common import END, Context, answer, esc, identity, keyboard, notify, show
from conversations.flow import Flow, button, command

TARGET, MATCH, CONFIRM = range(3)
KEY = "import"

# --- wording and keyboards -------------------------------------------------------------------

TOO_BIG = (
    "❌ That file is {size:.1f} MB; I can import files up to {limit} MB. "
    "Export a shorter period and send that file."
)
NO_DOWNLOAD = "❌ I couldn't download that file from Telegram. Please send it again."
BAD_FILE = "❌ I can't import this file. {problem}\n\nNothing was stored."
PARTLY_STORED = "❌ {problem}"
WHOSE = "📥 <b>{label} export received.</b> Whose workout history is it?"
NO_TARGETS = (
    "You have no clients who let you log their workouts, so there is nobody to import this for."
)
ASK_NAME = (
    "🔎 <b>Exercise {index} of {count} to match</b>\n\n"
    "I can't match “<b>{name}</b>” ({sets}) to an exercise in the catalogue. "
    "Which one is it?"
)
ASK_NAME_NO_MATCH = "\n\nI found nothing close; create it as your own, or skip these sets."
SUMMARY = (
    "📋 <b>Ready to import</b> ({format} export) into {target}:\n\n"
    "• {workouts}, {sets}\n"
    "• {dates}\n"
    "• {exercises}"
)
NOT_STORED = "\n\nNothing is stored until you tap <b>Import</b>."
IMPORTED = "✅ <b>Imported</b> into {target}: {workouts}, {sets}."
UNDONE = "↩️ Import undone: removed {workouts} and {sets} from {target}."
CANCELLED = "Import cancelled. Nothing was stored."
USE_BUTTONS = "Please use the buttons above, or send /cancel to stop the import."
STALE = "This import is no longer open. Send the file again to start over."
CLIENT_TOLD = (
    "📥 {trainer} imported {workouts} ({sets}) into your training history. "
    "See everything with /mydata."
)
IMPORT_HELP = (
    "📥 <b>Import</b>\n\n"
    "Send me a CSV file exported from <b>Strong</b> or <b>Hevy</b> and I'll add the workouts to "
    "your history (or, for a trainer, to a client's who allows it). Trainers can also send a "
    "templates-and-programs .json file made by /export."
)
RECENT = "\n\n<b>Recent imports</b> (tap to undo one):"
NO_LIBRARY = "Only trainers can import templates and programs. Send /start to register as one."
LIBRARY_DONE = "✅ Imported {templates} and {programs} into your library."


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboard([[("✅ Import", "im:go"), ("✖️ Cancel", "im:no")]])


def _undo_keyboard(batch: str) -> InlineKeyboardMarkup:
    return keyboard([[("↩️ Undo this import", f"im:undo:{batch}")]])


def _state(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    if data is None:
        return None
    state = data.get(KEY)
    return state if isinstance(state, dict) else None


def _summary(state: dict[str, Any]) -> str:
    plan = state["plan"]
    text = SUMMARY.format(
        format=esc(plan["format"]),
        target=esc(plan["target"]),
        workouts=plural(plan["workouts"], "workout"),
        sets=plural(plan["sets"], "set"),
        dates=esc(plan["dates"]),
        exercises=plural(plan["exercises"], "exercise"),
    )
    decisions: dict[str, Any] = state["decisions"]
    lines = []
    if plan["duplicates"]:
        are = "is" if plan["duplicates"] == 1 else "are"
        already = plural(plan["duplicates"], "workout")
        lines.append(f"• {already} {are} already here and will be skipped")
    for name, chosen in plan["matched"]:
        if name != chosen:
            lines.append(f"• {esc(name)} → {esc(chosen)}")
    for item in state["unmatched"]:
        decision = decisions.get(item["name"])
        if decision == SKIP:
            lines.append(f"• {esc(item['name'])}: skipped ({plural(item['sets'], 'set')})")
        elif decision == OWN:
            lines.append(f"• {esc(item['name'])}: new exercise of your own")
        else:
            chosen_name = next((n for i, n in item["candidates"] if i == decision), str(decision))
            lines.append(f"• {esc(item['name'])} → {esc(chosen_name)}")
    if lines:
        text += "\n" + "\n".join(lines)
    return text + NOT_STORED


def _plan_state(plan: ImportPlan, file_id: str, target: int | None) -> dict[str, Any]:
    if plan.first_day and plan.last_day:
        first = plan.first_day.strftime("%d %b %Y").lstrip("0")
        last = plan.last_day.strftime("%d %b %Y").lstrip("0")
        dates = first if first == last else f"{first} – {last}"
    else:
        dates = "no dates"
    return {
        "file_id": file_id,
        "target": target,
        "decisions": {},
        "unmatched": [
            {
                "name": u.name,
                "sets": u.sets,
                "candidates": [[c.exercise_id, c.name] for c in u.candidates],
            }
            for u in plan.unmatched
        ],
        "plan": {
            "format": plan.format.label,
            "target": plan.target_label,
            "workouts": plan.workouts,
            "sets": plan.sets,
            "dates": dates,
            "exercises": plan.exercises,
            "duplicates": plan.duplicates,
            "matched": [list(pair) for pair in plan.matched],
        },
    }


def _name_question(state: dict[str, Any], index: int) -> tuple[str, InlineKeyboardMarkup]:
    item = state["unmatched"][index]
    text = ASK_NAME.format(
        index=index + 1,
        count=len(state["unmatched"]),
        name=esc(item["name"]),
        sets=plural(item["sets"], "set"),
    )
    if not item["candidates"]:
        text += ASK_NAME_NO_MATCH
    rows = [
        [(name[:40], f"im:pick:{index}:{exercise_id}")] for exercise_id, name in item["candidates"]
    ]
    rows.append(
        [("➕ Create as my own", f"im:own:{index}"), ("Skip these sets", f"im:skip:{index}")]
    )
    return text, keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


async def _download(update: Update, document: Document | None, file_id: str | None) -> bytes:
    bot = update.get_bot()
    target = file_id or (document.file_id if document else None)
    if target is None:
        raise TelegramError("no file")
    file = await bot.get_file(target)
    return bytes(await file.download_as_bytearray())


async def received(update: Update, context: Context) -> int:
    """A document arrived: a library file is imported at once; history starts the dialogue."""
    message = update.effective_message
    document = message.document if message is not None else None
    if document is None:
        return END
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    if document.file_size is not None and document.file_size > MAX_IMPORT_BYTES:
        await show(
            update,
            TOO_BIG.format(
                size=document.file_size / 1024 / 1024, limit=MAX_IMPORT_BYTES // 1024 // 1024
            ),
            edit=False,
        )
        return END
    try:
        data = await _download(update, document, None)
    except TelegramError:
        await show(update, NO_DOWNLOAD, edit=False)
        return END
    if looks_like_library(data) or (document.file_name or "").lower().endswith(".json"):
        return await _import_library(update, context, data)
    svc = ImportService(services(context).ctx)
    try:
        targets = await svc.targets(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not targets:
        await show(update, NO_TARGETS, edit=False)
        return END
    if len(targets) == 1:
        return await _plan(update, context, data, document.file_id, targets[0].profile_id)
    try:
        first_line = data[:4096].decode("utf-8-sig", errors="replace").splitlines()[:1]
        fmt, _ = detect_format(first_line[0] if first_line else "")
    except DomainError as error:
        await show(
            update, BAD_FILE.format(problem=esc(error)) + "\n\n" + GOOD_FILE_HINT, edit=False
        )
        return END
    if context.user_data is not None:
        context.user_data[KEY] = {"file_id": document.file_id, "choosing": True}
    await show(update, WHOSE.format(label=fmt.label), _targets_keyboard(targets), edit=False)
    return TARGET


def _targets_keyboard(targets: tuple[ImportTarget, ...]) -> InlineKeyboardMarkup:
    rows = []
    for target in targets[:30]:
        data = "im:for:me" if target.profile_id is None else f"im:for:{target.profile_id}"
        label = "🙋 My own history" if target.profile_id is None else target.label[:40]
        rows.append([(label, data)])
    return keyboard(rows)


async def _import_library(update: Update, context: Context, data: bytes) -> int:
    try:
        result = await ExportService(services(context).ctx).import_library(
            identity(update).telegram_id, data
        )
    except DomainError as error:
        await show(update, BAD_FILE.format(problem=esc(error)), edit=False)
        return END
    text = LIBRARY_DONE.format(
        templates=plural(result.templates, "template"),
        programs=plural(result.programs, "program"),
    )
    if result.new_exercises:
        text += "\nNew exercises of your own: " + ", ".join(esc(n) for n in result.new_exercises)
    await show(update, text + "\nSee them in /templates and /programs.", edit=False)
    return END


async def _plan(
    update: Update, context: Context, data: bytes, file_id: str, target: int | None
) -> int:
    svc = ImportService(services(context).ctx)
    try:
        plan = await svc.plan(identity(update).telegram_id, data, target)
    except DomainError as error:
        if context.user_data is not None:
            context.user_data.pop(KEY, None)
        await show(
            update, BAD_FILE.format(problem=esc(error)), edit=update.callback_query is not None
        )
        return END
    state = _plan_state(plan, file_id, target)
    if context.user_data is not None:
        context.user_data[KEY] = state
    return await _next_question(update, state)


async def _next_question(update: Update, state: dict[str, Any]) -> int:
    decisions = state["decisions"]
    for index, item in enumerate(state["unmatched"]):
        if item["name"] not in decisions:
            text, markup = _name_question(state, index)
            await show(update, text, markup, edit=update.callback_query is not None)
            return MATCH
    await show(update, _summary(state), _confirm_keyboard(), edit=update.callback_query is not None)
    return CONFIRM


async def pick_target(update: Update, context: Context) -> int:
    state = _state(context)
    assert update.callback_query is not None
    raw = (update.callback_query.data or "").rsplit(":", 1)[-1]
    if state is None or not state.get("choosing") or not (raw == "me" or raw.isdigit()):
        await answer(update, STALE, alert=True)
        return END
    target = None if raw == "me" else int(raw)
    try:
        data = await _download(update, None, state["file_id"])
    except TelegramError:
        await show(update, NO_DOWNLOAD)
        return END
    return await _plan(update, context, data, str(state["file_id"]), target)


async def decide(update: Update, context: Context) -> int:
    """A choice for one unmatched name: an exercise, create as own, or skip."""
    state = _state(context)
    assert update.callback_query is not None
    parts = (update.callback_query.data or "").split(":")
    if state is None or "unmatched" not in state or len(parts) < 3 or not parts[2].isdigit():
        await answer(update, STALE, alert=True)
        return END
    index = int(parts[2])
    if index >= len(state["unmatched"]):
        await answer(update, STALE, alert=True)
        return MATCH
    item = state["unmatched"][index]
    kind = parts[1]
    if kind == "pick":
        ids = {exercise_id for exercise_id, _ in item["candidates"]}
        if len(parts) != 4 or not parts[3].isdigit() or int(parts[3]) not in ids:
            await answer(
                update, "That choice is not one I offered. Pick a button below.", alert=True
            )
            return MATCH
        state["decisions"][item["name"]] = int(parts[3])
    elif kind == "own":
        state["decisions"][item["name"]] = OWN
    else:
        state["decisions"][item["name"]] = SKIP
    return await _next_question(update, state)


async def confirm(update: Update, context: Context) -> int:
    state = _state(context)
    if state is None or "plan" not in state:
        await answer(update, STALE, alert=True)
        return END
    try:
        data = await _download(update, None, state["file_id"])
    except TelegramError:
        await show(update, NO_DOWNLOAD)
        return END
    svc = ImportService(services(context).ctx)
    try:
        done = await svc.commit(
            identity(update).telegram_id, data, state["target"], dict(state["decisions"])
        )
    except DomainError as error:
        if context.user_data is not None:
            context.user_data.pop(KEY, None)
        stored = isinstance(error, ImportFailed) and error.partly_stored
        await show(update, (PARTLY_STORED if stored else BAD_FILE).format(problem=esc(error)))
        return END
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    counts = {
        "workouts": plural(done.workouts, "workout"),
        "sets": plural(done.sets, "set"),
    }
    lines = [IMPORTED.format(target=esc(done.target_label), **counts)]
    if done.duplicates:
        were = "was" if done.duplicates == 1 else "were"
        lines.append(f"Skipped {plural(done.duplicates, 'workout')} that {were} already here.")
    if done.skipped_sets:
        lines.append(f"Skipped {plural(done.skipped_sets, 'set')}, as you chose.")
    if done.new_exercises:
        lines.append("New exercises of your own: " + ", ".join(esc(n) for n in done.new_exercises))
    lines.append("Changed your mind? Undo removes the whole import.")
    await show(update, "\n".join(lines), _undo_keyboard(done.batch))
    if done.client_telegram_id is not None:
        await notify(
            context,
            done.client_telegram_id,
            CLIENT_TOLD.format(trainer=esc(done.importer_name), **counts),
        )
    return END


async def abort(update: Update, context: Context) -> int:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    await show(update, CANCELLED)
    return END


async def typed(update: Update, context: Context) -> int | None:
    await show(update, USE_BUTTONS, edit=False)
    return None


async def undo(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    batch = (update.callback_query.data or "").split(":", 2)[-1]
    try:
        done = await ImportService(services(context).ctx).undo(identity(update).telegram_id, batch)
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(
        update,
        UNDONE.format(
            workouts=plural(done.workouts, "workout"),
            sets=plural(done.sets, "set"),
            target=esc(done.target_label),
        ),
    )


async def import_help(update: Update, context: Context) -> None:
    svc = ImportService(services(context).ctx)
    try:
        recent = await svc.recent(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return
    if not recent:
        await show(update, IMPORT_HELP, edit=False)
        return
    viewer = await _viewer_zone(context, identity(update).telegram_id)
    rows = []
    for item in recent:
        when = item.imported_at.astimezone(viewer).strftime("%d %b %H:%M").lstrip("0")
        label = f"↩️ {when}: {plural(item.workouts, 'workout')}, {item.target_label}"[:60]
        rows.append([(label, f"im:undo:{item.batch}")])
    await show(update, IMPORT_HELP + RECENT, keyboard(rows), edit=False)


async def _viewer_zone(context: Context, telegram_id: int) -> ZoneInfo:
    view = await UserService(services(context).ctx).get(telegram_id)
    return zone(view.timezone if view else "UTC")


def build_handler() -> list[object]:
    flow = Flow(
        "importer",
        entry_points=[MessageHandler(filters.Document.ALL, received)],
        states={
            TARGET: [
                CallbackQueryHandler(pick_target, pattern=r"^im:for:"),
                CallbackQueryHandler(abort, pattern=r"^im:no$"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
            ],
            MATCH: [
                CallbackQueryHandler(decide, pattern=r"^im:(pick|own|skip):"),
                CallbackQueryHandler(abort, pattern=r"^im:no$"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
            ],
            CONFIRM: [
                CallbackQueryHandler(confirm, pattern=r"^im:go$"),
                CallbackQueryHandler(abort, pattern=r"^im:no$"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
            ],
        },
    )
    return [
        flow,
        command("import", import_help),
        button(r"^im:undo:", undo),
        button(r"^im:", _stale),
    ]


async def _stale(update: Update, context: Context) -> None:
    await answer(update, STALE, alert=True)


__all__ = ["build_handler"]
