"""/dashboard: what needs the trainer today, with buttons to drill in; a client's progress.

The dashboard shows today's and the next 7 days' sessions, client feedback waiting for review,
open alerts by severity and the clients who need attention, ranked. The client card's
"📊 Progress" button opens adherence, missed sessions and the lift summary, with buttons for
the charts (PNG photos). The daily digest job sends the same dashboard at the trainer's time.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from bot.application import services
from bot.charts import ChartUnavailable, render_chart
from coaching.domain.adherence import WindowAdherence
from coaching.domain.enums import Permission, Units
from coaching.domain.permissions import REFUSALS
from coaching.domain.plurals import plural
from coaching.domain.units import format_weight, plain, to_unit
from coaching.errors import DomainError
from coaching.services.charts import ChartData, ChartService
from coaching.services.dashboard import (
    AttentionItem,
    ClientProgress,
    Dashboard,
    DashboardService,
)
from conversations.alerts import SEVERITY_ICON, counts_line
from conversations.clients import CARD_ACTIONS
from conversations.common import Button, Context, answer, esc, identity, keyboard, show
from conversations.flow import button, command

log = logging.getLogger("spotter.dashboard")

# --- wording and keyboards -------------------------------------------------------------------

TITLE = "📊 <b>Dashboard</b> · {day}"
DIGEST_TITLE = "📰 <b>Your daily digest</b> · {day}"
TODAY = "🗓 <b>Today</b>"
NO_SESSIONS_TODAY = "No sessions today."
WEEK = "📅 <b>Next 7 days</b>: {total}"
FEEDBACK = "💬 <b>Feedback to review</b>: {count}"
ALERTS = "⚠️ <b>Open alerts</b>: {counts}"
ATTENTION = "🚩 <b>Needs attention</b>"
ALL_WELL = "✅ Every client is on track."
HIDDEN = "🔒 {clients} {verb} share their activity, so they can't be ranked."
NOTHING = "Nothing needs you today. 🎉"
EXPIRED = "This button has expired. Send /dashboard to start again."
WEEK_TITLE = "📅 <b>Sessions, next 7 days</b>"
FEEDBACK_TITLE = "💬 <b>Feedback waiting for review</b>"
NO_FEEDBACK = "No client feedback is waiting. 👍"
PROGRESS_TITLE = "📊 <b>Progress · {name}</b>"
ADHERENCE = "<b>Adherence</b> (planned sessions done)"
ADHERENCE_HIDDEN = "🔒 Adherence and missed sessions: the client doesn't share their activity."
NO_PLAN = "No planned sessions yet."
MISSED = "<b>Missed sessions</b> (last 14 days)"
NO_MISSED = "No missed sessions in the last 14 days."
LIFTS = "<b>Main lifts</b> (best e1RM, 12 weeks · change 4 wk / 12 wk · weekly volume)"
LIFTS_HIDDEN = "🔒 Lifts: the client doesn't share their progress data."
SOME_HIDDEN = "🔒 {exercises} hidden by the client's sharing settings."
NO_LIFTS = "No main lifts logged in the last 12 weeks."
MEASURE_HIDDEN = "🔒 Body measurements: the client doesn't share personal details."
CHART_PICK = "📈 Pick an exercise for the e1RM chart:"
NO_LIFT_CHARTS = "There is nothing to chart yet: no lifts logged in the last year."
LIFTS_OFF = "The client has not shared these exercises' progress with you."
CHART_FAILED = "Sorry, I couldn't draw that chart just now. Please try again in a minute."
ARROW = {"up": "↗", "down": "↘", "steady": "→", "": ""}


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _signed(value: Decimal | None, unit: str = "%") -> str:
    if value is None:
        return "—"
    return f"{value:+f}{unit}"


def dashboard_text(board: Dashboard, *, digest: bool = False) -> str:
    title = DIGEST_TITLE if digest else TITLE
    lines = [title.format(day=_day(board.today)), ""]
    lines.append(TODAY)
    if board.today_sessions:
        for item in board.today_sessions:
            at = _local(item.starts_at, board.timezone)
            lines.append(f"• {at:%H:%M} {esc(item.client_name)} — {esc(item.title)}")
    else:
        lines.append(NO_SESSIONS_TODAY)
    lines.append("")
    lines.append(WEEK.format(total=len(board.week_sessions)))
    if board.week:
        lines.append(" · ".join(f"{d:%a} {n}" for d, n in board.week))
    lines.append("")
    lines.append(FEEDBACK.format(count=len(board.feedback)))
    lines.append(ALERTS.format(counts=counts_line(board.alert_counts)))
    lines.append("")
    lines.append(ATTENTION)
    if board.attention:
        for person in board.attention:
            lines.append(f"• <b>{esc(person.name)}</b>: {attention_reasons(person)}")
    else:
        lines.append(ALL_WELL)
    if board.activity_hidden:
        hidden = board.activity_hidden
        lines.append(
            HIDDEN.format(
                clients=plural(hidden, "client"),
                verb="doesn't" if hidden == 1 else "don't",
            )
        )
    if board.is_empty:
        lines += ["", NOTHING]
    return "\n".join(lines)


def attention_reasons(item: AttentionItem) -> str:
    reasons = []
    if item.missed:
        reasons.append(f"missed {plural(item.missed, 'session')}")
    if item.idle_days is not None and item.idle_days > 0 and not item.missed:
        reasons.append(f"no workout for {plural(item.idle_days, 'day')}")
    if item.drop_points is not None and item.drop_points <= -10:
        reasons.append(f"adherence {item.adherence_30}% ({item.drop_points:+f} pts)")
    return ", ".join(reasons) or "check in"


def dashboard_keyboard(board: Dashboard) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [("📅 Next 7 days", "db:week"), (f"💬 Feedback ({len(board.feedback)})", "db:fb")],
        [(f"⚠️ Alerts ({board.open_alerts})", "al:ls")],
    ]
    for item in board.attention[:6]:
        rows.append([(f"🚩 {item.name}"[:40], f"pg:{item.client_profile_id}")])
    rows.append([("🔄 Refresh", "db:home")])
    return keyboard(rows)


BACK_HOME: Button = ("◀ Dashboard", "db:home")


def week_text(board: Dashboard) -> str:
    lines = [WEEK_TITLE, ""]
    if not board.week_sessions and not board.today_sessions:
        lines.append("Nothing planned.")
    current: date | None = None
    for item in (*board.today_sessions, *board.week_sessions):
        at = _local(item.starts_at, board.timezone)
        if at.date() != current:
            current = at.date()
            lines.append(f"\n<b>{_day(current)}</b>")
        lines.append(f"• {at:%H:%M} {esc(item.client_name)} — {esc(item.title)}")
    return "\n".join(lines)


def feedback_text(board: Dashboard) -> str:
    if not board.feedback:
        return f"{FEEDBACK_TITLE}\n\n{NO_FEEDBACK}"
    lines = [FEEDBACK_TITLE, ""]
    for item in board.feedback[:15]:
        rpe = f" · RPE {item.rpe}" if item.rpe is not None else ""
        lines.append(
            f"• <b>{esc(item.client_name)}</b> — {esc(item.title)} ({_day(item.day)}){rpe}"
        )
        if item.comment:
            lines.append(f"   <i>“{esc(item.comment[:200])}”</i>")
    return "\n".join(lines)


def _adherence_line(window: WindowAdherence) -> str:
    share = window.sessions
    if share.planned == 0:
        return f"• {window.days} days: nothing planned"
    text = f"• {window.days} days: <b>{share.percent}%</b> ({share.done}/{share.planned})"
    if window.exercises.planned:
        text += f", exercises {window.exercises.percent}%"
    if window.trend is not None:
        text += f" {ARROW[window.direction]} {window.trend:+f} pts vs previous {window.days}"
    return text


def _volume(volume_kg: Decimal, units: Units) -> str:
    """A weekly volume (load × reps) in the viewer's unit, to the whole unit: ``4410 lb``."""
    whole = to_unit(volume_kg, units).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{plain(whole)} {units}"


def progress_text(progress: ClientProgress) -> str:
    lines = [PROGRESS_TITLE.format(name=esc(progress.name)), ""]
    if progress.adherence is None:
        lines.append(ADHERENCE_HIDDEN)
    else:
        lines.append(ADHERENCE)
        if all(w.sessions.planned == 0 for w in progress.adherence):
            lines.append(NO_PLAN)
        else:
            lines += [_adherence_line(w) for w in progress.adherence]
        lines.append("")
        lines.append(MISSED)
        if progress.missed:
            for item in progress.missed:
                at = _local(item.starts_at, progress.timezone)
                lines.append(f"• {_day(at.date())} {at:%H:%M} — {esc(item.title)}")
        else:
            lines.append(NO_MISSED)
    lines.append("")
    if progress.lifts is None:
        lines.append(LIFTS_HIDDEN)
    else:
        lines.append(LIFTS)
        if not progress.lifts:
            lines.append(NO_LIFTS)
        for lift in progress.lifts:
            record = f" 🏆 PR {_day(lift.recent_record)}" if lift.recent_record else ""
            lines.append(
                f"• {esc(lift.name)}: <b>{format_weight(lift.best_e1rm, progress.units)}</b> · "
                f"{_signed(lift.change_4w)} / {_signed(lift.change_12w)} · "
                f"{_volume(lift.weekly_volume, progress.units)}/wk{record}"
            )
        if progress.lifts_hidden:
            lines.append(SOME_HIDDEN.format(exercises=plural(progress.lifts_hidden, "exercise")))
    if not progress.measurements_visible:
        lines.append(MEASURE_HIDDEN)
    return "\n".join(lines)


def chart_buttons(progress: ClientProgress, prefix: str, suffix: str) -> list[list[Button]]:
    """Chart buttons; ``prefix`` is ``pc`` (a trainer's, ids follow) or ``mp`` (the client's)."""
    rows: list[list[Button]] = []
    if progress.lifts is not None and progress.chart_exercises:
        rows.append(
            [("📈 e1RM chart", f"{prefix}:x{suffix}"), ("📊 Weekly volume", f"{prefix}:v{suffix}")]
        )
    if progress.adherence is not None:
        rows.append([("🗓 Adherence calendar", f"{prefix}:a{suffix}")])
    if progress.measurements_visible:
        rows.append([("⚖️ Body weight & measurements", f"{prefix}:b{suffix}")])
    return rows


def progress_keyboard(progress: ClientProgress) -> InlineKeyboardMarkup:
    pid = progress.client_profile_id
    rows = chart_buttons(progress, "pc", f":{pid}")
    rows.append([("⚠️ Alerts", f"al:c:{pid}"), ("📇 Card", f"cl:card:{pid}")])
    return keyboard(rows)


def exercise_keyboard(progress: ClientProgress, prefix: str, suffix: str) -> InlineKeyboardMarkup:
    rows = [
        [(name[:40], f"{prefix}:e{suffix}:{exercise_id}")]
        for exercise_id, name in progress.chart_exercises
    ]
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _parts(update: Update) -> list[str]:
    query = update.callback_query
    return ((query.data or "") if query is not None else "").split(":")


async def _refuse(update: Update, message: str) -> None:
    await answer(update, message, alert=True)


async def _board(update: Update, context: Context, edit: bool) -> None:
    try:
        board = await DashboardService(services(context).ctx).dashboard(
            identity(update).telegram_id
        )
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, str(error))
        else:
            await show(update, esc(error), edit=False)
        return
    await show(update, dashboard_text(board), dashboard_keyboard(board), edit=edit)


async def dashboard_command(update: Update, context: Context) -> None:
    await _board(update, context, edit=False)


async def home_pressed(update: Update, context: Context) -> None:
    await _board(update, context, edit=True)


async def drill_pressed(update: Update, context: Context) -> None:
    parts = _parts(update)
    try:
        board = await DashboardService(services(context).ctx).dashboard(
            identity(update).telegram_id
        )
    except DomainError as error:
        await _refuse(update, str(error))
        return
    if parts == ["db", "week"]:
        await show(update, week_text(board), keyboard([[BACK_HOME]]))
    elif parts == ["db", "fb"]:
        await show(update, feedback_text(board), keyboard([[BACK_HOME]]))
    else:
        await _refuse(update, EXPIRED)


async def progress_pressed(update: Update, context: Context) -> None:
    parts = _parts(update)
    if len(parts) != 2 or not parts[1].isdigit():
        await _refuse(update, EXPIRED)
        return
    try:
        progress = await DashboardService(services(context).ctx).client_progress(
            identity(update).telegram_id, int(parts[1])
        )
    except DomainError as error:
        await _refuse(update, str(error))
        return
    await show(update, progress_text(progress), progress_keyboard(progress))


async def send_chart(update: Update, context: Context, chart: ChartData) -> None:
    """Draw the chart off the event loop and send it as a photo."""
    await answer(update)
    chat = update.effective_chat
    if chat is None:
        return
    try:
        png = await render_chart(chart)
    except ChartUnavailable:
        await context.bot.send_message(chat.id, CHART_FAILED)
        return
    caption = f"📈 {esc(chart.title)}"
    if chart.note:
        caption += f"\n<i>{esc(chart.note)}</i>"
    try:
        await context.bot.send_photo(chat.id, photo=png, caption=caption)
    except (BadRequest, Forbidden) as error:
        log.warning("chart not sent: %s", error)


async def chart_for(
    update: Update, context: Context, kind: str, profile_id: int | None, exercise: int | None
) -> None:
    """Shared by the trainer's (``pc:``) and the client's (``mp:``) chart buttons."""
    svc = ChartService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        if kind == "x":
            dash = DashboardService(services(context).ctx)
            progress = (
                await dash.own_progress(who)
                if profile_id is None
                else await dash.client_progress(who, profile_id)
            )
            if progress.lifts is None:
                await _refuse(update, REFUSALS[Permission.VIEW_PROGRESSION_DATA])
                return
            if not progress.chart_exercises:
                await _refuse(update, NO_LIFT_CHARTS if not progress.lifts_hidden else LIFTS_OFF)
                return
            prefix, suffix = ("mp", "") if profile_id is None else ("pc", f":{profile_id}")
            await show(update, CHART_PICK, exercise_keyboard(progress, prefix, suffix), edit=False)
            return
        if kind == "e" and exercise is not None:
            chart = await svc.e1rm(who, profile_id, exercise)
        elif kind == "v":
            chart = await svc.volume(who, profile_id)
        elif kind == "a":
            chart = await svc.adherence(who, profile_id)
        elif kind == "b":
            chart = await svc.body(who, profile_id)
        else:
            await _refuse(update, EXPIRED)
            return
    except DomainError as error:
        await _refuse(update, str(error))
        return
    await send_chart(update, context, chart)


async def trainer_chart_pressed(update: Update, context: Context) -> None:
    parts = _parts(update)  # pc:<kind>:<profile>[:<exercise>]
    if len(parts) not in (3, 4) or not all(p.isdigit() for p in parts[2:]):
        await _refuse(update, EXPIRED)
        return
    exercise = int(parts[3]) if len(parts) == 4 else None
    await chart_for(update, context, parts[1], int(parts[2]), exercise)


# --- the daily digest -------------------------------------------------------------------------


DIGEST_BATCH = 20
"""Trainers whose due digests are looked up at once."""
DIGEST_RUN = 200
"""Digests one run of the job sends at most; the rest wait for the next run (5 minutes)."""


async def digest_job(context: Context) -> None:
    """Repeating job: each trainer's digest once a day, after their chosen time.

    Trainers are taken :data:`DIGEST_BATCH` at a time, and each digest is claimed (marked
    sent for today, committed), built and sent before the next: the event loop is never held
    for more than one dashboard, and a restart loses at most the digest being sent.
    """
    svc = DashboardService(services(context).ctx)
    for _ in range(DIGEST_RUN // DIGEST_BATCH):
        due = await svc.digest_candidates(DIGEST_BATCH)
        for profile_id in due:
            found = await svc.claim_digest(profile_id)
            if found is None:
                continue
            chat_id, _user_id, board = found
            try:
                await context.bot.send_message(
                    chat_id,
                    dashboard_text(board, digest=True),
                    reply_markup=dashboard_keyboard(board),
                )
            except Forbidden:
                log.info("trainer %s has blocked the bot; digest not delivered", chat_id)
            except BadRequest as error:
                log.warning("digest to %s refused: %s", chat_id, error)
        if len(due) < DIGEST_BATCH:
            return


def build_handler() -> list[object]:
    if ("📊 Progress", "pg") not in CARD_ACTIONS:
        CARD_ACTIONS.insert(0, ("📊 Progress", "pg"))
    return [
        command("dashboard", dashboard_command),
        button(r"^db:home$", home_pressed),
        button(r"^db:", drill_pressed),
        button(r"^pg:", progress_pressed),
        button(r"^pc:", trainer_chart_pressed),
    ]


__all__ = ["SEVERITY_ICON", "build_handler", "chart_buttons", "chart_for", "progress_text"]
