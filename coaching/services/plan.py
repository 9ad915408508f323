"""What a client sees of their calendar: /today, /plan and the .ics export.

Also home of :func:`planned_exercises`, the one answer to "which exercises, with which
targets, does this client do in this coaching session": the program session's exercises with
the client's own swaps (program modifications) applied. Live logging uses it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from coaching.domain.enums import RelationshipStatus, SessionStatus, SessionType, SetType, Units
from coaching.domain.ics import CalendarEvent, build_calendar, session_uid
from coaching.domain.plurals import plural
from coaching.domain.prescription import Prescription, format_prescription
from coaching.domain.schedule import load_zone, local_to_utc
from coaching.domain.sets import SetEntry, format_set
from coaching.domain.workouts import change_line
from coaching.services.access import person_profiles
from coaching.services.base import Service, ServiceContext
from storage.models import (
    CoachingSession,
    Exercise,
    ExerciseTemplate,
    ProgramModification,
    ProgramSession,
    SetRecord,
    User,
)
from storage.uow import UnitOfWork

PLAN_DAYS = 14
# What a client's calendar shows: sessions that will (or did) take place.
SHOWN_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS, SessionStatus.COMPLETED)
UPCOMING_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)
CLIENT_RELATIONSHIPS = (
    RelationshipStatus.PENDING,
    RelationshipStatus.ACTIVE,
    RelationshipStatus.PAUSED,
)


# --- effective exercises ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EffectiveExercise:
    """One exercise of a coaching session as this client does it (swaps applied)."""

    exercise_template_id: int
    order_index: int
    exercise_id: int
    name: str
    measure: str
    prescription: Prescription
    instructions: str | None
    tips: str | None
    original_exercise_id: int | None = None
    """The program's exercise when it was swapped for this client, else ``None``."""
    original_name: str | None = None
    swap_reason: str | None = None

    @property
    def swapped(self) -> bool:
        return self.original_exercise_id is not None


def prescription_of(template: ExerciseTemplate, name: str) -> Prescription:
    """An exercise template's targets as a :class:`Prescription` (loads are stored in kg)."""
    reps_min = template.reps_min if template.reps_min is not None else template.reps_max
    reps_max = template.reps_max if template.reps_max is not None else template.reps_min
    return Prescription(
        exercise_text=name,
        sets=template.target_sets,
        reps_min=reps_min,
        reps_max=reps_max,
        weight_kg=template.target_weight_kg,
        percent_e1rm=template.target_percent_e1rm,
        bodyweight=template.bodyweight,
        rpe=template.target_rpe,
        rir=template.target_rir,
        rest_s=template.rest_seconds,
        duration_s=template.duration_s,
        distance_m=template.distance_m,
        notes=template.notes,
        entered_unit=Units.KG,
    )


def format_target(prescription: Prescription, unit: Units) -> str:
    """The targets of one exercise, e.g. ``3×5 @ 100 kg, rest 3:00``, in the viewer's unit."""
    if (
        prescription.reps_min is None
        and prescription.duration_s is None
        and prescription.distance_m is None
    ):
        sets = prescription.sets
        return f"{sets} set{'s' if sets != 1 else ''}"
    return format_prescription(prescription, unit)


def apply_modifications(
    program_session: ProgramSession,
    modifications: Sequence[ProgramModification],
    exercises: dict[int, Exercise],
) -> list[EffectiveExercise]:
    """The program session's exercises with the swaps applied, in program order.

    Swaps are applied in the order they were made, each to the exercise currently in place, so
    a later swap of the replacement (squat → leg press → goblet squat) chains. A swap made for
    "all sessions" has no program session.
    """
    result: list[EffectiveExercise] = []
    for template in program_session.exercises:
        current = template.exercise_id
        reason: str | None = None
        for mod in modifications:
            applies = mod.program_session_id in (None, program_session.id)
            if applies and mod.original_exercise_id == current:
                current = mod.replacement_exercise_id
                reason = mod.reason
        exercise = exercises.get(current, template.exercise)
        swapped = current != template.exercise_id
        result.append(
            EffectiveExercise(
                exercise_template_id=template.id,
                order_index=template.order_index,
                exercise_id=current,
                name=exercise.name,
                measure=exercise.measure,
                prescription=prescription_of(template, exercise.name),
                instructions=template.instructions,
                tips=template.tips,
                original_exercise_id=template.exercise_id if swapped else None,
                original_name=template.exercise.name if swapped else None,
                swap_reason=reason if swapped else None,
            )
        )
    return result


async def program_session_exercises(
    uow: UnitOfWork, program_session_id: int, assignment_id: int | None
) -> list[EffectiveExercise]:
    """A program session's exercises as the client of ``assignment_id`` does them.

    A day the trainer edited on its own is a copy with the swaps made so far already in it, so
    the assignment's swaps are not applied to it again (see ``coaching.services.workouts``).
    """
    repo = uow.calendar
    program_session = await repo.program_session(program_session_id)
    if program_session is None:
        return []
    modifications = (
        await repo.modifications(assignment_id)
        if assignment_id and not await uow.workouts.is_day_copy(program_session, assignment_id)
        else []
    )
    exercises = await repo.exercises_by_id([m.replacement_exercise_id for m in modifications])
    return apply_modifications(program_session, modifications, exercises)


async def planned_exercises(uow: UnitOfWork, coaching_session_id: int) -> list[EffectiveExercise]:
    """The exercises, with targets, that this coaching session holds for its client.

    The program session's exercises in order, with every swap made for the client (a
    :class:`~storage.models.ProgramModification` of the session's assignment, for this program
    session or for all of them) applied. A session without a program session (an assessment,
    say) has none. Runs inside the caller's unit of work; does not check access.
    """
    row = await uow.get(CoachingSession, coaching_session_id)
    if row is None or row.program_session_id is None:
        return []
    return await program_session_exercises(uow, row.program_session_id, row.assignment_id)


# --- what the client sees ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LastTime:
    sets: str
    """E.g. ``100 kg × 5, 5, 4``, in the client's unit."""
    on: date
    """The client's local date."""


@dataclass(frozen=True, slots=True)
class ExerciseLine:
    name: str
    target: str
    instructions: str | None
    tips: str | None
    last_time: LastTime | None
    swapped_from: str | None
    exercise_id: int = 0


@dataclass(frozen=True, slots=True)
class SessionLine:
    id: int
    title: str
    starts_at: datetime
    """In the client's time zone."""
    duration_minutes: int
    session_type: SessionType
    status: SessionStatus
    trainer_name: str
    location: str | None
    focus_areas: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TodaySession:
    session: SessionLine
    description: str | None
    warmup: tuple[str, ...]
    cooldown: tuple[str, ...]
    exercises: tuple[ExerciseLine, ...]
    changes: tuple[str, ...] = ()
    """What the trainer changed in this day's workout for the client, oldest first."""


@dataclass(frozen=True, slots=True)
class TodayView:
    is_client: bool
    timezone: str
    today: date
    sessions: tuple[TodaySession, ...] = ()
    next_session: SessionLine | None = None


@dataclass(frozen=True, slots=True)
class PlanView:
    is_client: bool
    timezone: str
    start: date
    end: date
    days: tuple[tuple[date, tuple[SessionLine, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class CalendarFile:
    filename: str
    data: bytes
    count: int


def format_last_sets(sets: Sequence[SetRecord], unit: Units) -> str:
    """A compact record of one exercise's sets: ``100 kg × 5, 5, 4`` or one entry per set."""
    work = [s for s in sets if s.set_type is not SetType.WARMUP] or list(sets)
    entries = [
        SetEntry(
            reps=s.reps,
            weight_kg=s.weight_kg,
            bodyweight=s.bodyweight,
            entered_unit=s.entered_unit,
            duration_s=s.duration_s,
            distance_m=s.distance_m,
        )
        for s in work
    ]
    if entries and all(e.reps is not None for e in entries):
        loads = {
            format_set(SetEntry(None, e.weight_kg, e.bodyweight, e.entered_unit), unit)
            for e in entries
        }
        if len(loads) == 1:
            load = loads.pop()
            reps = ", ".join(str(e.reps) for e in entries)
            if load != "—":
                return f"{load} × {reps}"
            only = entries[0].reps if len(entries) == 1 else None
            return plural(only, "rep") if only is not None else f"{reps} reps"
    return ", ".join(format_set(e, unit) for e in entries)


class PlanService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def today(self, telegram_id: int) -> TodayView:
        """Today's sessions in the client's time zone, with exercises and last performances."""
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(telegram_id)
            user = actor.user if actor else None
            now = self.ctx.clock.now()
            tz = user.timezone if user is not None else self.ctx.default_timezone
            zone = load_zone(tz)
            today = now.astimezone(zone).date()
            profiles = await person_profiles(uow, user.id) if user else []
            if user is None or not (user.is_client or profiles):
                return TodayView(is_client=False, timezone=tz, today=today)
            repo = uow.calendar
            day_start = local_to_utc(datetime.combine(today, time()), zone)
            day_end = local_to_utc(datetime.combine(today + timedelta(days=1), time()), zone)
            rows = await repo.of_client(
                user.id, day_start, day_end, SHOWN_STATUSES, CLIENT_RELATIONSHIPS
            )
            sessions: list[TodaySession] = []
            for row, trainer in rows:
                sessions.append(
                    await self._today_session(uow, row, trainer, user, profiles, day_start)
                )
            next_session: SessionLine | None = None
            if not sessions:
                upcoming = await repo.of_client(
                    user.id, now, None, UPCOMING_STATUSES, CLIENT_RELATIONSHIPS, limit=1
                )
                next_session = _line(upcoming[0][0], upcoming[0][1], tz) if upcoming else None
            return TodayView(
                is_client=True,
                timezone=tz,
                today=today,
                sessions=tuple(sessions),
                next_session=next_session,
            )

    async def _today_session(
        self,
        uow: UnitOfWork,
        row: CoachingSession,
        trainer: User,
        user: User,
        profiles: Sequence[int],
        before: datetime,
    ) -> TodaySession:
        repo = uow.calendar
        exercises = await planned_exercises(uow, row.id)
        last = await repo.last_sets(profiles, [e.exercise_id for e in exercises], before)
        program_session = (
            await uow.get(ProgramSession, row.program_session_id)
            if row.program_session_id
            else None
        )
        zone = load_zone(user.timezone)
        lines = tuple(
            ExerciseLine(
                name=e.name,
                target=format_target(e.prescription, user.units),
                instructions=e.instructions,
                tips=e.tips,
                last_time=(
                    LastTime(
                        format_last_sets(last[e.exercise_id], user.units),
                        last[e.exercise_id][-1].performed_at.astimezone(zone).date(),
                    )
                    if e.exercise_id in last
                    else None
                ),
                swapped_from=e.original_name,
                exercise_id=e.exercise_id,
            )
            for e in exercises
        )
        return TodaySession(
            session=_line(row, trainer, user.timezone),
            description=row.description,
            warmup=tuple(program_session.warmup) if program_session else (),
            cooldown=tuple(program_session.cooldown) if program_session else (),
            exercises=lines,
            changes=tuple(
                change_line(c.summary, c.reason) for c in await uow.workouts.changes([row.id])
            ),
        )

    async def plan(self, telegram_id: int, days: int = PLAN_DAYS) -> PlanView:
        """The client's sessions from today through the next ``days`` days, grouped by day."""
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(telegram_id)
            user = actor.user if actor else None
            tz = user.timezone if user is not None else self.ctx.default_timezone
            zone = load_zone(tz)
            today = self.ctx.clock.now().astimezone(zone).date()
            end = today + timedelta(days=days)
            profiles = await person_profiles(uow, user.id) if user else []
            if user is None or not (user.is_client or profiles):
                return PlanView(is_client=False, timezone=tz, start=today, end=end)
            rows = await uow.calendar.of_client(
                user.id,
                local_to_utc(datetime.combine(today, time()), zone),
                local_to_utc(datetime.combine(end, time()), zone),
                SHOWN_STATUSES,
                CLIENT_RELATIONSHIPS,
            )
            grouped: dict[date, list[SessionLine]] = {}
            for row, trainer in rows:
                line = _line(row, trainer, tz)
                grouped.setdefault(line.starts_at.date(), []).append(line)
            return PlanView(
                is_client=True,
                timezone=tz,
                start=today,
                end=end - timedelta(days=1),
                days=tuple((day, tuple(items)) for day, items in sorted(grouped.items())),
            )

    async def calendar_file(self, telegram_id: int) -> CalendarFile | None:
        """An .ics file of every upcoming session; ``None`` for someone who is not a client."""
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(telegram_id)
            user = actor.user if actor else None
            if user is None:
                return None
            profiles = await person_profiles(uow, user.id)
            if not (user.is_client or profiles):
                return None
            now = self.ctx.clock.now()
            rows = await uow.calendar.of_client(
                user.id, now - timedelta(hours=12), None, UPCOMING_STATUSES, CLIENT_RELATIONSHIPS
            )
            events = [
                CalendarEvent(
                    uid=session_uid(row.id),
                    title=row.title,
                    starts_at=row.scheduled_at,
                    duration_min=row.duration_minutes,
                    description=_ics_description(row, trainer),
                    location=row.location,
                    status="CONFIRMED",
                )
                for row, trainer in rows
                if row.scheduled_at + timedelta(minutes=row.duration_minutes) > now
            ]
            data = build_calendar(
                events, calendar_name=f"Spotter: {user.first_name}'s training", now=now
            )
            return CalendarFile(filename="plan.ics", data=data, count=len(events))


def _line(row: CoachingSession, trainer: User, tz: str) -> SessionLine:
    return SessionLine(
        id=row.id,
        title=row.title,
        starts_at=row.scheduled_at.astimezone(load_zone(tz)),
        duration_minutes=row.duration_minutes,
        session_type=row.session_type,
        status=row.status,
        trainer_name=trainer.display_name,
        location=row.location,
        focus_areas=tuple(row.focus_areas or ()),
    )


def _ics_description(row: CoachingSession, trainer: User) -> str:
    parts = [f"With {trainer.display_name}"]
    if row.focus_areas:
        parts.append("Focus: " + ", ".join(row.focus_areas))
    if row.goals:
        parts.append("Goals: " + ", ".join(row.goals))
    if row.description:
        parts.append(row.description)
    return "\n".join(parts)
