"""The violations the simulator injects, one decorated function per rule id (as yamllint maps ids to modules).

Each family has its module; importing this package registers them all. A
new rule's violation is a new function with `@incident("FAMILY-NNN")`, never
a branch in `Sim`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgaudit.simulate.incidents import consent, optout, platform, quality, timing  # noqa: F401  (they register)
from msgaudit.simulate.incidents.registry import INCIDENTS, incident

if TYPE_CHECKING:
    from msgaudit.simulate.behaviour import Sim

__all__ = ["INCIDENTS", "incident", "inject"]


def inject(sim: "Sim", rule: str, k: int) -> None:
    """Inject up to k violations of `rule` and count them; a rule with no injector injects nothing."""
    make = INCIDENTS.get(rule)
    if k <= 0 or make is None:
        return
    who = make(sim, k)
    sim.incidents[rule] = sim.incidents.get(rule, 0) + len(who)
