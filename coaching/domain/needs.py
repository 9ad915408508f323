"""Who needs the trainer most, and why: open alerts and activity merged per client, ranked.

:func:`rank_needs` takes the trainer's open alerts (plain values) and the activity ranking
(missed sessions, days without a workout, an adherence drop) and returns one
:class:`ClientNeed` per client, most pressing first: an open injury, a performance decline,
missed sessions and inactivity, and good news worth a message (a record, a goal reached, a
finished program). A client with any open alert is always listed, so the dashboard never says
every client is on track while an alert is open.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from coaching.domain.enums import AlertSeverity, AlertType

__all__ = ["ClientNeed", "InjuryNeed", "OpenAlert", "rank_needs"]

SEVERITY_POINTS: Mapping[AlertSeverity, int] = {
    AlertSeverity.CRITICAL: 1000,
    AlertSeverity.HIGH: 300,
    AlertSeverity.MEDIUM: 100,
    AlertSeverity.LOW: 30,
}
"""An open alert's weight in the ranking; activity scores (tens) come on top."""


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """One open alert, as plain values."""

    client_profile_id: int
    client_name: str
    alert_type: AlertType
    severity: AlertSeverity
    raised_on: date
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)


class Activity(Protocol):
    """A client's activity ranking (the dashboard's attention item)."""

    @property
    def client_profile_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def score(self) -> int: ...
    @property
    def missed(self) -> int: ...
    @property
    def idle_days(self) -> int | None: ...
    @property
    def adherence_30(self) -> Decimal | None: ...
    @property
    def drop_points(self) -> Decimal | None: ...


@dataclass(frozen=True, slots=True)
class InjuryNeed:
    part: str
    score: int | None
    reported_on: date


@dataclass(frozen=True, slots=True)
class ClientNeed:
    """Everything that makes one client need the trainer, ready to word."""

    client_profile_id: int
    name: str
    score: int
    severity: AlertSeverity | None
    injuries: tuple[InjuryNeed, ...] = ()
    declines: tuple[str, ...] = ()
    missed: int = 0
    idle_days: int | None = None
    adherence_30: Decimal | None = None
    drop_points: Decimal | None = None
    records: int = 0
    goals: tuple[str, ...] = ()
    programs: int = 0
    alerts: int = 0


@dataclass(slots=True)
class _Draft:
    client_profile_id: int
    name: str
    score: int = 0
    severity: AlertSeverity | None = None
    injuries: list[InjuryNeed] = field(default_factory=list)
    declines: list[str] = field(default_factory=list)
    missed_alerts: int = 0
    idle_days: int | None = None
    records: int = 0
    goals: list[str] = field(default_factory=list)
    programs: int = 0
    alerts: int = 0


def _worse(a: AlertSeverity | None, b: AlertSeverity) -> AlertSeverity:
    if a is None:
        return b
    return b if SEVERITY_POINTS[b] > SEVERITY_POINTS[a] else a


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _sentence(message: str) -> str:
    return " ".join(message.split()).rstrip(".")


def _add_alert(draft: _Draft, alert: OpenAlert, today: date) -> None:
    draft.alerts += 1
    draft.score += SEVERITY_POINTS[alert.severity]
    draft.severity = _worse(draft.severity, alert.severity)
    details = alert.details
    kind = alert.alert_type
    if kind is AlertType.INJURY_REPORTED:
        part = str(details.get("part") or details.get("reference") or "").strip()
        draft.injuries.append(InjuryNeed(part, _int(details.get("score")), alert.raised_on))
    elif kind is AlertType.MISSED_WORKOUT:
        draft.missed_alerts += 1
    elif kind is AlertType.INACTIVITY:
        idle = _int(details.get("idle_days"))
        if idle is not None:
            idle += (today - alert.raised_on).days
            draft.idle_days = max(draft.idle_days or 0, idle)
    elif kind is AlertType.GOAL_ACHIEVED and "goal" in details:
        draft.goals.append(str(details["goal"]))
    elif kind is AlertType.GOAL_ACHIEVED:
        draft.records += 1
    elif kind is AlertType.PROGRAM_COMPLETED:
        draft.programs += 1
    else:  # a performance decline: its message names the lift and the drop
        draft.declines.append(_sentence(alert.message))


def _need(draft: _Draft, activity: Activity | None, inactivity_days: int) -> ClientNeed:
    missed = max(draft.missed_alerts, activity.missed if activity else 0)
    idle = draft.idle_days
    recent = activity.idle_days if activity is not None else None
    if recent is not None and (idle is not None or recent >= inactivity_days):
        idle = recent
    return ClientNeed(
        client_profile_id=draft.client_profile_id,
        name=draft.name,
        score=draft.score + (activity.score if activity else 0),
        severity=draft.severity,
        injuries=tuple(sorted(draft.injuries, key=lambda i: i.reported_on, reverse=True)),
        declines=tuple(draft.declines),
        missed=missed,
        idle_days=idle,
        adherence_30=activity.adherence_30 if activity else None,
        drop_points=activity.drop_points if activity else None,
        records=draft.records,
        goals=tuple(draft.goals),
        programs=draft.programs,
        alerts=draft.alerts,
    )


def rank_needs(
    alerts: Sequence[OpenAlert],
    activity: Sequence[Activity],
    today: date,
    inactivity_days: int,
) -> list[ClientNeed]:
    """One entry per client with an open alert or an activity score, most pressing first
    (highest score, then by name). Days without a workout are named once they reach the
    trainer's ``inactivity_days`` (or an inactivity alert is open: then the current count)."""
    drafts: dict[int, _Draft] = {}
    for alert in alerts:
        draft = drafts.setdefault(
            alert.client_profile_id, _Draft(alert.client_profile_id, alert.client_name)
        )
        _add_alert(draft, alert, today)
    by_client = {item.client_profile_id: item for item in activity if item.score > 0}
    for profile_id, item in by_client.items():
        drafts.setdefault(profile_id, _Draft(profile_id, item.name))
    needs = [_need(draft, by_client.get(pid), inactivity_days) for pid, draft in drafts.items()]
    needs.sort(key=lambda n: (-n.score, n.name.casefold(), n.client_profile_id))
    return needs
