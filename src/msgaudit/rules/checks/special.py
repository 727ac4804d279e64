"""Special categories of data (GDPR Art. 9) held by not-for-profit bodies with a political,
religious, philosophical or trade-union aim.

These checks read the auditee's declaration (`ctx.organisation`: its `aim`
and the Art. 9(2) condition it relies on, `art9_condition`).
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext

SPECIAL_AIMS = ("political", "religious", "philosophical", "trade-union")


class SpecialCategoryParams(Params):
    aims: tuple[str, ...] = Field(default=SPECIAL_AIMS, min_length=1)


@check("special_category", SpecialCategoryParams, applies_to=("organisation",))
def special_category(ctx: CheckContext, rows: pd.DataFrame, p: SpecialCategoryParams) -> pd.DataFrame:
    """Flag an organisation whose aim reveals a special category and that declares no Art. 9(2) condition.

    Parameters:
    - `aims` (default political, religious, philosophical, trade-union):
      organisation aims whose member lists reveal special-category data.

    Flagged when `aim` is one of `aims` and `art9_condition` is missing or
    `none`. Evidence: `aim`, `art9_condition`.
    """
    condition = rows["art9_condition"].where(rows["art9_condition"] != "none")
    hit = rows[rows["aim"].isin(p.aims).to_numpy(dtype=bool) & condition.isna().to_numpy(dtype=bool)]
    return pd.DataFrame({"ev_aim": hit["aim"], "ev_art9_condition": hit["art9_condition"].fillna("none")},
                        index=hit.index)


def _relies_on(ctx: CheckContext, condition: str) -> bool:
    return ctx.organisation is not None and ctx.organisation.art9_condition == condition


class Art9RecipientsParams(Params):
    condition: str = Field(default="9.2.d", description="The Art. 9(2) condition whose scope is checked")
    relationships: tuple[str, ...] = Field(default=("member", "former-member", "regular-contact"), min_length=1)


@check("art9_recipients", Art9RecipientsParams, applies_to=("deliveries",))
def art9_recipients(ctx: CheckContext, rows: pd.DataFrame, p: Art9RecipientsParams) -> pd.DataFrame:
    """Flag deliveries to people outside the circle an Art. 9(2) condition allows.

    Parameters:
    - `condition` (default `9.2.d`): applies only when the organisation
      declares this `art9_condition`.
    - `relationships` (default member, former-member, regular-contact): the
      `relationship` values (contacts table) the condition covers.

    A recipient with no recorded relationship (not in the contacts list, or
    the field empty) is flagged: the organisation must be able to show the
    person is in the circle (GDPR Art. 5(2)). Evidence: `relationship`
    ("unknown" when missing), `art9_condition`.
    """
    if not _relies_on(ctx, p.condition):
        return rows.iloc[:0, :0]
    relationship = rows["contact_relationship"]
    hit = rows[~relationship.isin(p.relationships).to_numpy(dtype=bool)]
    return pd.DataFrame({"ev_relationship": relationship[hit.index].fillna("unknown"),
                         "ev_art9_condition": p.condition}, index=hit.index)


class Art9DisclosureParams(Params):
    condition: str = Field(default="9.2.d", description="The Art. 9(2) condition whose scope is checked")
    roles: tuple[str, ...] = Field(default=("processor",), min_length=1)


@check("art9_disclosure", Art9DisclosureParams, applies_to=("systems",))
def art9_disclosure(ctx: CheckContext, rows: pd.DataFrame, p: Art9DisclosureParams) -> pd.DataFrame:
    """Flag systems run by a third party while the organisation relies on an Art. 9(2) condition that forbids disclosure.

    Parameters:
    - `condition` (default `9.2.d`): applies only when the organisation
      declares this `art9_condition`.
    - `roles` (default processor): system roles that count as a third party
      holding the members' data.

    One finding per system (its first inventory row), whatever the number of
    transfer claims it lists. Evidence: `role`, `operator`, `art9_condition`.
    """
    if not _relies_on(ctx, p.condition):
        return rows.iloc[:0, :0]
    hit = rows[rows["role"].isin(p.roles).to_numpy(dtype=bool)].drop_duplicates("system", keep="first")
    return pd.DataFrame({"ev_role": hit["role"], "ev_operator": hit["operator"], "ev_art9_condition": p.condition},
                        index=hit.index)


class GroupExposureParams(Params):
    pass


@check("group_exposure", GroupExposureParams, applies_to=("messages",))
def group_exposure(ctx: CheckContext, rows: pd.DataFrame, p: GroupExposureParams) -> pd.DataFrame:
    """Flag each selected group message with the group it went to and how many members it reached.

    No parameters; select the group sends with `where`. Members are the people
    the export shows writing in the group (the deliveries view), so the count
    is a floor: silent members are not in a chat export. Evidence: `group`
    (the conversation id without its "chat:" prefix), `members_reached`.
    """
    deliveries = ctx.tables.deliveries
    reached = deliveries.loc[deliveries["conversation_type"].eq("group"), "message_id"].value_counts()
    group = rows["conversation_id"].fillna("").str.removeprefix("chat:")
    members = rows["message_id"].map(reached).fillna(0).astype("int64")
    return pd.DataFrame({"ev_group": group, "ev_members_reached": members}, index=rows.index)
