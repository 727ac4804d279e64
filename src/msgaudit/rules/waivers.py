"""Waivers: accepted risks that suppress matching findings until they expire.

    waivers:
      - rule: CONSENT-001
        contact: "+39 333 123 4567"      # optional: narrows the waiver
        message_id: "wamid.HBg…"         # optional
        system: "Mailing provider"       # optional
        justification: Consent collected on paper, being digitised (ticket 42).
        approver: Maria Bianchi, DPO
        expires: 2027-01-31              # a date ends at 23:59:59 in `timezone`
        timezone: Europe/Rome            # default: the organisation's zone

A waived finding is still counted and listed as waived. An expired waiver
stops applying: it is judged at the start of the audit's --as-of date. A
waiver until 9999-12-31 never expires.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from msgaudit import yamlsafe
from msgaudit.errors import ConfigError
from msgaudit.findings import Finding, Waiver
from msgaudit.phones import parse_phone


class _WaiverSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str
    contact: str | None = None
    message_id: str | None = None
    system: str | None = None
    justification: str = Field(min_length=3)
    approver: str = Field(min_length=2)
    expires: date | datetime
    timezone: str | None = None


def load_waivers(path: str | Path, default_tz: str, region: str = "IT") -> list[Waiver]:
    data, pos = yamlsafe.load_file(path)
    if not isinstance(data, dict) or not isinstance(data.get("waivers"), list):
        raise ConfigError(path, 1, "a waivers file has a 'waivers:' list")
    out = []
    for i, item in enumerate(data["waivers"]):
        try:
            spec = _WaiverSpec.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            line, _ = pos.at(("waivers", i, *err["loc"]))
            field = ".".join(str(x) for x in err["loc"])
            raise ConfigError(path, line, f"waiver {i + 1}: {field}: {err['msg']}") from None
        tzname = spec.timezone or default_tz
        try:
            zone = ZoneInfo(tzname)
        except (ZoneInfoNotFoundError, ValueError):
            line, _ = pos.at(("waivers", i, "timezone"))
            raise ConfigError(path, line, f"unknown time zone {tzname!r}; use an IANA name such as Europe/Rome") from None
        if isinstance(spec.expires, datetime):
            expires = spec.expires if spec.expires.tzinfo else spec.expires.replace(tzinfo=zone)
        elif spec.expires == date.max:  # 9999-12-31, the last date there is: written to mean "never"
            expires = datetime.max.replace(tzinfo=timezone.utc)
        else:
            expires = datetime.combine(spec.expires + timedelta(days=1), time(0), tzinfo=zone)
        contact = spec.contact
        if contact and any(ch.isdigit() for ch in contact):
            contact = parse_phone(contact, region).e164 or contact
        line, _ = pos.at(("waivers", i))
        out.append(Waiver(rule_id=spec.rule, contact=contact, message_id=spec.message_id, system=spec.system,
                          justification=spec.justification, approver=spec.approver, expires=expires,
                          source=f"{path}:{line}"))
    return out


def apply_waivers(findings: list[Finding], waivers: list[Waiver], as_of_instant: datetime) -> None:
    """Mark findings covered by a waiver still in force at `as_of_instant`."""
    live = [w for w in waivers if as_of_instant < w.expires]
    if not live:
        return
    for f in findings:
        for w in live:
            if w.rule_id != f.rule_id:
                continue
            if w.contact and w.contact != f.contact and f"name:{w.contact}" != f.contact:
                continue
            if w.message_id and w.message_id != f.message_id:
                continue
            if w.system and w.system != f.system:
                continue
            f.waived = True
            f.waiver = w
            break
