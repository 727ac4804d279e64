"""Benchmark: render the HTML and PDF report of an audit with ~50,000 findings over ~25 rules.

The findings are synthetic but shaped like a 1,000,000-message audit: 25
rules across every severity, a year of daily activity, a full 7x24 heat map,
five systems and three inputs. Times the view-model, HTML and PDF together
(the target) and, apart, findings.json and findings.csv.

    python benchmarks/bench_report.py [--findings N] [--rules N] [--keep DIR]

Exits 1 when HTML + PDF miss the target (30 s, issue 9).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from msgaudit.findings import (
    SEVERITIES, Activity, AuditResult, DayCount, Finding, LawRef, RuleSummary, Summary, fingerprint,
)
from msgaudit.ingest.base import InputReport, Rejection

TARGET_SECONDS = 30.0
FAMILIES = ("CONSENT", "OPTOUT", "TIMING", "WINDOW", "TEMPLATE", "TRANSFER", "SPECIAL", "QUALITY")


def synthetic(findings: int, rules: int, seed: int = 11) -> AuditResult:
    rng = random.Random(seed)
    law = [LawRef(ref="GDPR Art. 7(1)", url="https://eur-lex.europa.eu/eli/reg/2016/679/oj")]
    specs = [RuleSummary(id=f"{FAMILIES[i % len(FAMILIES)]}-{i:03d}", pack=FAMILIES[i % len(FAMILIES)].lower(),
                         title=f"Synthetic rule {i}", severity=SEVERITIES[i % len(SEVERITIES)], applies_to="messages",
                         law=law, remediation="Fix the process that sends these messages.")
             for i in range(rules)]
    start = date(2024, 1, 1)
    out: list[Finding] = []
    # Skewed like real audits: a few rules produce most findings.
    weights = [1 / (k + 1) for k in range(rules)]
    for n in range(findings):
        rule = rng.choices(specs, weights)[0]
        phone = f"+39333{rng.randrange(10**7):07d}"
        when = datetime.combine(start + timedelta(days=rng.randrange(366)), datetime.min.time(), UTC) \
            + timedelta(seconds=rng.randrange(86400))
        out.append(Finding(
            rule_id=rule.id, fingerprint=fingerprint(rule.id, phone, n), severity=rule.severity, title=rule.title,
            message=rule.title, contact=phone, contact_name=f"Persona {n}", message_id=f"wamid.{n:012d}",
            system="WhatsApp Business" if rule.id.startswith("TRANSFER") else None, timestamp=when,
            source=f"exports/messages.jsonl:{n + 1}",
            evidence={"period_start": "2024-01-01", "period_end": "2024-12-31", "local_time": "22:10"},
            law=rule.law, remediation=rule.remediation))
    per_day: dict[date, int] = {}
    for f in out:
        per_day[f.timestamp.date()] = per_day.get(f.timestamp.date(), 0) + 1
    daily = [DayCount(day=start + timedelta(days=i), outbound=rng.randint(1500, 3500), inbound=rng.randint(500, 900),
                      findings=per_day.get(start + timedelta(days=i), 0)) for i in range(366)]
    hours = [[rng.randint(0, 20000) for _ in range(24)] for _ in range(7)]
    inputs = [InputReport(path=f"exports/part{i}.jsonl", sha256=f"{i:064x}", format="whatsapp-webhook",
                          rows_read=400_000, rows_accepted=399_990, rows_rejected=10,
                          rejections=[Rejection(line=k, reason="not a JSON object") for k in range(10)])
              for i in range(3)]
    systems = [{"system": f"System {i}", "operator": f"Operator {i}", "role": "processor",
                "country": ("US", "IE", "CH", "IN", "DE")[i], "channels": "whatsapp", "data": "phone numbers",
                "purposes": "notices", "mechanism": ("dpf", None, "adequacy", "scc-2021", None)[i],
                "claim_from": datetime(2023, 9, 1, tzinfo=UTC) if i in (0, 3) else None, "claim_to": None,
                "certified": True if i == 0 else None, "source": f"inventory.yaml:{10 + i}"} for i in range(5)]
    by_rule: dict[str, int] = {}
    for f in out:
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    summary = Summary(total=len(out), waived=0, by_severity={}, by_rule=by_rule, by_pack={}, messages=1_000_000,
                      contacts=120_000, period_start=datetime(2024, 1, 1, tzinfo=UTC),
                      period_end=datetime(2024, 12, 31, tzinfo=UTC))
    return AuditResult(tool={"name": "msgaudit", "version": "bench"}, as_of=date(2025, 1, 15), inputs=inputs,
                       rules=specs, findings=out, summary=summary, organisation={"name": "Benchmark S.p.A."},
                       systems=systems, activity=Activity(daily=daily, local_hours=hours), ruleset_version="bench")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--rules", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="write the reports here instead of a temporary folder")
    args = parser.parse_args()

    t0 = time.perf_counter()
    result = synthetic(args.findings, args.rules)
    print(f"built {len(result.findings):,} findings over {args.rules} rules in {time.perf_counter() - t0:.1f} s")

    from msgaudit.report import write_reports

    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or Path(tmp)
        t1 = time.perf_counter()
        paths = write_reports(result, out, {"html", "pdf"})
        human = time.perf_counter() - t1
        from pypdf import PdfReader

        pages = len(PdfReader(paths["pdf"]).pages)
        sizes = {k: p.stat().st_size for k, p in paths.items()}
        # A folder holds one report set: this one replaces the HTML and PDF above.
        t2 = time.perf_counter()
        write_reports(result, out, {"json", "csv"})
        machine = time.perf_counter() - t2
    verdict = "OK" if human < TARGET_SECONDS else "MISSED"
    print(f"HTML + PDF: {human:.1f} s (target {TARGET_SECONDS:.0f} s) {verdict}; {pages} pages, "
          f"html {sizes['html'] / 1024:.0f} KiB, pdf {sizes['pdf'] / 1024:.0f} KiB")
    print(f"findings.json + findings.csv: {machine:.1f} s")
    return 0 if human < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
