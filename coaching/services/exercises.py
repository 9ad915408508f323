"""The exercise catalogue as a trainer sees it: built-ins plus their own, searched forgivingly."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from coaching.domain.catalogue import (
    CATEGORIES,
    MEASURES,
    MUSCLE_GROUPS,
    SearchCandidate,
    normalise_name,
    search_exercises,
)
from coaching.domain.enums import Difficulty
from coaching.errors import Conflict, InvalidInput, NotFound
from coaching.services.base import Service, ServiceContext
from storage.models import Exercise, User
from storage.uow import UnitOfWork

PAGE_SIZE = 8
EXERCISE_NOT_FOUND = "I can't find that exercise in your catalogue."
TRAINERS_ONLY = "This is for trainers. Send /start to register as a trainer."
NAME_MIN, NAME_MAX = 2, 100
# A fuzzy hit is taken without asking when it is this good and this far ahead of the next one.
CLEAR_SCORE = 90.0
CLEAR_MARGIN = 8.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: ``page`` counts from 0."""

    items: tuple[T, ...]
    page: int
    pages: int
    total: int


def page_bounds(page: int, total: int) -> tuple[int, int]:
    """(page clamped to what exists, number of pages) for ``total`` items."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(page, 0), pages - 1), pages


@dataclass(frozen=True, slots=True)
class ExerciseView:
    id: int
    name: str
    category: str
    muscle_groups: tuple[str, ...]
    equipment: tuple[str, ...]
    difficulty: Difficulty
    measure: str
    is_own: bool


def exercise_view(exercise: Exercise) -> ExerciseView:
    return ExerciseView(
        id=exercise.id,
        name=exercise.name,
        category=exercise.category,
        muscle_groups=tuple(exercise.muscle_groups or ()),
        equipment=tuple(exercise.equipment or ()),
        difficulty=exercise.difficulty,
        measure=exercise.measure,
        is_own=exercise.owner_user_id is not None,
    )


@dataclass(frozen=True, slots=True)
class NameMatch:
    """What a typed exercise name resolved to: one exercise, or candidates to choose from."""

    query: str
    exercise: ExerciseView | None
    candidates: tuple[ExerciseView, ...]


@dataclass(frozen=True, slots=True)
class NewExercise:
    name: str
    category: str = "other"
    muscle_groups: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    difficulty: Difficulty = Difficulty.BEGINNER
    measure: str = "weight_reps"


async def acting_trainer(uow: UnitOfWork, telegram_id: int) -> User:
    """The acting user, who must be a registered trainer."""
    return await uow.users.acting_trainer(telegram_id, TRAINERS_ONLY)


def _candidates(exercises: Sequence[Exercise]) -> tuple[SearchCandidate, ...]:
    return tuple(
        SearchCandidate(key=e.id, name=e.name, aliases=tuple(e.aliases or ())) for e in exercises
    )


def match_name(exercises: Sequence[Exercise], query: str, *, limit: int = 5) -> NameMatch:
    """Resolve a typed name among ``exercises``: an exact or clear best hit, else candidates.

    When a trainer's own exercise and a built-in both match exactly, their own wins.
    """
    by_id = {e.id: e for e in exercises}
    hits = search_exercises(query, _candidates(exercises), limit=max(limit, 2))
    views = tuple(exercise_view(by_id[int(h.key)]) for h in hits)[:limit]
    exact = [by_id[int(h.key)] for h in hits if h.exact]
    chosen: Exercise | None = None
    if exact:
        own = [e for e in exact if e.owner_user_id is not None]
        pool = own or exact
        if len(pool) == 1:
            chosen = pool[0]
    elif hits and hits[0].score >= CLEAR_SCORE:
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if hits[0].score - runner_up >= CLEAR_MARGIN:
            chosen = by_id[int(hits[0].key)]
    return NameMatch(
        query=query, exercise=exercise_view(chosen) if chosen else None, candidates=views
    )


def clean_exercise_name(text: str) -> str:
    name = " ".join(text.split())
    if not NAME_MIN <= len(name) <= NAME_MAX or not re.search(r"[^\W\d_]", name):
        raise InvalidInput(
            f"An exercise name needs {NAME_MIN} to {NAME_MAX} characters, with letters.",
            example="Sled push",
        )
    return name


def measure_for(*, reps: bool, weighted: bool, duration: bool, distance: bool) -> str:
    """The catalogue measure that fits a prescription's target."""
    if distance:
        return "distance_time"
    if duration:
        return "time"
    if reps and not weighted:
        return "reps"
    return "weight_reps"


class ExerciseService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def search(self, telegram_id: int, query: str, *, limit: int = 6) -> NameMatch:
        """Find exercises for a typed name among the built-ins and the trainer's own."""
        query = " ".join(query.split())
        if not query:
            raise InvalidInput("Send part of the exercise's name.", example="bench")
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            visible = await uow.exercises.visible_to(trainer.id)
            return match_name(visible, query[:100], limit=limit)

    async def get(self, telegram_id: int, exercise_id: int) -> ExerciseView:
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            found = await uow.exercises.get_visible(exercise_id, trainer.id)
            if found is None:
                raise NotFound(EXERCISE_NOT_FOUND)
            return exercise_view(found)

    async def own_page(self, telegram_id: int, page: int = 0) -> Page[ExerciseView]:
        """The trainer's own active exercises, by name, a page at a time."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            rows = await uow.exercises.owned_by(trainer.id, active_only=True)
            own = [exercise_view(e) for e in rows]
        page, pages = page_bounds(page, len(own))
        items = tuple(own[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
        return Page(items=items, page=page, pages=pages, total=len(own))

    async def add_own(self, telegram_id: int, new: NewExercise) -> ExerciseView:
        """Add one of the trainer's own exercises (an archived one of that name comes back)."""
        name = clean_exercise_name(new.name)
        if new.category not in CATEGORIES:
            raise InvalidInput(
                f"Pick a category: {', '.join(sorted(CATEGORIES))}.", example="barbell"
            )
        unknown = [m for m in new.muscle_groups if m not in MUSCLE_GROUPS]
        if unknown:
            raise InvalidInput(
                f"I don't know the muscle group {unknown[0]!r}. "
                f"Use: {', '.join(sorted(MUSCLE_GROUPS))}.",
                example="quads, glutes",
            )
        if new.measure not in MEASURES:
            raise InvalidInput("Pick how sets are measured.", example="weight_reps")
        equipment = tuple(dict.fromkeys(e.strip()[:40] for e in new.equipment if e.strip()))[:10]
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            rows = await uow.exercises.owned_by(trainer.id)
            wanted = normalise_name(name)
            existing = next((e for e in rows if normalise_name(e.name) == wanted), None)
            if existing is not None and existing.is_active:
                raise Conflict(
                    f"You already have an exercise called “{existing.name}”.",
                    example="Sled push (heavy)",
                )
            exercise = existing or Exercise(owner_user_id=trainer.id, created_by=trainer.id)
            exercise.name = name
            exercise.category = new.category
            exercise.muscle_groups = list(dict.fromkeys(new.muscle_groups))
            exercise.equipment = list(equipment)
            exercise.difficulty = new.difficulty
            exercise.measure = new.measure
            exercise.aliases = []
            exercise.is_active = True
            if existing is None:
                uow.add(exercise)
            await uow.flush()
            view = exercise_view(exercise)
            await uow.commit()
            return view

    async def archive(self, telegram_id: int, exercise_id: int) -> ExerciseView:
        """Hide one of the trainer's own exercises from search; history keeps it."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            exercise = await uow.exercises.get_visible(exercise_id, trainer.id)
            if exercise is None or exercise.owner_user_id != trainer.id:
                raise NotFound(EXERCISE_NOT_FOUND)
            exercise.is_active = False
            view = exercise_view(exercise)
            await uow.commit()
            return view
