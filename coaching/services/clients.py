"""A trainer's clients: creating one (with its invite), the clients list, and the card.

Every read of a client goes through :func:`coaching.services.access.check_access`; personal
and health details show on the card only when the client shares them (or has not joined yet,
when the profile is the trainer's own record).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from coaching.domain.client_profile import ClientDraft
from coaching.domain.display import Injury, read_injury
from coaching.domain.enums import (
    InviteStatus,
    Permission,
    RelationshipStatus,
    RelationshipType,
    Units,
)
from coaching.domain.permissions import PermissionFlags
from coaching.errors import NotAllowed, NotFound
from coaching.services.access import (
    LIVE_STATUSES,
    NOT_YOUR_CLIENT,
    Access,
    check_access,
    current_access,
)
from coaching.services.base import Service, ServiceContext
from coaching.services.invites import RandomBytes, create_invite
from coaching.services.relationships import Capacity, capacity, ensure_capacity, trainer_user
from storage.models import ClientProfile, Invite, PermissionSet, Relationship
from storage.uow import UnitOfWork

PAGE_SIZE = 8


class ClientGroup(StrEnum):
    """The tabs of the clients list; the value is what goes in callback data."""

    ACTIVE = "a"
    PENDING = "p"
    PAUSED = "z"
    ENDED = "e"


GROUP_STATUSES: dict[ClientGroup, tuple[RelationshipStatus, ...]] = {
    ClientGroup.ACTIVE: (RelationshipStatus.ACTIVE,),
    ClientGroup.PENDING: (RelationshipStatus.PENDING,),
    ClientGroup.PAUSED: (RelationshipStatus.PAUSED,),
    ClientGroup.ENDED: (RelationshipStatus.TERMINATED, RelationshipStatus.EXPIRED),
}


@dataclass(frozen=True, slots=True)
class CreatedClient:
    client_profile_id: int
    relationship_id: int
    name: str
    relationship_type: RelationshipType
    token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ClientRow:
    client_profile_id: int
    name: str
    status: RelationshipStatus
    joined: bool


@dataclass(frozen=True, slots=True)
class ClientPage:
    group: ClientGroup
    page: int
    pages: int
    rows: tuple[ClientRow, ...]
    counts: dict[ClientGroup, int]


@dataclass(frozen=True, slots=True)
class ClientCard:
    client_profile_id: int
    relationship_id: int
    name: str
    status: RelationshipStatus
    relationship_type: RelationshipType
    start_date: date | None
    end_date: date | None
    status_reason: str | None
    joined: bool
    personal_visible: bool
    notes: str | None
    invite_expires_at: datetime | None
    """When the open invite link stops working (a pending client who has not joined)."""
    viewer_timezone: str
    flags: PermissionFlags
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    body_fat_pct: Decimal | None = None
    resting_heart_rate: int | None = None
    fitness_level: str | None = None
    goals: tuple[str, ...] = ()
    injuries: tuple[Injury, ...] = ()
    medical_notes: str | None = None
    emergency_contact: str | None = None
    invite_expired_at: datetime | None = None
    """When the newest invite link expired, if it did and no newer one was made."""
    viewer_units: Units = Units.KG
    """The trainer's unit setting: heights and weights are shown in it."""

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def awaiting_invite(self) -> bool:
        """A client the trainer invited who has not joined: a new link can be made."""
        return not self.joined and self.status is RelationshipStatus.PENDING


class ClientService(Service):
    def __init__(
        self, ctx: ServiceContext, random_bytes: RandomBytes = secrets.token_bytes
    ) -> None:
        self.ctx = ctx
        self.random_bytes = random_bytes

    async def capacity(self, trainer_telegram_id: int) -> Capacity:
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            return await capacity(uow, trainer.id)

    async def create_client(
        self, trainer_telegram_id: int, draft: ClientDraft, *, ttl_days: int
    ) -> CreatedClient:
        """The profile, a PENDING relationship with default permissions, and an invite."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            await ensure_capacity(uow, trainer)
            profile = ClientProfile(
                trainer_user_id=trainer.id,
                user_id=None,
                name=draft.name,
                email=draft.email,
                phone=draft.phone,
                date_of_birth=draft.date_of_birth,
                gender=draft.gender,
                emergency_contact=draft.emergency_contact,
                height_cm=draft.height_cm,
                current_weight_kg=draft.weight_kg,
                body_fat_pct=draft.body_fat_pct,
                resting_heart_rate=draft.resting_heart_rate,
                fitness_level=draft.fitness_level,
                goals=list(draft.goals),
                injuries=list(draft.injuries),
                medical_notes=draft.medical_notes,
                created_by=trainer.id,
            )
            uow.clients.add(profile)
            await uow.flush()
            relationship = Relationship(
                trainer_user_id=trainer.id,
                client_profile_id=profile.id,
                status=RelationshipStatus.PENDING,
                relationship_type=draft.relationship_type,
                status_changed_at=now,
                created_by=trainer.id,
            )
            uow.relationships.add(relationship)
            await uow.flush()
            uow.add(PermissionSet(relationship_id=relationship.id, **PermissionFlags().as_dict()))
            invite, token = await create_invite(
                uow,
                profile_id=profile.id,
                trainer_user_id=trainer.id,
                relationship_type=draft.relationship_type,
                now=now,
                ttl_days=ttl_days,
                random_bytes=self.random_bytes,
            )
            await uow.commit()
            return CreatedClient(
                client_profile_id=profile.id,
                relationship_id=relationship.id,
                name=profile.name,
                relationship_type=relationship.relationship_type,
                token=token,
                expires_at=invite.expires_at,
            )

    async def list_clients(
        self, trainer_telegram_id: int, group: ClientGroup, page: int
    ) -> ClientPage:
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            repo = uow.clients
            by_status = await repo.counts_for_trainer(trainer.id)
            counts = {
                g: sum(by_status.get(s, 0) for s in statuses)
                for g, statuses in GROUP_STATUSES.items()
            }
            pages = max(1, math.ceil(counts[group] / PAGE_SIZE))
            page = min(max(page, 0), pages - 1)
            rows = await repo.page_for_trainer(
                trainer.id, GROUP_STATUSES[group], offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
            return ClientPage(
                group=group,
                page=page,
                pages=pages,
                rows=tuple(
                    ClientRow(p.id, p.name, r.status, p.user_id is not None) for p, r in rows
                ),
                counts=counts,
            )

    async def card(self, trainer_telegram_id: int, client_profile_id: int) -> ClientCard:
        """The card, within the client's permissions."""
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            access, personal = await _card_access(uow, trainer.id, client_profile_id)
            relationship = await uow.relationships.get(access.relationship_id)
            profile = await uow.clients.get(client_profile_id)
            if relationship is None or profile is None:
                raise NotFound(NOT_YOUR_CLIENT)
            invite = await uow.invites.open_for(client_profile_id)
            open_invite, expired_invite = _invite_times(
                invite, relationship, profile, self.ctx.clock.now()
            )
            card = ClientCard(
                client_profile_id=profile.id,
                relationship_id=relationship.id,
                name=profile.name,
                status=relationship.status,
                relationship_type=relationship.relationship_type,
                start_date=relationship.start_date,
                end_date=relationship.end_date,
                status_reason=relationship.status_reason,
                joined=profile.user_id is not None,
                personal_visible=personal,
                notes=relationship.notes,
                invite_expires_at=open_invite,
                viewer_timezone=trainer.timezone,
                flags=access.flags,
                invite_expired_at=expired_invite,
                viewer_units=trainer.units,
            )
            return _with_personal_data(card, profile) if personal else card


async def _card_access(
    uow: UnitOfWork, trainer_user_id: int, client_profile_id: int
) -> tuple[Access, bool]:
    """The relationship a card shows, and whether it may show the client's personal data."""
    latest = await current_access(uow, trainer_user_id, client_profile_id)
    if latest is None:
        raise NotFound(NOT_YOUR_CLIENT)
    if latest.status not in LIVE_STATUSES:
        # An ended relationship: the client's data stays theirs. The trainer keeps only the
        # header of their own record and their notes.
        return latest, False
    access = await check_access(uow, trainer_user_id, client_profile_id)
    try:
        await check_access(uow, trainer_user_id, client_profile_id, Permission.VIEW_PERSONAL_DATA)
    except NotAllowed:
        return access, False
    return access, True


def _invite_times(
    invite: Invite | None, relationship: Relationship, profile: ClientProfile, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """(until when the open invite runs, when it ran out) of a client still waiting to join
    through an invite; both ``None`` for anyone else."""
    waiting = (
        invite is not None
        and invite.status is InviteStatus.OPEN
        and relationship.status is RelationshipStatus.PENDING
        and profile.user_id is None
    )
    if not waiting or invite is None:
        return None, None
    if invite.expires_at > now:
        return invite.expires_at, None
    return None, invite.expires_at


def _with_personal_data(card: ClientCard, profile: ClientProfile) -> ClientCard:
    return replace(
        card,
        email=profile.email,
        phone=profile.phone,
        date_of_birth=profile.date_of_birth,
        gender=profile.gender,
        height_cm=profile.height_cm,
        weight_kg=profile.current_weight_kg,
        body_fat_pct=profile.body_fat_pct,
        resting_heart_rate=profile.resting_heart_rate,
        fitness_level=profile.fitness_level,
        goals=tuple(str(g) for g in profile.goals or ()),
        injuries=tuple(read_injury(i) for i in profile.injuries or ()),
        medical_notes=profile.medical_notes,
        emergency_contact=profile.emergency_contact,
    )
