"""Importing history (Strong, Hevy or FitNotes CSV) and libraries (Spotter JSON) as documents.

A document sent outside any other flow lands here. For workout history the bot recognises the
layout, asks whose history it is (a trainer may import for a client who allows it), asks once
"Were these weights in kg or lb?" when the file does not say (the person's unit preselected),
lists rows it cannot read and asks whether to import the others, and then shows one review:
how many exercise names matched exactly, how many have a suggestion and how many are new, with
"Accept all suggestions", "Create the rest as my own" and a paginated list to change any single
name. Everything is stored only on "Import", with exactly the mapping reviewed; a big import
shows its progress by editing the message. The result carries an undo button for the whole
batch; /import lists recent imports with their undo buttons.

Every button of an open import carries a short token of that import, so a button left over
from an earlier review (or made up) is answered as stale and changes nothing.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Final
from zoneinfo import ZoneInfo

from telegram import Document, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from coaching.domain.enums import Units
from coaching.domain.exchange import (
    GOOD_FILE_HINT,
    MAX_IMPORT_BYTES,
    detect_format,
    looks_like_library,
)
from coaching.domain.plurals import plural
from coaching.errors import DomainError
from coaching.services.exports import ExportService, zone
from coaching.services.imports import (
    CHUNK_SETS,
    NO_IMPORT,
    OWN,
    SKIP,
    ImportDone,
    ImportFailed,
    ImportPlan,
    ImportService,
    ImportTarget,
    NameKind,
)
from coaching.services.users import UserService
from conversations.common import END, Context, answer, esc, identity, keyboard, notify, show
from conversations.container import services
from conversations.flow import Flow, button, command
from conversations.typed_buttons import MAX_CALLBACK_BYTES, ButtonCodec

STEP = 0
KEY = "import"
PAGE_SIZE: Final = 8
TARGETS_PAGE: Final = 10
SHOWN_PENDING: Final = 8
NAME_CUT: Final = 60
BUTTON_CUT: Final = 40
TOKENS: Final = 10**8  # an import's token is a number below this, drawn at random

# --- wording ----------------------------------------------------------------------------------

TOO_BIG = (
    "❌ That file is {size:.1f} MB; I can import files up to {limit} MB. "
    "Export a shorter period and send that file."
)
NO_DOWNLOAD = "❌ I couldn't download that file from Telegram. Please send it again."
BAD_FILE = "❌ I can't import this file. {problem}\n\nNothing was stored."
PARTLY_STORED = "❌ {problem}"
WHOSE = "📥 <b>{label} export received.</b> Whose workout history is it?"
WHOSE_PAGE = " (page {page} of {pages})"
NO_TARGETS = (
    "You have no clients who let you log their workouts, so there is nobody to import this for."
)
ASK_UNIT = (
    "⚖️ This {label} file doesn't say which unit its weights are in.\n\n"
    "<b>Were these weights in kg or lb?</b>"
)
BAD_ROWS = "⚠️ <b>{rows} can't be read</b>, so I would leave them out:\n\n{lines}"
BAD_ROWS_MORE = "\n…and {more} more."
BAD_ROWS_ASK = "\n\n<b>Import the other {sets}?</b> Nothing is stored until you say so."
SUMMARY = (
    "📋 <b>Ready to import</b> ({format} export) into {target}:\n\n"
    "• {workouts}, {sets}\n"
    "• {dates}\n"
    "• {exercises}: {exact} matched exactly, {suggested} with a suggestion, {new} new"
)
PENDING = "\n\n<b>Still to decide</b> ({count}):"
PENDING_MORE = "\n…and {more} more (see ✏️ Change a name)."
SETTLED = "\n\nEvery exercise name is settled."
NOT_STORED = "\n\nNothing is stored until you tap <b>Import</b>."
LIST_HEAD = "✏️ <b>Exercise names</b> (page {page} of {pages}). Tap one to change it."
NAME_HEAD = "🔎 <b>{name}</b> ({sets})\n\nNow: {now}\n\nWhich exercise is it?"
NAME_NOTHING_CLOSE = "\n\nNothing in the catalogue is the same lift; create it as your own."
PROGRESS = "⏳ Importing… {done} of {total} sets stored ({percent}%)."
IMPORTED = "✅ <b>Imported</b> into {target}: {workouts}, {sets}."
UNDONE = "↩️ Import undone: removed {workouts} and {sets} from {target}."
CANCELLED = "Import cancelled. Nothing was stored."
USE_BUTTONS = "Please use the buttons above, or send /cancel to stop the import."
STALE = "This import is no longer open. Send the file again to start over."
NOT_OFFERED = "That choice is not one I offered. Pick a button below."
DECIDE_FIRST = "Settle every exercise name first: accept the suggestions or create the rest."
CLIENT_TOLD = (
    "📥 {trainer} imported {workouts} ({sets}) into your training history. "
    "See everything with /mydata."
)
IMPORT_HELP = (
    "📥 <b>Import</b>\n\n"
    "Send me a CSV file exported from <b>Strong</b>, <b>Hevy</b> or <b>FitNotes</b> and I'll add "
    "the workouts to your history (or, for a trainer, to a client's who allows it). Trainers can "
    "also send a templates-and-programs .json file made by /export."
)
RECENT = "\n\n<b>Recent imports</b> (tap to undo one):"
NO_LIBRARY = "Only trainers can import templates and programs. Send /start to register as one."
LIBRARY_DONE = "✅ Imported {templates} and {programs} into your library."


def count(number: int, singular: str, plural_form: str | None = None) -> str:
    """``plural`` with thousands separated: ``5,401 sets``."""
    word = plural(number, singular, plural_form).split(" ", 1)[1]
    return f"{number:,} {word}"


def cut(text: str, limit: int = NAME_CUT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- buttons ----------------------------------------------------------------------------------


class Act(StrEnum):
    FOR = "for"
    TARGETS = "tp"
    UNIT = "u"
    ROWS = "rows"
    ACCEPT = "acc"
    REST = "rest"
    LIST = "p"
    SUMMARY = "sum"
    NAME = "n"
    CHOOSE = "c"
    OWN = "o"
    SKIP = "s"
    GO = "go"
    NO = "no"


IMPORT: Final = ButtonCodec("im", Act, words=True)
# Each action's buttons after the token: (how many numbers, the word or None).
_SHAPES: Final[dict[Act, frozenset[tuple[int, str | None]]]] = {
    Act.FOR: frozenset({(0, "me"), (1, None)}),
    Act.TARGETS: frozenset({(1, None)}),
    Act.UNIT: frozenset({(0, "kg"), (0, "lb")}),
    Act.LIST: frozenset({(1, None)}),
    Act.NAME: frozenset({(1, None)}),
    Act.CHOOSE: frozenset({(2, None)}),
    Act.OWN: frozenset({(1, None)}),
    Act.SKIP: frozenset({(1, None)}),
}
_NO_NUMBERS: Final = frozenset({(0, None)})
_NUMBER_LIMIT: Final = 10**12  # a number on a button has at most 12 digits


@dataclass(frozen=True, slots=True)
class ImportButton:
    """One button of an open import, in the shared codec (:data:`IMPORT`):
    ``im:<action>:<token>[:<numbers>][:<word>]``. The token, a number drawn for each import,
    is the first id; then come the action's numbers, or its word ("me", a unit)."""

    act: Act
    token: int
    numbers: tuple[int, ...] = ()
    word: str = ""

    def encode(self) -> str:
        return IMPORT.encode(self.act, self.token, *self.numbers, word=self.word or None)

    @classmethod
    def decode(cls, data: str | None) -> ImportButton | None:
        """The button, or None for data that is not an import's button in its action's shape."""
        press = IMPORT.decode(data)
        if press is None or not press.ids or any(n >= _NUMBER_LIMIT for n in press.ids):
            return None
        token, *numbers = press.ids
        if (len(numbers), press.word) not in _SHAPES.get(press.action, _NO_NUMBERS):
            return None
        return cls(press.action, token, tuple(numbers), press.word or "")


_BATCH = r"[0-9A-Za-z-]{1,36}"  # a UUID as the import wrote it


@dataclass(frozen=True, slots=True)
class UndoButton:
    """``im:undo:<batch>``: undo one import. A batch is a UUID, which may start with a digit
    and so is no word of the shared codec: this codec reads the batch's shape (letters, digits
    and hyphens, at most 36), and the undo buttons already in chats keep working."""

    batch: str

    SHAPE: ClassVar[re.Pattern[str]] = re.compile(rf"im:undo:({_BATCH})")

    def encode(self) -> str:
        data = f"im:undo:{self.batch}"
        if len(data.encode()) > MAX_CALLBACK_BYTES or not self.SHAPE.fullmatch(data):
            raise ValueError(f"not an undo button: {data!r}")
        return data

    @classmethod
    def decode(cls, data: str | None) -> UndoButton | None:
        found = cls.SHAPE.fullmatch(data or "")
        return cls(found.group(1)) if found else None


def _b(
    label: str, state: dict[str, Any], act: Act, *numbers: int, word: str = ""
) -> tuple[str, str]:
    return (label, ImportButton(act, state["token"], numbers, word).encode())


def _undo_keyboard(batch: str) -> InlineKeyboardMarkup:
    return keyboard([[("↩️ Undo this import", UndoButton(batch).encode())]])


# --- the import's state (in user_data, plain values only) -------------------------------------
# names: [name, sets, kind, match id or None, match name or None, [[id, name], ...]]
# decisions: one per name: an exercise id, "own", "skip", or None while undecided.


def _state(context: Context) -> dict[str, Any] | None:
    data = context.user_data
    if data is None:
        return None
    state = data.get(KEY)
    return state if isinstance(state, dict) else None


def _new_state(file_id: str, target: int | None) -> dict[str, Any]:
    return {
        "token": secrets.randbelow(TOKENS),
        "file_id": file_id,
        "target": target,
        "stage": "plan",
        "unit": None,
        "rows_agreed": False,
    }


def _plan_into(state: dict[str, Any], plan: ImportPlan) -> None:
    if plan.first_day and plan.last_day:
        first = plan.first_day.strftime("%d %b %Y").lstrip("0")
        last = plan.last_day.strftime("%d %b %Y").lstrip("0")
        dates = first if first == last else f"{first} – {last}"
    else:
        dates = "no dates"
    state["names"] = [
        [
            n.name,
            n.sets,
            n.kind.value,
            n.match.exercise_id if n.match else None,
            n.match.name if n.match else None,
            [[c.exercise_id, c.name] for c in n.candidates],
        ]
        for n in plan.names
    ]
    state["decisions"] = [
        n.match.exercise_id if n.kind is NameKind.EXACT and n.match else None for n in plan.names
    ]
    state["plan"] = {
        "format": plan.format.label,
        "target": plan.target_label,
        "workouts": plan.workouts,
        "sets": plan.sets,
        "dates": dates,
        "duplicates": plan.duplicates,
        "bad_rows": [[row.line, row.reason] for row in plan.bad_rows],
        "bad_row_count": plan.bad_row_count,
        "rest_rows": plan.rest_rows,
        "repeated_workouts": plan.repeated_workouts,
        "repeated_rows": plan.repeated_rows,
        "unit_missing": plan.unit_missing,
        "unit": plan.unit.value,
    }


def _decision_text(state: dict[str, Any], index: int) -> str:
    _, sets, kind, _, match_name, _ = state["names"][index]
    decision = state["decisions"][index]
    if decision == SKIP:
        return f"skipped ({plural(sets, 'set')})"
    if decision == OWN:
        return "a new exercise of your own"
    if decision is None:
        if kind == NameKind.SUGGESTED.value:
            return f"suggested: {esc(cut(match_name or ''))}?"
        return "new, not decided yet"
    chosen = _exercise_name(state, index, decision) or str(decision)
    return "→ " + esc(cut(chosen))


def _exercise_name(state: dict[str, Any], index: int, exercise_id: int) -> str | None:
    _, _, _, match_id, match_name, candidates = state["names"][index]
    if match_id == exercise_id:
        return str(match_name)
    return next((str(n) for i, n in candidates if i == exercise_id), None)


def _pending(state: dict[str, Any]) -> list[int]:
    return [i for i, d in enumerate(state["decisions"]) if d is None]


def _pending_suggestions(state: dict[str, Any]) -> list[int]:
    return [i for i in _pending(state) if state["names"][i][2] == NameKind.SUGGESTED.value]


# --- screens ----------------------------------------------------------------------------------


def _unit_screen(state: dict[str, Any], preselected: str) -> tuple[str, InlineKeyboardMarkup]:
    labels = {"kg": "kg", "lb": "lb"}
    labels[preselected] = f"✅ {labels[preselected]}"
    text = ASK_UNIT.format(label=esc(state["plan"]["format"]))
    return text, keyboard(
        [
            [
                _b(labels["kg"], state, Act.UNIT, word="kg"),
                _b(labels["lb"], state, Act.UNIT, word="lb"),
            ],
            [_b("✖️ Cancel", state, Act.NO)],
        ]
    )


def _rows_screen(state: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    plan = state["plan"]
    lines = "\n".join(
        f"• Line {line:,}: {esc(cut(reason, 140))}" for line, reason in plan["bad_rows"]
    )
    text = BAD_ROWS.format(rows=count(plan["bad_row_count"], "row"), lines=lines)
    more = plan["bad_row_count"] - len(plan["bad_rows"])
    if more > 0:
        text += BAD_ROWS_MORE.format(more=f"{more:,}")
    text += BAD_ROWS_ASK.format(sets=count(plan["sets"], "set"))
    return text, keyboard(
        [
            [_b(f"✅ Import the other {count(plan['sets'], 'set')}", state, Act.ROWS)],
            [_b("✖️ Cancel", state, Act.NO)],
        ]
    )


def _summary_screen(state: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    plan = state["plan"]
    kinds = [n[2] for n in state["names"]]
    text = SUMMARY.format(
        format=esc(plan["format"]),
        target=esc(plan["target"]),
        workouts=count(plan["workouts"], "workout"),
        sets=count(plan["sets"], "set"),
        dates=esc(plan["dates"]),
        exercises=count(len(kinds), "exercise"),
        exact=f"{kinds.count(NameKind.EXACT.value):,}",
        suggested=f"{kinds.count(NameKind.SUGGESTED.value):,}",
        new=f"{kinds.count(NameKind.NEW.value):,}",
    )
    extra = _summary_notes(plan)
    if extra:
        text += "\n" + "\n".join(extra)
    pending = _pending(state)
    if pending:
        text += PENDING.format(count=f"{len(pending):,}")
        for index in pending[:SHOWN_PENDING]:
            name = state["names"][index][0]
            text += f"\n• {esc(cut(name))}: {_decision_text(state, index)}"
        if len(pending) > SHOWN_PENDING:
            text += PENDING_MORE.format(more=f"{len(pending) - SHOWN_PENDING:,}")
    else:
        text += SETTLED
    rows = []
    suggestions = _pending_suggestions(state)
    if suggestions:
        rows.append([_b(f"💡 Accept all suggestions ({len(suggestions):,})", state, Act.ACCEPT)])
    if pending:
        rows.append([_b(f"➕ Create the rest as my own ({len(pending):,})", state, Act.REST)])
    rows.append([_b("✏️ Change a name", state, Act.LIST, _page_of(0))])
    if pending:
        rows.append([_b("✖️ Cancel", state, Act.NO)])
    else:
        rows.append([_b("✅ Import", state, Act.GO), _b("✖️ Cancel", state, Act.NO)])
    return text + NOT_STORED, keyboard(rows)


def _summary_notes(plan: dict[str, Any]) -> list[str]:
    """The review's notes on what will be left out or read in a particular way."""
    extra = []
    if plan["duplicates"]:
        are = "is" if plan["duplicates"] == 1 else "are"
        extra.append(
            f"• {count(plan['duplicates'], 'workout')} {are} already here and will be skipped"
        )
    if plan.get("repeated_workouts"):
        twice = count(plan["repeated_workouts"], "workout")
        extra.append(f"• {twice} written twice in the file, stored once")
    if plan.get("repeated_rows"):
        twice = count(plan["repeated_rows"], "set")
        extra.append(f"• {twice} written twice in the same workout, kept once")
    if plan["unit_missing"]:
        extra.append(f"• weights read in {plan['unit']}")
    if plan["rest_rows"]:
        extra.append(f"• {count(plan['rest_rows'], 'rest-timer row')} left out (not sets)")
    if plan["bad_row_count"]:
        extra.append(f"• {count(plan['bad_row_count'], 'unreadable row')} left out")
    return extra


def _page_of(index: int) -> int:
    return index // PAGE_SIZE


def _list_screen(state: dict[str, Any], page: int) -> tuple[str, InlineKeyboardMarkup]:
    names = state["names"]
    pages = max(1, -(-len(names) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE
    lines = [LIST_HEAD.format(page=page + 1, pages=pages), ""]
    rows = []
    for index in range(first, min(first + PAGE_SIZE, len(names))):
        name = names[index][0]
        lines.append(f"{index + 1}. {esc(cut(name))}: {_decision_text(state, index)}")
        rows.append([_b(f"{index + 1}. {cut(name, BUTTON_CUT)}", state, Act.NAME, index)])
    nav = []
    if page > 0:
        nav.append(_b("◀️ Previous", state, Act.LIST, page - 1))
    if page < pages - 1:
        nav.append(_b("Next ▶️", state, Act.LIST, page + 1))
    if nav:
        rows.append(nav)
    rows.append([_b("⬅️ Back to the summary", state, Act.SUMMARY)])
    return "\n".join(lines), keyboard(rows)


def _name_screen(state: dict[str, Any], index: int) -> tuple[str, InlineKeyboardMarkup]:
    name, sets, _, match_id, match_name, candidates = state["names"][index]
    text = NAME_HEAD.format(
        name=esc(cut(name, 100)), sets=plural(sets, "set"), now=_decision_text(state, index)
    )
    offered = ([[match_id, match_name]] if match_id is not None else []) + list(candidates)
    if not offered:
        text += NAME_NOTHING_CLOSE
    rows = [
        [_b(cut(str(label), BUTTON_CUT), state, Act.CHOOSE, index, int(exercise_id))]
        for exercise_id, label in offered
    ]
    rows.append(
        [
            _b("➕ Create as my own", state, Act.OWN, index),
            _b("Skip these sets", state, Act.SKIP, index),
        ]
    )
    rows.append([_b("⬅️ Back to the list", state, Act.LIST, _page_of(index))])
    return text, keyboard(rows)


# --- handlers ---------------------------------------------------------------------------------


async def _download(update: Update, document: Document | None, file_id: str | None) -> bytes:
    bot = update.get_bot()
    target = file_id or (document.file_id if document else None)
    if target is None:
        raise TelegramError("no file")
    file = await bot.get_file(target)
    return bytes(await file.download_as_bytearray())


def _clear(context: Context) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


async def received(update: Update, context: Context) -> int:
    """A document arrived: a library file is imported at once; history starts the dialogue."""
    message = update.effective_message
    document = message.document if message is not None else None
    if document is None:
        return END
    _clear(context)
    if document.file_size is not None and document.file_size > MAX_IMPORT_BYTES:
        await show(
            update,
            TOO_BIG.format(
                size=document.file_size / 1024 / 1024, limit=MAX_IMPORT_BYTES // 1024 // 1024
            ),
            edit=False,
        )
        return END
    try:
        data = await _download(update, document, None)
    except TelegramError:
        await show(update, NO_DOWNLOAD, edit=False)
        return END
    if looks_like_library(data) or (document.file_name or "").lower().endswith(".json"):
        return await _import_library(update, context, data)
    svc = ImportService(services(context).ctx)
    try:
        targets = await svc.targets(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return END
    if not targets:
        await show(update, NO_TARGETS, edit=False)
        return END
    if len(targets) == 1:
        state = _new_state(document.file_id, targets[0].profile_id)
        return await _plan(update, context, data, state)
    try:
        first_line = data[:4096].decode("utf-8-sig", errors="replace").splitlines()[:1]
        fmt, _ = detect_format(first_line[0] if first_line else "")
    except DomainError as error:
        await show(
            update, BAD_FILE.format(problem=esc(error)) + "\n\n" + GOOD_FILE_HINT, edit=False
        )
        return END
    state = _new_state(document.file_id, None)
    state["stage"] = "target"
    state["label"] = fmt.label
    if context.user_data is not None:
        context.user_data[KEY] = state
    text, markup = _targets_screen(state, targets, 0)
    await show(update, text, markup, edit=False)
    return STEP


def _targets_screen(
    state: dict[str, Any], targets: tuple[ImportTarget, ...], page: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Whose history: a page of the person's own and their clients', however many."""
    pages = max(1, -(-len(targets) // TARGETS_PAGE))
    page = min(max(page, 0), pages - 1)
    text = WHOSE.format(label=esc(state.get("label", "History")))
    if pages > 1:
        text += WHOSE_PAGE.format(page=page + 1, pages=pages)
    rows = []
    for target in targets[page * TARGETS_PAGE : (page + 1) * TARGETS_PAGE]:
        if target.profile_id is None:
            rows.append([_b("🙋 My own history", state, Act.FOR, word="me")])
        else:
            rows.append([_b(cut(target.label, 40), state, Act.FOR, target.profile_id)])
    nav = []
    if page > 0:
        nav.append(_b("◀️ Previous", state, Act.TARGETS, page - 1))
    if page < pages - 1:
        nav.append(_b("Next ▶️", state, Act.TARGETS, page + 1))
    if nav:
        rows.append(nav)
    return text, keyboard(rows)


async def _targets_page(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    try:
        targets = await ImportService(services(context).ctx).targets(identity(update).telegram_id)
    except DomainError as error:
        _clear(context)
        await show(update, esc(error))
        return END
    text, markup = _targets_screen(state, targets, pressed.numbers[0])
    await show(update, text, markup)
    return STEP


async def _import_library(update: Update, context: Context, data: bytes) -> int:
    try:
        result = await ExportService(services(context).ctx).import_library(
            identity(update).telegram_id, data
        )
    except DomainError as error:
        await show(update, BAD_FILE.format(problem=esc(error)), edit=False)
        return END
    text = LIBRARY_DONE.format(
        templates=plural(result.templates, "template"),
        programs=plural(result.programs, "program"),
    )
    if result.new_exercises:
        names = [esc(cut(n)) for n in result.new_exercises[:20]]
        text += "\nNew exercises of your own: " + ", ".join(names)
        if len(result.new_exercises) > 20:
            text += f" and {len(result.new_exercises) - 20} more"
    await show(update, text + "\nSee them in /templates and /programs.", edit=False)
    return END


async def _plan(update: Update, context: Context, data: bytes, state: dict[str, Any]) -> int:
    """Read and review the file (with the unit chosen, if any), then the next screen."""
    svc = ImportService(services(context).ctx)
    unit = Units(state["unit"]) if state["unit"] else None
    try:
        plan = await svc.plan(identity(update).telegram_id, data, state["target"], unit)
    except DomainError as error:
        _clear(context)
        await show(
            update, BAD_FILE.format(problem=esc(error)), edit=update.callback_query is not None
        )
        return END
    _plan_into(state, plan)
    if context.user_data is not None:
        context.user_data[KEY] = state
    return await _next_screen(update, state)


async def _next_screen(update: Update, state: dict[str, Any]) -> int:
    plan = state["plan"]
    if plan["unit_missing"] and state["unit"] is None:
        state["stage"] = "unit"
        text, markup = _unit_screen(state, plan["unit"])
    elif plan["bad_row_count"] and not state["rows_agreed"]:
        state["stage"] = "rows"
        text, markup = _rows_screen(state)
    else:
        state["stage"] = "review"
        text, markup = _summary_screen(state)
    await show(update, text, markup, edit=update.callback_query is not None)
    return STEP


async def on_button(update: Update, context: Context) -> int:
    """Every button of an open import, checked against the import it belongs to."""
    assert update.callback_query is not None
    state = _state(context)
    pressed = ImportButton.decode(update.callback_query.data or "")
    if state is None or pressed is None or pressed.token != state.get("token"):
        await answer(update, STALE, alert=True)
        return STEP if state is not None else END
    if pressed.act is Act.NO:
        return await abort(update, context)
    handler, stage = _HANDLERS[pressed.act]
    if state.get("stage") != stage:
        await answer(update, STALE, alert=True)
        return STEP
    return await handler(update, context, state, pressed)


async def _pick_target(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    state["target"] = pressed.numbers[0] if pressed.numbers else None
    try:
        data = await _download(update, None, state["file_id"])
    except TelegramError:
        await show(update, NO_DOWNLOAD)
        return END
    return await _plan(update, context, data, state)


async def _pick_unit(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    state["unit"] = pressed.word
    try:
        data = await _download(update, None, state["file_id"])
    except TelegramError:
        await show(update, NO_DOWNLOAD)
        return END
    return await _plan(update, context, data, state)


async def _agree_rows(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    state["rows_agreed"] = True
    return await _next_screen(update, state)


async def _accept_all(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    for index in _pending_suggestions(state):
        state["decisions"][index] = state["names"][index][3]
    return await _next_screen(update, state)


async def _create_rest(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    for index in _pending(state):
        state["decisions"][index] = OWN
    return await _next_screen(update, state)


async def _show_summary(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    return await _next_screen(update, state)


async def _show_list(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    text, markup = _list_screen(state, pressed.numbers[0])
    await show(update, text, markup)
    return STEP


def _valid_index(state: dict[str, Any], pressed: ImportButton) -> int | None:
    index = pressed.numbers[0]
    return index if index < len(state["names"]) else None


async def _show_name(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    index = _valid_index(state, pressed)
    if index is None:
        await answer(update, NOT_OFFERED, alert=True)
        return STEP
    text, markup = _name_screen(state, index)
    await show(update, text, markup)
    return STEP


async def _decide(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    index = _valid_index(state, pressed)
    if index is None:
        await answer(update, NOT_OFFERED, alert=True)
        return STEP
    if pressed.act is Act.CHOOSE:
        exercise_id = pressed.numbers[1]
        if _exercise_name(state, index, exercise_id) is None:
            await answer(update, NOT_OFFERED, alert=True)
            return STEP
        state["decisions"][index] = exercise_id
    else:
        state["decisions"][index] = OWN if pressed.act is Act.OWN else SKIP
    text, markup = _list_screen(state, _page_of(index))
    await show(update, text, markup)
    return STEP


async def _confirm(
    update: Update, context: Context, state: dict[str, Any], pressed: ImportButton
) -> int:
    if _pending(state):
        await answer(update, DECIDE_FIRST, alert=True)
        return STEP
    try:
        data = await _download(update, None, state["file_id"])
    except TelegramError:
        await show(update, NO_DOWNLOAD)
        return END
    decisions = {
        name: decision
        for (name, *_), decision in zip(state["names"], state["decisions"], strict=True)
    }
    svc = ImportService(services(context).ctx)
    progress = _Progress(update, state["plan"]["sets"])
    await progress.start()
    try:
        done = await svc.commit(
            identity(update).telegram_id,
            data,
            state["target"],
            decisions,
            unit=Units(state["unit"]) if state["unit"] else None,
            progress=progress,
        )
    except DomainError as error:
        _clear(context)
        stored = isinstance(error, ImportFailed) and error.partly_stored
        await show(update, (PARTLY_STORED if stored else BAD_FILE).format(problem=esc(error)))
        return END
    _clear(context)
    counts = {"workouts": count(done.workouts, "workout"), "sets": count(done.sets, "set")}
    lines = [IMPORTED.format(target=esc(done.target_label), **counts), *_result_notes(done)]
    lines.append("Changed your mind? Undo removes the whole import.")
    await show(update, "\n".join(lines), _undo_keyboard(done.batch))
    if done.client_telegram_id is not None:
        await notify(
            context,
            done.client_telegram_id,
            CLIENT_TOLD.format(trainer=esc(done.importer_name), **counts),
        )
    return END


def _result_notes(done: ImportDone) -> list[str]:
    """What the result says besides the counts: what was skipped and what was created."""
    lines: list[str] = []
    if done.duplicates:
        were = "was" if done.duplicates == 1 else "were"
        lines.append(f"Skipped {count(done.duplicates, 'workout')} that {were} already here.")
    if done.repeated_workouts:
        twice = count(done.repeated_workouts, "workout")
        lines.append(f"Stored once {twice} the file had twice.")
    if done.skipped_sets:
        lines.append(f"Skipped {count(done.skipped_sets, 'set')}, as you chose.")
    if done.new_exercises:
        names = ", ".join(esc(cut(n, 40)) for n in done.new_exercises[:15])
        more = len(done.new_exercises) - 15
        lines.append(
            f"New exercises of your own ({len(done.new_exercises):,}): {names}"
            + (f" and {more:,} more" if more > 0 else "")
        )
    return lines


class _Progress:
    """Edits the review message as a big import is written: at most once per tenth."""

    def __init__(self, update: Update, total: int) -> None:
        self.update = update
        self.total = total
        self.shown = -1

    async def start(self) -> None:
        if self.total > CHUNK_SETS:
            await self(0, self.total)

    async def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth <= self.shown:
            return
        self.shown = tenth
        query = self.update.callback_query
        if query is None:
            return
        text = PROGRESS.format(done=f"{done:,}", total=f"{total:,}", percent=done * 100 // total)
        # Progress is a courtesy: a refused edit never stops the import.
        with contextlib.suppress(TelegramError):
            await query.edit_message_text(text)


_Handler = Callable[[Update, Context, dict[str, Any], ImportButton], Awaitable[int]]
_HANDLERS: Final[dict[Act, tuple[_Handler, str]]] = {
    Act.FOR: (_pick_target, "target"),
    Act.TARGETS: (_targets_page, "target"),
    Act.UNIT: (_pick_unit, "unit"),
    Act.ROWS: (_agree_rows, "rows"),
    Act.ACCEPT: (_accept_all, "review"),
    Act.REST: (_create_rest, "review"),
    Act.SUMMARY: (_show_summary, "review"),
    Act.LIST: (_show_list, "review"),
    Act.NAME: (_show_name, "review"),
    Act.CHOOSE: (_decide, "review"),
    Act.OWN: (_decide, "review"),
    Act.SKIP: (_decide, "review"),
    Act.GO: (_confirm, "review"),
}


async def abort(update: Update, context: Context) -> int:
    _clear(context)
    await show(update, CANCELLED)
    return END


async def typed(update: Update, context: Context) -> int | None:
    await show(update, USE_BUTTONS, edit=False)
    return None


async def undo(update: Update, context: Context) -> None:
    assert update.callback_query is not None
    pressed = UndoButton.decode(update.callback_query.data)
    if pressed is None:
        await answer(update, NO_IMPORT, alert=True)
        return
    try:
        done = await ImportService(services(context).ctx).undo(
            identity(update).telegram_id, pressed.batch
        )
    except DomainError as error:
        await answer(update, str(error), alert=True)
        return
    await show(
        update,
        UNDONE.format(
            workouts=count(done.workouts, "workout"),
            sets=count(done.sets, "set"),
            target=esc(done.target_label),
        ),
    )


async def import_help(update: Update, context: Context) -> None:
    svc = ImportService(services(context).ctx)
    try:
        recent = await svc.recent(identity(update).telegram_id)
    except DomainError as error:
        await show(update, esc(error), edit=False)
        return
    if not recent:
        await show(update, IMPORT_HELP, edit=False)
        return
    viewer = await _viewer_zone(context, identity(update).telegram_id)
    rows = []
    for item in recent:
        when = item.imported_at.astimezone(viewer).strftime("%d %b %H:%M").lstrip("0")
        label = f"↩️ {when}: {plural(item.workouts, 'workout')}, {item.target_label}"[:60]
        rows.append([(label, UndoButton(item.batch).encode())])
    await show(update, IMPORT_HELP + RECENT, keyboard(rows), edit=False)


async def _viewer_zone(context: Context, telegram_id: int) -> ZoneInfo:
    view = await UserService(services(context).ctx).get(telegram_id)
    return zone(view.timezone if view else "UTC")


def build_handler() -> list[object]:
    flow = Flow(
        "importer",
        entry_points=[MessageHandler(filters.Document.ALL, received)],
        states={
            STEP: [
                CallbackQueryHandler(on_button, pattern=r"^im:(?!undo:)"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
            ],
        },
    )
    return [
        flow,
        command("import", import_help),
        button(r"^im:undo:", undo),
        button(r"^im:", _stale),
    ]


async def _stale(update: Update, context: Context) -> None:
    await answer(update, STALE, alert=True)


__all__ = ["ImportButton", "build_handler"]
