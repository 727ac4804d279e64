"""From what a contact export says about each person to canonical `contacts` rows.

Every adapter (Google, Outlook, vCard, generic table) first reduces its format
to `People`: one row per input record with plain text fields, plus a long
table of the phone numbers each record lists with their labels. This module
does the rest the same way for all of them, vectorised:

- One row per contact, one phone per row. A person with a home, a work and a
  mobile number is still one person: the rules count people (members without
  consent, recipients of a broadcast), and one row per number would count
  them twice and give two rows the same contact id. The number kept is the
  one WhatsApp can reach: a usable number labelled mobile (Mobile, Cellulare,
  CELL, WhatsApp), else one phonenumbers types as mobile, else the preferred
  one (vCard PREF, Google's `* ` primary mark), else the first in the file.
  The notes count the contacts whose other numbers were set aside.
- A record whose only numbers cannot be parsed is rejected with
  phonenumbers' reason, unless it has an e-mail: then it is kept by its
  e-mail with an empty phone, and the notes say which lines lost their number
  and why. A parseable but invalid or landline number is kept
  (`phone_valid`, `number_type`) for the quality rules to judge.
- A record with neither a phone nor an e-mail (a value with an "@") is
  rejected; an e-mail alone is enough to be a contact (with an empty phone).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

import pandas as pd

from msgaudit.ingest.base import IngestContext, Ledger, Source, counted
from msgaudit.ingest.contact_fields import MOBILE_MARKS, NOT_MESSAGEABLE_MARKS, fold, relationship_from_tags
from msgaudit.phones import normalise
from msgaudit.tables import CONTACTS, conform

MULTI_SEPARATOR = " ::: "


@dataclass
class People:
    """One row per accepted-so-far record (index = record key) and the numbers each lists.

    `frame` has `line` plus any of contact_id, display_name, email, relationship,
    tags, time_zone (text, None when absent) and saved_business (boolean). `phones` has `record` (a frame index value),
    `raw`, `label`, `pref` (bool) and `order` (position within the record).
    """

    frame: pd.DataFrame
    phones: pd.DataFrame


@dataclass
class Built:
    contacts: pd.DataFrame  # conformed
    phone_by_record: pd.Series  # record key → E.164, for accepted records that have a phone


def phone_frame(record: pd.Series, raw: pd.Series, label: pd.Series | str, order: int,
                pref: pd.Series | bool = False) -> pd.DataFrame:
    """One column of numbers (aligned with `record`) as rows of the long phones table."""
    return pd.DataFrame({"record": record.to_numpy(), "raw": raw.fillna("").astype(str).to_numpy(),
                         "label": label if isinstance(label, str) else label.fillna("").astype(str).to_numpy(),
                         "pref": pref if isinstance(pref, bool) else pref.fillna(False).astype(bool).to_numpy(),
                         "order": order})


PHONE_COLUMNS = ["record", "raw", "label", "pref", "order"]


def phones_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The long phones table from `phone_frame` parts (empty, with its columns, when there are none)."""
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PHONE_COLUMNS)


def build_contacts(people: People, source: Source, ctx: IngestContext, ledger: Ledger) -> Built:
    frame = people.frame
    best, extra_numbers = _choose_phones(people.phones, ctx, ledger)
    email = frame.get("email", pd.Series(None, index=frame.index)).fillna("").astype(str).str.strip()
    has_email = email.str.contains("@", regex=False)
    chosen = best.reindex(frame.index)
    unreadable = chosen["error"].notna()
    unusable = unreadable & ~has_email
    ledger.reject_many(frame.loc[unusable, "line"], chosen.loc[unusable, "error"])
    _note_phone_problems(chosen.loc[unreadable & has_email, "error"], frame["line"], ledger)
    nothing = chosen["raw"].isna() & ~has_email
    reason = pd.Series("no phone or e-mail", index=frame.index).where(
        email.eq(""), "no phone, and e-mail '" + email + "' is not an address")
    ledger.reject_many(frame.loc[nothing, "line"], reason[nothing])
    keep = ~unusable & ~nothing
    frame, chosen = frame[keep], chosen[keep]

    where = source.name + ":" + frame["line"].astype(str)
    out = pd.DataFrame(index=frame.index)
    given_id = frame["contact_id"].fillna("").astype(str).str.strip() if "contact_id" in frame else None
    out["contact_id"] = where if given_id is None else given_id.where(given_id.ne(""), where)
    for name in ("display_name", "email", "tags", "saved_business"):
        if name in frame:
            out[name] = frame[name]
    out["phone"] = chosen["e164"]
    out["phone_raw"] = chosen["raw"]
    out["phone_valid"] = chosen["valid"].where(chosen["e164"].notna(), pd.NA)
    out["phone_region"] = chosen["region"]
    out["number_type"] = chosen["number_type"].where(chosen["e164"].notna(), None)
    out["time_zones"] = chosen["time_zones"].where(chosen["time_zones"].fillna("").ne(""), None)
    out["time_zone"] = _declared_zones(frame, ledger)
    out["relationship"] = _relationship(frame, out.get("tags"))
    out["source"] = where
    ledger.note_phone_readings(chosen["note"], frame["line"])
    _note_extra_numbers(extra_numbers.reindex(frame.index, fill_value=0), frame["line"], ledger)
    return Built(contacts=conform(out, CONTACTS), phone_by_record=out["phone"].dropna())


def _choose_phones(phones: pd.DataFrame, ctx: IngestContext, ledger: Ledger) -> tuple[pd.DataFrame, pd.Series]:
    """The kept number of each record (with its parse) and how many other usable numbers it had."""
    cols = ["raw", "e164", "valid", "region", "number_type", "time_zones", "error", "note"]
    if phones.empty:
        return pd.DataFrame(columns=cols), pd.Series(dtype="int64")
    long = phones.reset_index(drop=True)
    long["raw"] = long["raw"].fillna("").astype(str).str.strip()
    long = long[long["raw"].ne("")]
    several = long["raw"].str.contains(MULTI_SEPARATOR, regex=False)
    if several.any():
        ledger.note(f"{counted(int(several.sum()), 'phone cell', 'phone cells')} held several numbers joined by '{MULTI_SEPARATOR.strip()}'; "
                    "each was considered and one kept per contact")
    long = long.assign(raw=long["raw"].str.split(MULTI_SEPARATOR, regex=False)).explode("raw")
    long["sub"] = long.groupby(level=0).cumcount()
    long["raw"] = long["raw"].str.strip()
    long = long[long["raw"].ne("")].reset_index(drop=True)
    parsed = normalise(long["raw"], ctx.default_region).reset_index(drop=True)
    long = pd.concat([long, parsed], axis=1)
    label = fold(long["label"])
    # Sort keys: False sorts first, so each key names what makes a number a worse choice.
    long["unusable"] = long["error"].notna()
    long["no_messaging"] = label.str.contains("|".join(NOT_MESSAGEABLE_MARKS), regex=True)
    long["not_mobile_label"] = ~label.str.contains("|".join(MOBILE_MARKS), regex=True)
    long["not_mobile_type"] = long["number_type"].ne("mobile")
    long["not_pref"] = ~long["pref"].astype(bool)
    long = long.sort_values(["record", "unusable", "no_messaging", "not_mobile_label", "not_mobile_type", "not_pref",
                             "order", "sub"], kind="stable")
    best = long.drop_duplicates("record", keep="first").set_index("record")[cols]
    usable = long[~long["unusable"]].drop_duplicates(["record", "e164"])
    extra = usable.groupby("record").size().sub(1).clip(lower=0)
    return best, extra


def _declared_zones(frame: pd.DataFrame, ledger: Ledger) -> pd.Series:
    if "time_zone" not in frame:
        return pd.Series(None, index=frame.index, dtype=object)
    zones = frame["time_zone"].fillna("").astype(str).str.strip()
    unknown = zones.ne("") & ~zones.isin(available_timezones())
    if unknown.any():
        ledger.note(f"{counted(int(unknown.sum()), 'time zone is not an IANA name and was', 'time zones are not IANA names and were')} left empty "
                    f"(e.g. {zones[unknown].iloc[0]!r} at line {int(frame.loc[unknown, 'line'].iloc[0])}); "
                    "write them like Europe/Rome")
    return zones.where(zones.ne("") & ~unknown, None)


def _relationship(frame: pd.DataFrame, tags: pd.Series | None) -> pd.Series:
    given = frame["relationship"] if "relationship" in frame else pd.Series(None, index=frame.index, dtype=object)
    if tags is None:
        return given
    return given.where(given.notna(), relationship_from_tags(tags))


def _note_phone_problems(errors: pd.Series, lines: pd.Series, ledger: Ledger) -> None:
    """One note per reason (numbers masked out of it) for contacts kept by their e-mail without a phone."""
    reasons = errors.str.replace(r"'[^']*'", "…", regex=True)
    for reason in sorted(reasons.unique()):
        ledger.note_rows(reasons.eq(reason).reindex(lines.index, fill_value=False), lines,
                         f"contacts kept by their e-mail without a phone: {reason}")


def _note_extra_numbers(extra: pd.Series, lines: pd.Series, ledger: Ledger) -> None:
    more = extra.gt(0)
    if more.any():
        first = ", ".join(str(int(x)) for x in lines[more].head(5))
        ledger.note(f"{counted(int(more.sum()), 'contact listed', 'contacts listed')} more than one usable phone number; the mobile one "
                    f"(else the preferred, else the first) was kept as their phone "
                    f"(lines {first}{'…' if more.sum() > 5 else ''})")
