"""Date-time columns from exports to UTC.

Day-first or month-first is decided from the whole column (a value whose first
part exceeds 12 settles it), never from one row. Times without a zone are read
in the exporter's zone: a time that falls in the spring-forward gap moves
forward, and a time that occurs twice in autumn is read as the first (summer
time) occurrence, since exports carry nothing that could tell them apart.

The canonical tables hold nanosecond timestamps, which reach only from
1677-09-22 to 2262-04-11. Spreadsheets write 31/12/9999 (or 01/01/0001) to
mean "never" or "always": such a value is read, then reported as out of range
(`Times.too_late`, `Times.too_early`) rather than as unreadable, so each adapter
can say so on the row's line, or read it as "never" where the field is an
end (a consent withdrawal dated 9999 is a consent never withdrawn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})")
_NUMERIC_EPOCH = re.compile(r"^\s*\d{9,13}(?:\.\d+)?\s*$")
# Parsing happens in microseconds (years 1 to 9999); only what fits nanoseconds is kept.
_WIDE = "datetime64[us, UTC]"
FIRST = pd.Timestamp.min.ceil("s").tz_localize("UTC")
LAST = pd.Timestamp.max.floor("s").tz_localize("UTC")
OUT_OF_RANGE = f"is outside the dates msgaudit can hold ({FIRST:%Y-%m-%d} to {LAST:%Y-%m-%d})"


@dataclass(frozen=True)
class Times:
    at: pd.Series  # UTC nanoseconds; NaT where a value is unreadable or out of range
    too_early: pd.Series  # bool: a date, before FIRST
    too_late: pd.Series  # bool: a date, after LAST (31/12/9999 written for "never")

    @property
    def out_of_range(self) -> pd.Series:
        return self.too_early | self.too_late


def storable(stamps: pd.Series) -> Times:
    """Timestamps of any unit → nanoseconds, with what does not fit set aside rather than overflowing."""
    utc = stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")
    too_early, too_late = utc < FIRST, utc > LAST  # NaT compares False: unreadable is not out of range
    at = utc.where(~(too_early | too_late)).dt.as_unit("ns")
    return Times(at=at, too_early=too_early, too_late=too_late)


def localize(naive: pd.Series, tz: str) -> pd.Series:
    """Naive wall-clock times in `tz` → UTC, DST gaps and repeats resolved as the module says."""
    ambiguous = np.ones(len(naive), dtype=bool)
    local = naive.dt.tz_localize(tz, ambiguous=ambiguous, nonexistent="shift_forward")
    return local.dt.tz_convert("UTC")


def day_first(values: pd.Series, default: bool = True) -> bool:
    """Decide the date order of a column of d/m/y or m/d/y strings by looking at every value."""
    parts = values.astype(str).str.extract(_DMY)
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    if (first > 12).any():
        return True
    if (second > 12).any():
        return False
    return default


def read_datetimes(values: pd.Series, tz: str, *, dayfirst: bool | None = None) -> Times:
    """Strings → UTC timestamps, NaT where a value cannot be read or is out of range (callers reject those rows).

    Accepts ISO 8601 (with or without offset), Unix seconds or milliseconds, and
    d/m/y or m/d/y with optional time. Values with an offset keep it; the rest are local to `tz`.
    """
    text = values.fillna("").astype(str).str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype=_WIDE)
    if not len(text):
        return storable(out)

    epoch = text.str.match(_NUMERIC_EPOCH)
    if epoch.any():
        nums = pd.to_numeric(text[epoch], errors="coerce")
        unit_ms = nums > 10_000_000_000
        out.loc[epoch & ~unit_ms.reindex(text.index, fill_value=False)] = pd.to_datetime(nums[~unit_ms], unit="s", utc=True)
        out.loc[epoch & unit_ms.reindex(text.index, fill_value=False)] = pd.to_datetime(nums[unit_ms], unit="ms", utc=True)

    iso = ~epoch & text.str.match(r"^\d{4}-\d{2}-\d{2}")
    if iso.any():
        out.loc[iso] = _parse_iso(text[iso], tz)

    slashed = ~epoch & ~iso & text.str.match(_DMY)
    if slashed.any():
        df = day_first(text[slashed]) if dayfirst is None else dayfirst
        cleaned = text[slashed].str.replace(r"[./]", "/", regex=True).str.replace(r"\s*,\s*", " ", regex=True)
        naive = pd.to_datetime(cleaned, dayfirst=df, errors="coerce", format="mixed")
        out.loc[slashed] = localize(naive, tz)
    return storable(out)


def _parse_iso(text: pd.Series, tz: str) -> pd.Series:
    has_zone = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    out = pd.Series(pd.NaT, index=text.index, dtype=_WIDE)
    if has_zone.any():
        out.loc[has_zone] = pd.to_datetime(text[has_zone], utc=True, errors="coerce", format="ISO8601")
    if (~has_zone).any():
        naive = pd.to_datetime(text[~has_zone], errors="coerce", format="ISO8601")
        out.loc[~has_zone] = localize(naive, tz)
    return out
