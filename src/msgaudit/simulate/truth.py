"""Ground truth: what the simulated world violates, rule by rule, from the simulator's own state.

This reads the world the behaviour built (who consented when, who said STOP,
each person's real zones, which systems claim what) and applies the rule
catalogue's definitions to it. It never imports the rule engine or the law
module: the dates below are facts of the world being simulated. Where a rule's
wording leaves a choice open, the choice is written next to the rule.

Rows: `rule_id, message_id, contact, system` — message_id empty for contact-,
system- and organisation-level rules, contact empty for group messages and
systems, system empty except for TRANSFER- and SPECIAL-003 rows.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from msgaudit.simulate.behaviour import french_holidays
from msgaudit.simulate.texts import REVIEW
from msgaudit.simulate.model import World
from msgaudit.simulate.people import FLORIDA_AREA_CODES

PRIVACY_SHIELD = (date(2016, 7, 12), date(2020, 7, 15))
SAFE_HARBOR_END = date(2015, 10, 5)
SCC2010_NEW_UNTIL, SCC2010_END = date(2021, 9, 26), date(2022, 12, 27)
SCHREMS_II = date(2020, 7, 16)
DPF_FROM = date(2023, 7, 10)
US_MARKETING_BLOCK = pd.Timestamp("2025-04-01", tz="UTC")
FR_DECREE = date(2023, 3, 1)
FLORIDA_8PM = pd.Timestamp("2021-07-01", tz="America/New_York")  # Fla. Stat. 501.616(6)(a) as amended in 2021
# Adequacy decisions in force (first day, last day or None); the EEA needs none.
ADEQUACY = {"CH": (date(2000, 7, 26), None), "JP": (date(2019, 1, 23), None), "KR": (date(2021, 12, 17), None),
            "GB": (date(2021, 6, 28), date(2031, 12, 27)), "BR": (date(2026, 1, 26), None),
            "IL": (date(2011, 1, 31), None), "NZ": (date(2012, 12, 19), None), "CA": (date(2001, 12, 20), None)}
EEA = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
       "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"}
MEMBERS = ("member", "former-member", "regular-contact")
# A grant collected so is no consent (GDPR Art. 4(11), recital 32; C-673/17 Planet49).
INVALID_METHODS = ("prechecked", "implied")
# Withdrawals of these purposes end only that purpose; any other withdraws the person from the channel.
PURPOSE_ONLY = ("marketing", "newsletter", "profiling")
# The opposition register covers calls and paper mail (Codice art. 130(3-bis)), never messaging.
RPO_CHANNELS = ("phone", "voice", "call", "post", "mail")
REPLY_HOURS = 24
COLUMNS = ["rule_id", "message_id", "contact", "system"]


def deliveries(world: World) -> pd.DataFrame:
    """One row per outbound message and recipient; a group notice reaches every member who wrote in the group."""
    m, p = world.messages, world.people
    out = m[m["direction"] == "outbound"]
    single = out[out["conversation"] == "individual"].copy()
    single["contact"] = p["phone"].to_numpy()[single["pid"].to_numpy()]
    group = out[out["conversation"] == "group"].drop(columns="pid")
    wrote = m[(m["conversation"] == "group") & (m["direction"] == "inbound") & (m["kind"] != "system")]
    roster = world.group_members[world.group_members["author"].isin(set(wrote["author"]))] if len(group) else world.group_members
    expanded = group.merge(roster[["pid", "contact"]], how="cross") if len(group) else group.assign(contact=None, pid=-1)
    d = pd.concat([single, expanded], ignore_index=True)
    known = d["pid"].to_numpy() >= 0
    pidx = np.maximum(d["pid"].to_numpy(), 0)
    for col in ("phone", "region", "valid", "number_type", "relationship", "in_contacts", "declared_tz", "zones"):
        values = p[col].to_numpy()[pidx].astype(object)
        d[col] = np.where(known, values, None)
    d["in_contacts"] = d["in_contacts"].fillna(False).astype(bool)
    d["valid"] = d["valid"].astype(object)
    d["effective_zones"] = np.where(pd.notna(d["declared_tz"]), d["declared_tz"], d["zones"])
    d.loc[d["effective_zones"].fillna("") == "", "effective_zones"] = None
    return d.reset_index(drop=True)


def _asof(rows: pd.DataFrame, right: pd.DataFrame, direction: str = "backward", exact: bool = True) -> pd.DataFrame:
    """As-of join on (ck, t): `right` must hold int `ck` and UTC `t`; the result is aligned on rows.index."""
    left = pd.DataFrame({"ck": rows["ck"].to_numpy(np.int64), "t": pd.DatetimeIndex(rows["t"]), "_row": np.arange(len(rows))})
    left = left.sort_values("t", kind="stable")
    joined = pd.merge_asof(left, right.sort_values("t", kind="stable"), on="t", by="ck", direction=direction,
                           allow_exact_matches=exact)
    return joined.set_index("_row").sort_index().drop(columns=["ck", "t"]).set_axis(rows.index)


def _events(events: pd.DataFrame, keys: pd.Index) -> pd.DataFrame:
    """Consent events keyed for `_asof`; within one second a withdrawal sorts after (and so beats) a grant."""
    ev = pd.DataFrame({"ck": keys.get_indexer(events["phone"]).astype(np.int64), "t": pd.DatetimeIndex(events["t"]),
                       "status": events["status"].to_numpy(), "_w": (events["status"] == "withdrawn").to_numpy(int),
                       "proven": events["evidence"].fillna("").str.strip().ne("").to_numpy()})
    ev = ev.sort_values(["t", "_w"], kind="stable").drop(columns="_w")
    ev["at"] = ev["t"]
    return ev


def consent_state(events: pd.DataFrame, rows: pd.DataFrame, keys: pd.Index) -> pd.DataFrame:
    """`status`, `at` and `proven` of the latest event at or before each row, `next` grant strictly after it."""
    ev = _events(events, keys)
    out = _asof(rows, ev)[["status", "at", "proven"]]
    grants = ev[ev["status"] == "granted"].rename(columns={"at": "next"})[["ck", "t", "next"]]
    out["next"] = _asof(rows, grants, direction="forward", exact=False)["next"]
    return out


def marketing_events(world: World) -> pd.DataFrame:
    """Marketing events valid for WhatsApp; a grant by an invalid method has status `invalid`."""
    c = world.consents
    c = c[(c["purpose"] == "marketing") & c["channel"].isin(["whatsapp", "any"])]
    invalid = c["status"].eq("granted") & c["method"].fillna("").str.lower().isin(INVALID_METHODS)
    return c.assign(status=c["status"].where(~invalid, "invalid"))


def _reply_to_person(d: pd.DataFrame, inbound: pd.DataFrame, contact_of: np.ndarray, keys: pd.Index,
                     since: pd.Series) -> pd.Series:
    """Non-marketing deliveries within REPLY_HOURS of a message the person wrote (same channel) after `since`."""
    if inbound.empty:
        return pd.Series(False, index=d.index)
    right = pd.DataFrame({"ck": keys.get_indexer(contact_of[inbound["pid"].to_numpy()]).astype(np.int64),
                          "t": pd.DatetimeIndex(inbound["t"]), "chan": inbound["channel"].to_numpy()})
    last = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns, UTC]")
    for chan, part in right.groupby("chan", sort=True):
        rows = d[d["channel"] == chan]
        got = _asof(rows, part.assign(last=part["t"])[["ck", "t", "last"]])["last"]
        last.loc[rows.index] = pd.to_datetime(got, utc=True)
    t = pd.to_datetime(d["t"], utc=True)
    return (last > since) & (t - last <= pd.Timedelta(hours=REPLY_HOURS)) & d["category"].ne("marketing")


def _channel_withdrawn(world: World, d: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """The withdrawal from the delivery's channel in force at it (NaT where none): a withdrawn event of a purpose
    not in PURPOSE_ONLY on that channel or any, not ended by a newer valid grant of some purpose there."""
    c = world.consents
    since = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns, UTC]")
    w = c[c["status"].eq("withdrawn") & ~c["purpose"].isin(PURPOSE_ONLY)]
    for chan in sorted(set(d["channel"].dropna())):
        rows = d[d["channel"] == chan]
        mine = w[w["channel"].isin([chan, "any", "all"])]
        if mine.empty or rows.empty:
            continue
        right = pd.DataFrame({"ck": keys.get_indexer(mine["phone"]).astype(np.int64), "t": pd.DatetimeIndex(mine["t"])})
        got = pd.to_datetime(_asof(rows, right.assign(w=right["t"]))["w"], utc=True)
        ended = pd.Series(False, index=rows.index)
        here = c[c["channel"].isin([chan, "any", "all"])]
        for _, ev in here.groupby("purpose", sort=True):
            invalid = ev["status"].eq("granted") & ev["method"].fillna("").str.lower().isin(INVALID_METHODS)
            latest = _asof(rows, _events(ev.assign(status=ev["status"].where(~invalid, "invalid")), keys))
            ended |= latest["status"].eq("granted") & (pd.to_datetime(latest["at"], utc=True) > got)
        since.loc[rows.index] = got.where(~ended)
    return since


def whatsapp_agreement(world: World, rows: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """Some purpose's latest WhatsApp (or any-channel) event at or before the row is a grant."""
    c = world.consents[world.consents["channel"].isin(["whatsapp", "any"])]
    agreed = pd.Series(False, index=rows.index)
    for _, ev in c.groupby("purpose", sort=True):
        agreed |= _asof(rows, _events(ev, keys))["status"].eq("granted")
    return agreed


def whatsapp_on_record(world: World, rows: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """Some WhatsApp (or any-channel) event, grant or withdrawal, at or before the row: CONSENT-006 is only for
    people who never agreed (or agreed later); a withdrawal is OPTOUT-006's or its own purpose's."""
    c = world.consents[world.consents["channel"].isin(["whatsapp", "any"])]
    return _asof(rows, _events(c, keys))["status"].notna()


def _local_outside(rows: pd.DataFrame, allowed) -> pd.Series:
    """Outside the allowed local hours in ANY of the recipient's zones (declared zone, else the number's)."""
    hit = np.zeros(len(rows), dtype=bool)
    codes, sets = pd.factorize(rows["effective_zones"])
    times = pd.DatetimeIndex(rows["t"])
    for i, zone_set in enumerate(sets):
        sel = codes == i
        for zone in str(zone_set).split("|"):
            hit[sel] |= ~allowed(times[sel].tz_convert(zone))
    return pd.Series(hit, index=rows.index)


def _general_hours(local: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((local.hour >= 8) & (local.hour < 21))


def _florida_hours(local: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray((local.hour >= 8) & (local.hour < 20))


def _fr_hours(holidays: set[date]):
    days = pd.DatetimeIndex(sorted(pd.Timestamp(h) for h in holidays))

    def allowed(local: pd.DatetimeIndex) -> np.ndarray:
        minutes = local.hour * 60 + local.minute + local.second / 60
        in_window = ((minutes >= 600) & (minutes < 780)) | ((minutes >= 840) & (minutes < 1200))
        holiday = local.tz_localize(None).normalize().isin(days)
        return np.asarray(in_window & (local.day_of_week < 5) & ~holiday)
    return allowed


def _after_optout(d: pd.DataFrame, optouts: pd.DataFrame, keys: pd.Index, grant_at: pd.Series,
                  confirmation_minutes: float = 0) -> pd.Series:
    """In force at each delivery: the latest opt-out (contact, since) at or before it, not ended by a newer marketing grant.

    With `confirmation_minutes`, the first delivery to the person at or after the
    opt-out is allowed when it is sent within that many minutes (the confirmation).
    """
    if optouts.empty or d.empty:
        return pd.Series(False, index=d.index)
    right = pd.DataFrame({"ck": keys.get_indexer(optouts["contact"]).astype(np.int64),
                          "t": pd.DatetimeIndex(optouts["since"]).tz_convert("UTC")})
    right["since"] = right["t"]
    since = pd.to_datetime(_asof(d, right)["since"], utc=True)
    bad = since.notna() & ~(grant_at.notna() & (grant_at > since))
    if confirmation_minutes:
        ordered = d.sort_values(["t", "mid"], kind="stable")
        first = _asof(right.assign(_i=np.arange(len(right))), ordered[["ck", "t", "mid"]], direction="forward")
        near = (pd.to_datetime(d["t"], utc=True) - since).dt.total_seconds() <= confirmation_minutes * 60
        bad &= ~(d["mid"].isin(set(first["mid"].dropna())) & near)
    return bad


def _rolling_over(d: pd.DataFrame, cap: int, days: int) -> pd.Series:
    """Deliveries that are beyond `cap` within (T - days, T] for their contact, ordered by time then id."""
    s = d[["contact", "t", "mid"]].sort_values(["contact", "t", "mid"], kind="stable")
    code = pd.factorize(s["contact"])[0].astype(np.int64)
    seconds = (s["t"].dt.tz_convert(None) - pd.Timestamp("2000-01-01")).dt.total_seconds().to_numpy().astype(np.int64)
    key = code * 10**10 + seconds
    first_in = np.searchsorted(key, key - days * 86_400, side="right")
    count = np.arange(len(key)) - first_in + 1
    return pd.Series(count > cap, index=s.index).reindex(d.index)


def label(world: World) -> pd.DataFrame:
    d = deliveries(world)
    rows: list[pd.DataFrame] = []

    def emit(rule: str, sel: pd.Series | np.ndarray, frame: pd.DataFrame = d, message: bool = True) -> None:
        hit = frame[np.asarray(sel, dtype=bool)]
        if len(hit):
            rows.append(pd.DataFrame({"rule_id": rule, "message_id": hit["mid"].to_numpy() if message else "",
                                      "contact": hit["contact"].fillna("").to_numpy(), "system": ""}))

    marketing = d["category"].eq("marketing")
    whatsapp = d["channel"].eq("whatsapp")
    not_system = d["kind"].ne("system")
    codes, uniques = pd.factorize(d["contact"].fillna(""))
    keys = pd.Index(uniques)
    d["ck"] = codes.astype(np.int64)
    mk_state = consent_state(marketing_events(world), d, keys)
    state = pd.Series(np.where(mk_state["status"].notna(), mk_state["status"],
                               np.where(mk_state["next"].notna(), "not_yet", "missing")), index=d.index)
    grant_at = pd.to_datetime(mk_state["at"], utc=True).where(mk_state["status"] == "granted")
    agreed = whatsapp_agreement(world, d, keys)
    emit("CONSENT-001", marketing & state.eq("missing"))
    emit("CONSENT-002", marketing & state.eq("not_yet"))
    emit("CONSENT-003", marketing & state.eq("withdrawn"))
    emit("CONSENT-008", marketing & state.eq("granted") & mk_state["proven"].eq(False))
    emit("CONSENT-011", marketing & state.eq("invalid"))
    emit("CONSENT-006", whatsapp & ~marketing & not_system & ~whatsapp_on_record(world, d, keys), message=False)  # one per person
    emit("TEMPLATE-003", d["is_template"].astype(bool) & ~agreed)
    emit("TEMPLATE-002", marketing & d["contact"].fillna("").str.startswith("+1") & (d["t"] >= US_MARKETING_BLOCK))

    c = world.consents.assign(contact=world.consents["phone"], mid="")
    granted = c["status"].eq("granted")
    emit("CONSENT-004", granted & c["evidence"].fillna("").str.strip().eq(""), c, message=False)
    emit("CONSENT-005", granted & c["method"].fillna("").str.lower().isin(["prechecked", "implied"]), c, message=False)
    emit("CONSENT-007", granted & c["channel"].isin(["whatsapp", "any"]) & c["business_name"].fillna("").eq(""), c,
         message=False)

    m = world.messages
    inbound = m[(m["direction"] == "inbound") & (m["conversation"] == "individual")]
    contact_of = world.people["phone"].to_numpy()
    keyword = inbound[inbound["optout"].astype(bool)]
    keyword = pd.DataFrame({"contact": contact_of[keyword["pid"].to_numpy()], "since": pd.DatetimeIndex(keyword["t"])})
    not_auth = d["category"].ne("authentication") & not_system
    emit("OPTOUT-001", not_auth & _after_optout(d, keyword, keys, grant_at, confirmation_minutes=5))
    o = world.optouts
    listed = o[o["kind"].isin(["do-not-contact", "block"])].rename(columns={"phone": "contact"})
    dm = d[marketing]
    emit("OPTOUT-002", d.index.isin(dm.index[_after_optout(dm, listed, keys, grant_at[marketing]).to_numpy()]))
    prefs = world.preferences.rename(columns={"phone": "contact", "t": "since"})
    emit("OPTOUT-003", d.index.isin(dm.index[_after_optout(dm, prefs, keys, grant_at[marketing]).to_numpy()]))
    looks = inbound[inbound["looks_like"].astype(bool)]
    looks = pd.DataFrame({"contact": contact_of[looks["pid"].to_numpy()], "since": pd.DatetimeIndex(looks["t"])})
    emit("OPTOUT-004", d.index.isin(dm.index[_after_optout(dm, looks, keys, grant_at[marketing]).to_numpy()]))
    registry = o[o["kind"] == "national-registry"].rename(columns={"phone": "contact"})
    registered = d.index.isin(dm.index[_after_optout(dm, registry, keys, grant_at[marketing]).to_numpy()])
    emit("OPTOUT-005", registered & d["region"].eq("IT") & state.ne("granted") & d["channel"].isin(RPO_CHANNELS))
    review_texts = {t for texts_ in REVIEW.values() for t in texts_}
    review = inbound[inbound["body"].isin(review_texts)]
    review = pd.DataFrame({"contact": contact_of[review["pid"].to_numpy()], "since": pd.DatetimeIndex(review["t"])})
    emit("OPTOUT-007", d.index.isin(dm.index[_after_optout(dm, review, keys, grant_at[marketing]).to_numpy()]))
    withdrawn = _channel_withdrawn(world, d, keys)
    replied = _reply_to_person(d, inbound, contact_of, keys, withdrawn)
    emit("OPTOUT-006", not_auth & withdrawn.notna() & ~replied)

    # A chat export's lines never went through the platform, whatever their text says.
    emit("WINDOW-001", whatsapp & ~d["is_template"].astype(bool) & d["category"].ne("unknown") & d["source"].ne("chat")
         & _window_closed(d, inbound, contact_of, keys))

    holidays = french_holidays(d["t"].min().date() - timedelta(days=2), d["t"].max().date() + timedelta(days=2)) if len(d) else set()
    us_night = marketing & not_system & d["region"].eq("US") & _local_outside(d, _general_hours)
    emit("TIMING-001", us_night & state.ne("granted"))
    emit("TIMING-006", us_night & state.eq("granted"))
    florida = marketing & not_system & d["contact"].fillna("").str.slice(2, 5).isin(FLORIDA_AREA_CODES) \
        & d["contact"].fillna("").str.startswith("+1") & state.ne("granted") & (d["t"] >= FLORIDA_8PM)
    emit("TIMING-007", florida & _local_outside(d, _florida_hours))
    fr = marketing & not_system & d["region"].eq("FR") & state.ne("granted")
    fr_local_ok = fr & (d["t"] >= pd.Timestamp(FR_DECREE, tz="Europe/Paris"))
    emit("TIMING-002", fr_local_ok & _local_outside(d, _fr_hours(holidays)))
    emit("TIMING-003", not_system & _local_outside(d, _general_hours))
    emit("TIMING-004", not_system & d["effective_zones"].isna())
    mk = d[marketing & not_system & d["contact"].notna()]
    emit("TIMING-005", d.index.isin(mk.index[_rolling_over(mk, 4, 30).to_numpy()]))

    emit("QUALITY-001", d["phone"].notna() & d["valid"].eq(False))
    emit("QUALITY-002", whatsapp & d["valid"].eq(True) & ~d["number_type"].isin(["mobile", "fixed_line_or_mobile"]))
    people = world.people[world.people["in_contacts"]]
    unconsented = people[~people["phone"].isin(set(world.consents["phone"]))]
    emit("QUALITY-003", np.ones(len(unconsented), dtype=bool), unconsented.assign(contact=unconsented["phone"], mid=""),
         message=False)
    emit("QUALITY-004", ~d["in_contacts"])

    org = world.organisation
    if org.aim in ("political", "religious", "philosophical", "trade-union") and org.art9_condition in (None, "none"):
        rows.append(pd.DataFrame({"rule_id": ["SPECIAL-001"], "message_id": [""], "contact": [""], "system": [""]}))
    if org.art9_condition == "9.2.d":
        emit("SPECIAL-002", ~d["relationship"].isin(MEMBERS))
        # A processor is not a third party (Art. 4(10)); another controller receiving the data is.
        third = [s.name for s in world.systems if s.role in ("controller", "joint-controller")
                 and s.operator.strip().casefold() not in ("", org.name.strip().casefold())]
        rows.append(pd.DataFrame({"rule_id": "SPECIAL-003", "message_id": "", "contact": "", "system": third}))
    # One finding per group (the simulated world has one), on the first message the organisation sent to it.
    group_out = m[(m["conversation"] == "group") & (m["direction"] == "outbound")].sort_values("t", kind="stable")
    emit("SPECIAL-004", np.ones(min(len(group_out), 1), dtype=bool), group_out.head(1).assign(contact=None),
         message=True)
    emit("SPECIAL-005", group_out["art9"].astype(bool), group_out.assign(contact=None), message=True)
    # Every marketing text the simulator writes (texts.GROUP_PROMOS) lacks an opt-out route; templates carry no text.
    sent = m[(m["direction"] == "outbound") & (m["kind"] != "system")]
    promo_text = sent["category"].eq("marketing") & sent["body"].fillna("").ne("")
    emit("CONSENT-015", promo_text, sent.assign(contact=None), message=True)
    rows.append(_transfers(world))
    found = [r for r in rows if len(r)]
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=COLUMNS)
    return out[COLUMNS].fillna("").drop_duplicates().sort_values(COLUMNS, kind="stable").reset_index(drop=True)


def _window_closed(d: pd.DataFrame, inbound: pd.DataFrame, contact_of: np.ndarray, keys: pd.Index) -> pd.Series:
    """No inbound WhatsApp message from the person in the 24 hours up to the send."""
    right = pd.DataFrame({"ck": keys.get_indexer(contact_of[inbound["pid"].to_numpy()]).astype(np.int64),
                          "t": pd.DatetimeIndex(inbound["t"])})
    right["last_in"] = right["t"]
    last_in = pd.to_datetime(_asof(d, right)["last_in"], utc=True)
    return last_in.isna() | ((pd.to_datetime(d["t"], utc=True) - last_in) > pd.Timedelta(hours=24))


def _transfers(world: World) -> pd.DataFrame:
    """Per system, the TRANSFER- rules broken on some processing date (the UTC days its channels carried messages)."""
    m = world.messages
    out = []
    for s in world.systems:
        if s.country in EEA:
            continue
        if s.channels:
            days = [t.date() for t in m.loc[m["channel"].isin(s.channels), "t"].dt.floor("D").unique()]
        else:
            first = min(m["t"].min(), world.consents["t"].min()).date()
            last = max(m["t"].max(), world.consents["t"].max()).date()
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        broken: set[str] = set()
        for day in days:
            claim = next((c for c in sorted(s.claims, key=lambda c: c.start, reverse=True)
                          if c.start <= day and (c.end is None or day <= c.end)), None)
            rule = _judge(s.country, claim, day)
            if rule:
                broken.add(rule)
        out += [{"rule_id": r, "message_id": "", "contact": "", "system": s.name} for r in sorted(broken)]
    return pd.DataFrame(out, columns=COLUMNS)


def _adequate(country: str, day: date) -> bool:
    span = ADEQUACY.get(country)
    return span is not None and span[0] <= day and (span[1] is None or day <= span[1])


def _assessed(country: str, claim, day: date) -> str | None:
    """Valid clauses or BCRs: from Schrems II the exporter must also have assessed the destination's law."""
    unassessed = claim.tia is None or day < claim.tia
    return "TRANSFER-006" if day >= SCHREMS_II and unassessed and not _adequate(country, day) else None


def _judge(country: str, claim, day: date) -> str | None:
    mech = claim.mechanism if claim else "none"
    if mech == "none":
        return None if _adequate(country, day) else "TRANSFER-001"
    if mech == "derogation":
        return None if _adequate(country, day) else "TRANSFER-007"
    if mech in ("scc-2021", "bcr"):
        return _assessed(country, claim, day)
    if mech == "privacy-shield":
        return None if PRIVACY_SHIELD[0] <= day <= PRIVACY_SHIELD[1] else "TRANSFER-002"
    if mech == "safe-harbor":
        return None if day <= SAFE_HARBOR_END else "TRANSFER-002"
    if mech == "scc-2010":
        late = claim.signed is not None and claim.signed > SCC2010_NEW_UNTIL
        return "TRANSFER-003" if late or day > SCC2010_END else _assessed(country, claim, day)
    if mech == "dpf":
        return "TRANSFER-004" if not claim.certified or day < DPF_FROM else None
    if mech == "adequacy":
        if country == "US":
            return "TRANSFER-004"
        return None if _adequate(country, day) else "TRANSFER-005"
    return None
