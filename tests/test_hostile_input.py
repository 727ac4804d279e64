"""Hostile and broken input: each case is built here, fed to the command line, and must end in one
line naming the file with exit 2, or in a rejected row with its line; never a traceback or a hang.

The command runs in-process through `msgaudit.cli.main`, the function the `msgaudit` script calls,
so its error handling is the one a user meets; a traceback would escape as an exception and fail the test.
"""

from __future__ import annotations

import io
import json
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT

ASSOC = ROOT / "sample_exports" / "associazione"
SOCI = ASSOC / "soci.csv"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `msgaudit ARGS...`; return (exit code, stdout, non-empty stderr lines)."""
    from msgaudit.cli import main

    def run(*args: str | Path) -> tuple[int, str, list[str]]:
        monkeypatch.setattr(sys, "argv", ["msgaudit", *map(str, args)])
        monkeypatch.delenv("MSGAUDIT_DEBUG", raising=False)
        with pytest.raises(SystemExit) as stop:
            main()
        out, err = capsys.readouterr()
        return stop.value.code, out, [ln for ln in err.splitlines() if ln.strip()]

    return run


def one_line_error(result: tuple[int, str, list[str]], *expected: str) -> str:
    code, _, err = result
    assert code == 2, err
    assert len(err) == 1, err
    for text in expected:
        assert text in err[0], err
    return err[0]


# --- YAML: every loader goes through msgaudit.yamlsafe ------------------------------------------

# 9**10 values once expanded, from 460 bytes.
ALIAS_BOMB = "\n".join(
    [f'a0: &a0 [{",".join(["lol"] * 9)}]']
    + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
) + "\n"
DEEP = "x: " + "[" * 10_000 + "]" * 10_000 + "\n"
SELF_ALIAS = "systems: &s [*s]\n"


def _yaml_runs(tmp_path: Path, hostile: str) -> dict[str, list[str]]:
    """Each YAML file a user gives, replaced in turn by `hostile`, and the command that reads it."""
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    (pack_dir / "mine.yaml").write_text(hostile)
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "inventory.yaml").write_text("organisation:\n  name: X\n" + hostile)
    (folder / "soci.csv").write_bytes(SOCI.read_bytes())
    hostile_file = tmp_path / "hostile.yaml"
    hostile_file.write_text(hostile)
    out = str(tmp_path / "out")
    return {
        "rule pack": ["audit", str(SOCI), "--rules", str(pack_dir), "--format", "json", "--out", out],
        "inventory in the input folder": ["inspect", str(folder)],
        "waivers": ["audit", str(SOCI), "--waivers", str(hostile_file), "--format", "json", "--out", out],
        "mapping": ["inspect", "--mapping", str(hostile_file), str(SOCI)],
        "simulator rates": ["simulate", "--out", str(tmp_path / "world"), "--rates", str(hostile_file)],
    }


@pytest.mark.parametrize(("hostile", "problem"), [
    (ALIAS_BOMB, "aliases (*name) expand to more than"),
    (DEEP, "nested more than 64 levels deep"),
    (SELF_ALIAS, "alias *s refers to a value that contains it"),
], ids=["alias bomb", "10k levels", "alias inside itself"])
@pytest.mark.parametrize("loader", ["rule pack", "inventory in the input folder", "waivers", "mapping",
                                    "simulator rates"])
def test_hostile_yaml_is_refused_in_one_line(cli, tmp_path: Path, loader: str, hostile: str, problem: str) -> None:
    args = _yaml_runs(tmp_path, hostile)[loader]
    line = one_line_error(cli(*args), problem)
    assert ".yaml:" in line


def test_aliases_within_limits_still_work(tmp_path: Path) -> None:
    from msgaudit import yamlsafe

    data, _ = yamlsafe.load("base: &b {channel: whatsapp}\nrules:\n  - *b\n  - *b\n", tmp_path / "x.yaml")
    assert data["rules"] == [{"channel": "whatsapp"}, {"channel": "whatsapp"}]


# --- zip archives: a WhatsApp chat .zip and an .xlsx ----------------------------------------------

CHAT = (ASSOC / "Chat WhatsApp con Soci ASD Esempio.txt").read_bytes()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _patch_directory(data: bytes, member: str, **fields: int) -> bytes:
    """Rewrite fields of `member`'s central-directory entry (and its method in the local header too)."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(member)
    central = out.index(b"PK\x01\x02")
    while not out[central + 46:].startswith(member.encode()):
        central = out.index(b"PK\x01\x02", central + 4)
    offsets = {"method": (10, "<H"), "file_size": (24, "<I")}
    for name, value in fields.items():
        at, fmt = offsets[name]
        struct.pack_into(fmt, out, central + at, value)
        if name == "method":
            struct.pack_into(fmt, out, info.header_offset + 8, value)
    return bytes(out)


def test_a_real_chat_zip_is_read(cli, tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat - Soci.zip"
    path.write_bytes(_zip({"_chat.txt": CHAT, "IMG-20240505-WA0001.jpg": bytes(range(256)) * 64}))
    code, out, err = cli("inspect", "--json", path)
    assert code == 0, err
    assert json.loads(out)[0]["rows_read"] == 35


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cli, tmp_path: Path) -> None:
    bomb = _zip({"_chat.txt": b"\0" * (64 << 20)})
    assert len(bomb) < 100_000  # 64 MiB from about 64 KB: a ratio near 1000
    path = tmp_path / "chat.zip"
    path.write_bytes(bomb)
    one_line_error(cli("inspect", path), str(path), "_chat.txt would unpack", "a zip bomb")


def test_an_archive_larger_than_the_limit_is_refused(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from msgaudit.ingest import archive

    monkeypatch.setattr(archive, "MAX_UNPACKED", len(CHAT) - 1)
    path = tmp_path / "chat.zip"
    path.write_bytes(_zip({"_chat.txt": CHAT}))
    one_line_error(cli("inspect", path), str(path), "unpacks to more than")


def test_a_directory_that_understates_the_size_gains_nothing(cli, tmp_path: Path) -> None:
    # The directory says 1000 bytes; the stream holds the whole chat. Reading stops at 1000 and the CRC fails.
    path = tmp_path / "chat.zip"
    path.write_bytes(_patch_directory(_zip({"_chat.txt": CHAT}), "_chat.txt", file_size=1000))
    one_line_error(cli("inspect", path), str(path), "not a readable zip archive")


@pytest.mark.parametrize(("method", "expected"), [
    (zipfile.ZIP_BZIP2, "compression method 12, which no WhatsApp or spreadsheet export uses"),
    (zipfile.ZIP_LZMA, "compression method 14"),
])
def test_bzip2_and_lzma_members_are_refused(cli, tmp_path: Path, method: int, expected: str) -> None:
    path = tmp_path / "chat.zip"
    path.write_bytes(_zip({"_chat.txt": CHAT}, method))
    one_line_error(cli("inspect", path), str(path), expected)


def test_an_unknown_compression_method_is_one_line(cli, tmp_path: Path) -> None:
    # Method 9 (deflate64) is one zipfile cannot unpack: NotImplementedError before this fix.
    path = tmp_path / "chat.zip"
    path.write_bytes(_patch_directory(_zip({"_chat.txt": CHAT}), "_chat.txt", method=9))
    one_line_error(cli("inspect", path), str(path), "compression method 9")


def test_a_damaged_local_header_is_one_line(cli, tmp_path: Path) -> None:
    data = bytearray(_zip({"_chat.txt": CHAT}))
    struct.pack_into("<H", data, 26, 0xFFFF)  # the member's local header: its name length
    path = tmp_path / "chat.zip"
    path.write_bytes(bytes(data))
    one_line_error(cli("inspect", path), str(path), "not a readable zip archive")


def _workbook(sheet_xml: Callable[[str], str] | None = None, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A member list saved as .xlsx, its first sheet's XML rewritten by `sheet_xml`."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Nome", "Cellulare", "Consenso"])
    wb.active.append(["Mario", "+39 333 123 4567", "sì"])
    buf = io.BytesIO()
    wb.save(buf)
    members: dict[str, bytes] = {}
    with zipfile.ZipFile(buf) as zf:
        for name in zf.namelist():
            members[name] = zf.read(name)
    sheet = "xl/worksheets/sheet1.xml"
    if sheet_xml:
        members[sheet] = sheet_xml(members[sheet].decode()).encode()
    return _zip({**members, **(extra or {})})


def _with_dtd(dtd: str, cell: str) -> Callable[[str], str]:
    def rewrite(xml: str) -> str:
        body = re.sub(r"^<\?xml[^>]*\?>", "", xml)
        return f'<?xml version="1.0"?><!DOCTYPE worksheet [{dtd}]>' + body.replace("<t>Mario</t>", f"<t>{cell}</t>")
    return rewrite


LAUGHS = ('<!ENTITY l0 "lol">'
          + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)))


def test_defusedxml_is_what_openpyxl_parses_with() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


@pytest.mark.parametrize(("rewrite", "expected"), [
    (lambda xml: xml[: len(xml) // 2], "cannot read the first sheet (ParseError)"),
    (_with_dtd(LAUGHS, "&l9;"), "declares entities"),
    (_with_dtd('<!ENTITY e SYSTEM "file:///etc/passwd">', "&e;"), "declares entities"),
], ids=["cut sheet", "billion laughs", "XXE"])
def test_a_hostile_workbook_is_one_line(cli, tmp_path: Path, rewrite: Callable[[str], str], expected: str) -> None:
    path = tmp_path / "soci.xlsx"
    path.write_bytes(_workbook(rewrite))
    line = one_line_error(cli("inspect", path), str(path), expected)
    assert "root:" not in line


def test_a_workbook_bomb_is_refused_before_openpyxl_sees_it(cli, tmp_path: Path) -> None:
    path = tmp_path / "soci.xlsx"
    path.write_bytes(_workbook(extra={"xl/sharedStrings.xml": b" " * (32 << 20)}))
    one_line_error(cli("inspect", path), str(path), "xl/sharedStrings.xml would unpack")


def test_a_sheet_declaring_every_column_is_read_to_a_bounded_width(cli, tmp_path: Path) -> None:
    # Declared A1:XFD2000 with one cell at XFD2000: 16,384 padded cells a row unless the width is capped.
    def widen(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]+"\s*/>', '<dimension ref="A1:XFD2000"/>', xml)
        return xml.replace("</sheetData>", '<row r="2000"><c r="XFD2000" t="inlineStr"><is><t>x</t></is></c>'
                                           "</row></sheetData>")

    path = tmp_path / "soci.xlsx"
    path.write_bytes(_workbook(widen))
    code, out, err = cli("inspect", "--json", path)
    assert code == 0, err
    report = json.loads(out)[0]
    assert (report["rows_read"], report["rows_accepted"]) == (1, 1)


# --- dates past 2262 (31/12/9999 written for "never") -----------------------------------------------

OUT_OF_RANGE = "is outside the dates msgaudit can hold (1677-09-21 to 2262-04-11)"


def _inspect(cli, path: Path, *options: str) -> dict:
    code, out, err = cli("inspect", "--json", *options, path)
    assert code == 0, err
    report = json.loads(out)[0]
    assert report["rows_read"] == report["rows_accepted"] + report["rows_rejected"]
    return report


@pytest.mark.parametrize(("name", "text", "line", "field"), [
    ("consensi.csv", "Telefono;Finalità;Canale;Stato;Data e ora\n"
                     "+39 333 123 4567;Marketing;WhatsApp;Concesso;15/03/2021 10:30\n"
                     "+39 333 123 4568;Marketing;WhatsApp;Concesso;31/12/9999\n", 3, "timestamp '31/12/9999'"),
    ("consensi_iso.csv", "phone,purpose,channel,status,timestamp\n"
                         "+393331234567,marketing,whatsapp,granted,9999-12-31T00:00:00Z\n"
                         "+393331234568,marketing,whatsapp,granted,2021-03-15T10:30:00Z\n", 2,
     "timestamp '9999-12-31T00:00:00Z'"),
    ("opposizioni.csv", "Numero;Dal\n+39 333 123 4567;01/01/0001\n+39 333 123 4568;27/07/2022\n", 2,
     "date '01/01/0001'"),
    ("twilio.csv", "From,To,Body,Status,SentDate,Sid,Direction\n"
                   "whatsapp:+14155238886,whatsapp:+393331234567,Ciao,read,\"Tue, 09 Sep 2025 08:15:02 +0000\",SM1,outbound-api\n"
                   "whatsapp:+14155238886,whatsapp:+393331234567,Ciao,read,\"Fri, 31 Dec 9999 08:15:02 +0000\",SM2,outbound-api\n",
     3, "SentDate 'Fri, 31 Dec 9999 08:15:02 +0000'"),
])
def test_a_date_past_2262_is_a_rejected_row(cli, tmp_path: Path, name: str, text: str, line: int, field: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    report = _inspect(cli, path)
    assert (report["rows_read"], report["rows_rejected"]) == (2, 1)
    assert report["rejections"] == [{"line": line, "reason": f"{field} {OUT_OF_RANGE}"}]


def test_a_withdrawal_in_9999_is_never_and_a_consent_in_9999_is_no_event(cli, tmp_path: Path) -> None:
    path = tmp_path / "soci.csv"
    path.write_text("Nome;Cellulare;Consenso;Data consenso;Data revoca\n"
                    "Mario;+39 333 123 4567;sì;01/02/2020;31/12/9999\n"
                    "Luigi;+39 333 123 4568;sì;31/12/9999;\n", encoding="utf-8")
    from msgaudit.ingest import IngestContext, read_file

    part = read_file(path, IngestContext())
    events = part.tables["consent_events"]
    assert events[["phone", "status"]].values.tolist() == [["+393331234567", "granted"]]
    assert part.report.rows_accepted == 2
    notes = " ".join(part.report.notes)
    assert "1 withdrawal dates after 2262-04-11 (such as 31/12/9999) read as 'never withdrawn' (lines 2)" in notes
    assert "dated outside 1677-09-21 to 2262-04-11: no consent event recorded (lines 3)" in notes
    assert _inspect(cli, path)["rows_rejected"] == 0


def test_a_waiver_until_9999_never_expires(cli, tmp_path: Path) -> None:
    shop = ROOT / "tests" / "scenarios" / "shop_after_stop" / "input"
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - rule: OPTOUT-001\n    justification: Accepted for good.\n"
                       "    approver: Maria Bianchi, DPO\n    expires: 9999-12-31\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli("audit", shop, "--waivers", waivers, "--as-of", "2026-11-25", "--format", "json,html",
                       "--out", out, "--fail-on", "critical")
    assert code == 0, err
    findings = json.loads((out / "findings.json").read_text())
    optout = [f for f in findings["findings"] if f["rule_id"] == "OPTOUT-001"]
    assert optout and all(f["waived"] for f in optout)
    assert "9999" in (out / "report.html").read_text()


def test_a_chat_of_saved_names_audited_with_business(cli, tmp_path: Path) -> None:
    # No author is a phone number, so no recipient has a time zone: the local-hours chart is empty, not an error.
    chat = tmp_path / "WhatsApp Chat with Soci.txt"
    chat.write_text("15/03/2021, 10:30 - Mario Rossi: Assemblea giovedì alle 21\n"
                    "15/03/2021, 10:31 - Luigi Bianchi: ci sarò\n"
                    "16/03/2021, 11:30 - Mario Rossi: Promo tessere 2021\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = cli("audit", chat, "--business", "Mario Rossi", "--as-of", "2026-01-01", "--format", "json",
                       "--out", out, "--fail-on", "none", "--allow-incomplete")
    assert code == 0, err
    assert json.loads((out / "findings.json").read_text())["inputs"][0]["rows_accepted"] == 3


# --- webhook logs: nesting and size ----------------------------------------------------------------

INBOUND = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {
    "messages": [{"from": "393331234567", "id": "wamid.1", "timestamp": "1700000000", "type": "text",
                  "text": {"body": "STOP"}}]}}]}]})
DEEP_BODY = '{"object": "whatsapp_business_account", "entry": ' + "[" * 100_000 + "]" * 100_000 + "}"


def test_json_nested_100k_levels_is_one_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "webhooks.json"
    path.write_text(DEEP_BODY)
    one_line_error(cli("inspect", path), str(path), "JSON nested too deeply")


def test_a_jsonl_line_nested_100k_levels_is_a_rejected_row(cli, tmp_path: Path) -> None:
    path = tmp_path / "webhooks.jsonl"
    path.write_text(INBOUND + "\n" + DEEP_BODY + "\n")
    report = _inspect(cli, path)
    assert (report["rows_read"], report["rows_accepted"]) == (2, 1)
    assert [r["line"] for r in report["rejections"]] == [2]


def test_a_log_too_large_for_memory_is_one_line(tmp_path: Path) -> None:
    # A 60 MB log under a 256 MB address-space limit: the same as a 1 GB log on a small machine, in seconds.
    import os
    import resource
    import subprocess

    path = tmp_path / "webhooks.jsonl"
    with path.open("w") as f:
        for i in range(220_000):
            f.write(INBOUND.replace("wamid.1", f"wamid.{i}") + "\n")
    limit = 256 << 20

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {k: v for k, v in os.environ.items() if k != "MSGAUDIT_DEBUG"} | {"OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", "from msgaudit.cli import main; main()", "inspect", str(path)],
                          capture_output=True, text=True, env=env, timeout=300, preexec_fn=cap_memory)
    err = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert len(err) == 1 and str(path) in err[0] and "too large to read in this machine's memory" in err[0], err


def test_running_out_of_memory_after_reading_is_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import msgaudit.loading

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(msgaudit.loading, "load", exhausted)
    one_line_error(cli("inspect", SOCI), "out of memory; audit fewer or smaller inputs at a time")


# --- inventory dates ---------------------------------------------------------------------------------

def _inventory(tmp_path: Path, transfer: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text("organisation:\n  name: Associazione Esempio\nsystems:\n  - name: Mailing provider\n"
                    f"    country: US\n    transfers:\n      - {{mechanism: scc-2021, {transfer}}}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("transfer", "expected"), [
    ("from: 2020-02-30", "inventory.yaml:7: 2020-02-30 is not a date (no such day)"),
    ("from: 9999-12-31", "inventory.yaml:7: systems.0.transfers.0.from: 9999-12-31 is outside the dates msgaudit "
                         "can hold (1900-01-01 to 2262-04-10)"),
    ("signed: 1066-10-14", "systems.0.transfers.0.signed: 1066-10-14 is outside"),
])
def test_an_impossible_inventory_date_is_one_line(cli, tmp_path: Path, transfer: str, expected: str) -> None:
    one_line_error(cli("inspect", "--inventory", _inventory(tmp_path, transfer), SOCI), expected)


def test_open_ended_inventory_dates_written_as_9999_and_0001(tmp_path: Path) -> None:
    from msgaudit.inventory import load_inventory, systems_table

    inv, pos = load_inventory(_inventory(tmp_path, "from: 0001-01-01, to: 9999-12-31"))
    claim = systems_table(inv, pos).iloc[0]
    assert pd.isna(claim["claim_from"]) and pd.isna(claim["claim_to"])


# --- folders ---------------------------------------------------------------------------------------

def test_a_sub_folder_that_cannot_be_listed_fails_a_strict_run(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "soci.csv").write_bytes(SOCI.read_bytes())
    locked = tmp_path / "2025"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        # chmod 000 cannot stop root, who runs the tests here; the refusal is what the kernel would say.
        if Path(os.fsdecode(path)) == locked:
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    one_line_error(cli("inspect", tmp_path, "--strict"), str(locked))
