"""Every chart's numbers as a table, for readers who cannot see the chart (screen readers, PDF/UA, print in grey).

    chart_tables(result, t, severity_label=..., mechanism=..., period=...) -> list[DataTable]

The tables go to an appendix; each chart links to its table by `anchor`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from pydantic import BaseModel

from msgaudit.findings import SEVERITIES, AuditResult
from msgaudit.report import charts
from msgaudit.report.i18n import Lang
from msgaudit.report.lawdates import law_dates

ACTIVITY, SEVERITY, HOURS, LAW = "data-activity", "data-severity", "data-hours", "data-law"


class DataTable(BaseModel):
    anchor: str
    caption: str
    headers: list[str]
    rows: list[list[str]]
    wide: bool = False
    numeric: bool = True  # columns after the first hold numbers
    keep: bool = True  # short enough to keep on one page with its caption


def chart_tables(result: AuditResult, t: Lang, *, severity_totals: Mapping[str, int],
                 severity_label: Callable[[str], str],
                 mechanism: Callable[[str], str],
                 period: Callable[[date | None, date | None], str]) -> list[DataTable]:
    _ = t.gettext
    buckets, unit = charts.bucket_days(result.activity.daily)
    unit_label = {"day": _("Day"), "week": _("Week starting"), "month": _("Month")}[unit]
    activity = DataTable(
        anchor=ACTIVITY, caption=_("Messages and findings over time"),
        headers=[unit_label, _("outbound messages"), _("inbound messages"), _("findings")],
        rows=[[t.date(b.start, "medium"), t.number(b.outbound), t.number(b.inbound), t.number(b.findings)]
              for b in buckets], keep=len(buckets) <= 30)
    severity = DataTable(anchor=SEVERITY, caption=_("Findings by severity"), headers=[_("Severity"), _("Findings")],
                         rows=[[severity_label(s), t.number(severity_totals.get(s, 0))] for s in reversed(SEVERITIES)])
    weekdays = t.weekdays()
    grid = result.activity.local_hours or [[0] * 24 for _day in range(7)]
    hours = DataTable(anchor=HOURS, caption=_("Outbound messages by recipient local time"),
                      headers=[_("Day"), *[f"{h:02d}" for h in range(24)]],
                      rows=[[weekdays[d], *[t.number(v) for v in row]] for d, row in enumerate(grid[:7])], wide=True)
    law = DataTable(anchor=LAW, caption=_("What the law allowed"), headers=[_("Transfer mechanism"), _("Period")],
                    rows=[[mechanism(p.mechanism), period(p.valid_from, p.valid_to)] for p in law_dates().periods], numeric=False)
    return [activity, severity, hours, law]
