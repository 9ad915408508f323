"""Conversations attached to workouts (issue 18).

A "💬 Message" button names a target (a client, a session, a logged workout, or a message to
reply to). :class:`ThreadService` resolves it against the acting person: they must be the
trainer or the client of the relationship it belongs to, or it does not exist for them. Reading
a thread works for as long as the relationship exists (threads are kept when it ends, for the
record); writing needs an active relationship and a client who has joined.

Delivery is the flow's job, through the one path that respects the recipient's quiet hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from coaching.domain.enums import RelationshipStatus
from coaching.domain.schedule import load_zone
from coaching.domain.threads import (
    CAPTION_MAX,
    MESSAGE_MAX,
    TargetKind,
    ThreadMediaKind,
    ThreadTarget,
    clean_message,
)
from coaching.errors import Conflict, NotAllowed, NotFound
from coaching.services.base import Service, ServiceContext
from storage.models import (
    ClientProfile,
    CoachingSession,
    Relationship,
    SessionRecord,
    User,
    WorkoutMessage,
)
from storage.uow import UnitOfWork

HISTORY = 15
GENERAL = "General"


class ThreadNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("I can't find that conversation among yours.")


class ThreadClosed(NotAllowed):
    """The relationship is not active: the thread can be read, not written to."""

    def __init__(self, status: RelationshipStatus, other: str) -> None:
        self.status = status
        self.other = other
        super().__init__(
            f"Your coaching relationship with {other} is {status.value.lower()}, so messages "
            "can't be sent. The conversation stays here for the record."
        )


class NotJoinedYet(Conflict):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"{name} hasn't joined Spotter yet, so they can't get messages here. "
            "Send them their invite link first."
        )


class NotAVideo(Conflict):
    def __init__(self) -> None:
        super().__init__("A timestamped note goes on a video; that message has none.")


@dataclass(frozen=True, slots=True)
class Media:
    kind: ThreadMediaKind
    file_id: str
    file_unique_id: str | None = None


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """Where a message goes, as the acting person sees it."""

    target: ThreadTarget
    subject: str
    as_trainer: bool
    other_name: str
    other_telegram_id: int | None
    reply_to_id: int | None
    reply_to_is_video: bool


@dataclass(frozen=True, slots=True)
class ThreadLine:
    id: int
    mine: bool
    author: str
    at_local: datetime
    text: str | None
    media_kind: ThreadMediaKind | None
    file_id: str | None
    timestamp_s: int | None


@dataclass(frozen=True, slots=True)
class ThreadView:
    info: ThreadInfo
    lines: tuple[ThreadLine, ...]
    has_older: bool = False
    """Older messages exist before ``lines`` (open again with ``before_id``)."""


@dataclass(frozen=True, slots=True)
class Posted:
    """A stored message and everything its delivery needs."""

    id: int
    subject: str
    from_trainer: bool
    sender_name: str
    recipient_telegram_id: int
    recipient_name: str
    recipient_timezone: str
    text: str | None
    media: Media | None
    timestamp_s: int | None
    is_video: bool


@dataclass(slots=True)
class _Scope:
    relationship: Relationship
    profile: ClientProfile
    coaching_session_id: int | None
    session_record_id: int | None
    subject: str
    reply_to: WorkoutMessage | None = None


def _subject(title: str, when: datetime, tz: str) -> str:
    local = when.astimezone(load_zone(tz))
    return f"{title} · {local:%a} {local.day} {local:%b}"[:255]


class ThreadService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def open(
        self, telegram_id: int, target: ThreadTarget, *, before_id: int | None = None
    ) -> ThreadView:
        """The thread a button points at, with its newest messages (those older than
        ``before_id`` when given: the next page back), for the acting person."""
        async with self.ctx.uow() as uow:
            repo = uow.threads
            user, scope = await self._resolve(uow, telegram_id, target)
            info = await self._info(uow, user, scope, target)
            rows = await repo.thread(
                scope.relationship.id,
                scope.coaching_session_id,
                scope.session_record_id,
                HISTORY + 1,
                before_id,
            )
            has_older = len(rows) > HISTORY
            rows = rows[-HISTORY:]
            authors = await repo.users(r.author_user_id for r in rows)
            zone = load_zone(user.timezone)
            lines = tuple(
                ThreadLine(
                    id=r.id,
                    mine=r.author_user_id == user.id,
                    author=self._author(r, authors, scope.profile),
                    at_local=r.created_at.astimezone(zone),
                    text=r.text,
                    media_kind=r.media_kind,
                    file_id=r.file_id,
                    timestamp_s=r.timestamp_s,
                )
                for r in rows
            )
            return ThreadView(info, lines, has_older)

    async def post(
        self,
        telegram_id: int,
        target: ThreadTarget,
        text: str | None,
        media: Media | None = None,
        *,
        timestamp_s: int | None = None,
    ) -> Posted:
        """Store one message of the acting person in the thread ``target`` points at.

        Raises:
            ThreadNotFound: not a thread of theirs.
            ThreadClosed: the relationship is not active.
            NotJoinedYet: the client has not joined Spotter.
            NotAVideo: a timestamped note on a message without a video.
            EmptyMessage, MessageTooLong: the text.
        """
        limit = CAPTION_MAX if media is not None else MESSAGE_MAX
        cleaned = clean_message(text, limit=limit, required=media is None) or None
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            user, scope = await self._resolve(uow, telegram_id, target)
            info = await self._info(uow, user, scope, target)
            status = scope.relationship.status
            if status is not RelationshipStatus.ACTIVE:
                raise ThreadClosed(status, info.other_name)
            if info.other_telegram_id is None:
                raise NotJoinedYet(info.other_name)
            if timestamp_s is not None and not info.reply_to_is_video:
                raise NotAVideo()
            row = WorkoutMessage(
                relationship_id=scope.relationship.id,
                client_profile_id=scope.profile.id,
                coaching_session_id=scope.coaching_session_id,
                session_record_id=scope.session_record_id,
                subject=scope.subject,
                author_user_id=user.id,
                from_trainer=info.as_trainer,
                text=cleaned,
                media_kind=media.kind if media else None,
                file_id=media.file_id if media else None,
                file_unique_id=media.file_unique_id if media else None,
                reply_to_id=scope.reply_to.id if scope.reply_to else None,
                timestamp_s=timestamp_s,
                created_by=user.id,
                created_at=now,
                updated_at=now,
            )
            uow.threads.add(row)
            await uow.flush()
            recipient = await self._recipient(uow, scope, info)
            await uow.commit()
            return Posted(
                id=row.id,
                subject=scope.subject,
                from_trainer=info.as_trainer,
                sender_name=scope.profile.name if not info.as_trainer else user.display_name,
                recipient_telegram_id=recipient.telegram_id,
                recipient_name=info.other_name,
                recipient_timezone=recipient.timezone,
                text=cleaned,
                media=media,
                timestamp_s=timestamp_s,
                is_video=media is not None and media.kind is ThreadMediaKind.VIDEO,
            )

    # ------------------------------------------------------------------ resolving a target

    async def _resolve(
        self, uow: UnitOfWork, telegram_id: int, target: ThreadTarget
    ) -> tuple[User, _Scope]:
        user = await uow.users.acting_user(telegram_id)
        if user is None:
            raise ThreadNotFound()
        scope = await self._scope(uow, target, user)
        if scope is None or user.id not in (
            scope.relationship.trainer_user_id,
            scope.profile.user_id,
        ):
            raise ThreadNotFound()
        return user, scope

    async def _scope(self, uow: UnitOfWork, target: ThreadTarget, user: User) -> _Scope | None:
        repo = uow.threads
        if target.kind is TargetKind.CLIENT:
            found = await repo.relationship_of_profile(target.id)
            return None if found is None else _Scope(found[0], found[1], None, None, GENERAL)
        if target.kind is TargetKind.SESSION:
            booked = await repo.coaching_session(target.id)
            return await self._session_scope(uow, booked, user)
        if target.kind is TargetKind.RECORD:
            return await self._record_scope(uow, await repo.record(target.id), user)
        message = await repo.message(target.id)
        if message is None or not message.is_active:
            return None
        found = await repo.relationship(message.relationship_id)
        if found is None:
            return None
        return _Scope(
            found[0],
            found[1],
            message.coaching_session_id,
            message.session_record_id,
            message.subject,
            message,
        )

    @staticmethod
    async def _session_scope(
        uow: UnitOfWork, booked: CoachingSession | None, user: User
    ) -> _Scope | None:
        if booked is None or not booked.is_active:
            return None
        found = await uow.threads.relationship(booked.relationship_id)
        if found is None:
            return None
        subject = _subject(booked.title, booked.scheduled_at, user.timezone)
        return _Scope(found[0], found[1], booked.id, None, subject)

    async def _record_scope(
        self, uow: UnitOfWork, record: SessionRecord | None, user: User
    ) -> _Scope | None:
        if record is None or not record.is_active:
            return None
        if record.coaching_session_id is not None:
            booked = await uow.threads.coaching_session(record.coaching_session_id)
            return await self._session_scope(uow, booked, user)
        found = await uow.threads.relationship_of_profile(record.client_profile_id)
        if found is None:
            return None
        subject = _subject(record.title, record.start_time, user.timezone)
        return _Scope(found[0], found[1], None, record.id, subject)

    @staticmethod
    async def _info(uow: UnitOfWork, user: User, scope: _Scope, target: ThreadTarget) -> ThreadInfo:
        as_trainer = user.id == scope.relationship.trainer_user_id
        if as_trainer:
            other_id = scope.profile.user_id
            other_name = scope.profile.name
        else:
            other_id = scope.relationship.trainer_user_id
            other_name = "your trainer"
        others = await uow.threads.users([other_id])
        other = others.get(other_id) if other_id is not None else None
        if other is not None and not as_trainer:
            other_name = other.display_name
        reachable = other is not None and other.erased_at is None
        reply_to = scope.reply_to
        return ThreadInfo(
            target=target,
            subject=scope.subject,
            as_trainer=as_trainer,
            other_name=other_name,
            other_telegram_id=other.telegram_id if reachable and other else None,
            reply_to_id=reply_to.id if reply_to else None,
            reply_to_is_video=bool(reply_to and reply_to.media_kind is ThreadMediaKind.VIDEO),
        )

    @staticmethod
    async def _recipient(uow: UnitOfWork, scope: _Scope, info: ThreadInfo) -> User:
        other_id = scope.profile.user_id if info.as_trainer else scope.relationship.trainer_user_id
        found = (await uow.threads.users([other_id])).get(other_id) if other_id else None
        if found is None:
            raise NotJoinedYet(info.other_name)
        return found

    @staticmethod
    def _author(row: WorkoutMessage, authors: dict[int, User], profile: ClientProfile) -> str:
        if not row.from_trainer:
            return profile.name
        author = authors.get(row.author_user_id) if row.author_user_id else None
        return author.display_name if author else "Trainer"


# ------------------------------------------------------------------ exports (inside a caller's
# transaction: /mydata and a trainer's /export)

MESSAGE_COLUMNS = (
    "client",
    "sent_at",
    "from",
    "about",
    "text",
    "media",
    "file_id",
    "video_timestamp_s",
)


async def conversation_records(uow: UnitOfWork, profile_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every workout message about these client profiles, JSON-ready (the client's /mydata)."""
    return [
        {
            "id": m.id,
            "relationship_id": m.relationship_id,
            "client_profile_id": m.client_profile_id,
            "coaching_session_id": m.coaching_session_id,
            "session_record_id": m.session_record_id,
            "about": m.subject,
            "from_trainer": m.from_trainer,
            "text": m.text,
            "media_kind": m.media_kind.value if m.media_kind else None,
            "file_id": m.file_id,
            "reply_to_id": m.reply_to_id,
            "video_timestamp_s": m.timestamp_s,
            "sent_at": m.created_at.isoformat(),
        }
        for m in await uow.threads.for_profiles(profile_ids)
    ]


async def conversation_rows(
    uow: UnitOfWork, profiles: Sequence[ClientProfile], trainer_name: str, tz: ZoneInfo
) -> list[list[object]]:
    """The rows of a trainer's messages file (:data:`MESSAGE_COLUMNS`), oldest first."""
    names = {p.id: p.name for p in profiles}
    return [
        [
            names.get(m.client_profile_id, ""),
            m.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            trainer_name if m.from_trainer else names.get(m.client_profile_id, ""),
            m.subject,
            m.text or "",
            m.media_kind.value if m.media_kind else "",
            m.file_id or "",
            "" if m.timestamp_s is None else m.timestamp_s,
        ]
        for m in await uow.threads.for_profiles(list(names))
    ]
