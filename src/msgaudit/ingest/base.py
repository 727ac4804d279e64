"""What every adapter shares: the context it reads with, the accounting it returns.

An adapter turns one file into canonical table fragments and an `InputReport`
that accounts for every row it read: accepted, or rejected with line and reason.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Protocol

import pandas as pd
from pydantic import BaseModel, Field


class Rejection(BaseModel):
    line: int
    reason: str


class InputReport(BaseModel):
    """The accounting of one input file; `rows_read == rows_accepted + rows_rejected` always."""

    path: str
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rejections: list[Rejection] = Field(default_factory=list)
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    notes: list[str] = Field(default_factory=list)

    def top_reasons(self, n: int = 5) -> list[tuple[str, int, list[int]]]:
        """Most frequent rejection reasons with their count and first lines."""
        by_reason: dict[str, list[int]] = {}
        for r in self.rejections:
            by_reason.setdefault(_reason_key(r.reason), []).append(r.line)
        ranked = sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [(reason, len(lines), lines[:5]) for reason, lines in ranked[:n]]


def counted(n: int, one: str, many: str) -> str:
    """'1 contact listed', '3 contacts listed': a count with its noun phrase agreeing."""
    return f"{n} {one if n == 1 else many}"


def _reason_key(reason: str) -> str:
    # "phone '12' is not ..." and "phone '13' is not ..." are one reason for the summary.
    return re.sub(r"'[^']*'", "'…'", reason)


@dataclass(frozen=True)
class IngestContext:
    """Settings an adapter reads with; all come from the CLI or the inventory."""

    default_region: str = "IT"
    timezone: str = "Europe/Rome"
    timezone_assumed: bool = False  # no --tz and no zone in the inventory: `timezone` is the default
    business_names: tuple[str, ...] = ()
    business_phones: tuple[str, ...] = ()  # E.164
    mapping: dict[str, str] = field(default_factory=dict)  # source header -> canonical field
    date_order: str | None = None  # "dmy" | "mdy" | "ymd" to override detection


@dataclass
class Source:
    """One input file, read once; adapters decode it through `msgaudit.ingest.decoding`."""

    path: Path
    data: bytes
    name: str  # what reports call it: the path as given, or archive!member

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def where(self, line: int) -> str:
        return f"{self.name}:{line}"


@dataclass
class Ingested:
    report: InputReport
    tables: dict[str, pd.DataFrame]


class Adapter(Protocol):
    """One export format. `sniff` scores how sure it is (0 = not mine, 1 = certain)."""

    name: ClassVar[str]

    def sniff(self, source: Source, head: str) -> float: ...

    def read(self, source: Source, ctx: IngestContext) -> Ingested: ...


class Ledger:
    """Collects accepted and rejected counts while an adapter reads, so no row is lost."""

    def __init__(self, source: Source, fmt: str, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.report = InputReport(path=source.name, sha256=source.sha256, format=fmt,
                                  encoding=encoding, delimiter=delimiter)

    def reject(self, line: int, reason: str) -> None:
        self.report.rejections.append(Rejection(line=line, reason=reason))

    def reject_many(self, lines: pd.Series, reasons: pd.Series) -> None:
        self.report.rejections.extend(
            Rejection(line=int(ln), reason=str(rs)) for ln, rs in zip(lines.to_numpy(), reasons.to_numpy())
        )

    def note(self, text: str) -> None:
        self.report.notes.append(text)

    def note_rows(self, mask: pd.Series, lines: pd.Series, text: str, one: str | None = None) -> None:
        """One note counting the rows in `mask`, with their first lines: '3 <text> (lines 4, 9, 12)'; `one` is
        the text for a single row when its noun must agree."""
        if mask.any():
            first = ", ".join(str(int(x)) for x in lines[mask].head(5))
            self.note(f"{counted(int(mask.sum()), one or text, text)} (lines {first}{'…' if mask.sum() > 5 else ''})")

    def note_phone_readings(self, notes: pd.Series, lines: pd.Series) -> None:
        """Say which numbers written without '+' were read as international (phones.Parsed.note), per reading."""
        for text in sorted(notes.dropna().unique()):
            self.note_rows(notes.eq(text), lines, f"phone numbers: {text}")

    def close(self, rows_read: int, times: pd.Series | None = None) -> InputReport:
        """Finish the accounting; accepted is what is left after rejections."""
        rep = self.report
        rep.rejections.sort(key=lambda r: r.line)
        rep.rows_read = rows_read
        rep.rows_rejected = len(rep.rejections)
        rep.rows_accepted = rows_read - rep.rows_rejected
        if rep.rows_accepted < 0:
            raise AssertionError(f"{rep.path}: more rejections than rows read")
        if times is not None and len(times.dropna()):
            rep.first_timestamp = times.min().to_pydatetime()
            rep.last_timestamp = times.max().to_pydatetime()
        return rep
