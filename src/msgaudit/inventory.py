"""The auditee's own declaration: who it is, which systems hold the data, and on what transfer basis.

Validated strictly (unknown keys are errors, with a suggestion) and turned into
the canonical `systems` table: one row per system and claimed-mechanism period.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from msgaudit import tables, yamlsafe
from msgaudit.errors import ConfigError
from msgaudit.phones import parse_phone

Mechanism = Literal["adequacy", "dpf", "privacy-shield", "safe-harbor", "scc-2001", "scc-2004", "scc-2010", "scc-2021",
                    "bcr", "derogation", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Transfer(_Strict):
    mechanism: Mechanism
    from_: date | None = Field(default=None, alias="from", description="First day the auditee relied on it")
    to: date | None = Field(default=None, description="Last day it relied on it; open if absent")
    certified: bool | None = Field(default=None, description="The importer is DPF-certified (for dpf)")
    signed: date | None = Field(default=None, description="Date the SCC contract was signed (for scc-2001..scc-2021)")
    tia: date | None = Field(default=None, description="Day the transfer impact assessment was completed (for SCC and BCR)")
    note: str = ""


class System(_Strict):
    name: str
    operator: str = ""
    role: Literal["controller", "processor", "joint-controller"] = "processor"
    country: str = Field(description="ISO 3166-1 alpha-2 country where the data is stored")
    channels: list[str] = Field(default_factory=list)
    data: list[str] = Field(default_factory=list)
    purposes: list[str] = Field(default_factory=list)
    transfers: list[Transfer] = Field(default_factory=list)

    @field_validator("country")
    @classmethod
    def _upper_country(cls, v: str) -> str:
        if len(v) != 2 or not v.isalpha():
            raise ValueError("use a two-letter ISO 3166-1 code such as IT, US or DE")
        return v.upper()


class Organisation(_Strict):
    name: str
    country: str = "IT"
    timezone: str = "Europe/Rome"
    default_region: str | None = Field(default=None, description="Region for numbers written without +; defaults to country")
    business_phones: list[str] = Field(default_factory=list)
    business_names: list[str] = Field(default_factory=list)
    kind: Literal["association", "company", "public-body", "other"] = "company"
    aim: Literal["political", "religious", "philosophical", "trade-union", "cultural", "sport", "commercial", "other"] = "commercial"
    art9_condition: Literal["explicit-consent", "9.2.d", "none"] | None = None
    employees: int | None = None
    dpo: str = ""
    rights_contact: str = Field(default="", description="Address where data subjects exercise their rights (Codice Privacy art. 130(5))")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as Europe/Rome") from None
        return v


class Inventory(_Strict):
    organisation: Organisation
    systems: list[System] = Field(default_factory=list)

    @property
    def region(self) -> str:
        return (self.organisation.default_region or self.organisation.country).upper()

    def business_phones_e164(self) -> tuple[str, ...]:
        out = []
        for raw in self.organisation.business_phones:
            parsed = parse_phone(raw, self.region)
            if parsed.e164:
                out.append(parsed.e164)
        return tuple(out)


def load_inventory(path: str | Path) -> tuple[Inventory, yamlsafe.Positions]:
    data, positions = yamlsafe.load_file(path)
    return parse_inventory(data, positions), positions


def parse_inventory(data: object, positions: yamlsafe.Positions) -> Inventory:
    if not isinstance(data, dict):
        raise ConfigError(positions.path, 1, "an inventory is a mapping with 'organisation' and 'systems'")
    try:
        return Inventory.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line, _ = positions.at(loc)
        raise ConfigError(positions.path, line, _explain(err, loc)) from None


def _explain(err: dict, loc: tuple) -> str:
    field = ".".join(str(p) for p in loc)
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc[:-1])
        known = list(model.model_fields) + [f.alias for f in model.model_fields.values() if f.alias]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(k for k in known if k != 'from_'))}"
        return f"unknown key {key!r}{hint}"
    if err["type"] == "missing":
        return f"{field}: required key missing"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{field}: {msg}"


def _model_at(loc: tuple) -> type[BaseModel]:
    model: type[BaseModel] = Inventory
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or next((f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            return model
        ann = field.annotation
        inner = getattr(ann, "__args__", (ann,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return model


def systems_table(inv: Inventory, positions: yamlsafe.Positions) -> pd.DataFrame:
    """One row per system and claimed transfer period; a system with no claim gets one row with no mechanism."""
    rows = []
    for i, system in enumerate(inv.systems):
        line, _ = positions.at(("systems", i))
        base = {
            "system": system.name, "operator": system.operator, "role": system.role, "country": system.country,
            "channels": "|".join(system.channels), "data": "|".join(system.data),
            "purposes": "|".join(system.purposes), "source": f"{positions.path}:{line}",
        }
        claims = sorted(system.transfers, key=lambda t: t.from_ or date.min)
        if not claims:
            rows.append({**base, "mechanism": None, "claim_from": None, "claim_to": None, "certified": None, "signed": None,
                         "tia": None})
        for j, claim in enumerate(claims):
            nxt = claims[j + 1].from_ if j + 1 < len(claims) else None
            # A later claim replaces an earlier open-ended one from its own start date.
            end = claim.to or (pd.Timestamp(nxt) - pd.Timedelta(days=1) if nxt else None)
            tline, _ = positions.at(("systems", i, "transfers", system.transfers.index(claim)))
            rows.append({
                **base, "mechanism": claim.mechanism,
                "claim_from": pd.Timestamp(claim.from_, tz="UTC") if claim.from_ else None,
                "claim_to": pd.Timestamp(end, tz="UTC") if end is not None else None,
                "certified": claim.certified, "source": f"{positions.path}:{tline}",
                "signed": pd.Timestamp(claim.signed, tz="UTC") if claim.signed else None,
                "tia": pd.Timestamp(claim.tia, tz="UTC") if claim.tia else None,
            })
    if not rows:
        return tables.empty(tables.SYSTEMS)
    return tables.conform(pd.DataFrame(rows), tables.SYSTEMS)
