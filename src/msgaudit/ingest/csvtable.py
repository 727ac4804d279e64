"""Delimited text to a frame of strings, with the file line of every record.

The csv module (C code) is used rather than pandas' reader because a record
with a quoted line break spans several file lines, and every rejection must
name the line where its record starts.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from msgaudit.errors import InputError


@dataclass
class CsvTable:
    frame: pd.DataFrame  # every cell a str, headers as in the file
    lines: pd.Series  # file line where each record starts, aligned with frame
    bad_rows: list[tuple[int, str]]  # (line, reason) for records that do not fit the header
    header_line: int
    rows_read: int


def read_csv_text(text: str, delimiter: str, path: str) -> CsvTable:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    records: list[list[str]] = []
    starts: list[int] = []
    bad: list[tuple[int, str]] = []
    rows_read = 0
    prev_end = 0
    try:
        for row in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if header is None:
                if not any(c.strip() for c in row):
                    continue
                header = [h.strip() for h in row]
                header_line = start
                continue
            if not any(c.strip() for c in row):
                continue  # blank lines are not records
            rows_read += 1
            if len(row) != len(header):
                if len(row) > len(header) and not any(c.strip() for c in row[len(header):]):
                    row = row[: len(header)]  # trailing separators, as Excel writes them
                else:
                    bad.append((start, f"{len(row)} fields where the header has {len(header)}"))
                    continue
            records.append(row)
            starts.append(start)
    except csv.Error as exc:
        raise InputError(path, f"line {reader.line_num}: malformed CSV ({exc})", "check quotes in that line") from None
    if header is None:
        raise InputError(path, "no header row found", "the first line must name the columns")
    frame = pd.DataFrame(records, columns=dedupe_headers(header), dtype=object) if records else pd.DataFrame(columns=dedupe_headers(header), dtype=object)
    return CsvTable(frame=frame, lines=pd.Series(starts, dtype="int64"), bad_rows=bad, header_line=header_line, rows_read=rows_read)


def dedupe_headers(header: list[str]) -> list[str]:
    """Repeated headers get .1, .2 suffixes, as pandas names them, so no column hides another."""
    seen: dict[str, int] = {}
    out = []
    for h in header:
        n = seen.get(h, 0)
        out.append(h if n == 0 else f"{h}.{n}")
        seen[h] = n + 1
    return out


def header_key(name: str) -> str:
    """'Data consenso', 'data_consenso', 'DATA CONSENSO ' → 'dataconsenso' (accents folded)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def find_column(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    """The first column whose folded name equals one of the aliases (already folded)."""
    keyed = {header_key(c): c for c in reversed(columns)}
    for alias in aliases:
        if alias in keyed:
            return keyed[alias]
    return None
