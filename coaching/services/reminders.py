"""The reminder outbox, and the personal settings that shape it.

Reminders are rows (:class:`storage.models.Reminder`) derived from the coaching calendar. The
calendar calls :func:`reminders_for_session_changed` with its own unit of work whenever a session
is booked, moved, cancelled or completed; :func:`reminders_for_user_settings_changed` re-derives
a client's future reminders after they change their time zone or reminder times. A trainer's
message to a client goes through the same outbox (:func:`queue_trainer_message`), so it honours
the client's quiet hours.

:class:`ReminderService` is what the dispatcher (``bot.dispatch``) uses to claim due rows and
record each outcome; every step commits before the next network call, so a crash loses nothing
and sends nothing twice (see ``bot.dispatch`` for the delivery policy).

:class:`SettingsService` backs ``/settings``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

from coaching.domain.enums import (
    RelationshipStatus,
    ReminderKind,
    ReminderStatus,
    SessionStatus,
    Units,
)
from coaching.domain.quiet_hours import QuietHours, next_allowed
from coaching.domain.reminders import (
    LEAD_MAX_MINUTES,
    LEAD_MIN_MINUTES,
    SESSION_KINDS,
    PlannedReminder,
    ReminderPrefs,
    plan_session_reminders,
    short_notice_due,
    still_useful,
    trainer_message_due,
)
from coaching.domain.schedule import load_zone
from coaching.errors import Conflict, InvalidInput, NotAllowed, NotFound
from coaching.services.access import check_access
from coaching.services.base import Service, ServiceContext, own_transactions
from coaching.services.plan import format_target, planned_exercises
from coaching.services.users import validate_timezone
from storage.models import CoachingSession, Relationship, Reminder, User
from storage.repositories.reminders import ReminderRepository
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

MESSAGE_MAX = 3500
STUCK_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
NOT_YOUR_SESSION = "I can't find that session among yours."
FINAL_STATUSES = (ReminderStatus.SENT, ReminderStatus.SENDING, ReminderStatus.SKIPPED)
REMINDER_RELATIONSHIPS = (RelationshipStatus.ACTIVE,)
RECENTLY_ACTIVE = timedelta(minutes=15)
HELD_PER_DIGEST = 1000


# --------------------------------------------------------------------------------------------
# DTOs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderView:
    id: int
    user_id: int
    kind: ReminderKind
    status: ReminderStatus
    due_at: datetime
    expires_at: datetime | None
    coaching_session_id: int | None


def reminder_view(row: Reminder) -> ReminderView:
    return ReminderView(
        id=row.id,
        user_id=row.user_id,
        kind=row.kind,
        status=row.status,
        due_at=row.due_at,
        expires_at=row.expires_at,
        coaching_session_id=row.coaching_session_id,
    )


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed reminder, ready to render and send."""

    id: int
    kind: ReminderKind
    user_id: int
    chat_id: int
    timezone: str
    coaching_session_id: int | None
    attempts: int
    payload: dict[str, Any] = field(hash=False)


@dataclass(frozen=True, slots=True)
class BlockedNotice:
    """Who to tell that a client blocked the bot, and how they know the client."""

    trainer_chat_id: int
    client_name: str


@dataclass(frozen=True, slots=True)
class SessionDetails:
    id: int
    title: str
    starts_local: datetime
    duration_minutes: int
    location: str | None
    description: str | None
    status: SessionStatus
    trainer_name: str
    exercises: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SettingsView:
    telegram_id: int
    timezone: str
    units: Units
    is_trainer: bool
    is_client: bool
    evening_at: time | None
    lead_minutes: int | None
    quiet: QuietHours | None
    digest_at: time | None


# --------------------------------------------------------------------------------------------
# Deriving reminders from the calendar (inside the caller's unit of work)
# --------------------------------------------------------------------------------------------


def _prefs(user: User) -> ReminderPrefs:
    return ReminderPrefs(
        timezone=user.timezone,
        evening_at=user.evening_reminder_time,
        lead_minutes=user.reminder_lead_minutes,
    )


def quiet_hours_of(user: User) -> QuietHours | None:
    start, end = user.quiet_start, user.quiet_end
    if start is None or end is None or start == end:
        return None
    return QuietHours(start.replace(tzinfo=None), end.replace(tzinfo=None))


async def reminders_for_session_changed(
    uow: UnitOfWork, coaching_session_id: int, now: datetime
) -> None:
    """(Re)derive the PENDING reminders of one coaching session, in the caller's unit of work.

    A scheduled session of an active relationship whose client has joined gets the reminders
    their settings imply; anything else (cancelled, completed, moved away, not joined) gets
    none. Rows already sent stay as they are, and a reminder whose moment has passed is not
    created (one already pending is left for the dispatcher, which sends it if still useful).
    """
    repo = uow.reminders
    target = await repo.session_target(coaching_session_id)
    existing = await repo.for_session(coaching_session_id)
    keep: set[str] = set()
    if target is not None and _wants_reminders(target.session, target.relationship, target.client):
        assert target.client is not None
        by_key = {row.dedup_key: row for row in existing if row.dedup_key}
        coaching, client = target.session, target.client
        payload = _session_payload(coaching)
        for planned in plan_session_reminders(coaching.id, coaching.scheduled_at, _prefs(client)):
            row = by_key.get(planned.dedup_key)
            kept, write = _next_step(planned, row, coaching.scheduled_at, now)
            if kept:
                keep.add(planned.dedup_key)
            if write is not None:
                _write(repo, row, write, client.id, coaching.id, payload)
    _withdraw(existing, keep)
    await uow.flush()


def _session_payload(coaching: CoachingSession) -> dict[str, Any]:
    return {
        "title": coaching.title,
        "scheduled_at": coaching.scheduled_at.astimezone(UTC).isoformat(),
        "location": coaching.location,
    }


def _next_step(
    planned: PlannedReminder, row: Reminder | None, starts_at: datetime, now: datetime
) -> tuple[bool, PlannedReminder | None]:
    """Whether a planned reminder stays, and what to write for it (``None``: leave the row
    as it is, or make none)."""
    if row is not None and row.status in FINAL_STATUSES:
        return True, None
    if planned.due_at > now:
        return True, planned
    if row is not None and row.status is ReminderStatus.PENDING:
        return True, None
    late = short_notice_due(planned, starts_at, now)
    if late is None:
        return False, None
    return True, replace(planned, due_at=late)


def _write(
    repo: ReminderRepository,
    row: Reminder | None,
    planned: PlannedReminder,
    client_id: int,
    coaching_session_id: int,
    payload: dict[str, Any],
) -> None:
    """Store a planned reminder as a new PENDING row, or make its row pending again."""
    if row is None:
        repo.add(
            Reminder(
                user_id=client_id,
                coaching_session_id=coaching_session_id,
                kind=planned.kind,
                due_at=planned.due_at,
                expires_at=planned.expires_at,
                status=ReminderStatus.PENDING,
                attempts=0,
                payload=dict(payload),
                dedup_key=planned.dedup_key,
            )
        )
        return
    row.user_id = client_id
    row.status = ReminderStatus.PENDING
    row.due_at = planned.due_at
    row.expires_at = planned.expires_at
    row.attempts = 0
    row.claimed_at = None
    row.claimed_by = None
    row.last_error = None
    row.payload = dict(payload)


def _withdraw(existing: list[Reminder], keep: set[str]) -> None:
    """Cancel the pending session reminders the session no longer wants."""
    for row in existing:
        if (
            row.kind in SESSION_KINDS
            and row.status is ReminderStatus.PENDING
            and row.dedup_key not in keep
        ):
            row.status = ReminderStatus.CANCELLED
            row.last_error = "the session or the client's settings changed"


def _wants_reminders(
    coaching: CoachingSession, relationship: Relationship, client: User | None
) -> bool:
    return (
        client is not None
        and client.erased_at is None
        and client.is_active
        and coaching.is_active
        and coaching.status is SessionStatus.SCHEDULED
        and relationship.is_active
        and relationship.status in REMINDER_RELATIONSHIPS
    )


async def reminders_for_user_settings_changed(uow: UnitOfWork, user_id: int, now: datetime) -> None:
    """Re-derive the reminders of every future session of this client (caller's unit of work).

    Trainer messages waiting for the client's quiet hours to end are made due now; the
    dispatcher checks them against the new quiet hours and holds them again if need be.
    """
    repo = uow.reminders
    for coaching_session_id in await repo.future_session_ids(user_id, now):
        await reminders_for_session_changed(uow, coaching_session_id, now)
    for row in await repo.pending_of_kind(user_id, ReminderKind.TRAINER_MESSAGE):
        if row.due_at > now:
            row.due_at = now
    await uow.flush()


async def queue_trainer_message(
    uow: UnitOfWork,
    trainer_user_id: int,
    client_profile_id: int,
    text: str,
    now: datetime,
) -> ReminderView:
    """Queue a trainer's message to their client, held back during the client's quiet hours.

    Raises:
        NotFound: not this trainer's client.
        NotAllowed: the relationship is not active.
        Conflict: the client has not joined Spotter yet.
        InvalidInput: an empty or too long message.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("The message is empty.", example="See you at 18:00 — bring a belt!")
    if len(cleaned) > MESSAGE_MAX:
        raise InvalidInput(
            f"That message is {len(cleaned)} characters; the limit is {MESSAGE_MAX}. "
            "Please shorten it."
        )
    access = await check_access(uow, trainer_user_id, client_profile_id)
    if access.status is not RelationshipStatus.ACTIVE:
        raise NotAllowed(
            f"Your coaching relationship with this client is {access.status.value.lower()}, "
            "so messages are not sent."
        )
    if access.client_user_id is None:
        raise Conflict(
            "This client has not joined Spotter yet, so they can't get messages here. "
            "Send them their invite link first."
        )
    users = await uow.reminders.users([access.client_user_id, trainer_user_id])
    client, trainer = users[access.client_user_id], users[trainer_user_id]
    due = trainer_message_due(
        now,
        tz=client.timezone,
        quiet=quiet_hours_of(client),
        contact_outside_hours=access.flags.contact_outside_hours,
    )
    row = Reminder(
        user_id=client.id,
        coaching_session_id=None,
        kind=ReminderKind.TRAINER_MESSAGE,
        due_at=due,
        expires_at=None,
        status=ReminderStatus.PENDING,
        attempts=0,
        payload={
            "text": cleaned,
            "trainer_user_id": trainer_user_id,
            "client_profile_id": client_profile_id,
            "trainer_name": trainer.display_name,
            "queued_at": now.astimezone(UTC).isoformat(),
        },
        created_at=now,
        updated_at=now,
    )
    uow.add(row)
    await uow.flush()
    return reminder_view(row)


# --------------------------------------------------------------------------------------------
# The one path of every non-urgent message to a person
# --------------------------------------------------------------------------------------------


async def held_until(
    uow: UnitOfWork, recipient: User, sender_user_id: int | None, now: datetime
) -> datetime | None:
    """When a non-urgent message to ``recipient`` may go out, if it has to wait; else ``None``.

    It waits while the recipient's quiet hours are on, unless the sender is a trainer the
    recipient lets contact them outside hours (seed 000 canContactOutsideHours), or the
    recipient used the bot in the last :data:`RECENTLY_ACTIVE` (the message answers something
    they are doing right now, like a rest timer or a reply to their question).
    """
    seen = recipient.last_seen_at
    if seen is not None and now - seen < RECENTLY_ACTIVE:
        return None
    quiet = quiet_hours_of(recipient)
    if quiet is None:
        return None
    contact = sender_user_id is not None and await uow.reminders.contact_outside_hours(
        sender_user_id, recipient.id
    )
    due = next_allowed(now, tz=recipient.timezone, quiet=quiet, contact_outside_hours=contact)
    return due if due > now else None


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to a person, built by a flow: Telegram HTML, an optional keyboard (as the Bot
    API's JSON) and optional media (``{"kind": "photo"|"video"|"voice", "file_id": ...}``,
    the HTML then being its caption). Held notices with the same ``subject`` from the same
    sender replace each other (one notice edited step by step is held once, as its newest)."""

    recipient_telegram_id: int
    html: str
    markup: dict[str, Any] | None = None
    media: dict[str, str] | None = None
    subject: str | None = None


class NoticeService(Service):
    """Holding messages for quiet hours, and noticing that a person is using the bot."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def hold_if_quiet(
        self, notice: Notice, *, sender_telegram_id: int | None
    ) -> datetime | None:
        """Queue ``notice`` in the outbox if it must wait, and return when it will go out, in
        the recipient's time zone.

        ``None`` means: send it now. A message to the acting person themselves is never held,
        nor one to someone Spotter does not know.
        """
        if sender_telegram_id == notice.recipient_telegram_id:
            return None
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            users = uow.users
            recipient = await users.by_telegram_id(notice.recipient_telegram_id)
            if recipient is None or recipient.erased_at is not None:
                return None
            sender = (
                await users.by_telegram_id(sender_telegram_id)
                if sender_telegram_id is not None
                else None
            )
            sender_id = sender.id if sender is not None else None
            due = await held_until(uow, recipient, sender_id, now)
            if due is None:
                return None
            await _hold(uow, recipient.id, sender_id, notice, due, now)
            await uow.commit()
        return due.astimezone(load_zone(recipient.timezone))

    async def seen(self, telegram_id: int) -> bool:
        """The person sent the bot something: note the moment, and if they had blocked the bot,
        they are reachable again and the reminders of their future sessions come back (those
        cancelled by the block and those of sessions booked meanwhile).

        Returns whether they were unreachable until now.
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            user = await uow.users.acting_user(telegram_id)
            if user is None:
                return False
            returned = not user.reachable
            user.last_seen_at = now
            if returned:
                user.reachable = True
                user.unreachable_since = None
                await reminders_for_user_settings_changed(uow, user.id, now)
            await uow.commit()
        return returned


async def _hold(
    uow: UnitOfWork,
    recipient_id: int,
    sender_id: int | None,
    notice: Notice,
    due: datetime,
    now: datetime,
) -> None:
    """Store a held message. A newer version of a held notice from the same sender, with the
    same subject (a feedback notice edited step by step) or else the same buttons, replaces
    the older one."""
    payload: dict[str, Any] = {
        "html": notice.html,
        "markup": notice.markup,
        "media": notice.media,
        "sender_user_id": sender_id,
        "queued_at": now.astimezone(UTC).isoformat(),
    }
    if notice.subject is not None:
        payload["subject"] = notice.subject
    for row in await uow.reminders.pending_of_kind(recipient_id, ReminderKind.TRAINER_MESSAGE):
        if row.payload.get("sender_user_id") == sender_id and _same_notice(row.payload, notice):
            row.payload = payload
            row.due_at = due
            await uow.flush()
            return
    uow.add(
        Reminder(
            user_id=recipient_id,
            coaching_session_id=None,
            kind=ReminderKind.TRAINER_MESSAGE,
            due_at=due,
            expires_at=None,
            status=ReminderStatus.PENDING,
            attempts=0,
            payload=payload,
            created_at=now,
            updated_at=now,
        )
    )
    await uow.flush()


def _same_notice(held: dict[str, Any], notice: Notice) -> bool:
    """Whether a held payload is an older version of ``notice``."""
    if notice.subject is not None:
        return held.get("subject") == notice.subject
    if not notice.markup or notice.media is not None or held.get("subject") is not None:
        return False
    return held.get("markup") == notice.markup and not held.get("media")


# --------------------------------------------------------------------------------------------
# Dispatching
# --------------------------------------------------------------------------------------------


def _without_flight(payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    cleaned = {k: v for k, v in payload.items() if k != "in_flight"}
    cleaned.update(extra)
    return cleaned


def retry_backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at 10 min, by the number of attempts made."""
    return timedelta(seconds=min(600, 30 * 2 ** max(0, attempts - 1)))


class ReminderService(Service):
    """Claiming due rows and recording what happened to each (used by ``bot.dispatch``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def reclaim_stuck(self, limit: int = 500) -> tuple[int, int]:
        """Rows a crashed process left in SENDING for more than 10 minutes.

        A row whose send had not started goes back to PENDING. A row whose send had started
        may have been delivered: it is closed as sent-unconfirmed, never resent (the same rule
        as a timed-out send). Returns (requeued, unconfirmed).
        """
        now = self.ctx.clock.now()
        requeued = unconfirmed = 0
        async with self.ctx.uow() as uow:
            for row in await uow.reminders.stuck(now - STUCK_AFTER, limit):
                if row.payload.get("in_flight"):
                    row.status = ReminderStatus.SENT
                    row.sent_at = now
                    row.payload = _without_flight(row.payload, uncertain=True)
                    row.last_error = "the process stopped mid-send; delivery unconfirmed"
                    unconfirmed += 1
                else:
                    row.status = ReminderStatus.PENDING
                    requeued += 1
                row.claimed_at = None
                row.claimed_by = None
            await uow.commit()
        if requeued or unconfirmed:
            log.warning(
                "reclaimed reminders after a stop: %d requeued, %d unconfirmed",
                requeued,
                unconfirmed,
            )
        return requeued, unconfirmed

    @own_transactions
    async def claim(self, worker: str, limit: int) -> list[Outgoing]:
        """Claim up to ``limit`` due rows, settle the ones not to send, return the rest.

        Not sent: rows for a client who cannot be reached (CANCELLED), rows no longer useful
        (SKIPPED) and trainer messages that now fall in the client's quiet hours (held).
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            repo = uow.reminders
            claimed = await repo.claim_due(now, worker, limit)
            held_for = {r.user_id for r in claimed if r.kind is ReminderKind.TRAINER_MESSAGE}
            claimed += await repo.claim_held(held_for, now, worker, HELD_PER_DIGEST)
            await uow.commit()
        if not claimed:
            return []
        ready: list[Outgoing] = []
        async with self.ctx.uow() as uow:
            repo = uow.reminders
            users = await repo.users(r.user_id for r in claimed)
            for row in claimed:
                user = users.get(row.user_id)
                values: dict[str, Any] | None = None
                if user is None or not user.reachable or user.erased_at is not None:
                    values = {
                        "status": ReminderStatus.CANCELLED,
                        "last_error": "the client cannot be reached",
                    }
                elif not still_useful(row.kind, now=now, expires_at=row.expires_at):
                    values = {
                        "status": ReminderStatus.SKIPPED,
                        "last_error": "fell due too late to be useful",
                    }
                elif row.kind is ReminderKind.TRAINER_MESSAGE:
                    held = await self._hold_until(uow, row, user, now)
                    if held is not None:
                        values = {"status": ReminderStatus.PENDING, "due_at": held}
                if values is not None:
                    values.update(claimed_at=None, claimed_by=None)
                    await repo.finish(row.id, worker, values, from_status=ReminderStatus.SENDING)
                    continue
                assert user is not None
                ready.append(
                    Outgoing(
                        id=row.id,
                        kind=row.kind,
                        user_id=row.user_id,
                        chat_id=user.telegram_id,
                        timezone=user.timezone,
                        coaching_session_id=row.coaching_session_id,
                        attempts=row.attempts,
                        payload=dict(row.payload),
                    )
                )
            await uow.commit()
        return ready

    @staticmethod
    async def _hold_until(
        uow: UnitOfWork, row: Reminder, recipient: User, now: datetime
    ) -> datetime | None:
        """For a held message: the end of the recipient's quiet hours if it must still wait."""
        sender = row.payload.get("sender_user_id", row.payload.get("trainer_user_id"))
        sender_id = sender if isinstance(sender, int) else None
        return await held_until(uow, recipient, sender_id, now)

    async def begin_send(self, item: Outgoing, worker: str) -> bool:
        """Record that the send is about to start; False if the row is no longer ours."""
        async with self.ctx.uow() as uow:
            ok = await uow.reminders.finish(
                item.id,
                worker,
                {
                    "payload": {**item.payload, "in_flight": True},
                    "claimed_at": self.ctx.clock.now(),
                },
                from_status=ReminderStatus.SENDING,
            )
            await uow.commit()
        return ok

    async def _finish(self, item: Outgoing, worker: str, values: dict[str, Any]) -> None:
        values.setdefault("payload", _without_flight(item.payload))
        async with self.ctx.uow() as uow:
            await uow.reminders.finish(item.id, worker, values, from_status=ReminderStatus.SENDING)
            await uow.commit()

    async def sent(self, item: Outgoing, worker: str, message_id: int) -> None:
        await self._finish(
            item,
            worker,
            {
                "status": ReminderStatus.SENT,
                "sent_at": self.ctx.clock.now(),
                "telegram_message_id": message_id,
                "attempts": item.attempts + 1,
                "last_error": None,
            },
        )

    async def unconfirmed(self, item: Outgoing, worker: str, error: str) -> None:
        """The send may have reached Telegram: close it as sent, never resend it."""
        await self._finish(
            item,
            worker,
            {
                "status": ReminderStatus.SENT,
                "sent_at": self.ctx.clock.now(),
                "attempts": item.attempts + 1,
                "payload": _without_flight(item.payload, uncertain=True),
                "last_error": f"delivery unconfirmed: {error}"[:500],
            },
        )

    async def retry_later(
        self, item: Outgoing, worker: str, error: str, *, delay: timedelta | None = None
    ) -> ReminderStatus:
        """The message certainly did not go out: try again later, or give up after 5 tries."""
        attempts = item.attempts + 1
        flood = delay is not None
        if not flood and attempts >= MAX_ATTEMPTS:
            status = ReminderStatus.FAILED
            values: dict[str, Any] = {"status": status}
        else:
            status = ReminderStatus.PENDING
            wait = delay if delay is not None else retry_backoff(attempts)
            values = {"status": status, "due_at": self.ctx.clock.now() + wait}
        values.update(attempts=attempts, claimed_at=None, claimed_by=None, last_error=error[:500])
        await self._finish(item, worker, values)
        return status

    async def release(self, item: Outgoing, worker: str, due_at: datetime) -> None:
        """Put back a claimed row that was not attempted (the batch stopped early)."""
        await self._finish(
            item,
            worker,
            {
                "status": ReminderStatus.PENDING,
                "due_at": due_at,
                "claimed_at": None,
                "claimed_by": None,
            },
        )

    async def failed(self, item: Outgoing, worker: str, error: str) -> None:
        await self._finish(
            item,
            worker,
            {"status": ReminderStatus.FAILED, "attempts": item.attempts + 1, "last_error": error},
        )

    async def blocked(
        self, item: Outgoing | None, worker: str, user_id: int
    ) -> list[BlockedNotice]:
        """The client blocked the bot: unreachable, reminders stopped, trainers to be told.

        Returns the trainers to tell, only the first time the block is noticed.
        """
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            repo = uow.reminders
            if item is not None:
                await repo.finish(
                    item.id,
                    worker,
                    {
                        "status": ReminderStatus.CANCELLED,
                        "payload": _without_flight(item.payload),
                        "attempts": item.attempts + 1,
                        "last_error": "the client blocked the bot",
                    },
                    from_status=ReminderStatus.SENDING,
                )
            notices = await self._mark_unreachable(uow, user_id, now)
            await uow.commit()
        return notices

    @staticmethod
    async def _mark_unreachable(
        uow: UnitOfWork, user_id: int, now: datetime
    ) -> list[BlockedNotice]:
        repo = uow.reminders
        user = await uow.users.get(user_id)
        if user is None:
            return []
        first_time = user.reachable
        user.reachable = False
        if user.unreachable_since is None:
            user.unreachable_since = now
        await repo.cancel_pending_for_user(user_id, "the client blocked the bot")
        if not first_time:
            return []
        return [
            BlockedNotice(trainer_chat_id=trainer.telegram_id, client_name=name)
            for trainer, name in await repo.trainers_of(user_id, REMINDER_RELATIONSHIPS)
        ]

    async def user_blocked(self, telegram_id: int) -> list[BlockedNotice]:
        """Telegram told us (a chat member update) that this user blocked the bot."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            user = await uow.users.acting_user(telegram_id)
            if user is None:
                return []
            notices = await self._mark_unreachable(uow, user.id, now)
            await uow.commit()
        return notices

    async def user_returned(self, telegram_id: int) -> bool:
        """The user unblocked the bot: reachable again, future reminders restored."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            user = await uow.users.acting_user(telegram_id)
            if user is None:
                return False
            user.reachable = True
            user.unreachable_since = None
            await reminders_for_user_settings_changed(uow, user.id, now)
            await uow.commit()
        return True

    async def session_details(self, telegram_id: int, coaching_session_id: int) -> SessionDetails:
        """A session of the acting client, for a reminder's "See plan" button."""
        async with self.ctx.uow() as uow:
            user = await uow.users.acting_user(telegram_id)
            target = await uow.reminders.session_target(coaching_session_id)
            if (
                user is None
                or target is None
                or target.client is None
                or target.client.id != user.id
                or not target.session.is_active
            ):
                raise NotFound(NOT_YOUR_SESSION)
            coaching = target.session
            trainer = await uow.users.get(target.relationship.trainer_user_id)
            exercises = await planned_exercises(uow, coaching.id)
            return SessionDetails(
                id=coaching.id,
                title=coaching.title,
                starts_local=coaching.scheduled_at.astimezone(load_zone(user.timezone)),
                duration_minutes=coaching.duration_minutes,
                location=coaching.location,
                description=coaching.description,
                status=coaching.status,
                trainer_name=trainer.display_name if trainer else "your trainer",
                exercises=tuple(
                    f"{e.name} — {format_target(e.prescription, user.units)}" for e in exercises
                ),
            )


# --------------------------------------------------------------------------------------------
# /settings
# --------------------------------------------------------------------------------------------


class SettingsService(Service):
    """A person's own settings. Changing anything that moves reminders re-derives them."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def get(self, telegram_id: int) -> SettingsView:
        async with self.ctx.uow() as uow:
            user = await self._require(uow, telegram_id)
            return await self._view(uow, user)

    async def set_timezone(self, telegram_id: int, name: str) -> SettingsView:
        zone = validate_timezone(name)
        return await self._change(telegram_id, rederive=True, timezone=zone)

    async def set_units(self, telegram_id: int, units: Units) -> SettingsView:
        return await self._change(telegram_id, units=units)

    async def set_evening(self, telegram_id: int, at: time | None) -> SettingsView:
        return await self._change(
            telegram_id, client_only=True, rederive=True, evening_reminder_time=at
        )

    async def set_lead(self, telegram_id: int, minutes: int | None) -> SettingsView:
        if minutes is not None and not LEAD_MIN_MINUTES <= minutes <= LEAD_MAX_MINUTES:
            raise InvalidInput(
                "The reminder can come between 5 minutes and 48 hours before a session.",
                example="60 or 2h",
            )
        return await self._change(
            telegram_id, client_only=True, rederive=True, reminder_lead_minutes=minutes
        )

    async def set_quiet(self, telegram_id: int, quiet: QuietHours | None) -> SettingsView:
        return await self._change(
            telegram_id,
            rederive=True,
            quiet_start=quiet.start if quiet else None,
            quiet_end=quiet.end if quiet else None,
        )

    async def set_digest(self, telegram_id: int, at: time | None) -> SettingsView:
        async with self.ctx.uow() as uow:
            user = await self._require(uow, telegram_id)
            profile = await uow.reminders.trainer_profile(user.id)
            if not user.is_trainer or profile is None:
                raise NotAllowed("The daily digest is for trainers.")
            profile.digest_time = at
            await uow.commit()
            return await self._view(uow, user)

    async def _change(
        self,
        telegram_id: int,
        *,
        client_only: bool = False,
        rederive: bool = False,
        **values: Any,
    ) -> SettingsView:
        async with self.ctx.uow() as uow:
            user = await self._require(uow, telegram_id)
            if client_only and not user.is_client:
                raise NotAllowed("Reminder settings are for clients.")
            for name, value in values.items():
                setattr(user, name, value)
            await uow.flush()
            if rederive:
                await reminders_for_user_settings_changed(uow, user.id, self.ctx.clock.now())
            await uow.commit()
            return await self._view(uow, user)

    @staticmethod
    async def _view(uow: UnitOfWork, user: User) -> SettingsView:
        digest: time | None = None
        if user.is_trainer:
            profile = await uow.reminders.trainer_profile(user.id)
            digest = profile.digest_time if profile else None
        return SettingsView(
            telegram_id=user.telegram_id,
            timezone=user.timezone,
            units=user.units,
            is_trainer=user.is_trainer,
            is_client=user.is_client,
            evening_at=user.evening_reminder_time,
            lead_minutes=user.reminder_lead_minutes,
            quiet=quiet_hours_of(user),
            digest_at=digest,
        )

    @staticmethod
    async def _require(uow: UnitOfWork, telegram_id: int) -> User:
        user = await uow.users.acting_user(telegram_id)
        if user is None or not user.onboarded:
            raise NotFound("I don't know you yet. Send /start first.")
        return user
