"""Validity periods and their vectorised test over many days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Interval:
    """Days `start`..`end`, both inclusive; None leaves that side open.

    `label`, `source`, `verified` and `note` come from the reference entry that
    grants the period, so evidence and the report's timeline can cite it.
    """

    start: date | None
    end: date | None
    label: str
    source: tuple[str, ...]
    verified: bool = True
    note: str | None = None


def within(days: pd.Series, intervals: list[Interval]) -> pd.Series:
    """True where the day (naive midnight datetimes, NaT allowed) lies in any interval."""
    present = days.notna().to_numpy()
    hit = np.zeros(len(days), dtype=bool)
    for interval in intervals:
        inside = present.copy()
        if interval.start is not None:
            inside &= (days >= pd.Timestamp(interval.start)).to_numpy()
        if interval.end is not None:
            inside &= (days <= pd.Timestamp(interval.end)).to_numpy()
        hit |= inside
    return pd.Series(hit, index=days.index, dtype=bool)
