"""Consent incidents: marketing without, before or after consent; ledger rows that prove nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from msgaudit.simulate.hours import DAY
from msgaudit.simulate.incidents.common import (change_then_marketing, ledger_people, pools,
                                                without_whatsapp_agreement)
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@incident("CONSENT-001")
def marketing_without_consent(sim: "Sim", k: int) -> np.ndarray:
    who = sim.take(pools(sim).plain, k)
    sim.send_marketing(who, "CONSENT-001")
    return who


@incident("CONSENT-002")
def marketing_before_consent(sim: "Sim", k: int) -> np.ndarray:
    who = sim.take(pools(sim).plain, k)
    t = sim.send_marketing(who, "CONSENT-002")
    later = t + pd.to_timedelta(sim.rng.integers(3600, 10 * DAY, len(who)), unit="s")
    sim.consent(who, "marketing", "whatsapp", "granted", later, method="form")
    return who


@incident("CONSENT-003")
def marketing_after_withdrawal(sim: "Sim", k: int) -> np.ndarray:
    def withdraw(who: np.ndarray, at: pd.Series) -> None:
        sim.consent(who, "marketing", sim.marketing_channel.reindex(who).to_numpy(), "withdrawn", at,
                    evidence="Revoca via e-mail", method="form")

    return change_then_marketing(sim, pools(sim).eu_mkt, k, "CONSENT-003", withdraw)


@incident("CONSENT-004")
def consent_without_evidence(sim: "Sim", k: int) -> np.ndarray:
    who, t = ledger_people(sim, k)
    sim.consent(who, "newsletter", "email", "granted", t, evidence=None, method="form")
    return who


@incident("CONSENT-005")
def prechecked_consent(sim: "Sim", k: int) -> np.ndarray:
    who, t = ledger_people(sim, k)
    sim.consent(who, "newsletter", "email", "granted", t, evidence="Form web v1",
                method=sim.rng.choice(["prechecked", "implied"], len(who)))
    return who


@incident("CONSENT-006")
def whatsapp_without_agreement(sim: "Sim", k: int) -> np.ndarray:
    who, t = without_whatsapp_agreement(sim, k)
    sim.conversation(who, t, tag="CONSENT-006", second=False)
    return who


@incident("CONSENT-007")
def optin_without_business_name(sim: "Sim", k: int) -> np.ndarray:
    who, t = ledger_people(sim, k)
    sim.consent(who, "service", "whatsapp", "granted", t, evidence="Modulo negozio", business=None)
    return who


@incident("CONSENT-008")
def marketing_on_unproven_consent(sim: "Sim", k: int) -> np.ndarray:
    who = sim.take(pools(sim).plain, k)
    sim.consent(who, "marketing", "whatsapp", "granted", sim.before_start(len(who)), evidence=None, method="form")
    sim.send_marketing(who, "CONSENT-008")
    return who


@incident("CONSENT-011")
def marketing_on_invalid_consent(sim: "Sim", k: int) -> np.ndarray:
    """Marketing to people whose only marketing "consent" was a pre-ticked box or implied (GDPR Art. 4(11))."""
    who = sim.take(pools(sim).plain, k)
    sim.consent(who, "marketing", "whatsapp", "granted", sim.before_start(len(who)), evidence="Form web v1",
                method=sim.rng.choice(["prechecked", "implied"], len(who)))
    sim.send_marketing(who, "CONSENT-011")
    return who
