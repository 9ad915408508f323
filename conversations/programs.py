"""/programs: programs of weeks and sessions, and "repeat a week with progression".

A trainer creates a program (name, description, difficulty, weeks, goals), fills weeks with
sessions copied from a template or built ad hoc (the same exercise entry as templates), and
repeats a week into later weeks with loads rising week on week, in one action.

Every button carries the ids it acts on; the services re-check them against the acting user.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler

from coaching.domain.enums import Difficulty, Units
from coaching.domain.plurals import plural
from coaching.domain.progression import (
    Increment,
    IncrementKind,
    ProgressionError,
    parse_increment,
    parse_week_range,
)
from coaching.domain.sets import to_unit
from coaching.errors import DomainError
from coaching.services.programs import (
    NewProgram,
    ProgramField,
    ProgramService,
    ProgramSummary,
    ProgramView,
    SessionField,
    SessionSummary,
    SessionView,
    parse_weeks,
)
from coaching.services.templates import (
    ParentKind,
    TemplateService,
    parse_difficulty,
    parse_list,
)
from coaching.services.users import UserService
from conversations.common import Button, Context, esc, identity, is_skip, keyboard, show
from conversations.container import services
from conversations.exercise_entry import ExerciseEntry, render_rows
from conversations.fields import (
    Codes,
    FieldEditor,
    difficulty_choice,
    error_text,
    message_text,
    refuse,
)
from conversations.flow import Flow
from conversations.library_flow import (
    TEXT,
    Library,
    LibraryAction,
    LibraryWording,
    PressHandler,
    button_handler,
    pager,
    plain,
    pressed_id,
)
from conversations.typed_buttons import ButtonCodec, Press

LIST, NEW, VIEW, VALUE, SVALUE, ADHOC, REPEAT = (
    "prg_list",
    "prg_new",
    "prg_view",
    "prg_value",
    "prg_svalue",
    "prg_adhoc",
    "prg_repeat",
)
EXPIRED = "This button has expired. Send /programs to start again."
MAX_LISTED_SESSIONS = 60


class ProgramAction(StrEnum):
    """A program's own buttons (the list, copy and archive are the library's)."""

    NEW_VALUE = "nv"
    WEEK = "wk"
    FROM_TEMPLATE = "at"
    TEMPLATE_PICK = "atp"
    ADHOC = "ah"
    SESSION = "s"
    DELETE = "del"
    DELETE_YES = "dely"
    REPEAT = "rep"
    REPEAT_SOURCE = "rw"
    REPEAT_RANGE = "rr"
    REPEAT_INCREMENT = "ri"
    REPEAT_REPLACE = "rx"
    # the detail editors' codes
    DETAILS = "det"
    DETAIL = "df"
    DIFFICULTY = "dv"
    CLEAR = "dc"
    SESSION_DETAILS = "sd"
    SESSION_DETAIL = "sf"
    SESSION_CLEAR = "sc"


BUTTONS = ButtonCodec("prg", ProgramAction, words=True)
P = ProgramAction
ProgramPress = Press[ProgramAction]
SKIP_WORD = "skip"
"""The word a creation step's Skip button carries."""

# --- wording and keyboards -------------------------------------------------------------------

LIST_EMPTY = (
    "🗓 <b>Programs</b>\n\nYou have no programs yet. A program is weeks of sessions you "
    "assign to clients. Tap <b>New program</b>."
)
LIST_HEADER = "🗓 <b>Your programs</b> ({total})"
IDLE_TEXT = "Tap one of the buttons above, or send /cancel to leave /programs."
NEW_STEPS = {
    "name": "What's the program called? e.g. <code>Strength block 1</code>",
    "description": "A short <b>description</b>? e.g. <code>Build the base</code>, or skip.",
    "difficulty": "How hard is it? Pick a <b>difficulty</b>, or skip.",
    "weeks": "How many <b>weeks</b> does it run (1 to 52)? Tap or type, e.g. <code>6</code>.",
    "goals": (
        "Its <b>goals</b>, separated by commas, e.g. <code>squat 140, bench 100</code>, or skip."
    ),
}
# The creation steps with a Skip button; typing "skip", "-" or "none" there skips too.
SKIPPABLE = frozenset({"description", "difficulty", "goals"})
WEEK_BUTTONS = (4, 6, 8, 12)
FIELD_LABELS = {
    ProgramField.NAME: "Name",
    ProgramField.DESCRIPTION: "Description",
    ProgramField.DIFFICULTY: "Difficulty",
    ProgramField.WEEKS: "Weeks",
    ProgramField.GOALS: "Goals",
}
ASK_FIELD = {
    ProgramField.NAME: "Send the new name, e.g. <code>Strength block 2</code>.",
    ProgramField.DESCRIPTION: "Send a description, e.g. <code>Build the base</code>.",
    ProgramField.WEEKS: "How many weeks (1 to 52)? e.g. <code>8</code>.",
    ProgramField.GOALS: "Send the goals, separated by commas, e.g. <code>squat 140</code>.",
}
SESSION_LABELS = {
    SessionField.NAME: "Name",
    SessionField.FOCUS: "Focus area",
    SessionField.DURATION: "Duration",
    SessionField.WARMUP: "Warm-up",
    SessionField.COOLDOWN: "Cool-down",
}
ASK_SESSION_FIELD = {
    SessionField.NAME: "Send the session's name, e.g. <code>Lower A</code>.",
    SessionField.FOCUS: "Send the focus area, e.g. <code>Squat pattern</code>.",
    SessionField.DURATION: "About how long? e.g. <code>60</code> or <code>1h15</code>.",
    SessionField.WARMUP: (
        "Send the warm-up, one item per line, e.g.\n<code>5 min bike\nHip openers</code>"
    ),
    SessionField.COOLDOWN: (
        "Send the cool-down, one item per line, e.g.\n<code>Easy walk\nHamstring stretch</code>"
    ),
}
ASK_ADHOC = "Week {week}: what's the new session called? e.g. <code>Lower A</code>"
REPEAT_SOURCE = (
    "🔁 <b>Repeat a week</b> of {name}\n\nWhich week do you want to repeat? "
    "(Only weeks with sessions are shown.)"
)
REPEAT_RANGE = (
    "Repeat <b>week {source}</b> into which weeks? Tap, or send a range like "
    "<code>{example}</code>. The program has {weeks}."
)
REPEAT_INCREMENT = (
    "Repeat week {source} into {target}. How much <b>heavier each week</b>?\n\n"
    "Tap, or type an amount: <code>2.5</code> (in {unit}), <code>5lb</code>, "
    "<code>2.5%</code>, or <code>0</code> for the same loads."
)
REPEAT_OCCUPIED = (
    "{weeks} already {have} sessions. Replace them with copies of week {source}, "
    "or keep them and fill only the empty weeks?"
)
CONFIRM_ARCHIVE = (
    "Archive <b>{name}</b>? It leaves your list; clients it was assigned to keep their plan."
)
SAME_LOADS = "Same loads"
CONFIRM_DELETE = "Delete <b>{name}</b> (week {week}, session {number}) and its exercises?"


def _increments(unit: Units) -> dict[str, tuple[str, str]]:
    """The increment buttons: the word each carries → its label, and the amount it stands for
    as it would be typed."""
    small, big = ("2.5", "5") if unit is Units.KG else ("5", "10")
    u = unit.value
    return {
        "small": (f"+{small} {u}", f"{small}{u}"),
        "big": (f"+{big} {u}", f"{big}{u}"),
        "percent": ("+2.5%", "2.5%"),
        "same": (SAME_LOADS, "0"),
    }


def _difficulty(value: Difficulty | None) -> str | None:
    return value.value.title() if value else None


def program_text(view: ProgramView, notice: str = "") -> str:
    lines = [notice] if notice else []
    facts = [plural(view.duration_weeks, "week")]
    if view.difficulty:
        facts.append(view.difficulty.value.title())
    lines.append(f"🗓 <b>{esc(view.name)}</b> · " + " · ".join(facts))
    if view.description:
        lines.append(f"<i>{esc(view.description)}</i>")
    if view.goals:
        lines.append("Goals: " + esc(", ".join(view.goals)))
    lines.append("")
    listed = 0
    empty: list[int] = []
    for week in range(1, view.duration_weeks + 1):
        sessions = view.week(week)
        if not sessions:
            empty.append(week)
            continue
        lines.append(f"<b>Week {week}</b>")
        for s in sessions:
            listed += 1
            if listed > MAX_LISTED_SESSIONS:
                break
            lines.append(_session_line(s))
    if listed > MAX_LISTED_SESSIONS:
        lines.append("  …")
    if empty:
        lines.append(f"<i>No sessions yet in {_weeks_phrase(empty)}.</i>")
    lines.append("\nOpen a week to add or change its sessions.")
    return "\n".join(lines)


def _session_line(s: SessionSummary) -> str:
    extra = ", ".join(
        part
        for part in (
            esc(s.focus_area) if s.focus_area else None,
            f"{s.estimated_duration} min" if s.estimated_duration else None,
        )
        if part
    )
    return f"  {s.number}. {esc(s.name)}" + (f" ({extra})" if extra else "")


def _weeks_phrase(weeks: Sequence[int]) -> str:
    """``week 3`` / ``weeks 2–4`` / ``weeks 2, 5–6``."""
    runs: list[str] = []
    start = prev = weeks[0]
    for week in [*weeks[1:], None]:
        if week is not None and week == prev + 1:
            prev = week
            continue
        runs.append(f"{start}" if start == prev else f"{start}–{prev}")
        if week is not None:
            start = prev = week
    single = len(weeks) == 1
    return ("week " if single else "weeks ") + ", ".join(runs)


def session_text(view: SessionView, notice: str = "") -> str:
    lines = [notice] if notice else []
    lines.append(
        f"<b>Week {view.week} · Session {view.number}: {esc(view.name)}</b>\n"
        f"<i>{esc(view.program_name)}</i>"
    )
    facts = [
        part
        for part in (
            f"Focus: {esc(view.focus_area)}" if view.focus_area else None,
            f"about {view.estimated_duration} min" if view.estimated_duration else None,
        )
        if part
    ]
    if facts:
        lines.append(" · ".join(facts))
    if view.warmup:
        lines.append("\n<b>Warm-up</b>\n" + "\n".join(f"• {esc(w)}" for w in view.warmup))
    lines.append("\n<b>Exercises</b>\n" + render_rows(view.exercises, view.units))
    if view.cooldown:
        lines.append("\n<b>Cool-down</b>\n" + "\n".join(f"• {esc(c)}" for c in view.cooldown))
    return "\n".join(lines)


def _user_data(context: Context) -> dict[Any, Any]:
    return context.user_data if context.user_data is not None else {}


def _service(context: Context) -> ProgramService:
    return ProgramService(services(context).ctx)


def _list_line(p: ProgramSummary) -> str:
    facts = [f"{p.duration_weeks} wk"]
    if p.difficulty:
        facts.append(p.difficulty.value)
    return f"• {esc(p.name)} · " + " · ".join(facts)


# --- views -----------------------------------------------------------------------------------


async def show_program(update: Update, context: Context, program_id: int, notice: str) -> object:
    try:
        view = await _service(context).get(identity(update).telegram_id, program_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    e, lib, i = BUTTONS.encode, LIBRARY.data, view.id
    weeks = [(f"Week {w}", e(P.WEEK, i, w)) for w in range(1, view.duration_weeks + 1)]
    rows: list[list[Button]] = [weeks[n : n + 4] for n in range(0, len(weeks), 4)]
    rows += [
        [("🔁 Repeat a week", e(P.REPEAT, i)), ("✏️ Edit details", e(P.DETAILS, i))],
        [("📄 Copy", lib(LibraryAction.COPY, i)), ("📦 Archive", lib(LibraryAction.ARCHIVE, i))],
        [("⬅️ All programs", lib(LibraryAction.LIST, 0))],
    ]
    await show(update, program_text(view, notice), keyboard(rows))
    return VIEW


async def show_week(
    update: Update, context: Context, program_id: int, week: int, notice: str = ""
) -> object:
    try:
        view = await _service(context).get(identity(update).telegram_id, program_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    if not 1 <= week <= view.duration_weeks:
        await refuse(update, EXPIRED)
        return None
    sessions = view.week(week)
    lines = [notice] if notice else []
    lines.append(f"🗓 <b>{esc(view.name)} — week {week}</b>\n")
    lines += [f"{s.number}. {esc(s.name)}" for s in sessions] or ["<i>No sessions yet.</i>"]
    e = BUTTONS.encode
    rows: list[list[Button]] = [
        [(f"{s.number}. {s.name}"[:60], e(P.SESSION, s.id))] for s in sessions
    ]
    rows += [
        [
            ("➕ From a template", e(P.FROM_TEMPLATE, view.id, week, 0)),
            ("➕ New session", e(P.ADHOC, view.id, week)),
        ],
        [("⬅️ Program", LIBRARY.data(LibraryAction.OPEN, view.id))],
    ]
    await show(update, "\n".join(lines), keyboard(rows))
    return VIEW


async def show_session(update: Update, context: Context, session_id: int, notice: str) -> object:
    try:
        view = await _service(context).session(identity(update).telegram_id, session_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    e = BUTTONS.encode
    rows = ENTRY.edit_buttons(view.id)
    rows += [
        [
            ("✏️ Session details", e(P.SESSION_DETAILS, view.id)),
            ("❌ Delete session", e(P.DELETE, view.id)),
        ],
        [(f"⬅️ Week {view.week}", e(P.WEEK, view.program_id, view.week))],
    ]
    await show(update, session_text(view, notice), keyboard(rows))
    return VIEW


ENTRY = ExerciseEntry("prg", ParentKind.SESSION, show_session, VIEW)


# --- handlers: list and creation ------------------------------------------------------------


async def on_new(update: Update, context: Context) -> object:
    _user_data(context)["prg_new"] = {"at": "name"}
    return await _ask_new(update, context)


LIBRARY: Library[ProgramSummary, ProgramView] = Library(
    prefix="prg",
    wording=LibraryWording(
        header=LIST_HEADER,
        empty=LIST_EMPTY,
        new_button="➕ New program",
        confirm_archive=CONFIRM_ARCHIVE,
        idle=IDLE_TEXT,
        expired=EXPIRED,
    ),
    service=_service,
    line=_list_line,
    show_item=show_program,
    start_new=on_new,
    list_state=LIST,
    view_state=VIEW,
    forget=("prg_new", "prg_detail", "prg_repeat", "prg_adhoc", ENTRY.key),
)
programs_command = LIBRARY.command


async def _ask_new(update: Update, context: Context, error: str = "") -> object:
    state = _user_data(context).get("prg_new")
    if not isinstance(state, dict):
        return await ENTRY.gone(update, context)
    at = state["at"]
    e = BUTTONS.encode
    skip = ("Skip", e(P.NEW_VALUE, word=SKIP_WORD))
    rows: list[list[Button]] = []
    if at == "difficulty":
        rows = [[(d.value.title(), e(P.NEW_VALUE, word=d.value)) for d in Difficulty], [skip]]
    elif at == "weeks":
        rows = [[(f"{w} weeks", e(P.NEW_VALUE, w)) for w in WEEK_BUTTONS]]
    elif at in ("description", "goals"):
        rows = [[skip]]
    rows.append([("⬅️ Back", LIBRARY.data(LibraryAction.LIST, 0))])
    await show(update, (error + "\n\n" if error else "") + NEW_STEPS[at], keyboard(rows))
    return NEW


async def _new_input(update: Update, context: Context, value: str | None) -> object:
    state = _user_data(context).get("prg_new")
    if not isinstance(state, dict):
        return await ENTRY.gone(update, context)
    at = state["at"]
    order = ["name", "description", "difficulty", "weeks", "goals"]
    try:
        if at == "name":
            if not value or not value.strip():
                return await _ask_new(update, context, "⚠️ The program needs a name.")
            state["name"] = " ".join(value.split())
        elif at == "description":
            state["description"] = value
        elif at == "difficulty":
            state["difficulty"] = _parse_difficulty(value) if value else None
        elif at == "weeks":
            state["weeks"] = parse_weeks(value or "")
        else:
            state["goals"] = parse_list(value) if value else []
    except DomainError as error:
        return await _ask_new(update, context, error_text(error))
    if at != "goals":
        state["at"] = order[order.index(at) + 1]
        _user_data(context)["prg_new"] = state
        return await _ask_new(update, context)
    return await _create_program(update, context, state)


async def _create_program(update: Update, context: Context, state: dict[str, Any]) -> object:
    """Create the program the answers describe (back to its name when it is refused)."""
    try:
        view = await _service(context).create(
            identity(update).telegram_id,
            NewProgram(
                name=state["name"],
                description=state.get("description"),
                difficulty=Difficulty(state["difficulty"]) if state.get("difficulty") else None,
                duration_weeks=state["weeks"],
                goals=tuple(state.get("goals") or ()),
            ),
        )
    except DomainError as error:
        state["at"] = "name"
        _user_data(context)["prg_new"] = state
        return await _ask_new(update, context, error_text(error))
    _user_data(context).pop("prg_new", None)
    notice = f"✅ Program <b>{esc(view.name)}</b> created. Open week 1 to add its sessions."
    return await show_program(update, context, view.id, notice)


def _parse_difficulty(value: str) -> str:
    return parse_difficulty(value).value


async def on_new_button(update: Update, context: Context, press: ProgramPress) -> object:
    """A creation step's button: a word (a difficulty, or Skip) or a number of weeks."""
    state = _user_data(context).get("prg_new")
    at = state.get("at") if isinstance(state, dict) else None
    one_value = len(press.ids) + (press.word is not None) == 1
    value = press.word if press.word is not None else str(press.id())
    skip = value == SKIP_WORD
    if at in (None, "name") or not one_value or (skip and at == "weeks"):
        await refuse(update, EXPIRED)
        return None
    return await _new_input(update, context, None if skip else value)


async def on_new_text(update: Update, context: Context) -> object:
    text = message_text(update)
    state = _user_data(context).get("prg_new")
    if isinstance(state, dict) and state.get("at") in SKIPPABLE and is_skip(text):
        return await _new_input(update, context, None)  # as the Skip button does
    return await _new_input(update, context, text)


# --- handlers: weeks and sessions -------------------------------------------------------------


async def on_week(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, week = press.id(0), press.id(1)
    if program_id is None or week is None:
        await refuse(update, EXPIRED)
        return None
    return await show_week(update, context, program_id, week)


async def on_from_template(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, week, page_no = press.id(0), press.id(1), press.id(2)
    if program_id is None or week is None:
        await refuse(update, EXPIRED)
        return None
    telegram_id = identity(update).telegram_id
    try:
        program = await _service(context).get(telegram_id, program_id)
        page = await TemplateService(services(context).ctx).page(telegram_id, page_no or 0)
    except DomainError as error:
        await refuse(update, error)
        return None
    e = BUTTONS.encode
    back = [("⬅️ Back", e(P.WEEK, program.id, week))]
    if not page.items:
        text = "You have no session templates yet. Make one with /templates, or add a new session."
        await show(update, text, keyboard([back]))
        return VIEW
    rows: list[list[Button]] = [
        [(t.name[:60], e(P.TEMPLATE_PICK, program.id, week, t.id))] for t in page.items
    ]
    nav = pager(page, lambda n: e(P.FROM_TEMPLATE, program.id, week, n))
    if nav:
        rows.append(nav)
    rows.append(back)
    text = f"Add which template to <b>{esc(program.name)}</b>, week {week}?"
    await show(update, text, keyboard(rows))
    return VIEW


async def on_template_pick(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, week, template_id = press.id(0), press.id(1), press.id(2)
    if program_id is None or week is None or template_id is None:
        await refuse(update, EXPIRED)
        return None
    try:
        view = await _service(context).add_session(
            identity(update).telegram_id, program_id, week, template_id=template_id
        )
    except DomainError as error:
        await refuse(update, error)
        return None
    notice = f"✅ Added <b>{esc(view.name)}</b> to week {view.week} as session {view.number}."
    return await show_session(update, context, view.id, notice)


async def on_adhoc(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, week = press.id(0), press.id(1)
    if program_id is None or week is None:
        await refuse(update, EXPIRED)
        return None
    try:
        await _service(context).get(identity(update).telegram_id, program_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    _user_data(context)["prg_adhoc"] = {"program": program_id, "week": week}
    back = [[("⬅️ Back", BUTTONS.encode(P.WEEK, program_id, week))]]
    await show(update, ASK_ADHOC.format(week=week), keyboard(back))
    return ADHOC


async def on_adhoc_name(update: Update, context: Context) -> object:
    pending = _user_data(context).get("prg_adhoc")
    if not isinstance(pending, dict):
        return await ENTRY.gone(update, context)
    try:
        view = await _service(context).add_session(
            identity(update).telegram_id,
            int(pending["program"]),
            int(pending["week"]),
            name=message_text(update),
        )
    except DomainError as error:
        await show(update, f"{error_text(error)}\n\n{ASK_ADHOC.format(week=pending['week'])}")
        return ADHOC
    _user_data(context).pop("prg_adhoc", None)
    notice = f"✅ Session <b>{esc(view.name)}</b> added to week {view.week}."
    return await ENTRY.start(update, context, view.id, view.name, notice)


async def on_session(update: Update, context: Context, press: ProgramPress) -> object:
    session_id = press.id()
    if session_id is None:
        await refuse(update, EXPIRED)
        return None
    return await show_session(update, context, session_id, "")


SESSION_DETAILS = FieldEditor(
    prefix="prg",
    codes=Codes(menu="sd", pick="sf", clear="sc", item="s"),
    kind=SessionField,
    labels=SESSION_LABELS,
    prompts=ASK_SESSION_FIELD,
    required=frozenset({SessionField.NAME}),
    id_key="session",
    value_state=SVALUE,
    view_state=VIEW,
    expired=EXPIRED,
    load=lambda context: _service(context).session,
    save=lambda context: _service(context).set_session_detail,
    render=session_text,
    show_item=show_session,
    gone=ENTRY.gone,
)


async def on_delete(update: Update, context: Context, press: ProgramPress) -> object:
    view = await pressed_id(update, press, EXPIRED, _service(context).session)
    if view is None:
        return None
    e = BUTTONS.encode
    rows = [[("❌ Yes, delete", e(P.DELETE_YES, view.id)), ("⬅️ Keep it", e(P.SESSION, view.id))]]
    text = CONFIRM_DELETE.format(name=esc(view.name), week=view.week, number=view.number)
    await show(update, text, keyboard(rows))
    return VIEW


async def on_delete_yes(update: Update, context: Context, press: ProgramPress) -> object:
    session_id = press.id()
    if session_id is None:
        await refuse(update, EXPIRED)
        return None
    svc = _service(context)
    telegram_id = identity(update).telegram_id
    try:
        doomed = await svc.session(telegram_id, session_id)
        await svc.remove_session(telegram_id, session_id)
    except DomainError as error:
        await refuse(update, error)
        return None
    notice = f"❌ Deleted {esc(doomed.name)}."
    return await show_week(update, context, doomed.program_id, doomed.week, notice)


# --- handlers: program details ------------------------------------------------------------------


DETAILS = FieldEditor(
    prefix="prg",
    codes=Codes(menu="det", pick="df", clear="dc", item="open"),
    kind=ProgramField,
    labels=FIELD_LABELS,
    prompts=ASK_FIELD,
    required=frozenset({ProgramField.NAME, ProgramField.WEEKS}),
    choice=difficulty_choice(ProgramField.DIFFICULTY, "dv"),
    id_key="program",
    value_state=VALUE,
    view_state=VIEW,
    expired=EXPIRED,
    load=lambda context: _service(context).get,
    save=lambda context: _service(context).set_detail,
    render=program_text,
    show_item=show_program,
    gone=ENTRY.gone,
)


# --- handlers: repeat a week with progression ---------------------------------------------------


def _repeat(context: Context, program_id: int) -> dict[str, Any] | None:
    state = _user_data(context).get("prg_repeat")
    if isinstance(state, dict) and state.get("program") == program_id:
        return state
    return None


async def on_repeat(update: Update, context: Context, press: ProgramPress) -> object:
    view = await pressed_id(update, press, EXPIRED, _service(context).get)
    if view is None:
        return None
    weeks = sorted({s.week for s in view.sessions})
    if not weeks:
        await refuse(update, "Add sessions to a week first; then you can repeat it.")
        return None
    if view.duration_weeks < 2:
        await refuse(update, "This program has one week. Give it more weeks to repeat into.")
        return None
    _user_data(context)["prg_repeat"] = {"program": view.id, "weeks": view.duration_weeks}
    buttons = [(f"Week {w}", BUTTONS.encode(P.REPEAT_SOURCE, view.id, w)) for w in weeks]
    rows: list[list[Button]] = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append([_back_to_program(view.id)])
    await show(update, REPEAT_SOURCE.format(name=esc(view.name)), keyboard(rows))
    return VIEW


async def on_repeat_source(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, week = press.id(0), press.id(1)
    state = _repeat(context, program_id) if program_id is not None else None
    if state is None or week is None:
        await refuse(update, EXPIRED)
        return None
    weeks = int(state["weeks"])
    if not 1 <= week <= weeks:
        await refuse(update, EXPIRED)
        return None
    state.update(source=week, first=None, last=None, increment=None)
    return await _ask_range(update, state)


async def _ask_range(update: Update, state: dict[str, Any], error: str = "") -> object:
    weeks, week, program_id = int(state["weeks"]), int(state["source"]), state["program"]
    first = week + 1 if week < weeks else 1
    last = weeks if week < weeks else week - 1
    label = f"Weeks {first}–{last}" if first != last else f"Week {first}"
    rows: list[list[Button]] = [
        [(label, BUTTONS.encode(P.REPEAT_RANGE, program_id, week, first, last))],
        [_back_to_program(program_id)],
    ]
    text = REPEAT_RANGE.format(source=week, example=f"{first}-{last}", weeks=plural(weeks, "week"))
    await show(update, (error + "\n\n" if error else "") + text, keyboard(rows))
    return REPEAT


async def _ask_increment(
    update: Update, context: Context, state: dict[str, Any], error: str = ""
) -> object:
    view = await UserService(services(context).ctx).get(identity(update).telegram_id)
    unit = view.units if view else Units.KG
    state["unit"] = unit.value
    program_id = state["program"]
    increments = _increments(unit)

    def button(word: str) -> Button:
        label = increments[word][0]
        return (label, BUTTONS.encode(P.REPEAT_INCREMENT, program_id, word=word))

    rows: list[list[Button]] = [
        [button("small"), button("big"), button("percent")],
        [button("same")],
        [_back_to_program(program_id)],
    ]
    first, last = state["first"], state["last"]
    target = f"week {first}" if first == last else f"weeks {first}–{last}"
    text = REPEAT_INCREMENT.format(source=state["source"], target=target, unit=unit.value)
    await show(update, (error + "\n\n" if error else "") + text, keyboard(rows))
    return REPEAT


async def _set_range(
    update: Update, context: Context, state: dict[str, Any], first: int, last: int
) -> object:
    try:
        preview = await _service(context).repeat_preview(
            identity(update).telegram_id, state["program"], state["source"], first, last
        )
    except DomainError as error:
        if update.callback_query:
            await refuse(update, error)
            return None
        return await _ask_range(update, state, error_text(error))
    state.update(first=first, last=last, occupied=list(preview.occupied_weeks))
    _user_data(context)["prg_repeat"] = state
    return await _ask_increment(update, context, state)


async def on_repeat_range(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, source, first, last = press.id(0), press.id(1), press.id(2), press.id(3)
    state = _repeat(context, program_id) if program_id is not None else None
    if state is None or state.get("source") != source or first is None or last is None:
        await refuse(update, EXPIRED)
        return None
    return await _set_range(update, context, state, first, last)


async def on_repeat_text(update: Update, context: Context) -> object:
    state = _user_data(context).get("prg_repeat")
    if not isinstance(state, dict) or state.get("source") is None:
        return await ENTRY.gone(update, context)
    text = message_text(update)
    if state.get("first") is None:
        try:
            first, last = parse_week_range(text, duration_weeks=int(state["weeks"]))
        except ProgressionError as error:
            message = error_text(DomainError(error.message, example=error.example))
            return await _ask_range(update, state, message)
        return await _set_range(update, context, state, first, last)
    return await _increment(update, context, state, text)


async def on_repeat_increment(update: Update, context: Context, press: ProgramPress) -> object:
    program_id = press.id()
    state = _repeat(context, program_id) if program_id is not None else None
    if state is None or state.get("first") is None:
        await refuse(update, EXPIRED)
        return None
    increment = _increments(Units(state.get("unit", Units.KG.value))).get(press.word or "")
    if increment is None:
        await refuse(update, EXPIRED)
        return None
    return await _increment(update, context, state, increment[1])


async def _increment(update: Update, context: Context, state: dict[str, Any], text: str) -> object:
    try:
        increment = parse_increment(text, Units(state.get("unit", Units.KG.value)))
    except ProgressionError as error:
        if update.callback_query:
            await refuse(update, error.message)
            return None
        message = error_text(DomainError(error.message, example=error.example))
        return await _ask_increment(update, context, state, message)
    state["increment"] = {"kind": increment.kind.value, "amount": str(increment.amount)}
    _user_data(context)["prg_repeat"] = state
    occupied = state.get("occupied") or []
    if occupied:
        program_id = state["program"]
        rows: list[list[Button]] = [
            [("Replace them", BUTTONS.encode(P.REPEAT_REPLACE, program_id, 1))],
            [("Keep them, fill empty weeks only", BUTTONS.encode(P.REPEAT_REPLACE, program_id, 0))],
            [_back_to_program(program_id)],
        ]
        phrase = _weeks_phrase(occupied)
        text = REPEAT_OCCUPIED.format(
            weeks=phrase[0].upper() + phrase[1:],
            have="has" if len(occupied) == 1 else "have",
            source=state["source"],
        )
        await show(update, text, keyboard(rows))
        return REPEAT
    return await _do_repeat(update, context, state, replace_existing=True)


async def on_repeat_replace(update: Update, context: Context, press: ProgramPress) -> object:
    program_id, choice = press.id(0), press.id(1)
    state = _repeat(context, program_id) if program_id is not None else None
    if state is None or state.get("increment") is None or choice not in (0, 1):
        await refuse(update, EXPIRED)
        return None
    return await _do_repeat(update, context, state, replace_existing=choice == 1)


async def _do_repeat(
    update: Update, context: Context, state: dict[str, Any], *, replace_existing: bool
) -> object:
    raw = state["increment"]
    increment = Increment(IncrementKind(raw["kind"]), Decimal(raw["amount"]))
    try:
        result = await _service(context).repeat_week(
            identity(update).telegram_id,
            state["program"],
            state["source"],
            state["first"],
            state["last"],
            increment,
            replace_existing=replace_existing,
        )
    except DomainError as error:
        if update.callback_query:
            await refuse(update, error)
            return None
        await show(update, error_text(error))
        return REPEAT
    _user_data(context).pop("prg_repeat", None)
    unit = Units(state.get("unit", Units.KG.value))
    notice = _repeat_notice(
        state["source"],
        result.filled_weeks,
        result.kept_weeks,
        result.sessions_copied,
        increment,
        unit,
    )
    return await show_program(update, context, result.program.id, notice)


def _repeat_notice(
    source: int,
    filled: Sequence[int],
    kept: Sequence[int],
    copied: int,
    increment: Increment,
    unit: Units,
) -> str:
    if not filled:
        were = "was" if len(kept) == 1 else "were"
        return f"Nothing to fill: {_weeks_phrase(kept)} already had sessions and {were} kept."
    if increment.is_zero:
        how = "with the same loads"
    elif increment.kind is IncrementKind.PERCENT:
        how = f"adding {increment.amount.normalize():f}% each week"
    else:
        amount = to_unit(increment.amount, unit).quantize(Decimal("0.01")).normalize()
        how = f"adding {amount:f} {unit.value} each week"
    text = (
        f"🔁 Week {source} repeated into {_weeks_phrase(filled)}, {how} "
        f"({plural(copied, 'session')})."
    )
    if kept:
        text += f" {_weeks_phrase(kept)[0].upper()}{_weeks_phrase(kept)[1:]} kept as they were."
    return text


def _back_to_program(program_id: int) -> Button:
    return ("⬅️ Back", LIBRARY.data(LibraryAction.OPEN, program_id))


def build_handler() -> list[object]:
    table: dict[ProgramAction, PressHandler[ProgramAction]] = {
        P.NEW_VALUE: on_new_button,
        P.WEEK: on_week,
        P.FROM_TEMPLATE: on_from_template,
        P.TEMPLATE_PICK: on_template_pick,
        P.ADHOC: on_adhoc,
        P.SESSION: on_session,
        P.DELETE: on_delete,
        P.DELETE_YES: on_delete_yes,
        P.REPEAT: on_repeat,
        P.REPEAT_SOURCE: on_repeat_source,
        P.REPEAT_RANGE: on_repeat_range,
        P.REPEAT_INCREMENT: on_repeat_increment,
        P.REPEAT_REPLACE: on_repeat_replace,
    }
    for code, callback in [*DETAILS.routes(), *SESSION_DETAILS.routes()]:
        table[ProgramAction(code)] = plain(callback)
    buttons = [
        LIBRARY.handler(),
        button_handler(BUTTONS, table, EXPIRED),
        ENTRY.handler(),
        LIBRARY.stale_handler(),
    ]
    flow = Flow(
        "programs",
        entry_points=[CommandHandler("programs", programs_command), *buttons],
        states={
            LIST: [LIBRARY.idle_handler()],
            VIEW: [LIBRARY.idle_handler()],
            NEW: [MessageHandler(TEXT, on_new_text)],
            VALUE: [MessageHandler(TEXT, DETAILS.on_value)],
            SVALUE: [MessageHandler(TEXT, SESSION_DETAILS.on_value)],
            ADHOC: [MessageHandler(TEXT, on_adhoc_name)],
            REPEAT: [MessageHandler(TEXT, on_repeat_text)],
            **ENTRY.states(),
        },
    )
    return [flow]
