"""What a client lets each trainer see and do: the PermissionSet flags and ProgressionAccess.

Only the client changes these. Trainers never call anything here that writes; their reads go
through :func:`coaching.services.access.trainer_access` and, for per-exercise progress,
:func:`trainer_progression_visible`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from coaching.domain.enums import Permission, RelationshipStatus, RelationshipType
from coaching.domain.permissions import PermissionFlags, ProgressionWindow, progression_visible
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.access import flags_of, trainer_access
from coaching.services.base import ServiceContext
from storage.models import (
    ClientProfile,
    Exercise,
    PermissionSet,
    ProgressionAccess,
    Relationship,
    User,
)
from storage.repositories.relationships import RelationshipRepository
from storage.repositories.users import UserRepository

NOT_YOUR_TRAINER = "I can't find that trainer among yours."
PERMISSION_ORDER: tuple[Permission, ...] = tuple(Permission)
CLIENT_STATUSES = (
    RelationshipStatus.ACTIVE,
    RelationshipStatus.PAUSED,
    RelationshipStatus.PENDING,
)
PROGRESSION_METRICS = frozenset({"weight", "reps", "volume", "e1rm", "rpe", "duration", "distance"})


@dataclass(frozen=True, slots=True)
class TrainerLink:
    relationship_id: int
    trainer_name: str
    status: RelationshipStatus


@dataclass(frozen=True, slots=True)
class PermissionsView:
    relationship_id: int
    trainer_name: str
    status: RelationshipStatus
    relationship_type: RelationshipType
    start_date: date | None
    end_date: date | None
    flags: PermissionFlags


@dataclass(frozen=True, slots=True)
class PermissionChange:
    view: PermissionsView
    permission: Permission
    allowed: bool
    trainer_telegram_id: int
    client_name: str


class PermissionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def trainers(self, client_telegram_id: int) -> list[TrainerLink]:
        """The client's current trainers (active, paused or waiting), newest first."""
        async with self.ctx.uow() as uow:
            user = await _user(uow.session, client_telegram_id)
            rows = await RelationshipRepository(uow.session).for_client(user.id, CLIENT_STATUSES)
            return [TrainerLink(r.id, t.display_name, r.status) for r, _p, t in rows]

    async def view(self, client_telegram_id: int, relationship_id: int) -> PermissionsView:
        async with self.ctx.uow() as uow:
            user = await _user(uow.session, client_telegram_id)
            relationship, _profile, trainer = await _own(uow.session, user, relationship_id)
            permissions = await RelationshipRepository(uow.session).permissions(relationship.id)
            return _view(relationship, trainer, flags_of(permissions))

    async def toggle(
        self, client_telegram_id: int, relationship_id: int, index: int
    ) -> PermissionChange:
        """Flip one flag (by its position in :data:`PERMISSION_ORDER`) and save it at once."""
        if not 0 <= index < len(PERMISSION_ORDER):
            raise NotFound(NOT_YOUR_TRAINER)
        permission = PERMISSION_ORDER[index]
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await _user(session, client_telegram_id)
            relationship, _profile, trainer = await _own(session, user, relationship_id)
            row = await _permission_row(session, relationship.id)
            allowed = not bool(getattr(row, permission.value))
            setattr(row, permission.value, allowed)
            await uow.commit()
            return PermissionChange(
                view=_view(relationship, trainer, flags_of(row)),
                permission=permission,
                allowed=allowed,
                trainer_telegram_id=trainer.telegram_id,
                client_name=user.display_name,
            )

    async def set_progression_access(
        self,
        client_telegram_id: int,
        relationship_id: int,
        exercise_id: int,
        metrics: Iterable[str],
        start: date | None = None,
        end: date | None = None,
    ) -> ProgressionWindow:
        """Which metrics of one exercise the trainer may see, optionally within a window."""
        chosen = frozenset(m.strip().lower() for m in metrics if m.strip())
        unknown = chosen - PROGRESSION_METRICS
        if unknown:
            raise InvalidInput(
                f"I don't know the metric “{sorted(unknown)[0]}”. Choose from "
                + ", ".join(sorted(PROGRESSION_METRICS))
                + ".",
                example="weight, reps",
            )
        if start is not None and end is not None and end < start:
            raise InvalidInput(
                "The window must end on or after the day it starts.",
                example="2026-12-01 to 2027-03-31",
            )
        async with self.ctx.uow() as uow:
            session = uow.session
            user = await _user(session, client_telegram_id)
            relationship, _profile, _trainer = await _own(session, user, relationship_id)
            exercise = await session.get(Exercise, exercise_id)
            if exercise is None or (
                exercise.owner_user_id is not None
                and exercise.owner_user_id not in (user.id, relationship.trainer_user_id)
            ):
                raise NotFound("I can't find that exercise.")
            repo = RelationshipRepository(session)
            rule = await repo.progression_rule(relationship.id, exercise_id)
            if rule is None:
                rule = ProgressionAccess(
                    relationship_id=relationship.id, exercise_id=exercise_id, created_by=user.id
                )
                session.add(rule)
            rule.viewable_metrics = sorted(chosen)
            rule.visibility_start = start
            rule.visibility_end = end
            rule.is_active = True
            rule.is_auto_shared = False
            await uow.commit()
            return _window(rule)

    async def clear_progression_access(
        self, client_telegram_id: int, relationship_id: int, exercise_id: int
    ) -> None:
        """Drop the per-exercise rule: the general "view progression data" flag decides again."""
        async with self.ctx.uow() as uow:
            user = await _user(uow.session, client_telegram_id)
            relationship, _profile, _trainer = await _own(uow.session, user, relationship_id)
            rule = await RelationshipRepository(uow.session).progression_rule(
                relationship.id, exercise_id
            )
            if rule is not None:
                await uow.session.delete(rule)
                await uow.commit()

    async def progression_access(
        self, client_telegram_id: int, relationship_id: int
    ) -> list[ProgressionWindow]:
        async with self.ctx.uow() as uow:
            user = await _user(uow.session, client_telegram_id)
            relationship, _profile, _trainer = await _own(uow.session, user, relationship_id)
            return await progression_windows(uow.session, relationship.id)


async def progression_windows(
    session: AsyncSession, relationship_id: int
) -> list[ProgressionWindow]:
    rules = await RelationshipRepository(session).progression_rules(relationship_id)
    return [_window(rule) for rule in rules]


async def trainer_progression_visible(
    session: AsyncSession,
    trainer_user_id: int,
    client_profile_id: int,
    *,
    exercise_id: int,
    metric: str,
    today: date,
    on: date | None = None,
) -> bool:
    """May this trainer see ``metric`` of ``exercise_id`` for this client (data dated ``on``)?

    Goes through the one access check (raising NotFound for someone else's client), then the
    client's per-exercise rules.
    """
    try:
        access = await trainer_access(
            session, trainer_user_id, client_profile_id, Permission.VIEW_PROGRESSION_DATA
        )
    except NotAllowed:
        return False
    windows = await progression_windows(session, access.relationship_id)
    return progression_visible(
        access.flags, windows, exercise_id=exercise_id, metric=metric, today=today, on=on
    )


def _window(rule: ProgressionAccess) -> ProgressionWindow:
    return ProgressionWindow(
        exercise_id=rule.exercise_id,
        viewable_metrics=frozenset(rule.viewable_metrics or ()),
        visibility_start=rule.visibility_start,
        visibility_end=rule.visibility_end,
    )


def _view(relationship: Relationship, trainer: User, flags: PermissionFlags) -> PermissionsView:
    return PermissionsView(
        relationship_id=relationship.id,
        trainer_name=trainer.display_name,
        status=relationship.status,
        relationship_type=relationship.relationship_type,
        start_date=relationship.start_date,
        end_date=relationship.end_date,
        flags=flags,
    )


async def _permission_row(session: AsyncSession, relationship_id: int) -> PermissionSet:
    row = await RelationshipRepository(session).permissions(relationship_id)
    if row is None:
        row = PermissionSet(relationship_id=relationship_id, **PermissionFlags().as_dict())
        session.add(row)
    return row


async def _user(session: AsyncSession, telegram_id: int) -> User:
    user = await UserRepository(session).by_telegram_id(telegram_id)
    if user is None:
        raise NotFound("I don't know you yet. Send /start first.")
    return user


async def _own(
    session: AsyncSession, user: User, relationship_id: int
) -> tuple[Relationship, ClientProfile, User]:
    """A live relationship of one of the user's own profiles, else NotFound."""
    row = await RelationshipRepository(session).with_parties(relationship_id)
    if row is None:
        raise NotFound(NOT_YOUR_TRAINER)
    relationship, profile, trainer = row
    if profile.user_id != user.id or relationship.status not in CLIENT_STATUSES:
        raise NotFound(NOT_YOUR_TRAINER)
    return relationship, profile, trainer
