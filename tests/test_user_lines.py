"""What a new user reads on the console: counts that agree with their nouns, rule counts that add up."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from msgaudit.cli import cli

ROOT = Path(__file__).resolve().parents[1]
CHAT = ROOT / "sample_exports" / "associazione" / "Chat WhatsApp con Soci ASD Esempio.txt"

# A secretary's member list: semicolons, cp1252, one member with a mobile and a landline, one "Sì" with its
# enrolment date, a mobile written with a slash.
SOCI = ("Nome;Cognome;Cellulare;Telefono casa;E-mail;Consenso WhatsApp;Data iscrizione\r\n"
        "Mario;Rossi;320 4445566;02 5550 1000;mario.rossi@example.it;Sì;12/03/2023\r\n"
        "Anna;Esposito;347/1234569;;;No;30/06/2021\r\n")


def test_rule_counts_say_how_many_were_not_evaluated_and_why(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", str(CHAT), "--format", "json", "--out", str(tmp_path),
                                      "--as-of", "2026-11-25"])
    assert result.exit_code == 3, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("rules"))
    assert "0 in scope" not in line
    m = re.fullmatch(r"rules +(\d+) of (\d+) evaluated \((\d+) of them not applicable: nothing in scope\)"
                     r" · (\d+) not evaluated: an input is missing", line)
    assert m, line
    evaluated, total, idle, missing = map(int, m.groups())
    assert evaluated + missing == total and idle <= evaluated and missing > 0


def test_counts_of_one_read_as_one(tmp_path: Path) -> None:
    soci = tmp_path / "soci.csv"
    soci.write_bytes(SOCI.encode("cp1252"))
    result = CliRunner().invoke(cli, ["inspect", str(soci)])
    assert result.exit_code == 0, result.output
    assert "1 file · 2 rows read · 2 accepted · 0 rejected" in result.output
    # "Telefono casa" is read as a phone column: Mario has two numbers and his mobile is kept.
    assert "1 contact listed more than one usable phone number" in result.output
    assert "1 files" not in result.output and "1 contacts" not in result.output


def test_one_webhook_record_reads_as_one_in_inspect_and_audit(tmp_path: Path) -> None:
    # A STOP from a person Meta names only by a business-scoped user id, as the Cloud API now sends it.
    hook = tmp_path / "webhook.json"
    hook.write_text(
        '{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
        '{"messaging_product":"whatsapp","metadata":{"display_phone_number":"390255501000",'
        '"phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Giulia"},'
        '"user_id":"IT.13491208655302741918"}],"messages":[{"from_user_id":"IT.13491208655302741918",'
        '"id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"STOP"}}]},'
        '"field":"messages"}]}]}', encoding="utf-8")
    inspected = CliRunner().invoke(cli, ["inspect", str(hook)])
    assert "1 file · 1 row read · 1 accepted · 0 rejected" in inspected.output, inspected.output
    assert "1 record names its person only by a business-scoped user id" in inspected.output
    audited = CliRunner().invoke(cli, ["audit", str(hook), "--format", "json", "--out", str(tmp_path / "r"),
                                       "--as-of", "2026-11-25"])
    assert audited.exit_code == 3, audited.output
    assert "inputs    1 file · 1 row read · 0 rejected" in audited.output


def test_a_chat_read_in_the_default_zone_says_so_and_how_to_change_it(tmp_path: Path) -> None:
    # An en-US Android export with a 24-hour clock: nothing in it says where the phone was.
    chat = tmp_path / "WhatsApp Chat with Team.txt"
    chat.write_text("3/18/25, 17:49 - Mario Rossi: Meeting tonight\n3/19/25, 09:02 - +1 415 555 0134: ok\n",
                    encoding="utf-8")
    guessed = CliRunner().invoke(cli, ["inspect", str(chat)])
    assert "times carry no zone and were read as Europe/Rome, the default; if the phone was elsewhere, pass --tz ZONE" \
        in guessed.output, guessed.output
    told = CliRunner().invoke(cli, ["inspect", str(chat), "--tz", "America/New_York", "--json"])
    (report,) = json.loads(told.output)
    assert not any("the default" in n for n in report["notes"])
    assert report["first_timestamp"] == "2025-03-18T21:49:00Z"


def test_the_console_period_is_in_the_organisation_s_days(tmp_path: Path) -> None:
    # Enrolled on 30/06/2021 and 02/04/2024 in Rome: the console must not say 29/06 and 01/04 (their UTC instants).
    folder = tmp_path / "soci"
    folder.mkdir()
    (folder / "soci.csv").write_bytes(("Nome;Cognome;Cellulare;Consenso WhatsApp;Data iscrizione\r\n"
                                       "Anna;Esposito;347 1234569;Sì;30/06/2021\r\n"
                                       "Giuseppe;Romano;366 1122334;Sì;02/04/2024\r\n").encode("cp1252"))
    (folder / "inventory.yaml").write_text("organisation:\n  name: ASD Aurora\n  country: Italia\n"
                                           "  timezone: Europe/Rome\nsystems: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["audit", str(folder), "--format", "json", "--out", str(tmp_path / "r"),
                                      "--as-of", "2026-11-25", "--allow-incomplete"])
    assert "period    2021-06-30 → 2024-04-02\n" in result.output, result.output
    without_zone = CliRunner().invoke(cli, ["audit", str(folder / "soci.csv"), "--format", "json",
                                            "--out", str(tmp_path / "r2"), "--as-of", "2026-11-25"])
    assert "period    2021-06-29 → 2024-04-01 UTC\n" in without_zone.output, without_zone.output
