"""/exercises: a trainer browses the exercise catalogue and keeps their own exercises.

Typing a name searches the built-ins and the trainer's own exercises (``rdl``, ``db curl`` and
typos work). A result opens the exercise: category, muscles, equipment, difficulty and how sets
are measured. Trainers add their own step by step (name, category, muscle groups, equipment,
difficulty, measure), list them eight to a page and archive them; history keeps archived ones.

Every button carries the exercise id it acts on; the service re-checks it against the acting
trainer, so another trainer's exercise is refused as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from coaching.domain.catalogue import CATEGORIES, MUSCLE_GROUPS, normalise_name
from coaching.domain.enums import Difficulty
from coaching.domain.howtos import MediaKind
from coaching.errors import Conflict, DomainError, InvalidInput
from coaching.services.exercises import (
    ExerciseService,
    ExerciseView,
    NewExercise,
    Page,
    clean_exercise_name,
)
from coaching.services.howtos import HowToService, HowToView
from conversations.common import END, Button, Context, answer, esc, identity, keyboard, show
from conversations.container import services
from conversations.flow import Flow
from conversations.howto import howto_button, howto_handler
from conversations.typed_buttons import ButtonCodec, Press, Shape

DEMO = "ex_demo"
SEARCH, NAME, CATEGORY, MUSCLES, EQUIPMENT, DIFFICULTY, MEASURE = (
    "ex_search",
    "ex_name",
    "ex_category",
    "ex_muscles",
    "ex_equipment",
    "ex_difficulty",
    "ex_measure",
)
KEY = "ex"
NEW_KEY = "ex_new"
TEXT = filters.TEXT & ~filters.COMMAND
RESULTS = 8
MAX_EQUIPMENT, EQUIPMENT_CHARS = 10, 40


class Ex(StrEnum):
    """The catalogue's buttons: ``ex:<action>`` with an id (``ex:v:12``) or a word
    (``ex:cat:barbell``); ``ON_PRESS`` says which each action carries."""

    HOME = "home"
    RESULTS = "res"
    VIEW = "v"
    MINE = "mine"
    ARCHIVE = "arc"
    ARCHIVE_YES = "arcy"
    NEW = "new"
    NEW_FROM_QUERY = "newq"
    CATEGORY = "cat"
    MUSCLE = "mg"
    MUSCLES_DONE = "mgd"
    NO_EQUIPMENT = "eq"
    DIFFICULTY = "df"
    MEASURE = "ms"
    DEMO = "demo"
    DEMO_CLEAR = "demox"


EX = ButtonCodec("ex", Ex, words=True)

# --- wording and keyboards -------------------------------------------------------------------

HOME = (
    "🏋️ <b>Exercise catalogue</b>\n\n"
    "The built-in exercises plus your own ({own}). Type part of a name to search, e.g. "
    "<code>bench</code>, <code>rdl</code> or <code>goblet squat</code>."
)
RESULTS_HEADER = "🔎 <b>Matches for “{query}”</b>"
RESULTS_FOOTER = "Tap one to open it, or type another name."
NO_RESULTS = (
    "🔎 No exercise matches “{query}”. Try another name, e.g. <code>squat</code> or "
    "<code>row</code>, or add it as your own exercise."
)
MINE_HEADER = "⭐ <b>Your exercises</b> ({total})"
MINE_EMPTY = (
    "⭐ <b>Your exercises</b>\n\nYou have none yet. Add your own for movements the catalogue "
    "lacks; they turn up in search, templates and /log like the built-ins."
)
ASK_NAME = (
    "➕ <b>New exercise</b> · step 1 of 6\n\nWhat is it called? e.g. <code>Sandbag carry</code>"
)
ASK_CATEGORY = "➕ <b>{name}</b> · step 2 of 6\n\nWhat kind of exercise is it? Pick a category."
ASK_MUSCLES = (
    "➕ <b>{name}</b> · {category} · step 3 of 6\n\n"
    "Which muscle groups does it work? Tap them (✅ chosen), then <b>Next</b>. "
    "Or type them, e.g. <code>quads, glutes</code>."
)
ASK_EQUIPMENT = (
    "➕ <b>{name}</b> · {category} · step 4 of 6\n\n"
    "What equipment does it need? Send a list separated by commas, e.g. "
    "<code>sled, harness</code>, or tap <b>None</b>."
)
ASK_DIFFICULTY = "➕ <b>{name}</b> · {category} · step 5 of 6\n\nHow hard is it to learn?"
ASK_MEASURE = (
    "➕ <b>{name}</b> · {category} · step 6 of 6\n\n"
    "How are its sets recorded? <i>Weight × reps</i> for loaded lifts, <i>Reps only</i> for "
    "bodyweight moves, <i>Time</i> for holds, <i>Distance and time</i> for carries and runs."
)
NEED_MUSCLE = "⚠️ Pick at least one muscle group, e.g. <b>Quads</b>."
BY_BUTTON = "⚠️ Please tap one of the buttons below, or type one of: {choices}."
ADDED = "✅ Added <b>{name}</b> to your exercises. It now turns up in search, templates and /log."
CONFIRM_ARCHIVE = (
    "📦 Archive <b>{name}</b>? It leaves search and your list. Templates, programs and logged "
    "sets that use it keep it."
)
ARCHIVED = "📦 Archived <b>{name}</b>. Templates, programs and logged sets keep it."
BUILT_IN_TAKEN = "“{name}” is already in the built-in catalogue. Give yours a different name."
OWN_TAKEN = "You already have an exercise called “{name}”."
EXPIRED = "This button has expired. Send /exercises to start again."
DEMO_TEXT = (
    "🎬 <b>Your demo and cues for {name}</b>\n\n"
    "Your clients see them with the how-to, on /today and in the live session.\n"
    "Demo: {demo}\nCues: {cues}\n\n"
    "Send a video, GIF or photo to use as the demo, or type your cues, e.g. "
    "<code>Brace before each rep; knees out</code>."
)
DEMO_SAVED = "✅ Saved your demo for <b>{name}</b>."
CUES_SAVED = "✅ Saved your cues for <b>{name}</b>."
DEMO_CLEARED = "🗑 Removed your demo and cues for <b>{name}</b>."
DEMO_WRONG_MEDIA = "Send the demo as a video, GIF or photo, or type your cues."
MEDIA_LABELS = {MediaKind.PHOTO: "photo", MediaKind.VIDEO: "video", MediaKind.ANIMATION: "GIF"}
LOST = "That step is no longer open. Send /exercises to start again."

CATEGORY_ORDER: tuple[str, ...] = (
    "barbell",
    "dumbbell",
    "kettlebell",
    "machine",
    "cable",
    "band",
    "bodyweight",
    "cardio",
    "other",
)
MUSCLE_ORDER: tuple[str, ...] = (
    "chest",
    "back",
    "lats",
    "traps",
    "shoulders",
    "biceps",
    "triceps",
    "forearms",
    "core",
    "glutes",
    "quads",
    "hamstrings",
    "calves",
    "adductors",
    "abductors",
    "full_body",
    "cardio",
)
MEASURE_LABELS: dict[str, str] = {
    "weight_reps": "Weight × reps",
    "reps": "Reps only",
    "time": "Time",
    "distance_time": "Distance and time",
}


def label(value: str) -> str:
    """A vocabulary value as people read it: ``full_body`` → ``Full body``."""
    return value.replace("_", " ").capitalize()


def facts_line(view: ExerciseView) -> str:
    """Category · muscles · equipment, for a list line."""
    parts = [label(view.category)]
    if view.muscle_groups:
        parts.append(", ".join(label(m).lower() for m in view.muscle_groups))
    parts.append(", ".join(view.equipment) if view.equipment else "no equipment")
    return esc(" · ".join(parts))


def exercise_text(view: ExerciseView, notice: str = "") -> str:
    lines = [notice, ""] if notice else []
    kind = "⭐ your own" if view.is_own else "built-in"
    lines += [
        f"🏋️ <b>{esc(view.name)}</b> ({kind})",
        "",
        f"Category: {label(view.category)}",
        "Muscles: " + (esc(", ".join(label(m) for m in view.muscle_groups)) or "—"),
        "Equipment: " + (esc(", ".join(view.equipment)) or "none"),
        f"Difficulty: {view.difficulty.value.title()}",
        f"Sets recorded as: {MEASURE_LABELS.get(view.measure, label(view.measure)).lower()}",
    ]
    return "\n".join(lines)


def exercise_keyboard(view: ExerciseView, *, has_results: bool) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [howto_button(view.id, "How to"), ("🎬 My demo and cues", EX.encode(Ex.DEMO, view.id))]
    ]
    if view.is_own:
        rows.append(
            [
                ("📦 Archive", EX.encode(Ex.ARCHIVE, view.id)),
                ("⭐ My exercises", EX.encode(Ex.MINE, 0)),
            ]
        )
    nav: list[Button] = [("⬅️ Back to results", EX.encode(Ex.RESULTS))] if has_results else []
    nav.append(("🏠 Catalogue", EX.encode(Ex.HOME)))
    rows.append(nav)
    return keyboard(rows)


def home_keyboard() -> InlineKeyboardMarkup:
    return keyboard(
        [[("⭐ My exercises", EX.encode(Ex.MINE, 0)), ("➕ Add my own", EX.encode(Ex.NEW))]]
    )


def results_text(query: str, found: Sequence[ExerciseView]) -> str:
    lines = [RESULTS_HEADER.format(query=esc(query)), ""]
    for n, view in enumerate(found, start=1):
        own = " ⭐" if view.is_own else ""
        lines.append(f"{n}. <b>{esc(view.name)}</b>{own}\n    {facts_line(view)}")
    lines += ["", RESULTS_FOOTER]
    return "\n".join(lines)


def results_keyboard(query: str, found: Sequence[ExerciseView]) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(f"{n}. {view.name[:50]}", EX.encode(Ex.VIEW, view.id))]
        for n, view in enumerate(found, start=1)
    ]
    rows.append([(f"➕ Add “{query[:30]}” as my own", EX.encode(Ex.NEW_FROM_QUERY))])
    rows.append([("⭐ My exercises", EX.encode(Ex.MINE, 0)), ("🏠 Catalogue", EX.encode(Ex.HOME))])
    return keyboard(rows)


def mine_text(page: Page[ExerciseView], notice: str = "") -> str:
    head = [notice, ""] if notice else []
    if not page.items:
        return "\n".join([*head, MINE_EMPTY])
    lines = [*head, MINE_HEADER.format(total=page.total), ""]
    lines += [f"• <b>{esc(view.name)}</b> — {facts_line(view)}" for view in page.items]
    if page.pages > 1:
        lines += ["", f"Page {page.page + 1} of {page.pages}"]
    return "\n".join(lines)


def mine_keyboard(page: Page[ExerciseView]) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [(view.name[:60], EX.encode(Ex.VIEW, view.id))] for view in page.items
    ]
    nav: list[Button] = []
    if page.page > 0:
        nav.append(("◀️ Previous", EX.encode(Ex.MINE, page.page - 1)))
    if page.page < page.pages - 1:
        nav.append(("Next ▶️", EX.encode(Ex.MINE, page.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([("➕ Add my own", EX.encode(Ex.NEW)), ("🏠 Catalogue", EX.encode(Ex.HOME))])
    return keyboard(rows)


def category_keyboard() -> InlineKeyboardMarkup:
    return keyboard(
        [
            [(label(c), EX.encode(Ex.CATEGORY, word=c)) for c in CATEGORY_ORDER[i : i + 3]]
            for i in range(0, len(CATEGORY_ORDER), 3)
        ]
    )


def muscles_keyboard(chosen: Sequence[str]) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = [
        [
            (
                f"{'✅ ' if m in chosen else ''}{label(m)}",
                EX.encode(Ex.MUSCLE, MUSCLE_ORDER.index(m)),
            )
            for m in MUSCLE_ORDER[i : i + 3]
        ]
        for i in range(0, len(MUSCLE_ORDER), 3)
    ]
    rows.append([("Next ▶", EX.encode(Ex.MUSCLES_DONE))])
    return keyboard(rows)


EQUIPMENT_KEYBOARD = keyboard([[("None", EX.encode(Ex.NO_EQUIPMENT, word="none"))]])
DIFFICULTY_KEYBOARD = keyboard(
    [[(d.value.title(), EX.encode(Ex.DIFFICULTY, word=d.value)) for d in Difficulty]]
)
MEASURE_KEYBOARD = keyboard(
    [
        [
            (MEASURE_LABELS["weight_reps"], EX.encode(Ex.MEASURE, word="weight_reps")),
            (MEASURE_LABELS["reps"], EX.encode(Ex.MEASURE, word="reps")),
        ],
        [
            (MEASURE_LABELS["time"], EX.encode(Ex.MEASURE, word="time")),
            (MEASURE_LABELS["distance_time"], EX.encode(Ex.MEASURE, word="distance_time")),
        ],
    ]
)


# --- helpers ----------------------------------------------------------------------------------


def _press(update: Update) -> Press[Ex] | None:
    query = update.callback_query
    return EX.decode(query.data) if query is not None else None


def _id(update: Update) -> int | None:
    """The one id the pressed button carries (``pressed`` has checked its shape)."""
    press = _press(update)
    return press.id() if press is not None else None


def _word(update: Update) -> str:
    press = _press(update)
    return (press.word or "") if press is not None else ""


def _typed(update: Update) -> str:
    message = update.effective_message
    return (message.text or "") if message is not None else ""


def _store(context: Context, key: str) -> dict[str, Any]:
    data = context.user_data
    value = data.get(key) if data is not None else None
    return value if isinstance(value, dict) else {}


def _put(context: Context, key: str, value: dict[str, Any] | None) -> None:
    if context.user_data is None:
        return
    if value is None:
        context.user_data.pop(key, None)
    else:
        context.user_data[key] = value


async def _refuse(update: Update, error: DomainError | str) -> None:
    await answer(update, str(error)[:190], alert=True)


async def _fail(update: Update, error: DomainError) -> object:
    """A refusal: an alert for a press, a reply for a command or message. Ends the flow."""
    if update.callback_query is not None:
        await _refuse(update, error)
    else:
        await show(update, f"⚠️ {esc(error)}", edit=False)
    return END


def _svc(context: Context) -> ExerciseService:
    return ExerciseService(services(context).ctx)


# --- browsing ---------------------------------------------------------------------------------


async def _home(update: Update, context: Context, *, edit: bool = True) -> object:
    try:
        page = await _svc(context).own_page(identity(update).telegram_id)
    except DomainError as error:
        return await _fail(update, error)
    _put(context, KEY, None)
    _put(context, NEW_KEY, None)
    await show(update, HOME.format(own=page.total), home_keyboard(), edit=edit)
    return SEARCH


async def exercises_command(update: Update, context: Context) -> object:
    return await _home(update, context, edit=False)


async def home_pressed(update: Update, context: Context) -> object:
    return await _home(update, context)


async def _search(update: Update, context: Context, query: str, *, edit: bool) -> object:
    try:
        found = await _svc(context).search(identity(update).telegram_id, query, limit=RESULTS)
    except InvalidInput as error:
        await show(update, f"⚠️ {esc(error)}", home_keyboard(), edit=edit)
        return SEARCH
    except DomainError as error:
        return await _fail(update, error)
    query = found.query
    _put(context, KEY, {"query": query})
    _put(context, NEW_KEY, None)
    if found.candidates:
        text = results_text(query, found.candidates)
    else:
        text = NO_RESULTS.format(query=esc(query))
    await show(update, text, results_keyboard(query, found.candidates), edit=edit)
    return SEARCH


async def query_typed(update: Update, context: Context) -> object:
    return await _search(update, context, _typed(update), edit=False)


async def results_pressed(update: Update, context: Context) -> object:
    query = _store(context, KEY).get("query")
    if not isinstance(query, str) or not query:
        return await _home(update, context)
    return await _search(update, context, query, edit=True)


async def view_pressed(update: Update, context: Context) -> object:
    exercise_id = _id(update)
    if exercise_id is None:
        await _refuse(update, EXPIRED)
        return None
    try:
        view = await _svc(context).get(identity(update).telegram_id, exercise_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    has_results = bool(_store(context, KEY).get("query"))
    await show(update, exercise_text(view), exercise_keyboard(view, has_results=has_results))
    return SEARCH


async def _mine(update: Update, context: Context, page_no: int, notice: str = "") -> object:
    try:
        page = await _svc(context).own_page(identity(update).telegram_id, page_no)
    except DomainError as error:
        return await _fail(update, error)
    _put(context, NEW_KEY, None)
    await show(update, mine_text(page, notice), mine_keyboard(page))
    return SEARCH


async def mine_pressed(update: Update, context: Context) -> object:
    page_no = _id(update)
    if page_no is None:
        await _refuse(update, EXPIRED)
        return None
    return await _mine(update, context, page_no)


async def archive_pressed(update: Update, context: Context) -> object:
    exercise_id = _id(update)
    if exercise_id is None:
        await _refuse(update, EXPIRED)
        return None
    try:
        view = await _svc(context).get(identity(update).telegram_id, exercise_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    if not view.is_own:
        await _refuse(update, "Built-in exercises can't be archived; only your own.")
        return None
    rows = [
        [
            ("📦 Yes, archive", EX.encode(Ex.ARCHIVE_YES, view.id)),
            ("⬅️ Keep it", EX.encode(Ex.VIEW, view.id)),
        ]
    ]
    await show(update, CONFIRM_ARCHIVE.format(name=esc(view.name)), keyboard(rows))
    return SEARCH


async def archive_confirmed(update: Update, context: Context) -> object:
    exercise_id = _id(update)
    if exercise_id is None:
        await _refuse(update, EXPIRED)
        return None
    try:
        done = await _svc(context).archive(identity(update).telegram_id, exercise_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    _put(context, KEY, None)
    return await _mine(update, context, 0, ARCHIVED.format(name=esc(done.name)))


# --- adding your own --------------------------------------------------------------------------


def _draft(context: Context, at: str | None = None) -> dict[str, Any] | None:
    draft = _store(context, NEW_KEY)
    if not draft or (at is not None and draft.get("at") != at):
        return None
    return draft


async def _ask(update: Update, context: Context, draft: dict[str, Any], error: str = "") -> object:
    """Show the draft's current step (with an error line above it) and return its state."""
    _put(context, NEW_KEY, draft)
    at = draft["at"]
    name = esc(draft.get("name", ""))
    category = label(str(draft.get("category", "")))
    markup: InlineKeyboardMarkup | None
    if at == NAME:
        text, markup = ASK_NAME, None
    elif at == CATEGORY:
        text, markup = ASK_CATEGORY.format(name=name), category_keyboard()
    elif at == MUSCLES:
        text = ASK_MUSCLES.format(name=name, category=category)
        markup = muscles_keyboard(draft.get("muscles", []))
    elif at == EQUIPMENT:
        text, markup = ASK_EQUIPMENT.format(name=name, category=category), EQUIPMENT_KEYBOARD
    elif at == DIFFICULTY:
        text, markup = ASK_DIFFICULTY.format(name=name, category=category), DIFFICULTY_KEYBOARD
    else:
        text, markup = ASK_MEASURE.format(name=name, category=category), MEASURE_KEYBOARD
    edit = update.callback_query is not None
    await show(update, f"{error}\n\n{text}" if error else text, markup, edit=edit)
    return str(at)


async def _check_name(update: Update, context: Context, text: str) -> str:
    """A clean name the trainer does not already have, and not a built-in's exact name."""
    name = clean_exercise_name(text)
    found = await _svc(context).search(identity(update).telegram_id, name, limit=RESULTS)
    wanted = normalise_name(name)
    for view in found.candidates:
        if normalise_name(view.name) != wanted:
            continue
        if view.is_own:
            raise Conflict(OWN_TAKEN.format(name=view.name), example=f"{name} (heavy)")
        raise Conflict(BUILT_IN_TAKEN.format(name=view.name), example=f"{name} (paused)")
    return name


async def new_pressed(update: Update, context: Context) -> object:
    try:
        await _svc(context).own_page(identity(update).telegram_id)
    except DomainError as error:
        return await _fail(update, error)
    return await _ask(update, context, {"at": NAME})


async def new_from_query_pressed(update: Update, context: Context) -> object:
    """ "Add “x” as my own" under an empty search: the query is the name."""
    query = _store(context, KEY).get("query")
    if not isinstance(query, str) or not query:
        await _refuse(update, EXPIRED)
        return None
    try:
        name = await _check_name(update, context, query)
    except DomainError as error:
        if isinstance(error, InvalidInput | Conflict):
            return await _ask(update, context, {"at": NAME}, f"⚠️ {esc(error)}")
        return await _fail(update, error)
    return await _ask(update, context, {"at": CATEGORY, "name": name})


async def name_typed(update: Update, context: Context) -> object:
    draft = _draft(context, NAME)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    try:
        name = await _check_name(update, context, _typed(update))
    except (InvalidInput, Conflict) as error:
        return await _ask(update, context, draft, f"⚠️ {esc(error)}")
    except DomainError as error:
        return await _fail(update, error)
    draft["name"] = name
    if draft.get("measure"):
        # The name clashed when saving: with a new one, save the rest as chosen.
        return await _save(update, context, draft)
    draft["at"] = CATEGORY
    return await _ask(update, context, draft)


async def _choice_pressed(update: Update, context: Context, at: str) -> dict[str, Any] | None:
    draft = _draft(context, at)
    if draft is None:
        await _refuse(update, EXPIRED)
    return draft


async def category_pressed(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, CATEGORY)
    category = _word(update)
    if draft is None:
        return None
    if category not in CATEGORIES:
        await _refuse(update, EXPIRED)
        return None
    draft.update(category=category, at=MUSCLES)
    return await _ask(update, context, draft)


def _match(text: str, options: dict[str, str]) -> str | None:
    """The option (value → label) that typed text names, by value or label."""
    typed = normalise_name(text)
    for value, shown in options.items():
        if typed in (normalise_name(value), normalise_name(shown)):
            return value
    return None


async def category_typed(update: Update, context: Context) -> object:
    draft = _draft(context, CATEGORY)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    category = _match(_typed(update), {c: label(c) for c in CATEGORY_ORDER})
    if category is None:
        choices = ", ".join(CATEGORY_ORDER)
        return await _ask(update, context, draft, BY_BUTTON.format(choices=choices))
    draft.update(category=category, at=MUSCLES)
    return await _ask(update, context, draft)


async def muscle_pressed(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, MUSCLES)
    index = _id(update)
    if draft is None:
        return None
    if index is None or index >= len(MUSCLE_ORDER):
        await _refuse(update, EXPIRED)
        return None
    muscle = MUSCLE_ORDER[index]
    chosen = [m for m in draft.get("muscles", []) if m in MUSCLE_GROUPS]
    chosen = [m for m in chosen if m != muscle] if muscle in chosen else [*chosen, muscle]
    draft["muscles"] = chosen
    return await _ask(update, context, draft)


async def muscles_done(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, MUSCLES)
    if draft is None:
        return None
    if not draft.get("muscles"):
        return await _ask(update, context, draft, NEED_MUSCLE)
    draft["at"] = EQUIPMENT
    return await _ask(update, context, draft)


async def muscles_typed(update: Update, context: Context) -> object:
    draft = _draft(context, MUSCLES)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    options = {m: label(m) for m in MUSCLE_ORDER}
    chosen: list[str] = []
    for word in _typed(update).replace(";", ",").split(","):
        if not word.strip():
            continue
        muscle = _match(word, options)
        if muscle is None:
            error = (
                f"⚠️ I don't know the muscle group “{esc(word.strip()[:40])}”. Use: "
                + ", ".join(label(m).lower() for m in MUSCLE_ORDER)
                + ". For example: <code>quads, glutes</code>"
            )
            return await _ask(update, context, draft, error)
        if muscle not in chosen:
            chosen.append(muscle)
    if not chosen:
        return await _ask(update, context, draft, NEED_MUSCLE)
    draft.update(muscles=chosen, at=EQUIPMENT)
    return await _ask(update, context, draft)


def parse_equipment(text: str) -> list[str]:
    """A typed equipment list: up to ten items of up to 40 characters, duplicates dropped."""
    items = list(dict.fromkeys(" ".join(i.split()) for i in text.replace(";", ",").split(",")))
    items = [i for i in items if i]
    if not items:
        raise InvalidInput("List the equipment, separated by commas.", example="sled, harness")
    if len(items) > MAX_EQUIPMENT:
        raise InvalidInput(
            f"That is {len(items)} items; list at most {MAX_EQUIPMENT}.", example="sled, harness"
        )
    for item in items:
        if len(item) > EQUIPMENT_CHARS:
            raise InvalidInput(
                f"Keep each item under {EQUIPMENT_CHARS} characters.", example="sled, harness"
            )
        if not any(ch.isalpha() for ch in item):
            raise InvalidInput(f"“{item}” is not a piece of equipment.", example="sled, harness")
    return items


async def equipment_pressed(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, EQUIPMENT)
    if draft is None:
        return None
    draft.update(equipment=[], at=DIFFICULTY)
    return await _ask(update, context, draft)


async def equipment_typed(update: Update, context: Context) -> object:
    draft = _draft(context, EQUIPMENT)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    text = _typed(update)
    try:
        equipment = (
            [] if normalise_name(text) in ("none", "no", "nothing") else parse_equipment(text)
        )
    except InvalidInput as error:
        return await _ask(update, context, draft, f"⚠️ {esc(error)}")
    draft.update(equipment=equipment, at=DIFFICULTY)
    return await _ask(update, context, draft)


async def difficulty_pressed(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, DIFFICULTY)
    value = _word(update)
    if draft is None:
        return None
    if value not in {d.value for d in Difficulty}:
        await _refuse(update, EXPIRED)
        return None
    draft.update(difficulty=value, at=MEASURE)
    return await _ask(update, context, draft)


async def difficulty_typed(update: Update, context: Context) -> object:
    draft = _draft(context, DIFFICULTY)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    value = _match(_typed(update), {d.value: d.value for d in Difficulty})
    if value is None:
        choices = ", ".join(d.value for d in Difficulty)
        return await _ask(update, context, draft, BY_BUTTON.format(choices=choices))
    draft.update(difficulty=value, at=MEASURE)
    return await _ask(update, context, draft)


async def measure_pressed(update: Update, context: Context) -> object:
    draft = await _choice_pressed(update, context, MEASURE)
    value = _word(update)
    if draft is None:
        return None
    if value not in MEASURE_LABELS:
        await _refuse(update, EXPIRED)
        return None
    draft["measure"] = value
    return await _save(update, context, draft)


async def measure_typed(update: Update, context: Context) -> object:
    draft = _draft(context, MEASURE)
    if draft is None:
        await show(update, LOST, edit=False)
        return END
    value = _match(_typed(update), MEASURE_LABELS)
    if value is None:
        choices = ", ".join(v.lower() for v in MEASURE_LABELS.values())
        return await _ask(update, context, draft, BY_BUTTON.format(choices=choices))
    draft["measure"] = value
    return await _save(update, context, draft)


async def _save(update: Update, context: Context, draft: dict[str, Any]) -> object:
    new = NewExercise(
        name=str(draft["name"]),
        category=str(draft["category"]),
        muscle_groups=tuple(draft.get("muscles", [])),
        equipment=tuple(draft.get("equipment", [])),
        difficulty=Difficulty(draft.get("difficulty", Difficulty.BEGINNER.value)),
        measure=str(draft["measure"]),
    )
    try:
        view = await _svc(context).add_own(identity(update).telegram_id, new)
    except Conflict as error:
        # Someone (another chat of theirs) took the name meanwhile: rename, keep the rest.
        draft["at"] = NAME
        return await _ask(update, context, draft, f"⚠️ {esc(error)}")
    except DomainError as error:
        _put(context, NEW_KEY, None)
        return await _fail(update, error)
    _put(context, NEW_KEY, None)
    _put(context, KEY, None)
    text = exercise_text(view, ADDED.format(name=esc(view.name)))
    edit = update.callback_query is not None
    await show(update, text, exercise_keyboard(view, has_results=False), edit=edit)
    return SEARCH


# --- a trainer's demo and cues -------------------------------------------------------------


def _howtos(context: Context) -> HowToService:
    return HowToService(services(context).ctx)


def demo_text(view: HowToView, notice: str = "") -> str:
    demo = MEDIA_LABELS[view.media_kind] if view.media_kind else "none yet"
    cues = esc(view.cues) if view.cues else "none yet"
    text = DEMO_TEXT.format(name=esc(view.name), demo=demo, cues=cues)
    return f"{notice}\n\n{text}" if notice else text


def demo_keyboard(view: HowToView) -> InlineKeyboardMarkup:
    rows: list[list[Button]] = []
    if view.file_id or view.cues:
        rows.append([("🗑 Remove mine", EX.encode(Ex.DEMO_CLEAR, view.exercise_id))])
    rows.append(
        [
            howto_button(view.exercise_id, "Preview"),
            ("✅ Done", EX.encode(Ex.VIEW, view.exercise_id)),
        ]
    )
    return keyboard(rows)


async def demo_pressed(update: Update, context: Context) -> object:
    press = _press(update)
    exercise_id = press.id() if press is not None else None
    if press is None or exercise_id is None:
        await _refuse(update, EXPIRED)
        return None
    clear = press.action is Ex.DEMO_CLEAR
    try:
        if clear:
            view = await _howtos(context).clear(identity(update).telegram_id, exercise_id)
        else:
            view = await _howtos(context).mine(identity(update).telegram_id, exercise_id)
    except DomainError as error:
        await _refuse(update, error)
        return None
    _put(context, KEY, {**_store(context, KEY), "demo": view.exercise_id})
    notice = DEMO_CLEARED.format(name=esc(view.name)) if clear else ""
    await show(update, demo_text(view, notice), demo_keyboard(view))
    return DEMO


def _demo_id(context: Context) -> int | None:
    value = _store(context, KEY).get("demo")
    return value if isinstance(value, int) else None


def _media(update: Update) -> tuple[str, MediaKind] | None:
    message = update.effective_message
    if message is None:
        return None
    if message.animation is not None:
        return message.animation.file_id, MediaKind.ANIMATION
    if message.video is not None:
        return message.video.file_id, MediaKind.VIDEO
    if message.photo:
        return message.photo[-1].file_id, MediaKind.PHOTO
    return None


async def demo_media(update: Update, context: Context) -> object:
    exercise_id, media = _demo_id(context), _media(update)
    if exercise_id is None or media is None:
        await show(update, DEMO_WRONG_MEDIA, edit=False)
        return DEMO
    try:
        view = await _howtos(context).set_demo(identity(update).telegram_id, exercise_id, *media)
    except DomainError as error:
        return await _fail(update, error)
    notice = DEMO_SAVED.format(name=esc(view.name))
    await show(update, demo_text(view, notice), demo_keyboard(view), edit=False)
    return DEMO


async def demo_cues(update: Update, context: Context) -> object:
    exercise_id = _demo_id(context)
    if exercise_id is None:
        await show(update, LOST, edit=False)
        return END
    try:
        view = await _howtos(context).set_cues(
            identity(update).telegram_id, exercise_id, _typed(update)
        )
    except InvalidInput as error:
        await show(update, f"⚠️ {esc(error)}", edit=False)
        return DEMO
    except DomainError as error:
        return await _fail(update, error)
    notice = CUES_SAVED.format(name=esc(view.name))
    await show(update, demo_text(view, notice), demo_keyboard(view), edit=False)
    return DEMO


async def demo_other(update: Update, context: Context) -> object:
    await show(update, DEMO_WRONG_MEDIA, edit=False)
    return DEMO


async def stale(update: Update, context: Context) -> object:
    await _refuse(update, EXPIRED)
    return None


Handler = Callable[[Update, Context], Coroutine[Any, Any, object]]
ON_PRESS: dict[Ex, tuple[Shape, Handler]] = {
    Ex.HOME: (Shape.NOTHING, home_pressed),
    Ex.RESULTS: (Shape.NOTHING, results_pressed),
    Ex.VIEW: (Shape.ID, view_pressed),
    Ex.MINE: (Shape.ID, mine_pressed),
    Ex.ARCHIVE: (Shape.ID, archive_pressed),
    Ex.ARCHIVE_YES: (Shape.ID, archive_confirmed),
    Ex.NEW: (Shape.NOTHING, new_pressed),
    Ex.NEW_FROM_QUERY: (Shape.NOTHING, new_from_query_pressed),
    Ex.CATEGORY: (Shape.WORD, category_pressed),
    Ex.MUSCLE: (Shape.ID, muscle_pressed),
    Ex.MUSCLES_DONE: (Shape.NOTHING, muscles_done),
    Ex.NO_EQUIPMENT: (Shape.WORD, equipment_pressed),
    Ex.DIFFICULTY: (Shape.WORD, difficulty_pressed),
    Ex.MEASURE: (Shape.WORD, measure_pressed),
    Ex.DEMO: (Shape.ID, demo_pressed),
    Ex.DEMO_CLEAR: (Shape.ID, demo_pressed),
}


async def pressed(update: Update, context: Context) -> object:
    """Every ``ex:`` button: its handler when the data has the action's shape, else the
    out-of-date answer."""
    press = _press(update)
    shape, handler = ON_PRESS.get(press.action, (None, stale)) if press else (None, stale)
    if press is None or shape is None or not shape.fits(press):
        return await stale(update, context)
    if press.action is Ex.NO_EQUIPMENT and press.word != "none":
        return await stale(update, context)
    return await handler(update, context)


def build_handler() -> list[object]:
    flow = Flow(
        "exercises",
        entry_points=[
            CommandHandler("exercises", exercises_command),
            CallbackQueryHandler(pressed, pattern=rf"^{EX.prefix}:"),
        ],
        states={
            SEARCH: [MessageHandler(TEXT, query_typed)],
            NAME: [MessageHandler(TEXT, name_typed)],
            CATEGORY: [MessageHandler(TEXT, category_typed)],
            MUSCLES: [MessageHandler(TEXT, muscles_typed)],
            EQUIPMENT: [MessageHandler(TEXT, equipment_typed)],
            DIFFICULTY: [MessageHandler(TEXT, difficulty_typed)],
            MEASURE: [MessageHandler(TEXT, measure_typed)],
            DEMO: [
                MessageHandler(filters.PHOTO | filters.VIDEO | filters.ANIMATION, demo_media),
                MessageHandler(TEXT, demo_cues),
                MessageHandler(filters.ATTACHMENT, demo_other),
            ],
        },
    )
    return [flow, howto_handler()]
