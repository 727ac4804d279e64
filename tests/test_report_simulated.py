"""The report of a simulated world draws the model and compares findings with the injected violations."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgaudit.api import AuditOptions, audit
from msgaudit.errors import ConfigError
from msgaudit.findings import AuditResult
from msgaudit.report.html import render_html
from msgaudit.report.sections.simulated import compare
from msgaudit.report.viewmodel import build_view, missing_translations
from msgaudit.simulate import EXPORTS, simulate_config
from msgaudit.simulate.command import simulate_command
from msgaudit.simulate.config import SimConfig

AS_OF = date(2026, 6, 30)
CFG = SimConfig(seed=5, contacts=120, messages=800, days=30)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate_config(out, CFG)
    return out


@pytest.fixture(scope="module")
def result(world: Path) -> AuditResult:
    return audit([world / EXPORTS], AuditOptions(as_of=AS_OF, mask=False))


def test_audit_of_simulated_exports_carries_world_and_truth(world: Path, result: AuditResult) -> None:
    assert result.simulation is not None
    described = json.loads((world / "world.json").read_text("utf-8"))
    assert result.simulation.world.organisation.name == described["organisation"]["name"]
    assert len(result.simulation.truth) == len((world / "ground_truth.csv").read_text("utf-8").splitlines()) - 1
    assert sum(v.count for v in result.simulation.world.volumes) == sum(v["count"] for v in described["volumes"])
    # One file of the exports, or the folder: the same world. Exports elsewhere: none.
    assert audit([world / EXPORTS / "webhooks.jsonl"], AuditOptions(as_of=AS_OF)).simulation is not None


def test_exports_without_a_world_have_no_simulated_section(tmp_path: Path, world: Path) -> None:
    shutil.copytree(world / EXPORTS, tmp_path / "exports")
    alone = audit([tmp_path / "exports"], AuditOptions(as_of=AS_OF))
    assert alone.simulation is None
    assert build_view(alone, "en", True).simulated is None
    assert 'id="simulated"' not in render_html(build_view(alone, "en", True))


def test_a_broken_world_file_is_a_one_line_error(tmp_path: Path, world: Path) -> None:
    shutil.copytree(world, tmp_path / "w")
    (tmp_path / "w" / "world.json").write_text('{"accounts": []}', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"world\.json: not a world written by msgaudit simulate") as err:
        audit([tmp_path / "w" / EXPORTS], AuditOptions(as_of=AS_OF))
    assert "\n" not in str(err.value)


def test_every_injected_violation_is_found_and_shown(result: AuditResult) -> None:
    view = build_view(result, "en", True).simulated
    assert view is not None and view.exact
    assert {r.rule_id for r in view.rules} == {t.rule_id for t in result.simulation.truth}
    assert all(r.precision == r.recall == "100%" for r in view.rules)
    assert re.fullmatch(r"The audit found all [\d,]+ injected violations, across \d+ rules, and nothing else\.",
                        view.verdict)


def test_a_missed_and_an_extra_finding_show_in_precision_and_recall(result: AuditResult) -> None:
    rule = max({f.rule_id for f in result.active()}, key=lambda r: sum(f.rule_id == r for f in result.findings))
    mine = [f for f in result.findings if f.rule_id == rule]
    dropped = [f for f in result.findings if f is not mine[0]]
    extra = mine[1].model_copy(update={"message_id": "wamid.not-injected"})
    changed = result.model_copy(update={"findings": [*dropped, extra]})
    injected, found, matched = compare(changed.simulation, changed.findings)[rule]
    assert (injected, found, matched) == (len(mine), len(mine), len(mine) - 1)
    view = build_view(changed, "en", True).simulated
    row = next(r for r in view.rules if r.rule_id == rule)
    assert not row.exact and not view.exact and row.precision != "100%" and row.recall != "100%"
    assert "findings that were not injected: 1." in view.verdict


def test_model_is_drawn_and_masked(result: AuditResult) -> None:
    world = result.simulation.world
    personal = next(a for a in world.accounts if a.kind == "personal-phone")
    masked = render_html(build_view(result, "en", True))
    for text in ("The simulated model and what the audit found in it", world.group.name,
                 *(t.name for t in world.templates), *(s.name for s in world.systems)):
        assert text in masked, text
    assert personal.display_name not in masked and personal.phone not in masked
    plain = render_html(build_view(result, "en", False))
    assert personal.display_name in plain and personal.phone in plain
    view = build_view(result, "en", True).simulated
    assert {f.system for f in view.flows} == {s.name for s in world.systems if s.channels}
    assert "Privacy Shield" in " ".join(c for s in view.systems for c in s.safeguards)


def test_italian_simulated_section_needs_no_missing_message(result: AuditResult) -> None:
    assert missing_translations(result, "it") == set()
    html = render_html(build_view(result, "it", True))
    assert "Il modello simulato e cosa vi ha trovato l'audit" in html.replace("&#39;", "'")


def test_simulate_report_writes_the_report_in_one_step(tmp_path: Path) -> None:
    out = tmp_path / "world"
    run = CliRunner().invoke(simulate_command, ["--out", str(out), "--seed", "2", "--contacts", "40",
                                                "--messages", "200", "--days", "10", "--report", "--lang", "it"])
    assert run.exit_code == 0, run.output
    assert f"report written to {out / 'report'}" in run.output
    for name in ("report.html", "report.pdf", "findings.json", "findings.csv"):
        assert (out / "report" / name).is_file(), name
    html = (out / "report" / "report.html").read_text("utf-8")
    assert 'id="simulated"' in html and 'lang="it"' in html
