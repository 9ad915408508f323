"""Body measurements and progress photos (/measure), by the client or their trainer.

A client's own entries go to their self profile. A trainer logs for a client only when the
client allows it (``Permission.MODIFY_WORKOUTS``) and reads a client's measurements only when
the client shares personal data (``Permission.VIEW_PERSONAL_DATA``): body metrics are personal
data. Both checks go through :func:`coaching.services.access.check_access`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from coaching.domain import measurements as rules
from coaching.domain.enums import Permission, Units
from coaching.domain.measurements import MeasurementEntry, Point
from coaching.errors import NotAllowed
from coaching.services.access import (
    Access,
    check_access,
    own_profile,
    person_profiles,
    readable_scope,
)
from coaching.services.base import Service, ServiceContext
from coaching.services.profiles import local_today
from storage.models import ClientProfile, Measurement, ProgressPhoto, User
from storage.uow import UnitOfWork

RECENT_DAYS = 400
RECENT_PER_KIND = 5
MAX_KINDS_SHOWN = 8
CLIENTS_PER_PAGE = 8
CAPTION_MAX = 1024
NOT_REGISTERED = "I don't know you yet. Send /start first."
NOT_A_TRAINER = "Only trainers can log measurements for a client."


@dataclass(frozen=True, slots=True)
class MeasureStart:
    name: str
    is_trainer: bool
    is_client: bool
    units: Units


@dataclass(frozen=True, slots=True)
class ClientChoice:
    client_profile_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ClientPage:
    clients: tuple[ClientChoice, ...]
    page: int
    pages: int
    total: int


@dataclass(frozen=True, slots=True)
class ClientTarget:
    client_profile_id: int
    name: str
    can_log: bool
    can_view: bool
    log_refusal: str | None
    view_refusal: str | None


@dataclass(frozen=True, slots=True)
class KindTrend:
    kind: str
    label: str
    unit: str
    latest_value: Decimal
    latest_on: date
    arrow: str
    delta_previous: Decimal | None
    delta_30d: Decimal | None
    recent: tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True, slots=True)
class RecentEntries:
    subject: str
    units: Units
    kinds: tuple[KindTrend, ...]
    photo_count: int
    last_photo_on: date | None


@dataclass(frozen=True, slots=True)
class SavedMeasurement:
    entry: MeasurementEntry
    subject: str
    units: Units
    trend: KindTrend | None
    client_telegram_id: int | None = None


@dataclass(frozen=True, slots=True)
class SavedPhoto:
    photo_id: int
    subject: str
    taken_on: date
    caption: str | None
    client_telegram_id: int | None = None


def kind_trends(rows: Sequence[Measurement]) -> tuple[KindTrend, ...]:
    """Per kind, newest first: the latest value with its trend and the last few entries."""
    grouped: dict[str, list[Measurement]] = defaultdict(list)
    for row in rows:
        grouped[row.kind].append(row)
    trends = []
    for kind, entries in grouped.items():
        entries.sort(key=lambda m: (m.measured_on, m.id), reverse=True)
        points = [Point(m.measured_on, m.value) for m in entries]
        result = rules.trend(points)
        trends.append(
            KindTrend(
                kind=kind,
                label=rules.kind_label(kind),
                unit=entries[0].unit,
                latest_value=result.latest.value,
                latest_on=result.latest.measured_on,
                arrow=result.arrow,
                delta_previous=result.delta_previous,
                delta_30d=result.delta_30d,
                recent=tuple((p.measured_on, p.value) for p in points[:RECENT_PER_KIND]),
            )
        )
    built_in = {kind: i for i, kind in enumerate(rules.BUILT_IN_KINDS)}
    trends.sort(key=lambda t: (built_in.get(t.kind, len(built_in)), -t.latest_on.toordinal()))
    return tuple(trends[:MAX_KINDS_SHOWN])


class MeasurementService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def start(self, telegram_id: int) -> MeasureStart:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            return MeasureStart(
                name=user.display_name,
                is_trainer=user.is_trainer,
                is_client=user.is_client,
                units=user.units,
            )

    # --- the client's own entries ------------------------------------------------------------

    async def log_own(
        self, telegram_id: int, text: str, *, kind: str | None = None
    ) -> SavedMeasurement:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            today = local_today(self.ctx.clock.now(), user.timezone)
            entry = rules.parse_measurement(text, units=user.units, today=today, kind=kind)
            profile = await own_profile(uow, user.id, user.display_name)
            await self._store(uow, profile, entry, user.id)
            scope = await person_profiles(uow, user.id)
            trend = await self._trend(uow, scope, entry.kind, today)
            await uow.commit()
            return SavedMeasurement(entry, user.display_name, user.units, trend)

    async def add_own_photo(
        self, telegram_id: int, file_id: str, file_unique_id: str | None, caption: str | None
    ) -> SavedPhoto:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            profile = await own_profile(uow, user.id, user.display_name)
            photo = self._photo(profile.id, user, file_id, file_unique_id, caption)
            uow.measurements.add(photo)
            await uow.flush()
            await uow.commit()
            return SavedPhoto(photo.id, user.display_name, photo.taken_on, photo.caption)

    async def recent_own(self, telegram_id: int) -> RecentEntries:
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            scope = await person_profiles(uow, user.id)
            return await self._recent(uow, scope, user.display_name, user)

    # --- a trainer for a client -----------------------------------------------------------------

    async def client_page(self, telegram_id: int, page: int = 0) -> ClientPage:
        """The trainer's active clients, a page at a time."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            repo = uow.measurements
            page = max(page, 0)
            rows, total = await repo.active_clients(
                trainer.id, offset=page * CLIENTS_PER_PAGE, limit=CLIENTS_PER_PAGE
            )
            pages = max(1, math.ceil(total / CLIENTS_PER_PAGE))
            return ClientPage(
                clients=tuple(ClientChoice(pid, name) for pid, name in rows),
                page=page,
                pages=pages,
                total=total,
            )

    async def choose_client(self, telegram_id: int, client_profile_id: int) -> ClientTarget:
        """Check the client is the trainer's, and what the client lets them do here."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            await check_access(uow, trainer.id, client_profile_id)
            log_refusal = await self._refusal(
                uow, trainer.id, client_profile_id, Permission.MODIFY_WORKOUTS
            )
            view_refusal = await self._refusal(
                uow, trainer.id, client_profile_id, Permission.VIEW_PERSONAL_DATA
            )
            profile = await uow.get(ClientProfile, client_profile_id)
            assert profile is not None
            return ClientTarget(
                client_profile_id=client_profile_id,
                name=profile.name,
                can_log=log_refusal is None,
                can_view=view_refusal is None,
                log_refusal=log_refusal,
                view_refusal=view_refusal,
            )

    async def log_for_client(
        self, telegram_id: int, client_profile_id: int, text: str, *, kind: str | None = None
    ) -> SavedMeasurement:
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            access = await check_access(
                uow, trainer.id, client_profile_id, Permission.MODIFY_WORKOUTS
            )
            today = local_today(self.ctx.clock.now(), trainer.timezone)
            entry = rules.parse_measurement(text, units=trainer.units, today=today, kind=kind)
            profile = await uow.get(ClientProfile, access.client_profile_id)
            assert profile is not None
            await self._store(uow, profile, entry, trainer.id)
            trend = None
            if (
                await self._refusal(
                    uow, trainer.id, client_profile_id, Permission.VIEW_PERSONAL_DATA
                )
                is None
            ):
                scope = await readable_scope(uow, access)
                trend = await self._trend(uow, scope, entry.kind, today)
            client_telegram_id = await self._telegram_id(uow, access)
            await uow.commit()
            return SavedMeasurement(entry, profile.name, trainer.units, trend, client_telegram_id)

    async def add_client_photo(
        self,
        telegram_id: int,
        client_profile_id: int,
        file_id: str,
        file_unique_id: str | None,
        caption: str | None,
    ) -> SavedPhoto:
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            access = await check_access(
                uow, trainer.id, client_profile_id, Permission.MODIFY_WORKOUTS
            )
            profile = await uow.get(ClientProfile, access.client_profile_id)
            assert profile is not None
            photo = self._photo(profile.id, trainer, file_id, file_unique_id, caption)
            uow.measurements.add(photo)
            await uow.flush()
            client_telegram_id = await self._telegram_id(uow, access)
            await uow.commit()
            return SavedPhoto(
                photo.id, profile.name, photo.taken_on, photo.caption, client_telegram_id
            )

    async def recent_for_client(self, telegram_id: int, client_profile_id: int) -> RecentEntries:
        async with self.ctx.uow() as uow:
            trainer_user_id = (await self._trainer(uow, telegram_id)).id
        return await self.list_measurements_for_trainer(trainer_user_id, client_profile_id)

    async def list_measurements_for_trainer(
        self, trainer_user_id: int, client_profile_id: int
    ) -> RecentEntries:
        """A client's recent measurements for their trainer: needs VIEW_PERSONAL_DATA."""
        async with self.ctx.uow() as uow:
            access = await check_access(
                uow, trainer_user_id, client_profile_id, Permission.VIEW_PERSONAL_DATA
            )
            trainer = await uow.users.get(trainer_user_id)
            assert trainer is not None
            profile = await uow.get(ClientProfile, access.client_profile_id)
            assert profile is not None
            scope = await readable_scope(uow, access)
            return await self._recent(uow, scope, profile.name, trainer)

    # --- internals -------------------------------------------------------------------------------

    @staticmethod
    async def _user(uow: UnitOfWork, telegram_id: int) -> User:
        return (await uow.users.acting(telegram_id)).user

    async def _trainer(self, uow: UnitOfWork, telegram_id: int) -> User:
        user = await self._user(uow, telegram_id)
        if not user.is_trainer:
            raise NotAllowed(NOT_A_TRAINER)
        return user

    @staticmethod
    async def _refusal(
        uow: UnitOfWork, trainer_user_id: int, client_profile_id: int, permission: Permission
    ) -> str | None:
        try:
            await check_access(uow, trainer_user_id, client_profile_id, permission)
        except NotAllowed as refusal:
            return str(refusal)
        return None

    @staticmethod
    async def _telegram_id(uow: UnitOfWork, access: Access) -> int | None:
        if access.client_user_id is None:
            return None
        client = await uow.users.get(access.client_user_id)
        return client.telegram_id if client is not None and client.is_active else None

    def _photo(
        self,
        profile_id: int,
        actor: User,
        file_id: str,
        file_unique_id: str | None,
        caption: str | None,
    ) -> ProgressPhoto:
        text = " ".join((caption or "").split())[:CAPTION_MAX] or None
        return ProgressPhoto(
            client_profile_id=profile_id,
            file_id=file_id[:255],
            file_unique_id=(file_unique_id or "")[:64] or None,
            caption=text,
            taken_on=local_today(self.ctx.clock.now(), actor.timezone),
            created_by=actor.id,
        )

    @staticmethod
    async def _store(
        uow: UnitOfWork, profile: ClientProfile, entry: MeasurementEntry, actor: int
    ) -> None:
        uow.measurements.add(
            Measurement(
                client_profile_id=profile.id,
                kind=entry.kind,
                value=entry.value,
                unit=entry.unit,
                measured_on=entry.measured_on,
                created_by=actor,
            )
        )
        await uow.flush()
        # Keep the profile's "current" figures in step with the newest entry.
        newest = await uow.measurements.of_kind([profile.id], entry.kind, entry.measured_on)
        if newest and newest[0].measured_on == entry.measured_on:
            if entry.kind == rules.BODY_WEIGHT:
                profile.current_weight_kg = entry.value
            elif entry.kind == rules.BODY_FAT:
                profile.body_fat_pct = entry.value
            elif entry.kind == rules.RESTING_HR:
                profile.resting_heart_rate = int(entry.value)

    @staticmethod
    async def _trend(
        uow: UnitOfWork, scope: Sequence[int], kind: str, today: date
    ) -> KindTrend | None:
        rows = await uow.measurements.of_kind(scope, kind, today - timedelta(days=RECENT_DAYS))
        trends = kind_trends(rows)
        return trends[0] if trends else None

    async def _recent(
        self, uow: UnitOfWork, scope: Sequence[int], subject: str, viewer: User
    ) -> RecentEntries:
        repo = uow.measurements
        today = local_today(self.ctx.clock.now(), viewer.timezone)
        rows = await repo.since(scope, today - timedelta(days=RECENT_DAYS))
        count, last_photo = await repo.photo_summary(scope)
        return RecentEntries(
            subject=subject,
            units=viewer.units,
            kinds=kind_trends(rows),
            photo_count=count,
            last_photo_on=last_photo,
        )
