"""/deleteme: erase a person's personal data, for good, in one transaction.

What happens (after the person confirmed explicitly, in the chat flow):

* **Erased.** On every client profile of theirs: name (→ "Deleted client"), contact details,
  date of birth, gender, address, emergency contact, body data, fitness level, goals, injuries and
  medical notes. Their measurements, progress photos, invites, media notes, alerts about them,
  feedback text (the RPE answers on session records, comments on appointments, the trainers'
  written feedback), the conversations about their workouts (both sides), free-text notes on
  their sessions and the reasons on program swaps. Their own (self-logged) profile and
  everything on it is deleted outright: no trainer needs it.
* **Cancelled and ended.** Reminders to them (and unsent ones about them) are cancelled with their
  text removed. Every current coaching relationship is terminated with the reason "client erased
  their data", and the service returns whom to tell.
* **Anonymised, not deleted.** What a trainer keeps for their own records (that sessions
  happened, and the sets with weights and reps) stays on the trainer's profile of the client,
  which is now named "Deleted client" and no longer linked to the account.
* **The account.** The ``users`` row stays (other rows point at it) but holds nothing personal:
  names "Deleted user", no username, e-mail, phone or language, and ``telegram_id`` is replaced
  by a negative value (``-users.id``) that no Telegram account can have, so writing to the bot
  again starts afresh. The bot's stored ``user_data`` and conversation states for them go too.

A trainer with clients in a current relationship is refused until those relationships end, so
no client is left with a coach who cannot be reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from coaching.domain.actors import NotRegistered
from coaching.domain.enums import RelationshipStatus, ReminderStatus
from coaching.errors import Conflict
from coaching.services.base import Service, ServiceContext
from coaching.services.exports import zone
from storage.models import ClientProfile, Relationship, Reminder, User
from storage.repositories.exchange import LIVE_STATUSES
from storage.uow import UnitOfWork

ERASED_CLIENT = "Deleted client"
ERASED_USER = "Deleted user"
ERASURE_REASON = "client erased their data"
UNKNOWN_USER = "I don't know you, so there is nothing to erase."


@dataclass(frozen=True, slots=True)
class ErasurePreview:
    profiles: int
    sessions: int
    measurements: int
    photos: int
    trainers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TrainerNotice:
    telegram_id: int
    client_name: str


@dataclass(frozen=True, slots=True)
class ErasureDone:
    telegram_id: int
    notices: tuple[TrainerNotice, ...]


class ErasureService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def preview(self, telegram_id: int) -> ErasurePreview:
        """What erasing would remove, for the confirmation message."""
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            await _refuse_active_trainer(uow, user)
            repo = uow.exchange
            profiles = await repo.profiles_of(user.id)
            ids = [p.id for p in profiles]
            relationships = await repo.relationships_of(ids)
            live = [r for r, _ in relationships if r.status in LIVE_STATUSES]
            trainers = await repo.users([r.trainer_user_id for r in live])
            return ErasurePreview(
                profiles=len(profiles),
                sessions=len(await repo.records(ids)),
                measurements=len(await repo.measurements(ids)),
                photos=len(await repo.photos(ids)),
                trainers=tuple(sorted({t.display_name for t in trainers.values()})),
            )

    async def erase(self, telegram_id: int) -> ErasureDone:
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            await _refuse_active_trainer(uow, user)
            now = self.ctx.clock.now()
            repo = uow.exchange
            profiles = await repo.profiles_of(user.id)
            profile_ids = [p.id for p in profiles]
            relationships = [r for r, _ in await repo.relationships_of(profile_ids)]
            notices = await _end_relationships(uow, user, profiles, relationships, now)
            # Reminders to them, and unsent ones about them: cancelled, text removed.
            reminders = {r.id: r for r in await repo.reminders_of(user.id)}
            reminders.update({r.id: r for r in await repo.open_reminders(user.id, profile_ids)})
            for reminder in reminders.values():
                _cancel_reminder(reminder)
            await _erase_personal_rows(uow, user, profiles, [r.id for r in relationships], now)
            old_telegram_id = user.telegram_id
            await _erase_account(uow, user, now)
            await uow.commit()
            return ErasureDone(telegram_id=old_telegram_id, notices=tuple(notices))


def _anonymise_profile(profile: ClientProfile, now: datetime) -> None:
    profile.erased_at = now
    profile.name = ERASED_CLIENT
    profile.email = None
    profile.phone = None
    profile.date_of_birth = None
    profile.gender = None
    profile.address = None
    profile.emergency_contact = None
    profile.height_cm = None
    profile.current_weight_kg = None
    profile.body_fat_pct = None
    profile.resting_heart_rate = None
    profile.fitness_level = None
    profile.goals = []
    profile.injuries = []
    profile.medical_notes = None


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    try:
        return (await uow.users.acting(telegram_id)).user
    except NotRegistered as unknown:
        raise NotRegistered(telegram_id, UNKNOWN_USER) from unknown


async def _refuse_active_trainer(uow: UnitOfWork, user: User) -> None:
    if not user.is_trainer:
        return
    count = await uow.exchange.live_relationships_as_trainer(user.id)
    if count:
        raise Conflict(
            f"You coach {count} client{'s' if count != 1 else ''} at the moment. End those "
            "coaching relationships in /clients first, so nobody is left without their trainer; "
            "then send /deleteme again."
        )


async def _end_relationships(
    uow: UnitOfWork,
    user: User,
    profiles: Sequence[ClientProfile],
    relationships: Sequence[Relationship],
    now: datetime,
) -> list[TrainerNotice]:
    """End every current relationship and say whom to tell; clear the notes and reasons of
    them all."""
    names = {p.id: p.name for p in profiles}
    live = [r for r in relationships if r.status in LIVE_STATUSES]
    trainers = await uow.exchange.users([r.trainer_user_id for r in live])
    notices = []
    today = now.astimezone(zone(user.timezone)).date()
    for relationship in sorted(live, key=lambda r: r.id):
        relationship.status = RelationshipStatus.TERMINATED
        relationship.status_reason = ERASURE_REASON
        relationship.status_changed_at = now
        if relationship.start_date is None or relationship.start_date <= today:
            relationship.end_date = today
        trainer = trainers.get(relationship.trainer_user_id)
        if trainer is not None and trainer.id != user.id:
            name = names.get(relationship.client_profile_id) or user.display_name
            notices.append(TrainerNotice(trainer.telegram_id, name))
    for relationship in relationships:
        relationship.notes = None
        if relationship.status_reason and relationship.status_reason != ERASURE_REASON:
            relationship.status_reason = None
    return notices


def _cancel_reminder(reminder: Reminder) -> None:
    """Cancel a reminder not yet sent and remove its text (sent ones keep their status)."""
    if reminder.status in (ReminderStatus.PENDING, ReminderStatus.SENDING):
        reminder.status = ReminderStatus.CANCELLED
    reminder.payload = {}
    reminder.last_error = None
    reminder.claimed_by = None
    reminder.telegram_message_id = None


async def _erase_personal_rows(
    uow: UnitOfWork,
    user: User,
    profiles: Sequence[ClientProfile],
    relationship_ids: Sequence[int],
    now: datetime,
) -> None:
    """Personal rows and free text: the own profile goes, the trainers' ones are anonymised."""
    repo = uow.exchange
    profile_ids = [p.id for p in profiles]
    own = [p.id for p in profiles if p.trainer_user_id is None]
    record_ids = await repo.record_ids(profile_ids)
    await repo.delete_media(record_ids, user.id)
    await repo.delete_profile_personal_rows(profile_ids)
    await repo.delete_alerts(profile_ids)
    await uow.threads.delete_for_profiles(profile_ids)
    await repo.clear_feedback_text(profile_ids)
    await repo.scrub_records(profile_ids)
    await repo.scrub_appointments(relationship_ids)
    await repo.delete_invites_by(user.id, user.telegram_id)
    await repo.delete_records(await repo.record_ids(own))
    await uow.flush()
    for profile in profiles:
        if profile.trainer_user_id is not None:
            _anonymise_profile(profile, now)
            profile.user_id = None
    await uow.flush()
    await repo.delete_profiles(own)


async def _erase_account(uow: UnitOfWork, user: User, now: datetime) -> None:
    """The account itself: the row stays (others point at it), holding nothing personal."""
    if user.is_trainer:
        await uow.exchange.delete_trainer_profile(user.id)
        await uow.howtos.delete_all_of(user.id)
    await uow.exchange.delete_persistence(user.telegram_id)
    user.telegram_id = -user.id
    user.first_name = ERASED_USER
    user.last_name = None
    user.username = None
    user.email = None
    user.phone = None
    user.language_code = None
    user.timezone = "UTC"
    user.is_trainer = False
    user.is_client = False
    user.onboarded = False
    user.reachable = False
    user.unreachable_since = now
    user.is_active = False
    user.erased_at = now
