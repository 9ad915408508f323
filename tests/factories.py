"""Rows for tests that need people already in place (written straight to the database).

Flows that create these rows have their own tests; other features start from here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application

from bot.application import SpotterApplication
from bot.dispatch import dispatch_due
from coaching.clock import ManualClock
from coaching.domain.alerts import AlertDraft
from coaching.domain.client_profile import ClientDraft
from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    InviteStatus,
    MediaKind,
    RecordStatus,
    RelationshipStatus,
    RelationshipType,
    ReminderKind,
    Role,
    SetType,
    Units,
)
from coaching.domain.permissions import PermissionFlags
from coaching.domain.training_times import same_time
from coaching.services.alerts import AlertService, on_injury, raise_alert
from coaching.services.assignments import AssignDraft, AssignmentService
from coaching.services.base import ServiceContext
from coaching.services.clients import ClientService
from coaching.services.profiles import ProfileService
from coaching.services.reminders import reminders_for_session_changed
from coaching.services.users import TelegramIdentity, UserService
from storage.models import (
    ClientAlert,
    ClientProfile,
    CoachingSession,
    ConversationState,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    Invite,
    InviteAttempt,
    Measurement,
    MediaNote,
    PermissionSet,
    Program,
    ProgramAssignment,
    ProgramSession,
    ProgressPhoto,
    Relationship,
    Reminder,
    SessionRecord,
    SessionTemplate,
    SetRecord,
    TrainerProfile,
    TrainingFeedback,
    User,
    UserData,
)
from storage.repositories.exercises import ExerciseRepository
from storage.uow import UnitOfWork
from tests.conftest import START
from tests.fakes.chat import ChatSimulator, Reply, SimUser


async def make_user(
    session_factory: async_sessionmaker[AsyncSession],
    telegram_id: int,
    first_name: str,
    *,
    trainer: bool = False,
    client: bool = False,
    timezone: str = "UTC",
    units: Units = Units.KG,
    quiet_hours: bool = True,
) -> User:
    """An onboarded user; a trainer also gets a trainer profile. ``quiet_hours=False`` turns
    off the default 22:00–07:00 quiet hours (notices then arrive at any local time)."""
    async with session_factory() as session:
        user = User(
            telegram_id=telegram_id,
            first_name=first_name,
            is_trainer=trainer,
            is_client=client,
            onboarded=True,
            timezone=timezone,
            units=units,
        )
        session.add(user)
        await session.flush()
        if not quiet_hours:
            user.quiet_start = user.quiet_end = None
        if trainer:
            session.add(TrainerProfile(user_id=user.id, created_by=user.id))
        await session.commit()
        return user


@dataclass(frozen=True)
class Coaching:
    trainer: User
    client: User | None
    profile: ClientProfile
    relationship: Relationship


async def make_coaching(
    session_factory: async_sessionmaker[AsyncSession],
    trainer: User,
    client: User | None,
    *,
    name: str | None = None,
    status: RelationshipStatus = RelationshipStatus.ACTIVE,
    flags: PermissionFlags | None = None,
    start: date | None = None,
) -> Coaching:
    """A client profile of ``trainer`` (linked to ``client`` if given) and a relationship."""
    flags = flags or PermissionFlags()
    async with session_factory() as session:
        profile = ClientProfile(
            trainer_user_id=trainer.id,
            user_id=client.id if client else None,
            name=name or (client.first_name if client else "Walk-in Client"),
            created_by=trainer.id,
        )
        session.add(profile)
        await session.flush()
        relationship = Relationship(
            trainer_user_id=trainer.id,
            client_profile_id=profile.id,
            status=status,
            relationship_type=RelationshipType.IN_PERSON,
            start_date=start or date(2026, 11, 1),
            created_by=trainer.id,
        )
        session.add(relationship)
        await session.flush()
        session.add(PermissionSet(relationship_id=relationship.id, **flags.as_dict()))
        await session.commit()
        return Coaching(trainer=trainer, client=client, profile=profile, relationship=relationship)


async def client_sets(
    session_factory: async_sessionmaker[AsyncSession], profile_id: int
) -> list[tuple[Decimal, int]]:
    """The client's sets as stored, (weight in kg, reps), in the order they were written."""
    async with session_factory() as session:
        rows = await session.execute(
            select(SetRecord.weight_kg, SetRecord.reps)
            .where(SetRecord.client_profile_id == profile_id)
            .order_by(SetRecord.id)
        )
        return [(Decimal(str(weight)), int(str(reps))) for weight, reps in rows]


async def start_squats(trainer: SimUser, client_name: str) -> None:
    """Through /log: an unplanned session for ``client_name``, on Barbell Back Squat."""
    await trainer.send("/log")
    await trainer.press(client_name)
    await trainer.press("Unplanned session")
    await trainer.send("squat")
    if "Which one did you mean" in trainer.last_reply.text:
        await trainer.press("Barbell Back Squat")
    assert "Barbell Back Squat" in trainer.last_reply.text, trainer.transcript()


# --------------------------------------------------------------------------- live logging
# Programs, appointments and logged sessions written straight to the database, and the live
# card in a chat (first used by the /log tests, shared by every test that logs).

Factory = async_sessionmaker[AsyncSession]
LIVE_PREFIXES = ("lg:fin:", "lg:b:", "lg:fy:")


@dataclass(frozen=True)
class Planned:
    coaching_session_id: int
    program_session_id: int
    assignment_id: int
    exercise_ids: tuple[int, ...]


async def exercise_id(factory: Factory, slug: str) -> int:
    async with factory() as session:
        found = await session.execute(select(Exercise.id).where(Exercise.slug == slug))
        return int(found.scalar_one())


async def plan_session(
    factory: Factory,
    coaching: Coaching,
    *,
    at: datetime,
    title: str = "Lower A",
    exercises: tuple[tuple[str, int, int, str | None, int | None], ...] = (
        ("barbell-back-squat", 3, 5, "100", 180),
        ("romanian-deadlift", 2, 8, "80", None),
    ),
    rpe: str | None = "8",
) -> Planned:
    """A program with one session, assigned to the client and booked at ``at``.

    ``exercises`` are (slug, sets, reps, weight kg or None, rest seconds or None).
    """
    trainer_id = coaching.trainer.id
    async with factory() as session:
        program = Program(trainer_user_id=trainer_id, name="Strength", created_by=trainer_id)
        session.add(program)
        await session.flush()
        block = ProgramSession(
            program_id=program.id,
            trainer_user_id=trainer_id,
            name=title,
            week_number=1,
            session_number=1,
            created_by=trainer_id,
        )
        session.add(block)
        await session.flush()
        ids: list[int] = []
        for index, (slug, sets, reps, weight, rest) in enumerate(exercises):
            found = await session.execute(select(Exercise.id).where(Exercise.slug == slug))
            ex_id = int(found.scalar_one())
            ids.append(ex_id)
            session.add(
                ExerciseTemplate(
                    program_session_id=block.id,
                    exercise_id=ex_id,
                    order_index=index,
                    target_sets=sets,
                    reps_min=reps,
                    reps_max=reps,
                    target_weight_kg=Decimal(weight) if weight else None,
                    target_rpe=Decimal(rpe) if rpe else None,
                    rest_seconds=rest,
                )
            )
        assignment = ProgramAssignment(
            relationship_id=coaching.relationship.id,
            program_id=program.id,
            name="Strength",
            assigned_by=trainer_id,
            start_date=date(2026, 11, 23),
            created_by=trainer_id,
        )
        session.add(assignment)
        await session.flush()
        booked = CoachingSession(
            relationship_id=coaching.relationship.id,
            assignment_id=assignment.id,
            program_session_id=block.id,
            title=title,
            scheduled_at=at,
            created_by=trainer_id,
        )
        session.add(booked)
        await session.commit()
        return Planned(booked.id, block.id, assignment.id, tuple(ids))


async def records(factory: Factory, profile_id: int | None = None) -> list[SessionRecord]:
    async with factory() as session:
        statement = select(SessionRecord).order_by(SessionRecord.id)
        if profile_id is not None:
            statement = statement.where(SessionRecord.client_profile_id == profile_id)
        return list((await session.execute(statement)).scalars())


async def sets_of(factory: Factory, record_id: int) -> list[SetRecord]:
    async with factory() as session:
        rows = await session.execute(
            select(SetRecord)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(ExerciseRecord.session_record_id == record_id)
            .order_by(SetRecord.id)
        )
        return list(rows.scalars())


async def exercise_rows(factory: Factory, record_id: int) -> list[ExerciseRecord]:
    async with factory() as session:
        rows = await session.execute(
            select(ExerciseRecord)
            .where(ExerciseRecord.session_record_id == record_id)
            .order_by(ExerciseRecord.order_index)
        )
        return list(rows.scalars())


async def appointment(factory: Factory, coaching_session_id: int) -> CoachingSession:
    async with factory() as session:
        found = await session.get(CoachingSession, coaching_session_id)
        assert found is not None
        return found


def live_message(user: SimUser) -> Reply:
    """The newest bot message in the chat that carries live-logging buttons."""
    for reply in reversed(user.replies):
        if any(data.startswith(LIVE_PREFIXES) for data in _data(reply)):
            return reply
    raise AssertionError(f"no live message for {user.name}:\n{user.transcript()}")


def _data(reply: Reply) -> list[str]:
    return [data for row in reply.button_data for data in row]


async def trainer_and_client(
    factory: Factory,
    *,
    flags: PermissionFlags | None = None,
    client_units: Units = Units.KG,
    trainer_units: Units = Units.KG,
) -> Coaching:
    trainer = await make_user(factory, 1001, "Tom", trainer=True, units=trainer_units)
    client = await make_user(factory, 2001, "Alice", client=True, units=client_units)
    return await make_coaching(factory, trainer, client, flags=flags)


# ------------------------------------------------------------------------ people through the chat

LINK = re.compile(r"https://t\.me/(\w+)\?start=(inv_[A-Za-z0-9_-]+)")


async def onboard(sim: ChatSimulator, user_id: int, name: str, role: str) -> SimUser:
    """Register through /start: role 'trainer', 'client' or 'both', time zone UTC."""
    user = sim.user(user_id, name)
    await user.send("/start")
    await user.press({"trainer": "I'm a trainer", "client": "I'm a client"}.get(role, "Both"))
    await user.press("UTC")
    return user


async def create_client(trainer: SimUser, name: str = "Maria Lopez") -> str:
    """Name only, skip the rest; returns the /start payload of the invite link."""
    await trainer.send("/newclient")
    await trainer.send(name)
    await trainer.press("Create now")
    match = LINK.search(trainer.last_reply.text)
    assert match is not None, trainer.transcript()
    return match.group(2)


# ---------------------------------------------------------------- a client with every kind of data

TOM = 1001
ZOE = 2005


ZELDA = 987_654_321


@dataclass(frozen=True)
class Rich:
    trainer: User
    client: User
    profile_id: int
    own_profile_id: int
    record_id: int


async def rich_client(factory: Factory) -> Rich:
    """Zelda: coached by Tom, with every kind of personal data Spotter stores."""
    tom = await make_user(factory, TOM, "Tom", trainer=True)
    zelda = await make_user(factory, ZELDA, "Zelda", client=True)
    coaching = await make_coaching(factory, tom, zelda, name="Zelda Quixote")
    now = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    async with factory() as session:
        user = await session.get(User, zelda.id)
        assert user is not None
        user.last_name, user.username = "Quixote", "zquix"
        user.email, user.phone = "zelda@example.org", "+34600111222"
        profile = await session.get(ClientProfile, coaching.profile.id)
        assert profile is not None
        profile.email, profile.phone = "zelda@example.org", "+34600111222"
        profile.date_of_birth, profile.gender = date(1990, 5, 1), "female"
        profile.address, profile.emergency_contact = "Calle Falsa 123", "Mum +34600111222"
        profile.height_cm, profile.current_weight_kg = Decimal("170.0"), Decimal("62.00")
        profile.injuries = [{"text": "torn meniscus"}]
        profile.medical_notes, profile.goals = "asthma inhaler", ["run a marathon"]
        own = ClientProfile(user_id=zelda.id, name="Zelda Quixote", created_by=zelda.id)
        session.add(own)
        await session.flush()
        for profile_id in (profile.id, own.id):
            session.add(
                Measurement(
                    client_profile_id=profile_id,
                    kind="weight",
                    value=Decimal("62"),
                    unit="kg",
                    measured_on=date(2026, 11, 1),
                    note="Zelda's form",
                    created_by=zelda.id,
                )
            )
            session.add(
                ProgressPhoto(
                    client_profile_id=profile_id,
                    file_id=f"ZELDAPHOTO{profile_id}",
                    taken_on=date(2026, 11, 1),
                    created_by=zelda.id,
                )
            )
        squat = (
            await session.execute(select(Exercise).where(Exercise.slug == "barbell-back-squat"))
        ).scalar_one()
        record_ids = []
        for profile_id, trainer_id in ((profile.id, tom.id), (own.id, None)):
            record = SessionRecord(
                client_profile_id=profile_id,
                trainer_user_id=trainer_id,
                logged_by_user_id=zelda.id,
                title="Legs",
                session_date=now.date(),
                start_time=now,
                end_time=now + timedelta(hours=1),
                completed=True,
                status=RecordStatus.COMPLETED,
                trainee_feedback={"rpe": 8, "text": "felt dizzy"},
                session_metadata={"messages": {str(ZELDA): 55}},
                trainer_notes="knee hurt",
                created_by=zelda.id,
                exercises=[
                    ExerciseRecord(
                        exercise_id=squat.id,
                        exercise_name="Barbell Back Squat",
                        order_index=0,
                        notes="knee hurt",
                        sets=[
                            SetRecord(
                                client_profile_id=profile_id,
                                exercise_id=squat.id,
                                set_index=1,
                                set_type=SetType.NORMAL,
                                weight_kg=Decimal("80"),
                                reps=5,
                                performed_at=now,
                                source_key=f"u{profile_id}",
                            )
                        ],
                    )
                ],
            )
            session.add(record)
            await session.flush()
            record_ids.append(record.id)
        feedback = TrainingFeedback(
            session_record_id=record_ids[0],
            client_profile_id=profile.id,
            trainer_user_id=tom.id,
            feedback_date=now.date(),
            feedback_text="Zelda's form was great; knee hurt",
            created_by=tom.id,
        )
        session.add(feedback)
        session.add(
            MediaNote(
                session_record_id=record_ids[0],
                media_kind=MediaKind.VIDEO,
                file_id="ZELDAVIDEO1",
                comment="Zelda's form",
                created_by=zelda.id,
            )
        )
        session.add(
            ClientAlert(
                client_profile_id=profile.id,
                trainer_user_id=tom.id,
                alert_type=AlertType.INJURY_REPORTED,
                severity=AlertSeverity.HIGH,
                message="Zelda Quixote reported: torn meniscus",
                dedup_key="injury:1",
                created_by=zelda.id,
            )
        )
        appointment = CoachingSession(
            relationship_id=coaching.relationship.id,
            title="Legs",
            scheduled_at=now + timedelta(days=5),
            client_feedback="felt dizzy",
            trainer_notes="Zelda's form",
            recording_file_id="ZELDAREC1",
            created_by=tom.id,
        )
        session.add(appointment)
        await session.flush()
        session.add(
            Reminder(
                user_id=zelda.id,
                coaching_session_id=appointment.id,
                kind=ReminderKind.BEFORE_SESSION,
                due_at=now + timedelta(days=4),
                payload={"name": "Zelda"},
            )
        )
        session.add(
            Reminder(
                user_id=tom.id,
                kind=ReminderKind.DIGEST,
                due_at=now + timedelta(days=1),
                payload={"client_profile_id": profile.id, "text": "Zelda Quixote missed"},
            )
        )
        session.add(
            Invite(
                token_hash="invite-hash-zelda",
                client_profile_id=profile.id,
                trainer_user_id=tom.id,
                expires_at=now + timedelta(days=7),
                status=InviteStatus.USED,
                used_by_user_id=zelda.id,
                created_by=tom.id,
            )
        )
        session.add(InviteAttempt(telegram_id=ZELDA, attempted_at=now))
        session.add(UserData(user_id=ZELDA, data={"draft": "Zelda"}, updated_at=now))
        session.add(
            ConversationState(
                name="measure", key=json.dumps([ZELDA, ZELDA]), state=1, updated_at=now
            )
        )
        relationship = await session.get(Relationship, coaching.relationship.id)
        assert relationship is not None
        relationship.notes = "Zelda Quixote: torn meniscus"
        await session.commit()
        return Rich(tom, zelda, profile.id, own.id, record_ids[0])


# ------------------------------------------------------------------------------ a finished session


async def finished(
    sim: ChatSimulator, factory: Factory, clock: ManualClock
) -> tuple[Coaching, Planned, SimUser, SimUser]:
    """Alice logs Tom's planned session and finishes it: the RPE prompt is the last message."""
    coaching = await trainer_and_client(factory)
    planned = await plan_session(factory, coaching, at=clock.now())
    alice, tom = sim.user(2001, "Alice"), sim.user(1001, "Tom")
    await alice.send("/log")
    await alice.press("Lower A")
    await alice.press("✓ As planned")
    clock.advance(minutes=40)
    await alice.press("🏁 Finish")
    await alice.press("Yes, finish")
    assert "How hard was" in alice.last_reply.text
    return coaching, planned, alice, tom


# --------------------------------------------------------------------------------- a rated session


async def rated(
    sim: ChatSimulator, factory: Factory, clock: ManualClock
) -> tuple[SimUser, SimUser, int]:
    _, _, alice, tom = await finished(sim, factory, clock)
    await alice.press("8")
    await alice.send("felt strong")
    await alice.press("4 ⭐")
    [record] = await records(factory)
    return alice, tom, record.id


# ---------------------------------------------------------------------------------------- programs

DEFAULT_SESSIONS: tuple[tuple[str, Sequence[tuple[str, dict[str, Any]]]], ...] = (
    (
        "Lower A",
        (
            (
                "barbell-back-squat",
                {
                    "target_sets": 3,
                    "reps_min": 5,
                    "reps_max": 5,
                    "target_weight_kg": Decimal(100),
                    "rest_seconds": 180,
                    "instructions": "Brace before each rep",
                    "tips": "Knees out",
                },
            ),
            ("romanian-deadlift", {"target_sets": 3, "reps_min": 8, "reps_max": 12}),
        ),
    ),
    ("Upper A", (("barbell-bench-press", {"target_sets": 4, "reps_min": 6, "reps_max": 6}),)),
    ("Lower B", (("barbell-back-squat", {"target_sets": 5, "reps_min": 3, "reps_max": 3}),)),
)


@dataclass(frozen=True)
class MadeProgram:
    id: int
    session_ids: dict[tuple[int, int], int]


async def make_program(
    factory: Factory,
    trainer: User,
    *,
    name: str = "Strength Base",
    weeks: int = 2,
    sessions: Sequence[tuple[str, Sequence[tuple[str, dict[str, Any]]]]] = DEFAULT_SESSIONS,
    duration: int | None = 75,
) -> MadeProgram:
    """A program written straight to the database: the same sessions every week."""
    async with factory() as session:
        repo = ExerciseRepository(session)
        program = Program(
            trainer_user_id=trainer.id, name=name, duration_weeks=weeks, created_by=trainer.id
        )
        session.add(program)
        await session.flush()
        ids: dict[tuple[int, int], int] = {}
        for week in range(1, weeks + 1):
            for number, (title, exercises) in enumerate(sessions, start=1):
                ps = ProgramSession(
                    program_id=program.id,
                    trainer_user_id=trainer.id,
                    name=title,
                    week_number=week,
                    session_number=number,
                    estimated_duration=duration,
                    focus_area="strength",
                    warmup=["5 min bike"],
                    created_by=trainer.id,
                )
                session.add(ps)
                await session.flush()
                ids[(week, number)] = ps.id
                for index, (slug, fields) in enumerate(exercises):
                    exercise = await repo.by_slug(slug)
                    assert exercise is not None, slug
                    session.add(
                        ExerciseTemplate(
                            program_session_id=ps.id,
                            exercise_id=exercise.id,
                            order_index=index,
                            **fields,
                        )
                    )
        await session.commit()
        return MadeProgram(program.id, ids)


# --------------------------------------------------------------------- registration through /start


async def register(sim: ChatSimulator, user_id: int, name: str, role: str) -> SimUser:
    person = sim.user(user_id, name)
    await person.send("/start")
    await person.press({"trainer": "I'm a trainer", "client": "I'm a client"}.get(role, "Both"))
    await person.press("UTC")
    return person


# -------------------------------------------------------------------------------- a listed trainer


async def make_public(trainer: SimUser, *, category: str | None = "Strength") -> None:
    await trainer.send("/profile")
    await trainer.press("Edit profile")
    await trainer.press("Visibility")
    await trainer.press("Public")
    if category:
        await trainer.press("Edit profile")
        await trainer.press("Categories")
        await trainer.press(category)
        await trainer.press("Done")


# ---------------------------------------------------------------------- export files of other apps

STRONG = (
    b"Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
    b"Distance Unit;Seconds;Notes;Workout Notes\n"
    b"2026-11-18 18:00:00;Pull Day;Deadlift (Barbell);W;60;kg;5;;;;;Hook grip;\n"
    b"2026-11-18 18:00:00;Pull Day;Deadlift (Barbell);1;140;kg;5;8;;;;;\n"
    b"2026-11-18 18:00:00;Pull Day;Deadlift (Barbell);2;308.65;lbs;3;9;;;;;\n"
    b"2026-11-18 18:00:00;Pull Day;Zottman Wiggle;1;12;kg;10;;;;;;\n"
    b"2026-11-20 07:15:00;Cardio;Running;1;;;;;5.2;km;1620;;Easy pace\n"
    b"2026-11-20 07:15:00;Cardio;Plank;1;;;;;;;90;;\n"
)


HEVY = (
    b"title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,"
    b"set_index,set_type,weight_kg,reps,distance_km,duration_seconds,rpe\n"
    b'"Legs","19 Nov 2026, 18:00","19 Nov 2026, 19:05","","Deadlift (Barbell)",,"",0,'
    b"warmup,60,5,,,\n"
    b'"Legs","19 Nov 2026, 18:00","19 Nov 2026, 19:05","","Deadlift (Barbell)",,"",1,'
    b"normal,150,3,,,9.5\n"
    b'"Legs","19 Nov 2026, 18:00","19 Nov 2026, 19:05","","Bench Press (Barbell)",,"",0,'
    b"dropset,70,12,,,\n"
)


# -------------------------------------------------------------------------------------- a template


async def make_template(factory: Factory, coaching: Coaching, name: str = "Push day") -> int:
    async with factory() as session:
        template = SessionTemplate(
            trainer_user_id=coaching.trainer.id,
            name=name,
            duration_minutes=45,
            created_by=coaching.trainer.id,
        )
        session.add(template)
        await session.flush()
        bench = await ExerciseRepository(session).by_slug("barbell-bench-press")
        assert bench is not None
        session.add(
            ExerciseTemplate(
                session_template_id=template.id,
                exercise_id=bench.id,
                order_index=0,
                target_sets=4,
                reps_min=6,
                reps_max=6,
                target_weight_kg=Decimal(80),
            )
        )
        await session.commit()
        return template.id


# ----------------------------------------------------------------------------------- imported rows


async def import_counts(factory: Factory) -> tuple[int, int]:
    async with factory() as session:
        records = await session.execute(select(func.count(SessionRecord.id)))
        sets = await session.execute(select(func.count(SetRecord.id)))
        return int(records.scalar_one()), int(sets.scalar_one())


# ------------------------------------------------------------------------------ a long export file

STRONG_HEADER = (
    "Date;Workout Name;Exercise Name;Set Order;Weight;Weight Unit;Reps;RPE;Distance;"
    "Distance Unit;Seconds;Notes;Workout Notes\n"
)


STRONG_EXERCISES = ("Deadlift (Barbell)", "Barbell Back Squat")


def strong_file(workouts: int, sets_per_exercise: int = 5) -> bytes:
    """A Strong export: one workout a day, two known exercises each."""
    first = datetime(2019, 1, 1, 18, 0, tzinfo=UTC)
    lines = [STRONG_HEADER]
    for day in range(workouts):
        when = (first + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")
        for name in STRONG_EXERCISES:
            for order in range(1, sets_per_exercise + 1):
                lines.append(f"{when};Day {day};{name};{order};{60 + order};kg;5;;;;;;\n")
    return "".join(lines).encode()


# -------------------------------------------------------------------------- a reminder in the chat

REMINDER_AT = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


async def reminded(
    app: SpotterApplication, factory: Factory, clock: ManualClock
) -> tuple[Coaching, Planned]:
    """Alice's 10:30 session, and its one-hour reminder delivered at 09:30."""
    coaching = await trainer_and_client(factory)
    planned = await plan_session(factory, coaching, at=REMINDER_AT)
    async with UnitOfWork(factory) as uow:
        await reminders_for_session_changed(uow, planned.coaching_session_id, clock.now())
        await uow.commit()
    clock.set(REMINDER_AT - timedelta(hours=1))
    await dispatch_due(app.bot, app.services.ctx)
    return coaching, planned


def reminder_id(alice: SimUser) -> int:
    for reply in reversed(alice.replies):
        if reply.text.startswith("⏰"):
            return reply.message_id
    raise AssertionError(alice.transcript())


# ------------------------------------------------------------------------------------------ alerts


async def alerts_world(
    factory: async_sessionmaker[AsyncSession], ctx: ServiceContext, clock: ManualClock
) -> Coaching:
    from tests.progress_data import plan  # it builds on this module: imported when used

    trainer = await make_user(factory, 1001, "Tara", trainer=True)
    cleo = await make_user(factory, 1002, "Cleo", client=True)
    coaching = await make_coaching(factory, trainer, cleo, start=START.date())
    await plan(factory, coaching, START - timedelta(days=1), title="Leg day")
    async with ctx.uow() as uow:
        await on_injury(uow, trainer.id, coaching.profile.id, "r1", "sore knee", clock.now())
        await uow.commit()
    await AlertService(ctx).scan_all()
    return coaching


# ---------------------------------------------------------------- a client joined through the chat


async def joined_client(sim: ChatSimulator) -> tuple[SimUser, SimUser]:
    """Tom coaches Cleo, who shares her personal details."""
    tom = await onboard(sim, 1, "Tom", "trainer")
    cleo = await onboard(sim, 2, "Cleo", "client")
    await tom.send("/newclient")
    await tom.send("Cleo Smith")
    await tom.press("Add details")
    await tom.send("cleo@example.com")
    while "Check the new client" not in tom.last_reply.text:
        await tom.press("Skip")
    await tom.press("Create")
    payload = tom.last_reply.text.split("start=")[1].split()[0]
    await cleo.send(f"/start {payload}")
    assert "Now: ✅ yes" in cleo.last_reply.text, "sharing what Tom recorded is preselected"
    await cleo.press("Accept")
    return tom, cleo


# ------------------------------------------------------------------------------- joining by invite


async def join_by_invite(trainer: SimUser, client: SimUser, name: str) -> None:
    await client.send(f"/start {await create_client(trainer, name)}")
    await client.press("Accept")


# ----------------------------------------------------------------------------------- many trainers


async def many_trainers(factory: Factory, count: int) -> dict[int, bool]:
    """``count`` trainers with a digest at 07:00 their time; telegram id -> whether one is due
    at 09:00 UTC. Every third has a session today (something to report), every fourth wants
    empty digests, every fifth lives in New York (04:00 there: not yet), every seventh has no
    digest time."""
    from tests.progress_data import plan  # it builds on this module: imported when used

    expected: dict[int, bool] = {}
    for number in range(count):
        telegram_id = 5000 + number
        zone = "America/New_York" if number % 5 == 4 else "Europe/London"
        trainer = await make_user(
            factory, telegram_id, f"Trainer {number}", trainer=True, timezone=zone
        )
        busy = number % 3 == 0
        if busy:
            client = await make_user(factory, 9000 + number, f"Client {number}", client=True)
            coaching = await make_coaching(factory, trainer, client)
            await plan(factory, coaching, START + timedelta(hours=2))
        empty_too = number % 4 == 0
        has_time = number % 7 != 6
        async with factory() as session:
            profile = (
                await session.execute(
                    select(TrainerProfile).where(TrainerProfile.user_id == trainer.id)
                )
            ).scalar_one()
            profile.digest_time = time(7, 0) if has_time else None
            profile.digest_when_empty = empty_too
            await session.commit()
        expected[telegram_id] = has_time and zone != "America/New_York" and (busy or empty_too)
    return expected


# ----------------------------------------------------------------------------- a program to assign


async def assign_setup(factory: Factory) -> Coaching:
    alice = await make_user(factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(
        factory, 2002, "Bob", client=True, timezone="America/New_York", quiet_hours=False
    )
    coaching = await make_coaching(factory, alice, bob)
    await make_program(factory, alice)
    return coaching


async def assignments(factory: Factory) -> list[ProgramAssignment]:
    async with factory() as session:
        return list((await session.execute(select(ProgramAssignment))).scalars())


async def sessions(factory: Factory) -> list[CoachingSession]:
    async with factory() as session:
        rows = await session.execute(select(CoachingSession).order_by(CoachingSession.id))
        return list(rows.scalars())


# ---------------------------------------------------------------------- the assignment's time step


async def to_time_step(alice: SimUser) -> None:
    """Bob (New York) on Strength Base from Mon 30 Nov, Mon/Wed/Fri; stop at "At what time"."""
    await alice.send("/assign")
    await alice.press("Bob")
    await alice.press("Strength Base")
    await alice.press("Next Monday")
    for day in ("Mon", "Wed", "Fri"):
        await alice.press(day)
    await alice.press("Done")
    assert "At what time" in alice.last_reply.text


async def assign_bob(alice: SimUser) -> None:
    """Alice assigns Bob Strength Base from next Monday, Mon/Wed/Fri at 7am."""
    await alice.send("/assign")
    await alice.press("Bob")
    await alice.press("Strength Base")
    await alice.press("Next Monday")
    for day in ("Mon", "Wed", "Fri"):
        await alice.press(day)
    await alice.press("Done")
    await alice.send("7am")
    await alice.press("✅ Assign")


# ----------------------------------------------------------------------------- two clients to book


async def schedule_setup(factory: Factory) -> tuple[Coaching, Coaching]:
    alice = await make_user(factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(
        factory, 2002, "Bob", client=True, timezone="America/New_York", quiet_hours=False
    )
    carol = await make_user(
        factory, 3003, "Carol", client=True, timezone="Asia/Tokyo", quiet_hours=False
    )
    return await make_coaching(factory, alice, bob), await make_coaching(factory, alice, carol)


async def book(alice: SimUser, client: str, kind: str, when: str, minutes: str = "60 min") -> None:
    """The common booking: client, time, type (the type's button books)."""
    await alice.send("/schedule")
    await alice.press("New session")
    await alice.press(client)
    await alice.send(when)
    if minutes != "60 min":
        await alice.press("More details")
        await alice.press("Duration")
        await alice.press(minutes)
        await alice.press("Done")
    await alice.press(kind)


# ---------------------------------------------------------------------- sets logged against a plan


async def log_sets(
    factory: Factory, profile_id: int, slug: str, when: datetime, sets: list[tuple[str, int]]
) -> None:
    """A performed exercise written straight to the database."""
    exercise = await exercise_id(factory, slug)
    async with factory() as session:
        record = SessionRecord(
            client_profile_id=profile_id,
            title="Earlier workout",
            session_date=when.date(),
            start_time=when,
            completed=True,
        )
        session.add(record)
        await session.flush()
        item = ExerciseRecord(
            session_record_id=record.id, exercise_id=exercise, exercise_name=slug, order_index=0
        )
        session.add(item)
        await session.flush()
        for index, (weight, reps) in enumerate(sets):
            session.add(
                SetRecord(
                    exercise_record_id=item.id,
                    client_profile_id=profile_id,
                    exercise_id=exercise,
                    set_index=index,
                    weight_kg=Decimal(weight),
                    reps=reps,
                    performed_at=when,
                )
            )
        await session.commit()


async def coached(factory: Factory, units: Units = Units.KG) -> Coaching:
    alice = await make_user(factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(
        factory, 2002, "Bob", client=True, timezone="America/New_York", units=units
    )
    return await make_coaching(factory, alice, bob)


async def assign_from_today(ctx: ServiceContext, factory: Factory, coaching: Coaching) -> int:
    program = await make_program(factory, coaching.trainer)
    done = await AssignmentService(ctx).assign(
        1001,
        AssignDraft(
            client_profile_id=coaching.profile.id,
            program_id=program.id,
            start_date=date(2026, 11, 23),
            training_days=same_time((0, 2, 4), time(18, 0)),
        ),
    )
    return done.assignment_id


# ----------------------------------------------------------- people registered through the service

TRAINER, OTHER_TRAINER, CLIENT, STRANGER = 100, 200, 300, 400


async def register_user(ctx: ServiceContext, tid: int, name: str, *roles: Role) -> None:
    users = UserService(ctx)
    await users.register(TelegramIdentity(tid, name))
    if roles:
        await users.choose_roles(tid, frozenset(roles))


async def new_client(
    ctx: ServiceContext, trainer: int = TRAINER, name: str = "Maria"
) -> tuple[int, str]:
    created = await ClientService(ctx).create_client(
        trainer, ClientDraft(name=name, relationship_type=RelationshipType.ONLINE), ttl_days=7
    )
    return created.client_profile_id, created.token


# -------------------------------------------------------------------------- a registered user's id


async def registered_user_id(ctx: ServiceContext, telegram_id: int, name: str, *roles: Role) -> int:
    users = UserService(ctx)
    view, _ = await users.register(TelegramIdentity(telegram_id, name))
    if roles:
        view = await users.choose_roles(telegram_id, frozenset(roles))
    return view.id


# -------------------------------------------------------------------------------- a public trainer


async def public_trainer(ctx: ServiceContext, telegram_id: int, name: str) -> str:
    await registered_user_id(ctx, telegram_id, name, Role.TRAINER)
    view = await ProfileService(ctx).set_visibility(telegram_id, "public")
    return f"p{view.profile_id}"


# ---------------------------------------------------------------------- an exercise of the library


async def library_exercise_id(factory: Factory, slug: str) -> int:
    async with factory() as session:
        exercise = await ExerciseRepository(session).by_slug(slug)
        assert exercise is not None
        return exercise.id


# ------------------------------------------------------------------ a coaching to plan workouts in

LEG_DAY = "Leg day\nBack squat 3x5 @100kg rest 180\nRomanian deadlift 3x8 @60kg"


async def setup_workout(factory: Factory, flags: PermissionFlags | None = None) -> Coaching:
    """Alice (London) coaches Bob (New York, no quiet hours), with ``flags`` if given."""
    alice = await make_user(factory, 1001, "Alice", trainer=True, timezone="Europe/London")
    bob = await make_user(
        factory, 2002, "Bob", client=True, timezone="America/New_York", quiet_hours=False
    )
    return await make_coaching(factory, alice, bob, flags=flags)


# ------------------------------------------------------------------------- the workers' jobs


async def fire(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One run of this worker's delayed-message dispatcher."""
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name("delayed_messages")
    await job.run(app)


# ------------------------------------------------------------------------- rows a test looks up


async def user_row(factory: Factory, telegram_id: int) -> User:
    """The stored user with this Telegram id (there must be one)."""
    async with factory() as session:
        found = await session.execute(select(User).where(User.telegram_id == telegram_id))
        return found.scalar_one()


async def user_row_or_none(factory: Factory, telegram_id: int) -> User | None:
    """The stored user with this Telegram id, or None when there is none."""
    async with factory() as session:
        found = await session.execute(select(User).where(User.telegram_id == telegram_id))
        return found.scalar_one_or_none()


async def row_count(factory: Factory, model: type[object]) -> int:
    """How many rows ``model``'s table holds."""
    async with factory() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def set_count(factory: Factory) -> int:
    """How many logged sets are stored, in every session."""
    async with factory() as session:
        return int(await session.scalar(select(func.count(SetRecord.id))) or 0)


async def held_messages(factory: Factory) -> list[Reminder]:
    """The trainer messages in the outbox (held for quiet hours or sent), oldest first."""
    async with factory() as session:
        rows = await session.execute(
            select(Reminder)
            .where(Reminder.kind == ReminderKind.TRAINER_MESSAGE)
            .order_by(Reminder.id)
        )
        return list(rows.scalars())


async def client_alerts(factory: Factory) -> list[ClientAlert]:
    """Every stored alert, oldest first."""
    async with factory() as session:
        rows = await session.execute(select(ClientAlert).order_by(ClientAlert.id))
        return list(rows.scalars())


async def raise_now(ctx: ServiceContext, coaching: Coaching, draft: AlertDraft) -> None:
    """Raise ``draft`` for the coaching's trainer about its client, at the clock's now."""
    async with ctx.uow() as uow:
        await raise_alert(uow, coaching.trainer.id, coaching.profile.id, draft, ctx.clock.now())
        await uow.commit()


async def finish_session(user: SimUser) -> str:
    """Finish the live session from its card; returns the newest summary's text."""
    await user.press("🏁 Finish")
    await user.press("Yes, finish")
    return [r.text for r in user.replies if "Session complete" in r.text][-1]


# --------------------------------------------------------------------- a template's stored rows

TEMPLATE_ROW_FIELDS = (
    "exercise_id",
    "order_index",
    "target_sets",
    "reps_min",
    "reps_max",
    "target_weight_kg",
    "target_percent_e1rm",
    "bodyweight",
    "target_rpe",
    "target_rir",
    "rest_seconds",
    "duration_s",
    "distance_m",
    "instructions",
    "tips",
)


async def template_rows(factory: Factory, template_id: int) -> list[dict[str, Any]]:
    """The template's exercise rows in order, each as its prescription fields."""
    async with factory() as session:
        rows = await session.execute(
            select(ExerciseTemplate)
            .where(ExerciseTemplate.session_template_id == template_id)
            .order_by(ExerciseTemplate.order_index)
        )
        return [{f: getattr(r, f) for f in TEMPLATE_ROW_FIELDS} for r in rows.scalars()]
