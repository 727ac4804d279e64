"""The loaded reference data and the time-aware questions the rule engine asks.

Every question about many messages takes a pandas Series of timestamps and
answers with a boolean Series on the same index, in one vectorised pass; a
timestamp is judged on its calendar day in `settings.day_zone`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from msgaudit.law import transfers
from msgaudit.law.calendar import holiday_dates, legal_days
from msgaudit.law.intervals import Interval, within
from msgaudit.law.models import (
    AdequacyFile, EeaFile, Mechanism, OptoutFile, PlatformFile, QuietFile, Settings, SourceRef,
)
from msgaudit.law.optout import OptoutMatcher
from msgaudit.law.quiet import QuietRules


@dataclass(frozen=True)
class Reference:
    root: str
    settings: Settings
    sources: dict[str, SourceRef]
    mechanisms: dict[str, Mechanism]
    adequacy: AdequacyFile
    eea: EeaFile
    optout: OptoutFile
    quiet: QuietFile
    platform: PlatformFile

    # --- days -------------------------------------------------------------------------

    def legal_days(self, dates: pd.Series) -> pd.Series:
        """The day each timestamp is judged on (naive midnight datetimes in the legal day zone)."""
        return legal_days(dates, self.settings.day_zone)

    # --- transfers ----------------------------------------------------------------------

    def mechanism(self, name: str) -> Mechanism:
        try:
            return self.mechanisms[name]
        except KeyError:
            raise ValueError(f"unknown transfer mechanism {name!r}; known: {', '.join(self.mechanisms)}") from None

    def mechanism_validity(self, mechanism: str, country: str, certified: bool | None = None,
                           contract_signed: date | None = None) -> list[Interval]:
        """The periods in which the law allowed `mechanism` for a transfer to `country`."""
        return transfers.mechanism_validity(mechanism, self.mechanism(mechanism), self.adequacy, country=country,
                                            certified=certified, contract_signed=contract_signed)

    def mechanism_valid(self, mechanism: str, dates: pd.Series, *, country: str, certified: bool | None = None,
                        contract_signed: date | None = None) -> pd.Series:
        """Per timestamp: did the law allow relying on `mechanism` that day?"""
        intervals = self.mechanism_validity(mechanism, country, certified, contract_signed)
        return within(self.legal_days(dates), intervals)

    def adequacy_validity(self, country: str, certified: bool | None = None) -> list[Interval]:
        return transfers.adequacy_validity(self.adequacy, country, certified)

    def is_adequate(self, country: str, dates: pd.Series, *, certified: bool | None = None) -> pd.Series:
        """Per timestamp: did an adequacy decision (or the UK bridge) cover `country` that day?"""
        return within(self.legal_days(dates), self.adequacy_validity(country, certified))

    def eea_validity(self, country: str) -> list[Interval]:
        return transfers.eea_validity(self.eea, country)

    def in_eea(self, country: str, dates: pd.Series) -> pd.Series:
        return within(self.legal_days(dates), self.eea_validity(country))

    def transfer_lawful(self, dates: pd.Series, *, country: str, mechanism: str | None,
                        certified: bool | None = None, contract_signed: date | None = None) -> pd.Series:
        """Per timestamp: storage in the EEA, or an adequate destination, or a valid claimed mechanism."""
        days = self.legal_days(dates)
        intervals = self.eea_validity(country) + self.adequacy_validity(country, certified)
        if mechanism is not None:
            intervals += self.mechanism_validity(mechanism, country, certified, contract_signed)
        return within(days, intervals)

    # --- messages --------------------------------------------------------------------------

    def optout_matcher(self, languages: list[str] | None = None) -> OptoutMatcher:
        """Keyword, resume and opt-out-like matching for `languages` (None: every language in the file)."""
        return OptoutMatcher.from_reference(self.optout, languages)

    def quiet_profile(self, name: str) -> QuietRules:
        try:
            profile = self.quiet.profiles[name]
        except KeyError:
            raise ValueError(f"unknown quiet-hours profile {name!r}; "
                             f"quiet_hours.yaml has {', '.join(self.quiet.profiles)}") from None
        calendar = self.quiet.holiday_calendars[profile.holidays] if profile.holidays else None
        return QuietRules(name=name, profile=profile, calendar=calendar)

    def holidays(self, calendar: str, years: Iterable[int]) -> set[date]:
        try:
            rules = self.quiet.holiday_calendars[calendar]
        except KeyError:
            raise ValueError(f"unknown holiday calendar {calendar!r}; "
                             f"quiet_hours.yaml has {', '.join(self.quiet.holiday_calendars)}") from None
        return holiday_dates(rules, years)

    def french_holidays(self, years: Iterable[int]) -> set[date]:
        return self.holidays("fr", years)
