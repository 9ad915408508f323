"""``/injury``: a report (body part, severity 1–10, text) goes onto every profile of the client
that an ACTIVE trainer holds, and onto their self profile, and raises one INJURY_REPORTED alert
per trainer (one open alert per part and day: ``dedup_key`` ``injury:<part>:<date>``). The
trainer may dismiss an alert, a suggested one say."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from coaching.domain.enums import AlertSeverity, AlertType
from coaching.domain.feedback import (
    PART_MAX,
    SEVERITY_MAX,
    SEVERITY_MIN,
    clean_part,
    is_urgent,
    severity_of,
)
from coaching.domain.schedule import load_zone
from coaching.errors import InvalidInput
from coaching.services.access import own_profile
from coaching.services.feedback.common import FeedbackPart
from coaching.services.feedback.errors import (
    INJURY_EXAMPLE,
    AlertResolved,
    NotYours,
    clean_text,
)
from coaching.services.feedback.views import (
    DismissedAlert,
    InjuryNotice,
    InjuryReport,
    person,
)
from storage.models import ClientAlert, ClientProfile, User
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class _Report:
    """A checked report, and the alert it raises."""

    part: str
    severity: int
    details: str | None
    reporter_id: int
    now: datetime
    key: str

    @property
    def level(self) -> AlertSeverity:
        return severity_of(self.severity)

    @property
    def message(self) -> str:
        said = f": {self.details}" if self.details else ""
        return f"{self.part} pain, {self.severity}/10{said}"[:1000]


def checked_part(part: str) -> str:
    """The body part as stored, or :class:`InvalidInput`."""
    name = clean_part(part)
    if not name:
        raise InvalidInput("Tell me which body part.", example="Left knee")
    if len(part.strip()) > PART_MAX:
        raise InvalidInput(
            f"Please name the body part in under {PART_MAX} characters.", example="Left knee"
        )
    return name


class InjuryService(FeedbackPart):
    """Injury reports and the alerts they raise."""

    async def report_injury(
        self, telegram_id: int, part: str, severity: int, text: str | None
    ) -> InjuryReport:
        """Store a pain or injury report and alert each active trainer."""
        name = checked_part(part)
        if not SEVERITY_MIN <= severity <= SEVERITY_MAX:
            raise InvalidInput("Rate the pain from 1 to 10.", example="6")
        details = clean_text(text, example=INJURY_EXAMPLE) if text is not None else None
        async with self.ctx.uow() as uow:
            user = await self._user(uow, telegram_id)
            now = self.ctx.clock.now()
            today = now.astimezone(load_zone(user.timezone)).date()
            report = _Report(
                name,
                severity,
                details,
                user.id,
                now,
                f"injury:{name.lower()}:{today.isoformat()}"[:120],
            )
            held = await uow.feedback.active_trainer_profiles(user.id)
            profiles: list[ClientProfile] = [p for p, _ in held]
            profiles.append(await own_profile(uow, user.id, user.display_name))
            entry = {
                "part": name,
                "severity": severity,
                "text": details,
                "reported_at": now.astimezone(UTC).isoformat(),
            }
            for profile in profiles:
                profile.injuries = [*(profile.injuries or []), entry]
            trainers = await uow.feedback.users([p.trainer_user_id for p, _ in held])
            notices: list[InjuryNotice] = []
            duplicate = False
            for profile, _ in held:
                trainer = trainers.get(profile.trainer_user_id or 0)
                if trainer is None:
                    continue
                alert, repeated = await self._alert(uow, trainer, profile, report)
                duplicate = duplicate or repeated
                if alert is not None:
                    found = person(trainer)
                    assert found is not None
                    notices.append(
                        InjuryNotice(
                            found, profile.name, alert.id, report.level, is_urgent(report.level)
                        )
                    )
            await uow.commit()
            return InjuryReport(name, severity, details, tuple(notices), duplicate)

    @staticmethod
    async def _alert(
        uow: UnitOfWork, trainer: User, profile: ClientProfile, report: _Report
    ) -> tuple[ClientAlert | None, bool]:
        """The trainer's alert about this report, and whether one was open already. A repeat
        no worse than the open alert raises nothing (``None``)."""
        alert = await uow.feedback.open_alert(trainer.id, profile.id, report.key)
        if alert is not None:
            if report.severity <= int(alert.details.get("score", 0)):
                return None, True
            alert.severity = report.level
            alert.message = report.message
            alert.details = {**alert.details, "score": report.severity, "text": report.details}
            return alert, True
        alert = ClientAlert(
            client_profile_id=profile.id,
            trainer_user_id=trainer.id,
            alert_type=AlertType.INJURY_REPORTED,
            severity=report.level,
            raised_at=report.now,
            message=report.message,
            dedup_key=report.key,
            details={"part": report.part, "score": report.severity, "text": report.details},
            created_by=report.reporter_id,
        )
        uow.feedback.add(alert)
        await uow.flush()
        return alert, False

    async def dismiss_alert(self, telegram_id: int, alert_id: int) -> DismissedAlert:
        """The trainer dismisses an alert (a suggested one, say): resolved, notes "dismissed"."""
        async with self.ctx.uow() as uow:
            user = await self._trainer(uow, telegram_id)
            alert = await uow.feedback.alert(alert_id)
            if alert is None or alert.trainer_user_id != user.id:
                raise NotYours()
            profile = await uow.get(ClientProfile, alert.client_profile_id)
            if alert.is_resolved:
                raise AlertResolved()
            alert.is_resolved = True
            alert.resolved_by = user.id
            alert.resolved_at = self.ctx.clock.now()
            alert.resolution_notes = "dismissed"
            await uow.commit()
            return DismissedAlert(alert.id, profile.name if profile else "")
