"""/schedule: the trainer's coaching calendar.

The next 14 days at a glance; booking a session (client → type → when → duration → focus →
goals → location, with an overlap warning); and per session: reschedule, cancel, complete,
and (from its day on) "Log this session", which opens the log flow's ``lg:p:<id>`` entry point
to start or resume logging it live. The client is told of every change, in their own time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.application import services
from coaching.domain.enums import SessionStatus, SessionType
from coaching.domain.threads import TargetKind
from coaching.domain.when import example_day
from coaching.errors import DomainError
from coaching.services.calendar import (
    CalendarService,
    NewSession,
    Overlap,
    SessionDetail,
    clean_text,
    parse_duration,
    parse_list,
)
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    notify,
    show,
)
from conversations.flow import Flow
from conversations.threads import message_button

(
    LIST,
    CLIENT,
    TYPE,
    WHEN,
    DURATION,
    FOCUS,
    GOALS,
    LOCATION,
    OVERLAP,
    VIEW,
    RESCHEDULE,
    RESCHEDULE_OVERLAP,
    CANCEL_REASON,
    COMPLETE_NOTES,
    COMPLETE_OUTCOMES,
) = range(15)

KEY = "schedule"

# --- wording and keyboards -------------------------------------------------------------------

LIST_HEADER = "🗓 <b>Your next 14 days</b> ({tz})"
LIST_EMPTY = "Nothing booked in the next 14 days."
NEW_BUTTON: Button = ("➕ New session", "sch:new")
PICK_CLIENT = "➕ <b>New session</b>\n\nWho is it with?"
NO_CLIENTS = "You have no active clients to book yet. Add one with /newclient."
TYPE_LABELS = {
    SessionType.ASSESSMENT: "📏 Assessment",
    SessionType.TRAINING: "🏋️ Training",
    SessionType.REVIEW: "📈 Review",
    SessionType.GOAL_SETTING: "🎯 Goal setting",
    SessionType.NUTRITION: "🥗 Nutrition",
    SessionType.RECOVERY: "🧘 Recovery",
}
STATUS_LABELS = {
    SessionStatus.SCHEDULED: "scheduled",
    SessionStatus.IN_PROGRESS: "in progress",
    SessionStatus.COMPLETED: "completed ✅",
    SessionStatus.CANCELLED: "cancelled ✖️",
    SessionStatus.RESCHEDULED: "moved to a new time",
}
PICK_TYPE = "What kind of session with <b>{client}</b>?"
ASK_WHEN = (
    "When? Type it in your time zone ({tz}), e.g. <code>tomorrow 18:00</code>, "
    "<code>mon 7am</code>, <code>{example} 18:30</code> or <code>in 2 days</code>."
)
ASK_DURATION = "How long? Tap one or type the minutes, e.g. <code>75</code>."
DURATION_BUTTONS = keyboard(
    [
        [
            ("30 min", "sch:d:30"),
            ("45 min", "sch:d:45"),
            ("60 min", "sch:d:60"),
            ("90 min", "sch:d:90"),
        ]
    ]
)
SKIP = keyboard([[("Skip", "sch:skip")]])
ASK_FOCUS = (
    "Focus areas? Separate them with commas, e.g. <code>squat depth, bracing</code>, or Skip."
)
ASK_GOALS = "Goals for the session? E.g. <code>test 5RM squat, film deadlift</code>, or Skip."
ASK_LOCATION = "Where? E.g. <code>Main gym, rack 3</code> or <code>Zoom</code>, or Skip."
OVERLAP_TEXT = "⚠️ This overlaps {what}. Save anyway?"
OVERLAP_BUTTONS = keyboard([[("Save anyway", "sch:save"), ("Pick another time", "sch:retime")]])
BOOKED = "✅ Booked: <b>{title}</b> with <b>{client}</b>, {when} ({minutes} min)."
CLIENT_TOLD = "{client} has been told."
CLIENT_NOT_TOLD = "{client} hasn't joined Spotter yet, so they weren't notified."
SEE_PLAN = keyboard([[("🗓 See plan", "plan:show")]])
NEW_NOTICE = "📅 <b>New session with {trainer}</b>: {title}\n🕒 {when} · {minutes} min{extra}"
MOVED_NOTICE = "🔄 <b>{trainer} moved your session</b> {title}\nfrom {old} to <b>{new}</b>."
CANCELLED_NOTICE = "✖️ <b>{trainer} cancelled your session</b> {title} on {when}.\nReason: {reason}"
COMPLETED_NOTICE = "✅ <b>{title}</b> on {when} with {trainer} is complete.{outcomes}"
ASK_RESCHEDULE = (
    "🔄 New time for <b>{title}</b> with {client} (now {when})? Type it in your time zone "
    "({tz}), e.g. <code>tomorrow 18:00</code>."
)
RESCHEDULED = "✅ Moved <b>{title}</b> with {client} to {when}."
ASK_CANCEL = (
    "✖️ Cancel <b>{title}</b> with {client} on {when}? Type the reason; {client} will see it. "
    "E.g. <code>I'm ill, sorry</code>."
)
CANCELLED = "✖️ Cancelled <b>{title}</b> with {client} on {when}."
LOG_BUTTON = "🏋️ Log this session"
ASK_NOTES = (
    "✅ Completing <b>{title}</b> with {client}. This saves your notes only; no sets are "
    f"recorded (to log sets, use {LOG_BUTTON} on the session's card in /schedule).\n\n"
    "Type your session notes, e.g. <code>Great energy, squat depth improved</code>."
)
ASK_OUTCOMES = (
    "Outcomes? Separate them with commas, e.g. <code>new 5RM squat 120 kg, "
    "hip mobility better</code>, or Skip."
)
COMPLETED = "✅ <b>{title}</b> with {client} is complete."
COMPLETED_NO_SETS = "No sets were recorded with it; your notes are saved."
COMPLETED_LIVE_OPEN = (
    "Your notes are saved. The sets logged live stay in that session: "
    "send /log to finish it, or it closes on its own later."
)


def _when(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b} {moment:%H:%M}"


def _state(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    found = data.get(KEY)
    if not isinstance(found, dict):
        found = {}
        data[KEY] = found
    return found


def _pressed(update: Update) -> str:
    assert update.callback_query is not None
    return (update.callback_query.data or "").rsplit(":", 1)[-1]


def _text(update: Update) -> str:
    assert update.effective_message is not None
    return update.effective_message.text or ""


def _svc(context: Context) -> CalendarService:
    return CalendarService(services(context).ctx)


async def _refuse(update: Update, error: object) -> None:
    await answer(update, str(error), alert=True)


async def _retry(update: Update, error: DomainError, markup: Any = None) -> None:
    """Bad typed input: say what was wrong and stay at the step."""
    await show(update, esc(error), markup, edit=False)


def _overlap_text(overlaps: tuple[Overlap, ...], starts_at: datetime) -> str:
    parts = []
    for item in overlaps:
        span = f"{item.starts_at:%H:%M}–{item.ends_at:%H:%M}"
        if item.starts_at.date() != starts_at.date():
            span = f"{item.starts_at:%a} {span}"
        parts.append(f"{esc(item.client_name)}'s session {span}")
    return OVERLAP_TEXT.format(what="; ".join(parts))


def _detail_text(detail: SessionDetail) -> str:
    item = detail.item
    lines = [
        f"{TYPE_LABELS[item.session_type]}: <b>{esc(item.title)}</b> with "
        f"<b>{esc(item.client_name)}</b>",
        f"🕒 {_when(item.starts_at)}–{item.ends_at:%H:%M} ({esc(detail.timezone)})",
        f"Status: {STATUS_LABELS[item.status]}",
    ]
    if detail.location:
        lines.append(f"📍 {esc(detail.location)}")
    if detail.focus_areas:
        lines.append(f"🎯 Focus: {esc(', '.join(detail.focus_areas))}")
    if detail.goals:
        lines.append(f"Goals: {esc(', '.join(detail.goals))}")
    if detail.earlier_times:
        lines.append("Moved from: " + ", ".join(_when(t) for t in detail.earlier_times))
    if detail.status_reason and item.status is SessionStatus.CANCELLED:
        lines.append(f"Reason: {esc(detail.status_reason)}")
    if detail.trainer_notes:
        lines.append(f"Notes: {esc(detail.trainer_notes)}")
    if detail.outcomes:
        lines.append(f"Outcomes: {esc(', '.join(detail.outcomes))}")
    return "\n".join(lines)


def _detail_keyboard(detail: SessionDetail) -> Any:
    sid = detail.item.id
    rows: list[list[Button]] = []
    if detail.actionable:
        rows.append([("🔄 Reschedule", f"sch:r:{sid}"), ("✖️ Cancel", f"sch:x:{sid}")])
    if detail.loggable:
        # The log flow's entry point: it starts (or resumes) the live session.
        rows.append([(LOG_BUTTON, f"lg:p:{sid}")])
    if detail.actionable:
        rows.append([("✅ Complete", f"sch:k:{sid}")])
    rows.append([message_button(TargetKind.SESSION, sid)])
    rows.append([("⬅️ Back", "sch:ls:0")])
    return keyboard(rows)


# --- the list ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = {}
    return await _list(update, context, 0, edit=False)


async def _list(update: Update, context: Context, page: int, *, edit: bool = True) -> int:
    try:
        result = await _svc(context).upcoming(identity(update).telegram_id, page)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    lines = [LIST_HEADER.format(tz=esc(result.timezone))]
    if not result.items:
        lines.append(LIST_EMPTY)
    rows: list[list[Button]] = [
        [
            (
                f"{_when(s.starts_at)} · {s.client_name} · {s.title}",
                f"sch:s:{s.id}",
            )
        ]
        for s in result.items
    ]
    nav: list[Button] = []
    if result.page > 0:
        nav.append(("◀️", f"sch:ls:{result.page - 1}"))
    if result.page + 1 < result.pages:
        nav.append(("▶️", f"sch:ls:{result.page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([NEW_BUTTON])
    if result.items:
        lines.append(
            f"{result.total} session{'s' if result.total != 1 else ''}; tap one to manage it."
        )
    await show(update, "\n".join(lines), keyboard(rows), edit=edit)
    return LIST


async def list_page(update: Update, context: Context) -> int:
    return await _list(update, context, int(_pressed(update)))


# --- booking ----------------------------------------------------------------------------------


async def new_session(update: Update, context: Context) -> int:
    _state(context).clear()
    return await _clients(update, context, 0)


async def client_page(update: Update, context: Context) -> int:
    return await _clients(update, context, int(_pressed(update)))


async def _clients(update: Update, context: Context, page: int) -> int:
    result = await _svc(context).client_page(identity(update).telegram_id, page)
    if not result.total:
        await show(update, NO_CLIENTS, keyboard([[("⬅️ Back", "sch:ls:0")]]))
        return CLIENT
    rows: list[list[Button]] = [[(c.name, f"sch:c:{c.profile_id}")] for c in result.items]
    nav: list[Button] = []
    if result.page > 0:
        nav.append(("◀️", f"sch:cp:{result.page - 1}"))
    if result.page + 1 < result.pages:
        nav.append(("▶️", f"sch:cp:{result.page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([("⬅️ Back", "sch:ls:0")])
    await show(update, PICK_CLIENT, keyboard(rows))
    return CLIENT


async def pick_client(update: Update, context: Context) -> int:
    try:
        client = await _svc(context).client(identity(update).telegram_id, int(_pressed(update)))
    except DomainError as error:
        await _refuse(update, error)
        return CLIENT
    state = _state(context)
    state.clear()
    state.update(client=client.profile_id, client_name=client.name)
    labels = list(TYPE_LABELS.items())
    rows: list[list[Button]] = [
        [(label, f"sch:t:{kind.value}") for kind, label in labels[i : i + 2]]
        for i in range(0, len(labels), 2)
    ]
    await show(update, PICK_TYPE.format(client=esc(client.name)), keyboard(rows))
    return TYPE


async def pick_type(update: Update, context: Context) -> int:
    try:
        kind = SessionType(_pressed(update))
    except ValueError:
        await _refuse(update, "That isn't a session type I offered. Tap one of the buttons.")
        return TYPE
    _state(context)["type"] = kind.value
    return await _ask_when(update, context)


async def _ask_when(update: Update, context: Context) -> int:
    tz = (await _svc(context).upcoming(identity(update).telegram_id)).timezone
    example = example_day(services(context).ctx.clock.now().date()).isoformat()
    await show(update, ASK_WHEN.format(tz=esc(tz), example=example))
    return WHEN


async def when_typed(update: Update, context: Context) -> int:
    try:
        at = await _svc(context).read_when(identity(update).telegram_id, _text(update))
    except DomainError as error:
        await _retry(update, error)
        return WHEN
    state = _state(context)
    state["at"] = at.isoformat()
    if "duration" in state:
        # Back from "Pick another time": everything else is already known.
        return await _save(update, context, force=False)
    await show(update, ASK_DURATION, DURATION_BUTTONS, edit=False)
    return DURATION


async def duration_pressed(update: Update, context: Context) -> int:
    minutes = int(_pressed(update))
    if minutes not in (30, 45, 60, 90):
        await _refuse(update, "Tap one of the durations, or type the minutes.")
        return DURATION
    _state(context)["duration"] = minutes
    await show(update, ASK_FOCUS, SKIP)
    return FOCUS


async def duration_typed(update: Update, context: Context) -> int:
    try:
        minutes = parse_duration(_text(update))
    except DomainError as error:
        await _retry(update, error, DURATION_BUTTONS)
        return DURATION
    _state(context)["duration"] = minutes
    await show(update, ASK_FOCUS, SKIP, edit=False)
    return FOCUS


async def focus_typed(update: Update, context: Context) -> int:
    if is_skip(_text(update)):
        return await focus_skipped(update, context)
    try:
        _state(context)["focus"] = list(parse_list(_text(update)))
    except DomainError as error:
        await _retry(update, error, SKIP)
        return FOCUS
    await show(update, ASK_GOALS, SKIP, edit=False)
    return GOALS


async def focus_skipped(update: Update, context: Context) -> int:
    _state(context)["focus"] = []
    await show(update, ASK_GOALS, SKIP)
    return GOALS


async def goals_typed(update: Update, context: Context) -> int:
    if is_skip(_text(update)):
        return await goals_skipped(update, context)
    try:
        _state(context)["goals"] = list(parse_list(_text(update)))
    except DomainError as error:
        await _retry(update, error, SKIP)
        return GOALS
    await show(update, ASK_LOCATION, SKIP, edit=False)
    return LOCATION


async def goals_skipped(update: Update, context: Context) -> int:
    _state(context)["goals"] = []
    await show(update, ASK_LOCATION, SKIP)
    return LOCATION


async def location_typed(update: Update, context: Context) -> int:
    if is_skip(_text(update)):
        return await location_skipped(update, context)
    try:
        location = clean_text(_text(update), "location", "Main gym, rack 3")
    except DomainError as error:
        await _retry(update, error, SKIP)
        return LOCATION
    _state(context)["location"] = location
    return await _save(update, context, force=False)


async def location_skipped(update: Update, context: Context) -> int:
    _state(context)["location"] = None
    return await _save(update, context, force=False)


def _draft(state: dict[str, Any]) -> NewSession:
    return NewSession(
        client_profile_id=int(state["client"]),
        session_type=SessionType(state["type"]),
        starts_at=datetime.fromisoformat(state["at"]),
        duration_minutes=int(state["duration"]),
        focus_areas=tuple(state.get("focus") or ()),
        goals=tuple(state.get("goals") or ()),
        location=state.get("location"),
    )


async def _save(update: Update, context: Context, *, force: bool) -> int:
    state = _state(context)
    svc = _svc(context)
    who = identity(update).telegram_id
    draft = _draft(state)
    try:
        if not force:
            overlaps = await svc.overlaps(who, draft.starts_at, draft.duration_minutes)
            if overlaps:
                local = await svc.local(who, draft.starts_at)
                await show(update, _overlap_text(overlaps, local), OVERLAP_BUTTONS)
                return OVERLAP
        notice = await svc.create(who, draft)
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
            return OVERLAP if force else LOCATION
        await _retry(update, error)
        return WHEN if "already passed" in str(error) else LOCATION
    state.clear()
    item = notice.detail.item
    extra = ""
    if notice.detail.location:
        extra += f"\n📍 {esc(notice.detail.location)}"
    if notice.detail.focus_areas:
        extra += f"\n🎯 Focus: {esc(', '.join(notice.detail.focus_areas))}"
    if notice.detail.goals:
        extra += f"\nGoals: {esc(', '.join(notice.detail.goals))}"
    await notify(
        context,
        notice.client_telegram_id,
        NEW_NOTICE.format(
            trainer=esc(notice.trainer_name),
            title=esc(item.title),
            when=_when(notice.client_starts_at),
            minutes=item.duration_minutes,
            extra=extra,
        ),
        SEE_PLAN,
    )
    told = CLIENT_TOLD if notice.client_telegram_id is not None else CLIENT_NOT_TOLD
    text = BOOKED.format(
        title=esc(item.title),
        client=esc(item.client_name),
        when=_when(item.starts_at),
        minutes=item.duration_minutes,
    )
    await show(
        update,
        f"{text}\n{told.format(client=esc(item.client_name))}",
        _detail_keyboard(notice.detail),
    )
    return VIEW


async def save_anyway(update: Update, context: Context) -> int:
    return await _save(update, context, force=True)


async def pick_another_time(update: Update, context: Context) -> int:
    return await _ask_when(update, context)


# --- one session ------------------------------------------------------------------------------


async def view(update: Update, context: Context) -> int | None:
    try:
        detail = await _svc(context).detail(identity(update).telegram_id, int(_pressed(update)))
    except DomainError as error:
        await _refuse(update, error)
        return None
    _state(context).clear()
    await show(update, _detail_text(detail), _detail_keyboard(detail))
    return VIEW


async def _checked(update: Update, context: Context, target: SessionStatus) -> SessionDetail | None:
    try:
        detail = await _svc(context).check(
            identity(update).telegram_id, int(_pressed(update)), target
        )
    except DomainError as error:
        await _refuse(update, error)
        return None
    state = _state(context)
    state.clear()
    state.update(sid=detail.item.id, title=detail.item.title, client_name=detail.item.client_name)
    return detail


def _sid(context: Context) -> int:
    return int(_state(context)["sid"])


async def reschedule_start(update: Update, context: Context) -> int | None:
    detail = await _checked(update, context, SessionStatus.RESCHEDULED)
    if detail is None:
        return None
    item = detail.item
    await show(
        update,
        ASK_RESCHEDULE.format(
            title=esc(item.title),
            client=esc(item.client_name),
            when=_when(item.starts_at),
            tz=esc(detail.timezone),
        ),
    )
    return RESCHEDULE


async def reschedule_typed(update: Update, context: Context) -> int:
    svc = _svc(context)
    who = identity(update).telegram_id
    state = _state(context)
    try:
        at = await svc.read_when(who, _text(update))
        detail = await svc.detail(who, _sid(context))
        overlaps = await svc.overlaps(
            who, at, detail.item.duration_minutes, exclude_id=detail.item.id
        )
    except DomainError as error:
        await _retry(update, error)
        return RESCHEDULE
    state["at"] = at.isoformat()
    if overlaps:
        local = await svc.local(who, at)
        await show(update, _overlap_text(overlaps, local), OVERLAP_BUTTONS, edit=False)
        return RESCHEDULE_OVERLAP
    return await _reschedule(update, context)


async def _reschedule(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        notice = await _svc(context).reschedule(
            identity(update).telegram_id, _sid(context), datetime.fromisoformat(state["at"])
        )
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
            return RESCHEDULE_OVERLAP
        await _retry(update, error)
        return RESCHEDULE
    item = notice.detail.item
    await notify(
        context,
        notice.client_telegram_id,
        MOVED_NOTICE.format(
            trainer=esc(notice.trainer_name),
            title=esc(item.title),
            old=_when(notice.client_previous) if notice.client_previous else "?",
            new=_when(notice.client_starts_at),
        ),
        SEE_PLAN,
    )
    state.clear()
    text = RESCHEDULED.format(
        title=esc(item.title), client=esc(item.client_name), when=_when(item.starts_at)
    )
    await show(
        update,
        f"{text}\n\n{_detail_text(notice.detail)}",
        _detail_keyboard(notice.detail),
        edit=update.callback_query is not None,
    )
    return VIEW


async def reschedule_anyway(update: Update, context: Context) -> int:
    return await _reschedule(update, context)


async def reschedule_retime(update: Update, context: Context) -> int:
    state = _state(context)
    detail = await _svc(context).detail(identity(update).telegram_id, _sid(context))
    item = detail.item
    state.pop("at", None)
    await show(
        update,
        ASK_RESCHEDULE.format(
            title=esc(item.title),
            client=esc(item.client_name),
            when=_when(item.starts_at),
            tz=esc(detail.timezone),
        ),
    )
    return RESCHEDULE


async def cancel_start(update: Update, context: Context) -> int | None:
    detail = await _checked(update, context, SessionStatus.CANCELLED)
    if detail is None:
        return None
    item = detail.item
    await show(
        update,
        ASK_CANCEL.format(
            title=esc(item.title), client=esc(item.client_name), when=_when(item.starts_at)
        ),
    )
    return CANCEL_REASON


async def cancel_reason_typed(update: Update, context: Context) -> int:
    try:
        notice = await _svc(context).cancel(
            identity(update).telegram_id, _sid(context), _text(update)
        )
    except DomainError as error:
        await _retry(update, error)
        return CANCEL_REASON
    item = notice.detail.item
    await notify(
        context,
        notice.client_telegram_id,
        CANCELLED_NOTICE.format(
            trainer=esc(notice.trainer_name),
            title=esc(item.title),
            when=_when(notice.client_starts_at),
            reason=esc(notice.detail.status_reason or ""),
        ),
    )
    _state(context).clear()
    text = CANCELLED.format(
        title=esc(item.title), client=esc(item.client_name), when=_when(item.starts_at)
    )
    await show(update, text, keyboard([[("⬅️ Back to the calendar", "sch:ls:0")]]), edit=False)
    return VIEW


async def complete_start(update: Update, context: Context) -> int | None:
    detail = await _checked(update, context, SessionStatus.COMPLETED)
    if detail is None:
        return None
    item = detail.item
    await show(update, ASK_NOTES.format(title=esc(item.title), client=esc(item.client_name)))
    return COMPLETE_NOTES


async def notes_typed(update: Update, context: Context) -> int:
    try:
        notes = clean_text(_text(update), "notes", "great energy, squat depth improved", 2000)
    except DomainError as error:
        await _retry(update, error)
        return COMPLETE_NOTES
    _state(context)["notes"] = notes
    await show(update, ASK_OUTCOMES, SKIP, edit=False)
    return COMPLETE_OUTCOMES


async def _complete(update: Update, context: Context, outcomes: tuple[str, ...]) -> int:
    state = _state(context)
    try:
        notice = await _svc(context).complete(
            identity(update).telegram_id, _sid(context), state.get("notes", ""), outcomes
        )
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
        else:
            await _retry(update, error, SKIP)
        return COMPLETE_OUTCOMES
    item = notice.detail.item
    shown = f"\nOutcomes: {esc(', '.join(outcomes))}" if outcomes else ""
    await notify(
        context,
        notice.client_telegram_id,
        COMPLETED_NOTICE.format(
            title=esc(item.title),
            when=_when(notice.client_starts_at),
            trainer=esc(notice.trainer_name),
            outcomes=shown,
        ),
    )
    state.clear()
    text = COMPLETED.format(title=esc(item.title), client=esc(item.client_name))
    text += "\n" + (COMPLETED_LIVE_OPEN if notice.was_started else COMPLETED_NO_SETS)
    await show(
        update,
        f"{text}\n\n{_detail_text(notice.detail)}",
        _detail_keyboard(notice.detail),
        edit=update.callback_query is not None,
    )
    return VIEW


async def outcomes_typed(update: Update, context: Context) -> int:
    if is_skip(_text(update)):
        return await outcomes_skipped(update, context)
    try:
        outcomes = parse_list(_text(update))
    except DomainError as error:
        await _retry(update, error, SKIP)
        return COMPLETE_OUTCOMES
    return await _complete(update, context, outcomes)


async def outcomes_skipped(update: Update, context: Context) -> int:
    return await _complete(update, context, ())


async def use_buttons(update: Update, context: Context) -> None:
    await show(update, "Please use the buttons above, or /cancel.", edit=False)


def build_handler() -> list[object]:
    def cb(callback: Any, pattern: str) -> CallbackQueryHandler[Any, Any]:
        return CallbackQueryHandler(callback, pattern=pattern)

    text = filters.TEXT & ~filters.COMMAND
    nav = [
        cb(view, r"^sch:s:\d+$"),
        cb(list_page, r"^sch:ls:\d+$"),
        cb(new_session, r"^sch:new$"),
    ]
    actions = [
        cb(reschedule_start, r"^sch:r:\d+$"),
        cb(cancel_start, r"^sch:x:\d+$"),
        cb(complete_start, r"^sch:k:\d+$"),
    ]
    flow = Flow(
        "schedule",
        entry_points=[CommandHandler("schedule", start)],
        states={
            LIST: [*nav, MessageHandler(text, use_buttons)],
            CLIENT: [
                cb(pick_client, r"^sch:c:\d+$"),
                cb(client_page, r"^sch:cp:\d+$"),
                *nav,
                MessageHandler(text, use_buttons),
            ],
            TYPE: [cb(pick_type, r"^sch:t:[A-Z_]+$"), *nav, MessageHandler(text, use_buttons)],
            WHEN: [*nav, MessageHandler(text, when_typed)],
            DURATION: [
                cb(duration_pressed, r"^sch:d:\d+$"),
                *nav,
                MessageHandler(text, duration_typed),
            ],
            FOCUS: [cb(focus_skipped, r"^sch:skip$"), *nav, MessageHandler(text, focus_typed)],
            GOALS: [cb(goals_skipped, r"^sch:skip$"), *nav, MessageHandler(text, goals_typed)],
            LOCATION: [
                cb(location_skipped, r"^sch:skip$"),
                *nav,
                MessageHandler(text, location_typed),
            ],
            OVERLAP: [
                cb(save_anyway, r"^sch:save$"),
                cb(pick_another_time, r"^sch:retime$"),
                *nav,
                MessageHandler(text, use_buttons),
            ],
            VIEW: [*actions, *nav, MessageHandler(text, use_buttons)],
            RESCHEDULE: [*nav, MessageHandler(text, reschedule_typed)],
            RESCHEDULE_OVERLAP: [
                cb(reschedule_anyway, r"^sch:save$"),
                cb(reschedule_retime, r"^sch:retime$"),
                *nav,
                MessageHandler(text, use_buttons),
            ],
            CANCEL_REASON: [*nav, MessageHandler(text, cancel_reason_typed)],
            COMPLETE_NOTES: [*nav, MessageHandler(text, notes_typed)],
            COMPLETE_OUTCOMES: [
                cb(outcomes_skipped, r"^sch:skip$"),
                *nav,
                MessageHandler(text, outcomes_typed),
            ],
        },
    )
    return [flow]
