"""Hostile and broken input: each case is built here, fed to the command line, and must end in one
line naming the file with exit 2, or in a rejected row with its line; never a traceback or a hang.

The command runs in-process through `msgaudit.cli.main`, the function the `msgaudit` script calls,
so its error handling is the one a user meets; a traceback would escape as an exception and fail the test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT

ASSOC = ROOT / "sample_exports" / "associazione"
SOCI = ASSOC / "soci.csv"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `msgaudit ARGS...`; return (exit code, stdout, non-empty stderr lines)."""
    from msgaudit.cli import main

    def run(*args: str | Path) -> tuple[int, str, list[str]]:
        monkeypatch.setattr(sys, "argv", ["msgaudit", *map(str, args)])
        monkeypatch.delenv("MSGAUDIT_DEBUG", raising=False)
        with pytest.raises(SystemExit) as stop:
            main()
        out, err = capsys.readouterr()
        return stop.value.code, out, [ln for ln in err.splitlines() if ln.strip()]

    return run


def one_line_error(result: tuple[int, str, list[str]], *expected: str) -> str:
    code, _, err = result
    assert code == 2, err
    assert len(err) == 1, err
    for text in expected:
        assert text in err[0], err
    return err[0]


# --- YAML: every loader goes through msgaudit.yamlsafe ------------------------------------------

# 9**10 values once expanded, from 420 bytes.
ALIAS_BOMB = "\n".join(
    [f'a0: &a0 [{",".join(["lol"] * 9)}]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
) + "\n"
DEEP = "x: " + "[" * 10_000 + "]" * 10_000 + "\n"
SELF_ALIAS = "systems: &s [*s]\n"


def _yaml_runs(tmp_path: Path, hostile: str) -> dict[str, list[str]]:
    """The four user YAML files, each replaced in turn by `hostile`, and the command that reads it."""
    empty_pack = tmp_path / "pack"
    empty_pack.mkdir()
    (empty_pack / "mine.yaml").write_text(hostile)
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "inventory.yaml").write_text("organisation:\n  name: X\n" + hostile)
    (folder / "soci.csv").write_bytes(SOCI.read_bytes())
    hostile_file = tmp_path / "hostile.yaml"
    hostile_file.write_text(hostile)
    out = str(tmp_path / "out")
    return {
        "rule pack": ["audit", str(SOCI), "--rules", str(empty_pack), "--format", "json", "--out", out],
        "inventory in the input folder": ["inspect", str(folder)],
        "waivers": ["audit", str(SOCI), "--waivers", str(hostile_file), "--format", "json", "--out", out],
        "mapping": ["inspect", "--mapping", str(hostile_file), str(SOCI)],
    }


@pytest.mark.parametrize(("hostile", "problem"), [
    (ALIAS_BOMB, "aliases (*name) expand to more than"),
    (DEEP, "nested more than 64 levels deep"),
    (SELF_ALIAS, "alias *s refers to a value that contains it"),
], ids=["alias bomb", "10k levels", "alias inside itself"])
@pytest.mark.parametrize("loader", ["rule pack", "inventory in the input folder", "waivers", "mapping"])
def test_hostile_yaml_is_refused_in_one_line(cli, tmp_path: Path, loader: str, hostile: str, problem: str) -> None:
    args = _yaml_runs(tmp_path, hostile)[loader]
    line = one_line_error(cli(*args), problem)
    assert ".yaml:" in line


def test_aliases_within_limits_still_work(tmp_path: Path) -> None:
    from msgaudit import yamlsafe

    data, _ = yamlsafe.load("base: &b {channel: whatsapp}\nrules:\n  - *b\n  - *b\n", tmp_path / "x.yaml")
    assert data["rules"] == [{"channel": "whatsapp"}, {"channel": "whatsapp"}]
