"""`build_view(result, lang, mask) -> ReportView`: everything the templates show, formatted and translated.

Templates receive this typed model only, never findings or DataFrames; every
word, date and number in it is already in the reader's language, and personal
data is already masked unless the caller asked otherwise.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

from msgaudit.findings import SEVERITIES, SEVERITY_RANK, AuditResult, Finding, LawRef, RuleSummary, sort_key
from msgaudit.masking import mask_name, show_contact
from msgaudit.report import charts
from msgaudit.report.contactability import FILE_NAME as CONTACTABILITY_FILE
from msgaudit.report.evidence import EMPTY, PERIOD_KEYS, EvidenceFormatter, Fact, file_name, organisation_zone
from msgaudit.report.flow import FlowNode, FlowStatus, flow_diagram
from msgaudit.report.i18n import Lang
from msgaudit.report.lawdates import law_dates
from msgaudit.report.redact import audited_root, mask_text, relative_source
from msgaudit.report.sections import chartdata
from msgaudit.report.sections.chartdata import DataTable, chart_tables
from msgaudit.report.sections.control import ControlView, control_section
from msgaudit.report.sections.simulated import SimulatedView, simulated_section
from msgaudit.report.svg import SEVERITY_COLOURS

EVIDENCE_ROWS = 20
URGENT_ACTIONS = 3
# Written beside the report with the CSV format (msgaudit.report.contactability).


class SeverityCount(BaseModel):
    severity: str
    label: str
    count: str
    colour: str


class Verdict(BaseModel):
    level: Literal["fail", "warn", "ok", "incomplete"]
    text: str


class Action(BaseModel):
    anchor: str
    rule_id: str
    title: str
    severity: str
    severity_label: str
    count: str
    remediation: str


class ContactabilityView(BaseModel):
    file: str
    text: str


class Cover(BaseModel):
    organisation: str
    period: str
    as_of: str
    verdict: Verdict
    incomplete: list[Fact]  # what could not be evaluated (label) and what to add (value)
    severities: list[SeverityCount]
    packs: list[Fact]
    actions: list[Action]
    facts: list[Fact]


class Claim(BaseModel):
    mechanism: str
    period: str
    certified: str


class SystemView(BaseModel):
    name: str
    operator: str
    role: str
    country: str
    channels: str
    data: str
    purposes: str
    claims: list[Claim]
    status: FlowStatus
    status_label: str


class ModelView(BaseModel):
    accounts: list[Fact]
    systems: list[SystemView]
    flow_svg: str
    timeline_svg: str


class LawLink(BaseModel):
    ref: str
    url: str
    note: str


class EvidenceRow(BaseModel):
    timestamp: str
    contact: str
    message_id: str
    system: str
    source: str
    details: list[Fact]


class WaiverView(BaseModel):
    count: str
    justification: str
    approver: str
    expires: str


class RuleView(BaseModel):
    anchor: str
    rule_id: str
    title: str
    pack: str
    severity: str
    severity_label: str
    description: str
    law: list[LawLink]
    active: str
    waived: str
    evidence: list[EvidenceRow]
    shown_note: str
    remediation: str
    waivers: list[WaiverView]


class ChartView(BaseModel):
    title: str
    caption: str
    svg: str
    data_anchor: str = ""  # the appendix table holding the chart's numbers


class Reason(BaseModel):
    reason: str
    count: str
    lines: str


class InputView(BaseModel):
    path: str
    sha_short: str
    sha256: str
    format: str
    encoding: str
    read: str
    accepted: str
    rejected: str
    span: str
    reasons: list[Reason]


class PlanRow(BaseModel):
    anchor: str
    rule_id: str
    title: str
    severity: str
    severity_label: str
    count: str


class RuleStatus(BaseModel):
    rule_id: str
    title: str
    pack: str
    status: str
    reason: str


class RecordRow(BaseModel):
    label: str
    values: list[str]
    to_fill: bool = False


class TocEntry(BaseModel):
    anchor: str
    label: str
    level: int = 1


class ReportView(BaseModel):
    lang: str
    title: str
    organisation: str
    as_of: str
    as_of_iso: str
    tool: str
    masked: bool
    time_zone: str
    page_css: str
    toc: list[TocEntry]
    cover: Cover
    model: ModelView
    rules: list[RuleView]
    charts: list[ChartView]
    inputs: list[InputView]
    skipped: list[Fact]
    plan: list[PlanRow]
    contactability: ContactabilityView | None = None
    rule_status: list[RuleStatus]
    ruleset_version: str
    record: list[RecordRow]
    simulated: SimulatedView | None = None
    control: ControlView
    chart_data: list[DataTable]


def _day(value: Any) -> date | None:
    """Claim dates arrive as dates, datetimes (pandas Timestamps are datetimes), ISO strings or missing values."""
    if value is None or value != value:  # NaN and NaT are not equal to themselves
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def _css_string(text: str) -> str:
    """A CSS string literal that cannot end the declaration or the <style> element."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{out}"'


class _Builder:
    def __init__(self, result: AuditResult, lang: str, mask: bool) -> None:
        self.r = result
        self.t = Lang(lang)
        self.mask = mask
        self.zone = organisation_zone(result.organisation)
        self.root = audited_root(i.path for i in result.inputs)
        self.evidence = EvidenceFormatter(self.t, self.zone, mask, mechanism=self.mechanism_label,
                                          role=self.role_label)
        self.rules: dict[str, RuleSummary] = {rule.id: rule for rule in result.rules}
        self.by_rule: dict[str, list[Finding]] = defaultdict(list)
        for f in sorted(result.findings, key=sort_key):
            self.by_rule[f.rule_id].append(f)
        self.active: Counter[str] = Counter()
        self.waived: Counter[str] = Counter()
        for rule_id, items in self.by_rule.items():
            waived = sum(1 for f in items if f.waived)
            self.waived[rule_id] = waived
            self.active[rule_id] = len(items) - waived

    # --- small translations -------------------------------------------------------------

    def severity_label(self, severity: str) -> str:
        _ = self.t.gettext
        return {"critical": _("Critical"), "high": _("High"), "medium": _("Medium"), "low": _("Low"),
                "info": _("Info")}.get(severity, severity)

    def mechanism_label(self, mechanism: str | None) -> str:
        _ = self.t.gettext
        labels = {
            "adequacy": _("Adequacy decision"), "dpf": _("EU-US Data Privacy Framework"),
            "privacy-shield": _("EU-US Privacy Shield"), "safe-harbor": _("Safe Harbor"),
            "scc-2001": _("Standard contractual clauses (2001)"), "scc-2004": _("Standard contractual clauses (2004)"),
            "scc-2010": _("Standard contractual clauses (2010)"), "scc-2021": _("Standard contractual clauses (2021)"),
            "bcr": _("Binding corporate rules"), "derogation": _("Derogation (GDPR Art. 49)"), "none": _("None"),
        }
        return labels.get(mechanism or "none", mechanism or "")

    def mechanism_short(self, mechanism: str) -> str:
        """Names short enough for the timeline's lane labels."""
        _ = self.t.gettext
        return {"privacy-shield": _("Privacy Shield"), "dpf": _("Data Privacy Framework"),
                "scc-2001": _("SCC 2001"), "scc-2004": _("SCC 2004"),
                "scc-2010": _("SCC 2010"), "scc-2021": _("SCC 2021")}.get(mechanism) or self.mechanism_label(mechanism)

    def role_label(self, role: str) -> str:
        _ = self.t.gettext
        return {"controller": _("Controller"), "processor": _("Processor"),
                "joint-controller": _("Joint controller")}.get(role, role)

    def findings_count(self, n: int) -> str:
        return self.t.ngettext("%(num)s finding", "%(num)s findings", n) % {"num": self.t.number(n)}

    def period(self, start: date | None, end: date | None, fmt: str = "long") -> str:
        _ = self.t.gettext
        if start is None and end is None:
            return _("not known")
        if end is None:
            return _("from %(start)s") % {"start": self.t.date(start, fmt)}
        if start is None:
            return _("until %(end)s") % {"end": self.t.date(end, fmt)}
        return _("%(start)s to %(end)s") % {"start": self.t.date(start, fmt), "end": self.t.date(end, fmt)}

    def text(self, value: str) -> str:
        return mask_text(value) if self.mask else value

    def source(self, source: str) -> str:
        """A file or `file:line` as the reader sees it: relative to the audited folder, masked like a name."""
        return self.text(relative_source(source, self.root))

    def contact(self, f: Finding) -> str:
        shown = show_contact(f.contact, self.mask)
        if f.contact_name and not (f.contact or "").startswith("name:"):
            name = mask_name(f.contact_name) if self.mask else f.contact_name
            shown = f"{shown} ({name})" if shown else name
        return shown

    # --- sections -----------------------------------------------------------------------

    def severity_totals(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for rule_id, n in self.active.items():
            totals[self._rule_severity(rule_id)] += n
        return totals

    def severity_counts(self) -> list[SeverityCount]:
        totals = self.severity_totals()
        return [SeverityCount(severity=s, label=self.severity_label(s), count=self.t.number(totals[s]),
                              colour=SEVERITY_COLOURS[s]) for s in reversed(SEVERITIES)]

    def _rule_severity(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return rule.severity if rule else self.by_rule[rule_id][0].severity

    def verdict(self) -> Verdict:
        _ = self.t.gettext
        totals = self.severity_totals()
        serious = [(s, totals[s]) for s in ("critical", "high") if totals[s]]
        if serious:
            counts = ", ".join(f"{self.severity_label(s).lower()} {self.t.number(n)}" for s, n in serious)
            return Verdict(level="fail", text=_("Not compliant: findings at high severity or above (%(counts)s)")
                           % {"counts": counts})
        if self.r.summary.incomplete:
            families = ", ".join(f.family for f in self.r.summary.incomplete)
            return Verdict(level="incomplete", text=_("Incomplete: the audit could not evaluate %(families)s; "
                                                      "this is not a pass") % {"families": families})
        lower = sum(totals[s] for s in ("medium", "low", "info"))
        if lower:
            return Verdict(level="warn", text=_("No findings at or above high; %(n)s to review at lower severity")
                           % {"n": self.findings_count(lower)})
        return Verdict(level="ok", text=_("No findings: every evaluated rule passed"))

    def incomplete(self) -> list[Fact]:
        """One line per missing input: the families that needed it, and what to add."""
        _ = self.t.gettext
        advice = {
            "inventory": _("an inventory (--inventory FILE): the organisation, its systems, where they store data "
                           "and on what basis"),
            "business_messages": _("who writes for the organisation: --business NAME|PHONE, or business_names and "
                                   "business_phones in the inventory") if self.r.summary.messages
            else _("the messages the organisation sent: a WhatsApp chat export, a webhook log or a Twilio log"),
            "contact_list": _("a contact or member list (CSV, XLSX or vCard)"),
        }
        needs: dict[str, list[str]] = {}
        for fam in self.r.summary.incomplete:
            for key in fam.missing or fam.add:
                needs.setdefault(advice.get(key, key), []).append(fam.family)
        return [Fact(label=", ".join(families), value=what) for what, families in needs.items()]

    def ranked_rules(self) -> list[str]:
        with_findings = [rid for rid, items in self.by_rule.items() if items]
        return sorted(with_findings, key=lambda rid: (-SEVERITY_RANK[self._rule_severity(rid)],
                                                      -self.active[rid], rid))

    def rule_title(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return rule.title if rule else self.by_rule[rule_id][0].title

    def rule_remediation(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return (rule.remediation if rule and rule.remediation else self.by_rule[rule_id][0].remediation) or ""

    def cover(self) -> Cover:
        _ = self.t.gettext
        s = self.r.summary
        actions = [
            Action(anchor=_anchor(rid), rule_id=rid, title=self.rule_title(rid), severity=self._rule_severity(rid),
                   severity_label=self.severity_label(self._rule_severity(rid)),
                   count=self.findings_count(self.active[rid]), remediation=self.rule_remediation(rid))
            for rid in self.ranked_rules() if self.active[rid]
        ][:URGENT_ACTIONS]
        packs: Counter[str] = Counter()
        for rid, n in self.active.items():
            rule = self.rules.get(rid)
            packs[rule.pack if rule else rid.split("-")[0].lower()] += n
        facts = [
            Fact(label=_("Messages audited"), value=self.t.number(s.messages)),
            Fact(label=_("Contacts"), value=self.t.number(s.contacts)),
            Fact(label=_("Findings"), value=self.t.number(sum(self.active.values()))),
            Fact(label=_("Waived findings"), value=self.t.number(sum(self.waived.values()))),
            Fact(label=_("Input files"), value=self.t.number(len(self.r.inputs))),
        ]
        # "Evaluated" alone would count rules that had nothing to judge; the reader sees the three apart.
        status = Counter(r.status for r in self.r.rules)
        facts.append(Fact(label=_("Rules that judged something"), value=self.t.number(status["passed"] + status["failed"])))
        facts.append(Fact(label=_("Rules with nothing in scope"), value=self.t.number(status["not applicable"])))
        if status["not evaluated"]:
            facts.append(Fact(label=_("Rules not evaluated"), value=self.t.number(status["not evaluated"])))
        return Cover(
            organisation=self.organisation_name(),
            period=self.period(_day(s.period_start), _day(s.period_end)),
            as_of=self.t.date(self.r.as_of),
            verdict=self.verdict(),
            incomplete=self.incomplete(),
            severities=self.severity_counts(),
            packs=[Fact(label=p, value=self.t.number(n)) for p, n in sorted(packs.items())],
            actions=actions,
            facts=facts,
        )

    def organisation_name(self) -> str:
        return str(self.r.organisation.get("name") or self.t.gettext("Unnamed organisation"))

    def transfer_status(self) -> dict[str, list[tuple[date | None, date | None]]]:
        """Per system, the periods that TRANSFER- findings (not waived) say had no valid mechanism."""
        bad: dict[str, list[tuple[date | None, date | None]]] = defaultdict(list)
        for rid, items in self.by_rule.items():
            if not rid.startswith("TRANSFER-"):
                continue
            for f in items:
                if f.system and not f.waived:
                    bad[f.system].append((_day(f.evidence.get("period_start")), _day(f.evidence.get("period_end"))))
        return bad

    def model(self) -> ModelView:
        _ = self.t.gettext
        org = self.r.organisation
        eea = law_dates().eea
        bad = self.transfer_status()
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in self.r.systems:
            grouped.setdefault(str(row.get("system", "")), []).append(row)
        systems: list[SystemView] = []
        nodes: list[FlowNode] = []
        for name, rows in grouped.items():
            first = rows[0]
            country = str(first.get("country") or "").upper()
            in_eea = country in eea
            claims = [Claim(mechanism=self.mechanism_label(r.get("mechanism")),
                            period=self.period(_day(r.get("claim_from")), _day(r.get("claim_to"))),
                            certified=_("yes") if r.get("certified") is True else _("no")
                            if r.get("certified") is False else "—")
                      for r in rows if r.get("mechanism")]
            status: FlowStatus
            if name in bad:
                status = "invalid"
                starts = [s for s, _e in bad[name] if s]
                ends = [e for _s, e in bad[name] if e]
                label = _("No valid mechanism %(period)s") % {
                    "period": self.period(min(starts) if starts else None, max(ends) if ends else None)}
                short = _("not valid")
            elif in_eea:
                status, label, short = "none", _("No transfer: data stays in the EEA"), _("no transfer (EEA)")
            else:
                status, label, short = "valid", _("Mechanism valid over the period"), _("valid mechanism")
            mechanisms = ", ".join(dict.fromkeys(c.mechanism for c in claims)) or _("none declared")
            systems.append(SystemView(
                name=name, operator=str(first.get("operator") or ""), role=self.role_label(str(first.get("role") or "")),
                country=country, channels=_join(first.get("channels")), data=_join(first.get("data")),
                purposes=_join(first.get("purposes")), claims=claims, status=status, status_label=label))
            nodes.append(FlowNode(name=name, detail=f"{country} · {first.get('operator') or ''}",
                                  mechanisms=mechanisms if claims else "—", status=status, label=short))
        accounts = [Fact(label=_("Business phone numbers"),
                         value=", ".join(self.text(str(p)) for p in org.get("business_phones") or []) or "—"),
                    Fact(label=_("People who write for the organisation"),
                         value=", ".join(mask_name(n) if self.mask else n for n in org.get("business_names") or [])
                         or "—")]
        role = _("controller")
        flow = flow_diagram(self.organisation_name(), f"{org.get('country') or ''} · {role}", nodes,
                            title=_("Data flows from the organisation to its systems"),
                            legend={"valid": _("valid mechanism"), "invalid": _("no valid mechanism"),
                                    "none": _("no transfer (EEA)")})
        return ModelView(accounts=accounts, systems=systems, flow_svg=flow, timeline_svg=self.timeline(grouped, bad))

    def timeline(self, grouped: dict[str, list[dict[str, Any]]],
                 bad: dict[str, list[tuple[date | None, date | None]]]) -> str:
        _ = self.t.gettext
        s = self.r.summary
        start, end = _day(s.period_start), _day(s.period_end)
        claim_days = [d for rows in grouped.values() for r in rows
                      for d in (_day(r.get("claim_from")), _day(r.get("claim_to"))) if d]
        first_year = min([2015, *(d.year for d in claim_days), *([start.year] if start else [])])
        last_year = max([self.r.as_of.year, *([end.year] if end else [])])
        first, last = date(first_year, 1, 1), date(last_year, 12, 31)
        lanes = [charts.Lane(_("What the law allowed"), (), heading=True)]
        for p in law_dates().periods:
            label = self.mechanism_short(p.mechanism)
            lanes.append(charts.Lane(label, (charts.Span(label, p.valid_from, p.valid_to, "#64748b",
                                                         f"{label}: {self.period(p.valid_from, p.valid_to)}"),)))
        lanes.append(charts.Lane(_("What each system relied on"), (), heading=True))
        for name, rows in grouped.items():
            spans = [charts.Span(self.mechanism_label(r.get("mechanism")), _day(r.get("claim_from")),
                                 _day(r.get("claim_to")), charts.GOOD,
                                 f"{name}: {self.mechanism_label(r.get('mechanism'))}, "
                                 f"{self.period(_day(r.get('claim_from')), _day(r.get('claim_to')))}")
                     for r in rows if r.get("mechanism") and r.get("mechanism") != "none"]
            invalid = _("no valid mechanism")
            spans += [charts.Span(invalid, a, b, charts.BAD, f"{name}: {invalid}, {self.period(a, b)}")
                      for a, b in bad.get(name, [])]
            if spans:
                lanes.append(charts.Lane(name, tuple(spans)))
        return charts.timeline(lanes, title=_("Transfer mechanisms over time"), first=first, last=last,
                               period=(start, end) if start and end else None, period_label=_("audited period"))

    def evidence_row(self, f: Finding) -> EvidenceRow:
        # A finding about a run of days (a transfer period) is dated by that period, not by its first midnight.
        if any(k in f.evidence for k in PERIOD_KEYS):
            when = self.period(_day(f.evidence.get("period_start")), _day(f.evidence.get("period_end")), "medium")
            details = self.evidence.facts(f.evidence, skip=PERIOD_KEYS)
        else:
            when = self.t.date_time(f.timestamp, self.zone) or EMPTY
            details = self.evidence.facts(f.evidence)
        return EvidenceRow(timestamp=when, contact=self.contact(f), message_id=self.message_ref(f),
                           system=f.system or "", source=self.source(f.source or ""), details=details)

    def message_ref(self, f: Finding) -> str:
        """The message's own id; chat exports have none, and their `file:line` would only repeat the Source."""
        if not f.message_id or (f.source and f.message_id == file_name(f.source)):
            return EMPTY
        return self.text(f.message_id)

    def rule_views(self) -> list[RuleView]:
        _ = self.t.gettext
        out = []
        for rid in self.ranked_rules():
            items = self.by_rule[rid]
            rule = self.rules.get(rid)
            active = [f for f in items if not f.waived]
            shown = active[:EVIDENCE_ROWS]
            note = ""
            if len(active) > len(shown):
                note = _("Showing the first %(shown)s of %(total)s; every finding is in findings.csv.") % {
                    "shown": self.t.number(len(shown)), "total": self.t.number(len(active))}
            waivers: dict[tuple[str, str, str], int] = Counter()
            for f in items:
                if f.waived and f.waiver:
                    waivers[(f.waiver.justification, f.waiver.approver, self.t.date(f.waiver.expires))] += 1
            law = rule.law if rule and rule.law else items[0].law
            severity = self._rule_severity(rid)
            out.append(RuleView(
                anchor=_anchor(rid), rule_id=rid, title=self.rule_title(rid), pack=rule.pack if rule else "",
                severity=severity, severity_label=self.severity_label(severity),
                description=rule.description if rule else "", law=[_law(ref) for ref in law],
                active=self.t.number(self.active[rid]), waived=self.t.number(self.waived[rid]),
                evidence=[self.evidence_row(f) for f in shown], shown_note=note,
                remediation=self.rule_remediation(rid),
                waivers=[WaiverView(count=self.t.number(n), justification=j, approver=self.text(a), expires=e)
                         for (j, a, e), n in sorted(waivers.items())][:10]))
        return out

    def charts(self) -> list[ChartView]:
        _ = self.t.gettext
        days = self.r.activity.daily
        _buckets, unit = charts.bucket_days(days)
        unit_label = {"day": _("per day"), "week": _("per week"), "month": _("per month")}[unit]
        activity = charts.activity_chart(
            days, title=_("Messages and findings over time"), outbound=_("outbound messages"),
            inbound=_("inbound messages"), findings=_("findings"), unit_label=unit_label,
            fmt_date=lambda d: self.t.date(d, "medium"), fmt_num=self.t.number)
        totals = self.severity_totals()
        severity = charts.severity_chart([(self.severity_label(s), totals[s], SEVERITY_COLOURS[s])
                                          for s in reversed(SEVERITIES)],
                                         title=_("Findings by severity"), fmt_num=self.t.number)
        heat = charts.heatmap(self.r.activity.local_hours, title=_("Outbound messages by recipient local time"),
                              weekdays=self.t.weekdays(),
                              hour_label=_("Hour of day in the recipient's time zone; dashed: 21:00 to 08:00"),
                              fmt_num=self.t.number)
        return [
            ChartView(title=_("Messages and findings over time"), svg=activity, data_anchor=chartdata.ACTIVITY,
                      caption=_("Messages sent and received, and findings, %(unit)s.") % {"unit": unit_label}),
            ChartView(title=_("Findings by severity"), svg=severity, data_anchor=chartdata.SEVERITY,
                      caption=_("Findings not waived, by the severity of their rule.")),
            ChartView(title=_("Outbound messages by recipient local time"), svg=heat, data_anchor=chartdata.HOURS,
                      caption=_("Darker cells: more messages sent at that weekday and hour where the recipient "
                                "lives. Messages in the dashed band reach people in the evening or at night.")),
        ]

    def inputs(self) -> list[InputView]:
        out = []
        for i in sorted(self.r.inputs, key=lambda i: i.path):
            reasons = [Reason(reason=self.text(reason), count=self.t.number(n),
                              lines=", ".join(self.t.number(x) for x in lines))
                       for reason, n, lines in i.top_reasons()]
            out.append(InputView(
                path=self.source(i.path), sha_short=i.sha256[:12], sha256=i.sha256, format=i.format,
                encoding=i.encoding or "—", read=self.t.number(i.rows_read), accepted=self.t.number(i.rows_accepted),
                rejected=self.t.number(i.rows_rejected),
                span=self.period(_day(i.first_timestamp), _day(i.last_timestamp))
                if i.first_timestamp or i.last_timestamp else "—",
                reasons=reasons))
        return out

    def skipped(self) -> list[Fact]:
        """Files in the input folders that were not read, with why."""
        _ = self.t.gettext
        why = {"excluded": _("left out by --exclude"), "hidden": _("hidden file or folder"),
               "link": _("link to a folder, not followed"), "document": _("a document, not an export"),
               "own-output": _("msgaudit report or findings from an earlier run"), "empty": _("empty file"),
               "binary": _("binary file (a photo, a document), not a text export"),
               "unknown": _("format not recognised"), "unreadable": _("file cannot be read"),
               "unlistable": _("folder cannot be listed")}
        return [Fact(label=self.text(s.path), value=why.get(s.kind, s.reason)) for s in self.r.skipped]

    def plan(self) -> list[PlanRow]:
        return [PlanRow(anchor=_anchor(rid), rule_id=rid, title=self.rule_title(rid),
                        severity=self._rule_severity(rid), severity_label=self.severity_label(self._rule_severity(rid)),
                        count=self.t.number(self.active[rid]))
                for rid in self.ranked_rules() if self.active[rid]]

    def contactability(self) -> ContactabilityView | None:
        rows = self.r.contactability
        if not rows:
            return None
        _ = self.t.gettext
        n = Counter(r.status for r in rows)
        text = _("{total} people and channels: {blocked} must not be contacted, {service} may receive service "
                 "messages only, {marketing} may receive marketing, {unknown} unknown.").format(
            total=self.t.number(len(rows)), blocked=self.t.number(n["do-not-contact"]),
            service=self.t.number(n["service-only"]), marketing=self.t.number(n["marketing"]),
            unknown=self.t.number(n["unknown"]))
        return ContactabilityView(file=CONTACTABILITY_FILE, text=text)

    def rule_status(self) -> list[RuleStatus]:
        _ = self.t.gettext
        out = []
        for rule in sorted(self.r.rules, key=lambda r: r.id):
            if not rule.evaluated:
                status, reason = _("not evaluated"), rule.not_evaluated_reason or _("no reason recorded")
            elif rule.status == "not applicable":
                status, reason = _("not applicable"), _("0 in scope")
            elif self.active[rule.id] or self.waived[rule.id]:
                status, reason = self.findings_count(self.active[rule.id] + self.waived[rule.id]), ""
            else:
                status, reason = _("passed"), ""
            out.append(RuleStatus(rule_id=rule.id, title=rule.title, pack=rule.pack, status=status, reason=reason))
        return out

    def record(self) -> list[RecordRow]:
        """A draft GDPR Art. 30(1) record of processing: what the inventory says, blanks for what it cannot."""
        _ = self.t.gettext
        org = self.r.organisation
        rows = self.r.systems
        controller = [self.organisation_name()]
        if org.get("country"):
            controller.append(_("Country: %(country)s") % {"country": org["country"]})
        if org.get("rights_contact"):
            controller.append(_("Contact: %(contact)s") % {"contact": org["rights_contact"]})
        dpo = [str(org["dpo"])] if org.get("dpo") else []
        purposes = sorted({p for r in rows for p in _split(r.get("purposes"))})
        data = sorted({d for r in rows for d in _split(r.get("data"))})
        # Systems the organisation runs itself (role controller, or operated by it) are not recipients (Art. 4(9)).
        own = {self.organisation_name().casefold()}
        recipients = list(dict.fromkeys(
            f"{r.get('operator') or r.get('system')} ({r.get('system')}, {self.role_label(str(r.get('role') or ''))})"
            for r in rows if r.get("role") != "controller" and str(r.get("operator") or "").casefold() not in own))
        eea = law_dates().eea
        transfers = list(dict.fromkeys(
            f"{r.get('system')} → {str(r.get('country') or '').upper()}: {self.mechanism_label(r.get('mechanism'))}, "
            f"{self.period(_day(r.get('claim_from')), _day(r.get('claim_to')))}"
            for r in rows if str(r.get("country") or "").upper() not in eea))
        subjects = [_("People whose numbers are in the audited exports: %(n)s contacts")
                    % {"n": self.t.number(self.r.summary.contacts)}]
        return [
            RecordRow(label=_("Controller (Art. 30(1)(a))"), values=controller),
            RecordRow(label=_("Data protection officer (Art. 30(1)(a))"), values=dpo, to_fill=not dpo),
            RecordRow(label=_("Purposes of the processing (Art. 30(1)(b))"), values=purposes, to_fill=not purposes),
            RecordRow(label=_("Categories of data subjects (Art. 30(1)(c))"), values=subjects, to_fill=True),
            RecordRow(label=_("Categories of personal data (Art. 30(1)(c))"), values=data, to_fill=not data),
            RecordRow(label=_("Recipients (Art. 30(1)(d))"), values=recipients, to_fill=not recipients),
            RecordRow(label=_("Transfers to third countries and safeguards (Art. 30(1)(e))"),
                      values=transfers or ([_("None: every system stores data in the EEA")] if rows
                                           else [_("Not assessed: no inventory declares where data is stored")]),
                      to_fill=not rows),
            RecordRow(label=_("Time limits for erasure (Art. 30(1)(f))"), values=[], to_fill=True),
            RecordRow(label=_("Technical and organisational security measures (Art. 30(1)(g))"), values=[],
                      to_fill=True),
        ]

    def build(self) -> ReportView:
        _ = self.t.gettext
        toc = [TocEntry(anchor="summary", label=_("Executive summary")),
               TocEntry(anchor="model", label=_("The audited model"))]
        simulated = simulated_section(self.r.simulation, self.r.findings, self.t, self.mask,
                                      mechanism=self.mechanism_label, period=self.period)
        if simulated:
            toc.append(TocEntry(anchor="simulated", label=_("The simulated model and what the audit found in it")))
        toc.insert(1, TocEntry(anchor="scope", label=_("Scope, exclusions and assumptions")))
        toc += [TocEntry(anchor="charts", label=_("Activity and findings at a glance")),
                TocEntry(anchor="findings", label=_("Findings by rule"))]
        rules = self.rule_views()
        toc += [TocEntry(anchor=r.anchor, label=f"{r.rule_id} · {r.title}", level=2) for r in rules]
        toc += [TocEntry(anchor="inputs", label=_("Data quality and input accounting")),
                TocEntry(anchor="plan", label=_("Action plan")),
                TocEntry(anchor="opinion", label=_("DPO opinion and sign-off")),
                TocEntry(anchor="method", label=_("Methodology")),
                TocEntry(anchor="record", label=_("Appendix: draft record of processing (GDPR Art. 30)")),
                TocEntry(anchor="chart-data", label=_("Appendix: the charts' data"))]
        tool = self.r.tool
        page, of = _("Page"), _("of")
        page_css = (f"@page {{ @bottom-center {{ content: {_css_string(page)} ' ' counter(page) ' ' "
                    f"{_css_string(of)} ' ' counter(pages); }} }}")
        return ReportView(
            lang=self.t.code, title=_("Messaging privacy audit"), organisation=self.organisation_name(),
            as_of=self.t.date(self.r.as_of), as_of_iso=self.r.as_of.isoformat(),
            tool=f"{tool.get('name', 'msgaudit')} {tool.get('version', '')}".strip(), masked=self.mask,
            time_zone=str(self.zone), page_css=page_css, toc=toc, cover=self.cover(), model=self.model(), rules=rules, charts=self.charts(),
            inputs=self.inputs(), skipped=self.skipped(), plan=self.plan(), contactability=self.contactability(), rule_status=self.rule_status(),
            ruleset_version=self.r.ruleset_version or "—", record=self.record(), simulated=simulated,
            control=control_section(self.r, self.t, self.mask, period=self.period),
            chart_data=chart_tables(self.r, self.t, severity_totals=self.severity_totals(),
                                    severity_label=self.severity_label, mechanism=self.mechanism_short,
                                    period=self.period))


def _anchor(rule_id: str) -> str:
    return "rule-" + "".join(c if c.isalnum() or c == "-" else "-" for c in rule_id.lower())


def _law(ref: LawRef) -> LawLink:
    # Only web links become clickable: a rule pack must not be able to plant javascript: or file: URLs.
    url = ref.url if ref.url.startswith(("https://", "http://")) else ""
    return LawLink(ref=ref.ref, url=url, note=ref.note)


def _split(value: Any) -> list[str]:
    if value is None or value != value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split("|") if v.strip()]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _join(value: Any) -> str:
    return ", ".join(_split(value)) or "—"


def build_view(result: AuditResult, lang: str = "en", mask: bool = True) -> ReportView:
    return _Builder(result, lang, mask).build()


def missing_translations(result: AuditResult, lang: str) -> set[str]:
    """Message ids the view needed but the catalogue lacks (for tests and `make i18n-check`)."""
    builder = _Builder(result, lang, True)
    builder.build()
    return builder.t.missing
