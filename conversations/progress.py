"""/progress: a client's own progress (adherence, missed sessions, lifts) and charts."""

from __future__ import annotations

from telegram import Update

from coaching.errors import DomainError
from coaching.services.dashboard import DashboardService
from conversations.common import Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.dashboard import MY_CHART, chart_buttons, chart_for, progress_text
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
    rows = chart_buttons(progress, MY_CHART)
    text = progress_text(progress)
    if not rows:
        text += f"\n\n{NO_CHARTS}"
    await show(update, text, keyboard(rows) if rows else None, edit=False)


async def chart_pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    press = MY_CHART.decode(query.data if query is not None else None)  # mp:<kind>[:<ex>]
    if press is None or len(press.ids) > 1 or press.word is not None:
        await answer(update, EXPIRED, alert=True)
        return
    await chart_for(update, context, press.action, None, press.id())


def build_handler() -> list[object]:
    return [command("progress", progress_command), button(rf"^{MY_CHART.prefix}:", chart_pressed)]
