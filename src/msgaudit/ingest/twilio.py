"""Twilio Console message-log CSV → `messages`.

Header as the Console writes it:
`From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit`.
Scripts that dump the API write the same fields in another order (`Body,Status,SentDate,…`),
and Twilio says the order "is not defined and may change", so columns are found by name.

- channel: whatsapp when either address is `whatsapp:+…`, else sms;
- direction: `inbound` → inbound; `outbound-api`, `outbound-call`, `outbound-reply` → outbound;
- the business is the sender of outbound and the recipient of inbound messages; the person is
  the other side and must be a phone number. The business side may be an alphanumeric sender
  id or a short code, which is kept as written;
- SentDate: ISO 8601 (`2019-11-19T20:13:21Z`) or RFC 2822 as the API returns it
  (`Tue, 19 Nov 2019 20:13:21 +0000`, also with the comma dropped). Times without an offset
  are UTC, which is what Twilio stores;
- category: an optional `Category` column (marketing, utility, authentication, service; any
  case) that some sending scripts add to their dumps; otherwise unknown, and is_template False:
  the Console log carries neither.
"""

from __future__ import annotations

import csv
import io
from typing import ClassVar

import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.ingest.csvtable import find_column, header_key, read_csv_text
from msgaudit.ingest.decoding import decode, sniff_delimiter
from msgaudit.ingest.timeparse import OUT_OF_RANGE, Times, read_datetimes, storable
from msgaudit.phones import normalise
from msgaudit.tables import CATEGORIES, MESSAGES, conform

_COLUMNS: dict[str, tuple[str, ...]] = {
    "from": ("from",),
    "to": ("to",),
    "sent": ("sentdate", "datesent"),
    "direction": ("direction",),
    "body": ("body",),
    "status": ("status",),
    "sid": ("sid", "messagesid"),
    "error": ("errorcode",),
    "category": ("category", "messagecategory"),
}
_REQUIRED = {"from": "From", "to": "To", "sent": "SentDate", "direction": "Direction"}
_SNIFF_KEYS = {"sentdate", "sid", "direction"}
_OUTBOUND = ("outbound-api", "outbound-call", "outbound-reply")
_RFC2822_FORMAT = "%d %b %Y %H:%M:%S %z"


class TwilioCsvAdapter:
    name: ClassVar[str] = "twilio-csv"

    def sniff(self, source: Source, head: str) -> float:
        first = next(iter(head.lstrip("\ufeff").splitlines()), "")
        try:
            header = next(csv.reader(io.StringIO(first), delimiter=sniff_delimiter(first)), [])
        except csv.Error:
            return 0.0
        return 0.95 if _SNIFF_KEYS <= {header_key(h) for h in header} else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        text, encoding = decode(source.data, source.name)
        delimiter = sniff_delimiter(text)
        table = read_csv_text(text, delimiter, source.name)
        ledger = Ledger(source, self.name, encoding=encoding, delimiter=delimiter)
        for line, reason in table.bad_rows:
            ledger.reject(line, reason)
        columns = _resolve(list(table.frame.columns), source.name)
        messages = _messages(table.frame, table.lines, columns, ctx, ledger, source.name)
        _note_errors(table.frame, columns, ledger)
        tables = {"messages": conform(messages, MESSAGES)}
        report = ledger.close(table.rows_read, tables["messages"]["timestamp"])
        return Ingested(report=report, tables=tables)


def _resolve(headers: list[str], path: str) -> dict[str, str | None]:
    found = {field: find_column(headers, aliases) for field, aliases in _COLUMNS.items()}
    missing = [label for field, label in _REQUIRED.items() if found[field] is None]
    if missing:
        raise InputError(path, f"no {', '.join(missing)} column in the header",
                         "export the message log from the Twilio Console with all columns")
    return found


def _cells(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if column is None:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype(object).fillna("").str.strip()


def _messages(frame: pd.DataFrame, lines: pd.Series, columns: dict[str, str | None], ctx: IngestContext,
              ledger: Ledger, name: str) -> pd.DataFrame:
    lines = lines.set_axis(frame.index)
    sender, recipient = _cells(frame, columns["from"]), _cells(frame, columns["to"])
    direction_raw = _cells(frame, columns["direction"]).str.lower()
    outbound = direction_raw.isin(_OUTBOUND)
    direction = pd.Series("outbound", index=frame.index).where(outbound, "inbound")
    person = recipient.where(outbound, sender)
    business = sender.where(outbound, recipient)
    person_phone = normalise(person, ctx.default_region)
    sent_raw = _cells(frame, columns["sent"])
    times = _sent_dates(sent_raw)
    person_field = pd.Series("To", index=frame.index).where(outbound, "From")
    checks: list[tuple[pd.Series, pd.Series | str]] = [
        (~outbound & direction_raw.ne("inbound"), "Direction '" + direction_raw + "' is not inbound or outbound-*"),
        (sender.eq(""), "no From address"),
        (recipient.eq(""), "no To address"),
        (sent_raw.eq(""), "no SentDate (the message was never sent?)"),
        (times.out_of_range, "SentDate '" + sent_raw + f"' {OUT_OF_RANGE}"),
        (times.at.isna(), "SentDate '" + sent_raw + "' is not a date"),
        (person_phone["error"].notna(), person_field + ": " + person_phone["error"].fillna("")),
    ]
    reasons = pd.Series(None, index=frame.index, dtype=object)
    for failed, reason in reversed(checks):
        reasons = reasons.mask(failed, reason)
    bad = reasons.notna()
    if bad.any():
        ledger.reject_many(lines[bad], reasons[bad])
    keep = ~bad
    ledger.note_phone_readings(person_phone["note"][keep], lines[keep])
    sid = _cells(frame, columns["sid"])
    body = _cells(frame, columns["body"]) if columns["body"] else pd.Series(None, index=frame.index, dtype=object)
    whatsapp = sender.str.lower().str.startswith("whatsapp:") | recipient.str.lower().str.startswith("whatsapp:")
    sources = name + ":" + lines.astype(str)
    out = pd.DataFrame({
        "message_id": sid.where(sid.ne(""), sources),
        "timestamp": times.at,
        "direction": direction,
        "channel": pd.Series("sms", index=frame.index).where(~whatsapp, "whatsapp"),
        "business_account": _business(business, ctx),
        "counterpart": person_phone["e164"],
        "conversation_type": "individual",
        "category": _category(_cells(frame, columns["category"])),
        "is_template": False,
        "kind": pd.Series("other", index=frame.index).where(body.fillna("").eq(""), "text"),
        "body": body,
        "status": _cells(frame, columns["status"]).str.lower().replace("", None),
        "source": sources,
        "line": lines,
    })[keep]
    out = out.sort_values(["timestamp", "line"], kind="stable").drop(columns="line")
    return out.reset_index(drop=True)


def _category(raw: pd.Series) -> pd.Series:
    """The export's own category where it names one of ours; anything else (or nothing) is unknown."""
    lowered = raw.str.lower()
    return lowered.where(lowered.isin(CATEGORIES), "unknown")


def _business(raw: pd.Series, ctx: IngestContext) -> pd.Series:
    """E.164 when the business address is a valid number, else the sender id as written (prefix dropped)."""
    parsed = normalise(raw, ctx.default_region)
    written = raw.str.replace(r"^[A-Za-z]+:", "", regex=True).replace("", None)
    return parsed["e164"].where(parsed["valid"].astype(bool), written)


def _sent_dates(raw: pd.Series) -> Times:
    """ISO 8601 or RFC 2822 (weekday and its comma optional) → UTC; NaT where neither fits or out of range."""
    rfc = raw.str.replace(r"^[A-Za-z]{3},?\s+", "", regex=True).str.replace(r"\s+(?:GMT|UTC)$", " +0000", regex=True)
    by_rfc = pd.to_datetime(rfc, format=_RFC2822_FORMAT, utc=True, errors="coerce")
    rfc_times, other = storable(by_rfc), read_datetimes(raw, "UTC")
    is_rfc = by_rfc.notna()
    return Times(at=rfc_times.at.where(is_rfc, other.at), too_early=rfc_times.too_early.where(is_rfc, other.too_early),
                 too_late=rfc_times.too_late.where(is_rfc, other.too_late))


def _note_errors(frame: pd.DataFrame, columns: dict[str, str | None], ledger: Ledger) -> None:
    """Twilio error codes are evidence (63016: WhatsApp message outside the 24-hour window)."""
    codes = _cells(frame, columns["error"])
    codes = codes[codes.ne("") & codes.ne("0")]
    if len(codes):
        counts = codes.value_counts().sort_index()
        ledger.note("Twilio error codes: " + ", ".join(f"{code} ×{n}" for code, n in counts.items()))
