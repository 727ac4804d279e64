"""Google Contacts and Outlook contact CSV exports.

Google (current and legacy "Google CSV") numbers its repeated fields
`Phone 1 - Label/Type`, `Phone 1 - Value`, `Phone 2 - …`, as many as the file
needs, joins several values in one cell with ` ::: ` and marks system labels
and the primary value with a leading `* `. Outlook.com and desktop Outlook
name fixed columns (`Mobile Phone`, `Home Phone`, `Business Phone`,
`E-mail Address`, `Categories`). Both are reduced to `People` and finished
by `contact_build`, which keeps one number per person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

import pandas as pd

from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.ingest.contact_build import MULTI_SEPARATOR, People, build_contacts, phone_frame, phones_table
from msgaudit.ingest.contact_fields import join_tags, join_words, none_if_empty, split_multi
from msgaudit.ingest.contact_io import Sheet, head_columns, read_sheet

_GOOGLE_GROUP = re.compile(r"^(Phone|E-mail) (\d+) - (Label|Type|Value)$")
_GOOGLE_MARKS = ("Labels", "Group Membership", "File As", "Given Name", "Phonetic First Name")
_OUTLOOK_PHONE = re.compile(r"(?:Phone(?: \d)?|Pager|Fax|Callback|ISDN|Telex)$")
_OUTLOOK_EMAIL = re.compile(r"^E-mail(?: (\d))? Address$")
_OUTLOOK_MARKS = ("E-mail Address", "Mobile Phone", "Business Phone", "Home Phone")
_THUNDERBIRD_MARKS = ("Primary Email", "Secondary Email", "Mobile Number")


def _is_google(columns: list[str]) -> bool:
    return any(_GOOGLE_GROUP.match(c) for c in columns) and any(m in columns for m in _GOOGLE_MARKS)


def _is_outlook(columns: list[str]) -> bool:
    # Thunderbird also writes First Name, Last Name and Home Phone, but its e-mails are Primary/Secondary
    # Email and its mobile is Mobile Number: it is read as a contact table, which knows those headers.
    return ("First Name" in columns and "Last Name" in columns and any(m in columns for m in _OUTLOOK_MARKS)
            and not any(_GOOGLE_GROUP.match(c) for c in columns) and not any(m in columns for m in _THUNDERBIRD_MARKS))


def _read(source: Source, ctx: IngestContext, fmt: str, people: Callable[[Sheet], People]) -> Ingested:
    sheet = read_sheet(source)
    ledger = Ledger(source, fmt, sheet.encoding, sheet.delimiter)
    for line, reason in sheet.bad_rows:
        ledger.reject(line, reason)
    built = build_contacts(people(sheet), source, ctx, ledger)
    return Ingested(report=ledger.close(sheet.rows_read), tables={"contacts": built.contacts})


def _first_of(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The first non-empty cell across `columns`, taking the first of several ` ::: `-joined values."""
    out = pd.Series("", index=frame.index, dtype=object)
    for c in columns:
        value = frame[c].fillna("").astype(str).str.split(MULTI_SEPARATOR, regex=False).str[0].str.strip()
        out = out.where(out.ne(""), value)
    return out


def _preferred_email(frame: pd.DataFrame, groups: list[tuple[str | None, str]]) -> pd.Series:
    """The e-mail Google marks primary (label starting with `* `), else the first one."""
    chosen = pd.Series("", index=frame.index, dtype=object)
    for label, value in groups:
        if label:
            starred = frame[label].fillna("").astype(str).str.startswith("*")
            chosen = chosen.where(chosen.ne("") | ~starred, _first_of(frame, [value]))
    return chosen.where(chosen.ne(""), _first_of(frame, [value for _, value in groups]))


def _name(frame: pd.DataFrame, *choices: tuple[str, ...]) -> pd.Series:
    """The first choice of columns that gives a non-empty name, its cells joined by spaces."""
    name = pd.Series("", index=frame.index, dtype=object)
    for columns in choices:
        name = name.where(name.ne(""), join_words(frame, [c for c in columns if c in frame]))
    return none_if_empty(name)


def _google_people(sheet: Sheet) -> People:
    frame = sheet.frame
    groups: dict[tuple[str, int], dict[str, str]] = {}
    for c in frame.columns:
        if m := _GOOGLE_GROUP.match(c):
            groups.setdefault((m.group(1), int(m.group(2))), {})["Label" if m.group(3) == "Type" else m.group(3)] = c
    email_groups = [g for (kind, _), g in sorted(groups.items()) if kind == "E-mail" and "Value" in g]
    phone_groups = [(n, g) for (kind, n), g in sorted(groups.items()) if kind == "Phone" and "Value" in g]
    people = pd.DataFrame({"line": sheet.lines}, index=frame.index)
    legacy = "Given Name" in frame or "Group Membership" in frame
    if legacy:
        people["display_name"] = _name(frame, ("Name",), ("Given Name", "Additional Name", "Family Name"),
                                       ("Nickname",), ("Organization 1 - Name",))
    else:
        people["display_name"] = _name(frame, ("First Name", "Middle Name", "Last Name"), ("Nickname",),
                                       ("File As",), ("Organization Name",))
    email = _preferred_email(frame, [(g.get("Label"), g["Value"]) for g in email_groups])
    people["email"] = none_if_empty(email)
    labels = "Labels" if "Labels" in frame else "Group Membership" if "Group Membership" in frame else None
    tags = frame[labels] if labels else pd.Series("", index=frame.index)
    people["tags"] = join_tags(split_multi(tags, r"\s*:::\s*"))
    record = pd.Series(frame.index, index=frame.index)
    phones = []
    for n, g in phone_groups:
        label = frame[g["Label"]].fillna("") if "Label" in g else pd.Series("", index=frame.index)
        phones.append(phone_frame(record, frame[g["Value"]], label, order=n, pref=label.str.startswith("*")))
    return People(frame=people, phones=phones_table(phones))


def _outlook_people(sheet: Sheet) -> People:
    frame = sheet.frame
    people = pd.DataFrame({"line": sheet.lines}, index=frame.index)
    people["display_name"] = _name(frame, ("First Name", "Middle Name", "Last Name"), ("Display Name",),
                                   ("Nickname",), ("Company",), ("E-mail Display Name",))
    emails = {int(m.group(1) or 1): c for c in frame.columns if (m := _OUTLOOK_EMAIL.match(c))}
    people["email"] = none_if_empty(_first_of(frame, [emails[n] for n in sorted(emails)]))
    tags = frame["Categories"] if "Categories" in frame else pd.Series("", index=frame.index)
    people["tags"] = join_tags(split_multi(tags, r"[;,]"))
    record = pd.Series(frame.index, index=frame.index)
    phones = [phone_frame(record, frame[c], c, order=i, pref=c == "Primary Phone")
              for i, c in enumerate(c for c in frame.columns if _OUTLOOK_PHONE.search(c))]
    return People(frame=people, phones=phones_table(phones))


class GoogleContactsAdapter:
    name: ClassVar[str] = "google-contacts"

    def sniff(self, source: Source, head: str) -> float:
        return 0.95 if _is_google(head_columns(source, head)) else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        return _read(source, ctx, self.name, _google_people)


class OutlookContactsAdapter:
    name: ClassVar[str] = "outlook-contacts"

    def sniff(self, source: Source, head: str) -> float:
        return 0.95 if _is_outlook(head_columns(source, head)) else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        return _read(source, ctx, self.name, _outlook_people)
