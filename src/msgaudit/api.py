"""The audit as one function: inputs and rule packs in, an `AuditResult` out.

    audit(paths, rules=..., inventory=..., as_of=...) -> AuditResult

Writers (JSON, CSV, HTML, PDF) take the result; nothing here writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from msgaudit import __version__
from msgaudit.findings import (SEVERITY_RANK, Activity, AuditResult, DayCount, Finding, IncompleteFamily,
                               RuleSummary, Severity, Summary)
from msgaudit.loading import Loaded, load
from msgaudit.rules.context import CheckContext
from msgaudit.rules.contactability import contactability
from msgaudit.rules.evaluate import DISABLED, evaluate
from msgaudit.rules.loader import LoadedPack, load_packs
from msgaudit.rules.prepare import Prepared, prepare
from msgaudit.rules.waivers import apply_waivers, load_waivers


@dataclass
class AuditOptions:
    rules: list[str | Path] = field(default_factory=list)
    inventory: str | Path | None = None
    as_of: date | None = None
    fail_on: Severity | None = "high"
    mask: bool = True
    waivers: str | Path | None = None
    tz: str | None = None
    default_region: str | None = None
    business: tuple[str, ...] = ()
    fmt: str | None = None
    mapping: dict[str, str] | None = None
    date_order: str | None = None
    exclude: tuple[str, ...] = ()
    strict: bool = False


def default_rules_dir() -> Path:
    from msgaudit.paths import bundled_dir

    return bundled_dir("rules")


def audit(paths: list[str | Path], options: AuditOptions | None = None) -> AuditResult:
    opts = options or AuditOptions()
    loaded = load(paths, inventory=opts.inventory, fmt=opts.fmt, tz=opts.tz, default_region=opts.default_region,
                  business=opts.business, mapping=opts.mapping, date_order=opts.date_order, exclude=opts.exclude,
                  strict=opts.strict)
    packs = load_packs(opts.rules or [default_rules_dir()])
    return run_audit(loaded, packs, opts)


def run_audit(loaded: Loaded, packs: list[LoadedPack], opts: AuditOptions) -> AuditResult:
    from msgaudit.law import load_reference

    as_of = opts.as_of or datetime.now(timezone.utc).date()
    org = loaded.inventory.organisation if loaded.inventory else None
    prepared = prepare(loaded.tables, loaded.context.default_region, org.message_categories if org else None)
    ctx = CheckContext(tables=prepared, reference=load_reference(), organisation=org,
                       as_of=pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1))
    findings, rules = evaluate([lp.pack for lp in packs], ctx, mask=opts.mask,
                               org_source=str(loaded.inventory_path or "inventory"),
                               available=available_inputs(loaded, prepared))
    if opts.waivers:
        waivers = load_waivers(opts.waivers, loaded.context.timezone, loaded.context.default_region)
        as_of_instant = datetime.combine(as_of, time(0), tzinfo=ZoneInfo(loaded.context.timezone))
        apply_waivers(findings, waivers, as_of_instant)
        for r in rules:
            r.waived = sum(1 for f in findings if f.rule_id == r.id and f.waived)
    return AuditResult(
        tool={"name": "msgaudit", "version": __version__},
        as_of=as_of,
        inputs=loaded.inputs,
        rules=rules,
        findings=findings,
        summary=summarise(findings, rules, prepared, opts.fail_on),
        skipped=loaded.skipped,
        organisation=org.model_dump(mode="json") if org else {},
        systems=_records(loaded.tables.systems),
        activity=activity(prepared, findings, loaded.context.timezone),
        ruleset_version=" · ".join(f"{lp.pack.pack} {lp.pack.version}" for lp in packs),
        contactability=contactability(ctx),
        simulation=loaded.simulation,
    )


def summarise(findings: list[Finding], rules: list[RuleSummary], prepared: Prepared, fail_on: Severity | None) -> Summary:
    active = [f for f in findings if not f.waived]
    pack_of = {r.id: r.pack for r in rules}
    by_sev = {s: 0 for s in SEVERITY_RANK}
    by_rule: dict[str, int] = {}
    by_pack: dict[str, int] = {}
    for f in active:
        by_sev[f.severity] += 1
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
        by_pack[pack_of[f.rule_id]] = by_pack.get(pack_of[f.rule_id], 0) + 1
    failed = fail_on is not None and any(SEVERITY_RANK[f.severity] >= SEVERITY_RANK[fail_on] for f in active)
    incomplete = incomplete_families(rules, has_messages=len(prepared.messages) > 0)
    times = pd.concat([prepared.messages["timestamp"], prepared.consent_events["timestamp"]]).dropna()
    return Summary(
        total=len(active), waived=len(findings) - len(active), by_severity=by_sev,
        by_rule=dict(sorted(by_rule.items())), by_pack=dict(sorted(by_pack.items())),
        fail_on=fail_on, failed=failed,
        messages=len(prepared.messages), contacts=int(prepared.contacts["contact"].nunique()),
        period_start=times.min().to_pydatetime() if len(times) else None,
        period_end=times.max().to_pydatetime() if len(times) else None,
        verdict="fail" if failed else "incomplete" if incomplete else "pass",
        incomplete=incomplete,
    )


def available_inputs(loaded: Loaded, prepared: Prepared) -> frozenset[str]:
    """The inputs rules may require (`rules.spec.INPUTS`) that this audit has."""
    have = set()
    if loaded.inventory is not None:
        have.add("inventory")
    if prepared.messages["direction"].eq("outbound").any():
        have.add("business_messages")
    if "contacts" in loaded.supplied:
        have.add("contact_list")
    return frozenset(have)


def _what_to_add(missing: str, has_messages: bool) -> str:
    if missing == "inventory":
        return ("an inventory: --inventory FILE (systems, where they store data, transfer mechanisms; "
                "the README's inventory.yaml section has a commented example)")
    if missing == "business_messages" and has_messages:
        return ("who writes for the organisation: --business NAME|PHONE, or business_names / business_phones "
                "in the inventory (`msgaudit inspect` shows each chat's top authors)")
    if missing == "business_messages":
        return "the messages the organisation sent: a WhatsApp chat export, a webhook log or a Twilio log"
    return "a contact or member list (CSV, XLSX or vCard) among the inputs"


def incomplete_families(rules: list[RuleSummary], *, has_messages: bool) -> list[IncompleteFamily]:
    """Families with a rule the audit could not evaluate for lack of an input (or a failing check), and the fix."""
    by_family: dict[str, IncompleteFamily] = {}
    for r in rules:
        if r.status != "not evaluated" or r.status_reason == DISABLED:
            continue  # a rule disabled in its pack was left out on purpose
        fam = by_family.setdefault(r.id.split("-")[0], IncompleteFamily(family=r.id.split("-")[0], rules=[]))
        fam.rules.append(r.id)
        for m in r.missing_inputs:
            if m not in fam.missing:
                fam.missing.append(m)
                fam.add.append(_what_to_add(m, has_messages))
        if not r.missing_inputs:
            fam.add.append(f"a working rule {r.id}: {r.status_reason}")
    return [by_family[k] for k in sorted(by_family)]


def activity(prepared: Prepared, findings: list[Finding], tz: str) -> Activity:
    msgs = prepared.messages
    daily: dict[date, DayCount] = {}
    if len(msgs):
        days = msgs["timestamp"].dt.tz_convert(tz).dt.date
        counts = pd.crosstab(days, msgs["direction"])
        for day, row in counts.iterrows():
            daily[day] = DayCount(day=day, outbound=int(row.get("outbound", 0)), inbound=int(row.get("inbound", 0)))
    for f in findings:
        if f.timestamp and not f.waived:
            d = pd.Timestamp(f.timestamp).tz_convert(tz).date()
            daily.setdefault(d, DayCount(day=d)).findings += 1
    return Activity(daily=[daily[d] for d in sorted(daily)], local_hours=_local_hours(prepared.deliveries))


def _local_hours(deliveries: pd.DataFrame) -> list[list[int]]:
    """Outbound deliveries by the recipient's local weekday and hour (first known zone of each person)."""
    grid = [[0] * 24 for _ in range(7)]
    if deliveries.empty:
        return grid
    # As "string": where no recipient has a number (saved names only) the column is float NaN, with no .str.
    zones = deliveries["contact_zones"].astype("string")
    zone = deliveries["contact_time_zone"].where(deliveries["contact_time_zone"].notna(), zones.str.split("|").str[0])
    known = deliveries[zone.notna()].assign(_zone=zone[zone.notna()])
    for name, group in known.groupby("_zone", sort=True):
        try:
            local = group["timestamp"].dt.tz_convert(str(name))
        except (KeyError, ValueError):
            continue
        counts = pd.crosstab(local.dt.day_of_week, local.dt.hour)
        for dow, row in counts.iterrows():
            for hour, n in row.items():
                grid[int(dow)][int(hour)] += int(n)
    return grid


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                clean[k] = None
            elif isinstance(v, pd.Timestamp):
                clean[k] = v.date().isoformat()
            else:
                clean[k] = v
        out.append(clean)
    return out


EXIT_OK, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 1, 3


def exit_code(result: AuditResult, allow_incomplete: bool = False) -> int:
    """1 when findings reach --fail-on; else 3 when a family could not be evaluated, unless that is allowed."""
    if result.summary.failed:
        return EXIT_FINDINGS
    if result.summary.incomplete and not allow_incomplete:
        return EXIT_INCOMPLETE
    return EXIT_OK
