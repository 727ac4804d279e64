"""Canonical tables: the one description of every column ingest produces and rules read.

Each table is a pandas DataFrame whose columns are declared here once. `conform`
is the boundary check: it adds missing optional columns, coerces dtypes, checks
enumerations vectorised and orders the columns, so the rule engine can rely on
the shape without re-checking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from pydantic import BaseModel

Kind = Literal["str", "datetime", "bool", "int"]

# A person WhatsApp names only by a business-scoped user id (no phone in the webhook) is keyed by it,
# in the columns that otherwise hold E.164: "bsuid:IT.1502576394655843".
BSUID_KEY_PREFIX = "bsuid:"


class Column(BaseModel):
    name: str
    kind: Kind
    required: bool = False
    allowed: tuple[str, ...] | None = None
    doc: str = ""


class TableSpec(BaseModel):
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, kind: Kind, doc: str, *, required: bool = False, allowed: tuple[str, ...] | None = None) -> Column:
    return Column(name=name, kind=kind, doc=doc, required=required, allowed=allowed)


NUMBER_TYPES = (
    "mobile", "fixed_line", "fixed_line_or_mobile", "toll_free", "premium_rate", "shared_cost",
    "voip", "personal_number", "pager", "uan", "voicemail", "unknown", "invalid",
)
DIRECTIONS = ("outbound", "inbound")
CATEGORIES = ("marketing", "utility", "authentication", "service", "unknown")
CONSENT_STATUS = ("granted", "withdrawn")
MESSAGE_KINDS = ("text", "media", "system", "deleted", "interactive", "button", "template", "other")
OPTOUT_KINDS = ("do-not-contact", "block", "national-registry", "marketing-stop")

CONTACTS = TableSpec(name="contacts", columns=(
    _c("contact_id", "str", "Stable id: the export's own id, else file:line", required=True),
    _c("display_name", "str", "Name as the source shows it"),
    _c("phone", "str", "E.164, e.g. +393331234567; empty if the row had no usable number"),
    _c("phone_raw", "str", "The number as written in the source"),
    _c("phone_valid", "bool", "phonenumbers says the number is valid for its region"),
    _c("phone_region", "str", "ISO 3166-1 alpha-2 region of the number"),
    _c("number_type", "str", "phonenumbers number type", allowed=NUMBER_TYPES),
    _c("time_zones", "str", "IANA zones of the number joined by '|'; empty when unknown"),
    _c("time_zone", "str", "The contact's own declared time zone, if the source has one"),
    _c("email", "str", "E-mail address"),
    _c("relationship", "str", "member, former-member, customer, prospect, regular-contact, other"),
    _c("tags", "str", "Labels or groups joined by '|'"),
    _c("saved_business", "bool", "The person saved the business number (broadcast reach)"),
    _c("source", "str", "file:line", required=True),
))

CONSENT_EVENTS = TableSpec(name="consent_events", columns=(
    _c("phone", "str", "E.164", required=True),
    _c("purpose", "str", "marketing, service, membership, newsletter, ...", required=True),
    _c("channel", "str", "whatsapp, sms, email, phone, any", required=True),
    _c("status", "str", "granted or withdrawn", required=True, allowed=CONSENT_STATUS),
    _c("timestamp", "datetime", "UTC time of the event", required=True),
    _c("evidence", "str", "Where the proof is: form id, signed sheet, URL, text version"),
    _c("method", "str", "How it was collected: form, paper, checkbox, prechecked, implied, verbal, keyword"),
    _c("business_name", "str", "The business named in the opt-in text"),
    _c("birth_date", "datetime", "Birth date of the person, where the source records it (age of consent)"),
    _c("age", "int", "Age in years as the source states it at its export, after every event it holds"),
    _c("source", "str", "file:line", required=True),
))

MESSAGES = TableSpec(name="messages", columns=(
    _c("message_id", "str", "The id the export carries, else file:line", required=True),
    _c("timestamp", "datetime", "UTC send time", required=True),
    _c("direction", "str", "outbound (from the business) or inbound", required=True, allowed=DIRECTIONS),
    _c("channel", "str", "whatsapp, sms, ..."),
    _c("business_account", "str", "The business number or author that speaks for it"),
    _c("counterpart", "str", "E.164 of the person on the other side (bsuid:<id> when WhatsApp gives no number); "
                             "empty for group sends"),
    _c("counterpart_name", "str", "Author or profile name as the export shows it"),
    _c("conversation_id", "str", "Chat, conversation, group or broadcast id"),
    _c("conversation_type", "str", "individual, group, broadcast"),
    _c("category", "str", "Pricing or template category", allowed=CATEGORIES),
    _c("template_name", "str", "Template name when the message is a template"),
    _c("is_template", "bool", "Sent as an approved template"),
    _c("kind", "str", "text, media, system, deleted, interactive, button, template, other", allowed=MESSAGE_KINDS),
    _c("body", "str", "Text; read by checks, never copied into reports unless asked"),
    _c("status", "str", "Latest delivery status: sent, delivered, read, failed, received"),
    _c("source", "str", "file:line", required=True),
))

OPTOUTS = TableSpec(name="optouts", columns=(
    _c("phone", "str", "E.164, or bsuid:<id> when WhatsApp gives no number", required=True),
    _c("kind", "str", "do-not-contact, block, national-registry, marketing-stop", required=True, allowed=OPTOUT_KINDS),
    _c("since", "datetime", "UTC time from which it applies", required=True),
    _c("scope", "str", "marketing, all"),
    _c("source", "str", "file:line", required=True),
))

SYSTEMS = TableSpec(name="systems", columns=(
    _c("system", "str", "Name of the system or storage place", required=True),
    _c("operator", "str", "Who runs it"),
    _c("role", "str", "controller, processor, joint-controller"),
    _c("country", "str", "ISO country where data is stored", required=True),
    _c("channels", "str", "Channels whose messages pass through it, joined by '|'"),
    _c("data", "str", "Data categories joined by '|'"),
    _c("purposes", "str", "Purposes joined by '|'"),
    _c("mechanism", "str", "Transfer mechanism claimed in this period, or empty"),
    _c("claim_from", "datetime", "Start of the claim (UTC midnight)"),
    _c("claim_to", "datetime", "End of the claim (UTC midnight), empty if open"),
    _c("certified", "bool", "DPF certification of the importer"),
    _c("signed", "datetime", "Day the SCC contract was signed (UTC midnight)"),
    _c("tia", "datetime", "Day the transfer impact assessment was completed (UTC midnight)"),
    _c("source", "str", "file:line", required=True),
))

SPECS: dict[str, TableSpec] = {s.name: s for s in (CONTACTS, CONSENT_EVENTS, MESSAGES, OPTOUTS, SYSTEMS)}


class SchemaError(ValueError):
    pass


def empty(spec: TableSpec) -> pd.DataFrame:
    return conform(pd.DataFrame({name: [] for name in spec.names}), spec)


def conform(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Return `df` with exactly the spec's columns and dtypes; raise SchemaError on a broken contract."""
    out = pd.DataFrame(index=df.index)
    unknown = set(df.columns) - set(spec.names)
    if unknown:
        raise SchemaError(f"{spec.name}: unknown columns {sorted(unknown)}")
    for col in spec.columns:
        if col.name not in df.columns:
            if col.required:
                raise SchemaError(f"{spec.name}: required column {col.name!r} missing")
            values = pd.Series(pd.NA, index=df.index, dtype="object")
        else:
            values = df[col.name]
        out[col.name] = _coerce(values, col, spec.name)
        if col.allowed is not None:
            bad = out[col.name].notna() & ~out[col.name].isin(col.allowed)
            if bad.any():
                sample = out.loc[bad, col.name].iloc[0]
                raise SchemaError(f"{spec.name}.{col.name}: value {sample!r} not in {list(col.allowed)}")
        if col.required and col.kind != "str" and out[col.name].isna().any():
            raise SchemaError(f"{spec.name}.{col.name}: required value missing")
    return out.reset_index(drop=True)


def _coerce(values: pd.Series, col: Column, table: str) -> pd.Series:
    if col.kind == "str":
        return values.astype("object").where(values.notna(), None)
    if col.kind == "bool":
        return values.astype("boolean")
    if col.kind == "int":
        return values.astype("Int64")
    converted = pd.to_datetime(values, utc=True)
    return converted.dt.as_unit("ns")


@dataclass
class Tables:
    """The canonical tables of one audit, built by concatenating every input's tables."""

    contacts: pd.DataFrame = field(default_factory=lambda: empty(CONTACTS))
    consent_events: pd.DataFrame = field(default_factory=lambda: empty(CONSENT_EVENTS))
    messages: pd.DataFrame = field(default_factory=lambda: empty(MESSAGES))
    optouts: pd.DataFrame = field(default_factory=lambda: empty(OPTOUTS))
    systems: pd.DataFrame = field(default_factory=lambda: empty(SYSTEMS))

    def get(self, name: str) -> pd.DataFrame:
        if name not in SPECS:
            raise KeyError(name)
        return getattr(self, name)

    @classmethod
    def from_parts(cls, parts: list[dict[str, pd.DataFrame]]) -> "Tables":
        merged: dict[str, pd.DataFrame] = {}
        for name, spec in SPECS.items():
            frames = [p[name] for p in parts if name in p and len(p[name])]
            merged[name] = conform(pd.concat(frames, ignore_index=True), spec) if frames else empty(spec)
        return cls(**merged)
