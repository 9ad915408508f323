"""The exercise entry that templates and program sessions share.

Exercises go in either as one message (one line per exercise, ``Back squat 3x5 @100kg rest
180``) or step by step with buttons; both end in the same rows. :class:`ExerciseEntry` is that
entry plus reorder, replace, re-target and remove, under a flow's callback prefix (``tpl`` for
templates, ``prg`` for program sessions).

Every button carries the ids it acts on; the services re-check them against the acting user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler

from coaching.domain.catalogue import CATEGORIES, check_target_fits
from coaching.domain.enums import Units
from coaching.domain.plurals import plural
from coaching.domain.prescription import EXAMPLE_LINE, Prescription, format_prescription
from coaching.domain.progression import (
    EntryError,
    build_prescription,
    check_intensity,
    check_load,
    check_rest,
    check_sets,
    check_target,
)
from coaching.errors import DomainError
from coaching.services.exercises import (
    ExerciseService,
    ExerciseView,
    NewExercise,
    measure_for,
)
from coaching.services.templates import (
    ExerciseListView,
    LineMatch,
    NewPrescribed,
    Parent,
    ParentKind,
    PrescribedView,
    TemplateService,
    UnreadableLine,
)
from coaching.services.users import UserService
from conversations.common import (
    END,
    Button,
    Context,
    answer,
    esc,
    identity,
    is_skip,
    keyboard,
    show,
)
from conversations.container import services
from conversations.fields import error_text, message_text, refuse
from conversations.library_flow import TEXT, PressHandler, button_handler
from conversations.typed_buttons import ButtonCodec, Press

# --- wording shared with the program flow ------------------------------------------------------

UNREADABLE = "⚠️ Line {line_no}: <code>{line}</code>\n{problem}."
UNREADABLE_PART = "\nThe part I couldn't read: <b>{part}</b>"
UNREADABLE_FIXED = "\n\nFixed, it reads:\n<code>{fixed}</code>\nSend the lines again with it."
UNREADABLE_EXAMPLE = "\n\nFix that line and send the lines again, e.g. <code>{example}</code>."


def unreadable_text(error: UnreadableLine) -> str:
    """Which line, which part of it, and the line fixed (or an example when no fix is sure)."""
    text = UNREADABLE.format(
        line_no=error.line_no, line=esc(error.line[:300]), problem=esc(error.problem)
    )
    if error.part:
        text += UNREADABLE_PART.format(part=esc(error.part[:200]))
    if error.fixed:
        return text + UNREADABLE_FIXED.format(fixed=esc(error.fixed[:600]))
    return text + UNREADABLE_EXAMPLE.format(example=esc(EXAMPLE_LINE))


ADD_PROMPT = (
    "<b>Add exercises to {title}</b>\n\n"
    "Send them in one message, one exercise per line or separated by commas:\n"
    "<code>Back squat 3x5 @100kg rest 180\n"
    "RDL 3x8-12 @rpe8 rest 2m\n"
    "Pull-up 3x8 @bw+10kg rir 2\n"
    "Plank 3x60s - keep hips level\n"
    "Bench press 3x8 60, Row 3x10 50</code>\n\n"
    "Loads: <code>@100kg</code>, <code>@225lb</code>, <code>@75%</code> (of e1RM), "
    "<code>@bw</code>. A number alone is in {unit}. Or tap <b>Step by step</b>."
)
WHICH_EXERCISE = (
    "Line {line_no}: <code>{line}</code>\n\n"
    "Which exercise is “{name}”? Pick one, type another name to search, or add it as "
    "your own exercise."
)
NO_MATCH = (
    "Line {line_no}: <code>{line}</code>\n\n"
    "I don't know an exercise called “{name}”. Type another name to search (e.g. "
    "<code>bench</code> or <code>rdl</code>), or add it as your own exercise."
)
OWN_CATEGORY = "What kind of exercise is “{name}”? Pick its category."
STEP_SEARCH = (
    "<b>Step by step</b> — which exercise? Type part of its name, e.g. <code>bench</code>, "
    "<code>rdl</code> or <code>goblet squat</code>."
)
STEP_PICK = "Pick the exercise for “{query}”:"
STEP_NONE = (
    "No exercise matches “{query}”. Try another name (e.g. <code>squat</code>), "
    "or add it as your own exercise."
)
STEP_SETS = "<b>{name}</b>\n\nHow many <b>sets</b>? Tap or type a number from 1 to 20."
STEP_TARGET = (
    "<b>{name}</b> · {sets}\n\nHow many <b>reps</b> per set? A range like "
    "<code>8-12</code> works, so do a time (<code>60s</code>) or a distance (<code>500m</code>)."
)
STEP_LOAD = (
    "<b>{name}</b> · {sets}×{target}\n\nWhat <b>load</b>? Type <code>100</code> (in {unit}), "
    "<code>225lb</code>, <code>75%</code> of e1RM or <code>bw+10</code>, or tap a button "
    "(<code>none</code> means no load)."
)
STEP_INTENSITY = (
    "<b>{name}</b> · {summary}\n\nTarget <b>RPE or RIR</b>? Tap one, type "
    "<code>rpe 8</code> or <code>rir 2</code>, or skip."
)
STEP_REST = "<b>{name}</b> · {summary}\n\n<b>Rest</b> between sets? Tap or type (e.g. 90, 2m)."
STEP_INSTRUCTIONS = (
    "<b>{name}</b> · {summary}\n\nAny <b>instructions</b> for the client? "
    "(e.g. “Pause 1 s at the bottom”) Type them or skip."
)
STEP_TIPS = (
    "<b>{name}</b> · {summary}\n\nAny <b>tips</b>? (e.g. “Brace before each rep”) "
    "Type them or skip."
)
PICK_ROW = "<b>{title}</b>\n\nWhich exercise do you want to {verb}?"
REORDER = "<b>{title}</b> — reorder\n\n{rows}\n\nMove an exercise up or down, then tap Done."
REPLACE_SEARCH = (
    "Replace <b>{name}</b> (its targets stay). Type the new exercise's name, "
    "e.g. <code>front squat</code>."
)
NEW_TARGETS = (
    "New targets for <b>{name}</b>, now <code>{now}</code>.\n\n"
    "Send them like <code>3x5 @100kg rest 180</code> (a note goes after ' - ')."
)
EMPTY = "<i>No exercises yet.</i>"

# Steps whose Skip (or "No load") button a typed "skip", "-" or "none" stands for.
SKIPPABLE_STEPS = frozenset({"load", "intensity", "rest", "instructions", "tips"})
STEP_ORDER = ("sets", "target", "load", "intensity", "rest", "instructions", "tips")

Option = tuple[str, str | None]
"""A step's button: its label, and the answer it gives (None skips the step)."""

SKIP: Option = ("Skip", None)
STEP_OPTIONS: dict[str, tuple[tuple[Option, ...], ...]] = {
    "sets": (tuple((n, n) for n in ("1", "2", "3", "4", "5", "6")),),
    "target": (tuple((t, t) for t in ("5", "8", "10", "12", "8-12", "60s")),),
    "load": ((("Bodyweight", "bw"), ("No load", None)),),
    "intensity": (
        (("RPE 7", "rpe 7"), ("RPE 8", "rpe 8"), ("RPE 9", "rpe 9")),
        (("RIR 1", "rir 1"), ("RIR 2", "rir 2"), ("RIR 3", "rir 3")),
        (SKIP,),
    ),
    "rest": ((("60 s", "60"), ("90 s", "90"), ("2 min", "120"), ("3 min", "180")), (SKIP,)),
    "instructions": ((SKIP,),),
    "tips": ((SKIP,),),
}
"""The buttons of each step, row by row."""
STEP_QUESTIONS = {
    "intensity": STEP_INTENSITY,
    "rest": STEP_REST,
    "instructions": STEP_INSTRUCTIONS,
    "tips": STEP_TIPS,
}


def render_rows(exercises: Sequence[PrescribedView], unit: Units) -> str:
    """The exercises in order, with their targets in the viewer's units."""
    if not exercises:
        return EMPTY
    lines = []
    for item in exercises:
        line = (
            f"{item.position}. <b>{esc(item.exercise_name)}</b> — "
            f"{esc(format_prescription(item.prescription, unit))}"
        )
        if item.instructions:
            line += f"\n    <i>{esc(item.instructions)}</i>"
        if item.tips:
            line += f"\n    💡 {esc(item.tips)}"
        lines.append(line)
    return "\n".join(lines)


ShowParent = Callable[[Update, Context, int, str], Awaitable[object]]


class EntryAction(StrEnum):
    ADD = "add"
    STEP = "step"
    PICK = "pick"
    OWN = "own"
    CATEGORY = "cat"
    STEP_EXERCISE = "sx"
    STEP_VALUE = "sv"
    REORDER = "ro"
    MOVE = "mv"
    REPLACE = "rp"
    REPLACE_ROW = "rpr"
    REPLACE_PICK = "rpx"
    REMOVE = "rm"
    REMOVE_ROW = "rmr"
    TARGETS = "et"
    TARGETS_ROW = "etr"
    BACK = "ex"


EntryPress = Press[EntryAction]
UP, DOWN = "u", "d"


class ExerciseEntry:
    """Adding and editing the exercises of one kind of parent, under a callback prefix.

    ``prefix`` is ``tpl`` (templates) or ``prg`` (program sessions). ``show_parent`` renders
    the parent's own view (with a notice line) and returns the flow's state for it.
    """

    def __init__(
        self, prefix: str, kind: ParentKind, show_parent: ShowParent, idle_state: str
    ) -> None:
        self.prefix = prefix
        self.idle = idle_state
        self.command = "/templates" if kind is ParentKind.TEMPLATE else "/programs"
        self.expired = f"This button has expired. Send {self.command} to start again."
        self.kind = kind
        self.show_parent = show_parent
        self.buttons = ButtonCodec(prefix, EntryAction, words=True)
        self.key = f"{prefix}_entry"
        self.TEXT = f"{prefix}_entry_text"
        self.PICK = f"{prefix}_entry_pick"
        self.STEP = f"{prefix}_entry_step"
        self.REPLACE = f"{prefix}_entry_replace"
        self.TARGETS = f"{prefix}_entry_targets"

    # ------------------------------------------------------------------ wiring

    def handler(self) -> CallbackQueryHandler[Context, object]:
        """The one handler of every entry button, through the dispatch table."""
        A = EntryAction
        table: dict[EntryAction, PressHandler[EntryAction]] = {
            A.ADD: self.on_add,
            A.STEP: self.on_step,
            A.PICK: self.on_pick,
            A.OWN: self.on_own,
            A.CATEGORY: self.on_category,
            A.STEP_EXERCISE: self.on_step_exercise,
            A.STEP_VALUE: self.on_step_value,
            A.REORDER: self.on_reorder,
            A.MOVE: self.on_move,
            A.REPLACE: self.on_replace_menu,
            A.REPLACE_ROW: self.on_replace_row,
            A.REPLACE_PICK: self.on_replace_pick,
            A.REMOVE: self.on_remove_menu,
            A.REMOVE_ROW: self.on_remove_row,
            A.TARGETS: self.on_targets_menu,
            A.TARGETS_ROW: self.on_targets_row,
            A.BACK: self.on_back,
        }
        return button_handler(self.buttons, table, self.expired)

    def states(self) -> dict[object, list[BaseHandler[Update, Any, Any]]]:
        return {
            self.TEXT: [MessageHandler(TEXT, self.on_lines)],
            self.PICK: [MessageHandler(TEXT, self.on_pick_search)],
            self.STEP: [MessageHandler(TEXT, self.on_step_text)],
            self.REPLACE: [MessageHandler(TEXT, self.on_replace_search)],
            self.TARGETS: [MessageHandler(TEXT, self.on_targets_text)],
        }

    # ------------------------------------------------------------------ helpers

    async def gone(self, update: Update, context: Context) -> int:
        """A typed answer to a step that no longer exists (its data was cleared)."""
        self.set_data(context, None)
        await show(update, f"That step has expired. Send {self.command} to start again.")
        return END

    def parent(self, parent_id: int) -> Parent:
        return Parent(self.kind, parent_id)

    def data(self, context: Context) -> dict[str, Any]:
        user_data = context.user_data if context.user_data is not None else {}
        entry = user_data.get(self.key)
        return entry if isinstance(entry, dict) else {}

    def set_data(self, context: Context, value: dict[str, Any] | None) -> None:
        if context.user_data is None:
            return
        if value is None:
            context.user_data.pop(self.key, None)
        else:
            context.user_data[self.key] = value

    def back_button(self, parent_id: int, label: str = "⬅️ Back") -> Button:
        return (label, self.buttons.encode(EntryAction.BACK, parent_id))

    def edit_buttons(self, parent_id: int) -> list[list[Button]]:
        """The exercise rows of a parent's view keyboard."""
        e, A, i = self.buttons.encode, EntryAction, parent_id
        return [
            [("➕ Add exercises", e(A.ADD, i)), ("🔀 Reorder", e(A.REORDER, i))],
            [("🔁 Replace exercise", e(A.REPLACE, i)), ("🗑 Remove exercise", e(A.REMOVE, i))],
            [("🎯 Edit targets", e(A.TARGETS, i))],
        ]

    async def _list(self, update: Update, context: Context, parent_id: int) -> ExerciseListView:
        svc = TemplateService(services(context).ctx)
        return await svc.exercises(identity(update).telegram_id, self.parent(parent_id))

    async def _checked_list(
        self, update: Update, context: Context, parent_id: int
    ) -> ExerciseListView | None:
        """The parent's exercises, or None once a refusal (not yours, gone) was answered."""
        try:
            return await self._list(update, context, parent_id)
        except DomainError as error:
            await refuse(update, error)
            return None

    async def _pressed_list(
        self, update: Update, context: Context, press: EntryPress
    ) -> ExerciseListView | None:
        """The exercises of the parent a button names (``<prefix>:<code>:<parent id>``)."""
        parent_id = press.id()
        if parent_id is None:
            await refuse(update, self.expired)
            return None
        return await self._checked_list(update, context, parent_id)

    # ------------------------------------------------------------------ one message

    async def start(
        self, update: Update, context: Context, parent_id: int, title: str, notice: str = ""
    ) -> str:
        """Ask for exercises (one message, or step by step)."""
        view = await UserService(services(context).ctx).get(identity(update).telegram_id)
        unit = view.units if view else Units.KG
        self.set_data(context, {"parent": parent_id, "unit": unit.value})
        text = (notice + "\n\n" if notice else "") + ADD_PROMPT.format(
            title=esc(title), unit=unit.value
        )
        markup = keyboard(
            [
                [("🔘 Step by step", self.buttons.encode(EntryAction.STEP, parent_id))],
                [self.back_button(parent_id, "✅ Done")],
            ]
        )
        await show(update, text, markup)
        return self.TEXT

    async def on_add(self, update: Update, context: Context, press: EntryPress) -> object:
        listing = await self._pressed_list(update, context, press)
        if listing is None:
            return None
        return await self.start(update, context, listing.parent.id, listing.title)

    async def on_lines(self, update: Update, context: Context) -> object:
        entry = self.data(context)
        parent_id = entry.get("parent")
        if not isinstance(parent_id, int):
            return await self.gone(update, context)
        text = message_text(update)
        svc = TemplateService(services(context).ctx)
        try:
            matches = await svc.match_lines(identity(update).telegram_id, text)
        except UnreadableLine as error:
            await show(update, unreadable_text(error))
            return self.TEXT
        except DomainError as error:
            await show(update, f"{error_text(error)}\n\nFix that line and send it again.")
            return self.TEXT
        entry.update(text=text, chosen={}, step=None)
        self.set_data(context, entry)
        return await self._next_unresolved(update, context, matches)

    async def _next_unresolved(
        self, update: Update, context: Context, matches: Sequence[LineMatch] | None = None
    ) -> object:
        entry = self.data(context)
        telegram_id = identity(update).telegram_id
        svc = TemplateService(services(context).ctx)
        if matches is None:
            matches = await svc.match_lines(telegram_id, entry["text"])
        chosen = {int(k): v for k, v in entry.get("chosen", {}).items()}
        for line in matches:
            if line.index in chosen or line.match.exercise is not None:
                continue
            entry["pending"] = line.index
            self.set_data(context, entry)
            return await self._ask_line(update, line, line.match.candidates)
        try:
            listing = await svc.add_lines(
                telegram_id, self.parent(entry["parent"]), entry["text"], chosen
            )
        except DomainError as error:
            await show(update, error_text(error))
            return self.TEXT
        self.set_data(context, None)
        notice = f"✅ Added {plural(len(matches), 'exercise')}."
        return await self.show_parent(update, context, listing.parent.id, notice)

    async def _ask_line(
        self, update: Update, line: LineMatch, candidates: Sequence[ExerciseView]
    ) -> str:
        name = line.prescription.exercise_text
        template = WHICH_EXERCISE if candidates else NO_MATCH
        text = template.format(line_no=line.index + 1, line=esc(line.line), name=esc(name))
        rows: list[list[Button]] = [
            [(c.name + (" ⭐" if c.is_own else ""), self.buttons.encode(EntryAction.PICK, c.id))]
            for c in candidates[:5]
        ]
        rows.append([(f"➕ Add “{name[:30]}” as my own", self.buttons.encode(EntryAction.OWN))])
        await show(update, text, keyboard(rows))
        return self.PICK

    async def _pending_line(self, update: Update, context: Context) -> LineMatch | None:
        entry = self.data(context)
        pending = entry.get("pending")
        if not isinstance(pending, int) or not entry.get("text"):
            return None
        svc = TemplateService(services(context).ctx)
        matches = await svc.match_lines(identity(update).telegram_id, entry["text"])
        return next((m for m in matches if m.index == pending), None)

    async def on_pick_search(self, update: Update, context: Context) -> object:
        line = await self._pending_line(update, context)
        if line is None:
            return await self.gone(update, context)
        svc = ExerciseService(services(context).ctx)
        try:
            found = await svc.search(identity(update).telegram_id, message_text(update))
        except DomainError as error:
            await show(update, error_text(error))
            return self.PICK
        return await self._ask_line(update, line, found.candidates)

    async def on_pick(self, update: Update, context: Context, press: EntryPress) -> object:
        exercise_id = press.id()
        line = await self._pending_line(update, context)
        if exercise_id is None or line is None:
            await refuse(update, self.expired)
            return None
        try:
            exercise = await ExerciseService(services(context).ctx).get(
                identity(update).telegram_id, exercise_id
            )
            _check_fits(exercise, line.prescription)
        except DomainError as error:
            await refuse(update, error)
            return None
        return await self._choose(update, context, line.index, exercise_id)

    async def _choose(
        self, update: Update, context: Context, index: int, exercise_id: int
    ) -> object:
        entry = self.data(context)
        chosen = dict(entry.get("chosen", {}))
        chosen[str(index)] = exercise_id
        entry.update(chosen=chosen, pending=None)
        self.set_data(context, entry)
        return await self._next_unresolved(update, context)

    async def on_own(self, update: Update, context: Context, _press: EntryPress) -> object:
        entry = self.data(context)
        if entry.get("step"):
            name = entry["step"].get("query")
        else:
            line = await self._pending_line(update, context)
            name = line.prescription.exercise_text if line else None
        if not name:
            await refuse(update, self.expired)
            return None
        cats = sorted(CATEGORIES)
        rows = [
            [
                (c.title(), self.buttons.encode(EntryAction.CATEGORY, word=c))
                for c in cats[i : i + 3]
            ]
            for i in range(0, len(cats), 3)
        ]
        await show(update, OWN_CATEGORY.format(name=esc(name)), keyboard(rows))
        return None

    async def on_category(self, update: Update, context: Context, press: EntryPress) -> object:
        category = press.word or ""
        entry = self.data(context)
        step = entry.get("step")
        line = None if step else await self._pending_line(update, context)
        if category not in CATEGORIES or (not step and line is None):
            await refuse(update, self.expired)
            return None
        if step:
            name = str(step.get("query", ""))
            measure = "weight_reps"
        else:
            assert line is not None
            p = line.prescription
            name = p.exercise_text
            measure = measure_for(
                reps=p.reps_min is not None,
                weighted=p.weight_kg is not None or p.percent_e1rm is not None,
                duration=p.duration_s is not None and p.distance_m is None,
                distance=p.distance_m is not None,
            )
        svc = ExerciseService(services(context).ctx)
        try:
            own = await svc.add_own(
                identity(update).telegram_id,
                NewExercise(name, category=category, measure=measure),
            )
        except DomainError as error:
            await refuse(update, error)
            return None
        if step:
            return await self._step_chosen(update, context, own)
        assert line is not None
        return await self._choose(update, context, line.index, own.id)

    # ------------------------------------------------------------------ step by step

    async def on_step(self, update: Update, context: Context, press: EntryPress) -> object:
        listing = await self._pressed_list(update, context, press)
        if listing is None:
            return None
        parent_id = listing.parent.id
        view = await UserService(services(context).ctx).get(identity(update).telegram_id)
        unit = view.units if view else Units.KG
        self.set_data(context, {"parent": parent_id, "unit": unit.value, "step": {"at": "search"}})
        await show(update, STEP_SEARCH, keyboard([[self.back_button(parent_id)]]))
        return self.STEP

    def _step(self, context: Context) -> dict[str, Any] | None:
        step = self.data(context).get("step")
        return step if isinstance(step, dict) else None

    def _save_step(self, context: Context, step: dict[str, Any]) -> None:
        entry = self.data(context)
        entry["step"] = step
        self.set_data(context, entry)

    async def _step_search(self, update: Update, context: Context, query: str) -> object:
        step = self._step(context) or {}
        svc = ExerciseService(services(context).ctx)
        try:
            found = await svc.search(identity(update).telegram_id, query)
        except DomainError as error:
            await show(update, error_text(error))
            return self.STEP
        step.update(at="search", query=" ".join(query.split())[:100])
        self._save_step(context, step)
        rows: list[list[Button]] = [
            [
                (
                    c.name + (" ⭐" if c.is_own else ""),
                    self.buttons.encode(EntryAction.STEP_EXERCISE, c.id),
                )
            ]
            for c in found.candidates
        ]
        own = self.buttons.encode(EntryAction.OWN)
        rows.append([(f"➕ Add “{step['query'][:30]}” as my own", own)])
        template = STEP_PICK if found.candidates else STEP_NONE
        await show(update, template.format(query=esc(step["query"])), keyboard(rows))
        return self.STEP

    async def on_step_exercise(self, update: Update, context: Context, press: EntryPress) -> object:
        exercise_id = press.id()
        if exercise_id is None or self._step(context) is None:
            await refuse(update, self.expired)
            return None
        try:
            exercise = await ExerciseService(services(context).ctx).get(
                identity(update).telegram_id, exercise_id
            )
        except DomainError as error:
            await refuse(update, error)
            return None
        return await self._step_chosen(update, context, exercise)

    async def _step_chosen(
        self, update: Update, context: Context, exercise: ExerciseView
    ) -> object:
        self._save_step(
            context,
            {
                "at": "sets",
                "exercise": exercise.id,
                "name": exercise.name,
                "measure": exercise.measure,
            },
        )
        return await self._ask_step(update, context)

    def _summary(self, step: dict[str, Any], unit: Units) -> str:
        return esc(format_prescription(_prescription(step, unit), unit))

    def _step_question(self, step: dict[str, Any], unit: Units) -> str:
        name = esc(step.get("name", ""))
        at = step["at"]
        if at == "sets":
            return STEP_SETS.format(name=name)
        if at == "target":
            return STEP_TARGET.format(name=name, sets=plural(step["sets"], "set"))
        if at == "load":
            target = esc(step["target"])
            return STEP_LOAD.format(name=name, sets=step["sets"], target=target, unit=unit.value)
        question = STEP_QUESTIONS[at]
        return question.format(name=name, summary=self._summary(step, unit))

    def _step_buttons(self, at: str) -> list[list[Button]]:
        """The step's buttons, each carrying its place among them and the step's name."""
        rows: list[list[Button]] = []
        place = 0
        for options in STEP_OPTIONS[at]:
            numbered = enumerate(options, start=place)
            encode = self.buttons.encode
            rows.append([(o[0], encode(EntryAction.STEP_VALUE, n, word=at)) for n, o in numbered])
            place += len(options)
        return rows

    async def _ask_step(self, update: Update, context: Context, error: str = "") -> object:
        entry = self.data(context)
        step = self._step(context)
        if step is None:
            return await self.gone(update, context)
        unit = Units(entry.get("unit", Units.KG.value))
        at = step["at"]
        rows = self._step_buttons(at)
        rows.append([self.back_button(entry["parent"], "✖️ Stop")])
        text = self._step_question(step, unit)
        await show(update, (error + "\n\n" if error else "") + text, keyboard(rows))
        return self.STEP

    async def on_step_value(self, update: Update, context: Context, press: EntryPress) -> object:
        """A step's button (``<prefix>:sv:<option>:<step>``), for the step being asked."""
        step = self._step(context)
        at = step.get("at") if step is not None else None
        options = _options(at) if at in STEP_OPTIONS and at == press.word else ()
        index = press.id()
        if index is None or not index < len(options):
            await refuse(update, self.expired)
            return None
        return await self._step_input(update, context, options[index][1])

    async def on_step_text(self, update: Update, context: Context) -> object:
        step = self._step(context)
        if step is None:
            return await self.gone(update, context)
        text = message_text(update)
        if step.get("at") == "search":
            return await self._step_search(update, context, text)
        if step.get("at") in SKIPPABLE_STEPS and is_skip(text):
            return await self._step_input(update, context, None)  # as the Skip button does
        return await self._step_input(update, context, text)

    async def _step_input(self, update: Update, context: Context, value: str | None) -> object:
        entry = self.data(context)
        step = self._step(context)
        if step is None:
            return await self.gone(update, context)
        unit = Units(entry.get("unit", Units.KG.value))
        at = step["at"]
        try:
            _take_step_answer(step, at, value, unit)
        except EntryError as error:
            return await self._ask_step(update, context, error_text(error))
        if at != "tips":
            step["at"] = STEP_ORDER[STEP_ORDER.index(at) + 1]
            self._save_step(context, step)
            return await self._ask_step(update, context)
        prescription = _prescription(step, unit)
        svc = TemplateService(services(context).ctx)
        try:
            listing = await svc.add_one(
                identity(update).telegram_id,
                self.parent(entry["parent"]),
                NewPrescribed(
                    step["exercise"],
                    prescription,
                    instructions=step.get("instructions"),
                    tips=step.get("tips"),
                ),
            )
        except DomainError as error:
            self.set_data(context, None)
            await show(update, error_text(error))
            return await self.gone(update, context)
        self.set_data(context, None)
        notice = f"✅ Added {esc(step['name'])}."
        return await self.show_parent(update, context, listing.parent.id, notice)

    # ------------------------------------------------------------------ reorder

    def _reorder_markup(self, listing: ExerciseListView) -> InlineKeyboardMarkup:
        i = listing.parent.id

        def move(row_id: int, direction: str) -> str:
            return self.buttons.encode(EntryAction.MOVE, i, row_id, word=direction)

        rows: list[list[Button]] = [
            [
                (f"⬆️ {item.position}", move(item.row_id, UP)),
                (f"⬇️ {item.position}", move(item.row_id, DOWN)),
            ]
            for item in listing.exercises
        ]
        rows.append([self.back_button(i, "✅ Done")])
        return keyboard(rows)

    async def _show_reorder(self, update: Update, listing: ExerciseListView) -> None:
        text = REORDER.format(
            title=esc(listing.title), rows=render_rows(listing.exercises, listing.units)
        )
        await show(update, text, self._reorder_markup(listing))

    async def on_reorder(self, update: Update, context: Context, press: EntryPress) -> object:
        listing = await self._pressed_list(update, context, press)
        if listing is None:
            return None
        await self._show_reorder(update, listing)
        return self.idle

    async def on_move(self, update: Update, context: Context, press: EntryPress) -> object:
        parent_id, row_id, direction = press.id(0), press.id(1), press.word
        if parent_id is None or row_id is None or direction not in (UP, DOWN):
            await refuse(update, self.expired)
            return None
        svc = TemplateService(services(context).ctx)
        try:
            listing = await svc.move(
                identity(update).telegram_id,
                self.parent(parent_id),
                row_id,
                -1 if direction == UP else 1,
            )
        except DomainError as error:
            await refuse(update, error)
            return None
        await self._show_reorder(update, listing)
        return self.idle

    # ------------------------------------------------------------------ pick a row

    async def _row_menu(
        self, update: Update, context: Context, press: EntryPress, action: EntryAction, verb: str
    ) -> object:
        listing = await self._pressed_list(update, context, press)
        if listing is None:
            return None
        parent_id = listing.parent.id
        if not listing.exercises:
            await answer(update, "There are no exercises yet; add some first.", alert=True)
            return None
        rows: list[list[Button]] = [
            [
                (
                    f"{item.position}. {item.exercise_name}"[:60],
                    self.buttons.encode(action, parent_id, item.row_id),
                )
            ]
            for item in listing.exercises
        ]
        rows.append([self.back_button(parent_id)])
        text = PICK_ROW.format(title=esc(listing.title), verb=verb)
        body = text + "\n\n" + render_rows(listing.exercises, listing.units)
        await show(update, body, keyboard(rows))
        return self.idle

    async def _row(
        self, update: Update, context: Context, press: EntryPress
    ) -> tuple[ExerciseListView, PrescribedView] | None:
        parent_id, row_id = press.id(0), press.id(1)
        if parent_id is None or row_id is None:
            await refuse(update, self.expired)
            return None
        listing = await self._checked_list(update, context, parent_id)
        if listing is None:
            return None
        item = next((e for e in listing.exercises if e.row_id == row_id), None)
        if item is None:
            await refuse(update, "That exercise is no longer in this session.")
            return None
        return listing, item

    async def on_remove_menu(self, update: Update, context: Context, press: EntryPress) -> object:
        return await self._row_menu(update, context, press, EntryAction.REMOVE_ROW, "remove")

    async def on_remove_row(self, update: Update, context: Context, press: EntryPress) -> object:
        found = await self._row(update, context, press)
        if found is None:
            return None
        listing, item = found
        svc = TemplateService(services(context).ctx)
        try:
            await svc.remove(identity(update).telegram_id, listing.parent, item.row_id)
        except DomainError as error:
            await refuse(update, error)
            return None
        notice = f"🗑 Removed {esc(item.exercise_name)}."
        return await self.show_parent(update, context, listing.parent.id, notice)

    async def on_replace_menu(self, update: Update, context: Context, press: EntryPress) -> object:
        return await self._row_menu(update, context, press, EntryAction.REPLACE_ROW, "replace")

    async def _ask_about_row(
        self,
        update: Update,
        context: Context,
        press: EntryPress,
        question: Callable[[ExerciseListView, PrescribedView], str],
        state: str,
    ) -> object:
        """Note the row a button picked and ask ``question`` about it (the answer is typed)."""
        found = await self._row(update, context, press)
        if found is None:
            return None
        listing, item = found
        self.set_data(context, {"parent": listing.parent.id, "row": item.row_id})
        back = keyboard([[self.back_button(listing.parent.id)]])
        await show(update, question(listing, item), back)
        return state

    async def on_replace_row(self, update: Update, context: Context, press: EntryPress) -> object:
        def question(_listing: ExerciseListView, item: PrescribedView) -> str:
            return REPLACE_SEARCH.format(name=esc(item.exercise_name))

        return await self._ask_about_row(update, context, press, question, self.REPLACE)

    async def on_replace_search(self, update: Update, context: Context) -> object:
        entry = self.data(context)
        if not isinstance(entry.get("row"), int):
            return await self.gone(update, context)
        svc = ExerciseService(services(context).ctx)
        try:
            found = await svc.search(identity(update).telegram_id, message_text(update))
        except DomainError as error:
            await show(update, error_text(error))
            return self.REPLACE
        if not found.candidates:
            await show(
                update,
                f"No exercise matches “{esc(found.query)}”. Try another name, "
                "e.g. <code>front squat</code>.",
            )
            return self.REPLACE
        rows: list[list[Button]] = [
            [
                (
                    c.name,
                    self.buttons.encode(
                        EntryAction.REPLACE_PICK, entry["parent"], entry["row"], c.id
                    ),
                )
            ]
            for c in found.candidates
        ]
        rows.append([self.back_button(entry["parent"])])
        await show(update, "Replace with which exercise?", keyboard(rows))
        return self.REPLACE

    async def on_replace_pick(self, update: Update, context: Context, press: EntryPress) -> object:
        parent_id, row_id, exercise_id = press.id(0), press.id(1), press.id(2)
        if parent_id is None or row_id is None or exercise_id is None:
            await refuse(update, self.expired)
            return None
        svc = TemplateService(services(context).ctx)
        try:
            listing = await svc.replace(
                identity(update).telegram_id, self.parent(parent_id), row_id, exercise_id
            )
        except DomainError as error:
            await refuse(update, error)
            return None
        self.set_data(context, None)
        name = next((e.exercise_name for e in listing.exercises if e.row_id == row_id), "")
        return await self.show_parent(update, context, parent_id, f"🔁 Replaced with {esc(name)}.")

    async def on_targets_menu(self, update: Update, context: Context, press: EntryPress) -> object:
        return await self._row_menu(update, context, press, EntryAction.TARGETS_ROW, "re-target")

    async def on_targets_row(self, update: Update, context: Context, press: EntryPress) -> object:
        def question(listing: ExerciseListView, item: PrescribedView) -> str:
            now = format_prescription(item.prescription, listing.units)
            return NEW_TARGETS.format(name=esc(item.exercise_name), now=esc(now))

        return await self._ask_about_row(update, context, press, question, self.TARGETS)

    async def on_targets_text(self, update: Update, context: Context) -> object:
        entry = self.data(context)
        if not isinstance(entry.get("row"), int):
            return await self.gone(update, context)
        svc = TemplateService(services(context).ctx)
        try:
            await svc.set_targets(
                identity(update).telegram_id,
                self.parent(entry["parent"]),
                entry["row"],
                message_text(update),
            )
        except DomainError as error:
            await show(update, error_text(error))
            return self.TARGETS
        self.set_data(context, None)
        return await self.show_parent(update, context, entry["parent"], "🎯 Targets updated.")

    async def on_back(self, update: Update, context: Context, press: EntryPress) -> object:
        parent_id = press.id()
        if parent_id is None:
            await refuse(update, self.expired)
            return None
        self.set_data(context, None)
        return await self.show_parent(update, context, parent_id, "")


def _check_fits(exercise: ExerciseView, p: Prescription) -> None:
    """Refuse an exercise measured by time or distance for a line of reps with a load."""
    check_target_fits(
        exercise.name,
        exercise.measure,
        reps=p.reps_min is not None,
        loaded=p.weight_kg is not None or p.percent_e1rm is not None,
    )


def _take_step_answer(step: dict[str, Any], at: str, value: str | None, unit: Units) -> None:
    """Check the answer to the step ``at`` and note it in ``step`` (EntryError when wrong)."""
    if at == "sets":
        step["sets"] = check_sets(value or "")
    elif at == "target":
        step["target"] = check_target(value or "")
    elif at == "load":
        step["load"] = check_load(value, unit) if value else None
        if step["load"]:
            _check_step_fits(step, unit)
    elif at == "intensity":
        step["intensity"] = check_intensity(value) if value else None
    elif at == "rest":
        step["rest"] = check_rest(value) if value else None
    elif at in ("instructions", "tips"):
        step[at] = _step_note(value)


def _step_note(value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if len(cleaned) > 500:
        raise EntryError("Keep it under 500 characters.", "Brace before each rep")
    return cleaned or None


def _check_step_fits(step: dict[str, Any], unit: Units) -> None:
    """The step-by-step form of :func:`_check_fits`, once the load is known."""
    p = build_prescription(
        exercise_text=step["name"],
        sets=step["sets"],
        target=step["target"],
        load=step["load"],
        intensity=None,
        rest_s=None,
        unit=unit,
    )
    try:
        check_target_fits(
            step["name"],
            str(step.get("measure", "")),
            reps=p.reps_min is not None,
            loaded=p.weight_kg is not None or p.percent_e1rm is not None,
        )
    except DomainError as error:
        message = f"{error.message} Tap “No load”, or tap Stop and add it again."
        raise EntryError(message, error.example or "") from None


def _options(at: str) -> tuple[Option, ...]:
    """A step's buttons in order: a step button carries its place in this."""
    return tuple(option for row in STEP_OPTIONS.get(at, ()) for option in row)


def _prescription(step: dict[str, Any], unit: Units) -> Prescription:
    """The prescription the step-by-step answers in ``step`` make."""
    return build_prescription(
        exercise_text=step["name"],
        sets=step["sets"],
        target=step["target"],
        load=step.get("load"),
        intensity=step.get("intensity"),
        rest_s=step.get("rest"),
        unit=unit,
    )
