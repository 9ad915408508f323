"""Personal records against a long history read a few grouped rows, and come out the same.

A finished session's summary compares its sets with the client's earlier ones. It used to load
every earlier set of the session's exercises; it now reads the heaviest of each exercise, rep
count, set type and kind of load (``LiveRepository.record_bests``). Every record, with the
best it beat, must be what the whole history gives.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from coaching.domain.enums import SetType
from coaching.domain.strength import PerformedSet, detect_records
from coaching.services.base import ServiceContext
from storage.models import ExerciseRecord, SetRecord
from tests.factories import Factory, trainer_and_client
from tests.services.long_history import FIRST_START, SETS, long_history


async def _every_earlier_set(
    factory: Factory, profile_id: int, before: object, exclude_record_id: int
) -> list[PerformedSet]:
    async with factory() as session:
        rows = await session.execute(
            select(SetRecord)
            .join(ExerciseRecord, ExerciseRecord.id == SetRecord.exercise_record_id)
            .where(
                SetRecord.client_profile_id == profile_id,
                SetRecord.performed_at < before,
                ExerciseRecord.session_record_id != exclude_record_id,
            )
        )
        return [
            PerformedSet(
                s.exercise_id, s.weight_kg, s.reps, s.set_type, s.performed_at, s.bodyweight
            )
            for s in rows.scalars()
        ]


async def test_records_over_a_long_history_are_those_of_every_set(
    ctx: ServiceContext, session_factory: Factory
) -> None:
    coaching = await trainer_and_client(session_factory)
    profile_id = coaching.profile.id
    await long_history(
        session_factory, profile_id, logged_by=coaching.trainer.id, sessions=400, sets=6
    )
    async with session_factory() as session:
        first = (
            await session.execute(
                select(SetRecord.exercise_record_id, SetRecord.exercise_id).limit(1)
            )
        ).one()
        # Weighted dips and assisted pull-ups: bodyweight sets with an added (or taken) load.
        await session.execute(
            insert(SETS),
            [
                {
                    "exercise_record_id": first[0],
                    "client_profile_id": profile_id,
                    "exercise_id": first[1],
                    "set_index": 100 + n,
                    "set_type": SetType.NORMAL,
                    "weight_kg": Decimal(load),
                    "bodyweight": True,
                    "reps": reps,
                    "performed_at": FIRST_START + timedelta(minutes=n),
                }
                for n, (load, reps) in enumerate([(150, 5), (-20, 8), (0, 12)])
            ],
        )
        await session.commit()
        [excluded] = (
            await session.execute(
                select(ExerciseRecord.session_record_id)
                .where(ExerciseRecord.id != first[0])
                .order_by(ExerciseRecord.id)
                .limit(1)
                .offset(40)
            )
        ).one()
        exercise_ids = sorted(
            (await session.execute(select(SetRecord.exercise_id).distinct())).scalars()
        )
    before = FIRST_START + timedelta(days=600)

    everything = await _every_earlier_set(session_factory, profile_id, before, excluded)
    async with ctx.uow() as uow:
        bests = await uow.live.record_bests([profile_id], exercise_ids, before, excluded)

    assert len(everything) > 1_000
    assert len(bests) <= len(exercise_ids) * 12 * 3 + 3, "a few rows per exercise, not every set"
    assert {b.bodyweight for b in bests} == {True, False}
    weights = [Decimal(w) + Decimal("0.5") * half for w in range(30, 160, 7) for half in (0, 1)]
    found = 0
    for exercise_id, weight, reps, set_type, bodyweight in itertools.product(
        exercise_ids, weights, range(1, 14), SetType, (False, True)
    ):
        new = [PerformedSet(exercise_id, weight, reps, set_type, before, bodyweight)]
        expected = detect_records(everything, new)
        assert detect_records(bests, new) == expected, (exercise_id, weight, reps, set_type)
        found += len(expected)
    assert found > 100, "the grid sets records of every kind, so the comparison means something"


async def test_no_history_no_records(ctx: ServiceContext, session_factory: Factory) -> None:
    coaching = await trainer_and_client(session_factory)
    async with ctx.uow() as uow:
        assert await uow.live.record_bests([coaching.profile.id], [1, 2], FIRST_START, 0) == []
        assert await uow.live.record_bests([], [1], FIRST_START, 0) == []
