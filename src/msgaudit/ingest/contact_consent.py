"""Consent marks in a contact table (a "Consenso" column with sì/no) to `consent_events`.

Which columns are consent marks, and what they mean:

- A column whose folded header starts with consenso / consent / privacy /
  optin / autorizzazione is a mark; the words after that prefix name its
  purpose and channel ("Consenso marketing WhatsApp" → marketing on
  whatsapp). With no purpose word the purpose is `membership`: these tables
  are member lists, and a bare "Consenso" or "Privacy" tick on a membership
  form covers the association's own communications to its members. Marketing
  is never assumed: it needs a marketing word. With no channel word the
  channel is `any`. A mapping can say it outright: `"Ok promo": consent:marketing:whatsapp`.
- "Data consenso" dates every mark; "Data consenso marketing" (or
  "Consenso marketing data") dates only the mark with the same words.
- A mark with no date column of its own is dated by the row's sign-up date
  ("Data iscrizione", "Data adesione", "Iscritto dal", "Member since"…, else
  a column called just "Data"): the consent was given on the form that
  enrolled the person. The notes say which column dated which mark, and how
  to map another one.
- A yes (sì, si, yes, x, true, 1, vero…) is `granted` at that date. A yes
  without a readable date records no event, since a consent without a date
  cannot be placed before any message; the notes count these marks, and
  when the table has no date column at all, say in one line how to map one.
- A no records nothing: absence of consent is what the rules already assume.
- "Data revoca" / "Revoca" with a date adds a `withdrawn` event for every mark
  column. A withdrawal mark without a date suppresses the row's granted
  events: the consent ended at an unknown time and cannot be relied on.
  A withdrawal dated past 2262 (31/12/9999, how spreadsheets write "never")
  is no withdrawal: the consent stands, and the notes count those rows. A
  consent dated outside 1677–2262 records no event, like an unreadable date.
- "Fonte consenso" / "Modulo" / "Evidenza" fill `evidence`; "Modalità consenso"
  fills `method`; "Data di nascita" fills `birth_date` and "Età" `age` (the
  age of consent, Codice Privacy art. 2-quinquies, is judged from them).
- Contacts without a phone (e-mail only) or rejected as contacts get no event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from msgaudit.ingest.base import IngestContext, Ledger, Source, counted
from msgaudit.ingest.contact_fields import (
    CHANNEL_WORDS, CONSENT_HEADER_PREFIXES, CONSENT_METHODS, DATE_WORDS, PURPOSE_WORDS, SIGNUP_DATE_WORDS, cells,
    first_word, map_words, yes_no,
)
from msgaudit.ingest.csvtable import header_key
from msgaudit.ingest.timeparse import FIRST, LAST, read_datetimes
from msgaudit.tables import CONSENT_EVENTS, conform, empty

DEFAULT_PURPOSE = "membership"
DEFAULT_CHANNEL = "any"

_PREFIX = "|".join(CONSENT_HEADER_PREFIXES)
_DATE = "|".join(DATE_WORDS)
_DATE_FIRST = re.compile(rf"^(?:{_DATE})(?:{_PREFIX})(.*)$")
_DATE_LAST = re.compile(rf"^(?:{_PREFIX})(.*?)(?:{_DATE})$")
_MARK = re.compile(rf"^(?:{_PREFIX})(.*)$")


@dataclass(frozen=True)
class Mark:
    column: str
    purpose: str
    channel: str
    date_column: str | None
    signup_date: bool = False  # dated by the row's sign-up date, the mark having no date column of its own


def find_marks(columns: list[str], cols: dict[str, list[str]]) -> list[Mark]:
    """Consent mark columns with their purpose, channel and date column."""
    taken = {c for found in cols.values() for c in found}
    dates: dict[str, str] = {"": cols["consent_date"][0]} if cols.get("consent_date") else {}
    marks: list[tuple[str, str, str | None, str | None]] = []  # column, rest of key, mapped purpose, mapped channel
    for target, found in cols.items():
        if target.split(":", 1)[0] == "consent":
            parts = target.split(":")
            for c in found:
                marks.append((c, "", parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None))
    signup: str | None = None
    plain: str | None = None  # a column called just "Data" or "Date": the last resort, and the note names it
    for c in columns:
        if c in taken:
            continue
        key = header_key(c)
        dated = _DATE_FIRST.match(key) or _DATE_LAST.match(key)
        if dated:
            dates.setdefault(dated.group(1), c)
        elif mark := _MARK.match(key):
            marks.append((c, mark.group(1), None, None))
        elif signup is None and any(w in key for w in SIGNUP_DATE_WORDS):
            signup = c
        elif plain is None and key in DATE_WORDS:
            plain = c
    signup = signup or plain
    out = []
    for column, rest, purpose, channel in marks:
        own = dates.get(rest, dates.get(""))
        out.append(Mark(column=column,
                        purpose=purpose or first_word(rest, PURPOSE_WORDS) or DEFAULT_PURPOSE,
                        channel=channel or first_word(rest, CHANNEL_WORDS) or DEFAULT_CHANNEL,
                        date_column=own or signup, signup_date=own is None and signup is not None))
    return out


def birth_and_age(frame: pd.DataFrame, cols: dict[str, list[str]], lines: pd.Series, ctx: IngestContext,
                  ledger: Ledger) -> tuple[pd.Series, pd.Series]:
    """Birth dates (UTC midnight in the export's zone) and ages; unreadable values are noted and left empty."""
    raw_birth = cells(frame, cols, "birth_date")
    dayfirst = {"dmy": True, "mdy": False}.get(ctx.date_order or "")
    birth = read_datetimes(raw_birth, ctx.timezone, dayfirst=dayfirst).at
    ledger.note_rows(raw_birth.ne("") & birth.isna(), lines,
                     "birth dates are not dates: the age of consent is not judged there")
    raw_age = cells(frame, cols, "age")
    age = pd.to_numeric(raw_age.str.replace(",", ".", regex=False), errors="coerce")
    age = age.where(age.ge(0) & age.lt(150) & age.eq(age.round()))
    ledger.note_rows(raw_age.ne("") & age.isna(), lines,
                     "ages are not whole numbers of years: the age of consent is not judged there")
    return birth, age.astype("Int64")


def consent_events(frame: pd.DataFrame, lines: pd.Series, cols: dict[str, list[str]], phones: pd.Series,
                   source: Source, ctx: IngestContext, ledger: Ledger) -> pd.DataFrame:
    """Events for the rows of `frame` whose record key is in `phones` (record → E.164)."""
    marks = find_marks(list(frame.columns), cols)
    withdrawal = cells(frame, cols, "withdrawal_date")
    if not marks and not withdrawal.ne("").any():
        return empty(CONSENT_EVENTS)
    dayfirst = {"dmy": True, "mdy": False}.get(ctx.date_order or "")
    has_phone = pd.Series(frame.index.isin(phones.index), index=frame.index)
    withdrawn = read_datetimes(withdrawal, ctx.timezone, dayfirst=dayfirst)
    withdrawn_at = withdrawn.at
    ledger.note_rows(withdrawn.too_late & has_phone, lines,
                     f"withdrawal dates after {LAST:%Y-%m-%d} (such as 31/12/9999) read as 'never withdrawn'")
    undated_withdrawal = withdrawal.ne("") & withdrawn_at.isna() & ~withdrawn.too_late
    ledger.note_rows(undated_withdrawal & has_phone, lines,
                     "withdrawal marks without a readable date: the consent on those rows was not recorded as granted",
                     "withdrawal mark without a readable date: the consent on that row was not recorded as granted")
    evidence = cells(frame, cols, "consent_evidence")
    method_raw = cells(frame, cols, "consent_method")
    method, _ = map_words(method_raw, CONSENT_METHODS)
    method = method.where(method.notna(), method_raw.str.lower().where(method_raw.ne(""), None))
    birth, age = birth_and_age(frame, cols, lines, ctx, ledger)
    common = pd.DataFrame({"phone": phones.reindex(frame.index), "evidence": evidence.where(evidence.ne(""), None),
                           "method": method, "birth_date": birth, "age": age,
                           "source": source.name + ":" + lines.astype(str)}, index=frame.index)

    events: list[pd.DataFrame] = []
    for mark in marks or [Mark("", DEFAULT_PURPOSE, DEFAULT_CHANNEL, None)]:
        if mark.column:
            granted_at = _granted(frame, mark, has_phone & ~undated_withdrawal, lines, ctx, ledger)
            events.append(common[granted_at.notna()].assign(status="granted", timestamp=granted_at.dropna(),
                                                            purpose=mark.purpose, channel=mark.channel))
        gone = withdrawn_at.notna() & has_phone
        events.append(common[gone].assign(status="withdrawn", timestamp=withdrawn_at[gone],
                                          purpose=mark.purpose, channel=mark.channel))
    found = [e for e in events if len(e)]
    if not found:
        return empty(CONSENT_EVENTS)
    out = pd.concat(found)
    out["_line"] = lines.reindex(out.index)
    out = out.sort_values(["_line", "timestamp", "purpose", "channel", "status"], kind="stable").drop(columns="_line")
    return conform(out, CONSENT_EVENTS)


def _granted(frame: pd.DataFrame, mark: Mark, eligible: pd.Series, lines: pd.Series, ctx: IngestContext,
             ledger: Ledger) -> pd.Series:
    """When each eligible row's mark was granted; NaT where it was not, or not datably."""
    raw = frame[mark.column].fillna("").astype(str).str.strip()
    said = yes_no(raw)
    ledger.note_rows(said.isna() & raw.ne("") & eligible, lines,
                     f"values in {mark.column!r} are neither yes nor no: no consent event recorded")
    yes = said.fillna(False).astype(bool) & eligible
    if mark.date_column is None:
        if yes.any():
            ledger.note(f"{counted(int(yes.sum()), 'consent mark', 'consent marks')} in {mark.column!r} have no date column, so no consent "
                        "event was recorded: add the date consent was given and map its column with --mapping "
                        "(columns: {\"Data firma modulo\": consent_date})")
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    date_raw = frame[mark.date_column].fillna("").astype(str)
    dayfirst = {"dmy": True, "mdy": False}.get(ctx.date_order or "")
    times = read_datetimes(date_raw, ctx.timezone, dayfirst=dayfirst)
    at = times.at
    if mark.signup_date and (yes & at.notna()).any():
        ledger.note(f"consent marks in {mark.column!r} have no date of their own: dated by {mark.date_column!r} "
                    "of the same row; if another column records when consent was given, map it to consent_date "
                    "with --mapping")
    ledger.note_rows(yes & times.out_of_range, lines, f"consent marks in {mark.column!r} dated outside "
                     f"{FIRST:%Y-%m-%d} to {LAST:%Y-%m-%d}: no consent event recorded",
                     f"consent mark in {mark.column!r} dated outside {FIRST:%Y-%m-%d} to {LAST:%Y-%m-%d}: "
                     "no consent event recorded")
    ledger.note_rows(yes & at.isna() & ~times.out_of_range, lines, f"consent marks in {mark.column!r} without a "
                     "readable date: no consent event recorded",
                     f"consent mark in {mark.column!r} without a readable date: no consent event recorded")
    return at.where(yes)

