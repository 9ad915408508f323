"""The client's rating of a finished session."""

from __future__ import annotations

from coaching.errors import Conflict, InvalidInput
from coaching.services.live.common import (
    LivePart,
    _recipient,
)
from coaching.services.live.errors import (
    SessionNotYours,
)
from coaching.services.live.views import (
    FeedbackResult,
)
from storage.models import (
    SessionRecord,
)


class RatingsPart(LivePart):
    """The client's rating of a finished session."""

    async def rate_session(self, telegram_id: int, record_id: int, rpe: int) -> FeedbackResult:
        """The client's "How hard was it?" answer, RPE 1–10, on a completed session."""
        if not 1 <= rpe <= 10:
            raise InvalidInput("Pick a number from 1 to 10.", example="7")
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            repo = uow.live
            record = await uow.get(SessionRecord, record_id)
            profile = await repo.profile(record.client_profile_id) if record else None
            if record is None or profile is None or profile.user_id != user.id:
                raise SessionNotYours()
            if not record.completed:
                raise Conflict("You can rate a session once it is finished.")
            feedback = dict(record.trainee_feedback or {})
            feedback["rpe"] = rpe
            feedback["rpe_at"] = self.ctx.clock.now().isoformat()
            record.trainee_feedback = feedback
            trainer = None
            if record.trainer_user_id is not None:
                people = await repo.users([record.trainer_user_id])
                trainer = _recipient(people.get(record.trainer_user_id), {})
            await uow.commit()
            return FeedbackResult(rpe, profile.name, record.title, trainer)
