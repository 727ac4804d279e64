"""SPECIAL-004 names the group and how many members could see each other's numbers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from msgaudit.api import AuditOptions, audit

ASSOC = Path(__file__).parent / "scenarios" / "association_personal_phone" / "input"


def test_group_finding_carries_group_and_members_reached() -> None:
    result = audit([ASSOC], AuditOptions(as_of=date(2026, 11, 25)))
    found = [f for f in result.findings if f.rule_id == "SPECIAL-004"]
    assert len(found) == 3
    assert {f.evidence["group"] for f in found} == {"WhatsApp Chat con Circolo"}
    assert {f.evidence["members_reached"] for f in found} == {2}
    assert "'WhatsApp Chat con Circolo', where its 2 known members" in found[0].message
