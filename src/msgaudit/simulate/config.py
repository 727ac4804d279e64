"""What a simulation is asked to do: sizes, dates, the mix of traffic and the rate of each violation.

Rates are per rule. For message-level rules a rate is the expected number of
injected incidents per simulated message; for contact-level rules, per
contact; for world-level rules (transfers, Art. 9) the probability that the
world has that flaw. `violation_rate` scales every rate (0 gives a clean world
apart from the always-present association group, which is itself SPECIAL-004
unless its rate is 0). Whenever a rate is above zero at least one incident is
injected, so small worlds still exercise every rule.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from msgaudit import yamlsafe

# Expected incidents per message (or per contact, or per world): small enough that a
# realistic log stays mostly clean, large enough that 2,000 messages show a few of each.
DEFAULT_RATES: dict[str, float] = {
    "CONSENT-001": 0.002, "CONSENT-002": 0.0015, "CONSENT-003": 0.0015, "CONSENT-006": 0.0015,
    "CONSENT-004": 0.01, "CONSENT-005": 0.01, "CONSENT-007": 0.01, "CONSENT-008": 0.0015,
    "OPTOUT-001": 0.0015, "OPTOUT-002": 0.0015, "OPTOUT-003": 0.0015, "OPTOUT-004": 0.001, "OPTOUT-005": 0.001,
    "OPTOUT-006": 0.001, "OPTOUT-007": 0.001, "CONSENT-011": 0.0015,
    "WINDOW-001": 0.002, "TEMPLATE-002": 0.001, "TEMPLATE-003": 0.0015,
    "TIMING-001": 0.001, "TIMING-002": 0.001, "TIMING-003": 0.002, "TIMING-004": 0.0005, "TIMING-005": 0.001,
    "TIMING-006": 0.001, "TIMING-007": 0.001,
    "QUALITY-001": 0.001, "QUALITY-002": 0.001, "QUALITY-003": 0.01, "QUALITY-004": 0.001,
    "TRANSFER-001": 0.5, "TRANSFER-002": 0.5, "TRANSFER-003": 0.5, "TRANSFER-004": 0.5, "TRANSFER-005": 0.5,
    "TRANSFER-006": 0.5, "TRANSFER-007": 0.5,
    "SPECIAL-001": 0.3, "SPECIAL-002": 0.3, "SPECIAL-004": 1.0,
    "CONSENT-015": 0.0005, "SPECIAL-005": 0.0005,
}
CONTACT_RULES = frozenset({"CONSENT-004", "CONSENT-005", "CONSENT-007", "QUALITY-003"})
# Posted by the president in the association's group (only worlds with a group).
GROUP_RULES = ("CONSENT-015", "SPECIAL-005")
WORLD_RULES = frozenset({"TRANSFER-001", "TRANSFER-002", "TRANSFER-003", "TRANSFER-004", "TRANSFER-005",
                         "TRANSFER-006", "TRANSFER-007",
                         "SPECIAL-001", "SPECIAL-002", "SPECIAL-004"})


class SimConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = 0
    contacts: int = Field(200, ge=20)
    messages: int = Field(2_000, ge=50)
    days: int = Field(60, ge=7)
    start: date = date(2025, 9, 1)
    violation_rate: float = Field(1.0, ge=0)
    rates: dict[str, float] = Field(default_factory=dict, description="Per-rule rates overriding DEFAULT_RATES")
    share_marketing: float = Field(0.25, ge=0, le=1)
    share_utility: float = Field(0.2, ge=0, le=1)
    share_authentication: float = Field(0.05, ge=0, le=1)
    group_members: int = Field(25, ge=3)
    max_group_notices: int = Field(2_000, ge=1)
    art9: str | None = Field(None, description="Force the Art. 9 scenario: cultural, undeclared or 9.2.d")

    def rate(self, rule: str) -> float:
        return self.rates.get(rule, DEFAULT_RATES.get(rule, 0.0)) * self.violation_rate


def load_rates(path: str | Path) -> dict[str, float]:
    """A YAML mapping {rule id: rate}; unknown rule ids are refused so a typo cannot silently do nothing."""
    data = yamlsafe.load_file(path)[0] or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of rule id to rate")
    unknown = sorted(set(data) - set(DEFAULT_RATES))
    if unknown:
        raise ValueError(f"{path}: unknown rule ids {unknown}; known: {', '.join(sorted(DEFAULT_RATES))}")
    return {str(k): float(v) for k, v in data.items()}
