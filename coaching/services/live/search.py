"""Search, add and swap: exercises named mid-session, added or swapped in."""

from __future__ import annotations

from coaching.errors import InvalidInput, NotFound
from coaching.services.live.common import (
    LivePart,
    _first_time,
    _Loaded,
    _ordered,
    _set_meta,
    _unambiguous,
)
from coaching.services.live.errors import (
    MAX_REASON,
    ReasonNeeded,
)
from coaching.services.live.views import (
    ExerciseChoice,
    NamedResult,
    TurnView,
)
from storage.models import (
    Exercise,
    ExerciseRecord,
    ProgramModification,
    SessionRecord,
)
from storage.uow import UnitOfWork


class SearchPart(LivePart):
    """Search, add and swap: exercises named mid-session, added or swapped in."""

    async def search(
        self, telegram_id: int, record_id: int, query: str
    ) -> tuple[ExerciseChoice, ...]:
        """Exercises matching ``query`` (built-ins and the trainer's own), best first."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            loaded = await self._load(uow, user, record_id, live_only=True)
            return await self._search(uow, loaded, query)

    async def _search(
        self, uow: UnitOfWork, loaded: _Loaded, query: str
    ) -> tuple[ExerciseChoice, ...]:
        return await self._search_for(uow, loaded.record.trainer_user_id, query)

    async def exercise_named(
        self, telegram_id: int, record_id: int, text: str, op_key: str
    ) -> NamedResult:
        """An exercise's name typed mid-session (``bench press``, ``rdl``).

        Without doubt (see :func:`_unambiguous`) the session moves to it if it is open there,
        else it is added at the end (see :meth:`_add_or_switch`). Anything less certain
        changes nothing and returns the matches as ``choices`` to confirm with a button.
        """
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            loaded = await self._load(uow, user, record_id, live_only=True)
            hits = await self._hits(uow, loaded.record.trainer_user_id, text, same_lift=True)
            chosen = _unambiguous(hits, loaded.record)
            if chosen is None:
                choices = tuple(ExerciseChoice(int(hit.key), hit.name) for hit in hits)
                return NamedResult(await self._view(uow, loaded), choices=choices)
            switched = False
            if _first_time(loaded.record, op_key):
                exercise = await self._exercise(uow, loaded, chosen)
                switched = await self._add_or_switch(uow, loaded, exercise)
                await uow.flush()
            view = await self._view(uow, loaded)
            await uow.commit()
            return NamedResult(view, added=not switched, switched=switched)

    async def add_exercise(
        self, telegram_id: int, record_id: int, exercise_id: int, op_key: str
    ) -> TurnView:
        """Add an exercise at the end of the session and make it current.

        An exercise the session already has open is not added twice: the session moves to it.
        """

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            exercise = await self._exercise(uow, loaded, exercise_id)
            await self._add_or_switch(uow, loaded, exercise)

        return await self._change(telegram_id, record_id, op_key, change)

    async def _add_or_switch(self, uow: UnitOfWork, loaded: _Loaded, exercise: Exercise) -> bool:
        """Make ``exercise`` current: its open row if any (true), else a new row at the end."""
        rows = _ordered(loaded.record)
        for row in rows:
            if row.exercise_id == exercise.id and not (row.completed or row.skipped):
                _set_meta(loaded.record, current=row.id)
                return True
        added = ExerciseRecord(
            exercise_id=exercise.id,
            exercise_name=exercise.name[:100],
            order_index=(rows[-1].order_index + 1) if rows else 0,
            sets=[],
        )
        loaded.record.exercises.append(added)
        await uow.flush()
        _set_meta(loaded.record, current=added.id)
        return False

    async def swap(
        self,
        telegram_id: int,
        record_id: int,
        exercise_id: int,
        op_key: str,
        reason: str | None = None,
    ) -> TurnView:
        """Swap the current exercise; in a program session the reason is recorded.

        With sets already logged, those stay with the old exercise and the replacement takes
        the rest of its plan. Raises :class:`ReasonNeeded` when a reason is required.
        """
        cleaned = " ".join((reason or "").split())
        if len(cleaned) > MAX_REASON:
            raise InvalidInput(
                f"That reason is too long (at most {MAX_REASON} characters).",
                example="Knee pain on deep squats",
            )

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            record = loaded.record
            row = self._current_row(loaded)
            exercise = await self._exercise(uow, loaded, exercise_id)
            if exercise.id == row.exercise_id:
                raise InvalidInput(
                    f"That is already {row.exercise_name}: pick a different exercise.",
                    example="leg press",
                )
            assignment_id = await self._assignment_of(uow, record)
            if assignment_id is not None and not cleaned:
                raise ReasonNeeded(row.exercise_name, exercise.name)
            note = f"Swapped from {row.exercise_name}" + (f": {cleaned}" if cleaned else "")
            if assignment_id is not None:
                uow.add(
                    ProgramModification(
                        assignment_id=assignment_id,
                        program_session_id=record.program_session_id,
                        original_exercise_id=row.exercise_id,
                        replacement_exercise_id=exercise.id,
                        reason=cleaned,
                        modified_by=loaded.user.id,
                        modified_at=self.ctx.clock.now(),
                    )
                )
            if not row.sets:
                row.exercise_id = exercise.id
                row.exercise_name = exercise.name[:100]
                row.modification_notes = note
                _set_meta(record, current=row.id)
                return
            row.completed = True
            row.completed_at = self.ctx.clock.now()
            for other in record.exercises:
                if other.order_index > row.order_index:
                    other.order_index += 1
            replacement = ExerciseRecord(
                exercise_template_id=row.exercise_template_id,
                exercise_id=exercise.id,
                exercise_name=exercise.name[:100],
                order_index=row.order_index + 1,
                modification_notes=note,
                sets=[],
            )
            record.exercises.append(replacement)
            await uow.flush()
            _set_meta(record, current=replacement.id)

        return await self._change(telegram_id, record_id, op_key, change)

    async def _assignment_of(self, uow: UnitOfWork, record: SessionRecord) -> int | None:
        if record.coaching_session_id is None:
            return None
        coaching = await uow.live.get_coaching_session(record.coaching_session_id)
        return coaching.assignment_id if coaching is not None else None

    async def _exercise(self, uow: UnitOfWork, loaded: _Loaded, exercise_id: int) -> Exercise:
        exercise = await uow.exercises.get_visible(exercise_id, loaded.record.trainer_user_id)
        if exercise is None:
            raise NotFound("I can't find that exercise. Search again by name.")
        return exercise
