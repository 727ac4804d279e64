"""WhatsApp platform incidents: the 24-hour window, templates without opt-in, marketing templates to +1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate import texts
from msgaudit.simulate.hours import CLEAN
from msgaudit.simulate.incidents.common import pools, without_whatsapp_agreement
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@incident("WINDOW-001")
def free_form_outside_window(sim: "Sim", k: int) -> np.ndarray:
    rng = sim.rng
    who = sim.take(pools(sim).webhook, k)
    sim.drop_after(who, pd.Timestamp("1970-01-01", tz="UTC"))
    day = sim.incident_day(len(who), lo=4)
    t = sim.at_local(who, day, sim.local_seconds(len(who), CLEAN))
    # Most asked something more than 24 hours before the answer; the rest never wrote.
    asked = rng.random(len(who)) < 0.6
    q = t[asked] - pd.to_timedelta(rng.integers(25 * 3600, 72 * 3600, int(asked.sum())), unit="s")
    sim.add(q, who[asked], "inbound", None, body=sim.pick(texts.QUESTIONS, who[asked]), tag="WINDOW-001")
    sim.add(t, who, "outbound", "service", tag="WINDOW-001")
    return who


@incident("TEMPLATE-002")
def marketing_template_to_us(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)
    who = sim.take(p.webhook & p.mkt & (p.region == "US"), k)
    sim.send_marketing(who, "TEMPLATE-002")
    return who


@incident("TEMPLATE-003")
def template_without_optin(sim: "Sim", k: int) -> np.ndarray:
    who, t = without_whatsapp_agreement(sim, k)
    sim.add(t, who, "outbound", "utility", template=True, tag="TEMPLATE-003")
    return who
