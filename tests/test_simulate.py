"""The simulator: deterministic for a seed, its exports read back through ingest with nothing rejected,
and the counts it reports are the counts ingest sees."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from msgaudit.loading import load
from msgaudit.simulate import EXPORTS, simulate
from msgaudit.simulate.command import simulate_command
from msgaudit.simulate.config import load_rates


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("world")
    return out, simulate(out, seed=5, contacts=200, messages=2_000, days=60)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    simulate(tmp_path / "a", seed=3, contacts=150, messages=1_500, days=45)
    simulate(tmp_path / "b", seed=3, contacts=150, messages=1_500, days=45)
    simulate(tmp_path / "c", seed=4, contacts=150, messages=1_500, days=45)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert a == b
    assert a["ground_truth.csv"] != c["ground_truth.csv"]


def test_exports_are_detected_and_read_without_rejections(world) -> None:
    out, summary = world
    loaded = load([out / EXPORTS])
    formats = {Path(r.path).name: r.format for r in loaded.inputs}
    assert formats == {
        "webhooks.jsonl": "whatsapp-webhook", "Chat WhatsApp con Soci ASD Esempio.txt": "whatsapp-chat",
        "rubrica_contatti.csv": "contacts-table", "registro_consensi.csv": "consent-ledger",
        "optout_lista.csv": "optout-list", "inventory.yaml": "inventory",
    }
    for report in loaded.inputs:
        assert report.rows_read == report.rows_accepted + report.rows_rejected
        assert report.rows_rejected == 0, (report.path, report.rejections[:3])
        name = Path(report.path).name
        if name not in ("inventory.yaml",):
            assert report.rows_read == summary.files[f"{EXPORTS}/{name}"], name


def test_counts_match_the_summary(world) -> None:
    out, summary = world
    t = load([out / EXPORTS]).tables
    assert len(t.messages) == summary.messages
    assert t.contacts["phone"].nunique() == summary.contacts
    truth = pd.read_csv(out / "ground_truth.csv", dtype=str, keep_default_na=False)
    assert list(truth.columns) == ["rule_id", "message_id", "contact", "system"]
    assert truth["rule_id"].value_counts().to_dict() == summary.by_rule
    webhook_ids = set(t.messages["message_id"])
    message_rows = truth[truth["message_id"] != ""]
    assert set(message_rows["message_id"]) <= webhook_ids


def test_world_json_describes_the_model(world) -> None:
    out, summary = world
    data = json.loads((out / "world.json").read_text("utf-8"))
    assert {"organisation", "accounts", "templates", "systems", "people", "consent_events", "flows",
            "incidents"} <= set(data)
    assert data["people"]["total"] >= summary.contacts
    assert any(s["name"] == "WhatsApp Business Platform" for s in data["systems"])
    assert data["incidents"] == summary.incidents


def test_clean_traffic_is_clean_by_construction(world) -> None:
    """Ordinary marketing never reaches a +1 number nor anyone more than 4 times in 30 days (checked on the exports)."""
    out, _ = world
    m = load([out / EXPORTS]).tables.messages
    truth = pd.read_csv(out / "ground_truth.csv", dtype=str, keep_default_na=False)
    flagged = set(truth["message_id"])
    marketing = m[(m["category"] == "marketing") & ~m["message_id"].isin(flagged)]
    assert not marketing["counterpart"].str.startswith("+1").any()
    assert (marketing["is_template"] == True).all()  # noqa: E712 - nullable boolean column


def test_command_prints_what_it_wrote(tmp_path: Path) -> None:
    result = CliRunner().invoke(simulate_command, ["--out", str(tmp_path), "--seed", "2", "--contacts", "60",
                                                   "--messages", "400", "--days", "20"])
    assert result.exit_code == 0, result.output
    assert "exports/webhooks.jsonl" in result.output and "ground_truth.csv" in result.output
    assert (tmp_path / "world.json").exists()


def test_command_refuses_a_bad_date_and_unknown_rates(tmp_path: Path) -> None:
    bad = CliRunner().invoke(simulate_command, ["--out", str(tmp_path), "--start", "2025-13-01"])
    assert bad.exit_code == 2 and "is not a date" in bad.output
    rates = tmp_path / "rates.yaml"
    rates.write_text("CONSENT-01: 0.5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown rule ids"):
        load_rates(rates)
    result = CliRunner().invoke(simulate_command, ["--out", str(tmp_path / "w"), "--rates", str(rates)])
    assert result.exit_code == 2 and "unknown rule ids" in result.output


def test_rates_file_sets_one_rule(tmp_path: Path) -> None:
    rates = tmp_path / "rates.yaml"
    rates.write_text("TIMING-003: 0\n", encoding="utf-8")
    summary = simulate(tmp_path / "w", seed=1, rates=load_rates(rates))
    assert "TIMING-003" not in summary.incidents


def test_every_message_and_contact_rule_has_one_registered_incident() -> None:
    from msgaudit.simulate.config import DEFAULT_RATES, WORLD_RULES
    from msgaudit.simulate.incidents import INCIDENTS, incident

    built_elsewhere = {"QUALITY-003", "TIMING-004"}  # people without consent, nicknames in the group export
    # SPECIAL-002: the world decides whether Art. 9(2)(d) is relied on; the registry writes to its prospects.
    assert set(INCIDENTS) == (set(DEFAULT_RATES) - WORLD_RULES - built_elsewhere) | {"SPECIAL-002"}
    with pytest.raises(ValueError, match="CONSENT-001 already injected by"):
        incident("CONSENT-001")(lambda sim, k: k)
