"""WhatsApp chat export adapter: fixtures in, expected messages and accounting out."""

from __future__ import annotations

import csv
import io
import itertools
import random
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext, Ingested, Source
from msgaudit.ingest.whatsapp_chat import WhatsAppChatAdapter
from msgaudit.tables import MESSAGES

CHAT = Path(__file__).parent / "fixtures" / "chat"
SHARED = CHAT / "shared"
MINER = SHARED / "chat-miner"
ROME = "Europe/Rome"
CASES = yaml.safe_load((CHAT / "cases.yaml").read_text(encoding="utf-8"))
VARIANTS = yaml.safe_load((CHAT / "variants.yaml").read_text(encoding="utf-8"))
LOCALES = yaml.safe_load((CHAT / "locales.yaml").read_text(encoding="utf-8"))
COMPARED = ["line", "timestamp", "direction", "kind", "business_account", "counterpart", "counterpart_name", "body"]


def read(path: Path, **ctx: object) -> Ingested:
    return WhatsAppChatAdapter().read(Source(path=path, data=path.read_bytes(), name=str(path)), IngestContext(**ctx))


def read_text(text: str, name: str = "chat.txt", **ctx: object) -> Ingested:
    return WhatsAppChatAdapter().read(Source(path=Path(name), data=text.encode("utf-8"), name=name),
                                      IngestContext(**ctx))


def wall_times(messages: pd.DataFrame) -> list[str]:
    """UTC timestamps back to naive Rome wall-clock text, as exports and peer parsers show them."""
    local = messages["timestamp"].dt.tz_convert(ROME).dt.tz_localize(None)
    return [t.strftime("%Y-%m-%d %H:%M:%S") for t in local]


def authors(messages: pd.DataFrame) -> list[str]:
    return [name or "" if kind != "system" else "" for name, kind in zip(messages["counterpart_name"], messages["kind"])]


def assert_accounted(result: Ingested) -> None:
    rep = result.report
    assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
    assert rep.rows_accepted == len(result.tables["messages"])
    assert list(result.tables["messages"].columns) == MESSAGES.names


# --- hand-written realistic exports, data-driven by cases.yaml -----------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture_export(case: dict) -> None:
    path = CHAT / case["file"]
    ctx = {key: case[key] for key in ("timezone", "date_order") if key in case}
    result = read(path, business_names=tuple(case.get("business_names", ())), **ctx)
    assert_accounted(result)
    rep = result.report
    assert rep.rows_read == case["rows_read"]
    assert [[r.line, r.reason] for r in rep.rejections] == case["rejections"]
    assert rep.encoding == case["encoding"]
    assert rep.notes == case["notes"]

    got = result.tables["messages"]
    member = "!_chat.txt" if path.suffix == ".zip" else ""
    lines = got["source"].str.rsplit(":", n=1).str[1].astype(int)
    assert list(got["source"]) == [f"{path}{member}:{n}" for n in lines]
    assert list(got["message_id"]) == [f"{path.name}{member}:{n}" for n in lines]
    assert set(got["conversation_id"]) == {f"chat:{path.stem}"}
    assert set(got["conversation_type"]) == {case["conversation_type"]}
    assert set(got["channel"]) == {"whatsapp"} and set(got["category"]) == {"unknown"}
    assert not got["is_template"].any()

    actual = got.assign(line=lines, timestamp=got["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))[COMPARED]
    with open(CHAT / "expected" / case["expected"], encoding="utf-8", newline="") as f:
        expected = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(f)]
    for row in expected:
        row["line"] = int(row["line"])
    assert actual.to_dict("records") == expected
    assert rep.first_timestamp == got["timestamp"].min() and rep.last_timestamp == got["timestamp"].max()


def test_zip_member_and_media_are_reported() -> None:
    result = read(CHAT / "WhatsApp Chat - +39 347 765 4321.zip")
    assert result.report.format == "whatsapp-chat"
    assert any("1 jpg" in n for n in result.report.notes)


# --- shared samples ------------------------------------------------------------------------------

def test_handmade_italian_system_lines_are_kept() -> None:
    # 8 lines, 7 messages: "Riunione giovedì alle 21." continues Anna's welcome.
    # whatstk returns 4 rows here, having glued the system lines to the message above.
    result = read(SHARED / "handmade_android_it_system_lines.txt", business_names=("Anna Rossi",))
    assert_accounted(result)
    got = result.tables["messages"]
    assert result.report.rows_read == 7 and result.report.rows_rejected == 0
    assert list(got["kind"]) == ["system", "system", "system", "text", "media", "text", "deleted"]
    assert list(got["direction"]) == ["inbound"] * 3 + ["outbound"] + ["inbound"] * 3
    assert got["body"][3] == "Benvenuti!\nRiunione giovedì alle 21."
    assert got["counterpart"][5] == "+393331234567"
    assert set(got["conversation_type"]) == {"group"}


@pytest.mark.parametrize("name", ["whatstk_android_dotted_dmy_12h.txt", "whatstk_ios_mdy_12h_seconds.txt"])
def test_whatstk_samples_agree_across_layouts(name: str) -> None:
    reference = read(SHARED / "whatstk_android_dmy_24h.txt").tables["messages"]
    other = read(SHARED / name).tables["messages"]
    assert len(other) == len(reference) == 30
    assert list(other["counterpart_name"]) == list(reference["counterpart_name"])
    assert list(other["body"]) == list(reference["body"])
    assert list(other["timestamp"].dt.floor("min")) == list(reference["timestamp"])


# --- chat-miner's fixtures against the parse its authors expect ---------------------------------

@pytest.mark.parametrize("stem", [f"test_dateformat{i}" for i in range(1, 7)] + ["test_unicode"])
def test_chat_miner_targets(stem: str) -> None:
    result = read(MINER / f"{stem}.txt")
    assert_accounted(result)
    got = result.tables["messages"]
    target = pd.read_csv(MINER / f"{stem}_target.csv", dtype=str, keep_default_na=False)
    # Known differences, on purpose: chat-miner joins continuation lines with a space
    # where we keep "\n", names system lines' author "System" where we leave it empty and
    # set kind="system", and lists the newest message first.
    ours = sorted(zip(wall_times(got),
                      ["System" if k == "system" else n for k, n in zip(got["kind"], got["counterpart_name"])],
                      got["body"].str.replace("\n", " ")))
    theirs = sorted(zip(target["timestamp"], target["author"], target["message"]))
    assert ours == theirs
    assert result.report.rows_rejected == 0


# --- the 96 layouts whatstk supports, generated here --------------------------------------------

_DATE_CODES = {"d": "%d", "m": "%m", "y": "%y"}
_MESSAGES = [
    (datetime(2019, 11, 3, 0, 5, 9), "Anna Rossi", "Buongiorno a tutti"),
    (datetime(2019, 11, 3, 12, 0, 0), "+39 333 123 4567", "Mezzogiorno: chi viene?"),
    (datetime(2019, 11, 17, 12, 59, 59), "Luca", "Io ci sono\nporto anche il verbale"),
    (datetime(2019, 11, 28, 18, 30, 0), "Giulia Esposito", "Perfetto 👍"),
    (datetime(2019, 12, 1, 7, 4, 1), "Anna Rossi", "Ricordo la quota sociale"),
    (datetime(2019, 12, 12, 21, 45, 30), "Luca", "Pagata ieri"),
    (datetime(2019, 12, 24, 23, 59, 0), "Giulia Esposito", "Buon Natale!"),
    (datetime(2020, 1, 6, 10, 10, 10), "+39 333 123 4567", "Auguri di buon anno"),
    (datetime(2020, 1, 15, 13, 0, 0), "Anna Rossi", "Assemblea il 30/01"),
    (datetime(2020, 1, 27, 20, 20, 20), "Luca", "Confermo"),
]


def _layouts() -> list[tuple[str, str, bool, bool, str]]:
    return [(order, sep, bracketed, seconds, clock)
            for order, sep, bracketed, seconds, clock in itertools.product(
                ("ymd", "ydm", "dmy", "mdy"), "-/.", (False, True), (False, True), ("24h", "12h"))]


def _header_format(order: str, sep: str, bracketed: bool, seconds: bool, clock: str) -> str:
    date = sep.join(_DATE_CODES[c] for c in order)
    time = ("%H" if clock == "24h" else "%I") + ":%M" + (":%S" if seconds else "") + (" %p" if clock == "12h" else "")
    return f"[{date} {time}] " if bracketed else f"{date}, {time} - "


@pytest.mark.parametrize("layout", _layouts(), ids=lambda t: "{}{}-{}-{}-{}".format(*t).replace("True", "br"))
def test_whatstk_layouts(layout: tuple[str, str, bool, bool, str]) -> None:
    fmt = _header_format(*layout)
    text = "\n".join(f"{stamp.strftime(fmt)}{author}: {body}" for stamp, author, body in _MESSAGES)
    result = read_text(text)
    assert_accounted(result)
    got = result.tables["messages"]
    seconds = layout[3]
    expected_naive = [stamp if seconds else stamp.replace(second=0) for stamp, _, _ in _MESSAGES]
    expected_utc = pd.Series(expected_naive).dt.tz_localize(ROME).dt.tz_convert("UTC")
    assert list(got["timestamp"]) == list(expected_utc)
    assert list(got["counterpart_name"]) == [a for _, a, _ in _MESSAGES]
    assert list(got["body"]) == [b for _, _, b in _MESSAGES]
    assert result.report.rows_read == len(_MESSAGES) and result.report.rows_rejected == 0
    order = "/".join(layout[0])
    assert result.report.notes[0].startswith(f"layout: {'[' if layout[2] else ''}{order.replace('/', layout[1])}")
    assert len(_layouts()) == 96


# --- variants other parsers document -----------------------------------------------------------

@pytest.mark.parametrize("case", VARIANTS, ids=[v["name"] for v in VARIANTS])
def test_documented_variants(case: dict) -> None:
    result = read_text(case["text"])
    assert_accounted(result)
    got = result.tables["messages"]
    assert list(zip(wall_times(got), authors(got), got["body"])) == [tuple(r) for r in case["rows"]]


# --- other locales: digits, calendars, time first ----------------------------------------------

@pytest.mark.parametrize("case", LOCALES, ids=[c["file"] for c in LOCALES])
def test_locale_exports(case: dict) -> None:
    result = read(CHAT / "locales" / case["file"])
    assert_accounted(result)
    assert result.report.rejections == []
    assert result.report.notes == [f"layout: {case['layout']}"]
    got = result.tables["messages"]
    assert list(zip(wall_times(got), authors(got), got["body"])) == [tuple(r) for r in case["rows"]]


def test_japanese_era_dates_outside_their_era_are_impossible() -> None:
    # Heisei ended on 30 April 2019 and Reiwa began on 1 May: R1/4/30 and H31/5/1 never existed.
    text = ("[4/29/H31, 10:00:00] Yuki: a\n[4/30/R1, 10:00:00] Yuki: b\n"
            "[5/1/H31, 10:00:00] Yuki: c\n[5/2/R1, 10:00:00] Yuki: d\n")
    result = read_text(text)
    assert_accounted(result)
    assert [(r.line, r.reason) for r in result.report.rejections] == [
        (2, "impossible date 4/30/R1 (read as m/d/y)"), (3, "impossible date 5/1/H31 (read as m/d/y)")]
    assert wall_times(result.tables["messages"]) == ["2019-04-29 10:00:00", "2019-05-02 10:00:00"]


def test_a_bare_buddhist_year_is_read_as_buddhist_era() -> None:
    # Thai-locale exports write 18/3/2565 without "BE"; no chat's Gregorian year is that late.
    result = read_text("[18/3/2565, 14:56:01] Somchai: a\n[7/1/2566, 23:32:30] Somchai: b\n")
    assert result.report.notes == ["layout: [d/m/y BE, H:M:S] bracketed, 24h"]
    assert wall_times(result.tables["messages"]) == ["2022-03-18 14:56:01", "2023-01-07 23:32:30"]


def test_arabic_marks_are_left_out_of_rejection_reasons() -> None:
    text = "[٣١\u200f/٢\u200f/٢٠٢٢، ٩:٤١:٣٥ م] أحمد: x\n[٢٧\u200f/٣\u200f/٢٠٢٢، ٩:٤١:٣٥ م] أحمد: y\n"
    result = read_text(text)
    assert [(r.line, r.reason) for r in result.report.rejections] == [(1, "impossible date ٣١/٢/٢٠٢٢ (read as d/m/y)")]
    assert wall_times(result.tables["messages"]) == ["2022-03-27 21:41:35"]


# --- direction and counterpart -----------------------------------------------------------------

GROUP = ("12/03/24, 09:00 - Mario Rossi: Avviso: assemblea giovedì\n"
         "12/03/24, 09:05 - \u202a+39 333 123 4567\u202c: ok\n"
         "12/03/24, 09:06 - Luca: presente\n"
         "12/03/24, 09:07 - \u200eMARIO  ROSSI: grazie\n")


def test_business_names_are_outbound_case_and_marks_insensitive() -> None:
    got = read_text(GROUP, business_names=("Mario Rossi",)).tables["messages"]
    assert list(got["direction"]) == ["outbound", "inbound", "inbound", "outbound"]
    assert list(got["business_account"]) == ["Mario Rossi", None, None, "MARIO  ROSSI"]
    # A group: the business's messages go to everyone, so no one counterpart.
    assert list(got["counterpart"]) == [None, "+393331234567", None, None]
    assert list(got["counterpart_name"]) == [None, "+39 333 123 4567", "Luca", None]


def test_business_phone_author_is_outbound() -> None:
    got = read_text(GROUP, business_phones=("+39 333 1234567",)).tables["messages"]
    assert list(got["direction"]) == ["inbound", "outbound", "inbound", "inbound"]
    assert got["business_account"][1] == "+393331234567"


def test_without_business_everyone_is_inbound() -> None:
    got = read_text(GROUP).tables["messages"]
    assert set(got["direction"]) == {"inbound"}


def test_one_to_one_outbound_has_the_other_person_as_counterpart() -> None:
    text = ("12/03/24, 09:00 - Mario Rossi: Buongiorno, le scrivo dall'associazione\n"
            "12/03/24, 09:05 - +39 333 123 4567: Chi è?\n")
    got = read_text(text, business_names=("mario rossi",)).tables["messages"]
    assert list(got["counterpart"]) == ["+393331234567", "+393331234567"]
    assert list(got["counterpart_name"]) == ["+39 333 123 4567", "+39 333 123 4567"]
    assert set(got["conversation_type"]) == {"individual"}


def test_group_notice_makes_a_group_even_with_one_other_author() -> None:
    text = ("12/03/24, 09:00 - Mario Rossi ha creato il gruppo \"Consiglio\"\n"
            "12/03/24, 09:01 - Mario Rossi: Benvenuta\n"
            "12/03/24, 09:02 - Giulia: Grazie\n")
    got = read_text(text, business_names=("Mario Rossi",)).tables["messages"]
    assert set(got["conversation_type"]) == {"group"}
    assert got["counterpart_name"][1] is None


def test_typed_event_phrase_without_ios_mark_stays_a_message() -> None:
    text = "[12/03/24, 09:00:00] Anna: Luca left\n[12/03/24, 09:01:00] Soci: \u200eLuca left\n"
    got = read_text(text).tables["messages"]
    assert list(got["kind"]) == ["text", "system"]
    assert list(got["body"]) == ["Luca left", "Luca left"]


# --- date order --------------------------------------------------------------------------------

AMBIGUOUS = "01/02/24, 10:00 - Anna: a\n03/04/24, 10:00 - Anna: b\n"


def test_ambiguous_dates_are_day_first() -> None:
    result = read_text(AMBIGUOUS)
    assert wall_times(result.tables["messages"]) == ["2024-02-01 10:00:00", "2024-04-03 10:00:00"]


def test_date_order_override_applies_when_the_file_allows_it() -> None:
    result = read_text(AMBIGUOUS, date_order="mdy")
    assert wall_times(result.tables["messages"]) == ["2024-01-02 10:00:00", "2024-03-04 10:00:00"]
    assert result.report.notes == ["layout: m/d/y, H:M - dash, 24h"]


def test_date_order_override_ruled_out_by_the_file_is_noted() -> None:
    result = read_text("13/02/24, 10:00 - Anna: a\n", date_order="mdy")
    assert wall_times(result.tables["messages"]) == ["2024-02-13 10:00:00"]
    assert "date order 'mdy' was asked for but the file's dates rule it out; read as d/m/y" in result.report.notes


def test_one_mistyped_date_does_not_flip_the_order() -> None:
    # Read year-first, 12/03/24 would be a valid 2012 date and 31/02 no longer impossible.
    text = "12/03/24, 09:00 - Anna: a\n31/02/24, 09:00 - Anna: b\n13/03/24, 09:00 - Anna: c\n"
    result = read_text(text)
    assert [(r.line, r.reason) for r in result.report.rejections] == [(2, "impossible date 31/02/24 (read as d/m/y)")]


US = CHAT / "WhatsApp Chat with Eastside U10 Parents.txt"


def test_month_first_file_asked_day_first_is_read_month_first_with_a_note() -> None:
    # Day-first would reject 3/18/25 while month-first reads all 20 lines with nothing against it.
    result = read(US, date_order="dmy")
    assert result.report.rows_rejected == 0 and result.report.rows_accepted == 20
    assert result.report.notes == ["layout: m/d/y, H:M - dash, 24h",
                                   "date order 'dmy' was asked for but the file's dates rule it out; read as m/d/y"]
    assert wall_times(result.tables["messages"])[-1] == "2025-03-18 17:49:00"


def test_a_clock_switched_to_12_hours_does_not_split_the_date_order() -> None:
    # The phone went from 24 to 12 hours before the last message: its header has another layout,
    # and it alone shows the dates are month-first. The other 19 must not be read day-first.
    lines = US.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace("3/18/25, 17:49", "3/18/25, 5:49\u202fPM")
    result = read_text("\n".join(lines) + "\n")
    assert result.report.rows_rejected == 0
    assert result.report.notes == ["layout: m/d/y, H:M - dash, 24h",
                                   "also 1 header in layout m/d/y, I:M p - dash, 12h, read in it (first at line 20)"]
    assert wall_times(result.tables["messages"])[4] == "2025-03-03 08:14:00"


def test_late_deliveries_do_not_flip_a_month_first_file() -> None:
    # Exports are not always chronological (a message delivered late keeps its sending time).
    lines = US.read_text(encoding="utf-8").splitlines()
    lines[6], lines[7] = lines[7], lines[6]
    lines[14], lines[15] = lines[15], lines[14]
    result = read_text("\n".join(lines) + "\n")
    assert result.report.rows_rejected == 0
    assert result.report.notes == ["layout: m/d/y, H:M - dash, 24h"]


@pytest.mark.parametrize("seed", range(40))
def test_one_unambiguous_date_decides_a_month_first_chat(seed: int) -> None:
    # 20 month-first dates over one or two months, all but one with a day of 12 or less,
    # a few neighbours swapped: every line is read, month-first.
    rng = random.Random(seed)
    month = rng.randint(1, 11)
    dates = sorted((rng.choice([month, month + 1]), rng.randint(1, 12)) for _ in range(19))
    at = rng.randint(0, 19)
    dates.insert(at, (dates[at - 1][0] if at else month, rng.randint(13, 28)))
    dates.sort()
    for _ in range(rng.randint(0, 2)):
        k = rng.randrange(19)
        dates[k], dates[k + 1] = dates[k + 1], dates[k]
    text = "".join(f"{m}/{d}/24, 17:{i:02d} - Coach Dave: note {i}\n" for i, (m, d) in enumerate(dates))
    result = read_text(text)
    assert result.report.rows_rejected == 0
    assert result.report.notes[0] == "layout: m/d/y, H:M - dash, 24h"


def test_alternating_layouts_are_each_read_in_their_own_order() -> None:
    # Two exports merged line by line: Android day-first 24h and iOS month-first 12h.
    text = ("13/03/24, 09:00 - Anna: a\n[3/13/24, 9:01:00 AM] Mike: b\n"
            "14/03/24, 10:00 - Anna: c\n[3/14/24, 10:01:00 AM] Mike: d\n"
            "02/04/24, 11:00 - Anna: e\n[4/2/24, 11:01:00 PM] Mike: f\n")
    result = read_text(text)
    assert_accounted(result)
    assert result.report.rows_rejected == 0
    assert wall_times(result.tables["messages"]) == [
        "2024-03-13 09:00:00", "2024-03-13 09:01:00", "2024-03-14 10:00:00", "2024-03-14 10:01:00",
        "2024-04-02 11:00:00", "2024-04-02 23:01:00"]
    assert result.report.notes == ["layout: d/m/y, H:M - dash, 24h",
                                   "also 3 headers in layout [m/d/y, I:M:S p] bracketed, 12h, read in it (first at line 2)"]


def test_many_layouts_are_all_read_and_the_tail_summed_in_one_note() -> None:
    headers = ["12/03/24, 09:00 - A: a", "[12/03/24 09:00:00] A: b", "12.03.24, 09:00 - A: c", "12-03-24, 09:00 - A: d",
               "[12.03.24, 09.00.00] A: e", "12/03/24 09:00 - A: f", "2024-03-12 9:00 - A: g", "[09:00:00, 12/03/24] A: h"]
    result = read_text("\n".join(headers) + "\n")
    assert result.report.rows_accepted == 8
    assert set(wall_times(result.tables["messages"])) == {"2024-03-12 09:00:00"}
    assert len(result.report.notes) == 7
    assert result.report.notes[-1] == "and 2 headers in 2 more layouts, each read in its own"


def test_a_lone_pasted_line_takes_the_order_its_neighbours_fit() -> None:
    # On its own 3/2/24 is 2 March or 3 February; the day-first messages around it are in March.
    march = "01/03/24, 09:00 - Anna: a\n[3/2/24 10:00:00] Mike: pasted\n03/03/24, 09:00 - Anna: b\n"
    assert wall_times(read_text(march).tables["messages"])[1] == "2024-03-02 10:00:00"
    # The same line between month-first messages of February (in the file's own order it would be 2 March).
    february = "02/01/24, 09:00 - Anna: a\n[3/2/24 10:00:00] Mike: pasted\n02/13/24, 09:00 - Anna: b\n"
    assert wall_times(read_text(february).tables["messages"])[1] == "2024-02-03 10:00:00"


# --- encodings and line endings ----------------------------------------------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_line_endings_and_encodings(newline: str, encoding: str) -> None:
    text = "12/03/24, 09:00 - Anna: prima\nseconda riga\n13/03/24, 10:00 - Luca: è così\n".replace("\n", newline)
    path = Path("chat.txt")
    result = WhatsAppChatAdapter().read(Source(path=path, data=text.encode(encoding), name="chat.txt"),
                                        IngestContext())
    got = result.tables["messages"]
    assert list(got["body"]) == ["prima\nseconda riga", "è così"]
    assert list(got["source"]) == ["chat.txt:1", "chat.txt:3"]


def test_bodies_are_not_nfkc_normalised() -> None:
    got = read_text("12/03/24, 09:00 - Anna: ﬁne 🈚 ①\n").tables["messages"]
    assert got["body"][0] == "ﬁne 🈚 ①"


# --- bad input ---------------------------------------------------------------------------------

def _one_line_error(excinfo: pytest.ExceptionInfo[InputError], path: Path, problem: str) -> None:
    message = str(excinfo.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {problem}")


def test_no_header_is_an_input_error() -> None:
    path = CHAT / "no_headers.txt"
    with pytest.raises(InputError) as excinfo:
        read(path)
    _one_line_error(excinfo, path, "no WhatsApp message header found — export the chat from WhatsApp")


def test_zip_without_chat_is_an_input_error() -> None:
    path = CHAT / "no_chat_inside.zip"
    with pytest.raises(InputError) as excinfo:
        read(path)
    _one_line_error(excinfo, path, "the archive holds no chat .txt file")


def test_truncated_zip_is_an_input_error() -> None:
    path = CHAT / "truncated_chat.zip"
    with pytest.raises(InputError) as excinfo:
        read(path)
    _one_line_error(excinfo, path, "not a readable zip archive")


def test_titled_chat_inside_zip_is_found_and_mac_noise_ignored() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("__MACOSX/._WhatsApp Chat with Luca.txt", b"\x00\x05")
        zf.writestr("WhatsApp Chat with Luca.txt", "12/03/24, 09:00 - Luca: ciao\n")
        zf.writestr("PTT-20240312-WA0001.opus", b"OggS")
    source = Source(path=Path("export.zip"), data=buffer.getvalue(), name="export.zip")
    adapter = WhatsAppChatAdapter()
    assert adapter.sniff(source, "") == 0.95
    result = adapter.read(source, IngestContext())
    assert list(result.tables["messages"]["source"]) == ["export.zip!WhatsApp Chat with Luca.txt:1"]
    assert "1 media file beside the chat not read (1 opus)" in result.report.notes


# --- sniffing ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "score"), [
    ("Chat WhatsApp con Soci ASD Aurora.txt", 0.9),
    ("WhatsApp Chat - +39 347 765 4321.zip", 0.95),
    ("locales/ios_vi_time_first.txt", 0.9),
    ("locales/ios_ar_arabic_indic_digits.txt", 0.9),
    ("locales/ios_japanese_era.txt", 0.9),
    ("no_headers.txt", 0.0),
    ("no_chat_inside.zip", 0.0),
    ("truncated_chat.zip", 0.0),
])
def test_sniff(name: str, score: float) -> None:
    path = CHAT / name
    data = path.read_bytes()
    head = "" if data[:2] == b"PK" else data.decode("utf-8")
    assert WhatsAppChatAdapter().sniff(Source(path=path, data=data, name=str(path)), head) == score


def test_sniff_ignores_csv_with_dates() -> None:
    text = "Data,Nome\n12/03/24, 09:00 - Anna: ciao\n"
    assert WhatsAppChatAdapter().sniff(Source(Path("x.csv"), text.encode(), "x.csv"), text) == 0.0


# --- every row accounted for, whatever the text --------------------------------------------------

_LINE = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"),
            max_size=30),
    st.builds(lambda d, m, h, body: f"{d}/{m}/24, {h}:00 - Anna: {body}",
              st.integers(0, 35), st.integers(0, 14), st.integers(0, 26), st.text(max_size=10)),
    st.builds(lambda d, body: f"[{d}/03/24 10:00:00] Luca: {body}", st.integers(1, 28), st.text(max_size=10)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, min_size=1, max_size=25))
def test_any_text_is_accounted_or_refused_in_one_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        result = read_text(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert_accounted(result)
    rejected = {r.line for r in result.report.rejections}
    accepted = {int(s.rsplit(":", 1)[1]) for s in result.tables["messages"]["source"]}
    assert not rejected & accepted


def test_generated_chat_round_trips() -> None:
    rng = random.Random(3)
    start = datetime(2024, 1, 1, 8, 0)
    rows = []
    for i in range(500):
        stamp = start + timedelta(minutes=17 * i)
        body = "\n".join(f"riga {j} del messaggio {i}" for j in range(rng.randint(1, 3)))
        rows.append((stamp, rng.choice(["Anna", "Luca", "+39 333 123 4567"]), body))
    text = "\n".join(f"{s:%d/%m/%Y, %H:%M} - {a}: {b}" for s, a, b in rows) + "\n"
    got = read_text(text).tables["messages"]
    assert list(got["body"]) == [b for _, _, b in rows]
    assert wall_times(got) == [f"{s:%Y-%m-%d %H:%M:%S}" for s, _, _ in rows]


@pytest.mark.parametrize(("content", "score"), [
    ("12/03/24, 09:00 - Luca: ciao\n", 0.95),
    ("Lista della spesa\npane, latte\n", 0.0),
])
def test_sniff_lone_text_in_zip_by_content(content: str, score: float) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("note.txt", content)
    assert WhatsAppChatAdapter().sniff(Source(Path("a.zip"), buffer.getvalue(), "a.zip"), "") == score


def test_unusual_shell_is_still_described() -> None:
    result = read_text("[12/03/24, 09:00 - Luca: ciao\n[12/03/24, 09:01 - Luca: ok\n")
    assert result.report.notes == ["layout: d/m/y, H:M with an unmatched bracket, 24h"]
    assert result.report.rows_accepted == 2


@pytest.mark.parametrize("line", [
    "questa chat è con un account business. Tocca per saperne di più.",
    "This business uses a secure service from Meta to manage this chat. Tap to learn more.",
    "Il tuo codice di sicurezza con Luca Bianchi è cambiato. Tocca per saperne di più.",
    "Los mensajes y las llamadas están cifrados de extremo a extremo.",
])
def test_notices_with_an_author_are_system(line: str) -> None:
    got = read_text(f"[12/03/24, 09:00:00] Soci ASD: {line}\n").tables["messages"]
    assert got["kind"][0] == "system" and got["counterpart_name"][0] is None
