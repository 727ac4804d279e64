"""As-of consent: the consent state each message met when it was sent.

The lookup is shared with the opt-out check (a newer consent ends an opt-out),
so it lives here as `consent_state`; the registered check is `consent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext
from msgaudit.rules.prepare import FrameCache, selected_from, time_order

# Purpose or channel values on a consent event that cover every purpose or channel.
WILDCARDS = frozenset({"any", "all"})

Outcome = Literal["missing", "not_yet", "withdrawn", "invalid", "unproven"]
# Best first when several purposes answer: a grant, then one that cannot be proven, then one that was never
# valid, then a withdrawal.
_RANK = {"none": 0, "withdrawn": 1, "invalid": 2, "unproven": 3, "granted": 4}

# Collection methods that give no consent at all: silence, pre-ticked boxes and inactivity are not a clear
# affirmative act (GDPR Art. 4(11) and recital 32; CJEU C-673/17 Planet49, 2019-10-01, ECLI:EU:C:2019:801).
# Values as ingest writes them (contact_fields.CONSENT_METHODS) plus the spellings ledgers use untranslated.
INVALID_METHODS = frozenset({"prechecked", "pre-checked", "pre-ticked", "preticked", "implied", "default",
                             "opt-out", "optout"})
# Codice Privacy art. 2-quinquies(1) (D.lgs. 101/2018, in force 2018-09-19): a minor may consent alone from 14.
# Under it, GDPR Art. 8(1) asks for the holder of parental responsibility.
CONSENT_AGE = 14


def key(values: pd.Series) -> pd.Series:
    """Lower-case trimmed text with missing as "": the form purposes, channels and contacts are matched in."""
    # Folded once per distinct value: a million messages carry a handful of channels.
    codes, distinct = pd.factorize(values.astype("object"), use_na_sentinel=True)
    folded = pd.Series(distinct, dtype=object).astype(str).str.strip().str.casefold().to_numpy(dtype=object)
    # Object dtype, so join keys built from it always match the other side's dtype.
    return pd.Series(np.append(folded, "")[codes], index=values.index, name=values.name, dtype=object)


def join_codes(left: list[pd.Series], right: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """One int64 per row for several key columns, equal on both sides exactly when every column is equal.

    An as-of join by one integer key is several times faster than by object columns.
    """
    n = len(left[0])
    combined = np.zeros(n + len(right[0]), dtype=np.int64)
    for a, b in zip(left, right):
        both = np.concatenate([np.asarray(a, dtype=object), np.asarray(b, dtype=object)])
        codes, uniques = pd.factorize(both, use_na_sentinel=True)
        combined = combined * (len(uniques) + 1) + (codes + 1)
    return combined[:n], combined[n:]


def _wanted_channels(rows: pd.DataFrame, channel: str) -> pd.Series:
    if channel == "message":
        return key(rows["channel"])
    return pd.Series(channel.casefold(), index=rows.index, dtype=object)


def expand_wildcards(values: pd.Series, targets: list[str]) -> pd.DataFrame:
    """Pair each event with the keys it covers: itself, or every target when it is a wildcard."""
    pos = np.arange(len(values))
    wild = values.isin(WILDCARDS).to_numpy()
    plain = pd.DataFrame({"_ev": pos[~wild], "_k": values.to_numpy()[~wild]})
    # An event without a value covers nothing: it must not meet rows that lack the value too.
    plain = plain[plain["_k"].isin(targets) & plain["_k"].ne("")]
    spread = pd.DataFrame({"_ev": pos[wild]}).merge(pd.DataFrame({"_k": targets}), how="cross")
    return pd.concat([plain, spread], ignore_index=True)


@dataclass
class _Answers:
    """Answers for rows of one view, by the row's position in it: `where` is -1 or a row of `frame`."""

    where: np.ndarray
    frame: pd.DataFrame | None = None

    def add(self, positions: np.ndarray, part: pd.DataFrame) -> None:
        start = 0 if self.frame is None else len(self.frame)
        part = part.reset_index(drop=True)
        self.frame = part if self.frame is None else pd.concat([self.frame, part], ignore_index=True)
        self.where[positions] = np.arange(start, start + len(part))


# A row's answer depends on that row alone (its contact, time and channel), so answers are kept per row
# of the view the rows were selected from: rules that select overlapping rows of the deliveries
# (CONSENT-001..003 and the opt-out rules; CONSENT-006 and TEMPLATE-003) work each row out once.
_ANSWERS = FrameCache(8)


def invalid_grants(events: pd.DataFrame, min_age: int | None = CONSENT_AGE) -> pd.Series:
    """Granted events that are no consent: an invalid method, or given by a person under `min_age`.

    The age is judged only where the source gives it: a birth date (under age at the event's time), or an
    age, which a list states as of its export, after every event it records: an age under `min_age` there
    means the person was under it at every consent the list holds.
    """
    granted = key(events["status"]).eq("granted")
    bad = key(events["method"]).isin(INVALID_METHODS)
    if min_age is not None:
        born = pd.to_datetime(events["birth_date"], utc=True)
        of_age_at = born + pd.DateOffset(years=min_age)
        bad |= (born.notna() & (pd.to_datetime(events["timestamp"], utc=True) < of_age_at)).to_numpy(dtype=bool)
        bad |= pd.to_numeric(events["age"], errors="coerce").lt(min_age).fillna(False).to_numpy(dtype=bool)
    return granted & bad


def consent_state(events: pd.DataFrame, rows: pd.DataFrame, *, purpose: str, channel: str,
                  require_evidence: bool = False) -> pd.DataFrame:
    """The consent each row met at its timestamp, on `rows.index` (see `_consent_state`)."""
    view = selected_from(rows)
    positions = view.index.get_indexer(rows.index) if view is not rows and view.index.is_unique else None
    if positions is None or (positions < 0).any():
        view, positions = rows, np.arange(len(rows))
    asked = ("consent", purpose, channel, require_evidence)
    answers = _ANSWERS.get((events, view), asked)
    if answers is None:
        answers = _ANSWERS.put((events, view), asked, _Answers(np.full(len(view), -1, dtype=np.int64)))
    todo = np.unique(positions[answers.where[positions] < 0])
    if len(todo):
        needed = ["contact", "timestamp"] + (["channel"] if channel == "message" else [])
        part = _consent_state(events, view[needed].iloc[todo], purpose=purpose, channel=channel,
                              require_evidence=require_evidence)
        answers.add(todo, part)
    assert answers.frame is not None
    return answers.frame.take(answers.where[positions]).set_axis(rows.index)


def _consent_state(events: pd.DataFrame, rows: pd.DataFrame, *, purpose: str, channel: str,
                   require_evidence: bool = False) -> pd.DataFrame:
    """The consent each row met at its timestamp, on `rows.index`.

    For purpose P and channel C the state is the latest event of the same
    `contact` at or before the row's time whose purpose is P (or a wildcard)
    and whose channel is C (or a wildcard). `purpose="any"` asks whether *some*
    purpose was in force: each purpose has its own timeline (a wildcard event
    belongs to all of them) and the best state wins. `channel="message"` takes
    C from each row's own channel; a row with no channel matches only events
    whose channel is a wildcard. On equal timestamps a withdrawal wins over a
    grant, and an event at the very second of the message counts as before it.

    A grant that is no consent (`invalid_grants`: a pre-ticked, implied or
    default "consent", or one given under the age of consent) is `invalid`:
    it neither covers the row nor counts as a later grant.

    Columns: `outcome` (granted, unproven, invalid, withdrawn, not_yet, missing),
    `status`, `at`, `evidence`, `event_source`, `event_purpose`, `channel_key`.
    """
    wanted = purpose.casefold()
    chans = _wanted_channels(rows, channel)
    ev = events[key(events["contact"]) != ""].reset_index(drop=True)
    ev_purpose = key(ev["purpose"])
    if wanted in WILDCARDS:
        specific = sorted(set(ev_purpose) - WILDCARDS) or ["any"]
        by_purpose = expand_wildcards(ev_purpose, specific)
    else:
        keep = ev_purpose.isin(WILDCARDS | {wanted})
        by_purpose = pd.DataFrame({"_ev": np.flatnonzero(keep.to_numpy()), "_k": wanted})
    by_channel = expand_wildcards(key(ev["channel"]), sorted(set(chans)))
    pairs = by_purpose.rename(columns={"_k": "_purpose"}).merge(by_channel.rename(columns={"_k": "_chan"}), on="_ev")
    evidence_ok = ev["evidence"].notna() & (key(ev["evidence"]) != "")
    status = key(ev["status"])
    state = status.where(~(status.eq("granted") & ~evidence_ok & require_evidence), "unproven")
    # Invalid beats unproven: a pre-ticked box with a screenshot is still no consent.
    state = state.where(~invalid_grants(ev), "invalid")
    long = pairs.assign(
        _contact=ev["contact"].to_numpy()[pairs["_ev"]], _t=ev["timestamp"].array[pairs["_ev"].to_numpy()],
        _state=state.to_numpy()[pairs["_ev"]], _tie=(status.to_numpy()[pairs["_ev"]] == "withdrawn").astype(int),
    )
    long = long.iloc[time_order(long, ["_t", "_tie", "_ev"])]
    left = pd.DataFrame({"_row": np.arange(len(rows)), "_contact": rows["contact"].astype("object").fillna("").to_numpy(),
                         "_chan": chans.to_numpy(), "_t": rows["timestamp"].array})
    # One dtype per key on both sides: pandas refuses to join its string dtype with object.
    for frame in (left, long):
        frame["_t"] = pd.to_datetime(frame["_t"], utc=True)
        frame["_contact"] = frame["_contact"].astype(object)
        frame["_chan"] = frame["_chan"].astype(object)
    left["_key"], long["_key"] = join_codes([left["_contact"], left["_chan"]], [long["_contact"], long["_chan"]])
    left = left.iloc[time_order(left, ["_t"])]
    best = pd.DataFrame({"_rank": 0, "_ev": -1, "_t": pd.NaT, "_next": pd.NaT, "_next_ev": -1},
                        index=np.arange(len(rows)))
    best["_t"] = pd.to_datetime(best["_t"], utc=True)
    best["_next"] = pd.to_datetime(best["_next"], utc=True)
    # One as-of join per purpose timeline: the number of distinct purposes, not of messages.
    for _, timeline in long.groupby("_purpose", sort=True):
        right = timeline[["_key", "_t", "_state", "_ev"]].assign(_at=timeline["_t"])
        back = pd.merge_asof(left, right, on="_t", by="_key", direction="backward",
                             allow_exact_matches=True).set_index("_row").reindex(best.index)
        rank = back["_state"].map(_RANK).fillna(0).astype(int)
        better = (rank > best["_rank"]) | ((rank == best["_rank"]) & (rank > 0) & (back["_at"] > best["_t"]))
        best.loc[better, "_rank"] = rank[better]
        best.loc[better, "_ev"] = back.loc[better, "_ev"].astype(int)
        best.loc[better, "_t"] = back.loc[better, "_at"]
        grants = right[right["_state"].isin(["granted", "unproven"])]
        fwd = pd.merge_asof(left, grants, on="_t", by="_key", direction="forward",
                            allow_exact_matches=False).set_index("_row").reindex(best.index)
        sooner = fwd["_at"].notna() & (best["_next"].isna() | (fwd["_at"] < best["_next"]))
        best.loc[sooner, "_next"] = fwd.loc[sooner, "_at"]
        best.loc[sooner, "_next_ev"] = fwd.loc[sooner, "_ev"].astype(int)
    names = {v: k for k, v in _RANK.items()}
    outcome = best["_rank"].map(names)
    none = outcome.eq("none")
    outcome = outcome.where(~none, np.where(best["_next"].notna(), "not_yet", "missing"))
    cited = best["_ev"].where(~none, best["_next_ev"]).to_numpy()
    found = cited >= 0
    take = np.where(found, cited, 0)

    def field(col: str) -> np.ndarray:
        values = ev[col].to_numpy()[take] if len(ev) else np.full(len(rows), None, dtype=object)
        return np.where(found, values, None)

    at = pd.Series(ev["timestamp"].array[take] if len(ev) else pd.NaT, index=best.index)
    at = pd.to_datetime(at, utc=True).where(found)
    out = pd.DataFrame({
        "outcome": outcome.to_numpy(), "status": field("status"), "at": at.array,
        "evidence": field("evidence"), "event_source": field("source"), "event_purpose": field("purpose"),
        "channel_key": chans.to_numpy(),
    }, index=rows.index)
    out["at"] = pd.to_datetime(out["at"], utc=True)
    return out


class ConsentParams(Params):
    purpose: str = Field("marketing", min_length=1, description="Purpose the message needs consent for; 'any' for some purpose")
    channel: str = Field("message", min_length=1, description="'message' for each message's own channel, or a fixed channel")
    outcome: list[Outcome] = Field(default_factory=lambda: ["missing", "not_yet", "withdrawn", "invalid", "unproven"],
                                   min_length=1)
    require_evidence: bool = False


@check("consent", ConsentParams, applies_to=("messages", "deliveries"))
def consent(ctx: CheckContext, rows: pd.DataFrame, p: ConsentParams) -> pd.DataFrame:
    """Flag messages sent without the consent they need in force at the time they were sent.

    For each message to person P at time T, the consent state for the wanted
    purpose and channel is the latest consent event of P (matched by contact:
    E.164, so a person known only by name never has consent) at or before T
    whose purpose is the wanted one or "any"/"all" and whose channel is the
    message's (or the fixed one) or "any"/"all". An event in the same second as
    the message counts as before it; of two events in the same second the
    withdrawal wins. Outcomes, mutually exclusive:

    - `withdrawn`: the latest event at or before T is a withdrawal;
    - `invalid`: it is a grant that is no consent: collected by a pre-ticked
      box, implied or by default (method prechecked, implied, default,
      opt-out: GDPR Art. 4(11), recital 32, CJEU C-673/17 Planet49), or given
      by a person under 14 (Codice Privacy art. 2-quinquies) where a birth
      date or an age is recorded;
    - `unproven`: it is a grant with no evidence (only with `require_evidence`);
    - `not_yet`: no event at or before T, but a grant exists later;
    - `missing`: no event at or before T and no later grant.

    Parameters:
      purpose: the purpose needed (default `marketing`); `any` means consent
        for some purpose on that channel (each purpose judged separately).
      channel: `message` (default) for the message's own channel (a message
        with no channel matches only "any"-channel events), or a fixed one such
        as `whatsapp`.
      outcome: the outcomes that are violations (default: all five).
      require_evidence: a grant with empty `evidence` is `unproven` (default false).

    Evidence: consent_status, consent_at, consent_evidence, consent_source
    (the event cited: the one in force, or the later grant for not_yet),
    outcome, purpose, channel.
    """
    state = consent_state(ctx.tables.consent_events, rows, purpose=p.purpose, channel=p.channel,
                          require_evidence=p.require_evidence)
    bad = state[state["outcome"].isin(p.outcome)]
    return pd.DataFrame({
        "outcome": bad["outcome"],
        "ev_outcome": bad["outcome"],
        "ev_consent_status": bad["status"],
        "ev_consent_at": bad["at"],
        "ev_consent_evidence": bad["evidence"],
        "ev_consent_source": bad["event_source"],
        "ev_purpose": p.purpose,
        "ev_channel": bad["channel_key"].where(bad["channel_key"] != "", None),
    }, index=bad.index)
