"""The alert engine (seed 000 ClientAlert) and the trainer's alert list.

:meth:`AlertService.scan_all` walks every trainer in batches, and their clients in pages of
:data:`CLIENTS_PER_BATCH`, one short transaction each; each page costs a fixed number of
set-based queries (clients, unlogged planned sessions, last activity, main-lift sessions, goals,
finishing programs, known causes, the insert), whatever the number of clients or sets. The rules
themselves are pure functions in :mod:`coaching.domain.alerts`. The hourly job runs the whole
scan in a worker process (:meth:`AlertService.scan_everyone`), so the people being answered
never wait behind it; run in the bot's own process, a page runs its rules in a thread. The same
checks run for one client right after a session is finished (:func:`on_session_finished`).

The scan reads each batch's sets once, aggregated in SQL to one row per session and main lift
(best e1RM, top load, highest RPE at it), and only for the clients whose trainer may see their
progression; those rows come back as plain values, not ORM objects, and only each lift's last
sessions (:func:`coaching.domain.alerts.sessions_compared`) reach the rules.

Every alert honours the client's permissions: activity alerts need "view activity status",
performance and lift alerts need "view progression data" (and the exercise's ProgressionAccess
window), a body-weight goal needs "view personal data". An alert's cause is its dedup key: the
partial unique index ``uq_client_alerts_open_cause`` makes a second open alert for one cause
impossible, and a cause already raised (even if resolved) is not raised again.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from coaching.domain import alerts as rules
from coaching.domain.enums import (
    AlertSeverity,
    AlertType,
    AssignmentStatus,
    Permission,
    RecordStatus,
    Units,
)
from coaching.domain.measurements import BODY_WEIGHT
from coaching.domain.permissions import PermissionFlags, ProgressionWindow, progression_visible
from coaching.domain.strength import PerformedSet, detect_records
from coaching.domain.transitions import InvalidTransition, check_transition
from coaching.errors import InvalidInput, NotFound
from coaching.services.base import Service, ServiceContext
from coaching.services.elsewhere import in_worker
from coaching.services.offload import JOBS
from storage.models import (
    ClientProfile,
    Exercise,
    SessionRecord,
    TrainerProfile,
    User,
)
from storage.repositories.alerts import (
    PERMISSION_NAMES,
    ActiveClient,
    AlertRepository,
    LiftSession,
    LiftSessions,
)
from storage.uow import UnitOfWork

BATCH_TRAINERS = 50
CLIENTS_PER_BATCH = 100
"""Clients whose rules run in one transaction of the scan: a few milliseconds of work."""
INLINE_CLIENTS = 8
"""Up to this many clients the rules run on the event loop (less than a thread's cost)."""
INLINE_SETS = 2000
"""Up to this many past sets a finished session's records are found on the event loop."""
POINTS_DAYS = 90
CENT = Decimal("0.01")
"""e1RMs are compared at 0.01 kg."""
NOTES_MAX = 1000
NOT_YOUR_ALERT = "I can't find that alert among yours."
NOT_YOUR_CLIENT = "I can't find that client among yours."
ACKNOWLEDGED_NOTE = "Acknowledged together with other alerts."
NOT_A_TRAINER = "Alerts are for trainers. Send /start to register as one."


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    client_profile_id: int
    client_name: str
    alert_type: AlertType
    severity: AlertSeverity
    message: str
    raised_at: datetime
    is_resolved: bool
    resolved_at: datetime | None
    resolution_notes: str | None


@dataclass(frozen=True, slots=True)
class AlertList:
    timezone: str
    alerts: tuple[AlertView, ...]
    counts: dict[AlertSeverity, int]
    client_name: str | None = None


@dataclass(frozen=True, slots=True)
class UrgentNotice:
    """A HIGH or CRITICAL alert to tell the trainer about now."""

    alert_id: int
    trainer_chat_id: int
    client_profile_id: int
    client_name: str
    severity: AlertSeverity
    alert_type: AlertType
    message: str


@dataclass(frozen=True, slots=True)
class ClientNotice:
    """Everything new and urgent about one client for one trainer: told in one message."""

    trainer_chat_id: int
    client_profile_id: int
    client_name: str
    items: tuple[UrgentNotice, ...]


@dataclass(frozen=True, slots=True)
class Acknowledged:
    """Alerts resolved at once: how many, and whose (``None``: every client's)."""

    count: int
    client_name: str | None


@dataclass(frozen=True, slots=True)
class ScanReport:
    trainers: int = 0
    clients: int = 0
    raised: int = 0
    programs_completed: int = 0
    statements_batches: int = 0


ACTIVITY = Permission.VIEW_ACTIVITY_STATUS
PROGRESSION = Permission.VIEW_PROGRESSION_DATA
PERSONAL = Permission.VIEW_PERSONAL_DATA
EVERY_PERMISSION = frozenset(Permission)


@dataclass(slots=True)
class _Client:
    relationship_id: int
    trainer_user_id: int
    profile_id: int
    user_id: int | None
    flags: PermissionFlags
    start_date: date | None = None
    goals: tuple[Any, ...] = ()
    current_weight_kg: Decimal | None = None
    windows: list[ProgressionWindow] = field(default_factory=list)
    scope: list[int] = field(default_factory=list)
    allowed: frozenset[Permission] = EVERY_PERMISSION
    """What the trainer may see: everything for a client who has not joined (no say yet)."""

    def may(self, permission: Permission) -> bool:
        return permission in self.allowed


def _client(
    row: ActiveClient,
    known: dict[tuple[bool, ...] | None, tuple[PermissionFlags, frozenset[Permission]]],
) -> _Client:
    """A client of the scan. ``known`` shares the flags of each distinct set of values."""
    found = known.get(row.permissions)
    if found is None:
        # As access.flags_of: the defaults when the relationship has no permission row.
        flags = (
            PermissionFlags()
            if row.permissions is None
            else PermissionFlags(**dict(zip(PERMISSION_NAMES, row.permissions, strict=True)))
        )
        found = known[row.permissions] = (
            flags,
            frozenset(p for p in Permission if flags.allows(p)),
        )
    flags, allowed = found
    return _Client(
        relationship_id=row.relationship_id,
        trainer_user_id=row.trainer_user_id,
        profile_id=row.profile_id,
        user_id=row.user_id,
        flags=flags,
        start_date=row.start_date,
        goals=row.goals,
        current_weight_kg=row.current_weight_kg,
        allowed=EVERY_PERMISSION if row.user_id is None else allowed,
    )


def _view(row: Any, name: str, units: Units) -> AlertView:
    return AlertView(
        id=row.id,
        client_profile_id=row.client_profile_id,
        client_name=name,
        alert_type=row.alert_type,
        severity=row.severity,
        message=rules.shown_message(row.message, row.details or {}, units),
        raised_at=row.raised_at,
        is_resolved=row.is_resolved,
        resolved_at=row.resolved_at,
        resolution_notes=row.resolution_notes,
    )


def thresholds_of(profile: TrainerProfile) -> rules.Thresholds:
    return rules.Thresholds(
        decline_pct=profile.alert_decline_pct,
        decline_sessions=profile.alert_decline_sessions,
        inactivity_days=profile.alert_inactivity_days,
        missed_grace_hours=profile.alert_missed_grace_hours,
    )


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


# --------------------------------------------------------------------------- the engine


async def _load_clients(
    repo: AlertRepository,
    trainer_ids: Sequence[int],
    profile_ids: Sequence[int] | None,
    *,
    after_relationship: int = 0,
    limit: int | None = None,
) -> list[_Client]:
    rows = await repo.active_clients(
        trainer_ids, profile_ids, after_relationship=after_relationship, limit=limit
    )
    known: dict[tuple[bool, ...] | None, tuple[PermissionFlags, frozenset[Permission]]] = {}
    clients = [_client(row, known) for row in rows]
    windows = await repo.windows([c.relationship_id for c in clients])
    by_rel: dict[int, list[ProgressionWindow]] = defaultdict(list)
    for w in windows:
        by_rel[w.relationship_id].append(
            ProgressionWindow(
                exercise_id=w.exercise_id,
                viewable_metrics=frozenset(w.viewable_metrics or ()),
                visibility_start=w.visibility_start,
                visibility_end=w.visibility_end,
            )
        )
    selves = await repo.self_profiles([c.user_id for c in clients if c.user_id])
    for client in clients:
        client.windows = by_rel.get(client.relationship_id, [])
        client.scope = [client.profile_id]
        own = selves.get(client.user_id or 0)
        if own is not None:
            client.scope.append(own)
    return clients


def _session_order(session: LiftSession) -> tuple[date, int]:
    return session[1], session[0]


TrainerSettings = dict[int, tuple[rules.Thresholds, ZoneInfo, date, int]]
"""Trainer user id -> (thresholds, time zone, today there, sessions the lift rules compare)."""


def _trainer_settings(
    trainers: dict[int, tuple[User, TrainerProfile]], now: datetime
) -> TrainerSettings:
    per_trainer: TrainerSettings = {}
    for user, profile in trainers.values():
        limits = thresholds_of(profile)
        zone = _zone(user.timezone)
        compared = rules.sessions_compared(limits.decline_sessions)
        per_trainer[user.id] = (limits, zone, now.astimezone(zone).date(), compared)
    return per_trainer


@dataclass(frozen=True, slots=True)
class _BatchFacts:
    """What a batch's rules read: the rows of the batch's set-based queries, by client."""

    now: datetime
    planned: dict[int, list[rules.PlannedSession]]
    """Relationship -> its unlogged planned sessions."""
    activity: dict[int, date]
    lifts: LiftSessions
    lift_goals: dict[int, list[tuple[rules.Goal, Decimal]]]
    weights: dict[int, tuple[Decimal | None, Decimal]]


_Trainer = tuple[rules.Thresholds, ZoneInfo, date, int]
"""One trainer's :data:`TrainerSettings`."""

_Rule = Callable[[_Client, _Trainer, _BatchFacts], Iterable[rules.AlertDraft]]


def _activity_drafts(
    client: _Client, trainer: _Trainer, facts: _BatchFacts
) -> Iterator[rules.AlertDraft]:
    """Missed workouts and inactivity."""
    limits, zone, today, _compared = trainer
    yield from rules.missed_workouts(
        facts.planned.get(client.relationship_id, []), facts.now, limits.missed_grace_hours, zone
    )
    last = max((facts.activity[p] for p in client.scope if p in facts.activity), default=None)
    idle = rules.inactivity(last, client.start_date, today, limits.inactivity_days)
    if idle is not None:
        yield idle


def _client_series(
    client: _Client, series: dict[int, dict[int, list[LiftSession]]]
) -> dict[int, list[LiftSession]]:
    """Exercise -> the client's sessions of it, the trainer's profile and the client's own
    (when they also log on their own) merged into one series per lift."""
    found = [series[p] for p in client.scope if p in series]
    if len(found) == 1:
        return found[0]
    merged: dict[int, list[LiftSession]] = {}
    for other in found:
        for exercise_id, sessions in other.items():
            combined = [*merged.get(exercise_id, ()), *sessions]
            merged[exercise_id] = sorted(combined, key=_session_order)
    return merged


def _e1rm_visible(client: _Client, exercise_id: int, today: date) -> bool:
    """Whether the trainer may see this lift's e1RM. Without per-exercise windows "view
    progression data" (checked by the caller) decides."""
    if client.user_id is None or not client.windows:
        return True
    return progression_visible(
        client.flags, client.windows, exercise_id=exercise_id, metric="e1rm", today=today
    )


def _progression_drafts(
    client: _Client, trainer: _Trainer, facts: _BatchFacts
) -> Iterator[rules.AlertDraft]:
    """Declining lifts and reached lift goals."""
    limits, _zone, today, compared = trainer
    names = facts.lifts.names
    for exercise_id, sessions in _client_series(client, facts.lifts.sessions).items():
        # The rules compare the last `compared` sessions: fewer can raise nothing.
        if len(sessions) < compared or not _e1rm_visible(client, exercise_id, today):
            continue
        # (record, day, best e1RM, top load, RPE there): a SessionPoint's fields.
        recent = list(map(rules.SessionPoint._make, sessions[-compared:]))
        yield from rules.performance_alerts(
            recent,
            exercise_id=exercise_id,
            exercise_name=names[exercise_id],
            decline_pct=limits.decline_pct,
            sessions=limits.decline_sessions,
        )
    for goal, best_kg in facts.lift_goals.get(client.profile_id, []):
        if best_kg >= goal.target_kg:
            yield rules.goal_alert(goal, best_kg)


def _bodyweight_drafts(
    client: _Client, _trainer: _Trainer, facts: _BatchFacts
) -> Iterator[rules.AlertDraft]:
    """Reached body-weight goals."""
    if client.profile_id not in facts.weights:
        return
    first, latest = facts.weights[client.profile_id]
    for text in client.goals or ():
        goal = rules.parse_goal(str(text))
        if goal is None or goal.lift is not None:
            continue
        if rules.bodyweight_goal_reached(goal, first, latest):
            yield rules.goal_alert(goal, latest)


_RULES: tuple[tuple[Permission, _Rule], ...] = (
    (ACTIVITY, _activity_drafts),
    (PROGRESSION, _progression_drafts),
    (PERSONAL, _bodyweight_drafts),
)
"""Each group of rules and the permission the trainer needs for it, in the order drafts go."""


def _drafts_for_batch(
    clients: Sequence[_Client],
    per_trainer: TrainerSettings,
    *,
    now: datetime,
    planned: Sequence[tuple[int, int, str, datetime, int]],
    activity: dict[int, date],
    lifts: LiftSessions,
    lift_goals: dict[int, list[tuple[rules.Goal, Decimal]]],
    weights: dict[int, tuple[Decimal | None, Decimal]],
) -> list[tuple[_Client, rules.AlertDraft]]:
    by_rel: dict[int, list[rules.PlannedSession]] = defaultdict(list)
    for rel_id, cs_id, title, starts, minutes in planned:
        by_rel[rel_id].append(rules.PlannedSession(cs_id, title, starts, minutes, False))
    facts = _BatchFacts(now, by_rel, activity, lifts, lift_goals, weights)
    drafts: list[tuple[_Client, rules.AlertDraft]] = []
    for client in clients:
        trainer = per_trainer[client.trainer_user_id]
        for permission, rule in _RULES:
            if client.may(permission):
                drafts.extend((client, draft) for draft in rule(client, trainer, facts))
    return drafts


def match_exercise(lift: str, exercises: Sequence[Exercise]) -> int | None:
    """The exercise a goal's lift names: exact name or alias, else the main lift it ends a
    name of ("squat" is the barbell back squat, "deadlift" the barbell deadlift)."""
    for exercise in exercises:
        words = [exercise.name.lower(), *(str(a).lower() for a in exercise.aliases or ())]
        if lift in words:
            return exercise.id
    loose = [e for e in exercises if e.is_main_lift and (lift in e.name.lower().split(" ", 1)[-1])]
    loose.sort(key=lambda e: (not e.name.lower().startswith("barbell"), len(e.name)))
    return loose[0].id if loose else None


async def _lift_goals(
    repo: AlertRepository, clients: Sequence[_Client]
) -> dict[int, list[tuple[rules.Goal, Decimal]]]:
    """Profile -> (lift goal, heaviest weight so far) for goals naming a known exercise."""
    wanted = _wanted_lift_goals(clients)
    if not wanted:
        return {}
    names = sorted({g.lift for goals in wanted.values() for g in goals if g.lift})
    owners = sorted({c.trainer_user_id for c in clients})
    found = await repo.exercises_named(names, owners)
    by_name = {lift: match for lift in names if (match := match_exercise(lift, found))}
    scopes = {c.profile_id: c.scope for c in clients}
    best = await repo.heaviest(
        sorted({p for pid in wanted for p in scopes[pid]}), sorted(by_name.values())
    )
    return _goal_bests(wanted, by_name, scopes, best)


def _goal_bests(
    wanted: dict[int, list[rules.Goal]],
    by_name: dict[str, int],
    scopes: dict[int, list[int]],
    best: Mapping[tuple[int, int], Any],
) -> dict[int, list[tuple[rules.Goal, Decimal]]]:
    """Profile -> (lift goal, heaviest so far) for the goals whose lift was found and lifted."""
    result: dict[int, list[tuple[rules.Goal, Decimal]]] = {}
    for profile_id, goals in wanted.items():
        for goal in goals:
            exercise_id = by_name.get(goal.lift or "")
            if exercise_id is None:
                continue
            heaviest = _heaviest(best, scopes[profile_id], exercise_id)
            if heaviest is not None:
                result.setdefault(profile_id, []).append((goal, heaviest))
    return result


def _wanted_lift_goals(clients: Sequence[_Client]) -> dict[int, list[rules.Goal]]:
    """Profile -> its goals that name a lift (``squat 140kg``), for the clients with any."""
    wanted: dict[int, list[rules.Goal]] = {}
    for client in clients:
        parsed = [rules.parse_goal(str(g)) for g in client.goals or ()]
        lifts = [g for g in parsed if g is not None and g.lift is not None]
        if lifts:
            wanted[client.profile_id] = lifts
    return wanted


def _heaviest(
    best: Mapping[tuple[int, int], Any], scope: Sequence[int], exercise_id: int
) -> Decimal | None:
    """The heaviest load of the exercise over the profiles of ``scope``, if any was logged."""
    values = [best.get((p, exercise_id)) for p in scope]
    return max((Decimal(str(v)) for v in values if v is not None), default=None)


async def _body_weights(
    repo: AlertRepository, clients: Sequence[_Client]
) -> dict[int, tuple[Decimal | None, Decimal]]:
    """Profile -> (first, latest) body weight, for clients with a body-weight goal."""
    wanted = [
        c
        for c in clients
        if any(
            (goal := rules.parse_goal(str(g))) is not None and goal.lift is None
            for g in c.goals or ()
        )
    ]
    if not wanted:
        return {}
    rows = await repo.body_weights([p for c in wanted for p in c.scope], BODY_WEIGHT)
    by_profile: dict[int, list[Decimal]] = defaultdict(list)
    for row in rows:
        by_profile[row.client_profile_id].append(row.value)
    result: dict[int, tuple[Decimal | None, Decimal]] = {}
    for client in wanted:
        series = [v for p in client.scope for v in by_profile.get(p, [])]
        if series:
            result[client.profile_id] = (series[0], series[-1])
        elif client.current_weight_kg is not None:
            result[client.profile_id] = (None, client.current_weight_kg)
    return result


async def _complete_programs(
    repo: AlertRepository,
    clients: Sequence[_Client],
    rows: Sequence[tuple[int, int, int, datetime | None, datetime | None]],
    now: datetime,
) -> list[tuple[_Client, rules.AlertDraft]]:
    """Assignments whose last planned session was logged become COMPLETED, with an alert."""
    by_rel = {c.relationship_id: c for c in clients}
    done = [r for r in rows if r[3] is not None and r[4] is not None and r[4] >= r[3]]
    if not done:
        return []
    assignments = {a.id: a for a in await repo.assignments([r[0] for r in done])}
    drafts: list[tuple[_Client, rules.AlertDraft]] = []
    for assignment_id, rel_id, total, _last, _logged in done:
        assignment, client = assignments.get(assignment_id), by_rel.get(rel_id)
        if assignment is None or client is None:
            continue
        try:
            if assignment.status is AssignmentStatus.ASSIGNED:
                check_transition(assignment.status, AssignmentStatus.IN_PROGRESS)
                assignment.status = AssignmentStatus.IN_PROGRESS
            check_transition(assignment.status, AssignmentStatus.COMPLETED)
        except InvalidTransition:
            continue
        assignment.status = AssignmentStatus.COMPLETED
        assignment.updated_at = now
        draft = rules.program_completed(
            assignment_id, assignment.name, sessions_total=total, sessions_open=0, last_logged=True
        )
        if draft is not None:
            drafts.append((client, draft))
    return drafts


async def _store(
    repo: AlertRepository, drafts: Sequence[tuple[_Client, rules.AlertDraft]], now: datetime
) -> list[int]:
    keys = [(c.trainer_user_id, c.profile_id, d.dedup_key) for c, d in drafts]
    known = await repo.known_keys(sorted(set(keys)))
    values: list[dict[str, Any]] = []
    seen: set[tuple[int, int, str]] = set()
    for key, (client, draft) in zip(keys, drafts, strict=True):
        if key in known or key in seen:
            continue
        seen.add(key)
        values.append(
            {
                "client_profile_id": client.profile_id,
                "trainer_user_id": client.trainer_user_id,
                "alert_type": draft.alert_type,
                "severity": draft.severity,
                "raised_at": now,
                "message": draft.message[:1000],
                "dedup_key": draft.dedup_key,
                "details": draft.details,
                "is_resolved": False,
                "created_at": now,
                "updated_at": now,
                "is_active": True,
            }
        )
    return await repo.insert(values)


async def scan_trainers(
    uow: UnitOfWork,
    trainers: Sequence[tuple[User, TrainerProfile]],
    now: datetime,
    *,
    profile_ids: Sequence[int] | None = None,
) -> tuple[int, int, int]:
    """Run every rule for these trainers' active clients. (clients, raised, programs done)."""
    repo = uow.alerts
    by_id = {u.id: (u, p) for u, p in trainers}
    clients = await _load_clients(repo, sorted(by_id), profile_ids)
    return await _scan_clients(repo, clients, by_id, now)


async def _scan_clients(
    repo: AlertRepository,
    clients: Sequence[_Client],
    by_id: dict[int, tuple[User, TrainerProfile]],
    now: datetime,
) -> tuple[int, int, int]:
    """Every rule for these clients (of the trainers in ``by_id``). (clients, raised, done)."""
    if not clients:
        return 0, 0, 0
    rel_ids = [c.relationship_id for c in clients]
    # Each rule reads only the clients whose trainer may see what it looks at.
    active = [c for c in clients if c.may(ACTIVITY)]
    lookback = now - timedelta(days=rules.MISSED_LOOKBACK_DAYS + 1)
    planned = await repo.unlogged_planned([c.relationship_id for c in active], lookback, now)
    activity = await repo.last_activity(sorted({p for c in active for p in c.scope}))
    shown = {p for c in clients if c.may(PROGRESSION) for p in c.scope}
    since = (now - timedelta(days=POINTS_DAYS)).date()
    lifts = await repo.lift_sessions(sorted(shown), since, e1rm_step=CENT)
    lift_goals = await _lift_goals(repo, clients)
    weights = await _body_weights(repo, clients)
    evaluate = functools.partial(
        _drafts_for_batch,
        clients,
        _trainer_settings(by_id, now),
        now=now,
        planned=planned,
        activity=activity,
        lifts=lifts,
        lift_goals=lift_goals,
        weights=weights,
    )
    # The rules are pure: a batch of many clients runs them in a worker thread, so the event
    # loop keeps serving updates; one client's (a finished session) stays inline.
    drafts = await asyncio.to_thread(evaluate) if len(clients) > INLINE_CLIENTS else evaluate()
    finishing = await repo.assignment_progress(rel_ids, last_logged_only=True)
    programs = await _complete_programs(repo, clients, finishing, now)
    raised = await _store(repo, [*drafts, *programs], now)
    return len(clients), len(raised), len(programs)


async def raise_alert(
    uow: UnitOfWork,
    trainer_user_id: int,
    client_profile_id: int,
    draft: rules.AlertDraft,
    now: datetime,
) -> int | None:
    """Raise one alert (for an event such as an injury). ``None`` if its cause is known."""
    repo = uow.alerts
    rows = await repo.active_clients([trainer_user_id], [client_profile_id])
    if not rows:
        client = _Client(0, trainer_user_id, client_profile_id, None, PermissionFlags())
    else:
        client = _client(rows[0], {})
    ids = await _store(repo, [(client, draft)], now)
    return ids[0] if ids else None


async def on_injury(
    uow: UnitOfWork,
    trainer_user_id: int,
    client_profile_id: int,
    reference: str,
    description: str,
    now: datetime,
    *,
    severe: bool = False,
) -> int | None:
    """Hook for the injury report: an INJURY_REPORTED alert (HIGH, or CRITICAL when severe)."""
    draft = rules.injury_reported(reference, description, severe=severe)
    return await raise_alert(uow, trainer_user_id, client_profile_id, draft, now)


async def on_session_finished(uow: UnitOfWork, record_id: int, now: datetime) -> int:
    """Hook after a session is finished: records, decline, goals, program completion.

    Runs the scan for the client's trainers (only this client) and adds a GOAL_ACHIEVED alert
    for the personal records the session set. Returns how many alerts were raised.
    """
    record = await uow.get(SessionRecord, record_id)
    if record is None or record.status is not RecordStatus.COMPLETED:
        return 0
    profile = await uow.get(ClientProfile, record.client_profile_id)
    if profile is None:
        return 0
    repo = uow.alerts
    if profile.trainer_user_id is not None:
        profile_ids = [profile.id]
        trainer_ids = [profile.trainer_user_id]
    elif profile.user_id is not None:
        found = await uow.clients.profiles_of_person(profile.user_id, trainers_only=True)
        pairs = [(i, t) for i, t in found if t is not None]
        profile_ids = [i for i, _ in pairs]
        trainer_ids = sorted({t for _, t in pairs})
    else:
        return 0
    if not trainer_ids:
        return 0
    trainers = await repo.trainers(trainer_ids)
    _, raised, _ = await scan_trainers(uow, trainers, now, profile_ids=profile_ids)
    clients = await _load_clients(repo, trainer_ids, profile_ids)
    drafts = await _record_drafts(uow, record, clients, now, trainers)
    return raised + len(await _store(repo, drafts, now))


async def _record_drafts(
    uow: UnitOfWork,
    record: SessionRecord,
    clients: Sequence[_Client],
    now: datetime,
    trainers: Sequence[tuple[User, TrainerProfile]],
) -> list[tuple[_Client, rules.AlertDraft]]:
    repo = uow.alerts
    new_rows = await repo.record_sets(record.id)
    if not new_rows:
        return []
    names = {s.exercise_id: n for n, s in new_rows}
    new = [PerformedSet(*s) for _, s in new_rows]
    zones = {u.id: _zone(u.timezone) for u, _ in trainers}
    drafts: list[tuple[_Client, rules.AlertDraft]] = []
    for client in clients:
        if not client.may(PROGRESSION):
            continue
        today = now.astimezone(zones.get(client.trainer_user_id, ZoneInfo("UTC")))
        rows = await repo.history_sets(client.scope, sorted(names), record.start_time)
        history = [PerformedSet(*s) for s in rows]
        # A long history is thousands of sets: compared in a worker thread, off the loop.
        records = (
            await asyncio.to_thread(detect_records, history, new)
            if len(history) > INLINE_SETS
            else detect_records(history, new)
        )
        found = [
            rules.RecordLine(names[r.exercise_id], str(r.kind), r.value, r.reps)
            for r in records
            if client.user_id is None
            or progression_visible(
                client.flags,
                client.windows,
                exercise_id=r.exercise_id,
                metric="e1rm" if str(r.kind).startswith("e1rm") else "weight",
                today=today.date(),
            )
        ]
        draft = rules.personal_records(record.id, record.title, found)
        if draft is not None:
            drafts.append((client, draft))
    return drafts


# --------------------------------------------------------------------------- the service


class AlertService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def scan_all(
        self,
        now: datetime | None = None,
        batch: int = BATCH_TRAINERS,
        clients_per_batch: int = CLIENTS_PER_BATCH,
    ) -> ScanReport:
        """Every trainer, ``batch`` at a time; their clients ``clients_per_batch`` at a time,
        one short transaction each (the database's writer is free between them), the event
        loop served between batches."""
        moment = now or self.ctx.clock.now()
        after, trainers_seen, clients, raised, programs, batches = 0, 0, 0, 0, 0, 0
        while True:
            async with self.ctx.uow() as uow:
                trainers = await uow.alerts.trainers_after(after, batch)
                await uow.commit()  # keeps the rows loaded for the batches below
            if not trainers:
                break
            by_id = {u.id: (u, p) for u, p in trainers}
            after_relationship = 0
            while True:
                async with self.ctx.uow() as uow:
                    repo = uow.alerts
                    page = await _load_clients(
                        repo,
                        sorted(by_id),
                        None,
                        after_relationship=after_relationship,
                        limit=clients_per_batch,
                    )
                    counted = await _scan_clients(repo, page, by_id, moment)
                    await uow.commit()
                clients += counted[0]
                raised += counted[1]
                programs += counted[2]
                if len(page) < clients_per_batch:
                    break
                after_relationship = page[-1].relationship_id
                await asyncio.sleep(0)
            after = trainers[-1][0].id
            trainers_seen += len(trainers)
            batches += 1
            await asyncio.sleep(0)
        return ScanReport(trainers_seen, clients, raised, programs, batches)

    @in_worker(JOBS)
    async def scan_everyone(self) -> ScanReport:
        """The hourly scan (:meth:`scan_all`, as of now), in a worker process of its own when
        one can open the database (see :mod:`coaching.services.elsewhere`).

        On the event loop, the scan's rows and rules took most of a core for as long as it ran,
        and every set logged meanwhile waited behind its batches: set-logging p99 rose to 5×
        idle on the large benchmark database (bench.mixed, 33 s of scan)."""
        return await self.scan_all()

    async def session_finished(self, record_id: int) -> int:
        """The hook after /log's finish, in its own short transaction."""
        async with self.ctx.uow() as uow:
            count = await on_session_finished(uow, record_id, self.ctx.clock.now())
            await uow.commit()
            return count

    async def pending_urgent(self, limit: int = 100) -> list[tuple[UrgentNotice, bool]]:
        """HIGH/CRITICAL alerts not yet told, oldest first, with whether the trainer can be
        reached. Nothing is marked: tell each after :meth:`claim_notice` says it is yours."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            rows = await uow.alerts.urgent_pending(now - timedelta(days=2), limit)
        notices: list[tuple[UrgentNotice, bool]] = []
        for row in rows:
            alert_id, profile_id, name, severity, kind, message, chat_id, reachable = row[:8]
            details, units = row[8], row[9]
            shown = rules.shown_message(message, details, units)
            notice = UrgentNotice(alert_id, chat_id, profile_id, name, severity, kind, shown)
            notices.append((notice, reachable))
        return notices

    async def pending_notices(self, limit: int = 100) -> list[tuple[ClientNotice, bool]]:
        """:meth:`pending_urgent` grouped by trainer and client: one notice per client names
        everything new about them. Nothing is marked: claim with :meth:`claim_notices`.

        When the batch is full, the last client's alerts may go on past it: that client waits
        for the next run (unless they are the only one), so their notice names them all."""
        groups: dict[tuple[int, int], list[UrgentNotice]] = {}
        reachable: dict[tuple[int, int], bool] = {}
        rows = await self.pending_urgent(limit)
        for item, can_reach in rows:
            key = (item.trainer_chat_id, item.client_profile_id)
            groups.setdefault(key, []).append(item)
            reachable[key] = can_reach
        if len(rows) >= limit and len(groups) > 1:
            last = rows[-1][0]
            groups.pop((last.trainer_chat_id, last.client_profile_id), None)
        return [
            (ClientNotice(*key, items[0].client_name, tuple(items)), reachable[key])
            for key, items in groups.items()
        ]

    async def claim_notices(self, alert_ids: Sequence[int]) -> list[int]:
        """Mark alerts as told in one transaction, committed before the notice is sent.
        Returns the ids this call claimed (another run may have told some already)."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            repo = uow.alerts
            claimed = [i for i in alert_ids if await repo.mark_notified(i, now)]
            await uow.commit()
        return claimed

    async def acknowledge(
        self, telegram_id: int, client_profile_id: int | None, up_to: int
    ) -> Acknowledged:
        """Resolve several open alerts at once: one client's, or every client's (``None``),
        only those raised before the button was shown (ids up to ``up_to``)."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            name = None
            if client_profile_id is not None:
                profile = await uow.get(ClientProfile, client_profile_id)
                if profile is None or profile.trainer_user_id != trainer.id:
                    raise NotFound(NOT_YOUR_CLIENT)
                name = profile.name
            count = await uow.alerts.acknowledge(
                trainer.id, client_profile_id, up_to, self.ctx.clock.now(), ACKNOWLEDGED_NOTE
            )
            await uow.commit()
            return Acknowledged(count, name)

    async def claim_notice(self, alert_id: int) -> bool:
        """Mark one alert as told, committed before it is sent (a crash mid-send loses at most
        that one notice and never sends it twice). False if it was already claimed."""
        async with self.ctx.uow() as uow:
            claimed = await uow.alerts.mark_notified(alert_id, self.ctx.clock.now())
            await uow.commit()
        return claimed

    async def _trainer(self, uow: UnitOfWork, telegram_id: int) -> User:
        return await uow.users.acting_trainer(telegram_id, NOT_A_TRAINER)

    async def open_alerts(
        self, telegram_id: int, client_profile_id: int | None = None
    ) -> AlertList:
        """Open alerts, most severe first, newest first within a severity."""
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            repo = uow.alerts
            name = None
            if client_profile_id is not None:
                profile = await uow.get(ClientProfile, client_profile_id)
                if profile is None or profile.trainer_user_id != trainer.id:
                    raise NotFound(NOT_YOUR_CLIENT)
                name = profile.name
            rows = await repo.open_alerts(trainer.id, client_profile_id)
            counts = await repo.open_counts(trainer.id)
            views = rules.by_severity([_view(a, n, trainer.units) for a, n in rows])
            return AlertList(trainer.timezone, tuple(views), counts, name)

    async def get(self, telegram_id: int, alert_id: int) -> tuple[AlertView, str]:
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            found = await uow.alerts.alert(trainer.id, alert_id)
            if found is None:
                raise NotFound(NOT_YOUR_ALERT)
            return _view(*found, trainer.units), trainer.timezone

    async def resolve(self, telegram_id: int, alert_id: int, notes: str | None) -> AlertView:
        """seed 000 ``resolveAlert(notes)``: who, when and the notes are recorded."""
        cleaned = (notes or "").strip() or None
        if cleaned is not None and len(cleaned) > NOTES_MAX:
            raise InvalidInput(
                f"Those notes are {len(cleaned)} characters; the limit is {NOTES_MAX}.",
                example="Called her; knee is fine, back to full load next week.",
            )
        async with self.ctx.uow() as uow:
            trainer = await self._trainer(uow, telegram_id)
            found = await uow.alerts.alert(trainer.id, alert_id)
            if found is None:
                raise NotFound(NOT_YOUR_ALERT)
            alert, name = found
            if not alert.is_resolved:
                now = self.ctx.clock.now()
                alert.is_resolved = True
                alert.resolved_by = trainer.id
                alert.resolved_at = now
                alert.resolution_notes = cleaned
                alert.updated_at = now
            view = _view(alert, name, trainer.units)
            await uow.commit()
            return view

    async def thresholds(self, telegram_id: int) -> tuple[rules.Thresholds, bool]:
        """The trainer's thresholds and whether an empty digest is still sent."""
        async with self.ctx.uow() as uow:
            profile = await self._profile(uow, telegram_id)
            return thresholds_of(profile), profile.digest_when_empty

    async def set_threshold(
        self, telegram_id: int, name: str, value: int
    ) -> tuple[rules.Thresholds, bool]:
        try:
            rules.check_threshold(name, value)
        except ValueError as error:
            low, high = rules.THRESHOLD_LIMITS.get(name, (0, 0))
            raise InvalidInput(
                f"That value is out of range (from {low} to {high}).", example=str(low)
            ) from error
        async with self.ctx.uow() as uow:
            profile = await self._profile(uow, telegram_id)
            setattr(profile, f"alert_{name}", value)
            result = thresholds_of(profile), profile.digest_when_empty
            await uow.commit()
            return result

    async def toggle_empty_digest(self, telegram_id: int) -> tuple[rules.Thresholds, bool]:
        async with self.ctx.uow() as uow:
            profile = await self._profile(uow, telegram_id)
            profile.digest_when_empty = not profile.digest_when_empty
            result = thresholds_of(profile), profile.digest_when_empty
            await uow.commit()
            return result

    async def _profile(self, uow: UnitOfWork, telegram_id: int) -> TrainerProfile:
        trainer = await self._trainer(uow, telegram_id)
        profile = await uow.profiles.by_user_id(trainer.id)
        if profile is None:
            raise NotFound(NOT_A_TRAINER)
        return profile


__all__ = [
    "Acknowledged",
    "AlertList",
    "AlertService",
    "AlertView",
    "ClientNotice",
    "ScanReport",
    "UrgentNotice",
    "on_injury",
    "on_session_finished",
    "raise_alert",
    "scan_trainers",
]
