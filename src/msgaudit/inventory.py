"""The auditee's own declaration: who it is, which systems hold the data, and on what transfer basis.

Validated strictly (unknown keys are errors, with a suggestion) and turned into
the canonical `systems` table: one row per system and claimed-mechanism period.
Every problem is one line naming the file and line. Countries are ISO 3166-1
codes or their names in English or Italian (babel's CLDR territory names:
"Italia", "Stati Uniti", "United States"); dates are ISO (2023-09-01) or
day-first (01/09/2023), the way an Italian office writes them.
A transfer `to: 9999-12-31` is open-ended and `from: 0001-01-01` is from the
start, as if absent; any other date outside 1900-01-01..2262-04-10 is an error.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from msgaudit import tables, yamlsafe
from msgaudit.errors import ConfigError
from msgaudit.phones import parse_phone

# Codes CLDR lists that name no country: regions, pseudo-locales, the unknown region.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "ZZ", "XA", "XB"})
# ISO 3166-1 "exceptionally reserved" codes people write for GB and GR.
_RESERVED = {"UK": "GB", "EL": "GR"}
# Timestamps are nanoseconds: the last day pandas can hold, and a floor no processing date is before.
_LAST_DAY, _FIRST_DAY = date(2262, 4, 10), date(1900, 1, 1)
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


@cache
def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """ISO code → English name, and every folded English or Italian name or code → code."""
    from babel import Locale

    english = {c: n for c, n in Locale("en").territories.items()
               if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES}
    lookup = {_fold(c): c for c in english}
    for locale in ("en", "it"):
        for code, name in Locale(locale).territories.items():
            if code in english:
                lookup.setdefault(_fold(name), code)
    lookup.update({_fold(k): v for k, v in _RESERVED.items()})
    return english, lookup


def _fold(text: str) -> str:
    """Case, accents, spaces and punctuation dropped: "Côte d’Ivoire" and "cote d'ivoire" are one key."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", plain.casefold())


def country_code(value: Any) -> str:
    """An ISO 3166-1 alpha-2 code from a code or an English or Italian country name; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError('YAML read an unquoted country code as true/false: quote it, e.g. "NO"')
    english, lookup = _countries()
    code = lookup.get(_fold(str(value)))
    if code:
        return code
    folded = _fold(str(value))
    # "Stati Uniti d'America" holds a known name; "Itlay" is one typo away from one.
    close = [k for k in lookup if len(k) >= 5 and folded.startswith(k)][:1] or difflib.get_close_matches(
        folded, list(lookup), n=1, cutoff=0.8)
    if close:
        hint = f"did you mean {lookup[close[0]]} ({english[lookup[close[0]]]})?"
    else:
        hint = "use a two-letter ISO 3166-1 code: " + " ".join(sorted(english))
    raise ValueError(f"unknown country {value!r}; {hint}")


def parse_day(value: Any) -> date | None:
    """A date from YAML: a date, ISO text or day-first text (01/09/2023, 1.9.2023); ValueError otherwise."""
    if value is None or isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
    elif isinstance(value, str) and (m := _DAY_FIRST.match(value)):
        try:
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            raise ValueError(f"{value!r} is not a date (no such day); write it as 2023-09-01 or 01/09/2023") from None
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write it as 2023-09-01 or 01/09/2023") from None
    else:
        raise ValueError(f"{value!r} is not a date; write it as 2023-09-01 or 01/09/2023")
    return day


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

    @field_validator("from_", "to", "signed", mode="before")
    @classmethod
    def _day(cls, v: Any, info: ValidationInfo) -> date | None:
        day = parse_day(v)
        if day is None or _FIRST_DAY <= day <= _LAST_DAY:
            return day
        # What spreadsheets write for "no end" (9999-12-31) and "since always" (0001-01-01) means an open end.
        if (info.field_name == "to" and day > _LAST_DAY) or (info.field_name == "from_" and day < _FIRST_DAY):
            return None
        raise ValueError(f"{day.isoformat()} is outside the dates msgaudit can hold ({_FIRST_DAY} to {_LAST_DAY})"
                         + ("; for a claim with no end, leave 'to' out" if info.field_name == "to" else ""))


class System(_Strict):
    name: str
    operator: str = ""
    role: Literal["controller", "processor", "joint-controller"] = "processor"
    country: str = Field(description="ISO 3166-1 alpha-2 country where the data is stored")
    channels: list[str] = Field(default_factory=list)
    data: list[str] = Field(default_factory=list)
    purposes: list[str] = Field(default_factory=list)
    transfers: list[Transfer] = Field(default_factory=list)

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, v: Any) -> str:
        return country_code(v)


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
    message_categories: dict[str, Literal["marketing", "service"]] = Field(
        default_factory=dict,
        description="Category of outbound messages per channel (sms, whatsapp) when the export carries none; "
                    "beats the reading of the text, never the export's own category")

    @field_validator("country", "default_region", mode="before")
    @classmethod
    def _country(cls, v: Any) -> str | None:
        return None if v is None else country_code(v)

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
    try:
        data, positions = yamlsafe.load_file(path)
    except (ValueError, OverflowError) as exc:
        raise impossible_date(path, Path(path).read_text(encoding="utf-8-sig", errors="replace"), exc) from None
    return parse_inventory(data, positions), positions


def impossible_date(path: str | Path, text: str, exc: Exception) -> ConfigError:
    """The one-line error for a date YAML itself refuses to build (2020-02-30), at the line that holds it.

    YAML turns an unquoted YYYY-MM-DD into a date while loading, so an impossible one fails before
    validation and without a position; the line is found again in the text.
    """
    for number, line in enumerate(text.splitlines(), start=1):
        for y, m, d in re.findall(r"(?<![\d.])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d.])", line.split("#", 1)[0]):
            try:
                date(int(y), int(m), int(d))
            except ValueError:
                return ConfigError(path, number, f"{y}-{m}-{d} is not a date (no such day); "
                                                 "write it as 2023-09-01 or 01/09/2023")
    return ConfigError(path, None, f"a value cannot be read ({exc})")


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
    if err["type"] == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        return f"{field}: {err.get('input')!r} is not one of {allowed}"
    plain = {
        "string_type": "must be text", "bool_parsing": "must be true or false", "bool_type": "must be true or false",
        "int_parsing": "must be a whole number", "int_type": "must be a whole number",
        "list_type": "must be a list, e.g. [a, b]", "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
    }
    if err["type"] in plain:
        return f"{field}: {plain[err['type']]} (found {err.get('input')!r})"
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
