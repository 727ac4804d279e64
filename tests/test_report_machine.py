"""findings.json and findings.csv: one record set, the DESIGN.md contract, determinism, formula safety."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

from msgaudit.report.machine import CSV_COLUMNS, as_records, findings_csv, findings_json, neutralise

_spec = importlib.util.spec_from_file_location("report_build", Path(__file__).parent / "fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_json_top_level_contract_and_order() -> None:
    doc = json.loads(findings_json(build.build()))
    # The DESIGN.md keys first and in order; added keys (files skipped in input folders) only after them.
    assert list(doc) == ["tool", "as_of", "inputs", "rules", "findings", "summary", "skipped"]
    assert doc["as_of"] == "2026-11-25"
    assert doc["summary"]["verdict"] in {"pass", "fail", "incomplete"} and "incomplete" in doc["summary"]
    first_input = doc["inputs"][0]
    for key in ("path", "sha256", "format", "rows_read", "rows_accepted", "rows_rejected"):
        assert key in first_input
    for finding in doc["findings"]:
        for key in ("rule_id", "severity", "contact", "message_id", "timestamp", "source", "evidence", "law"):
            assert key in finding
    assert doc["findings"][0]["severity"] == "critical"


def test_json_is_byte_identical_across_runs() -> None:
    # Sets in evidence come out in one order whatever order they were built in.
    a, b = build.build(), build.build()
    a.findings[0].evidence["keywords"] = {"stop", "basta", "cancella"}
    b.findings[0].evidence["keywords"] = {"cancella", "stop", "basta"}
    assert findings_json(a) == findings_json(b)


def test_json_contact_is_masked_unless_asked() -> None:
    masked = json.loads(findings_json(build.build()))["findings"]
    plain = json.loads(findings_json(build.build(), mask=False))["findings"]
    contacts = {f["contact"] for f in masked if f["contact"]}
    assert "+39 333 ••• ••67" in contacts and not any(c.startswith("+39333") for c in contacts)
    assert "+393331234567" in {f["contact"] for f in plain}
    assert {f["contact_name"] for f in masked} >= {"G. B.", "N. F."}
    assert "Giulia Bianchi" in {f["contact_name"] for f in plain}


def test_json_and_csv_come_from_the_same_records() -> None:
    result = build.build()
    records = as_records(result)
    rows = list(csv.DictReader(io.StringIO(findings_csv(result))))
    assert len(rows) == len(records) == len(result.findings)
    assert [r["fingerprint"] for r in rows] == [r["fingerprint"] for r in records]
    assert list(rows[0]) == list(CSV_COLUMNS)


def test_csv_cells_cannot_start_a_formula() -> None:
    text = findings_csv(build.build())
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert not any(cell.startswith(DANGEROUS) for cell in cells)
    # The hostile label inside evidence is JSON in one cell; a bare formula cell is quoted.
    contacts = [row[CSV_COLUMNS.index("contact")] for row in rows[1:] if row[CSV_COLUMNS.index("contact")]]
    assert "'+39 333 ••• ••67" in contacts  # masked phones start with + and are neutralised too


def test_csv_hostile_name_is_neutralised() -> None:
    result = build.build()
    result.findings[0].contact_name = build.HOSTILE_FORMULA
    rows = list(csv.DictReader(io.StringIO(findings_csv(result, mask=False))))
    names = [r["contact_name"] for r in rows]
    assert "'" + build.HOSTILE_FORMULA in names
    assert build.HOSTILE_FORMULA not in names
    assert any(r["contact"] == "'+393331234567" for r in rows)


@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+1", "'=1+1"), ("+39 333", "'+39 333"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=x", "'\t=x"),
    ("\r=x", "'\r'=x"), ("Giulia", "Giulia"), ("", ""), ("2025-01-01", "2025-01-01"), ("a=b", "a=b"),
    ("a;=cmd|x", "a;'=cmd|x"), ("a,+1", "a,'+1"), ("x\n@SUM(A1)", "x\n'@SUM(A1)"), ("x\r\t=1", "x\r'\t=1"),
    ("a; b", "a; b"), ("1,5", "1,5"),
])
def test_neutralise(cell: str, expected: str) -> None:
    assert neutralise(cell) == expected


# A system name, a message id and a contact name as a hostile export could carry them: a bare CR
# starts a new row in some spreadsheets, `;` splits cells in Italian Excel, `,` everywhere else.
HOSTILE_CELLS = (
    "Cloud\r=cmd|' /C calc'!A0",
    "wamid.1;=HYPERLINK(\"http://evil\",\"x\");@SUM(1)",
    "Rossi,+39 333;-2+3\n\t=1",
    "\r\r=1",
)


def _hostile_csv() -> str:
    result = build.build()
    assert len(result.findings) >= len(HOSTILE_CELLS)
    for finding, text in zip(result.findings, HOSTILE_CELLS):
        finding.system, finding.message_id, finding.contact_name = text, text, text
    return findings_csv(result, mask=False)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_read_with_either_separator_exposes_no_formula(delimiter: str) -> None:
    rows = list(csv.reader(io.StringIO(_hostile_csv(), newline=""), delimiter=delimiter))
    assert not [cell for row in rows for cell in row if cell.startswith(DANGEROUS)]


def test_csv_naive_split_on_cr_and_separators_exposes_no_formula() -> None:
    # A reader that ignores quotes: rows end at any CR or LF, cells end at any `,` or `;`.
    pieces = [piece.lstrip('"') for line in re.split(r"[\r\n]", _hostile_csv()) for piece in re.split(r"[,;]", line)]
    assert any(p.startswith("'=cmd|") for p in pieces)  # the piece is there, kept as text
    assert not [p for p in pieces if p.startswith(DANGEROUS)]


def test_csv_quotes_every_cell_a_spreadsheet_could_split() -> None:
    text = _hostile_csv()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(build.build().findings) + 1
    systems = {row[CSV_COLUMNS.index("system")] for row in rows[1:]}
    assert "Cloud\r'=cmd|' /C calc'!A0" in systems
    assert "Rossi,'+39 333;'-2+3\n'\t=1" in systems
    assert '"Cloud\r' in text and '"wamid.1;' in text
