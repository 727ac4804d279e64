"""An audit that could not look must not pass: the incomplete verdict, rule statuses and what to add."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgaudit.api import AuditOptions, audit, exit_code
from msgaudit.cli import cli
from msgaudit.report.viewmodel import build_view

ROOT = Path(__file__).resolve().parents[1]
ASSOC = ROOT / "sample_exports" / "associazione"
CHAT = ASSOC / "Chat WhatsApp con Soci ASD Esempio.txt"
AS_OF = "2026-11-25"


def _twilio_log(path: Path, numbers: list[str]) -> Path:
    """An outbound SMS campaign log as Twilio's console exports it: one message to each number."""
    rows = ["From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit"]
    for i, n in enumerate(numbers):
        rows.append(f'+390212345678,{n},"Promemoria: assemblea giovedì alle 21",delivered,'
                    f'"Tue, 09 Sep 2025 {8 + i % 10:02d}:15:02 +0000",2010-04-01,1,,AC{"0" * 32},SM{i:032d},'
                    f"outbound-api,-0.0050,USD")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _audit(paths: list[Path], **kw) -> object:
    from datetime import date

    return audit(paths, AuditOptions(as_of=date.fromisoformat(AS_OF), **kw))


def test_chat_without_inventory_or_business_is_incomplete_not_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", str(CHAT), "--format", "json", "--out", str(tmp_path),
                                      "--as-of", AS_OF])
    assert result.exit_code == 3, result.output
    assert "PASS" not in result.output and "INCOMPLETE" in result.output
    assert "--business NAME|PHONE" in result.output and "--inventory FILE" in result.output
    summary = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))["summary"]
    assert summary["verdict"] == "incomplete" and summary["failed"] is False
    families = {f["family"]: f for f in summary["incomplete"]}
    assert families["TRANSFER"]["missing"] == ["inventory"]
    assert families["CONSENT"]["missing"] == ["business_messages"]
    assert set(families["QUALITY"]["missing"]) == {"business_messages", "contact_list"}
    assert all(f["add"] and f["rules"] for f in summary["incomplete"])


def test_allow_incomplete_exits_zero_and_still_never_says_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", str(CHAT), "--format", "json", "--out", str(tmp_path),
                                      "--as-of", AS_OF, "--allow-incomplete"])
    assert result.exit_code == 0, result.output
    assert "PASS" not in result.output
    assert "INCOMPLETE (allowed by --allow-incomplete)" in result.output
    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert doc["summary"]["verdict"] == "incomplete"


def test_findings_beat_incomplete_in_the_exit_code(tmp_path: Path) -> None:
    result = _audit([CHAT], business=("Mario Rossi",))
    assert result.summary.failed and result.summary.verdict == "fail"
    assert result.summary.incomplete, "still incomplete: no inventory, no contact list"
    assert exit_code(result) == 1 and exit_code(result, allow_incomplete=True) == 1


def test_declaring_the_business_makes_message_rules_evaluated() -> None:
    before = {r.id: r for r in _audit([CHAT]).rules}
    after = {r.id: r for r in _audit([CHAT], business=("Mario Rossi",)).rules}
    assert before["OPTOUT-001"].status == "not evaluated"
    assert before["OPTOUT-001"].missing_inputs == ["business_messages"]
    assert after["OPTOUT-001"].status in {"passed", "failed"} and after["OPTOUT-001"].in_scope > 0


def test_complete_inputs_give_a_complete_verdict() -> None:
    result = _audit([ASSOC])
    assert result.summary.incomplete == []
    assert result.summary.verdict == "fail"
    assert {r.status for r in result.rules} <= {"passed", "failed", "not applicable"}


def test_nothing_in_scope_is_not_applicable_never_passed() -> None:
    rules = {r.id: r for r in _audit([ASSOC]).rules}
    # The association writes no marketing, and has no US member: the US quiet-hours rule has nothing to judge.
    us = rules["TIMING-001"]
    assert (us.status, us.in_scope, us.status_reason) == ("not applicable", 0, "0 in scope")
    assert us.evaluated
    judged = [r for r in rules.values() if r.status == "passed"]
    assert judged and all(r.in_scope > 0 for r in judged)


def test_no_contact_list_means_quality_004_is_not_evaluated_instead_of_firing_on_everyone(tmp_path: Path) -> None:
    numbers = [f"+3933312345{i:02d}" for i in range(40)]
    log = _twilio_log(tmp_path / "messages.csv", numbers)
    alone = {r.id: r for r in _audit([log]).rules}
    assert alone["QUALITY-004"].status == "not evaluated"
    assert alone["QUALITY-004"].findings == 0 and alone["QUALITY-004"].missing_inputs == ["contact_list"]

    members = tmp_path / "soci.csv"
    members.write_text("Nome;Cellulare\n" + "".join(f"Socio {i};{n}\n" for i, n in enumerate(numbers[:30])),
                       encoding="utf-8")
    listed = _audit([log, members])
    q4 = next(r for r in listed.rules if r.id == "QUALITY-004")
    assert q4.status == "failed" and q4.findings == 10
    flagged = {f.message_id for f in listed.findings if f.rule_id == "QUALITY-004"}
    assert flagged == {f"SM{i:032d}" for i in range(30, 40)}


def test_rules_declare_required_inputs_as_data() -> None:
    from msgaudit.rules.loader import load_packs
    from msgaudit.api import default_rules_dir

    rules = {r.id: r for lp in load_packs([default_rules_dir()]) for r in lp.pack.rules}
    assert rules["QUALITY-004"].required_inputs == ("business_messages", "contact_list")
    assert rules["TRANSFER-001"].required_inputs == ("inventory",)
    assert rules["SPECIAL-002"].required_inputs == ("inventory", "business_messages", "contact_list")
    assert rules["CONSENT-004"].required_inputs == ()


def test_report_first_page_says_incomplete_and_no_eea_claim_without_inventory() -> None:
    result = _audit([CHAT])
    for lang, word in (("en", "Incomplete"), ("it", "Incompleto")):
        view = build_view(result.localised(lang), lang)
        assert view.cover.verdict.level == "incomplete" and view.cover.verdict.text.startswith(word)
        assert "TRANSFER" in view.cover.verdict.text
        labels = {f.label: f.value for f in view.cover.incomplete}
        assert any("TRANSFER" in label and "--inventory" in value for label, value in labels.items())
        transfers = next(r for r in view.record if "(e)" in r.label)
        assert transfers.to_fill and not any("EEA" in v or "SEE" in v for v in transfers.values)
    statuses = {s.rule_id: s.status for s in build_view(result).rule_status}
    assert statuses["TRANSFER-001"] == "not evaluated" and statuses["CONSENT-004"] == "not applicable"


def test_report_html_of_a_complete_audit_shows_no_incomplete_box(tmp_path: Path) -> None:
    from msgaudit.report.html import render_html

    html = render_html(build_view(_audit([ASSOC])))
    assert "Not evaluated for lack of an input" not in html and 'class="verdict verdict-incomplete"' not in html
    incomplete = render_html(build_view(_audit([CHAT])))
    assert "Not evaluated for lack of an input" in incomplete and 'class="verdict verdict-incomplete"' in incomplete


@pytest.mark.parametrize("majority", [True, False])
def test_inspect_lists_top_authors_and_suggests_business(tmp_path: Path, majority: bool) -> None:
    chat = tmp_path / "chat.txt"
    lines = [f"0{d}/03/24, 10:0{d} - Presidente Rossi: Avviso numero {d}" for d in range(1, 8 if majority else 3)]
    lines += ["08/03/24, 11:00 - Anna: grazie", "08/03/24, 11:05 - +39 347 111 2233: ok", "09/03/24, 12:00 - Anna: 👍"]
    chat.write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    item = json.loads(runner.invoke(cli, ["inspect", "--json", str(chat)]).output)[0]
    authors = item["authors"]
    assert authors["business_declared"] is False
    assert sum(a["messages"] for a in authors["top"]) == len(lines)
    text = runner.invoke(cli, ["inspect", str(chat)]).output
    if majority:
        assert authors["top"][0] == {"author": "Presidente Rossi", "messages": 7, "share": 0.7}
        assert authors["suggest_business"] == "Presidente Rossi"
        assert '--business "Presidente Rossi"' in text and "Presidente Rossi 70%" in text
    else:
        assert authors["suggest_business"] is None
        assert "pass --business NAME|PHONE" in text
    declared = json.loads(runner.invoke(cli, ["inspect", "--json", "--business", "Anna", str(chat)]).output)[0]
    assert declared["authors"]["business_declared"] is True and declared["authors"]["suggest_business"] is None


def test_audit_of_a_folder_with_everything_but_the_inventory(tmp_path: Path) -> None:
    folder = tmp_path / "assoc"
    shutil.copytree(ASSOC, folder)
    (folder / "inventory.yaml").unlink()
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json", "--out", str(tmp_path / "r"),
                                      "--as-of", AS_OF, "--fail-on", "none"])
    assert result.exit_code == 3, result.output
    summary = json.loads((tmp_path / "r" / "findings.json").read_text(encoding="utf-8"))["summary"]
    assert {f["family"] for f in summary["incomplete"]} >= {"TRANSFER"}
    assert all("inventory" in f["missing"] or "business_messages" in f["missing"] for f in summary["incomplete"])


def test_inspect_authors_of_a_chat_shared_as_zip(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "WhatsApp Chat - Soci.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(CHAT, "WhatsApp Chat - Soci.txt")
    item = json.loads(CliRunner().invoke(cli, ["inspect", "--json", str(archive)]).output)[0]
    assert item["authors"]["suggest_business"] == "Mario Rossi"
    assert item["authors"]["top"][0]["share"] > 0.5


def test_pdf_of_an_audit_without_inventory_says_incomplete_and_claims_nothing_about_the_eea(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from msgaudit.report import write_reports

    written = write_reports(_audit([CHAT]), tmp_path, {"pdf"})
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(written["pdf"]).pages]
    assert "Incomplete: the audit could not evaluate" in pages[0]
    text = " ".join(pages)
    assert "Not assessed: no inventory declares where data is stored" in text
    assert "stores data in the EEA" not in text and "Nothing to fix" not in text


def test_a_rule_whose_check_fails_makes_the_audit_incomplete_but_a_disabled_one_does_not(tmp_path: Path) -> None:
    pack = tmp_path / "night.yaml"
    pack.write_text("""pack: night
title: Night
rules:
  - id: TIMING-901
    title: Quiet hours by a profile that does not exist
    severity: low
    applies_to: deliveries
    check: {quiet_hours: {profile: no-such-profile}}
    message: "Message to {contact} at night"
    basis: house
    law: [{ref: "House policy 1"}]
    remediation: Write by day.
  - id: TIMING-902
    title: A rule switched off
    severity: low
    applies_to: deliveries
    enabled: false
    message: "Message to {contact}"
    basis: house
    law: [{ref: "House policy 2"}]
    remediation: Nothing.
""", encoding="utf-8")
    result = _audit([ASSOC], rules=[pack])
    rules = {r.id: r for r in result.rules}
    assert rules["TIMING-901"].status == "not evaluated" and rules["TIMING-902"].status == "not evaluated"
    assert [(f.family, f.rules) for f in result.summary.incomplete] == [("TIMING", ["TIMING-901"])]
    assert result.summary.incomplete[0].add[0].startswith("a working rule TIMING-901: check quiet_hours failed")


def test_the_summary_tiles_tell_judged_rules_from_rules_with_nothing_to_judge() -> None:
    result = _audit([ASSOC / "Chat WhatsApp con Soci ASD Esempio.txt"])
    facts = {f.label: f.value for f in build_view(result, "en", True).cover.facts}
    statuses = [r.status for r in result.rules]
    assert "Rules evaluated" not in facts
    assert facts["Rules that judged something"] == str(statuses.count("passed") + statuses.count("failed"))
    assert facts["Rules with nothing in scope"] == str(statuses.count("not applicable")) != "0"
    assert facts["Rules not evaluated"] == str(statuses.count("not evaluated")) != "0"
