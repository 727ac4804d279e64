"""When and how often a person is contacted: quiet hours, unknown time zones, frequency caps.

Every time rule is judged in the recipient's local time. The zone comes from,
in order: the zone the contacts table declares for the person (`declared`),
else the zones phonenumbers gives for the number (`number`); a number with
several zones (a US toll-free number, an Australian mobile) is judged in each
of them. When neither gives a zone the time rules stay silent and
`timezone_unknown` reports the delivery instead: never a silent guess.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from msgaudit.law import QuietRules, outside_allowed
from msgaudit.law.models import WEEKDAYS, MinuteOfDay, QuietProfile, Weekday, Window
from msgaudit.rules.checks import Params, check
from msgaudit.rules.checks.consent import consent_state
from msgaudit.rules.context import CheckContext

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _usable(zones: pd.Series) -> pd.Series:
    """True where the text is an IANA zone name this machine knows."""
    return zones.isin(_known_zones()).fillna(False).astype(bool)


def recipient_zones(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (delivery, zone): columns `row` (the delivery's index label), `zone`, `zone_source`.

    A declared zone wins over the number's zones; a declared name that is not an
    IANA zone counts as not declared. Deliveries with no zone are absent.
    """
    declared = rows["contact_time_zone"]
    has_declared = _usable(declared)
    from_decl = pd.DataFrame({"row": rows.index[has_declared.to_numpy()], "zone": declared[has_declared].to_numpy(),
                              "zone_source": "declared"})
    from_number = _split_zones(rows.loc[~has_declared.to_numpy(), "contact_zones"].dropna())
    from_number = from_number[_usable(from_number["zone"]).to_numpy()].assign(zone_source="number")
    out = pd.concat([from_decl, from_number], ignore_index=True)
    # In the order of a stable sort by (row position, zone), sorting integer codes rather than text.
    position = rows.index.get_indexer(out["row"])
    zone_rank = pd.factorize(out["zone"], sort=True)[0]
    return out.take(np.lexsort((zone_rank, position))).reset_index(drop=True)


def _split_zones(zones: pd.Series) -> pd.DataFrame:
    """Columns `row`, `zone`: each '|'-joined value split, splitting each distinct value once."""
    codes, distinct = pd.factorize(zones)
    parts = [str(v).split("|") for v in distinct]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    flat = np.array([z for p in parts for z in p], dtype=object)
    # Row i repeated once per part of its value; k-th repeat takes the value's k-th part.
    counts = sizes[codes]
    first_part = np.repeat((np.cumsum(sizes) - sizes)[codes], counts)
    kth = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return pd.DataFrame({"row": np.repeat(zones.index.to_numpy(), counts), "zone": flat[first_part + kth]})


def local_wall_clock(times: pd.Series, zones: pd.Series) -> pd.Series:
    """Naive local wall-clock times: each UTC instant converted in its own zone, one pass per distinct zone."""
    out = pd.Series(pd.NaT, index=times.index, dtype="datetime64[ns]")
    for zone, labels in times.groupby(zones, sort=True).groups.items():
        out.loc[labels] = times.loc[labels].dt.tz_convert(str(zone)).dt.tz_localize(None).to_numpy()
    return out


def local_iso(utc: pd.Series, local: pd.Series) -> pd.Series:
    """ISO 8601 local times with their UTC offset (2024-05-01T03:30:00-04:00), from the UTC instants and wall clocks."""
    minutes = ((local - utc.dt.tz_localize(None)) // pd.Timedelta(minutes=1)).astype(int)
    codes, offsets = pd.factorize(minutes)
    labels = np.array([f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in offsets], dtype=object)
    # strftime, not astype(str): the latter drops the time when every value is at midnight.
    wall = local.dt.strftime("%Y-%m-%dT%H:%M:%S")
    return wall + pd.Series(labels[codes], index=local.index)


def _join(values: pd.Series, by: pd.Series) -> pd.Series:
    """'|'-join the values of each group, keeping their order (string sum is vectorised; a join per group is not)."""
    return (values.astype(str) + "|").groupby(by, sort=False).sum().str[:-1]


# --- quiet_hours -------------------------------------------------------------------------------

class AllowedWindow(Params):
    days: tuple[Weekday, ...] = Field(default=WEEKDAYS, min_length=1)
    start: MinuteOfDay = Field(alias="from")
    end: MinuteOfDay = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> "AllowedWindow":
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from' (a window cannot cross midnight: split it in two)")
        return self


class QuietHoursParams(Params):
    profile: str | None = Field(default=None, description="A profile name in rules/reference/quiet_hours.yaml")
    allowed: tuple[AllowedWindow, ...] | None = Field(default=None, min_length=1)
    holidays: str | None = Field(default=None, description="Holiday calendar in quiet_hours.yaml (e.g. fr)")
    regions: tuple[str, ...] = ()
    apply_to_messaging: bool | None = None
    unless_consent: str | None = Field(default=None, description="Purpose whose consent in force exempts the delivery")
    only_consent: str | None = Field(default=None, description="Purpose whose consent in force the delivery must have")

    @model_validator(mode="after")
    def _one_source(self) -> "QuietHoursParams":
        if (self.profile is None) == (self.allowed is None):
            raise ValueError("give either 'profile' (a quiet_hours.yaml profile) or 'allowed' (inline windows)")
        if self.unless_consent is not None and self.only_consent is not None:
            raise ValueError("give at most one of 'unless_consent' and 'only_consent'")
        return self


def _rules(ctx: CheckContext, p: QuietHoursParams) -> QuietRules:
    if p.profile is not None:
        rules = ctx.reference.quiet_profile(p.profile)
    else:
        windows = tuple(Window(days=w.days, start=_clock(w.start), end=_clock(w.end)) for w in p.allowed or ())
        profile = QuietProfile(title="Rule's own allowed hours", windows=windows, applies_to_messaging=True,
                               source=("RULE",))
        rules = QuietRules(name="inline", profile=profile, calendar=None)
    if p.holidays is not None:
        try:
            calendar = ctx.reference.quiet.holiday_calendars[p.holidays]
        except KeyError:
            raise ValueError(f"unknown holiday calendar {p.holidays!r}; quiet_hours.yaml has "
                             f"{', '.join(ctx.reference.quiet.holiday_calendars)}") from None
        rules = QuietRules(name=rules.name, profile=rules.profile, calendar=calendar)
    return rules


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_span(days: tuple[int, ...]) -> str:
    ordered = sorted(set(days))
    if len(ordered) == 7:
        return "every day"
    runs: list[list[int]] = []
    for d in ordered:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(_DAY_NAMES[r[0]] if len(r) == 1 else f"{_DAY_NAMES[r[0]]}–{_DAY_NAMES[r[-1]]}" for r in runs)


def describe_allowed(rules: QuietRules) -> str:
    """Human text of the allowed windows: "Mon–Fri 10:00–13:00, 14:00–20:00; not on public holidays (fr)"."""
    by_days: dict[tuple[int, ...], list[str]] = {}
    for w in rules.profile.windows:
        by_days.setdefault(tuple(sorted(w.day_numbers)), []).append(f"{_clock(w.start)}–{_clock(w.end)}")
    text = "; ".join(f"{_day_span(days)} {', '.join(spans)}" for days, spans in by_days.items())
    if rules.calendar is not None:
        text += f"; not on public holidays ({rules.calendar.title})"
    return text


def _in_regions(rows: pd.DataFrame, regions: tuple[str, ...]) -> pd.DataFrame:
    if not regions:
        return rows
    return rows[rows["contact_region"].isin([r.upper() for r in regions]).fillna(False).to_numpy(dtype=bool)]


def _in_area_codes(rows: pd.DataFrame, area_codes: tuple[str, ...]) -> pd.DataFrame:
    """Deliveries to North American numbers (+1) with one of these area codes; all rows when none are given."""
    if not area_codes:
        return rows
    phone = rows["contact_phone"].astype("string")
    wanted = phone.str.startswith("+1") & phone.str.slice(2, 5).isin(list(area_codes))
    return rows[wanted.fillna(False).to_numpy(dtype=bool)]


@check("quiet_hours", QuietHoursParams, applies_to=("deliveries",))
def quiet_hours(ctx: CheckContext, rows: pd.DataFrame, p: QuietHoursParams) -> pd.DataFrame:
    """Flag deliveries sent outside the allowed hours in the recipient's local time.

    Parameters:
    - `profile`: a profile of rules/reference/quiet_hours.yaml (us-tcpa,
      fr-d223-9, organisation); its windows, holiday calendar and days in force
      apply. Or
    - `allowed`: inline windows, e.g. `[{days: [mon, tue, wed, thu, fri],
      from: "10:00", to: "13:00"}]`; `from` is inclusive, `to` exclusive,
      `days` defaults to every day. Give exactly one of `profile`, `allowed`.
    - `holidays`: a holiday calendar of quiet_hours.yaml (e.g. `fr`): no
      contact on those local days. Replaces the profile's own calendar.
    - `regions`: phone regions the rule covers, e.g. `[US]`; empty = everyone.
    - `apply_to_messaging`: a profile marked `applies_to_messaging: false`
      (calls only) flags nothing unless this is `true`; null follows the profile.
    - `unless_consent`: a purpose (e.g. `marketing`); deliveries with that
      consent in force for the message's channel at the send time are exempt
      (the `consent` check's as-of lookup).
    - `only_consent`: a purpose; the rule covers only deliveries WITH that
      consent in force (the complement of `unless_consent`, for a rule whose
      severity differs when the person agreed).

    A profile with `area_codes` (a US state's numbers) covers only +1
    numbers with one of those area codes.

    Local time: the contact's declared zone, else each zone of the number.
    A number with several zones is flagged when the time is outside the
    allowed hours in ANY of them. Deliveries with no zone are not flagged
    here (see `timezone_unknown`).

    Evidence: `local_time` (ISO with offset), `time_zone`, `zone_source`
    (declared or number), `allowed`; with several zones, the zones where the
    time was outside, '|'-joined. Message fields: `local_time`, `time_zone`.
    """
    rules = _rules(ctx, p)
    applies = rules.profile.applies_to_messaging if p.apply_to_messaging is None else p.apply_to_messaging
    scope = _in_area_codes(_in_regions(rows, p.regions), rules.profile.area_codes) if applies else rows.iloc[:0]
    purpose = p.unless_consent or p.only_consent
    if purpose is not None and len(scope):
        state = consent_state(ctx.tables.consent_events, scope, purpose=purpose, channel="message")
        granted = state["outcome"].eq("granted").to_numpy(dtype=bool)
        scope = scope[granted if p.only_consent is not None else ~granted]
    zones = recipient_zones(scope)
    if zones.empty:
        return rows.iloc[:0, :0]
    times = scope["timestamp"].reindex(zones["row"]).set_axis(zones.index)
    local = local_wall_clock(times, zones["zone"])
    outside = outside_allowed(local, rules).to_numpy(dtype=bool)
    hit = zones[outside]
    if hit.empty:
        return rows.iloc[:0, :0]
    iso = local_iso(times[outside], local[outside])
    out = pd.DataFrame({"ev_local_time": _join(iso, hit["row"]), "ev_time_zone": _join(hit["zone"], hit["row"]),
                        "ev_zone_source": hit.groupby("row", sort=False)["zone_source"].first()})
    out["ev_allowed"] = describe_allowed(rules)
    out["local_time"] = out["ev_local_time"].str.slice(0, 16).str.replace("T", " ", regex=False)
    out["time_zone"] = out["ev_time_zone"]
    out.index.name = None
    return out


# --- timezone_unknown ------------------------------------------------------------------------------

class TimezoneUnknownParams(Params):
    regions: tuple[str, ...] = ()


@check("timezone_unknown", TimezoneUnknownParams, applies_to=("deliveries",))
def timezone_unknown(ctx: CheckContext, rows: pd.DataFrame, p: TimezoneUnknownParams) -> pd.DataFrame:
    """Flag deliveries whose recipient's local time cannot be known, so a time rule could not judge them.

    Parameters:
    - `regions`: phone regions to cover, as in `quiet_hours`; empty = every
      delivery (including people with no phone number at all, such as group
      members known only by name).

    A zone is known when the contact declares an IANA zone or phonenumbers
    gives one for the number. Evidence: `zone_source` (always "unknown") and
    `reason`.
    """
    scope = _in_regions(rows, p.regions)
    known = pd.Index(recipient_zones(scope)["row"].unique())
    missing = scope[~scope.index.isin(known)]
    if missing.empty:
        return rows.iloc[:0, :0]
    declared = missing["contact_time_zone"]
    declared = declared.where(declared.fillna("").astype(str).str.strip() != "")
    said = np.where(declared.notna(), "declared time zone " + declared.fillna("").astype(str).map(repr)
                    + " is not an IANA zone", "no declared time zone")
    number = np.where(missing["contact_phone"].isna(), "no phone number",
                      "phonenumbers gives no time zone for the number")
    reason = pd.Series(said, index=missing.index) + "; " + number
    return pd.DataFrame({"ev_zone_source": "unknown", "ev_reason": reason}, index=missing.index)


# --- frequency_cap -------------------------------------------------------------------------------------

class FrequencyCapParams(Params):
    max: int = Field(default=4, ge=0, description="Deliveries allowed per window")
    days: int = Field(default=30, gt=0, description="Window length in days")
    calendar: bool = Field(default=False, description="Count local calendar days instead of a rolling 24 h × days")


def _ns(times: pd.Series) -> np.ndarray:
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return times.dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").astype(np.int64)


def window_counts(groups: np.ndarray, keys: pd.Series, span: pd.Timedelta) -> np.ndarray:
    """For rows sorted by (group, key): how many rows of the same group, up to and including this one,
    have a key in (key − span, key].

    One lexicographic sort of the rows together with their window bounds: a
    bound placed after the rows equal to it sees, in a running count, every
    row of its group at or before the bound, which are the rows left out.
    """
    n = len(groups)
    key = _ns(keys)
    first = np.r_[True, groups[1:] != groups[:-1]][:n]
    start_of = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    value = np.concatenate([key, key - span.value])
    kind = np.r_[np.zeros(n, dtype=np.int8), np.ones(n, dtype=np.int8)]
    order = np.lexsort((kind, value, np.concatenate([groups, groups])))
    rows_so_far = np.cumsum(kind[order] == 0)
    where = np.empty(2 * n, dtype=np.int64)
    where[order] = np.arange(2 * n)
    left_out = rows_so_far[where[n:]] - start_of
    return (np.arange(n) - start_of + 1) - left_out


def _calendar_zone(rows: pd.DataFrame, ctx: CheckContext) -> pd.Series:
    """One zone per delivery for counting calendar days.

    The declared zone; else the number's zone, and when it has several, the
    organisation's zone if it is one of them, else the first by name; else the
    organisation's zone (UTC without an inventory).
    """
    home = ctx.organisation.timezone if ctx.organisation is not None else "UTC"
    declared = rows["contact_time_zone"].where(_usable(rows["contact_time_zone"]))
    codes, distinct = pd.factorize(rows["contact_zones"])
    known = _known_zones()
    picks = [home if home in zs else next((z for z in zs if z in known), None)
             for zs in (str(v).split("|") for v in distinct)]
    number = pd.Series(np.array(picks + [None], dtype=object)[codes], index=rows.index)
    return declared.fillna(number).fillna(home).astype(str)


def _cap_order(d: pd.DataFrame) -> np.ndarray:
    """Positions in the order of `d.sort_values(["contact", "_key", "timestamp", "message_id"], kind="stable")`.

    Contacts by their sorted codes and times as integers; message ids, text and slow to sort, are
    compared only among rows equal on the other three, which are few.
    """
    by = ["contact", "_key", "timestamp", "message_id"]
    times = [d["_key"], d["timestamp"]]
    if any(not pd.api.types.is_datetime64_any_dtype(t.dtype) or t.isna().any() for t in times):
        return d.reset_index(drop=True).sort_values(by, kind="stable").index.to_numpy()
    contact = pd.factorize(d["contact"], sort=True)[0]
    ints = [t.array.asi8 for t in times]
    order = np.lexsort((ints[1], ints[0], contact))
    keys = np.stack([contact[order], ints[0][order], ints[1][order]])
    same = (keys[:, 1:] == keys[:, :-1]).all(axis=0)
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        # Tied rows keep their slots (grouped and in order); within them, the full stable sort.
        sub = order[tied]
        order[tied] = sub[d[by].iloc[sub].reset_index(drop=True).sort_values(by, kind="stable").index.to_numpy()]
    return order


@check("frequency_cap", FrequencyCapParams, applies_to=("deliveries",))
def frequency_cap(ctx: CheckContext, rows: pd.DataFrame, p: FrequencyCapParams) -> pd.DataFrame:
    """Flag every delivery to a person beyond `max` within `days` days.

    Parameters:
    - `max` (default 4): deliveries allowed in one window; the (max+1)-th and
      every later one inside a window are flagged.
    - `days` (default 30): window length.
    - `calendar` (default false): false counts a rolling window, the
      deliveries in (T − days × 24 h, T] for a delivery at T; true counts
      the recipient's local calendar days D−days+1 … D (zone: declared, else
      the number's zone, preferring the organisation's zone when the number
      has several, else the organisation's zone).

    Only the rows the rule's `where` selects are counted (so a marketing cap
    counts marketing only). Deliveries at the same instant are ordered by
    message id. Evidence: `count_in_window` (this delivery's rank in its
    window) and `window_start` (rolling: the exclusive start instant;
    calendar: the first local day).
    """
    d = rows.loc[rows["contact"].notna(), ["contact", "timestamp", "message_id"]].copy()
    if d.empty:
        return rows.iloc[:0, :0]
    if p.calendar:
        zone = _calendar_zone(rows.loc[d.index], ctx)
        d["_key"] = local_wall_clock(d["timestamp"], zone).dt.normalize()
    else:
        d["_key"] = d["timestamp"]
    span = pd.Timedelta(days=p.days)
    d = d.iloc[_cap_order(d)]
    d["count"] = window_counts(pd.factorize(d["contact"])[0], d["_key"], span)
    over = d[d["count"] > p.max]
    if over.empty:
        return rows.iloc[:0, :0]
    if p.calendar:
        start = (over["_key"] - span + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    else:
        start = (over["_key"] - span).dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    out = pd.DataFrame({"ev_count_in_window": over["count"], "ev_window_start": start}, index=over.index)
    return out.loc[rows.index.intersection(out.index)]
