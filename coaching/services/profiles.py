"""The trainer's own profile (/profile): every field, certificates, categories, tags, link.

Each change is one use case that validates, saves, commits and returns the whole profile as a
frozen :class:`TrainerProfileView`. The rating is never typed in: :func:`store_rating`
derives it from the ratings clients gave this trainer's sessions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coaching.domain import profile_rules as rules
from coaching.domain.actors import NotATrainer
from coaching.domain.enums import Visibility
from coaching.domain.profile_rules import CertificateState, Rating
from coaching.domain.when import WhenError, parse_local_date
from coaching.errors import InvalidInput, NotFound
from coaching.services.base import Service, ServiceContext
from storage.models import Certificate, TrainerCategory, TrainerProfile, User
from storage.repositories.profiles import ProfileRepository
from storage.uow import UnitOfWork

NOT_A_TRAINER = (
    "This is for trainers. If you coach people, send /start and choose “I'm a trainer”; "
    "to find a trainer, send /trainers."
)
SHARE_CODE_BYTES = 9  # 72 random bits, 12 URL-safe characters


@dataclass(frozen=True, slots=True)
class CertificateView:
    id: int
    name: str
    issuing_body: str | None
    date_obtained: date | None
    expiration_date: date | None
    verification_link: str | None
    state: CertificateState
    days_left: int

    @property
    def is_valid(self) -> bool:
        return self.state is not CertificateState.EXPIRED


@dataclass(frozen=True, slots=True)
class CategoryView:
    slug: str
    name: str
    is_primary: bool


@dataclass(frozen=True, slots=True)
class TrainerProfileView:
    profile_id: int
    user_id: int
    name: str
    bio: str | None
    specializations: tuple[str, ...]
    experience_years: int | None
    certificates: tuple[CertificateView, ...]
    hourly_rate: Decimal | None
    currency: str | None
    is_independent: bool
    accepts_new_clients: bool
    client_limit: int
    active_clients: int
    visibility: Visibility
    share_code: str | None
    categories: tuple[CategoryView, ...]
    tags: tuple[str, ...]
    rating: Rating
    today: date

    @property
    def can_accept_new_clients(self) -> bool:
        return rules.can_accept_new_clients(
            self.accepts_new_clients, self.active_clients, self.client_limit
        )

    @property
    def primary_category(self) -> CategoryView | None:
        return next((c for c in self.categories if c.is_primary), None)

    @property
    def expiring_certificates(self) -> tuple[CertificateView, ...]:
        return tuple(c for c in self.certificates if c.state is CertificateState.EXPIRING)


@dataclass(frozen=True, slots=True)
class CertificateDraft:
    """A certificate as typed step by step, before it is saved."""

    name: str
    issuing_body: str | None = None
    date_obtained: date | None = None
    expiration_date: date | None = None
    verification_link: str | None = None


def local_today(now: datetime, timezone: str) -> date:
    """Today's date in ``timezone`` for an aware UTC instant."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def certificate_view(certificate: Certificate, today: date) -> CertificateView:
    state, days_left = rules.certificate_state(certificate.expiration_date, today)
    return CertificateView(
        id=certificate.id,
        name=certificate.name,
        issuing_body=certificate.issuing_body,
        date_obtained=certificate.date_obtained,
        expiration_date=certificate.expiration_date,
        verification_link=certificate.verification_link,
        state=state,
        days_left=days_left,
    )


async def store_rating(uow: UnitOfWork, trainer_user_id: int) -> Rating:
    """Derive the trainer's rating from their sessions' ratings and store it on the profile."""
    average, count = await uow.profiles.rating_aggregate(trainer_user_id)
    rating = rules.rating_from_aggregate(average, count)
    await uow.profiles.store_rating(trainer_user_id, rating.average, rating.count)
    return rating


async def new_share_code(repo: ProfileRepository) -> str:
    while True:
        code = secrets.token_urlsafe(SHARE_CODE_BYTES)
        if not await repo.share_code_taken(code):
            return code


def _certificate_examples(which: Literal["obtained", "expiry"], today: date) -> str:
    """Good answers to quote when a certificate date can't be read: past dates for "when did
    you obtain it?", future ones for "when does it expire?"."""
    years = -2 if which == "obtained" else 2
    day = today.replace(year=today.year + years, day=1)
    relative = "last year" if which == "obtained" else "in 2 years"
    month = f"{day:%b}".lower()
    return f"'{day.isoformat()}', '1 {month} {day.year}' or '{relative}'"


class ProfileService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading ---------------------------------------------------------------------------------

    async def get(self, telegram_id: int) -> TrainerProfileView:
        """The whole profile, with the rating freshly derived (and stored)."""
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            if profile.visibility is Visibility.UNLISTED and profile.share_code is None:
                profile.share_code = await new_share_code(uow.profiles)
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def today(self, telegram_id: int) -> date:
        async with self.ctx.uow() as uow:
            actor = await uow.users.acting_or_none(telegram_id)
            timezone = actor.timezone if actor else self.ctx.default_timezone
            return local_today(self.ctx.clock.now(), timezone)

    # --- typed fields --------------------------------------------------------------------------

    async def set_bio(self, telegram_id: int, text: str) -> TrainerProfileView:
        bio = rules.validate_bio(text)
        return await self._change(telegram_id, lambda p: setattr(p, "bio", bio))

    async def set_specializations(self, telegram_id: int, text: str) -> TrainerProfileView:
        items = rules.parse_specializations(text)
        return await self._change(telegram_id, lambda p: setattr(p, "specializations", items))

    async def set_experience(self, telegram_id: int, text: str) -> TrainerProfileView:
        years = rules.parse_experience(text)
        return await self._change(telegram_id, lambda p: setattr(p, "experience_years", years))

    async def set_client_limit(self, telegram_id: int, text: str) -> TrainerProfileView:
        limit = rules.parse_client_limit(text)
        return await self._change(telegram_id, lambda p: setattr(p, "client_limit", limit))

    async def set_rate(self, telegram_id: int, text: str) -> TrainerProfileView:
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            rate = rules.parse_rate(text, default_currency=profile.currency)
            profile.hourly_rate = rate.amount if rate else None
            profile.currency = rate.currency if rate else None
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def set_tags(self, telegram_id: int, text: str) -> TrainerProfileView:
        tags = rules.parse_tags(text)
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            await uow.profiles.replace_tags(profile.id, tags, user.id)
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    # --- one-tap fields ------------------------------------------------------------------------

    async def toggle_independent(self, telegram_id: int) -> TrainerProfileView:
        return await self._change(
            telegram_id, lambda p: setattr(p, "is_independent", not p.is_independent)
        )

    async def toggle_accepting(self, telegram_id: int) -> TrainerProfileView:
        return await self._change(
            telegram_id, lambda p: setattr(p, "accepts_new_clients", not p.accepts_new_clients)
        )

    async def set_visibility(self, telegram_id: int, value: str) -> TrainerProfileView:
        try:
            visibility = Visibility(value)
        except ValueError:
            raise InvalidInput("Choose public, unlisted or private.", example="public") from None
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            profile.visibility = visibility
            if visibility is Visibility.UNLISTED and profile.share_code is None:
                profile.share_code = await new_share_code(uow.profiles)
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def regenerate_share_code(self, telegram_id: int) -> TrainerProfileView:
        """A new personal link; the old one stops working."""
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            profile.share_code = await new_share_code(uow.profiles)
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    # --- categories ------------------------------------------------------------------------------

    async def toggle_category(self, telegram_id: int, slug: str) -> TrainerProfileView:
        """Add or remove a built-in category. There is always exactly one primary."""
        name = self._category_name(slug)
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            repo = uow.profiles
            category = await repo.category(slug, name)
            link = await repo.link(profile.id, category.id)
            if link is None:
                has_any = bool(await repo.categories_of(profile.id))
                repo.add_link(
                    TrainerCategory(
                        trainer_profile_id=profile.id,
                        category_id=category.id,
                        is_primary=not has_any,
                        created_by=user.id,
                    )
                )
                await uow.flush()
            else:
                was_primary = link.is_primary
                await repo.remove_link(link)
                if was_primary:
                    await repo.set_primary(profile.id, None)
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def set_primary_category(self, telegram_id: int, slug: str) -> TrainerProfileView:
        name = self._category_name(slug)
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            repo = uow.profiles
            category = await repo.category(slug, name)
            if await repo.link(profile.id, category.id) is None:
                raise InvalidInput(f"Add {name} to your categories first, then make it primary.")
            await repo.set_primary(profile.id, category.id)
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    @staticmethod
    def _category_name(slug: str) -> str:
        name = rules.CATEGORY_NAMES.get(slug)
        if name is None:
            raise InvalidInput("That is not one of the categories.", example="Strength")
        return name

    # --- certificates --------------------------------------------------------------------------

    async def read_certificate_date(
        self,
        telegram_id: int,
        text: str,
        *,
        which: Literal["obtained", "expiry"],
        obtained: date | None = None,
    ) -> date:
        """Validate one typed certificate date (nothing is saved)."""
        today = await self.today(telegram_id)
        try:
            day = parse_local_date(text, today=today, examples=_certificate_examples(which, today))
        except WhenError as error:
            raise InvalidInput(str(error)) from None
        if which == "obtained":
            rules.check_certificate_dates(day, None, today)
        else:
            rules.check_certificate_dates(obtained, day, today)
        return day

    async def add_certificate(
        self, telegram_id: int, draft: CertificateDraft
    ) -> TrainerProfileView:
        name = rules.validate_certificate_text(draft.name, "certificate name", "NASM CPT")
        issuer = (
            rules.validate_certificate_text(draft.issuing_body, "issuing body", "NASM")
            if draft.issuing_body
            else None
        )
        link = rules.validate_link(draft.verification_link) if draft.verification_link else None
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            today = local_today(self.ctx.clock.now(), user.timezone)
            rules.check_certificate_dates(draft.date_obtained, draft.expiration_date, today)
            profile.certificates.append(
                Certificate(
                    trainer_profile_id=profile.id,
                    name=name,
                    issuing_body=issuer,
                    date_obtained=draft.date_obtained,
                    expiration_date=draft.expiration_date,
                    verification_link=link,
                    created_by=user.id,
                )
            )
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def delete_certificate(self, telegram_id: int, certificate_id: int) -> TrainerProfileView:
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            found = next((c for c in profile.certificates if c.id == certificate_id), None)
            if found is None:
                raise NotFound("That certificate is not on your profile (any more).")
            profile.certificates.remove(found)
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    # --- internals -------------------------------------------------------------------------------

    async def _change(
        self, telegram_id: int, apply: Callable[[TrainerProfile], None]
    ) -> TrainerProfileView:
        async with self.ctx.uow() as uow:
            user, profile = await self._load(uow, telegram_id)
            apply(profile)
            await uow.flush()
            view = await self._view(uow, user, profile)
            await uow.commit()
            return view

    async def _load(self, uow: UnitOfWork, telegram_id: int) -> tuple[User, TrainerProfile]:
        actor = await uow.users.acting_or_none(telegram_id)
        if actor is None:
            # Unknown (or erased) gets the same answer as a client: what the profile is for.
            raise NotATrainer(telegram_id, NOT_A_TRAINER)
        user = actor.trainer(NOT_A_TRAINER)
        repo = uow.profiles
        profile = await repo.by_user_id(user.id)
        if profile is None:
            uow.add(TrainerProfile(user_id=user.id, created_by=user.id))
            await uow.flush()
            profile = await repo.by_user_id(user.id)
            assert profile is not None
        return user, profile

    async def _view(
        self, uow: UnitOfWork, user: User, profile: TrainerProfile
    ) -> TrainerProfileView:
        repo = uow.profiles
        today = local_today(self.ctx.clock.now(), user.timezone)
        rating = await store_rating(uow, user.id)
        categories = await repo.categories_of(profile.id)
        certificates = sorted(
            profile.certificates,
            key=lambda c: (c.expiration_date is None, c.expiration_date or date.max, c.id),
        )
        return TrainerProfileView(
            profile_id=profile.id,
            user_id=user.id,
            name=user.display_name,
            bio=profile.bio,
            specializations=tuple(profile.specializations or ()),
            experience_years=profile.experience_years,
            certificates=tuple(certificate_view(c, today) for c in certificates),
            hourly_rate=profile.hourly_rate,
            currency=profile.currency,
            is_independent=profile.is_independent,
            accepts_new_clients=profile.accepts_new_clients,
            client_limit=profile.client_limit,
            active_clients=await repo.counted_clients(user.id),
            visibility=profile.visibility,
            share_code=profile.share_code,
            categories=tuple(CategoryView(c.slug, c.name, c.is_primary) for c in categories),
            tags=tuple(await repo.tags_of(profile.id)),
            rating=rating,
            today=today,
        )
