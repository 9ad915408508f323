"""Users: looked up by Telegram id, created on first contact; and who is acting."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.actors import Erased, NotATrainer, NotRegistered
from coaching.domain.enums import Units
from storage.models import User


@dataclass(frozen=True, slots=True)
class Actor:
    """The person acting in a use case: their (live, not erased) account and their roles."""

    user: User

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def telegram_id(self) -> int:
        return self.user.telegram_id

    @property
    def is_trainer(self) -> bool:
        return self.user.is_trainer

    @property
    def is_client(self) -> bool:
        return self.user.is_client

    @property
    def timezone(self) -> str:
        return self.user.timezone

    @property
    def units(self) -> Units:
        return self.user.units

    def trainer(self, refusal: str) -> User:
        """The account, when the person is a trainer; else :class:`NotATrainer` with
        ``refusal`` (the sentence for the feature they tried)."""
        if not self.user.is_trainer:
            raise NotATrainer(self.user.telegram_id, refusal)
        return self.user


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_telegram_id(self, telegram_id: int) -> User | None:
        result = await self.session.execute(select(User).where(User.telegram_id == telegram_id))
        return result.scalar_one_or_none()

    async def acting(self, telegram_id: int) -> Actor:
        """Who is acting, by Telegram id (one query): :class:`NotRegistered` when the bot does
        not know them, :class:`Erased` when their account was erased."""
        user = await self.by_telegram_id(telegram_id)
        if user is None:
            raise NotRegistered(telegram_id)
        if user.erased_at is not None:
            raise Erased(telegram_id)
        return Actor(user)

    async def acting_or_none(self, telegram_id: int) -> Actor | None:
        """Who is acting, or ``None`` when the bot does not know them (or their account was
        erased): for reads that answer an unknown person instead of refusing them."""
        try:
            return await self.acting(telegram_id)
        except NotRegistered:
            return None

    async def acting_user(self, telegram_id: int) -> User | None:
        """The acting person's account, or ``None`` when the bot does not know them (or their
        account was erased): for use cases that refuse an unknown person in words of their
        own."""
        actor = await self.acting_or_none(telegram_id)
        return None if actor is None else actor.user

    async def acting_trainer(self, telegram_id: int, refusal: str) -> User:
        """The acting trainer's account: as :meth:`acting`, and :class:`NotATrainer` with
        ``refusal`` for someone who is not a trainer."""
        return (await self.acting(telegram_id)).trainer(refusal)

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    def add(self, user: User) -> None:
        self.session.add(user)
