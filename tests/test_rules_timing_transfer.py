"""Timing, transfer, data-quality and special-category rules: every inline case, then the checks' edge cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from msgaudit.inventory import Organisation
from msgaudit.law import load_reference
from msgaudit.rules.checks.timing import (
    FrequencyCapParams, QuietHoursParams, TimezoneUnknownParams, describe_allowed, frequency_cap, quiet_hours,
    timezone_unknown, window_counts,
)
from msgaudit.rules.checks.transfer import TransferParams, transfer_valid
from msgaudit.rules.context import CheckContext
from msgaudit.rules.loader import load_packs
from msgaudit.rules.prepare import prepare
from msgaudit.rules.testing import missing_cases, run_pack_tests
from msgaudit.tables import SPECS, Tables, conform

ROOT = Path(__file__).resolve().parents[1]
PACKS = [ROOT / "rules" / name for name in ("timing.yaml", "transfers.yaml", "data-quality.yaml",
                                             "special-categories.yaml")]
REFERENCE = load_reference()
LOADED = load_packs(PACKS)
RESULTS = run_pack_tests(LOADED, REFERENCE)


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.rule_id}:{r.case}" for r in RESULTS])
def test_inline_case(result: Any) -> None:
    assert result.ok, f"{result.where}: {result.detail}"


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    assert missing_cases(LOADED) == []


def test_packs_hold_the_catalogue_ids() -> None:
    ids = sorted(r.id for lp in LOADED for r in lp.pack.rules)
    expected = sorted([f"TIMING-00{i}" for i in range(1, 8)] + [f"TRANSFER-00{i}" for i in range(1, 8)]
                      + [f"QUALITY-00{i}" for i in range(1, 5)] + [f"SPECIAL-00{i}" for i in range(1, 5)])
    assert ids == expected


# --- helpers ---------------------------------------------------------------------------------------

def _ctx(as_of: str = "2026-11-25", organisation: dict[str, Any] | None = None, **tables: list[dict[str, Any]]) -> CheckContext:
    frames = {}
    for name, rows in tables.items():
        df = pd.DataFrame(rows)
        df["source"] = [f"{name}.csv:{i + 2}" for i in range(len(df))]
        if name == "contacts":
            df["contact_id"] = [f"c{i}" for i in range(len(df))]
        frames[name] = conform(df, SPECS[name])
    org = Organisation.model_validate({"name": "Associazione Esempio", **organisation}) if organisation else None
    return CheckContext(tables=prepare(Tables(**frames)), reference=REFERENCE, organisation=org,
                        as_of=pd.Timestamp(date.fromisoformat(as_of), tz="UTC") + pd.Timedelta(days=1))


def _out(message_id: str, ts: str, phone: str | None = "+12125551234", **extra: Any) -> dict[str, Any]:
    return {"message_id": message_id, "timestamp": ts, "direction": "outbound", "channel": "whatsapp",
            "counterpart": phone, "category": "marketing", **extra}


def _flag(ctx: CheckContext, func: Any, params: Any) -> pd.DataFrame:
    rows = ctx.tables.deliveries
    out = func(ctx, rows, params)
    return out.assign(message_id=rows.loc[out.index, "message_id"].to_numpy())


US = QuietHoursParams(profile="us-tcpa", regions=("US",))


# --- quiet_hours ------------------------------------------------------------------------------------

def test_dst_new_york_summer_and_winter() -> None:
    ctx = _ctx(messages=[_out("summer", "2025-07-01T07:30:00Z"), _out("winter", "2025-01-15T12:30:00Z"),
                         _out("winter-early", "2025-01-15T12:59:00Z"), _out("summer-ok", "2025-07-01T12:00:00Z")])
    out = _flag(ctx, quiet_hours, US).set_index("message_id")
    assert sorted(out.index) == ["summer", "winter", "winter-early"]
    assert out.loc["summer", "ev_local_time"] == "2025-07-01T03:30:00-04:00"
    assert out.loc["winter", "ev_local_time"] == "2025-01-15T07:30:00-05:00"
    assert out.loc["summer", "ev_time_zone"] == "America/New_York"
    assert out.loc["summer", "ev_zone_source"] == "number"
    assert out.loc["summer", "ev_allowed"] == "every day 08:00–21:00"
    assert out.loc["summer", "local_time"] == "2025-07-01 03:30"


def test_rome_spring_forward_uses_tz_convert() -> None:
    rules = QuietHoursParams(allowed=({"from": "08:00", "to": "21:00"},))
    # 2025-03-30 06:30Z is 08:30 CEST (after the change), 07:30 CET would be outside.
    ctx = _ctx(messages=[_out("after-change", "2025-03-30T06:30:00Z", "+393331234567"),
                         _out("before-change", "2025-03-29T06:30:00Z", "+393331234567")])
    out = _flag(ctx, quiet_hours, rules)
    assert out["message_id"].tolist() == ["before-change"]
    assert out["ev_time_zone"].iloc[0] == "Europe/Rome|Europe/Vatican"


def test_number_with_several_zones_is_judged_in_each() -> None:
    # A US toll-free number: 14:00Z is 10:00 in New York, 07:00 in Los Angeles, 04:00 in Honolulu.
    ctx = _ctx(messages=[_out("tf", "2025-07-01T14:00:00Z", "+18005551234")])
    out = _flag(ctx, quiet_hours, US)
    zones = out["ev_time_zone"].iloc[0].split("|")
    assert "Pacific/Honolulu" in zones and "America/Los_Angeles" in zones
    assert "America/New_York" not in zones
    assert len(out["ev_local_time"].iloc[0].split("|")) == len(zones)


def test_declared_zone_wins_and_a_bad_declared_zone_falls_back_to_the_number() -> None:
    ctx = _ctx(contacts=[{"display_name": "Giulia", "phone": "+12125551234", "time_zone": "Europe/Rome"},
                         {"display_name": "Pietro", "phone": "+12125559876", "time_zone": "Mars/Olympus"}],
               messages=[_out("g", "2025-07-01T20:00:00Z"), _out("p", "2025-07-01T20:00:00Z", "+12125559876")])
    out = _flag(ctx, quiet_hours, US).set_index("message_id")
    # 20:00Z is 22:00 in Rome (outside) and 16:00 in New York (inside).
    assert out.index.tolist() == ["g"]
    assert out.loc["g", "ev_zone_source"] == "declared"


def test_regions_limit_the_rule() -> None:
    ctx = _ctx(messages=[_out("it", "2025-07-01T02:00:00Z", "+393331234567")])
    assert _flag(ctx, quiet_hours, US).empty


def test_group_member_without_phone_is_left_to_timezone_unknown() -> None:
    ctx = _ctx(messages=[
        {"message_id": "grp", "timestamp": "2025-07-01T23:00:00Z", "direction": "outbound", "channel": "whatsapp",
         "conversation_id": "coro", "conversation_type": "group", "kind": "text", "category": "unknown"},
        {"message_id": "in1", "timestamp": "2025-07-01T20:00:00Z", "direction": "inbound", "channel": "whatsapp",
         "conversation_id": "coro", "conversation_type": "group", "counterpart_name": "Zia Concetta"},
        {"message_id": "in2", "timestamp": "2025-07-01T20:01:00Z", "direction": "inbound", "channel": "whatsapp",
         "conversation_id": "coro", "conversation_type": "group", "counterpart": "+393331234567",
         "counterpart_name": "Marco"},
    ])
    rows = ctx.tables.deliveries
    assert len(rows) == 2
    inline = QuietHoursParams(allowed=({"from": "08:00", "to": "21:00"},))
    flagged = quiet_hours(ctx, rows, inline)
    assert rows.loc[flagged.index, "contact"].tolist() == ["+393331234567"]
    unknown = timezone_unknown(ctx, rows, TimezoneUnknownParams())
    assert rows.loc[unknown.index, "contact"].tolist() == ["name:Zia Concetta"]
    assert unknown["ev_reason"].iloc[0] == "no declared time zone; no phone number"


def test_timezone_unknown_names_a_bad_declared_zone() -> None:
    ctx = _ctx(contacts=[{"display_name": "Ada", "time_zone": "Rome"}],
               messages=[{**_out("x", "2025-07-01T10:00:00Z", None), "counterpart_name": "Ada"}])
    out = timezone_unknown(ctx, ctx.tables.deliveries, TimezoneUnknownParams())
    assert len(out) == 1


def test_timezone_unknown_respects_regions() -> None:
    ctx = _ctx(messages=[{**_out("x", "2025-07-01T10:00:00Z", None), "counterpart_name": "Ada"}])
    assert timezone_unknown(ctx, ctx.tables.deliveries, TimezoneUnknownParams(regions=("US",))).empty
    assert len(timezone_unknown(ctx, ctx.tables.deliveries, TimezoneUnknownParams())) == 1


def test_france_easter_monday_and_in_force_date() -> None:
    fr = QuietHoursParams(profile="fr-d223-9", regions=("FR",), apply_to_messaging=True)
    ctx = _ctx(messages=[_out("easter-monday", "2024-04-01T10:00:00Z", "+33612345678"),
                         _out("tuesday", "2024-04-02T10:00:00Z", "+33612345678"),
                         _out("before-decree", "2023-02-25T10:00:00Z", "+33612345678"),
                         _out("ascension", "2024-05-09T10:00:00Z", "+33612345678"),
                         _out("13h", "2024-04-02T11:00:00Z", "+33612345678"),
                         _out("19h59", "2024-04-02T17:59:00Z", "+33612345678")])
    out = _flag(ctx, quiet_hours, fr)
    assert sorted(out["message_id"]) == ["13h", "ascension", "easter-monday"]
    assert out["ev_allowed"].iloc[0].startswith("Mon–Fri 10:00–13:00, 14:00–20:00; not on public holidays")


def test_profile_for_calls_only_is_silent_unless_applied_to_messaging() -> None:
    ctx = _ctx(messages=[_out("sat", "2024-04-06T10:00:00Z", "+33612345678")])
    assert _flag(ctx, quiet_hours, QuietHoursParams(profile="fr-d223-9")).empty
    assert len(_flag(ctx, quiet_hours, QuietHoursParams(profile="fr-d223-9", apply_to_messaging=True))) == 1


def test_holidays_param_adds_a_calendar_to_inline_windows() -> None:
    params = QuietHoursParams(allowed=({"from": "08:00", "to": "21:00"},), holidays="fr")
    ctx = _ctx(messages=[_out("14-juillet", "2025-07-14T10:00:00Z", "+33612345678")])
    assert len(_flag(ctx, quiet_hours, params)) == 1


def test_quiet_hours_params_are_checked() -> None:
    with pytest.raises(ValidationError, match="either 'profile'"):
        QuietHoursParams(profile="us-tcpa", allowed=({"from": "08:00", "to": "21:00"},))
    with pytest.raises(ValidationError, match="either 'profile'"):
        QuietHoursParams()
    with pytest.raises(ValidationError, match="'to' must be after 'from'"):
        QuietHoursParams(allowed=({"from": "21:00", "to": "08:00"},))
    with pytest.raises(ValidationError, match="quote it"):
        QuietHoursParams(allowed=({"from": 480, "to": "21:00"},))


def test_describe_allowed_groups_days() -> None:
    rules = REFERENCE.quiet_profile("organisation")
    assert describe_allowed(rules) == "Mon–Sat 09:00–20:00"


# --- frequency_cap -------------------------------------------------------------------------------------

def test_frequency_cap_rolling_and_calendar_differ_at_midnight() -> None:
    # 21:30Z and 23:30Z on 1 July are 23:30 on 1 July and 01:30 on 2 July in Rome.
    ctx = _ctx(messages=[_out("a", "2025-07-01T21:30:00Z", "+393331234567"),
                         _out("b", "2025-07-01T23:30:00Z", "+393331234567")])
    rolling = _flag(ctx, frequency_cap, FrequencyCapParams(max=1, days=1))
    assert rolling["message_id"].tolist() == ["b"]
    assert rolling["ev_count_in_window"].iloc[0] == 2
    assert rolling["ev_window_start"].iloc[0] == "2025-06-30T23:30:00+00:00"
    assert _flag(ctx, frequency_cap, FrequencyCapParams(max=1, days=1, calendar=True)).empty


def test_frequency_cap_calendar_counts_local_days() -> None:
    # Rome: a on 1 July 08:00, b on 2 July 23:00, c on 3 July 00:30 (local days 1, 2, 3).
    ctx = _ctx(messages=[_out("a", "2025-07-01T06:00:00Z", "+393331234567"),
                         _out("b", "2025-07-02T21:00:00Z", "+393331234567"),
                         _out("c", "2025-07-02T22:30:00Z", "+393331234567")])
    out = _flag(ctx, frequency_cap, FrequencyCapParams(max=1, days=2, calendar=True)).set_index("message_id")
    assert out.index.tolist() == ["b", "c"]
    assert out["ev_window_start"].tolist() == ["2025-07-01", "2025-07-02"]
    assert out["ev_count_in_window"].tolist() == [2, 2]


def test_frequency_cap_same_instant_ordered_by_message_id() -> None:
    ctx = _ctx(messages=[_out("m2", "2025-07-01T10:00:00Z", "+393331234567"),
                         _out("m1", "2025-07-01T10:00:00Z", "+393331234567")])
    assert _flag(ctx, frequency_cap, FrequencyCapParams(max=1, days=30))["message_id"].tolist() == ["m2"]


# --- transfer_valid ---------------------------------------------------------------------------------------

def _transfer(ctx: CheckContext, reason: str) -> pd.DataFrame:
    return transfer_valid(ctx, ctx.tables.systems, TransferParams(reason=reason))


PS = {"system": "CRM", "country": "US", "channels": "whatsapp", "mechanism": "privacy-shield",
      "claim_from": "2017-01-01"}


def test_privacy_shield_ends_on_the_brussels_day_of_schrems_ii() -> None:
    ctx = _ctx(systems=[PS], messages=[_out("ok", "2020-07-15T21:59:00Z"), _out("late", "2020-07-15T22:30:00Z"),
                                       _out("later", "2020-09-01T10:00:00Z")])
    out = _transfer(ctx, "invalidated")
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["ev_period_start"], row["ev_period_end"]) == ("2020-07-16", "2020-09-01")
    assert (row["ev_valid_from"], row["ev_valid_to"]) == ("2016-07-12", "2020-07-15")
    assert row["ev_mechanism"] == "privacy-shield" and row["ev_country"] == "US"
    assert row["system"] == "CRM" and row["timestamp"] == pd.Timestamp("2020-07-16", tz="UTC")


def test_claim_ending_mid_period_splits_runs() -> None:
    claim = {**PS, "claim_to": "2019-12-31"}
    ctx = _ctx(systems=[claim], messages=[_out("a", "2016-12-31T10:00:00Z"), _out("b", "2019-12-31T10:00:00Z"),
                                          _out("c", "2020-01-02T10:00:00Z"), _out("d", "2020-02-02T10:00:00Z")])
    out = _transfer(ctx, "no-mechanism")
    assert out[["ev_period_start", "ev_period_end"]].values.tolist() == [["2016-12-31", "2016-12-31"],
                                                                         ["2020-01-02", "2020-02-02"]]
    assert out["ev_mechanism"].tolist() == ["none", "none"]


def test_outcomes_are_mutually_exclusive() -> None:
    systems = [PS, {"system": "CRM", "country": "US", "channels": "whatsapp", "mechanism": "scc-2010",
                    "claim_from": "2021-01-01"},
               {"system": "CRM", "country": "US", "channels": "whatsapp", "mechanism": "dpf",
                "claim_from": "2023-06-01"}]
    stamps = pd.date_range("2016-06-01", "2024-06-01", freq="17D", tz="UTC")
    ctx = _ctx(systems=systems, messages=[_out(f"m{i}", t.isoformat()) for i, t in enumerate(stamps)])
    days: list[tuple[str, str]] = []
    for reason in ("no-mechanism", "invalidated", "scc-transition", "dpf", "adequacy"):
        for _, f in _transfer(ctx, reason).iterrows():
            days.append((f["ev_period_start"], f["ev_period_end"]))
    days.sort()
    assert all(a[1] < b[0] for a, b in zip(days, days[1:]))
    kinds = {r: len(_transfer(ctx, r)) for r in ("no-mechanism", "invalidated", "scc-transition", "dpf")}
    # 2016 before the claim; Privacy Shield after Schrems II until the SCC claim; SCC 2010 after
    # the transition; DPF without certification.
    assert kinds == {"no-mechanism": 1, "invalidated": 1, "scc-transition": 1, "dpf": 1}


def test_system_without_channels_processes_every_audit_day() -> None:
    system = {"system": "Backup", "country": "IN"}
    ctx = _ctx(systems=[system], messages=[_out("a", "2025-01-01T10:00:00Z", channel="sms")],
               consent_events=[{"phone": "+393331234567", "purpose": "marketing", "channel": "any",
                                "status": "granted", "timestamp": "2025-03-01T10:00:00Z"}])
    out = _transfer(ctx, "no-mechanism")
    assert out[["ev_period_start", "ev_period_end"]].values.tolist() == [["2025-01-01", "2025-03-01"]]


def test_system_without_channels_or_timestamps_runs_from_claim_to_as_of() -> None:
    system = {"system": "Backup", "country": "US", "mechanism": "scc-2010", "claim_from": "2022-12-01"}
    ctx = _ctx(as_of="2023-01-31", systems=[system])
    out = _transfer(ctx, "scc-transition")
    assert out[["ev_period_start", "ev_period_end"]].values.tolist() == [["2022-12-28", "2023-01-31"]]


def test_system_whose_channels_carry_no_message_stores_data_every_audited_day() -> None:
    ctx = _ctx(systems=[{"system": "Mailer", "country": "IN", "channels": "email"}],
               messages=[_out("a", "2025-01-01T10:00:00Z"), _out("b", "2025-01-03T10:00:00Z")])
    found = _transfer(ctx, "no-mechanism")
    assert list(found["ev_period_start"]) == ["2025-01-01"] and list(found["ev_period_end"]) == ["2025-01-03"]


def test_uk_after_brexit_is_covered_by_bridge_and_adequacy() -> None:
    ctx = _ctx(systems=[{"system": "London", "country": "GB", "channels": "whatsapp"}],
               messages=[_out("a", "2020-12-31T10:00:00Z"), _out("b", "2021-03-01T10:00:00Z"),
                         _out("c", "2024-03-01T10:00:00Z")])
    assert _transfer(ctx, "no-mechanism").empty


# --- special categories, quality (edge cases beyond the inline cases) ------------------------------------

def test_special_rules_need_an_inventory() -> None:
    from msgaudit.rules.checks.special import Art9RecipientsParams, art9_recipients

    ctx = _ctx(messages=[_out("a", "2025-01-01T10:00:00Z", "+393331234567")])
    assert art9_recipients(ctx, ctx.tables.deliveries, Art9RecipientsParams()).empty
    ctx = _ctx(organisation={"aim": "religious", "art9_condition": "9.2.d"},
               messages=[_out("a", "2025-01-01T10:00:00Z", "+393331234567")])
    out = art9_recipients(ctx, ctx.tables.deliveries, Art9RecipientsParams())
    assert out["ev_relationship"].tolist() == ["unknown"]


def test_local_time_at_midnight_keeps_its_clock() -> None:
    ctx = _ctx(messages=[_out("midnight", "2025-07-01T04:00:00Z")])
    out = _flag(ctx, quiet_hours, US)
    assert out["ev_local_time"].tolist() == ["2025-07-01T00:00:00-04:00"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 40)), min_size=1, max_size=40), st.integers(1, 10))
def test_window_counts_match_a_direct_count(events: list[tuple[int, int]], days: int) -> None:
    events = sorted(events)
    groups = np.array([g for g, _ in events])
    keys = pd.Series(pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta([d for _, d in events], unit="D"))
    expected = [sum(1 for j, (g2, d2) in enumerate(events) if j <= i and g2 == g and d - days < d2 <= d)
                for i, (g, d) in enumerate(events)]
    assert window_counts(groups, keys, pd.Timedelta(days=days)).tolist() == expected


def test_system_channels_match_whatever_their_case() -> None:
    ctx = _ctx(systems=[{"system": "Server Mumbai", "country": "IN", "channels": "WhatsApp|SMS"}],
               messages=[_out("a", "2025-01-01T10:00:00Z"), _out("b", "2025-01-03T10:00:00Z", channel="sms")])
    out = _transfer(ctx, "no-mechanism")
    assert out[["ev_period_start", "ev_period_end"]].values.tolist() == [["2025-01-01", "2025-01-03"]]
