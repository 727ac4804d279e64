"""The few lines `audit` and `demo` print: the verdict, counts, and where the reports are."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from msgaudit.findings import SEVERITIES, SEVERITY_RANK, AuditResult
from msgaudit.ingest.base import counted

_SHOWN = 10


def render_summary(result: AuditResult, written: dict[str, Path], allow_incomplete: bool = False) -> str:
    s = result.summary
    lines = []
    org = result.organisation.get("name") if result.organisation else None
    lines.append(f"msgaudit {result.tool['version']} · as of {result.as_of.isoformat()}" + (f" · {org}" if org else ""))
    read = sum(i.rows_read for i in result.inputs)
    rejected = sum(i.rows_rejected for i in result.inputs)
    skipped = f" · {len(result.skipped)} skipped" if result.skipped else ""
    lines.append(f"inputs    {counted(len(result.inputs), 'file', 'files')}{skipped} · {counted(read, 'row', 'rows')} read"
                 f" · {rejected} rejected")
    for item in result.skipped[:_SHOWN]:
        lines.append(f"  skipped {item.path}: {item.reason}")
    if len(result.skipped) > _SHOWN:
        lines.append(f"  … and {len(result.skipped) - _SHOWN} more skipped (see the reports)")
    if s.period_start and s.period_end:
        # Days as the organisation lives them: a member enrolled on 30/06 at local midnight is 29/06 in UTC.
        zone = result.organisation.get("timezone") if result.organisation else None
        start, end = ((s.period_start.astimezone(ZoneInfo(zone)), s.period_end.astimezone(ZoneInfo(zone)))
                      if zone else (s.period_start, s.period_end))
        lines.append(f"period    {start:%Y-%m-%d} → {end:%Y-%m-%d}" + ("" if zone else " UTC"))
    evaluated = sum(1 for r in result.rules if r.evaluated)
    idle = sum(1 for r in result.rules if r.status == "not applicable")
    skipped_rules = len(result.rules) - evaluated
    lines.append(f"rules     {evaluated} of {len(result.rules)} evaluated"
                 + (f" ({idle} of them not applicable: nothing in scope)" if idle else "")
                 + (f" · {skipped_rules} not evaluated: an input is missing" if skipped_rules else ""))
    counts = " · ".join(f"{s.by_severity[sev]} {sev}" for sev in reversed(SEVERITIES) if s.by_severity.get(sev))
    waived = f" ({s.waived} waived)" if s.waived else ""
    lines.append(f"findings  {s.total}{waived}" + (f": {counts}" if counts else ""))
    titles = {r.id: r.title for r in result.rules}
    sev = {r.id: r.severity for r in result.rules}
    ranked = sorted(s.by_rule.items(), key=lambda kv: (-SEVERITY_RANK[sev[kv[0]]], -kv[1], kv[0]))
    for rid, n in ranked[:_SHOWN]:
        lines.append(f"  {rid:<13} {sev[rid]:<8} {n:>6}  {titles[rid]}")
    if len(ranked) > _SHOWN:
        lines.append(f"  … and {len(ranked) - _SHOWN} more rules with findings (see the reports)")
    if s.incomplete:
        families = ", ".join(f"{f.family} ({len(f.rules)} rule{'s' if len(f.rules) > 1 else ''})" for f in s.incomplete)
        allowed = " (allowed by --allow-incomplete)" if allow_incomplete and not s.failed else ""
        lines.append(f"INCOMPLETE{allowed}: could not evaluate {families}")
        for need in dict.fromkeys(a for f in s.incomplete for a in f.add):
            families_needing = ", ".join(f.family for f in s.incomplete if need in f.add)
            lines.append(f"  {families_needing}: add {need}")
    if s.failed:
        lines.append(f"FAIL: findings at or above {s.fail_on}")
    elif s.fail_on and not s.incomplete:
        lines.append(f"PASS: nothing at or above {s.fail_on}")
    for fmt in sorted(written):
        lines.append(f"{fmt:<5} report: {written[fmt]}")
    return "\n".join(lines)
