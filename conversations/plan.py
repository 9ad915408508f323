"""/today and /plan for clients, and the .ics calendar download."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from telegram import Update

from coaching.domain.enums import SessionStatus, SessionType
from coaching.services.plan import ExerciseLine, PlanService, SessionLine, TodaySession
from conversations.common import Button, Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import button, command
from conversations.howto import howto_rows
from conversations.threads import today_ask_button

# --- wording and keyboards -------------------------------------------------------------------

NOT_A_CLIENT = (
    "This is for clients. To become one, open the invite link your trainer sent you, "
    "or find a trainer with /trainers. Send /help to see what you can do."
)
TODAY_HEADER = "📋 <b>Today</b>, {day}"
NO_SESSION_TODAY = "No session today. Rest up! 😌"
NEXT_SESSION = "Next: <b>{title}</b>, {when} with {trainer}."
NOTHING_PLANNED = "Nothing is planned yet. Your trainer will add sessions here."
PLAN_HEADER = "🗓 <b>Your next 14 days</b> ({start} – {end})"
PLAN_EMPTY = "Nothing is scheduled in the next 14 days."
ICS_CAPTION = (
    "📅 Your upcoming sessions ({count}). Open the file to add them to your phone's calendar; "
    "importing a newer file updates the same entries."
)
ICS_EMPTY = "You have no upcoming sessions to add to a calendar yet."
FIRST_TIME = "First time"
LAST_TIME = "Last time: {sets} ({on})"
STATUS_MARKS = {SessionStatus.COMPLETED: " ✅", SessionStatus.IN_PROGRESS: " ▶️"}
TYPE_ICONS = {
    SessionType.TRAINING: "🏋️",
    SessionType.ASSESSMENT: "📏",
    SessionType.REVIEW: "📈",
    SessionType.GOAL_SETTING: "🎯",
    SessionType.NUTRITION: "🥗",
    SessionType.RECOVERY: "🧘",
}
ICS_BUTTON = ("📅 Add to calendar (.ics)", "plan:ics")
PLAN_BUTTON = ("🗓 Next 14 days", "plan:show")
TODAY_BUTTON = ("📋 Today", "plan:today")
MESSAGE_LIMIT = 4000
HOWTO_BUTTONS = 10
CHANGED_FOR_YOU = "✏️ <b>Changed for you today:</b>\n"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _when(moment: datetime) -> str:
    return f"{_day(moment.date())} {moment:%H:%M}"


def _exercise(index: int, line: ExerciseLine) -> str:
    parts = [f"{index}. <b>{esc(line.name)}</b> — {esc(line.target)}"]
    if line.swapped_from:
        parts.append(f"   🔁 instead of {esc(line.swapped_from)}")
    if line.instructions:
        parts.append(f"   📝 {esc(line.instructions)}")
    if line.tips:
        parts.append(f"   💡 {esc(line.tips)}")
    if line.last_time is None:
        parts.append(f"   <i>{FIRST_TIME}</i>")
    else:
        last = LAST_TIME.format(sets=esc(line.last_time.sets), on=_day(line.last_time.on))
        parts.append(f"   <i>{last}</i>")
    return "\n".join(parts)


def _session_head(line: SessionLine) -> str:
    icon = TYPE_ICONS.get(line.session_type, "🏋️")
    text = (
        f"{icon} <b>{esc(line.title)}</b>{STATUS_MARKS.get(line.status, '')}\n"
        f"🕒 {line.starts_at:%H:%M} · {line.duration_minutes} min · with {esc(line.trainer_name)}"
    )
    if line.location:
        text += f"\n📍 {esc(line.location)}"
    if line.focus_areas:
        text += f"\n🎯 {esc(', '.join(line.focus_areas))}"
    return text


def _today_block(item: TodaySession) -> str:
    lines = [_session_head(item.session)]
    if item.description:
        lines.append(esc(item.description))
    if item.warmup:
        lines.append(f"<b>Warm-up:</b> {esc(', '.join(item.warmup))}")
    lines.extend(_exercise(i, e) for i, e in enumerate(item.exercises, start=1))
    if item.cooldown:
        lines.append(f"<b>Cool-down:</b> {esc(', '.join(item.cooldown))}")
    if item.changes:
        lines.append(CHANGED_FOR_YOU + "\n".join(f"• {esc(c)}" for c in item.changes))
    return "\n".join(lines)


def _fit(text: str) -> str:
    """Keep a message under Telegram's limit (a very long session is cut, not refused)."""
    if len(text) <= MESSAGE_LIMIT:
        return text
    cut = text[:MESSAGE_LIMIT].rsplit("\n", 1)[0]
    return cut + "\n…"


# --- handlers ---------------------------------------------------------------------------------


async def today(update: Update, context: Context) -> None:
    view = await PlanService(services(context).ctx).today(identity(update).telegram_id)
    if not view.is_client:
        await show(update, NOT_A_CLIENT, edit=False)
        return
    parts = [TODAY_HEADER.format(day=_day(view.today))]
    if view.sessions:
        parts.extend(_today_block(item) for item in view.sessions)
    else:
        parts.append(NO_SESSION_TODAY)
        if view.next_session is not None:
            nxt = view.next_session
            parts.append(
                NEXT_SESSION.format(
                    title=esc(nxt.title),
                    when=_when(nxt.starts_at),
                    trainer=esc(nxt.trainer_name),
                )
            )
        else:
            parts.append(NOTHING_PLANNED)
    # A Start button per session still to do opens it in /log (data ``lg:p:<session id>``).
    startable = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)
    starts = [
        [(f"▶️ Start {item.session.title[:40]}", f"lg:p:{item.session.id}")]
        for item in view.sessions
        if item.session.status in startable
    ][:3]
    count = len(view.sessions)
    asks = [[today_ask_button(i.session.id, i.session.title, count)] for i in view.sessions[:3]]
    rows = [*starts, *asks, *_howto_rows(view.sessions), [PLAN_BUTTON], [ICS_BUTTON]]
    await show(update, _fit("\n\n".join(parts)), keyboard(rows), edit=False)


def _howto_rows(sessions: Sequence[TodaySession]) -> list[list[Button]]:
    """ "ℹ️ How to" buttons for the exercises of today's sessions (the first few)."""
    return howto_rows(
        ((line.exercise_id, line.name) for item in sessions for line in item.exercises),
        HOWTO_BUTTONS,
    )


async def plan(update: Update, context: Context) -> None:
    view = await PlanService(services(context).ctx).plan(identity(update).telegram_id)
    if not view.is_client:
        await show(update, NOT_A_CLIENT, edit=False)
        return
    parts = [PLAN_HEADER.format(start=_day(view.start), end=_day(view.end))]
    if not view.days:
        parts.append(PLAN_EMPTY)
    for day, items in view.days:
        rows = [f"<b>{_day(day)}</b>"]
        for item in items:
            icon = TYPE_ICONS.get(item.session_type, "🏋️")
            where = f" · 📍 {esc(item.location)}" if item.location else ""
            rows.append(
                f"  {item.starts_at:%H:%M} {icon} {esc(item.title)}"
                f"{STATUS_MARKS.get(item.status, '')} · {item.duration_minutes} min"
                f" · with {esc(item.trainer_name)}{where}"
            )
        parts.append("\n".join(rows))
    await show(
        update, _fit("\n\n".join(parts)), keyboard([[TODAY_BUTTON], [ICS_BUTTON]]), edit=False
    )


async def today_pressed(update: Update, context: Context) -> None:
    await answer(update)
    await today(update, context)


async def plan_pressed(update: Update, context: Context) -> None:
    await answer(update)
    await plan(update, context)


async def send_calendar(update: Update, context: Context) -> None:
    """The .ics of every upcoming session, sent as a document."""
    file = await PlanService(services(context).ctx).calendar_file(identity(update).telegram_id)
    if file is None:
        await answer(update, NOT_A_CLIENT, alert=True)
        return
    if not file.count:
        await answer(update, ICS_EMPTY, alert=True)
        return
    await answer(update)
    chat = update.effective_chat
    if chat is None:
        return
    await chat.send_document(
        document=file.data, filename=file.filename, caption=ICS_CAPTION.format(count=file.count)
    )


def build_handler() -> list[object]:
    return [
        command("today", today),
        command("plan", plan),
        button(r"^plan:today$", today_pressed),
        button(r"^plan:show$", plan_pressed),
        button(r"^plan:ics$", send_calendar),
    ]
