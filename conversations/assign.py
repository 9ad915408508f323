"""/assign: put a program on a client's calendar, and manage running assignments.

Assigning: client → program → start date → training days → time → confirm. Managing (from
"Current assignments"): view, swap an exercise for this client, shift the schedule, cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import date, time
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import AssignmentStatus
from coaching.domain.plurals import plural
from coaching.domain.schedule import WEEKDAY_NAMES, TrainingDay
from coaching.domain.training_times import (
    dump_training_days,
    load_training_days,
    same_time,
    times_example,
)
from coaching.domain.when import example_day
from coaching.errors import DomainError
from coaching.services.assignments import (
    AssignDraft,
    AssignmentChanges,
    AssignmentChoices,
    AssignmentDetail,
    AssignmentOverview,
    AssignmentService,
    AssignmentSummary,
    AssignPreview,
    ChangeNotice,
    ClientPage,
    PlannedLine,
    check_days,
)
from conversations.clients import CARD_ACTIONS
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
    stale_button,
    told,
)
from conversations.container import services
from conversations.flow import Flow
from conversations.typed_buttons import ButtonCodec, Press
from conversations.workouts import Act, WorkoutButton, day_text, plural_s, when_text
from conversations.workouts import build_handler as build_workouts

(
    CLIENT,
    PROGRAM,
    START,
    DAYS,
    TIME,
    CONFIRM,
    LIST,
    VIEW,
    SWAP_SCOPE,
    SWAP_EXERCISE,
    SWAP_SEARCH,
    SWAP_PICK,
    SWAP_REASON,
    SHIFT,
    CANCEL_CONFIRM,
) = range(15)

KEY = "assign"
SCOPE_PAGE = 8

# --- callback data ----------------------------------------------------------------------------


class Asg(StrEnum):
    """The buttons of /assign (``asg:<action>[:<id> | :<word>]``)."""

    CURRENT = "cur"
    PAGE = "pg"
    CLIENT = "c"
    PROGRAM = "p"
    START = "sd"
    DAY = "wd"
    OK = "ok"
    NO = "no"
    VIEW = "v"
    SWAP = "sw"
    SHIFT = "sh"
    CANCEL = "x"
    SCOPE = "ss"
    SCOPE_PAGE = "sp"
    EXERCISE = "se"
    REPLACEMENT = "sr"
    LATER = "shd"
    EARLIER = "she"
    CANCEL_OK = "xok"
    CARD = "card"


ASG = ButtonCodec("asg", Asg, words=True)
ONE_ID = frozenset(
    {
        Asg.PAGE,
        Asg.CLIENT,
        Asg.PROGRAM,
        Asg.VIEW,
        Asg.SWAP,
        Asg.SHIFT,
        Asg.CANCEL,
        Asg.SCOPE,
        Asg.SCOPE_PAGE,
        Asg.EXERCISE,
        Asg.REPLACEMENT,
        Asg.LATER,
        Asg.EARLIER,
        Asg.CARD,
    }
)
"""The buttons that carry one id. A start carries a word; a day an id, or the word ``ok``
(Done); the rest nothing."""
DAYS_DONE = "ok"

# --- wording and keyboards -------------------------------------------------------------------

PICK_CLIENT = "📋 <b>Assign a program</b>\n\nWho is it for? ({total} active client{s})"
NO_CLIENTS = (
    "📋 <b>Assign a program</b>\n\nYou have no active clients yet. Add one with /newclient; "
    "once they accept your invite you can assign them a program here."
)
CURRENT_BUTTON: Button = ("📂 Current assignments", ASG.encode(Asg.CURRENT))
PICK_PROGRAM = "Which program for <b>{client}</b>?"
NO_PROGRAMS = "You have no programs yet. Build one with /programs, then come back to /assign."
ASK_START = (
    "When does <b>{client}</b> start <b>{program}</b>?\n\n"
    "Type a date in {client}'s calendar ({tz}), e.g. <code>{example}</code>, "
    "<code>tomorrow</code> or <code>mon</code>, or tap a button."
)
START_BUTTONS = keyboard(
    [
        [
            ("Tomorrow", ASG.encode(Asg.START, word="tomorrow")),
            ("Next Monday", ASG.encode(Asg.START, word="monday")),
        ]
    ]
)
START_WORDS = {"tomorrow": "tomorrow", "monday": "next monday"}
ASK_DAYS = (
    "Which days does <b>{client}</b> train? <b>{program}</b> has up to {need} session{s} a "
    "week, so pick {need} day{s}.\n\nTap to select, then Done."
)
ASK_TIME = (
    "At what time, in {client}'s time zone ({tz})?\n\n"
    "• One time for all training days, e.g. <code>07:00</code>, <code>7am</code> or "
    "<code>18:30</code>\n"
    "• Or a time per day, e.g. <code>{example}</code> (commas, semicolons or one day a line)"
)
CONFIRM_TEXT = (
    "<b>Assign {program} to {client}?</b>\n\n"
    "Starts {start} · {schedule}\n"
    "{total}, last one {end}.\n\n"
    "<b>First sessions</b> ({tz_note}):\n{lines}"
)
CONFIRM_BUTTONS = keyboard([[("✅ Assign", ASG.encode(Asg.OK)), ("✖️ Cancel", ASG.encode(Asg.NO))]])
ASSIGNED = "✅ <b>{program}</b> is assigned to <b>{client}</b>: {total} from {start}."
CLIENT_SEES = " They can see it with /plan."
CLIENT_NOT_TOLD = "{client} hasn't joined Spotter yet, so they weren't notified."
CLIENT_NOTICE = (
    "📋 <b>New program from {trainer}</b>: {program}\n"
    "{total}, {schedule}, from {start} to {end}.\n\n"
    "<b>Your first sessions:</b>\n{lines}"
)
SEE_PLAN = keyboard([[("🗓 See plan", "plan:show")]])
NOT_ASSIGNED = "Nothing was assigned. Send /assign to start again."

CURRENT_HEADER = "📂 <b>Current assignments</b>"
CURRENT_EMPTY = "📂 No running assignments. Pick a client to assign a program."
BACK_TO_CLIENTS: Button = ("⬅️ Clients", ASG.encode(Asg.PAGE, 0))
STATUS_LABELS = {
    AssignmentStatus.ASSIGNED: "assigned",
    AssignmentStatus.IN_PROGRESS: "in progress",
    AssignmentStatus.MODIFIED: "modified",
    AssignmentStatus.COMPLETED: "completed",
    AssignmentStatus.CANCELLED: "cancelled",
}
WORKOUT_VIEW_TEXT = (
    "🏋️ <b>{name}</b> for <b>{client}</b>\n"
    "A single workout · status: <b>{status}</b>\n"
    "{done} of {total} done.\n"
    "To change its exercises: /workout → ✏️ Change a day's workout."
)
VIEW_TEXT = (
    "📋 <b>{name}</b> for <b>{client}</b>\n"
    "Status: <b>{status}</b>\n"
    "{start} – {end} · {days}\n"
    "{done} of {total} done."
)
ASK_SCOPE = "🔁 Swap an exercise for <b>{client}</b> only. In which session?"
ALL_SESSIONS: Button = ("All sessions", ASG.encode(Asg.SCOPE, 0))
ASK_EXERCISE = "Which exercise should {client} stop doing{scope}?"
NO_EXERCISES = "That session has no exercises to swap. Pick another one."
ASK_REPLACEMENT = (
    "Replace <b>{exercise}</b> with what? Type its name, e.g. <code>leg press</code> "
    "or <code>goblet squat</code>."
)
PICK_REPLACEMENT = "Tap the replacement for <b>{exercise}</b>, or type another name."
ASK_REASON = (
    "Why swap <b>{exercise}</b> for <b>{replacement}</b>? {client} will see the reason. "
    "E.g. <code>knee pain on deep flexion</code>."
)
SWAPPED = "✅ Swapped for {client}: {summary}"
SWAP_NOTICE = "🔁 <b>{trainer} changed your program {program}</b>\n{summary}"
KIND = {False: "program", True: "workout"}
"""How an assignment is named: a program, or a single workout from /workout."""
ASK_SHIFT = (
    "📆 Move every upcoming session of <b>{name}</b> by how many days? Times of day stay the "
    "same. Type a number, e.g. <code>2</code> (later) or <code>-1</code> (earlier), or tap one."
)
SHIFT_BUTTONS = [
    ("-7", ASG.encode(Asg.EARLIER, 7)),
    ("-1", ASG.encode(Asg.EARLIER, 1)),
    ("+1", ASG.encode(Asg.LATER, 1)),
    ("+7", ASG.encode(Asg.LATER, 7)),
]
SHIFTED = "✅ {summary} for {client}."
SHIFT_NOTICE = (
    "📆 <b>{trainer} moved your {kind} {program}</b>\n{summary}.\n\n<b>Next:</b>\n{lines}"
)
ASK_CANCEL = (
    "Cancel <b>{name}</b> for <b>{client}</b>? Their upcoming sessions are cancelled too. "
    "This can't be undone."
)
CANCELLED = "✖️ <b>{name}</b> is cancelled for {client}; {summary}."
CANCEL_NOTICE = "✖️ <b>{trainer} cancelled your {kind} {program}</b>; {summary}."
CARD_HEADER = "📋 <b>Programs</b> for this client. Tap one to manage it, or assign another."
CARD_EMPTY = "📋 No running program for this client yet."
CARD_ACTION = ("📋 Programs", f"{ASG.prefix}:{Asg.CARD.value}")
"""The client card adds ``:<client profile id>``."""
ONE_WORKOUT = "🏋️ One workout instead"
BAD_NUMBER = "Please type a whole number of days, e.g. <code>2</code> or <code>-1</code>."


def _state(context: Context) -> dict[str, Any]:
    data = context.user_data
    assert data is not None
    found = data.get(KEY)
    if not isinstance(found, dict):
        found = {}
        data[KEY] = found
    return found


def _press(update: Update) -> Press[Asg] | None:
    """The button pressed, or ``None`` for data this flow never made (forged, or from an
    older version of the flow)."""
    assert update.callback_query is not None
    press = ASG.decode(update.callback_query.data)
    return press if press is not None and _fits(press) else None


def _fits(press: Press[Asg]) -> bool:
    """Whether a decoded press has the shape this flow gives its action."""
    if press.action in ONE_ID:
        return len(press.ids) == 1 and press.word is None
    if press.action is Asg.START:
        return not press.ids and press.word is not None
    if press.action is Asg.DAY:
        return (len(press.ids) == 1 and press.word is None) or (
            not press.ids and press.word == DAYS_DONE
        )
    return not press.ids and press.word is None


def _pressed_id(update: Update) -> int:
    """The id of the button pressed (its shape was checked before the handler ran)."""
    press = _press(update)
    assert press is not None
    assert press.ids
    return press.ids[0]


def _text(update: Update) -> str:
    assert update.effective_message is not None
    return update.effective_message.text or ""


def _svc(context: Context) -> AssignmentService:
    return AssignmentService(services(context).ctx)


def _choices(context: Context) -> AssignmentChoices:
    return AssignmentChoices(services(context).ctx)


def _overview(context: Context) -> AssignmentOverview:
    return AssignmentOverview(services(context).ctx)


def _changes(context: Context) -> AssignmentChanges:
    return AssignmentChanges(services(context).ctx)


async def _refuse(update: Update, error: DomainError | str) -> None:
    """A press that can't be honoured: say why in an alert and change nothing."""
    await answer(update, str(error), alert=True)


def _client_keyboard(page: ClientPage) -> list[list[Button]]:
    rows: list[list[Button]] = [
        [(c.name, ASG.encode(Asg.CLIENT, c.profile_id))] for c in page.items
    ]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(("◀️", ASG.encode(Asg.PAGE, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(("▶️", ASG.encode(Asg.PAGE, page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([CURRENT_BUTTON])
    return rows


def _one_workout(client_id: int) -> Button:
    """Opens /workout's menu for this client (a single workout instead of a program)."""
    return (ONE_WORKOUT, WorkoutButton(Act.OPEN, client_id).encode())


def _planned(line: PlannedLine, *, trainer: bool) -> str:
    text = f"• W{line.week} S{line.session} {esc(line.name)} — {when_text(line.client_time)}"
    if trainer and line.client_time.utcoffset() != line.trainer_time.utcoffset():
        text += f" (yours: {when_text(line.trainer_time)})"
    return text


def _confirm_text(preview: AssignPreview) -> str:
    if preview.client_timezone == preview.trainer_timezone:
        tz_note = f"{esc(preview.client_timezone)}"
    else:
        tz_note = (
            f"{esc(preview.client_name)}'s time, {esc(preview.client_timezone)}; "
            f"yours, {esc(preview.trainer_timezone)}"
        )
    return CONFIRM_TEXT.format(
        program=esc(preview.program_name),
        client=esc(preview.client_name),
        start=day_text(preview.start_date),
        schedule=esc(preview.schedule),
        total=plural(preview.total, "session"),
        end=day_text(preview.end_date),
        tz_note=tz_note,
        lines="\n".join(_planned(line, trainer=True) for line in preview.first),
    )


# --- assigning --------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = {}
    return await _clients(update, context, 0, edit=False)


async def _clients(update: Update, context: Context, page: int, *, edit: bool = True) -> int:
    try:
        result = await _choices(context).client_page(identity(update).telegram_id, page)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not result.total:
        await show(update, NO_CLIENTS, keyboard([[CURRENT_BUTTON]]), edit=edit)
        return CLIENT
    text = PICK_CLIENT.format(total=result.total, s=plural_s(result.total))
    await show(update, text, keyboard(_client_keyboard(result)), edit=edit)
    return CLIENT


async def client_page(update: Update, context: Context) -> int:
    return await _clients(update, context, _pressed_id(update))


async def pick_client(update: Update, context: Context) -> int:
    svc = _choices(context)
    who = identity(update).telegram_id
    try:
        target = await svc.client_target(who, _pressed_id(update))
        programs = await svc.programs(who)
    except DomainError as error:
        await _refuse(update, error)
        return CLIENT
    if not programs:
        await show(update, NO_PROGRAMS, keyboard([[_one_workout(target.profile_id)]]))
        return END
    state = _state(context)
    state.clear()
    state.update(client=target.profile_id, client_name=target.name)
    rows: list[list[Button]] = [
        [
            (
                f"{p.name} · {p.weeks} wk · {p.per_week}×/wk",
                ASG.encode(Asg.PROGRAM, p.id),
            )
        ]
        for p in programs
    ]
    rows.append([_one_workout(target.profile_id)])
    rows.append([BACK_TO_CLIENTS])
    await show(update, PICK_PROGRAM.format(client=esc(target.name)), keyboard(rows))
    return PROGRAM


async def pick_program(update: Update, context: Context) -> int:
    state = _state(context)
    svc = _choices(context)
    who = identity(update).telegram_id
    try:
        program = await svc.program(who, _pressed_id(update))
        target = await svc.client_target(who, int(state["client"]))
    except (DomainError, KeyError) as error:
        await _refuse(update, error if isinstance(error, DomainError) else "Start again: /assign")
        return PROGRAM
    state.update(program=program.id, program_name=program.name, per_week=program.per_week)
    await show(
        update,
        ASK_START.format(
            client=esc(target.name),
            program=esc(program.name),
            tz=esc(target.timezone),
            example=example_day(services(context).ctx.clock.now().date()).isoformat(),
        ),
        START_BUTTONS,
    )
    return START


async def _take_start(update: Update, context: Context, text: str, *, edit: bool) -> int:
    state = _state(context)
    svc = _choices(context)
    try:
        target = await svc.client_target(identity(update).telegram_id, int(state["client"]))
        day = svc.start_date(target, text)
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
        else:
            await show(update, f"{esc(error)}", START_BUTTONS, edit=False)
        return START
    state.update(start=day.isoformat(), days=[])
    await _show_days(update, context, edit=edit)
    return DAYS


async def start_typed(update: Update, context: Context) -> int:
    return await _take_start(update, context, _text(update), edit=False)


async def start_pressed(update: Update, context: Context) -> int:
    press = _press(update)
    word = press.word if press is not None else None
    if word not in START_WORDS:
        await _refuse(update, "That button isn't one I offered. Tap Tomorrow or Next Monday.")
        return START
    return await _take_start(update, context, START_WORDS[word], edit=True)


async def _show_days(update: Update, context: Context, *, edit: bool = True) -> None:
    state = _state(context)
    chosen = set(state.get("days", []))
    need = int(state["per_week"])
    buttons: list[Button] = [
        (f"{'✅ ' if day in chosen else ''}{WEEKDAY_NAMES[day][:3]}", ASG.encode(Asg.DAY, day))
        for day in range(7)
    ]
    rows = [
        buttons[:4],
        buttons[4:],
        [(f"Done ({len(chosen)}/{need})", ASG.encode(Asg.DAY, word=DAYS_DONE))],
    ]
    text = ASK_DAYS.format(
        client=esc(state["client_name"]),
        program=esc(state["program_name"]),
        need=need,
        s=plural_s(need),
    )
    await show(update, text, keyboard(rows), edit=edit)


async def toggle_day(update: Update, context: Context) -> int:
    state = _state(context)
    day = _pressed_id(update)
    if not 0 <= day <= 6:
        await _refuse(update, "Pick a day from Monday to Sunday.")
        return DAYS
    chosen = set(state.get("days", []))
    chosen.symmetric_difference_update({day})
    state["days"] = sorted(chosen)
    await _show_days(update, context)
    return DAYS


async def days_done(update: Update, context: Context) -> int:
    state = _state(context)
    svc = _choices(context)
    who = identity(update).telegram_id
    try:
        program = await svc.program(who, int(state["program"]))
        check_days(program, tuple(state.get("days", [])))
        client = await svc.client_target(who, int(state["client"]))
    except DomainError as error:
        await _refuse(update, error)
        return DAYS
    text = ASK_TIME.format(
        client=esc(client.name),
        tz=esc(client.timezone),
        example=esc(times_example(int(d) for d in state.get("days", []))),
    )
    await show(update, text)
    return TIME


async def days_typed(update: Update, context: Context) -> int:
    await show(update, "Tap the days on the buttons above, then Done.", edit=False)
    return DAYS


def _training_days(state: dict[str, Any]) -> tuple[TrainingDay, ...]:
    """The chosen days and times, stored as ``[[weekday, "HH:MM"], ...]``.

    A flow opened before per-day times existed holds one ``"at"`` for all its days; it is read
    as that time on every day, so such a flow can still be confirmed after a deploy.
    """
    if "times" in state:
        return load_training_days(state["times"])
    return same_time((int(d) for d in state["days"]), time.fromisoformat(state["at"]))


def _draft(state: dict[str, Any], chosen: tuple[TrainingDay, ...] | None = None) -> AssignDraft:
    return AssignDraft(
        client_profile_id=int(state["client"]),
        program_id=int(state["program"]),
        start_date=date.fromisoformat(state["start"]),
        training_days=_training_days(state) if chosen is None else chosen,
    )


async def time_typed(update: Update, context: Context) -> int:
    state = _state(context)
    svc = _svc(context)
    try:
        chosen = AssignmentChoices.training_times(
            _text(update), [int(d) for d in state.get("days", [])]
        )
        preview = await svc.preview(identity(update).telegram_id, _draft(state, chosen))
    except DomainError as error:
        await show(update, f"{esc(error)}", edit=False)
        return TIME
    state.pop("at", None)
    state["times"] = dump_training_days(chosen)
    await show(update, _confirm_text(preview), CONFIRM_BUTTONS, edit=False)
    return CONFIRM


async def confirm(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        done = await _svc(context).assign(identity(update).telegram_id, _draft(state))
    except DomainError as error:
        await show(update, f"{esc(error)}\n\n{NOT_ASSIGNED}")
        state.clear()
        return END
    state.clear()
    preview = done.preview
    name = esc(preview.client_name)
    if done.client_telegram_id is not None:
        delivery = await notify(
            context,
            done.client_telegram_id,
            CLIENT_NOTICE.format(
                trainer=esc(done.trainer_name),
                program=esc(preview.program_name),
                total=plural(preview.total, "session"),
                schedule=esc(preview.schedule),
                start=day_text(preview.start_date),
                end=day_text(preview.end_date),
                lines="\n".join(_planned(line, trainer=False) for line in preview.first),
            ),
            SEE_PLAN,
        )
        said = told(name, delivery) + CLIENT_SEES
    else:
        said = CLIENT_NOT_TOLD.format(client=name)
    text = ASSIGNED.format(
        program=esc(preview.program_name),
        client=esc(preview.client_name),
        total=plural(preview.total, "session"),
        start=day_text(preview.start_date),
    )
    await show(update, f"{text}\n{said}")
    return END


async def decline(update: Update, context: Context) -> int:
    _state(context).clear()
    await show(update, NOT_ASSIGNED)
    return END


async def confirm_typed(update: Update, context: Context) -> int:
    await show(update, "Tap ✅ Assign to save it, or ✖️ Cancel.", CONFIRM_BUTTONS, edit=False)
    return CONFIRM


# --- managing ---------------------------------------------------------------------------------


async def current(update: Update, context: Context) -> int | None:
    try:
        items = await _overview(context).current(identity(update).telegram_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    if not items:
        await show(update, CURRENT_EMPTY, keyboard([[BACK_TO_CLIENTS]]))
        return LIST
    rows: list[list[Button]] = [
        [(f"{a.client_name} · {_label(a)}", ASG.encode(Asg.VIEW, a.id))] for a in items
    ]
    rows.append([BACK_TO_CLIENTS])
    await show(update, CURRENT_HEADER, keyboard(rows))
    return LIST


def _label(item: AssignmentSummary) -> str:
    """A button's words: ``Leg day (workout, assigned)`` or ``Strength (assigned)``."""
    if item.single:
        return f"🏋️ {item.name} (workout, {STATUS_LABELS[item.status]})"
    return f"{item.name} ({STATUS_LABELS[item.status]})"


def _view_text(detail: AssignmentDetail) -> str:
    if detail.single:
        return WORKOUT_VIEW_TEXT.format(
            name=esc(detail.name),
            client=esc(detail.client_name),
            status=STATUS_LABELS[detail.status],
            done=detail.done,
            total=plural(detail.total, "session"),
        )
    return VIEW_TEXT.format(
        name=esc(detail.name),
        client=esc(detail.client_name),
        status=STATUS_LABELS[detail.status],
        start=day_text(detail.start_date),
        end=day_text(detail.end_date) if detail.end_date else "open",
        days=esc(detail.days),
        done=detail.done,
        total=plural(detail.total, "session"),
    )


def _view_buttons(detail: AssignmentDetail) -> list[list[Button]]:
    rows: list[list[Button]] = []
    if not detail.is_final:
        if not detail.single:
            rows.append([("🔁 Swap an exercise", ASG.encode(Asg.SWAP, detail.id))])
        rows += [
            [("📆 Shift schedule", ASG.encode(Asg.SHIFT, detail.id))],
            [(f"✖️ Cancel {KIND[detail.single]}", ASG.encode(Asg.CANCEL, detail.id))],
        ]
    rows.append([("⬅️ Back", ASG.encode(Asg.CURRENT))])
    return rows


async def view(update: Update, context: Context) -> int | None:
    return await _view(update, context, _pressed_id(update))


async def _view(
    update: Update, context: Context, assignment_id: int, *, prefix: str = "", edit: bool = True
) -> int | None:
    try:
        detail = await _overview(context).detail(identity(update).telegram_id, assignment_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    state = _state(context)
    state.clear()
    state.update(aid=detail.id, name=detail.name, client_name=detail.client_name)
    lines = [_view_text(detail)]
    if detail.upcoming:
        lines.append(
            f"\n<b>Next</b> ({esc(detail.timezone)}):\n"
            + "\n".join(f"• {when_text(at)} {esc(title)}" for at, title in detail.upcoming)
        )
    if detail.swaps:
        lines.append(
            "\n<b>Swaps for this client:</b>\n" + "\n".join(f"• {esc(s)}" for s in detail.swaps)
        )
    await show(update, prefix + "\n".join(lines), keyboard(_view_buttons(detail)), edit=edit)
    return VIEW


def _aid(update: Update, context: Context) -> int:
    """The assignment this step is about, as stored when it was opened."""
    return int(_state(context)["aid"])


async def swap_start(update: Update, context: Context) -> int:
    return await _scopes(update, context, _pressed_id(update), 0)


async def scope_page(update: Update, context: Context) -> int:
    return await _scopes(update, context, _aid(update, context), _pressed_id(update))


async def _scopes(update: Update, context: Context, assignment_id: int, page: int) -> int:
    svc = _changes(context)
    who = identity(update).telegram_id
    try:
        await svc.check_change(who, assignment_id)
        detail = await _overview(context).detail(who, assignment_id)
    except DomainError as error:
        await _refuse(update, error)
        return VIEW
    state = _state(context)
    state.update(aid=detail.id, name=detail.name, client_name=detail.client_name)
    chunk = detail.program_sessions[page * SCOPE_PAGE : (page + 1) * SCOPE_PAGE]
    rows: list[list[Button]] = [[ALL_SESSIONS]] if page == 0 else []
    rows += [[(ps.label, ASG.encode(Asg.SCOPE, ps.id))] for ps in chunk]
    nav: list[Button] = []
    if page > 0:
        nav.append(("◀️", ASG.encode(Asg.SCOPE_PAGE, page - 1)))
    if (page + 1) * SCOPE_PAGE < len(detail.program_sessions):
        nav.append(("▶️", ASG.encode(Asg.SCOPE_PAGE, page + 1)))
    if nav:
        rows.append(nav)
    rows.append([("⬅️ Back", ASG.encode(Asg.VIEW, detail.id))])
    await show(update, ASK_SCOPE.format(client=esc(detail.client_name)), keyboard(rows))
    return SWAP_SCOPE


async def pick_scope(update: Update, context: Context) -> int:
    state = _state(context)
    scope = _pressed_id(update) or None
    try:
        options = await _changes(context).swap_options(
            identity(update).telegram_id, _aid(update, context), scope
        )
    except (DomainError, KeyError) as error:
        await _refuse(update, error if isinstance(error, DomainError) else "Start again: /assign")
        return SWAP_SCOPE
    if not options:
        await _refuse(update, NO_EXERCISES)
        return SWAP_SCOPE
    state["scope"] = scope or 0
    state["options"] = {str(o.id): o.name for o in options}
    rows: list[list[Button]] = [[(o.name, ASG.encode(Asg.EXERCISE, o.id))] for o in options]
    rows.append([("⬅️ Back", ASG.encode(Asg.VIEW, int(state["aid"])))])
    where = " in every session" if scope is None else " in that session"
    await show(
        update,
        ASK_EXERCISE.format(client=esc(state["client_name"]), scope=where),
        keyboard(rows),
    )
    return SWAP_EXERCISE


async def pick_exercise(update: Update, context: Context) -> int:
    state = _state(context)
    chosen = str(_pressed_id(update))
    name = state.get("options", {}).get(chosen)
    if name is None:
        await _refuse(update, "That exercise isn't one I offered. Pick one from the list.")
        return SWAP_EXERCISE
    state.update(original=int(chosen), original_name=name)
    await show(update, ASK_REPLACEMENT.format(exercise=esc(name)))
    return SWAP_SEARCH


async def search_typed(update: Update, context: Context) -> int:
    state = _state(context)
    try:
        hits = await _choices(context).find_replacements(
            identity(update).telegram_id, _text(update)
        )
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return SWAP_PICK if state.get("hits") else SWAP_SEARCH
    state["hits"] = {str(h.id): h.name for h in hits}
    rows: list[list[Button]] = [[(h.name, ASG.encode(Asg.REPLACEMENT, h.id))] for h in hits]
    rows.append([("⬅️ Back", ASG.encode(Asg.VIEW, int(state["aid"])))])
    text = PICK_REPLACEMENT.format(exercise=esc(state["original_name"]))
    await show(update, text, keyboard(rows), edit=False)
    return SWAP_PICK


async def pick_replacement(update: Update, context: Context) -> int:
    state = _state(context)
    chosen = str(_pressed_id(update))
    name = state.get("hits", {}).get(chosen)
    if name is None:
        await _refuse(update, "That exercise isn't one I offered. Pick one from the list.")
        return SWAP_PICK
    if int(chosen) == state.get("original"):
        await _refuse(update, f"That is {name} already. Pick a different exercise.")
        return SWAP_PICK
    state.update(replacement=int(chosen), replacement_name=name)
    await show(
        update,
        ASK_REASON.format(
            exercise=esc(state["original_name"]),
            replacement=esc(name),
            client=esc(state["client_name"]),
        ),
    )
    return SWAP_REASON


async def reason_typed(update: Update, context: Context) -> int | None:
    state = _state(context)
    try:
        notice = await _changes(context).swap(
            identity(update).telegram_id,
            _aid(update, context),
            int(state.get("scope") or 0) or None,
            int(state["original"]),
            int(state["replacement"]),
            _text(update),
        )
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return SWAP_REASON
    await notify(
        context,
        notice.client_telegram_id,
        SWAP_NOTICE.format(
            trainer=esc(notice.trainer_name),
            program=esc(notice.assignment_name),
            summary=esc(notice.summary),
        ),
        SEE_PLAN,
    )
    prefix = SWAPPED.format(client=esc(notice.client_name), summary=esc(notice.summary)) + "\n\n"
    return await _view(update, context, _aid(update, context), prefix=prefix, edit=False)


async def shift_start(update: Update, context: Context) -> int:
    assignment_id = _pressed_id(update)
    try:
        await _changes(context).check_change(identity(update).telegram_id, assignment_id)
    except DomainError as error:
        await _refuse(update, error)
        return VIEW
    state = _state(context)
    state["aid"] = assignment_id
    await show(update, ASK_SHIFT.format(name=esc(state.get("name", ""))), _shift_keyboard(context))
    return SHIFT


def _shift_keyboard(context: Context) -> Any:
    return keyboard(
        [SHIFT_BUTTONS, [("⬅️ Back", ASG.encode(Asg.VIEW, int(_state(context).get("aid", 0))))]]
    )


async def _shift(update: Update, context: Context, days: int) -> int | None:
    try:
        notice = await _changes(context).shift(
            identity(update).telegram_id, _aid(update, context), days
        )
    except DomainError as error:
        if update.callback_query is not None:
            await _refuse(update, error)
        else:
            await show(update, esc(error), _shift_keyboard(context), edit=False)
        return SHIFT
    await _tell_shift(context, notice)
    prefix = SHIFTED.format(summary=esc(notice.summary), client=esc(notice.client_name)) + "\n\n"
    return await _view(
        update,
        context,
        _aid(update, context),
        prefix=prefix,
        edit=update.callback_query is not None,
    )


async def _tell_shift(context: Context, notice: ChangeNotice) -> None:
    await notify(
        context,
        notice.client_telegram_id,
        SHIFT_NOTICE.format(
            trainer=esc(notice.trainer_name),
            kind=KIND[notice.single],
            program=esc(notice.assignment_name),
            summary=esc(notice.summary),
            lines="\n".join(f"• {when_text(at)}" for at in notice.next_times),
        ),
        SEE_PLAN,
    )


async def shift_pressed(update: Update, context: Context) -> int | None:
    press = _press(update)
    assert press is not None
    assert press.ids
    sign = -1 if press.action is Asg.EARLIER else 1
    return await _shift(update, context, sign * press.ids[0])


async def shift_typed(update: Update, context: Context) -> int | None:
    raw = _text(update).strip().replace("+", "").replace("−", "-")
    raw = raw.removesuffix("days").removesuffix("day").strip()
    try:
        days = int(raw)
    except ValueError:
        await show(update, BAD_NUMBER, _shift_keyboard(context), edit=False)
        return SHIFT
    return await _shift(update, context, days)


async def cancel_start(update: Update, context: Context) -> int:
    assignment_id = _pressed_id(update)
    try:
        detail = await _overview(context).detail(identity(update).telegram_id, assignment_id)
    except DomainError as error:
        await _refuse(update, error)
        return VIEW
    if detail.is_final:
        kind = KIND[detail.single]
        await _refuse(update, f"This {kind} is already {STATUS_LABELS[detail.status]}.")
        return VIEW
    state = _state(context)
    state.update(aid=detail.id, name=detail.name, client_name=detail.client_name)
    rows = [
        [
            ("Yes, cancel it", ASG.encode(Asg.CANCEL_OK)),
            ("No, keep it", ASG.encode(Asg.VIEW, detail.id)),
        ]
    ]
    await show(
        update,
        ASK_CANCEL.format(name=esc(detail.name), client=esc(detail.client_name)),
        keyboard(rows),
    )
    return CANCEL_CONFIRM


async def cancel_confirmed(update: Update, context: Context) -> int:
    try:
        notice = await _changes(context).cancel(identity(update).telegram_id, _aid(update, context))
    except (DomainError, KeyError) as error:
        await _refuse(update, error if isinstance(error, DomainError) else "Start again: /assign")
        return CANCEL_CONFIRM
    await notify(
        context,
        notice.client_telegram_id,
        CANCEL_NOTICE.format(
            trainer=esc(notice.trainer_name),
            kind=KIND[notice.single],
            program=esc(notice.assignment_name),
            summary=esc(notice.summary),
        ),
    )
    _state(context).clear()
    await show(
        update,
        CANCELLED.format(
            name=esc(notice.assignment_name),
            client=esc(notice.client_name),
            summary=esc(notice.summary),
        ),
        keyboard([[("📂 Current assignments", ASG.encode(Asg.CURRENT))]]),
    )
    return LIST


async def from_card(update: Update, context: Context) -> int | None:
    """The client card's "Programs" button: this client's assignments, or assign one, in place
    of the card, with a way back to it (``cl:card:<id>`` goes to the clients flow)."""
    assert context.user_data is not None
    context.user_data[KEY] = {}
    client_id = _pressed_id(update)
    try:
        items = await _overview(context).current(identity(update).telegram_id, client_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    rows: list[list[Button]] = [[(_label(a), ASG.encode(Asg.VIEW, a.id))] for a in items]
    rows.append([("➕ Assign a program", ASG.encode(Asg.CLIENT, client_id))])
    rows.append([("⬅️ Back", f"cl:card:{client_id}")])
    text = CARD_HEADER if items else CARD_EMPTY
    await show(update, text, keyboard(rows))
    return CLIENT


async def use_buttons(update: Update, context: Context) -> int | None:
    await show(update, "Please use the buttons above, or /cancel.", edit=False)
    return None


async def day_pressed(update: Update, context: Context) -> int:
    """A weekday toggles; Done goes on to the times."""
    press = _press(update)
    if press is not None and press.word == DAYS_DONE:
        return await days_done(update, context)
    return await toggle_day(update, context)


Callback = Callable[[Update, Context], Coroutine[Any, Any, int | None]]


def _buttons(table: Mapping[Asg, Callback]) -> list[CallbackQueryHandler[Any, Any]]:
    """One handler an action; a press of the wrong shape (forged, or from an older version of
    the flow) gets the expired-button answer."""

    def guarded(handler: Callback) -> Callback:
        async def run(update: Update, context: Context) -> int | None:
            if _press(update) is None:
                await stale_button(update, context)
                return None
            return await handler(update, context)

        return run

    return [
        CallbackQueryHandler(guarded(handler), pattern=ASG.pattern(action))
        for action, handler in table.items()
    ]


NAV: dict[Asg, Callback] = {Asg.VIEW: view, Asg.CURRENT: current, Asg.PAGE: client_page}
BUTTONS: dict[int, dict[Asg, Callback]] = {
    CLIENT: {Asg.CLIENT: pick_client},
    PROGRAM: {Asg.PROGRAM: pick_program},
    START: {Asg.START: start_pressed},
    DAYS: {Asg.DAY: day_pressed},
    TIME: {},
    CONFIRM: {Asg.OK: confirm, Asg.NO: decline},
    LIST: {},
    VIEW: {Asg.SWAP: swap_start, Asg.SHIFT: shift_start, Asg.CANCEL: cancel_start},
    SWAP_SCOPE: {Asg.SCOPE: pick_scope, Asg.SCOPE_PAGE: scope_page},
    SWAP_EXERCISE: {Asg.EXERCISE: pick_exercise},
    SWAP_SEARCH: {},
    SWAP_PICK: {Asg.REPLACEMENT: pick_replacement},
    SWAP_REASON: {},
    SHIFT: {Asg.LATER: shift_pressed, Asg.EARLIER: shift_pressed},
    CANCEL_CONFIRM: {Asg.CANCEL_OK: cancel_confirmed},
}
"""Each step's buttons, besides the navigation (:data:`NAV`), which every step has."""

TYPED: dict[int, Callback] = {
    START: start_typed,
    DAYS: days_typed,
    TIME: time_typed,
    CONFIRM: confirm_typed,
    SWAP_SEARCH: search_typed,
    SWAP_PICK: search_typed,
    SWAP_REASON: reason_typed,
    SHIFT: shift_typed,
}
"""What a typed message means at a step; elsewhere it is a reminder to use the buttons."""


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[Any]] = {
        step: [
            *_buttons(own),
            *_buttons(NAV),
            MessageHandler(text, TYPED.get(step, use_buttons)),
        ]
        for step, own in BUTTONS.items()
    }
    flow = Flow(
        "assign",
        entry_points=[CommandHandler("assign", start), *_buttons({Asg.CARD: from_card})],
        states=states,
    )
    if CARD_ACTION not in CARD_ACTIONS:
        CARD_ACTIONS.append(CARD_ACTION)
    return [flow, build_workouts()]
