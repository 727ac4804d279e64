"""From the paths a user gives to the files msgaudit reads, and the ones it leaves out with a reason.

    expand(paths, exclude=("*.jpg",)) -> Expanded(files=[Candidate...], skipped=[Skipped...])

A folder is taken as people have it: photos from an unzipped export,
`desktop.ini`, notes, msgaudit's own earlier reports. What cannot be an export
is skipped and listed, never read and never silently lost; a file named on the
command line is the user's explicit choice and is read or refused loudly.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from msgaudit.errors import InputError, NotAnExport

SkipKind = Literal["excluded", "hidden", "link", "document", "own-output", "empty", "binary", "unknown", "unreadable",
                   "unlistable"]

# Reports people keep beside their exports; no adapter reads them.
_DOCUMENT_SUFFIXES = {".md", ".pdf", ".html", ".htm", ".doc", ".docx", ".odt", ".rtf", ".ppt", ".pptx", ".odp"}
# Files Windows and macOS write into folders by themselves (folder icon, thumbnail cache).
_SYSTEM_NAMES = {"desktop.ini", "thumbs.db", "ehthumbs.db", "icon\r"}
_OWN_REPORT_NAMES = {"report.html", "report.pdf"}
# findings.json opens with the tool that wrote it; findings.csv, contactability.csv and ground_truth.csv with
# their fixed headers.
_OWN_JSON = re.compile(r'\A\s*\{\s*"tool"\s*:\s*\{[^{}]*"name"\s*:\s*"msgaudit"')
_OWN_CSV_HEADERS = ({"rule_id", "severity", "fingerprint"}, {"rule_id", "message_id", "contact"},
                    {"contact", "channel", "status", "reason", "since", "source"})


class Skipped(BaseModel):
    """A file or folder found inside an input folder that the audit did not read, and why."""

    path: str
    kind: SkipKind
    reason: str

    @property
    def refused_by_strict(self) -> bool:
        """`--strict` turns every skip into an error except what the user excluded on purpose."""
        return self.kind != "excluded"


@dataclass(frozen=True)
class Candidate:
    path: Path
    in_folder: bool  # found by walking a folder, not named on the command line


@dataclass
class Expanded:
    files: list[Candidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def skipped_for(exc: NotAnExport) -> Skipped:
    return Skipped(path=exc.path, kind=exc.kind, reason=exc.problem)  # type: ignore[arg-type]


def excluded_by(rel: str, name: str, patterns: tuple[str, ...]) -> str | None:
    """The first `--exclude` glob that matches the path (relative to its folder) or the file name."""
    for pattern in patterns:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            return pattern
    return None


def expand(paths: list[str | Path], exclude: tuple[str, ...] = ()) -> Expanded:
    out = Expanded()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            _walk(p, p, exclude, out)
        elif p.is_file():
            pattern = excluded_by(p.as_posix(), p.name, exclude)
            if pattern:
                out.skipped.append(Skipped(path=str(p), kind="excluded", reason=f"excluded by --exclude {pattern}"))
            else:
                out.files.append(Candidate(p, in_folder=False))
        elif p.exists():
            raise InputError(p, "not a regular file", "give a file or a folder")
        else:
            raise InputError(p, "no such file or folder", "check the path")
    return out


def _walk(root: Path, folder: Path, exclude: tuple[str, ...], out: Expanded) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        out.skipped.append(Skipped(path=str(folder), kind="unlistable",
                                   reason=f"folder cannot be listed ({exc.strerror or exc})"))
        return
    for entry in entries:
        path = folder / entry.name
        rel = path.relative_to(root).as_posix()
        pattern = excluded_by(rel, entry.name, exclude)
        if pattern:
            out.skipped.append(Skipped(path=str(path), kind="excluded", reason=f"excluded by --exclude {pattern}"))
        elif entry.name.startswith("."):
            out.skipped.append(Skipped(path=str(path), kind="hidden", reason="hidden file or folder"))
        elif entry.is_dir(follow_symlinks=False):
            _walk(root, path, exclude, out)
        elif (problem := _unfollowable(entry)) is not None:
            out.skipped.append(Skipped(path=str(path), kind="link", reason=f"link that cannot be followed ({problem})"))
        elif entry.is_symlink() and entry.is_dir():
            out.skipped.append(Skipped(path=str(path), kind="link", reason="link to a folder, not followed"))
        elif not entry.is_file():
            out.skipped.append(Skipped(path=str(path), kind="unknown", reason="not a regular file"))
        elif entry.name.lower() in _SYSTEM_NAMES:
            out.skipped.append(Skipped(path=str(path), kind="hidden",
                                       reason="a file the operating system keeps in folders, not an export"))
        elif entry.name.lower() in _OWN_REPORT_NAMES:
            out.skipped.append(Skipped(path=str(path), kind="own-output", reason="msgaudit report from an earlier run"))
        elif path.suffix.lower() in _DOCUMENT_SUFFIXES:
            out.skipped.append(Skipped(path=str(path), kind="document", reason="a document, not an export"))
        else:
            out.files.append(Candidate(path, in_folder=True))


def _unfollowable(entry: os.DirEntry[str]) -> str | None:
    """Why a link cannot be followed (a loop, a target too deep), or None.

    DirEntry.is_dir() and is_file() raise on such a link instead of answering, which aborted the whole audit;
    a dangling link is not an error to them and is skipped further on as not a regular file.
    """
    if not entry.is_symlink():
        return None
    try:
        entry.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def own_output(head: str) -> bool:
    """findings.json, findings.csv, contactability.csv or ground_truth.csv written by msgaudit (whatever the file is called now)."""
    if _OWN_JSON.match(head):
        return True
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip()
    fields = {f.strip().strip('"') for f in first.split(",")}
    return any(header <= fields for header in _OWN_CSV_HEADERS)
