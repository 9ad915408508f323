"""The one permission check every trainer read and write goes through.

``await check_access(uow, trainer_user_id, client_profile_id, Permission.X)`` returns the
relationship and the client's flags, or raises :class:`NotFound` (not your client: we do not
even confirm the client exists) or :class:`NotAllowed` (your client, but not shared).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from coaching.domain.enums import Permission, RelationshipStatus
from coaching.domain.permissions import WRITE_PERMISSIONS, PermissionFlags, require
from coaching.errors import NotFound
from storage.models import ClientProfile, PermissionSet
from storage.repositories.live import ProfileScope
from storage.uow import UnitOfWork

NOT_YOUR_CLIENT = "I can't find that client among yours."

# The relationship that counts for a profile is its newest one that has not ended.
LIVE_STATUSES = (RelationshipStatus.PENDING, RelationshipStatus.ACTIVE, RelationshipStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class Access:
    relationship_id: int
    client_profile_id: int
    trainer_user_id: int
    client_user_id: int | None
    status: RelationshipStatus
    flags: PermissionFlags


def flags_of(row: PermissionSet | None) -> PermissionFlags:
    if row is None:
        return PermissionFlags()
    return PermissionFlags(
        view_workout_history=row.view_workout_history,
        view_progression_data=row.view_progression_data,
        view_personal_data=row.view_personal_data,
        assign_workouts=row.assign_workouts,
        assign_programs=row.assign_programs,
        modify_workouts=row.modify_workouts,
        view_activity_status=row.view_activity_status,
        contact_outside_hours=row.contact_outside_hours,
    )


_FLAG_NAMES = tuple(f.name for f in fields(PermissionFlags))


def access_of(
    trainer_user_id: int, client_profile_id: int, columns: Sequence[Any]
) -> Access | None:
    """An :class:`Access` from a row of (relationship id, status, the client's user id, the
    permission set's key, *``PERMISSION_COLUMNS``); ``None`` when there is no relationship
    (the id is null, as after an outer join)."""
    relationship_id, status, client_user_id, permission_set_id, *flags = columns
    if relationship_id is None:
        return None
    return Access(
        relationship_id=relationship_id,
        client_profile_id=client_profile_id,
        trainer_user_id=trainer_user_id,
        client_user_id=client_user_id,
        status=RelationshipStatus(status),
        flags=(
            PermissionFlags()
            if permission_set_id is None
            else PermissionFlags(**dict(zip(_FLAG_NAMES, map(bool, flags), strict=True)))
        ),
    )


async def current_access(
    uow: UnitOfWork, trainer_user_id: int, client_profile_id: int
) -> Access | None:
    """The trainer's current relationship with this client profile, if any (one query)."""
    row = await uow.relationships.access_row(trainer_user_id, client_profile_id)
    return None if row is None else access_of(trainer_user_id, client_profile_id, row)


def authorise(access: Access | None, permission: Permission | None = None) -> Access:
    """Whether a trainer's relationship (from :func:`current_access`, or read along with
    other rows through :func:`access_of`) allows ``permission``; see :func:`check_access`."""
    if access is None or access.status not in LIVE_STATUSES:
        raise NotFound(NOT_YOUR_CLIENT)
    if permission is None:
        return access
    if access.client_user_id is None:
        # The client has no account yet: the trainer works with the profile they created
        # (an in-person client who never joins can still be coached). Consent applies from
        # the moment the client links their account.
        if access.status is RelationshipStatus.PAUSED and permission in WRITE_PERMISSIONS:
            require(access.flags, permission, access.status)
        return access
    require(access.flags, permission, access.status)
    return access


async def check_access(
    uow: UnitOfWork,
    trainer_user_id: int,
    client_profile_id: int,
    permission: Permission | None = None,
) -> Access:
    """Authorise a trainer's access to a client profile, for one permission.

    ``permission=None`` checks only that this is the trainer's client in a live relationship
    (to show the card's header, say). A profile whose client has not joined yet is the
    trainer's own record: every permission holds while the relationship is pending or active.
    """
    return authorise(await current_access(uow, trainer_user_id, client_profile_id), permission)


async def readable_scope(uow: UnitOfWork, access: Access) -> list[int]:
    """The client profiles whose rows a trainer may read for this client.

    That is the trainer's own profile of the client plus the client's self profile (what the
    client logged or measured on their own), never another trainer's profile of them.
    """
    found = [access.client_profile_id]
    if access.client_user_id is not None:
        found.extend(await uow.clients.self_profile_ids(access.client_user_id))
    return found


def readable_profiles(access: Access) -> ProfileScope:
    """:func:`readable_scope` as a description, for a read that filters by it in its own
    statement."""
    return ProfileScope(
        profile_id=access.client_profile_id,
        person_user_id=access.client_user_id,
        any_of_person=False,
    )


def all_profiles_of(user_id: int) -> ProfileScope:
    """:func:`person_profiles` as a description, for a read that filters by it."""
    return ProfileScope(profile_id=None, person_user_id=user_id, any_of_person=True)


async def person_profiles(uow: UnitOfWork, user_id: int) -> list[int]:
    """Every profile of this person: their self profile and each trainer's profile of them."""
    return await uow.clients.ids_of_person(user_id)


async def own_profile(uow: UnitOfWork, user_id: int, name: str) -> ClientProfile:
    """The client's own profile (no trainer): where self-logged data lives. Made on first use."""
    profile = await uow.clients.self_profile(user_id)
    if profile is None:
        profile = ClientProfile(
            user_id=user_id, trainer_user_id=None, name=name, created_by=user_id
        )
        uow.add(profile)
        await uow.flush()
    return profile
