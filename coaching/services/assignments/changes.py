"""The trainer's changes to a client's assignment: swap an exercise for this client only, shift
the schedule, or cancel the assignment. Each one tells the client what changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from coaching.domain.enums import AssignmentStatus, Permission, SessionStatus
from coaching.domain.plurals import plural
from coaching.domain.schedule import PlannedSlot, load_zone, shift_slots
from coaching.domain.training_times import (
    dump_training_days,
    load_training_days,
    shift_training_days,
)
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.assignments.common import (
    REASON_MAX,
    SHIFT_MAX_DAYS,
    AssignmentBase,
    Authorised,
    ChangeNotice,
    ExerciseChoice,
    check_transition_to,
)
from coaching.services.plan import program_session_exercises
from storage.models import CoachingSession, ProgramAssignment, ProgramModification, ProgramSession
from storage.uow import UnitOfWork

NEXT_TIMES_SHOWN = 3


class ShiftIntoThePast(InvalidInput):
    """Shifting by ``days`` would move a session to a moment that has passed."""

    def __init__(self, days: int) -> None:
        self.days = days
        super().__init__(
            f"Moving by {plural(days, 'day')} would put a session in the past. "
            "Pick a smaller shift.",
            example="1",
        )


class AssignmentChanges(AssignmentBase):
    async def check_change(self, telegram_id: int, assignment_id: int) -> None:
        """Refuse early unless the trainer may still change this assignment for the client."""
        async with self.ctx.uow() as uow:
            found = await self._assignment(
                uow, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            check_transition_to(found.assignment, AssignmentStatus.MODIFIED)

    async def swap_options(
        self, telegram_id: int, assignment_id: int, program_session_id: int | None
    ) -> tuple[ExerciseChoice, ...]:
        """The exercises (as the client does them now) that can be swapped in this scope."""
        async with self.ctx.uow() as uow:
            found = await self._assignment(
                uow, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            check_transition_to(found.assignment, AssignmentStatus.MODIFIED)
            return await _swap_options(uow, found.assignment, program_session_id)

    async def swap(
        self,
        telegram_id: int,
        assignment_id: int,
        program_session_id: int | None,
        original_exercise_id: int,
        replacement_exercise_id: int,
        reason: str,
    ) -> ChangeNotice:
        """Swap an exercise for this client only; the assignment becomes MODIFIED."""
        reason = _checked_reason(reason)
        async with self.ctx.uow() as uow:
            found = await self._assignment(
                uow, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            trainer, assignment = found.trainer, found.assignment
            check_transition_to(assignment, AssignmentStatus.MODIFIED)
            options = await _swap_options(uow, assignment, program_session_id)
            original = next((o for o in options if o.id == original_exercise_id), None)
            if original is None:
                raise NotFound("That exercise is not in this program for this client any more.")
            replacement = await uow.exercises.get_visible(replacement_exercise_id, trainer.id)
            if replacement is None:
                raise NotFound("I can't find that exercise in your catalogue.")
            if replacement.id == original.id:
                raise InvalidInput(
                    f"That is {original.name} already. Pick a different exercise.",
                    example="leg press",
                )
            uow.assignments.add(
                ProgramModification(
                    assignment_id=assignment.id,
                    program_session_id=program_session_id,
                    original_exercise_id=original.id,
                    replacement_exercise_id=replacement.id,
                    reason=reason,
                    modified_by=trainer.id,
                    modified_at=self.ctx.clock.now(),
                )
            )
            assignment.status = AssignmentStatus.MODIFIED
            scope = _scope(await _program_session(uow, program_session_id))
            await uow.commit()
            return await self._notice(
                uow,
                found,
                f"{original.name} → {replacement.name} {scope}. Reason: {reason}",
            )

    async def shift(self, telegram_id: int, assignment_id: int, days: int) -> ChangeNotice:
        """Move every future scheduled session by ``days`` days, keeping the local time."""
        if days == 0 or abs(days) > SHIFT_MAX_DAYS:
            raise InvalidInput(
                f"Shift by a whole number of days between -{SHIFT_MAX_DAYS} and "
                f"{SHIFT_MAX_DAYS}, not 0.",
                example="3 (later) or -2 (earlier)",
            )
        async with self.ctx.uow() as uow:
            found = await self._assignment(
                uow, telegram_id, assignment_id, Permission.MODIFY_WORKOUTS
            )
            assignment = found.assignment
            check_transition_to(assignment, AssignmentStatus.MODIFIED)
            client = await self._client_account(uow, found.access)
            tz = client.timezone if client else found.trainer.timezone
            sessions = await uow.assignments.sessions_of(assignment.id)
            movable, moved = self._moved(sessions, days, tz)
            for row, slot in zip(movable, moved, strict=True):
                row.scheduled_at = slot.starts_at_utc
            _follow_shift(assignment, sessions, days, tz)
            await self._refresh_reminders(uow, movable)
            await uow.commit()
            zone = load_zone(tz)
            direction = "later" if days > 0 else "earlier"
            next_times = sorted(slot.starts_at_utc.astimezone(zone) for slot in moved)
            return await self._notice(
                uow,
                found,
                f"{plural(len(movable), 'upcoming session')} moved "
                f"{plural(abs(days), 'day')} {direction}",
                count=len(movable),
                next_times=tuple(next_times[:NEXT_TIMES_SHOWN]),
                single=await self._is_single(uow, assignment.id),
            )

    def _moved(
        self, sessions: Sequence[CoachingSession], days: int, tz: str
    ) -> tuple[list[CoachingSession], tuple[PlannedSlot, ...]]:
        """The upcoming scheduled sessions, and where shifting them by ``days`` puts them."""
        now = self.ctx.clock.now()
        movable = [
            s for s in sessions if s.status is SessionStatus.SCHEDULED and s.scheduled_at > now
        ]
        if not movable:
            raise Conflict("This program has no upcoming sessions left to move.")
        moved = shift_slots(
            [PlannedSlot(0, s.id, s.scheduled_at, s.scheduled_at.date()) for s in movable],
            days,
            tz,
        )
        if any(slot.starts_at_utc <= now for slot in moved):
            raise ShiftIntoThePast(days)
        return movable, moved

    async def cancel(self, telegram_id: int, assignment_id: int) -> ChangeNotice:
        """Cancel the assignment and its upcoming sessions."""
        async with self.ctx.uow() as uow:
            found = await self._assignment(uow, telegram_id, assignment_id, None)
            assignment = found.assignment
            check_transition_to(assignment, AssignmentStatus.CANCELLED)
            now = self.ctx.clock.now()
            sessions = await uow.assignments.sessions_of(assignment.id)
            single = await self._is_single(uow, assignment.id)
            cancelled_rows: list[CoachingSession] = []
            for row in sessions:
                if row.status is SessionStatus.SCHEDULED and row.scheduled_at > now:
                    row.status = SessionStatus.CANCELLED
                    row.status_reason = f"The {'workout' if single else 'program'} was cancelled."
                    cancelled_rows.append(row)
            cancelled = len(cancelled_rows)
            assignment.status = AssignmentStatus.CANCELLED
            await self._refresh_reminders(uow, cancelled_rows)
            await uow.commit()
            return await self._notice(
                uow,
                found,
                f"{cancelled} upcoming session{'s' if cancelled != 1 else ''} cancelled",
                count=cancelled,
                single=single,
            )

    async def _notice(
        self,
        uow: UnitOfWork,
        found: Authorised,
        summary: str,
        *,
        count: int = 0,
        next_times: tuple[datetime, ...] = (),
        single: bool = False,
    ) -> ChangeNotice:
        """What changed, for the trainer's reply and the client's notice."""
        client = await self._client_account(uow, found.access)
        profile, _account = await uow.assignments.client_account(found.access.client_profile_id)
        return ChangeNotice(
            assignment_name=found.assignment.name,
            trainer_name=found.trainer.display_name,
            client_name=profile.name,
            client_telegram_id=client.telegram_id if client else None,
            client_timezone=client.timezone if client else found.trainer.timezone,
            summary=summary,
            count=count,
            next_times=next_times,
            single=single,
        )


def _checked_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(
            "Please give a reason for the swap; the client sees it.",
            example="knee pain on deep flexion",
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Please keep the reason under {REASON_MAX} characters.")
    return reason


async def _program_session(
    uow: UnitOfWork, program_session_id: int | None
) -> ProgramSession | None:
    if program_session_id is None:
        return None
    return await uow.get(ProgramSession, program_session_id)


def _scope(program_session: ProgramSession | None) -> str:
    """Where a swap applies, as the client reads it."""
    if program_session is None:
        return "in every session"
    ps = program_session
    return f"in W{ps.week_number} S{ps.session_number} · {ps.name}"


def _follow_shift(
    assignment: ProgramAssignment, sessions: Sequence[CoachingSession], days: int, tz: str
) -> None:
    """The assignment's training days and dates after its sessions moved by ``days``."""
    if days % 7:
        # The upcoming sessions now fall on other weekdays, at the same times.
        assignment.training_days = dump_training_days(
            shift_training_days(load_training_days(assignment.training_days), days)
        )
    zone = load_zone(tz)
    live_dates = [
        s.scheduled_at.astimezone(zone).date()
        for s in sessions
        if s.status not in (SessionStatus.CANCELLED, SessionStatus.RESCHEDULED)
    ]
    if live_dates:
        assignment.start_date = min(assignment.start_date, min(live_dates))
        assignment.end_date = max(live_dates)
    assignment.status = AssignmentStatus.MODIFIED


async def _swap_options(
    uow: UnitOfWork, assignment: ProgramAssignment, program_session_id: int | None
) -> tuple[ExerciseChoice, ...]:
    if assignment.program_id is None:
        raise Conflict("The program behind this assignment was deleted, so nothing can be swapped.")
    program_sessions = await uow.assignments.program_sessions(assignment.program_id)
    if program_session_id is not None:
        program_sessions = [ps for ps in program_sessions if ps.id == program_session_id]
        if not program_sessions:
            raise NotFound("That session is not part of this program.")
    seen: dict[int, ExerciseChoice] = {}
    for ps in program_sessions:
        for item in await program_session_exercises(uow, ps.id, assignment.id):
            seen.setdefault(item.exercise_id, ExerciseChoice(item.exercise_id, item.name))
    return tuple(seen.values())
