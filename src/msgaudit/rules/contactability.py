"""Who may be contacted on the audit date, person by person and channel by channel.

The question each rule asks of a message ("was an opt-out in force? was the consent valid?") is asked
here of a message that would be sent at the end of the audit date, on every channel the organisation
uses, to every person the audit knows. The checks answer it, so the list and the findings can never
disagree. In order, the first answer that applies decides:

1. do-not-contact: an opt-out keyword (OPTOUT-001), a withdrawal of consent to be contacted on the
   channel (OPTOUT-006), a do-not-contact entry or a block (OPTOUT-002), still in force;
2. marketing: a valid marketing consent with evidence in force on the channel, and no opt-out keyword,
   objection, WhatsApp marketing stop or (for calls and post) opposition-register entry after it;
3. service-only: no marketing, but a valid consent for some purpose on the channel, or a member or
   customer relationship (contract or legitimate interest for messages that are not marketing);
4. unknown: nothing on record allows even a service message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msgaudit.contact_status import ContactStatus
from msgaudit.rules.checks.consent import WILDCARDS, consent_state, key
from msgaudit.rules.checks.optout import OptoutParams, WithdrawalParams, optout_honoured, withdrawal_honoured
from msgaudit.rules.context import CheckContext

# A relationship that is a basis for messages that are not marketing: a contract, or the legitimate interest
# the Garante accepts for an association's statutory communications to its members.
SERVICE_RELATIONSHIPS = ("member", "customer")
_MARKETING_WORDS = {
    "missing": "no marketing consent on record for this channel",
    "not_yet": "no marketing consent on record for this channel",
    "withdrawn": "marketing consent withdrawn",
    "invalid": "marketing consent not valid (pre-ticked, implied, default or given under 14)",
    "unproven": "marketing consent recorded without evidence",
}
_OPTOUT_WORDS = {
    "keyword": "replied with the opt-out keyword '{text}'",
    "do-not-contact": "on a do-not-contact list",
    "block": "blocked the business",
    "objection": "objected to marketing in plain words ('{text}')",
    "marketing-stop": "stopped marketing messages on WhatsApp",
    "national-registry": "registered in the Registro pubblico delle opposizioni",
}


def contactability(ctx: CheckContext) -> list[ContactStatus]:
    """One status per known person and channel in use, as of the end of the audit date."""
    grid = _grid(ctx)
    if grid.empty:
        return []
    status = pd.Series(None, index=grid.index, dtype=object)
    reason = pd.Series(None, index=grid.index, dtype=object)
    since = pd.Series(pd.NaT, index=grid.index, dtype="datetime64[ns, UTC]")
    source = pd.Series(None, index=grid.index, dtype=object)

    def decide(hit: pd.Index, label: str, why: pd.Series, at: pd.Series | None, where: pd.Series | None) -> None:
        new = hit[status.loc[hit].isna().to_numpy()]
        status.loc[new] = label
        reason.loc[new] = why.loc[new]
        if at is not None:
            since.loc[new] = pd.to_datetime(at.loc[new], utc=True)
        if where is not None:
            source.loc[new] = where.loc[new]

    service, marketing = grid.assign(category="service"), grid.assign(category="marketing")
    events = ctx.tables.consent_events
    # Asked once for every row here, the opt-out checks below answer their subsets from these lookups.
    some = consent_state(events, service, purpose="any", channel="message")
    consent_state(events, marketing, purpose="marketing", channel="message")
    for rows, params in ((service, OptoutParams(sources=["keyword"], ended_by=["consent", "resume"], consent_purpose="any")),
                         (marketing, OptoutParams(sources=["do-not-contact", "block"], ended_by=["consent"]))):
        hit = optout_honoured(ctx, rows, params)
        decide(hit.index, "do-not-contact", _optout_reason(hit), hit.get("ev_optout_at"), hit.get("ev_optout_source"))
    gone = withdrawal_honoured(ctx, service, WithdrawalParams(except_purposes=["marketing", "newsletter", "profiling"]))
    decide(gone.index, "do-not-contact",
           "withdrew consent to be contacted on this channel (" + gone.get("withdrawn_purpose", pd.Series(dtype=object)).astype(str) + ")",
           gone.get("ev_withdrawn_at"), gone.get("ev_withdrawal_source"))

    blocked = pd.Series(False, index=grid.index)
    block_reason = pd.Series(None, index=grid.index, dtype=object)
    block_at = pd.Series(pd.NaT, index=grid.index, dtype="datetime64[ns, UTC]")
    block_source = pd.Series(None, index=grid.index, dtype=object)
    # A keyword that a later consent for another purpose ended for service messages still stops marketing.
    for sources in (["keyword"], ["objection"], ["marketing-stop"], ["national-registry"]):
        rows = marketing[key(marketing["channel"]).eq("whatsapp")] if sources == ["marketing-stop"] else marketing
        hit = optout_honoured(ctx, rows, OptoutParams(sources=sources, ended_by=["consent", "resume"]))
        if hit.empty:
            continue
        fresh = hit.index[~blocked.loc[hit.index].to_numpy()]
        blocked.loc[fresh] = True
        block_reason.loc[fresh] = _optout_reason(hit).loc[fresh]
        block_at.loc[fresh] = pd.to_datetime(hit.loc[fresh, "ev_optout_at"], utc=True)
        block_source.loc[fresh] = hit.loc[fresh, "ev_optout_source"]

    mk = consent_state(events, marketing, purpose="marketing", channel="message", require_evidence=True)
    may_market = mk["outcome"].eq("granted") & ~blocked
    decide(grid.index[may_market.to_numpy()], "marketing", pd.Series("valid marketing consent in force", index=grid.index),
           mk["at"], mk["event_source"])

    why_not = block_reason.where(blocked, mk["outcome"].map(_MARKETING_WORDS)).fillna("")
    at_not = block_at.where(blocked, pd.to_datetime(mk["at"], utc=True))
    source_not = block_source.where(blocked, mk["event_source"])
    agreed = some["outcome"].isin(["granted", "unproven"]).to_numpy()
    related = grid["relationship"].isin(SERVICE_RELATIONSHIPS).to_numpy()
    service_why = why_not + np.where(agreed, "; a consent for another purpose allows service messages",
                                     "; a " + grid["relationship"].astype(object).fillna("").astype(str) + " relationship allows service messages")
    # The evidence is what stops marketing, else what allows service messages.
    allows = pd.Series(np.where(agreed, some["event_source"], grid["relationship_source"]), index=grid.index)
    decide(grid.index[agreed | related], "service-only", service_why, at_not, source_not.where(source_not.notna(), allows))
    decide(grid.index, "unknown", why_not + "; no consent or relationship on record allows service messages", at_not, source_not)

    # Built from typed columns, so the models skip validating each of what may be a million rows.
    return [ContactStatus.model_construct(contact=c, channel=ch, status=st, reason=r,
                                          since=None if pd.isna(t) else t.to_pydatetime(),
                                          source=None if pd.isna(s) else str(s))
            for c, ch, st, r, t, s in zip(grid["contact"], grid["channel"], status, reason, since, source)]


def _grid(ctx: CheckContext) -> pd.DataFrame:
    """Every known person (contact key) times every channel in use, at the end of the audit date."""
    t = ctx.tables
    people = pd.concat([t.contacts["contact"], t.consent_events["contact"], t.optouts["contact"],
                        t.messages["contact"]], ignore_index=True).dropna()
    people = people[people.astype(str).str.strip().ne("") & people.ne("name:")]
    channels = pd.concat([key(t.messages["channel"]), key(t.consent_events["channel"])], ignore_index=True)
    channels = channels[channels.ne("") & ~channels.isin(WILDCARDS)]
    if people.empty or channels.empty:
        return pd.DataFrame(columns=["contact", "channel", "timestamp", "message_id", "relationship", "relationship_source"])
    grid = pd.MultiIndex.from_product([np.sort(pd.unique(people.astype(str))), np.sort(pd.unique(channels.astype(str)))],
                                      names=["contact", "channel"])
    grid = grid.to_frame(index=False)
    # The tables' resolution: the as-of joins need one timestamp dtype on both sides.
    grid["timestamp"] = pd.Series(ctx.as_of, index=grid.index).astype("datetime64[ns, UTC]")
    grid["message_id"] = "contactability:" + pd.Series(np.arange(len(grid)), dtype=str)
    known = t.contacts[t.contacts["contact"].notna()].drop_duplicates("contact").set_index("contact")
    grid["relationship"] = grid["contact"].map(known["relationship"]) if "relationship" in known else None
    grid["relationship_source"] = grid["contact"].map(known["source"]) if "source" in known else None
    return grid


def _optout_reason(hit: pd.DataFrame) -> pd.Series:
    if hit.empty:
        return pd.Series(dtype=object)
    texts = hit["optout_text"].fillna("").astype(str)
    return pd.Series([_OPTOUT_WORDS.get(k, str(k)).format(text=x) for k, x in zip(hit["optout_kind"], texts)],
                     index=hit.index, dtype=object)
