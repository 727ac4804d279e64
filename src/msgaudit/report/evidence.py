"""Finding evidence as a board reads it: labelled, translated, local times, short sources.

Checks record evidence under machine keys (`optout_at`, `zone_source`, ...)
with ISO times in UTC and `file:line` sources. findings.json and findings.csv
keep them exactly so; the report shows each key's label and each value in the
reader's language, times in the organisation's time zone. A key no label
knows (a custom check's) is shown with its underscores as spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from msgaudit.report.i18n import Lang
from msgaudit.report.redact import mask_text
from msgaudit.report.svg import truncate

DEFAULT_ZONE = "Europe/Rome"
# What an empty cell or value shows, so a reader sees "nothing here" rather than a gap.
EMPTY = "—"
MAX_VALUE = 120
# Evidence keys that may hold what a person wrote; the report never shows message bodies.
_BODY_KEYS = ("body", "text", "content", "caption", "message")
# Named like a body but known to hold only the opt-out keyword or phrase a check matched, never the message.
_NOT_BODIES = frozenset({"optout_text"})
# Shown in the Time column instead, as the period the finding covers.
PERIOD_KEYS = ("period_start", "period_end")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SOURCE = re.compile(r"(?P<path>.+?)(?::(?P<line>\d+))?")
_ART9 = re.compile(r"9\.2\.([a-j])")
_CHANNELS = {"whatsapp": "WhatsApp", "sms": "SMS", "rcs": "RCS", "telegram": "Telegram"}


class Fact(BaseModel):
    label: str
    value: str


def organisation_zone(organisation: Mapping[str, Any]) -> tzinfo:
    """The zone the organisation reads times in; the inventory validated it, a hand-made result may not have."""
    try:
        return ZoneInfo(str(organisation.get("timezone") or DEFAULT_ZONE))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def file_name(source: str) -> str:
    """`folder/Chat.txt:28` → `Chat.txt:28`: the Source column has the folder already."""
    return re.split(r"[\\/]", source)[-1]


def is_body(key: str) -> bool:
    return key not in _NOT_BODIES and any(b in key.lower() for b in _BODY_KEYS)


def parse_moment(value: str) -> datetime | None:
    """An ISO time; naive ones are UTC like every time in the tables. None for look-alikes such as month 13."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class EvidenceFormatter:
    """Turns one finding's evidence dict into labelled, translated lines."""

    def __init__(self, t: Lang, zone: tzinfo, mask: bool, *, mechanism: Callable[[str], str],
                 role: Callable[[str], str]) -> None:
        self.t = t
        self.zone = zone
        self.mask = mask
        _ = t.gettext
        # The order here is the order a reader meets them in: what happened, when, how we know.
        self.labels: dict[str, str] = {
            "outcome": _("Consent check"),
            "consent_status": _("Consent status"),
            "consent_at": _("Consent recorded on"),
            "consent_evidence": _("Proof of consent"),
            "evidence": _("Proof of consent"),
            "consent_source": _("Consent record"),
            "consent_events": _("Consent records found"),
            "purpose": _("Purpose"),
            "channel": _("Channel"),
            "optout_kind": _("How the person opted out"),
            "optout_text": _("Words used"),
            "optout_at": _("Opted out on"),
            "optout_source": _("Opt-out recorded in"),
            "last_inbound_at": _("Last message from the person"),
            "hours_since": _("Hours since then"),
            "matched_term": _("Term found"),
            "declared_category": _("Declared template category"),
            "local_time": _("Recipient's local time"),
            "time_zone": _("Recipient's time zone"),
            "zone_source": _("Time zone taken from"),
            "allowed": _("Allowed hours"),
            "count_in_window": _("Messages in the period"),
            "window_start": _("Period counted from"),
            "period_start": _("Period start"),
            "period_end": _("Period end"),
            "country": _("Country"),
            "mechanism": _("Transfer mechanism declared"),
            "valid_from": _("Mechanism valid from"),
            "valid_to": _("Mechanism valid until"),
            "reason": _("Reason"),
            "aim": _("Declared aim"),
            "art9_condition": _("GDPR Art. 9(2) condition"),
            "relationship": _("Relationship"),
            "role": _("Role"),
            "operator": _("Operator"),
            "group": _("WhatsApp group"),
            "members_reached": _("Members who can see each other's numbers"),
            "category_source": _("Marketing according to"),
            "category_cue": _("Promotional wording found"),
            "art9_category": _("Special category of data"),
            "missing": _("Missing from the message"),
            "messages": _("Messages"),
            "first": _("First message"),
            "last": _("Last message"),
            "members_exposed": _("Members exposed"),
            "reveals": _("What the group reveals"),
            "tia": _("Transfer impact assessment recorded on"),
            "withdrawn_at": _("Withdrawn on"),
            "withdrawn_purpose": _("Purpose withdrawn"),
            "withdrawal_source": _("Withdrawal recorded in"),
        }
        outcomes = {"missing": _("no consent recorded"), "not_yet": _("consent given only later"),
                    "withdrawn": _("consent withdrawn"), "unproven": _("consent recorded without proof"),
                    "invalid": _("consent not valid (pre-ticked, implied or given under 14)"),
                    "granted": _("consent given")}
        zone_sources = {"declared": _("the contact's record"), "number": _("the phone number"),
                        "unknown": _("unknown")}
        self.enums: dict[str, Mapping[str, str]] = {
            "outcome": outcomes,
            "consent_status": {"granted": _("granted"), "withdrawn": _("withdrawn")},
            "optout_kind": {
                "keyword": _("replied with a stop word"), "do-not-contact": _("on the do-not-contact list"),
                "block": _("blocked the account"), "marketing-stop": _("stopped marketing messages"),
                "national-registry": _("listed in the national opt-out register"),
                "looks-like": _("wrote a message that reads as an opt-out")},
            "zone_source": zone_sources,
            "purpose": {"any": _("any purpose"), "all": _("any purpose")},
            "channel": _CHANNELS,
            "aim": {"political": _("political"), "religious": _("religious"), "philosophical": _("philosophical"),
                    "trade-union": _("trade union")},
            "art9_condition": {"none": _("no condition declared")},
            "category_source": {"text": _("the message text"), "inventory": _("the inventory's category for the channel")},
            "art9_category": {"data concerning health": _("data concerning health"),
                              "religious or philosophical beliefs": _("religious or philosophical beliefs"),
                              "political opinions": _("political opinions"),
                              "trade union membership": _("trade union membership"),
                              "sex life or sexual orientation": _("sex life or sexual orientation")},
            "missing": {"opt-out route": _("a way to stop the messages"), "sender identity": _("the sender's name"),
                        "opt-out route; sender identity": _("a way to stop the messages and the sender's name")},
            "relationship": {"member": _("member"), "former-member": _("former member"),
                             "customer": _("customer"), "prospect": _("prospect"),
                             "regular-contact": _("regular contact"), "other": _("other"), "unknown": _("unknown")},
        }
        self.mappers: dict[str, Callable[[str], str]] = {"mechanism": mechanism, "role": role,
                                                         "country": self.country}

    # --- one value ----------------------------------------------------------------------------------

    def country(self, code: str) -> str:
        return str(self.t.locale.territories.get(code.upper(), code))

    def source(self, value: str) -> str:
        m = _SOURCE.fullmatch(value)
        name = file_name(m["path"]) if m else file_name(value)
        if m and m["line"]:
            return self.t.gettext("%(file)s, line %(line)s") % {"file": name, "line": m["line"]}
        return name

    def part(self, key: str, value: str) -> str:
        """One '|'-separated part of a string value."""
        if value in self.enums.get(key, {}):
            return self.enums[key][value]
        if key in self.mappers:
            return self.mappers[key](value)
        if key == "art9_condition" and (m := _ART9.fullmatch(value)):
            return f"GDPR Art. 9(2)({m[1]})"
        if key == "source" or key.endswith("_source"):
            return self.source(value)
        if _ISO_DATETIME.fullmatch(value) and (moment := parse_moment(value)):
            return self.t.date_time(moment, self.zone)
        if _ISO_DATE.fullmatch(value) and (day := parse_day(value)):
            return self.t.date(day, "medium")
        return value

    def local_times(self, value: str, zones: str) -> str:
        """Each time in the recipient's own zone (not the organisation's): that is the point of the evidence."""
        names = zones.split("|") if zones else []
        shown: list[str] = []
        for i, moment in enumerate(value.split("|")):
            try:
                zone: tzinfo | None = ZoneInfo(names[i]) if i < len(names) else None
            except (ZoneInfoNotFoundError, ValueError):
                zone = None
            parsed = parse_moment(moment) if _ISO_DATETIME.fullmatch(moment) else None
            text = self.t.date_time(parsed, zone or parsed.tzinfo or self.zone) if parsed else moment
            if text not in shown:
                shown.append(text)
        return ", ".join(shown)

    def value(self, key: str, raw: Any, evidence: Mapping[str, Any]) -> str:
        if isinstance(raw, bool):
            _ = self.t.gettext
            return _("yes") if raw else _("no")
        if isinstance(raw, int | float):
            return self.t.number(raw)
        if isinstance(raw, datetime):
            return self.t.date_time(raw, self.zone)
        if isinstance(raw, date):
            return self.t.date(raw, "medium")
        if isinstance(raw, list | tuple | set | frozenset):
            items = sorted(raw, key=str) if isinstance(raw, set | frozenset) else raw
            return ", ".join(self.value(key, v, evidence) for v in items)
        text = str(raw)
        if key == "local_time":
            return self.local_times(text, str(evidence.get("time_zone") or ""))
        parts = list(dict.fromkeys(self.part(key, p.strip()) for p in text.split("|") if p.strip()))
        return ", ".join(parts)

    # --- a finding's evidence -----------------------------------------------------------------------

    def label(self, key: str) -> str:
        return self.labels.get(key) or key.replace("_", " ")

    def facts(self, evidence: Mapping[str, Any], skip: tuple[str, ...] = ()) -> list[Fact]:
        order = {k: i for i, k in enumerate(self.labels)}
        keys = sorted((k for k in evidence if k not in skip and not is_body(k)),
                      key=lambda k: (order.get(k, len(order)), k))
        out = []
        for key in keys:
            shown = self.value(key, evidence[key], evidence) or EMPTY
            out.append(Fact(label=self.label(key), value=truncate(mask_text(shown) if self.mask else shown, MAX_VALUE)))
        return out
