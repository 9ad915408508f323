"""Exercise how-tos: the built-in text, and a trainer's own demo and cues for any exercise.

A client sees, with the built-in how-to, the demo and cues of their own trainer (the newest
current relationship whose trainer made one); a trainer sees their own. An exercise is shown
only to someone who may know it: every built-in, a trainer's own exercise to that trainer and
their current clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from coaching.domain.howtos import HowTo, MediaKind, clean_cues, howto_for
from coaching.errors import NotAllowed, NotFound
from coaching.services.base import Service, ServiceContext
from coaching.services.exercises import acting_trainer
from storage.models import Exercise, ExerciseDemo, User
from storage.uow import UnitOfWork

NOT_FOUND = "I can't find that exercise."


@dataclass(frozen=True, slots=True)
class HowToView:
    exercise_id: int
    name: str
    muscles: tuple[str, ...]
    equipment: tuple[str, ...]
    howto: HowTo | None
    trainer_name: str | None = None
    """Whose demo and cues these are."""
    cues: str | None = None
    file_id: str | None = None
    media_kind: MediaKind | None = None


class HowToService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def view(self, telegram_id: int, exercise_id: int) -> HowToView:
        """The how-to as this person sees it: theirs if a trainer, else their trainer's."""
        async with self.ctx.uow() as uow:
            user = await uow.users.acting_user(telegram_id)
            if user is None:
                raise NotFound(NOT_FOUND)
            repo = uow.howtos
            trainers = await repo.trainers_of(user.id)
            exercise = await _visible(uow, exercise_id, [user.id, *trainers])
            order = ([user.id] if user.is_trainer else []) + trainers
            demos = {d.trainer_user_id: d for d in await repo.demos_by(order, exercise.id)}
            demo = next((demos[t] for t in order if t in demos), None)
            author = await uow.users.get(demo.trainer_user_id) if demo else None
            return _view(exercise, demo, author)

    async def mine(self, telegram_id: int, exercise_id: int) -> HowToView:
        """A trainer's own version of an exercise's how-to."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            exercise = await _visible(uow, exercise_id, [trainer.id])
            demo = await uow.howtos.demo(trainer.id, exercise.id)
            return _view(exercise, demo, trainer)

    async def set_demo(
        self, telegram_id: int, exercise_id: int, file_id: str, kind: MediaKind
    ) -> HowToView:
        """Attach (or replace) the trainer's demo, a Telegram file_id of a photo, video or GIF."""
        async with self.ctx.uow() as uow:
            trainer, exercise, demo = await self._own(uow, telegram_id, exercise_id)
            demo.file_id = file_id[:255]
            demo.media_kind = kind.value
            await uow.commit()
            return _view(exercise, demo, trainer)

    async def set_cues(self, telegram_id: int, exercise_id: int, text: str) -> HowToView:
        cues = clean_cues(text)
        async with self.ctx.uow() as uow:
            trainer, exercise, demo = await self._own(uow, telegram_id, exercise_id)
            demo.cues = cues
            await uow.commit()
            return _view(exercise, demo, trainer)

    async def clear(self, telegram_id: int, exercise_id: int) -> HowToView:
        """Remove the trainer's demo and cues for this exercise."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            exercise = await _visible(uow, exercise_id, [trainer.id])
            repo = uow.howtos
            demo = await repo.demo(trainer.id, exercise.id)
            if demo is not None:
                await repo.delete(demo)
                await uow.commit()
            return _view(exercise, None, trainer)

    @staticmethod
    async def _own(
        uow: UnitOfWork, telegram_id: int, exercise_id: int
    ) -> tuple[User, Exercise, ExerciseDemo]:
        trainer = await acting_trainer(uow, telegram_id)
        exercise = await _visible(uow, exercise_id, [trainer.id])
        repo = uow.howtos
        demo = await repo.demo(trainer.id, exercise.id)
        if demo is None:
            demo = ExerciseDemo(trainer_user_id=trainer.id, exercise_id=exercise.id)
            repo.add(demo)
        return trainer, exercise, demo


async def _visible(uow: UnitOfWork, exercise_id: int, owners: list[int]) -> Exercise:
    """A built-in exercise, or one owned by someone in ``owners``; else NotFound."""
    exercise = await uow.get(Exercise, exercise_id)
    if exercise is None or (
        exercise.owner_user_id is not None and exercise.owner_user_id not in owners
    ):
        raise NotFound(NOT_FOUND)
    if exercise.owner_user_id is not None and not exercise.is_active:
        raise NotAllowed("That exercise was archived.")
    return exercise


def _view(exercise: Exercise, demo: ExerciseDemo | None, author: User | None) -> HowToView:
    has_demo = demo is not None and (demo.file_id or demo.cues)
    return HowToView(
        exercise_id=exercise.id,
        name=exercise.name,
        muscles=tuple(exercise.muscle_groups or ()),
        equipment=tuple(exercise.equipment or ()),
        howto=howto_for(exercise.slug) if exercise.owner_user_id is None else None,
        trainer_name=author.display_name if has_demo and author is not None else None,
        cues=demo.cues if has_demo and demo is not None else None,
        file_id=demo.file_id if has_demo and demo is not None else None,
        media_kind=MediaKind(demo.media_kind)
        if has_demo and demo is not None and demo.media_kind
        else None,
    )
