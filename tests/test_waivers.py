"""Waivers suppress matching findings until they expire; waived findings are still counted and listed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES
from msgaudit.api import AuditOptions, audit, exit_code
from msgaudit.errors import ConfigError
from msgaudit.rules.waivers import load_waivers

SHOP = Path(__file__).parent / "scenarios" / "shop_after_stop" / "input"
WAIVERS = FIXTURES / "waivers"


def run(as_of: date, fail_on: str = "critical"):
    return audit([SHOP], AuditOptions(as_of=as_of, waivers=WAIVERS / "shop.yaml", fail_on=fail_on, mask=False))


def test_waiver_in_force_and_expired_waiver() -> None:
    result = run(date(2026, 11, 25))
    by_contact = {f.contact: f for f in result.findings if f.rule_id == "OPTOUT-001"}
    assert by_contact["+393471110002"].waived and by_contact["+393471110002"].waiver.approver == "Maria Bianchi, DPO"
    assert not by_contact["+393471110003"].waived  # its waiver ended the day before
    assert result.summary.waived == 1 and result.summary.total == 1
    assert next(r for r in result.rules if r.id == "OPTOUT-001").waived == 1
    assert exit_code(result) == 1


def test_waivers_judged_at_the_as_of_date() -> None:
    result = run(date(2026, 11, 24))
    assert result.summary.waived == 2 and exit_code(result) == 0


def test_every_waiver_expired() -> None:
    result = run(date(2027, 1, 1))
    assert result.summary.waived == 0 and result.summary.total == 2


def test_a_date_expiry_ends_at_midnight_in_its_zone() -> None:
    waiver = load_waivers(WAIVERS / "shop.yaml", "UTC")[0]
    assert waiver.expires.isoformat() == "2027-01-01T00:00:00+01:00"
    assert waiver.contact == "+393471110002"


def test_bad_waiver_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        load_waivers(WAIVERS / "bad.yaml", "Europe/Rome")
    assert str(info.value).startswith(f"{WAIVERS / 'bad.yaml'}:3: waiver 1: justification")
