"""International transfers judged day by day: was the data's destination lawful on each processing day?

A system processes personal data on the days (in the reference's legal day
zone, settings.yaml) of the messages on its channels. A system with no
channels, or whose channels carry no message in the inputs (a newsletter
list, a CRM), stores its data on every day the audit covers. Each processing day gets exactly one
outcome, so the rules built on `transfer_valid` (one per outcome) never
report the same day twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from msgaudit.law import Interval
from msgaudit.law.intervals import within
from msgaudit.rules.checks import Params, check
from msgaudit.rules.context import CheckContext

Reason = Literal["no-mechanism", "invalidated", "scc-transition", "dpf", "adequacy", "derogation"]
_LAWFUL = "lawful"
_SCC = ("scc-2001", "scc-2004", "scc-2010", "scc-2021")
_NONE = ("", "none")
# Schrems II (C-311/18, 2020-07-16) made a transfer impact assessment part of relying on SCCs or BCRs.
SCHREMS_II = pd.Timestamp("2020-07-16")


class TransferParams(Params):
    reason: Reason = Field(description="Which outcome this rule reports")


def channel_days(ctx: CheckContext) -> pd.DataFrame:
    """The distinct (channel, legal day) pairs of the audit's messages; channels case-folded."""
    messages = ctx.tables.messages
    codes, names = pd.factorize(messages["channel"])
    pairs = pd.DataFrame({"code": codes, "day": ctx.reference.legal_days(messages["timestamp"]).to_numpy()})
    pairs = pairs.drop_duplicates().reset_index(drop=True)
    folded = np.array([str(n).strip().casefold() for n in names] + [""], dtype=object)
    return pd.DataFrame({"channel": folded[pairs["code"].to_numpy()], "day": pairs["day"]})


def processing_days(ctx: CheckContext, pairs: pd.DataFrame, channels: str | None,
                    claims_from: pd.Series) -> pd.DatetimeIndex:
    """The legal days on which a system with these '|'-joined channels processed data, sorted."""
    ref = ctx.reference
    wanted = [c.strip().casefold() for c in (channels or "").split("|") if c.strip()]
    if wanted:
        days = pd.DatetimeIndex(pairs.loc[pairs["channel"].isin(wanted), "day"].unique()).sort_values()
        if len(days):
            return days
    stamps = pd.concat([ctx.tables.messages["timestamp"], ctx.tables.consent_events["timestamp"]],
                       ignore_index=True).dropna()
    if len(stamps):
        days = ref.legal_days(pd.Series([stamps.min(), stamps.max()]))
        return pd.date_range(days.iloc[0], days.iloc[1], freq="D")
    first = claims_from.dropna()
    if first.empty:
        return pd.DatetimeIndex([])
    last = ref.legal_days(pd.Series([ctx.as_of - pd.Timedelta(days=1)])).iloc[0]
    return pd.date_range(first.min().tz_convert("UTC").tz_localize(None).normalize(), last, freq="D")


def _claim_in_force(days: pd.DatetimeIndex, claims: pd.DataFrame) -> np.ndarray:
    """Per day, the position in `claims` of the claim covering it (the latest-starting one), or -1."""
    found = np.full(len(days), -1)
    day = pd.Series(days)
    starts = claims["claim_from"].dt.tz_convert("UTC").dt.tz_localize(None)
    ends = claims["claim_to"].dt.tz_convert("UTC").dt.tz_localize(None)
    for pos in np.argsort(starts.fillna(pd.Timestamp.min).to_numpy(), kind="stable"):
        if pd.isna(claims["mechanism"].iloc[pos]):
            continue
        covers = np.ones(len(days), dtype=bool)
        if pd.notna(starts.iloc[pos]):
            covers &= (day >= starts.iloc[pos]).to_numpy()
        if pd.notna(ends.iloc[pos]):
            covers &= (day <= ends.iloc[pos]).to_numpy()
        found[covers] = pos
    return found


def _reason_for(mechanism: str, country: str) -> str:
    if mechanism in _NONE:
        return "no-mechanism"
    if mechanism == "derogation":
        return "derogation"
    if mechanism in _SCC:
        return "scc-transition"
    if mechanism == "dpf" or (mechanism == "adequacy" and country == "US"):
        return "dpf"
    if mechanism == "adequacy":
        return "adequacy"
    return "invalidated"


def judge_days(ctx: CheckContext, days: pd.DatetimeIndex, country: str, claims: pd.DataFrame) -> pd.DataFrame:
    """One row per processing day: the claim in force (`claim`, -1 for none), its mechanism and the outcome."""
    ref = ctx.reference
    day = pd.Series(days)
    claim = _claim_in_force(days, claims)
    mechanism = np.where(claim >= 0, claims["mechanism"].fillna("").to_numpy(dtype=object)[claim], "")
    certified = np.where(claim >= 0, claims["certified"].astype(object).to_numpy()[claim], None)
    signed = np.where(claim >= 0, claims["signed"].astype(object).to_numpy()[claim], None)
    outcome = np.full(len(days), _LAWFUL, dtype=object)
    free = within(day, ref.eea_validity(country)).to_numpy().copy()
    for pos in sorted(set(claim.tolist())):
        mine = claim == pos
        mech = mechanism[mine][0] if mine.any() else ""
        cert = certified[mine][0] if pos >= 0 else None
        cert = None if cert is None or pd.isna(cert) else bool(cert)
        sign = signed[mine][0] if pos >= 0 else None
        sign = None if sign is None or pd.isna(sign) else pd.Timestamp(sign).date()
        free[mine] |= within(day[mine], ref.adequacy_validity(country, cert)).to_numpy()
        lawful = free[mine].copy()
        if mech not in _NONE:
            lawful |= within(day[mine], ref.mechanism_validity(mech, country, cert, sign)).to_numpy()
        outcome[mine] = np.where(lawful, _LAWFUL, _reason_for(mech, country))
    # `free`: no safeguard needed that day (EEA or an adequacy decision covering the importer).
    return pd.DataFrame({"day": days, "claim": claim, "mechanism": mechanism, "outcome": outcome, "free": free})


def _law_period(ctx: CheckContext, mechanism: str, country: str) -> list[Interval]:
    """The days the law allowed the mechanism at all for this country (conditions such as certification met)."""
    if mechanism in _NONE:
        return []
    return ctx.reference.mechanism_validity(mechanism, country, True)


def _explain(reason: str, mechanism: str, country: str, certified: object, period: list[Interval]) -> str:
    allowed = ", ".join(f"{i.start or '…'} to {i.end or 'open'}" for i in period) or "never"
    if reason == "no-mechanism":
        return f"no transfer mechanism claimed and {country} was neither in the EEA nor adequate on these days"
    if reason == "dpf" and certified is not True:
        return f"{mechanism} relied on for {country} but the importer is not recorded as DPF-certified"
    if reason == "adequacy":
        return f"adequacy claimed but {country} had no adequacy decision in force on these days (in force: {allowed})"
    if reason == "derogation":
        return (f"an Art. 49 derogation is not a transfer mechanism for data stored in {country} day after day: "
                "derogations cover occasional transfers only (EDPB Guidelines 2/2018)")
    return f"{mechanism} was not a valid safeguard for {country} on these days (law allows it: {allowed})"


@check("transfer_valid", TransferParams, applies_to=("systems",))
def transfer_valid(ctx: CheckContext, rows: pd.DataFrame, p: TransferParams) -> pd.DataFrame:
    """Flag runs of processing days on which a system's storage abroad had the outcome `reason`.

    Parameters:
    - `reason` (required), one of:
      - `no-mechanism`: no claim in force (or mechanism `none`) and the
        country is neither in the EEA nor adequate that day;
      - `invalidated`: Safe Harbor, Privacy Shield (or BCR/derogation, if the
        reference limits them) claimed on a day the law did not allow it;
      - `scc-transition`: scc-2010 after 2022-12-27 (or scc-2021 before
        2021-06-27);
      - `dpf`: DPF (or adequacy for the US) without DPF certification or
        before 2023-07-10;
      - `adequacy`: adequacy claimed for a country with no decision in force;
      - `derogation`: an Art. 49 derogation claimed for a system (continuous
        storage, never occasional) on a day the country was neither in the
        EEA nor adequate.

    Each processing day has exactly one outcome: lawful when the country is
    in the EEA that day, has an adequacy decision covering the importer
    (the US only for DPF-certified importers), or the claimed mechanism is
    valid; otherwise the reason above, by the claim in force that day (the
    latest-starting claim whose `claim_from`..`claim_to` covers it).

    Processing days: the legal days (rules/reference/settings.yaml day_zone)
    of messages on the system's channels; a system with no channels, every
    day from the first to the last message or consent event of the audit
    (none: from its first claim to the as-of day).

    One finding per system and run of consecutive processing days with this
    outcome (days without processing do not break a run). Subject: `system`;
    evidence: `period_start`, `period_end` (ISO dates), `mechanism`,
    `country`, `valid_from`, `valid_to` (the law's period for the mechanism),
    `reason`. Message fields: `system`, `country`, `mechanism`,
    `period_start`, `period_end`.
    """
    found: list[dict[str, object]] = []
    for system, country, claims, judged in _judged_systems(ctx, rows):
        judged["run"] = (judged["outcome"] != judged["outcome"].shift()).cumsum()
        for _, run in judged[judged["outcome"] == p.reason].groupby("run", sort=True):
            found.append(_finding(ctx, system, country, claims, run, p.reason))
    columns = ["system", "source", "timestamp", "country", "mechanism", "period_start", "period_end", "ev_period_start",
               "ev_period_end", "ev_mechanism", "ev_country", "ev_valid_from", "ev_valid_to", "ev_reason"]
    return pd.DataFrame(found, columns=columns)


def _judged_systems(ctx: CheckContext, rows: pd.DataFrame) -> Iterator[tuple[str, str, pd.DataFrame, pd.DataFrame]]:
    """Each system with processing days: (system, destination country, its claims, its judged days)."""
    pairs = channel_days(ctx)
    for system, claims in rows.groupby("system", sort=True):
        claims = claims.reset_index(drop=True)
        country = str(claims["country"].iloc[0]).strip().upper()
        days = processing_days(ctx, pairs, claims["channels"].iloc[0], claims["claim_from"])
        if len(days):
            yield str(system), country, claims, judge_days(ctx, days, country, claims)


def _finding(ctx: CheckContext, system: str, country: str, claims: pd.DataFrame, run: pd.DataFrame,
             reason: str) -> dict[str, object]:
    first_claim = int(run["claim"].iloc[0])
    mechanisms = list(dict.fromkeys(m for m in run["mechanism"] if m))
    mechanism = mechanisms[0] if mechanisms else ""
    period = _law_period(ctx, mechanism, country)
    certified = claims["certified"].iloc[first_claim] if first_claim >= 0 else None
    certified = None if certified is None or pd.isna(certified) else bool(certified)
    start, end = run["day"].iloc[0].date().isoformat(), run["day"].iloc[-1].date().isoformat()
    source = claims["source"].iloc[first_claim] if first_claim >= 0 else claims["source"].iloc[0]
    return {
        "system": system, "source": source, "timestamp": pd.Timestamp(start, tz="UTC"), "country": country,
        "mechanism": "|".join(mechanisms) or "none", "period_start": start, "period_end": end,
        "ev_period_start": start, "ev_period_end": end, "ev_mechanism": "|".join(mechanisms) or "none",
        "ev_country": country,
        "ev_valid_from": period[0].start.isoformat() if period and period[0].start else None,
        "ev_valid_to": period[-1].end.isoformat() if period and period[-1].end else None,
        "ev_reason": _explain(reason, mechanism, country, certified, period),
    }


class AssessmentParams(Params):
    mechanisms: tuple[str, ...] = Field(default=(*_SCC, "bcr"), min_length=1,
                                        description="Claimed mechanisms that need a transfer impact assessment")
    since: str = Field(default="2020-07-16", description="First day an assessment is expected (Schrems II)")


@check("transfer_assessed", AssessmentParams, applies_to=("systems",))
def transfer_assessed(ctx: CheckContext, rows: pd.DataFrame, p: AssessmentParams) -> pd.DataFrame:
    """Flag runs of processing days that rely on SCCs or BCRs with no transfer impact assessment on record.

    Parameters:
    - `mechanisms` (default every SCC set and `bcr`): claims that need an
      assessment of the destination's law (CJEU C-311/18 paras 134-135).
    - `since` (default 2020-07-16, the Schrems II judgment): days before it
      are not judged.

    A day is flagged when the claim in force is one of `mechanisms`, it is on
    or after `since`, the destination needed a safeguard that day (not in the
    EEA, no adequacy decision covering the importer) and the claim records no
    `tia:` date on or before that day. Days on which the claim was not a valid
    safeguard at all are left to the `transfer_valid` rules. One finding per
    system and run of such days. Evidence: `period_start`, `period_end`,
    `mechanism`, `country`, `tia` (the recorded date, if later than the run).
    """
    found: list[dict[str, object]] = []
    since = pd.Timestamp(p.since)
    for system, country, claims, judged in _judged_systems(ctx, rows):
        claim = judged["claim"].to_numpy()
        tia = pd.to_datetime(claims["tia"], utc=True).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        done = np.full(len(judged), np.datetime64("NaT"), dtype="datetime64[ns]")
        done[claim >= 0] = tia[claim[claim >= 0]]
        day = judged["day"].to_numpy()
        missing = pd.isna(done) | (day < done)
        needs = (judged["mechanism"].isin(p.mechanisms).to_numpy() & (judged["outcome"] == _LAWFUL).to_numpy()
                 & ~judged["free"].to_numpy(dtype=bool) & (day >= since.to_datetime64()) & missing)
        judged["flag"] = needs
        judged["run"] = (judged["flag"] != judged["flag"].shift()).cumsum()
        for _, run in judged[needs].groupby("run", sort=True):
            first = int(run["claim"].iloc[0])
            recorded = done[run.index[0]]
            start, end = run["day"].iloc[0].date().isoformat(), run["day"].iloc[-1].date().isoformat()
            mechanism = "|".join(dict.fromkeys(run["mechanism"]))
            found.append({
                "system": system, "source": claims["source"].iloc[first], "timestamp": pd.Timestamp(start, tz="UTC"),
                "country": country, "mechanism": mechanism, "period_start": start, "period_end": end,
                "ev_period_start": start, "ev_period_end": end, "ev_mechanism": mechanism, "ev_country": country,
                "ev_tia": None if pd.isna(recorded) else pd.Timestamp(recorded).date().isoformat(),
            })
    columns = ["system", "source", "timestamp", "country", "mechanism", "period_start", "period_end",
               "ev_period_start", "ev_period_end", "ev_mechanism", "ev_country", "ev_tia"]
    return pd.DataFrame(found, columns=columns)
