"""The output folder: never over an input, never through a link, one report set at a time, all or nothing.

Hostile folders are built inside each test: planted symlinks, a fake previous manifest, a
second audit holding the lock, a renderer interrupted by Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

import msgaudit.report.pdf as pdf
from conftest import ROOT
from msgaudit.report import claim_out, write_reports
from msgaudit.report.outdir import OutputError

_spec = importlib.util.spec_from_file_location("report_build", ROOT / "tests/fixtures/report/build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SAMPLE = ROOT / "src/msgaudit/data/sample_exports/negozio"
ALL = {"html", "pdf", "json", "csv"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MSGAUDIT_DEBUG"}
    return subprocess.run([sys.executable, "-c", "from msgaudit.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def _one_line_error(proc: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert all(e in lines[0] for e in expected), lines[0]


def _fake_pdf(monkeypatch: pytest.MonkeyPatch, content: bytes = b"%PDF-1.7 fake") -> None:
    monkeypatch.setattr(pdf, "render_pdf", lambda html, as_of: content)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def _assert_manifest_matches(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert on_disk == {e["name"] for e in manifest["files"]}, "only the set and its manifest are in the folder"
    return manifest


# --- inputs are never overwritten ---------------------------------------------------------------

@pytest.mark.parametrize("where", ["same", "inside"])
def test_out_in_the_audited_folder_is_refused(tmp_path: Path, where: str) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    victim = exports / "findings.json"
    victim.write_text('{"my": "webhook log"}', encoding="utf-8")
    out = exports if where == "same" else exports / "reports"
    _one_line_error(run("audit", str(exports), "--out", str(out)), str(out), "inside the audited folder")
    assert victim.read_text(encoding="utf-8") == '{"my": "webhook log"}'
    assert sorted(p.name for p in exports.iterdir()) == ["findings.json"]


def test_out_that_would_replace_an_input_file_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "report.html"
    victim.write_text("an input that happens to share a report's name", encoding="utf-8")
    proc = run("audit", str(SAMPLE), "--inventory", str(victim), "--out", str(tmp_path))
    _one_line_error(proc, "would replace the input", "report.html")
    assert victim.read_text(encoding="utf-8") == "an input that happens to share a report's name"


@pytest.mark.parametrize("given", ["--out", "--waivers"])
def test_a_link_loop_given_as_a_path_is_one_line(tmp_path: Path, given: str) -> None:
    # Path.resolve() raises RuntimeError on a loop, which the command let escape as a traceback.
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    args = {"--out": ["--out", str(loop)], "--waivers": ["--out", str(tmp_path / "out"), "--waivers", str(loop)]}
    expected = {"--out": "a link that cannot be followed", "--waivers": "Too many levels of symbolic links"}
    _one_line_error(run("audit", str(SAMPLE), "--format", "json", *args[given]), str(loop), expected[given])


# --- links are never written through ------------------------------------------------------------

def test_planted_symlinks_are_replaced_not_written_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pdf(monkeypatch)
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("precious", encoding="utf-8")
    # The final names and the fixed staging names of earlier versions, all pointing at the victim.
    for name in ("report.html", "report.pdf", "findings.json", ".findings.json.part", ".report.html.part"):
        (out / name).symlink_to(victim)
    write_reports(build.build(hostile=False), out, ALL)
    assert victim.read_text(encoding="utf-8") == "precious"
    for name in ("report.html", "report.pdf", "findings.json", "findings.csv"):
        assert not (out / name).is_symlink() and (out / name).stat().st_size > 0
    assert (out / "report.pdf").read_bytes() == b"%PDF-1.7 fake"


def test_planted_lock_symlink_is_refused_and_not_followed(tmp_path: Path) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_text("precious", encoding="utf-8")
    (out / ".msgaudit.lock").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        write_reports(build.build(hostile=False), out, {"json"})
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (out / "findings.json").exists()


def test_staging_folder_is_private_and_unpredictable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    def spy(html: str, as_of: date) -> bytes:
        seen.extend(p for p in tmp_path.iterdir() if p.name.startswith(".msgaudit-staging-"))
        return b"%PDF"

    monkeypatch.setattr(pdf, "render_pdf", spy)
    write_reports(build.build(hostile=False), tmp_path, {"html", "pdf"})
    write_reports(build.build(hostile=False), tmp_path, {"html", "pdf"})
    assert len(seen) == 2 and seen[0].name != seen[1].name
    assert not any(p.exists() for p in seen)


# --- one report set, all or nothing -------------------------------------------------------------

def test_interrupted_pdf_leaves_the_previous_set_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pdf(monkeypatch, b"%PDF old")
    write_reports(build.build(hostile=False), tmp_path, ALL, lang="en")
    before = _snapshot(tmp_path)

    def interrupted(html: str, as_of: date) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf, "render_pdf", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_reports(build.build(hostile=False), tmp_path, ALL, lang="it")
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before)  # no staging folder, no lock left
    _assert_manifest_matches(tmp_path)


def test_sigterm_during_the_pdf_leaves_the_previous_set_untouched(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import importlib.util, os, signal, sys, time
        from pathlib import Path
        import msgaudit.report.pdf as pdf
        from msgaudit.report import write_reports
        spec = importlib.util.spec_from_file_location("b", {str(ROOT / "tests/fixtures/report/build.py")!r})
        build = importlib.util.module_from_spec(spec); spec.loader.exec_module(build)
        out = Path({str(tmp_path)!r})
        pdf.render_pdf = lambda html, as_of: b"%PDF old"
        write_reports(build.build(hostile=False), out, {{"html", "pdf", "json"}}, lang="en")
        def killed(html, as_of):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        pdf.render_pdf = killed
        try:
            write_reports(build.build(hostile=False), out, {{"html", "pdf", "json"}}, lang="it")
        except KeyboardInterrupt:
            sys.exit(143)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 143, proc.stderr
    manifest = _assert_manifest_matches(tmp_path)
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF old"
    assert '<html lang="en"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert len(manifest["files"]) == 3


def test_manifest_ties_the_set_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pdf(monkeypatch)
    write_reports(build.build(hostile=False), tmp_path, ALL)
    first = _assert_manifest_matches(tmp_path)
    assert first["as_of"] == "2026-11-25" and first["tool"]["name"] == "msgaudit"
    write_reports(build.build(hostile=False), tmp_path, ALL)
    second = _assert_manifest_matches(tmp_path)
    assert first["run_id"] != second["run_id"]


def test_fewer_formats_remove_the_previous_sets_other_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_pdf(monkeypatch)
    write_reports(build.build(hostile=False), tmp_path, ALL)
    write_reports(build.build(hostile=False), tmp_path, {"json"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json", "manifest.json"]
    _assert_manifest_matches(tmp_path)


def test_a_planted_manifest_deletes_nothing_but_report_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"files": [{"name": "notes.txt"}, {"name": "../victim.txt"}, {"name": "findings.csv"}]}), encoding="utf-8")
    (tmp_path / "findings.csv").write_text("old", encoding="utf-8")
    write_reports(build.build(hostile=False), tmp_path, {"json"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json", "manifest.json", "notes.txt"]


def test_abandoned_staging_folder_is_cleared(tmp_path: Path) -> None:
    (tmp_path / ".msgaudit-staging-dead").mkdir()
    (tmp_path / ".msgaudit-staging-dead" / "report.html").write_text("half", encoding="utf-8")
    write_reports(build.build(hostile=False), tmp_path, {"json"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.json", "manifest.json"]


# --- one audit at a time per folder -------------------------------------------------------------

def test_a_second_concurrent_audit_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with claim_out(out):
        proc = run("audit", str(SAMPLE), "--out", str(out), "--as-of", "2026-11-25")
        with pytest.raises(OutputError, match="another msgaudit run"):
            write_reports(build.build(hostile=False), out, {"json"})
    _one_line_error(proc, str(out), "another msgaudit run is writing reports to this folder")
    assert list(out.iterdir()) == []
    # Once the first run is done the folder is free again.
    write_reports(build.build(hostile=False), out, {"json"})
    assert (out / "findings.json").is_file()
