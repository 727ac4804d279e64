"""findings.json and findings.csv: both from one `as_records()`, so they never disagree.

JSON follows the DESIGN.md contract (top-level keys in the documented order)
and is byte-identical for identical input. CSV is safe to open in a
spreadsheet, whichever separator it splits on (Italian Excel uses `;`) and even
if it breaks rows on a bare CR: every cell holding `,` `;` CR or LF is quoted,
and every piece of a cell that a split could expose as a formula is prefixed
with a quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from msgaudit.findings import AuditResult, Finding, sort_key
from msgaudit.masking import mask_name, show_contact
from msgaudit.report.redact import mask_text

CSV_COLUMNS = (
    "rule_id", "severity", "title", "contact", "contact_name", "message_id", "system", "timestamp",
    "source", "waived", "message", "evidence", "law", "remediation", "fingerprint",
)
# Spreadsheets start a formula on these; tab and CR are in OWASP's list because some strip them first.
# A piece starts at the cell's start or after any character some spreadsheet splits cells or rows on.
_FORMULA_PIECE = re.compile(r"(?<![^\r\n,;])(?=[=+\-@\t\r])")
_NEEDS_QUOTES = re.compile(r'[,;"\r\n]')


def _plain(value: Any) -> Any:
    """Evidence as JSON can hold it: dates in ISO 8601, mappings with sorted keys."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _record(f: Finding, mask: bool, shown: dict[str | None, str]) -> dict[str, Any]:
    name = f.contact_name or ""
    if f.contact not in shown:
        # Parsing a number to mask it is the slow part; people have many findings each.
        shown[f.contact] = show_contact(f.contact, mask)
    return {
        "rule_id": f.rule_id,
        "severity": f.severity,
        "basis": f.basis,
        "title": f.title,
        "message": f.message,
        "contact": shown[f.contact] or None,
        "contact_name": (mask_name(name) if mask else name) or None,
        # Masked, a wamid is a short hash and a chat file named after a person shows initials (see redact.py).
        "message_id": mask_text(f.message_id) if mask and f.message_id else f.message_id,
        "system": f.system,
        "timestamp": f.timestamp.isoformat() if f.timestamp else None,
        "source": mask_text(f.source) if mask and f.source else f.source,
        "evidence": _plain(_masked_sources(f.evidence) if mask else f.evidence),
        "law": [ref.model_dump() for ref in f.law],
        "remediation": f.remediation,
        "waived": f.waived,
        "waiver": f.waiver.model_dump(mode="json") if f.waiver else None,
        "fingerprint": f.fingerprint,
    }


def _masked_sources(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence that points at another row (`optout_source`, `consent_source`…) masks its file name like `source`."""
    return {k: mask_text(v) if k.endswith("source") and isinstance(v, str) else v for k, v in evidence.items()}


def as_records(result: AuditResult, mask: bool = True) -> list[dict[str, Any]]:
    """One flat record per finding, in the report's order: most severe first, then rule, time, contact."""
    shown: dict[str | None, str] = {}
    return [_record(f, mask, shown) for f in sorted(result.findings, key=sort_key)]


def findings_json(result: AuditResult, mask: bool = True) -> str:
    """Masked, every path names a chat the way `source` does (initials for a person), so neither gives it away."""
    doc = {
        "tool": dict(sorted(result.tool.items())),
        "as_of": result.as_of.isoformat(),
        "inputs": [
            {"path": mask_text(i.path) if mask else i.path, "sha256": i.sha256, "format": i.format, "encoding": i.encoding,
             "rows_read": i.rows_read, "rows_accepted": i.rows_accepted, "rows_rejected": i.rows_rejected,
             "first_timestamp": i.first_timestamp.isoformat() if i.first_timestamp else None,
             "last_timestamp": i.last_timestamp.isoformat() if i.last_timestamp else None}
            for i in result.inputs
        ],
        "rules": [_plain(r.model_dump(mode="json")) for r in sorted(result.rules, key=lambda r: r.id)],
        "findings": as_records(result, mask),
        "summary": _plain(result.summary.model_dump(mode="json")),
        "skipped": [{**s.model_dump(mode="json"), "path": mask_text(s.path) if mask else s.path} for s in result.skipped],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def neutralise(cell: str) -> str:
    """Every piece a spreadsheet could run as a formula is kept as text: `=1+1` → `'=1+1`, `a;=1` → `a;'=1`."""
    return _FORMULA_PIECE.sub("'", cell)


def _quoted(cell: str) -> str:
    # The csv module quotes only on its own delimiter and line terminator; `;` and a bare CR need quotes too.
    return '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if isinstance(value, list):
        return "; ".join(item["ref"] if isinstance(item, dict) and "ref" in item else str(item) for item in value)
    return str(value)


def csv_text(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """A formula-safe CSV: every cell neutralised, and quoted where a `,` or `;` spreadsheet would split it."""
    lines = [",".join(columns)]
    lines.extend(",".join(_quoted(neutralise(_cell(value))) for value in row) for row in rows)
    return "\n".join(lines) + "\n"


def findings_csv(result: AuditResult, mask: bool = True) -> str:
    return csv_text(CSV_COLUMNS, ([rec[col] for col in CSV_COLUMNS] for rec in as_records(result, mask)))
