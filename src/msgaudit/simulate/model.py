"""The business-messaging model the simulator plays out, and that the report draws from world.json.

    BusinessAccount ──sends──▶ Message ◀──replies── Person ──keeps──▶ AddressBook entry
          │                       │                    │
          │ registered name,      │ template category, │ consent events (granted / withdrawn,
          │ verified badge        │ 24-hour window     │ channel, evidence), opt-outs
          ▼                       ▼                    ▼
       System (country, transfer claims over time) ── stores ── phone numbers, messages

People, consent events, opt-outs and messages are pandas frames (one row each)
because a world may hold a million messages; the small things (accounts,
templates, systems, the organisation) are dataclasses. `World` holds them all,
plus the ground truth the behaviour recorded while injecting violations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Literal

import pandas as pd

Relationship = Literal["member", "former-member", "regular-contact", "customer", "prospect"]
Category = Literal["marketing", "utility", "authentication", "service", "unknown"]

# Columns of the frames, documented once.
PEOPLE_COLUMNS = {
    "pid": "row number of the person",
    "first_name": "given name", "last_name": "family name", "name": "first and last name, unique in the world",
    "phone": "E.164 number", "region": "ISO region of the number", "zones": "'|'-joined IANA zones of the number",
    "declared_tz": "time zone the person declared in the contact list, or None",
    "number_type": "phonenumbers type (mobile, fixed_line...) or invalid", "valid": "phonenumbers says valid",
    "lang": "language the person writes in", "relationship": "member, customer, prospect...",
    "saved_business": "saved the business number in their address book (broadcasts reach only them)",
    "in_contacts": "listed in the business's contact list", "role": "webhook, group or listed (never messaged)",
    "marketing": "gave marketing consent before the simulation",
}
MESSAGE_COLUMNS = {
    "mid": "the id the export carries (wamid… or file:line)", "t": "UTC send time",
    "direction": "outbound or inbound", "channel": "whatsapp", "source": "webhook or chat",
    "pid": "person (-1 for a group send or a system line)", "category": "pricing category or unknown",
    "is_template": "sent as an approved template", "kind": "template, other, text, media, system",
    "body": "text (inbound and chat only: status webhooks carry no content)",
    "optout": "inbound body is an opt-out keyword", "looks_like": "inbound body reads like an opt-out",
}


@dataclass(frozen=True)
class BusinessAccount:
    """A WhatsApp sender: what a person sees is their address-book name if they saved the number."""

    display_name: str
    phone: str
    verified: bool
    category: str
    channel: str = "whatsapp"
    kind: Literal["cloud-api", "personal-phone"] = "cloud-api"

    def seen_as(self, saved_name: str | None) -> str:
        return saved_name or self.display_name


@dataclass(frozen=True)
class Template:
    name: str
    category: Category
    language: str
    text: str


@dataclass(frozen=True)
class TransferClaim:
    mechanism: str
    start: date
    end: date | None = None
    certified: bool | None = None
    signed: date | None = None
    tia: date | None = None
    note: str = ""


@dataclass(frozen=True)
class System:
    name: str
    operator: str
    role: Literal["controller", "processor", "joint-controller"]
    country: str
    channels: tuple[str, ...]
    data: tuple[str, ...]
    purposes: tuple[str, ...]
    claims: tuple[TransferClaim, ...] = ()
    flaw: str | None = None  # the TRANSFER- rule this system was built to break, if any


@dataclass(frozen=True)
class Organisation:
    name: str
    kind: str
    aim: str
    art9_condition: str | None
    country: str = "IT"
    timezone: str = "Europe/Rome"
    president: str = ""
    contact: str = ""


@dataclass
class World:
    organisation: Organisation
    accounts: list[BusinessAccount]
    templates: list[Template]
    systems: list[System]
    people: pd.DataFrame
    consents: pd.DataFrame  # phone, purpose, channel, status, t, evidence, method, business_name
    optouts: pd.DataFrame  # phone, kind, since
    preferences: pd.DataFrame  # phone, value (stop), t: user_preferences webhooks
    messages: pd.DataFrame  # MESSAGE_COLUMNS
    group_members: pd.DataFrame  # pid (or -1), author (name as the chat shows it), contact key
    group_name: str
    incidents: dict[str, int] = field(default_factory=dict)  # rule id -> incidents injected

    def describe(self) -> dict:
        """The model as plain data for world.json: what exists and how it is connected."""
        people = self.people
        return {
            "organisation": asdict(self.organisation),
            "accounts": [asdict(a) for a in self.accounts],
            "templates": [asdict(t) for t in self.templates],
            "systems": [{**asdict(s), "claims": [{k: (v.isoformat() if isinstance(v, date) else v)
                                                  for k, v in asdict(c).items()} for c in s.claims]}
                        for s in self.systems],
            "people": {
                "total": int(len(people)),
                "by_region": {str(k): int(v) for k, v in people["region"].fillna("invalid").value_counts().sort_index().items()},
                "by_relationship": {str(k): int(v) for k, v in people["relationship"].fillna("unknown").value_counts().sort_index().items()},
                "saved_business": int(people["saved_business"].sum()),
                "declared_time_zone": int(people["declared_tz"].notna().sum()),
                "in_contact_list": int(people["in_contacts"].sum()),
            },
            "consent_events": {f"{p}/{c}/{s}": int(n) for (p, c, s), n in
                               self.consents.groupby(["purpose", "channel", "status"]).size().sort_index().items()},
            "optouts": {str(k): int(v) for k, v in self.optouts["kind"].value_counts().sort_index().items()},
            "marketing_stops": int(len(self.preferences)),
            "group": {"name": self.group_name, "members": int(len(self.group_members))},
            "flows": [
                {"from": a.display_name, "to": s.name, "country": s.country}
                for a in self.accounts for s in self.systems if a.channel in s.channels
            ],
            "volumes": self._volumes(),
            "incidents": dict(sorted(self.incidents.items())),
        }

    def _volumes(self) -> list[dict]:
        """Messages per sending account, direction and pricing category (webhooks are the API account's, the chat
        export the personal phone's), so the report can weigh each flow."""
        by_kind = {a.kind: a.display_name for a in self.accounts}
        account = self.messages["source"].map({"webhook": by_kind.get("cloud-api"), "chat": by_kind.get("personal-phone")})
        counts = self.messages.assign(account=account, category=self.messages["category"].fillna("unknown")).groupby(["account", "direction", "category"]).size()
        return [{"account": str(a), "direction": str(d), "category": str(c), "count": int(n)}
                for (a, d, c), n in counts.sort_index().items()]
