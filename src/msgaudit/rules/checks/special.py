"""Special categories of data (GDPR Art. 9) held by not-for-profit bodies with a political,
religious, philosophical or trade-union aim.

These checks read the auditee's declaration (`ctx.organisation`: its `aim`
and the Art. 9(2) condition it relies on, `art9_condition`).
"""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from msgaudit.findings import Severity
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
    roles: tuple[str, ...] = Field(default=("controller", "joint-controller"), min_length=1,
                                   description="System roles of a recipient that is a third party (Art. 4(10))")


@check("art9_disclosure", Art9DisclosureParams, applies_to=("systems",))
def art9_disclosure(ctx: CheckContext, rows: pd.DataFrame, p: Art9DisclosureParams) -> pd.DataFrame:
    """Flag systems run by a third party while the organisation relies on an Art. 9(2) condition that forbids disclosure.

    Parameters:
    - `condition` (default `9.2.d`): applies only when the organisation
      declares this `art9_condition`.
    - `roles` (default controller, joint-controller): roles of a system run
      by someone else that make it a third party receiving the data. A
      processor acts on the organisation's behalf (Art. 28) and is not a
      third party (Art. 4(10)): no disclosure outside the body.

    A system of one of `roles` whose `operator` is empty or the organisation
    itself is the organisation's own and not flagged. One finding per system
    (its first inventory row), whatever the number of transfer claims it
    lists. Evidence: `role`, `operator`, `art9_condition`.
    """
    if not _relies_on(ctx, p.condition):
        return rows.iloc[:0, :0]
    own = ctx.organisation.name.strip().casefold() if ctx.organisation is not None else ""
    operator = rows["operator"].fillna("").astype(str).str.strip().str.casefold()
    third = rows["role"].isin(p.roles).to_numpy(dtype=bool) & ~operator.isin(["", own]).to_numpy(dtype=bool)
    hit = rows[third].drop_duplicates("system", keep="first")
    return pd.DataFrame({"ev_role": hit["role"], "ev_operator": hit["operator"], "ev_art9_condition": p.condition},
                        index=hit.index)


class GroupExposureParams(Params):
    aims: tuple[str, ...] = Field(default=SPECIAL_AIMS, min_length=1,
                                  description="Organisation aims whose groups reveal an Art. 9 category")
    ordinary: Severity = Field(default="low", description="Severity for a group that is neither promotional nor Art. 9")


@check("group_exposure", GroupExposureParams, applies_to=("messages",))
def group_exposure(ctx: CheckContext, rows: pd.DataFrame, p: GroupExposureParams) -> pd.DataFrame:
    """Flag each group the organisation writes to: adding people to it showed their numbers to all the others.

    Select the group sends with `where`. One finding per group, on its first
    selected message. Members are the people the export shows in the group
    (the deliveries view), so the count is a floor: silent members are not in
    a chat export. The rule's severity applies when the group reveals an Art. 9
    category (the organisation's `aim` is one of `aims`) or is promotional (a
    selected message in it is marketing); otherwise `ordinary` (default low).

    Evidence: `group` (the conversation id without its "chat:" prefix),
    `members_exposed`, `messages`, `first`, `last`, `reveals` (the Art. 9 aim,
    "promotional" or "none").
    """
    rows = rows.sort_values("timestamp", kind="stable")
    key = rows["conversation_id"].fillna("")
    deliveries = ctx.tables.deliveries
    in_group = deliveries[deliveries["conversation_type"].eq("group").to_numpy(dtype=bool)]
    members = in_group.groupby(in_group["conversation_id"].fillna(""))["contact"].nunique()
    stamps = rows["timestamp"].groupby(key, sort=False)
    promotional = rows["category"].eq("marketing").groupby(key, sort=False).any()
    first = rows[~key.duplicated(keep="first").to_numpy()]
    group = key[first.index]
    aim = ctx.organisation.aim if ctx.organisation is not None else None
    reveals = group.map(promotional).map({True: "promotional", False: "none"})
    if aim in p.aims:
        reveals = pd.Series(aim, index=first.index)
    return pd.DataFrame({
        "ev_group": group.str.removeprefix("chat:"),
        "ev_members_exposed": group.map(members).fillna(0).astype("int64"),
        "ev_messages": group.map(key.value_counts()).astype("int64"),
        "ev_first": group.map(stamps.min()), "ev_last": group.map(stamps.max()),
        "ev_reveals": reveals,
        "severity": reveals.where(reveals.eq("none"), "high").replace("none", p.ordinary),
    }, index=first.index)
