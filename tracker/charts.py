"""Inline SVG charts for the HTML report: no script, no network, readable when printed.

Every mark carries its figures in data- attributes (entity, period, value), so a reader's
browser tools, and our tests, can check a chart against the numbers it draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
OTHERS = "#c7c7c7"


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    values: Sequence[float]  # one per period
    color: str


def _axis_max(value: float) -> float:
    """The axis maximum: four whole, round steps at or above ``value`` (a maximum of 5
    gave ticks at 1.25 mentions): 4, 8, 12, 16, 20, 24, 32, 40, 48, 60, 80, 100..."""
    power = 1
    while True:
        for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8):
            if float(step * power).is_integer() and value <= 4 * step * power:
                return float(4 * step * power)
        power *= 10


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _legend(series: Sequence[Series]) -> str:
    items = "".join(
        # A drawn swatch, not a style attribute: pages served under a strict CSP
        # (no inline style) show it too.
        f'<li><svg class="swatch" width="12" height="12" aria-hidden="true"><rect '
        f'width="12" height="12" rx="2" fill="{_attr(s.color)}"/></svg>{escape(s.label)}</li>'
        for s in series)
    return f'<ul class="legend">{items}</ul>'


# Past this many periods a chart is dense: no dot for a zero and no tooltip per point (a
# ten-year report stays under 300 KB); each series still has its line and its name.
DENSE = 60


def tick_labels(periods: Sequence[str]) -> list[str]:
    """Period starts as axis labels: the year only when the window spans years ('06-03'
    within 2024, '2023-06-03' across years), and months without their '-01'."""
    if len(periods) < 2:
        return list(periods)
    monthly = all(p.endswith("-01") for p in periods)
    years = periods[0][:4] != periods[-1][:4]
    return [(p[:7] if years else p[5:7]) if monthly else (p if years else p[5:])
            for p in periods]


def line_chart(periods: Sequence[str], series: Sequence[Series], *, title: str,
               width: int = 900, height: int = 300, percent: bool = False) -> str:
    """One line per series over the periods, with a dot and a tooltip at each period.
    ``percent``: the values are shares (0 to 1), shown as whole percents (a share of
    voice drew on an axis of 0 to 4, flat at the bottom)."""
    left, right, top, bottom = 48, 16, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0)
    ymax = min(_axis_max(peak * 100), 100) / 100 if percent else _axis_max(peak)

    def shown(v: float) -> str:
        return f"{v * 100:.3g}%" if percent else f"{v:g}"

    step = plot_w / max(len(periods) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(periods) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - v / ymax * plot_h

    parts = [f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{_attr(title)}" data-ymax="{ymax:g}">']
    for i in range(5):
        v = (ymax * 100 * i // 4) / 100 if percent else ymax * i // 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
                     f'y2="{y(v):.1f}"/><text class="tick" x="{left - 6}" y="{y(v) + 4:.1f}" '
                     f'text-anchor="end">{shown(v)}</text>')
    every = max(1, len(periods) // 12)
    for i, label in enumerate(tick_labels(periods)):
        if i % every == 0:
            parts.append(f'<text class="tick" x="{x(i):.1f}" y="{height - bottom + 18}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    for s in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(s.values))
        parts.append(f'<g class="series" data-entity="{_attr(s.key)}">'
                     f'<polyline points="{points}" fill="none" stroke="{s.color}" '
                     f'stroke-width="2"><title>{escape(s.label)}</title></polyline>')
        dense = len(periods) > DENSE
        for i, v in enumerate(s.values):
            if dense and not v:
                continue  # the line shows the zeros
            tip = "" if dense else (f"<title>{escape(s.label)}, {escape(periods[i])}: "
                                    f"{shown(v)}</title>")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{2 if dense else 3}" '
                         f'fill="{s.color}" data-period="{_attr(periods[i])}" '
                         f'data-value="{v:g}">{tip}</circle>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts) + _legend(series)


def stacked_bars(periods: Sequence[str], series: Sequence[Series], *, title: str,
                 width: int = 900, height: int = 260) -> str:
    """Each period a 100% bar split by share (values are shares, 0 to 1)."""
    left, right, top, bottom = 48, 16, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(periods), 1)
    bar_w = max(slot * 0.8, 1)
    parts = [f'<svg class="chart stacked-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{_attr(title)}" data-plot-height="{plot_h}">']
    for pct in (0, 25, 50, 75, 100):
        yy = top + plot_h - pct / 100 * plot_h
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{yy:.1f}" '
                     f'y2="{yy:.1f}"/><text class="tick" x="{left - 6}" y="{yy + 4:.1f}" '
                     f'text-anchor="end">{pct}%</text>')
    every = max(1, len(periods) // 12)
    labels = tick_labels(periods)
    for i, period in enumerate(periods):
        x = left + i * slot + (slot - bar_w) / 2
        base = top + plot_h
        parts.append(f'<g class="bar" data-period="{_attr(period)}">')
        for s in series:
            share = s.values[i]
            if share <= 0:
                continue
            h = share * plot_h
            base -= h
            tip = "" if len(periods) > DENSE else (
                f"<title>{escape(s.label)}, {escape(period)}: {share:.1%}</title>")
            parts.append(f'<rect x="{x:.1f}" y="{base:.2f}" width="{bar_w:.1f}" '
                         f'height="{h:.2f}" fill="{s.color}" data-entity="{_attr(s.key)}" '
                         f'data-share="{share:g}">{tip}</rect>')
        parts.append("</g>")
        if i % every == 0:
            parts.append(f'<text class="tick" x="{x + bar_w / 2:.1f}" y="{height - bottom + 18}"'
                         f' text-anchor="middle">{escape(labels[i])}</text>')
    parts.append("</svg>")
    return "".join(parts) + _legend(series)


def bar_list(rows: Sequence[tuple[str, str, int]], *, title: str, color: str = PALETTE[0],
             width: int = 440, empty: str = "No mentions.") -> str:
    """Horizontal bars, one per (key, label, value) row, longest first, value at the end."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    row_h, label_w, value_w = 24, 170, 48
    height = row_h * len(rows) + 8
    vmax = max(v for _, _, v in rows) or 1
    plot_w = width - label_w - value_w
    parts = [f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{_attr(title)}" data-plot-width="{plot_w}">']
    for i, (key, label, value) in enumerate(rows):
        y = 4 + i * row_h
        w = value / vmax * plot_w
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<g class="row" data-entity="{_attr(key)}" data-value="{value}">'
                     f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                     f"{escape(short)}<title>{escape(label)}</title></text>"
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                     f'fill="{color}"/><text class="value" x="{label_w + w + 6:.1f}" '
                     f'y="{y + 16}">{value}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
