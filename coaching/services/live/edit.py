"""Editing the live session: RPE, form, set types, undo, skip, next, timer, notes."""

from __future__ import annotations

from decimal import Decimal

from coaching.domain.enums import (
    SetType,
)
from coaching.domain.live import (
    next_exercise_key,
    rest_seconds,
)
from coaching.errors import InvalidInput
from coaching.services.live.common import (
    LivePart,
    _Loaded,
    _meta,
    _set_meta,
    _states,
)
from coaching.services.live.errors import (
    MAX_NOTE,
)
from coaching.services.live.views import (
    TurnView,
)
from storage.uow import UnitOfWork


class EditPart(LivePart):
    """Editing the live session: RPE, form, set types, undo, skip, next, timer, notes."""

    # ------------------------------------------------------------------ editing the session

    async def rate_last_set(
        self, telegram_id: int, record_id: int, rpe: int, op_key: str
    ) -> TurnView:
        """RPE (6–10) for the set just logged."""
        if not 1 <= rpe <= 10:
            raise InvalidInput("RPE goes from 1 to 10.", example="8")

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            last = self._last_set(loaded)
            last.rpe = Decimal(rpe)
            last.rir = None

        return await self._change(telegram_id, record_id, op_key, change)

    async def mark_set_type(
        self, telegram_id: int, record_id: int, set_type: SetType, which: str, op_key: str
    ) -> TurnView:
        """Mark the ``last`` set, or the ``next`` one, as warm-up, drop or failure."""

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            if which == "next":
                current = _meta(loaded.record).get("next_type")
                chosen = None if current == set_type.value else set_type.value
                _set_meta(loaded.record, next_type=chosen)
                return
            last = self._last_set(loaded)
            last.set_type = SetType.NORMAL if last.set_type is set_type else set_type

        return await self._change(telegram_id, record_id, op_key, change)

    async def rate_form(
        self, telegram_id: int, record_id: int, rating: int, op_key: str
    ) -> TurnView:
        """Form rating 1–5 for the current exercise."""
        if not 1 <= rating <= 5:
            raise InvalidInput("Form is rated from 1 to 5.", example="4")

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            self._current_row(loaded).form_rating = rating

        return await self._change(telegram_id, record_id, op_key, change)

    async def undo(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        """Delete the most recent set of the session; its exercise becomes current again."""

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            last = self._last_set(loaded)
            row = next(e for e in loaded.record.exercises if e.id == last.exercise_record_id)
            row.sets.remove(last)
            row.completed = False
            row.completed_at = None
            row.skipped = False
            _set_meta(loaded.record, current=row.id)

        return await self._change(telegram_id, record_id, op_key, change)

    async def skip(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            row.skipped = True
            following = next_exercise_key(_states(loaded), row.id)
            _set_meta(loaded.record, current=following)

        return await self._change(telegram_id, record_id, op_key, change)

    async def next_exercise(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        """Done with this exercise (skipped if nothing was logged); on to the next open one."""

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            if row.sets:
                row.completed = True
                row.completed_at = self.ctx.clock.now()
            else:
                row.skipped = True
            following = next_exercise_key(_states(loaded), row.id)
            _set_meta(loaded.record, current=following)

        return await self._change(telegram_id, record_id, op_key, change)

    async def toggle_timer(self, telegram_id: int, record_id: int, op_key: str) -> TurnView:
        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            meta = _meta(loaded.record)
            current = self._current_state(loaded)
            on = rest_seconds(current.target if current else None, meta.get("timer")) is not None
            _set_meta(loaded.record, timer=not on)

        return await self._change(telegram_id, record_id, op_key, change)

    async def add_note(self, telegram_id: int, record_id: int, text: str, op_key: str) -> TurnView:
        """A form note on the current exercise (kept with earlier notes)."""
        note = " ".join(text.split())
        if not note:
            raise InvalidInput("The note is empty.", example="Knees caving on rep 4")
        if len(note) > MAX_NOTE:
            raise InvalidInput(
                f"That note is too long ({len(note)} characters; at most {MAX_NOTE}).",
                example="Knees caving on rep 4",
            )

        async def change(uow: UnitOfWork, loaded: _Loaded) -> None:
            row = self._current_row(loaded)
            row.notes = f"{row.notes}\n{note}" if row.notes else note

        return await self._change(telegram_id, record_id, op_key, change)
