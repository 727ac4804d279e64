"""Time-aware legal reference data: which safeguards, keywords and hours held on which day.

    load_reference(root=None) -> Reference      read and check rules/reference/*.yaml
    Reference.mechanism_valid / is_adequate / in_eea / transfer_lawful   per-timestamp Series
    Reference.mechanism_validity / adequacy_validity -> list[Interval]   periods, for evidence
    Reference.optout_matcher(languages) -> OptoutMatcher                 keyword / phrase matching
    Reference.quiet_profile(name) -> QuietRules; outside_allowed(local_times, rules)
    Reference.french_holidays(years) -> set[date]

The YAML is the source of truth and a lawyer edits it; every entry keeps its
`source`, `verified` and `note` so findings can cite it.
"""

from msgaudit.law.calendar import easter_sunday, legal_days
from msgaudit.law.intervals import Interval
from msgaudit.law.loader import ENV_VAR, load_reference, locate
from msgaudit.law.models import MECHANISM_NAMES
from msgaudit.law.optout import OptoutMatcher
from msgaudit.law.quiet import QuietRules, outside_allowed
from msgaudit.law.reference import Reference
from msgaudit.law.text import normalise

__all__ = [
    "ENV_VAR", "MECHANISM_NAMES", "Interval", "OptoutMatcher", "QuietRules", "Reference", "easter_sunday",
    "legal_days", "load_reference", "locate", "normalise", "outside_allowed",
]
