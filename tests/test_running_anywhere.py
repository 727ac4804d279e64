"""Running anywhere: no Pango, a cp1252 terminal or pipe, `python -m msgaudit`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ASSOC = ROOT / "sample_exports" / "associazione"

# WeasyPrint loads Pango through cffi when imported; on a machine without it the import raises OSError.
# Like WeasyPrint's own loader, it prints a banner to stdout first.
_NO_PANGO = """
import sys
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec

class NoPango(MetaPathFinder, Loader):
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            return ModuleSpec(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        print("-----\\nWeasyPrint could not import some external libraries.\\n-----")
        raise OSError("cannot load library 'libgobject-2.0-0': error 0x7e")

sys.meta_path.insert(0, NoPango())
from msgaudit.cli import main
main()
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MSGAUDIT_DEBUG", "PYTHONIOENCODING", "PYTHONUTF8"}}
    return {**env, **extra}


def test_without_pango_the_other_reports_are_written_and_the_pdf_skipped_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-c", _NO_PANGO, "audit", str(ASSOC), "--out", str(out),
                           "--as-of", "2026-11-25", "--fail-on", "none"],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["contactability.csv", "findings.csv", "findings.json", "manifest.json",
                                                       "report.html"]
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("msgaudit: PDF skipped, WeasyPrint cannot load Pango"), proc.stderr
    assert "install Pango" in lines[0] and "internal error" not in proc.stderr
    assert "pdf   report" not in proc.stdout and "html  report" in proc.stdout
    assert "WeasyPrint could not import" not in proc.stdout + proc.stderr


def test_pdf_only_without_pango_writes_nothing_and_says_why(tmp_path: Path) -> None:
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-c", _NO_PANGO, "audit", str(ASSOC), "--out", str(out), "--format", "pdf",
                           "--as-of", "2026-11-25", "--fail-on", "none"],
                          capture_output=True, text=True, env=_env(), timeout=300)
    assert proc.returncode == 0 and "PDF skipped" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir())


def test_a_cp1252_pipe_never_crashes(tmp_path: Path) -> None:
    chat = tmp_path / "chat.txt"
    chat.write_text("01/03/24, 10:00 - Łukasz Żółw: Dzień dobry → ok\n01/03/24, 10:05 - Anna: ciao\n",
                    encoding="utf-8")
    env = _env(PYTHONIOENCODING="cp1252")
    for args in (["inspect", str(ASSOC)], ["inspect", str(chat)],
                 ["audit", str(ASSOC), "--out", str(tmp_path / "r"), "--format", "json", "--as-of", "2026-11-25"]):
        proc = subprocess.run([sys.executable, "-m", "msgaudit", *args], capture_output=True, env=env, timeout=300)
        assert proc.returncode in (0, 1), proc.stderr.decode("cp1252", "replace")
        assert b"Traceback" not in proc.stderr
        text = proc.stdout.decode("cp1252")  # what a Windows console or pipe receives decodes cleanly
        assert "rows" in text or "findings" in text
    as_json = subprocess.run([sys.executable, "-m", "msgaudit", "inspect", "--json", str(chat)],
                             capture_output=True, env=env, timeout=300)
    assert as_json.returncode == 0
    # JSON keeps every name intact through escapes, where plain text could only print a replacement.
    items = json.loads(as_json.stdout.decode("cp1252"))
    assert items[0]["authors"]["top"][0]["author"] in {"Łukasz Żółw", "Anna"}
    assert {a["author"] for a in items[0]["authors"]["top"]} == {"Łukasz Żółw", "Anna"}


def test_python_dash_m_msgaudit_runs_the_cli() -> None:
    from msgaudit import __version__

    proc = subprocess.run([sys.executable, "-m", "msgaudit", "--version"], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == f"msgaudit, version {__version__}"
    bad = subprocess.run([sys.executable, "-m", "msgaudit", "inspect", "/no/such/folder"], capture_output=True,
                         text=True, env=_env(), timeout=120)
    assert bad.returncode == 2 and "no such file or folder" in bad.stderr
