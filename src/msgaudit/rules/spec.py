"""What a rule file may say, as pydantic models; `msgaudit rules schema` prints their JSON Schema.

A pack file:

    pack: gdpr-consent
    title: GDPR and ePrivacy consent
    version: "2026.11"
    rules:
      - id: CONSENT-001
        title: Marketing sent without prior consent
        severity: high
        basis: law
        applies_to: messages
        where: direction == "outbound" and category == "marketing"
        check: {consent: {purpose: marketing}}
        message: "Marketing message to {contact} with no consent for marketing in force"
        law: [{ref: "Directive 2002/58/EC Art. 13(1)", url: "https://eur-lex.europa.eu/eli/dir/2002/58/oj"}]
        remediation: Stop marketing to this person until consent is recorded.
        tests:
          - name: consent granted the day before
            expect: pass
            tables: {messages: [...], consent_events: [...]}
"""

from __future__ import annotations

import re
import string
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from msgaudit.findings import Basis, LawRef, Severity

RULE_FAMILIES = ("CONSENT", "OPTOUT", "TIMING", "WINDOW", "TEMPLATE", "TRANSFER", "SPECIAL", "QUALITY")
ID_PATTERN = re.compile(rf"^(?:{'|'.join(RULE_FAMILIES)})-\d{{3}}$")
AppliesTo = Literal["messages", "deliveries", "contacts", "consent_events", "optouts", "systems", "organisation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleTest(_Strict):
    """An inline case: small tables in, the rule passes or flags the listed rows."""

    name: str = Field(min_length=1)
    expect: Literal["pass", "fail"]
    tables: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    organisation: dict[str, Any] = Field(default_factory=dict, description="Inventory organisation keys for this case")
    as_of: str | None = None
    flagged: list[str] | None = Field(default=None, description="message_id, contact or system of each expected finding")

    @model_validator(mode="after")
    def _flagged_only_when_failing(self) -> "RuleTest":
        if self.expect == "pass" and self.flagged:
            raise ValueError("a passing case cannot list flagged rows")
        return self


class RuleText(_Strict):
    """A rule's reader-facing text in another language; what is left out stays in English."""

    title: str | None = Field(default=None, min_length=3)
    description: str | None = None
    remediation: str | None = Field(default=None, min_length=1)


class Rule(_Strict):
    id: str
    title: str = Field(min_length=3)
    severity: Severity
    basis: Basis = Field(description="What the rule rests on: law, regulator guidance, platform policy or house policy")
    applies_to: AppliesTo
    where: str = ""
    check: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {"match": {}},
        description="Exactly one check from the vocabulary with its parameters; 'match' flags every row 'where' selects",
    )
    message: str = Field(min_length=1)
    law: list[LawRef] = Field(min_length=1)
    remediation: str = Field(min_length=1)
    description: str = ""
    enabled: bool = True
    per: Literal["row", "contact"] = Field(
        default="row", description="'contact': one finding per person (their first flagged row; evidence "
                                   "`messages`, `first`, `last`), for duties owed to a person, not to each message")
    translations: dict[Literal["it"], RuleText] = Field(
        default_factory=dict, description="The title, description and remediation for reports in other languages")
    tests: list[RuleTest] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id_family(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"rule id {v!r} must look like FAMILY-NNN with FAMILY one of {', '.join(RULE_FAMILIES)}")
        return v

    @field_validator("message")
    @classmethod
    def _message_fields(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("message must not be empty")
        for _, field, spec, conv in string.Formatter().parse(v):
            if field is None:
                continue
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", field) or spec or conv:
                raise ValueError(f"message placeholder {{{field}}} must be a plain name such as {{contact}}")
        return v

    @field_validator("check")
    @classmethod
    def _one_check(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        if len(v) != 1:
            raise ValueError("name exactly one check, e.g. check: {consent: {purpose: marketing}}")
        return {k: (p or {}) for k, p in v.items()}

    @property
    def check_name(self) -> str:
        return next(iter(self.check))

    @property
    def check_params(self) -> dict[str, Any]:
        return next(iter(self.check.values()))

    @property
    def family(self) -> str:
        return self.id.split("-")[0]


class Pack(_Strict):
    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    version: str = "1"
    description: str = ""
    rules: list[Rule] = Field(min_length=1)
