"""Opt-outs honoured: no message after a person said stop, was listed as do-not-contact, or stopped marketing."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from msgaudit.law.optout import OptoutMatcher
from msgaudit.rules.checks import Params, check
from msgaudit.rules.checks.consent import consent_state, join_codes
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import FrameCache, remember_selection, selected_from, time_order

Source = Literal["keyword", "looks-like", "do-not-contact", "block", "marketing-stop", "national-registry"]
Ender = Literal["consent", "resume"]
_LISTED = ("do-not-contact", "block", "marketing-stop", "national-registry")
_EVENT_COLS = ["_contact", "_t", "kind", "source", "text"]
# The five opt-out rules of a pack read the same inbound texts and the same outbound timeline:
# worked out once per audit (per view and keyword set), not once per rule.
_CACHE = FrameCache(4)


class OptoutParams(Params):
    sources: list[Source] = Field(min_length=1, description="What counts as an opt-out")
    confirmation_minutes: float = Field(0, ge=0, description="The first outbound within this many minutes is a confirmation")
    languages: list[str] | None = Field(None, description="Keyword languages (optout_keywords.yaml); null for all")
    ended_by: list[Ender] = Field(default_factory=lambda: ["consent", "resume"])
    consent_purpose: str = Field("marketing", min_length=1, description="Purpose of a newer grant that ends the opt-out; 'any' for any")


def _inbound(ctx: CheckContext) -> pd.DataFrame:
    m = ctx.tables.messages
    return m[m["direction"].eq("inbound") & ~m["kind"].eq("system") & m["contact"].notna() & m["body"].notna()]


def _text_flags(ctx: CheckContext, matcher: OptoutMatcher | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inbound messages with what their text is: keyword (normalised, for evidence), resume, opt-out-like phrase."""
    question = ("text flags", None if matcher is None else
                (matcher.optout_keywords, matcher.resume_keywords, matcher.phrases))
    known = _CACHE.get((ctx.tables.messages,), question)
    if known is None:
        known = _CACHE.put((ctx.tables.messages,), question, _work_out_text_flags(ctx, matcher))
    return known


def _work_out_text_flags(ctx: CheckContext, matcher: OptoutMatcher | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    inbound = _inbound(ctx)
    if matcher is None or inbound.empty:
        flags = pd.DataFrame({"keyword": None, "is_keyword": False, "is_resume": False, "phrase": None},
                             index=inbound.index)
        return inbound, flags
    m = matcher.match(inbound["body"])
    # A whole-message keyword is an opt-out, never also a phrase "for review" (OPTOUT-001 vs -004).
    return inbound, pd.DataFrame({
        "keyword": m["keyword"].astype(object).where(m["is_keyword"], None), "is_keyword": m["is_keyword"],
        "is_resume": m["is_resume"],
        "phrase": m["phrase"].astype(object).where(~m["is_keyword"] & m["phrase"].notna(), None),
    }, index=inbound.index)


def optout_events(ctx: CheckContext, sources: list[str], matcher: OptoutMatcher | None,
                  inbound: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Every opt-out of the chosen sources: who (`_contact`), when (`_t`), kind, source, text."""
    frames = []
    if matcher is not None and len(inbound):
        if "keyword" in sources:
            hit = inbound[flags["is_keyword"].to_numpy(dtype=bool)]
            frames.append(pd.DataFrame({"_contact": hit["contact"], "_t": hit["timestamp"], "kind": "keyword",
                                        "source": hit["source"], "text": flags.loc[hit.index, "keyword"].astype(object)}))
        if "looks-like" in sources:
            hit = inbound[flags["phrase"].notna().to_numpy(dtype=bool)]
            frames.append(pd.DataFrame({"_contact": hit["contact"], "_t": hit["timestamp"], "kind": "looks-like",
                                        "source": hit["source"], "text": flags.loc[hit.index, "phrase"]}))
    listed = [s for s in sources if s in _LISTED]
    if listed:
        o = ctx.tables.optouts
        o = o[o["kind"].isin(listed) & o["contact"].notna()]
        frames.append(pd.DataFrame({"_contact": o["contact"], "_t": o["since"], "kind": o["kind"],
                                    "source": o["source"], "text": None}))
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _EVENT_COLS}).astype({"_t": "datetime64[ns, UTC]"})
    out = pd.concat(frames, ignore_index=True)
    out["_contact"] = out["_contact"].astype(object)
    out["_t"] = pd.to_datetime(out["_t"], utc=True)
    return out.sort_values(["_t", "_contact", "kind", "source"], kind="stable").reset_index(drop=True)


def _outbound_timeline(ctx: CheckContext) -> pd.DataFrame:
    """Every delivery to a known person: `_contact`, `_t`, `_first` (its message_id), in time order."""
    d = ctx.tables.deliveries
    known = _CACHE.get((d,), "outbound timeline")
    if known is None:
        d = d[d["contact"].notna()]
        right = pd.DataFrame({"_contact": d["contact"].astype(object), "_t": pd.to_datetime(d["timestamp"], utc=True),
                              "_first": d["message_id"].astype(object)})
        right = right.iloc[time_order(right, ["_t", "_first"])]
        known = _CACHE.put((ctx.tables.deliveries,), "outbound timeline", right)
    return known


def _first_outbound(ctx: CheckContext, events: pd.DataFrame) -> pd.Series:
    """For each opt-out, the message_id of the first outbound to that person at or after it."""
    right = _outbound_timeline(ctx)
    right = right[right["_contact"].isin(pd.unique(events["_contact"]))]
    left = events[["_contact", "_t"]].assign(_i=np.arange(len(events)))
    joined = pd.merge_asof(left, right, on="_t", by="_contact", direction="forward", allow_exact_matches=True)
    return joined.set_index("_i")["_first"].reindex(np.arange(len(events)))


def _latest_before(rows: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """For each row, the latest `right` record of the same contact at or before the row's time (on rows.index)."""
    left = pd.DataFrame({"_row": np.arange(len(rows)), "_contact": rows["contact"].astype(object).fillna("").to_numpy(),
                         "_t": pd.to_datetime(rows["timestamp"], utc=True).array})
    left["_t"] = pd.to_datetime(left["_t"], utc=True)
    left["_contact"] = left["_contact"].astype(object)
    left["_key"], keys = join_codes([left["_contact"]], [right["_contact"]])
    left = left.iloc[time_order(left, ["_t"])]
    right = right.drop(columns="_contact").assign(_key=keys)
    joined = pd.merge_asof(left, right, on="_t", by="_key", direction="backward", allow_exact_matches=True)
    return joined.set_index("_row").reindex(np.arange(len(rows))).set_axis(rows.index)


@check("optout_honoured", OptoutParams, applies_to=("messages", "deliveries"))
def optout_honoured(ctx: CheckContext, rows: pd.DataFrame, p: OptoutParams) -> pd.DataFrame:
    """Flag outbound messages sent to a person while an opt-out of theirs is in force.

    The opt-out a message meets is the latest one of the same person (contact
    key) at or before the send time. An opt-out is in force from its own second:
    a message in the same second comes after it. It ends when, after it (strictly
    later; a tie keeps the opt-out), the person sends a resume keyword, or the
    consent in force at the send time (for `consent_purpose` on the message's
    channel, see the `consent` check) is a grant dated after the opt-out.

    Parameters:
      sources: what counts as an opt-out, any of
        `keyword` (an inbound message that is a whole-message opt-out keyword,
        optout_keywords.yaml: "STOP", "Basta!", "ARRÊT"),
        `looks-like` (an inbound message containing an opt-out-like phrase such
        as "non scrivetemi più" that is not itself a keyword: for human review),
        `do-not-contact`, `block`, `marketing-stop`, `national-registry`
        (rows of the optouts table of that kind, from their `since` time; their
        `scope` is not read: restrict the rule's `where` instead).
      confirmation_minutes: the first outbound to the person at or after the
        opt-out, if sent within this many minutes, is a confirmation and
        allowed (default 0: none).
      languages: keyword languages (e.g. [it, en]); null (default) for all.
      ended_by: `consent` and/or `resume` (default both).
      consent_purpose: purpose of the newer grant that ends it (default
        `marketing`; `any` for a grant of any purpose).

    Inbound system lines and messages without a body are never opt-outs.
    Evidence: optout_at, optout_kind, optout_source (file:line), optout_text
    (the normalised keyword, or the matched phrase: never the message body).
    """
    needs_text = bool({"keyword", "looks-like"} & set(p.sources)) or "resume" in p.ended_by
    matcher = ctx.reference.optout_matcher(p.languages) if needs_text else None
    inbound, flags = _text_flags(ctx, matcher)
    events = optout_events(ctx, list(p.sources), matcher, inbound, flags)
    if events.empty:
        return rows.iloc[:0, :0]
    events["_first"] = _first_outbound(ctx, events)
    events["_at"] = events["_t"]
    # Only rows of people with an opt-out can meet one, and only those that meet one can end it:
    # the costlier joins (resume, consent) run on those few rows.
    view = selected_from(rows)
    rows = rows[["contact", "timestamp", "message_id", "channel"]]
    rows = rows[rows["contact"].fillna("").isin(pd.unique(events["_contact"])).to_numpy()]
    met = _latest_before(rows, events)
    in_force = met["_at"].notna().to_numpy()
    rows, met = rows[in_force], met[in_force]
    if rows.empty:
        return rows.iloc[:0, :0]
    # Still rows of the same view: the consent lookup reuses what other rules worked out for them.
    remember_selection(rows, view)
    ended = pd.Series(False, index=rows.index)
    if "resume" in p.ended_by and matcher is not None:
        res = inbound[flags["is_resume"].to_numpy(dtype=bool)]
        right = pd.DataFrame({"_contact": res["contact"].astype(object), "_t": pd.to_datetime(res["timestamp"], utc=True)})
        right = right.assign(_resume=right["_t"]).sort_values("_t", kind="stable")
        ended |= _latest_before(rows, right)["_resume"] > met["_at"]
    if "consent" in p.ended_by:
        state = consent_state(ctx.tables.consent_events, rows, purpose=p.consent_purpose, channel="message")
        ended |= state["outcome"].isin(["granted", "unproven"]) & (state["at"] > met["_at"])
    minutes = (pd.to_datetime(rows["timestamp"], utc=True) - met["_at"]).dt.total_seconds() / 60
    confirmation = (p.confirmation_minutes > 0) & rows["message_id"].eq(met["_first"]) & (minutes <= p.confirmation_minutes)
    bad = ~ended.fillna(False) & ~confirmation.fillna(False)
    hit = met[bad]
    return pd.DataFrame({
        "optout_kind": hit["kind"],
        "optout_text": hit["text"],
        "ev_optout_at": hit["_at"],
        "ev_optout_kind": hit["kind"],
        "ev_optout_source": hit["source"],
        "ev_optout_text": hit["text"],
    }, index=hit.index)
