"""Small server-side SVG charts for the usage pages: no script, no network, no dependency.

Every chart is an `<svg role="img">` named by its `<title>` and `<desc>` (aria-labelledby), and
every data point carries its own `<title>` (a tooltip, and read by screen readers that walk the
graphic). Pages still show the same numbers as a table next to the chart: that is the text
equivalent, and the caller's job.

All text is escaped here, so the result is safe to mark safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

PALETTE = ("#1f6feb", "#cf222e", "#1a7f37", "#8250df")
FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#57606a"'
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 40, 12, 28, 36


@dataclass(frozen=True)
class Series:
    """One line of a line chart; `dashed` for a limit such as the capacity."""

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


def _number(value: float) -> str:
    return f"{value:g}"


def _svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="usage-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description or title)}</desc>',
    ]


def _frame(width: int, height: int, top: float, x_labels: Sequence[str], x_of) -> list[str]:
    """Axes, three horizontal grid lines with values, and at most ~8 x labels."""
    plot_bottom = height - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    parts = ['<g class="axes" aria-hidden="true">']
    for fraction in (0, 0.5, 1):
        y = plot_bottom - fraction * plot_height
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{width - MARGIN_RIGHT}" y2="{y:.1f}" '
            'stroke="#d0d7de" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
            f"{_number(top * fraction)}</text>"
        )
    step = max(1, math.ceil(len(x_labels) / 8))
    for k in range(0, len(x_labels), step):
        parts.append(
            f'<text x="{x_of(k):.1f}" y="{plot_bottom + 16}" text-anchor="middle" {FONT}>'
            f"{escape(x_labels[k])}</text>"
        )
    parts.append("</g>")
    return parts


def line_chart_svg(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    width: int = 640,
    height: int = 240,
    chart_id: str | None = None,
) -> SafeString:
    """Lines over shared x labels (e.g. days: peak concurrent users, and capacity dashed)."""
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(
                f"Series {line.name!r} has {len(line.values)} values for {len(labels)} labels."
            )
    chart_id = chart_id or "chart-" + (slugify(title) or "line")
    top = nice_ceiling(max((v for line in series for v in line.values), default=0))
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = height - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP

    def x_of(k: int) -> float:
        if len(labels) == 1:
            return MARGIN_LEFT + plot_width / 2
        return MARGIN_LEFT + plot_width * k / (len(labels) - 1)

    def y_of(v: float) -> float:
        return plot_bottom - plot_height * v / top

    parts = _svg_open(chart_id, width, height, title, description)
    parts += _frame(width, height, top, labels, x_of)
    for n, line in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if line.dashed else ""
        points = " ".join(f"{x_of(k):.1f},{y_of(v):.1f}" for k, v in enumerate(line.values))
        parts.append(f'<g class="series" data-series="{escape(line.name)}">')
        parts.append(f"<title>{escape(line.name)}</title>")
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"{dash}/>'
        )
        for k, v in enumerate(line.values):
            parts.append(
                f'<circle cx="{x_of(k):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}" '
                f'data-label="{escape(labels[k])}" data-value="{_number(v)}">'
                f"<title>{escape(labels[k])}: {escape(line.name)} {_number(v)}</title></circle>"
            )
        parts.append("</g>")
        # Legend, top left, one entry per series.
        lx = MARGIN_LEFT + 150 * n
        parts.append(
            f'<g class="legend" aria-hidden="true"><line x1="{lx}" y1="12" x2="{lx + 18}" y2="12" '
            f'stroke="{color}" stroke-width="2"{dash}/>'
            f'<text x="{lx + 24}" y="16" {FONT}>{escape(line.name)}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("\n".join(parts))


def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    width: int = 640,
    height: int = 200,
    chart_id: str | None = None,
) -> SafeString:
    """One bar per label (e.g. refused sign-ins per day); `unit` names the values in tooltips."""
    if len(values) != len(labels):
        raise ValueError(f"{len(values)} values for {len(labels)} labels.")
    chart_id = chart_id or "chart-" + (slugify(title) or "bars")
    top = nice_ceiling(max(values, default=0))
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_bottom = height - MARGIN_BOTTOM
    plot_height = plot_bottom - MARGIN_TOP
    slot = plot_width / max(1, len(labels))
    bar = max(1.0, slot * 0.7)

    def x_of(k: int) -> float:
        return MARGIN_LEFT + slot * (k + 0.5)

    parts = _svg_open(chart_id, width, height, title, description)
    parts += _frame(width, height, top, labels, x_of)
    parts.append('<g class="bars">')
    suffix = f" {escape(unit)}" if unit else ""
    for k, v in enumerate(values):
        h = plot_height * v / top
        parts.append(
            f'<rect x="{x_of(k) - bar / 2:.1f}" y="{plot_bottom - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[1]}" data-label="{escape(labels[k])}" '
            f'data-value="{_number(v)}"><title>{escape(labels[k])}: {_number(v)}{suffix}</title></rect>'
        )
    parts.append("</g></svg>")
    return mark_safe("\n".join(parts))
