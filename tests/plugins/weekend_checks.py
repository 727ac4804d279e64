"""A custom check as a third-party package would ship it: registered through the msgaudit.checks entry point."""

from __future__ import annotations

import pandas as pd

from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext


class WeekendParams(Params):
    days: list[int] = [5, 6]


@check("sent_on_weekend", WeekendParams, applies_to=("deliveries", "messages"))
def sent_on_weekend(ctx: CheckContext, rows: pd.DataFrame, p: WeekendParams) -> pd.DataFrame:
    """Flag messages sent (UTC) on the given weekdays, 0 = Monday."""
    hit = rows[rows["timestamp"].dt.day_of_week.isin(p.days)]
    return pd.DataFrame({"ev_weekday": hit["timestamp"].dt.day_name()}, index=hit.index)
