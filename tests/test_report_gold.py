"""The HTML of a small report compared with a gold file (coverage.py style), with scrubs for versions.

Regenerate after an intended change: MSGAUDIT_UPDATE_GOLD=1 pytest tests/test_report_gold.py
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from pathlib import Path

import pytest

from msgaudit.report.html import render_html
from msgaudit.report.viewmodel import build_view

FIXTURES = Path(__file__).parent / "fixtures/report"
_spec = importlib.util.spec_from_file_location("report_build", FIXTURES / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SCRUBS = [
    (re.compile(r"msgaudit \d+\.\d+\.\d+\S*"), "msgaudit VERSION"),
    # The stylesheet has its own look; the gold is about content and structure.
    (re.compile(r"<style>.*?</style>", re.S), "<style>CSS</style>"),
]


def _scrub(text: str) -> str:
    for pattern, replacement in SCRUBS:
        text = pattern.sub(replacement, text)
    return text


def _small():
    result = build.build(hostile=True)
    keep = {"OPTOUT-001", "TRANSFER-001", "QUALITY-001"}
    return result.model_copy(update={"findings": [f for f in result.findings if f.rule_id in keep],
                                     "activity": result.activity.model_copy(update={"daily": result.activity.daily[:10]})})


@pytest.mark.parametrize("lang", ["en", "it"])
def test_small_report_html_matches_gold(lang: str) -> None:
    gold = FIXTURES / "gold" / f"small_{lang}.html"
    actual = _scrub(render_html(build_view(_small(), lang, mask=True)))
    if os.environ.get("MSGAUDIT_UPDATE_GOLD"):
        gold.write_text(actual, encoding="utf-8")
    expected = gold.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "gold", "actual", n=2))
        pytest.fail(f"{gold.name} differs:\n{diff[:4000]}")
