"""The outcomes page's two charts as server-rendered SVG: no script, readable by a screen reader.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>`` (the desc says
what the chart shows in words, with the numbers), drawn in a ``viewBox`` so it scales to the page's
width on a phone. Versions differ by colour and by shape too (bar hatching, line dashes and marker
shapes), so the charts read in grey and for colour-blind readers.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 56
COLOURS = ("#1f5f99", "#b3541e", "#2e7d32", "#6a3d9a")
DASHES = ("", "6 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "diamond", "triangle")
MIN_COURSES = 3
"""A week's median is drawn when at least this many courses had a PHQ-9 that week (one or two
patients' scores make a line jump about; the API and the description still give every week)."""


def _label(v: dict[str, Any]) -> str:
    return f"{v['protocol']} v{v['version']}"


def _plot_w() -> float:
    return WIDTH - LEFT - RIGHT


def _plot_h() -> float:
    return HEIGHT - TOP - BOTTOM


def _frame(chart_id: str, title: str, desc: str, body: list[str], x_label: str, y_label: str) -> Markup:
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + _plot_h()}" x2="{WIDTH - RIGHT}" y2="{TOP + _plot_h()}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + _plot_h()}" stroke="#333"/>',
        *body,
        f'<text x="{LEFT + _plot_w() / 2}" y="{HEIGHT - 22}" text-anchor="middle" font-size="13" fill="#222">{escape(x_label)}</text>',
        f'<text x="14" y="{TOP + _plot_h() / 2}" text-anchor="middle" font-size="13" fill="#222" '
        f'transform="rotate(-90 14 {TOP + _plot_h() / 2})">{escape(y_label)}</text>',
        "</svg>",
    ]
    return Markup("".join(parts))


def _legend(versions: list[dict[str, Any]], line: bool) -> list[str]:
    parts = []
    for i, v in enumerate(versions):
        x = LEFT + 8 + i * 150
        y = HEIGHT - 8
        colour = COLOURS[i % len(COLOURS)]
        if line:
            parts.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 22}" y2="{y - 4}" stroke="{colour}" stroke-width="3" '
                         f'stroke-dasharray="{DASHES[i % len(DASHES)]}"/>')
        else:
            parts.append(f'<rect x="{x}" y="{y - 11}" width="22" height="11" fill="{colour}" '
                         f'fill-opacity="{1 - 0.35 * (i % 2)}" stroke="#222"/>')
        parts.append(f'<text x="{x + 28}" y="{y}" font-size="12" fill="#222">{escape(_label(v))}</text>')
    return parts


def _y_ticks(top: float, step: float, suffix: str = "") -> list[str]:
    parts = []
    value = 0.0
    while value <= top + 1e-9:
        y = TOP + _plot_h() * (1 - value / top)
        parts.append(f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#222">{value:g}{suffix}</text>')
        value += step
    return parts


def retention_chart(versions: list[dict[str, Any]]) -> Markup:
    """Of the courses that started induction, the share that completed at least k infusions, by version."""
    target = max((len(v["infusions_completed"]) - 1 for v in versions), default=6)
    groups = max(target, 1)
    body = _y_ticks(100, 25, "%")
    slot = _plot_w() / groups
    bar = slot * 0.8 / max(len(versions), 1)
    words = []
    for i, v in enumerate(versions):
        started = v["induction_started"]["n"]
        shares = []
        for row in v["infusions_completed"][1:]:
            k, pct = row["infusions"], (100 * row["at_least"] / started if started else 0.0)
            x = LEFT + (k - 1) * slot + slot * 0.1 + i * bar
            h = _plot_h() * pct / 100
            body.append(f'<rect x="{x:.1f}" y="{TOP + _plot_h() - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[i % len(COLOURS)]}" fill-opacity="{1 - 0.35 * (i % 2)}" stroke="#222" stroke-width="0.5">'
                        f'<title>{escape(_label(v))}: {row["at_least"]} of {started} ({pct:.0f} %) completed at least {k}</title></rect>')
            shares.append(f"{k}: {pct:.0f} %")
        words.append(f"{_label(v)} ({started} started): " + ", ".join(shares))
    for k in range(1, groups + 1):
        body.append(f'<text x="{LEFT + (k - 0.5) * slot:.1f}" y="{TOP + _plot_h() + 16}" text-anchor="middle" font-size="12" fill="#222">{k}</text>')
    body += _legend(versions, line=False)
    desc = "Share of courses that started induction and completed at least each number of infusions. " + "; ".join(words)
    return _frame("retention", "Retention: courses by infusions completed", desc, body,
                  "Induction infusions completed (at least)", "Courses (% of started)")


def phq9_chart(versions: list[dict[str, Any]], weeks: int = 12) -> Markup:
    """The median PHQ-9 by week from baseline (week 0), one line per version; remission (under 5) shaded."""
    body = _y_ticks(27, 5)
    step = _plot_w() / weeks

    def y(value: float) -> float:
        return TOP + _plot_h() * (1 - value / 27)

    body.append(f'<rect x="{LEFT}" y="{y(5):.1f}" width="{_plot_w()}" height="{y(0) - y(5):.1f}" fill="#e8f3e8"/>')
    body.append(f'<text x="{WIDTH - RIGHT - 4}" y="{y(5) + 14:.1f}" text-anchor="end" font-size="11" fill="#1b4d1b">remission (under 5)</text>')
    for w in range(0, weeks + 1, 2):
        body.append(f'<text x="{LEFT + w * step:.1f}" y="{TOP + _plot_h() + 16}" text-anchor="middle" font-size="12" fill="#222">{w}</text>')
    words = []
    for i, v in enumerate(versions):
        weeks_of = [p for p in v["median_phq9_by_week"] if p["median"] is not None]
        points = [(p["week"], p["median"]) for p in weeks_of if p["courses"] >= MIN_COURSES]
        colour = COLOURS[i % len(COLOURS)]
        if len(points) > 1:
            path = " ".join(f"{LEFT + w * step:.1f},{y(m):.1f}" for w, m in points)
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5" '
                        f'stroke-dasharray="{DASHES[i % len(DASHES)]}"/>')
        for w, m in points:
            body.append(_marker(MARKERS[i % len(MARKERS)], LEFT + w * step, y(m), colour, f"{_label(v)}, week {w}: median {m:g}"))
        words.append(f"{_label(v)}: " + (", ".join(f"week {p['week']} {p['median']:g} ({p['courses']} courses)" for p in weeks_of) or "no PHQ-9 yet"))
    body += _legend(versions, line=True)
    desc = (f"Median PHQ-9 by week since the first infusion (week 0 is the baseline), drawn for weeks with at least "
            f"{MIN_COURSES} courses. " + "; ".join(words))
    return _frame("phq9", "Median PHQ-9 by week", desc, body, "Weeks since the first infusion", "PHQ-9 (0 to 27)")


def _marker(shape: str, x: float, y: float, colour: str, label: str) -> str:
    tip = f"<title>{escape(label)}</title>"
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{tip}</rect>'
    if shape == "diamond":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}" fill="{colour}">{tip}</polygon>'
    if shape == "triangle":
        return f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" fill="{colour}">{tip}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'
