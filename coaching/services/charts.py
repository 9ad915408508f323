"""The data behind the progress charts. Drawing them is the flows' job (conversations.charts).

Each method checks who is asking exactly as the progress card does (a trainer through
``check_access`` and the client's permissions and ProgressionAccess windows; a client sees
everything of their own) and returns a frozen series ready to plot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from coaching.domain import adherence as adh
from coaching.domain.enums import Permission, Units
from coaching.domain.measurements import convert, display_unit, kind_label
from coaching.domain.permissions import REFUSALS
from coaching.errors import NotAllowed, NotFound
from coaching.services.base import Service, ServiceContext
from coaching.services.dashboard import (
    Viewer,
    _day_start,
    _zone,
    client_viewer,
    trainer_viewer,
)
from coaching.services.elsewhere import in_worker
from coaching.services.offload import READS
from storage.uow import UnitOfWork

CHART_DAYS = 180
CALENDAR_DAYS = 84
NO_DATA = "There is nothing to chart yet for this."
NOT_SHARED_EXERCISE = "The client has not shared this exercise's progress with you."


def _in_units(weight_kg: object, units: Units) -> float:
    """A stored kilogram figure in the viewer's unit, for plotting."""
    return float(convert(Decimal(str(weight_kg or 0)), "kg", units))


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    unit: str
    points: tuple[tuple[date, float], ...]


@dataclass(frozen=True, slots=True)
class ChartData:
    """One chart: ``kind`` is line, bars or calendar."""

    kind: str
    title: str
    y_label: str
    series: tuple[Series, ...] = ()
    marks: tuple[tuple[date, str], ...] = ()
    start: date | None = None
    end: date | None = None
    note: str = ""


class ChartService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    async def _viewer(self, uow: UnitOfWork, telegram_id: int, profile_id: int | None) -> Viewer:
        if profile_id is None:
            return await client_viewer(uow, telegram_id)
        return await trainer_viewer(uow, telegram_id, profile_id)

    @in_worker(READS)
    async def e1rm(self, telegram_id: int, profile_id: int | None, exercise_id: int) -> ChartData:
        """Best e1RM per training day of one exercise over the last six months."""
        async with self.ctx.uow() as uow:
            viewer = await self._viewer(uow, telegram_id, profile_id)
            if not viewer.may(Permission.VIEW_PROGRESSION_DATA):
                raise NotAllowed(REFUSALS[Permission.VIEW_PROGRESSION_DATA])
            today = self.ctx.clock.now().astimezone(_zone(viewer.timezone)).date()
            rows = await uow.dashboard.daily_lifts(
                viewer.profile_ids, today - timedelta(days=CHART_DAYS), exercise_id
            )
        if rows and not viewer.sees(exercise_id, "e1rm", today):
            raise NotAllowed(NOT_SHARED_EXERCISE)
        units = Units(viewer.units)
        logged = [(day, best) for _e, _n, _m, day, best, _v in rows if best is not None]
        points = tuple(
            (day, _in_units(best, units))
            for day, best in logged
            if viewer.sees(exercise_id, "e1rm", today, on=day)
        )
        if not points:
            raise NotAllowed(NOT_SHARED_EXERCISE) if logged else NotFound(NO_DATA)
        name = rows[0][1]
        return ChartData(
            "line",
            f"{viewer.name} · {name}: estimated 1RM ({units})",
            f"Estimated 1RM ({units})",
            (Series(name, str(units), points),),
        )

    @in_worker(READS)
    async def volume(self, telegram_id: int, profile_id: int | None) -> ChartData:
        """Weekly volume (kg × reps of working sets), the last 12 weeks, by Monday."""
        async with self.ctx.uow() as uow:
            viewer = await self._viewer(uow, telegram_id, profile_id)
            if not viewer.may(Permission.VIEW_PROGRESSION_DATA):
                raise NotAllowed(REFUSALS[Permission.VIEW_PROGRESSION_DATA])
            today = self.ctx.clock.now().astimezone(_zone(viewer.timezone)).date()
            monday = today - timedelta(days=today.weekday())
            start = monday - timedelta(weeks=11)
            rows = await uow.dashboard.daily_lifts(viewer.profile_ids, start)
        units = Units(viewer.units)
        weeks: dict[date, Decimal] = defaultdict(Decimal)
        hidden = 0
        for exercise_id, _n, _m, day, _b, volume in rows:
            if not viewer.sees(exercise_id, "volume", today, on=day):
                hidden += 1
                continue
            weeks[day - timedelta(days=day.weekday())] += Decimal(str(volume or 0))
        if not weeks:
            if hidden:
                raise NotAllowed(REFUSALS[Permission.VIEW_PROGRESSION_DATA])
            raise NotFound(NO_DATA)
        points = tuple(
            (start + timedelta(weeks=i), _in_units(weeks.get(start + timedelta(weeks=i)), units))
            for i in range(12)
        )
        note = "Some exercises are hidden by the client's sharing settings." if hidden else ""
        return ChartData(
            "bars",
            f"{viewer.name} · weekly volume ({units} × reps)",
            f"Volume ({units} × reps)",
            (Series("Volume", str(units), points),),
            note=note,
        )

    @in_worker(READS)
    async def adherence(self, telegram_id: int, profile_id: int | None) -> ChartData:
        """The last 12 weeks of planned sessions, day by day: done, partial or missed."""
        async with self.ctx.uow() as uow:
            viewer = await self._viewer(uow, telegram_id, profile_id)
            if not viewer.may(Permission.VIEW_ACTIVITY_STATUS):
                raise NotAllowed(REFUSALS[Permission.VIEW_ACTIVITY_STATUS])
            zone = _zone(viewer.timezone)
            now = self.ctx.clock.now()
            today = now.astimezone(zone).date()
            start_day = today - timedelta(days=CALENDAR_DAYS - 1)
            start_day -= timedelta(days=start_day.weekday())
            repo = uow.dashboard
            relationship_ids = await _relationships(uow, viewer)
            planned: list[adh.PlannedDay] = []
            for relationship_id in relationship_ids:
                rows = await repo.planned_sessions(
                    relationship_id, _day_start(start_day, zone), now
                )
                planned += [
                    adh.PlannedDay(at.astimezone(zone).date(), logged, p, d)
                    for _i, at, _t, logged, p, d in rows
                ]
        if not planned:
            raise NotFound("No planned sessions in the last 12 weeks to chart.")
        marks = adh.calendar_marks(planned, today, (today - start_day).days + 1)
        return ChartData(
            "calendar",
            f"{viewer.name} · adherence, last 12 weeks",
            "",
            marks=tuple(sorted(marks.items())),
            start=start_day,
            end=today,
        )

    @in_worker(READS)
    async def body(self, telegram_id: int, profile_id: int | None) -> ChartData:
        """Body weight and other measurements over the last six months."""
        async with self.ctx.uow() as uow:
            viewer = await self._viewer(uow, telegram_id, profile_id)
            if not viewer.may(Permission.VIEW_PERSONAL_DATA):
                raise NotAllowed(REFUSALS[Permission.VIEW_PERSONAL_DATA])
            today = self.ctx.clock.now().astimezone(_zone(viewer.timezone)).date()
            rows = await uow.dashboard.measurements(
                viewer.profile_ids, today - timedelta(days=CHART_DAYS)
            )
            units = Units(viewer.units)
            grouped: dict[tuple[str, str], list[tuple[date, float]]] = defaultdict(list)
            for row in rows:
                value = float(convert(Decimal(str(row.value)), row.unit, units))
                grouped[(row.kind, display_unit(row.unit, units))].append((row.measured_on, value))
        if not grouped:
            raise NotFound("No body measurements yet. They are added with /measure.")
        series = tuple(
            Series(kind_label(kind), unit, tuple(points))
            for (kind, unit), points in sorted(grouped.items())
        )
        return ChartData("line", f"{viewer.name} · body measurements", "Value", series)


async def _relationships(uow: UnitOfWork, viewer: Viewer) -> list[int]:
    if viewer.relationship_id is not None:
        return [viewer.relationship_id]
    return (await uow.dashboard.active_relationship_ids(viewer.profile_ids))[:5]
