"""Invite links: issue, revoke, open, accept and decline.

A link carries ``/start inv_<token>``; only the token's SHA-256 is stored. Opening a link that
is expired, used, revoked or made up gets its own message and changes nothing but the count of
failed look-ups, which rate-limits guessing from one account.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from coaching.domain.enums import (
    InviteStatus,
    Permission,
    RelationshipStatus,
    RelationshipType,
    Role,
)
from coaching.domain.intake import recorded_intake
from coaching.domain.invites import (
    ATTEMPT_WINDOW,
    INVITE_REFUSALS,
    TOKEN_BYTES,
    InviteState,
    expires_at,
    hash_token,
    invite_state,
    make_token,
    minutes_blocked,
    rate_limit_message,
    token_from_payload,
)
from coaching.domain.permissions import PermissionFlags
from coaching.errors import Conflict, NotAllowed, NotFound
from coaching.services.access import LIVE_STATUSES, check_access, current_access, flags_of
from coaching.services.base import Service, ServiceContext
from coaching.services.relationships import ensure_capacity
from storage.models import ClientProfile, Invite, PermissionSet, Relationship, User
from storage.uow import UnitOfWork

RandomBytes = Callable[[int], bytes]

ALREADY_JOINED = (
    "This client has already joined, so they don't need an invite link. "
    "Their card shows what they share with you."
)
NO_OPEN_INVITE = "There is no open invite link for this client. Tap “New invite link” to make one."
OWN_INVITE = (
    "This is your own invite link: forward it to your client so they can open it. "
    "You can't accept it yourself."
)


class InviteRefused(NotFound):
    """An invite link that cannot be used; ``state`` says why."""

    def __init__(self, state: InviteState) -> None:
        super().__init__(INVITE_REFUSALS[state])
        self.state = state


class TooManyAttempts(NotAllowed):
    def __init__(self, minutes: int) -> None:
        super().__init__(rate_limit_message(minutes))
        self.minutes = minutes


class AlreadyLinked(Conflict):
    """The client is already connected with this trainer."""


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    invite_id: int
    client_profile_id: int
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class InvitePreview:
    invite_id: int
    trainer_name: str
    trainer_username: str | None
    profile_name: str
    relationship_type: RelationshipType
    requested: PermissionFlags
    expires_at: datetime
    recorded: tuple[tuple[str, str], ...] = ()
    """What the trainer recorded about the client before they joined: (label, text)."""


@dataclass(frozen=True, slots=True)
class Accepted:
    relationship_id: int
    client_profile_id: int
    trainer_telegram_id: int
    trainer_name: str
    client_name: str
    profile_name: str
    start_date: date
    flags: PermissionFlags
    needs_onboarding: bool
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True)
class Declined:
    trainer_telegram_id: int
    trainer_name: str
    client_name: str
    profile_name: str


async def create_invite(
    uow: UnitOfWork,
    *,
    profile_id: int,
    trainer_user_id: int,
    relationship_type: RelationshipType,
    now: datetime,
    ttl_days: int,
    random_bytes: RandomBytes,
) -> tuple[Invite, str]:
    """Revoke the profile's open invites and add a fresh one. Returns it and its token."""
    repo = uow.invites
    await repo.revoke_open(profile_id)
    token = make_token(random_bytes(TOKEN_BYTES))
    invite = Invite(
        token_hash=hash_token(token),
        client_profile_id=profile_id,
        trainer_user_id=trainer_user_id,
        relationship_type=relationship_type,
        requested_permissions=PermissionFlags().as_dict(),
        expires_at=expires_at(now, ttl_days),
        status=InviteStatus.OPEN,
        created_by=trainer_user_id,
    )
    repo.add(invite)
    await uow.flush()
    return invite, token


class InviteService(Service):
    def __init__(
        self, ctx: ServiceContext, random_bytes: RandomBytes = secrets.token_bytes
    ) -> None:
        self.ctx = ctx
        self.random_bytes = random_bytes

    # --- the trainer's side ------------------------------------------------------------------

    async def issue(self, trainer_telegram_id: int, profile_id: int, ttl_days: int) -> IssuedInvite:
        """A new link for a client who has not joined yet; the previous open link stops working."""
        async with self.ctx.uow() as uow:
            trainer = await _user(uow, trainer_telegram_id)
            access = await check_access(uow, trainer.id, profile_id)
            if access.client_user_id is not None:
                raise Conflict(ALREADY_JOINED)
            if access.status is not RelationshipStatus.PENDING:
                raise Conflict(
                    "This relationship is no longer waiting for the client, "
                    "so a new invite link can't be made for it."
                )
            relationship = await uow.relationships.get(access.relationship_id)
            assert relationship is not None
            invite, token = await create_invite(
                uow,
                profile_id=profile_id,
                trainer_user_id=trainer.id,
                relationship_type=relationship.relationship_type,
                now=self.ctx.clock.now(),
                ttl_days=ttl_days,
                random_bytes=self.random_bytes,
            )
            await uow.commit()
            return IssuedInvite(invite.id, profile_id, token, invite.expires_at)

    async def revoke(self, trainer_telegram_id: int, profile_id: int) -> None:
        async with self.ctx.uow() as uow:
            trainer = await _user(uow, trainer_telegram_id)
            await check_access(uow, trainer.id, profile_id)
            if await uow.invites.revoke_open(profile_id) == 0:
                raise Conflict(NO_OPEN_INVITE)
            await uow.commit()

    # --- the client's side -------------------------------------------------------------------

    async def open(self, telegram_id: int, payload: str) -> InvitePreview:
        """Look up the invite in a ``/start`` payload for the user who opened it."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            attempts = uow.invite_attempts
            blocked = minutes_blocked(await attempts.since(telegram_id, now - ATTEMPT_WINDOW), now)
            if blocked:
                raise TooManyAttempts(blocked)
            token = token_from_payload(payload)
            invite = await uow.invites.by_hash(hash_token(token)) if token else None
            state = (
                invite_state(invite.status, invite.expires_at, now)
                if invite is not None
                else InviteState.UNKNOWN
            )
            if invite is None or state is not InviteState.VALID:
                await attempts.forget_before(now - ATTEMPT_WINDOW)
                attempts.record(telegram_id, now)
                await uow.commit()
                raise InviteRefused(state)
            user = await _user(uow, telegram_id)
            trainer, profile = await self._parties(uow, invite)
            await _check_not_linked(uow, user, trainer)
            recorded = recorded_intake(_intake_values(profile), user.units)
            requested = PermissionFlags.from_mapping(invite.requested_permissions)
            if recorded:
                # The client is asked about the details their trainer typed in, with sharing
                # them preselected: the trainer wrote them and coaches by them.
                requested = requested.with_flag(Permission.VIEW_PERSONAL_DATA, True)
            return InvitePreview(
                invite_id=invite.id,
                trainer_name=trainer.display_name,
                trainer_username=trainer.username,
                profile_name=profile.name,
                relationship_type=invite.relationship_type,
                requested=requested,
                expires_at=invite.expires_at,
                recorded=recorded,
            )

    async def accept(self, telegram_id: int, invite_id: int, flags: PermissionFlags) -> Accepted:
        """Link the account, make the relationship ACTIVE and save the chosen permissions."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            invite, user, trainer, profile = await self._usable(uow, telegram_id, invite_id)
            relationships = uow.relationships
            relationship = await relationships.pending_for_profile(profile.id)
            if relationship is None or relationship.trainer_user_id != trainer.id:
                raise InviteRefused(InviteState.REVOKED)
            await ensure_capacity(uow, trainer, excluding=relationship.id, for_trainer=False)
            profile = await _link_profile(uow, profile, relationship, invite, user, trainer)
            today = now.astimezone(ZoneInfo(user.timezone)).date()
            relationship.status = RelationshipStatus.ACTIVE
            relationship.start_date = today
            relationship.status_changed_at = now
            relationship.status_reason = None
            if relationship.end_date is not None and relationship.end_date < today:
                relationship.end_date = None
            permissions = await relationships.permissions(relationship.id)
            if permissions is None:
                permissions = PermissionSet(relationship_id=relationship.id)
                uow.add(permissions)
            for name, value in flags.as_dict().items():
                setattr(permissions, name, value)
            user.is_client = True
            invite.status = InviteStatus.USED
            invite.used_at = now
            invite.used_by_user_id = user.id
            await uow.commit()
            roles = {Role.CLIENT} | ({Role.TRAINER} if user.is_trainer else set())
            return Accepted(
                relationship_id=relationship.id,
                client_profile_id=profile.id,
                trainer_telegram_id=trainer.telegram_id,
                trainer_name=trainer.display_name,
                client_name=user.display_name,
                profile_name=profile.name,
                start_date=today,
                flags=flags_of(permissions),
                needs_onboarding=not user.onboarded,
                roles=frozenset(roles),
            )

    async def decline(self, telegram_id: int, invite_id: int) -> Declined:
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            invite, user, trainer, profile = await self._usable(uow, telegram_id, invite_id)
            relationship = await uow.relationships.pending_for_profile(profile.id)
            if relationship is not None and relationship.trainer_user_id == trainer.id:
                relationship.status = RelationshipStatus.TERMINATED
                relationship.status_reason = "invite declined"
                relationship.status_changed_at = now
            invite.status = InviteStatus.DECLINED
            invite.used_at = now
            invite.used_by_user_id = user.id
            await uow.commit()
            return Declined(
                trainer_telegram_id=trainer.telegram_id,
                trainer_name=trainer.display_name,
                client_name=user.display_name,
                profile_name=profile.name,
            )

    # --- helpers -----------------------------------------------------------------------------

    async def _usable(
        self, uow: UnitOfWork, telegram_id: int, invite_id: int
    ) -> tuple[Invite, User, User, ClientProfile]:
        """Re-check an invite the user opened earlier: still open, not theirs, not linked."""
        invite = await uow.invites.get(invite_id)
        if invite is None:
            raise InviteRefused(InviteState.UNKNOWN)
        state = invite_state(invite.status, invite.expires_at, self.ctx.clock.now())
        if state is not InviteState.VALID:
            raise InviteRefused(state)
        user = await _user(uow, telegram_id)
        trainer, profile = await self._parties(uow, invite)
        await _check_not_linked(uow, user, trainer)
        return invite, user, trainer, profile

    @staticmethod
    async def _parties(uow: UnitOfWork, invite: Invite) -> tuple[User, ClientProfile]:
        trainer = await uow.users.get(invite.trainer_user_id)
        profile = await uow.clients.get(invite.client_profile_id)
        if trainer is None or profile is None or profile.user_id is not None:
            raise InviteRefused(InviteState.USED if profile else InviteState.UNKNOWN)
        return trainer, profile


def _intake_values(profile: ClientProfile) -> dict[str, object]:
    contact = ", ".join(v for v in (profile.email, profile.phone) if v)
    return {
        "contact": contact,
        "date_of_birth": profile.date_of_birth,
        "gender": profile.gender,
        "height_cm": profile.height_cm,
        "current_weight_kg": profile.current_weight_kg,
        "body_fat_pct": profile.body_fat_pct,
        "resting_heart_rate": profile.resting_heart_rate,
        "fitness_level": profile.fitness_level,
        "goals": list(profile.goals or ()),
        "injuries": list(profile.injuries or ()),
        "medical_notes": profile.medical_notes,
        "emergency_contact": profile.emergency_contact,
        "address": profile.address,
    }


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    return (await uow.users.acting(telegram_id)).user


async def _check_not_linked(uow: UnitOfWork, user: User, trainer: User) -> None:
    if user.id == trainer.id:
        raise NotAllowed(OWN_INVITE)
    linked = await uow.clients.linked(trainer.id, user.id)
    if linked is None:
        return
    access = await current_access(uow, trainer.id, linked.id)
    if access is not None and access.status in LIVE_STATUSES:
        raise AlreadyLinked(
            f"You're already connected with {trainer.display_name}. "
            "Send /permissions to see what you share with them."
        )


async def _link_profile(
    uow: UnitOfWork,
    profile: ClientProfile,
    relationship: Relationship,
    invite: Invite,
    user: User,
    trainer: User,
) -> ClientProfile:
    """Link the invited profile to the account.

    A client coming back to a trainer they worked with before already has a (linked) profile
    with that trainer, holding their history; the new relationship moves onto it, taking the
    newly entered details, and the new profile is retired.
    """
    earlier = await uow.clients.linked(trainer.id, user.id)
    if earlier is None:
        profile.user_id = user.id
        return profile
    for column in (
        "name",
        "email",
        "phone",
        "date_of_birth",
        "gender",
        "emergency_contact",
        "height_cm",
        "current_weight_kg",
        "body_fat_pct",
        "resting_heart_rate",
        "fitness_level",
        "medical_notes",
    ):
        value = getattr(profile, column)
        if value is not None:
            setattr(earlier, column, value)
    if profile.goals:
        earlier.goals = list(profile.goals)
    if profile.injuries:
        earlier.injuries = list(profile.injuries)
    relationship.client_profile_id = earlier.id
    invite.client_profile_id = earlier.id
    profile.is_active = False
    await uow.flush()
    return earlier


__all__ = [
    "Accepted",
    "AlreadyLinked",
    "Declined",
    "InvitePreview",
    "InviteRefused",
    "InviteService",
    "IssuedInvite",
    "TooManyAttempts",
    "create_invite",
]
