"""Bad input exits 2 with one line that names the file and says what to do; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES

BAD = FIXTURES / "bad"
INV = FIXTURES / "inventory"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MSGAUDIT_DEBUG"}
    return subprocess.run([sys.executable, "-c", "from msgaudit.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(("args", "expected"), [
    (["inspect", str(BAD / "photo.txt")], "binary file"),
    (["inspect", str(BAD / "empty.csv")], "the file is empty"),
    (["inspect", str(BAD / "truncated.json")], "truncated.json"),
    (["inspect", str(BAD / "notes.txt")], "format not recognised"),
    (["inspect", str(BAD / "does-not-exist.csv")], "no such file or folder"),
    (["inspect", "--inventory", str(INV / "typo.yaml"), str(BAD / "notes.txt")], "unknown key 'transfer'; did you mean 'transfers'?"),
    (["inspect", "--inventory", str(INV / "bad_mechanism.yaml"), str(BAD / "notes.txt")], "bad_mechanism.yaml:7"),
    (["inspect", "--inventory", str(INV / "bad_zone.yaml"), str(BAD / "notes.txt")], "unknown time zone 'Europe/Roma'"),
    (["audit", "--as-of", "yesterday", str(BAD / "notes.txt")], "is not a date"),
    (["rules", "show", "NOPE-001"], "no rule 'NOPE-001'"),
])
def test_bad_input_is_one_line_exit_2(args: list[str], expected: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    if lines[0].startswith("Usage:"):
        # click's usage errors print the usage and a hint first; the reason is still one line.
        errors = [ln for ln in lines if ln.startswith("Error:")]
        assert len(errors) == 1 and expected in errors[0], proc.stderr
    else:
        assert len(lines) == 1 and expected in lines[0], proc.stderr


def test_unreadable_file(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    locked = tmp_path / "locked.csv"
    locked.write_text("a,b\n1,2\n")
    locked.chmod(0)
    proc = run("inspect", str(locked))
    assert proc.returncode == 2 and "cannot be read" in proc.stderr


def test_inputs_are_never_written(tmp_path: Path) -> None:
    import shutil

    from msgaudit.loading import load

    src = Path(__file__).resolve().parents[1] / "sample_exports" / "associazione"
    copy = tmp_path / "assoc"
    shutil.copytree(src, copy)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in copy.iterdir()}
    load([copy])
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in copy.iterdir()}
    assert before == after


def test_an_unexpected_error_is_one_line_not_a_traceback(monkeypatch, capsys) -> None:
    import msgaudit.cli as cli_module

    def deep(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.delenv("MSGAUDIT_DEBUG", raising=False)
    monkeypatch.setattr(cli_module.cli, "main", deep)
    with pytest.raises(SystemExit) as exit_:
        cli_module.main()
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "RecursionError" in err and "Traceback" not in err
