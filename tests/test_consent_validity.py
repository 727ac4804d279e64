"""A consent counts only when valid: pre-ticked, implied or default, or given under 14, is no consent.

Birth dates and ages come from Italian or English headers in a ledger or a contact list; the rules
judge messages relying on such a grant like messages with no consent (CONSENT-011), and such a grant
never ends an opt-out.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from msgaudit.api import AuditOptions, audit
from msgaudit.ingest.base import IngestContext, Source
from msgaudit.ingest.registry import adapter
from msgaudit.rules.checks.consent import CONSENT_AGE, INVALID_METHODS, invalid_grants
from msgaudit.rules.loader import load_packs

RULES = Path(__file__).resolve().parents[1] / "rules"


def _read(path: Path, fmt: str) -> tuple[pd.DataFrame, object]:
    got = adapter(fmt).read(Source(path=path, data=path.read_bytes(), name=path.name), IngestContext())
    return got.tables["consent_events"], got.report


def test_a_ledger_reads_birth_dates_and_ages_and_notes_what_it_cannot_read(tmp_path: Path) -> None:
    ledger = tmp_path / "consensi.csv"
    ledger.write_text("Telefono;Finalità;Canale;Stato;Data;Evidenza;Modalità;Data di nascita;Età\n"
                      "+39 333 100 2002;marketing;whatsapp;concesso;14/09/2019;Modulo 2;modulo;03/02/2007;\n"
                      "+39 333 100 2003;marketing;whatsapp;concesso;14/09/2019;Modulo 3;casella precompilata;ieri;\n"
                      "+39 333 100 2004;marketing;whatsapp;concesso;14/09/2019;Modulo 4;modulo;;12\n"
                      "+39 333 100 2005;marketing;whatsapp;concesso;14/09/2019;Modulo 5;modulo;;dodici\n", encoding="utf-8")
    events, report = _read(ledger, "consent-ledger")
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (4, 4, 0)
    assert events["birth_date"].isna().tolist() == [False, True, True, True]
    assert events["birth_date"].iloc[0].date() in (date(2007, 2, 2), date(2007, 2, 3))  # local midnight in UTC
    assert events["age"].tolist()[2] == 12 and pd.isna(events["age"].tolist()[3])
    assert events["method"].tolist()[1] == "prechecked"
    notes = " ".join(report.notes)
    assert "birth dates are not dates" in notes and "(lines 3)" in notes
    assert "ages are not whole numbers" in notes and "(lines 5)" in notes


def test_a_contact_list_age_reaches_its_consent_events(tmp_path: Path) -> None:
    soci = tmp_path / "soci.csv"
    soci.write_text("Nome;Cellulare;Consenso marketing WhatsApp;Data consenso;Età\n"
                    "Anna;+39 333 100 2004;sì;01/02/2024;12\nLuca;+39 333 100 2005;sì;01/02/2024;40\n", encoding="utf-8")
    events, report = _read(soci, "contacts-table")
    assert report.rows_rejected == 0
    assert events.set_index("phone")["age"].to_dict() == {"+393331002004": 12, "+393331002005": 40}


@pytest.mark.parametrize(("method", "born", "age", "invalid"), [
    ("form", None, None, False),
    ("prechecked", None, None, True),
    ("implied", None, None, True),
    ("default", None, None, True),
    ("form", "2011-01-10", None, False),   # 14 on the day of the consent
    ("form", "2011-01-11", None, True),    # 14 the day after
    ("form", None, 13, True),
    ("form", None, 14, False),
])
def test_which_grants_are_no_consent(method: str, born: str | None, age: int | None, invalid: bool) -> None:
    events = pd.DataFrame({"status": ["granted", "withdrawn"], "method": [method, method],
                           "timestamp": pd.to_datetime(["2025-01-10T09:00:00Z"] * 2, utc=True),
                           "birth_date": pd.to_datetime([born, born], utc=True),
                           "age": pd.array([age, age], dtype="Int64")})
    assert invalid_grants(events).tolist() == [invalid, False]
    assert CONSENT_AGE == 14


def test_consent_005_flags_every_method_the_lookup_treats_as_invalid() -> None:
    rule = next(r for lp in load_packs([RULES / "gdpr-consent.yaml"]) for r in lp.pack.rules if r.id == "CONSENT-005")
    assert all(f'"{m}"' in rule.where for m in INVALID_METHODS)


def test_the_sample_shop_relies_on_a_pre_ticked_consent() -> None:
    sample = Path(__file__).resolve().parents[1] / "sample_exports" / "negozio"
    result = audit([sample], AuditOptions(as_of=date(2026, 11, 25), mask=False))
    invalid = {f.contact for f in result.findings if f.rule_id == "CONSENT-011"}
    prechecked = {f.contact for f in result.findings if f.rule_id == "CONSENT-005"}
    assert invalid and invalid <= prechecked
