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
    category is the message's own; only templates carry marketing, utility or
    authentication, and only templates are billed (`type: regular`), so
    is_template = category in those three or type == regular;
  * per-conversation pricing (CBP): the category is the *conversation's*, and a
    free-form reply inside a marketing conversation carries "marketing" too.
    Only the message that opened a business-initiated conversation is surely a
    template; it is recognised by `expiration_timestamp` being 24 h after its
    own sent time. Service → False; other messages of a template-category
    conversation → unknown (NA);
  * neither pricing nor conversation → unknown (NA).
- kind: "template" when is_template, else "other" (status webhooks carry no content);
- template_name stays empty: status webhooks do not carry it;
- conversation_id: the group id for group sends, else `conversation.id`.

Inbound messages repeated by Meta's retries are kept once.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from json.decoder import JSONObject
from json.scanner import py_make_scanner
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source, counted
from msgaudit.ingest.decoding import decode
from msgaudit.ingest.gcpause import gc_paused
from msgaudit.phones import normalise
from msgaudit.tables import BSUID_KEY_PREFIX, CONSENT_EVENTS, MESSAGES, OPTOUTS, conform

try:  # orjson parses JSONL lines several times faster; json is the fallback.
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    def _loads(raw: bytes) -> Any:
        return json.loads(raw.decode("utf-8"))

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
_TEMPLATE_CATEGORIES = ["marketing", "utility", "authentication"]
# A CBP conversation lasts 24 h from its first message; seconds of slack for clock skew.
_CONVERSATION_SECONDS = 86_400
_OPENER_SLACK = 5
# WhatsApp exists since 2009; a webhook time outside 2009..2100 is garbage (a boolean, a typo, milliseconds).
_MIN_EPOCH, _MAX_EPOCH = 1_230_768_000, 4_102_444_800

# Every record tuple starts with its position: file line, body index in a JSON array (-1 if none),
# entry index, change index, index in its array. Paths are spelled out only for rejected rows.
_POSITION = ("line", "env", "entry", "change", "index")
_INBOUND_COLS = (*_POSITION, "id", "ts", "from", "user_id", "type", "body", "name", "business")
_STATUS_COLS = (*_POSITION, "id", "status", "ts", "recipient", "recipient_user_id", "recipient_type",
                "conversation_id", "expiration", "origin", "pricing_model", "pricing_type", "pricing_category", "error",
                "business")
_PREF_COLS = (*_POSITION, "wa_id", "user_id", "value", "category", "ts", "business")
# A business-scoped user id (BSUID): ISO country code, a dot, up to 128 letters and digits; a parent BSUID has
# "ENT." after the country (Meta, "Business-scoped user IDs", 2026). Users with a username may be known by it alone.
_BSUID = r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}"

LineOf = Callable[[Any, int], int]


class WebhookAdapter:
    name: ClassVar[str] = "whatsapp-webhook"

    def sniff(self, source: Source, head: str) -> float:
        if source.suffix in _SUFFIXES and any(m in head for m in _MARKERS):
            return 0.95
        return 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        # Paused through the build too: turning a million record tuples into columns would otherwise
        # set off collections that rescan every tuple still alive.
        with gc_paused():
            if source.suffix in _JSONL_SUFFIXES:
                records, encoding = _read_log(source)
            else:
                records = _Records()
                text, encoding = decode(source.data, source.name)
                _read_json(text, source.name, records)
            ledger = Ledger(source, self.name, encoding=encoding)
            rows_read = records.count
            tables, times = _build(records, ctx, ledger)
        report = ledger.close(rows_read, times)
        return Ingested(report=report, tables=tables)


# --- walking webhook bodies ---------------------------------------------------------


class _Records:
    """One list per column for each record kind, plus rejections found while walking.

    Column lists rather than a tuple per record: appending is cheap, and turning a million tuples into
    columns afterwards cost more than the walk itself.
    """

    def __init__(self) -> None:
        self.inbound: tuple[list[Any], ...] = tuple([] for _ in _INBOUND_COLS)
        self.statuses: tuple[list[Any], ...] = tuple([] for _ in _STATUS_COLS)
        self.prefs: tuple[list[Any], ...] = tuple([] for _ in _PREF_COLS)
        self.rejected: list[tuple[int, str]] = []
        self.envelopes = 0
        # wa_id → user_id pairs from `contacts` arrays: a record that names a person by one id alone is
        # keyed by their phone when the log pairs the two anywhere.
        self.pairs: list[tuple[Any, Any]] = []

    @property
    def count(self) -> int:
        return len(self.inbound[0]) + len(self.statuses[0]) + len(self.prefs[0]) + len(self.rejected)

    def envelope(self, env: Any, line: int, env_index: int, line_of: LineOf | None) -> bool:
        """Walk one POST body; False (and nothing recorded) when it is not a webhook body."""
        entries = env.get("entry") if type(env) is dict else None
        if type(entries) is not list:
            return False
        self.envelopes += 1
        for ei, entry in enumerate(entries):
            changes = entry.get("changes") if type(entry) is dict else None
            if type(changes) is not list:
                self.rejected.append((_line(line_of, entry, line), f"{_path(env_index, ei)}: no changes list"))
                continue
            for ci, change in enumerate(changes):
                self._change(change, line if line_of is None else line_of(change, line), env_index, ei, ci, line_of)
        return True

    def _change(self, change: Any, line: int, env: int, ei: int, ci: int, line_of: LineOf | None) -> None:
        # The hot path of a big log: a million calls, so lookups are bound locally and helpers inlined.
        value = change.get("value") if type(change) is dict else None
        if type(value) is not dict:
            self.rejected.append((line, f"{_path(env, ei, ci)}: change without a value object"))
            return
        field = change.get("field")
        meta = value.get("metadata")
        business = meta.get("display_phone_number") if type(meta) is dict else None
        found = False
        if field == "messages":
            messages, statuses = value.get("messages"), value.get("statuses")
            if type(messages) is list and messages:
                found = True
                self._inbound(messages, value.get("contacts"), line, env, ei, ci, line_of, business)
            if type(statuses) is list and statuses:
                found = True
                self._statuses(statuses, line, env, ei, ci, line_of, business)
        elif field == "user_preferences":
            prefs = value.get("user_preferences")
            if type(prefs) is list and prefs:
                found = True
                for i, p in enumerate(prefs):
                    rec_line = _line(line_of, p, line)
                    if type(p) is not dict:
                        self.rejected.append((rec_line, f"{_path(env, ei, ci, 'user_preferences', i)}: not an object"))
                        continue
                    for column, item in zip(self.prefs, (rec_line, env, ei, ci, i, p.get("wa_id"), p.get("user_id"),
                                                         p.get("value"), p.get("category"), p.get("timestamp"),
                                                         business)):
                        column.append(item)
        if not found:
            self.rejected.append((line, f"{_path(env, ei, ci)}: {_empty_change_reason(field, value)}"))
        elif type(contacts := value.get("contacts")) is list:
            self.pairs.extend((c.get("wa_id"), c.get("user_id")) for c in contacts if type(c) is dict)

    def _inbound(self, messages: list[Any], contacts: Any, line: int, env: int, ei: int, ci: int,
                 line_of: LineOf | None, business: Any) -> None:
        names = _profile_names(contacts)
        (lines, envs, entries, changes, indexes, ids, times, senders, user_ids, kinds, bodies, profiles,
         businesses) = self.inbound
        for i, m in enumerate(messages):
            rec_line = line if line_of is None else line_of(m, line)
            if type(m) is not dict:
                self.rejected.append((rec_line, f"{_path(env, ei, ci, 'messages', i)}: not an object"))
                continue
            get = m.get
            sender, user_id, kind = get("from"), get("from_user_id"), get("type")
            lines.append(rec_line)
            envs.append(env)
            entries.append(ei)
            changes.append(ci)
            indexes.append(i)
            ids.append(get("id"))
            times.append(get("timestamp"))
            senders.append(sender)
            user_ids.append(user_id)
            kinds.append(kind)
            bodies.append(_inbound_body(m, kind))
            # A malformed record may hold a list or an object where the id belongs: unhashable, so no lookup.
            key = sender if isinstance(sender, (str, int)) else user_id
            profiles.append(names.get(key) if names and isinstance(key, (str, int)) else None)
            businesses.append(business)

    def _statuses(self, statuses: list[Any], line: int, env: int, ei: int, ci: int,
                  line_of: LineOf | None, business: Any) -> None:
        (lines, envs, entries, changes, indexes, ids, states, times, recipients, recipient_user_ids, recipient_types,
         conversations, expirations, origins, models, types, categories, errors, businesses) = self.statuses
        for i, s in enumerate(statuses):
            rec_line = line if line_of is None else line_of(s, line)
            if type(s) is not dict:
                self.rejected.append((rec_line, f"{_path(env, ei, ci, 'statuses', i)}: not an object"))
                continue
            get = s.get
            conv = get("conversation")
            if type(conv) is dict:
                origin = conv.get("origin")
                conv_id, expiration = conv.get("id"), conv.get("expiration_timestamp")
                origin_type = origin.get("type") if type(origin) is dict else None
            else:
                conv_id = expiration = origin_type = None
            pricing = get("pricing")
            if type(pricing) is dict:
                model, ptype, category = pricing.get("pricing_model"), pricing.get("type"), pricing.get("category")
            else:
                model = ptype = category = None
            error = get("errors")
            lines.append(rec_line)
            envs.append(env)
            entries.append(ei)
            changes.append(ci)
            indexes.append(i)
            ids.append(get("id"))
            states.append(get("status"))
            times.append(get("timestamp"))
            recipients.append(get("recipient_id"))
            recipient_user_ids.append(get("recipient_user_id"))
            recipient_types.append(get("recipient_type"))
            conversations.append(conv_id)
            expirations.append(expiration)
            origins.append(origin_type)
            models.append(model)
            types.append(ptype)
            categories.append(category)
            errors.append(_first_error(error) if error else None)
            businesses.append(business)


def _line(line_of: LineOf | None, obj: Any, line: int) -> int:
    return line if line_of is None else line_of(obj, line)


def _path(env: int, entry: int, change: int | None = None, array: str | None = None, index: int | None = None) -> str:
    """The JSON path of a record inside its file: [3].entry[0].changes[1].value.statuses[2]."""
    out = f"[{env}]." if env >= 0 else ""
    out += f"entry[{entry}]"
    if change is not None:
        out += f".changes[{change}]"
    if array is not None:
        out += f".value.{array}[{index}]"
    return out


def _profile_names(contacts: Any) -> dict[Any, str | None]:
    if type(contacts) is not list:
        return {}
    names: dict[Any, str | None] = {}
    for c in contacts:
        profile = c.get("profile") if type(c) is dict else None
        if type(profile) is dict:
            name = profile.get("name")
            for key in (c.get("wa_id"), c.get("user_id")):
                if isinstance(key, (str, int)):
                    names[key] = name if isinstance(name, str) else None
    return names


def _inbound_body(m: dict[str, Any], kind: Any) -> str | None:
    sub = m.get(kind) if isinstance(kind, str) else None
    if type(sub) is not dict:
        return None
    if kind == "text" or kind == "system":
        body = sub.get("body")
    elif kind == "button":
        body = sub.get("text")
    elif kind == "interactive":
        reply_type = sub.get("type")
        reply = sub.get(reply_type) if isinstance(reply_type, str) else None
        body = reply.get("title") if type(reply) is dict else None
    elif kind in _MEDIA:
        body = sub.get("caption")
    else:
        body = None
    return body if isinstance(body, str) else None


def _first_error(errors: Any) -> str | None:
    first = errors[0] if type(errors) is list and errors else None
    if type(first) is not dict:
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


class _NotUtf8(Exception):
    """A JSONL line failed to parse and is not UTF-8: the log has to be decoded first."""


def _read_log(source: Source) -> tuple[_Records, str]:
    """Walk a JSONL log as UTF-8 bytes, decoding it first only when it turns out not to be UTF-8.

    orjson rejects invalid UTF-8, so a log whose lines all parse is UTF-8 and never needs a separate
    pass over its bytes (half a second on a 450 MB log); a line that fails is checked on its own.
    """
    data = source.data
    if data.startswith(codecs.BOM_UTF8):
        records = _Records()
        _read_jsonl(data, source.name, records)
        return records, "utf-8 with BOM"
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        records = _Records()
        try:
            _read_jsonl(data, source.name, records, utf8_only=True)
            return records, "utf-8"
        except _NotUtf8:
            pass
    text, encoding = decode(data, source.name)
    records = _Records()
    _read_jsonl(text.encode("utf-8"), source.name, records)
    return records, encoding


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    # Split on b"\n" only: a JSON string may hold a raw U+2028, which is no record break.
    for lineno, raw in enumerate(io.BytesIO(data), 1):
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.isspace():
            yield lineno, raw


def _read_jsonl(data: bytes, path: str, records: _Records, utf8_only: bool = False) -> None:
    """Walk one body per line; with `utf8_only`, a line that is not UTF-8 raises _NotUtf8."""
    bad_json = 0
    lines = 0
    for lineno, raw in _lines(data):
        lines += 1
        try:
            env = _loads(raw)
        except ValueError as exc:
            if utf8_only and not _is_utf8(raw):
                raise _NotUtf8 from None
            bad_json += 1
            records.rejected.append((lineno, f"invalid JSON{_json_position(exc)}: the line is cut short or malformed"))
            continue
        if not records.envelope(env, lineno, -1, None):
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
        # The C scanner ignores parse_object; the Python one (still with C string scanning) honours it.
        self.scan_once = py_make_scanner(self)


def _read_json(text: str, path: str, records: _Records) -> None:
    decoder = _PositionDecoder()
    try:
        doc = decoder.decode(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and exc.colno == 1:
            _read_jsonl(text.encode("utf-8"), path, records)  # JSON Lines saved with a .json name
            return
        truncated = not text[exc.pos:].strip()
        raise InputError(path, f"invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg})",
                         "the file is cut short; save the whole webhook body again" if truncated
                         else "fix the JSON there or export the webhook log again") from None
    except RecursionError:  # the position-keeping scanner recurses once per level; webhook bodies nest about 8
        raise InputError(path, "JSON nested too deeply to be a webhook body",
                         "give the webhook log as the platform sent it") from None
    newlines = [m.start() for m in re.finditer("\n", text)]
    starts = decoder.starts

    def line_of(obj: Any, fallback: int) -> int:
        pos = starts.get(id(obj))
        return fallback if pos is None else bisect_right(newlines, pos) + 1

    if isinstance(doc, list):
        for i, env in enumerate(doc):
            line = line_of(env, 1)
            if not records.envelope(env, line, i, line_of):
                records.rejected.append((line, f"[{i}]: JSON but not a webhook body (no 'object'/'entry')"))
    else:
        records.envelope(doc, 1, -1, line_of)
    if not records.envelopes:
        raise InputError(path, "JSON but not a WhatsApp Cloud API webhook body (no 'object'/'entry')",
                         "use --format to pick the right reader")


# --- records to tables --------------------------------------------------------------


def _build(records: _Records, ctx: IngestContext, ledger: Ledger) -> tuple[dict[str, pd.DataFrame], pd.Series]:
    for line, reason in records.rejected:
        ledger.reject(line, reason)
    name = ledger.report.path
    people = _People(ctx, _paired_phones(records.pairs, ctx))
    inbound = _inbound_frame(_frame(records.inbound, _INBOUND_COLS), people, ledger, name)
    outbound = _outbound_frame(_frame(records.statuses, _STATUS_COLS), people, ledger, name)
    optouts, consents = _preference_frames(_frame(records.prefs, _PREF_COLS), people, ledger, name)
    people.note(ledger)
    messages = pd.concat([inbound, outbound], ignore_index=True)
    # Time, then file position: integer keys sort fast, and the order is the same on every run.
    order = np.lexsort((messages.pop("line").to_numpy(dtype="int64"),
                        pd.DatetimeIndex(messages["timestamp"]).asi8))
    messages = messages.iloc[order].reset_index(drop=True)
    tables = {
        "messages": conform(messages, MESSAGES),
        "optouts": conform(optouts, OPTOUTS),
        "consent_events": conform(consents, CONSENT_EVENTS),
    }
    times = pd.concat([tables["messages"]["timestamp"], tables["optouts"]["since"],
                       tables["consent_events"]["timestamp"]], ignore_index=True)
    return tables, times


def _frame(columns: tuple[list[Any], ...], names: tuple[str, ...]) -> pd.DataFrame:
    """Column lists → frame; the lists are emptied, so a big log's values are freed as soon as they are copied.

    Each column is an object array kept as it is (no str inference, no 2-D block to stack); the position
    columns are integers.
    """
    n = len(columns[0])
    if not n:
        return pd.DataFrame(columns=list(names))
    data: dict[str, pd.Series] = {}
    for name, values in zip(names, columns):
        if name in _POSITION:
            data[name] = pd.Series(np.array(values, dtype=np.int64), copy=False)
        else:
            array = np.empty(n, dtype=object)
            array[:] = values  # element by element: a list or dict in a field stays one cell
            data[name] = pd.Series(array, dtype=object, copy=False)
        values.clear()
    return pd.DataFrame(data, copy=False)


def _factorized(col: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes per row (-1 where missing) and the distinct values as stripped str, so work is per distinct value."""
    try:
        codes, uniques = pd.factorize(col)
    except TypeError:  # an object or list where a scalar belongs: treat it as missing
        codes, uniques = pd.factorize(col.map(lambda v: None if isinstance(v, (dict, list)) else v))
    return codes, pd.Series(uniques, dtype=object).astype(str).str.strip().astype(object)


def _text(col: pd.Series, case: str | None = None) -> pd.Series:
    """Any JSON scalar → stripped str ('lower'/'upper' cased if asked), '' where missing."""
    codes, uniques = _factorized(col)
    if case is not None:
        uniques = getattr(uniques.str, case)()
    values = np.append(uniques.to_numpy(dtype=object), "")  # code -1 picks the trailing ''
    return pd.Series(values[codes], index=col.index, dtype=object)


def _seconds(col: pd.Series) -> pd.Series:
    """Unix seconds as float, NaN where unreadable or implausible."""
    numbers = _digit_strings(col)
    if numbers is None:
        numbers = pd.to_numeric(col, errors="coerce").astype("float64")
    return numbers.where((numbers >= _MIN_EPOCH) & (numbers < _MAX_EPOCH))


def _digit_strings(col: pd.Series) -> pd.Series | None:
    """Seconds from a column whose every value is a string of the same number of ASCII digits, else None.

    Webhooks write times as "1751328000"; reading the digits as numbers is ~10x faster than to_numeric,
    and gives the same floats. Anything else (ints, blanks, signs, mixed widths) takes the general path.
    """
    if not len(col) or pd.api.types.infer_dtype(col.to_numpy(), skipna=False) != "string":
        return None
    text = col.to_numpy().astype(str)
    width = text.dtype.itemsize // 4
    if not 0 < width <= 15:  # 15 digits stay exact in float64
        return None
    digits = text.view(np.uint32).reshape(len(text), width).astype(np.int64) - ord("0")
    if not ((digits >= 0) & (digits <= 9)).all():  # also catches shorter strings, padded with NUL
        return None
    values = digits @ (10 ** np.arange(width - 1, -1, -1, dtype=np.int64))
    return pd.Series(values.astype("float64"), index=col.index)


def _utc(seconds: pd.Series) -> pd.Series:
    return pd.to_datetime(seconds, unit="s", utc=True).dt.as_unit("ns")


def _phones(raw: pd.Series, ctx: IngestContext, field: str) -> pd.DataFrame:
    """E.164 per row, and `error` naming the field and the value as written when there is none.

    WhatsApp ids are international numbers without '+': it is added before parsing, so no region is guessed.
    """
    codes, written = _factorized(raw)
    keys = written.where(~written.str.fullmatch(r"\d+"), "+" + written)
    parsed = normalise(keys, ctx.default_region)[["e164", "error"]].reset_index(drop=True)
    parsed["error"] = ("has " + field + " '" + written + "', not a usable phone number").where(parsed["error"].notna())
    parsed.loc[written.eq(""), "error"] = f"has no {field}"
    missing = pd.DataFrame({"e164": [None], "error": [f"has no {field}"]})
    table = pd.concat([parsed, missing], ignore_index=True)  # code -1 picks the last row
    return table.iloc[codes].set_axis(raw.index)


def _paired_phones(pairs: list[tuple[Any, Any]], ctx: IngestContext) -> pd.Series:
    """BSUID → E.164 for every contact the log names by both (a BSUID paired with two numbers is left out)."""
    frame = pd.DataFrame(pairs, columns=["wa_id", "user_id"], dtype=object)
    if frame.empty:
        return pd.Series(dtype=object)
    user = _text(frame["user_id"])
    phone = _phones(frame["wa_id"], ctx, "wa_id")["e164"]
    both = pd.DataFrame({"user": user, "phone": phone})[user.str.fullmatch(_BSUID) & phone.notna()].drop_duplicates()
    return both.drop_duplicates("user", keep=False).set_index("user")["phone"]


class _People:
    """The contact key of each record: the phone's E.164, else "bsuid:" and the business-scoped user id.

    A record naming its person by BSUID alone is keyed by the phone the same log pairs with that BSUID
    (its `contacts` array), so one person keeps one key; otherwise by the BSUID, so the opt-out rules
    still see their STOP and every later message to them.
    """

    def __init__(self, ctx: IngestContext, paired: pd.Series) -> None:
        self.ctx = ctx
        self.paired = paired
        self.by_bsuid = 0
        self.matched = 0

    def keys(self, phone_raw: pd.Series, user_raw: pd.Series, phone_field: str, user_field: str) -> pd.DataFrame:
        """`key` and `error` per row (error set where there is no key)."""
        user = _text(user_raw)
        # Once usernames are out, `from` and `wa_id` may carry the BSUID itself.
        phone_text = _text(phone_raw)
        bsuid_as_phone = _fullmatch(phone_text, _BSUID)
        if bsuid_as_phone.any():
            user = user.where(user.ne("") | ~bsuid_as_phone, phone_text)
            phone_raw = phone_raw.where(~bsuid_as_phone, "")
        phones = _phones(phone_raw, self.ctx, phone_field)
        key, error = phones["e164"], phones["error"]
        no_key = key.isna()
        if not no_key.any():
            return pd.DataFrame({"key": key, "error": error})
        # Only rows without a usable phone are looked at again: in most logs, none or a few.
        rest = user[no_key]
        bsuid = _fullmatch(rest, _BSUID)
        matched = rest.map(self.paired).astype(object).where(bsuid)
        own = (BSUID_KEY_PREFIX + rest).astype(object).where(bsuid & matched.isna())
        key = key.copy()
        key[no_key] = matched.fillna(own)
        given = error[no_key].ne(f"has no {phone_field}")  # a phone was written but is unusable: say why
        why = error[no_key].where(given)
        why = why.fillna(("has " + user_field + " '" + rest + "', not a business-scoped user id")
                         .where(rest.ne("") & ~bsuid))
        error = error.copy()
        error[no_key] = why.fillna(f"has no {phone_field} or {user_field}")
        error[key.notna()] = None
        self.by_bsuid += int(own.notna().sum())
        self.matched += int(matched.notna().sum())
        return pd.DataFrame({"key": key, "error": error})

    def note(self, ledger: Ledger) -> None:
        if self.by_bsuid or self.matched:
            ledger.note(f"{counted(self.by_bsuid + self.matched, 'record names its', 'records name their')} person only by a business-scoped user id "
                        f"(BSUID): {self.matched} matched to the phone number the log pairs with it, "
                        f"{self.by_bsuid} keyed by the BSUID")


def _fullmatch(text: pd.Series, pattern: str) -> pd.Series:
    """`text.str.fullmatch(pattern)`, matched once per distinct value."""
    codes, uniques = pd.factorize(text)
    found = pd.Series(uniques, dtype=object).str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    return pd.Series(found[codes] if len(codes) else np.zeros(0, dtype=bool), index=text.index)


def _wrong_types(df: pd.DataFrame, fields: dict[str, str]) -> list[tuple[pd.Series, pd.Series | str]]:
    """Checks for a list or object where a JSON field holds a string or number (column → field as written)."""
    checks: list[tuple[pd.Series, pd.Series | str]] = []
    for column, field in fields.items():
        values = df[column]
        if pd.api.types.infer_dtype(values.to_numpy(), skipna=True) in ("string", "integer", "floating", "empty"):
            continue  # the common case, decided without looking at each value
        kind = values.map(lambda v: "a list" if isinstance(v, list) else "an object" if isinstance(v, dict) else "")
        checks.append((kind.ne(""), "has " + field + " as " + kind + ", not a string"))
    return checks


def _first_reason(index: pd.Index, checks: list[tuple[pd.Series, pd.Series | str]]) -> pd.Series:
    """The first failing check's reason per row, None where every check passes."""
    reasons = pd.Series(None, index=index, dtype="object")
    for failed, reason in reversed(checks):
        reasons = reasons.mask(failed, reason)
    return reasons


def _reject(ledger: Ledger, frame: pd.DataFrame, reasons: pd.Series, array: str, what: str) -> pd.Series:
    """Record a rejection for every row whose reason is set; return the mask of kept rows."""
    bad = reasons.notna()
    if bad.any():
        rows = frame.loc[bad, list(_POSITION)]
        paths = [_path(env, entry, change, array, index)
                 for env, entry, change, index in zip(rows["env"], rows["entry"], rows["change"], rows["index"])]
        ledger.reject_many(rows["line"], pd.Series(paths, index=rows.index) + f": {what} " + reasons[bad])
    return ~bad


def _sources(name: str, lines: pd.Series) -> pd.Series:
    return name + ":" + lines.astype(str)


def _inbound_frame(df: pd.DataFrame, people: _People, ledger: Ledger, name: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=[*MESSAGES.names, "line"])
    ids = _text(df["id"])
    times = _utc(_seconds(df["ts"]))
    phones = people.keys(df["from"], df["user_id"], "from", "from_user_id")
    reasons = _first_reason(df.index, [
        *_wrong_types(df, {"id": "id", "ts": "timestamp", "from": "from", "user_id": "from_user_id"}),
        (ids.eq(""), "has no id"),
        (times.isna(), "has no readable timestamp (Unix seconds)"),
        (phones["error"].notna(), phones["error"]),
    ])
    keep = _reject(ledger, df, reasons, "messages", "inbound message")
    kept = pd.DataFrame({
        "message_id": ids[keep], "timestamp": times[keep], "line": df.loc[keep, "line"],
        "counterpart": phones.loc[keep, "key"], "counterpart_name": df.loc[keep, "name"],
        "business": df.loc[keep, "business"], "type": _text(df.loc[keep, "type"]), "body": df.loc[keep, "body"],
    })
    # Meta retries a webhook until the receiver answers 200, so one message can be logged twice.
    unique = kept.drop_duplicates("message_id", keep="first")
    if len(unique) < len(kept):
        ledger.note(f"{len(kept) - len(unique)} repeated deliveries of inbound messages merged")
    return pd.DataFrame({
        "message_id": unique["message_id"], "timestamp": unique["timestamp"], "direction": "inbound",
        "channel": "whatsapp", "business_account": _business(unique["business"], people),
        "counterpart": unique["counterpart"], "counterpart_name": unique["counterpart_name"],
        "conversation_type": "individual", "is_template": False,
        "kind": unique["type"].map(_KINDS).fillna("other"), "body": unique["body"], "status": "received",
        "source": _sources(name, unique["line"]), "line": unique["line"],
    })


def _business(raw: pd.Series, people: _People) -> pd.Series:
    return _phones(raw, people.ctx, "display_phone_number")["e164"]


def _outbound_frame(df: pd.DataFrame, people: _People, ledger: Ledger, name: str) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame(columns=[*MESSAGES.names, "line"])
    ids = _text(df["id"])
    status = _text(df["status"], "lower")
    seconds = _seconds(df["ts"])
    group = _text(df["recipient_type"], "lower").eq("group")
    recipient = _text(df["recipient"])
    phones = people.keys(recipient.where(~group, ""), df["recipient_user_id"].where(~group, None), "recipient_id",
                         "recipient_user_id")
    reasons = _first_reason(df.index, [
        *_wrong_types(df, {"id": "id", "status": "status", "ts": "timestamp", "recipient": "recipient_id",
                           "recipient_user_id": "recipient_user_id"}),
        (ids.eq(""), "has no id"),
        (~status.isin(list(_STATUS_RANK)), "has unknown status '" + status + "'"),
        (seconds.isna(), "has no readable timestamp (Unix seconds)"),
        (group & recipient.eq(""), "has no group recipient_id"),
        (~group & phones["error"].notna(), phones["error"]),
    ])
    keep = _reject(ledger, df, reasons, "statuses", "status update")
    category_raw = _text(df["pricing_category"], "lower")
    category_raw = category_raw.where(category_raw.ne(""), _text(df["origin"], "lower"))
    st = pd.DataFrame({
        "id": ids, "status": status, "rank": status.map(_STATUS_RANK), "seconds": seconds, "line": df["line"],
        "counterpart": phones["key"].where(~group), "group": group,
        "group_id": recipient.where(group & recipient.ne("")),
        "conversation_id": _text(df["conversation_id"]).replace("", None),
        "expiration": _seconds(df["expiration"]),
        "category": category_raw.map(_CATEGORY),
        "category_raw": category_raw.replace("", None),
        "pricing_model": _text(df["pricing_model"], "upper").replace("", None),
        "pricing_type": _text(df["pricing_type"], "lower").replace("", None),
        "error": df["error"], "business": df["business"],
    })[keep].reset_index(drop=True)
    merged = _merge_statuses(st)
    ledger.note(f"{len(st)} status updates merged into {len(merged)} messages")
    _note_failures(merged, ledger)
    _note_unknown_categories(st, ledger)
    template = _is_template(merged)
    return pd.DataFrame({
        "message_id": merged["id"], "timestamp": _utc(merged["seconds"]), "direction": "outbound",
        "channel": "whatsapp", "business_account": _business(merged["business"], people),
        "counterpart": merged["counterpart"],
        "conversation_id": merged["group_id"].fillna(merged["conversation_id"]),
        "conversation_type": np.where(merged["group"].fillna(False).astype(bool), "group", "individual"),
        "category": merged["category"].fillna("unknown"), "is_template": template,
        "kind": np.where(template.fillna(False), "template", "other"),
        "status": merged["status"], "source": _sources(name, merged["line"]), "line": merged["line"],
    })


def _merge_statuses(st: pd.DataFrame) -> pd.DataFrame:
    """One row per message id: sent time and its line, the furthest status, the first non-empty details.

    Done on integer id codes with three lexsorts, so a million updates merge in well under a second.
    """
    codes, ids = pd.factorize(st["id"])
    seconds = st["seconds"].to_numpy()
    line = st["line"].to_numpy()
    not_sent = st["status"].ne("sent").to_numpy()
    rank = st["rank"].to_numpy()
    by_time = np.lexsort((line, seconds, codes))
    sent_first = np.lexsort((line, seconds, not_sent, codes))
    furthest = np.lexsort((line, seconds, rank, codes))

    def first_of_group(order: np.ndarray) -> np.ndarray:
        c = codes[order]
        return order[np.r_[True, c[1:] != c[:-1]]] if len(order) else order

    def last_of_group(order: np.ndarray) -> np.ndarray:
        c = codes[order]
        return order[np.r_[c[1:] != c[:-1], True]] if len(order) else order

    sent_rows = first_of_group(sent_first)
    latest_rows = last_of_group(furthest)
    out = pd.DataFrame({"id": np.asarray(ids, dtype=object)})
    # lexsort groups come out in code order, which is the order of `ids`.
    out["seconds"] = seconds[sent_rows]
    out["line"] = line[sent_rows]
    out["status"] = st["status"].to_numpy()[latest_rows]
    out["error"] = st["error"].to_numpy()[latest_rows]
    for col in ("counterpart", "group", "group_id", "conversation_id", "expiration", "category",
                "pricing_model", "pricing_type", "business"):
        values = st[col]
        present = values.notna().to_numpy()
        rows = first_of_group(by_time[present[by_time]])
        filled = pd.Series(None if values.dtype == object else np.nan, index=out.index, dtype=values.dtype)
        filled.iloc[codes[rows]] = values.to_numpy()[rows]
        out[col] = filled
    return out


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


def _preference_frames(df: pd.DataFrame, people: _People, ledger: Ledger,
                       name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if df.empty:
        return pd.DataFrame(columns=OPTOUTS.names), pd.DataFrame(columns=CONSENT_EVENTS.names)
    value = _text(df["value"], "lower")
    category = _text(df["category"])
    times = _utc(_seconds(df["ts"]))
    phones = people.keys(df["wa_id"], df["user_id"], "wa_id", "user_id")
    reasons = _first_reason(df.index, [
        *_wrong_types(df, {"wa_id": "wa_id", "user_id": "user_id", "value": "value", "category": "category",
                           "ts": "timestamp"}),
        (category.ne("marketing_messages") | ~value.isin(["stop", "resume"]),
         "is not a marketing stop/resume (category '" + category + "', value '" + value + "')"),
        (times.isna(), "has no readable timestamp (Unix seconds)"),
        (phones["error"].notna(), phones["error"]),
    ])
    keep = _reject(ledger, df, reasons, "user_preferences", "user preference")
    stop = keep & value.eq("stop")
    resume = keep & value.eq("resume")
    optouts = pd.DataFrame({
        "phone": phones.loc[stop, "key"], "kind": "marketing-stop", "since": times[stop],
        "scope": "marketing", "source": _sources(name, df.loc[stop, "line"]),
    }).sort_values(["since", "phone"], kind="stable")
    consents = pd.DataFrame({
        "phone": phones.loc[resume, "key"], "purpose": "marketing", "channel": "whatsapp", "status": "granted",
        "timestamp": times[resume], "method": "keyword", "evidence": "user_preferences resume webhook",
        "source": _sources(name, df.loc[resume, "line"]),
    }).sort_values(["timestamp", "phone"], kind="stable")
    return optouts, consents
