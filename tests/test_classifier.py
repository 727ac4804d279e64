"""Reading messages' text: marketing / service / unknown, Art. 9 terms, and where a category comes from."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from msgaudit.api import AuditOptions, audit
from msgaudit.law import load_reference
from msgaudit.law.art9 import load_art9
from msgaudit.law.classify import load_classifier
from msgaudit.rules.prepare import prepare
from msgaudit.simulate import texts
from msgaudit.tables import MESSAGES, Tables, conform

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "classifier"
SCENARIOS = ROOT / "tests" / "scenarios"


def _values(s: pd.Series) -> list:
    return [None if pd.isna(x) else x for x in s]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_classifier", ROOT / "benchmarks" / "bench_classifier.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# Floors below what was measured (dev: precision 0.975, recall 1.000; held-out, never tuned on:
# precision 0.939, recall 0.979), so a list edit that costs real accuracy fails here.
@pytest.mark.parametrize("name, precision, recall", [("dev", 0.9, 0.95), ("heldout", 0.9, 0.95)])
def test_marketing_precision_and_recall_floors(name: str, precision: float, recall: float) -> None:
    frame = pd.read_csv(FIXTURES / f"{name}.csv", dtype=str, keep_default_na=False)
    m = _bench().measure(frame)
    assert m["precision"] >= precision and m["recall"] >= recall, m


def test_labelled_sets_are_large_multilingual_and_disjoint() -> None:
    dev = pd.read_csv(FIXTURES / "dev.csv", dtype=str, keep_default_na=False)
    held = pd.read_csv(FIXTURES / "heldout.csv", dtype=str, keep_default_na=False)
    both = pd.concat([dev, held])
    assert len(both) >= 300
    assert set(both["label"]) == {"marketing", "service", "unknown"}
    assert {"it", "en", "fr", "de", "es"} <= set(held["lang"]) and {"it", "en", "fr", "de", "es"} <= set(dev["lang"])
    assert not set(dev["text"]) & set(held["text"])


def test_cue_is_evidence_not_the_message_and_mixed_content_is_marketing() -> None:
    bodies = pd.Series(["Il tuo ordine è stato spedito! Usa il codice ESTATE20 per il 20% di sconto sul prossimo",
                        "Il tuo ordine n. 4821 è stato spedito", "Sabato festa sociale, ti aspettiamo!",
                        "Vieni a trovarci in negozio: montature da 49 €", None, ""])
    got = load_classifier().classify(bodies)
    assert _values(got["content_category"]) == ["marketing", "service", "unknown", "marketing", None, None]
    assert got.loc[0, "cue"] == "20 di sconto"
    assert got.loc[3, "cue"] == "vieni a trovarci + in negozio"
    assert all(len(c) < 30 for c in got["cue"].dropna())


def test_same_body_same_answer_across_a_large_campaign() -> None:
    bodies = pd.Series(["SALDI! 30% di sconto", "Assemblea giovedì alle 21"] * 50_000)
    got = load_classifier().classify(bodies)
    assert got["content_category"].value_counts().to_dict() == {"marketing": 50_000, "service": 50_000}


def _messages(rows: list[dict]) -> Tables:
    frame = pd.DataFrame(rows)
    frame["timestamp"] = pd.Timestamp("2025-05-01T10:00:00Z")
    frame["source"] = [f"x:{i}" for i in range(len(frame))]
    frame["message_id"] = [f"m{i}" for i in range(len(frame))]
    return Tables(messages=conform(frame, MESSAGES))


def test_export_category_wins_then_inventory_then_text() -> None:
    promo = "SALDI! 30% di sconto"
    t = _messages([
        {"direction": "outbound", "channel": "whatsapp", "counterpart": "+393331234567", "category": "utility", "body": promo},
        {"direction": "outbound", "channel": "sms", "counterpart": "+393331234567", "category": "unknown", "body": promo},
        {"direction": "outbound", "channel": "whatsapp", "counterpart": "+393331234567", "category": "unknown", "body": promo},
        {"direction": "outbound", "channel": "sms", "counterpart": "+393331234567", "category": "unknown", "body": "Ciao"},
        {"direction": "inbound", "channel": "whatsapp", "counterpart": "+393331234567", "category": "unknown", "body": promo},
    ])
    m = prepare(t, "IT", {"sms": "service"}).messages
    assert _values(m["category"]) == ["utility", "unknown", "marketing", "unknown", "unknown"]
    assert _values(m["category_source"]) == ["export", "inventory", "text", "inventory", None]
    assert _values(m["ev_category_cue"]) == [None, None, "saldi", None, None]
    marketing_sms = prepare(t, "IT", {"sms": "marketing"}).messages
    assert _values(marketing_sms["category"]) == ["utility", "marketing", "marketing", "marketing", "unknown"]
    assert _values(marketing_sms["ev_category_source"]) == [None, "inventory", "text", "inventory", None]


def test_twilio_category_column_is_the_exports_own(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(
        "From,To,Body,Status,SentDate,Sid,Direction,Category\n"
        "+393401000000,+393331110001,SALDI! 30% di sconto,delivered,2025-10-04T08:30:00Z,SM1,outbound-api,Service\n"
        "+393401000000,+393331110002,SALDI! 30% di sconto,delivered,2025-10-04T08:30:00Z,SM2,outbound-api,promo\n",
        encoding="utf-8")
    result = audit([tmp_path], AuditOptions(as_of=date(2026, 1, 1), mask=False))
    consent = {f.message_id for f in result.findings if f.rule_id == "CONSENT-001"}
    assert consent == {"SM2"}


def test_scenario_consent_finding_names_the_cue() -> None:
    result = audit([SCENARIOS / "marketing_sms" / "input"], AuditOptions(as_of=date(2026, 11, 25), mask=False))
    (finding,) = [f for f in result.findings if f.rule_id == "CONSENT-001"]
    assert finding.evidence["category_source"] == "text"
    assert finding.evidence["category_cue"] == "saldi"
    assert "sconto" not in str(finding.evidence)


def test_art9_terms_name_category_and_term_only() -> None:
    matcher = load_art9(load_reference().root)
    bodies = pd.Series(["Portate il certificato medico entro venerdì", "L'operazione di bonifico è andata a buon fine",
                        "Anna è incinta!", "He joined the union last week", "Cooperatore del mese: Luca",
                        "Preghiamo per la nonna di Marco", None])
    got = matcher.match(bodies)
    assert _values(got["art9_category"]) == ["health", None, "health", "trade_union", None, "religion", None]
    assert _values(got["term"]) == ["certificato medico", None, "incinta", "joined the union", None, "preghiamo", None]
    assert matcher.match(bodies, ("politics",))["art9_category"].isna().all()


def test_simulator_texts_read_as_the_simulator_says() -> None:
    classifier = load_classifier()
    matcher = load_art9(load_reference().root)
    ordinary = pd.Series(list(texts.NOTICES) + list(texts.REPLIES) + list(texts.GREETINGS)
                         + [t for group in texts.QUESTIONS.values() for t in group])
    assert not classifier.classify(ordinary)["content_category"].eq("marketing").any()
    assert matcher.match(ordinary)["art9_category"].isna().all()
    promos = classifier.classify(pd.Series(texts.GROUP_PROMOS))
    assert promos["content_category"].eq("marketing").all()
    assert not classifier.offers_optout(pd.Series(texts.GROUP_PROMOS)).any()
    assert matcher.match(pd.Series(texts.ART9_NOTICES))["art9_category"].notna().all()
    assert not classifier.classify(pd.Series(texts.ART9_NOTICES))["content_category"].eq("marketing").any()


def test_inventory_channel_category_reaches_the_rules_and_a_bad_value_is_one_line(tmp_path: Path) -> None:
    from msgaudit.errors import ConfigError
    from msgaudit.inventory import load_inventory

    (tmp_path / "log.csv").write_text(
        "From,To,Body,Status,SentDate,Sid,Direction\n"
        "+393401000000,+393331110002,Nuovi occhiali da sole in vetrina,delivered,2025-10-04T08:30:00Z,SM1,outbound-api\n",
        encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("organisation:\n  name: Ottica Rossi\n  message_categories: {sms: marketing}\n", encoding="utf-8")
    result = audit([tmp_path], AuditOptions(as_of=date(2026, 1, 1), mask=False))
    (finding,) = [f for f in result.findings if f.rule_id == "CONSENT-001"]
    assert finding.evidence["category_source"] == "inventory"
    inventory.write_text("organisation:\n  name: Ottica Rossi\n  message_categories: {sms: promo}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_inventory(inventory)
    assert "message_categories" in str(caught.value) and "\n" not in str(caught.value)


def test_simulated_group_carries_an_offer_and_health_news_the_audit_reads(tmp_path: Path) -> None:
    from msgaudit.simulate import EXPORTS, simulate_config
    from msgaudit.simulate.config import SimConfig

    simulate_config(tmp_path, SimConfig(seed=0, contacts=120, messages=800, days=30))
    truth = pd.read_csv(tmp_path / "ground_truth.csv", dtype=str, keep_default_na=False)
    in_chat = truth["message_id"].str.startswith("Chat WhatsApp")
    assert {"CONSENT-015", "SPECIAL-005"} <= set(truth.loc[in_chat, "rule_id"])
    offer = truth.loc[in_chat & truth["rule_id"].eq("CONSENT-015"), "message_id"].iloc[0]
    assert (in_chat & truth["rule_id"].eq("CONSENT-001") & truth["message_id"].eq(offer)).sum() >= 1
    result = audit([tmp_path / EXPORTS], AuditOptions(as_of=date(2026, 6, 30), mask=False))
    (found,) = [f for f in result.findings if f.rule_id == "CONSENT-015"]
    assert found.message_id == offer and found.evidence["category_source"] == "text"
