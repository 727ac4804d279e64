"""Fingerprints identify a violation across runs and re-exports, and the engine's fast path agrees with the contract."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from msgaudit.api import AuditOptions, audit
from msgaudit.findings import fingerprint

SHOP = Path(__file__).parent / "scenarios" / "shop_after_stop" / "input"
ASSOC = Path(__file__).parent / "scenarios" / "association_personal_phone" / "input"


def _run(folder: Path):
    return audit([folder], AuditOptions(as_of=date(2026, 11, 25), mask=False)).findings


def test_engine_fingerprints_follow_the_documented_recipe() -> None:
    for f in _run(SHOP) + _run(ASSOC):
        ts = None if f.message_id else (f.timestamp.isoformat() if f.timestamp else None)
        assert f.fingerprint == fingerprint(f.rule_id, f.contact, f.message_id, f.system, ts,
                                            f.evidence.get("period_start"))


def test_fingerprints_survive_a_re_export_that_moves_lines(tmp_path: Path) -> None:
    copy = tmp_path / "shop"
    shutil.copytree(SHOP, copy)
    log = copy / "webhooks.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    log.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    before = {f.fingerprint: f.source for f in _run(SHOP)}
    after = {f.fingerprint: f.source for f in _run(copy)}
    assert set(before) == set(after) and len(before) == 2
    assert all(before[k].rsplit(":", 1)[1] != after[k].rsplit(":", 1)[1] for k in before)
