"""Rows for dashboard, alert and progress tests: planned sessions and logged training."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RecordStatus, SessionStatus, SetType
from storage.models import (
    CoachingSession,
    Exercise,
    ExerciseRecord,
    SessionRecord,
    SetRecord,
)
from tests.factories import Coaching


async def exercise_id(factory: async_sessionmaker[AsyncSession], name: str) -> int:
    async with factory() as session:
        found = await session.execute(select(Exercise.id).where(Exercise.name == name))
        return int(found.scalar_one())


async def plan(
    factory: async_sessionmaker[AsyncSession],
    coaching: Coaching,
    at: datetime,
    *,
    title: str = "Leg day",
    assignment_id: int | None = None,
) -> int:
    """A planned coaching session (booked by the trainer)."""
    async with factory() as session:
        row = CoachingSession(
            relationship_id=coaching.relationship.id,
            assignment_id=assignment_id,
            title=title,
            scheduled_at=at,
            duration_minutes=60,
            status=SessionStatus.SCHEDULED,
            created_by=coaching.trainer.id,
        )
        session.add(row)
        await session.commit()
        return row.id


async def log_session(
    factory: async_sessionmaker[AsyncSession],
    coaching: Coaching,
    at: datetime,
    sets: Sequence[tuple[int, str, int, int | None]],
    *,
    coaching_session_id: int | None = None,
    title: str = "Leg day",
) -> int:
    """A completed session record with sets (exercise id, weight, reps, RPE)."""
    async with factory() as session:
        record = SessionRecord(
            client_profile_id=coaching.profile.id,
            coaching_session_id=coaching_session_id,
            trainer_user_id=coaching.trainer.id,
            title=title,
            session_date=at.date(),
            start_time=at,
            end_time=at + timedelta(hours=1),
            completed=True,
            is_live=False,
            status=RecordStatus.COMPLETED,
        )
        session.add(record)
        await session.flush()
        by_exercise: dict[int, ExerciseRecord] = {}
        for index, (exercise, weight, reps, rpe) in enumerate(sets):
            parent = by_exercise.get(exercise)
            if parent is None:
                parent = ExerciseRecord(
                    session_record_id=record.id,
                    exercise_id=exercise,
                    exercise_name="x",
                    order_index=len(by_exercise),
                    completed=True,
                )
                session.add(parent)
                await session.flush()
                by_exercise[exercise] = parent
            session.add(
                SetRecord(
                    exercise_record_id=parent.id,
                    client_profile_id=coaching.profile.id,
                    exercise_id=exercise,
                    set_index=index,
                    set_type=SetType.NORMAL,
                    weight_kg=Decimal(weight),
                    reps=reps,
                    rpe=Decimal(rpe) if rpe is not None else None,
                    performed_at=at + timedelta(minutes=index),
                )
            )
        if coaching_session_id is not None:
            planned = await session.get(CoachingSession, coaching_session_id)
            assert planned is not None
            planned.status = SessionStatus.COMPLETED
        await session.commit()
        return record.id
