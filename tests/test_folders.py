"""Folders as people have them: what holds no export is skipped and listed, never fatal, never silent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from msgaudit.cli import cli
from msgaudit.errors import InputError
from msgaudit.loading import load

ROOT = Path(__file__).resolve().parents[1]
ASSOC = ROOT / "sample_exports" / "associazione"
AS_OF = "2026-11-25"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8


def _messy_folder(tmp_path: Path) -> Path:
    """The association's exports as an unzipped phone export and a Windows folder leave them."""
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    (folder / "IMG-20240505-WA0003.jpg").write_bytes(JPEG)
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\r\nIconResource=C:\\Windows\\system32\\imageres.dll,-3\r\n",
                                        encoding="utf-16")
    (folder / "leggimi.md").write_text("# note del presidente\n", encoding="utf-8")
    (folder / "verbale assemblea.docx").write_bytes(b"PK\x03\x04" + bytes(40) + b"[Content_Types].xml")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(64))
    (folder / "vuoto.csv").write_bytes(b"")
    return folder


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "MSGAUDIT_DEBUG"}
    return subprocess.run([sys.executable, "-m", "msgaudit", *args], capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=300)


def test_stray_files_are_skipped_and_listed_with_their_reason(tmp_path: Path) -> None:
    folder = _messy_folder(tmp_path)
    loaded = load([folder])
    assert sorted(Path(i.path).name for i in loaded.inputs) == sorted(p.name for p in ASSOC.iterdir())
    skipped = {Path(s.path).name: s.kind for s in loaded.skipped}
    # desktop.ini and Thumbs.db are Windows' own hidden files, a Word document is a document: each said as such,
    # not "format not recognised".
    assert skipped == {"IMG-20240505-WA0003.jpg": "binary", "desktop.ini": "hidden", "leggimi.md": "document",
                       ".DS_Store": "hidden", "vuoto.csv": "empty", "verbale assemblea.docx": "document",
                       "Thumbs.db": "hidden"}
    # The same findings as the clean folder: nothing from the stray files leaks in, nothing is lost.
    clean = load([ASSOC])
    assert len(loaded.tables.messages) == len(clean.tables.messages)
    assert len(loaded.tables.contacts) == len(clean.tables.contacts)


def test_skipped_files_reach_console_json_and_report(tmp_path: Path) -> None:
    folder = _messy_folder(tmp_path)
    out = tmp_path / "r"
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json,html", "--out", str(out),
                                      "--as-of", AS_OF, "--fail-on", "none"])
    assert result.exit_code == 0, result.output
    assert "4 files · 7 skipped" in result.output
    assert "IMG-20240505-WA0003.jpg: this is a binary file, not a text export" in result.output
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert {Path(s["path"]).name: s["kind"] for s in doc["skipped"]}["desktop.ini"] == "hidden"
    assert all(s["reason"] for s in doc["skipped"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Files in the input folders that were not read" in html and "desktop.ini" in html

    inspect = CliRunner().invoke(cli, ["inspect", str(folder)])
    assert inspect.exit_code == 0 and "skipped (not read)" in inspect.output and "4 files · 7 skipped" in inspect.output
    items = json.loads(CliRunner().invoke(cli, ["inspect", "--json", str(folder)]).output)
    photo = next(i for i in items if i["path"].endswith(".jpg"))
    assert photo["format"] == "skipped" and photo["skipped"]["kind"] == "binary"
    assert photo["rows_read"] == photo["rows_accepted"] + photo["rows_rejected"] == 0


def test_msgaudit_own_earlier_reports_are_recognised(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    first = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json,csv,html", "--out",
                                     str(tmp_path / "r1"), "--as-of", AS_OF, "--fail-on", "none"])
    assert first.exit_code == 0, first.output
    shutil.copytree(tmp_path / "r1", folder / "msgaudit report")
    (folder / "msgaudit report" / "report.pdf").write_bytes(b"%PDF-1.7\n" + bytes(100))
    # Renamed, it is still recognised by what it holds.
    (folder / "msgaudit report" / "findings.csv").rename(folder / "msgaudit report" / "risultati.csv")
    loaded = load([folder])
    kinds = {Path(s.path).name: s.kind for s in loaded.skipped}
    assert kinds == {"findings.json": "own-output", "risultati.csv": "own-output", "report.html": "own-output",
                     "report.pdf": "own-output", "manifest.json": "own-output",
                     "contactability.csv": "own-output"}
    second = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json", "--out", str(tmp_path / "r2"),
                                      "--as-of", AS_OF, "--fail-on", "none"])
    before = json.loads((tmp_path / "r1" / "findings.json").read_text(encoding="utf-8"))
    after = json.loads((tmp_path / "r2" / "findings.json").read_text(encoding="utf-8"))
    assert after["findings"] == before["findings"]


def test_exclude_globs_leave_files_out_on_purpose(tmp_path: Path) -> None:
    folder = _messy_folder(tmp_path)
    loaded = load([folder], exclude=("*.jpg", "desktop.ini"))
    kinds = {Path(s.path).name: s.kind for s in loaded.skipped}
    assert kinds["IMG-20240505-WA0003.jpg"] == "excluded" and kinds["desktop.ini"] == "excluded"
    excluded_chat = load([folder], exclude=("Chat *",))
    assert not any(i.format == "whatsapp-chat" for i in excluded_chat.inputs)
    assert len(excluded_chat.tables.messages) == 0


def test_strict_refuses_any_skipped_file_but_not_excluded_ones(tmp_path: Path) -> None:
    folder = _messy_folder(tmp_path)
    proc = _run("audit", str(folder), "--strict", "--format", "json", "--out", str(tmp_path / "r"), "--as-of", AS_OF)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and ".DS_Store: skipped: hidden file or folder; 6 more skipped" in lines[0], proc.stderr
    assert "--exclude" in lines[0]
    tidy = load([folder], strict=True, exclude=(".*", "*.jpg", "*.ini", "*.md", "*.docx", "*.db", "vuoto.csv"))
    assert len(tidy.inputs) == 4
    inspect = _run("inspect", "--strict", str(folder))
    assert inspect.returncode == 2 and "skipped" in inspect.stderr


def test_a_recognised_but_broken_file_still_fails_loudly(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    (folder / "webhooks.json").write_text('{"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [',
                                          encoding="utf-8")
    proc = _run("inspect", str(folder))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "webhooks.json: invalid JSON at line 1 column 75" in proc.stderr


def test_a_folder_that_cannot_be_listed_is_skipped_and_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    locked = folder / "archivio"
    locked.mkdir()
    (locked / "vecchi.csv").write_text("Nome;Cellulare\nAnna;3331234567\n", encoding="utf-8")
    real = os.scandir

    def scandir(path):  # CI runs as root, who can list anything: refuse the way a locked folder does
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    loaded = load([folder])
    assert [(Path(s.path).name, s.kind, s.reason) for s in loaded.skipped] == [
        ("archivio", "unlistable", "folder cannot be listed (Permission denied)")]
    with pytest.raises(InputError, match=r"archivio: skipped: folder cannot be listed \(Permission denied\)"):
        load([folder], strict=True)


def test_a_link_loop_in_a_folder_is_skipped_and_said(tmp_path: Path) -> None:
    # A link pointing at itself (left by a sync tool or a bad copy) made the walk raise ELOOP: "internal error".
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    (folder / "ciclo").symlink_to("ciclo")
    loaded = load([folder])
    assert len(loaded.inputs) == 4
    assert [(Path(s.path).name, s.kind, s.reason) for s in loaded.skipped] == [
        ("ciclo", "link", "link that cannot be followed (Too many levels of symbolic links)")]
    proc = _run("inspect", "--strict", str(folder))
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "ciclo: skipped: link that cannot be followed" in lines[0]


def test_an_unreadable_file_in_a_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "export"
    shutil.copytree(ASSOC, folder)
    secret = folder / "consensi.csv"
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    loaded = load([folder])
    assert [(Path(s.path).name, s.kind) for s in loaded.skipped] == [("consensi.csv", "unreadable")]
    with pytest.raises(InputError, match="consensi.csv: cannot be read"):
        load([secret])


@pytest.mark.parametrize(("command", "flag", "wrong"), [("audit", "--input-format", None), ("inspect", "--format", "--input-format")])
def test_error_hints_name_the_flag_of_the_command(tmp_path: Path, command: str, flag: str, wrong: str | None) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("lista della spesa\npane\nlatte\n", encoding="utf-8")
    args = [command, str(notes)] + (["--out", str(tmp_path / "r")] if command == "audit" else [])
    proc = _run(*args)
    assert proc.returncode == 2 and "format not recognised" in proc.stderr
    assert f"use {flag} with one of" in proc.stderr
    if wrong:
        assert wrong not in proc.stderr
    else:
        assert "use --format" not in proc.stderr
