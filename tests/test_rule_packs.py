"""Every shipped pack, found by glob: each rule has a passing and a failing inline case, every case holds,
and the README's rule table is the packs' own (regenerate: MSGAUDIT_UPDATE_README=1 pytest tests/test_rule_packs.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from msgaudit.law import load_reference
from msgaudit.rules.loader import LoadedPack, load_packs
from msgaudit.rules.testing import missing_cases, run_pack_tests

ROOT = Path(__file__).resolve().parents[1]
PACK_FILES = sorted((ROOT / "rules").glob("*.yaml"))
README = ROOT / "README.md"
START, END = "<!-- rule-table:start -->", "<!-- rule-table:end -->"
BASIS = {"law": "law", "guidance": "regulator guidance", "platform": "platform policy", "house": "house policy"}


@pytest.fixture(scope="module")
def loaded() -> list[LoadedPack]:
    return load_packs(PACK_FILES)


def test_the_glob_finds_every_pack(loaded: list[LoadedPack]) -> None:
    assert len(PACK_FILES) >= 7
    assert sorted(lp.path for lp in loaded) == PACK_FILES


@pytest.mark.parametrize("pack", [p.name for p in PACK_FILES])
def test_every_rule_has_a_passing_and_a_failing_case(pack: str, loaded: list[LoadedPack]) -> None:
    assert missing_cases([lp for lp in loaded if lp.path.name == pack]) == []


@pytest.mark.parametrize("pack", [p.name for p in PACK_FILES])
def test_every_inline_case_holds(pack: str, loaded: list[LoadedPack]) -> None:
    failed = [f"{r.where}: {r.detail}" for r in run_pack_tests([lp for lp in loaded if lp.path.name == pack],
                                                                  load_reference()) if not r.ok]
    assert failed == []


def rule_table(loaded: list[LoadedPack]) -> str:
    rows = sorted((r.id, r.severity, BASIS[r.basis], r.title.replace("|", "/"), lp.path.name)
                  for lp in loaded for r in lp.pack.rules)
    lines = ["| Rule | Severity | Basis | What it flags | Pack |", "|---|---|---|---|---|"]
    lines += [f"| {rid} | {sev} | {basis} | {title} | `{pack}` |" for rid, sev, basis, title, pack in rows]
    return "\n".join(lines)


def test_readme_lists_every_rule_with_its_basis(loaded: list[LoadedPack]) -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "the README lost its rule table markers"
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    wanted = f"{head}{START}\n{rule_table(loaded)}\n{END}{tail}"
    if os.environ.get("MSGAUDIT_UPDATE_README"):
        README.write_text(wanted, encoding="utf-8")
    assert text == wanted, "README rule table is stale: MSGAUDIT_UPDATE_README=1 pytest tests/test_rule_packs.py"


def test_foreign_law_is_cited_only_for_recipients_in_that_country() -> None:
    from datetime import date

    from msgaudit.api import AuditOptions, audit

    shop = audit([ROOT / "tests" / "scenarios" / "shop_after_stop" / "input"], AuditOptions(as_of=date(2026, 11, 25)))
    [optout] = [r for r in shop.rules if r.id == "OPTOUT-001"]
    assert any(ref.country == "US" for ref in optout.law)  # the rule keeps it for US recipients
    italian = [f for f in shop.findings if f.rule_id == "OPTOUT-001"]
    assert italian and all(f.contact and f.contact.startswith("+39") for f in italian)
    assert all(not any("47 CFR" in ref.ref for ref in f.law) for f in italian)
    assert all(any("GDPR" in ref.ref for ref in f.law) for f in italian)
    night = audit([ROOT / "tests" / "scenarios" / "night_us_fr" / "input"], AuditOptions(as_of=date(2026, 11, 25)))
    [us] = [f for f in night.findings if f.rule_id == "TIMING-006"]
    assert any("47 CFR 64.1200(c)(1)" in ref.ref for ref in us.law)
    french = [f for f in night.findings if f.rule_id == "TIMING-002"]
    assert french and all(any(ref.country == "FR" for ref in f.law) for f in french)
