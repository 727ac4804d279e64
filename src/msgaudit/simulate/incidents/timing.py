"""Timing incidents: marketing at night in the US (with and without consent), after 20:00 in Florida, on a
French weekend, outside courtesy hours, too often."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate.hours import FLORIDA_EVENING, NIGHT
from msgaudit.simulate.people import FLORIDA_AREA_CODES
from msgaudit.simulate.incidents.common import pools
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@incident("TIMING-001")
def us_marketing_at_night_without_consent(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)
    who = sim.take(p.webhook & ~p.mkt & (p.region == "US"), k)
    sim.send_marketing(who, "TIMING-001", windows=NIGHT)
    return who


@incident("TIMING-006")
def us_marketing_at_night_with_consent(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)
    who = sim.take(p.webhook & p.mkt & (p.region == "US"), k)
    sim.send_marketing(who, "TIMING-006", windows=NIGHT)
    return who


@incident("TIMING-007")
def florida_marketing_after_eight(sim: "Sim", k: int) -> np.ndarray:
    """Marketing without consent to a Florida number between 20:05 and 20:55: inside the TCPA hours, not Florida's."""
    p = pools(sim)
    florida = pd.Series(sim.people["phone"]).str.slice(2, 5).isin(FLORIDA_AREA_CODES).to_numpy()
    who = sim.take(p.webhook & ~p.mkt & (p.region == "US") & florida, k)
    sim.send_marketing(who, "TIMING-007", windows=FLORIDA_EVENING)
    return who


@incident("TIMING-002")
def french_marketing_on_saturday(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)
    who = sim.take(p.webhook & ~p.mkt & (p.region == "FR"), k)
    day = sim.incident_day(len(who))
    dow = pd.to_datetime(sim.start + pd.to_timedelta(day, unit="D")).day_of_week.to_numpy()
    day = np.minimum(day + (5 - dow) % 7, sim.days + 6)  # the next Saturday
    sim.send_marketing(who, "TIMING-002", day0=day, fr_safe=False)
    return who


@incident("TIMING-003")
def template_at_night(sim: "Sim", k: int) -> np.ndarray:
    who = sim.take(pools(sim).webhook, k)
    t = sim.at_local(who, sim.incident_day(len(who)), sim.local_seconds(len(who), NIGHT))
    sim.add(t, who, "outbound", "utility", template=True, tag="TIMING-003")
    return who


@incident("TIMING-005")
def marketing_burst(sim: "Sim", k: int) -> np.ndarray:
    who = sim.take(pools(sim).eu_mkt, k)
    sim.drop_after(who, pd.Timestamp("1970-01-01", tz="UTC"))
    burst = sim.rng.integers(5, 8, len(who))
    pid = np.repeat(who, burst)
    first = np.repeat(sim.incident_day(len(who), lo=0) // 2, burst)
    step = np.arange(burst.sum()) - np.repeat(np.cumsum(burst) - burst, burst)
    sim.send_marketing(pid, "TIMING-005", day0=first + 2 * step)
    return who
