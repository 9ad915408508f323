"""The coaching relationship's lifecycle: pause, resume, end, extend, notes, and expiry.

Either side may pause, resume or end; the trainer alone extends the end date and keeps notes.
Moves follow :mod:`coaching.domain.transitions`. A trainer acts through
:func:`coaching.services.access.check_access`; a client acts on relationships of their own
profiles. Nothing is deleted: an ended relationship keeps its history, and the client's data
stays theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from coaching.domain.client_profile import parse_date, parse_notes
from coaching.domain.enums import RelationshipStatus
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.domain.when import example_day
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import LIVE_STATUSES, check_access
from coaching.services.base import Service, ServiceContext
from storage.models import ClientProfile, Relationship, User
from storage.uow import UnitOfWork

CAPACITY_STATUSES = (RelationshipStatus.ACTIVE, RelationshipStatus.PENDING)
NOT_A_TRAINER = "Only trainers can do this. Send /start to register as a trainer."
NO_RELATIONSHIP = "I can't find that coaching relationship among yours."
REASON_MAX = 500
NOTES_MAX = 2000


class CapacityReached(Conflict):
    """The trainer cannot take another client; ``trainer_telegram_id`` is who to tell."""

    def __init__(self, message: str, *, trainer_telegram_id: int, trainer_reason: str) -> None:
        super().__init__(message)
        self.trainer_telegram_id = trainer_telegram_id
        self.trainer_reason = trainer_reason


@dataclass(frozen=True, slots=True)
class Capacity:
    accepts_new_clients: bool
    client_count: int
    client_limit: int

    @property
    def can_accept(self) -> bool:
        """``canAcceptNewClients``: accepting, and fewer active + pending clients than the limit."""
        return self.accepts_new_clients and self.client_count < self.client_limit

    def reason(self) -> str:
        """Why a trainer cannot take a client, and how to fix it."""
        if not self.accepts_new_clients:
            return (
                "Your profile says you are not accepting new clients. "
                "Turn “accepts new clients” on in /profile first."
            )
        return (
            f"You have {self.client_count} active and pending clients and your client limit is "
            f"{self.client_limit}. Raise the limit in /profile, or end a relationship you no "
            "longer need from /clients."
        )


async def capacity(
    uow: UnitOfWork, trainer_user_id: int, *, excluding: int | None = None
) -> Capacity:
    repo = uow.relationships
    profile = await repo.trainer_profile(trainer_user_id)
    if profile is None:
        raise NotAllowed(NOT_A_TRAINER)
    count = await repo.count_for_trainer(trainer_user_id, CAPACITY_STATUSES, excluding=excluding)
    return Capacity(profile.accepts_new_clients, count, profile.client_limit)


async def ensure_capacity(
    uow: UnitOfWork, trainer: User, *, excluding: int | None = None, for_trainer: bool = True
) -> None:
    """Every path that adds a client calls this. Raises :class:`CapacityReached`."""
    room = await capacity(uow, trainer.id, excluding=excluding)
    if room.can_accept:
        return
    reason = room.reason()
    message = (
        f"You can't add a client right now. {reason}"
        if for_trainer
        else (
            f"{trainer.display_name} can't take on new clients right now, so the invite can't "
            "be accepted yet. I've let them know; your link stays valid until it expires, so "
            "try it again once they have made room."
        )
    )
    raise CapacityReached(message, trainer_telegram_id=trainer.telegram_id, trainer_reason=reason)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A change one side made; ``other_telegram_id`` is who to tell (None: nobody to tell)."""

    relationship_id: int
    client_profile_id: int
    status: RelationshipStatus
    by_trainer: bool
    actor_name: str
    trainer_name: str
    client_name: str
    other_telegram_id: int | None
    reason: str | None
    end_date: date | None


@dataclass(frozen=True, slots=True)
class Parties:
    """Who is acting on a relationship; ``other_name`` is the other side's name."""

    relationship_id: int
    client_profile_id: int
    status: RelationshipStatus
    by_trainer: bool
    other_name: str


@dataclass(frozen=True, slots=True)
class ExpiryNotice:
    relationship_id: int
    client_profile_id: int
    trainer_telegram_id: int
    client_telegram_id: int | None
    trainer_name: str
    client_name: str
    end_date: date


def clean_reason(text: str | None, *, required: bool) -> str | None:
    value = " ".join((text or "").split())
    if not value:
        if required:
            raise InvalidInput(
                "Please give a short reason; the other side will see it.",
                example="moving to another city",
            )
        return None
    if len(value) > REASON_MAX:
        raise InvalidInput(
            f"That reason is {len(value)} characters long; the limit is {REASON_MAX}.",
            example="moving to another city",
        )
    return value


class RelationshipService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def pause(
        self, telegram_id: int, relationship_id: int, reason: str | None
    ) -> StatusChange:
        return await self._move(
            telegram_id,
            relationship_id,
            RelationshipStatus.PAUSED,
            clean_reason(reason, required=False),
        )

    async def resume(self, telegram_id: int, relationship_id: int) -> StatusChange:
        return await self._move(telegram_id, relationship_id, RelationshipStatus.ACTIVE, None)

    async def terminate(self, telegram_id: int, relationship_id: int, reason: str) -> StatusChange:
        return await self._move(
            telegram_id,
            relationship_id,
            RelationshipStatus.TERMINATED,
            clean_reason(reason, required=True),
        )

    async def prepare(
        self,
        telegram_id: int,
        relationship_id: int,
        target: RelationshipStatus | None = None,
        *,
        trainer_only: bool = False,
    ) -> Parties:
        """Check the user may act on this relationship (and make this move) before asking them
        for a reason, a date or notes. Raises as the action itself would."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            relationship, profile, trainer, by_trainer = await _authorise(
                uow, user, relationship_id
            )
            if trainer_only and not by_trainer:
                raise NotFound(NO_RELATIONSHIP)
            if target is not None:
                _check(relationship.status, target)
            return Parties(
                relationship_id=relationship.id,
                client_profile_id=profile.id,
                status=relationship.status,
                by_trainer=by_trainer,
                other_name=profile.name if by_trainer else trainer.display_name,
            )

    async def extend(
        self, trainer_telegram_id: int, relationship_id: int, text: str
    ) -> StatusChange:
        """Set a new end date (typed, e.g. 2027-03-31); it must be after today."""
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            relationship, profile, _trainer, by_trainer = await _authorise(
                uow, trainer, relationship_id
            )
            if not by_trainer:
                raise NotFound(NO_RELATIONSHIP)
            if relationship.status not in LIVE_STATUSES:
                raise Conflict("This coaching relationship has ended, so its end date is final.")
            today = self.ctx.clock.now().astimezone(ZoneInfo(trainer.timezone)).date()
            example = example_day(today + timedelta(days=60)).isoformat()
            new_end = parse_date(text, example=example)
            if new_end <= today:
                raise InvalidInput(
                    "The new end date must be after today.",
                    example=(today + timedelta(days=90)).isoformat(),
                )
            if relationship.start_date is not None and new_end < relationship.start_date:
                raise InvalidInput(
                    "The end date can't be before the relationship started "
                    f"({relationship.start_date.isoformat()}).",
                    example=(today + timedelta(days=90)).isoformat(),
                )
            relationship.end_date = new_end
            client = await _client_user(uow, profile)
            await uow.commit()
            return _change(relationship, profile, trainer, client, by_trainer=True)

    async def set_notes(self, trainer_telegram_id: int, relationship_id: int, text: str) -> int:
        """Replace the trainer's private notes; returns the client profile's id."""
        notes = parse_notes(text, example="prefers morning sessions; knee rehab until March")
        async with self.ctx.uow() as uow:
            trainer = await trainer_user(uow, trainer_telegram_id)
            relationship, profile, _trainer, by_trainer = await _authorise(
                uow, trainer, relationship_id
            )
            if not by_trainer:
                raise NotFound(NO_RELATIONSHIP)
            relationship.notes = notes
            await uow.commit()
            return profile.id

    async def expire_due(self) -> list[ExpiryNotice]:
        """Mark relationships whose end date has passed (in the trainer's zone) as EXPIRED."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            # No zone is more than a day ahead of UTC, so nothing later than tomorrow (UTC) ends.
            rows = await uow.relationships.ending_by(now.date() + timedelta(days=1), LIVE_STATUSES)
            notices: list[ExpiryNotice] = []
            for relationship, profile, trainer in rows:
                end = relationship.end_date
                assert end is not None
                if now.astimezone(ZoneInfo(trainer.timezone)).date() <= end:
                    continue
                relationship.status = RelationshipStatus.EXPIRED
                relationship.status_changed_at = now
                relationship.status_reason = "end date passed"
                await uow.invites.revoke_open(profile.id)
                client = await _client_user(uow, profile)
                notices.append(
                    ExpiryNotice(
                        relationship_id=relationship.id,
                        client_profile_id=profile.id,
                        trainer_telegram_id=trainer.telegram_id,
                        client_telegram_id=client.telegram_id if client else None,
                        trainer_name=trainer.display_name,
                        client_name=client.display_name if client else profile.name,
                        end_date=end,
                    )
                )
            await uow.commit()
            return notices

    async def _move(
        self,
        telegram_id: int,
        relationship_id: int,
        target: RelationshipStatus,
        reason: str | None,
    ) -> StatusChange:
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            relationship, profile, trainer, by_trainer = await _authorise(
                uow, user, relationship_id
            )
            _check(relationship.status, target)
            relationship.status = target
            relationship.status_reason = reason
            relationship.status_changed_at = self.ctx.clock.now()
            if target is RelationshipStatus.TERMINATED:
                # A link for a relationship that has ended must not work any more.
                await uow.invites.revoke_open(profile.id)
            client = await _client_user(uow, profile)
            await uow.commit()
            return _change(relationship, profile, trainer, client, by_trainer=by_trainer)


def _check(current: RelationshipStatus, target: RelationshipStatus) -> None:
    if target is RelationshipStatus.ACTIVE and current is not RelationshipStatus.PAUSED:
        if current is RelationshipStatus.ACTIVE:
            raise Conflict("This coaching relationship is already active.")
        if current is RelationshipStatus.PENDING:
            raise Conflict("This coaching relationship starts when the client accepts the invite.")
    try:
        check_transition(current, target)
    except InvalidTransition as error:
        raise Conflict(str(error)) from None


def _change(
    relationship: Relationship,
    profile: ClientProfile,
    trainer: User,
    client: User | None,
    *,
    by_trainer: bool,
) -> StatusChange:
    client_name = client.display_name if client else profile.name
    return StatusChange(
        relationship_id=relationship.id,
        client_profile_id=profile.id,
        status=relationship.status,
        by_trainer=by_trainer,
        actor_name=trainer.display_name if by_trainer else client_name,
        trainer_name=trainer.display_name,
        client_name=client_name,
        other_telegram_id=(client.telegram_id if client else None)
        if by_trainer
        else trainer.telegram_id,
        reason=relationship.status_reason,
        end_date=relationship.end_date,
    )


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    return (await uow.users.acting(telegram_id)).user


async def _client_user(uow: UnitOfWork, profile: ClientProfile) -> User | None:
    if profile.user_id is None:
        return None
    return await uow.users.get(profile.user_id)


async def _authorise(
    uow: UnitOfWork, user: User, relationship_id: int
) -> tuple[Relationship, ClientProfile, User, bool]:
    """The relationship if ``user`` is one of its two sides (and which), else NotFound."""
    row = await uow.relationships.with_parties(relationship_id)
    if row is None:
        raise NotFound(NO_RELATIONSHIP)
    relationship, profile, trainer = row
    if relationship.trainer_user_id == user.id:
        if relationship.status in LIVE_STATUSES:
            # The one permission check: this must be the trainer's current relationship.
            access = await check_access(uow, user.id, profile.id)
            if access.relationship_id != relationship.id:
                raise NotFound(NO_RELATIONSHIP)
        return relationship, profile, trainer, True
    if profile.user_id is not None and profile.user_id == user.id:
        return relationship, profile, trainer, False
    raise NotFound(NO_RELATIONSHIP)


async def trainer_user(uow: UnitOfWork, telegram_id: int) -> User:
    """The acting trainer's account, or a clear refusal."""
    return await uow.users.acting_trainer(telegram_id, NOT_A_TRAINER)
