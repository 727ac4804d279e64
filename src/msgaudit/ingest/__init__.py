"""Read export files into canonical tables, accounting for every row.

    read_inputs(paths, ctx) -> list[Ingested]

A path may be a file or a folder (every file inside, sorted, hidden files and
Markdown notes skipped; a sub-folder that cannot be listed is an error, never
skipped). Inputs are opened read-only and never written to.
"""

from __future__ import annotations

import os
from pathlib import Path

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, InputReport, Source
from msgaudit.ingest.decoding import looks_binary
from msgaudit.ingest.registry import ADAPTERS, adapter, detect

__all__ = ["IngestContext", "Ingested", "InputReport", "expand", "read_file", "read_inputs"]

_SKIP_SUFFIXES = {".md", ".pdf", ".html"}
_HEAD_BYTES = 16_384


def expand(paths: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += _walk(p)
        elif p.is_file():
            files.append(p)
        elif p.exists():
            raise InputError(p, "not a regular file", "give a file or a folder")
        else:
            raise InputError(p, "no such file or folder", "check the path")
    return files


def _walk(root: Path) -> list[Path]:
    """Files under `root`, sorted, hidden ones skipped; a sub-folder that cannot be listed is an error,
    since skipping it would lose its exports without a trace."""
    def refuse(exc: OSError) -> None:
        raise InputError(exc.filename or root, f"cannot list this folder ({exc.strerror})",
                         "fix its permissions, or leave it out of the folder you audit")

    found: list[Path] = []
    for folder, dirs, names in os.walk(root, onerror=refuse):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder, n) for n in names if not n.startswith(".") and Path(n).suffix.lower() not in _SKIP_SUFFIXES]
    return sorted(f for f in found if f.is_file())


def read_file(path: Path, ctx: IngestContext, fmt: str | None = None) -> Ingested:
    """Read one file with its adapter; running out of memory is a one-line error naming the file."""
    try:
        return _read_file(path, ctx, fmt)
    except MemoryError:
        pass  # leave the handler first: the failed read's frames, and the data they hold, are freed with it
    size = path.stat().st_size
    raise InputError(path, f"too large to read in this machine's memory ({size / 1e6:,.0f} MB)",
                     "split it (a month per file, say) and audit the parts one at a time, "
                     "or run on a machine with more memory")


def _read_file(path: Path, ctx: IngestContext, fmt: str | None) -> Ingested:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})", "check permissions") from None
    source = Source(path=path, data=data, name=str(path))
    if not data.strip():
        raise InputError(path, "the file is empty", "export it again or leave it out")
    if looks_binary(data):
        raise InputError(path, "this is a binary file, not a text export",
                         "give the .txt, .csv, .json, .vcf or .zip the app exported")
    if fmt:
        if fmt not in ADAPTERS:
            raise InputError(path, f"unknown --format {fmt!r}", f"use one of: {', '.join(ADAPTERS)}")
        chosen = adapter(fmt)
    else:
        chosen = detect(source, _head_text(data))
    return chosen.read(source, ctx)


def read_inputs(paths: list[str | Path], ctx: IngestContext, fmt: str | None = None) -> list[Ingested]:
    return [read_file(p, ctx, fmt) for p in expand(paths)]


def _head_text(data: bytes) -> str:
    from msgaudit.ingest.decoding import detect_encoding

    head = data[:_HEAD_BYTES]
    if head[:2] == b"PK":
        return ""
    try:
        return head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff")
    except LookupError:
        return head.decode("latin-1")
