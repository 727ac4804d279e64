"""contactability.csv: who may be contacted on the audit date, from the same state the rules judge."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from msgaudit.api import AuditOptions, audit
from msgaudit.contact_status import ContactStatus
from msgaudit.report import write_reports
from msgaudit.report.contactability import contactability_csv

ROOT = Path(__file__).parent.parent
SCENARIOS = Path(__file__).parent / "scenarios"
AS_OF = date(2026, 11, 25)

# (folder, contact, channel, status, words of the reason, file:line of the evidence or None)
EXPECTED = [
    ("invalid_consent", "+393471120001", "whatsapp", "unknown", "not valid", "consensi.csv:2"),
    ("invalid_consent", "+393471120002", "whatsapp", "unknown", "not valid", "consensi.csv:3"),
    ("invalid_consent", "+393471120003", "whatsapp", "marketing", "valid marketing consent", "consensi.csv:4"),
    ("optout_after_other_consent", "+393471130001", "whatsapp", "service-only", "opt-out keyword 'stop'", "webhooks.jsonl:7"),
    ("optout_after_other_consent", "+393471130002", "whatsapp", "service-only", "objected to marketing", "webhooks.jsonl:8"),
    ("optout_after_other_consent", "+393471130003", "whatsapp", "marketing", "valid marketing consent", "consensi.csv:7"),
    ("reply_after_stop", "+393471140001", "whatsapp", "do-not-contact", "opt-out keyword 'stop'", "webhooks.jsonl:3"),
    # the register covers calls and post, not WhatsApp
    ("rpo_vs_whatsapp", "+393471150001", "whatsapp", "marketing", "valid marketing consent", "consensi.csv:2"),
]


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    folders = sorted({e[0] for e in EXPECTED})
    return {f: audit([SCENARIOS / f / "input"], AuditOptions(as_of=AS_OF, mask=False)) for f in folders}


@pytest.mark.parametrize(("folder", "contact", "channel", "status", "words", "source"), EXPECTED,
                         ids=[f"{e[0]}-{e[1]}" for e in EXPECTED])
def test_each_person_and_channel_gets_the_status_the_rules_imply(results: dict, folder: str, contact: str, channel: str,
                                                                 status: str, words: str, source: str | None) -> None:
    rows = {(r.contact, r.channel): r for r in results[folder].contactability}
    row = rows[(contact, channel)]
    assert (row.status, words in row.reason) == (status, True), row.reason
    assert (row.source or "").endswith(source)


def test_a_member_who_withdrew_from_whatsapp_must_not_be_contacted_there() -> None:
    result = audit([ROOT / "sample_exports" / "associazione"], AuditOptions(as_of=AS_OF, mask=False))
    rows = {(r.contact, r.channel): r for r in result.contactability}
    withdrawn = rows[("+393475550103", "whatsapp")]
    assert withdrawn.status == "do-not-contact"
    assert (withdrawn.source or "").endswith("sample_exports/associazione/consensi.csv:7")
    assert rows[("name:Luca Ferrari", "whatsapp")].status == "do-not-contact"
    assert len(rows) == len(result.contactability)


def test_the_csv_is_masked_unless_asked_and_neutralises_formulas() -> None:
    result = audit([SCENARIOS / "reply_after_stop" / "input"], AuditOptions(as_of=AS_OF, mask=False))
    hostile = ContactStatus(contact="name:=HYPERLINK(\"http://x\")", channel="whatsapp", status="unknown",
                            reason="@SUM(1)", source="-1+1")
    result = result.model_copy(update={"contactability": [*result.contactability, hostile]})
    masked = list(csv.reader(io.StringIO(contactability_csv(result, mask=True))))
    plain = list(csv.reader(io.StringIO(contactability_csv(result, mask=False))))
    assert masked[0] == ["contact", "channel", "status", "reason", "since", "source"]
    assert "4140001" not in "".join(masked[1]) and "••01" in masked[1][0]
    assert plain[1][0] == "'+393471140001"
    assert plain[2][0] == "'=HYPERLINK(\"http://x\")" and plain[2][3] == "'@SUM(1)" and plain[2][5] == "'-1+1"


def test_written_with_the_csv_format_only(tmp_path: Path) -> None:
    result = audit([SCENARIOS / "reply_after_stop" / "input"], AuditOptions(as_of=AS_OF))
    write_reports(result, tmp_path / "json", {"json"})
    write_reports(result, tmp_path / "csv", {"csv"})
    assert not (tmp_path / "json" / "contactability.csv").exists()
    text = (tmp_path / "csv" / "contactability.csv").read_text(encoding="utf-8")
    assert "do-not-contact" in text and "+393471140001" not in text
