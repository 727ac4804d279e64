"""Rule files are validated with every problem reported as file:line:col: message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from msgaudit.cli import cli
from msgaudit.errors import RuleError
from msgaudit.rules.loader import load_packs

BAD = FIXTURES / "rules_bad"


def problems_of(name: str) -> list[str]:
    with pytest.raises(RuleError) as info:
        load_packs([BAD / name])
    return [p.replace(str(BAD) + "/", "") for p in info.value.problems]


def test_problems_name_file_line_column_and_suggest() -> None:
    assert problems_of("problems.yaml") == [
        "problems.yaml:16:5: severity: Input should be 'info', 'low', 'medium', 'high' or 'critical'; did you mean 'high'?",
    ]


def test_semantic_problems_after_schema_is_fixed(tmp_path: Path) -> None:
    text = (BAD / "problems.yaml").read_text().replace("severity: hgh", "severity: high")
    f = tmp_path / "p.yaml"
    f.write_text(text)
    with pytest.raises(RuleError) as info:
        load_packs([f])
    got = [p.replace(str(f), "p.yaml") for p in info.value.problems]
    assert got == [
        "p.yaml:8:12: where: unknown column 'methd' — did you mean 'method'?",
        "p.yaml:12:13: unknown check 'mach'; did you mean 'match'?",
        "p.yaml:14:5: rule id QUALITY-901 is already used at p.yaml:4:5",
    ]


def test_unknown_keys_empty_fields_bad_ids_and_placeholders() -> None:
    got = problems_of("keys.yaml")
    assert "keys.yaml:8:5: unknown key 'wher'; did you mean 'where'?" in got
    assert "keys.yaml:9:5: message must not be empty" in got
    assert "keys.yaml:10:5: law must not be empty" in got
    assert any(p.startswith("keys.yaml:16:5: message: message placeholder {contact.__class__}") for p in got)
    assert any(p.startswith("keys.yaml:19:5: id: rule id 'MARKETING-001' must look like FAMILY-NNN") for p in got)


RULE = """\
pack: basis
title: Basis
rules:
  - id: QUALITY-905
    title: Something
    severity: low
{basis}    applies_to: contacts
    message: "x"
    law: [{{ref: "GDPR Art. 5(2)"}}]
    remediation: Fix it.
"""


@pytest.mark.parametrize(("line", "problem"), [
    ("", "p.yaml:4:5: basis is required"),
    ("    basis: platfrom\n", "p.yaml:7:5: basis: Input should be 'law', 'guidance', 'platform' or 'house'; did you mean 'platform'?"),
    ("    bases: law\n", "p.yaml:7:5: unknown key 'bases'; did you mean 'basis'?"),
])
def test_basis_is_required_and_checked(tmp_path: Path, line: str, problem: str) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(RULE.format(basis=line))
    with pytest.raises(RuleError) as info:
        load_packs([f])
    assert problem in [p.replace(str(f), "p.yaml") for p in info.value.problems]


def test_duplicate_yaml_keys_are_refused() -> None:
    assert problems_of("duplicate_key.yaml") == ["duplicate_key.yaml:7:1: duplicate key 'severity'; keep only one"]


def test_python_tags_are_refused_not_executed() -> None:
    got = problems_of("unsafe.yaml")
    assert len(got) == 1 and "unsupported YAML tag" in got[0]


def test_validate_command_prints_every_problem_and_exits_2() -> None:
    result = CliRunner().invoke(cli, ["rules", "validate", str(BAD / "keys.yaml")])
    assert result.exit_code == 2
    assert "unknown key 'wher'; did you mean 'where'?" in result.output


def test_schema_is_json_schema_of_a_pack() -> None:
    result = CliRunner().invoke(cli, ["rules", "schema"])
    schema = json.loads(result.output)
    assert schema["title"] == "Pack"
    assert "rules" in schema["properties"]
