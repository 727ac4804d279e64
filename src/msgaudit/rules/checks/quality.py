"""Data quality of the contact base: whether a lawful basis is on record for each person."""

from __future__ import annotations

import pandas as pd

from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext


class NoLawfulBasisParams(Params):
    pass


@check("no_lawful_basis", NoLawfulBasisParams, applies_to=("contacts",))
def no_lawful_basis(ctx: CheckContext, rows: pd.DataFrame, p: NoLawfulBasisParams) -> pd.DataFrame:
    """Flag contacts whose phone number has no consent event at all (granted or withdrawn, any purpose).

    No parameters. A contact with no phone number cannot be matched to the
    consent ledger (which is keyed by phone) and is flagged too; restrict
    with `where: phone is not null` to leave such rows out. Evidence:
    `consent_events` (always 0).
    """
    recorded = ctx.tables.consent_events["contact_phone"].dropna().unique()
    missing = rows[~rows["phone"].isin(recorded).to_numpy(dtype=bool)]
    return pd.DataFrame({"ev_consent_events": 0}, index=missing.index)
