"""Consent ledgers and opt-out (do-not-contact) lists kept as CSV or .xlsx.

Consent ledger: one event per row: phone, purpose, channel, status
(granted / withdrawn, or concesso, revocato, sì, no, opt-in, opt-out…),
timestamp, evidence, method, business_name, and optionally the person's
birth date ("Data di nascita") or age ("Età"); headers in English or Italian
(`contact_fields.CONSENT_ALIASES`). A row without a usable phone, status or
timestamp is rejected with the reason; an empty purpose becomes
`unspecified` (a consent that names no purpose is not specific, and the
rules can say so) and an empty channel `any`.

Opt-out list: phone, kind (do-not-contact, block, national-registry,
marketing-stop), since, scope (marketing or all). Without a kind column the
file name decides (…opposizioni… or …rpo… → national-registry, …block… →
block), else do-not-contact. An entry without a date applies from
1970-01-01 UTC: a do-not-contact request of unknown date must be honoured
for every message the audit sees.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source, counted
from msgaudit.ingest.contact_fields import (
    ANY_CHANNEL, CHANNEL_WORDS, CONSENT_ALIASES, CONSENT_METHODS, CONSENT_STATUS, OPTOUT_ALIASES, OPTOUT_FILE_MARKS,
    OPTOUT_HEADER_MARKS, OPTOUT_KIND_BY_FILE, OPTOUT_KINDS, OPTOUT_SCOPES, PURPOSE_WORDS, cells, first_word, fold,
    head_has, map_words, none_if_empty, resolve,
)
from msgaudit.ingest.contact_consent import birth_and_age
from msgaudit.ingest.contact_io import Sheet, head_columns, read_sheet
from msgaudit.ingest.csvtable import header_key
from msgaudit.ingest.timeparse import OUT_OF_RANGE, read_datetimes
from msgaudit.phones import normalise
from msgaudit.tables import CONSENT_EVENTS, OPTOUTS, conform

UNSPECIFIED_PURPOSE = "unspecified"
EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


class _Reasons:
    """The first reason each row is rejected for, in the order the checks are added."""

    def __init__(self, index: pd.Index) -> None:
        self.reason = pd.Series(None, index=index, dtype=object)

    def add(self, mask: pd.Series, text: pd.Series | str) -> None:
        self.reason = self.reason.where(self.reason.notna() | ~mask.fillna(False).astype(bool), text)

    @property
    def ok(self) -> pd.Series:
        return self.reason.isna()


def _start(source: Source, fmt: str) -> tuple[Sheet, Ledger]:
    sheet = read_sheet(source)
    ledger = Ledger(source, fmt, sheet.encoding, sheet.delimiter)
    for note in sheet.notes:
        ledger.note(note)
    for line, reason in sheet.bad_rows:
        ledger.reject(line, reason)
    return sheet, ledger


def _require(source: Source, cols: dict[str, list[str]], fields: tuple[str, ...], frame: pd.DataFrame) -> None:
    missing = [f for f in fields if f not in cols]
    if missing:
        raise InputError(source.name, f"no {' or '.join(missing)} column among {list(frame.columns)}",
                         "rename the column or give --mapping")


def _phones(frame: pd.DataFrame, cols: dict[str, list[str]], ctx: IngestContext, reasons: _Reasons) -> pd.DataFrame:
    raw = cells(frame, cols, "phone")
    parsed = normalise(raw, ctx.default_region)
    reasons.add(raw.eq(""), "no phone")
    reasons.add(parsed["error"].notna(), parsed["error"])
    return parsed


def _times(values: pd.Series, what: str, ctx: IngestContext, reasons: _Reasons, *, required: bool) -> pd.Series:
    dayfirst = {"dmy": True, "mdy": False}.get(ctx.date_order or "")
    times = read_datetimes(values, ctx.timezone, dayfirst=dayfirst)
    if required:
        reasons.add(values.eq(""), f"no {what}")
    reasons.add(times.out_of_range, f"{what} '" + values + f"' {OUT_OF_RANGE}")
    reasons.add(values.ne("") & times.at.isna(), f"{what} '" + values + "' is not a date")
    return times.at


def _accepted_values(table: dict[str, str], canonical: tuple[str, ...]) -> str:
    canon = {header_key(c) for c in canonical}
    aliases = sorted(k for k in table if k not in canon and k.isalpha() and len(k) > 2)[:8]
    return f"{', '.join(canonical)} (or {', '.join(aliases)}…)"


class ConsentLedgerAdapter:
    name: ClassVar[str] = "consent-ledger"

    def sniff(self, source: Source, head: str) -> float:
        columns = head_columns(source, head)
        return 0.9 if all(head_has(columns, CONSENT_ALIASES, (f,)) for f in ("phone", "status", "timestamp", "purpose")) else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        sheet, ledger = _start(source, self.name)
        frame = sheet.frame
        cols = resolve(list(frame.columns), CONSENT_ALIASES, ctx.mapping)
        _require(source, cols, ("phone", "status", "timestamp"), frame)
        reasons = _Reasons(frame.index)
        parsed = _phones(frame, cols, ctx, reasons)
        status_raw = cells(frame, cols, "status")
        status, unknown = map_words(status_raw, CONSENT_STATUS)
        reasons.add(status_raw.eq(""), "no status")
        reasons.add(unknown, "status '" + status_raw + "' is not one of "
                    + _accepted_values(CONSENT_STATUS, ("granted", "withdrawn")))
        at = _times(cells(frame, cols, "timestamp"), "timestamp", ctx, reasons, required=True)
        ledger.reject_many(sheet.lines[~reasons.ok], reasons.reason[~reasons.ok])
        ledger.note_phone_readings(parsed["note"][reasons.ok], sheet.lines[reasons.ok])

        ok = reasons.ok
        purpose = _words(cells(frame, cols, "purpose"), PURPOSE_WORDS)
        if purpose[ok].isna().any():
            ledger.note(f"{counted(int(purpose[ok].isna().sum()), 'consent event names', 'consent events name')} no purpose: recorded as "
                        f"'{UNSPECIFIED_PURPOSE}'")
        method_raw = cells(frame, cols, "method")
        method, _ = map_words(method_raw, CONSENT_METHODS)
        birth, age = birth_and_age(frame[ok], cols, sheet.lines[ok], ctx, ledger)
        out = pd.DataFrame({
            "phone": parsed["e164"], "purpose": purpose.fillna(UNSPECIFIED_PURPOSE),
            "channel": _channel(cells(frame, cols, "channel")), "status": status, "timestamp": at,
            "evidence": none_if_empty(cells(frame, cols, "evidence")),
            "method": method.where(method.notna(), none_if_empty(method_raw.str.lower())),
            "business_name": none_if_empty(cells(frame, cols, "business_name")),
            "birth_date": birth.reindex(frame.index), "age": age.reindex(frame.index),
            "source": source.name + ":" + sheet.lines.astype(str),
        })[ok]
        events = conform(out, CONSENT_EVENTS)
        return Ingested(report=ledger.close(sheet.rows_read, events["timestamp"]), tables={"consent_events": events})


def _words(values: pd.Series, words: tuple[tuple[str, str], ...]) -> pd.Series:
    """A value naming a known word → that word; any other value → itself in lower case; empty → None."""
    key = fold(values)
    # Ledgers repeat a handful of purposes and channels: look each distinct one up once.
    known = key.map({k: first_word(k, words) if k else None for k in pd.unique(key)})
    return known.where(known.notna(), none_if_empty(values.str.lower()))


def _channel(values: pd.Series) -> pd.Series:
    named = _words(values, CHANNEL_WORDS)
    return named.where(~fold(values).isin(ANY_CHANNEL) & named.notna(), "any")


class OptOutListAdapter:
    name: ClassVar[str] = "optout-list"

    def sniff(self, source: Source, head: str) -> float:
        columns = head_columns(source, head)
        if not head_has(columns, OPTOUT_ALIASES, ("phone",)):
            return 0.0
        keys = [header_key(c) for c in columns]
        marked = any(m in k for k in keys for m in OPTOUT_HEADER_MARKS) or bool({"since", "dal"} & set(keys))
        named = any(m in source.path.name.lower() for m in OPTOUT_FILE_MARKS)
        return 0.85 if marked or named else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        sheet, ledger = _start(source, self.name)
        frame = sheet.frame
        cols = resolve(list(frame.columns), OPTOUT_ALIASES, ctx.mapping)
        _require(source, cols, ("phone",), frame)
        reasons = _Reasons(frame.index)
        parsed = _phones(frame, cols, ctx, reasons)
        kind_raw = cells(frame, cols, "kind")
        kind, unknown_kind = map_words(kind_raw, OPTOUT_KINDS)
        reasons.add(unknown_kind, "kind '" + kind_raw + "' is not one of "
                    + _accepted_values(OPTOUT_KINDS, ("do-not-contact", "block", "national-registry", "marketing-stop")))
        scope_raw = cells(frame, cols, "scope")
        scope, unknown_scope = map_words(scope_raw, OPTOUT_SCOPES)
        reasons.add(unknown_scope, "scope '" + scope_raw + "' is not one of marketing, all")
        since_raw = cells(frame, cols, "since")
        since = _times(since_raw, "date", ctx, reasons, required=False)
        ledger.reject_many(sheet.lines[~reasons.ok], reasons.reason[~reasons.ok])
        ledger.note_phone_readings(parsed["note"][reasons.ok], sheet.lines[reasons.ok])

        ok = reasons.ok
        undated = ok & since_raw.eq("")
        if undated.any():
            ledger.note(f"{counted(int(undated.sum()), 'entry has', 'entries have')} no date: they apply from 1970-01-01 UTC")
        default_kind = next((k for word, k in OPTOUT_KIND_BY_FILE if word in source.path.name.lower()), "do-not-contact")
        if "kind" not in cols:
            ledger.note(f"no kind column: every entry is '{default_kind}'")
        if "origin" in cols:
            ledger.note(f"column {cols['origin'][0]!r} (where each opt-out came from) is not kept in the optouts table")
        out = pd.DataFrame({
            "phone": parsed["e164"], "kind": kind.fillna(default_kind), "since": since.where(since.notna(), EPOCH),
            "scope": scope.fillna("all"), "source": source.name + ":" + sheet.lines.astype(str),
        })[ok]
        optouts = conform(out, OPTOUTS)
        dated = optouts["since"][optouts["since"].ne(EPOCH)]
        return Ingested(report=ledger.close(sheet.rows_read, dated), tables={"optouts": optouts})
