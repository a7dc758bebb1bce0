"""Small server-side SVG charts for the usage pages: no script, no network, no dependency.

Every chart is an `<svg role="group">` named by its `<title>` (aria-labelledby) and described by
its `<desc>` (aria-describedby): a group, not an image, because an image's children are
presentational and a screen reader would skip the focusable days inside it. Each day (or bar) has
a hit target as tall as the plot and as wide as its slot, far easier to point at than a 3 px dot:
it is an image named by its figures (aria-label, and a `<title>` for the tooltip), is focusable,
and shows its figures in a read-out line while hovered or focused (reports.css; hidden by a
presentation attribute, which any stylesheet rule overrides, so without the stylesheet nothing
piles up). The drawing itself (axes, lines, bars, legend) is hidden from assistive technology.
Pages still show the same numbers as a table next to the chart: that is the text equivalent, and
the caller's job.

The charts have a fixed `viewBox` and no width or height: CSS makes them as wide as their box.
Text sizes are in viewBox units, so reports.css keeps a chart from shrinking below the width at
which they render at 12 px (`LEGIBLE_MIN_WIDTH_PX`); narrower boxes scroll the chart instead.

All text is escaped here, so the result is safe to mark safe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

PALETTE = ("#1f6feb", "#cf222e", "#1a7f37", "#8250df")
# The capacity is a limit, not a measure: another hue and a dash, so it reads apart from the
# peak without relying on colour alone.
LIMIT_COLOR = "#9a6700"
WIDTH = 600
FONT_SIZE = 13
MIN_FONT_PX = 12
# Keep in step with `.usage-report .chart svg { min-width }` in reports.css.
LEGIBLE_MIN_WIDTH_PX = math.ceil(WIDTH * MIN_FONT_PX / FONT_SIZE)
FONT = f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}" fill="#57606a"'
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP = 44, 14, 30
AXIS_LABELS_HEIGHT = 32
LEGEND_HEIGHT = 24
MAX_TICKS = 6
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Series:
    """One line of a line chart; `dashed` for a limit such as the capacity, drawn as steps."""

    name: str
    values: Sequence[float]
    dashed: bool = False


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is >= value (1 for empty charts)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def count_ticks(maximum: float, max_ticks: int = MAX_TICKS) -> list[int]:
    """Whole-number ticks from 0 to at least `maximum`, 1, 2 or 5 × 10^k apart, at most
    `max_ticks` of them: counts of people or sign-ins have no halves."""
    top = max(1, math.ceil(maximum))
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            intervals = math.ceil(top / step)
            if intervals + 1 <= max_ticks:
                return [step * n for n in range(intervals + 1)]
        magnitude *= 10


def _number(value: float) -> str:
    return f"{value:g}"


def _svg_open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" role="group" class="usage-chart" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description or title)}</desc>',
    ]


def _frame(
    plot_bottom: float,
    ticks: Sequence[int],
    y_of: Callable[[float], float],
    x_labels: Sequence[str],
    x_of: Callable[[int], float],
) -> list[str]:
    """Axes, a grid line per tick with its value, and at most MAX_X_LABELS x labels."""
    parts = ['<g class="axes" aria-hidden="true">']
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{WIDTH - MARGIN_RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{tick}</text>'
        )
    step = max(1, math.ceil(len(x_labels) / MAX_X_LABELS))
    for k in range(0, len(x_labels), step):
        parts.append(
            f'<text x="{x_of(k):.1f}" y="{plot_bottom + 20:.1f}" text-anchor="middle" {FONT}>'
            f"{escape(x_labels[k])}</text>"
        )
    parts.append("</g>")
    return parts


def _targets(
    labels: Sequence[str],
    readouts: Sequence[str],
    x_of: Callable[[int], float],
    slot: float,
    plot_bottom: float,
) -> list[str]:
    """A focusable, titled column per label, and the line that reads it out on hover or focus."""
    plot_top = MARGIN_TOP
    parts = ['<g class="targets">']
    for k, (label, readout) in enumerate(zip(labels, readouts, strict=True)):
        left = max(MARGIN_LEFT, x_of(k) - slot / 2)
        right = min(WIDTH - MARGIN_RIGHT, x_of(k) + slot / 2)
        text = escape(readout)
        # Beside its own column, running inwards, so it is in view wherever the chart is scrolled.
        anchor = "start" if x_of(k) < WIDTH / 2 else "end"
        parts.append(
            f'<g class="target"><rect class="hit" x="{left:.1f}" y="{plot_top}" '
            f'width="{right - left:.1f}" height="{plot_bottom - plot_top:.1f}" fill="transparent" '
            f'tabindex="0" role="img" aria-label="{text}" data-label="{escape(label)}">'
            f"<title>{text}</title></rect>"
            f'<line class="cursor" x1="{x_of(k):.1f}" y1="{plot_top}" x2="{x_of(k):.1f}" '
            f'y2="{plot_bottom:.1f}" stroke="#57606a" stroke-width="1" visibility="hidden" '
            'aria-hidden="true"/>'
            f'<text class="readout" x="{x_of(k):.1f}" y="18" text-anchor="{anchor}" '
            f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}" fill="#1d2430" '
            f'font-weight="600" visibility="hidden" aria-hidden="true">{text}</text></g>'
        )
    parts.append("</g>")
    return parts


def _step_points(
    values: Sequence[float],
    x_of: Callable[[int], float],
    slot: float,
    y_of: Callable[[float], float],
) -> str:
    """A limit held over each whole day: flat across the day's slot, stepping between days."""
    points: list[str] = []
    for k, v in enumerate(values):
        y = y_of(v)
        left = max(MARGIN_LEFT, x_of(k) - slot / 2)
        right = min(WIDTH - MARGIN_RIGHT, x_of(k) + slot / 2)
        points += [f"{left:.1f},{y:.1f}", f"{right:.1f},{y:.1f}"]
    return " ".join(points)


def line_chart_svg(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    height: int = 280,
    chart_id: str | None = None,
) -> SafeString:
    """Lines over shared x labels (e.g. days: peak concurrent users, and the capacity as steps)."""
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(
                f"Series {line.name!r} has {len(line.values)} values for {len(labels)} labels."
            )
    chart_id = chart_id or "chart-" + (slugify(title) or "line")
    ticks = count_ticks(max((v for line in series for v in line.values), default=0))
    top = ticks[-1]
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = height - AXIS_LABELS_HEIGHT - LEGEND_HEIGHT
    plot_height = plot_bottom - MARGIN_TOP
    slot = plot_width / max(1, len(labels) - 1)

    def x_of(k: int) -> float:
        if len(labels) == 1:
            return MARGIN_LEFT + plot_width / 2
        return MARGIN_LEFT + plot_width * k / (len(labels) - 1)

    def y_of(v: float) -> float:
        return plot_bottom - plot_height * v / top

    parts = _svg_open(chart_id, height, title, description)
    parts += _frame(plot_bottom, ticks, y_of, labels, x_of)
    legend = ['<g class="legend" aria-hidden="true">']
    legend_x = float(MARGIN_LEFT)
    legend_y = height - 10
    for n, line in enumerate(series):
        color = LIMIT_COLOR if line.dashed else PALETTE[n % len(PALETTE)]
        kind = "limit" if line.dashed else "measure"
        parts.append(
            f'<g class="series {kind}" data-series="{escape(line.name)}" aria-hidden="true">'
        )
        if line.dashed:
            parts.append(
                f'<polyline points="{_step_points(line.values, x_of, slot, y_of)}" fill="none" '
                f'stroke="{color}" stroke-width="2.5" stroke-dasharray="8 4"/>'
            )
        else:
            points = " ".join(f"{x_of(k):.1f},{y_of(v):.1f}" for k, v in enumerate(line.values))
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        for k, v in enumerate(line.values):
            parts.append(
                f'<circle cx="{x_of(k):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}" '
                f'data-label="{escape(labels[k])}" data-value="{_number(v)}">'
                f"<title>{escape(labels[k])}: {escape(line.name)} {_number(v)}</title></circle>"
            )
        parts.append("</g>")
        dash = ' stroke-dasharray="8 4"' if line.dashed else ""
        legend.append(
            f'<g class="legend-entry {kind}" data-series="{escape(line.name)}">'
            f'<line x1="{legend_x:.1f}" y1="{legend_y - 4}" x2="{legend_x + 22:.1f}" '
            f'y2="{legend_y - 4}" stroke="{color}" stroke-width="2.5"{dash}/>'
            f'<text x="{legend_x + 28:.1f}" y="{legend_y}" {FONT}>{escape(line.name)}</text></g>'
        )
        # Room for the name at FONT_SIZE (about 0.6 em a character) and a gap before the next.
        legend_x += 28 + len(line.name) * FONT_SIZE * 0.6 + 24
    legend.append("</g>")
    parts += legend
    readouts = [
        f"{label}: " + ", ".join(f"{line.name} {_number(line.values[k])}" for line in series)
        for k, label in enumerate(labels)
    ]
    parts += _targets(labels, readouts, x_of, slot, plot_bottom)
    parts.append("</svg>")
    return mark_safe("\n".join(parts))


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    height: int = 220,
    chart_id: str | None = None,
) -> SafeString:
    """One bar per label (e.g. refused sign-ins per day); `unit` names the values in tooltips."""
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values for {len(labels)} labels.")
    chart_id = chart_id or "chart-" + (slugify(title) or "bars")
    ticks = count_ticks(max(values, default=0))
    top = ticks[-1]
    plot_width = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = height - AXIS_LABELS_HEIGHT
    plot_height = plot_bottom - MARGIN_TOP
    slot = plot_width / max(1, len(labels))
    bar = max(1.0, slot * 0.7)

    def x_of(k: int) -> float:
        return MARGIN_LEFT + slot * (k + 0.5)

    def y_of(v: float) -> float:
        return plot_bottom - plot_height * v / top

    parts = _svg_open(chart_id, height, title, description)
    parts += _frame(plot_bottom, ticks, y_of, labels, x_of)
    parts.append('<g class="bars" aria-hidden="true">')
    suffix = f" {unit}" if unit else ""
    readouts = [f"{label}: {_number(v)}{suffix}" for label, v in zip(labels, values, strict=True)]
    for k, v in enumerate(values):
        h = plot_height * v / top
        parts.append(
            f'<rect x="{x_of(k) - bar / 2:.1f}" y="{plot_bottom - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[1]}" data-label="{escape(labels[k])}" '
            f'data-value="{_number(v)}"><title>{escape(readouts[k])}</title></rect>'
        )
    parts.append("</g>")
    parts += _targets(labels, readouts, x_of, slot, plot_bottom)
    parts.append("</svg>")
    return mark_safe("\n".join(parts))
