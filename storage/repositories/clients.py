"""Client profiles, their invites, and failed invite look-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Subquery, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import InviteStatus, RelationshipStatus
from storage.models import ClientProfile, Invite, InviteAttempt, Relationship


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, profile_id: int) -> ClientProfile | None:
        return await self.session.get(ClientProfile, profile_id)

    async def profiles_of_person(
        self, user_id: int, *, trainers_only: bool = False
    ) -> list[tuple[int, int | None]]:
        """(profile id, trainer's user id) of every profile of this person; with
        ``trainers_only``, only the trainers' profiles of them (not their self profile)."""
        statement = select(ClientProfile.id, ClientProfile.trainer_user_id).where(
            ClientProfile.user_id == user_id
        )
        if trainers_only:
            statement = statement.where(ClientProfile.trainer_user_id.is_not(None))
        rows = await self.session.execute(statement)
        return [(int(i), None if t is None else int(t)) for i, t in rows]

    async def ids_of_person(self, user_id: int) -> list[int]:
        """Every profile of this person: their self profile and each trainer's profile."""
        rows = await self.session.execute(
            select(ClientProfile.id).where(ClientProfile.user_id == user_id)
        )
        return list(rows.scalars())

    async def self_profile_ids(self, user_id: int) -> list[int]:
        """The person's own profile (no trainer), as a list of its id (empty when none)."""
        rows = await self.session.execute(
            select(ClientProfile.id).where(
                ClientProfile.user_id == user_id, ClientProfile.trainer_user_id.is_(None)
            )
        )
        return list(rows.scalars())

    async def self_profile(self, user_id: int) -> ClientProfile | None:
        """The person's own profile (no trainer), where self-logged data lives."""
        found = await self.session.execute(
            select(ClientProfile).where(
                ClientProfile.user_id == user_id, ClientProfile.trainer_user_id.is_(None)
            )
        )
        return found.scalar_one_or_none()

    def add(self, profile: ClientProfile) -> None:
        self.session.add(profile)

    async def linked(self, trainer_user_id: int, user_id: int) -> ClientProfile | None:
        """The trainer's profile already linked to this person's account, if any."""
        found = await self.session.execute(
            select(ClientProfile).where(
                ClientProfile.trainer_user_id == trainer_user_id,
                ClientProfile.user_id == user_id,
            )
        )
        return found.scalar_one_or_none()

    async def page_for_trainer(
        self,
        trainer_user_id: int,
        statuses: Sequence[RelationshipStatus],
        *,
        offset: int,
        limit: int,
    ) -> list[tuple[ClientProfile, Relationship]]:
        """The trainer's clients whose latest relationship has one of ``statuses``, by name."""
        latest = _latest_relationships(trainer_user_id)
        rows = await self.session.execute(
            select(ClientProfile, Relationship)
            .join(latest, latest.c.id == Relationship.id)
            .join(ClientProfile, ClientProfile.id == Relationship.client_profile_id)
            .where(Relationship.status.in_(list(statuses)))
            .order_by(func.lower(ClientProfile.name), ClientProfile.id)
            .offset(offset)
            .limit(limit)
        )
        return [(profile, relationship) for profile, relationship in rows]

    async def counts_for_trainer(self, trainer_user_id: int) -> dict[RelationshipStatus, int]:
        """How many of the trainer's clients have each status (their latest relationship)."""
        latest = _latest_relationships(trainer_user_id)
        rows = await self.session.execute(
            select(Relationship.status, func.count())
            .join(latest, latest.c.id == Relationship.id)
            .group_by(Relationship.status)
        )
        return {row[0]: row[1] for row in rows}


def _latest_relationships(trainer_user_id: int) -> Subquery:
    """A subquery of the newest relationship id per client profile of this trainer."""
    return (
        select(func.max(Relationship.id).label("id"))
        .where(
            Relationship.trainer_user_id == trainer_user_id,
            Relationship.is_active.is_(True),
        )
        .group_by(Relationship.client_profile_id)
        .subquery()
    )


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, invite: Invite) -> None:
        self.session.add(invite)

    async def get(self, invite_id: int) -> Invite | None:
        return await self.session.get(Invite, invite_id)

    async def by_hash(self, token_hash: str) -> Invite | None:
        found = await self.session.execute(select(Invite).where(Invite.token_hash == token_hash))
        return found.scalar_one_or_none()

    async def open_for(self, client_profile_id: int) -> Invite | None:
        """The newest open invite of a profile (expired or not)."""
        found = await self.session.execute(
            select(Invite)
            .where(
                Invite.client_profile_id == client_profile_id,
                Invite.status == InviteStatus.OPEN,
            )
            .order_by(Invite.id.desc())
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def revoke_open(self, client_profile_id: int) -> int:
        """Revoke every open invite of a profile; returns how many there were."""
        result = await self.session.execute(
            update(Invite)
            .where(
                Invite.client_profile_id == client_profile_id,
                Invite.status == InviteStatus.OPEN,
            )
            .values(status=InviteStatus.REVOKED)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class InviteAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def since(self, telegram_id: int, after: datetime) -> list[datetime]:
        rows = await self.session.execute(
            select(InviteAttempt.attempted_at).where(
                InviteAttempt.telegram_id == telegram_id, InviteAttempt.attempted_at > after
            )
        )
        return list(rows.scalars())

    def record(self, telegram_id: int, when: datetime) -> None:
        self.session.add(InviteAttempt(telegram_id=telegram_id, attempted_at=when))

    async def forget_before(self, cutoff: datetime) -> None:
        """Drop look-ups too old to matter for the rate limit."""
        await self.session.execute(delete(InviteAttempt).where(InviteAttempt.attempted_at < cutoff))
