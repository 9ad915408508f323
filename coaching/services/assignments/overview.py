"""The trainer's running assignments, and one assignment in detail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from coaching.domain.enums import SessionStatus
from coaching.domain.schedule import load_zone
from coaching.domain.training_times import format_training_days, load_training_days
from coaching.services.access import check_access
from coaching.services.assignments.common import (
    FINAL_ASSIGNMENTS,
    LIVE_ASSIGNMENTS,
    AssignmentBase,
    AssignmentDetail,
    AssignmentSummary,
    ProgramSessionChoice,
)
from storage.models import CoachingSession, ProgramAssignment, ProgramSession
from storage.uow import UnitOfWork

UPCOMING_SHOWN = 3


class AssignmentOverview(AssignmentBase):
    async def current(
        self, telegram_id: int, client_profile_id: int | None = None
    ) -> tuple[AssignmentSummary, ...]:
        """The trainer's assignments that are still running, newest first (of one client)."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            if client_profile_id is not None:
                await check_access(uow, trainer.id, client_profile_id)
            rows = await uow.assignments.of_trainer(trainer.id, LIVE_ASSIGNMENTS)
            rows = [(a, p) for a, p in rows if client_profile_id in (None, p.id)]
            single = await uow.workouts.single_workouts([a.id for a, _ in rows])
            return tuple(
                AssignmentSummary(
                    a.id, a.name, p.name, a.status, a.start_date, a.end_date, a.id in single
                )
                for a, p in rows
            )

    async def detail(self, telegram_id: int, assignment_id: int) -> AssignmentDetail:
        async with self.ctx.uow() as uow:
            found = await self._assignment(uow, telegram_id, assignment_id, None)
            assignment, trainer = found.assignment, found.trainer
            sessions = await uow.assignments.sessions_of(assignment.id)
            live = [s for s in sessions if s.status is not SessionStatus.RESCHEDULED]
            program_sessions = (
                await uow.assignments.program_sessions(assignment.program_id)
                if assignment.program_id
                else []
            )
            profile, _account = await uow.assignments.client_account(found.access.client_profile_id)
            return AssignmentDetail(
                id=assignment.id,
                name=assignment.name,
                client_name=profile.name,
                status=assignment.status,
                start_date=assignment.start_date,
                end_date=assignment.end_date,
                days=format_training_days(load_training_days(assignment.training_days)) or "—",
                timezone=trainer.timezone,
                done=sum(1 for s in live if s.status is SessionStatus.COMPLETED),
                total=sum(1 for s in live if s.status is not SessionStatus.CANCELLED),
                upcoming=self._upcoming(live, trainer.timezone),
                swaps=await _swaps(uow, assignment, program_sessions),
                program_sessions=tuple(
                    ProgramSessionChoice(
                        ps.id, f"W{ps.week_number} S{ps.session_number} · {ps.name}"
                    )
                    for ps in program_sessions
                ),
                is_final=assignment.status in FINAL_ASSIGNMENTS,
                single=await self._is_single(uow, assignment.id),
            )

    def _upcoming(
        self, live: Sequence[CoachingSession], timezone: str
    ) -> tuple[tuple[datetime, str], ...]:
        """The next few scheduled sessions, in the trainer's time zone."""
        now = self.ctx.clock.now()
        zone = load_zone(timezone)
        return tuple(
            (s.scheduled_at.astimezone(zone), s.title)
            for s in live
            if s.status is SessionStatus.SCHEDULED and s.scheduled_at >= now
        )[:UPCOMING_SHOWN]


async def _swaps(
    uow: UnitOfWork, assignment: ProgramAssignment, program_sessions: Sequence[ProgramSession]
) -> tuple[str, ...]:
    """The assignment's swaps, one line each, in the order they were made."""
    ps_names = {ps.id: f"W{ps.week_number} S{ps.session_number}" for ps in program_sessions}
    exercise_names = {
        t.exercise_id: t.exercise.name for ps in program_sessions for t in ps.exercises
    }
    mods = await uow.assignments.modifications(assignment.id)
    rows = await uow.calendar.exercises_by_id(
        [m.replacement_exercise_id for m in mods] + [m.original_exercise_id for m in mods]
    )
    exercise_names.update({key: row.name for key, row in rows.items()})
    return tuple(
        f"{exercise_names.get(m.original_exercise_id, '?')} → "
        f"{exercise_names.get(m.replacement_exercise_id, '?')} "
        f"({ps_names.get(m.program_session_id or 0, 'all sessions')}): {m.reason}"
        for m in mods
    )
