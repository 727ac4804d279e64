"""Opt-outs honoured: no message after a person said stop, was listed as do-not-contact, or stopped marketing."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from msgaudit.law.optout import OptoutMatcher
from msgaudit.rules.checks import Params, check
from msgaudit.rules.checks.consent import consent_state, expand_wildcards, join_codes, key
from msgaudit.rules.checks.window import last_inbound
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import FrameCache, remember_selection, selected_from, time_order

Source = Literal["keyword", "objection", "looks-like", "do-not-contact", "block", "marketing-stop", "national-registry"]
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
    reply_hours: float = Field(0, ge=0, description="A non-marketing reply within this many hours of the person's own later message is allowed")

    @model_validator(mode="after")
    def _registry_alone(self) -> OptoutParams:
        # The registry covers only some channels: mixed with other sources it would hide them on the others.
        if "national-registry" in self.sources and len(set(self.sources)) > 1:
            raise ValueError("national-registry must be the only source of its rule (it covers only some channels)")
        return self


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
        flags = pd.DataFrame({"keyword": None, "is_keyword": False, "is_resume": False, "objection": None,
                              "phrase": None}, index=inbound.index)
        return inbound, flags
    m = matcher.match(inbound["body"])
    # The matcher makes a body at most one of keyword, objection and review phrase (OPTOUT-001, -004, -007).
    return inbound, pd.DataFrame({
        "keyword": m["keyword"].astype(object).where(m["is_keyword"], None), "is_keyword": m["is_keyword"],
        "is_resume": m["is_resume"],
        "objection": m["objection"].astype(object).where(m["objection"].notna(), None),
        "phrase": m["phrase"].astype(object).where(m["phrase"].notna(), None),
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
        if "objection" in sources:
            hit = inbound[flags["objection"].notna().to_numpy(dtype=bool)]
            frames.append(pd.DataFrame({"_contact": hit["contact"], "_t": hit["timestamp"], "kind": "objection",
                                        "source": hit["source"], "text": flags.loc[hit.index, "objection"]}))
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


def _newer_grant(ctx: CheckContext, rows: pd.DataFrame, met: pd.DataFrame, purpose: str) -> pd.Series:
    """Rows whose consent in force (for `purpose` on their channel) is a valid grant dated after their opt-out."""
    if rows.empty:
        return pd.Series(False, index=rows.index)
    state = consent_state(ctx.tables.consent_events, rows, purpose=purpose, channel="message")
    return state["outcome"].isin(["granted", "unproven"]) & (state["at"] > met["_at"])


def answers_own_question(ctx: CheckContext, rows: pd.DataFrame, since: pd.Series, hours: float) -> pd.Series:
    """Non-marketing rows sent within `hours` of a message the person wrote on that channel after `since`.

    Replying to a question the person asked after objecting is not contacting them against their will;
    sending them marketing is (GDPR Art. 21(3)).
    """
    last = last_inbound(ctx, rows)
    after = last > since
    within = (pd.to_datetime(rows["timestamp"], utc=True) - last) <= pd.Timedelta(hours=hours)
    return (after & within).fillna(False) & ~rows["category"].eq("marketing").fillna(False)


def _registry_channels(ctx: CheckContext, rows: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Rows a national-registry opt-out can meet: all of them, unless the registry covers none of their channels.

    The Registro pubblico delle opposizioni covers calls and paper mail (Codice art. 130(3-bis), DPR 26/2022);
    while the reference data says it does not cover messaging, a registration never meets an SMS or WhatsApp.
    """
    rpo = ctx.reference.platform.rpo_mobiles
    if rpo.covers_messaging or not events["kind"].eq("national-registry").any():
        return rows
    return rows[key(rows["channel"]).isin([c.casefold() for c in rpo.channels]).to_numpy(dtype=bool)]


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
        `objection` (an inbound message that objects in plain words, "non
        scrivetemi più", "please stop messaging me": optout_keywords.yaml
        `objections`, not narrowed by `limits` such as "a quest'ora"),
        `looks-like` (an inbound message that is neither, but close: an
        objection narrowed to a time, or an ambiguous phrase: for human review),
        `do-not-contact`, `block`, `marketing-stop`, `national-registry`
        (rows of the optouts table of that kind, from their `since` time; their
        `scope` is not read: restrict the rule's `where` instead). A
        national-registry opt-out meets only messages on the channels the
        registry covers (platform.yaml `rpo_mobiles`: calls and paper mail while
        `covers_messaging` is false).
      confirmation_minutes: the first outbound to the person at or after the
        opt-out, if sent within this many minutes, is a confirmation and
        allowed (default 0: none).
      languages: keyword languages (e.g. [it, en]); null (default) for all.
      ended_by: `consent` and/or `resume` (default both).
      consent_purpose: purpose of the newer grant that ends it for
        non-marketing messages (default `marketing`; `any` for a grant of any
        purpose). For a marketing message only a newer marketing grant ends it,
        whatever this says: a later consent for another purpose does not end an
        objection to marketing (GDPR Art. 21(3), 7(3)). A grant that is no
        consent (pre-ticked, implied, under age) never ends it.
      reply_hours: a message that is not marketing, sent within this many
        hours of a message the person wrote on that channel after the opt-out,
        answers them and is allowed (default 0: never).

    Inbound system lines and messages without a body are never opt-outs.
    Evidence: optout_at, optout_kind, optout_source (file:line), optout_text
    (the normalised keyword, or the matched phrase: never the message body).
    """
    needs_text = bool({"keyword", "objection", "looks-like"} & set(p.sources)) or "resume" in p.ended_by
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
    rows = rows[["contact", "timestamp", "message_id", "channel", "category"]]
    rows = rows[rows["contact"].fillna("").isin(pd.unique(events["_contact"])).to_numpy()]
    rows = _registry_channels(ctx, rows, events)
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
    marketing = rows["category"].eq("marketing").fillna(False).to_numpy(dtype=bool)
    if "consent" in p.ended_by:
        # Only a new marketing consent ends an objection to marketing (GDPR Art. 21(3), 7(3)): a later consent
        # for a loyalty card or member communications leaves it in force for marketing messages.
        for part, purpose in ((marketing, "marketing"), (~marketing, p.consent_purpose)):
            sub = rows[part]
            # Still rows of the view: the lookup reuses what other rules (or the other part) worked out.
            remember_selection(sub, view)
            ended |= _newer_grant(ctx, sub, met[part], purpose)
    minutes = (pd.to_datetime(rows["timestamp"], utc=True) - met["_at"]).dt.total_seconds() / 60
    confirmation = (p.confirmation_minutes > 0) & rows["message_id"].eq(met["_first"]) & (minutes <= p.confirmation_minutes)
    bad = ~ended.fillna(False) & ~confirmation.fillna(False)
    if p.reply_hours > 0:
        bad &= ~answers_own_question(ctx, rows, met["_at"], p.reply_hours)
    hit = met[bad]
    return pd.DataFrame({
        "optout_kind": hit["kind"],
        "optout_text": hit["text"],
        "ev_optout_at": hit["_at"],
        "ev_optout_kind": hit["kind"],
        "ev_optout_source": hit["source"],
        "ev_optout_text": hit["text"],
    }, index=hit.index)


class WithdrawalParams(Params):
    except_purposes: list[str] = Field(default_factory=lambda: ["marketing"],
                                       description="Purposes whose withdrawal ends only that purpose, not the channel")
    reply_hours: float = Field(0, ge=0, description="A non-marketing reply within this many hours of the person's own later message is allowed")


@check("withdrawal_honoured", WithdrawalParams, applies_to=("messages", "deliveries"))
def withdrawal_honoured(ctx: CheckContext, rows: pd.DataFrame, p: WithdrawalParams) -> pd.DataFrame:
    """Flag messages on a channel after the person withdrew consent to be contacted on it.

    A withdrawal is a consent event with status withdrawn whose purpose is not
    one of `except_purposes` (a withdrawal of marketing consent ends marketing
    only: see the `consent` check). It covers every message, whatever its
    category, on its channel (or on every channel when its channel is "any" or
    "all"), from its own second. It ends when the consent in force at the send
    time, for some purpose on the message's channel, is a valid grant dated
    strictly after it: the person agreed again to be contacted there.

    Parameters:
      except_purposes: purposes whose withdrawal is not a withdrawal from the
        channel (default [marketing]).
      reply_hours: a message that is not marketing, sent within this many
        hours of a message the person wrote on that channel after the
        withdrawal, answers them and is allowed (default 0: never).

    Evidence: withdrawn_at, withdrawn_purpose, withdrawal_source (file:line),
    channel.
    """
    ev = ctx.tables.consent_events
    chosen = (key(ev["status"]).eq("withdrawn") & ~key(ev["purpose"]).isin([x.casefold() for x in p.except_purposes])
              & ev["contact"].notna())
    ev = ev[chosen.to_numpy(dtype=bool)].reset_index(drop=True)
    rows = rows[["contact", "timestamp", "message_id", "channel", "category"]]
    rows = rows[rows["contact"].fillna("").isin(pd.unique(ev["contact"])).to_numpy(dtype=bool)]
    if rows.empty:
        return rows.iloc[:0, :0]
    chans = key(rows["channel"])
    pairs = expand_wildcards(key(ev["channel"]), sorted(set(chans)))
    right = pd.DataFrame({
        "_contact": ev["contact"].astype(object).to_numpy()[pairs["_ev"]], "_chan": pairs["_k"].to_numpy(dtype=object),
        "_t": pd.to_datetime(ev["timestamp"], utc=True).array[pairs["_ev"].to_numpy()],
        "_purpose": ev["purpose"].to_numpy()[pairs["_ev"]], "_source": ev["source"].to_numpy()[pairs["_ev"]],
    })
    right["_t"] = pd.to_datetime(right["_t"], utc=True)
    right = right.assign(_at=right["_t"]).iloc[time_order(right, ["_t"])] if len(right) else right.assign(_at=right["_t"])
    left = pd.DataFrame({"_row": np.arange(len(rows)), "_contact": rows["contact"].astype(object).fillna("").to_numpy(),
                         "_chan": chans.astype(object).to_numpy(), "_t": pd.to_datetime(rows["timestamp"], utc=True).array})
    left["_t"] = pd.to_datetime(left["_t"], utc=True)
    left["_key"], keys = join_codes([left["_contact"], left["_chan"]], [right["_contact"], right["_chan"]])
    right = right.drop(columns=["_contact", "_chan"]).assign(_key=keys)
    left = left.iloc[time_order(left, ["_t"])]
    met = pd.merge_asof(left, right, on="_t", by="_key", direction="backward", allow_exact_matches=True)
    met = met.set_index("_row").reindex(np.arange(len(rows))).set_axis(rows.index)
    in_force = met["_at"].notna().to_numpy(dtype=bool)
    rows, met = rows[in_force], met[in_force]
    if rows.empty:
        return rows.iloc[:0, :0]
    bad = ~_newer_grant(ctx, rows, met, "any").fillna(False)
    if p.reply_hours > 0:
        bad &= ~answers_own_question(ctx, rows, met["_at"], p.reply_hours)
    hit, where = met[bad], rows[bad]
    return pd.DataFrame({
        "withdrawn_purpose": hit["_purpose"],
        "ev_withdrawn_at": hit["_at"],
        "ev_withdrawn_purpose": hit["_purpose"],
        "ev_withdrawal_source": hit["_source"],
        "ev_channel": key(where["channel"]).where(key(where["channel"]) != "", None),
    }, index=hit.index)

