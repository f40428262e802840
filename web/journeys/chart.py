"""The PHQ-9 trend as inline SVG, drawn on the server: no script, prints well, readable by a screen
reader through its title, description and the table the page puts beside it.

Severity bands follow Kroenke 2001 (minimal, mild, moderate, moderately severe, severe); the dashed
lines mark the baseline and the response threshold (half the baseline) the response check uses.
"""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

from web.journeys.timeline import Point

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 30
MAX_SCORE = 27
BANDS = ((0, 5, "minimal", "#eef7f1"), (5, 10, "mild", "#f4f8ec"), (10, 15, "moderate", "#fdf8e8"),
         (15, 20, "moderately severe", "#fdf1e6"), (20, 28, "severe", "#fcebea"))


def _y(score: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(score, MAX_SCORE) / MAX_SCORE)


def _x(at: datetime, first: datetime, last: datetime) -> float:
    span = (last - first).total_seconds()
    inner = WIDTH - LEFT - RIGHT
    if span <= 0:
        return LEFT + inner / 2
    return LEFT + inner * (at - first).total_seconds() / span


def phq9_chart(points: list[Point], baseline: int | None) -> Markup:
    """The chart for these points; an empty Markup when there is nothing to draw."""
    if not points:
        return Markup("")
    first, last = points[0].at, points[-1].at
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="phq9-title phq9-desc" '
        'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        '<title id="phq9-title">PHQ-9 over time</title>',
        f'<desc id="phq9-desc">{escape(_description(points))}</desc>',
    ]
    for low, high, label, colour in BANDS:
        top, bottom = _y(min(high, MAX_SCORE)), _y(low)
        parts.append(f'<rect x="{LEFT}" y="{top:.1f}" width="{WIDTH - LEFT - RIGHT}" height="{bottom - top:.1f}" fill="{colour}"/>')
        parts.append(f'<text class="band" x="{WIDTH - RIGHT - 4}" y="{top + 11:.1f}" text-anchor="end">{label}</text>')
    for score in (0, 5, 10, 15, 20, 27):
        y = _y(score)
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{score}</text>')
    parts.append(f'<line class="axis-line" x1="{LEFT}" y1="{_y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{_y(0):.1f}"/>')
    if baseline is not None:
        guides: tuple[tuple[float, str], ...] = ((baseline, f"baseline {baseline}"), (baseline / 2, "response (50%)"))
        for level, label in guides:
            y = _y(level)
            parts.append(f'<line class="guide" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
            parts.append(f'<text class="guide-label" x="{LEFT + 4}" y="{y - 4:.1f}">{escape(label)}</text>')
    coords = [(_x(p.at, first, last), _y(p.total), p) for p in points]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _) in enumerate(coords))
    parts.append(f'<path class="trend" d="{path}"/>')
    for x, y, p in coords:
        alert = p.item9 is not None and p.item9 > 0
        tip = f"{p.at:%Y-%m-%d}: PHQ-9 {p.total} ({p.context.replace('_', ' ')})" + (
            f", item 9 = {p.item9}" if alert else ""
        )
        parts.append(
            f'<circle class="point{" alert" if alert else ""}" cx="{x:.1f}" cy="{y:.1f}" r="{6 if alert else 4.5}">'
            f"<title>{escape(tip)}</title></circle>"
        )
    ticks = _ticks(first, last)
    for index, at in enumerate(ticks):
        anchor = "start" if index == 0 and len(ticks) > 1 else "end" if index == len(ticks) - 1 and len(ticks) > 1 else "middle"
        parts.append(
            f'<text class="axis" x="{_x(at, first, last):.1f}" y="{HEIGHT - 10}" text-anchor="{anchor}">{at:%d %b}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _ticks(first: datetime, last: datetime, most: int = 6) -> list[datetime]:
    if first == last:
        return [first]
    step = (last - first) / (most - 1)
    return [first + step * i for i in range(most)]


def _description(points: list[Point]) -> str:
    latest = points[-1]
    return (
        f"{len(points)} PHQ-9 scores from {points[0].at:%Y-%m-%d} to {latest.at:%Y-%m-%d}; "
        f"first {points[0].total}, latest {latest.total}."
    )
