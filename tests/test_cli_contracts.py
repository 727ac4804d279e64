"""The contracts other tools rely on: inspect --json, findings.json, exit codes 0 / 1 / 2 / 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgaudit.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "tests" / "scenarios" / "shop_after_stop" / "input"
ASSOC = ROOT / "sample_exports" / "associazione"


def test_inspect_json_lists_one_object_per_file() -> None:
    result = CliRunner().invoke(cli, ["inspect", "--json", str(ASSOC)])
    assert result.exit_code == 0
    items = json.loads(result.output)
    assert [Path(i["path"]).name for i in items] == [
        "Chat WhatsApp con Soci ASD Esempio.txt", "consensi.csv", "inventory.yaml", "soci.csv"]
    for item in items:
        for key in ("path", "format", "encoding", "rows_read", "rows_accepted", "rows_rejected",
                    "first_timestamp", "last_timestamp", "rejections"):
            assert key in item
        assert item["rows_read"] == item["rows_accepted"] + item["rows_rejected"]
        assert item["skipped"] is None  # added key: every file here was read
    assert items[0]["authors"]["business_declared"] is True  # added key: the inventory names Mario Rossi
    soci = items[3]
    assert (soci["format"], soci["encoding"], soci["delimiter"]) == ("contacts-table", "cp1252", ";")
    # Lines 6 and 11 hold an unreadable phone beside a usable e-mail: kept, the phone problem noted.
    assert soci["rejections"] == []
    assert any("contacts kept by their e-mail without a phone" in n and "(lines 6)" in n for n in soci["notes"])
    assert any("contacts kept by their e-mail without a phone" in n and "(lines 11)" in n for n in soci["notes"])
    assert items[0]["first_timestamp"] == "2019-09-15T16:02:00Z"


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("none", 0)])
def test_exit_code_follows_fail_on(tmp_path: Path, fail_on: str, code: int) -> None:
    result = CliRunner().invoke(cli, ["audit", str(SHOP), "--format", "json", "--out", str(tmp_path),
                                      "--as-of", "2026-11-25", "--fail-on", fail_on])
    assert result.exit_code == code, result.output


def test_exit_code_is_zero_below_fail_on(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - {rule: OPTOUT-001, justification: accepted risk, approver: DPO, expires: 2030-01-01}\n")
    result = CliRunner().invoke(cli, ["audit", str(SHOP), "--format", "json", "--out", str(tmp_path / "r"),
                                      "--as-of", "2026-11-25", "--fail-on", "critical", "--waivers", str(waivers)])
    assert result.exit_code == 0, result.output


def test_findings_json_contract_and_masking(tmp_path: Path) -> None:
    for masked, out in ((True, tmp_path / "m"), (False, tmp_path / "u")):
        args = ["audit", str(SHOP), "--format", "json", "--out", str(out), "--as-of", "2026-11-25", "--fail-on", "none"]
        assert CliRunner().invoke(cli, args + ([] if masked else ["--no-mask"])).exit_code == 0
    doc = json.loads((tmp_path / "m" / "findings.json").read_text(encoding="utf-8"))
    assert list(doc)[:6] == ["tool", "as_of", "inputs", "rules", "findings", "summary"]
    assert doc["as_of"] == "2026-11-25"
    finding = doc["findings"][0]
    for key in ("rule_id", "severity", "contact", "message_id", "timestamp", "source", "evidence", "law"):
        assert key in finding
    assert finding["contact"] == "+39 347 ••• ••02"
    basis = {r["id"]: r["basis"] for r in doc["rules"]}
    assert len(basis) >= 40 and set(basis.values()) <= {"law", "guidance", "platform", "house"}
    assert all(f["basis"] == basis[f["rule_id"]] for f in doc["findings"])
    assert "law" in {f["basis"] for f in doc["findings"]}
    plain = json.loads((tmp_path / "u" / "findings.json").read_text(encoding="utf-8"))
    assert plain["findings"][0]["contact"] == "+393471110002"
    assert {i["sha256"] for i in doc["inputs"]} == {i["sha256"] for i in plain["inputs"]}


def test_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", str(SHOP), "--format", "docx", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_date_order_settles_an_ambiguous_chat(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("01/02/24, 10:00 - Anna: ciao\n03/04/24, 11:00 - Anna: ok\n", encoding="utf-8")
    runner = CliRunner()
    default = json.loads(runner.invoke(cli, ["inspect", "--json", str(chat)]).output)[0]
    month_first = json.loads(runner.invoke(cli, ["inspect", "--json", "--date-order", "mdy", str(chat)]).output)[0]
    assert default["first_timestamp"] == "2024-02-01T09:00:00Z"
    assert month_first["first_timestamp"] == "2024-01-02T09:00:00Z"


def test_exit_code_3_when_a_family_could_not_be_evaluated(tmp_path: Path) -> None:
    chat = ASSOC / "Chat WhatsApp con Soci ASD Esempio.txt"
    args = ["audit", str(chat), "--format", "json", "--out", str(tmp_path), "--as-of", "2026-11-25", "--fail-on", "none"]
    incomplete = CliRunner().invoke(cli, args)
    assert incomplete.exit_code == 3 and "PASS" not in incomplete.output, incomplete.output
    assert CliRunner().invoke(cli, [*args, "--allow-incomplete"]).exit_code == 0
    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert list(doc)[:6] == ["tool", "as_of", "inputs", "rules", "findings", "summary"]
    assert doc["summary"]["verdict"] == "incomplete"
    assert {"family", "rules", "missing", "add"} <= set(doc["summary"]["incomplete"][0])
    statuses = {r["status"] for r in doc["rules"]}
    assert {"not evaluated", "not applicable"} <= statuses <= {"passed", "failed", "not applicable", "not evaluated"}


def test_exit_codes_are_documented_in_help() -> None:
    text = CliRunner().invoke(cli, ["audit", "--help"]).output
    for line in ("0  nothing at or above --fail-on", "1  findings at or above --fail-on", "2  bad usage",
                 "3  incomplete", "--allow-incomplete", "--exclude GLOB", "--strict"):
        assert line in text, line


def test_rules_show_says_what_the_rule_rests_on() -> None:
    result = CliRunner().invoke(cli, ["rules", "show", "CONSENT-006"])
    assert result.exit_code == 0, result.output
    assert "  basis       platform" in result.output and "  severity    low" in result.output


def test_masked_findings_json_names_no_chat_file_in_paths_or_sources(tmp_path: Path) -> None:
    base = ["audit", str(ASSOC), "--format", "json", "--as-of", "2026-11-25", "--fail-on", "none"]
    CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "m")])
    CliRunner().invoke(cli, [*base, "--out", str(tmp_path / "u"), "--no-mask"])
    doc = json.loads((tmp_path / "m" / "findings.json").read_text(encoding="utf-8"))
    plain = json.loads((tmp_path / "u" / "findings.json").read_text(encoding="utf-8"))

    def paths(d: dict) -> str:
        return json.dumps([[i["path"] for i in d["inputs"]], [f["source"] for f in d["findings"]],
                           [{k: v for k, v in f["evidence"].items() if k.endswith("source")} for f in d["findings"]]])

    assert "Soci ASD Esempio" in paths(plain) and "Soci ASD Esempio" not in paths(doc)
    chat = next(i["path"] for i in doc["inputs"] if i["format"] == "whatsapp-chat")
    assert any(f["source"].startswith(chat + ":") for f in doc["findings"] if f["source"])
