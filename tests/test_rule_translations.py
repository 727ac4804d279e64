"""Every rule of the default packs speaks Italian, so an Italian report is Italian throughout.

The Italian text is a translation, not a paraphrase: what a DPO checks against
the law (rule ids, article paragraphs, dates, case numbers, keywords, field
names, notes in LAW.md) and every "unverified" caveat must survive it.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from markupsafe import escape

from msgaudit.api import AuditOptions, audit, default_rules_dir
from msgaudit.findings import AuditResult
from msgaudit.report.html import render_html
from msgaudit.report.viewmodel import build_view
from msgaudit.rules.loader import load_packs
from msgaudit.rules.spec import Rule

SAMPLE = Path(__file__).resolve().parents[1] / "sample_exports" / "associazione"
FIELDS = ("title", "description", "remediation")

# Tokens a translation must carry over verbatim from the English description.
KEPT = [
    re.compile(r"\b(?:CONSENT|OPTOUT|TIMING|WINDOW|TEMPLATE|TRANSFER|SPECIAL|QUALITY)-\d{3}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}Z)?"),
    re.compile(r"\bC-\d+/\d+(?: P)?"),
    re.compile(r"\b\d+\(\d+\)(?:\([a-z]\))?"),
    re.compile(r"`[^`]+`"),
    re.compile(r"\bLAW\.md (?:§\d+|[A-Z]\d+(?:-[A-Z]?\d+)?)"),
    re.compile(r"[\w/]+\.yaml\b"),
    re.compile(r"\b(?:STOP|ANNULLA|BASTA|ARRET|START|ISCRIVIMI)\b"),
    re.compile(r"\b\d{2}:\d{2}\b"),
]
CAVEATS = {
    "unverified": re.compile(r"\bnon\b[^.;]{0,60}\bverificat[oaie]\b"),
    "secondary sources": re.compile(r"\bfonti secondarie\b"),
    "human review": re.compile(r"\bverifica umana\b"),
}
# Words that betray an untranslated English sentence; quoted and `code` spans are left out first.
ENGLISH = re.compile(r"\b(?:the|and|with|when|which|must|should|before|after|is not|are not)\b", re.I)
QUOTED = re.compile(r'"[^"]*"|`[^`]*`')


@cache
def _rules() -> tuple[Rule, ...]:
    return tuple(rule for loaded in load_packs([default_rules_dir()]) for rule in loaded.pack.rules)


@cache
def _sample() -> AuditResult:
    return audit([SAMPLE], AuditOptions(as_of=date(2026, 11, 25)))


def _html(text: str) -> str:
    """Text as the report's jinja autoescape writes it."""
    return str(escape(text))


def _ids() -> list[str]:
    return [rule.id for rule in _rules()]


def _rule(rule_id: str) -> Rule:
    return next(rule for rule in _rules() if rule.id == rule_id)


def test_default_packs_still_validate() -> None:
    assert len(_rules()) >= 30


@pytest.mark.parametrize("rule_id", _ids())
def test_rule_has_complete_italian_text_that_is_not_english(rule_id: str) -> None:
    rule = _rule(rule_id)
    it = rule.translations.get("it")
    assert it is not None, f"{rule_id} has no Italian translation"
    for field in FIELDS:
        text, english = getattr(it, field), getattr(rule, field)
        assert text and text.strip(), f"{rule_id}: Italian {field} is missing"
        assert text != english, f"{rule_id}: Italian {field} is the English text"
        leftover = ENGLISH.findall(QUOTED.sub("", text))
        assert leftover == [], f"{rule_id}: Italian {field} reads as English ({leftover})"


@pytest.mark.parametrize("rule_id", _ids())
def test_translation_keeps_references_and_caveats(rule_id: str) -> None:
    rule = _rule(rule_id)
    it = rule.translations["it"]
    for pattern in KEPT:
        lost = set(pattern.findall(rule.description)) - set(pattern.findall(it.description or ""))
        assert lost == set(), f"{rule_id}: the Italian description drops {sorted(lost)}"
    for caveat, italian in CAVEATS.items():
        if caveat in rule.description.lower():
            assert italian.search(it.description or ""), f"{rule_id}: the Italian description drops '{caveat}'"


def test_localised_result_carries_the_italian_text_to_rules_and_findings() -> None:
    result = _sample()
    localised = result.localised("it")
    by_id = {rule.id: rule for rule in _rules()}
    for summary in localised.rules:
        assert summary.title == by_id[summary.id].translations["it"].title
        assert summary.description == by_id[summary.id].translations["it"].description
    assert localised.findings
    for finding in localised.findings:
        assert finding.title == by_id[finding.rule_id].translations["it"].title
        assert finding.remediation == by_id[finding.rule_id].translations["it"].remediation


def test_italian_report_of_the_sample_association_shows_italian_rule_text() -> None:
    result = _sample()
    page = render_html(build_view(result.localised("it"), "it", True))
    fired = sorted({f.rule_id for f in result.findings})
    assert {"CONSENT-006", "OPTOUT-001", "SPECIAL-004"} <= set(fired)
    for rule_id in fired:
        rule = _rule(rule_id)
        it = rule.translations["it"]
        assert _html(it.title) in page, f"{rule_id}: Italian title missing from the report"
        assert _html(rule.title) not in page, f"{rule_id}: English title still in the Italian report"
        assert _html(it.remediation) in page, f"{rule_id}: Italian remediation missing from the report"
        assert _html(rule.remediation) not in page, f"{rule_id}: English remediation in the Italian report"
    consent = _rule("CONSENT-006")
    assert _html(consent.translations["it"].title) in page
    assert "Messaggi WhatsApp a una persona senza assenso registrato a WhatsApp" in page


def test_english_report_is_unchanged_by_translations() -> None:
    result = _sample()
    page = render_html(build_view(result, "en", True))
    rule = _rule("CONSENT-006")
    assert _html(rule.title) in page
    assert _html(rule.translations["it"].title) not in page
