"""When each transfer mechanism was legally usable, and which countries are in the EEA.

Read from the legal reference data (`msgaudit.law`) when it loads, so the
report's timeline draws the same dates the rules judged by; the constants are
the dates from DESIGN.md and LAW.md, used when the reference cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

TIMELINE_MECHANISMS = ("safe-harbor", "privacy-shield", "dpf", "scc-2010", "scc-2021")


@dataclass(frozen=True)
class LawPeriod:
    mechanism: str
    valid_from: date | None
    valid_to: date | None  # last day it could be relied on; None: still valid


_DEFAULT_PERIODS = (
    LawPeriod("safe-harbor", date(2000, 7, 26), date(2015, 10, 5)),
    LawPeriod("privacy-shield", date(2016, 7, 12), date(2020, 7, 15)),
    LawPeriod("dpf", date(2023, 7, 10), None),
    LawPeriod("scc-2010", date(2010, 5, 15), date(2022, 12, 27)),
    LawPeriod("scc-2021", date(2021, 6, 27), None),
)
_DEFAULT_EEA = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)


@dataclass(frozen=True)
class LawDates:
    periods: tuple[LawPeriod, ...]
    eea: frozenset[str]


@cache
def law_dates() -> LawDates:
    try:
        from msgaudit.errors import ConfigError
        from msgaudit.law.loader import load_reference
    except ImportError:
        return LawDates(_DEFAULT_PERIODS, _DEFAULT_EEA)
    try:
        ref = load_reference()
    except ConfigError:
        return LawDates(_DEFAULT_PERIODS, _DEFAULT_EEA)
    periods = tuple(
        LawPeriod(name, ref.mechanisms[name].valid_from, ref.mechanisms[name].valid_to)
        for name in TIMELINE_MECHANISMS if name in ref.mechanisms
    )
    eea = frozenset(m.country for m in ref.eea.members if m.member_to is None)
    return LawDates(periods or _DEFAULT_PERIODS, eea or _DEFAULT_EEA)
