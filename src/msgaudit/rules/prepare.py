"""Views the checks read, built once per audit from the canonical tables.

- `messages`: every message, with the person on the other side resolved and
  described (`contact`, `contact_phone`, `contact_region`, `contact_zones`, the
  contacts-table attributes as `contact_<field>`).
- `deliveries`: one row per outbound message and recipient. A one-to-one send
  has one recipient; a group send reaches every member the export shows
  (anyone who wrote in the group), because WhatsApp groups deliver to all.
- `contacts`, `consent_events`, `optouts`, `systems` as ingested, with the same
  phone description columns where they carry a phone.

Every message also says where its category comes from (`categorise`): the
export's own category (`category_source` "export") is kept; an outbound message
whose export says nothing takes the inventory's default for its channel
("inventory"), else is read from its text by the classifier ("text"). Only
"marketing" replaces the "unknown" category: "service" read from a text is kept
in `content_category` alone, since the platform categories (utility, service)
decide WhatsApp's window and templates, which a text cannot establish. Where the
category came from the inventory or the text, `ev_category_source` and
`ev_category_cue` (the matched cue, never the message) are evidence on every
finding of that message.

A person with no known phone (a chat author saved by name only) is keyed by
name, so checks still see one person; such keys start with "name:". A
WhatsApp user known only by their business-scoped user id (a webhook without
their number) is keyed "bsuid:<id>": one person to the opt-out and frequency
checks, but no phone, so the number checks pass them over; their region is
the country the id starts with.

Phone facts (validity, region, number type, zones) are looked up once per
distinct number for all views. A number of the contacts table already carries
them (ingest parsed it: `phone_valid`, `phone_region`, `number_type`,
`time_zones`, the facts phonenumbers gives for that E.164 number); only the
other numbers are parsed here.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import pandas as pd

from msgaudit.law.classify import MARKETING, MessageClassifier, load_classifier
from msgaudit.phones import normalise
from msgaudit.tables import BSUID_KEY_PREFIX, Tables

_CONTACT_ATTRS = ("display_name", "relationship", "time_zone", "saved_business", "tags", "email", "contact_id")


@dataclass
class Prepared:
    messages: pd.DataFrame
    deliveries: pd.DataFrame
    contacts: pd.DataFrame
    consent_events: pd.DataFrame
    optouts: pd.DataFrame
    systems: pd.DataFrame
    default_region: str

    def get(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


class FrameCache:
    """Answers worked out from frames, kept while those frames live and looked up by their identity.

    Frames are mutable, hence unhashable: the key is the frames themselves (held weakly, compared with
    `is`) and a hashable question. Rules of one audit ask the same question of the same views; a new
    audit has new frames, so a stale answer is never returned.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: list[tuple[tuple[weakref.ref, ...], Hashable, Any]] = []

    def get(self, frames: tuple[pd.DataFrame, ...], question: Hashable) -> Any | None:
        for refs, asked, answer in self._entries:
            if asked == question and len(refs) == len(frames) and all(r() is f for r, f in zip(refs, frames)):
                return answer
        return None

    def put(self, frames: tuple[pd.DataFrame, ...], question: Hashable, answer: Any) -> Any:
        live = [e for e in self._entries if all(r() is not None for r in e[0])]
        self._entries = [(tuple(weakref.ref(f) for f in frames), question, answer)] + live[: self._size - 1]
        return answer


def time_order(frame: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Positions that put `frame` in the order of `frame.sort_values(by, kind="stable")`, `by[0]` a datetime.

    The times are sorted as integers; the other keys are compared only among rows of equal time, which
    are few: sorting a million message ids as text is what made the full sort slow.
    """
    t = frame[by[0]]
    if not pd.api.types.is_datetime64_any_dtype(t.dtype) or t.isna().any():
        return frame.reset_index(drop=True).sort_values(by, kind="stable").index.to_numpy()
    ints = t.array.asi8
    order = np.argsort(ints, kind="stable")
    if len(by) == 1 or len(order) < 2:
        return order
    ordered = ints[order]
    same = ordered[1:] == ordered[:-1]
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    if tied.any():
        # Tied rows keep their slots (grouped by time, in time order); within them, the full stable sort.
        sub = order[tied]
        order[tied] = sub[frame[by].iloc[sub].reset_index(drop=True).sort_values(by, kind="stable").index.to_numpy()]
    return order


_SELECTIONS = FrameCache(8)


def remember_selection(rows: pd.DataFrame, table: pd.DataFrame) -> None:
    """Record that `rows` were selected from `table` (same index labels, same values)."""
    _SELECTIONS.put((rows,), "selected from", weakref.ref(table))


def selected_from(rows: pd.DataFrame) -> pd.DataFrame:
    """The view `rows` were selected from, if recorded and still alive; else `rows` themselves.

    Checks whose answer for a row depends on that row alone use it to share work across rules
    that select different rows of the same view.
    """
    ref = _SELECTIONS.get((rows,), "selected from")
    table = ref() if ref is not None else None
    return table if table is not None else rows


def prepare(t: Tables, default_region: str = "IT", category_defaults: Mapping[str, str] | None = None,
            classifier: MessageClassifier | None = None) -> Prepared:
    contacts = _dedupe_contacts(t.contacts)
    messages = categorise(_resolve_names(t.messages, contacts), category_defaults or {},
                          classifier or load_classifier())
    facts = _phone_facts([messages["counterpart"], t.consent_events["phone"], t.optouts["phone"]], contacts, default_region)
    messages = _describe(messages, "counterpart", contacts, facts)
    deliveries = _deliveries(messages, contacts, facts)
    consent = _describe(t.consent_events, "phone", contacts, facts)
    optouts = _describe(t.optouts, "phone", contacts, facts)
    contacts_view = contacts.copy(deep=False)
    contacts_view["contact"] = contacts_view["phone"].where(contacts_view["phone"].notna(), "name:" + contacts_view["display_name"].fillna(""))
    return Prepared(messages=messages, deliveries=deliveries, contacts=contacts_view, consent_events=consent,
                    optouts=optouts, systems=t.systems.copy(deep=False), default_region=default_region)


def categorise(messages: pd.DataFrame, defaults: Mapping[str, str], classifier: MessageClassifier) -> pd.DataFrame:
    """Add `content_category`, `category_source` and the category evidence; "marketing" fills an unknown category.

    `defaults` maps a channel to the inventory's category for it (marketing or service).
    """
    out = messages.copy(deep=False)
    declared = out["category"].notna() & out["category"].ne("unknown")
    open_ = ~declared & out["direction"].eq("outbound")
    by_channel = {str(k).lower(): v for k, v in defaults.items()}
    default = out["channel"].str.lower().map(by_channel) if by_channel else pd.Series(None, index=out.index, dtype=object)
    by_inventory = open_ & default.notna()
    readable = open_ & ~by_inventory & out["body"].notna()
    read = classifier.classify(out.loc[readable, "body"]) if readable.any() else None
    content = pd.Series(None, index=out.index, dtype=object)
    cue = pd.Series(None, index=out.index, dtype=object)
    source = pd.Series(None, index=out.index, dtype=object)
    source[declared] = "export"
    content[declared] = out.loc[declared, "category"]
    source[by_inventory] = "inventory"
    content[by_inventory] = default[by_inventory]
    cue[by_inventory] = "channel " + out.loc[by_inventory, "channel"].astype(str)
    if read is not None:
        known = read["content_category"].notna()
        rows = read.index[known]
        source[rows] = "text"
        content[rows] = read.loc[known, "content_category"]
        cue[rows] = read.loc[known, "cue"]
    marketing = ~declared & content.eq(MARKETING)
    out["content_category"] = content
    out["category_source"] = source
    out.loc[marketing, "category"] = MARKETING
    out["ev_category_source"] = source.where(marketing, None)
    out["ev_category_cue"] = cue.where(marketing, None)
    return out


def _dedupe_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """One row per phone (the first seen wins); rows without phone stay for name matching."""
    with_phone = contacts[contacts["phone"].notna()].drop_duplicates("phone", keep="first")
    return pd.concat([with_phone, contacts[contacts["phone"].isna()]], ignore_index=True)


def _name_key(s: pd.Series) -> pd.Series:
    return s.fillna("").astype(str).str.casefold().str.split().str.join(" ")


def _resolve_names(messages: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """Fill a missing counterpart phone from the contacts table when the author name matches one contact only."""
    # Shallow: pandas copies on write, so the caller's table never changes and untouched columns are shared.
    out = messages.copy(deep=False)
    missing = out["counterpart"].isna() & out["counterpart_name"].notna()
    if not missing.any() or contacts.empty:
        return out
    named = contacts[contacts["phone"].notna() & contacts["display_name"].notna()]
    keys = _name_key(named["display_name"])
    unique = named.assign(_k=keys).drop_duplicates("_k", keep=False).set_index("_k")["phone"]
    found = _name_key(out.loc[missing, "counterpart_name"]).map(unique)
    out.loc[missing, "counterpart"] = found.where(found.notna(), None)
    return out


_FACTS = ["valid", "region", "number_type", "time_zones"]
_CONTACT_FACTS = {"phone_valid": "valid", "phone_region": "region", "number_type": "number_type", "time_zones": "time_zones"}


def _phone_facts(phones: list[pd.Series], contacts: pd.DataFrame, region: str) -> pd.DataFrame:
    """Facts of every distinct number, indexed by number: the contacts table's where complete, else parsed."""
    numbers = pd.Index(pd.unique(pd.concat([p.dropna().astype(str) for p in phones] + [pd.Series([""])], ignore_index=True)))
    numbers = numbers[~numbers.str.startswith(BSUID_KEY_PREFIX)]
    parsed_before = contacts[contacts["phone"].notna() & contacts["phone_valid"].notna() & contacts["number_type"].notna()]
    known = parsed_before.set_index("phone")[list(_CONTACT_FACTS)].rename(columns=_CONTACT_FACTS)
    known = known[known.index.isin(numbers)]
    rest = numbers[~numbers.isin(known.index)]
    parsed = normalise(pd.Series(rest, dtype=object), region)[_FACTS].set_axis(rest) if len(rest) else known.iloc[:0]
    both = pd.concat([known.astype(object), parsed.astype(object)])
    # Built from plain values, as `normalise` builds its frame, so the columns get the same dtypes.
    return pd.DataFrame({c: both[c].tolist() for c in _FACTS}, index=both.index)


def _describe(df: pd.DataFrame, phone_col: str, contacts: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Add contact_* columns: the key, phone facts from phonenumbers, and the contacts-table attributes."""
    out = df.copy(deep=False)
    phone = out[phone_col]
    if "counterpart_name" in out.columns:
        out["contact"] = phone.where(phone.notna(), ("name:" + out["counterpart_name"].fillna("")).where(out["counterpart_name"].notna(), None))
    else:
        out["contact"] = phone
    key = phone.astype("string")
    by_user_id = key.str.startswith(BSUID_KEY_PREFIX).fillna(False).astype(bool)
    phone = phone.where(~by_user_id)
    out["contact_phone"] = phone
    # Each distinct number looked up once, then spread to its rows.
    codes, numbers = pd.factorize(phone.fillna("").to_numpy(dtype=object))
    facts = known.reindex(numbers.astype(str)).take(codes).set_axis(out.index) if len(out) else pd.DataFrame(columns=_FACTS)
    has = phone.notna()
    out["contact_valid"] = facts["valid"].where(has, None).astype("boolean") if len(out) else pd.Series(dtype="boolean")
    user_region = key.str.slice(len(BSUID_KEY_PREFIX), len(BSUID_KEY_PREFIX) + 2).astype(object).where(by_user_id)
    out["contact_region"] = facts["region"].where(has, user_region)
    out["contact_number_type"] = facts["number_type"].where(has, None)
    # Object dtype even when no row has a zone (all BSUID or name keys), so text methods still apply.
    out["contact_zones"] = facts["time_zones"].astype(object).where(has & (facts["time_zones"] != ""), None)
    attrs = contacts[contacts["phone"].notna()].set_index("phone")[list(_CONTACT_ATTRS)]
    joined = attrs.reindex(numbers).take(codes)
    for col in _CONTACT_ATTRS:
        out[f"contact_{col}"] = joined[col].to_numpy() if len(out) else pd.Series(dtype=object)
    out["contact_known"] = joined["contact_id"].notna().to_numpy() if len(out) else pd.Series(dtype=bool)
    out["contact_name"] = out["contact_display_name"].where(out["contact_display_name"].notna(),
                                                            out["counterpart_name"] if "counterpart_name" in out.columns else None)
    return out


def _deliveries(messages: pd.DataFrame, contacts: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    # Positions first, the wide rows copied once: the deliveries are most of a million messages.
    outbound = (messages["direction"] == "outbound").to_numpy()
    is_group = (messages["conversation_type"].eq("group") & messages["counterpart"].isna()
                & messages["counterpart_name"].isna()).to_numpy()
    single = messages.iloc[np.flatnonzero(outbound & ~is_group)]
    group = messages.iloc[np.flatnonzero(outbound & is_group)]
    if group.empty:
        return single.reset_index(drop=True)
    inbound = messages[(messages["direction"] == "inbound") & messages["conversation_id"].notna()
                       & (messages["kind"] != "system") & messages["contact"].notna()]
    members = inbound[["conversation_id", "contact", "counterpart", "counterpart_name"]].drop_duplicates(["conversation_id", "contact"])
    base = group.drop(columns=[c for c in group.columns if c.startswith("contact")] + ["counterpart", "counterpart_name"])
    expanded = base.merge(members, on="conversation_id", how="inner").drop(columns=["contact"])
    expanded = _describe(expanded, "counterpart", contacts, facts)
    combined = pd.concat([single, expanded[single.columns]], ignore_index=True)
    return combined.take(time_order(combined, ["timestamp", "message_id", "contact"])).reset_index(drop=True)
