"""SVG charts drawn on the server (no chart library): line and bar charts with axes, ticks and units, and sparklines.

Every label is XML-escaped here and the result is wrapped in Markup, so a template inserts it
as is: `{{ chart }}`. Charts carry role="img" and an aria-label, and a <title> per point.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

from admin_ui.rendering import count_text, percent_text

# Colour per series (the CSS may restyle them through the series-N classes).
PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")
# The scatter map's other points: 4.8:1 on its white, where #9ca3af's 2.5:1 made them near invisible (WCAG 1.4.11).
OTHER_POINTS = "#6b7280"
# Room for the y-axis labels (left), the x-axis labels (bottom), and the legend (top).
MARGIN_LEFT = 56
MARGIN_RIGHT = 12
MARGIN_TOP = 24
MARGIN_BOTTOM = 36
# A tick label's character at the stylesheet's 11 px (admin.css), wide enough for digits and dashes.
TICK_CHAR_WIDTH = 7.0
MAX_X_LABELS = 8
# Room between two x labels, besides the labels themselves.
X_LABEL_GAP = 10

Formatter = Callable[[float], str]


@dataclass(frozen=True, slots=True)
class Geometry:
    """A chart's drawing size in SVG units; `fit` names the box it is for (the stylesheet shows the one that fits)."""

    width: int
    height: int
    fit: str


# The chart scales with its box, and its text with it: drawn for a box 32rem or wider, and again for a narrower one
# (a phone's), its 11-unit text shows at 10-15 px on screen in either (the CSS container query in admin.css picks).
WIDE = Geometry(560, 220, "wide")
NARROW = Geometry(360, 230, "narrow")


@dataclass(frozen=True, slots=True)
class Series:
    """One named line or set of bars: a value (or None for a gap) per x label."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True, slots=True)
class Marker:
    """A moment marked across a line chart: a dashed line at an x position (an index, or between two) and its name."""

    position: float
    name: str


def position_among_days(days: Sequence[date], moment: date) -> float | None:
    """Where `moment` falls on an x axis of `days` (ascending): an index, fractional between two days; a moment at
    or after the last day is on the last, one before the first has no place (None)."""
    if not days or moment < days[0]:
        return None
    for index in range(len(days) - 1):
        start, end = days[index], days[index + 1]
        if moment < end:
            return index + (moment - start).days / max((end - start).days, 1)
    return float(len(days) - 1)


def _text(value: str) -> str:
    return escape(value, quote=True)


def plain_number(value: float) -> str:
    """A tick label for counts: 1200 as "1.2k", 3 as "3"."""
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def percent(value: float) -> str:
    """A tick label for a rate between 0 and 1: 0.25 as "25 %"."""
    return f"{value * 100:g} %"


# How a point's title says its value, for the ticks' formatter: exactly, as the pages' tables do ("1 234", "46.1 %"),
# where a tick rounds it ("1.2k"). A chart given another tick formatter titles its points by that one.
POINT_TEXT: dict[Formatter, Formatter] = {plain_number: count_text, percent: percent_text}


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Evenly spaced round ticks from 0 to at least `top` (1, 2, 2.5 or 5 times a power of ten apart)."""
    if top <= 0 or not math.isfinite(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    steps = math.ceil(top / step - 1e-9)
    return [round(step * n, 10) for n in range(steps + 1)]


def _label_every(labels: Sequence[str], plot_w: float) -> int:
    """Label every n-th x position: at most MAX_X_LABELS, and no more than fit side by side in the plot's width."""
    longest = max((len(label) for label in labels), default=1) * TICK_CHAR_WIDTH + X_LABEL_GAP
    fitting = max(1, min(MAX_X_LABELS, int(plot_w // longest)))
    return max(1, math.ceil(len(labels) / fitting))


def _frame(
    title: str, unit: str, ticks: list[float], fmt: Formatter, series: Sequence[Series], geometry: Geometry
) -> tuple[list[str], Callable[[float], float], float, float]:
    """The opening tag, legend, gridlines and axes; with the y mapping, the plot's left and width."""
    plot_w = geometry.width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = geometry.height - MARGIN_TOP - MARGIN_BOTTOM
    top = ticks[-1] or 1.0

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h - (value / top) * plot_h

    label = f"{title} ({unit})" if unit else title
    parts = [
        f'<svg class="chart chart-{geometry.fit}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {geometry.width} {geometry.height}" '
        f'role="img" aria-label="{_text(label)}">',
        f"<title>{_text(label)}</title>",
    ]
    x = MARGIN_LEFT
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<g class="legend"><rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="15">{_text(one.name)}</text></g>'
        )
        x += 24 + 7 * len(one.name)
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text class="tick y-tick" x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_text(fmt(tick))}</text>'
        )
    bottom = MARGIN_TOP + plot_h
    parts.append(
        f'<line class="axis x-axis" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT + plot_w}" y1="{bottom}" y2="{bottom}" stroke="#374151"/>'
        f'<line class="axis y-axis" x1="{MARGIN_LEFT}" x2="{MARGIN_LEFT}" y1="{MARGIN_TOP}" y2="{bottom}" stroke="#374151"/>'
    )
    if unit:
        parts.append(
            f'<text class="unit" x="12" y="{MARGIN_TOP + plot_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {MARGIN_TOP + plot_h / 2:.1f})">{_text(unit)}</text>'
        )
    return parts, y_of, MARGIN_LEFT, plot_w


def _x_label(x: float, y: float, label: str, width: int) -> str:
    """One x tick label centred under its point, or ending at the edge (of a chart `width` wide) it would run past."""
    half = len(label) * TICK_CHAR_WIDTH / 2
    # A line chart's last point sits on the plot's right edge: centred there, its label was cut off.
    if x + half > width:
        x, anchor = width - 1, "end"
    elif x - half < 0:
        x, anchor = 1, "start"
    else:
        anchor = "middle"
    return f'<text class="tick x-tick" x="{x:.1f}" y="{y}" text-anchor="{anchor}">{_text(label)}</text>'


def _x_labels(labels: Sequence[str], x_of: Callable[[int], float], geometry: Geometry) -> list[str]:
    every = _label_every(labels, geometry.width - MARGIN_LEFT - MARGIN_RIGHT)
    y = geometry.height - MARGIN_BOTTOM + 16
    return [_x_label(x_of(i), y, label, geometry.width) for i, label in enumerate(labels) if i % every == 0]


def _top_of(series: Sequence[Series], fixed_top: float | None) -> float:
    if fixed_top is not None:
        return fixed_top
    values = [v for one in series for v in one.values if v is not None]
    return max(values, default=0.0)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    fmt: Formatter = plain_number,
    top: float | None = None,
    markers: Sequence[Marker] = (),
    value_fmt: Formatter | None = None,
    geometry: Geometry = WIDE,
) -> Markup:
    """A line per series over the x `labels`, y from 0 with round ticks formatted by `fmt` (each point's title by
    `value_fmt`, when given, else as POINT_TEXT says for `fmt`); None values leave gaps; each marker a dashed vertical
    line, drawn under the lines."""
    value_text = value_fmt or POINT_TEXT.get(fmt, fmt)
    ticks = nice_ticks(_top_of(series, top))
    parts, y_of, left, plot_w = _frame(title, unit, ticks, fmt, series, geometry)
    step = plot_w / max(len(labels) - 1, 1)

    def x_of(index: float) -> float:
        return left + index * step if len(labels) > 1 else left + plot_w / 2

    for marker in markers:
        x = x_of(marker.position)
        parts.append(
            f'<g class="marker" data-marker="{_text(marker.name)}"><title>{_text(marker.name)}</title>'
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN_TOP}" y2="{y_of(0):.1f}" stroke="#16a34a" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<text x="{x + 3:.1f}" y="{MARGIN_TOP + 10}" fill="#16a34a">fix</text></g>'
        )

    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        # Each series drawn over the one before it a size smaller: where two lines hold the same values
        # (complaints and negative feedback often do), the earlier one still shows around the later.
        wider = 1.5 * (len(series) - 1 - index)
        runs: list[list[str]] = [[]]
        points = []
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x_of(i):.1f},{y_of(value):.1f}")
            points.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="{2.5 + wider:g}" fill="{colour}">'
                f"<title>{_text(one.name)} · {_text(labels[i])}: {_text(value_text(value))}</title></circle>"
            )
        parts.append(f'<g class="series series-{index}" data-series="{_text(one.name)}">')
        parts.extend(
            f'<polyline fill="none" stroke="{colour}" stroke-width="{2 + wider:g}" points="{" ".join(run)}"/>'
            for run in runs
            if len(run) > 1
        )
        parts.extend(points)
        parts.append("</g>")
    parts.extend(_x_labels(labels, x_of, geometry))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    unit: str = "",
    fmt: Formatter = plain_number,
    value_fmt: Formatter | None = None,
    geometry: Geometry = WIDE,
) -> Markup:
    """Grouped bars: one group per x label, one bar per series, y from 0 with round ticks (each bar's title by
    `value_fmt`, when given, else as POINT_TEXT says for `fmt`: 1234 is "1 234" on hover, "1.2k" on a tick)."""
    value_text = value_fmt or POINT_TEXT.get(fmt, fmt)
    ticks = nice_ticks(_top_of(series, None))
    parts, y_of, left, plot_w = _frame(title, unit, ticks, fmt, series, geometry)
    slot = plot_w / max(len(labels), 1)
    bar_w = max(1.0, slot * 0.8 / max(len(series), 1))
    bottom = y_of(0)

    def x_of(index: int) -> float:
        return left + slot * (index + 0.5)

    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<g class="series series-{index}" data-series="{_text(one.name)}">')
        for i, value in enumerate(one.values):
            if value is None:
                continue
            x = left + slot * i + slot * 0.1 + bar_w * index
            y = y_of(value)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bottom - y:.1f}" fill="{colour}">'
                f"<title>{_text(one.name)} · {_text(labels[i])}: {_text(value_text(value))}</title></rect>"
            )
        parts.append("</g>")
    parts.extend(_x_labels(labels, x_of, geometry))
    parts.append("</svg>")
    return Markup("".join(parts))


def for_any_box(draw: Callable[[Geometry], Markup]) -> Markup:
    """The chart drawn for a wide box and for a narrow one, side by side; the stylesheet shows the one that fits."""
    return Markup(draw(WIDE) + draw(NARROW))


def sparkline(values: Sequence[float | None], *, label: str, width: int = 100, height: int = 24) -> Markup:
    """A small line without axes (the last point marked), for a table cell; `label` is its accessible name."""
    known = [v for v in values if v is not None]
    parts = [
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_text(label)}"><title>{_text(label)}</title>'
    ]
    if known:
        low, high = min(known), max(known)
        span = (high - low) or 1.0
        step = (width - 4) / max(len(values) - 1, 1)
        coords = [
            (2 + i * step, height - 2 - (v - low) / span * (height - 4)) for i, v in enumerate(values) if v is not None
        ]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="1.5" points="{points}"/>')
        x, y = coords[-1]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{PALETTE[0]}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def scatter_map(points: Sequence[tuple[float, float, bool]], *, label: str, highlight: str, rest: str) -> Markup:
    """Points with x and y in [0, 1], highlighted ones drawn last in red, the rest in grey; a legend names both."""
    size = 360
    pad = 10
    parts = [
        f'<svg class="chart scatter" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + 20}" '
        f'role="img" aria-label="{_text(label)}"><title>{_text(label)}</title>',
        f'<rect x="0" y="20" width="{size}" height="{size}" fill="#ffffff" stroke="#d9dee5"/>',
        f'<g class="legend"><circle cx="8" cy="10" r="4" fill="{PALETTE[1]}"/><text x="16" y="14">{_text(highlight)}</text>'
        f'<circle cx="{size / 2:.0f}" cy="10" r="4" fill="{OTHER_POINTS}"/><text x="{size / 2 + 8:.0f}" y="14">{_text(rest)}</text></g>',
    ]
    inner = size - 2 * pad
    for marked in (False, True):
        colour, radius, css = (PALETTE[1], 3.2, "member") if marked else (OTHER_POINTS, 2.0, "other")
        parts.append(f'<g class="{css}">')
        parts.extend(
            f'<circle cx="{pad + x * inner:.1f}" cy="{20 + pad + (1 - y) * inner:.1f}" r="{radius}" fill="{colour}"/>'
            for x, y, member in points
            if member is marked
        )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))
