"""Run a rule's inline `tests:` cases: small tables in, pass or the flagged rows out.

Like semgrep's rule tests, each case is data in the rule file. Columns a case
leaves out are filled with what the canonical tables allow (empty), and
`source` with the case's own name, so cases stay short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from msgaudit.inventory import Organisation
from msgaudit.rules.context import CheckContext
from msgaudit.rules.evaluate import evaluate
from msgaudit.rules.loader import LoadedPack
from msgaudit.rules.prepare import prepare
from msgaudit.rules.spec import Pack, Rule, RuleTest
from msgaudit.tables import SPECS, Tables, conform, empty

_DEFAULT_AS_OF = date(2026, 11, 25)


@dataclass
class CaseResult:
    rule_id: str
    case: str
    where: str
    ok: bool
    detail: str


def case_tables(rule: Rule, case: RuleTest) -> Tables:
    frames = {}
    for name, rows in case.tables.items():
        if name not in SPECS:
            raise ValueError(f"unknown table {name!r}; use one of {', '.join(SPECS)}")
        df = pd.DataFrame(rows)
        if "source" not in df.columns:
            df["source"] = [f"{rule.id}/{case.name}:{i + 1}" for i in range(len(df))]
        if name == "contacts" and "contact_id" not in df.columns:
            df["contact_id"] = [f"c{i + 1}" for i in range(len(df))]
        if name == "messages" and "message_id" not in df.columns:
            df["message_id"] = [f"m{i + 1}" for i in range(len(df))]
        frames[name] = conform(df, SPECS[name]) if len(df) else empty(SPECS[name])
    return Tables(**frames)


def run_case(rule: Rule, case: RuleTest, reference: object) -> list[str]:
    """The subjects the rule flags in this case: message_id, else contact, else system."""
    tables = case_tables(rule, case)
    org = Organisation.model_validate({"name": "Test organisation", **case.organisation}) if case.organisation else None
    as_of = date.fromisoformat(case.as_of) if case.as_of else _DEFAULT_AS_OF
    ctx = CheckContext(tables=prepare(tables, (org.default_region or org.country) if org else "IT",
                                      org.message_categories if org else None),
                       reference=reference, organisation=org,
                       as_of=pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1))
    single = Pack(pack="case", title="case", rules=[rule.model_copy(update={"tests": [], "enabled": True})])
    findings, _ = evaluate([single], ctx, mask=False, org_source="inventory")
    return [f.message_id or f.contact or f.system or f.source or "" for f in findings]


def run_pack_tests(packs: list[LoadedPack], reference: object) -> list[CaseResult]:
    results = []
    for lp in packs:
        for i, rule in enumerate(lp.pack.rules):
            for j, case in enumerate(rule.tests):
                where = lp.where("rules", i, "tests", j)
                try:
                    flagged = run_case(rule, case, reference)
                except (ValueError, KeyError, TypeError) as exc:
                    results.append(CaseResult(rule.id, case.name, where, False, f"error: {exc}"))
                    continue
                results.append(_judge(rule, case, flagged, where))
    return results


def _judge(rule: Rule, case: RuleTest, flagged: list[str], where: str) -> CaseResult:
    if case.expect == "pass":
        ok = not flagged
        detail = "passes" if ok else f"expected no finding, got {len(flagged)}: {', '.join(flagged[:5])}"
    elif case.flagged is not None:
        ok = sorted(flagged) == sorted(case.flagged)
        detail = "flags as expected" if ok else f"expected {sorted(case.flagged)}, got {sorted(flagged)}"
    else:
        ok = bool(flagged)
        detail = f"flags {len(flagged)}" if ok else "expected a finding, got none"
    return CaseResult(rule.id, case.name, where, ok, detail)


def missing_cases(packs: list[LoadedPack]) -> list[str]:
    """Rules that lack a passing or a failing inline case."""
    out = []
    for lp in packs:
        for i, rule in enumerate(lp.pack.rules):
            kinds = {c.expect for c in rule.tests}
            for need in ("pass", "fail"):
                if need not in kinds:
                    out.append(f"{lp.where('rules', i, 'id')}: {rule.id} has no {'passing' if need == 'pass' else 'failing'} test case")
    return out
