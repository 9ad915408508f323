"""A trainer's library of one kind of item (session templates, programs): create, list a page,
copy and archive, once for every kind.

A kind's service subclasses :class:`LibraryService` and says how its items are found (its
repository and its "not found" message), summarised, viewed and copied; the use cases here do
the rest, each in one unit of work that re-checks the item belongs to the acting trainer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, Protocol, TypeVar

from coaching.domain.enums import Units
from coaching.errors import NotFound
from coaching.services.base import Service
from coaching.services.exercises import PAGE_SIZE, Page, acting_trainer, page_bounds
from storage.models import NAME_MAX
from storage.uow import UnitOfWork

COPY_SUFFIX = " (copy)"


M = TypeVar("M")
S = TypeVar("S")
V = TypeVar("V")


class LibraryRepository(Protocol[M]):
    """What the use cases here need of a kind's repository."""

    def add(self, item: M, /) -> None: ...

    async def page_for(
        self, trainer_user_id: int, *, offset: int, limit: int
    ) -> tuple[list[M], int]: ...

    async def get_owned(self, item_id: int, trainer_user_id: int, /) -> M | None: ...

    def archive(self, item: M, /) -> None: ...


def copy_name(name: str) -> str:
    """``Lower A`` → ``Lower A (copy)``, cut so that it still fits a name."""
    return name[: NAME_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX


class LibraryService(Service, Generic[M, S, V]):
    """Create, page, copy and archive the items ``M`` of one kind; ``S`` is an item's line in a
    list and ``V`` its whole view."""

    not_found: ClassVar[str]

    # ---------------------------------------------------------------- what a kind supplies

    def _repo(self, uow: UnitOfWork) -> LibraryRepository[M]:
        raise NotImplementedError

    def _summary(self, item: M) -> S:
        raise NotImplementedError

    def _new_view(self, item: M, units: Units) -> V:
        """The view of an item just made, with nothing in it yet."""
        raise NotImplementedError

    def _twin(self, original: M, trainer_id: int) -> M:
        """A new item with the original's details, named by :func:`copy_name`."""
        raise NotImplementedError

    async def _copy_content(self, uow: UnitOfWork, original: M, twin: M, units: Units) -> V:
        """Copy what the original holds into its stored twin; the twin's view."""
        raise NotImplementedError

    async def _original(self, uow: UnitOfWork, item_id: int, trainer_id: int) -> M:
        """The item to copy, loaded as :meth:`_copy_content` needs it."""
        return await self._owned(uow, item_id, trainer_id)

    # ---------------------------------------------------------------- the use cases

    async def _create(self, telegram_id: int, build: Callable[[int], M]) -> V:
        """Store ``build(trainer id)``, its details already checked."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            item = build(trainer.id)
            self._repo(uow).add(item)
            await uow.flush()
            view = self._new_view(item, trainer.units)
            await uow.commit()
            return view

    async def page(self, telegram_id: int, page: int = 0) -> Page[S]:
        """One page of the trainer's active items by name; past the end, the last page."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            repo = self._repo(uow)
            rows, total = await repo.page_for(
                trainer.id, offset=max(page, 0) * PAGE_SIZE, limit=PAGE_SIZE
            )
            page, pages = page_bounds(page, total)
            if not rows and total:
                rows, total = await repo.page_for(
                    trainer.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE
                )
            return Page(tuple(self._summary(item) for item in rows), page, pages, total)

    async def copy(self, telegram_id: int, item_id: int) -> V:
        """A deep copy: the details and everything the item holds, named "… (copy)"."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            original = await self._original(uow, item_id, trainer.id)
            twin = self._twin(original, trainer.id)
            self._repo(uow).add(twin)
            await uow.flush()
            view = await self._copy_content(uow, original, twin, trainer.units)
            await uow.commit()
            return view

    async def archive(self, telegram_id: int, item_id: int) -> S:
        """Hide the item from lists; what was made from it keeps working."""
        async with self.ctx.uow() as uow:
            trainer = await acting_trainer(uow, telegram_id)
            item = await self._owned(uow, item_id, trainer.id)
            self._repo(uow).archive(item)
            result = self._summary(item)
            await uow.commit()
            return result

    # ---------------------------------------------------------------- internals

    async def _owned(self, uow: UnitOfWork, item_id: int, trainer_id: int) -> M:
        item = await self._repo(uow).get_owned(item_id, trainer_id)
        if item is None:
            raise NotFound(self.not_found)
        return item
