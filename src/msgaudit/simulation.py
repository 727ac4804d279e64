"""The simulated world an audit's exports came from, when they came from `msgaudit simulate`.

    find_simulation(paths) -> Simulation | None

`msgaudit simulate --out OUT` writes OUT/exports/ (what is audited) with
OUT/world.json (the model) and OUT/ground_truth.csv (every injected
violation) beside it. When every audited path lies in such an `exports`
folder, the audit carries both so the report can draw the model and compare
findings with the truth; the report itself never reads files.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from msgaudit.errors import ConfigError

EXPORTS = "exports"
WORLD = "world.json"
TRUTH = "ground_truth.csv"


class _Open(BaseModel):
    # world.json may gain keys in later simulator versions; what the report does not draw is ignored.
    model_config = ConfigDict(extra="ignore", frozen=True)


class SimOrganisation(_Open):
    name: str
    kind: str = ""
    aim: str = ""
    country: str = ""
    timezone: str = ""
    president: str = ""


class SimAccount(_Open):
    display_name: str
    phone: str
    verified: bool
    category: str = ""
    channel: str = "whatsapp"
    kind: str = "cloud-api"


class SimTemplate(_Open):
    name: str
    category: str
    language: str = ""


class SimClaim(_Open):
    mechanism: str
    start: date
    end: date | None = None
    certified: bool | None = None


class SimSystem(_Open):
    name: str
    operator: str = ""
    role: str = ""
    country: str = ""
    channels: list[str] = Field(default_factory=list)
    data: list[str] = Field(default_factory=list)
    claims: list[SimClaim] = Field(default_factory=list)


class SimPeople(_Open):
    total: int = 0
    by_region: dict[str, int] = Field(default_factory=dict)
    by_relationship: dict[str, int] = Field(default_factory=dict)
    saved_business: int = 0
    in_contact_list: int = 0


class SimGroup(_Open):
    name: str = ""
    members: int = 0


class SimVolume(_Open):
    """Messages of one account, one direction and one pricing category."""

    account: str
    direction: str
    category: str
    count: int


class SimWorld(_Open):
    organisation: SimOrganisation
    accounts: list[SimAccount] = Field(default_factory=list)
    templates: list[SimTemplate] = Field(default_factory=list)
    systems: list[SimSystem] = Field(default_factory=list)
    people: SimPeople = Field(default_factory=SimPeople)
    optouts: dict[str, int] = Field(default_factory=dict)
    marketing_stops: int = 0
    group: SimGroup = Field(default_factory=SimGroup)
    volumes: list[SimVolume] = Field(default_factory=list)
    incidents: dict[str, int] = Field(default_factory=dict)


class TruthRow(BaseModel):
    """One injected violation, keyed as findings are: (rule, message id, contact, system); blanks are ''."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    message_id: str = ""
    contact: str = ""
    system: str = ""


class Simulation(BaseModel):
    world: SimWorld
    truth: list[TruthRow]


def simulation_folder(paths: list[str | Path]) -> Path | None:
    """OUT when every path is OUT/exports or inside it, and OUT holds world.json and ground_truth.csv."""
    outs = set()
    for p in paths:
        path = Path(p).resolve()
        exports = path if path.is_dir() else path.parent
        if exports.name != EXPORTS:
            return None
        outs.add(exports.parent)
    if len(outs) != 1:
        return None
    out = outs.pop()
    return out if (out / WORLD).is_file() and (out / TRUTH).is_file() else None


def find_simulation(paths: list[str | Path]) -> Simulation | None:
    out = simulation_folder(paths)
    if out is None:
        return None
    try:
        world = SimWorld.model_validate(json.loads((out / WORLD).read_text("utf-8")))
    except (ValueError, ValidationError) as exc:
        first = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
        raise ConfigError(out / WORLD, None, f"not a world written by msgaudit simulate ({first}); "
                                             "remove it or simulate again") from None
    with (out / TRUTH).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"rule_id", "message_id", "contact"} <= set(reader.fieldnames):
            raise ConfigError(out / TRUTH, 1, "needs the columns rule_id, message_id, contact; simulate again")
        truth = [TruthRow(rule_id=r["rule_id"], message_id=r.get("message_id") or "", contact=r.get("contact") or "",
                          system=r.get("system") or "") for r in reader]
    return Simulation(world=world, truth=truth)
