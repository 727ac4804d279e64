"""What a DPO's report holds besides findings: document control, scope and exclusions, assumptions, review.

    control_section(result, t, mask, period=...) -> ControlView

Modelled on what ICO DPIA and CNIL PIA templates and ISO 19011 audit reports
ask for: who produced which version when, what was and was not looked at,
what the audit took on trust, and when the processing is to be reviewed.
Every line here is built from the audit result; nothing is judged anew.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from msgaudit.findings import AuditResult
from msgaudit.report.evidence import Fact
from msgaudit.report.i18n import Lang

REVIEW_AFTER_YEARS = 1


class ControlView(BaseModel):
    document: list[Fact]
    personal_data: bool
    personal_data_note: str
    scope: list[str]
    exclusions: list[str]
    assumptions: list[str]
    review_date: str


def _review(as_of: date) -> date:
    try:
        return as_of.replace(year=as_of.year + REVIEW_AFTER_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year + REVIEW_AFTER_YEARS, day=28)


def control_section(result: AuditResult, t: Lang, mask: bool, *,
                    period: Callable[[date | None, date | None], str]) -> ControlView:
    _ = t.gettext
    s = result.summary
    tool = f"{result.tool.get('name', 'msgaudit')} {result.tool.get('version', '')}".strip()
    document = [
        Fact(label=_("Document"), value=_("Messaging privacy audit, version %(version)s") % {"version": "1.0"}),
        Fact(label=_("Produced by"), value=tool),
        Fact(label=_("Rule set version"), value=result.ruleset_version or "—"),
        Fact(label=_("Run date (situation as of)"), value=t.date(result.as_of)),
        Fact(label=_("Auditor"), value=""),
        Fact(label=_("Distribution"), value=_("Board, data protection officer; not for publication")),
    ]
    if mask:
        note = _("Personal data is masked: numbers show few digits, names and chat file names only initials, "
                 "platform message ids a short code.")
    else:
        note = _("Contains personal data: phone numbers, names and message ids are shown in full. Keep this "
                 "document confidential and share it only with those who need it.")
    formats = Counter(i.format for i in result.inputs)
    start, end = s.period_start, s.period_end
    evaluated = [r for r in result.rules if r.evaluated]
    scope = [
        _("Period: %(period)s.") % {"period": period(start.date() if start else None, end.date() if end else None)},
        _("%(files)s input files: %(formats)s.") % {
            "files": t.number(len(result.inputs)),
            "formats": ", ".join(f"{name} ({t.number(n)})" for name, n in sorted(formats.items())) or "—"},
        _("%(messages)s messages and %(contacts)s contacts.") % {"messages": t.number(s.messages),
                                                                   "contacts": t.number(s.contacts)},
        _("%(evaluated)s of %(rules)s rules evaluated.") % {"evaluated": t.number(len(evaluated)),
                                                           "rules": t.number(len(result.rules))},
    ]
    exclusions = [_("Rule %(rule)s not evaluated: %(reason)s") % {"rule": r.id, "reason": r.not_evaluated_reason
                                                                   or _("no reason recorded")}
                  for r in sorted(result.rules, key=lambda r: r.id) if not r.evaluated]
    exclusions += [
        _("Channels and records not in the exports (email, paper forms, phone calls, other devices) were not seen."),
        _("Systems the inventory does not declare were not assessed."),
        _("What messages say was read only by the rules that need it (opt-out replies, sensitive terms) and is "
          "never shown in this report."),
    ]
    assumptions = [
        _("The inventory is the organisation's own declaration: where systems store data, their operators and the "
          "transfer safeguards relied on were not verified against contracts or certifications."),
        _("The exports are complete for the period and unaltered; their SHA-256 fingerprints are listed under "
          "input accounting."),
        _("Messages sent from the numbers and by the people the inventory names speak for the organisation."),
        _("Times written without a time zone are in the organisation's zone, %(zone)s.")
        % {"zone": result.organisation.get("timezone") or "Europe/Rome"},
    ]
    return ControlView(document=document, personal_data=not mask, personal_data_note=note, scope=scope,
                       exclusions=exclusions, assumptions=assumptions, review_date=t.date(_review(result.as_of)))
