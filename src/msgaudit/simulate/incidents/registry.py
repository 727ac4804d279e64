"""Rule id → the function that injects one violation of it, filled by the `@incident` decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim

# Takes k fresh people (or the people built for the rule), gives them the violation and returns them.
Incident = Callable[["Sim", int], np.ndarray]
INCIDENTS: dict[str, Incident] = {}


def incident(rule: str) -> Callable[[Incident], Incident]:
    """Register the decorated function as the injector of `rule`; a rule has exactly one."""

    def register(func: Incident) -> Incident:
        if rule in INCIDENTS:
            raise ValueError(f"{rule} already injected by {INCIDENTS[rule].__module__}.{INCIDENTS[rule].__name__}")
        INCIDENTS[rule] = func
        return func

    return register
