"""Consent, opt-out, service-window and template rules: every inline case, plus edge cases of the checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from msgaudit.law import load_reference
from msgaudit.rules.loader import load_packs
from msgaudit.rules.testing import run_pack_tests

ROOT = Path(__file__).resolve().parents[1]
PACKS = [ROOT / "rules" / name for name in ("gdpr-consent.yaml", "optout.yaml", "whatsapp-policy.yaml")]
REFERENCE = load_reference()
LOADED = load_packs([p for p in PACKS if p.exists()])
RESULTS = run_pack_tests(LOADED, REFERENCE)


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.rule_id}:{r.case}" for r in RESULTS])
def test_inline_case(result) -> None:
    assert result.ok, f"{result.where}: {result.detail}"
