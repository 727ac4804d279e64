"""whatsapp-webhook adapter: fixture files in, expected tables out (tests/fixtures/webhook/expected.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Source
from msgaudit.ingest.webhook import WebhookAdapter

FIXTURES = Path(__file__).parent / "fixtures" / "webhook"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
ADAPTER = WebhookAdapter()


def _source(name: str, data: bytes | None = None) -> Source:
    path = FIXTURES / name
    return Source(path=path, data=path.read_bytes() if data is None else data, name=name)


def _read(name: str, data: bytes | None = None) -> Ingested:
    return ADAPTER.read(_source(name, data), IngestContext())


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if hasattr(value, "item"):
        return value.item()
    return value


def _actual_rows(frame: pd.DataFrame, expected: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    rows = []
    for (_, row), want in zip(frame.iterrows(), expected):
        got = {}
        for col in want:
            if col == "line":
                got[col] = int(row["source"].rsplit(":", 1)[1]) if row["source"].startswith(f"{name}:") else row["source"]
            else:
                got[col] = _cell(row[col])
        rows.append(got)
    return rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads_as_expected(name: str) -> None:
    want = EXPECTED[name]
    result = _read(name)
    rep = result.report
    assert [rep.rows_read, rep.rows_accepted, rep.rows_rejected] == want["rows"]
    assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
    got_rejections = [(r.line, r.reason) for r in rep.rejections]
    want_rejections = want.get("rejections", [])
    assert len(got_rejections) == len(want_rejections), got_rejections
    for (line, reason), (want_line, want_text) in zip(got_rejections, want_rejections):
        assert line == want_line and want_text in reason, (line, reason)
    if "notes" in want:
        assert rep.notes == want["notes"]
    for table in ("messages", "optouts", "consent_events"):
        expected_rows = want.get(table, [])
        frame = result.tables[table]
        assert len(frame) == len(expected_rows), f"{table}: {len(frame)} rows"
        assert _actual_rows(frame, expected_rows, name) == expected_rows


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_constant_columns_and_report_times(name: str) -> None:
    result = _read(name)
    messages = result.tables["messages"]
    assert (messages["channel"] == "whatsapp").all()
    assert messages["template_name"].isna().all()
    if len(messages):
        assert result.report.first_timestamp == messages["timestamp"].min().to_pydatetime()


def test_every_status_order_gives_the_same_message() -> None:
    lines = (FIXTURES / "status_stream.jsonl").read_bytes().splitlines(keepends=True)
    reversed_log = b"".join(reversed(lines))
    forward = _read("status_stream.jsonl").tables["messages"].drop(columns="source")
    backward = _read("status_stream.jsonl", reversed_log).tables["messages"].drop(columns="source")
    pd.testing.assert_frame_equal(forward, backward)


def test_truncated_json_is_one_clear_error() -> None:
    with pytest.raises(InputError) as err:
        _read("truncated.json")
    text = str(err.value)
    assert "\n" not in text
    assert text.startswith("truncated.json: invalid JSON at line 28 column 13")
    assert "cut short" in text


def test_jsonl_where_no_line_parses_is_an_error() -> None:
    with pytest.raises(InputError, match=r"^all_bad\.jsonl: no line is valid JSON"):
        _read("all_bad.jsonl")


def test_json_that_is_not_a_webhook() -> None:
    source = _source("not_a_webhook.json")
    head = source.data.decode()
    assert ADAPTER.sniff(source, head) == 0.95  # it says "messaging_product", so it is tried...
    with pytest.raises(InputError, match=r"not a WhatsApp Cloud API webhook body"):
        ADAPTER.read(source, IngestContext())  # ...and refused in one line
    plain = Source(path=Path("x.json"), data=b'{"a": 1}', name="x.json")
    assert ADAPTER.sniff(plain, '{"a": 1}') == 0.0


@pytest.mark.parametrize("name,score", [("log.jsonl", 0.95), ("log.json", 0.95), ("log.csv", 0.0), ("log.txt", 0.0)])
def test_sniff_by_suffix_and_marker(name: str, score: float) -> None:
    head = '{"object":"whatsapp_business_account","entry":[]}'
    assert ADAPTER.sniff(Source(path=Path(name), data=head.encode(), name=name), head) == score


def test_repeated_inbound_delivery_is_one_message() -> None:
    line = (FIXTURES / "wa_webhook_inbound_text_stop.json").read_text()
    log = (json.dumps(json.loads(line)) + "\n") * 3
    result = _read("retries.jsonl", log.encode())
    assert result.report.rows_read == 3 and result.report.rows_accepted == 3
    assert len(result.tables["messages"]) == 1
    assert result.report.notes == ["2 repeated deliveries of inbound messages merged"]


def test_utf8_bom_and_cp1252_jsonl() -> None:
    body = json.dumps(json.loads((FIXTURES / "inbound_kinds.json").read_text(encoding="utf-8")), ensure_ascii=False)
    with_bom = _read("bom.jsonl", b"\xef\xbb\xbf" + body.encode("utf-8") + b"\n")
    assert with_bom.report.encoding == "utf-8 with BOM"
    windows = _read("ansi.jsonl", body.encode("cp1252", errors="replace") + b"\n")
    assert windows.report.encoding == "cp1252"
    for result in (with_bom, windows):
        assert result.tables["messages"]["counterpart_name"].iloc[0] == "Niccolò Ferri"


def test_group_send_has_no_counterpart() -> None:
    status = {"id": "wamid.GRP1", "status": "delivered", "timestamp": "1757325600", "recipient_id": "120363025246125486",
              "recipient_type": "group", "recipient_participant_id": "393331234567"}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "390212345678"}, "statuses": [status]}}]}]}
    row = _read("group.jsonl", (json.dumps(body) + "\n").encode()).tables["messages"].iloc[0]
    assert row["counterpart"] is None
    assert row["conversation_type"] == "group"
    assert row["conversation_id"] == "120363025246125486"


# --- property: nothing is lost, one message per valid id --------------------------------

_PHONES = ["393331234567", "393401112233", "16505551234", "12", "", None]
_USER_IDS = ["IT.1502576394655843", "US.ENT.11815799212886844830", "chiara.r", "", None]
_STAMPS = ["1757325600", "1757325900", 1757326200, "ieri", None, True]
_statuses = st.fixed_dictionaries({
    "id": st.sampled_from(["wamid.S1", "wamid.S2", "wamid.S3", "", None, 42]),
    "status": st.sampled_from(["sent", "delivered", "read", "failed", "played", "bla", None]),
    "timestamp": st.sampled_from(_STAMPS),
    "recipient_id": st.sampled_from(_PHONES),
    "recipient_user_id": st.sampled_from(_USER_IDS),
})
_messages = st.fixed_dictionaries({
    "id": st.sampled_from(["wamid.M1", "wamid.M2", "", None]),
    "from": st.sampled_from(_PHONES),
    "from_user_id": st.sampled_from(_USER_IDS),
    "timestamp": st.sampled_from(_STAMPS),
    "type": st.sampled_from(["text", "image", "reaction", None]),
    "text": st.just({"body": "Ciao"}),
})
_records = st.lists(st.one_of(
    _statuses.map(lambda s: ("statuses", s)),
    _messages.map(lambda m: ("messages", m)),
    st.sampled_from([("statuses", "not an object"), ("garbage", None)]),
), min_size=1, max_size=25)


def _valid(record: dict[str, Any], phone_key: str, user_key: str) -> bool:
    ok_id = isinstance(record["id"], (str, int)) and str(record["id"]).strip() != ""
    ok_time = isinstance(record["timestamp"], (str, int)) and not isinstance(record["timestamp"], bool) \
        and str(record["timestamp"]).isdigit()
    ok_phone = record[phone_key] not in ("12", "", None) or record[user_key] in _USER_IDS[:2]
    ok_status = phone_key == "from" or record["status"] in ("sent", "delivered", "read", "failed", "played")
    return ok_id and ok_time and ok_phone and ok_status


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records)
def test_accounting_holds_for_any_records(records: list[tuple[str, Any]]) -> None:
    lines = []
    for array, record in records:
        if array == "garbage":
            lines.append('{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "va')
            continue
        body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"display_phone_number": "390212345678"}, array: [record]}}]}]}
        lines.append(json.dumps(body))
    if all(array == "garbage" for array, _ in records):
        with pytest.raises(InputError):
            _read("prop.jsonl", ("\n".join(lines) + "\n").encode())
        return
    result = _read("prop.jsonl", ("\n".join(lines) + "\n").encode())
    rep = result.report
    assert rep.rows_read == len(records)
    assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
    valid_out = {str(r["id"]) for a, r in records if a == "statuses" and isinstance(r, dict) and _valid(r, "recipient_id", "recipient_user_id")}
    valid_in = {str(r["id"]) for a, r in records if a == "messages" and _valid(r, "from", "from_user_id")}
    messages = result.tables["messages"]
    assert set(messages.loc[messages["direction"] == "outbound", "message_id"]) == valid_out
    assert set(messages.loc[messages["direction"] == "inbound", "message_id"]) == valid_in
    assert len(messages) == len(valid_out) + len(valid_in)
    assert all(r.line >= 1 and r.reason for r in rep.rejections)


# --- business-scoped user ids and wrong JSON types ------------------------------------------

_BSUID_INVENTORY = """\
organisation:
  name: Negozio Prova srl
  country: IT
  timezone: Europe/Rome
  business_phones: ["+39 02 5550 3000"]
systems:
  - name: WhatsApp Business Platform
    role: processor
    country: US
    channels: [whatsapp]
    transfers:
      - {mechanism: dpf, from: 2024-01-01, certified: true}
"""


def _body(value: dict[str, Any], field: str = "messages") -> str:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "9", "changes": [{"field": field, "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "390255503000", "phone_number_id": "1"},
        **value}}]}]})


def _campaign(message_id: str, ts: int, user_id: str) -> str:
    return _body({"statuses": [{"id": message_id, "status": "sent", "timestamp": str(ts), "recipient_user_id": user_id,
                                "pricing": {"pricing_model": "PMP", "type": "regular", "category": "marketing"}}]})


def test_an_opted_out_bsuid_user_messaged_again_is_flagged(tmp_path: Path) -> None:
    from datetime import date

    from msgaudit.api import AuditOptions, audit

    user = "IT.1502576394655843"
    log = [
        _campaign("wamid.camp1", 1767258000, user),
        _body({"contacts": [{"profile": {"name": "Chiara", "username": "@chiara.r"}, "user_id": user}],
               "messages": [{"from_user_id": user, "id": "wamid.reply", "timestamp": "1767261600", "type": "text",
                             "text": {"body": "STOP"}}]}),
        _campaign("wamid.camp2", 1767862800, user),
    ]
    (tmp_path / "webhooks.jsonl").write_text("\n".join(log) + "\n", encoding="utf-8")
    (tmp_path / "inventory.yaml").write_text(_BSUID_INVENTORY, encoding="utf-8")
    result = audit([tmp_path], AuditOptions(as_of=date(2026, 2, 1), mask=False))
    optout = [(f.rule_id, f.message_id, f.contact) for f in result.findings if f.rule_id.startswith("OPTOUT-")]
    assert optout == [("OPTOUT-001", "wamid.camp2", f"bsuid:{user}")]
    # A BSUID is no phone number: the number-quality rules do not judge it.
    assert not [f for f in result.findings if f.rule_id in ("QUALITY-001", "QUALITY-002")]
    webhook = next(i for i in result.inputs if i.format == "whatsapp-webhook")
    assert (webhook.rows_read, webhook.rows_accepted, webhook.rows_rejected) == (3, 3, 0)


_WRONG_TYPES = [[], {}, ["393331234567"], {"wa_id": "393331234567"}]
_FIELDS = {
    "messages": ("from", "id", "timestamp", "from_user_id"),
    "statuses": ("recipient_id", "id", "timestamp", "status", "recipient_user_id"),
    "user_preferences": ("wa_id", "user_id", "value", "category", "timestamp"),
}
_GOOD = {
    "messages": {"from": "393331234567", "id": "wamid.IN", "timestamp": "1757325600", "type": "text",
                 "text": {"body": "ciao"}},
    "statuses": {"recipient_id": "393331234567", "id": "wamid.OUT", "timestamp": "1757325600", "status": "sent"},
    "user_preferences": {"wa_id": "393331234567", "value": "stop", "category": "marketing_messages",
                         "timestamp": "1757325600"},
}


@pytest.mark.parametrize(("array", "field"), [(a, f) for a, fields in _FIELDS.items() for f in fields])
@pytest.mark.parametrize("bad", _WRONG_TYPES, ids=lambda v: type(v).__name__ + str(len(v)))
def test_a_wrong_json_type_rejects_its_record_only(array: str, field: str, bad: Any) -> None:
    record = {**_GOOD[array], field: bad}
    field_name = "user_preferences" if array == "user_preferences" else "messages"
    lines = [_body({array: [_GOOD[array]]}, field_name), _body({array: [record]}, field_name),
             _body({array: [{**_GOOD[array], "id": "wamid.OTHER"} if "id" in _GOOD[array] else _GOOD[array]]},
                   field_name)]
    rep = _read("types.jsonl", ("\n".join(lines) + "\n").encode()).report
    assert (rep.rows_read, rep.rows_rejected) == (3, 1)
    assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
    (rejection,) = rep.rejections
    assert rejection.line == 2
    assert f"{array}[0]:" in rejection.reason and field in rejection.reason


def test_a_list_for_from_in_a_json_array_rejects_that_record_at_its_line() -> None:
    good = {**_GOOD["messages"], "id": "wamid.B"}
    body = json.loads(_body({"contacts": [{"profile": {"name": "X"}, "wa_id": "393331234567"}],
                             "messages": [{**_GOOD["messages"], "from": []}, good]}))
    rep = _read("bodies.json", json.dumps([body], indent=2).encode()).report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (2, 1, 1)
    (rejection,) = rep.rejections
    assert rejection.reason == "[0].entry[0].changes[0].value.messages[0]: inbound message has from as a list, not a string"
    assert json.dumps([body], indent=2).splitlines()[rejection.line - 1].strip() == "{"
