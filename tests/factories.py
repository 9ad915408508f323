"""Rows for tests that need people already in place (written straight to the database).

Flows that create these rows have their own tests; other features start from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RelationshipStatus, RelationshipType, Units
from coaching.domain.permissions import PermissionFlags
from storage.models import (
    ClientProfile,
    CoachingSession,
    Exercise,
    ExerciseRecord,
    ExerciseTemplate,
    PermissionSet,
    Program,
    ProgramAssignment,
    ProgramSession,
    Relationship,
    SessionRecord,
    SetRecord,
    TrainerProfile,
    User,
)
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
