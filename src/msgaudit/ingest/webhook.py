"""WhatsApp Cloud API webhooks (.json, .jsonl) → `messages`, `optouts`, `consent_events`.

A receiver logs webhook POST bodies (`{"object": "whatsapp_business_account",
"entry": [...]}`) as one body in a .json file, a JSON array of bodies, or JSONL
with one body per line. A *record* is one inbound message, one status update,
one user preference, or one change that carries none of those (an error-only
change, a field that is not about messages). Every record is accepted or
rejected with its line: the JSONL line, or for .json the line where the record's
object starts; reasons also give the JSON path inside the body.

Status updates of one outbound message (sent, delivered, read... in any order,
with retries) become one `messages` row:

- timestamp: the "sent" update's time, else the earliest update's;
- status: the furthest along, failed > deleted > read = played > delivered > sent,
  ties broken by time;
- category: `pricing.category`, else `conversation.origin.type` (older CBP
  payloads), mapped to the canonical five (`authentication_international` →
  authentication, `marketing_lite` → marketing, `referral_conversion` → service);
- is_template (templates are the only messages a business may send outside the
  24-hour window, so the rules need to know):
  * per-message pricing (PMP, from 2025-07-01, or any `pricing.type`): the
    category is the message's own, and only templates carry marketing, utility
    or authentication, and only templates are billed (`type: regular`), so
    is_template = category in those three or type == regular;
  * per-conversation pricing (CBP): the category is the *conversation's*, and a
    free-form reply inside a marketing conversation carries "marketing" too.
    Only the message that opened a business-initiated conversation is surely a
    template; it is recognised by `expiration_timestamp` being 24 h after its
    own sent time. Service → False; other messages of a template-category
    conversation → unknown (NA);
  * neither pricing nor conversation → unknown (NA).
- template_name stays empty: status webhooks do not carry it.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable
from json.decoder import JSONObject
from json.scanner import py_make_scanner
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.ingest.decoding import decode
from msgaudit.phones import normalise
from msgaudit.tables import CONSENT_EVENTS, MESSAGES, OPTOUTS, conform

try:  # orjson parses JSONL lines several times faster; json is the fallback.
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_SUFFIXES = (".json", *_JSONL_SUFFIXES)
_MARKERS = ('"whatsapp_business_account"', '"messaging_product"')

_KINDS = {
    "text": "text", "button": "button", "interactive": "interactive", "system": "system",
    "image": "media", "audio": "media", "video": "media", "document": "media", "sticker": "media",
}
_MEDIA = frozenset(k for k, v in _KINDS.items() if v == "media")
# How far along a status is; the merged message keeps the highest.
_STATUS_RANK = {"sent": 1, "delivered": 2, "read": 3, "played": 3, "deleted": 4, "failed": 5}
_CATEGORY = {
    "marketing": "marketing", "marketing_lite": "marketing",
    "utility": "utility",
    "authentication": "authentication", "authentication_international": "authentication",
    "service": "service", "referral_conversion": "service",
}
_TEMPLATE_CATEGORIES = ("marketing", "utility", "authentication")
# A CBP conversation lasts 24 h from its first message; seconds of slack for clock skew.
_CONVERSATION_SECONDS = 86_400
_OPENER_SLACK = 5
# WhatsApp exists since 2009; a webhook time outside 2009..2100 is garbage (a boolean, a typo, milliseconds).
_MIN_EPOCH, _MAX_EPOCH = 1_230_768_000, 4_102_444_800

_INBOUND_COLS = ("line", "where", "id", "ts", "from", "type", "body", "name", "business")
_STATUS_COLS = ("line", "where", "id", "status", "ts", "recipient", "recipient_type", "conversation_id",
                "expiration", "origin", "pricing_model", "pricing_type", "pricing_category", "error", "business")
_PREF_COLS = ("line", "where", "wa_id", "value", "category", "ts", "business")


class WebhookAdapter:
    name: ClassVar[str] = "whatsapp-webhook"

    def sniff(self, source: Source, head: str) -> float:
        if source.suffix in _SUFFIXES and any(m in head for m in _MARKERS):
            return 0.95
        return 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        text, encoding = decode(source.data, source.name)
        ledger = Ledger(source, self.name, encoding=encoding)
        records = _Records()
        if source.suffix in _JSONL_SUFFIXES:
            _read_jsonl(text, source.name, records)
        else:
            _read_json(text, source.name, records)
        tables, times = _build(records, ctx, ledger)
        report = ledger.close(records.count, times)
        return Ingested(report=report, tables=tables)


class _Records:
    """Column-ready tuples for each record kind, plus rejections found while walking."""

    def __init__(self) -> None:
        self.inbound: list[tuple[Any, ...]] = []
        self.statuses: list[tuple[Any, ...]] = []
        self.prefs: list[tuple[Any, ...]] = []
        self.rejected: list[tuple[int, str]] = []
        self.envelopes = 0

    @property
    def count(self) -> int:
        return len(self.inbound) + len(self.statuses) + len(self.prefs) + len(self.rejected)

    def envelope(self, env: Any, line: int, prefix: str, line_of: Callable[[Any, int], int]) -> bool:
        """Walk one POST body; False (and nothing recorded) when it is not a webhook body."""
        if not isinstance(env, dict) or not isinstance(env.get("entry"), list):
            return False
        self.envelopes += 1
        for ei, entry in enumerate(env["entry"]):
            changes = entry.get("changes") if isinstance(entry, dict) else None
            if not isinstance(changes, list):
                self.rejected.append((line_of(entry, line), f"{prefix}entry[{ei}]: no changes list"))
                continue
            for ci, change in enumerate(changes):
                where = f"{prefix}entry[{ei}].changes[{ci}]"
                self._change(change, line_of(change, line), where, line_of)
        return True

    def _change(self, change: Any, line: int, where: str, line_of: Callable[[Any, int], int]) -> None:
        value = change.get("value") if isinstance(change, dict) else None
        if not isinstance(value, dict):
            self.rejected.append((line, f"{where}: change without a value object"))
            return
        field = change.get("field")
        meta = value.get("metadata")
        business = meta.get("display_phone_number") if isinstance(meta, dict) else None
        found = False
        if field == "messages":
            messages, statuses = value.get("messages"), value.get("statuses")
            if isinstance(messages, list) and messages:
                found = True
                names = _profile_names(value.get("contacts"))
                for i, m in enumerate(messages):
                    self._inbound(m, line_of(m, line), f"{where}.value.messages[{i}]", names, business)
            if isinstance(statuses, list) and statuses:
                found = True
                for i, s in enumerate(statuses):
                    self._status(s, line_of(s, line), f"{where}.value.statuses[{i}]", business)
        elif field == "user_preferences":
            prefs = value.get("user_preferences")
            if isinstance(prefs, list) and prefs:
                found = True
                for i, p in enumerate(prefs):
                    rec_line = line_of(p, line)
                    if isinstance(p, dict):
                        self.prefs.append((rec_line, f"{where}.value.user_preferences[{i}]", p.get("wa_id"),
                                           p.get("value"), p.get("category"), p.get("timestamp"), business))
                    else:
                        self.rejected.append((rec_line, f"{where}.value.user_preferences[{i}]: not an object"))
        if not found:
            self.rejected.append((line, f"{where}: {_empty_change_reason(field, value)}"))

    def _inbound(self, m: Any, line: int, where: str, names: dict[Any, Any], business: Any) -> None:
        if not isinstance(m, dict):
            self.rejected.append((line, f"{where}: not an object"))
            return
        sender = m.get("from")
        kind = m.get("type")
        self.inbound.append((line, where, m.get("id"), m.get("timestamp"), sender, kind,
                             _inbound_body(m, kind), names.get(sender), business))

    def _status(self, s: Any, line: int, where: str, business: Any) -> None:
        if not isinstance(s, dict):
            self.rejected.append((line, f"{where}: not an object"))
            return
        conv = s.get("conversation")
        conv = conv if isinstance(conv, dict) else {}
        origin = conv.get("origin")
        pricing = s.get("pricing")
        pricing = pricing if isinstance(pricing, dict) else {}
        errors = s.get("errors")
        error = _first_error(errors) if errors else None
        self.statuses.append((line, where, s.get("id"), s.get("status"), s.get("timestamp"), s.get("recipient_id"),
                              s.get("recipient_type"), conv.get("id"), conv.get("expiration_timestamp"),
                              origin.get("type") if isinstance(origin, dict) else None,
                              pricing.get("pricing_model"), pricing.get("type"), pricing.get("category"),
                              error, business))


def _profile_names(contacts: Any) -> dict[Any, Any]:
    if not isinstance(contacts, list):
        return {}
    names = {}
    for c in contacts:
        if isinstance(c, dict) and isinstance(c.get("profile"), dict):
            name = c["profile"].get("name")
            names[c.get("wa_id")] = name if isinstance(name, str) else None
    return names


def _inbound_body(m: dict[str, Any], kind: Any) -> str | None:
    body = _body_value(m, kind)
    return body if isinstance(body, str) else None


def _body_value(m: dict[str, Any], kind: Any) -> Any:
    sub = m.get(kind) if isinstance(kind, str) else None
    if not isinstance(sub, dict):
        return None
    if kind == "text" or kind == "system":
        return sub.get("body")
    if kind == "button":
        return sub.get("text")
    if kind == "interactive":
        reply = sub.get(sub.get("type")) if isinstance(sub.get("type"), str) else None
        return reply.get("title") if isinstance(reply, dict) else None
    if kind in _MEDIA:
        return sub.get("caption")
    return None


def _first_error(errors: Any) -> str | None:
    first = errors[0] if isinstance(errors, list) and errors else None
    if not isinstance(first, dict):
        return None
    return f"{first.get('code')} {first.get('title') or ''}".strip()


def _empty_change_reason(field: Any, value: dict[str, Any]) -> str:
    errors = value.get("errors")
    if field == "messages" and errors:
        return f"platform error {_first_error(errors)} with no message or status"
    if field in ("messages", "user_preferences"):
        return f"{field} change with no {field} records"
    return f"change field {field!r} carries no messages"


# --- reading files ------------------------------------------------------------------


def _read_jsonl(text: str, path: str, records: _Records) -> None:
    def same_line(_obj: Any, line: int) -> int:
        return line

    bad_json = 0
    lines = 0
    # split("\n"), not splitlines(): JSON strings may hold a raw U+2028, which is not a record break.
    for lineno, raw in enumerate(text.split("\n"), 1):
        if not raw.strip():
            continue
        lines += 1
        try:
            env = _loads(raw)
        except ValueError as exc:
            bad_json += 1
            records.rejected.append((lineno, f"invalid JSON{_json_position(exc)}: the line is cut short or malformed"))
            continue
        if not records.envelope(env, lineno, "", same_line):
            records.rejected.append((lineno, "JSON but not a webhook body (no 'object'/'entry')"))
    if lines and bad_json == lines:
        raise InputError(path, "no line is valid JSON", "give the webhook log as JSON Lines, one POST body per line")
    if not records.envelopes:
        raise InputError(path, "no line is a WhatsApp Cloud API webhook body (no 'object'/'entry')",
                         "use --format to pick the right reader")


def _json_position(exc: ValueError) -> str:
    col = getattr(exc, "colno", None)
    return f" at column {col}" if col else ""


class _PositionDecoder(json.JSONDecoder):
    """A decoder that remembers where each object starts, so records get their file line."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: dict[int, int] = {}
        starts = self.starts

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
            obj, end = JSONObject(s_and_end, *args)
            starts[id(obj)] = s_and_end[1] - 1
            return obj, end

        self.parse_object = parse_object
        # The C scanner ignores parse_object; the Python one (with C string scanning) honours it.
        self.scan_once = py_make_scanner(self)


def _read_json(text: str, path: str, records: _Records) -> None:
    decoder = _PositionDecoder()
    try:
        doc = decoder.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text[: exc.pos].rstrip().endswith("}") and "\n" in text[: exc.pos]:
            _read_jsonl(text, path, records)  # JSON Lines saved with a .json name
            return
        truncated = not text[exc.pos:].strip()
        raise InputError(path, f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})",
                         "the file is cut short; save the whole webhook body again" if truncated
                         else "fix the JSON there or export the webhook log again") from None
    newlines = [m.start() for m in re.finditer("\n", text)]
    starts = decoder.starts

    def line_of(obj: Any, fallback: int) -> int:
        pos = starts.get(id(obj))
        return fallback if pos is None else bisect_right(newlines, pos) + 1

    if isinstance(doc, list):
        for i, env in enumerate(doc):
            line = line_of(env, 1)
            if not records.envelope(env, line, f"[{i}].", line_of):
                records.rejected.append((line, f"[{i}]: JSON but not a webhook body (no 'object'/'entry')"))
    else:
        records.envelope(doc, 1, "", line_of)
    if not records.envelopes:
        raise InputError(path, "JSON but not a WhatsApp Cloud API webhook body (no 'object'/'entry')",
                         "use --format to pick the right reader")


# --- records to tables --------------------------------------------------------------


def _build(records: _Records, ctx: IngestContext, ledger: Ledger) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    for line, reason in records.rejected:
        ledger.reject(line, reason)
    name = ledger.report.path
    inbound = _inbound_frame(pd.DataFrame(records.inbound, columns=_INBOUND_COLS), ctx, ledger, name)
    outbound = _outbound_frame(pd.DataFrame(records.statuses, columns=_STATUS_COLS), ctx, ledger, name)
    optouts, consents = _preference_frames(pd.DataFrame(records.prefs, columns=_PREF_COLS), ctx, ledger, name)
    messages = pd.concat([inbound, outbound], ignore_index=True)
    messages = messages.sort_values(["timestamp", "message_id"], kind="stable", ignore_index=True)
    tables = {
        "messages": conform(messages, MESSAGES),
        "optouts": conform(optouts, OPTOUTS),
        "consent_events": conform(consents, CONSENT_EVENTS),
    }
    times = pd.concat([tables["messages"]["timestamp"], tables["optouts"]["since"],
                       tables["consent_events"]["timestamp"]], ignore_index=True)
    return tables, times


def _text(col: pd.Series) -> pd.Series:
    """Any JSON scalar → stripped str, '' where missing (ids may arrive as numbers)."""
    return col.where(col.notna(), "").astype(str).str.strip()


def _epoch(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Unix seconds (string or number) → UTC times and the plain seconds; NaT/NaN where unreadable."""
    numbers = _seconds(col)
    return pd.to_datetime(numbers, unit="s", utc=True).dt.as_unit("ns"), numbers


def _seconds(col: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(col, errors="coerce")
    return numbers.where((numbers >= _MIN_EPOCH) & (numbers < _MAX_EPOCH))


def _phones(raw: pd.Series, ctx: IngestContext) -> pd.DataFrame:
    """WhatsApp ids are international numbers without '+': add it before parsing, never guess a region."""
    text = _text(raw)
    digits = text.str.fullmatch(r"\d+")
    return normalise(text.where(~digits, "+" + text), ctx.default_region)


def _reject(ledger: Ledger, frame: pd.DataFrame, reasons: pd.Series, what: str) -> pd.Series:
    """Record a rejection for every row whose reason is set; return the mask of kept rows."""
    bad = reasons.notna()
    if bad.any():
        ledger.reject_many(frame.loc[bad, "line"], frame.loc[bad, "where"] + f": {what} " + reasons[bad])
    return ~bad


def _first_reason(index: pd.Index, checks: list[tuple[pd.Series, pd.Series | str]]) -> pd.Series:
    """The first failing check's reason per row, None where every check passes."""
    reasons = pd.Series(None, index=index, dtype="object")
    for failed, reason in reversed(checks):
        reasons = reasons.mask(failed, reason)
    return reasons


def _sources(name: str, lines: pd.Series) -> pd.Series:
    return name + ":" + lines.astype(str)


def _inbound_frame(df: pd.DataFrame, ctx: IngestContext, ledger: Ledger, name: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=MESSAGES.names)
    ids = _text(df["id"])
    times, _ = _epoch(df["ts"])
    phones = _phones(df["from"], ctx)
    reasons = _first_reason(df.index, [
        (ids.eq(""), "has no id"),
        (times.isna(), "has no readable timestamp (Unix seconds)"),
        (phones["error"].notna(), phones["error"].fillna("")),
    ])
    keep = _reject(ledger, df, reasons, "inbound message")
    kept = pd.DataFrame({
        "message_id": ids[keep], "timestamp": times[keep], "line": df.loc[keep, "line"],
        "counterpart": phones.loc[keep, "e164"], "counterpart_name": df.loc[keep, "name"],
        "business_account": _business(df.loc[keep, "business"], ctx),
        "kind": df.loc[keep, "type"].map(_KINDS).fillna("other"),
        "body": df.loc[keep, "body"],
    })
    # Meta retries a webhook until the receiver answers 200, so one message can be logged twice.
    unique = kept.drop_duplicates("message_id", keep="first")
    if len(unique) < len(kept):
        ledger.note(f"{len(kept) - len(unique)} repeated deliveries of inbound messages merged")
    return pd.DataFrame({
        "message_id": unique["message_id"], "timestamp": unique["timestamp"], "direction": "inbound",
        "channel": "whatsapp", "business_account": unique["business_account"],
        "counterpart": unique["counterpart"], "counterpart_name": unique["counterpart_name"],
        "conversation_type": "individual", "is_template": False,
        "kind": unique["kind"], "body": unique["body"], "status": "received",
        "source": _sources(name, unique["line"]),
    })


def _business(raw: pd.Series, ctx: IngestContext) -> pd.Series:
    parsed = _phones(raw, ctx)
    return parsed["e164"].where(parsed["error"].isna())


def _outbound_frame(df: pd.DataFrame, ctx: IngestContext, ledger: Ledger, name: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=MESSAGES.names)
    ids = _text(df["id"])
    status = _text(df["status"]).str.lower()
    times, seconds = _epoch(df["ts"])
    group = _text(df["recipient_type"]).str.lower().eq("group")
    recipient = _text(df["recipient"])
    phones = _phones(recipient.where(~group, ""), ctx)
    reasons = _first_reason(df.index, [
        (ids.eq(""), "has no id"),
        (~status.isin(list(_STATUS_RANK)), "has unknown status '" + status + "'"),
        (times.isna(), "has no readable timestamp (Unix seconds)"),
        (group & recipient.eq(""), "has no group recipient_id"),
        (~group & phones["error"].notna(), phones["error"].fillna("")),
    ])
    keep = _reject(ledger, df, reasons, "status update")
    raw_category = _text(df["pricing_category"]).str.lower().where(lambda s: s.ne(""),
                                                                    _text(df["origin"]).str.lower())
    st = pd.DataFrame({
        "id": ids, "status": status, "rank": status.map(_STATUS_RANK), "ts": times, "seconds": seconds,
        "line": df["line"], "not_sent": status.ne("sent"),
        "counterpart": phones["e164"].where(~group), "group": group,
        "group_id": recipient.where(group & recipient.ne("")),
        "conversation_id": _text(df["conversation_id"]).replace("", None),
        "expiration": _seconds(df["expiration"]),
        "category": raw_category.map(_CATEGORY).where(raw_category.ne(""), None),
        "category_raw": raw_category.replace("", None),
        "pricing_model": _text(df["pricing_model"]).str.upper().replace("", None),
        "pricing_type": _text(df["pricing_type"]).str.lower().replace("", None),
        "error": df["error"], "business": df["business"],
    })[keep]
    merged = _merge_statuses(st)
    ledger.note(f"{len(st)} status updates merged into {len(merged)} messages")
    _note_failures(merged, ledger)
    _note_unknown_categories(st, ledger)
    template = _is_template(merged)
    return pd.DataFrame({
        "message_id": merged.index, "timestamp": merged["ts"].to_numpy(), "direction": "outbound",
        "channel": "whatsapp", "business_account": _business(merged["business"], ctx).to_numpy(),
        "counterpart": merged["counterpart"].to_numpy(),
        "conversation_id": merged["group_id"].fillna(merged["conversation_id"]).to_numpy(),
        "conversation_type": np.where(merged["group"].fillna(False).astype(bool), "group", "individual"),
        "category": merged["category"].fillna("unknown").to_numpy(),
        "is_template": template.to_numpy(), "kind": np.where(template.fillna(False), "template", "other"),
        "status": merged["status"].to_numpy(), "source": _sources(name, merged["line"]).to_numpy(),
    })


def _merge_statuses(st: pd.DataFrame) -> pd.DataFrame:
    """One row per message id: sent time and its line, the furthest status, the first non-empty details."""
    by_time = st.sort_values(["id", "ts", "line"], kind="stable")
    details = by_time.groupby("id", sort=True)[
        ["counterpart", "group", "group_id", "conversation_id", "expiration", "category", "pricing_model",
         "pricing_type", "business"]].first()
    sent = st.sort_values(["id", "not_sent", "ts", "line"], kind="stable").drop_duplicates("id").set_index("id")
    latest = st.sort_values(["id", "rank", "ts", "line"], kind="stable").drop_duplicates("id", keep="last")
    latest = latest.set_index("id")
    out = details.join(sent[["ts", "seconds", "line"]]).join(latest[["status", "error"]])
    return out.sort_index()


def _is_template(m: pd.DataFrame) -> pd.Series:
    template_category = m["category"].isin(_TEMPLATE_CATEGORIES)
    per_message = m["pricing_model"].eq("PMP") | m["pricing_type"].notna()
    opened = (m["expiration"] - m["seconds"]) >= _CONVERSATION_SECONDS - _OPENER_SLACK
    out = pd.Series(pd.NA, index=m.index, dtype="boolean")
    out[per_message] = (template_category | m["pricing_type"].eq("regular"))[per_message]
    out[~per_message & m["category"].eq("service")] = False
    out[~per_message & template_category & opened.fillna(False)] = True
    return out


def _note_failures(merged: pd.DataFrame, ledger: Ledger) -> None:
    failed = merged.loc[merged["status"].eq("failed"), "error"].fillna("no error detail")
    if len(failed):
        counts = failed.value_counts().sort_index()
        detail = "; ".join(f"{err} ×{n}" for err, n in counts.items())
        ledger.note(f"{len(failed)} outbound messages failed: {detail}")


def _note_unknown_categories(st: pd.DataFrame, ledger: Ledger) -> None:
    unknown = st.loc[st["category_raw"].notna() & st["category"].isna(), "category_raw"]
    if len(unknown):
        ledger.note(f"pricing categories read as unknown: {', '.join(sorted(unknown.unique()))}")


def _preference_frames(df: pd.DataFrame, ctx: IngestContext, ledger: Ledger,
                       name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if df.empty:
        return pd.DataFrame(columns=OPTOUTS.names), pd.DataFrame(columns=CONSENT_EVENTS.names)
    value = _text(df["value"]).str.lower()
    category = _text(df["category"])
    times, _ = _epoch(df["ts"])
    phones = _phones(df["wa_id"], ctx)
    reasons = _first_reason(df.index, [
        (category.ne("marketing_messages") | ~value.isin(["stop", "resume"]),
         "is not a marketing stop/resume (category '" + category + "', value '" + value + "')"),
        (times.isna(), "has no readable timestamp (Unix seconds)"),
        (phones["error"].notna(), phones["error"].fillna("")),
    ])
    keep = _reject(ledger, df, reasons, "user preference")
    stop = keep & value.eq("stop")
    resume = keep & value.eq("resume")
    optouts = pd.DataFrame({
        "phone": phones.loc[stop, "e164"], "kind": "marketing-stop", "since": times[stop],
        "scope": "marketing", "source": _sources(name, df.loc[stop, "line"]),
    }).sort_values(["since", "phone"], kind="stable")
    consents = pd.DataFrame({
        "phone": phones.loc[resume, "e164"], "purpose": "marketing", "channel": "whatsapp", "status": "granted",
        "timestamp": times[resume], "method": "keyword", "evidence": "user_preferences resume webhook",
        "source": _sources(name, df.loc[resume, "line"]),
    }).sort_values(["timestamp", "phone"], kind="stable")
    return optouts, consents
