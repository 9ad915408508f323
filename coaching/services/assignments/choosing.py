"""Choosing what to assign: the client, the program, the start and the training times, and a
replacement exercise for a swap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from coaching.domain.catalogue import SearchCandidate, search_exercises
from coaching.domain.enums import Permission
from coaching.domain.schedule import TrainingDay
from coaching.domain.training_times import TrainingTimesError, parse_training_times
from coaching.domain.when import WhenError, parse_local_date
from coaching.errors import InvalidInput, NotFound
from coaching.services.access import check_access
from coaching.services.assignments.common import (
    NOT_YOUR_PROGRAM,
    PAGE_SIZE,
    AssignmentBase,
    ClientChoice,
    ClientPage,
    ClientTarget,
    ExerciseChoice,
    ProgramChoice,
    program_choice,
)


class AssignmentChoices(AssignmentBase):
    async def client_page(self, telegram_id: int, page: int = 0) -> ClientPage:
        """One page of the trainer's active clients."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            page = max(page, 0)
            rows, total = await uow.assignments.active_clients(
                trainer.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            pages = max(1, -(-total // PAGE_SIZE))
            if page >= pages and total:
                return await self.client_page(telegram_id, pages - 1)
            return ClientPage(
                items=tuple(ClientChoice(p.id, p.name) for p, _ in rows),
                page=page,
                pages=pages,
                total=total,
            )

    async def client_target(self, telegram_id: int, client_profile_id: int) -> ClientTarget:
        """The client to assign to; refuses unless they let this trainer assign programs."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            await check_access(uow, trainer.id, client_profile_id, Permission.ASSIGN_PROGRAMS)
            return await self._target(uow, trainer, client_profile_id)

    async def programs(self, telegram_id: int) -> tuple[ProgramChoice, ...]:
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            rows = await uow.assignments.programs_of(trainer.id)
            return tuple(program_choice(p) for p in rows)

    async def program(self, telegram_id: int, program_id: int) -> ProgramChoice:
        """One of the trainer's programs that can be assigned (it has sessions)."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            program = await uow.assignments.program_of(program_id, trainer.id)
            if program is None:
                raise NotFound(NOT_YOUR_PROGRAM)
            choice = program_choice(program)
            if not choice.session_count:
                raise InvalidInput(
                    f"“{program.name}” has no sessions yet, so there is nothing to schedule. "
                    "Add sessions in /programs first, or pick another program."
                )
            return choice

    def start_date(self, target: ClientTarget, text: str) -> date:
        """A start date typed by the trainer, read in the client's calendar."""
        try:
            return parse_local_date(text, today=target.today, allow_past=False)
        except WhenError as error:
            raise InvalidInput(str(error)) from error

    @staticmethod
    def training_times(text: str, weekdays: Sequence[int]) -> tuple[TrainingDay, ...]:
        """The start time of each picked weekday: one time for all (``07:00``) or a time per
        day (``mon 7:00, wed 18:30, fri 7am``), in the client's wall-clock time."""
        try:
            return parse_training_times(text, weekdays)
        except TrainingTimesError as error:
            raise InvalidInput(str(error)) from error

    async def find_replacements(self, telegram_id: int, query: str) -> tuple[ExerciseChoice, ...]:
        """Catalogue exercises (built-in and the trainer's own) the text most likely names."""
        text = query.strip()
        if len(text) < 2:
            raise InvalidInput("Type at least two letters of the exercise.", example="leg press")
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            rows = await uow.exercises.visible_to(trainer.id)
            candidates = tuple(SearchCandidate(r.id, r.name, tuple(r.aliases)) for r in rows)
            hits = search_exercises(text[:100], candidates, limit=6)
            if not hits:
                raise InvalidInput(
                    f"I couldn't find an exercise like “{text[:60]}”.", example="leg press"
                )
            return tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)
