"""What the template and program repositories share: one trainer's active items of a kind,
a page at a time by name, one checked for its owner, and the soft delete that archives one."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Owned

T = TypeVar("T", bound=Owned)


class LibraryRepository(Generic[T]):
    """A repository of ``model``: rows with ``trainer_user_id``, ``name`` and ``is_active``."""

    model: type[T]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, item: T) -> None:
        self.session.add(item)

    def archive(self, item: T) -> None:
        """Hide the item from lists (a soft delete: what was made from it keeps it)."""
        item.is_active = False

    async def page_for(
        self, trainer_user_id: int, *, offset: int, limit: int
    ) -> tuple[list[T], int]:
        """One page of the trainer's active items (by name) and how many there are."""
        model: Any = self.model
        condition = (model.trainer_user_id == trainer_user_id, model.is_active.is_(True))
        total = await self.session.scalar(
            select(func.count()).select_from(self.model).where(*condition)
        )
        rows = await self.session.execute(
            select(self.model)
            .where(*condition)
            .order_by(func.lower(model.name), model.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total or 0)

    def _owned(self, item_id: int, trainer_user_id: int) -> Select[T]:
        """The statement for one of the trainer's active items."""
        model: Any = self.model
        return select(self.model).where(
            model.id == item_id,
            model.trainer_user_id == trainer_user_id,
            model.is_active.is_(True),
        )
