"""twilio-csv adapter: fixture files in, expected tables out (tests/fixtures/twilio/expected.yaml)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Source
from msgaudit.ingest.twilio import TwilioCsvAdapter

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((FIXTURES / "expected.yaml").read_text(encoding="utf-8"))
ADAPTER = TwilioCsvAdapter()
CONSOLE = (FIXTURES / "console_order.csv").read_text(encoding="utf-8")


def _read(name: str, data: bytes | None = None) -> Ingested:
    path = FIXTURES / name
    raw = path.read_bytes() if data is None else data
    return ADAPTER.read(Source(path=path, data=raw, name=name), IngestContext())


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.item() if hasattr(value, "item") else value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads_as_expected(name: str) -> None:
    want = EXPECTED[name]
    result = _read(name)
    rep = result.report
    assert [rep.rows_read, rep.rows_accepted, rep.rows_rejected] == want["rows"]
    assert rep.notes == want["notes"]
    got = [(r.line, r.reason) for r in rep.rejections]
    assert len(got) == len(want["rejections"]), got
    for (line, reason), (want_line, want_text) in zip(got, want["rejections"]):
        assert line == want_line and want_text in reason, (line, reason)
    frame = result.tables["messages"]
    assert len(frame) == len(want["messages"])
    for (_, row), expected in zip(frame.iterrows(), want["messages"]):
        actual = {col: (int(row["source"].rsplit(":", 1)[1]) if col == "line" else _cell(row[col])) for col in expected}
        assert actual == expected


def _rewrite(text: str, order: list[str], delimiter: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=order, delimiter=delimiter, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("seed,delimiter", [(1, ","), (2, ";"), (3, "\t")])
def test_any_column_order_and_delimiter_gives_the_same_table(seed: int, delimiter: str) -> None:
    header = CONSOLE.splitlines()[0].split(",")
    order = header[:]
    random.Random(seed).shuffle(order)
    shuffled = _rewrite(CONSOLE, order, delimiter)
    expected = _read("console_order.csv").tables["messages"].drop(columns="source")
    result = _read("shuffled.csv", b"\xef\xbb\xbf" + shuffled.encode("utf-8"))
    pd.testing.assert_frame_equal(result.tables["messages"].drop(columns="source"), expected)
    assert [r.line for r in result.report.rejections] == [8, 9]


def test_unknown_direction_and_unparseable_date_are_rejected_with_their_line() -> None:
    text = ("From,To,Body,Status,SentDate,Sid,Direction\n"
            "+15017122661,+393331234567,Ciao,sent,\"Tue, 09 Sep 2025 08:15:02 +0000\",SM1,outbound-api\n"
            "+15017122661,+393331234567,Ciao,sent,\"Tue, 09 Sep 2025 08:15:02 +0000\",SM2,trunking\n"
            "+15017122661,+393331234567,Ciao,sent,ieri sera,SM3,outbound-api\n"
            "+393331234567,+15017122661,,received,2025-09-09 08:20:00,SM4,inbound\n"
            "+14155238886,whatsapp:+393331234567,Ciao,sent,2025-09-09T08:25:00+02:00,SM5,outbound-api\n")
    result = _read("inline.csv", text.encode())
    rep = result.report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (5, 3, 2)
    assert [(r.line, r.reason) for r in rep.rejections] == [
        (3, "Direction 'trunking' is not inbound or outbound-*"),
        (4, "SentDate 'ieri sera' is not a date"),
    ]
    messages = result.tables["messages"]
    # a naive time is UTC; an offset is honoured
    assert messages["timestamp"].dt.strftime("%H:%M:%S").tolist() == ["06:25:00", "08:15:02", "08:20:00"]
    assert messages["kind"].tolist() == ["text", "text", "other"]
    assert messages["channel"].tolist() == ["whatsapp", "sms", "sms"]  # one "whatsapp:" side is enough


def test_missing_required_columns_is_one_clear_error() -> None:
    with pytest.raises(InputError, match=r"^nodate\.csv: no SentDate, Direction column in the header"):
        _read("nodate.csv", b"From,To,Body,Sid\n+15017122661,+393331234567,Ciao,SM1\n")


@pytest.mark.parametrize("header,score", [
    ("From,To,Body,Status,SentDate,ApiVersion,NumSegments,ErrorCode,AccountSid,Sid,Direction,Price,PriceUnit", 0.95),
    ("Body;Status;SentDate;ApiVersion;NumSegments;AccountSid;Sid;Direction;From;To;Price;PriceUnit", 0.95),
    ("\ufeffsent_date,SID,direction,from,to", 0.95),
    ("First Name,Last Name,Phone 1 - Value", 0.0),
    ("From,To,Body,Date", 0.0),
])
def test_sniff_needs_sentdate_sid_and_direction(header: str, score: float) -> None:
    assert ADAPTER.sniff(Source(path=Path("x.csv"), data=header.encode(), name="x.csv"), header) == score
