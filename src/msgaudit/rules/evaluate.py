"""Run rule packs over prepared views and collect findings. No I/O here.

For each rule: select rows with its compiled `where`, run its check, turn the
violating rows into findings (subject from the rows, evidence from `ev_`
columns, message from the rule's template). Findings are collected, never
raised, and come back in a deterministic order.
"""

from __future__ import annotations

import hashlib
import math
import string
from datetime import date, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, Callable

import numpy as np
import pandas as pd
from pandas.core.dtypes.cast import maybe_box_native

from msgaudit.findings import SEVERITY_RANK, Finding, RuleSummary, sort_key
from msgaudit.masking import mask_name, show_contact
from msgaudit.rules.checks import load_checks
from msgaudit.rules.conditions import compile_condition
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import remember_selection
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
    memo: dict[tuple[str, Any], str] = {}
    last: tuple[tuple[str, str], pd.DataFrame] | None = None
    for pack in packs:
        for rule in pack.rules:
            summary = RuleSummary(id=rule.id, pack=pack.pack, title=rule.title, severity=rule.severity,
                                  basis=rule.basis, applies_to=rule.applies_to, law=rule.law, remediation=rule.remediation,
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
            # Consecutive rules often share their selection (CONSENT-001..003): select once.
            wanted = (rule.applies_to, rule.where.strip())
            if last is not None and last[0] == wanted:
                selected = last[1]
            else:
                selected = table[compile_condition(rule.where, column_kinds(table))(table)] if wanted[1] else table
                remember_selection(selected, table)
                last = (wanted, selected)
            try:
                violations = cdef.func(ctx, selected, params) if len(selected) else selected.iloc[:0, :0]
            except ValueError as exc:
                # A parameter that names reference data which does not exist (a quiet-hours profile,
                # a holiday calendar) is only known here; one bad rule must not stop the audit.
                summary.evaluated = False
                summary.not_evaluated_reason = f"check {rule.check_name} failed: {exc}"
                continue
            if rule.per == "contact" and len(violations):
                violations = one_per_contact(selected, violations)
            found = to_findings(rule, selected, violations, mask=mask, memo=memo)
            summary.findings = len(found)
            findings.extend(found)
    findings.sort(key=sort_key)
    return findings, summaries


def one_per_contact(rows: pd.DataFrame, v: pd.DataFrame) -> pd.DataFrame:
    """The violations `v` folded to one per person: their first flagged row, with how many and when.

    The result carries its own subject (no message id: the finding is about the person), so
    `to_findings` reads it alone. Rows with no contact stay one finding each.
    """
    base = rows.loc[v.index] if _joins_rows(rows, v) else v
    extra = [c for c in v.columns if c not in base.columns]
    base = pd.concat([base, v[extra]], axis=1) if extra else base.copy()
    base = base.sort_values("timestamp", kind="stable")
    contact = base["contact"]
    stamps = base["timestamp"].groupby(contact, sort=False)
    first = (~contact.duplicated(keep="first") | contact.isna()).to_numpy()
    out = base[first].copy()
    who = out["contact"]
    out["ev_messages"] = who.map(contact.value_counts()).fillna(1).astype("int64").to_numpy()
    out["ev_first"] = who.map(stamps.min()).fillna(out["timestamp"])
    out["ev_last"] = who.map(stamps.max()).fillna(out["timestamp"])
    out["message_id"] = None
    return out


def to_findings(rule: Rule, rows: pd.DataFrame, v: pd.DataFrame, *, mask: bool,
                memo: dict[tuple[str, Any], str] | None = None) -> list[Finding]:
    """The findings of `rule` for the violations `v` (rows of `rows`, or a frame carrying its own subject).

    Every value is converted once per distinct value of its column, not once per finding: a million
    findings name a hundred thousand people. `memo` keeps masked contacts across the rules of an audit.
    """
    if len(v) == 0:
        return []
    memo = {} if memo is None else memo
    column = _columns(rows, v)
    n = len(v)
    ev_cols = [c for c in _distinct_names(rows, v) if c.startswith("ev_")]
    contact = _per_distinct(column("contact"), _clean, n)
    message_id = _per_distinct(column("message_id"), _clean, n)
    system = _per_distinct(column("system"), _clean, n)
    stamp = column("timestamp")
    ts = _per_distinct(stamp, _clean, n)
    evidence_values = {c[3:]: _per_distinct(column(c), _jsonable, n) for c in ev_cols}
    names = list(evidence_values)
    if names:
        evidence = [{k: x for k, x in zip(names, values) if x is not None}
                    for values in zip(*evidence_values.values())]
    else:
        evidence = [{} for _ in range(n)]
    period = evidence_values.get("period_start", np.full(n, None, dtype=object))
    # A finding without a message id is told apart by its time, as `fingerprint` expects.
    no_id = np.array([not m for m in message_id], dtype=bool)
    ts_key = np.full(n, None, dtype=object)
    if no_id.any():
        ts_key[no_id] = [t.isoformat() if t is not None else None for t in ts[no_id]]
    prints = _fingerprints(rule.id, [contact, message_id, system, ts_key, period])
    messages = _messages(rule.message, column, n, mask, memo)
    when = _datetimes(stamp, ts)
    names_col = _per_distinct(column("contact_name"), _clean, n)
    source = _per_distinct(column("source"), _clean, n)
    laws = _laws(rule, column, n)
    severity = _severities(rule, v, n)
    return [
        Finding.model_construct(
            rule_id=rule.id, fingerprint=prints[i], severity=severity[i], title=rule.title, message=messages[i],
            basis=rule.basis,
            contact=contact[i], contact_name=names_col[i], message_id=message_id[i], system=system[i],
            timestamp=when[i], source=source[i], evidence=evidence[i], law=list(laws[i]),
            remediation=rule.remediation, waived=False, waiver=None,
        )
        for i in range(n)
    ]


def _laws(rule: Rule, column: Callable[[str], pd.Series | None], n: int) -> np.ndarray:
    """Each finding's law references: a reference scoped to a country only where the recipient is there."""
    if not any(ref.country for ref in rule.law):
        return _object_array([rule.law] * n)
    return _per_distinct(column("contact_region"),
                         lambda region: [r for r in rule.law if not r.country or r.country.upper() == region], n)


def _severities(rule: Rule, v: pd.DataFrame, n: int) -> list[str]:
    """Each finding's severity: the check's `severity` column where it gives one, never above the rule's."""
    if "severity" not in v.columns:
        return [rule.severity] * n
    cap = SEVERITY_RANK[rule.severity]
    return [s if s in SEVERITY_RANK and SEVERITY_RANK[s] <= cap else rule.severity for s in v["severity"].tolist()]


def _distinct_names(rows: pd.DataFrame, v: pd.DataFrame) -> list[str]:
    """The columns a finding can read, first occurrence wins: the rows' own, then the check's."""
    if _joins_rows(rows, v):
        names = [str(c) for c in rows.columns] + [str(c) for c in v.columns if c not in rows.columns]
    else:
        names = [str(c) for c in v.columns]
    return list(dict.fromkeys(names))


def _joins_rows(rows: pd.DataFrame, v: pd.DataFrame) -> bool:
    """Violations indexed by the selected rows take their subject from them; an aggregate brings its own."""
    carried = {c for c in _SUBJECT_COLS if c in v.columns}
    return bool(v.index.isin(rows.index).all()) and not {"contact", "message_id", "system"} & carried


def _columns(rows: pd.DataFrame, v: pd.DataFrame) -> Callable[[str], pd.Series | None]:
    """Column lookup in violation order: a column of the rows wins over the check's column of that name."""
    joined = _joins_rows(rows, v)

    def column(name: str) -> pd.Series | None:
        if joined and name in rows.columns:
            return _first(rows, name).loc[v.index]
        if name in v.columns:
            return _first(v, name)
        return None

    return column


def _first(df: pd.DataFrame, name: str) -> pd.Series:
    return df.iloc[:, int(np.flatnonzero(df.columns == name)[0])]


def _per_distinct(values: pd.Series | None, func: Callable[[Any], Any], n: int) -> np.ndarray:
    """`func` of each value (boxed as `DataFrame.to_dict` boxes it; missing as None), computed once per distinct value."""
    if values is None:
        out = np.empty(n, dtype=object)
        out[:] = [func(None)] * n
        return out
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (a custom check's lists): one call per row
        return _object_array([func(maybe_box_native(x)) for x in values])
    results = [func(maybe_box_native(u)) for u in uniques]
    results.append(func(None))
    return _object_array(results)[codes]


def _object_array(items: list[Any]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _datetimes(stamp: pd.Series | None, cleaned: np.ndarray) -> np.ndarray:
    """Finding timestamps as Python datetimes; a datetime column converts in one pass."""
    if stamp is not None and isinstance(stamp.dtype, pd.DatetimeTZDtype):
        out = _object_array(list(stamp.array.to_pydatetime()))
        out[stamp.isna().to_numpy()] = None
        return out
    return _object_array([t.to_pydatetime() if isinstance(t, pd.Timestamp) else t for t in cleaned])


def _fingerprints(rule_id: str, parts: list[np.ndarray]) -> list[str]:
    """`findings.fingerprint(rule_id, *parts)` for every row: the same JSON text, each distinct part encoded once."""
    key = np.full(len(parts[0]), "[" + encode_basestring(rule_id), dtype=object)
    for part in parts:
        text = pd.Series(part, dtype=object)
        key = key + ", " + _per_distinct(text, lambda p: encode_basestring(str(p) if p is not None else ""), len(text))
    return [hashlib.sha256((k + "]").encode("utf-8")).hexdigest()[:16] for k in key]


def _messages(template: str, column: Callable[[str], pd.Series | None], n: int, mask: bool,
              memo: dict[tuple[str, Any], str]) -> list[str]:
    """The rule's message for every row: literal text and displayed fields joined column-wise."""
    pieces = list(string.Formatter().parse(template))
    fields = list(dict.fromkeys(f for _, f, _, _ in pieces if f))
    shown = {f: _per_distinct(column(f), _display_memo(f, mask, memo), n) for f in fields}
    plain = all(spec == "" and conv is None and (f is None or f.isidentifier()) for _, f, spec, conv in pieces)
    if not plain:
        return [template.format_map({f: shown[f][i] for f in fields}) for i in range(n)]
    text = np.full(n, "", dtype=object)
    for literal, field, _, _ in pieces:
        if literal:
            text = text + literal
        if field:
            text = text + shown[field]
    return list(text)


def _display_memo(field: str, mask: bool, memo: dict[tuple[str, Any], str]) -> Callable[[Any], str]:
    """`_display` for one field; contacts and phones are masked once per audit, not once per rule."""
    if field not in {"contact", "contact_phone", "counterpart", "phone"}:
        return lambda value: _display(field, value, mask)

    def shown(value: Any) -> str:
        key = ("contact" if mask else "contact-plain", value)
        if key not in memo:
            memo[key] = _display(field, value, mask)
        return memo[key]

    return shown


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
