"""Consent ledgers and opt-out lists: fixture files in, canonical tables out (cases in fixtures/ledgers/cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from msgaudit.errors import InputError
from msgaudit.ingest.base import IngestContext
from msgaudit.ingest.registry import adapter, detect
from test_contacts import FIXTURES, check_case, head_of, load_cases, source_of

LEDGERS = FIXTURES / "ledgers"


@pytest.mark.parametrize(("root", "case"), load_cases(LEDGERS))
def test_ledger_fixture(root: Path, case: dict[str, Any]) -> None:
    check_case(root, case)


@pytest.mark.parametrize(("root", "case"), load_cases(LEDGERS, detection=True))
def test_detection_picks_the_adapter(root: Path, case: dict[str, Any]) -> None:
    src = source_of(root / case["file"])
    assert detect(src, head_of(src.data)).name == case["format"]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("value", "status"), [
    ("granted", "granted"), ("Concesso", "granted"), ("accordato", "granted"), ("Sì", "granted"),
    ("opt-in", "granted"), ("withdrawn", "withdrawn"), ("REVOCATO", "withdrawn"), ("ritirato", "withdrawn"),
    ("no", "withdrawn"), ("Opt-out", "withdrawn"),
])
def test_status_words(tmp_path: Path, value: str, status: str) -> None:
    path = _write(tmp_path, "consensi.csv", f"phone,purpose,status,timestamp\n+393331234567,marketing,{value},2024-01-02\n")
    events = adapter("consent-ledger").read(source_of(path), IngestContext()).tables["consent_events"]
    assert list(events["status"]) == [status]


@pytest.mark.parametrize(("value", "kind"), [
    ("RPO", "national-registry"), ("Registro opposizioni", "national-registry"), ("blocco", "block"),
    ("Bloccato", "block"), ("non contattare", "do-not-contact"), ("", "do-not-contact"),
    ("marketing-stop", "marketing-stop"),
])
def test_optout_kind_words(tmp_path: Path, value: str, kind: str) -> None:
    path = _write(tmp_path, "lista.csv", f"telefono,tipo,dal\n+393331234567,{value},01/02/2024\n")
    optouts = adapter("optout-list").read(source_of(path), IngestContext()).tables["optouts"]
    assert list(optouts["kind"]) == [kind]
    assert optouts["since"].iloc[0] == pd.Timestamp("2024-01-31 23:00", tz="UTC")


def test_ledger_without_status_column_is_an_input_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "consensi.csv", "telefono;data\n+393331234567;01/02/2024\n")
    with pytest.raises(InputError, match=r"consensi.csv: no status column among \['telefono', 'data'\]"):
        adapter("consent-ledger").read(source_of(path), IngestContext())


def test_contact_exports_are_not_taken_for_ledgers() -> None:
    """The ledger sniffers score zero on every contact fixture, so they never steal one."""
    ledgers = [adapter("consent-ledger"), adapter("optout-list")]
    for path in sorted((FIXTURES / "contacts").glob("*.*")):
        if path.suffix in {".yaml"}:
            continue
        src = source_of(path)
        assert [a.sniff(src, head_of(src.data)) for a in ledgers] == [0.0, 0.0], path.name


def test_file_name_marks_an_optout_list(tmp_path: Path) -> None:
    path = _write(tmp_path, "dnc_2024.csv", "Numero,Nome\n+393331234567,Niccolò Bertolò\n")
    src = source_of(path)
    assert detect(src, head_of(src.data)).name == "optout-list"


def test_numbers_read_as_international_are_noted_with_their_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, "registro.csv",
                  "Telefono;Finalità;Canale;Stato;Data e ora\n"
                  "320 4445566;Marketing;WhatsApp;Concesso;15/03/2021 10:30\n"
                  "447400123456;Marketing;WhatsApp;Concesso;16/03/2021 10:30\n"
                  "12;Marketing;WhatsApp;Concesso;17/03/2021 10:30\n")
    result = adapter("consent-ledger").read(source_of(path), IngestContext())
    rep = result.report
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (3, 3, 0)
    assert list(result.tables["consent_events"]["phone"]) == ["+393204445566", "+447400123456", "+3912"]
    assert rep.notes == ["1 phone numbers: digits without '+' are not a valid IT number: read as international (GB) "
                         "(lines 3)"]
