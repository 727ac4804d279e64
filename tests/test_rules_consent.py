"""Consent, opt-out, service-window and template rules: every inline case, plus edge cases of the checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from msgaudit.law import load_reference
from msgaudit.rules.loader import load_packs
from msgaudit.rules.testing import run_pack_tests

ROOT = Path(__file__).resolve().parents[1]
PACKS = [ROOT / "rules" / name for name in ("gdpr-consent.yaml", "optout.yaml", "whatsapp-policy.yaml")]
REFERENCE = load_reference()
LOADED = load_packs(PACKS)
RESULTS = run_pack_tests(LOADED, REFERENCE)


@pytest.mark.parametrize("result", RESULTS, ids=[f"{r.rule_id}:{r.case}" for r in RESULTS])
def test_inline_case(result) -> None:
    assert result.ok, f"{result.where}: {result.detail}"


# --- direct tests of the checks -------------------------------------------------------------

from msgaudit.rules.checks.consent import ConsentParams, consent, consent_state  # noqa: E402
from msgaudit.rules.checks.optout import OptoutParams, optout_honoured  # noqa: E402
from msgaudit.rules.checks.template import ContentParams, content_category  # noqa: E402
from msgaudit.rules.checks.window import WindowParams, service_window  # noqa: E402
from msgaudit.rules.context import CheckContext  # noqa: E402
from msgaudit.rules.prepare import prepare  # noqa: E402
from msgaudit.tables import SPECS, Tables, conform  # noqa: E402

ANNA = "+393331234567"
LUCA = "+393479876543"


def make_ctx(**tables: list[dict]) -> CheckContext:
    frames = {}
    for name, rows in tables.items():
        df = pd.DataFrame(rows)
        df["source"] = [f"{name}.csv:{i + 2}" for i in range(len(df))]
        if name == "messages" and "message_id" not in df.columns:
            df["message_id"] = [f"m{i + 1}" for i in range(len(df))]
        frames[name] = conform(df, SPECS[name])
    return CheckContext(tables=prepare(Tables(**frames)), reference=REFERENCE, organisation=None,
                        as_of=pd.Timestamp("2026-01-01", tz="UTC"))


def out(mid: str, ts: str, who: str | None = ANNA, **kw) -> dict:
    return {"message_id": mid, "timestamp": ts, "direction": "outbound", "counterpart": who, "channel": "whatsapp",
            "kind": "text", **kw}


def inb(mid: str, ts: str, who: str | None = ANNA, **kw) -> dict:
    return {"message_id": mid, "timestamp": ts, "direction": "inbound", "counterpart": who, "channel": "whatsapp",
            "kind": "text", **kw}


def ev(ts: str, status: str = "granted", who: str = ANNA, purpose: str = "marketing", channel: str = "whatsapp",
       **kw) -> dict:
    return {"phone": who, "purpose": purpose, "channel": channel, "status": status, "timestamp": ts, **kw}


def flagged(result: pd.DataFrame, rows: pd.DataFrame) -> list[str]:
    return sorted(rows.loc[result.index, "message_id"] + "/" + rows.loc[result.index, "contact"].fillna("-"))


def test_outcomes_are_exclusive_and_cite_the_right_event() -> None:
    ctx = make_ctx(
        messages=[out("m1", "2025-01-01T10:00:00Z"), out("m2", "2025-02-01T10:00:00Z"),
                  out("m3", "2025-04-01T10:00:00Z"), out("m4", "2025-04-01T10:00:00Z", LUCA)],
        consent_events=[ev("2025-01-15T00:00:00Z", evidence="modulo 7"), ev("2025-03-01T00:00:00Z", "withdrawn")],
    )
    rows = ctx.tables.deliveries
    state = consent_state(ctx.tables.consent_events, rows, purpose="marketing", channel="message")
    assert state["outcome"].tolist() == ["not_yet", "granted", "withdrawn", "missing"]
    assert state["at"].iloc[0] == pd.Timestamp("2025-01-15", tz="UTC")  # the later grant, for not_yet
    assert state["evidence"].iloc[0] == "modulo 7"
    assert state["at"].iloc[2] == pd.Timestamp("2025-03-01", tz="UTC")
    assert state["at"].isna().iloc[3]


def test_require_evidence_makes_a_bare_grant_unproven() -> None:
    ctx = make_ctx(messages=[out("m1", "2025-02-01T10:00:00Z"), out("m2", "2025-02-01T10:00:00Z", LUCA)],
                   consent_events=[ev("2025-01-01T00:00:00Z"), ev("2025-01-01T00:00:00Z", who=LUCA, evidence="form")])
    rows = ctx.tables.deliveries
    result = consent(ctx, rows, ConsentParams(outcome=["unproven"], require_evidence=True))
    assert flagged(result, rows) == [f"m1/{ANNA}"]
    assert result["ev_consent_status"].tolist() == ["granted"]


def test_message_without_channel_needs_any_channel_consent() -> None:
    ctx = make_ctx(messages=[out("m1", "2025-02-01T10:00:00Z", channel=None),
                             out("m2", "2025-02-01T10:00:00Z", LUCA, channel=None)],
                   consent_events=[ev("2025-01-01T00:00:00Z"), ev("2025-01-01T00:00:00Z", who=LUCA, channel="any")])
    rows = ctx.tables.deliveries
    result = consent(ctx, rows, ConsentParams(outcome=["missing"]))
    assert flagged(result, rows) == [f"m1/{ANNA}"]
    assert result["ev_channel"].isna().all()


def test_any_purpose_is_judged_per_purpose() -> None:
    # Marketing withdrawn but membership still granted: the person agreed to WhatsApp for something.
    ctx = make_ctx(messages=[out("m1", "2025-03-01T10:00:00Z"), out("m2", "2025-03-01T10:00:00Z", LUCA)],
                   consent_events=[ev("2025-01-01T00:00:00Z", purpose="membership"),
                                   ev("2025-02-01T00:00:00Z", "withdrawn"),
                                   ev("2025-01-01T00:00:00Z", who=LUCA, purpose="membership"),
                                   ev("2025-02-01T00:00:00Z", "withdrawn", who=LUCA, purpose="any", channel="any")])
    rows = ctx.tables.deliveries
    result = consent(ctx, rows, ConsentParams(purpose="any", channel="whatsapp"))
    assert flagged(result, rows) == [f"m2/{LUCA}"]
    assert result["ev_outcome"].tolist() == ["withdrawn"]


def test_group_send_is_judged_per_member_by_contact_key() -> None:
    ctx = make_ctx(
        messages=[inb("i1", "2025-03-01T09:00:00Z", ANNA, conversation_id="soci", conversation_type="group", body="Ok"),
                  inb("i2", "2025-03-01T09:01:00Z", None, counterpart_name="Zoë D'Angelo", conversation_id="soci",
                      conversation_type="group", body="Presente"),
                  out("g1", "2025-03-02T10:00:00Z", None, conversation_id="soci", conversation_type="group",
                      category="marketing")],
        consent_events=[ev("2025-01-01T00:00:00Z")],
    )
    rows = ctx.tables.deliveries
    result = consent(ctx, rows, ConsentParams())
    assert flagged(result, rows) == ["g1/name:Zoë D'Angelo"]


def test_optout_keyword_same_second_confirmation_and_evidence() -> None:
    ctx = make_ctx(messages=[
        inb("i1", "2025-03-10T10:00:00Z", body="Per favore: STOP!!"),  # not a whole-message keyword
        inb("i2", "2025-03-10T10:00:00Z", LUCA, body="Cancellami"),
        out("m1", "2025-03-10T10:00:00Z", LUCA, category="utility"),  # same second: the confirmation
        out("m2", "2025-03-10T10:00:00Z", LUCA, category="marketing"),  # same second, but not the first
        out("m3", "2025-03-10T11:00:00Z", ANNA, category="marketing"),
    ])
    rows = ctx.tables.deliveries
    result = optout_honoured(ctx, rows, OptoutParams(sources=["keyword"], confirmation_minutes=5))
    assert flagged(result, rows) == [f"m2/{LUCA}"]
    assert result["ev_optout_text"].tolist() == ["cancellami"]
    assert result["ev_optout_kind"].tolist() == ["keyword"]
    assert result["ev_optout_source"].tolist() == ["messages.csv:3"]


def test_optout_without_confirmation_flags_the_same_second() -> None:
    ctx = make_ctx(messages=[out("m1", "2025-06-01T09:00:00Z", category="marketing")],
                   optouts=[{"phone": ANNA, "kind": "do-not-contact", "since": "2025-06-01T09:00:00Z"}])
    rows = ctx.tables.deliveries
    result = optout_honoured(ctx, rows, OptoutParams(sources=["do-not-contact"]))
    assert flagged(result, rows) == [f"m1/{ANNA}"]


def test_an_objection_gives_the_phrase_not_the_body() -> None:
    body = "Buongiorno, vi chiedo gentilmente: non scrivetemi più, ho già detto al presidente Bianchi il motivo"
    ctx = make_ctx(messages=[inb("i1", "2025-03-10T10:00:00Z", body=body),
                             out("m1", "2025-03-11T10:00:00Z", category="marketing")])
    rows = ctx.tables.deliveries
    result = optout_honoured(ctx, rows, OptoutParams(sources=["objection"]))
    assert result["ev_optout_text"].tolist() == ["non scrivetemi piu"]


def test_resume_in_the_same_second_does_not_end_the_optout() -> None:
    ctx = make_ctx(messages=[inb("i1", "2025-03-10T10:00:00Z", body="STOP"), inb("i2", "2025-03-10T10:00:00Z", body="START"),
                             out("m1", "2025-03-11T10:00:00Z", category="marketing"),
                             inb("i3", "2025-03-12T10:00:00Z", body="start"),
                             out("m2", "2025-03-12T10:00:00Z", category="marketing")])
    rows = ctx.tables.deliveries
    result = optout_honoured(ctx, rows, OptoutParams(sources=["keyword"]))
    assert flagged(result, rows) == [f"m1/{ANNA}"]


def test_window_is_elapsed_time_across_dst() -> None:
    # Rome moves to summer time on 2025-03-30: 24 h elapsed reads 25 h on the local clock.
    ctx = make_ctx(messages=[inb("i1", "2025-03-29T10:00:00Z", body="Ciao"),
                             out("m1", "2025-03-30T10:00:00Z", category="service", is_template=False),
                             out("m2", "2025-03-30T10:00:01Z", category="service", is_template=False),
                             out("m3", "2025-03-30T10:00:01Z", category="service")])
    rows = ctx.tables.deliveries
    result = service_window(ctx, rows, WindowParams())
    assert flagged(result, rows) == [f"m2/{ANNA}"]
    assert result["ev_hours_since"].tolist() == [24.0]
    everything = service_window(ctx, rows, WindowParams(free_form_only=False))
    assert flagged(everything, rows) == [f"m2/{ANNA}", f"m3/{ANNA}"]


def test_content_category_language_choice_and_word_boundaries() -> None:
    ctx = make_ctx(messages=[out("m1", "2025-03-10T10:00:00Z", body="Le sale riunioni sono prenotate", category="utility"),
                             out("m2", "2025-03-10T10:00:00Z", body="Rabatt für Mitglieder", category="utility"),
                             out("m3", "2025-03-10T10:00:00Z", body="Pratica promossa, -30% di SCONTO", category="utility")])
    rows = ctx.tables.deliveries
    result = content_category(ctx, rows, ContentParams(languages=["it"]))
    assert flagged(result, rows) == [f"m3/{ANNA}"]
    assert result["ev_matched_term"].tolist() == ["30 di sconto"]
    assert flagged(content_category(ctx, rows, ContentParams()), rows) == [f"m2/{ANNA}", f"m3/{ANNA}"]


def test_checks_are_vectorised_enough() -> None:
    import time

    n = 100_000
    people = [f"+3933{i:08d}" for i in range(5_000)]
    ts = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(range(n), unit="min")
    messages = pd.DataFrame({"message_id": [f"m{i}" for i in range(n)], "timestamp": ts,
                             "direction": ["inbound" if i % 5 == 0 else "outbound" for i in range(n)],
                             "counterpart": [people[i % len(people)] for i in range(n)], "channel": "whatsapp",
                             "category": "marketing", "kind": "text", "is_template": False,
                             "body": ["STOP" if i % 97 == 0 else "ok grazie" for i in range(n)], "source": "x"})
    consent_rows = pd.DataFrame({"phone": people, "purpose": "marketing", "channel": "any", "status": "granted",
                                 "timestamp": pd.Timestamp("2025-01-20", tz="UTC"), "source": "y"})
    tables = Tables(messages=conform(messages, SPECS["messages"]),
                    consent_events=conform(consent_rows, SPECS["consent_events"]))
    ctx = CheckContext(tables=prepare(tables), reference=REFERENCE, organisation=None,
                       as_of=pd.Timestamp("2026-01-01", tz="UTC"))
    rows = ctx.tables.deliveries
    started = time.perf_counter()
    consent(ctx, rows, ConsentParams())
    optout_honoured(ctx, rows, OptoutParams(sources=["keyword", "looks-like"], confirmation_minutes=5))
    service_window(ctx, rows, WindowParams())
    assert time.perf_counter() - started < 10


def test_events_in_the_same_second_as_the_message() -> None:
    ctx = make_ctx(messages=[out("m1", "2025-02-01T10:00:00Z"), out("m2", "2025-02-01T10:00:00Z", LUCA)],
                   consent_events=[ev("2025-02-01T10:00:00Z"),
                                   ev("2025-02-01T10:00:00Z", who=LUCA), ev("2025-02-01T10:00:00Z", "withdrawn", who=LUCA)])
    state = consent_state(ctx.tables.consent_events, ctx.tables.deliveries, purpose="marketing", channel="message")
    assert state["outcome"].tolist() == ["granted", "withdrawn"]
