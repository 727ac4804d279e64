"""The simulated model the audit ran on, and how the findings compare with the violations injected into it.

    simulated_section(simulation, findings, t, mask, mechanism=..., period=...) -> SimulatedView

Only audits of `msgaudit simulate` exports have this section. A finding
matches an injected violation when rule, message id, contact and system are
the same (blanks equal blanks), exactly as the ground-truth test compares
them; precision is matched/found and recall matched/injected, per rule.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from pydantic import BaseModel

from msgaudit.findings import Finding
from msgaudit.masking import mask_name, mask_phone
from msgaudit.report import charts
from msgaudit.report.evidence import EMPTY, Fact
from msgaudit.report.i18n import Lang
from msgaudit.report.svg import truncate
from msgaudit.simulation import Simulation

Key = tuple[str, str, str, str]
CATEGORY_COLOURS = {"marketing": "#b45309", "utility": "#1d4ed8", "authentication": "#6d28d9",
                    "service": "#047857", "unknown": "#4b5563"}


class AccountRow(BaseModel):
    name: str
    number: str
    kind: str
    verified: str


class CountRow(BaseModel):
    label: str
    count: str
    detail: str = ""


class SystemRow(BaseModel):
    name: str
    operator: str
    country: str
    data: str
    safeguards: list[str]


class FlowRow(BaseModel):
    account: str
    system: str
    country: str
    outbound: str
    inbound: str


class RuleCheck(BaseModel):
    rule_id: str
    injected: str
    found: str
    matched: str
    precision: str
    recall: str
    exact: bool


class SimulatedView(BaseModel):
    facts: list[Fact]
    accounts: list[AccountRow]
    templates: list[CountRow]
    people: list[CountRow]
    regions: list[CountRow]
    systems: list[SystemRow]
    flows: list[FlowRow]
    volumes: list[CountRow]
    volume_svg: str
    rules: list[RuleCheck]
    verdict: str
    exact: bool


def _keys(findings: Iterable[Finding]) -> set[Key]:
    return {(f.rule_id, f.message_id or "", f.contact or "", f.system or "") for f in findings if not f.waived}


def compare(simulation: Simulation, findings: Iterable[Finding]) -> dict[str, tuple[int, int, int]]:
    """Per rule: (injected, found, matched)."""
    truth = {(r.rule_id, r.message_id, r.contact, r.system) for r in simulation.truth}
    found = _keys(findings)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key in truth:
        out[key[0]][0] += 1
    for key in found:
        out[key[0]][1] += 1
        if key in truth:
            out[key[0]][2] += 1
    return {rule: (a, b, c) for rule, (a, b, c) in sorted(out.items())}


class _Section:
    def __init__(self, sim: Simulation, t: Lang, mask: bool, mechanism: Callable[[str], str],
                 period: Callable[[date | None, date | None], str]) -> None:
        self.w = sim.world
        self.sim = sim
        self.t = t
        self.mask = mask
        self.mechanism = mechanism
        self.period = period
        _ = t.gettext
        self.categories = {"marketing": _("Marketing"), "utility": _("Utility"), "authentication": _("Authentication"),
                           "service": _("Service conversation"), "unknown": _("No category (personal phone)")}
        self.relationships = {"member": _("Members"), "former-member": _("Former members"),
                              "regular-contact": _("Regular contacts"), "customer": _("Customers"),
                              "prospect": _("Prospects"), "unknown": _("Relationship not recorded")}

    def name(self, account_kind: str, name: str) -> str:
        # A personal phone's account is named after its owner; the organisation's own name is not personal data.
        return mask_name(name) if self.mask and account_kind == "personal-phone" else name

    def accounts(self) -> list[AccountRow]:
        _ = self.t.gettext
        kinds = {"cloud-api": _("WhatsApp Business Platform (API)"), "personal-phone": _("Personal phone")}
        return [AccountRow(name=self.name(a.kind, a.display_name),
                           number=mask_phone(a.phone) if self.mask else a.phone,
                           kind=kinds.get(a.kind, a.kind), verified=_("yes") if a.verified else _("no"))
                for a in self.w.accounts]

    def templates(self) -> list[CountRow]:
        by: dict[str, list[str]] = defaultdict(list)
        for tpl in self.w.templates:
            by[tpl.category].append(tpl.name)
        return [CountRow(label=self.categories.get(c, c), count=self.t.number(len(names)), detail=", ".join(names))
                for c, names in sorted(by.items())]

    def people(self) -> tuple[list[CountRow], list[CountRow]]:
        _ = self.t.gettext
        p = self.w.people
        kinds = [CountRow(label=self.relationships.get(k, k), count=self.t.number(n))
                 for k, n in sorted(p.by_relationship.items(), key=lambda kv: (-kv[1], kv[0]))]
        kinds += [CountRow(label=_("In the contact list"), count=self.t.number(p.in_contact_list)),
                  CountRow(label=_("Saved the business number in their address book"),
                           count=self.t.number(p.saved_business)),
                  CountRow(label=_("Members of the group chat"), count=self.t.number(self.w.group.members),
                           detail=self.w.group.name)]
        regions = [CountRow(label=_("Invalid number") if k == "invalid" else self.t.country(k), count=self.t.number(n))
                   for k, n in sorted(p.by_region.items(), key=lambda kv: (-kv[1], kv[0]))]
        return kinds, regions

    def systems(self) -> list[SystemRow]:
        _ = self.t.gettext
        rows = []
        for s in self.w.systems:
            safeguards = [f"{self.mechanism(c.mechanism)}: {self.period(c.start, c.end)}"
                          + (f" ({_('certified')}: {_('yes') if c.certified else _('no')})"
                             if c.certified is not None else "") for c in s.claims]
            rows.append(SystemRow(name=s.name, operator=s.operator, country=self.t.country(s.country) if s.country
                                  else EMPTY, data=", ".join(s.data) or EMPTY,
                                  safeguards=safeguards or [_("none needed: data stays in the country")]))
        return rows

    def flows(self) -> list[FlowRow]:
        sums: dict[tuple[str, str], int] = Counter()
        for v in self.w.volumes:
            sums[(v.account, v.direction)] += v.count
        return [FlowRow(account=self.name(a.kind, a.display_name), system=s.name,
                        country=self.t.country(s.country) if s.country else EMPTY,
                        outbound=self.t.number(sums[(a.display_name, "outbound")]),
                        inbound=self.t.number(sums[(a.display_name, "inbound")]))
                for a in self.w.accounts for s in self.w.systems if a.channel in s.channels]

    def volumes(self) -> tuple[list[CountRow], str]:
        _ = self.t.gettext
        sums: Counter[tuple[str, str, str]] = Counter()
        kind_of = {a.display_name: a.kind for a in self.w.accounts}
        for v in self.w.volumes:
            sums[(v.account, v.direction, v.category)] += v.count
        directions = {"outbound": _("sent"), "inbound": _("received")}
        rows, bars = [], []
        for (account, direction, category), n in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] != "outbound",
                                                                                      -kv[1])):
            label = f"{self.name(kind_of.get(account, ''), account)} · {directions.get(direction, direction)}"
            cat = self.categories.get(category, category) if direction == "outbound" else ""
            rows.append(CountRow(label=label, count=self.t.number(n), detail=cat))
            # Bar labels are cut to what fits left of the bars; the table below the chart has them whole.
            short = truncate(self.name(kind_of.get(account, ""), account), 14)
            bars.append((" · ".join(x for x in (short, directions.get(direction, direction), cat) if x), n,
                         CATEGORY_COLOURS.get(category, "#4b5563")))
        svg = charts.severity_chart(bars, title=_("Simulated messages by account, direction and category"),
                                    fmt_num=self.t.number, label_width=380) if bars else ""
        return rows, svg

    def rules(self, findings: list[Finding]) -> tuple[list[RuleCheck], str, bool]:
        _ = self.t.gettext
        per_rule = compare(self.sim, findings)
        rows = []
        for rule, (injected, found, matched) in per_rule.items():
            rows.append(RuleCheck(
                rule_id=rule, injected=self.t.number(injected), found=self.t.number(found),
                matched=self.t.number(matched), precision=self.t.percent(matched / found) if found else EMPTY,
                recall=self.t.percent(matched / injected) if injected else EMPTY,
                exact=injected == found == matched))
        injected = sum(a for a, _b, _c in per_rule.values())
        found = sum(b for _a, b, _c in per_rule.values())
        matched = sum(c for _a, _b, c in per_rule.values())
        exact = all(r.exact for r in rows)
        numbers = {"matched": self.t.number(matched), "injected": self.t.number(injected),
                   "extra": self.t.number(found - matched), "rules": self.t.number(len(rows))}
        if exact:
            verdict = _("The audit found all %(injected)s injected violations, across %(rules)s rules, "
                        "and nothing else.") % numbers
        else:
            verdict = _("The audit found %(matched)s of %(injected)s injected violations; findings that were not "
                        "injected: %(extra)s. The rules marked below disagree with the simulation.") % numbers
        return rows, verdict, exact

    def build(self, findings: list[Finding]) -> SimulatedView:
        _ = self.t.gettext
        people, regions = self.people()
        volumes, svg = self.volumes()
        rules, verdict, exact = self.rules(findings)
        facts = [Fact(label=_("People"), value=self.t.number(self.w.people.total)),
                 Fact(label=_("Business accounts"), value=self.t.number(len(self.w.accounts))),
                 Fact(label=_("Templates"), value=self.t.number(len(self.w.templates))),
                 Fact(label=_("Systems"), value=self.t.number(len(self.w.systems))),
                 Fact(label=_("Messages"), value=self.t.number(sum(v.count for v in self.w.volumes)))]
        return SimulatedView(facts=facts, accounts=self.accounts(), templates=self.templates(), people=people,
                             regions=regions, systems=self.systems(), flows=self.flows(), volumes=volumes,
                             volume_svg=svg, rules=rules, verdict=verdict, exact=exact)


def simulated_section(simulation: Simulation | None, findings: list[Finding], t: Lang, mask: bool, *,
                      mechanism: Callable[[str], str],
                      period: Callable[[date | None, date | None], str]) -> SimulatedView | None:
    if simulation is None:
        return None
    return _Section(simulation, t, mask, mechanism, period).build(findings)
