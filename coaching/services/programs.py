"""Programs: weeks of blueprint sessions, copied from templates or built ad hoc.

A program session owns its exercise rows (copied from a template when it is made from one), so
later weeks can differ: "repeat week 1 for weeks 2–4, adding 2.5 kg each week" copies the
sessions and raises their loads week on week (see ``coaching.domain.progression``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from coaching.domain.enums import Difficulty, Units
from coaching.domain.plurals import plural
from coaching.domain.progression import (
    MAX_PROGRAM_WEEKS,
    Increment,
    LoadTarget,
    ProgressionError,
    WeekStep,
    plan_repeat,
    plate_step_kg,
    progress_load,
)
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exercises import acting_trainer
from coaching.services.library import LibraryService, copy_name
from coaching.services.templates import (
    SESSION_NOT_FOUND,
    TEMPLATE_NOT_FOUND,
    Parent,
    ParentKind,
    PrescribedView,
    clean_title,
    copy_row,
    optional_text,
    parse_difficulty,
    parse_list,
    parse_minutes,
    prescribed_views,
)
from storage.models import NOTES_MAX, ExerciseTemplate, Program, ProgramSession
from storage.repositories.programs import ProgramRepository
from storage.uow import UnitOfWork

PROGRAM_NOT_FOUND = "I can't find that program among yours."
MAX_SESSIONS_PER_WEEK = 14
MAX_LINES = 15


class ProgramField(StrEnum):
    NAME = "name"
    DESCRIPTION = "description"
    DIFFICULTY = "difficulty"
    WEEKS = "weeks"
    GOALS = "goals"


class SessionField(StrEnum):
    NAME = "name"
    FOCUS = "focus"
    DURATION = "duration"
    WARMUP = "warmup"
    COOLDOWN = "cooldown"


@dataclass(frozen=True, slots=True)
class NewProgram:
    name: str
    description: str | None = None
    difficulty: Difficulty | None = None
    duration_weeks: int = 4
    goals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProgramSummary:
    id: int
    name: str
    duration_weeks: int
    difficulty: Difficulty | None


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    week: int
    number: int
    name: str
    focus_area: str | None
    estimated_duration: int | None


@dataclass(frozen=True, slots=True)
class ProgramView:
    id: int
    name: str
    description: str | None
    difficulty: Difficulty | None
    duration_weeks: int
    goals: tuple[str, ...]
    sessions: tuple[SessionSummary, ...]
    units: Units

    def week(self, week: int) -> tuple[SessionSummary, ...]:
        return tuple(s for s in self.sessions if s.week == week)


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    program_id: int
    program_name: str
    duration_weeks: int
    week: int
    number: int
    name: str
    focus_area: str | None
    estimated_duration: int | None
    warmup: tuple[str, ...]
    cooldown: tuple[str, ...]
    exercises: tuple[PrescribedView, ...]
    units: Units

    @property
    def parent(self) -> Parent:
        return Parent(ParentKind.SESSION, self.id)


@dataclass(frozen=True, slots=True)
class RepeatPreview:
    source_sessions: int
    occupied_weeks: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RepeatResult:
    program: ProgramView
    filled_weeks: tuple[int, ...]
    kept_weeks: tuple[int, ...]
    sessions_copied: int


def parse_weeks(text: str) -> int:
    """A program length: ``4`` or ``4 weeks``, 1 to 52."""
    match = re.fullmatch(r"\s*(\d{1,3})\s*(?:w|wk|wks|weeks?)?\s*", text, re.IGNORECASE)
    if match is None or not 1 <= int(match[1]) <= MAX_PROGRAM_WEEKS:
        raise InvalidInput(
            f"Send the length in weeks, 1 to {MAX_PROGRAM_WEEKS}.", example="4 or 12 weeks"
        )
    return int(match[1])


def parse_lines(text: str) -> list[str]:
    """Free-text lines (warm-up, cool-down): one item per line, blank lines dropped."""
    lines = [" ".join(line.split())[:200] for line in text.splitlines()]
    lines = [line.lstrip("-•* ").strip() for line in lines]
    lines = [line for line in lines if line]
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"Send at most {MAX_LINES} lines.", example="5 min bike")
    return lines


def _summary(s: ProgramSession) -> SessionSummary:
    return SessionSummary(
        id=s.id,
        week=s.week_number,
        number=s.session_number,
        name=s.name,
        focus_area=s.focus_area,
        estimated_duration=s.estimated_duration,
    )


def program_view(program: Program, sessions: Sequence[ProgramSession], unit: Units) -> ProgramView:
    ordered = sorted(sessions, key=lambda s: (s.week_number, s.session_number))
    return ProgramView(
        id=program.id,
        name=program.name,
        description=program.description,
        difficulty=program.difficulty,
        duration_weeks=program.duration_weeks,
        goals=tuple(program.goals or ()),
        sessions=tuple(_summary(s) for s in ordered),
        units=unit,
    )


def session_view(
    program: Program, s: ProgramSession, rows: Sequence[ExerciseTemplate], unit: Units
) -> SessionView:
    return SessionView(
        id=s.id,
        program_id=program.id,
        program_name=program.name,
        duration_weeks=program.duration_weeks,
        week=s.week_number,
        number=s.session_number,
        name=s.name,
        focus_area=s.focus_area,
        estimated_duration=s.estimated_duration,
        warmup=tuple(s.warmup or ()),
        cooldown=tuple(s.cooldown or ()),
        exercises=prescribed_views(rows, unit),
        units=unit,
    )


def _copy_session(s: ProgramSession, program_id: int, week: int, number: int) -> ProgramSession:
    return ProgramSession(
        program_id=program_id,
        session_template_id=s.session_template_id,
        trainer_user_id=s.trainer_user_id,
        name=s.name,
        description=s.description,
        session_type=s.session_type,
        focus_area=s.focus_area,
        estimated_duration=s.estimated_duration,
        warmup=list(s.warmup or []),
        cooldown=list(s.cooldown or []),
        week_number=week,
        session_number=number,
        created_by=s.created_by,
    )


class ProgramService(LibraryService[Program, ProgramSummary, ProgramView]):
    not_found = PROGRAM_NOT_FOUND

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # ---------------------------------------------------------------- programs

    async def create(self, telegram_id: int, new: NewProgram) -> ProgramView:
        name = clean_title(new.name, "program", "Strength block 1")
        if not 1 <= new.duration_weeks <= MAX_PROGRAM_WEEKS:
            raise InvalidInput(
                f"A program runs 1 to {MAX_PROGRAM_WEEKS} weeks.", example="4 or 12 weeks"
            )
        description = optional_text(new.description, NOTES_MAX)
        return await self._create(
            telegram_id,
            lambda trainer_id: Program(
                trainer_user_id=trainer_id,
                name=name,
                description=description,
                difficulty=new.difficulty,
                duration_weeks=new.duration_weeks,
                goals=list(new.goals),
                created_by=trainer_id,
            ),
        )

    async def get(self, telegram_id: int, program_id: int) -> ProgramView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program = await self._owned(uow, program_id, trainer.id, sessions=True)
            return program_view(program, program.sessions, trainer.units)

    async def set_detail(
        self, telegram_id: int, program_id: int, field: ProgramField, text: str | None
    ) -> ProgramView:
        """Change one detail; ``None`` clears it (name and length cannot be cleared)."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program = await self._owned(uow, program_id, trainer.id, sessions=True)
            if field is ProgramField.NAME:
                program.name = clean_title(text or "", "program", "Strength block 1")
            elif field is ProgramField.DESCRIPTION:
                program.description = optional_text(text, NOTES_MAX)
            elif field is ProgramField.DIFFICULTY:
                program.difficulty = parse_difficulty(text) if text else None
            elif field is ProgramField.WEEKS:
                weeks = parse_weeks(text or "")
                used = max((s.week_number for s in program.sessions), default=0)
                if used > weeks:
                    raise Conflict(
                        f"Week {used} has sessions. Remove them first, or keep at least "
                        f"{used} weeks."
                    )
                program.duration_weeks = weeks
            else:
                program.goals = parse_list(text) if text else []
            await uow.flush()
            view = program_view(program, program.sessions, trainer.units)
            await uow.commit()
            return view

    # ---------------------------------------------------------------- sessions

    async def add_session(
        self,
        telegram_id: int,
        program_id: int,
        week: int,
        *,
        template_id: int | None = None,
        name: str | None = None,
    ) -> SessionView:
        """Add a session as the next number in ``week``: a copy of a template's exercises,
        or an empty ad hoc session called ``name``."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program = await self._owned(uow, program_id, trainer.id, sessions=True)
            if not 1 <= week <= program.duration_weeks:
                raise InvalidInput(
                    f"This program has {plural(program.duration_weeks, 'week')}; pick one of them.",
                    example="1",
                )
            in_week = [s.session_number for s in program.sessions if s.week_number == week]
            if len(in_week) >= MAX_SESSIONS_PER_WEEK:
                raise Conflict(f"Week {week} already has {MAX_SESSIONS_PER_WEEK} sessions.")
            number = max(in_week, default=0) + 1
            program_session = ProgramSession(
                program_id=program.id,
                trainer_user_id=trainer.id,
                week_number=week,
                session_number=number,
                created_by=trainer.id,
                name="",
            )
            rows: list[ExerciseTemplate] = []
            rows_repo = uow.exercise_rows
            if template_id is not None:
                template = await uow.templates.get_owned(template_id, trainer.id)
                if template is None:
                    raise NotFound(TEMPLATE_NOT_FOUND)
                program_session.session_template_id = template.id
                program_session.name = template.name
                program_session.description = template.description
                program_session.estimated_duration = template.duration_minutes
                program_session.focus_area = template.category
                template_rows = await rows_repo.for_template(template.id)
            else:
                program_session.name = clean_title(name or "", "session", "Lower body A")
                template_rows = []
            uow.programs.add_session(program_session)
            await uow.flush()
            for row in template_rows:
                copied = copy_row(row, program_session_id=program_session.id)
                copied.exercise = row.exercise
                rows_repo.add(copied)
                rows.append(copied)
            await uow.flush()
            view = session_view(program, program_session, rows, trainer.units)
            await uow.commit()
            return view

    async def session(self, telegram_id: int, program_session_id: int) -> SessionView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program_session, program = await self._session(uow, program_session_id, trainer.id)
            rows = await uow.exercise_rows.for_program_session(program_session.id)
            return session_view(program, program_session, rows, trainer.units)

    async def set_session_detail(
        self, telegram_id: int, program_session_id: int, field: SessionField, text: str | None
    ) -> SessionView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program_session, program = await self._session(uow, program_session_id, trainer.id)
            if field is SessionField.NAME:
                program_session.name = clean_title(text or "", "session", "Lower body A")
            elif field is SessionField.FOCUS:
                program_session.focus_area = optional_text(text, 120)
            elif field is SessionField.DURATION:
                program_session.estimated_duration = parse_minutes(text) if text else None
            elif field is SessionField.WARMUP:
                program_session.warmup = parse_lines(text) if text else []
            else:
                program_session.cooldown = parse_lines(text) if text else []
            rows = await uow.exercise_rows.for_program_session(program_session.id)
            await uow.flush()
            view = session_view(program, program_session, rows, trainer.units)
            await uow.commit()
            return view

    async def remove_session(self, telegram_id: int, program_session_id: int) -> ProgramView:
        """Delete a session and renumber the rest of its week."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program_session, program = await self._session(uow, program_session_id, trainer.id)
            repo = uow.programs
            week = program_session.week_number
            in_week = await repo.sessions_in_weeks(program.id, [week])
            doomed = next(s for s in in_week if s.id == program_session.id)
            await repo.delete_session(doomed)
            await uow.flush()
            for number, kept in enumerate((s for s in in_week if s is not doomed), start=1):
                kept.session_number = number
                await uow.flush()
            view = program_view(program, await repo.sessions_of(program.id), trainer.units)
            await uow.commit()
            return view

    # ---------------------------------------------------------------- repeat with progression

    async def repeat_preview(
        self, telegram_id: int, program_id: int, source_week: int, first: int, last: int
    ) -> RepeatPreview:
        """How many sessions would be copied, and which target weeks already have sessions."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program = await self._owned(uow, program_id, trainer.id, sessions=True)
            steps = _plan(source_week, first, last, program.duration_weeks)
            source = _source_sessions(program.sessions, source_week)
            targets = {step.week for step in steps}
            occupied = sorted({s.week_number for s in program.sessions if s.week_number in targets})
            return RepeatPreview(len(source), tuple(occupied))

    async def repeat_week(
        self,
        telegram_id: int,
        program_id: int,
        source_week: int,
        first: int,
        last: int,
        increment: Increment,
        *,
        replace_existing: bool,
    ) -> RepeatResult:
        """Copy week ``source_week`` into weeks ``first``–``last``, each week's loads raised by
        one more ``increment``. Weeks that already have sessions are replaced, or kept as they
        are when ``replace_existing`` is false."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            program = await self._owned(uow, program_id, trainer.id)
            steps = _plan(source_week, first, last, program.duration_weeks)
            repo = uow.programs
            weeks = [source_week, *(step.week for step in steps)]
            existing = await repo.sessions_in_weeks(program.id, weeks)
            source = _source_sessions(existing, source_week)
            occupied = {s.week_number for s in existing if s.week_number != source_week}
            kept = tuple(sorted(occupied)) if not replace_existing else ()
            if replace_existing:
                for doomed in (s for s in existing if s.week_number in occupied):
                    await repo.delete_session(doomed)
                await uow.flush()
            step_kg = plate_step_kg(trainer.units)
            filled: list[int] = []
            for step in (step for step in steps if step.week not in kept):
                progress = _Progress(increment, step.steps, step_kg)
                for s in source:
                    await self._copy_session_into(uow, s, program.id, step.week, progress)
                filled.append(step.week)
            await uow.flush()
            result = RepeatResult(
                program=program_view(program, await repo.sessions_of(program.id), trainer.units),
                filled_weeks=tuple(filled),
                kept_weeks=kept,
                sessions_copied=len(filled) * len(source),
            )
            await uow.commit()
            return result

    # ---------------------------------------------------------------- internals

    def _repo(self, uow: UnitOfWork) -> ProgramRepository:
        return uow.programs

    def _summary(self, item: Program) -> ProgramSummary:
        return ProgramSummary(item.id, item.name, item.duration_weeks, item.difficulty)

    def _new_view(self, item: Program, units: Units) -> ProgramView:
        return program_view(item, [], units)

    def _twin(self, original: Program, trainer_id: int) -> Program:
        return Program(
            trainer_user_id=trainer_id,
            name=copy_name(original.name),
            description=original.description,
            difficulty=original.difficulty,
            duration_weeks=original.duration_weeks,
            goals=list(original.goals or []),
            created_by=trainer_id,
        )

    async def _original(self, uow: UnitOfWork, item_id: int, trainer_id: int) -> Program:
        return await self._owned(uow, item_id, trainer_id, exercises=True)

    async def _copy_content(
        self, uow: UnitOfWork, original: Program, twin: Program, units: Units
    ) -> ProgramView:
        copies = await self._copy_sessions(uow, original.sessions, twin.id)
        return program_view(twin, copies, units)

    async def _owned(
        self,
        uow: UnitOfWork,
        item_id: int,
        trainer_id: int,
        *,
        sessions: bool = False,
        exercises: bool = False,
    ) -> Program:
        program = await uow.programs.get_owned(
            item_id, trainer_id, with_sessions=sessions, with_exercises=exercises
        )
        if program is None:
            raise NotFound(PROGRAM_NOT_FOUND)
        return program

    @staticmethod
    async def _session(
        uow: UnitOfWork, program_session_id: int, trainer_id: int
    ) -> tuple[ProgramSession, Program]:
        found = await uow.programs.get_session_owned(program_session_id, trainer_id)
        if found is None:
            raise NotFound(SESSION_NOT_FOUND)
        return found

    @classmethod
    async def _copy_sessions(
        cls, uow: UnitOfWork, sources: Sequence[ProgramSession], program_id: int
    ) -> list[ProgramSession]:
        """Copies of ``sources`` and their exercises (loaded) in another program."""
        copies = [
            await cls._copy_session_into(uow, source, program_id, source.week_number)
            for source in sources
        ]
        await uow.flush()
        return copies

    @staticmethod
    async def _copy_session_into(
        uow: UnitOfWork,
        source: ProgramSession,
        program_id: int,
        week: int,
        progress: _Progress | None = None,
    ) -> ProgramSession:
        """A copy of ``source`` and its exercises as the same session number of ``week``,
        with the loads raised by ``progress`` when given."""
        twin = _copy_session(source, program_id, week, source.session_number)
        uow.programs.add_session(twin)
        await uow.flush()
        for row in source.exercises:
            new_row = copy_row(row, program_session_id=twin.id)
            if progress is not None:
                progress.apply(row, new_row)
            uow.add(new_row)
        return twin


@dataclass(frozen=True, slots=True)
class _Progress:
    """How far one repeated week's loads rise over the source week's."""

    increment: Increment
    steps: int
    step_kg: Decimal

    def apply(self, source: ExerciseTemplate, copy: ExerciseTemplate) -> None:
        load = progress_load(
            LoadTarget(source.target_weight_kg, source.target_percent_e1rm, source.bodyweight),
            self.increment,
            self.steps,
            step_kg=self.step_kg,
        )
        copy.target_weight_kg = load.weight_kg
        copy.target_percent_e1rm = load.percent_e1rm


def _source_sessions(sessions: Sequence[ProgramSession], week: int) -> list[ProgramSession]:
    """The sessions of the week to repeat; a Conflict when it has none."""
    source = [s for s in sessions if s.week_number == week]
    if not source:
        raise Conflict(f"Week {week} has no sessions to repeat yet.")
    return source


def _plan(source_week: int, first: int, last: int, duration_weeks: int) -> tuple[WeekStep, ...]:
    try:
        return plan_repeat(source_week, first, last, duration_weeks=duration_weeks)
    except ProgressionError as error:
        raise InvalidInput(error.message, example=error.example) from None
