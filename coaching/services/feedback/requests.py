""" "Can't make it" on a reminder: the client's reason and proposed time, for the trainer to
accept (through the calendar), re-time or cancel. The open request is the session's
``status_reason`` (``Client can't make it: …``); logging the session as done withdraws it
(``REQUEST_WITHDRAWN``), and the trainer's answer buttons then say so."""

from __future__ import annotations

from datetime import UTC, datetime

from coaching.domain.enums import SessionStatus
from coaching.domain.schedule import load_zone
from coaching.domain.when import WhenError, parse_when
from coaching.errors import InvalidInput
from coaching.services.feedback.common import FeedbackPart
from coaching.services.feedback.errors import (
    CANT_MAKE_IT,
    REASON_MAX,
    REQUEST_WITHDRAWN,
    AlreadyLogged,
    SessionNotOpen,
    SessionNotYours,
    clean_text,
    request_open,
)
from coaching.services.feedback.views import (
    ChangeRequest,
    ClientAppointment,
    WithdrawnRequest,
    person,
)
from storage.models import ClientProfile, CoachingSession, Relationship, User
from storage.uow import UnitOfWork


class MoveRequestService(FeedbackPart):
    """A reminder's buttons for the client's booked session, and their request to move it."""

    async def appointment(
        self, telegram_id: int, coaching_session_id: int, *, to_move: bool = False
    ) -> ClientAppointment:
        """A scheduled session of the acting client (refused otherwise).

        ``to_move``: the client is about to ask to move it, so a session already done is
        refused as "already logged, nothing to move".
        """
        async with self.ctx.uow() as uow:
            user, coaching, relationship, trainer = await self._client_appointment(
                uow, telegram_id, coaching_session_id, to_move=to_move
            )
            profile = await uow.get(ClientProfile, relationship.client_profile_id)
            zone = load_zone(user.timezone)
            return ClientAppointment(
                coaching.id,
                coaching.title,
                coaching.scheduled_at.astimezone(zone),
                trainer.display_name if trainer else "your trainer",
                user.timezone,
                request_open=request_open(coaching.status_reason),
                client_name=profile.name if profile else user.display_name,
                client_gender=profile.gender if profile else None,
            )

    async def withdrawn_request(
        self, telegram_id: int, coaching_session_id: int
    ) -> WithdrawnRequest | None:
        """For the trainer's answer buttons: the client's request, if they withdrew it."""
        async with self.ctx.uow() as uow:
            user = await self._trainer(uow, telegram_id)
            target = await uow.reminders.session_target(coaching_session_id)
            if target is None or target.relationship.trainer_user_id != user.id:
                raise SessionNotYours()
            if target.session.status_reason != REQUEST_WITHDRAWN:
                return None
            profile = await uow.get(ClientProfile, target.relationship.client_profile_id)
            return WithdrawnRequest(
                target.session.id,
                target.session.title,
                profile.name if profile else "Your client",
                profile.gender if profile else None,
            )

    async def read_client_time(self, telegram_id: int, text: str) -> datetime:
        """A moment the client typed, in their time zone; aware UTC, in the future."""
        async with self.ctx.uow() as uow:
            tz = (await self._user(uow, telegram_id)).timezone
        try:
            return parse_when(text, now=self.ctx.clock.now(), tz=tz)
        except WhenError as error:
            raise InvalidInput(str(error)) from None

    async def request_change(
        self,
        telegram_id: int,
        coaching_session_id: int,
        reason: str,
        proposed: datetime | None,
    ) -> ChangeRequest:
        """The client can't make it: note the reason on the session and ask the trainer."""
        cleaned = clean_text(reason, limit=REASON_MAX, example="I'm ill")
        if proposed is not None and proposed <= self.ctx.clock.now():
            raise InvalidInput("That time has already passed.", example="tomorrow 18:00")
        async with self.ctx.uow() as uow:
            user, coaching, relationship, trainer = await self._client_appointment(
                uow, telegram_id, coaching_session_id, to_move=True
            )
            if trainer is None:
                raise SessionNotYours()
            if await uow.feedback.record_for_coaching(coaching.id) is not None:
                raise AlreadyLogged()
            coaching.status_reason = f"{CANT_MAKE_IT}{cleaned}"[:500]
            profile = await uow.get(ClientProfile, relationship.client_profile_id)
            client_name = profile.name if profile else user.display_name
            zone = load_zone(trainer.timezone)
            await uow.commit()
            found_trainer = person(trainer)
            assert found_trainer is not None
            return ChangeRequest(
                coaching_session_id=coaching.id,
                title=coaching.title,
                client_name=client_name,
                reason=cleaned,
                starts=coaching.scheduled_at.astimezone(zone),
                proposed=proposed.astimezone(zone) if proposed else None,
                proposed_utc=proposed.astimezone(UTC) if proposed else None,
                trainer=found_trainer,
            )

    async def _client_appointment(
        self,
        uow: UnitOfWork,
        telegram_id: int,
        coaching_session_id: int,
        *,
        to_move: bool = False,
    ) -> tuple[User, CoachingSession, Relationship, User | None]:
        user = await self._user(uow, telegram_id)
        target = await uow.reminders.session_target(coaching_session_id)
        if (
            target is None
            or target.client is None
            or target.client.id != user.id
            or not target.session.is_active
        ):
            raise SessionNotYours()
        coaching = target.session
        if to_move and coaching.status is SessionStatus.COMPLETED:
            raise AlreadyLogged()
        if coaching.status is not SessionStatus.SCHEDULED:
            raise SessionNotOpen(coaching.status)
        trainer = await uow.get(User, target.relationship.trainer_user_id)
        return user, coaching, target.relationship, trainer
