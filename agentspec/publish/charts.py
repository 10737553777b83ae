"""Charts drawn at build time as inline SVG: score per model, and time per attempt.

Plain SVG written here rather than a plotting library: the two charts need bars, boxes and dots
only, and inline SVG takes its colours from the page (``currentColor`` and the stylesheet's
variables), so one drawing follows the light and dark palettes as the reader switches them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentspec.publish.escape import text

WIDTH = 760
_CHAR = 6.6  # average width of one character of 12px text, for sizing the label column


@dataclass(frozen=True)
class Bar:
    """One bar: a pass rate with its interval."""

    label: str
    passed: int
    total: int
    interval: tuple[float, float]


@dataclass(frozen=True)
class Point:
    """One attempt on the time axis."""

    seconds: float
    outcome: str
    note: str


@dataclass
class Series:
    """One row of dots: the attempts of one agent and model (on one task)."""

    label: str
    points: list[Point] = field(default_factory=list)


def _short(label: str, limit: int = 44) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _label_width(labels: Sequence[str]) -> float:
    return min(300.0, max(80.0, max((len(_short(s)) for s in labels), default=0) * _CHAR + 16))


def _svg(height: float, title: str, body: str, legend: str = "") -> str:
    # The box scrolls sideways on a phone instead of shrinking the text past reading.
    return (
        f'<div class="as-chart-box">{legend}<svg class="as-chart" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'role="img" aria-label="{text(title)}" xmlns="http://www.w3.org/2000/svg"><title>{text(title)}</title>'
        f"{body}</svg></div>"
    )


def _legend() -> str:
    keys = "".join(f'<span class="as-dot-key as-{k}"></span>{k}' for k in ("passed", "failed", "error"))
    return f'<p class="as-legend">Each dot an attempt: {keys}; box: middle half of the times, bar: median.</p>'


def score_chart(bars: Sequence[Bar]) -> str:
    """Horizontal bars of pass rate per agent and model, with 95% interval whiskers and the score."""
    left = _label_width([b.label for b in bars])
    right, row, top = WIDTH - 70, 26, 8
    span = right - left
    height = top + row * len(bars) + 28
    parts = []
    for tick in range(0, 101, 25):
        x = left + span * tick / 100
        parts.append(f'<line class="as-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 22}"/>')
        parts.append(f'<text class="as-tick" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{tick}%</text>')
    for index, bar in enumerate(bars):
        y = top + index * row
        rate = bar.passed / bar.total if bar.total else 0.0
        low, high = bar.interval
        tip = f"{bar.label}: {bar.passed}/{bar.total} passed ({rate:.0%}), 95% interval {low:.0%} to {high:.0%}"
        parts.append(
            f'<g><title>{text(tip)}</title><text x="{left - 8:.1f}" y="{y + 17}" text-anchor="end">'
            f"{text(_short(bar.label))}</text>"
            f'<rect class="as-bar" x="{left:.1f}" y="{y + 5}" width="{max(span * rate, 1.5):.1f}" height="{row - 10}"/>'
            f'<line class="as-whisker" x1="{left + span * low:.1f}" x2="{left + span * high:.1f}" '
            f'y1="{y + row / 2:.1f}" y2="{y + row / 2:.1f}"/>'
            f'<text x="{right + 8}" y="{y + 17}">{bar.passed}/{bar.total}</text></g>'
        )
    return _svg(height, "Pass rate per agent and model, with 95% intervals", "".join(parts))


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class _Axis:
    """Seconds to x: linear, or logarithmic when the times span more than a factor of 20."""

    def __init__(self, values: Sequence[float], left: float, right: float) -> None:
        positive = [v for v in values if v > 0] or [1.0]
        self.low, self.high = min(positive), max(max(values, default=1.0), min(positive) * 1.01)
        self.log = self.high / self.low > 20
        if not self.log:
            self.low = 0.0
        self.left, self.right = left, right

    def x(self, seconds: float) -> float:
        if self.log:
            share = (math.log10(max(seconds, self.low)) - math.log10(self.low)) / (
                math.log10(self.high) - math.log10(self.low)
            )
        else:
            share = seconds / self.high if self.high else 0.0
        return self.left + (self.right - self.left) * min(max(share, 0.0), 1.0)

    def ticks(self) -> list[float]:
        if self.log:
            found = []
            for power in range(math.floor(math.log10(self.low)), math.ceil(math.log10(self.high)) + 1):
                found += [m * 10.0**power for m in (1, 2, 5) if self.low <= m * 10.0**power <= self.high]
            return found
        step = 10 ** math.floor(math.log10(self.high or 1.0))
        step = next(s * step for s in (0.1, 0.2, 0.5, 1, 2, 5) if self.high / (s * step) <= 6)
        return [step * i for i in range(int(self.high / step) + 1)]


def _seconds(value: float) -> str:
    return f"{value:g}s" if value >= 1 else f"{value * 1000:g}ms"


def time_chart(groups: Sequence[tuple[str, Sequence[Series]]], title: str) -> str:
    """Time per attempt: for each group (a task, or none), one row per series with a box and dots by outcome."""
    labels = [s.label for _, series in groups for s in series] + [g for g, _ in groups]
    left = _label_width(labels)
    axis = _Axis([p.seconds for _, series in groups for s in series for p in s.points], left, WIDTH - 16)
    row, header, y = 20, 22, 6.0
    parts = []
    for group, series_list in groups:
        if group:
            parts.append(f'<text class="as-group" x="4" y="{y + 15:.1f}">{text(_short(group, 60))}</text>')
            y += header
        for series in series_list:
            parts.append(_series_row(series, axis, left, y, row))
            y += row
    bottom = y + 4
    for tick in axis.ticks():
        x = axis.x(tick)
        parts.insert(0, f'<line class="as-grid" x1="{x:.1f}" x2="{x:.1f}" y1="4" y2="{bottom:.1f}"/>')
        parts.append(f'<text class="as-tick" x="{x:.1f}" y="{bottom + 14:.1f}" text-anchor="middle">')
        parts.append(f"{text(_seconds(tick))}</text>")
    scale = " (log scale)" if axis.log else ""
    return _svg(bottom + 22, title + scale, "".join(parts), _legend())


def _series_row(series: Series, axis: _Axis, left: float, y: float, row: float) -> str:
    middle = y + row / 2
    parts = [f'<text x="{left - 8:.1f}" y="{middle + 4:.1f}" text-anchor="end">{text(_short(series.label))}</text>']
    ordered = sorted(p.seconds for p in series.points)
    if len(ordered) >= 2:
        q1, median, q3 = (axis.x(_quantile(ordered, q)) for q in (0.25, 0.5, 0.75))
        parts.append(
            f'<line class="as-whisker" x1="{axis.x(ordered[0]):.1f}" x2="{axis.x(ordered[-1]):.1f}" '
            f'y1="{middle:.1f}" y2="{middle:.1f}"/>'
            f'<rect class="as-box" x="{q1:.1f}" y="{y + 4:.1f}" width="{max(q3 - q1, 1):.1f}" height="{row - 8}"/>'
            f'<line class="as-median" x1="{median:.1f}" x2="{median:.1f}" y1="{y + 3:.1f}" y2="{y + row - 3:.1f}"/>'
        )
    for index, point in enumerate(series.points):
        jitter = ((index * 7919) % 9 - 4) * (row - 8) / 10 if len(series.points) > 1 else 0
        parts.append(
            f'<circle class="as-dot as-{text(point.outcome)}" cx="{axis.x(point.seconds):.1f}" '
            f'cy="{middle + jitter:.1f}" r="3.2"><title>{text(point.note)}</title></circle>'
        )
    return "<g>" + "".join(parts) + "</g>"
