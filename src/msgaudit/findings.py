"""Findings and the result of an audit: what every output format is made from.

`as_records()` is the one flat view that JSON, CSV and the report share, so
they never disagree about what was found.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from msgaudit.contact_status import ContactStatus
from msgaudit.ingest.base import InputReport
from msgaudit.ingest.folders import Skipped
from msgaudit.simulation import Simulation

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
RuleStatus = Literal["passed", "failed", "not applicable", "not evaluated"]
Verdict = Literal["pass", "fail", "incomplete"]
# What a rule rests on, so a reader can tell a legal duty from a platform's or the house's own policy.
Basis = Literal["law", "guidance", "platform", "house"]
FindingBasis = Literal["law", "guidance", "platform", "house", "unknown"]


class LawRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: str = Field(description="Instrument and article, e.g. 'GDPR Art. 7(1)'")
    url: str = ""
    note: str = ""
    country: str = Field(default="", description="Cite only on findings about a recipient in this country "
                                                  "(ISO code, as the phone region): foreign law applies to its own people")


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    contact: str | None = None
    message_id: str | None = None
    system: str | None = None
    justification: str
    approver: str
    expires: datetime
    source: str = ""


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule_id: str
    fingerprint: str
    severity: Severity
    title: str
    message: str
    basis: FindingBasis = "unknown"
    contact: str | None = None
    contact_name: str | None = None
    message_id: str | None = None
    system: str | None = None
    timestamp: datetime | None = None
    source: str | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)
    law: list[LawRef] = Field(default_factory=list)
    remediation: str = ""
    waived: bool = False
    waiver: Waiver | None = None


class RuleSummary(BaseModel):
    id: str
    pack: str
    title: str
    severity: Severity
    applies_to: str
    basis: FindingBasis = "unknown"
    evaluated: bool = True
    findings: int = 0
    waived: int = 0
    law: list[LawRef] = Field(default_factory=list)
    remediation: str = ""
    description: str = ""
    not_evaluated_reason: str = ""
    status: RuleStatus = "passed"
    status_reason: str = Field(default="", description="Why not applicable (0 in scope) or not evaluated")
    in_scope: int = Field(default=0, description="Rows the rule's `where` selected")
    missing_inputs: list[str] = Field(default_factory=list, description="Inputs it needed and the audit lacked")
    translations: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _status_follows_evaluated(self) -> "RuleSummary":
        if not self.evaluated and self.status == "passed":
            self.status, self.status_reason = "not evaluated", self.status_reason or self.not_evaluated_reason
        return self

    def localised(self, lang: str) -> "RuleSummary":
        """This rule with its title, description and remediation in `lang` where the pack provides them."""
        text = self.translations.get(lang)
        return self.model_copy(update=text) if text else self


class IncompleteFamily(BaseModel):
    """A rule family the audit could not (fully) evaluate, and what the user can add so it can."""

    family: str
    rules: list[str]
    missing: list[str] = Field(default_factory=list, description="Inputs that were lacking")
    add: list[str] = Field(default_factory=list, description="One line per missing input: what to add")


class Summary(BaseModel):
    total: int
    waived: int
    by_severity: dict[str, int]
    by_rule: dict[str, int]
    by_pack: dict[str, int]
    fail_on: Severity | None = None
    failed: bool = False
    messages: int = 0
    contacts: int = 0
    period_start: datetime | None = None
    period_end: datetime | None = None
    verdict: Verdict = "pass"
    incomplete: list[IncompleteFamily] = Field(default_factory=list)


class DayCount(BaseModel):
    day: date
    outbound: int = 0
    inbound: int = 0
    findings: int = 0


class Activity(BaseModel):
    """Counts the report draws: messages and findings per day, outbound by recipient local weekday and hour."""

    daily: list[DayCount] = Field(default_factory=list)
    local_hours: list[list[int]] = Field(default_factory=list, description="7 rows (Mon..Sun) × 24 hours")


class AuditResult(BaseModel):
    tool: dict[str, str]
    as_of: date
    inputs: list[InputReport]
    rules: list[RuleSummary]
    findings: list[Finding]
    summary: Summary
    organisation: dict[str, Any] = Field(default_factory=dict)
    systems: list[dict[str, Any]] = Field(default_factory=list)
    activity: Activity = Field(default_factory=Activity)
    ruleset_version: str = ""
    skipped: list[Skipped] = Field(default_factory=list, description="Files in input folders that were not read")
    contactability: list[ContactStatus] = Field(default_factory=list)
    simulation: Simulation | None = None  # set when the exports came from `msgaudit simulate`

    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    def localised(self, lang: str) -> "AuditResult":
        """The result with rule text (and each finding's title and remediation) in `lang` where available."""
        rules = [r.localised(lang) for r in self.rules]
        changed = {r.id: r for r, orig in zip(rules, self.rules) if r is not orig}
        if not changed:
            return self
        findings = [f.model_copy(update={"title": changed[f.rule_id].title, "remediation": changed[f.rule_id].remediation})
                    if f.rule_id in changed else f for f in self.findings]
        return self.model_copy(update={"rules": rules, "findings": findings})


def fingerprint(rule_id: str, *parts: object) -> str:
    """Stable across runs and re-exports: built from what identifies the violation, not from file lines."""
    key = json.dumps([rule_id, *[str(p) if p is not None else "" for p in parts]], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def sort_key(f: Finding) -> tuple:
    return (-SEVERITY_RANK[f.severity], f.rule_id, f.timestamp.isoformat() if f.timestamp else "",
            f.contact or "", f.message_id or "", f.system or "", f.fingerprint)
