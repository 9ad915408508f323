"""/schedule: the trainer's coaching calendar.

The next 14 days at a glance; booking a session in three steps (client → time → type, the
type's button books), with the optional duration, focus, goals and location behind one
"More details" button and a question only when the time really overlaps another session; a
booking typed in one message ("Zed tomorrow 18:00 assessment") confirmed once; and per session:
reschedule, cancel, complete, and (from its day on) "Log this session", which opens the log
flow's ``lg:p:<id>`` entry point to start or resume logging it live. The client is told of
every change, in their own time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.booking import EXAMPLE, NoClientNamed, NoTimeGiven, TimeUnreadable
from coaching.domain.enums import SessionStatus, SessionType
from coaching.domain.threads import TargetKind
from coaching.domain.when import example_day
from coaching.errors import DomainError
from coaching.services.calendar import (
    SESSION_TITLES,
    CalendarService,
    NewSession,
    Overlap,
    SessionDetail,
    SessionNotice,
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
    stale_button,
    told,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.threads import message_button
from conversations.typed_buttons import ButtonCodec, Press

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
    DETAILS,
    CONFIRM,
    WHICH,
) = range(18)

KEY = "schedule"

# --- callback data ----------------------------------------------------------------------------


class Sch(StrEnum):
    """The calendar's buttons (``sch:<action>[:<id>]``; a session type as the word)."""

    LIST = "ls"
    SHOW = "s"
    NEW = "new"
    CLIENT = "c"
    CLIENT_PAGE = "cp"
    TYPE = "t"
    RESCHEDULE = "r"
    CANCEL = "x"
    COMPLETE = "k"
    SAVE = "save"
    RETIME = "retime"
    SKIP = "skip"


SCH = ButtonCodec("sch", Sch, words=True)
BACK_TO_LIST = SCH.encode(Sch.LIST, 0)

# --- wording and keyboards -------------------------------------------------------------------

LIST_HEADER = "🗓 <b>Your next 14 days</b> ({tz})"
LIST_EMPTY = "Nothing booked in the next 14 days."
NEW_BUTTON: Button = ("➕ New session", SCH.encode(Sch.NEW))
PICK_CLIENT = "➕ <b>New session</b>\n\nWho is it with?"
LIST_TIP = "To book, tap New session or type it in one message, e.g. <code>{example}</code>."
TYPED_TIP = "Or type it all in one message, e.g. <code>{example}</code>."
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
ASK_DURATION = "How long? Tap one or type the minutes, e.g. <code>75</code>."
SKIP = keyboard([[("Skip", SCH.encode(Sch.SKIP))]])
ASK_FOCUS = (
    "Focus areas? Separate them with commas, e.g. <code>squat depth, bracing</code>, or Skip."
)
ASK_GOALS = "Goals for the session? E.g. <code>test 5RM squat, film deadlift</code>, or Skip."
ASK_LOCATION = "Where? E.g. <code>Main gym, rack 3</code> or <code>Zoom</code>, or Skip."
OVERLAP_TEXT = "⚠️ The new time overlaps {what}. Move it there anyway, or pick another time?"
OVERLAP_BUTTONS = keyboard(
    [[("Move anyway", SCH.encode(Sch.SAVE)), ("Pick another time", SCH.encode(Sch.RETIME))]]
)
BOOKED = "✅ Booked: <b>{title}</b> with <b>{client}</b>, {when} ({minutes} min)."
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


def _pressed_id(update: Update) -> int | None:
    """The id of a calendar button that carries one, or ``None`` for data it never made."""
    assert update.callback_query is not None
    press = SCH.decode(update.callback_query.data)
    if press is None or press.word is not None or len(press.ids) != 1:
        return None
    return press.ids[0]


def _pressed_word(update: Update) -> str | None:
    """The word of a calendar button that carries one (a session type)."""
    assert update.callback_query is not None
    press = SCH.decode(update.callback_query.data)
    return press.word if press is not None and not press.ids else None


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
    return OVERLAP_TEXT.format(what=_overlap_parts(overlaps, starts_at))


def _overlap_parts(overlaps: tuple[Overlap, ...], starts_at: datetime) -> str:
    parts = []
    for item in overlaps:
        span = f"{item.starts_at:%H:%M}–{item.ends_at:%H:%M}"
        if item.starts_at.date() != starts_at.date():
            span = f"{item.starts_at:%a} {span}"
        parts.append(f"{esc(item.client_name)}'s session {span}")
    return "; ".join(parts)


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
        rows.append(
            [
                ("🔄 Reschedule", SCH.encode(Sch.RESCHEDULE, sid)),
                ("✖️ Cancel", SCH.encode(Sch.CANCEL, sid)),
            ]
        )
    if detail.loggable:
        # The log flow's entry point: it starts (or resumes) the live session.
        rows.append([(LOG_BUTTON, f"lg:p:{sid}")])
    if detail.actionable:
        rows.append([("✅ Complete", SCH.encode(Sch.COMPLETE, sid))])
    rows.append([message_button(TargetKind.SESSION, sid)])
    rows.append([("⬅️ Back", BACK_TO_LIST)])
    return keyboard(rows)


# --- the list ---------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    """/schedule shows the calendar; ``/schedule Zed tomorrow 18:00 assessment`` books."""
    assert context.user_data is not None
    context.user_data[KEY] = {}
    typed = " ".join(context.args or ())
    if typed.strip():
        try:
            await _svc(context).upcoming(identity(update).telegram_id)
        except DomainError as error:
            await show(update, esc(error), edit=False)
            return END
        return await typed_booking(update, context, LIST, typed)
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
                SCH.encode(Sch.SHOW, s.id),
            )
        ]
        for s in result.items
    ]
    nav: list[Button] = []
    if result.page > 0:
        nav.append(("◀️", SCH.encode(Sch.LIST, result.page - 1)))
    if result.page + 1 < result.pages:
        nav.append(("▶️", SCH.encode(Sch.LIST, result.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([NEW_BUTTON])
    if result.items:
        lines.append(
            f"{result.total} session{'s' if result.total != 1 else ''}; tap one to manage it."
        )
    lines.append("\n" + LIST_TIP.format(example=EXAMPLE))
    await show(update, "\n".join(lines), keyboard(rows), edit=edit)
    return LIST


async def list_page(update: Update, context: Context) -> int | None:
    page = _pressed_id(update)
    if page is None:
        await stale_button(update, context)
        return None
    return await _list(update, context, page)


# --- booking ----------------------------------------------------------------------------------
#
# Three steps: client → time → type (the type's button books). "More details" (duration, focus,
# goals, location) is one button away; an overlap is asked about once, only when there is one.
# A booking typed in one message ("Zed tomorrow 18:00 assessment") is read and confirmed once.


class Book(StrEnum):
    """The booking's buttons (``bk:<action>[:<id>]``)."""

    MORE = "more"
    FIELD = "f"
    DONE = "done"
    DURATION = "d"
    SKIP = "skip"
    OK = "ok"
    NO = "no"
    ANYWAY = "any"
    RETIME = "rt"
    WHO = "who"


BOOK = ButtonCodec("bk", Book)


class Detail(IntEnum):
    DURATION = 0
    FOCUS = 1
    GOALS = 2
    LOCATION = 3


def _book_id(update: Update) -> int | None:
    """The id of a booking button that carries one, or ``None`` for data it never made."""
    assert update.callback_query is not None
    press = BOOK.decode(update.callback_query.data)
    if press is None or press.word is not None or len(press.ids) != 1:
        return None
    return press.ids[0]


DEFAULT_MINUTES = 60
MAX_WHO_BUTTONS = 20
DETAIL_LABELS = {
    Detail.DURATION: "🕒 Duration",
    Detail.FOCUS: "🎯 Focus",
    Detail.GOALS: "🏁 Goals",
    Detail.LOCATION: "📍 Location",
}
DETAIL_STATES = {
    Detail.DURATION: DURATION,
    Detail.FOCUS: FOCUS,
    Detail.GOALS: GOALS,
    Detail.LOCATION: LOCATION,
}
MORE_BUTTON = "⚙️ More details"
ASK_WHEN_FOR = (
    "🕒 When is the session with <b>{client}</b>? Type it in your time zone ({tz}), e.g. "
    "<code>tomorrow 18:00</code>, <code>mon 7am</code>, <code>{example}</code> or "
    "<code>in 2 days</code>."
)
PICK_TYPE_TO_BOOK = (
    "What kind of session with <b>{client}</b>, {when} ({minutes} min)?{details}\n\n"
    "Tap the type to book it, or add details first."
)
DETAILS_MENU = (
    "⚙️ <b>Details</b> of the session with <b>{client}</b>, {when}:\n"
    "🕒 Duration: {minutes} min\n🎯 Focus: {focus}\n🏁 Goals: {goals}\n📍 Location: {location}\n\n"
    "Tap one to change it, then Done."
)
DETAIL_DONE = "✅ Done"
SKIP_BUTTON = keyboard([[("Skip", BOOK.encode(Book.SKIP))]])
BOOK_DURATION_BUTTONS = keyboard(
    [[(f"{m} min", BOOK.encode(Book.DURATION, m)) for m in (30, 45, 60, 90)]]
)
CONFIRM_TEXT = "📅 Book <b>{title}</b> with <b>{client}</b> on {when} ({minutes} min)?{details}"
CONFIRM_OVERLAP = "\n\n⚠️ It overlaps {what}."
BOOK_OVERLAP = (
    "⚠️ The session with <b>{client}</b> on {when} would overlap {what}.\n\n"
    "Book it anyway, or pick another time?"
)
WHICH_CLIENT = "Which client do you mean by <b>{words}</b>?"
WHICH_MORE = "\n\n{shown} of {total} shown: type more of the name to narrow it down."
NO_CLIENT_NAMED = (
    "I couldn't find one of your active clients named at the start or the end of "
    "<i>{text}</i>.\n\nType the client's name first, e.g. <code>{example}</code>, "
    "or tap New session. /cancel closes the calendar."
)
NO_TIME = "I found <b>{client}</b>, but no time. Add it, e.g. <code>{example}</code>."
TIME_UNREADABLE = (
    "I found <b>{client}</b>, but couldn't read the time <i>{when}</i>: {reason}\n\n"
    "For example: <code>{example}</code>"
)
NOT_BOOKED = "Nothing was booked."
PICK_A_TYPE = "Tap a session type to book it, or ⚙️ More details first."
TAP_TO_BOOK = "Tap ✅ Book, or type the booking again to change it."


def _example_date(update: Update, context: Context) -> str:
    """A date-and-time example that lies ahead, whatever the person's time zone."""
    return f"{example_day(services(context).ctx.clock.now().date()).isoformat()} 18:30"


def _details_text(state: dict[str, Any]) -> str:
    lines = []
    if state.get("focus"):
        lines.append(f"🎯 Focus: {esc(', '.join(state['focus']))}")
    if state.get("goals"):
        lines.append(f"🏁 Goals: {esc(', '.join(state['goals']))}")
    if state.get("location"):
        lines.append(f"📍 {esc(state['location'])}")
    return "".join(f"\n{line}" for line in lines)


async def _local_when(update: Update, context: Context, state: dict[str, Any]) -> str:
    local = await _svc(context).local(identity(update).telegram_id, _at(state))
    return _when(local)


def _at(state: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(state["at"]))


def _minutes(state: dict[str, Any]) -> int:
    return int(state.get("duration") or DEFAULT_MINUTES)


async def new_session(update: Update, context: Context) -> int:
    _state(context).clear()
    return await _clients(update, context, 0)


async def client_page(update: Update, context: Context) -> int | None:
    page = _pressed_id(update)
    if page is None:
        await stale_button(update, context)
        return None
    return await _clients(update, context, page)


async def _clients(update: Update, context: Context, page: int) -> int:
    result = await _svc(context).client_page(identity(update).telegram_id, page)
    if not result.total:
        await show(update, NO_CLIENTS, keyboard([[("⬅️ Back", BACK_TO_LIST)]]))
        return CLIENT
    rows: list[list[Button]] = [
        [(c.name, SCH.encode(Sch.CLIENT, c.profile_id))] for c in result.items
    ]
    nav: list[Button] = []
    if result.page > 0:
        nav.append(("◀️", SCH.encode(Sch.CLIENT_PAGE, result.page - 1)))
    if result.page + 1 < result.pages:
        nav.append(("▶️", SCH.encode(Sch.CLIENT_PAGE, result.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([("⬅️ Back", BACK_TO_LIST)])
    await show(update, f"{PICK_CLIENT}\n\n{TYPED_TIP.format(example=EXAMPLE)}", keyboard(rows))
    return CLIENT


async def _take_client(update: Update, context: Context, profile_id: int) -> bool:
    """Check the client may be booked and keep them in the draft; refuse the press if not."""
    try:
        client = await _svc(context).client(identity(update).telegram_id, profile_id)
    except DomainError as error:
        await _refuse(update, error)
        return False
    state = _state(context)
    state.update(client=client.profile_id, client_name=client.name)
    return True


async def pick_client(update: Update, context: Context) -> int | None:
    profile_id = _pressed_id(update)
    if profile_id is None:
        await stale_button(update, context)
        return None
    _state(context).clear()
    if not await _take_client(update, context, profile_id):
        return CLIENT
    return await _ask_when(update, context)


async def _ask_when(update: Update, context: Context) -> int:
    tz = (await _svc(context).upcoming(identity(update).telegram_id)).timezone
    client = esc(_state(context).get("client_name", ""))
    text = ASK_WHEN_FOR.format(client=client, tz=esc(tz), example=_example_date(update, context))
    await show(update, text)
    return WHEN


async def when_typed(update: Update, context: Context) -> int:
    try:
        at = await _svc(context).read_when(identity(update).telegram_id, _text(update))
    except DomainError as error:
        await _retry(update, error)
        return WHEN
    state = _state(context)
    state["at"] = at.isoformat()
    if "type" in state:
        # Back from "Pick another time": everything else is already known.
        return await _save(update, context, force=False, here=WHEN)
    return await _ask_type(update, context, edit=False)


def _type_keyboard() -> Any:
    labels = list(TYPE_LABELS.items())
    rows: list[list[Button]] = [
        [(label, SCH.encode(Sch.TYPE, word=kind.value)) for kind, label in labels[i : i + 2]]
        for i in range(0, len(labels), 2)
    ]
    rows.append([(MORE_BUTTON, BOOK.encode(Book.MORE))])
    return keyboard(rows)


async def _ask_type(update: Update, context: Context, *, edit: bool = True) -> int:
    state = _state(context)
    text = PICK_TYPE_TO_BOOK.format(
        client=esc(state["client_name"]),
        when=await _local_when(update, context, state),
        minutes=_minutes(state),
        details=_details_text(state),
    )
    await show(update, text, _type_keyboard(), edit=edit)
    return TYPE


async def pick_type(update: Update, context: Context) -> int:
    try:
        kind = SessionType(_pressed_word(update) or "")
    except ValueError:
        await _refuse(update, "That isn't a session type I offered. Tap one of the buttons.")
        return TYPE
    _state(context)["type"] = kind.value
    return await _save(update, context, force=False, here=TYPE)


async def type_typed(update: Update, context: Context) -> int:
    await show(update, PICK_A_TYPE, _type_keyboard(), edit=False)
    return TYPE


# --- more details ---------------------------------------------------------------------------


async def _details_menu(update: Update, context: Context, *, edit: bool = True) -> int:
    state = _state(context)
    text = DETAILS_MENU.format(
        client=esc(state["client_name"]),
        when=await _local_when(update, context, state),
        minutes=_minutes(state),
        focus=esc(", ".join(state.get("focus") or ())) or "—",
        goals=esc(", ".join(state.get("goals") or ())) or "—",
        location=esc(state.get("location") or "—"),
    )
    rows: list[list[Button]] = [
        [
            (DETAIL_LABELS[d], BOOK.encode(Book.FIELD, d.value))
            for d in (Detail.DURATION, Detail.FOCUS)
        ],
        [
            (DETAIL_LABELS[d], BOOK.encode(Book.FIELD, d.value))
            for d in (Detail.GOALS, Detail.LOCATION)
        ],
        [(DETAIL_DONE, BOOK.encode(Book.DONE))],
    ]
    await show(update, text, keyboard(rows), edit=edit)
    return DETAILS


async def more_details(update: Update, context: Context) -> int:
    return await _details_menu(update, context)


async def pick_detail(update: Update, context: Context) -> int:
    index = _book_id(update)
    if index is None or index not in set(Detail):
        await _refuse(update, "That button is out of date. Tap one of the details below.")
        return DETAILS
    detail = Detail(index)
    prompts = {
        Detail.DURATION: (ASK_DURATION, BOOK_DURATION_BUTTONS),
        Detail.FOCUS: (ASK_FOCUS, SKIP_BUTTON),
        Detail.GOALS: (ASK_GOALS, SKIP_BUTTON),
        Detail.LOCATION: (ASK_LOCATION, SKIP_BUTTON),
    }
    text, markup = prompts[detail]
    _state(context)["asking"] = detail.value
    await show(update, text, markup)
    return DETAIL_STATES[detail]


async def details_done(update: Update, context: Context) -> int:
    if "type" in _state(context):
        return await _confirm(update, context)
    return await _ask_type(update, context)


async def duration_pressed(update: Update, context: Context) -> int:
    minutes = _book_id(update)
    if minutes not in (30, 45, 60, 90):
        await _refuse(update, "Tap one of the durations, or type the minutes.")
        return DURATION
    _state(context)["duration"] = minutes
    return await _details_menu(update, context)


async def duration_typed(update: Update, context: Context) -> int:
    try:
        minutes = parse_duration(_text(update))
    except DomainError as error:
        await _retry(update, error, BOOK_DURATION_BUTTONS)
        return DURATION
    _state(context)["duration"] = minutes
    return await _details_menu(update, context, edit=False)


async def _list_typed(update: Update, context: Context, key: str, current: int) -> int:
    if is_skip(_text(update)):
        _state(context)[key] = []
        return await _details_menu(update, context, edit=False)
    try:
        _state(context)[key] = list(parse_list(_text(update)))
    except DomainError as error:
        await _retry(update, error, SKIP_BUTTON)
        return current
    return await _details_menu(update, context, edit=False)


async def focus_typed(update: Update, context: Context) -> int:
    return await _list_typed(update, context, "focus", FOCUS)


async def goals_typed(update: Update, context: Context) -> int:
    return await _list_typed(update, context, "goals", GOALS)


async def location_typed(update: Update, context: Context) -> int:
    if is_skip(_text(update)):
        _state(context)["location"] = None
        return await _details_menu(update, context, edit=False)
    try:
        location = clean_text(_text(update), "location", "Main gym, rack 3")
    except DomainError as error:
        await _retry(update, error, SKIP_BUTTON)
        return LOCATION
    _state(context)["location"] = location
    return await _details_menu(update, context, edit=False)


async def detail_skipped(update: Update, context: Context) -> int:
    """Skip on the focus, goals or location question clears that detail."""
    state = _state(context)
    asking = state.pop("asking", None)
    key = {Detail.FOCUS.value: "focus", Detail.GOALS.value: "goals"}.get(asking, "location")
    if key is not None:
        state.pop(key, None)
    return await _details_menu(update, context)


# --- a booking typed in one message -----------------------------------------------------------


async def typed_in_list(update: Update, context: Context) -> int:
    return await typed_booking(update, context, LIST)


async def typed_in_clients(update: Update, context: Context) -> int:
    return await typed_booking(update, context, CLIENT)


async def typed_in_view(update: Update, context: Context) -> int:
    return await typed_booking(update, context, VIEW)


async def typed_in_confirm(update: Update, context: Context) -> int:
    return await typed_booking(update, context, CONFIRM)


async def typed_booking(
    update: Update, context: Context, fallback: int, text: str | None = None
) -> int:
    """``Zed tomorrow 18:00 assessment``: read it, ask which client if several fit, confirm."""
    text = _text(update) if text is None else text
    try:
        draft = await _svc(context).read_typed(identity(update).telegram_id, text)
    except DomainError as error:
        await show(update, _typed_error(error), keyboard([[NEW_BUTTON]]), edit=False)
        return fallback
    state = _state(context)
    state.clear()
    state["at"] = draft.starts_at.isoformat()
    if draft.session_type is not None:
        state["type"] = draft.session_type.value
    if len(draft.clients) > 1:
        state["who"] = [c.profile_id for c in draft.clients[:MAX_WHO_BUTTONS]]
        rows: list[list[Button]] = [
            [(c.name, BOOK.encode(Book.WHO, c.profile_id))] for c in draft.clients[:MAX_WHO_BUTTONS]
        ]
        words = draft.client_words[:60]
        more = ""
        if len(draft.clients) > MAX_WHO_BUTTONS:
            more = WHICH_MORE.format(shown=MAX_WHO_BUTTONS, total=len(draft.clients))
        await show(update, WHICH_CLIENT.format(words=esc(words)) + more, keyboard(rows), edit=False)
        return WHICH
    client = draft.clients[0]
    state.update(client=client.profile_id, client_name=client.name)
    return await _after_client(update, context, edit=False)


def _typed_error(error: DomainError) -> str:
    if isinstance(error, NoClientNamed):
        return NO_CLIENT_NAMED.format(text=esc(error.text), example=EXAMPLE)
    if isinstance(error, NoTimeGiven):
        return NO_TIME.format(client=esc(error.client_words), example=EXAMPLE)
    if isinstance(error, TimeUnreadable):
        return TIME_UNREADABLE.format(
            client=esc(error.client_words),
            when=esc(error.when_text[:60]),
            reason=esc(error.reason),
            example=EXAMPLE,
        )
    return esc(error)


async def which_client(update: Update, context: Context) -> int:
    profile_id = _book_id(update)
    state = _state(context)
    if profile_id is None or profile_id not in (state.get("who") or ()):
        await _refuse(update, "That button is out of date. Tap one of the clients below.")
        return WHICH
    if not await _take_client(update, context, profile_id):
        return WHICH
    state.pop("who", None)
    return await _after_client(update, context)


async def _after_client(update: Update, context: Context, *, edit: bool = True) -> int:
    if "type" in _state(context):
        return await _confirm(update, context, edit=edit)
    return await _ask_type(update, context, edit=edit)


async def _confirm(update: Update, context: Context, *, edit: bool = True) -> int:
    state = _state(context)
    svc = _svc(context)
    who = identity(update).telegram_id
    kind = SessionType(state["type"])
    text = CONFIRM_TEXT.format(
        title=esc(SESSION_TITLES[kind]),
        client=esc(state["client_name"]),
        when=await _local_when(update, context, state),
        minutes=_minutes(state),
        details=_details_text(state),
    )
    overlaps = await svc.overlaps(who, _at(state), _minutes(state))
    if overlaps:
        local = await svc.local(who, _at(state))
        text += CONFIRM_OVERLAP.format(what=_overlap_parts(overlaps, local))
    rows: list[list[Button]] = [
        [("✅ Book", BOOK.encode(Book.OK)), (MORE_BUTTON, BOOK.encode(Book.MORE))],
        [("✖ Don't book", BOOK.encode(Book.NO))],
    ]
    await show(update, text, keyboard(rows), edit=edit)
    return CONFIRM


async def confirmed(update: Update, context: Context) -> int:
    # The confirmation already named any overlap: this tap books.
    return await _save(update, context, force=True, here=CONFIRM)


async def not_booked(update: Update, context: Context) -> int:
    _state(context).clear()
    await show(update, NOT_BOOKED, keyboard([[("⬅️ Back to the calendar", BACK_TO_LIST)]]))
    return LIST


# --- saving -----------------------------------------------------------------------------------


def _draft(state: dict[str, Any]) -> NewSession:
    return NewSession(
        client_profile_id=int(state["client"]),
        session_type=SessionType(state["type"]),
        starts_at=_at(state),
        duration_minutes=_minutes(state),
        focus_areas=tuple(state.get("focus") or ()),
        goals=tuple(state.get("goals") or ()),
        location=state.get("location"),
    )


async def _save(update: Update, context: Context, *, force: bool, here: int) -> int:
    state = _state(context)
    svc = _svc(context)
    who = identity(update).telegram_id
    draft = _draft(state)
    try:
        if not force:
            overlaps = await svc.overlaps(who, draft.starts_at, draft.duration_minutes)
            if overlaps:
                local = await svc.local(who, draft.starts_at)
                text = BOOK_OVERLAP.format(
                    client=esc(state["client_name"]),
                    when=_when(local),
                    what=_overlap_parts(overlaps, local),
                )
                rows: list[list[Button]] = [
                    [("✅ Book anyway", BOOK.encode(Book.ANYWAY))],
                    [("🕒 Pick another time", BOOK.encode(Book.RETIME))],
                ]
                await show(update, text, keyboard(rows), edit=update.callback_query is not None)
                return OVERLAP
        notice = await svc.create(who, draft)
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
            return here
        await _retry(update, error)
        return WHEN
    state.clear()
    await _booked(update, context, notice)
    return VIEW


async def _booked(update: Update, context: Context, notice: SessionNotice) -> None:
    item = notice.detail.item
    extra = ""
    if notice.detail.location:
        extra += f"\n📍 {esc(notice.detail.location)}"
    if notice.detail.focus_areas:
        extra += f"\n🎯 Focus: {esc(', '.join(notice.detail.focus_areas))}"
    if notice.detail.goals:
        extra += f"\nGoals: {esc(', '.join(notice.detail.goals))}"
    delivery = await notify(
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
    name = esc(item.client_name)
    joined = notice.client_telegram_id is not None
    said = told(name, delivery) if joined else CLIENT_NOT_TOLD.format(client=name)
    text = BOOKED.format(
        title=esc(item.title),
        client=esc(item.client_name),
        when=_when(item.starts_at),
        minutes=item.duration_minutes,
    )
    await show(
        update,
        f"{text}\n{said}",
        _detail_keyboard(notice.detail),
        edit=update.callback_query is not None,
    )


async def book_anyway(update: Update, context: Context) -> int:
    return await _save(update, context, force=True, here=OVERLAP)


async def pick_another_time(update: Update, context: Context) -> int:
    return await _ask_when(update, context)


# --- one session ------------------------------------------------------------------------------


async def view(update: Update, context: Context) -> int | None:
    session_id = _pressed_id(update)
    if session_id is None:
        await stale_button(update, context)
        return None
    try:
        detail = await _svc(context).detail(identity(update).telegram_id, session_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    _state(context).clear()
    await show(update, _detail_text(detail), _detail_keyboard(detail))
    return VIEW


async def _checked(update: Update, context: Context, target: SessionStatus) -> SessionDetail | None:
    session_id = _pressed_id(update)
    if session_id is None:
        await stale_button(update, context)
        return None
    try:
        detail = await _svc(context).check(identity(update).telegram_id, session_id, target)
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
    await show(update, text, keyboard([[("⬅️ Back to the calendar", BACK_TO_LIST)]]), edit=False)
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


Callback = Callable[[Update, Context], Coroutine[Any, Any, int | None]]

ONE_ID = frozenset(
    {
        Sch.LIST,
        Sch.SHOW,
        Sch.CLIENT,
        Sch.CLIENT_PAGE,
        Sch.RESCHEDULE,
        Sch.CANCEL,
        Sch.COMPLETE,
    }
)
"""The calendar's buttons that carry one id; :data:`Sch.TYPE` carries a word, the rest nothing."""


def _fits(press: Press[Sch]) -> bool:
    """Whether a decoded press has the shape this flow gives its action."""
    if press.action in ONE_ID:
        return len(press.ids) == 1 and press.word is None
    return not press.ids and (press.word is not None) == (press.action is Sch.TYPE)


def _calendar(table: Mapping[Sch, Callback]) -> list[CallbackQueryHandler[Any, Any]]:
    """The calendar's buttons, one handler an action; a press of the wrong shape (forged, or
    from an older version of the flow) gets the expired-button answer."""

    def guarded(handler: Callback) -> Callback:
        async def run(update: Update, context: Context) -> int | None:
            assert update.callback_query is not None
            press = SCH.decode(update.callback_query.data)
            if press is None or not _fits(press):
                await stale_button(update, context)
                return None
            return await handler(update, context)

        return run

    return [
        CallbackQueryHandler(guarded(handler), pattern=SCH.pattern(action))
        for action, handler in table.items()
    ]


def _booking(table: Mapping[Book, Callback]) -> list[CallbackQueryHandler[Any, Any]]:
    """The booking's buttons, one handler an action."""
    return [
        CallbackQueryHandler(handler, pattern=BOOK.pattern(action))
        for action, handler in table.items()
    ]


NAV: dict[Sch, Callback] = {Sch.SHOW: view, Sch.LIST: list_page, Sch.NEW: new_session}
SESSION_ACTIONS: dict[Sch, Callback] = {
    Sch.RESCHEDULE: reschedule_start,
    Sch.CANCEL: cancel_start,
    Sch.COMPLETE: complete_start,
}
BOOKING: dict[Book, Callback] = {Book.MORE: more_details, Book.NO: not_booked}
BUTTONS: dict[int, tuple[dict[Sch, Callback], dict[Book, Callback]]] = {
    LIST: ({}, {}),
    CLIENT: ({Sch.CLIENT: pick_client, Sch.CLIENT_PAGE: client_page}, {}),
    WHEN: ({}, {}),
    TYPE: ({Sch.TYPE: pick_type}, BOOKING),
    DETAILS: ({}, {Book.FIELD: pick_detail, Book.DONE: details_done}),
    DURATION: ({}, {Book.DURATION: duration_pressed}),
    FOCUS: ({}, {Book.SKIP: detail_skipped}),
    GOALS: ({}, {Book.SKIP: detail_skipped}),
    LOCATION: ({}, {Book.SKIP: detail_skipped}),
    WHICH: ({}, {Book.WHO: which_client}),
    CONFIRM: ({}, {Book.OK: confirmed, **BOOKING}),
    OVERLAP: ({}, {Book.ANYWAY: book_anyway, Book.RETIME: pick_another_time}),
    VIEW: (SESSION_ACTIONS, {}),
    RESCHEDULE: ({}, {}),
    RESCHEDULE_OVERLAP: ({Sch.SAVE: reschedule_anyway, Sch.RETIME: reschedule_retime}, {}),
    CANCEL_REASON: ({}, {}),
    COMPLETE_NOTES: ({}, {}),
    COMPLETE_OUTCOMES: ({Sch.SKIP: outcomes_skipped}, {}),
}
"""Each step's buttons, besides the calendar's navigation (:data:`NAV`), which every step has."""

TYPED: dict[int, Callback] = {
    LIST: typed_in_list,
    CLIENT: typed_in_clients,
    WHEN: when_typed,
    TYPE: type_typed,
    DETAILS: use_buttons,
    DURATION: duration_typed,
    FOCUS: focus_typed,
    GOALS: goals_typed,
    LOCATION: location_typed,
    WHICH: use_buttons,
    CONFIRM: typed_in_confirm,
    OVERLAP: use_buttons,
    VIEW: typed_in_view,
    RESCHEDULE: reschedule_typed,
    RESCHEDULE_OVERLAP: use_buttons,
    CANCEL_REASON: cancel_reason_typed,
    COMPLETE_NOTES: notes_typed,
    COMPLETE_OUTCOMES: outcomes_typed,
}
"""What a typed message means at each step."""


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[Any]] = {
        step: [
            *_calendar(own),
            *_booking(booking),
            *_calendar(NAV),
            MessageHandler(text, TYPED[step]),
        ]
        for step, (own, booking) in BUTTONS.items()
    }
    flow = Flow(
        "schedule",
        entry_points=[CommandHandler("schedule", start)],
        states=states,
    )
    return [flow]
