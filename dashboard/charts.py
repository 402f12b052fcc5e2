"""Geometry of the server-rendered SVG chart of texts sent and replies per day.

Python computes coordinates; `dashboard/_activity_chart.html` draws them. No JavaScript, so the chart
works offline and prints.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .selectors import DayActivity

# Horizontal gridlines drawn (the top one at the axis maximum).
GRID_STEPS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day_label: str
    sent: int
    replies: int
    weekend: bool


@dataclass(frozen=True)
class Band:
    x: float
    width: float


@dataclass(frozen=True)
class Dot:
    x: float
    y: float


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class ActivityChart:
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    bars: list[Bar]
    reply_dots: list[Dot]
    reply_line: str
    weekend_bands: list[Band]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    total_sent: int
    total_replies: int
    first_day: str
    last_day: str

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def y_label_x(self) -> float:
        return self.left - 6

    @property
    def x_label_y(self) -> float:
        return self.bottom + 16


def nice_maximum(value: int, steps: int = GRID_STEPS) -> int:
    """The smallest round axis maximum (a step of 1, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or above value."""
    if value <= 0:
        return steps
    raw_step = value / steps
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for factor in (1, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * magnitude
        if step >= raw_step and float(step).is_integer():
            return int(step * steps)
    return int(10 * magnitude * steps)  # pragma: no cover - the loop always returns


def activity_chart(days: list[DayActivity], *, width: int = 760, height: int = 240) -> ActivityChart:
    """Bars for texts sent and a line for replies, one slot per day, on a shared axis."""
    left, top, right, bottom = 44.0, 12.0, width - 8.0, height - 28.0
    plot_height = bottom - top
    maximum = nice_maximum(max([d.sent for d in days] + [d.replies for d in days] + [0]))
    slot = (right - left) / max(len(days), 1)
    bar_width = max(1.0, slot * 0.7)

    def y_of(value: int) -> float:
        return round(bottom - plot_height * value / maximum, 2)

    bars, dots = [], []
    for i, day in enumerate(days):
        x = left + i * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                x=round(x, 2),
                y=y_of(day.sent),
                width=round(bar_width, 2),
                height=round(bottom - y_of(day.sent), 2),
                day_label=day.day.strftime("%a %b %-d"),
                sent=day.sent,
                replies=day.replies,
                weekend=day.day.weekday() >= 5,
            )
        )
        dots.append(Dot(x=round(left + i * slot + slot / 2, 2), y=y_of(day.replies)))
    y_ticks = [
        Tick(position=y_of(maximum * i // GRID_STEPS), label=f"{maximum * i // GRID_STEPS:,}")
        for i in range(GRID_STEPS + 1)
    ]
    # Label Mondays (and the first day), so weeks read at a glance whatever the range.
    label_every_day = len(days) <= 14
    x_ticks = [
        Tick(position=round(left + i * slot + slot / 2, 2), label=day.day.strftime("%b %-d"))
        for i, day in enumerate(days)
        if label_every_day or day.day.weekday() == 0 or (i == 0 and day.day.weekday() < 4)
    ]
    if len(days) > 120:  # a long range: label month starts only
        x_ticks = [
            Tick(position=round(left + i * slot + slot / 2, 2), label=day.day.strftime("%b"))
            for i, day in enumerate(days)
            if day.day.day == 1
        ]
    return ActivityChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        bars=bars,
        reply_dots=dots,
        reply_line=" ".join(f"{d.x},{d.y}" for d in dots),
        weekend_bands=[
            Band(x=round(left + i * slot, 2), width=round(slot, 2)) for i, day in enumerate(days) if day.day.weekday() >= 5
        ],
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        total_sent=sum(d.sent for d in days),
        total_replies=sum(d.replies for d in days),
        first_day=days[0].day.strftime("%b %-d, %Y") if days else "",
        last_day=days[-1].day.strftime("%b %-d, %Y") if days else "",
    )


def render_activity_chart(chart: ActivityChart) -> SafeString:
    """The chart as inline SVG markup (numbers never localized: SVG wants "12.5", not "12,5")."""
    return render_to_string("dashboard/_activity_chart.html", {"chart": chart})
