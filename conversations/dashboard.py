"""/dashboard: what needs the trainer today, with buttons to drill in; a client's progress.

The dashboard shows today's and the next 7 days' sessions, client feedback waiting for review,
open alerts by severity and the clients who need attention, ranked. The client card's
"📊 Progress" button opens adherence, missed sessions and the lift summary, with buttons for
the charts (PNG photos). The daily digest job sends the same dashboard at the trainer's time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from coaching.domain.adherence import WindowAdherence
from coaching.domain.display import relative_day
from coaching.domain.enums import Permission, Units
from coaching.domain.needs import ClientNeed, InjuryNeed
from coaching.domain.permissions import REFUSALS
from coaching.domain.plurals import plural
from coaching.domain.units import format_weight, plain, to_unit
from coaching.errors import DomainError
from coaching.services.charts import ChartData, ChartService
from coaching.services.dashboard import (
    ClientProgress,
    Dashboard,
    DashboardService,
)
from conversations.alerts import ALERTS as ALERT_BUTTONS
from conversations.alerts import SEVERITY_ICON, Al, counts_line
from conversations.charts import ChartUnavailable, render_chart
from conversations.clients import CARD_ACTIONS, card_data
from conversations.common import Button, Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import button, command
from conversations.typed_buttons import ButtonCodec, Press

log = logging.getLogger("spotter.dashboard")

# --- wording and keyboards -------------------------------------------------------------------

TITLE = "📊 <b>Dashboard</b> · {day}"
DIGEST_TITLE = "📰 <b>Your daily digest</b> · {day}"
TODAY = "🗓 <b>Today</b>"
NO_SESSIONS_TODAY = "No sessions today."
WEEK = "📅 <b>Next 7 days</b>: {total}"
FEEDBACK = "💬 <b>Feedback to review</b>: {count}"
ALERTS = "⚠️ <b>Open alerts</b>: {counts}"
ATTENTION = "🚩 <b>Needs attention</b>{clients}"
ALL_WELL = "✅ Every client is on track."
SEE_ALERTS = "Open alerts are waiting: tap ⚠️ Alerts."
NEEDS_MORE = "…and {clients}. Tap ⚠️ Alerts to work through them."
TODAY_MORE = "…and {count} more: tap 📅 Next 7 days."
TODAY_MAX = 15
"""Today's sessions listed on the dashboard; the rest are counted."""
NEEDS_MAX = 20
"""Clients named under Needs attention at most; the rest are counted."""
NEED_BUTTONS = 6
MISSED_SHOWN = 10
"""Missed sessions listed on the progress card; the rest are counted."""
REASONS_MAX = 300
TEXT_BUDGET = 3800
"""The dashboard stays under Telegram's 4,096 characters with room to spare."""
HIDDEN = "🔒 {clients} {verb} share their activity, so they can't be ranked."
NOTHING = "Nothing needs you today. 🎉"
EXPIRED = "This button has expired. Send /dashboard to start again."


class Db(StrEnum):
    """The dashboard's own buttons: ``db:home``, ``db:week``, ``db:fb``."""

    HOME = "home"
    WEEK = "week"
    FEEDBACK = "fb"


class Pg(StrEnum):
    """A client's progress page: ``pg:<profile id>`` (a client card's button, so bare)."""

    CLIENT = "c"


class Chart(StrEnum):
    """A chart button's kind: ``pc:<kind>:<profile>[:<exercise>]`` (a trainer's) or
    ``mp:<kind>[:<exercise>]`` (the client's own)."""

    LIFTS = "x"
    E1RM = "e"
    VOLUME = "v"
    ADHERENCE = "a"
    BODY = "b"


DB = ButtonCodec("db", Db)
PROGRESS = ButtonCodec("pg", Pg, bare=Pg.CLIENT)
PROGRESS_ACTION = ("📊 Progress", PROGRESS.prefix)
"""A live client's card button: the card adds ``:<profile id>``, giving ``pg:<id>``."""
TRAINER_CHART = ButtonCodec("pc", Chart)
MY_CHART = ButtonCodec("mp", Chart)
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


def _short(text: str, limit: int = 60) -> str:
    """A name or title cut for a one-line list (today's sessions stay within the budget)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _week_lines(board: Dashboard) -> list[str]:
    """``• Thursday 26 Nov: 1 session``, one line a day with sessions."""
    return [f"• {d:%A} {d.day} {d:%b}: {plural(n, 'session')}" for d, n in board.week]


def _today_lines(board: Dashboard) -> list[str]:
    lines = []
    for item in board.today_sessions[:TODAY_MAX]:
        at = _local(item.starts_at, board.timezone)
        name, title = _short(item.client_name), _short(item.title)
        lines.append(f"• {at:%H:%M} {esc(name)} — {esc(title)}")
    if len(board.today_sessions) > TODAY_MAX:
        lines.append(TODAY_MORE.format(count=len(board.today_sessions) - TODAY_MAX))
    return lines


def _injury(injury: InjuryNeed, today: date) -> str:
    what = f"{injury.part.lower()} injury" if injury.part else "injury"
    score = f" ({injury.score}/10)" if injury.score is not None else ""
    return f"{what} reported {relative_day(injury.reported_on, today)}{score}"


def need_reasons(need: ClientNeed, today: date) -> str:
    """Why a client needs the trainer, most pressing first, in plain words."""
    reasons = [_injury(i, today) for i in need.injuries[:2]]
    if len(need.injuries) > 2:
        reasons.append(f"{len(need.injuries) - 2} more injury reports")
    reasons += need.declines[:2]
    if need.missed:
        reasons.append(f"missed {plural(need.missed, 'session')}")
    if need.idle_days:
        reasons.append(f"no workout for {plural(need.idle_days, 'day')}")
    if need.drop_points is not None and need.drop_points <= -10:
        reasons.append(f"adherence {need.adherence_30}% ({need.drop_points:+f} pts)")
    if need.records:
        reasons.append("🏆 new personal records")
    reasons += [f"🎯 goal reached: “{goal}”" for goal in need.goals[:2]]
    if need.programs:
        reasons.append("🏁 finished their program")
    return "; ".join(reasons) or "check in"


def need_line(need: ClientNeed, today: date) -> str:
    icon = SEVERITY_ICON[need.severity] if need.severity is not None else "🚩"
    reasons = need_reasons(need, today)
    if len(reasons) > REASONS_MAX:
        reasons = reasons[: REASONS_MAX - 1].rstrip() + "…"
    return f"{icon} <b>{esc(need.name)}</b>: {esc(reasons)}"


def _needs_lines(board: Dashboard, room: int) -> list[str]:
    """The ranked clients, as many as fit in ``room`` characters; the rest are counted."""
    if not board.needs:
        return [ALL_WELL if not board.open_alerts else SEE_ALERTS]
    lines: list[str] = []
    used = 0
    for index, need in enumerate(board.needs):
        line = need_line(need, board.today)
        left = len(board.needs) - index
        full = used + len(line) + len(NEEDS_MORE) + 10 > room
        if index >= NEEDS_MAX or (index and full):  # the most pressing is always named
            lines.append(NEEDS_MORE.format(clients=plural(left, "more client")))
            break
        lines.append(line)
        used += len(line) + 1
    return lines


def dashboard_text(board: Dashboard, *, digest: bool = False) -> str:
    title = DIGEST_TITLE if digest else TITLE
    lines = [title.format(day=_day(board.today)), ""]
    lines.append(TODAY)
    lines += _today_lines(board) or [NO_SESSIONS_TODAY]
    lines.append("")
    lines.append(WEEK.format(total=plural(len(board.week_sessions), "session")))
    lines += _week_lines(board)
    lines.append("")
    lines.append(FEEDBACK.format(count=len(board.feedback)))
    lines.append(ALERTS.format(counts=counts_line(board.alert_counts)))
    lines.append("")
    ranked = len(board.needs)
    lines.append(ATTENTION.format(clients=f" ({plural(ranked, 'client')})" if ranked else ""))
    tail: list[str] = []
    if board.activity_hidden:
        hidden = board.activity_hidden
        tail.append(
            HIDDEN.format(
                clients=plural(hidden, "client"),
                verb="doesn't" if hidden == 1 else "don't",
            )
        )
    if board.is_empty:
        tail += ["", NOTHING]
    room = TEXT_BUDGET - len("\n".join(lines + tail))
    return "\n".join(lines + _needs_lines(board, room) + tail)


def dashboard_keyboard(board: Dashboard) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [
            ("📅 Next 7 days", DB.encode(Db.WEEK)),
            (f"💬 Feedback ({len(board.feedback)})", DB.encode(Db.FEEDBACK)),
        ],
        [(f"⚠️ Alerts ({board.open_alerts})", ALERT_BUTTONS.encode(Al.LIST))],
    ]
    for need in board.needs[:NEED_BUTTONS]:
        icon = SEVERITY_ICON[need.severity] if need.severity is not None else "🚩"
        rows.append(
            [(f"{icon} {need.name}"[:40], PROGRESS.encode(Pg.CLIENT, need.client_profile_id))]
        )
    rows.append([("🔄 Refresh", DB.encode(Db.HOME))])
    return keyboard(rows)


BACK_HOME: Button = ("◀ Dashboard", DB.encode(Db.HOME))


def _fitted(lines: list[str], entries: list[str], more: str) -> str:
    """``lines`` then as many ``entries`` as fit the budget; ``more`` counts the rest."""
    used = len("\n".join(lines))
    for index, entry in enumerate(entries):
        if used + len(entry) + len(more) + 12 > TEXT_BUDGET:
            lines.append(more.format(count=len(entries) - index))
            break
        lines.append(entry)
        used += len(entry) + 1
    return "\n".join(lines)


def week_text(board: Dashboard) -> str:
    lines = [WEEK_TITLE, ""]
    if not board.week_sessions and not board.today_sessions:
        lines.append("Nothing planned.")
    entries: list[str] = []
    current: date | None = None
    for item in (*board.today_sessions, *board.week_sessions):
        at = _local(item.starts_at, board.timezone)
        heading = ""
        if at.date() != current:
            current = at.date()
            heading = f"\n<b>{_day(current)}</b>\n"
        entries.append(f"{heading}• {at:%H:%M} {esc(item.client_name)} — {esc(item.title)}")
    return _fitted(lines, entries, "\n…and {count} more sessions.")


def feedback_text(board: Dashboard) -> str:
    if not board.feedback:
        return f"{FEEDBACK_TITLE}\n\n{NO_FEEDBACK}"
    entries: list[str] = []
    for item in board.feedback:
        rpe = f" · RPE {item.rpe}" if item.rpe is not None else ""
        entry = f"• <b>{esc(item.client_name)}</b> — {esc(item.title)} ({_day(item.day)}){rpe}"
        if item.comment:
            entry += f"\n   <i>“{esc(item.comment[:200])}”</i>"
        entries.append(entry)
    return _fitted([FEEDBACK_TITLE, ""], entries, "…and {count} more in /feedback.")


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
            for item in progress.missed[:MISSED_SHOWN]:
                at = _local(item.starts_at, progress.timezone)
                lines.append(f"• {_day(at.date())} {at:%H:%M} — {esc(_short(item.title))}")
            if len(progress.missed) > MISSED_SHOWN:
                lines.append(f"…and {len(progress.missed) - MISSED_SHOWN} more.")
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


def chart_buttons(progress: ClientProgress, codec: ButtonCodec[Chart]) -> list[list[Button]]:
    """Chart buttons: ``TRAINER_CHART`` (the client's profile id follows the kind) or
    ``MY_CHART`` (the client's own)."""
    ids = _chart_ids(progress, codec)
    rows: list[list[Button]] = []
    if progress.lifts is not None and progress.chart_exercises:
        rows.append(
            [
                ("📈 e1RM chart", codec.encode(Chart.LIFTS, *ids)),
                ("📊 Weekly volume", codec.encode(Chart.VOLUME, *ids)),
            ]
        )
    if progress.adherence is not None:
        rows.append([("🗓 Adherence calendar", codec.encode(Chart.ADHERENCE, *ids))])
    if progress.measurements_visible:
        rows.append([("⚖️ Body weight & measurements", codec.encode(Chart.BODY, *ids))])
    return rows


def _chart_ids(progress: ClientProgress, codec: ButtonCodec[Chart]) -> tuple[int, ...]:
    return (progress.client_profile_id,) if codec is TRAINER_CHART else ()


def progress_keyboard(progress: ClientProgress) -> InlineKeyboardMarkup:
    pid = progress.client_profile_id
    rows = chart_buttons(progress, TRAINER_CHART)
    rows.append([("⚠️ Alerts", ALERT_BUTTONS.encode(Al.CLIENT, pid)), ("📇 Card", card_data(pid))])
    return keyboard(rows)


def exercise_keyboard(progress: ClientProgress, codec: ButtonCodec[Chart]) -> InlineKeyboardMarkup:
    ids = _chart_ids(progress, codec)
    rows = [
        [(name[:40], codec.encode(Chart.E1RM, *ids, exercise_id))]
        for exercise_id, name in progress.chart_exercises
    ]
    return keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


def _data(update: Update) -> str | None:
    query = update.callback_query
    return query.data if query is not None else None


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


DRILLS: dict[Db, Callable[[Dashboard], str]] = {Db.WEEK: week_text, Db.FEEDBACK: feedback_text}


async def drill_pressed(update: Update, context: Context) -> None:
    press = DB.decode(_data(update))
    try:
        board = await DashboardService(services(context).ctx).dashboard(
            identity(update).telegram_id
        )
    except DomainError as error:
        await _refuse(update, str(error))
        return
    drill = DRILLS.get(press.action) if press is not None and press == Press(press.action) else None
    if drill is None:
        await _refuse(update, EXPIRED)
        return
    await show(update, drill(board), keyboard([[BACK_HOME]]))


async def progress_pressed(update: Update, context: Context) -> None:
    press = PROGRESS.decode(_data(update))
    if press is None or len(press.ids) != 1 or press.word is not None:
        await _refuse(update, EXPIRED)
        return
    try:
        progress = await DashboardService(services(context).ctx).client_progress(
            identity(update).telegram_id, press.ids[0]
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


SIMPLE_CHARTS: dict[Chart, Callable[[ChartService, int, int | None], Awaitable[ChartData]]] = {
    Chart.VOLUME: ChartService.volume,
    Chart.ADHERENCE: ChartService.adherence,
    Chart.BODY: ChartService.body,
}


async def _pick_lift(update: Update, context: Context, profile_id: int | None) -> None:
    """The e1RM chart's first step: which exercise."""
    dash = DashboardService(services(context).ctx)
    who = identity(update).telegram_id
    try:
        progress = (
            await dash.own_progress(who)
            if profile_id is None
            else await dash.client_progress(who, profile_id)
        )
    except DomainError as error:
        await _refuse(update, str(error))
        return
    if progress.lifts is None:
        await _refuse(update, REFUSALS[Permission.VIEW_PROGRESSION_DATA])
        return
    if not progress.chart_exercises:
        await _refuse(update, NO_LIFT_CHARTS if not progress.lifts_hidden else LIFTS_OFF)
        return
    codec = MY_CHART if profile_id is None else TRAINER_CHART
    await show(update, CHART_PICK, exercise_keyboard(progress, codec), edit=False)


async def chart_for(
    update: Update, context: Context, kind: Chart, profile_id: int | None, exercise: int | None
) -> None:
    """Shared by the trainer's (``pc:``) and the client's (``mp:``) chart buttons."""
    if kind is Chart.LIFTS:
        await _pick_lift(update, context, profile_id)
        return
    svc = ChartService(services(context).ctx)
    who = identity(update).telegram_id
    simple = SIMPLE_CHARTS.get(kind)
    if simple is None and (kind is not Chart.E1RM or exercise is None):
        await _refuse(update, EXPIRED)
        return
    try:
        if simple is not None:
            chart = await simple(svc, who, profile_id)
        else:
            assert exercise is not None
            chart = await svc.e1rm(who, profile_id, exercise)
    except DomainError as error:
        await _refuse(update, str(error))
        return
    await send_chart(update, context, chart)


async def trainer_chart_pressed(update: Update, context: Context) -> None:
    press = TRAINER_CHART.decode(_data(update))  # pc:<kind>:<profile>[:<exercise>]
    if press is None or len(press.ids) not in (1, 2) or press.word is not None:
        await _refuse(update, EXPIRED)
        return
    await chart_for(update, context, press.action, press.ids[0], press.id(1))


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
    if PROGRESS_ACTION not in CARD_ACTIONS:
        CARD_ACTIONS.insert(0, PROGRESS_ACTION)
    return [
        command("dashboard", dashboard_command),
        button(DB.exactly(Db.HOME), home_pressed),
        button(rf"^{DB.prefix}:", drill_pressed),
        button(rf"^{PROGRESS.prefix}:", progress_pressed),
        button(rf"^{TRAINER_CHART.prefix}:", trainer_chart_pressed),
    ]


__all__ = ["SEVERITY_ICON", "build_handler", "chart_buttons", "chart_for", "progress_text"]
