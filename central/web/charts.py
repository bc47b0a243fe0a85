"""Charts drawn by the server as SVG (no chart library, nothing to download, prints well)."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from central.analytics import SATISFIED_TARGET_PCT, good_total
from central.web.render import N_, Formats

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def _colour(pct: float) -> str:
    """Red (<= 70 %) through amber to green (>= target)."""
    t = max(0.0, min(1.0, (pct - 70.0) / (SATISFIED_TARGET_PCT - 70.0)))
    r, g = (int(198 + (46 - 198) * t), int(40 + (125 - 40) * t))
    return f"#{r:02x}{g:02x}{int(40 + 10 * t):02x}"


def heatmap(cells: dict[tuple[int, int], dict[str, int]], f: Formats) -> Markup:
    """Hour x weekday: colour = % satisfied, number = ratings given there."""
    hours = sorted({h for _, h in cells}) or list(range(7, 18))
    hours = list(range(min(hours), max(hours) + 1))
    cw, ch, left, top = 46, 30, 56, 24
    width, height = max(left + cw * len(hours) + 8, 480), top + ch * 7 + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(f._("Satisfaction by hour and weekday"))}">']
    for i, h in enumerate(hours):
        out.append(f'<text x="{left + i * cw + cw / 2}" y="{top - 8}" text-anchor="middle" font-size="11">{h:02d}h</text>')
    for d in range(1, 8):
        y = top + (d - 1) * ch
        out.append(f'<text x="{left - 8}" y="{y + ch / 2 + 4}" text-anchor="end" font-size="12">'
                   f'{escape(f._(WEEKDAYS[d - 1]))}</text>')
        for i, h in enumerate(hours):
            cell = cells.get((d, h))
            x = left + i * cw
            if not cell:
                out.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" fill="#eceff1"/>')
                continue
            good, total = good_total(cell)
            pct = 100 * good / total
            title = f"{f._(WEEKDAYS[d - 1])} {h:02d}:00 — {f.pct(pct)} ({total})"
            out.append(f'<g><title>{escape(title)}</title><rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                       f'fill="{_colour(pct)}"/><text x="{x + cw / 2 - 1}" y="{y + ch / 2 + 4}" text-anchor="middle" '
                       f'font-size="11" fill="#fff">{escape(f.num(total))}</text></g>')
    ly = top + 7 * ch + 18
    for j, (label, pct) in enumerate((("≤ 70 %", 70.0), ("85 %", 85.0), (f"≥ {f.num(SATISFIED_TARGET_PCT)} %", 95.0))):
        out.append(f'<rect x="{left + j * 110}" y="{ly - 10}" width="14" height="12" fill="{_colour(pct)}"/>'
                   f'<text x="{left + j * 110 + 20}" y="{ly}" font-size="11">{escape(label)}</text>')
    out.append(f'<text x="{left + 340}" y="{ly}" font-size="11">{escape(f._("number = ratings"))}</text></svg>')
    return Markup("".join(out))


def trend(weeks: list[dict[str, Any]], f: Formats) -> Markup:
    """Weekly % satisfied (line, left axis 50-100 %) and served tickets (bars, right axis)."""
    width, height, left, right, top, bottom = 860, 240, 48, 56, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'role="img" aria-label="{escape(f._("Weekly trend"))}">']  # scales to its column
    if not weeks:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">{escape(f._("No data"))}</text></svg>')
        return Markup("".join(out))
    n = len(weeks)
    step = plot_w / n
    most = max(w["served"] for w in weeks) or 1
    y_pct = lambda p: top + plot_h * (1 - (max(50.0, p) - 50) / 50)  # noqa: E731
    for p in (50, 75, 100):
        y = y_pct(p)
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" stroke="#dde2e6"/>'
                   f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" font-size="11">{p} %</text>')
    yt = y_pct(SATISFIED_TARGET_PCT)
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{yt}" y2="{yt}" stroke="#2e7d32" stroke-dasharray="6 4"/>'
               f'<text x="{left + plot_w + 4}" y="{yt + 4}" font-size="11" fill="#2e7d32">'
               f'{escape(f._("target"))}</text>')
    points = []
    for i, w in enumerate(weeks):
        x = left + i * step
        bh = plot_h * w["served"] / most * 0.9
        title = (f"{f.date(w['week'])}: {f.pct(w['satisfaction_pct'])} — {f.num(w['served'])} "
                 f"{f._('served')}, {f.num(w['total'])} {f._('ratings')}")
        out.append(f'<g><title>{escape(title)}</title><rect x="{x + step * 0.15}" y="{top + plot_h - bh}" '
                   f'width="{step * 0.7}" height="{bh}" fill="#cfd8dc"/></g>')
        if w["satisfaction_pct"] is not None:
            points.append(f"{x + step / 2:.1f},{y_pct(w['satisfaction_pct']):.1f}")
        if n <= 12 or i % max(1, n // 12) == 0:
            out.append(f'<text x="{x + step / 2}" y="{height - bottom + 16}" text-anchor="middle" font-size="10">'
                       f'{escape(f.date(w["week"])[:5])}</text>')
    if points:
        out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#c62828" stroke-width="2.5"/>')
        for pt in points:
            cx, cy = pt.split(",")
            out.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="#c62828"/>')
    out.append(f'<text x="{width - 4}" y="{top + 10}" text-anchor="end" font-size="11" fill="#607d8b">'
               f'{escape(f._("bars: served"))} (max {escape(f.num(most))})</text></svg>')
    return Markup("".join(out))


def bars(items: list[tuple[str, int]], f: Formats, colour: str = "#c62828") -> Markup:
    """Horizontal bars with their counts (reasons, rejected presses)."""
    if not items:
        return Markup(f'<p class="muted">{escape(f._("Nothing in this period"))}</p>')
    width, row, label_w = 560, 24, 220
    most = max(n for _, n in items) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {row * len(items) + 4}" width="{width}" '
           f'height="{row * len(items) + 4}" role="img">']
    for i, (label, n) in enumerate(items):
        y = i * row
        w = (width - label_w - 60) * n / most
        out.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12">{escape(label[:34])}</text>'
                   f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>'
                   f'<text x="{label_w + w + 6}" y="{y + 16}" font-size="12">{escape(f.num(n))}</text>')
    out.append("</svg>")
    return Markup("".join(out))
