"""A contact or member list kept in a spreadsheet: CSV (any Excel encoding) or .xlsx.

Columns are found by name in English or Italian (`contact_fields.CONTACT_ALIASES`),
after the user's `--mapping`; several phone columns (Cellulare, Telefono) are
all read and one number is kept per person (see `contact_build`). Consent
columns produce `consent_events` (see `contact_consent`).
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source, counted
from msgaudit.ingest.contact_build import People, build_contacts, phone_frame, phones_table
from msgaudit.ingest.contact_consent import consent_events
from msgaudit.ingest.contact_fields import (
    CONTACT_ALIASES, CONTACT_EXTRA_TARGETS, cells, head_has, join_tags, join_words, none_if_empty, relationship,
    resolve, split_multi, yes_no,
)
from msgaudit.ingest.contact_io import Sheet, head_columns, is_xlsx, read_sheet

_NAME_FIELDS = ("display_name", "first_name", "last_name")
_REACH_FIELDS = ("phone", "email")
_TAG_SEPARATORS = r"\s*:::\s*|[,;|]"


class ContactsTableAdapter:
    name: ClassVar[str] = "contacts-table"

    def sniff(self, source: Source, head: str) -> float:
        if is_xlsx(source):
            return 0.6
        columns = head_columns(source, head)
        reach = head_has(columns, CONTACT_ALIASES, _REACH_FIELDS)
        if head_has(columns, CONTACT_ALIASES, _NAME_FIELDS) and reach:
            return 0.6
        # An address book exported with its e-mail column alone (Roundcube, Thunderbird) is still a contact list.
        return 0.4 if reach else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        sheet = read_sheet(source)
        ledger = Ledger(source, self.name, sheet.encoding, sheet.delimiter)
        for note in sheet.notes:
            ledger.note(note)
        for line, reason in sheet.bad_rows:
            ledger.reject(line, reason)
        frame = sheet.frame.set_axis(sheet.lines.index)
        cols = resolve(list(frame.columns), CONTACT_ALIASES, ctx.mapping, multi=frozenset({"phone", "email"}),
                       extra_targets=CONTACT_EXTRA_TARGETS)
        if not any(f in cols for f in (*_REACH_FIELDS, "mobile")):
            raise InputError(source.name, f"no phone or e-mail column among {list(frame.columns)}",
                             "rename the column (e.g. Cellulare, Telefono, Email) or give --mapping")
        built = build_contacts(_people(frame, sheet, cols, ledger), source, ctx, ledger)
        events = consent_events(frame, sheet.lines, cols, built.phone_by_record, source, ctx, ledger)
        report = ledger.close(sheet.rows_read, events["timestamp"] if len(events) else None)
        return Ingested(report=report, tables={"contacts": built.contacts, "consent_events": events})


def _first_filled(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per row, the first non-empty cell across `columns` in file order ("" when all are empty)."""
    out = pd.Series("", index=frame.index, dtype=object)
    for c in columns:
        out = out.where(out.ne(""), frame[c].fillna("").astype(str).str.strip())
    return out


def _people(frame: pd.DataFrame, sheet: Sheet, cols: dict[str, list[str]], ledger: Ledger) -> People:
    full = cells(frame, cols, "display_name")
    parts = join_words(frame, [c for f in ("first_name", "last_name") for c in cols.get(f, [])[:1]])
    people = pd.DataFrame({"line": sheet.lines}, index=frame.index)
    people["contact_id"] = none_if_empty(cells(frame, cols, "contact_id"))
    people["display_name"] = none_if_empty(full.where(full.ne(""), parts))
    people["email"] = none_if_empty(split_multi(_first_filled(frame, cols.get("email", [])), r"[;,\s]+").str[0])
    rel_header = cols["relationship"][0] if "relationship" in cols else ""
    people["relationship"], unknown = relationship(cells(frame, cols, "relationship"), rel_header)
    if unknown.any():
        values = sorted(set(cells(frame, cols, "relationship")[unknown]))[:5]
        ledger.note(f"{counted(int(unknown.sum()), 'relationship value', 'relationship values')} not recognised, recorded as 'other': "
                    f"{', '.join(repr(v) for v in values)}")
    people["tags"] = join_tags(split_multi(cells(frame, cols, "tags"), _TAG_SEPARATORS))
    people["time_zone"] = none_if_empty(cells(frame, cols, "time_zone"))
    if "saved_business" in cols:
        people["saved_business"] = yes_no(cells(frame, cols, "saved_business"))
    numbers = [(c, c) for c in cols.get("phone", [])] + [(c, "mobile") for c in cols.get("mobile", [])]
    phones = [phone_frame(pd.Series(frame.index, index=frame.index), frame[c], label, order=i)
              for i, (c, label) in enumerate(numbers)]
    return People(frame=people, phones=phones_table(phones))
