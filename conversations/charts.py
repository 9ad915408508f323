"""Drawing the progress charts as PNG images with matplotlib's Agg backend (no display needed).

Each chart has a title, labelled axes with units, and dates on the time axis.

Drawing is CPU work that holds the GIL for long stretches (Agg renders in C without releasing
it), so a worker thread would still stall the event loop. :func:`render_chart` therefore draws
in a separate process: a small pool (:class:`ChartPool`, one worker running at a lower priority
than the bot, so drawing never takes the processor from replies), started with the "spawn"
method on the first chart (from a thread), reused after that, and closed with the application
(:func:`coaching.services.offload.close_pools`).
If the pool cannot start or a worker dies, that chart is drawn in a thread instead and the pool
is started afresh for the next one; if drawing fails altogether, :class:`ChartUnavailable` says
so and the flow answers with a clear message.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from coaching.services.charts import ChartData
from coaching.services.offload import START_METHOD, WorkerPool

log = logging.getLogger("spotter.charts")

WIDTH, HEIGHT, DPI = 8.0, 4.5, 110
CHART_WORKERS = 1
# Drawing yields the processor to the bot: on a small machine a chart worker at full speed
# would otherwise take the core the event loop needs for everyone else's replies.
CHART_NICENESS = 10
MARK_COLOURS = {"done": "#2e9d5b", "partial": "#f0b429", "missed": "#d64545"}
MARK_LABELS = {"done": "Done", "partial": "Partly done", "missed": "Missed"}


MIN_SPAN_DAYS = 14
"""The time axis spans at least two weeks, centred on the data: one point is one day, not years."""


def _day_month(day: date) -> str:
    return f"{day.day} {day:%b}"


def _tick(value: float, _position: int | None = None) -> str:
    """Every tick names the day and the month ("8 Nov"), never a bare "08"."""
    return _day_month(mdates.num2date(value))  # type: ignore[no-untyped-call]


def _date_axis(ax: object, days: list[date]) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    if days:
        first, last = min(days), max(days)
        pad = max(timedelta(days=1), (timedelta(days=MIN_SPAN_DAYS) - (last - first)) / 2)
        ax.set_xlim(first - pad, last + pad)  # type: ignore[arg-type]
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    locator.intervald[mdates.HOURLY] = []  # a day at the finest: ticks are dates
    locator.intervald[mdates.MINUTELY] = []
    locator.intervald[mdates.SECONDLY] = []
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    ax.set_xlabel("Date")


def _dates(points: tuple[tuple[date, float], ...]) -> Any:
    """The x values: matplotlib plots dates natively (its stubs only say so loosely)."""
    return [day for day, _ in points]


def render_png(chart: ChartData) -> bytes:
    """The chart as PNG bytes."""
    figure = draw_figure(chart)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def tick_labels(figure: Figure) -> list[str]:
    """The time axis's tick labels as drawn (for checking what a person reads)."""
    figure.canvas.draw()
    ax = figure.axes[0]
    return [label.get_text() for label in ax.get_xticklabels() if label.get_text()]


def draw_figure(chart: ChartData) -> Figure:
    """The chart as a matplotlib figure (not yet rendered)."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    ax = figure.add_subplot(1, 1, 1)
    if chart.kind == "calendar":
        _calendar(figure, chart)
    elif chart.kind == "bars":
        series = chart.series[0]
        days = _dates(series.points)
        ax.bar(days, [v for _, v in series.points], width=5, color="#3b6fd4")
        ax.set_ylabel(chart.y_label)
        _date_axis(ax, days)
        ax.set_xlabel("Week starting")
        ax.grid(axis="y", alpha=0.3)
    else:
        for series in chart.series:
            label = f"{series.label} ({series.unit})" if series.unit else series.label
            ax.plot(
                _dates(series.points),
                [v for _, v in series.points],
                marker="o",
                markersize=4,
                label=label,
            )
        ax.set_ylabel(chart.y_label)
        _date_axis(ax, [day for series in chart.series for day, _ in series.points])
        ax.grid(alpha=0.3)
        if len(chart.series) > 1 or chart.series:
            ax.legend(loc="best", fontsize="small")
    figure.suptitle(chart.title)
    if chart.note:
        figure.text(0.01, 0.01, chart.note, fontsize="small", color="#555555")
    return figure


def _calendar(figure: Figure, chart: ChartData) -> None:
    """Weeks as columns, Monday to Sunday as rows; each planned day coloured by outcome."""
    ax = figure.axes[0]
    assert chart.start is not None
    assert chart.end is not None
    marks = dict(chart.marks)
    weeks = (chart.end - chart.start).days // 7 + 1
    day = chart.start
    while day <= chart.end:
        column = (day - chart.start).days // 7
        row = day.weekday()
        colour = MARK_COLOURS.get(marks.get(day, ""), "#eeeeee")
        ax.add_patch(Rectangle((column, 6 - row), 0.9, 0.9, color=colour))
        day += timedelta(days=1)
    ax.set_xlim(-0.2, weeks + 0.1)
    ax.set_ylim(-0.2, 7.1)
    ax.set_yticks([6 - i + 0.45 for i in range(7)])
    ax.set_yticklabels(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks([i + 0.45 for i in range(weeks)])
    ax.set_xticklabels(
        [_day_month(chart.start + timedelta(weeks=i)) for i in range(weeks)],
        rotation=45,
        fontsize="small",
    )
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Day of week")
    ax.legend(
        handles=[Patch(color=c, label=MARK_LABELS[k]) for k, c in MARK_COLOURS.items()]
        + [Patch(color="#eeeeee", label="Nothing planned")],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize="small",
    )
    figure.subplots_adjust(right=0.78, bottom=0.2)


# --------------------------------------------------------------------------------------------
# Drawing off the event loop
# --------------------------------------------------------------------------------------------


class ChartUnavailable(Exception):
    """The chart could not be drawn (the reason is logged, not shown)."""


class ChartPool:
    """Chart drawing in a worker process (:class:`coaching.services.offload.WorkerPool`):
    started on first use, reused, one worker below the bot's priority by default.

    ``draw`` must be a module-level function (it is sent to the workers by reference).
    The pool holds no state about any chart, so concurrent renders are independent.
    """

    def __init__(
        self,
        *,
        workers: int = CHART_WORKERS,
        method: str = START_METHOD,
        draw: Callable[[ChartData], bytes] = render_png,
    ) -> None:
        self.draw = draw
        self._workers = WorkerPool("chart", workers=workers, method=method, niceness=CHART_NICENESS)

    @property
    def started(self) -> bool:
        return self._workers.started

    async def render(self, chart: ChartData) -> bytes:
        """The chart as PNG bytes, drawn in a worker process (in a thread if the pool fails)."""
        try:
            return await self._workers.run(self.draw, chart)
        except Exception as error:
            log.exception("drawing a chart failed")
            raise ChartUnavailable from error

    def close(self) -> None:
        """Stop the workers and wait for them; a later chart would start a new pool."""
        self._workers.close()


_charts = ChartPool()


async def render_chart(chart: ChartData) -> bytes:
    """The chart as PNG bytes, drawn off the event loop in the shared chart pool."""
    return await _charts.render(chart)
