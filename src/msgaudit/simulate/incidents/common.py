"""What several incidents share: who they may take (the clean traffic, split as the rules judge it) and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate.hours import CLEAN

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@dataclass(frozen=True)
class Pools:
    region: np.ndarray
    webhook: np.ndarray  # people of the clean traffic
    mkt: np.ndarray  # ... with a marketing opt-in
    plain: np.ndarray  # without marketing opt-in, outside the US and France (no timing rule applies)
    eu_mkt: np.ndarray  # with a marketing opt-in, outside the US


def pools(sim: "Sim") -> Pools:
    region = sim.people["region"].to_numpy()
    webhook = sim.regular()
    mkt = sim.people["marketing"].to_numpy()
    return Pools(region=region, webhook=webhook, mkt=mkt,
                 plain=webhook & ~mkt & ~np.isin(region, ["US", "FR"]),
                 eu_mkt=webhook & mkt & ~np.isin(region, ["US"]))


def change_then_marketing(sim: "Sim", pool: np.ndarray, k: int, rule: str,
                          change: Callable[[np.ndarray, pd.Series], None]) -> np.ndarray:
    """k people whose state changes (`change(who, at)`) on a day, then receive marketing the day after."""
    who = sim.take(pool, k)
    day = sim.incident_day(len(who))
    s = sim.at_local(who, day, sim.local_seconds(len(who), CLEAN))
    sim.drop_after(who, s)
    change(who, s)
    sim.send_marketing(who, rule, day0=day + 1)
    return who


def without_whatsapp_agreement(sim: "Sim", k: int) -> tuple[np.ndarray, pd.Series]:
    """k people without marketing opt-in whose WhatsApp agreement is gone (only an e-mail newsletter left),
    with an instant on an incident day at which the business writes to them."""
    p = pools(sim)
    who = sim.take(p.webhook & ~p.mkt, k)
    sim.drop_after(who, pd.Timestamp("1970-01-01", tz="UTC"))
    sim.forget_consent(who)
    sim.consent(who, "newsletter", "email", "granted", sim.before_start(len(who)))
    day = sim.incident_day(len(who))
    return who, sim.at_local(who, day, sim.local_seconds(len(who), CLEAN))


def ledger_people(sim: "Sim", k: int) -> tuple[np.ndarray, pd.Series]:
    """k people of the traffic or the contact list, with an instant before the period for a ledger row."""
    p = pools(sim)
    who = sim.take(p.webhook | (sim.people["role"].to_numpy() == "listed"), k)
    return who, sim.before_start(len(who))


def utility_to_special(sim: "Sim", k: int, key: str, rule: str) -> np.ndarray:
    """A utility template to each of the first k people built for the rule (`sim.special[key]`)."""
    who = sim.special[key][:k]
    t = sim.at_local(who, sim.incident_day(len(who)), sim.local_seconds(len(who), CLEAN))
    sim.add(t, who, "outbound", "utility", template=True, tag=rule)
    return who
