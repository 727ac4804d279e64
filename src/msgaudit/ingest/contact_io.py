"""A sheet of strings from a delimited text file or an .xlsx workbook, with the line of each record.

Contact lists and ledgers arrive as whatever the office spreadsheet saved:
CSV in any of Excel's encodings and separators, or the workbook itself. Both
become the same `Sheet`, so adapters never care which one they got. For a
workbook the "line" of a record is its sheet row number, which is what a
person opening the file sees.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.archive import check_members, open_zip
from msgaudit.ingest.base import Source
from msgaudit.ingest.csvtable import dedupe_headers, read_csv_text
from msgaudit.ingest.decoding import decode, sniff_delimiter

XLSX_SUFFIXES = (".xlsx", ".xlsm")
MAX_COLUMNS = 1_024
_XLSX_HINT = "save it again from the spreadsheet as .xlsx or as CSV"


@dataclass
class Sheet:
    frame: pd.DataFrame  # every cell a str ("" when empty), headers as in the file
    lines: pd.Series  # line (or sheet row) where each record starts, aligned with frame
    bad_rows: list[tuple[int, str]]  # records that do not fit the header: (line, reason)
    rows_read: int
    encoding: str | None
    delimiter: str | None
    notes: list[str] = field(default_factory=list)


def is_xlsx(source: Source) -> bool:
    return source.suffix in XLSX_SUFFIXES or (source.data[:2] == b"PK" and _has_workbook(source.data))


def read_sheet(source: Source) -> Sheet:
    if is_xlsx(source):
        return _read_xlsx(source)
    text, encoding = decode(source.data, source.name)
    delimiter = sniff_delimiter(text)
    table = read_csv_text(text, delimiter, source.name)
    frame = table.frame.fillna("").astype(str)
    return Sheet(frame=frame, lines=table.lines, bad_rows=table.bad_rows, rows_read=table.rows_read,
                 encoding=encoding, delimiter=delimiter)


def head_columns(source: Source, head: str) -> list[str]:
    """The header cells of a file, from the sniffing head (CSV) or the first sheet row (.xlsx)."""
    if is_xlsx(source):
        try:
            rows, _ = _xlsx_rows(source, limit=1)
        except InputError:
            return []
        return rows[0][1] if rows else []
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    if not first:
        return []
    try:
        return [c.strip() for c in next(csv.reader([first], delimiter=sniff_delimiter(first)))]
    except (csv.Error, StopIteration):
        return []


def _has_workbook(data: bytes) -> bool:
    try:
        with open_zip(data, "") as zf:
            return "xl/workbook.xml" in zf.namelist()
    except InputError:
        return False


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        # A phone typed into a numeric cell comes back as 393331234567.0.
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(source: Source, limit: int | None = None) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Non-empty rows of the first sheet as (sheet row number, cells), and every sheet's name."""
    from openpyxl import load_workbook

    with open_zip(source.data, source.name, _XLSX_HINT) as zf:
        check_members(zf, zf.namelist(), source.name, _XLSX_HINT)
    try:
        wb = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputError(source.name, _workbook_problem("cannot open the workbook", exc), _XLSX_HINT) from None
    try:
        ws = wb.worksheets[0]
        # Rows are padded to the width the sheet declares: a 1 KB sheet declaring A1:XFD1048576 would
        # yield 16,384 cells for each of a million rows. No export is that wide; columns past it are not read.
        width = min(ws.max_column, MAX_COLUMNS) if ws.max_column else None
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True, max_col=width), start=1):
            if values.count(None) == len(values):
                continue
            cells = [_cell_text(v) for v in values[:MAX_COLUMNS]]
            if not any(cells):
                continue
            rows.append((number, cells))
            if limit is not None and len(rows) >= limit:
                break
        return rows, list(wb.sheetnames)
    except Exception as exc:  # the sheet is parsed while iterating: damaged XML, entities refused by defusedxml
        raise InputError(source.name, _workbook_problem("cannot read the first sheet", exc), _XLSX_HINT) from None
    finally:
        wb.close()


def _workbook_problem(what: str, exc: BaseException) -> str:
    from defusedxml import DefusedXmlException

    while exc.__cause__ is not None:  # openpyxl wraps the parser's error in a ValueError
        exc = exc.__cause__
    if isinstance(exc, DefusedXmlException):
        return f"{what}: its XML declares entities, which spreadsheets never write (an XML bomb or XXE)"
    return f"{what} ({type(exc).__name__})"


def _read_xlsx(source: Source) -> Sheet:
    rows, sheetnames = _xlsx_rows(source)
    if not rows:
        raise InputError(source.name, "the first sheet is empty", "put the list on the first sheet")
    header_cells = rows[0][1]
    while header_cells and not header_cells[-1]:
        header_cells = header_cells[:-1]
    header = dedupe_headers(header_cells)
    width = len(header)
    records: list[list[str]] = []
    starts: list[int] = []
    bad: list[tuple[int, str]] = []
    for number, cells in rows[1:]:
        extra = [c for c in cells[width:] if c]
        if extra:
            bad.append((number, f"{width + len(extra)} filled cells where the header names {width} columns"))
            continue
        records.append((cells + [""] * width)[:width])
        starts.append(number)
    frame = pd.DataFrame(records, columns=header, dtype=object) if records else pd.DataFrame(columns=header, dtype=object)
    notes = []
    if len(sheetnames) > 1:
        notes.append(f"only the first sheet {sheetnames[0]!r} was read; "
                     f"other sheets ignored: {', '.join(repr(s) for s in sheetnames[1:])}")
    return Sheet(frame=frame, lines=pd.Series(starts, dtype="int64"), bad_rows=bad,
                 rows_read=len(rows) - 1, encoding=None, delimiter=None, notes=notes)
