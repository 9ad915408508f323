"""A long training history written straight to the database, for export tests and benchmarks.

Rows go in with Core bulk inserts (one statement per few thousand rows), with enough variety to
exercise every column the exports write: pounds and kilograms, warm-up and drop sets, RPE,
distances, durations, notes with commas, quotes and accents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import RecordStatus, SetType, Units
from storage.models import Base, Exercise

RECORDS = Base.metadata.tables["session_records"]
EXERCISE_RECORDS = Base.metadata.tables["exercise_records"]
SETS = Base.metadata.tables["set_records"]
EXERCISES = ("barbell-back-squat", "barbell-bench-press", "barbell-deadlift", "overhead-press")
FIRST_START = datetime(2020, 1, 6, 7, 30, tzinfo=UTC)


@dataclass(frozen=True)
class History:
    sessions: int
    sets: int
    first_title: str
    last_title: str


def _title(index: int) -> str:
    return f'Séance {index:05d}, "heavy"'


async def long_history(
    factory: async_sessionmaker[AsyncSession],
    profile_id: int,
    *,
    logged_by: int | None,
    trainer_id: int | None = None,
    sessions: int = 1000,
    exercises: int = 4,
    sets: int = 5,
    tag: str = "h",
) -> History:
    """``sessions`` finished sessions of ``exercises`` × ``sets`` sets, two days apart."""
    async with factory() as session:
        rows = await session.execute(
            select(Exercise.id, Exercise.name, Exercise.slug).where(Exercise.slug.in_(EXERCISES))
        )
        catalogue = sorted(rows.all(), key=lambda row: EXERCISES.index(row[2]))
        now = datetime(2026, 11, 1, tzinfo=UTC)
        record_rows: list[dict[str, Any]] = []
        for index in range(sessions):
            start = FIRST_START + timedelta(days=2 * index, minutes=index % 50)
            record_rows.append(
                {
                    "client_profile_id": profile_id,
                    "trainer_user_id": trainer_id,
                    "logged_by_user_id": logged_by,
                    "title": _title(index),
                    "session_date": start.date(),
                    "start_time": start,
                    "end_time": start + timedelta(minutes=55) if index % 7 else None,
                    "completed": index % 11 != 0,
                    "is_live": False,
                    "status": RecordStatus.COMPLETED if index % 11 else RecordStatus.ABANDONED,
                    "source": "live" if index % 3 else "import",
                    "trainee_feedback": {"rpe": 6 + index % 4} if index % 2 else {},
                    "session_metadata": {"notes": f"note {index}; ça va"} if index % 5 == 0 else {},
                    "created_by": logged_by,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        record_ids = list(
            (
                await session.execute(
                    insert(RECORDS).returning(RECORDS.c.id, sort_by_parameter_order=True),
                    record_rows,
                )
            ).scalars()
        )
        exercise_rows = []
        for record_id in record_ids:
            for order in range(exercises):
                exercise_id, name, _slug = catalogue[order % len(catalogue)]
                exercise_rows.append(
                    {
                        "session_record_id": record_id,
                        "exercise_id": exercise_id,
                        "exercise_name": name,
                        "order_index": order,
                        "notes": 'tempo 3-1-1, "slow"' if order == 1 else None,
                        "completed": True,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        exercise_ids = list(
            (
                await session.execute(
                    insert(EXERCISE_RECORDS).returning(
                        EXERCISE_RECORDS.c.id, sort_by_parameter_order=True
                    ),
                    exercise_rows,
                )
            ).scalars()
        )
        set_rows = []
        for position, exercise_record_id in enumerate(exercise_ids):
            exercise_id = catalogue[position % exercises % len(catalogue)][0]
            for set_index in range(1, sets + 1):
                number = position * sets + set_index
                set_type = (
                    SetType.WARMUP
                    if set_index == 1
                    else SetType.DROP
                    if set_index == sets and position % 4 == 0
                    else SetType.NORMAL
                )
                set_rows.append(
                    {
                        "exercise_record_id": exercise_record_id,
                        "client_profile_id": profile_id,
                        "exercise_id": exercise_id,
                        "set_index": set_index,
                        "set_type": set_type,
                        "weight_kg": Decimal(40 + number % 97) + Decimal("0.5") * (number % 2),
                        "reps": 1 + number % 12,
                        "rpe": Decimal(6 + number % 4) if number % 3 == 0 else None,
                        "rir": number % 4 if number % 5 == 0 else None,
                        "duration_s": 30 + number % 60 if number % 17 == 0 else None,
                        "distance_m": Decimal("400.5") if number % 19 == 0 else None,
                        "entered_unit": Units.LB if number % 6 == 0 else Units.KG,
                        "performed_at": record_rows[position // exercises]["start_time"],
                        "source_key": f"{tag}{number}",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for chunk in range(0, len(set_rows), 5000):
            await session.execute(insert(SETS), set_rows[chunk : chunk + 5000])
        await session.commit()
    return History(
        sessions=sessions,
        sets=len(set_rows),
        first_title=_title(0),
        last_title=_title(sessions - 1),
    )
