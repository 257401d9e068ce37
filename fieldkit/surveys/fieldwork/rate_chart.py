"""The response rate over time as an SVG line chart, with invitation and reminder dates marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Marker:
    day: date
    label: str


def cumulative_rate(
    completes: list[tuple[date, int]], denominator: int, until: date, start: date | None = None
) -> list[tuple[date, float]]:
    """RR1 (completes over all cases) at the end of each day, from ``start`` (e.g. the first
    invitation) or else the first complete."""
    if not completes or not denominator:
        return []
    points, total = [], 0
    by_day = dict(completes)
    day = min(completes[0][0], start) if start else completes[0][0]
    while day <= until:
        total += by_day.get(day, 0)
        points.append((day, total / denominator))
        day += timedelta(days=1)
    return points


def svg(
    points: list[tuple[date, float]],
    markers: list[Marker],
    *,
    title: str,
    width: int = 720,
    height: int = 260,
) -> str:
    """An accessible SVG chart (title, description, and a text alternative per point)."""
    left, right, top, bottom = 48, 16, 16, 40
    days = [p[0] for p in points] + [m.day for m in markers]
    if not days:
        return ""
    start, end = min(days), max(days)
    span = max((end - start).days, 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + plot_w * (day - start).days / span

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title chart-desc" class="rate-chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(_description(points, markers))}</desc>',
    ]
    for pct in (0, 25, 50, 75, 100):
        yy = y(pct / 100)
        parts.append(
            f'<line x1="{left}" y1="{yy:.1f}" x2="{width - right}" y2="{yy:.1f}" class="grid"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end" class="axis">{pct} %</text>'
        )
    for marker in markers:
        xx = x(marker.day)
        parts.append(
            f'<line x1="{xx:.1f}" y1="{top}" x2="{xx:.1f}" y2="{top + plot_h}" class="marker"/>'
        )
        parts.append(
            f'<text x="{xx + 3:.1f}" y="{top + 12}" class="marker-label">'
            f"{escape(marker.label)}</text>"
        )
    if points:
        path = " ".join(f"{x(d):.1f},{y(r):.1f}" for d, r in points)
        parts.append(f'<polyline points="{path}" class="line"/>')
        last_day, last_rate = points[-1]
        parts.append(
            f'<circle cx="{x(last_day):.1f}" cy="{y(last_rate):.1f}" r="4" class="point"/>'
        )
        label = f"{last_rate * 100:.1f} %".replace(".", ",")
        parts.append(
            f'<text x="{x(last_day) - 6:.1f}" y="{y(last_rate) - 8:.1f}" text-anchor="end" '
            f'class="axis">{label}</text>'
        )
    parts.append(f'<text x="{left}" y="{height - 12}" class="axis">{start:%d.%m.%Y}</text>')
    parts.append(
        f'<text x="{width - right}" y="{height - 12}" text-anchor="end" '
        f'class="axis">{end:%d.%m.%Y}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _description(points: list[tuple[date, float]], markers: list[Marker]) -> str:
    pieces = [f"{d:%d.%m.%Y}: {r * 100:.1f} %" for d, r in points[-10:]]
    pieces += [f"{m.label} {m.day:%d.%m.%Y}" for m in markers]
    return "; ".join(pieces)
