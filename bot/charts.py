"""Drawing the progress charts as PNG images with matplotlib's Agg backend (no display needed).

Each chart has a title, labelled axes with units, and dates on the time axis. Drawing is CPU
work, so callers run :func:`render_png` in a worker thread.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from coaching.services.charts import ChartData

WIDTH, HEIGHT, DPI = 8.0, 4.5, 110
MARK_COLOURS = {"done": "#2e9d5b", "partial": "#f0b429", "missed": "#d64545"}
MARK_LABELS = {"done": "Done", "partial": "Partly done", "missed": "Missed"}


def _date_axis(ax: object) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
    )
    ax.set_xlabel("Date")


def _dates(points: tuple[tuple[date, float], ...]) -> Any:
    """The x values: matplotlib plots dates natively (its stubs only say so loosely)."""
    return [day for day, _ in points]


def render_png(chart: ChartData) -> bytes:
    """The chart as PNG bytes."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    ax = figure.add_subplot(1, 1, 1)
    if chart.kind == "calendar":
        _calendar(figure, chart)
    elif chart.kind == "bars":
        series = chart.series[0]
        days = _dates(series.points)
        ax.bar(days, [v for _, v in series.points], width=5, color="#3b6fd4")
        ax.set_ylabel(chart.y_label)
        _date_axis(ax)
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
        _date_axis(ax)
        ax.grid(alpha=0.3)
        if len(chart.series) > 1 or chart.series:
            ax.legend(loc="best", fontsize="small")
    figure.suptitle(chart.title)
    if chart.note:
        figure.text(0.01, 0.01, chart.note, fontsize="small", color="#555555")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


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
        [(chart.start + timedelta(weeks=i)).strftime("%d %b") for i in range(weeks)],
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
