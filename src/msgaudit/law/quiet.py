"""Contact-hour profiles: is a local time outside the allowed windows?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from msgaudit.law.calendar import holiday_dates
from msgaudit.law.models import HolidayCalendar, QuietProfile


@dataclass(frozen=True)
class QuietRules:
    """A profile from quiet_hours.yaml with its holiday calendar resolved."""

    name: str
    profile: QuietProfile
    calendar: HolidayCalendar | None


def outside_allowed(local_times: pd.Series, rules: QuietRules) -> pd.Series:
    """True where a contact at this local time breaks the profile.

    `local_times` are the recipient's wall-clock times (naive; a zone, if
    present, is dropped and the wall clock kept). False where the time is
    missing (the engine reports those as not evaluated) or the profile was not
    yet, or no longer, in force on that local day.
    """
    times = pd.to_datetime(local_times)
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_localize(None)
    present = times.notna().to_numpy()
    minute = (times.dt.hour * 60 + times.dt.minute).to_numpy(dtype=float, na_value=np.nan)
    weekday = times.dt.day_of_week.to_numpy(dtype=float, na_value=np.nan)
    day = times.dt.normalize()

    allowed = np.zeros(len(times), dtype=bool)
    for window in rules.profile.windows:
        allowed |= np.isin(weekday, window.day_numbers) & (minute >= window.start) & (minute < window.end)
    if rules.calendar is not None and present.any():
        years = pd.unique(times.dt.year.dropna().astype(int))
        holidays = [pd.Timestamp(d) for d in holiday_dates(rules.calendar, years.tolist())]
        allowed &= ~day.isin(holidays).to_numpy(dtype=bool)

    in_force = present.copy()
    if rules.profile.valid_from is not None:
        in_force &= (day >= pd.Timestamp(rules.profile.valid_from)).to_numpy(dtype=bool)
    if rules.profile.valid_to is not None:
        in_force &= (day <= pd.Timestamp(rules.profile.valid_to)).to_numpy(dtype=bool)
    return pd.Series(in_force & ~allowed, index=local_times.index, dtype=bool)
