"""Custom Python checks join the vocabulary through the `msgaudit.checks` entry-point group."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import msgaudit.rules.checks as checks
from msgaudit.law import load_reference
from msgaudit.rules.loader import load_packs
from msgaudit.rules.testing import run_pack_tests

PACK = """\
pack: weekend
title: Weekend policy
rules:
  - id: TIMING-201
    title: Sent on a weekend
    severity: low
    basis: house
    applies_to: deliveries
    check: {sent_on_weekend: {days: [6]}}
    message: "Message to {contact} on a {weekday}"
    law: [{ref: "Internal policy 2.1"}]
    remediation: Send on weekdays.
    tests:
      - name: Saturday is allowed by this pack
        expect: pass
        tables:
          messages:
            - {message_id: m1, timestamp: "2025-03-08T10:00:00Z", direction: outbound, counterpart: "+393331234567"}
      - name: Sunday is flagged
        expect: fail
        flagged: [m2]
        tables:
          messages:
            - {message_id: m2, timestamp: "2025-03-09T10:00:00Z", direction: outbound, counterpart: "+393331234567"}
"""


def test_entry_point_check_is_loaded_and_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "plugins"))
    monkeypatch.setattr(checks, "entry_points",
                        lambda group: [SimpleNamespace(value="weekend_checks")] if group == "msgaudit.checks" else [])
    pack = tmp_path / "weekend.yaml"
    pack.write_text(PACK, encoding="utf-8")
    results = run_pack_tests(load_packs([pack]), load_reference())
    assert [(r.case, r.ok) for r in results] == [("Saturday is allowed by this pack", True), ("Sunday is flagged", True)]
    assert "sent_on_weekend" in checks.load_checks()
