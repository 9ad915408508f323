"""The client's feedback on a finished session: RPE, free text (pain words raise a suggested
alert for the trainer), a 1–5 rating, the recent sessions to give feedback on, and the prompt
queued for when a booked session is over."""

from __future__ import annotations

from datetime import datetime, timedelta

from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    ReminderKind,
    ReminderStatus,
)
from coaching.domain.feedback import (
    RATING_MAX,
    RATING_MIN,
    RPE_MAX,
    RPE_MIN,
    mentions_pain,
)
from coaching.domain.reminders import trainer_message_due
from coaching.domain.schedule import load_zone
from coaching.errors import InvalidInput
from coaching.services.access import person_profiles
from coaching.services.feedback.common import FeedbackPart, feedback_of, has_feedback, reviewing
from coaching.services.feedback.errors import PROMPT_EXPIRES, RECENT_DAYS, clean_text
from coaching.services.feedback.views import (
    ClientFeedback,
    SessionChoice,
    SuggestedAlert,
    person,
)
from coaching.services.profiles import store_rating
from coaching.services.reminders import quiet_hours_of
from storage.models import ClientAlert, ClientProfile, Reminder, SessionRecord, User
from storage.uow import UnitOfWork


class ClientFeedbackService(FeedbackPart):
    """What the client tells about a session they finished."""

    async def rate(self, telegram_id: int, record_id: int, rpe: int) -> ClientFeedback:
        """The client's "How hard was it?": RPE 1–10 on a finished session."""
        if not RPE_MIN <= rpe <= RPE_MAX:
            raise InvalidInput("Pick a number from 1 to 10.", example="7")
        async with self.ctx.uow() as uow:
            record, profile, _user = await self._client_record(uow, telegram_id, record_id)
            feedback = feedback_of(record)
            feedback["rpe"] = rpe
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            result = await self._client_view(uow, record, profile)
            await uow.commit()
            return result

    async def add_text(self, telegram_id: int, record_id: int, text: str) -> ClientFeedback:
        """Free text on the session; pain words raise a suggested alert for the trainer."""
        cleaned = clean_text(text)
        async with self.ctx.uow() as uow:
            record, profile, _user = await self._client_record(uow, telegram_id, record_id)
            feedback = feedback_of(record)
            feedback["text"] = cleaned
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            coaching = await uow.feedback.coaching_session(record.coaching_session_id)
            if coaching is not None:
                coaching.client_feedback = cleaned
            flagged = False
            if mentions_pain(cleaned) and record.trainer_user_id is not None:
                flagged = await self._suggest_alert(uow, record, profile, cleaned) is not None
            result = await self._client_view(uow, record, profile, flagged)
            await uow.commit()
            return result

    async def rate_session(
        self, telegram_id: int, record_id: int, rating: int, *, public: bool = False
    ) -> ClientFeedback:
        """The client's 1–5 rating of the session. It feeds the trainer's public rating in the
        directory only when ``public`` (the client said so); the trainer reads it either way."""
        if not RATING_MIN <= rating <= RATING_MAX:
            raise InvalidInput("Rate the session from 1 to 5.", example="4")
        async with self.ctx.uow() as uow:
            record, profile, _user = await self._client_record(uow, telegram_id, record_id)
            feedback = feedback_of(record)
            feedback["rating"] = rating
            feedback["rating_public"] = public
            feedback["at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            coaching = await uow.feedback.coaching_session(record.coaching_session_id)
            if coaching is not None:
                coaching.rating = rating
                coaching.rating_public = public
                await uow.flush()
                trainer_id = record.trainer_user_id or profile.trainer_user_id
                if trainer_id is not None:
                    await store_rating(uow, trainer_id)
            result = await self._client_view(uow, record, profile)
            await uow.commit()
            return result

    async def current(self, telegram_id: int, record_id: int) -> ClientFeedback:
        """The client's feedback on one of their sessions, as stored."""
        async with self.ctx.uow() as uow:
            record, profile, _ = await self._client_record(uow, telegram_id, record_id)
            return await self._client_view(uow, record, profile)

    async def recent(self, telegram_id: int) -> tuple[SessionChoice, ...]:
        """The client's sessions of the last 14 days, those without feedback first."""
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            since = self.ctx.clock.now() - timedelta(days=RECENT_DAYS)
            ids = await person_profiles(uow, user.id)
            rows = await uow.feedback.recent_of_profiles(ids, since)
            zone = load_zone(user.timezone)
            choices = [
                SessionChoice(r.id, r.title, r.start_time.astimezone(zone).date(), has_feedback(r))
                for r in rows
            ]
            choices.sort(key=lambda c: c.has_feedback)
            return tuple(choices)

    async def schedule_prompt(self, telegram_id: int, record_id: int) -> datetime | None:
        """Queue the "How hard was it?" prompt for when the session's time has passed.

        Returns the local time it will arrive, or ``None`` when the session is over already
        (ask now). The prompt waits for the client's quiet hours to end.
        """
        async with self.ctx.uow() as uow:
            record, _profile, user = await self._client_record(uow, telegram_id, record_id)
            coaching = await uow.feedback.coaching_session(record.coaching_session_id)
            now = self.ctx.clock.now()
            if coaching is None:
                return None
            ends = coaching.scheduled_at + timedelta(minutes=coaching.duration_minutes)
            if ends <= now:
                return None
            due = trainer_message_due(
                ends, tz=user.timezone, quiet=quiet_hours_of(user), contact_outside_hours=False
            )
            uow.add(
                Reminder(
                    user_id=user.id,
                    coaching_session_id=None,
                    kind=ReminderKind.FEEDBACK_PROMPT,
                    due_at=due,
                    expires_at=due + PROMPT_EXPIRES,
                    status=ReminderStatus.PENDING,
                    attempts=0,
                    payload={"record_id": record.id, "title": record.title},
                    dedup_key=f"fbp:{record.id}",
                )
            )
            record.feedback_requested_at = due
            await uow.commit()
            return due.astimezone(load_zone(user.timezone))

    async def suggested_alert(self, telegram_id: int, record_id: int) -> SuggestedAlert | None:
        """The open suggested pain alert raised by this session's feedback, for the notice."""
        async with self.ctx.uow() as uow:
            record, profile, _ = await self._client_record(uow, telegram_id, record_id)
            trainer_id = record.trainer_user_id
            if trainer_id is None:
                return None
            alert = await uow.feedback.open_alert(trainer_id, profile.id, f"pain:{record.id}")
            trainer = person(await uow.get(User, trainer_id))
            if alert is None or trainer is None:
                return None
            return SuggestedAlert(
                alert.id, trainer, profile.name, record.title, str(alert.details.get("text", ""))
            )

    async def _suggest_alert(
        self, uow: UnitOfWork, record: SessionRecord, profile: ClientProfile, text: str
    ) -> ClientAlert | None:
        trainer_id = record.trainer_user_id
        if trainer_id is None or not await reviewing(uow, trainer_id, profile.id):
            return None
        key = f"pain:{record.id}"
        alert = await uow.feedback.open_alert(trainer_id, profile.id, key)
        message = f"Feedback on {record.title} mentions pain: {text}"[:1000]
        if alert is None:
            alert = ClientAlert(
                client_profile_id=profile.id,
                trainer_user_id=trainer_id,
                alert_type=AlertType.INJURY_REPORTED,
                severity=AlertSeverity.MEDIUM,
                raised_at=self.ctx.clock.now(),
                message=message,
                dedup_key=key,
                details={"suggested": True, "record_id": record.id, "text": text},
                created_by=profile.user_id,
            )
            uow.feedback.add(alert)
        else:
            alert.message = message
            alert.details = {**alert.details, "text": text}
        await uow.flush()
        return alert
