"""The plainest check: every row the rule's `where` selects is a finding."""

from __future__ import annotations

import pandas as pd

from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext


class MatchParams(Params):
    pass


@check("match", MatchParams, applies_to=("messages", "deliveries", "contacts", "consent_events", "optouts", "systems"))
def match(ctx: CheckContext, rows: pd.DataFrame, p: MatchParams) -> pd.DataFrame:
    """Flag every row selected by `where`. No parameters.

    Use it when the condition itself is the violation, e.g.
    `where: method in ["prechecked", "implied"]` on consent_events.
    """
    return rows.iloc[:, :0]
