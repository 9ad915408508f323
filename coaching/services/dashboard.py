"""The trainer dashboard (seed 000 TrainerDashboard) and a client's progress, as frozen views.

Both are a small, fixed number of SQL statements whatever the number of clients or sets: the
aggregates (adherence counts, last activity, best e1RM and volume per day) are GROUP BY queries,
and the rest is arithmetic over their rows in :mod:`coaching.domain.adherence`.

What the client has not shared stays hidden, and the views say so: adherence, missed sessions
and activity need "view activity status"; lifts need "view progression data" and, per
exercise, an open ProgressionAccess window; feedback needs "view workout history"; body
measurements need "view personal data".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from coaching.domain import adherence as adh
from coaching.domain.alerts import shown_message
from coaching.domain.enums import AlertSeverity, Permission, RelationshipStatus, Units
from coaching.domain.measurements import kind_label
from coaching.domain.needs import ClientNeed, OpenAlert, rank_needs
from coaching.domain.permissions import PermissionFlags, ProgressionWindow, progression_visible
from coaching.errors import NotAllowed, NotFound
from coaching.services.access import check_access, flags_of, readable_scope
from coaching.services.base import Service, ServiceContext, own_transactions
from coaching.services.elsewhere import in_worker
from coaching.services.offload import JOBS, READS
from coaching.services.permissions import progression_windows
from storage.models import ClientProfile, TrainerProfile, User
from storage.uow import UnitOfWork

NOT_A_TRAINER = "The dashboard is for trainers. Send /start to register as one."
NOT_REGISTERED = "I don't know you yet. Send /start first."
MISSED_DAYS = 14
ATTENTION_MAX = 8
FEEDBACK_DAYS = 30
HISTORY_DAYS = 365
CARD_WEEKS = 12


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True, slots=True)
class SessionItem:
    coaching_session_id: int
    starts_at: datetime
    title: str
    client_name: str


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    record_id: int
    client_profile_id: int
    client_name: str
    title: str
    day: date
    rpe: int | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class AttentionItem:
    client_profile_id: int
    name: str
    score: int
    missed: int
    idle_days: int | None
    adherence_30: Decimal | None
    drop_points: Decimal | None


@dataclass(frozen=True, slots=True)
class Dashboard:
    trainer_name: str
    timezone: str
    today: date
    today_sessions: tuple[SessionItem, ...]
    week: tuple[tuple[date, int], ...]
    week_sessions: tuple[SessionItem, ...]
    feedback: tuple[FeedbackItem, ...]
    alert_counts: dict[AlertSeverity, int]
    attention: tuple[AttentionItem, ...]
    clients: int
    activity_hidden: int
    needs: tuple[ClientNeed, ...] = ()
    """Every client with an open alert or falling behind, most pressing first."""

    @property
    def open_alerts(self) -> int:
        return sum(self.alert_counts.values())

    @property
    def is_empty(self) -> bool:
        """Nothing to report: no session today, no feedback, no alert, nobody to chase."""
        return not (
            self.today_sessions or self.feedback or self.open_alerts or self.attention or self.needs
        )


@dataclass(frozen=True, slots=True)
class MissedItem:
    coaching_session_id: int
    starts_at: datetime
    title: str


@dataclass(frozen=True, slots=True)
class LiftSummary:
    exercise_id: int
    name: str
    best_e1rm: Decimal
    change_4w: Decimal | None
    change_12w: Decimal | None
    weekly_volume: Decimal
    recent_record: date | None


@dataclass(frozen=True, slots=True)
class ClientProgress:
    client_profile_id: int
    name: str
    timezone: str
    today: date
    adherence: tuple[adh.WindowAdherence, ...] | None
    missed: tuple[MissedItem, ...] | None
    lifts: tuple[LiftSummary, ...] | None
    lifts_hidden: int
    measurements_visible: bool
    chart_exercises: tuple[tuple[int, str], ...]
    units: Units = Units.KG
    """The viewer's unit setting: loads and volumes are shown in it."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who looks at progress and what they may see (a trainer, or the client themselves)."""

    timezone: str
    units: str
    profile_ids: tuple[int, ...]
    relationship_id: int | None
    flags: PermissionFlags
    windows: tuple[ProgressionWindow, ...]
    name: str
    is_client: bool

    def may(self, permission: Permission) -> bool:
        return self.is_client or self.flags.allows(permission)

    def sees(self, exercise_id: int, metric: str, today: date, on: date | None = None) -> bool:
        if self.is_client:
            return True
        return progression_visible(
            self.flags, self.windows, exercise_id=exercise_id, metric=metric, today=today, on=on
        )


async def _user(uow: UnitOfWork, telegram_id: int) -> User:
    return (await uow.users.acting(telegram_id)).user


async def trainer_viewer(uow: UnitOfWork, telegram_id: int, client_profile_id: int) -> Viewer:
    """A trainer looking at one client: access checked, scope and windows loaded."""
    user = await _user(uow, telegram_id)
    if not user.is_trainer:
        raise NotFound(NOT_A_TRAINER)
    access = await check_access(uow, user.id, client_profile_id)
    if access.status is RelationshipStatus.PENDING and access.client_user_id is not None:
        raise NotAllowed("This client has not accepted your invite yet.")
    profile = await uow.get(ClientProfile, client_profile_id)
    assert profile is not None
    walk_in = access.client_user_id is None
    flags = PermissionFlags(view_personal_data=True) if walk_in else access.flags
    windows = () if walk_in else tuple(await progression_windows(uow, access.relationship_id))
    scope = await readable_scope(uow, access)
    return Viewer(
        timezone=user.timezone,
        units=user.units.value,
        profile_ids=tuple(scope),
        relationship_id=access.relationship_id,
        flags=flags,
        windows=windows,
        name=profile.name,
        is_client=False,
    )


async def client_viewer(uow: UnitOfWork, telegram_id: int) -> Viewer:
    """A client looking at their own progress: every profile of theirs, everything visible."""
    user = await _user(uow, telegram_id)
    pairs = await uow.clients.profiles_of_person(user.id)
    if not pairs:
        raise NotFound(
            "You have no training logged yet. Log a workout with /log, "
            "or join a trainer with their invite link."
        )
    return Viewer(
        timezone=user.timezone,
        units=user.units.value,
        profile_ids=tuple(int(p) for p, _ in pairs),
        relationship_id=None,
        flags=PermissionFlags(),
        windows=(),
        name=user.display_name,
        is_client=True,
    )


def _pct_change(now: Decimal, before: Decimal | None) -> Decimal | None:
    if before is None or before <= 0:
        return None
    return ((now - before) * 100 / before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


_Series = list[tuple[date, Decimal | None, Decimal]]
"""One exercise's days: (day, best e1RM to 0.1 kg if any, volume)."""


def summarise_lifts(
    rows: Sequence[tuple[int, str, bool, date, Any, Any]],
    viewer: Viewer,
    today: date,
) -> tuple[list[LiftSummary], int, list[tuple[int, str]]]:
    """Per main exercise: best e1RM in 12 weeks, its change over 4 and 12 weeks, weekly volume.

    Returns the summaries, how many exercises are hidden by the client's permissions, and the
    exercises that can be charted.
    """
    by_exercise, names, main, hidden = _visible_series(rows, viewer, today)
    summaries: list[LiftSummary] = []
    chartable: list[tuple[int, str]] = []
    for exercise_id, series in by_exercise.items():
        if any(b is not None for _, b, _ in series):
            chartable.append((exercise_id, names[exercise_id]))
        if exercise_id not in main:
            continue
        summary = _lift_summary(exercise_id, names[exercise_id], series, today)
        if summary is not None:
            summaries.append(summary)
    summaries.sort(key=lambda s: s.best_e1rm, reverse=True)
    chartable.sort(key=lambda item: (item[0] not in main, item[1]))
    return summaries, len(hidden - set(by_exercise)), chartable


def _visible_series(
    rows: Sequence[tuple[int, str, bool, date, Any, Any]], viewer: Viewer, today: date
) -> tuple[dict[int, _Series], dict[int, str], set[int], set[int]]:
    """(exercise -> its days the viewer may see, exercise names, the main lifts, the
    exercises with a day hidden from the viewer)."""
    by_exercise: dict[int, _Series] = defaultdict(list)
    names: dict[int, str] = {}
    main: set[int] = set()
    hidden: set[int] = set()
    for exercise_id, name, is_main, day, best, volume in rows:
        names[exercise_id] = name
        if is_main:
            main.add(exercise_id)
        if not viewer.sees(exercise_id, "e1rm", today, on=day):
            hidden.add(exercise_id)
            continue
        best_d = Decimal(str(best)).quantize(Decimal("0.1")) if best is not None else None
        by_exercise[exercise_id].append((day, best_d, Decimal(str(volume or 0))))
    return by_exercise, names, main, hidden


def _lift_summary(exercise_id: int, name: str, series: _Series, today: date) -> LiftSummary | None:
    """One main lift's summary, or ``None`` without an e1RM in the last 12 weeks."""
    start_12 = today - timedelta(weeks=CARD_WEEKS)
    start_4 = today - timedelta(weeks=4)
    recent = [(d, b) for d, b, _ in series if b is not None and d >= start_12]
    if not recent:
        return None
    latest_day = max(d for d, _ in recent)
    latest = max(b for d, b in recent if d == latest_day)
    before_4 = [b for d, b in recent if d < start_4]
    volume = sum((v for d, _, v in series if d >= start_4), Decimal(0)) / 4
    return LiftSummary(
        exercise_id=exercise_id,
        name=name,
        best_e1rm=max(b for _, b in recent),
        change_4w=_pct_change(latest, before_4[-1] if before_4 else None),
        change_12w=_pct_change(latest, recent[0][1]) if len(recent) > 1 else None,
        weekly_volume=volume.quantize(Decimal(1), rounding=ROUND_HALF_UP),
        recent_record=_recent_record(series, recent, today),
    )


def _recent_record(series: _Series, recent: list[tuple[date, Decimal]], today: date) -> date | None:
    """The last day of the past four weeks whose e1RM beat every one before it."""
    four_weeks_ago = today - timedelta(days=28)
    record_day = None
    peak = max((b for d, b, _ in series if b is not None and d < four_weeks_ago), default=None)
    for day, value in recent:
        if day >= four_weeks_ago and peak is not None and value > peak:
            record_day = day
        if peak is None or value > peak:
            peak = value
    return record_day


class DashboardService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @in_worker(READS)
    async def dashboard(self, telegram_id: int) -> Dashboard:
        async with self.ctx.uow() as uow:
            user = await _user(uow, telegram_id)
            if not user.is_trainer:
                raise NotFound(NOT_A_TRAINER)
            return await build_dashboard(uow, user, self.ctx.clock.now())

    @in_worker(READS)
    async def client_progress(self, telegram_id: int, client_profile_id: int) -> ClientProgress:
        async with self.ctx.uow() as uow:
            viewer = await trainer_viewer(uow, telegram_id, client_profile_id)
            return await build_progress(uow, viewer, client_profile_id, self.ctx.clock.now())

    @in_worker(READS)
    async def own_progress(self, telegram_id: int) -> ClientProgress:
        async with self.ctx.uow() as uow:
            viewer = await client_viewer(uow, telegram_id)
            return await build_progress(uow, viewer, 0, self.ctx.clock.now())

    async def digest_candidates(self, limit: int) -> list[int]:
        """Trainer profiles whose digest is due now, at most ``limit``, marking nothing.

        Plain columns, not ORM objects: it runs every few minutes over every trainer.
        """
        now = self.ctx.clock.now()
        due: list[int] = []
        async with self.ctx.uow() as uow:
            for zone, profile_id, at, last in await uow.dashboard.digest_candidates():
                local = now.astimezone(_zone(zone))
                if at is None or local.time() < at or (last is not None and last >= local.date()):
                    continue
                due.append(int(profile_id))
                if len(due) >= limit:
                    break
        return due

    @own_transactions
    @in_worker(JOBS)
    async def claim_digest(self, profile_id: int) -> tuple[int, int, Dashboard] | None:
        """Mark one trainer's digest as sent today (committed first: never two a day) and
        build it. ``None`` if it is not due any more (another run took it) or the day is
        empty and the trainer does not want empty digests."""
        now = self.ctx.clock.now()
        async with self.ctx.uow() as uow:
            profile = await uow.get(TrainerProfile, profile_id, for_update=True)
            user = None if profile is None else await uow.get(User, profile.user_id)
            if profile is None or user is None or profile.digest_time is None:
                return None
            local = now.astimezone(_zone(user.timezone))
            if local.time() < profile.digest_time or (
                profile.digest_last_sent is not None and profile.digest_last_sent >= local.date()
            ):
                return None
            profile.digest_last_sent = local.date()
            wants_empty = profile.digest_when_empty
            await uow.commit()
        async with self.ctx.uow() as uow:
            board = await build_dashboard(uow, user, now)
        if board.is_empty and not wants_empty:
            return None
        return user.telegram_id, user.id, board


async def build_dashboard(uow: UnitOfWork, user: User, now: datetime) -> Dashboard:
    repo = uow.dashboard
    zone = _zone(user.timezone)
    today = now.astimezone(zone).date()
    clients = await repo.clients(user.id)
    start = _day_start(today, zone)
    sessions = await repo.upcoming(user.id, start, _day_start(today + timedelta(days=8), zone))
    today_items, later, week = _schedule(sessions, zone, today)
    flags = {p.id: (flags_of(s) if p.user_id is not None else None) for _r, p, s in clients}
    feedback = _feedback_items(
        await repo.pending_feedback(user.id, today - timedelta(days=FEEDBACK_DAYS)), flags
    )
    counts = await uow.alerts.open_counts(user.id)
    active = [(r, p, flags[p.id]) for r, p, _s in clients if r.status is RelationshipStatus.ACTIVE]
    visible = [(r, p) for r, p, f in active if f is None or f.view_activity_status]
    inactivity_days, grace_hours = await _limits(uow, user.id)
    month = timedelta(days=30)
    stats = await repo.adherence_by_relationship(
        [r.id for r, _ in visible],
        now,
        now - month,
        now - 2 * month,
        now - timedelta(days=MISSED_DAYS),
        now - timedelta(hours=grace_hours),
    )
    selves = await repo.self_profiles([p.user_id for _, p in visible if p.user_id])
    scopes = _scopes(visible, selves)
    activity = await repo.last_activity(sorted({x for s in scopes.values() for x in s}))
    attention = _attention(visible, stats, scopes, activity, today, inactivity_days)
    open_alerts = [
        _open_alert(row, zone, user.units) for row in await uow.alerts.open_summary(user.id)
    ]
    return Dashboard(
        trainer_name=user.display_name,
        timezone=user.timezone,
        today=today,
        today_sessions=today_items,
        week=week,
        week_sessions=tuple(later),
        feedback=tuple(feedback),
        alert_counts=counts,
        attention=tuple(attention[:ATTENTION_MAX]),
        clients=len(clients),
        activity_hidden=len(active) - len(visible),
        needs=tuple(rank_needs(open_alerts, attention, today, inactivity_days)),
    )


def _schedule(
    sessions: Sequence[tuple[int, datetime, str, Any, str, Any]], zone: ZoneInfo, today: date
) -> tuple[tuple[SessionItem, ...], list[SessionItem], tuple[tuple[date, int], ...]]:
    """(today's sessions, the later ones, sessions per later day) of the coming week."""
    items = [SessionItem(i, at, title, name) for i, at, title, _m, name, _r in sessions]
    today_items = tuple(s for s in items if s.starts_at.astimezone(zone).date() == today)
    later = [s for s in items if s.starts_at.astimezone(zone).date() > today]
    week_counts: dict[date, int] = {}
    for item in later:
        day = item.starts_at.astimezone(zone).date()
        week_counts[day] = week_counts.get(day, 0) + 1
    return today_items, later, tuple(sorted(week_counts.items()))


def _feedback_items(
    rows: Sequence[tuple[Any, str, int]], flags: dict[int, PermissionFlags | None]
) -> list[FeedbackItem]:
    """The pending feedback of the clients who share their workout history (or have not
    joined: a profile without flags)."""
    found: list[FeedbackItem] = []
    for record, name, profile_id in rows:
        shared = flags.get(profile_id)
        if profile_id not in flags or (shared is not None and not shared.view_workout_history):
            continue
        data = record.trainee_feedback or {}
        rpe = data.get("rpe")
        comment = data.get("text") or data.get("comment")
        found.append(
            FeedbackItem(
                record.id,
                profile_id,
                name,
                record.title,
                record.session_date,
                int(rpe) if isinstance(rpe, int | float) else None,
                str(comment) if comment else None,
            )
        )
    return found


def _scopes(
    visible: Sequence[tuple[Any, ClientProfile]], selves: dict[int, int]
) -> dict[int, list[int]]:
    """Profile -> the profiles its activity is read from: the trainer's and the client's own."""
    return {p.id: [p.id, *([selves[p.user_id]] if p.user_id in selves else [])] for _, p in visible}


def _attention(
    visible: Sequence[tuple[Any, ClientProfile]],
    stats: dict[int, tuple[int, int, int, int, int]],
    scopes: dict[int, list[int]],
    activity: dict[int, date],
    today: date,
    inactivity_days: int,
) -> list[AttentionItem]:
    """The clients to chase, most pressing first."""
    found: list[AttentionItem] = []
    for relationship, profile in visible:
        last = max((activity[x] for x in scopes[profile.id] if x in activity), default=None)
        item = _attention_item(
            relationship,
            profile,
            stats.get(relationship.id, (0, 0, 0, 0, 0)),
            last,
            today,
            inactivity_days,
        )
        if item is not None:
            found.append(item)
    found.sort(key=lambda a: (-a.score, a.name))
    return found


def _attention_item(
    relationship: Any,
    profile: ClientProfile,
    stats: tuple[int, int, int, int, int],
    last: date | None,
    today: date,
    inactivity_days: int,
) -> AttentionItem | None:
    """A client to chase (missed sessions, idle days, falling adherence), or ``None``.

    ``stats`` are (planned, done) in the last 30 days, (planned, done) in the 30 before, and
    the sessions missed in the last 14; ``last`` is the client's last activity.
    """
    planned, done, planned_before, done_before, missed = stats
    share = adh.Share(done, planned).percent
    before = adh.Share(done_before, planned_before).percent
    drop = share - before if share is not None and before is not None else None
    since = last or relationship.start_date
    idle = (today - since).days if since is not None else None
    score = adh.attention_score(
        missed_14d=missed, idle_days=idle, drop_points=drop, inactivity_days=inactivity_days
    )
    if score <= 0:
        return None
    return AttentionItem(profile.id, profile.name, score, missed, idle, share, drop)


def _open_alert(row: Sequence[Any], zone: ZoneInfo, units: Units) -> OpenAlert:
    pid, name, kind, severity, at, message, details = row
    return OpenAlert(
        pid,
        name,
        kind,
        severity,
        at.astimezone(zone).date(),
        shown_message(message, details, units),
        details,
    )


async def _limits(uow: UnitOfWork, trainer_user_id: int) -> tuple[int, int]:
    """The trainer's inactivity threshold (days) and missed-session grace (hours)."""
    return await uow.dashboard.alert_limits(trainer_user_id) or (7, 12)


async def build_progress(
    uow: UnitOfWork, viewer: Viewer, client_profile_id: int, now: datetime
) -> ClientProgress:
    repo = uow.dashboard
    zone = _zone(viewer.timezone)
    today = now.astimezone(zone).date()
    adherence: tuple[adh.WindowAdherence, ...] | None = None
    missed: tuple[MissedItem, ...] | None = None
    if viewer.relationship_id is not None and viewer.may(Permission.VIEW_ACTIVITY_STATUS):
        start = _day_start(today - timedelta(days=2 * max(adh.WINDOWS) - 1), zone)
        rows = await repo.planned_sessions(viewer.relationship_id, start, now)
        planned = [
            adh.PlannedDay(at.astimezone(zone).date(), logged, p, d)
            for _i, at, _t, logged, p, d in rows
        ]
        adherence = adh.adherence(planned, today)
        cutoff = now - timedelta(days=MISSED_DAYS)
        missed = tuple(
            MissedItem(i, at, title)
            for i, at, title, logged, _p, _d in rows
            if not logged and at >= cutoff and at + timedelta(hours=12) <= now
        )
    elif viewer.is_client:
        adherence, missed = await _own_adherence(uow, viewer, now, zone)
    lifts: tuple[LiftSummary, ...] | None = None
    hidden = 0
    chartable: list[tuple[int, str]] = []
    if viewer.may(Permission.VIEW_PROGRESSION_DATA):
        rows_l = await repo.daily_lifts(viewer.profile_ids, today - timedelta(days=HISTORY_DAYS))
        summaries, hidden, chartable = summarise_lifts(rows_l, viewer, today)
        lifts = tuple(summaries)
    return ClientProgress(
        client_profile_id=client_profile_id,
        name=viewer.name,
        timezone=viewer.timezone,
        today=today,
        adherence=adherence,
        missed=missed,
        lifts=lifts,
        lifts_hidden=hidden,
        measurements_visible=viewer.may(Permission.VIEW_PERSONAL_DATA),
        chart_exercises=tuple(chartable[:8]),
        units=Units(viewer.units),
    )


async def _own_adherence(
    uow: UnitOfWork, viewer: Viewer, now: datetime, zone: ZoneInfo
) -> tuple[tuple[adh.WindowAdherence, ...] | None, tuple[MissedItem, ...] | None]:
    """A client's adherence across their trainers' plans (one query over their relationships)."""
    ids = await uow.dashboard.active_relationship_ids(viewer.profile_ids)
    if not ids:
        return None, None
    repo = uow.dashboard
    today = now.astimezone(zone).date()
    start = _day_start(today - timedelta(days=2 * max(adh.WINDOWS) - 1), zone)
    planned: list[adh.PlannedDay] = []
    missed: list[MissedItem] = []
    cutoff = now - timedelta(days=MISSED_DAYS)
    for relationship_id in ids[:5]:
        for i, at, title, logged, p, d in await repo.planned_sessions(relationship_id, start, now):
            planned.append(adh.PlannedDay(at.astimezone(zone).date(), logged, p, d))
            if not logged and at >= cutoff and at + timedelta(hours=12) <= now:
                missed.append(MissedItem(i, at, title))
    return adh.adherence(planned, today), tuple(sorted(missed, key=lambda m: m.starts_at))


__all__ = [
    "ClientProgress",
    "Dashboard",
    "DashboardService",
    "Viewer",
    "build_dashboard",
    "build_progress",
    "client_viewer",
    "kind_label",
    "trainer_viewer",
]
