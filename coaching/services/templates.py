"""Session templates, and the prescribed exercises of templates and program sessions.

A prescribed exercise belongs to a *parent*: a session template, or one session of a program.
The same operations (add from one message or step by step, reorder, replace, remove) serve
both, and every one re-checks that the parent belongs to the acting trainer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from coaching.domain.catalogue import check_target_fits
from coaching.domain.enums import Difficulty, Units
from coaching.domain.prescription import (
    Prescription,
    PrescriptionError,
    exercise_pieces,
    parse_template_text,
)
from coaching.errors import Conflict, DomainError, InvalidInput, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exercises import (
    EXERCISE_NOT_FOUND,
    ExerciseView,
    NameMatch,
    acting_trainer,
    match_name,
)
from coaching.services.library import LibraryService, copy_name
from storage.models import NAME_MAX, NOTES_MAX, Exercise, ExerciseTemplate, SessionTemplate
from storage.repositories.templates import TemplateRepository
from storage.uow import UnitOfWork

TEMPLATE_NOT_FOUND = "I can't find that template among yours."
SESSION_NOT_FOUND = "I can't find that program session among yours."
ROW_NOT_FOUND = "That exercise is no longer in this session."
MAX_EXERCISES = 40
TEXT_MAX = 500
_CANDIDATES = 5  # exercises offered when a line's name needs a choice


class ParentKind(StrEnum):
    TEMPLATE = "tpl"
    SESSION = "ps"


@dataclass(frozen=True, slots=True)
class Parent:
    """Where prescribed exercises live: a template or a program session."""

    kind: ParentKind
    id: int


class TemplateField(StrEnum):
    NAME = "name"
    DESCRIPTION = "description"
    CATEGORY = "category"
    DIFFICULTY = "difficulty"
    DURATION = "duration"
    EQUIPMENT = "equipment"
    NOTES = "notes"


@dataclass(frozen=True, slots=True)
class PrescribedView:
    row_id: int
    position: int
    exercise_id: int
    exercise_name: str
    prescription: Prescription
    instructions: str | None
    tips: str | None


@dataclass(frozen=True, slots=True)
class ExerciseListView:
    parent: Parent
    title: str
    exercises: tuple[PrescribedView, ...]
    units: Units


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    id: int
    name: str
    category: str | None
    duration_minutes: int | None


@dataclass(frozen=True, slots=True)
class TemplateView:
    id: int
    name: str
    description: str | None
    category: str | None
    difficulty: Difficulty | None
    duration_minutes: int | None
    equipment: tuple[str, ...]
    notes: str | None
    exercises: tuple[PrescribedView, ...]
    units: Units


@dataclass(frozen=True, slots=True)
class LineMatch:
    """One line of a one-message entry: what it prescribes and which exercise it names."""

    index: int
    line: str
    prescription: Prescription
    match: NameMatch


@dataclass(frozen=True, slots=True)
class NewPrescribed:
    """A prescribed exercise ready to store (the exercise is re-checked when stored)."""

    exercise_id: int
    prescription: Prescription
    instructions: str | None = None
    tips: str | None = None


# --------------------------------------------------------------------------------------------
# Rows and prescriptions
# --------------------------------------------------------------------------------------------


def row_prescription(row: ExerciseTemplate, name: str, unit: Units) -> Prescription:
    """A stored row as a prescription.

    The row keeps the load in kilograms, not the unit it was typed in, so it is marked as
    entered in kilograms: a viewer in pounds then sees a whole (or exactly typed half) pound,
    never a conversion such as 176.37 lb. ``unit`` is the viewer's unit; the load is shown in
    it when the prescription is formatted.
    """
    return Prescription(
        exercise_text=name,
        sets=row.target_sets,
        reps_min=row.reps_min,
        reps_max=row.reps_max,
        weight_kg=row.target_weight_kg,
        percent_e1rm=row.target_percent_e1rm,
        bodyweight=row.bodyweight,
        rpe=row.target_rpe,
        rir=row.target_rir,
        rest_s=row.rest_seconds,
        duration_s=row.duration_s,
        distance_m=row.distance_m,
        notes=None,
        entered_unit=Units.KG,
    )


def apply_prescription(row: ExerciseTemplate, p: Prescription) -> None:
    row.target_sets = p.sets
    row.reps_min = p.reps_min
    row.reps_max = p.reps_max
    row.target_weight_kg = p.weight_kg
    row.target_percent_e1rm = p.percent_e1rm
    row.bodyweight = p.bodyweight
    row.target_rpe = p.rpe
    row.target_rir = p.rir
    row.rest_seconds = p.rest_s
    row.duration_s = p.duration_s
    row.distance_m = p.distance_m


def copy_row(row: ExerciseTemplate, **parent: int | None) -> ExerciseTemplate:
    """A copy of a prescribed exercise under another parent."""
    return ExerciseTemplate(
        session_template_id=parent.get("session_template_id"),
        program_session_id=parent.get("program_session_id"),
        exercise_id=row.exercise_id,
        order_index=row.order_index,
        target_sets=row.target_sets,
        reps_min=row.reps_min,
        reps_max=row.reps_max,
        target_weight_kg=row.target_weight_kg,
        target_percent_e1rm=row.target_percent_e1rm,
        bodyweight=row.bodyweight,
        target_rpe=row.target_rpe,
        target_rir=row.target_rir,
        rest_seconds=row.rest_seconds,
        duration_s=row.duration_s,
        distance_m=row.distance_m,
        instructions=row.instructions,
        tips=row.tips,
        notes=row.notes,
    )


def prescribed_views(rows: Sequence[ExerciseTemplate], unit: Units) -> tuple[PrescribedView, ...]:
    """Rows in order (their ``exercise`` loaded) as views numbered from 1."""
    return tuple(
        PrescribedView(
            row_id=row.id,
            position=position,
            exercise_id=row.exercise_id,
            exercise_name=row.exercise.name,
            prescription=row_prescription(row, row.exercise.name, unit),
            instructions=row.instructions,
            tips=row.tips,
        )
        for position, row in enumerate(rows, start=1)
    )


def optional_text(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    cleaned = text.strip()
    if len(cleaned) > limit:
        raise InvalidInput(
            f"That is {len(cleaned)} characters; keep it under {limit}.",
            example="Brace before each rep",
        )
    return cleaned or None


def clean_title(text: str, what: str, example: str) -> str:
    name = " ".join(text.split())
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInput(
            f"Send a name for the {what}, up to {NAME_MAX} characters.", example=example
        )
    return name


def parse_minutes(text: str) -> int:
    """``45``, ``45 min``, ``1h``, ``1h30`` or ``1:30`` to minutes (1 to 600)."""
    cleaned = text.strip().lower()
    match = re.fullmatch(
        r"(?:(\d{1,2})\s*(?:h|hr|hrs|hours?)\s*(\d{1,2})?\s*(?:m|min|mins|minutes?)?"
        r"|(\d{1,2}):([0-5]\d)|(\d{1,3})\s*(?:m|min|mins|minutes?)?)",
        cleaned,
    )
    if match is None:
        raise InvalidInput("Send the duration in minutes.", example="45 or 1h30")
    if match[1] is not None:
        minutes = int(match[1]) * 60 + int(match[2] or 0)
    elif match[3] is not None:
        minutes = int(match[3]) * 60 + int(match[4])
    else:
        minutes = int(match[5])
    if not 1 <= minutes <= 600:
        raise InvalidInput("The duration must be 1 minute to 10 hours.", example="45")
    return minutes


def parse_difficulty(text: str) -> Difficulty:
    cleaned = text.strip().lower()
    for level in Difficulty:
        if level.value.startswith(cleaned) and cleaned:
            return level
    raise InvalidInput("Pick beginner, intermediate or advanced.", example="intermediate")


def parse_list(text: str, *, limit: int = 12, item_max: int = 60) -> list[str]:
    items = [" ".join(part.split()) for part in re.split(r"[,\n;]", text)]
    items = list(dict.fromkeys(item[:item_max] for item in items if item))
    if len(items) > limit:
        raise InvalidInput(f"List at most {limit} items.", example="barbell, rack, bench")
    return items


def summary(template: SessionTemplate) -> TemplateSummary:
    return TemplateSummary(
        id=template.id,
        name=template.name,
        category=template.category,
        duration_minutes=template.duration_minutes,
    )


def template_view(
    template: SessionTemplate, rows: Sequence[ExerciseTemplate], unit: Units
) -> TemplateView:
    return TemplateView(
        id=template.id,
        name=template.name,
        description=template.description,
        category=template.category,
        difficulty=template.difficulty,
        duration_minutes=template.duration_minutes,
        equipment=tuple(template.equipment_needed or ()),
        notes=template.notes,
        exercises=prescribed_views(rows, unit),
        units=unit,
    )


# --------------------------------------------------------------------------------------------
# Parents: loading with the ownership check
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Loaded:
    title: str
    rows: list[ExerciseTemplate]
    parent_column: dict[str, int | None]


async def load_parent(uow: UnitOfWork, trainer_user_id: int, parent: Parent) -> _Loaded:
    """The parent's title and rows, if it belongs to the trainer; else NotFound."""
    rows_repo = uow.exercise_rows
    if parent.kind is ParentKind.TEMPLATE:
        template = await uow.templates.get_owned(parent.id, trainer_user_id)
        if template is None:
            raise NotFound(TEMPLATE_NOT_FOUND)
        return _Loaded(
            template.name,
            await rows_repo.for_template(template.id),
            {"session_template_id": template.id},
        )
    found = await uow.programs.get_session_owned(parent.id, trainer_user_id)
    if found is None:
        raise NotFound(SESSION_NOT_FOUND)
    program_session, _program = found
    return _Loaded(
        program_session.name,
        await rows_repo.for_program_session(program_session.id),
        {"program_session_id": program_session.id},
    )


def _renumber(rows: Sequence[ExerciseTemplate]) -> None:
    for index, row in enumerate(rows):
        row.order_index = index


def _row(loaded: _Loaded, row_id: int) -> ExerciseTemplate:
    for row in loaded.rows:
        if row.id == row_id:
            return row
    raise NotFound(ROW_NOT_FOUND)


class TemplateService(LibraryService[SessionTemplate, TemplateSummary, TemplateView]):
    not_found = TEMPLATE_NOT_FOUND

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ---------------------------------------------------------------- templates

    async def create(self, telegram_id: int, name: str) -> TemplateView:
        clean = clean_title(name, "template", "Lower body A")
        return await self._create(
            telegram_id,
            lambda trainer_id: SessionTemplate(
                trainer_user_id=trainer_id, name=clean, created_by=trainer_id
            ),
        )

    async def get(self, telegram_id: int, template_id: int) -> TemplateView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            template = await self._owned(uow, template_id, trainer.id)
            rows = await uow.exercise_rows.for_template(template.id)
            return template_view(template, rows, trainer.units)

    async def set_detail(
        self, telegram_id: int, template_id: int, field: TemplateField, text: str | None
    ) -> TemplateView:
        """Change one detail; ``None`` clears it (the name cannot be cleared)."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            template = await self._owned(uow, template_id, trainer.id)
            if field is TemplateField.NAME:
                template.name = clean_title(text or "", "template", "Lower body A")
            elif field is TemplateField.DESCRIPTION:
                template.description = optional_text(text, NOTES_MAX)
            elif field is TemplateField.CATEGORY:
                template.category = optional_text(text, 64)
            elif field is TemplateField.DIFFICULTY:
                template.difficulty = parse_difficulty(text) if text else None
            elif field is TemplateField.DURATION:
                template.duration_minutes = parse_minutes(text) if text else None
            elif field is TemplateField.EQUIPMENT:
                template.equipment_needed = parse_list(text) if text else []
            else:
                template.notes = optional_text(text, NOTES_MAX)
            rows = await uow.exercise_rows.for_template(template.id)
            await uow.flush()
            view = template_view(template, rows, trainer.units)
            await uow.commit()
            return view

    # ---------------------------------------------------------------- prescribed exercises

    async def exercises(self, telegram_id: int, parent: Parent) -> ExerciseListView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            loaded = await load_parent(uow, trainer.id, parent)
            return ExerciseListView(
                parent, loaded.title, prescribed_views(loaded.rows, trainer.units), trainer.units
            )

    async def match_lines(self, telegram_id: int, text: str) -> tuple[LineMatch, ...]:
        """Parse a one-message entry and resolve each line's exercise name.

        Raises:
            InvalidInput: naming the first bad line and showing the expected form.
        """
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            prescriptions = _parse(text, trainer.units)
            visible = await uow.exercises.visible_to(trainer.id)
            lines = exercise_pieces(text)
            return tuple(
                LineMatch(index, lines[index], p, _fitting_match(visible, p, index, lines[index]))
                for index, p in enumerate(prescriptions)
            )

    async def add_lines(
        self, telegram_id: int, parent: Parent, text: str, chosen: Mapping[int, int]
    ) -> ExerciseListView:
        """Store a one-message entry. ``chosen`` maps a line index to the exercise picked for
        it; other lines must resolve on their own. Every exercise is re-checked."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            prescriptions = _parse(text, trainer.units)
            visible = await uow.exercises.visible_to(trainer.id)
            by_id = {e.id: e for e in visible}
            lines = exercise_pieces(text)
            items: list[tuple[Exercise, NewPrescribed]] = []
            for index, p in enumerate(prescriptions):
                exercise_id = chosen.get(index)
                if exercise_id is None:
                    resolved = _fitting_match(visible, p, index, lines[index]).exercise
                    if resolved is None:
                        raise Conflict(f"Which exercise is “{p.exercise_text}”? Pick one first.")
                    exercise_id = resolved.id
                exercise = by_id.get(exercise_id)
                if exercise is None:
                    raise NotFound(EXERCISE_NOT_FOUND)
                _check_fits(exercise.name, exercise.measure, p, index, lines[index])
                items.append((exercise, NewPrescribed(exercise.id, p, p.notes)))
            return await self._append(uow, trainer.id, trainer.units, parent, items)

    async def add_one(
        self, telegram_id: int, parent: Parent, item: NewPrescribed
    ) -> ExerciseListView:
        """Store one exercise entered step by step."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            exercise = await uow.exercises.get_visible(item.exercise_id, trainer.id)
            if exercise is None:
                raise NotFound(EXERCISE_NOT_FOUND)
            return await self._append(uow, trainer.id, trainer.units, parent, [(exercise, item)])

    async def move(
        self, telegram_id: int, parent: Parent, row_id: int, delta: int
    ) -> ExerciseListView:
        """Move an exercise up (-1) or down (+1); at either end it stays put."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            loaded = await load_parent(uow, trainer.id, parent)
            row = _row(loaded, row_id)
            rows = list(loaded.rows)
            index = rows.index(row)
            target = min(max(index + (1 if delta > 0 else -1), 0), len(rows) - 1)
            rows.insert(target, rows.pop(index))
            _renumber(rows)
            return await self._finish(uow, loaded.title, rows, trainer.units, parent)

    async def replace(
        self, telegram_id: int, parent: Parent, row_id: int, exercise_id: int
    ) -> ExerciseListView:
        """Swap the exercise of one row, keeping its targets."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            loaded = await load_parent(uow, trainer.id, parent)
            row = _row(loaded, row_id)
            exercise = await uow.exercises.get_visible(exercise_id, trainer.id)
            if exercise is None:
                raise NotFound(EXERCISE_NOT_FOUND)
            row.exercise_id = exercise.id
            row.exercise = exercise
            return await self._finish(uow, loaded.title, loaded.rows, trainer.units, parent)

    async def set_targets(
        self, telegram_id: int, parent: Parent, row_id: int, text: str
    ) -> ExerciseListView:
        """New targets for one row, typed like a line without the name: ``3x5 @100kg``."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            loaded = await load_parent(uow, trainer.id, parent)
            row = _row(loaded, row_id)
            line = " ".join(text.split())
            try:
                p = parse_template_text(f"{row.exercise.name} {line}", default_unit=trainer.units)
            except PrescriptionError as error:
                name = f"{row.exercise.name} "
                whole = error.fixed or ""
                fixed = whole[len(name) :] if whole.startswith(name) else None
                raise InvalidInput(
                    f"I couldn't read that: {error.message}.",
                    example=fixed or "3x5 @100kg rest 180",
                ) from None
            if len(p) != 1:
                raise InvalidInput("Send the targets on one line.", example="3x5 @100kg rest 180")
            apply_prescription(row, p[0])
            if p[0].notes:
                row.instructions = p[0].notes
            return await self._finish(uow, loaded.title, loaded.rows, trainer.units, parent)

    async def remove(self, telegram_id: int, parent: Parent, row_id: int) -> ExerciseListView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            loaded = await load_parent(uow, trainer.id, parent)
            row = _row(loaded, row_id)
            await uow.exercise_rows.delete(row)
            rows = [r for r in loaded.rows if r is not row]
            _renumber(rows)
            return await self._finish(uow, loaded.title, rows, trainer.units, parent)

    # ---------------------------------------------------------------- internals

    def _repo(self, uow: UnitOfWork) -> TemplateRepository:
        return uow.templates

    def _summary(self, item: SessionTemplate) -> TemplateSummary:
        return summary(item)

    def _new_view(self, item: SessionTemplate, units: Units) -> TemplateView:
        return template_view(item, [], units)

    def _twin(self, original: SessionTemplate, trainer_id: int) -> SessionTemplate:
        return SessionTemplate(
            trainer_user_id=trainer_id,
            name=copy_name(original.name),
            description=original.description,
            category=original.category,
            difficulty=original.difficulty,
            duration_minutes=original.duration_minutes,
            equipment_needed=list(original.equipment_needed or []),
            notes=original.notes,
            created_by=trainer_id,
        )

    async def _copy_content(
        self, uow: UnitOfWork, original: SessionTemplate, twin: SessionTemplate, units: Units
    ) -> TemplateView:
        rows_repo = uow.exercise_rows
        for row in await rows_repo.for_template(original.id):
            rows_repo.add(copy_row(row, session_template_id=twin.id))
        await uow.flush()
        return template_view(twin, await rows_repo.for_template(twin.id), units)

    async def _append(
        self,
        uow: UnitOfWork,
        trainer_id: int,
        unit: Units,
        parent: Parent,
        items: Sequence[tuple[Exercise, NewPrescribed]],
    ) -> ExerciseListView:
        loaded = await load_parent(uow, trainer_id, parent)
        if len(loaded.rows) + len(items) > MAX_EXERCISES:
            raise Conflict(
                f"A session holds at most {MAX_EXERCISES} exercises; this one has "
                f"{len(loaded.rows)}."
            )
        rows = list(loaded.rows)
        for exercise, item in items:
            row = ExerciseTemplate(
                exercise_id=exercise.id,
                order_index=len(rows),
                instructions=optional_text(item.instructions, TEXT_MAX),
                tips=optional_text(item.tips, TEXT_MAX),
                **loaded.parent_column,
            )
            apply_prescription(row, item.prescription)
            row.exercise = exercise
            uow.add(row)
            rows.append(row)
        return await self._finish(uow, loaded.title, rows, unit, parent)

    @staticmethod
    async def _finish(
        uow: UnitOfWork,
        title: str,
        rows: Sequence[ExerciseTemplate],
        unit: Units,
        parent: Parent,
    ) -> ExerciseListView:
        await uow.flush()
        view = ExerciseListView(parent, title, prescribed_views(rows, unit), unit)
        await uow.commit()
        return view


def _check_fits(name: str, measure: str, p: Prescription, index: int, line: str) -> None:
    """Refuse a line whose target the exercise can't take (reps with a load on a rower)."""
    try:
        check_target_fits(
            name,
            measure,
            reps=p.reps_min is not None,
            loaded=p.weight_kg is not None or p.percent_e1rm is not None,
        )
    except DomainError as error:
        raise InvalidInput(
            f"Line {index + 1} (“{line}”): {error.message}", example=error.example
        ) from None


def _fitting_match(
    visible: Sequence[Exercise], p: Prescription, index: int, line: str
) -> NameMatch:
    """The exercise a line names, checked against its target; unsure, the candidates that fit.

    A name that resolves to an exercise whose measure doesn't fit the target is refused. When
    the name needs a choice, exercises that could not take the target are left out, so
    ``Row 3x8 @60`` offers the barbell and cable rows, not the rowing machine.
    """
    match = match_name(visible, p.exercise_text, limit=2 * _CANDIDATES)
    if match.exercise is not None:
        _check_fits(match.exercise.name, match.exercise.measure, p, index, line)
        return replace(match, candidates=match.candidates[:_CANDIDATES])
    fitting = tuple(c for c in match.candidates if _fits(c, p))
    return replace(match, candidates=fitting[:_CANDIDATES])


def _fits(exercise: ExerciseView, p: Prescription) -> bool:
    try:
        _check_fits(exercise.name, exercise.measure, p, 0, "")
    except InvalidInput:
        return False
    return True


class UnreadableLine(InvalidInput):
    """One exercise of a typed template could not be read: which line, which part, and the
    line fixed when a fix can be made."""

    def __init__(self, error: PrescriptionError) -> None:
        super().__init__(str(error))
        self.line_no = error.line_no
        self.line = error.line
        self.problem = error.message
        self.part = error.part
        self.fixed = error.fixed


def _parse(text: str, unit: Units) -> tuple[Prescription, ...]:
    try:
        prescriptions = parse_template_text(text, default_unit=unit)
    except PrescriptionError as error:
        raise UnreadableLine(error) from None
    if len(prescriptions) > MAX_EXERCISES:
        raise InvalidInput(
            f"That is {len(prescriptions)} exercises; send at most {MAX_EXERCISES}.",
            example="Back squat 3x5 @100kg rest 180",
        )
    return prescriptions
