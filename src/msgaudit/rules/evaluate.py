"""Run rule packs over prepared views and collect findings. No I/O here.

For each rule: select rows with its compiled `where`, run its check, turn the
violating rows into findings (subject from the rows, evidence from `ev_`
columns, message from the rule's template). Findings are collected, never
raised, and come back in a deterministic order.
"""

from __future__ import annotations

import math
import string
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from msgaudit.findings import Finding, RuleSummary, fingerprint, sort_key
from msgaudit.masking import mask_name, show_contact
from msgaudit.rules.checks import load_checks
from msgaudit.rules.conditions import compile_condition
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import Prepared
from msgaudit.rules.spec import Pack, Rule

_SUBJECT_COLS = ("contact", "contact_name", "message_id", "system", "timestamp", "source")


def column_kinds(df: pd.DataFrame) -> dict[str, str]:
    kinds = {}
    for name, dtype in df.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            kinds[str(name)] = "datetime"
        elif pd.api.types.is_bool_dtype(dtype):
            kinds[str(name)] = "bool"
        elif pd.api.types.is_integer_dtype(dtype):
            kinds[str(name)] = "int"
        elif pd.api.types.is_float_dtype(dtype):
            kinds[str(name)] = "float"
        else:
            kinds[str(name)] = "str"
    return kinds


def organisation_view(organisation: Any | None, source: str) -> pd.DataFrame:
    if organisation is None:
        return pd.DataFrame({"source": pd.Series([], dtype=object)})
    data = {k: ("|".join(v) if isinstance(v, list) else v) for k, v in organisation.model_dump().items()}
    data["source"] = source
    return pd.DataFrame([data])


def view(ctx: CheckContext, name: str, org_source: str = "") -> pd.DataFrame:
    if name == "organisation":
        return organisation_view(ctx.organisation, org_source)
    return ctx.tables.get(name)


def evaluate(packs: list[Pack], ctx: CheckContext, *, mask: bool = True, org_source: str = "") -> tuple[list[Finding], list[RuleSummary]]:
    checks = load_checks()
    findings: list[Finding] = []
    summaries: list[RuleSummary] = []
    for pack in packs:
        for rule in pack.rules:
            summary = RuleSummary(id=rule.id, pack=pack.pack, title=rule.title, severity=rule.severity,
                                  applies_to=rule.applies_to, law=rule.law, remediation=rule.remediation,
                                  description=rule.description,
                                  translations={lang: text.model_dump(exclude_none=True)
                                                for lang, text in rule.translations.items()})
            summaries.append(summary)
            if not rule.enabled:
                summary.evaluated = False
                summary.not_evaluated_reason = "disabled in its pack"
                continue
            table = view(ctx, rule.applies_to, org_source)
            if table.empty:
                summary.evaluated = False
                summary.not_evaluated_reason = f"no {rule.applies_to.replace('_', ' ')} in the inputs"
                continue
            cdef = checks[rule.check_name]
            params = cdef.params.model_validate(rule.check_params)
            selected = table[compile_condition(rule.where, column_kinds(table))(table)] if rule.where.strip() else table
            try:
                violations = cdef.func(ctx, selected, params) if len(selected) else selected.iloc[:0, :0]
            except ValueError as exc:
                # A parameter that names reference data which does not exist (a quiet-hours profile,
                # a holiday calendar) is only known here; one bad rule must not stop the audit.
                summary.evaluated = False
                summary.not_evaluated_reason = f"check {rule.check_name} failed: {exc}"
                continue
            found = to_findings(rule, selected, violations, mask=mask)
            summary.findings = len(found)
            findings.extend(found)
    findings.sort(key=sort_key)
    return findings, summaries


def to_findings(rule: Rule, rows: pd.DataFrame, v: pd.DataFrame, *, mask: bool) -> list[Finding]:
    if len(v) == 0:
        return []
    carried = [c for c in _SUBJECT_COLS if c in v.columns]
    if set(v.index) <= set(rows.index) and not {"contact", "message_id", "system"} & set(carried):
        base = rows.loc[v.index]
        frame = pd.concat([base, v.drop(columns=[c for c in v.columns if c in base.columns])], axis=1)
    else:
        frame = v
    frame = frame.loc[:, ~frame.columns.duplicated()]
    ev_cols = [c for c in frame.columns if c.startswith("ev_")]
    template_fields = [f for _, f, _, _ in string.Formatter().parse(rule.message) if f]
    out = []
    records = frame.to_dict("records")
    for rec in records:
        contact = _clean(rec.get("contact"))
        evidence = {c[3:]: _jsonable(rec[c]) for c in ev_cols if _clean(rec[c]) is not None}
        ts = _clean(rec.get("timestamp"))
        message_id = _clean(rec.get("message_id"))
        system = _clean(rec.get("system"))
        fields = {f: _display(f, rec.get(f), mask) for f in template_fields}
        out.append(Finding.model_construct(
            rule_id=rule.id,
            fingerprint=fingerprint(rule.id, contact, message_id, system,
                                    None if message_id else (ts.isoformat() if ts is not None else None),
                                    evidence.get("period_start")),
            severity=rule.severity, title=rule.title,
            message=rule.message.format_map(fields),
            contact=contact,
            contact_name=_clean(rec.get("contact_name")),
            message_id=message_id, system=system,
            timestamp=ts.to_pydatetime() if isinstance(ts, pd.Timestamp) else ts,
            source=_clean(rec.get("source")), evidence=evidence, law=list(rule.law),
            remediation=rule.remediation, waived=False, waiver=None,
        ))
    return out


def _clean(value: Any) -> Any:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _jsonable(value: Any) -> Any:
    value = _clean(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timedelta):
        return str(value)
    return value


def _display(field: str, value: Any, mask: bool) -> str:
    value = _clean(value)
    if value is None:
        return "—"
    if field == "contact":
        return show_contact(str(value), mask)
    if field in {"contact_name", "counterpart_name", "display_name", "contact_display_name"} and mask:
        return mask_name(str(value))
    if field in {"contact_phone", "counterpart", "phone"}:
        return show_contact(str(value), mask)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
    return str(value)
