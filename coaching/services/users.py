"""Registering Telegram accounts, roles, and personal settings."""

from __future__ import annotations

from dataclasses import dataclass

from coaching.domain.enums import Role, Units
from coaching.domain.when import WhenError, parse_timezone
from coaching.errors import InvalidInput
from coaching.services.base import Service, ServiceContext
from storage.models import TrainerProfile, User
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """Who Telegram says is talking: taken from the update, never from callback data."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    telegram_id: int
    name: str
    first_name: str
    is_trainer: bool
    is_client: bool
    onboarded: bool
    timezone: str
    units: Units
    reachable: bool

    @property
    def roles(self) -> frozenset[Role]:
        roles: set[Role] = set()
        if self.is_trainer:
            roles.add(Role.TRAINER)
        if self.is_client:
            roles.add(Role.CLIENT)
        return frozenset(roles)


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        telegram_id=user.telegram_id,
        name=user.display_name,
        first_name=user.first_name,
        is_trainer=user.is_trainer,
        is_client=user.is_client,
        onboarded=user.onboarded,
        timezone=user.timezone,
        units=user.units,
        reachable=user.reachable,
    )


def validate_timezone(name: str) -> str:
    """The canonical IANA name for a zone or a city (``Europe/Madrid``, ``madrid``,
    ``New York``), or a clear error with examples."""
    try:
        return parse_timezone(name)
    except WhenError as error:
        raise InvalidInput(str(error)) from None


class UserService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def register(self, who: TelegramIdentity) -> tuple[UserView, bool]:
        """Find or create the account; refresh the names Telegram reports.

        Returns the user and whether the account was created just now.
        """
        async with self.ctx.uow() as uow:
            repo = uow.users
            user = await repo.by_telegram_id(who.telegram_id)
            created = user is None
            if user is None:
                user = User(
                    telegram_id=who.telegram_id,
                    first_name=who.first_name[:64] or "Friend",
                    timezone=self.ctx.default_timezone,
                )
                repo.add(user)
            else:
                user.first_name = who.first_name[:64] or user.first_name
            user.last_name = (who.last_name or "")[:64] or None
            user.username = (who.username or "")[:32] or None
            user.language_code = who.language_code
            if not user.reachable:
                # Writing to us means they can be reached again.
                user.reachable = True
                user.unreachable_since = None
            await uow.commit()
            return user_view(user), created

    async def get(self, telegram_id: int) -> UserView | None:
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(telegram_id)
            return user_view(actor.user) if actor else None

    async def choose_roles(self, telegram_id: int, roles: frozenset[Role]) -> UserView:
        """Set the roles a new user picked. A trainer gets an (empty) trainer profile."""
        if not roles:
            raise InvalidInput("Pick at least one role.", example="I'm a trainer")
        async with self.ctx.uow() as uow:
            user = await self._require(uow, telegram_id)
            if Role.TRAINER in roles and not user.is_trainer:
                user.is_trainer = True
                await uow.flush()
                uow.add(TrainerProfile(user_id=user.id, created_by=user.id))
            if Role.CLIENT in roles:
                user.is_client = True
            await uow.commit()
            return user_view(user)

    async def set_timezone(self, telegram_id: int, timezone: str, *, finish: bool) -> UserView:
        tz = validate_timezone(timezone)
        async with self.ctx.uow() as uow:
            user = await self._require(uow, telegram_id)
            user.timezone = tz
            if finish:
                user.onboarded = True
            await uow.commit()
            return user_view(user)

    @staticmethod
    async def _require(uow: UnitOfWork, telegram_id: int) -> User:
        return (await uow.users.acting(telegram_id)).user
