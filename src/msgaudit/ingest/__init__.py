"""Read export files into canonical tables, accounting for every row.

    read_inputs(paths, ctx) -> list[Ingested]

A path may be a file or a folder (every file inside, sorted; see `folders` for
what is skipped and listed). Inputs are opened read-only and never written to.
"""

from __future__ import annotations

from pathlib import Path

from msgaudit.errors import InputError, NotAnExport
from msgaudit.ingest.base import IngestContext, Ingested, InputReport, Source
from msgaudit.ingest.decoding import looks_binary
from msgaudit.ingest.folders import Candidate, Expanded, Skipped, expand, own_output, skipped_for
from msgaudit.ingest.registry import ADAPTERS, adapter, detect

__all__ = ["Candidate", "Expanded", "IngestContext", "Ingested", "InputReport", "Skipped", "expand", "read_file",
           "read_inputs", "skipped_for"]

_HEAD_BYTES = 16_384


def read_file(path: Path, ctx: IngestContext, fmt: str | None = None) -> Ingested:
    """Read one file; `NotAnExport` when it holds nothing to read, any other `InputError` when it is broken.

    Running out of memory is a one-line error naming the file."""
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
        raise NotAnExport(path, "unreadable", f"cannot be read ({exc.strerror})", "check permissions") from None
    source = Source(path=path, data=data, name=str(path))
    if not data.strip():
        raise NotAnExport(path, "empty", "the file is empty", "export it again or leave it out")
    if looks_binary(data):
        raise NotAnExport(path, "binary", "this is a binary file, not a text export",
                          "give the .txt, .csv, .json, .vcf or .zip the app exported")
    head = _head_text(data)
    if fmt:
        if fmt not in ADAPTERS:
            raise InputError(path, f"unknown --format {fmt!r}", f"use one of: {', '.join(ADAPTERS)}")
        chosen = adapter(fmt)
    elif own_output(head):
        raise NotAnExport(path, "own-output", "written by msgaudit (findings or a simulated answer key), "
                          "not an export", "audit the exports, not an earlier report")
    else:
        chosen = detect(source, head)
    return chosen.read(source, ctx)


def read_inputs(paths: list[str | Path], ctx: IngestContext, fmt: str | None = None) -> list[Ingested]:
    return [read_file(c.path, ctx, fmt) for c in expand(paths).files]


def _head_text(data: bytes) -> str:
    from msgaudit.ingest.decoding import detect_encoding

    head = data[:_HEAD_BYTES]
    if head[:2] == b"PK":
        return ""
    try:
        return head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff")
    except LookupError:
        return head.decode("latin-1")
