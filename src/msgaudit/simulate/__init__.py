"""`msgaudit simulate`: a small business-messaging world, written as real exports with its exact ground truth.

    simulate(out, seed=..., contacts=..., messages=..., days=..., violation_rate=...) -> SimulationSummary

model.py draws the world, behaviour.py plays it out over simulated days,
truth.py names every violation it contains, exporters.py writes the files.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from msgaudit.simulate.behaviour import build_world
from msgaudit.simulate.config import SimConfig
from msgaudit.simulate import exporters
from msgaudit.simulate.truth import label

EXPORTS = "exports"

__all__ = ["EXPORTS", "SimConfig", "SimulationSummary", "simulate", "simulate_config"]


class SimulationSummary(BaseModel):
    out: str
    seed: int
    start: date
    days: int
    messages: int
    contacts: int
    files: dict[str, int]  # path relative to `out` -> records written (lines, rows or systems)
    by_rule: dict[str, int]  # ground-truth rows per rule
    incidents: dict[str, int]  # incidents injected per rule (one incident may break several rules)


def simulate(out: Path, seed: int = 0, contacts: int = 200, messages: int = 2_000, days: int = 60,
             violation_rate: float = 1.0, start: date | None = None, rates: dict[str, float] | None = None) -> SimulationSummary:
    cfg = SimConfig(seed=seed, contacts=contacts, messages=messages, days=days, violation_rate=violation_rate,
                    rates=rates or {}, **({"start": start} if start else {}))
    return simulate_config(Path(out), cfg)


def simulate_config(out: Path, cfg: SimConfig) -> SimulationSummary:
    # Exports go to their own folder so `msgaudit audit OUT/exports` reads exactly what an auditee would hand over.
    exports = out / EXPORTS
    exports.mkdir(parents=True, exist_ok=True)
    world = build_world(cfg)
    truth = label(world)
    writer_rng = np.random.default_rng([cfg.seed, 1])
    files = {f"{EXPORTS}/webhooks.jsonl": exporters.write_webhooks(world, exports / "webhooks.jsonl", writer_rng)}
    if (world.messages["source"] == "chat").any():
        name = exporters.chat_filename(world)
        files[f"{EXPORTS}/{name}"] = exporters.write_chat(world, exports / name)
    files[f"{EXPORTS}/rubrica_contatti.csv"] = exporters.write_contacts(world, exports / "rubrica_contatti.csv")
    files[f"{EXPORTS}/registro_consensi.csv"] = exporters.write_consents(world, exports / "registro_consensi.csv")
    if len(world.optouts):
        files[f"{EXPORTS}/optout_lista.csv"] = exporters.write_optouts(world, exports / "optout_lista.csv")
    files[f"{EXPORTS}/inventory.yaml"] = exporters.write_inventory(world, exports / "inventory.yaml")
    files["ground_truth.csv"] = exporters.write_truth(truth, out / "ground_truth.csv")
    exporters.write_world(world, out / "world.json")
    files["world.json"] = 1
    return SimulationSummary(
        out=str(out), seed=cfg.seed, start=cfg.start, days=cfg.days, messages=int(len(world.messages)),
        contacts=int(world.people["in_contacts"].sum()), files=files,
        by_rule={str(k): int(v) for k, v in truth["rule_id"].value_counts().sort_index().items()},
        incidents=dict(sorted(world.incidents.items())),
    )
