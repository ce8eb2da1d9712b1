"""Server-side SVG charts: no JavaScript, no CDN, no inline styles (the CSP forbids them).

Colours are SVG presentation attributes (allowed by the CSP) plus classes that
static/css/evaluation.css refines for print. Every chart has a title and a description for
screen readers; the pages show the same numbers in a table next to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Okabe-Ito palette: distinguishable with the common colour vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
TEXT = "#171a1f"
GRID = "#c7ccd4"
FONT = 13
ROW = 22
LABEL_WIDTH = 190
PLOT_WIDTH = 420


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ev-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="Fira Sans, sans-serif" '
        f'font-size="{FONT}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    css: str = "ev-label",
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{TEXT}" '
        f'font-weight="{weight}" class="{css}">{escape(content)}</text>'
    )


def _legend(series: Sequence[Series], y: float, width: float) -> tuple[list[str], int]:
    """Legend entries in rows that fit ``width``; returns the parts and the height used."""
    parts, x, row = [], 0.0, 0
    for i, item in enumerate(series):
        size = 24 + 7.2 * len(item.name)
        if x and x + size > width:
            x, row = 0.0, row + 1
        top = y + row * 20
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x:.1f}" y="{top - 10:.1f}" width="12" height="12" '
            f'fill="{colour}" class="ev-series-{i}"/>'
        )
        parts.append(_text(x + 16, top, item.name))
        x += size
    return parts, (row + 1) * 20 + 6 if len(series) > 1 else 0


def _wrap(label: str, limit: int) -> list[str]:
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines or [""]


def _label(x: float, y: float, label: str) -> str:
    """A right-aligned category label, wrapped onto up to three lines around ``y``."""
    lines = _wrap(label, int(LABEL_WIDTH / 7.2))[:3]
    first = y - (len(lines) - 1) * 8
    spans = "".join(
        f'<tspan x="{x:.1f}" y="{first + k * 16:.1f}">{escape(line)}</tspan>'
        for k, line in enumerate(lines)
    )
    return f'<text text-anchor="end" fill="{TEXT}" class="ev-label">{spans}</text>'


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    ident: str,
    maximum: float | None = None,
    percent: bool = True,
) -> SafeString:
    """Horizontal bars, grouped by category; one bar per series. ``None`` draws no bar."""
    values = [v for s in series for v in s.values if v is not None]
    top = maximum or max(values + [1e-9])
    width = LABEL_WIDTH + PLOT_WIDTH + 70
    body, legend = _legend(series, 14, width) if len(series) > 1 else ([], 0)
    group = max(ROW * len(series) + 10, 52)
    height = legend + group * len(categories) + 24
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = LABEL_WIDTH + PLOT_WIDTH * tick
        body.append(
            f'<line x1="{x:.1f}" y1="{legend}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(
            _text(x, height - 6, _format(top * tick, percent), anchor="middle", css="ev-axis")
        )
    for c, category in enumerate(categories):
        y0 = legend + c * group
        body.append(_label(LABEL_WIDTH - 8, y0 + group / 2 + 4, category))
        for s, item in enumerate(series):
            value = item.values[c]
            y = y0 + 4 + s * ROW
            if value is None:  # nobody concerned: no bar, a dash as in the table
                body.append(_text(LABEL_WIDTH + 4, y + ROW - 10, "–", css="ev-value"))
                continue
            w = max(0.0, min(1.0, value / top)) * PLOT_WIDTH
            colour = PALETTE[s % len(PALETTE)]
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y:.1f}" width="{w:.1f}" '
                f'height="{ROW - 6}" fill="{colour}" class="ev-series-{s}"/>'
            )
            body.append(
                _text(LABEL_WIDTH + w + 4, y + ROW - 10, _format(value, percent), css="ev-value")
            )
    return mark_safe(_svg(width, height, title, desc, body, ident))  # noqa: S308 - escaped above


def histogram(
    values: Sequence[float],
    *,
    bins: int = 10,
    title: str,
    desc: str,
    ident: str,
    x_label: str,
    y_label: str,
) -> SafeString:
    """Vertical bars counting ``values`` per equal-width bin."""
    width, height, left, bottom = LABEL_WIDTH + PLOT_WIDTH, 240, 50, 40
    plot_w, plot_h = width - left - 10, height - bottom - 20
    if not values:
        body = [_text(width / 2, height / 2, "–", anchor="middle")]
        return mark_safe(_svg(width, height, title, desc, body, ident))  # noqa: S308
    rows = histogram_bins(values, bins)
    low, step = rows[0][0], rows[0][1] - rows[0][0]
    counts = [count for _low, _high, count in rows]
    top = max(counts)
    body = [
        f'<line x1="{left}" y1="{20 + plot_h}" x2="{left + plot_w}" y2="{20 + plot_h}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    ]
    bar_w = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / top
        x = left + i * bar_w
        body.append(
            f'<rect x="{x + 1:.1f}" y="{20 + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}" class="ev-series-0"/>'
        )
        if count:
            body.append(
                _text(
                    x + bar_w / 2, 20 + plot_h - h - 4, str(count), anchor="middle", css="ev-value"
                )
            )
        body.append(
            _text(
                x + bar_w / 2,
                20 + plot_h + 16,
                f"{low + i * step:.0f}",
                anchor="middle",
                css="ev-axis",
            )
        )
    body.append(_text(left + plot_w / 2, height - 4, x_label, anchor="middle", css="ev-axis"))
    body.append(_text(4, 14, y_label, css="ev-axis"))
    return mark_safe(_svg(width, height, title, desc, body, ident))  # noqa: S308


def histogram_bins(values: Sequence[float], bins: int = 10) -> list[tuple[float, float, int]]:
    """(from, to, count) per equal-width bin; the histogram and its table use the same bins."""
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - low) / step))] += 1
    return [(low + i * step, low + (i + 1) * step, counts[i]) for i in range(bins)]


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    ident: str,
    low: float = 1.0,
    high: float = 5.0,
) -> SafeString:
    """Lines with points over ``x_labels`` (survey waves); gaps where a value is None."""
    width, left, plot_h = LABEL_WIDTH + PLOT_WIDTH, 40, 180
    body, legend = _legend(series, 14, width) if series else ([], 0)
    legend = max(legend, 20)
    height = legend + plot_h + 50
    plot_w = width - left - 30
    top = legend + 10
    step = plot_w / max(1, len(x_labels) - 1)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - low) / (high - low))

    for tick in range(int(low), int(high) + 1):
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        body.append(_text(left - 8, y + 4, str(tick), anchor="end", css="ev-axis"))
    for k, label in enumerate(x_labels):
        x = left + k * step if len(x_labels) > 1 else left + plot_w / 2
        # The outer labels hang inwards so that they are not cut off at the edges.
        anchor = "start" if k == 0 and len(x_labels) > 1 else "middle"
        anchor = "end" if k == len(x_labels) - 1 and len(x_labels) > 1 else anchor
        body.append(_text(x, top + plot_h + 20, label, anchor=anchor, css="ev-axis"))
    for i, item in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = [
            (left + k * step if len(x_labels) > 1 else left + plot_w / 2, y_of(v))
            for k, v in enumerate(item.values)
            if v is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="3" class="ev-line-{i}"/>'
            )
        for x, y in points:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" class="ev-series-{i}"/>'
            )
    return mark_safe(_svg(width, height, title, desc, body, ident))  # noqa: S308


def _format(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.0f} %"
    return f"{value:,.0f}".replace(",", " ") if abs(value) >= 100 else f"{value:.1f}"
