"""The exercise catalogue service: search over built-ins and own exercises, add, archive."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coaching.domain.enums import Difficulty
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.base import ServiceContext
from coaching.services.exercises import ExerciseService, NewExercise
from storage.models import Exercise
from tests.factories import make_user


async def test_search_is_forgiving_and_takes_clear_hits(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 10, "Tara", trainer=True)
    svc = ExerciseService(ctx)
    bench = await svc.search(10, "bench")
    assert bench.exercise is not None
    assert bench.exercise.name == "Barbell Bench Press"
    rdl = await svc.search(10, "rdl")
    assert rdl.exercise is not None
    assert rdl.exercise.name == "Romanian Deadlift"
    typo = await svc.search(10, "benchh press")
    assert typo.exercise is not None
    assert typo.exercise.name == "Barbell Bench Press"
    near = await svc.search(10, "deadlfit")
    assert near.exercise is None, "a near miss is not taken silently"
    assert near.candidates[0].name == "Barbell Deadlift"
    assert (await svc.search(10, "zzqx")).candidates == ()
    with pytest.raises(InvalidInput):
        await svc.search(10, "   ")


async def test_own_exercises_are_added_found_first_and_archived(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 10, "Tara", trainer=True)
    await make_user(session_factory, 11, "Otto", trainer=True)
    svc = ExerciseService(ctx)
    sled = await svc.add_own(
        10,
        NewExercise(
            "  Sled   push ",
            category="other",
            muscle_groups=("quads", "glutes"),
            equipment=("sled",),
            difficulty=Difficulty.INTERMEDIATE,
        ),
    )
    assert sled.name == "Sled push"
    assert sled.is_own
    found = await svc.search(10, "sled push")
    assert found.exercise == sled, "the trainer's own exercise wins over the built-in"
    other = await svc.search(11, "sled push")
    assert other.exercise is not None
    assert not other.exercise.is_own, "another trainer never sees it"
    with pytest.raises(NotFound):
        await svc.get(11, sled.id)

    with pytest.raises(Conflict, match="already have"):
        await svc.add_own(10, NewExercise("sled PUSH"))
    with pytest.raises(InvalidInput, match="muscle group"):
        await svc.add_own(10, NewExercise("Tire flip", muscle_groups=("toes",)))
    with pytest.raises(InvalidInput, match="category"):
        await svc.add_own(10, NewExercise("Tire flip", category="wood"))
    with pytest.raises(InvalidInput, match="characters"):
        await svc.add_own(10, NewExercise("x"))

    page = await svc.own_page(10)
    assert [e.name for e in page.items] == ["Sled push"]
    with pytest.raises(NotFound):
        await svc.archive(11, sled.id)
    await svc.archive(10, sled.id)
    assert (await svc.own_page(10)).items == ()
    again = await svc.add_own(10, NewExercise("Sled push", category="other"))
    assert again.id == sled.id, "an archived exercise of the same name comes back"
    async with session_factory() as session:
        rows = await session.execute(select(Exercise).where(Exercise.owner_user_id.is_not(None)))
        assert len(list(rows.scalars())) == 1


async def test_builtins_cannot_be_archived_and_clients_cannot_use_the_catalogue(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await make_user(session_factory, 10, "Tara", trainer=True)
    await make_user(session_factory, 20, "Cleo", client=True)
    svc = ExerciseService(ctx)
    squat = await svc.search(10, "back squat")
    assert squat.exercise is not None
    with pytest.raises(NotFound):
        await svc.archive(10, squat.exercise.id)
    with pytest.raises(NotAllowed):
        await svc.search(20, "squat")
