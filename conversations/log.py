"""/log: live set logging, for a trainer next to their client and for a client on their own.

The session record is the state. This flow keeps only its id (``user_data["lg_record"]``) and
re-reads everything it shows, so a restarted bot carries on at the next set. The live message
is one message per chat, edited as the session moves on; its id is kept on the record.

Callback data (every id is re-checked against the acting user on each press):

* ``lg:c:<client_profile_id>``: a trainer picks a client (also the client card's button);
* ``lg:p:<coaching_session_id>``: log a planned session (also the schedule's and reminders'
  button); ``lg:u:<client_profile_id>``: an unplanned session; ``lg:own``: a client's own
  workout; ``lg:me``: a trainer's own options as a client; ``lg:l``: back to the list;
* ``lg:<action>:<record_id>[:<arg>...]``: a button on the live message (see ``LiveAction``;
  the codec ``LIVE`` encodes and decodes every ``lg:`` button, and a dispatch table per kind
  of button picks its handler);
* ``fb:rpe:<record_id>:<n>``: the client's "How hard was it?" prompt sent after a finish;
  its presses are handled by ``conversations.feedback`` (RPE, then text and a rating).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.enums import SetType, Units
from coaching.domain.live import (
    ExerciseLine,
    LastTime,
    LiveWord,
    RecordLine,
    SummaryData,
    format_duration,
    format_e1rm,
    format_kg,
    format_target,
    format_volume,
    live_word,
    looks_like_name,
    step_label,
)
from coaching.domain.plurals import plural
from coaching.domain.sets import SetEntry, SetParseError, format_set
from coaching.domain.strength import PerformedSet
from coaching.errors import DomainError, InvalidInput, NotAllowed, NotFound
from coaching.services.base import DatabaseBusy
from coaching.services.live import (
    ExerciseChoice,
    FinishPart,
    FinishResult,
    Live,
    NamedResult,
    ReasonNeeded,
    RestTimer,
    SessionFinished,
    StartMenu,
    StartResult,
    TurnView,
    rest_timer_key,
)
from coaching.services.timers import TimerService
from conversations.alerts import after_session_finished
from conversations.clients import CARD_ACTIONS
from conversations.common import END, Button, Context, answer, esc, identity, keyboard, notify
from conversations.common import show as show_message
from conversations.container import services
from conversations.flow import Flow
from conversations.howto import howto_button
from conversations.threads import summary_markup
from conversations.typed_buttons import ButtonCodec, Press

log = logging.getLogger(__name__)

CHOOSE, LOGGING, SEARCH, REASON, NOTE = range(5)
RECORD_KEY = "lg_record"
SWAP_KEY = "lg_swap"
MODE_KEY = "lg_mode"

# --- wording and keyboards -------------------------------------------------------------------

PICK_CLIENT = "🏋️ <b>Log a session</b>\n\nWho are you training? 🗓 = planned today, 🔴 = live now."
PICK_CLIENT_WAITING = " ⏳ = not joined yet."
WAITING_MARK = " ⏳"
NO_CLIENTS = (
    "You have no active clients to log for yet. Add one with /newclient, "
    "or log a workout of your own."
)
NO_CLIENTS_TRAINER_ONLY = "You have no active clients to log for yet. Add one with /newclient."
PICK_OWN = "🏋️ <b>Log a workout</b>\n\n{planned}Pick one:"
PLANNED_TODAY = "Planned for today:\n"
PLANNED_MORE = "\n…and {count} more later today (they show here as these are done)."
PLANNED_SHOWN = 8
LAST_TIME_SETS = 8  # sets of last time the card lists before "…"
"""Planned sessions listed (with a button each) in /log's menu; a busy day lists the first."""
NOTHING_PLANNED = "Nothing is planned for you today.\n\n"
PICK_SESSION = "🏋️ <b>{name}</b>\n\n{planned}What are you logging?"
NOTHING_PLANNED_CLIENT = "Nothing is planned for {name} today.\n\n"
UNPLANNED = "➕ Unplanned session"
OWN_WORKOUT = "🏋️ My own workout"
MY_OPTIONS = "🙋 My own workout"
BACK_TO_LIST = "‹ Back"
PICK_WITH_BUTTONS = "Please pick with the buttons above, or send /cancel."
UNKNOWN = "I don't know you yet. Send /start first."

RESUMING = "▶️ Resuming <b>{title}</b> — nothing was lost."
STARTED = "▶️ Started <b>{title}</b>."
LOGGED = "✅ Logged: {sets}"
ALREADY_LOGGED = "✅ Already logged — nothing was added twice."
SET_ERROR = "⚠️ {message}\n\nTry <code>{first}</code> or <code>{second}</code>."
HINT = "<i>Send the set, e.g. <code>100x5</code>, <code>5@100</code>, <code>bw x 12</code>.</i>"
NO_EXERCISE_YET = "No exercises yet. Type the first exercise's name, e.g. <code>squat</code>."
ALL_DONE = "All exercises done ({sets}). Type another exercise's name to add it, or tap 🏁 Finish."
TARGET_MET = "✅ All {n} planned sets done. Log an extra set, or tap <b>Next ›</b>."
BODYWEIGHT_VOLUME = " (added load only)"
LOCKED_HISTORY = "🔒 Last time: not shared by the client"
NO_HISTORY = "Last time: first time"
ASK_SEARCH_SWAP = (
    "🔁 Swap <b>{name}</b> for which exercise? Type its name, e.g. <code>leg press</code>."
)
ASK_SEARCH_ADD = "➕ Which exercise? Type its name, e.g. <code>romanian deadlift</code>."
CHOICES = "Which one did you mean?"
NO_MATCH = "No exercise matches “{query}”. Try another name, e.g. <code>bench press</code>."
ASK_NOTE = "📝 Type a form note for <b>{name}</b>, e.g. <code>knees caving on rep 4</code>."
NOTE_SAVED = "📝 Note saved."
SWAPPED = "🔁 Swapped."
ASK_SWAP_REASON = (
    "🔁 Why swap {original} for {replacement}? The reason is kept with the program. "
    "For example: Knee pain on deep squats"
)
ADDED = "➕ Added."
ADDED_NAMED = "➕ Added <b>{name}</b>."
SWITCHED_NAMED = "➡️ On to <b>{name}</b>."
NEXT_DONE = "➡️ Next exercise."
SKIPPED = "⏭ Skipped."
UNDONE = "↩ Last set removed."
OUT_OF_DATE = (
    "This card is out of date: the current one is the newest live card, at the bottom of the chat."
)

ASK_FINISH = "🏁 Finish <b>{title}</b>? {sets} logged."
ASK_DISCARD = "Nothing is logged yet. Close <b>{title}</b> without saving anything?"
DISCARDED = "⏹ Session closed. Nothing was logged, so nothing was saved."
PAUSED = (
    "⏸ Logging paused. {sets} {are} saved and <b>{title}</b> stays open: send /log to carry on."
)
SUB_CANCELLED = "↩ Cancelled."
NO_SESSION = "There is no session open. Send /log to start one."
SESSION_OVER = "This session is finished. Send /log to start another."
FINISHED_ANSWER = "This session is finished."
EXPIRED = "This button has expired. Send /log to start again."
REST_OVER = "⏱ Rest over — next: {next}"
FEEDBACK_ASK = "How hard was <b>{title}</b>? Tap your RPE: 1 = very easy, 10 = all-out."
ABANDONED_WITH_SETS = (
    "⏹ <b>{title}</b> ({client}) was left open for over {hours}, so I closed it as "
    "incomplete. The {sets} logged {are} saved."
)
ABANDONED_EMPTY = (
    "⏹ <b>{title}</b> ({client}) was left open for over {hours} with nothing logged, "
    "so I closed it."
)


class LiveAction(StrEnum):
    """What an ``lg:`` button does. Pickers carry one id (a client profile or a coaching
    session); the live card's buttons carry the record id first, then their argument."""

    LIST = "l"
    ME = "me"
    OWN = "own"
    CLIENT = "c"
    PLANNED = "p"
    UNPLANNED = "u"
    AS_PLANNED = "ok"
    SAME = "sm"
    UP = "up"
    DOWN = "dn"
    RPE = "r"
    SET_TYPE = "t"
    FORM = "f"
    UNDO = "z"
    SKIP = "k"
    NEXT = "n"
    TIMER = "tm"
    MORE = "m"
    BACK = "b"
    SWAP = "s"
    ADD = "a"
    NOTE = "e"
    PICK_SWAP = "xs"
    PICK_ADD = "xa"
    FINISH = "fin"
    FINISH_YES = "fy"


LIVE = ButtonCodec("lg", LiveAction)

# The client card's button: its data is ``lg:c:<client profile id>``, re-checked on press.
CARD_ACTION = ("🏋️ Log a session", LIVE.encode(LiveAction.CLIENT))

# A set-type button's arguments: which set (0 the last, 1 the next) and the type's place here.
MARKED_SETS = ("last", "next")
MARKED_TYPES = (SetType.WARMUP, SetType.DROP, SetType.FAILURE)
SET_TYPE_WORDS = {SetType.WARMUP: "warm-up", SetType.DROP: "drop", SetType.FAILURE: "failure"}
E1RM_RECORDS = frozenset({"e1rm_epley", "e1rm_brzycki"})
RECORD_WORDS = {
    "e1rm_epley": "e1RM",
    "e1rm_brzycki": "e1RM",
    "max_weight": "heaviest weight",
}


def _fmt_hours(hours: float) -> str:
    return f"{hours:g} hour" if hours == 1 else f"{hours:g} hours"


def main_keyboard(view: TurnView) -> InlineKeyboardMarkup:
    rid = view.record_id
    e = LIVE.encode
    if view.exercise_name is None:
        return keyboard(
            [
                [
                    ("➕ Add exercise", e(LiveAction.ADD, rid)),
                    ("🏁 Finish", e(LiveAction.FINISH, rid)),
                ]
            ]
        )
    step = step_label(view.step_unit)
    first: list[Button] = []
    if view.has_plan:
        first.append(("✓ As planned", e(LiveAction.AS_PLANNED, rid)))
    first += [
        ("Same", e(LiveAction.SAME, rid)),
        (f"+{step}", e(LiveAction.UP, rid)),
        (f"−{step}", e(LiveAction.DOWN, rid)),
    ]
    return keyboard(
        [
            first,
            [(f"@{n}", e(LiveAction.RPE, rid, n)) for n in range(6, 11)],
            [("Next ›", e(LiveAction.NEXT, rid)), ("↩ Undo", e(LiveAction.UNDO, rid))],
            [("More…", e(LiveAction.MORE, rid)), ("🏁 Finish", e(LiveAction.FINISH, rid))],
        ]
    )


def _set_type_row(rid: int, which: int) -> list[Button]:
    label = "Last" if MARKED_SETS[which] == "last" else "Next"
    return [
        (f"{label}: {SET_TYPE_WORDS[t]}", LIVE.encode(LiveAction.SET_TYPE, rid, which, index))
        for index, t in enumerate(MARKED_TYPES)
    ]


def more_keyboard(view: TurnView) -> InlineKeyboardMarkup:
    rid = view.record_id
    e = LIVE.encode
    timer = "⏱ Rest timer off" if view.timer_on else "⏱ Rest timer on"
    return keyboard(
        [
            _set_type_row(rid, 0),
            _set_type_row(rid, 1),
            [(f"Form {n}", e(LiveAction.FORM, rid, n)) for n in range(1, 6)],
            [
                ("⏭ Skip exercise", e(LiveAction.SKIP, rid)),
                ("🔁 Swap exercise", e(LiveAction.SWAP, rid)),
            ],
            [("➕ Add exercise", e(LiveAction.ADD, rid)), ("📝 Note", e(LiveAction.NOTE, rid))],
            [(timer, e(LiveAction.TIMER, rid))],
            *([[howto_button(view.exercise_id, "How to")]] if view.exercise_id else []),
            [("‹ Back", e(LiveAction.BACK, rid))],
        ]
    )


def back_keyboard(rid: int) -> InlineKeyboardMarkup:
    return keyboard([[("‹ Back", LIVE.encode(LiveAction.BACK, rid))]])


def choices_keyboard(rid: int, mode: str, choices: tuple[ExerciseChoice, ...]) -> Any:
    pick = LiveAction.PICK_SWAP if mode == "s" else LiveAction.PICK_ADD
    rows: list[list[Button]] = [
        [(choice.name, LIVE.encode(pick, rid, choice.exercise_id))] for choice in choices
    ]
    rows.append([("‹ Back", LIVE.encode(LiveAction.BACK, rid))])
    return keyboard(rows)


def finish_keyboard(rid: int, empty: bool) -> InlineKeyboardMarkup:
    yes = "⏹ Close without saving" if empty else "🏁 Yes, finish"
    return keyboard(
        [
            [
                (yes, LIVE.encode(LiveAction.FINISH_YES, rid)),
                ("‹ Keep logging", LIVE.encode(LiveAction.BACK, rid)),
            ]
        ]
    )


def feedback_keyboard(rid: int) -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(str(n), f"fb:rpe:{rid}:{n}") for n in range(1, 6)],
            [(str(n), f"fb:rpe:{rid}:{n}") for n in range(6, 11)],
        ]
    )


def turn_text(view: TurnView, header: str | None = None) -> str:
    lines: list[str] = []
    if header:
        lines += [header, ""]
    who = "" if view.viewer_is_client else f" · {esc(view.client_name)}"
    lines.append(f"🏋️ <b>{esc(view.title)}</b>{who}")
    if view.exercise_name is None:
        done = ALL_DONE.format(sets=plural(view.total_sets, "set"))
        lines.append(NO_EXERCISE_YET if view.count == 0 else done)
        return "\n".join(lines)
    lines += _exercise_lines(view)
    lines += _session_lines(view)
    lines += ["", HINT]
    return "\n".join(lines)


def _exercise_lines(view: TurnView) -> list[str]:
    """The open exercise: where in the session, which set of the target, and last time."""
    lines = [f"<b>{esc(view.exercise_name)}</b> ({view.position}/{view.count})"]
    if view.target_sets is not None:
        lines.append(f"{_set_of(view.set_number, view.target_sets)} · target {target_text(view)}")
    else:
        lines.append(f"Set {view.set_number}")
    if view.target_met and view.target_sets is not None:
        lines.append(TARGET_MET.format(n=view.target_sets))
    if view.history_locked:
        lines.append(LOCKED_HISTORY)
    elif view.last_time is not None:
        lines.append(f"Last time ({esc(last_time_text(view.last_time, view.units))})")
    else:
        lines.append(NO_HISTORY)
    return lines


def _session_lines(view: TurnView) -> list[str]:
    """Today's sets of the exercise, the next set's type, the rest timer and what follows."""
    lines: list[str] = []
    if view.today:
        shown = set_texts(view.today, view.units)
        done = "\n".join(f"  {i}. {esc(s)}" for i, s in enumerate(shown, start=1))
        lines.append(f"Today:\n{done}")
    if view.next_type is not None:
        lines.append(f"Next set: {SET_TYPE_WORDS.get(view.next_type, view.next_type.value)}")
    if view.timer_on and view.rest_s:
        lines.append(f"⏱ Rest timer: {format_duration(view.rest_s)}")
    if view.upcoming:
        lines.append(f"Then: {esc(view.upcoming)}")
    return lines


def target_text(view: TurnView) -> str:
    """The open exercise's target in the viewer's unit: ``3×5 @ 100 kg, rest 3:00``."""
    return format_target(view.target, view.units) if view.target is not None else ""


def set_texts(sets: Iterable[SetEntry], unit: Units) -> tuple[str, ...]:
    """Sets as the card writes them: ``100 kg × 5``, ``bw × 12``, ``60 s``."""
    return tuple(format_set(entry, unit) for entry in sets)


def last_time_text(last: LastTime, unit: Units) -> str:
    """ "Tue 17 Nov: 100 kg × 5, …": the day and (the first few) sets of last time."""
    shown = ", ".join(set_texts(last.sets[:LAST_TIME_SETS], unit))
    if len(last.sets) > LAST_TIME_SETS:
        shown += ", …"
    day = last.on.strftime("%a %d %b").replace(" 0", " ")
    return f"{day}: {shown}"


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def _set_of(number: int, planned: int) -> str:
    """``Set 3 of 4``; past the plan ``Set 5 (1 extra)``."""
    if number <= planned:
        return f"Set {number} of {planned}"
    return f"Set {number} ({number - planned} extra)"


def _load(weight_kg: Decimal, entered: Units | None, unit: Units) -> str:
    """A lifted load in the unit it was typed in (225 lb stays 225 lb), else the viewer's."""
    return format_kg(weight_kg, entered or unit)


def _best(performed: PerformedSet, unit: Units) -> str:
    reps = f" × {performed.reps}" if performed.reps is not None else ""
    entered = performed.entered_unit
    if performed.bodyweight:
        load = "bw"
        if performed.weight_kg:
            sign = "+" if performed.weight_kg > 0 else "−"
            load += f"{sign}{_load(performed.weight_kg.copy_abs(), entered, unit)}"
        return load + reps
    if performed.weight_kg is None:
        return plural(performed.reps, "rep") if performed.reps is not None else "—"
    return _load(performed.weight_kg, entered, unit) + reps


def _record_line(record: RecordLine, unit: Units) -> str:
    """``• Squat: heaviest weight 230 lb, was 225 lb``: weights as typed, e1RM in ``unit``."""
    kind = RECORD_WORDS.get(record.kind, f"best for {plural(record.reps or 0, 'rep')}")
    if record.kind in E1RM_RECORDS:
        value, was = format_e1rm(record.value_kg, unit), record.previous_kg
        before = f", was {format_e1rm(was, unit)}" if was else ""
    else:
        shown = record.entered_unit or unit
        value = format_kg(record.value_kg, shown)
        before = f", was {format_kg(record.previous_kg, shown)}" if record.previous_kg else ""
    return f"• {esc(record.name)}: {kind} {value}{before}"


def _delta(value: Decimal, unit: Units) -> str:
    arrow = "▲" if value > 0 else "▼" if value < 0 else "="
    return f"{arrow} {format_volume(value.copy_abs(), unit)}"


def _minutes(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def summary_text(
    title: str,
    client: str,
    data: SummaryData,
    unit: Units,
    *,
    history: bool = True,
    progress: bool = True,
) -> str:
    """The end-of-session summary; the parts a client did not share are left out and said so."""
    lines = [
        f"🏁 <b>Session complete</b>: {esc(title)} · {esc(client)}",
        f"⏱ {_minutes(data.duration)} · {plural(data.total_sets, 'set')} · "
        f"{format_volume(data.total_volume_kg, unit)} volume",
    ]
    when = data.previous_date.strftime("%d %b") if data.previous_date else None
    for line in data.exercises:
        lines.append(_exercise_summary(line, unit, when if history else None, progress=progress))
    if progress and data.records:
        lines += ["", "🏆 <b>Personal records</b>"]
        lines += [_record_line(record, unit) for record in data.records]
    lines += _summary_notes(data, history=history, progress=progress)
    return "\n".join(lines)


def _exercise_summary(
    line: ExerciseLine, unit: Units, compared_with: str | None, *, progress: bool
) -> str:
    """One exercise's line: sets, best set, e1RM (if shared), volume and its change."""
    if line.skipped:
        return f"• <b>{esc(line.name)}</b>: skipped"
    parts = [plural(line.sets, "set")]
    if line.best is not None:
        parts.append(f"best {_best(line.best, unit)}")
    if progress and line.best_e1rm_kg is not None:
        parts.append(f"e1RM {format_e1rm(line.best_e1rm_kg, unit)}")
    volume = f"volume {format_volume(line.volume_kg, unit)}"
    if line.bodyweight:
        volume += BODYWEIGHT_VOLUME
    if compared_with and line.volume_delta_kg is not None:
        volume += f" ({_delta(line.volume_delta_kg, unit)} vs {compared_with})"
    parts.append(volume)
    return f"• <b>{esc(line.name)}</b>: " + " · ".join(parts)


def _summary_notes(data: SummaryData, *, history: bool, progress: bool) -> list[str]:
    """What the summary leaves out, and why: a first time, or what the client keeps private."""
    lines: list[str] = []
    if history and data.previous_date is None:
        lines += ["", "First time logging this session: next time you'll see the comparison."]
    if not history:
        lines += [
            "",
            "🔒 The client has not shared their workout history, "
            "so there is no comparison with last time.",
        ]
    if not progress:
        lines += [
            "",
            "🔒 The client has not shared their progress data, so records and e1RM are hidden.",
        ]
    return lines


# --- helpers ----------------------------------------------------------------------------------


def _live(context: Context) -> Live:
    return Live.of(services(context).ctx)


def _op_key(update: Update) -> str:
    return f"u{update.update_id}"


def _remember(context: Context, record_id: int) -> None:
    if context.user_data is not None:
        context.user_data[RECORD_KEY] = record_id


def _forget(context: Context) -> None:
    if context.user_data is not None:
        for key in (RECORD_KEY, SWAP_KEY, MODE_KEY):
            context.user_data.pop(key, None)


def _record_id(context: Context) -> int | None:
    value = context.user_data.get(RECORD_KEY) if context.user_data is not None else None
    return value if isinstance(value, int) else None


async def _reply(update: Update, text: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await chat.send_message(text)


async def _render(
    update: Update,
    context: Context,
    view: TurnView,
    text: str,
    markup: InlineKeyboardMarkup | None,
    *,
    fresh: bool = False,
    here: bool = False,
) -> None:
    """Show ``text`` on this chat's live message: edit it in place, or send a new one.

    ``fresh`` sends a new live message (after /log); ``here`` makes the pressed message the
    live one (a session picked from a list). Either way the old one loses its buttons.
    """
    chat = update.effective_chat
    if chat is None:
        return
    query = update.callback_query
    pressed = query.message.message_id if query and query.message else None
    telegram_id = identity(update).telegram_id
    current = (
        here or view.message_id is None or (pressed is not None and pressed >= view.message_id)
    )
    if pressed is not None and current:
        await _show_on_pressed(update, context, view, text, markup)
        return
    if query is None:
        await _send_below(context, chat.id, telegram_id, view, text, markup)
        return
    await answer(update)
    if fresh and view.message_id is not None:
        await _strip(context, chat.id, view.message_id)
    elif view.message_id is not None and await _edit_card(context, chat.id, view, text, markup):
        return
    sent = await chat.send_message(text, reply_markup=markup)
    await _live(context).card.remember_message(telegram_id, view.record_id, sent.message_id)


async def _show_on_pressed(
    update: Update,
    context: Context,
    view: TurnView,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """A press on the current card (or on a message that becomes it): edited in place."""
    message = await show_message(update, text, markup)
    chat = update.effective_chat
    if message is None or chat is None or message.message_id == view.message_id:
        return
    if view.message_id is not None:
        await _strip(context, chat.id, view.message_id)
    telegram_id = identity(update).telegram_id
    await _live(context).card.remember_message(telegram_id, view.record_id, message.message_id)


async def _edit_card(
    context: Context,
    chat_id: int,
    view: TurnView,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> bool:
    """Edit the live card in place; false when Telegram no longer lets it be edited."""
    assert view.message_id is not None
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=view.message_id, reply_markup=markup
        )
    except BadRequest as error:
        if "not modified" in str(error).lower():
            return True
        log.info("live message %s not editable (%s); sending a new one", view.message_id, error)
        return False
    return True


async def _send_below(
    context: Context,
    chat_id: int,
    telegram_id: int,
    view: TurnView,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Typed input: the live card goes below the person's message and the old one goes away.

    The new card is remembered before the old one is deleted, so a bot stopped in between
    leaves an old card whose buttons answer "out of date", never two working cards.
    """
    sent = await context.bot.send_message(chat_id, text, reply_markup=markup)
    await _live(context).card.move_card(view.record_id, telegram_id, sent.message_id)
    if view.message_id is not None and view.message_id != sent.message_id:
        await _drop(context, chat_id, view.message_id)


async def _drop(context: Context, chat_id: int, message_id: int) -> None:
    """Delete an old live card; one Telegram no longer lets a bot delete loses its buttons."""
    try:
        await context.bot.delete_message(chat_id, message_id)
    except (BadRequest, Forbidden) as error:
        log.debug("could not delete old live message %s: %s", message_id, error)
        await _strip(context, chat_id, message_id)


async def _strip(context: Context, chat_id: int, message_id: int) -> None:
    """Take the buttons off an old live message (best effort)."""
    try:
        await context.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except (BadRequest, Forbidden) as error:
        log.debug("could not strip old live message %s: %s", message_id, error)


async def _show_turn(
    update: Update,
    context: Context,
    view: TurnView,
    header: str | None = None,
    *,
    fresh: bool = False,
    here: bool = False,
) -> int:
    _remember(context, view.record_id)
    text, markup = turn_text(view, header), main_keyboard(view)
    await _render(update, context, view, text, markup, fresh=fresh, here=here)
    return LOGGING


async def _started(update: Update, context: Context, result: StartResult) -> int:
    view = result.turn
    template = RESUMING if result.resumed else STARTED
    pressed = update.callback_query is not None
    header = template.format(title=esc(view.title))
    return await _show_turn(update, context, view, header, fresh=not pressed, here=pressed)


def _timers(context: Context) -> TimerService:
    return TimerService(services(context).ctx)


async def _cancel_rest(context: Context, record_id: int) -> None:
    """Remove the session's rest timer, on whichever worker it was set."""
    try:
        await _timers(context).cancel(rest_timer_key(record_id))
    except DatabaseBusy:
        # What the person did is committed; only the timer could not be removed.
        log.warning("rest timer of session %s not cancelled: database busy", record_id)


def _rest_timer(update: Update) -> RestTimer | None:
    """The rest timer a set logged from this update sets: a row any worker sends when it
    falls due, written with the set itself, so it fires once even if this worker stops."""
    chat = update.effective_chat
    return None if chat is None else RestTimer(chat.id, rest_over)


def rest_over(view: TurnView) -> str | None:
    """The rest timer's message: the rest is over, and what comes next (none if nothing)."""
    if view.target_met and view.upcoming:
        upcoming = esc(view.upcoming)
    elif view.exercise_name:
        upcoming = f"Set {view.set_number} of {esc(view.exercise_name)}"
    else:
        return None
    return REST_OVER.format(next=upcoming)


# --- starting ---------------------------------------------------------------------------------


async def log_command(update: Update, context: Context) -> int:
    """/log: a trainer picks a client; a client resumes or picks today's session."""
    live = _live(context)
    telegram_id = identity(update).telegram_id
    try:
        menu = await live.start.menu(telegram_id)
    except DomainError as error:
        await _reply(update, esc(error))
        return END
    if menu.is_trainer:
        if not menu.clients:
            if not menu.is_client:
                await show_message(update, NO_CLIENTS_TRAINER_ONLY, edit=False)
                return END
            return await _client_menu(update, context, edit=False)
        await show_message(update, *_client_list(menu), edit=False)
        return CHOOSE
    if menu.live_record_id is not None:
        try:
            result = await live.start.resume(telegram_id, menu.live_record_id)
        except DomainError as error:
            await _reply(update, esc(error))
            return END
        return await _started(update, context, result)
    return await _client_menu(update, context, edit=False)


async def _client_menu(update: Update, context: Context, *, edit: bool = True) -> int:
    menu = await _live(context).start.menu(identity(update).telegram_id)
    rows: list[list[Button]] = []
    planned_lines = []
    for item in menu.planned[:PLANNED_SHOWN]:
        with_whom = f" with {item.trainer_name}" if item.trainer_name else ""
        planned_lines.append(f"🗓 {_hhmm(item.starts_at)} {esc(item.title)}{esc(with_whom)}")
        rows.append(
            [
                (
                    f"🗓 {_hhmm(item.starts_at)} {item.title}",
                    LIVE.encode(LiveAction.PLANNED, item.coaching_session_id),
                )
            ]
        )
    rows.append([(OWN_WORKOUT, LIVE.encode(LiveAction.OWN))])
    if menu.is_trainer:
        rows.append([(BACK_TO_LIST, LIVE.encode(LiveAction.LIST))])
    planned = (
        PLANNED_TODAY + "\n".join(planned_lines) + _more(len(menu.planned)) + "\n\n"
        if planned_lines
        else NOTHING_PLANNED
    )
    intro = NO_CLIENTS + "\n\n" if menu.is_trainer and not menu.clients else ""
    await show_message(update, intro + PICK_OWN.format(planned=planned), keyboard(rows), edit=edit)
    return CHOOSE


def _more(planned: int) -> str:
    """The line under a busy day's list, saying how many planned sessions are not listed."""
    hidden = planned - PLANNED_SHOWN
    return PLANNED_MORE.format(count=hidden) if hidden > 0 else ""


async def _client_picked(update: Update, context: Context, profile_id: int) -> int:
    live = _live(context)
    telegram_id = identity(update).telegram_id
    options = await live.start.client_options(telegram_id, profile_id)
    if options.live_record_id is not None:
        return await _started(
            update, context, await live.start.resume(telegram_id, options.live_record_id)
        )
    shown = options.planned[:PLANNED_SHOWN]
    rows: list[list[Button]] = [
        [
            (
                f"🗓 {_hhmm(p.starts_at)} {p.title}",
                LIVE.encode(LiveAction.PLANNED, p.coaching_session_id),
            )
        ]
        for p in shown
    ]
    rows.append([(UNPLANNED, LIVE.encode(LiveAction.UNPLANNED, profile_id))])
    rows.append([(BACK_TO_LIST, LIVE.encode(LiveAction.LIST))])
    if options.planned:
        listed = "\n".join(f"🗓 {_hhmm(p.starts_at)} {esc(p.title)}" for p in shown)
        planned = f"{PLANNED_TODAY}{listed}{_more(len(options.planned))}\n\n"
    else:
        planned = NOTHING_PLANNED_CLIENT.format(name=esc(options.name))
    await show_message(
        update, PICK_SESSION.format(name=esc(options.name), planned=planned), keyboard(rows)
    )
    return CHOOSE


async def choose_typed(update: Update, context: Context) -> int:
    await _reply(update, PICK_WITH_BUTTONS)
    return CHOOSE


# --- the live buttons -------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> int:
    """Every ``lg:`` button. Ids in the data are re-checked by the service on each press."""
    query = update.callback_query
    assert query is not None
    press = LIVE.decode(query.data)
    try:
        if press is not None and press.action in _PICKERS:
            return await _PICKERS[press.action](update, context, press)
        if press is not None and press.ids and press.action in _CARD:
            return await _on_card(update, context, press)
        await answer(update, EXPIRED, alert=True)
        return END if press is None or not press.ids else LOGGING
    except SetParseError as error:
        await answer(
            update, f"{error.message} Type it instead, e.g. {error.examples[0]}", alert=True
        )
    except SessionFinished:
        _forget(context)
        await answer(update, FINISHED_ANSWER, alert=True)
        return END
    except DomainError as error:
        await answer(update, str(error), alert=True)
    return LOGGING if _record_id(context) is not None else END


async def _on_card(update: Update, context: Context, press: Press[LiveAction]) -> int:
    """A live card's button: out-of-date cards only point to the current one."""
    rid = press.ids[0]
    if await _out_of_date(update, context, rid):
        return LOGGING if _record_id(context) is not None else END
    _remember(context, rid)
    return await _CARD[press.action](update, context, _CardPress(rid, press.ids[1:]))


@dataclass(frozen=True, slots=True)
class _CardPress:
    """A live card's button: the session's record and the button's own arguments."""

    rid: int
    args: tuple[int, ...]

    def arg(self, index: int = 0) -> int:
        if index >= len(self.args):
            raise InvalidInput(EXPIRED)
        return self.args[index]


Picker = Callable[[Update, Context, Press[LiveAction]], Awaitable[int]]
CardHandler = Callable[[Update, Context, _CardPress], Awaitable[int]]


async def _picked_list(update: Update, context: Context, _press: Press[LiveAction]) -> int:
    await answer(update)
    return await _back_to_list(update, context)


async def _picked_me(update: Update, context: Context, _press: Press[LiveAction]) -> int:
    return await _client_menu(update, context)


async def _picked_own(update: Update, context: Context, _press: Press[LiveAction]) -> int:
    return await _started(update, context, await _live(context).start.start_own(_who(update)))


def _first_id(press: Press[LiveAction]) -> int:
    found = press.id()
    if found is None:
        raise InvalidInput(EXPIRED)
    return found


async def _picked_client(update: Update, context: Context, press: Press[LiveAction]) -> int:
    return await _client_picked(update, context, _first_id(press))


async def _picked_planned(update: Update, context: Context, press: Press[LiveAction]) -> int:
    result = await _live(context).start.start_planned(_who(update), _first_id(press))
    return await _started(update, context, result)


async def _picked_unplanned(update: Update, context: Context, press: Press[LiveAction]) -> int:
    result = await _live(context).start.start_unplanned(_who(update), _first_id(press))
    return await _started(update, context, result)


_PICKERS: dict[LiveAction, Picker] = {
    LiveAction.LIST: _picked_list,
    LiveAction.ME: _picked_me,
    LiveAction.OWN: _picked_own,
    LiveAction.CLIENT: _picked_client,
    LiveAction.PLANNED: _picked_planned,
    LiveAction.UNPLANNED: _picked_unplanned,
}

_LOG_KINDS = {
    LiveAction.AS_PLANNED: "planned",
    LiveAction.SAME: "same",
    LiveAction.UP: "up",
    LiveAction.DOWN: "down",
}


def _who(update: Update) -> int:
    return identity(update).telegram_id


async def _card_log(update: Update, context: Context, press: _CardPress, action: LiveAction) -> int:
    result = await _live(context).log.log_button(
        _who(update), press.rid, _LOG_KINDS[action], _op_key(update), _rest_timer(update)
    )
    return await _after_log(update, context, result.turn, result.logged)


async def _card_as_planned(update: Update, context: Context, press: _CardPress) -> int:
    return await _card_log(update, context, press, LiveAction.AS_PLANNED)


async def _card_same(update: Update, context: Context, press: _CardPress) -> int:
    return await _card_log(update, context, press, LiveAction.SAME)


async def _card_up(update: Update, context: Context, press: _CardPress) -> int:
    return await _card_log(update, context, press, LiveAction.UP)


async def _card_down(update: Update, context: Context, press: _CardPress) -> int:
    return await _card_log(update, context, press, LiveAction.DOWN)


async def _card_rpe(update: Update, context: Context, press: _CardPress) -> int:
    rpe = press.arg()
    view = await _live(context).edit.rate_last_set(_who(update), press.rid, rpe, _op_key(update))
    return await _show_turn(update, context, view, f"RPE {rpe} noted on the last set.")


async def _card_set_type(update: Update, context: Context, press: _CardPress) -> int:
    which, index = press.arg(0), press.arg(1)
    if which >= len(MARKED_SETS) or index >= len(MARKED_TYPES):
        raise InvalidInput(EXPIRED)
    view = await _live(context).edit.mark_set_type(
        _who(update), press.rid, MARKED_TYPES[index], MARKED_SETS[which], _op_key(update)
    )
    return await _show_turn(update, context, view)


async def _card_form(update: Update, context: Context, press: _CardPress) -> int:
    form = press.arg()
    view = await _live(context).edit.rate_form(_who(update), press.rid, form, _op_key(update))
    return await _show_turn(update, context, view, f"Form {form}/5 noted.")


async def _card_undo(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live(context).edit.undo(_who(update), press.rid, _op_key(update))
    await _cancel_rest(context, press.rid)
    return await _show_turn(update, context, view, UNDONE)


async def _card_skip(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live(context).edit.skip(_who(update), press.rid, _op_key(update))
    return await _show_turn(update, context, view, SKIPPED)


async def _card_next(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live(context).edit.next_exercise(_who(update), press.rid, _op_key(update))
    return await _show_turn(update, context, view)


async def _card_timer(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live(context).edit.toggle_timer(_who(update), press.rid, _op_key(update))
    if not view.timer_on:
        await _cancel_rest(context, press.rid)
    await _render(update, context, view, turn_text(view), more_keyboard(view))
    return LOGGING


async def _live_turn(update: Update, context: Context, rid: int) -> TurnView:
    view = await _live(context).card.turn(_who(update), rid)
    _require_live(view)
    return view


async def _card_more(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live_turn(update, context, press.rid)
    await _render(update, context, view, turn_text(view), more_keyboard(view))
    return LOGGING


async def _card_back(update: Update, context: Context, press: _CardPress) -> int:
    return await _show_turn(update, context, await _live_turn(update, context, press.rid))


async def _card_swap(update: Update, context: Context, press: _CardPress) -> int:
    return await _ask_search(update, context, press.rid, "s")


async def _card_add(update: Update, context: Context, press: _CardPress) -> int:
    return await _ask_search(update, context, press.rid, "a")


async def _card_note(update: Update, context: Context, press: _CardPress) -> int:
    view = await _live_turn(update, context, press.rid)
    if view.exercise_name is None:
        await answer(update, "There is no exercise open: add one first.", alert=True)
        return LOGGING
    text = ASK_NOTE.format(name=esc(view.exercise_name))
    await _render(update, context, view, text, back_keyboard(press.rid))
    return NOTE


async def _card_pick_swap(update: Update, context: Context, press: _CardPress) -> int:
    return await _picked(update, context, press.rid, "s", press.arg())


async def _card_pick_add(update: Update, context: Context, press: _CardPress) -> int:
    return await _picked(update, context, press.rid, "a", press.arg())


async def _card_finish(update: Update, context: Context, press: _CardPress) -> int:
    return await _ask_finish(
        update, context, await _live(context).card.turn(_who(update), press.rid)
    )


async def _card_finish_yes(update: Update, context: Context, press: _CardPress) -> int:
    return await _finish(update, context, press.rid)


_CARD: dict[LiveAction, CardHandler] = {
    LiveAction.AS_PLANNED: _card_as_planned,
    LiveAction.SAME: _card_same,
    LiveAction.UP: _card_up,
    LiveAction.DOWN: _card_down,
    LiveAction.RPE: _card_rpe,
    LiveAction.SET_TYPE: _card_set_type,
    LiveAction.FORM: _card_form,
    LiveAction.UNDO: _card_undo,
    LiveAction.SKIP: _card_skip,
    LiveAction.NEXT: _card_next,
    LiveAction.TIMER: _card_timer,
    LiveAction.MORE: _card_more,
    LiveAction.BACK: _card_back,
    LiveAction.SWAP: _card_swap,
    LiveAction.ADD: _card_add,
    LiveAction.NOTE: _card_note,
    LiveAction.PICK_SWAP: _card_pick_swap,
    LiveAction.PICK_ADD: _card_pick_add,
    LiveAction.FINISH: _card_finish,
    LiveAction.FINISH_YES: _card_finish_yes,
}


async def _out_of_date(update: Update, context: Context, rid: int) -> bool:
    """A press on an older live card: it loses its buttons and points to the current card.

    Message ids only grow in a chat, so a card older than the one remembered is out of date;
    a newer one (sent just before a restart) is the current card and is adopted on render.
    """
    query = update.callback_query
    pressed = query.message.message_id if query and query.message else None
    if pressed is None:
        return False
    card = await _live(context).card.card_of(identity(update).telegram_id, rid)
    if card is None or pressed >= card:
        return False
    chat = update.effective_chat
    if chat is not None:
        await _strip(context, chat.id, pressed)
    await answer(update, OUT_OF_DATE, alert=True)
    return True


def _require_live(view: TurnView) -> None:
    if not view.is_live:
        raise SessionFinished(view.record_id)


async def _back_to_list(update: Update, context: Context) -> int:
    menu = await _live(context).start.menu(identity(update).telegram_id)
    if not menu.is_trainer:
        return await _client_menu(update, context)
    await show_message(update, *_client_list(menu))
    return CHOOSE


def _client_list(menu: StartMenu) -> tuple[str, InlineKeyboardMarkup]:
    """A trainer's /log picker: their clients, live and planned first, marked."""
    rows: list[list[Button]] = []
    for client in menu.clients:
        mark = "🔴 " if client.live else "🗓 " if client.planned_today else ""
        waiting = "" if client.joined else WAITING_MARK
        rows.append(
            [(f"{mark}{client.name}{waiting}", LIVE.encode(LiveAction.CLIENT, client.profile_id))]
        )
    if menu.is_client:
        rows.append([(MY_OPTIONS, LIVE.encode(LiveAction.ME))])
    text = PICK_CLIENT
    if not all(client.joined for client in menu.clients):
        text += PICK_CLIENT_WAITING
    return text, keyboard(rows)


async def _ask_finish(update: Update, context: Context, view: TurnView) -> int:
    _require_live(view)
    empty = view.total_sets == 0
    text = (ASK_DISCARD if empty else ASK_FINISH).format(
        title=esc(view.title), sets=plural(view.total_sets, "set")
    )
    await _render(update, context, view, text, finish_keyboard(view.record_id, empty))
    return LOGGING


async def _after_log(
    update: Update,
    context: Context,
    view: TurnView,
    logged: tuple[SetEntry, ...],
) -> int:
    shown = ", ".join(set_texts(logged, view.units))
    header = LOGGED.format(sets=esc(shown)) if logged else ALREADY_LOGGED
    return await _show_turn(update, context, view, header)


async def _ask_search(update: Update, context: Context, rid: int, mode: str) -> int:
    view = await _live(context).card.turn(identity(update).telegram_id, rid)
    _require_live(view)
    if mode == "s" and view.exercise_name is None:
        await answer(update, "There is no exercise open to swap.", alert=True)
        return LOGGING
    if context.user_data is not None:
        context.user_data[MODE_KEY] = mode
    text = ASK_SEARCH_SWAP.format(name=esc(view.exercise_name)) if mode == "s" else ASK_SEARCH_ADD
    await _render(update, context, view, text, back_keyboard(rid))
    return SEARCH


async def _picked(update: Update, context: Context, rid: int, mode: str, exercise_id: int) -> int:
    live = _live(context)
    telegram_id = identity(update).telegram_id
    key = _op_key(update)
    if mode == "a":
        view = await live.search.add_exercise(telegram_id, rid, exercise_id, key)
        return await _show_turn(update, context, view, ADDED)
    try:
        view = await live.search.swap(telegram_id, rid, exercise_id, key)
    except ReasonNeeded as error:
        if context.user_data is not None:
            context.user_data[SWAP_KEY] = exercise_id
        current = await live.card.turn(telegram_id, rid)
        await _render(update, context, current, _swap_reason(error), back_keyboard(rid))
        return REASON
    return await _show_turn(update, context, view, SWAPPED)


async def _finish(update: Update, context: Context, rid: int) -> int:
    result = await _live(context).finish.finish(identity(update).telegram_id, rid, _op_key(update))
    await _cancel_rest(context, rid)
    _forget(context)
    await answer(update)
    if result.discarded:
        await show_message(update, DISCARDED)
        return END
    await _deliver_summary(update, context, result)
    await after_session_finished(context, result.record_id)
    return END


def _summary_texts(result: FinishResult) -> tuple[str | None, str | None]:
    """The client's summary and the trainer's (from what the client shares), in their units."""
    client_text = trainer_text = None
    if result.client is not None and result.client_summary is not None:
        client_text = summary_text(
            result.title, result.client_name, result.client_summary, result.client.units
        )
    if result.trainer is not None and result.trainer_summary is not None:
        trainer_text = summary_text(
            result.title,
            result.client_name,
            result.trainer_summary,
            result.trainer.units,
            history=result.trainer_sees_history,
            progress=result.trainer_sees_progress,
        )
    return client_text, trainer_text


async def _deliver_summary(update: Update, context: Context, result: FinishResult) -> None:
    client_text, trainer_text = _summary_texts(result)
    if result.actor_is_client:
        own, other, other_text = client_text, result.trainer, trainer_text
    else:
        own, other, other_text = trainer_text, result.client, client_text
    if own is None and result.client_summary is not None:
        own = summary_text(result.title, result.client_name, result.client_summary, Units.KG)
    talk = result.client is not None and result.trainer is not None  # a thread per workout
    mine = summary_markup(result.record_id, for_client=result.actor_is_client) if talk else None
    await show_message(update, own or "🏁 Session complete.", mine)
    if other is not None and other_text is not None:
        theirs = summary_markup(result.record_id, for_client=not result.actor_is_client)
        await notify(context, other.telegram_id, other_text, theirs if talk else None)
    if result.ask_feedback and result.client is not None:
        await notify(
            context,
            result.client.telegram_id,
            FEEDBACK_ASK.format(title=esc(result.title)),
            feedback_keyboard(result.record_id),
        )


# --- typed text -------------------------------------------------------------------------------


async def on_text(update: Update, context: Context) -> int:
    """A set typed during the session (or, with no exercise open, an exercise's name)."""
    rid = _record_id(context)
    message = update.effective_message
    if rid is None or message is None:
        await _reply(update, NO_SESSION)
        return END
    text = message.text or ""
    try:
        word = live_word(text)
        if word is not None:
            return await _word_typed(update, context, rid, word)
        try:
            result = await _live(context).log.log_text(
                identity(update).telegram_id, rid, text, _op_key(update), _rest_timer(update)
            )
        except SetParseError as error:
            return await _not_a_set(update, context, rid, text, error)
    except (SessionFinished, NotFound, NotAllowed) as error:
        return await _lost_session(update, context, error)
    except DomainError as error:
        return await _hint(update, context, rid, f"⚠️ {esc(error)}")
    if result.choices is not None:
        return await _first_exercise(update, context, rid, text, result.choices)
    return await _after_log(update, context, result.turn, result.logged)


async def _first_exercise(
    update: Update, context: Context, rid: int, text: str, choices: tuple[ExerciseChoice, ...]
) -> int:
    """No exercise open: a name that matches one exercise exactly adds it, else pick one."""
    if not choices:
        view = await _live(context).card.turn(identity(update).telegram_id, rid)
        return await _show_choices(update, context, view, "a", text, choices)
    named = await _live(context).search.exercise_named(
        identity(update).telegram_id, rid, text, _op_key(update)
    )
    return await _named(update, context, text, named)


async def _word_typed(update: Update, context: Context, rid: int, word: LiveWord) -> int:
    """``next``, ``skip``, ``done``, ``finish`` or ``undo`` typed mid-session: as the buttons."""
    live = _live(context)
    telegram_id, key = identity(update).telegram_id, _op_key(update)
    if word is LiveWord.DONE:
        current = await live.card.turn(telegram_id, rid)
        word = LiveWord.NEXT if current.exercise_name is not None else LiveWord.FINISH
    if word is LiveWord.FINISH:
        return await _ask_finish(update, context, await live.card.turn(telegram_id, rid))
    if word is LiveWord.UNDO:
        view = await live.edit.undo(telegram_id, rid, key)
        await _cancel_rest(context, rid)
        return await _show_turn(update, context, view, UNDONE)
    if word is LiveWord.SKIP:
        return await _show_turn(
            update, context, await live.edit.skip(telegram_id, rid, key), SKIPPED
        )
    view = await live.edit.next_exercise(telegram_id, rid, key)
    return await _show_turn(update, context, view, NEXT_DONE)


async def _not_a_set(
    update: Update, context: Context, rid: int, text: str, error: SetParseError
) -> int:
    """Text that is not a set: an exercise's name moves there; else the card explains why."""
    if looks_like_name(text):
        named = await _live(context).search.exercise_named(
            identity(update).telegram_id, rid, text, _op_key(update)
        )
        if named.choices or named.added or named.switched:
            return await _named(update, context, text, named)
    first, second = error.examples
    hint = SET_ERROR.format(message=esc(error.message), first=esc(first), second=esc(second))
    return await _hint(update, context, rid, hint)


async def _named(update: Update, context: Context, text: str, named: NamedResult) -> int:
    view = named.turn
    if named.choices:
        return await _show_choices(update, context, view, "a", text, named.choices)
    template = SWITCHED_NAMED if named.switched else ADDED_NAMED
    return await _show_turn(update, context, view, template.format(name=esc(view.exercise_name)))


async def _hint(update: Update, context: Context, rid: int, hint: str) -> int:
    """A mistake explained inside the live card, re-sent below it; nothing was stored."""
    try:
        view = await _live(context).card.turn(identity(update).telegram_id, rid)
        _require_live(view)
    except DomainError as error:
        return await _lost_session(update, context, error)
    return await _show_turn(update, context, view, hint)


async def _lost_session(update: Update, context: Context, error: DomainError) -> int:
    _forget(context)
    await _reply(update, SESSION_OVER if isinstance(error, SessionFinished) else esc(error))
    return END


async def _show_choices(
    update: Update,
    context: Context,
    view: TurnView,
    mode: str,
    query: str,
    choices: tuple[ExerciseChoice, ...],
) -> int:
    if not choices:
        return await _show_turn(
            update, context, view, NO_MATCH.format(query=esc(" ".join(query.split())[:60]))
        )
    markup = choices_keyboard(view.record_id, mode, choices)
    await _render(update, context, view, CHOICES, markup)
    return LOGGING


async def search_typed(update: Update, context: Context) -> int:
    rid = _record_id(context)
    message = update.effective_message
    if rid is None or message is None:
        await _reply(update, NO_SESSION)
        return END
    mode = str((context.user_data or {}).get(MODE_KEY, "a"))
    live = _live(context)
    telegram_id = identity(update).telegram_id
    try:
        choices = await live.search.search(telegram_id, rid, message.text or "")
        view = await live.card.turn(telegram_id, rid)
    except DomainError as error:
        return await _lost_session(update, context, error)
    if not choices:
        missing = NO_MATCH.format(query=esc(" ".join((message.text or "").split())[:60]))
        await _render(update, context, view, f"⚠️ {missing}", back_keyboard(rid))
        return SEARCH
    await _render(update, context, view, CHOICES, choices_keyboard(rid, mode, choices))
    return LOGGING


def _swap_reason(error: ReasonNeeded) -> str:
    return ASK_SWAP_REASON.format(original=esc(error.original), replacement=esc(error.replacement))


async def reason_typed(update: Update, context: Context) -> int:
    rid = _record_id(context)
    message = update.effective_message
    exercise_id = (context.user_data or {}).get(SWAP_KEY)
    if rid is None or message is None or not isinstance(exercise_id, int):
        await _reply(update, NO_SESSION)
        return END
    try:
        view = await _live(context).search.swap(
            identity(update).telegram_id, rid, exercise_id, _op_key(update), message.text or ""
        )
    except (SessionFinished, NotFound, NotAllowed) as error:
        return await _lost_session(update, context, error)
    except ReasonNeeded as error:
        return await _ask_again(update, context, rid, _swap_reason(error), REASON)
    except DomainError as error:
        return await _ask_again(update, context, rid, f"🔁 {esc(error)}", REASON)
    if context.user_data is not None:
        context.user_data.pop(SWAP_KEY, None)
    return await _show_turn(update, context, view, SWAPPED)


async def note_typed(update: Update, context: Context) -> int:
    rid = _record_id(context)
    message = update.effective_message
    if rid is None or message is None:
        await _reply(update, NO_SESSION)
        return END
    try:
        view = await _live(context).edit.add_note(
            identity(update).telegram_id, rid, message.text or "", _op_key(update)
        )
    except (SessionFinished, NotFound, NotAllowed) as error:
        return await _lost_session(update, context, error)
    except DomainError as error:
        return await _ask_again(update, context, rid, f"⚠️ {esc(error)}", NOTE)
    return await _show_turn(update, context, view, NOTE_SAVED)


async def _ask_again(update: Update, context: Context, rid: int, text: str, state: int) -> int:
    """A sub-step's mistake (swap reason, note): said inside the card, re-sent below."""
    try:
        view = await _live(context).card.turn(identity(update).telegram_id, rid)
        _require_live(view)
    except DomainError as error:
        return await _lost_session(update, context, error)
    await _render(update, context, view, text, back_keyboard(rid))
    return state


# --- /cancel inside the session ---------------------------------------------------------------


async def pause(update: Update, context: Context) -> int:
    """/cancel while logging: nothing is lost; the session stays open for /log."""
    rid = _record_id(context)
    _forget(context)
    if rid is None:
        await _reply(update, NO_SESSION)
        return END
    try:
        view = await _live(context).card.turn(identity(update).telegram_id, rid)
    except DomainError:
        await _reply(update, NO_SESSION)
        return END
    sets = plural(view.total_sets, "set")
    are = "is" if view.total_sets == 1 else "are"
    await _reply(update, PAUSED.format(sets=sets, are=are, title=esc(view.title)))
    return END


async def back_to_turn(update: Update, context: Context) -> int:
    """/cancel in a sub-step (search, reason, note): back to the set in progress."""
    rid = _record_id(context)
    if context.user_data is not None:
        context.user_data.pop(SWAP_KEY, None)
        context.user_data.pop(MODE_KEY, None)
    if rid is None:
        await _reply(update, NO_SESSION)
        return END
    try:
        view = await _live(context).card.turn(identity(update).telegram_id, rid)
        _require_live(view)
    except DomainError as error:
        return await _lost_session(update, context, error)
    return await _show_turn(update, context, view, SUB_CANCELLED)


# --- after the session ------------------------------------------------------------------------


async def abandon_stale_sessions(context: Context) -> None:
    """Repeating job: close sessions left live too long; tell both parties."""
    svc = services(context)
    hours = svc.settings.session_abandon_hours
    closed = await FinishPart(svc.ctx).abandon_stale(timedelta(hours=hours))
    for item in closed:
        template = ABANDONED_WITH_SETS if item.sets else ABANDONED_EMPTY
        text = template.format(
            title=esc(item.title),
            client=esc(item.client_name),
            hours=_fmt_hours(hours),
            sets=plural(item.sets, "set"),
            are="is" if item.sets == 1 else "are",
        )
        await _cancel_rest(context, item.record_id)
        for recipient in item.recipients:
            if recipient.message_id is not None:
                await _strip(context, recipient.telegram_id, recipient.message_id)
            await notify(context, recipient.telegram_id, text)
    if closed:
        log.info("closed %d abandoned live session(s)", len(closed))


def build_handler() -> list[object]:
    text = filters.TEXT & ~filters.COMMAND
    flow = Flow(
        "log",
        entry_points=[
            CommandHandler("log", log_command),
            CallbackQueryHandler(on_button, pattern=r"^lg:"),
        ],
        states={
            CHOOSE: [MessageHandler(text, choose_typed)],
            LOGGING: [CommandHandler("cancel", pause), MessageHandler(text, on_text)],
            SEARCH: [CommandHandler("cancel", back_to_turn), MessageHandler(text, search_typed)],
            REASON: [CommandHandler("cancel", back_to_turn), MessageHandler(text, reason_typed)],
            NOTE: [CommandHandler("cancel", back_to_turn), MessageHandler(text, note_typed)],
        },
        keep_open_on_commands=True,
    )
    if CARD_ACTION not in CARD_ACTIONS:
        CARD_ACTIONS.append(CARD_ACTION)
    return [flow]
