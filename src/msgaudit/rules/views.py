"""The prepared views with no rows: their columns and kinds are what `where` may name."""

from __future__ import annotations

from functools import cache

import pandas as pd

from msgaudit.inventory import Organisation
from msgaudit.rules.prepare import prepare
from msgaudit.tables import Tables


@cache
def empty_views() -> dict[str, pd.DataFrame]:
    p = prepare(Tables())
    views = {name: p.get(name) for name in ("messages", "deliveries", "contacts", "consent_events", "optouts", "systems")}
    org_cols: dict[str, pd.Series] = {}
    for name, field in Organisation.model_fields.items():
        dtype = "Int64" if field.annotation in (int, int | None) else object
        org_cols[name] = pd.Series([], dtype=dtype)
    org_cols["source"] = pd.Series([], dtype=object)
    views["organisation"] = pd.DataFrame(org_cols)
    return views
