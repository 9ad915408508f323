"""What a client lets each trainer see and do: the PermissionSet flags and ProgressionAccess.

Only the client changes these. Trainers never call anything here that writes; their reads go
through :func:`coaching.services.access.check_access` and, for per-exercise progress,
:func:`trainer_progression_visible`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from coaching.domain.enums import Permission, RelationshipStatus, RelationshipType
from coaching.domain.permissions import (
    PermissionFlags,
    ProgressionWindow,
    check_progression_window,
    is_open_ended,
    ordered_metrics,
    progression_visible,
)
from coaching.domain.when import WhenError, parse_local_date
from coaching.errors import InvalidInput, NotAllowed, NotFound
from coaching.services.access import check_access, flags_of
from coaching.services.base import Service, ServiceContext
from coaching.services.exercises import match_name
from coaching.services.profiles import local_today
from storage.models import (
    ClientProfile,
    Exercise,
    PermissionSet,
    ProgressionAccess,
    Relationship,
    User,
)
from storage.uow import UnitOfWork

NOT_YOUR_TRAINER = "I can't find that trainer among yours."
EXERCISE_NOT_FOUND = "I can't find that exercise."
NO_RULE = "There is no sharing rule for that exercise any more."
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


@dataclass(frozen=True, slots=True)
class SharingRule:
    """One exercise's ProgressionAccess as the client sees it."""

    exercise_id: int
    exercise_name: str
    metrics: tuple[str, ...]
    start: date | None
    end: date | None
    open_today: bool
    upcoming: bool


@dataclass(frozen=True, slots=True)
class SharingView:
    """The per-exercise sharing rules of one relationship."""

    relationship_id: int
    trainer_name: str
    progression_shared: bool
    rules: tuple[SharingRule, ...]


@dataclass(frozen=True, slots=True)
class SharingChoice:
    """An exercise the client may set a rule for, with its rule if it has one."""

    relationship_id: int
    trainer_name: str
    exercise_id: int
    exercise_name: str
    trainers_own: bool
    rule: SharingRule | None = None


@dataclass(frozen=True, slots=True)
class SharingChange:
    """A rule saved or removed; the trainer is told."""

    view: SharingView
    exercise_name: str
    rule: SharingRule | None
    created: bool
    trainer_telegram_id: int
    client_name: str


class PermissionService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def trainers(self, client_telegram_id: int) -> list[TrainerLink]:
        """The client's current trainers (active, paused or waiting), newest first."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            rows = await uow.relationships.for_client(user.id, CLIENT_STATUSES)
            return [TrainerLink(r.id, t.display_name, r.status) for r, _p, t in rows]

    async def view(self, client_telegram_id: int, relationship_id: int) -> PermissionsView:
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            permissions = await uow.relationships.permissions(relationship.id)
            return _view(relationship, trainer, flags_of(permissions))

    async def toggle(
        self, client_telegram_id: int, relationship_id: int, index: int
    ) -> PermissionChange:
        """Flip one flag (by its position in :data:`PERMISSION_ORDER`) and save it at once."""
        if not 0 <= index < len(PERMISSION_ORDER):
            raise NotFound(NOT_YOUR_TRAINER)
        permission = PERMISSION_ORDER[index]
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            row = await _permission_row(uow, relationship.id)
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
        chosen = _metrics(metrics)
        if start is not None and end is not None and end < start:
            raise InvalidInput(
                "The window must end on or after the day it starts.",
                example=f"{start.isoformat()} to {(start + timedelta(days=90)).isoformat()}",
            )
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, _trainer = await _own(uow, user, relationship_id)
            await _rule_exercise(uow, user, relationship, exercise_id)
            rule, _created = await _save_rule(uow, user, relationship, exercise_id, chosen)
            rule.visibility_start = start
            rule.visibility_end = end
            await uow.commit()
            return _window(rule)

    async def clear_progression_access(
        self, client_telegram_id: int, relationship_id: int, exercise_id: int
    ) -> None:
        """Drop the per-exercise rule: the general "view progression data" flag decides again."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, _trainer = await _own(uow, user, relationship_id)
            rule = await uow.relationships.progression_rule(relationship.id, exercise_id)
            if rule is not None:
                await uow.delete(rule)
                await uow.commit()

    async def progression_access(
        self, client_telegram_id: int, relationship_id: int
    ) -> list[ProgressionWindow]:
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, _trainer = await _own(uow, user, relationship_id)
            return await progression_windows(uow, relationship.id)

    # --- per-exercise sharing, as the chat offers it ------------------------------------------

    async def sharing(self, client_telegram_id: int, relationship_id: int) -> SharingView:
        """The relationship's per-exercise rules, by exercise name."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            today = local_today(self.ctx.clock.now(), user.timezone)
            return await _sharing_view(uow, relationship, trainer, today)

    async def sharing_search(
        self, client_telegram_id: int, relationship_id: int, query: str
    ) -> tuple[SharingChoice, ...]:
        """Exercises for a typed name: the built-ins plus this trainer's own."""
        query = " ".join(query.split())
        if not query:
            raise InvalidInput("Send part of the exercise's name.", example="bench")
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            visible = await uow.exercises.visible_to(relationship.trainer_user_id)
            found = match_name(visible, query[:100], limit=6)
            return tuple(
                SharingChoice(
                    relationship_id=relationship.id,
                    trainer_name=trainer.display_name,
                    exercise_id=view.id,
                    exercise_name=view.name,
                    trainers_own=view.is_own,
                )
                for view in found.candidates
            )

    async def sharing_choice(
        self, client_telegram_id: int, relationship_id: int, exercise_id: int
    ) -> SharingChoice:
        """One exercise the client may set a rule for (re-checked), with its current rule."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            exercise = await _rule_exercise(uow, user, relationship, exercise_id)
            rule = await uow.relationships.progression_rule(relationship.id, exercise_id)
            today = local_today(self.ctx.clock.now(), user.timezone)
            return SharingChoice(
                relationship_id=relationship.id,
                trainer_name=trainer.display_name,
                exercise_id=exercise.id,
                exercise_name=exercise.name,
                trainers_own=exercise.owner_user_id is not None,
                rule=_rule(rule, exercise.name, today) if rule and rule.is_active else None,
            )

    async def window_start(self, client_telegram_id: int, text: str) -> date | None:
        """The first day a rule covers, as typed (``2026-12-01``, ``today``); None for "all"."""
        if is_open_ended(text):
            return None
        today = await self._today(client_telegram_id)
        return _day(text, today)

    async def window_end(
        self, client_telegram_id: int, text: str, start: date | None
    ) -> date | None:
        """The last day a rule covers, as typed; None for "no end". Not before start or today."""
        if is_open_ended(text):
            return None
        today = await self._today(client_telegram_id)
        end = _day(text, today)
        check_progression_window(start, end, today)
        return end

    async def share_exercise(
        self,
        client_telegram_id: int,
        relationship_id: int,
        exercise_id: int,
        metrics: Iterable[str],
        start: date | None = None,
        end: date | None = None,
    ) -> SharingChange:
        """Save the rule for one exercise: these metrics only, within the window if given."""
        chosen = _metrics(metrics)
        if not chosen:
            raise InvalidInput("Pick at least one number to share.", example="e1RM and Weight")
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            exercise = await _rule_exercise(uow, user, relationship, exercise_id)
            today = local_today(self.ctx.clock.now(), user.timezone)
            check_progression_window(start, end, today)
            rule, created = await _save_rule(uow, user, relationship, exercise_id, chosen)
            rule.visibility_start = start
            rule.visibility_end = end
            await uow.flush()
            view = await _sharing_view(uow, relationship, trainer, today)
            await uow.commit()
            return SharingChange(
                view=view,
                exercise_name=exercise.name,
                rule=_rule(rule, exercise.name, today),
                created=created,
                trainer_telegram_id=trainer.telegram_id,
                client_name=user.display_name,
            )

    async def unshare_exercise(
        self, client_telegram_id: int, relationship_id: int, exercise_id: int
    ) -> SharingChange:
        """Remove one exercise's rule: the general progress flag decides for it again."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, client_telegram_id)
            relationship, _profile, trainer = await _own(uow, user, relationship_id)
            rule = await uow.relationships.progression_rule(relationship.id, exercise_id)
            exercise = await uow.get(Exercise, exercise_id)
            if rule is None or not rule.is_active or exercise is None:
                raise NotFound(NO_RULE)
            await uow.delete(rule)
            await uow.flush()
            today = local_today(self.ctx.clock.now(), user.timezone)
            view = await _sharing_view(uow, relationship, trainer, today)
            await uow.commit()
            return SharingChange(
                view=view,
                exercise_name=exercise.name,
                rule=None,
                created=False,
                trainer_telegram_id=trainer.telegram_id,
                client_name=user.display_name,
            )

    async def _today(self, telegram_id: int) -> date:
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            return local_today(self.ctx.clock.now(), user.timezone)


async def progression_windows(uow: UnitOfWork, relationship_id: int) -> list[ProgressionWindow]:
    rules = await uow.relationships.progression_rules(relationship_id)
    return [_window(rule) for rule in rules]


async def trainer_progression_visible(
    uow: UnitOfWork,
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
        access = await check_access(
            uow, trainer_user_id, client_profile_id, Permission.VIEW_PROGRESSION_DATA
        )
    except NotAllowed:
        return False
    windows = await progression_windows(uow, access.relationship_id)
    return progression_visible(
        access.flags, windows, exercise_id=exercise_id, metric=metric, today=today, on=on
    )


def _metrics(metrics: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(m.strip().lower() for m in metrics if m.strip())
    unknown = chosen - PROGRESSION_METRICS
    if unknown:
        raise InvalidInput(
            f"I don't know the metric “{sorted(unknown)[0]}”. Choose from "
            + ", ".join(sorted(PROGRESSION_METRICS))
            + ".",
            example="weight, reps",
        )
    return chosen


def _day(text: str, today: date) -> date:
    try:
        return parse_local_date(text, today=today)
    except WhenError as error:
        raise InvalidInput(str(error)) from error


async def _rule_exercise(
    uow: UnitOfWork, user: User, relationship: Relationship, exercise_id: int
) -> Exercise:
    """An exercise a rule may name: a built-in, the trainer's own or the client's own."""
    exercise = await uow.get(Exercise, exercise_id)
    if exercise is None or (
        exercise.owner_user_id is not None
        and exercise.owner_user_id not in (user.id, relationship.trainer_user_id)
    ):
        raise NotFound(EXERCISE_NOT_FOUND)
    return exercise


async def _save_rule(
    uow: UnitOfWork,
    user: User,
    relationship: Relationship,
    exercise_id: int,
    metrics: frozenset[str],
) -> tuple[ProgressionAccess, bool]:
    """The exercise's rule with these metrics (window left to the caller); True if new."""
    rule = await uow.relationships.progression_rule(relationship.id, exercise_id)
    created = rule is None or not rule.is_active
    if rule is None:
        rule = ProgressionAccess(
            relationship_id=relationship.id, exercise_id=exercise_id, created_by=user.id
        )
        uow.add(rule)
    rule.viewable_metrics = sorted(metrics)
    rule.is_active = True
    rule.is_auto_shared = False
    return rule, created


def _rule(rule: ProgressionAccess, exercise_name: str, today: date) -> SharingRule:
    window = _window(rule)
    return SharingRule(
        exercise_id=rule.exercise_id,
        exercise_name=exercise_name,
        metrics=ordered_metrics(window.viewable_metrics),
        start=window.visibility_start,
        end=window.visibility_end,
        open_today=window.is_currently_viewable(today),
        upcoming=window.visibility_start is not None and today < window.visibility_start,
    )


async def _sharing_view(
    uow: UnitOfWork, relationship: Relationship, trainer: User, today: date
) -> SharingView:
    rules = await uow.relationships.progression_rules(relationship.id)
    names = await uow.exercises.names([rule.exercise_id for rule in rules]) if rules else {}
    permissions = await uow.relationships.permissions(relationship.id)
    shared = [_rule(rule, names.get(rule.exercise_id, "?"), today) for rule in rules]
    return SharingView(
        relationship_id=relationship.id,
        trainer_name=trainer.display_name,
        progression_shared=flags_of(permissions).view_progression_data,
        rules=tuple(sorted(shared, key=lambda r: (r.exercise_name.casefold(), r.exercise_id))),
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


async def _permission_row(uow: UnitOfWork, relationship_id: int) -> PermissionSet:
    row = await uow.relationships.permissions(relationship_id)
    if row is None:
        row = PermissionSet(relationship_id=relationship_id, **PermissionFlags().as_dict())
        uow.add(row)
    return row


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    return (await uow.users.acting(telegram_id)).user


async def _own(
    uow: UnitOfWork, user: User, relationship_id: int
) -> tuple[Relationship, ClientProfile, User]:
    """A live relationship of one of the user's own profiles, else NotFound."""
    row = await uow.relationships.with_parties(relationship_id)
    if row is None:
        raise NotFound(NOT_YOUR_TRAINER)
    relationship, profile, trainer = row
    if profile.user_id != user.id or relationship.status not in CLIENT_STATUSES:
        raise NotFound(NOT_YOUR_TRAINER)
    return relationship, profile, trainer
