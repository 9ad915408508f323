"""Trainer profiles: certificates, categories, tags, the derived rating, the directory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from coaching.domain.enums import RelationshipStatus, Visibility
from storage.models import (
    Category,
    ClientProfile,
    CoachingSession,
    Relationship,
    Tag,
    TrainerCategory,
    TrainerProfile,
    TrainerTag,
    User,
)

# Relationships that take a place under the trainer's client limit.
COUNTED_STATUSES = (RelationshipStatus.ACTIVE, RelationshipStatus.PENDING)


@dataclass(frozen=True, slots=True)
class CategoryRow:
    slug: str
    name: str
    is_primary: bool


class ProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the profile -----------------------------------------------------------------------

    async def by_user_id(self, user_id: int) -> TrainerProfile | None:
        """The trainer's profile with its certificates and user loaded."""
        result = await self.session.execute(
            select(TrainerProfile)
            .where(TrainerProfile.user_id == user_id)
            .options(selectinload(TrainerProfile.certificates), selectinload(TrainerProfile.user))
        )
        return result.scalar_one_or_none()

    async def by_id(self, profile_id: int) -> TrainerProfile | None:
        result = await self.session.execute(
            select(TrainerProfile)
            .where(TrainerProfile.id == profile_id)
            .options(selectinload(TrainerProfile.certificates), selectinload(TrainerProfile.user))
        )
        return result.scalar_one_or_none()

    async def by_share_code(self, code: str) -> TrainerProfile | None:
        result = await self.session.execute(
            select(TrainerProfile)
            .where(TrainerProfile.share_code == code)
            .options(selectinload(TrainerProfile.certificates), selectinload(TrainerProfile.user))
        )
        return result.scalar_one_or_none()

    async def share_code_taken(self, code: str) -> bool:
        found = await self.session.execute(
            select(TrainerProfile.id).where(TrainerProfile.share_code == code)
        )
        return found.first() is not None

    # --- categories ------------------------------------------------------------------------------

    async def categories_of(self, profile_id: int) -> list[CategoryRow]:
        rows = await self.session.execute(
            select(Category.slug, Category.name, TrainerCategory.is_primary)
            .join(TrainerCategory, TrainerCategory.category_id == Category.id)
            .where(TrainerCategory.trainer_profile_id == profile_id)
            .order_by(TrainerCategory.is_primary.desc(), Category.name)
        )
        return [CategoryRow(slug, name, is_primary) for slug, name, is_primary in rows]

    async def category(self, slug: str, name: str) -> Category:
        """The category row for a built-in slug, created on first use."""
        found = await self.session.execute(select(Category).where(Category.slug == slug))
        category = found.scalar_one_or_none()
        if category is None:
            category = Category(slug=slug, name=name)
            self.session.add(category)
            await self.session.flush()
        return category

    async def link(self, profile_id: int, category_id: int) -> TrainerCategory | None:
        return await self.session.get(TrainerCategory, (profile_id, category_id))

    def add_link(self, link: TrainerCategory) -> None:
        self.session.add(link)

    async def remove_link(self, link: TrainerCategory) -> None:
        await self.session.delete(link)
        await self.session.flush()

    async def set_primary(self, profile_id: int, category_id: int | None) -> None:
        """Make ``category_id`` the one primary category (``None``: the first one by name)."""
        await self.session.execute(
            update(TrainerCategory)
            .where(TrainerCategory.trainer_profile_id == profile_id)
            .values(is_primary=False)
        )
        await self.session.flush()
        if category_id is None:
            first = await self.session.execute(
                select(TrainerCategory.category_id)
                .join(Category, Category.id == TrainerCategory.category_id)
                .where(TrainerCategory.trainer_profile_id == profile_id)
                .order_by(Category.name)
                .limit(1)
            )
            category_id = first.scalar_one_or_none()
            if category_id is None:
                return
        await self.session.execute(
            update(TrainerCategory)
            .where(
                TrainerCategory.trainer_profile_id == profile_id,
                TrainerCategory.category_id == category_id,
            )
            .values(is_primary=True)
        )

    # --- tags ------------------------------------------------------------------------------------

    async def tags_of(self, profile_id: int) -> list[str]:
        rows = await self.session.execute(
            select(Tag.name)
            .join(TrainerTag, TrainerTag.tag_id == Tag.id)
            .where(TrainerTag.trainer_profile_id == profile_id)
            .order_by(Tag.name)
        )
        return list(rows.scalars())

    async def replace_tags(self, profile_id: int, names: Sequence[str], actor: int) -> None:
        await self.session.execute(
            delete(TrainerTag).where(TrainerTag.trainer_profile_id == profile_id)
        )
        if not names:
            return
        existing = await self.session.execute(select(Tag).where(Tag.name.in_(list(names))))
        by_name = {tag.name: tag for tag in existing.scalars()}
        for name in names:
            if name not in by_name:
                tag = Tag(name=name)
                self.session.add(tag)
                by_name[name] = tag
        await self.session.flush()
        for name in names:
            self.session.add(
                TrainerTag(trainer_profile_id=profile_id, tag_id=by_name[name].id, created_by=actor)
            )

    # --- derived numbers -----------------------------------------------------------------------

    async def rating_aggregate(self, trainer_user_id: int) -> tuple[Decimal | None, int]:
        """AVG and COUNT of the ratings clients gave this trainer's sessions and agreed to make
        public (the others are the trainer's to read, never the directory's)."""
        row = (
            await self.session.execute(
                select(func.avg(CoachingSession.rating), func.count(CoachingSession.rating))
                .join(Relationship, Relationship.id == CoachingSession.relationship_id)
                .where(
                    Relationship.trainer_user_id == trainer_user_id,
                    CoachingSession.rating.is_not(None),
                    CoachingSession.rating_public.is_(True),
                    CoachingSession.is_active.is_(True),
                )
            )
        ).one()
        average, count = row
        return (None if average is None else Decimal(str(average))), int(count or 0)

    async def store_rating(self, trainer_user_id: int, average: Decimal | None, count: int) -> None:
        """Store the derived rating on the trainer's profile."""
        await self.session.execute(
            update(TrainerProfile)
            .where(TrainerProfile.user_id == trainer_user_id)
            .values(rating=average, rating_count=count)
        )

    async def counted_clients(self, trainer_user_id: int, *, excluding: int | None = None) -> int:
        """Clients that take a place: ACTIVE and PENDING relationships."""
        statement = select(func.count(Relationship.id)).where(
            Relationship.trainer_user_id == trainer_user_id,
            Relationship.status.in_(COUNTED_STATUSES),
            Relationship.is_active.is_(True),
        )
        if excluding is not None:
            statement = statement.where(Relationship.id != excluding)
        return int((await self.session.execute(statement)).scalar_one())

    # --- the directory -----------------------------------------------------------------------

    def _public(self) -> Select[TrainerProfile]:
        return (
            select(TrainerProfile)
            .join(User, User.id == TrainerProfile.user_id)
            .where(
                TrainerProfile.visibility == Visibility.PUBLIC,
                TrainerProfile.is_active.is_(True),
                User.is_active.is_(True),
                User.is_trainer.is_(True),
                User.erased_at.is_(None),
            )
        )

    def _filtered(self, category_slug: str | None, tag: str | None) -> Select[TrainerProfile]:
        statement = self._public()
        if category_slug is not None:
            statement = statement.where(
                TrainerProfile.id.in_(
                    select(TrainerCategory.trainer_profile_id)
                    .join(Category, Category.id == TrainerCategory.category_id)
                    .where(Category.slug == category_slug)
                )
            )
        if tag is not None:
            statement = statement.where(
                TrainerProfile.id.in_(
                    select(TrainerTag.trainer_profile_id)
                    .join(Tag, Tag.id == TrainerTag.tag_id)
                    .where(Tag.name == tag)
                )
            )
        return statement

    async def directory_page(
        self, *, category_slug: str | None, tag: str | None, offset: int, limit: int
    ) -> tuple[list[TrainerProfile], int]:
        """Public trainers matching the filters, best rated first, and how many match."""
        base = self._filtered(category_slug, tag)
        total = (
            await self.session.execute(select(func.count()).select_from(base.subquery()))
        ).scalar_one()
        rows = await self.session.execute(
            base.options(selectinload(TrainerProfile.user))
            .order_by(
                TrainerProfile.accepts_new_clients.desc(),
                TrainerProfile.rating.desc().nulls_last(),
                TrainerProfile.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    # --- coaching requests ---------------------------------------------------------------------

    async def client_profile_of(self, trainer_user_id: int, user_id: int) -> ClientProfile | None:
        """The trainer's profile of this person, if the trainer has one."""
        found = await self.session.execute(
            select(ClientProfile).where(
                ClientProfile.trainer_user_id == trainer_user_id, ClientProfile.user_id == user_id
            )
        )
        return found.scalar_one_or_none()

    async def live_relationship(self, client_profile_id: int) -> Relationship | None:
        found = await self.session.execute(
            select(Relationship)
            .where(
                Relationship.client_profile_id == client_profile_id,
                Relationship.status.in_(
                    (
                        RelationshipStatus.PENDING,
                        RelationshipStatus.ACTIVE,
                        RelationshipStatus.PAUSED,
                    )
                ),
                Relationship.is_active.is_(True),
            )
            .order_by(Relationship.id.desc())
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def request_for_trainer(
        self, relationship_id: int, trainer_user_id: int
    ) -> tuple[Relationship, ClientProfile] | None:
        """A coaching request (made by the client) addressed to this trainer."""
        row = (
            await self.session.execute(
                select(Relationship, ClientProfile)
                .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
                .where(
                    Relationship.id == relationship_id,
                    Relationship.trainer_user_id == trainer_user_id,
                    Relationship.is_active.is_(True),
                    ClientProfile.user_id.is_not(None),
                    Relationship.created_by == ClientProfile.user_id,
                )
            )
        ).first()
        if row is None:
            return None
        return row[0], row[1]
