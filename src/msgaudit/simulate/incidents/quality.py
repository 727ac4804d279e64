"""Incidents on people built for them: invalid or fixed-line numbers, people in no list, Art. 9 prospects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from msgaudit.simulate.incidents.common import utility_to_special
from msgaudit.simulate.incidents.registry import incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim


@incident("QUALITY-001")
def message_to_invalid_number(sim: "Sim", k: int) -> np.ndarray:
    return utility_to_special(sim, k, "invalid", "QUALITY-001")


@incident("QUALITY-002")
def whatsapp_to_fixed_line(sim: "Sim", k: int) -> np.ndarray:
    return utility_to_special(sim, k, "fixed", "QUALITY-002")


@incident("QUALITY-004")
def message_to_unlisted_person(sim: "Sim", k: int) -> np.ndarray:
    return utility_to_special(sim, k, "outside", "QUALITY-004")


@incident("SPECIAL-002")
def art9_message_to_prospect(sim: "Sim", k: int) -> np.ndarray:
    return utility_to_special(sim, k, "prospect", "SPECIAL-002")
