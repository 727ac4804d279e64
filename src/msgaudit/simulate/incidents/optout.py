"""Opt-out incidents: messages after a STOP, a do-not-contact entry, a WhatsApp marketing stop, an
objection in plain words or a reply that may be one, or a withdrawal from the channel; and numbers in the
Italian opposition register that receive WhatsApp marketing, which the register does not cover."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate import texts
from msgaudit.simulate.hours import CLEAN
from msgaudit.simulate.incidents.common import change_then_marketing, pools
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@incident("OPTOUT-001")
def message_after_stop(sim: "Sim", k: int) -> np.ndarray:
    rng = sim.rng
    who = sim.take(pools(sim).webhook, k)
    day = sim.incident_day(len(who))
    s = sim.at_local(who, day, sim.local_seconds(len(who), CLEAN))
    sim.drop_after(who, s - pd.Timedelta(seconds=1))
    sim.add(s, who, "inbound", None, body=sim.pick(texts.OPTOUT_KEYWORDS, who), optout=True, tag="OPTOUT-001")
    # The one confirmation is allowed; the template days later is the violation.
    sim.add(s + pd.to_timedelta(rng.integers(30, 240, len(who)), unit="s"), who, "outbound", "service", tag="OPTOUT-001")
    later = sim.at_local(who, day + rng.integers(1, 4, len(who)), sim.local_seconds(len(who), CLEAN))
    sim.add(later, who, "outbound", "utility", template=True, tag="OPTOUT-001")
    return who


@incident("OPTOUT-002")
def marketing_to_do_not_contact(sim: "Sim", k: int) -> np.ndarray:
    def listed(who: np.ndarray, at: pd.Series) -> None:
        kinds = sim.rng.choice(["do-not-contact", "block"], len(who))
        sim.optouts.append(pd.DataFrame({"pid": who, "kind": kinds, "since": at.dt.floor("s").to_numpy()}))

    return change_then_marketing(sim, pools(sim).eu_mkt, k, "OPTOUT-002", listed)


@incident("OPTOUT-003")
def marketing_after_whatsapp_stop(sim: "Sim", k: int) -> np.ndarray:
    def stopped(who: np.ndarray, at: pd.Series) -> None:
        sim.prefs.append(pd.DataFrame({"pid": who, "t": at.dt.floor("s").to_numpy(), "value": "stop"}))

    return change_then_marketing(sim, pools(sim).eu_mkt, k, "OPTOUT-003", stopped)


@incident("OPTOUT-004")
def marketing_after_objection_in_words(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)

    def objected(who: np.ndarray, at: pd.Series) -> None:
        sim.add(at, who, "inbound", None, body=sim.pick(texts.OBJECTIONS, who), looks_like=True, tag="OPTOUT-004")

    return change_then_marketing(sim, p.eu_mkt & np.isin(p.region, ["IT", "FR", "GB"]), k, "OPTOUT-004", objected)


@incident("OPTOUT-005")
def whatsapp_to_opposition_register(sim: "Sim", k: int) -> np.ndarray:
    """Registered numbers that receive WhatsApp marketing: no OPTOUT-005 violation, since the register covers
    calls and paper mail (Codice art. 130(3-bis), DPR 26/2022), not messaging. The simulated business only
    messages, so the world checks the rule stays silent; the marketing itself lacks consent (CONSENT-001)."""
    p = pools(sim)
    who = sim.take(p.plain & (p.region == "IT"), k)
    since = sim.before_start(len(who))
    sim.optouts.append(pd.DataFrame({"pid": who, "kind": "national-registry", "since": since.dt.floor("s").to_numpy()}))
    sim.send_marketing(who, "OPTOUT-005")
    return who[:0]


@incident("OPTOUT-006")
def notice_after_channel_withdrawal(sim: "Sim", k: int) -> np.ndarray:
    """A member withdraws consent to be contacted on WhatsApp; a utility template reaches them days later."""
    rng = sim.rng
    who = sim.take(pools(sim).plain, k)
    day = sim.incident_day(len(who))
    s = sim.at_local(who, day, sim.local_seconds(len(who), CLEAN))
    sim.drop_after(who, s)
    sim.consent(who, "membership", "whatsapp", "withdrawn", s.dt.floor("s"), evidence="Richiesta via e-mail",
                method="form")
    later = sim.at_local(who, day + rng.integers(1, 4, len(who)), sim.local_seconds(len(who), CLEAN))
    sim.add(later, who, "outbound", "utility", template=True, tag="OPTOUT-006")
    return who


@incident("OPTOUT-007")
def marketing_after_reply_to_review(sim: "Sim", k: int) -> np.ndarray:
    p = pools(sim)

    def replied(who: np.ndarray, at: pd.Series) -> None:
        sim.add(at, who, "inbound", None, body=sim.pick(texts.REVIEW, who), tag="OPTOUT-007")

    return change_then_marketing(sim, p.eu_mkt & np.isin(p.region, ["IT", "FR", "GB"]), k, "OPTOUT-007", replied)
