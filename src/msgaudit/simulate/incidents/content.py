"""Incidents in what the president writes to the association's group: a forwarded offer, a member's health."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate import texts
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


def post_to_group(sim: "Sim", bodies: tuple[str, ...], k: int, *, category: str, art9: bool) -> np.ndarray:
    """Up to k distinct `bodies` posted by the president on days of the period, 09:00-19:30 Rome time.

    Returns the posts' numbers (no person is taken: the group reaches its members).
    """
    n = min(k, len(bodies))
    if n <= 0 or not (sim.people["role"].to_numpy() == "group").any():
        return np.array([], dtype=np.int64)
    chosen = sim.rng.choice(len(bodies), n, replace=False)
    local = (sim.start + pd.to_timedelta(sim.rng.integers(1, sim.days, n), unit="D")
             + pd.to_timedelta(sim.rng.integers(9 * 60, 19 * 60 + 30, n), unit="min"))
    sim.group_posts.append(pd.DataFrame({"local": local, "body": np.array(bodies, dtype=object)[chosen],
                                         "category": category, "art9": art9}))
    return np.arange(n)


@incident("CONSENT-015")
def offer_forwarded_to_group(sim: "Sim", k: int) -> np.ndarray:
    """A shop's discount forwarded to the members' group: marketing read from its text, with no opt-out
    route (and no member agreed to marketing, so CONSENT-001 for every member the export shows)."""
    return post_to_group(sim, texts.GROUP_PROMOS, min(k, 2), category="marketing", art9=False)


@incident("SPECIAL-005")
def health_news_in_group(sim: "Sim", k: int) -> np.ndarray:
    """A notice that tells the whole group about a member's health (certificate, surgery, hospital)."""
    return post_to_group(sim, texts.ART9_NOTICES, k, category="unknown", art9=True)
