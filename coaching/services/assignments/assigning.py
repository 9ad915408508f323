"""Assigning a program to a client.

Assigning creates a program assignment and one coaching session per program session, placed on
the client's training days in the client's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coaching.domain.enums import AssignmentStatus, Permission, SessionStatus, SessionType
from coaching.domain.schedule import (
    PlannedSlot,
    ScheduleError,
    expand_schedule,
    format_weekdays,
    load_zone,
)
from coaching.domain.training_times import dump_training_days, format_training_days
from coaching.errors import InvalidInput, NotFound
from coaching.services.access import Access, check_access
from coaching.services.assignments.common import (
    DEFAULT_DURATION,
    NOT_YOUR_PROGRAM,
    PREVIEW_SESSIONS,
    AssignDraft,
    Assigned,
    AssignmentBase,
    AssignPreview,
    ClientTarget,
    PlannedLine,
    check_days,
    program_choice,
    session_title,
)
from storage.models import CoachingSession, Program, ProgramAssignment, ProgramSession, User
from storage.uow import UnitOfWork


class StartInThePast(InvalidInput):
    """The start date has already passed in the client's calendar."""

    def __init__(self, target: ClientTarget, start: date) -> None:
        self.client_name = target.name
        super().__init__(
            f"{start:%d %b %Y} has already passed for {target.name}. Pick today or a later date.",
            example="tomorrow",
        )


@dataclass(frozen=True, slots=True)
class _Plan:
    preview: AssignPreview
    slots: tuple[PlannedSlot, ...]
    program: Program
    access: Access
    trainer: User


class AssignmentService(AssignmentBase):
    """Previewing and storing an assignment of a program to a client."""

    async def preview(self, telegram_id: int, draft: AssignDraft) -> AssignPreview:
        """The schedule the draft would create, without storing anything."""
        async with self.ctx.uow() as uow:
            return (await self._plan(uow, telegram_id, draft)).preview

    async def assign(self, telegram_id: int, draft: AssignDraft) -> Assigned:
        """Create the assignment and its coaching sessions (status ASSIGNED)."""
        async with self.ctx.uow() as uow:
            plan = await self._plan(uow, telegram_id, draft)
            program, access, trainer = plan.program, plan.access, plan.trainer
            assignment = ProgramAssignment(
                relationship_id=access.relationship_id,
                program_id=program.id,
                name=program.name,
                description=program.description,
                assigned_by=trainer.id,
                assigned_at=self.ctx.clock.now(),
                start_date=draft.start_date,
                end_date=plan.preview.end_date,
                training_days=dump_training_days(draft.training_days),
                status=AssignmentStatus.ASSIGNED,
                goals="\n".join(program.goals) or None,
                created_by=trainer.id,
            )
            uow.assignments.add(assignment)
            await uow.flush()
            blueprint = {(s.week_number, s.session_number): s for s in program.sessions}
            created = [
                _coaching_session(
                    plan, assignment, blueprint[(slot.week_number, slot.session_number)], slot
                )
                for slot in plan.slots
            ]
            for row in created:
                uow.assignments.add(row)
            await self._refresh_reminders(uow, created)
            await uow.commit()
            client = await self._client_account(uow, access)
            return Assigned(
                assignment_id=assignment.id,
                preview=plan.preview,
                trainer_name=trainer.display_name,
                client_telegram_id=client.telegram_id if client else None,
            )

    async def _plan(self, uow: UnitOfWork, telegram_id: int, draft: AssignDraft) -> _Plan:
        trainer = await self._trainer(uow, telegram_id)
        access = await check_access(
            uow, trainer.id, draft.client_profile_id, Permission.ASSIGN_PROGRAMS
        )
        program = await uow.assignments.program_of(draft.program_id, trainer.id)
        if program is None:
            raise NotFound(NOT_YOUR_PROGRAM)
        choice = program_choice(program)
        if not choice.session_count:
            raise InvalidInput(
                f"“{program.name}” has no sessions yet. Add sessions in /programs first."
            )
        check_days(choice, draft.weekdays)
        target = await self._target(uow, trainer, draft.client_profile_id)
        if draft.start_date < target.today:
            raise StartInThePast(target, draft.start_date)
        try:
            slots = expand_schedule(
                start_date=draft.start_date,
                tz=target.timezone,
                training_days=draft.training_days,
                sessions=[(s.week_number, s.session_number) for s in program.sessions],
            )
        except ScheduleError as error:
            raise InvalidInput(str(error)) from error
        preview = _preview(draft, target, trainer, program, slots)
        return _Plan(preview, slots, program, access, trainer)


def _preview(
    draft: AssignDraft,
    target: ClientTarget,
    trainer: User,
    program: Program,
    slots: tuple[PlannedSlot, ...],
) -> AssignPreview:
    names = {(s.week_number, s.session_number): s.name for s in program.sessions}
    client_zone, trainer_zone = load_zone(target.timezone), load_zone(trainer.timezone)
    return AssignPreview(
        client_name=target.name,
        program_name=program.name,
        client_timezone=target.timezone,
        trainer_timezone=trainer.timezone,
        start_date=draft.start_date,
        end_date=slots[-1].local_date,
        days=format_weekdays(draft.weekdays),
        training_days=tuple(sorted(draft.training_days, key=lambda d: d.weekday)),
        schedule=format_training_days(draft.training_days),
        total=len(slots),
        first=tuple(
            PlannedLine(
                week=slot.week_number,
                session=slot.session_number,
                name=names[(slot.week_number, slot.session_number)],
                client_time=slot.starts_at_utc.astimezone(client_zone),
                trainer_time=slot.starts_at_utc.astimezone(trainer_zone),
            )
            for slot in slots[:PREVIEW_SESSIONS]
        ),
    )


def _coaching_session(
    plan: _Plan, assignment: ProgramAssignment, source: ProgramSession, slot: PlannedSlot
) -> CoachingSession:
    return CoachingSession(
        relationship_id=plan.access.relationship_id,
        assignment_id=assignment.id,
        program_session_id=source.id,
        title=session_title(plan.program.name, source),
        description=source.description,
        scheduled_at=slot.starts_at_utc,
        duration_minutes=source.estimated_duration or DEFAULT_DURATION,
        session_type=source.session_type or SessionType.TRAINING,
        status=SessionStatus.SCHEDULED,
        focus_areas=[source.focus_area] if source.focus_area else [],
        created_by=plan.trainer.id,
    )
