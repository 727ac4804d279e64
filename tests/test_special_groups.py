"""SPECIAL-004: one finding per group, naming it and the members who could see each other's numbers;
its severity follows what the group reveals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from msgaudit.api import AuditOptions, audit
from msgaudit.inventory import Organisation
from msgaudit.law import load_reference
from msgaudit.rules.context import CheckContext
from msgaudit.rules.evaluate import evaluate
from msgaudit.rules.loader import load_packs
from msgaudit.rules.prepare import prepare
from msgaudit.rules.testing import case_tables

ROOT = Path(__file__).resolve().parents[1]
ASSOC = Path(__file__).parent / "scenarios" / "association_personal_phone" / "input"


def test_group_finding_carries_group_and_members_exposed() -> None:
    result = audit([ASSOC], AuditOptions(as_of=date(2026, 11, 25)))
    found = [f for f in result.findings if f.rule_id == "SPECIAL-004"]
    assert len(found) == 1
    [group] = found
    assert group.evidence["group"] == "WhatsApp Chat con Circolo"
    assert group.evidence["members_exposed"] == 2 and group.evidence["messages"] == 3
    assert group.evidence["reveals"] == "none" and group.severity == "low"
    assert "'WhatsApp Chat con Circolo' shows its 2 known members" in group.message


def _group_findings(aim: str, category: str) -> list:
    [lp] = [lp for lp in load_packs([ROOT / "rules" / "special-categories.yaml"])]
    rule = next(r for r in lp.pack.rules if r.id == "SPECIAL-004")
    case = rule.tests[0].model_copy(update={"tables": {"messages": [
        {"message_id": "g1", "timestamp": "2025-05-01T10:00:00Z", "direction": "outbound", "channel": "whatsapp",
         "conversation_id": "Soci", "conversation_type": "group", "kind": "text", "category": category},
        {"message_id": "g2", "timestamp": "2025-05-01T10:05:00Z", "direction": "inbound", "channel": "whatsapp",
         "conversation_id": "Soci", "conversation_type": "group", "counterpart": "+393331234567", "kind": "text"},
    ]}})
    org = Organisation.model_validate({"name": "Circolo", "aim": aim})
    ctx = CheckContext(tables=prepare(case_tables(rule, case), "IT"), reference=load_reference(), organisation=org,
                       as_of=pd.Timestamp("2026-01-01", tz="UTC"))
    single = lp.pack.model_copy(update={"rules": [rule.model_copy(update={"tests": []})]})
    findings, _ = evaluate([single], ctx, mask=False)
    return findings


def test_group_severity_follows_what_it_reveals() -> None:
    assert [(f.severity, f.evidence["reveals"]) for f in _group_findings("sport", "unknown")] == [("low", "none")]
    assert [(f.severity, f.evidence["reveals"]) for f in _group_findings("sport", "marketing")] == [
        ("high", "promotional")]
    assert [(f.severity, f.evidence["reveals"]) for f in _group_findings("trade-union", "unknown")] == [
        ("high", "trade-union")]
