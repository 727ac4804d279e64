"""Calendar days: the legal day of a timestamp, Easter, and public holidays."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pandas as pd

from msgaudit.law.models import HolidayCalendar


def legal_days(dates: pd.Series, zone: str) -> pd.Series:
    """The calendar day of each timestamp in `zone`, as naive midnight datetimes.

    Naive timestamps are taken as UTC (the canonical tables store UTC); missing
    values stay NaT.
    """
    utc = pd.to_datetime(dates, utc=True)
    return utc.dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher computus)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the computus' own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def holiday_dates(calendar: HolidayCalendar, years: Iterable[int]) -> set[date]:
    days: set[date] = set()
    for year in years:
        easter = easter_sunday(year)
        for holiday in calendar.holidays:
            if holiday.easter_offset is not None:
                days.add(easter + timedelta(days=holiday.easter_offset))
            else:
                days.add(date(year, holiday.month, holiday.day))  # type: ignore[arg-type]
    return days
