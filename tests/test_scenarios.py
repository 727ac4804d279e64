"""Scenario folders: real-format exports in, exactly the expected findings out.

Each folder under tests/scenarios/ holds `input/` (exports and an inventory),
`scenario.yaml` (as_of and what it shows) and `expected.yaml` (every finding the
default packs must produce, and nothing else).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from msgaudit.api import AuditOptions, audit

SCENARIOS = Path(__file__).parent / "scenarios"


def _key(rule: str, message_id: str | None = None, contact: str | None = None, system: str | None = None,
         period_start: str | None = None, period_end: str | None = None) -> tuple:
    return (rule, message_id, contact if message_id or not system else None, system, period_start, period_end)


@pytest.mark.parametrize("folder", sorted(p.name for p in SCENARIOS.iterdir() if (p / "expected.yaml").exists()))
def test_scenario(folder: str) -> None:
    base = SCENARIOS / folder
    meta = yaml.safe_load((base / "scenario.yaml").read_text(encoding="utf-8"))
    expected = yaml.safe_load((base / "expected.yaml").read_text(encoding="utf-8"))["findings"]
    result = audit([base / "input"], AuditOptions(as_of=date.fromisoformat(str(meta["as_of"])), mask=False))
    got = sorted(_key(f.rule_id, f.message_id, f.contact if f.message_id or f.contact else None, f.system,
                      f.evidence.get("period_start"), f.evidence.get("period_end"))
                 for f in result.findings if not f.waived)
    want = sorted(_key(**e) for e in expected)
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    assert not missing and not extra, f"missing: {missing}\nunexpected: {extra}"
    assert all(i.rows_read == i.rows_accepted + i.rows_rejected for i in result.inputs)
