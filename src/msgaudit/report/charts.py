"""The report's charts as static SVG strings, identical in HTML and PDF (no script, no fonts to fetch).

Each function takes already-translated labels and plain numbers, so the charts
know nothing of findings or languages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from msgaudit.findings import DayCount
from msgaudit.report.svg import BAD, GOOD, NEUTRAL, Svg, truncate

OUTBOUND, INBOUND, FINDINGS = "#1d4ed8", "#93c5fd", "#b91c1c"
MAX_BARS = 120


@dataclass(frozen=True)
class Bucket:
    start: date
    outbound: int
    inbound: int
    findings: int


def bucket_days(days: Sequence[DayCount]) -> tuple[list[Bucket], str]:
    """Days, weeks or months, whichever keeps the chart under MAX_BARS bars; returns the unit too."""
    if not days:
        return [], "day"
    first, last = min(d.day for d in days), max(d.day for d in days)
    span = (last - first).days + 1
    unit = "day" if span <= MAX_BARS else "week" if span <= MAX_BARS * 7 else "month"

    def key(d: date) -> date:
        if unit == "week":
            return d - timedelta(days=d.weekday())
        if unit == "month":
            return d.replace(day=1)
        return d

    sums: dict[date, list[int]] = {}
    for d in days:
        acc = sums.setdefault(key(d.day), [0, 0, 0])
        acc[0] += d.outbound
        acc[1] += d.inbound
        acc[2] += d.findings
    return [Bucket(k, *v) for k, v in sorted(sums.items())], unit


def _nice_max(value: int) -> int:
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 2.5, 5, 10):
        top = int(step * magnitude)
        if top >= value:
            return top
    return value


def activity_chart(days: Sequence[DayCount], *, title: str, outbound: str, inbound: str, findings: str,
                   unit_label: str, fmt_date: Callable[[date], str], fmt_num: Callable[[int], str]) -> str:
    """Two stacked panels sharing the time axis: messages (out and in), then findings."""
    buckets, _ = bucket_days(days)
    w, h, left, right = 720, 300, 64, 12
    svg = Svg(w, h, title)
    plot_w = w - left - right
    panels = [(34, 130, [(outbound, OUTBOUND, "outbound"), (inbound, INBOUND, "inbound")]),
              (196, 70, [(findings, FINDINGS, "findings")])]
    legend_x = left
    for label, colour in ((outbound, OUTBOUND), (inbound, INBOUND), (findings, FINDINGS)):
        svg.rect(legend_x, 8, 10, 10, colour)
        svg.text(legend_x + 14, 17, label, size=11)
        legend_x += 24 + 7 * len(label)
    svg.text(w - right, 17, unit_label, size=10, anchor="end", fill="#4b5563")
    if not buckets:
        return svg.render()
    bar_w = plot_w / len(buckets)
    for top, height, series in panels:
        peak = max(sum(getattr(b, attr) for _, _, attr in series) for b in buckets)
        scale = _nice_max(peak)
        svg.line(left, top + height, left + plot_w, top + height)
        svg.line(left, top, left + plot_w, top, stroke="#e5e7eb")
        svg.text(left - 6, top + 4, fmt_num(scale), size=10, anchor="end", fill="#4b5563")
        svg.text(left - 6, top + height + 4, "0", size=10, anchor="end", fill="#4b5563")
        for i, b in enumerate(buckets):
            base = top + height
            for label, colour, attr in series:
                value = getattr(b, attr)
                if not value:
                    continue
                bh = height * value / scale
                svg.rect(left + i * bar_w + bar_w * 0.1, base - bh, bar_w * 0.8, bh, colour)
                svg.tooltip(f"{fmt_date(b.start)}: {fmt_num(value)} {label}")
                base -= bh
    axis_y = 196 + 70 + 16
    picks = sorted({0, len(buckets) // 2, len(buckets) - 1})
    for i in picks:
        anchor = "start" if i == 0 else "end" if i == len(buckets) - 1 else "middle"
        x = left + i * bar_w + (0 if anchor == "start" else bar_w if anchor == "end" else bar_w / 2)
        svg.text(x, axis_y, fmt_date(buckets[i].start), size=10, anchor=anchor, fill="#374151")
    return svg.render()


def severity_chart(rows: Sequence[tuple[str, int, str]], *, title: str, fmt_num: Callable[[int], str],
                   label_width: int = 120) -> str:
    """Horizontal bars, one per row: (label, count, colour); `label_width` leaves room for long labels."""
    w, row_h, left = 720, 30, label_width
    svg = Svg(w, row_h * len(rows) + 16, title)
    peak = max((c for _, c, _ in rows), default=0) or 1
    plot_w = w - left - 80
    for i, (label, count, colour) in enumerate(rows):
        y = 8 + i * row_h
        # Cut with an ellipsis to the room left of the bars (about 7 px a character at 12 px), never clipped.
        svg.text(left - 8, y + 17, truncate(label, max(8, int((left - 8) / 7))), size=12, anchor="end")
        bw = plot_w * count / peak
        svg.rect(left, y + 4, bw, row_h - 10, colour, rx=2)
        svg.text(left + bw + 6, y + 17, fmt_num(count), size=12)
    return svg.render()


def heatmap(matrix: Sequence[Sequence[int]], *, title: str, weekdays: Sequence[str], hour_label: str,
            fmt_num: Callable[[int], str], quiet: tuple[int, int] = (21, 8)) -> str:
    """Outbound messages by recipient local weekday (rows) and hour (columns); quiet hours outlined."""
    cell, left, top = 26, 56, 28
    w, h = left + 24 * cell + 10, top + 7 * cell + 34
    svg = Svg(w, h, title)
    rows = [list(r) + [0] * (24 - len(r)) for r in list(matrix)[:7]] + [[0] * 24] * max(0, 7 - len(matrix))
    peak = max((v for r in rows for v in r), default=0) or 1
    for hour in range(24):
        if hour % 3 == 0:
            svg.text(left + hour * cell + cell / 2, top - 8, f"{hour:02d}", size=10, anchor="middle", fill="#374151")
    for d, row in enumerate(rows):
        y = top + d * cell
        svg.text(left - 8, y + cell / 2 + 4, weekdays[d], size=11, anchor="end")
        for hour, value in enumerate(row):
            # Square-root scale: a few busy hours should not wash out the rest.
            shade = (value / peak) ** 0.5 if value else 0
            colour = _blend("#f3f4f6", "#1e3a8a", shade)
            svg.rect(left + hour * cell + 1, y + 1, cell - 2, cell - 2, colour)
            svg.tooltip(f"{weekdays[d]} {hour:02d}:00 – {fmt_num(value)}")
    start, end = quiet
    for a, b in ((start, 24), (0, end)):
        svg.rect(left + a * cell, top, (b - a) * cell, 7 * cell, "none", stroke=BAD, stroke_width=2,
                 stroke_dasharray="5 3")
    svg.text(left, h - 8, hour_label, size=10, fill="#374151")
    return svg.render()


def _blend(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


@dataclass(frozen=True)
class Span:
    label: str
    start: date | None  # None: open to the left edge
    end: date | None  # None: open to the right edge
    colour: str
    tooltip: str = ""


@dataclass(frozen=True)
class Lane:
    label: str
    spans: tuple[Span, ...]
    heading: bool = False


def timeline(lanes: Sequence[Lane], *, title: str, first: date, last: date, period: tuple[date, date] | None,
             period_label: str) -> str:
    """Lanes of dated bars over a year axis, with the audited period shaded."""
    left, right, lane_h, top = 190, 16, 24, 30
    w = 720
    h = top + lane_h * len(lanes) + 30
    svg = Svg(w, h, title)
    plot_w = w - left - right
    total = max((last - first).days, 1)

    def x(d: date | None, default: float) -> float:
        if d is None:
            return default
        return left + plot_w * min(max((d - first).days, 0), total) / total

    if period:
        px0, px1 = x(period[0], left), x(period[1], left + plot_w)
        svg.rect(px0, top - 6, max(px1 - px0, 2), lane_h * len(lanes) + 6, "#fef3c7")
        svg.text((px0 + px1) / 2, top - 10, period_label, size=10, anchor="middle", fill="#92400e")
    for year in range(first.year + 1, last.year + 1):
        gx = x(date(year, 1, 1), left)
        svg.line(gx, top - 4, gx, top + lane_h * len(lanes), stroke="#e5e7eb")
        if (year - first.year) % max(1, (last.year - first.year) // 10 + 1) == 0:
            svg.text(gx, h - 12, str(year), size=10, anchor="middle", fill="#374151")
    for i, lane in enumerate(lanes):
        y = top + i * lane_h
        weight = "bold" if lane.heading else None
        svg.text(left - 8, y + 16, truncate(lane.label, 30), size=11, anchor="end", font_weight=weight)
        for span in lane.spans:
            x0, x1 = x(span.start, left), x(span.end, left + plot_w)
            svg.rect(x0, y + 5, max(x1 - x0, 2), lane_h - 10, span.colour, rx=2)
            svg.tooltip(span.tooltip or span.label)
    return svg.render()


__all__ = ["GOOD", "BAD", "NEUTRAL", "Lane", "Span", "activity_chart", "heatmap", "severity_chart", "timeline"]
