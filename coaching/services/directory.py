"""The trainer directory (/trainers) and coaching requests.

A trainer is reached by a *ref*: ``p<profile id>`` for a public trainer found in the
directory, or ``c<share code>`` for a trainer's own link (public or unlisted). Every ref is
resolved again on every use: a public id for a trainer who went unlisted or private no longer
opens anything, and the same refusal covers "no such trainer".

A request creates the requester's client profile under that trainer, a PENDING relationship
and the default permission set; the trainer accepts or declines it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from coaching.domain import profile_rules as rules
from coaching.domain.enums import RelationshipStatus, RelationshipType, Visibility
from coaching.domain.permissions import PermissionFlags
from coaching.domain.profile_rules import Rating
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.base import Service, ServiceContext
from coaching.services.profiles import CertificateView, certificate_view, local_today
from storage.models import ClientProfile, PermissionSet, Relationship, TrainerProfile, User
from storage.uow import UnitOfWork

PAGE_SIZE = 5
NOT_AVAILABLE = "I can't find that trainer in the directory. Send /trainers to browse again."
PRIVATE_LINK = (
    "This trainer isn't taking requests via links right now. Ask them to invite you directly."
)
NOT_YOUR_REQUEST = "This request isn't one of yours, or it no longer exists."
NOT_REGISTERED = "I don't know you yet. Send /start first."
DECLINE_REASON = "Declined by the trainer."


@dataclass(frozen=True, slots=True)
class TrainerSummary:
    ref: str
    name: str
    headline: str
    rating: Rating
    accepting: bool


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    trainers: tuple[TrainerSummary, ...]
    page: int
    pages: int
    total: int
    category_slug: str | None
    tag: str | None

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


@dataclass(frozen=True, slots=True)
class TrainerCard:
    ref: str
    name: str
    bio: str | None
    specializations: tuple[str, ...]
    certificates: tuple[CertificateView, ...]
    experience_years: int | None
    hourly_rate: Decimal | None
    currency: str | None
    rating: Rating
    accepting: bool
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    is_self: bool
    pending: bool
    already_coached: bool


@dataclass(frozen=True, slots=True)
class RequestSent:
    relationship_id: int
    trainer_name: str
    trainer_telegram_id: int
    client_name: str
    relationship_type: RelationshipType
    requester_onboarded: bool


@dataclass(frozen=True, slots=True)
class RequestDecision:
    relationship_id: int
    accepted: bool
    client_name: str
    client_telegram_id: int | None
    trainer_name: str
    start_date: date | None


def profile_ref(profile: TrainerProfile, *, via_code: bool) -> str:
    if via_code and profile.share_code:
        return f"c{profile.share_code}"
    return f"p{profile.id}"


def _headline(profile: TrainerProfile, categories: list[str]) -> str:
    parts = list(categories[:2]) or list(profile.specializations[:2])
    if profile.experience_years is not None:
        years = profile.experience_years
        parts.append(f"{years} yr" if years == 1 else f"{years} yrs")
    if profile.hourly_rate is not None:
        parts.append(rules.format_rate(profile.hourly_rate, profile.currency))
    return " · ".join(parts)


class DirectoryService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def browse(
        self,
        telegram_id: int,
        *,
        category_slug: str | None = None,
        tag: str | None = None,
        page: int = 0,
    ) -> DirectoryPage:
        """One page of public trainers, filtered by a built-in category and/or a tag."""
        if category_slug is not None and category_slug not in rules.CATEGORY_NAMES:
            category_slug = None
        clean_tag = rules.normalise_tag(tag) if tag else None
        if clean_tag is not None and len(clean_tag) > rules.TAG_MAX_LEN:
            raise InvalidInput(
                f"Tags are at most {rules.TAG_MAX_LEN} characters.", example="kettlebells"
            )
        async with self.ctx.uow() as uow:
            await self._requester(uow, telegram_id)
            repo = uow.profiles
            page = max(page, 0)
            profiles, total = await repo.directory_page(
                category_slug=category_slug,
                tag=clean_tag or None,
                offset=page * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
            pages = max(1, math.ceil(total / PAGE_SIZE))
            if page >= pages and total:
                page = pages - 1
                profiles, total = await repo.directory_page(
                    category_slug=category_slug,
                    tag=clean_tag or None,
                    offset=page * PAGE_SIZE,
                    limit=PAGE_SIZE,
                )
            summaries = []
            for profile in profiles:
                names = [row.name for row in await repo.categories_of(profile.id)]
                counted = await repo.counted_clients(profile.user_id)
                summaries.append(
                    TrainerSummary(
                        ref=profile_ref(profile, via_code=False),
                        name=profile.user.display_name,
                        headline=_headline(profile, names),
                        rating=rules.rating_from_aggregate(profile.rating, profile.rating_count),
                        accepting=rules.can_accept_new_clients(
                            profile.accepts_new_clients, counted, profile.client_limit
                        ),
                    )
                )
            return DirectoryPage(
                trainers=tuple(summaries),
                page=page,
                pages=pages,
                total=total,
                category_slug=category_slug,
                tag=clean_tag or None,
            )

    async def card(self, telegram_id: int, ref: str) -> TrainerCard:
        """A trainer's public card: only valid certificates, never private details."""
        async with self.ctx.uow() as uow:
            requester = await self._requester(uow, telegram_id)
            profile = await self._resolve(uow, ref)
            return await self._card(uow, requester, profile, ref)

    async def request(
        self, telegram_id: int, ref: str, relationship_type: RelationshipType
    ) -> RequestSent:
        """Ask a trainer for coaching: a PENDING relationship the trainer answers."""
        async with self.ctx.uow() as uow:
            requester = await self._requester(uow, telegram_id)
            profile = await self._resolve(uow, ref)
            trainer = profile.user
            if trainer.id == requester.id:
                raise NotAllowed("You can't request coaching from yourself.")
            repo = uow.profiles
            client = await repo.client_profile_of(trainer.id, requester.id)
            if client is not None:
                live = await repo.live_relationship(client.id)
                if live is not None and live.status is RelationshipStatus.PENDING:
                    raise Conflict(
                        f"You already asked {trainer.display_name}; waiting for their answer."
                    )
                if live is not None:
                    raise Conflict(f"{trainer.display_name} is already your trainer.")
            counted = await repo.counted_clients(trainer.id)
            if not rules.can_accept_new_clients(
                profile.accepts_new_clients, counted, profile.client_limit
            ):
                raise Conflict(f"{trainer.display_name} isn't taking new clients right now.")
            if client is None:
                client = ClientProfile(
                    trainer_user_id=trainer.id,
                    user_id=requester.id,
                    name=requester.display_name[:120],
                    created_by=requester.id,
                )
                uow.add(client)
                await uow.flush()
            relationship = Relationship(
                trainer_user_id=trainer.id,
                client_profile_id=client.id,
                status=RelationshipStatus.PENDING,
                relationship_type=relationship_type,
                status_changed_at=self.ctx.clock.now(),
                created_by=requester.id,
            )
            uow.add(relationship)
            await uow.flush()
            uow.add(PermissionSet(relationship_id=relationship.id, **PermissionFlags().as_dict()))
            await uow.commit()
            return RequestSent(
                relationship_id=relationship.id,
                trainer_name=trainer.display_name,
                trainer_telegram_id=trainer.telegram_id,
                client_name=client.name,
                relationship_type=relationship_type,
                requester_onboarded=requester.onboarded,
            )

    async def decide(
        self, trainer_telegram_id: int, relationship_id: int, *, accept: bool
    ) -> RequestDecision:
        """The trainer accepts (ACTIVE from today) or declines (TERMINATED) a request."""
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(trainer_telegram_id)
            if actor is None:
                raise NotFound(NOT_YOUR_REQUEST)
            trainer = actor.user
            repo = uow.profiles
            found = await repo.request_for_trainer(relationship_id, trainer.id)
            if found is None:
                raise NotFound(NOT_YOUR_REQUEST)
            relationship, client = found
            if relationship.status is not RelationshipStatus.PENDING:
                raise Conflict(
                    f"You already answered {client.name}'s request "
                    f"(it is {relationship.status.value.lower()})."
                )
            client_user = await uow.users.get(client.user_id or 0)
            now = self.ctx.clock.now()
            start: date | None = None
            if accept:
                profile = await repo.by_user_id(trainer.id)
                accepts = profile.accepts_new_clients if profile else False
                limit = profile.client_limit if profile else 0
                counted = await repo.counted_clients(trainer.id, excluding=relationship.id)
                if not rules.can_accept_new_clients(accepts, counted, limit):
                    raise Conflict(
                        "You can't take another client right now: you're at your client limit "
                        "or not accepting new clients. Change that in /profile, then accept."
                    )
                start = local_today(now, trainer.timezone)
                relationship.status = RelationshipStatus.ACTIVE
                relationship.start_date = start
                if client_user is not None:
                    client_user.is_client = True
            else:
                relationship.status = RelationshipStatus.TERMINATED
                relationship.status_reason = DECLINE_REASON
            relationship.status_changed_at = now
            await uow.commit()
            return RequestDecision(
                relationship_id=relationship.id,
                accepted=accept,
                client_name=client.name,
                client_telegram_id=client_user.telegram_id if client_user else None,
                trainer_name=trainer.display_name,
                start_date=start,
            )

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    async def _requester(uow: UnitOfWork, telegram_id: int) -> User:
        return (await uow.users.acting(telegram_id)).user

    @staticmethod
    async def _resolve(uow: UnitOfWork, ref: str) -> TrainerProfile:
        repo = uow.profiles
        profile: TrainerProfile | None = None
        if ref.startswith("p") and ref[1:].isdigit() and len(ref) < 12:
            profile = await repo.by_id(int(ref[1:]))
            if profile is not None and profile.visibility is not Visibility.PUBLIC:
                profile = None
        elif ref.startswith("c") and 8 <= len(ref) <= 25:
            profile = await repo.by_share_code(ref[1:])
            if profile is not None and profile.visibility is Visibility.PRIVATE:
                raise NotAllowed(PRIVATE_LINK)
        if (
            profile is None
            or not profile.is_active
            or not profile.user.is_active
            or not profile.user.is_trainer
            or profile.user.erased_at is not None
        ):
            raise NotFound(NOT_AVAILABLE)
        return profile

    async def _card(
        self, uow: UnitOfWork, requester: User, profile: TrainerProfile, ref: str
    ) -> TrainerCard:
        repo = uow.profiles
        today = local_today(self.ctx.clock.now(), requester.timezone)
        certificates = tuple(
            view
            for view in (certificate_view(c, today) for c in profile.certificates)
            if view.is_valid
        )
        counted = await repo.counted_clients(profile.user_id)
        average, count = await repo.rating_aggregate(profile.user_id)
        client = await repo.client_profile_of(profile.user_id, requester.id)
        live = await repo.live_relationship(client.id) if client is not None else None
        return TrainerCard(
            ref=ref,
            name=profile.user.display_name,
            bio=profile.bio,
            specializations=tuple(profile.specializations or ()),
            certificates=certificates,
            experience_years=profile.experience_years,
            hourly_rate=profile.hourly_rate,
            currency=profile.currency,
            rating=rules.rating_from_aggregate(average, count),
            accepting=rules.can_accept_new_clients(
                profile.accepts_new_clients, counted, profile.client_limit
            ),
            categories=tuple(row.name for row in await repo.categories_of(profile.id)),
            tags=tuple(await repo.tags_of(profile.id)),
            is_self=profile.user_id == requester.id,
            pending=live is not None and live.status is RelationshipStatus.PENDING,
            already_coached=live is not None and live.status is not RelationshipStatus.PENDING,
        )
