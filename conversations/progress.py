"""/progress: a client's own progress (adherence, missed sessions, lifts) and charts."""

from __future__ import annotations

from telegram import Update

from coaching.errors import DomainError
from coaching.services.dashboard import DashboardService
from conversations.common import Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.dashboard import chart_buttons, chart_for, progress_text
from conversations.flow import button, command

EXPIRED = "This button has expired. Send /progress to start again."
NO_CHARTS = "Log workouts with /log and measurements with /measure to see charts here."


async def progress_command(update: Update, context: Context) -> None:
    try:
        progress = await DashboardService(services(context).ctx).own_progress(
            identity(update).telegram_id
        )
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return
    rows = chart_buttons(progress, "mp", "")
    text = progress_text(progress)
    if not rows:
        text += f"\n\n{NO_CHARTS}"
    await show(update, text, keyboard(rows) if rows else None, edit=False)


async def chart_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    parts = ((query.data or "") if query is not None else "").split(":")  # mp:<kind>[:<ex>]
    if len(parts) not in (2, 3) or (len(parts) == 3 and not parts[2].isdigit()):
        await answer(update, EXPIRED, alert=True)
        return
    exercise = int(parts[2]) if len(parts) == 3 else None
    await chart_for(update, context, parts[1], None, exercise)


def build_handler() -> list[object]:
    return [command("progress", progress_command), button(r"^mp:", chart_pressed)]
