from __future__ import annotations

import pandas as pd
import pytest

from msgaudit.masking import mask_contact, mask_name
from msgaudit.phones import normalise, parse_phone


@pytest.mark.parametrize(("raw", "e164", "valid", "region", "ntype", "zones"), [
    ("+39 333 123 4567", "+393331234567", True, "IT", "mobile", "Europe/Rome|Europe/Vatican"),
    ("333 123 4567", "+393331234567", True, "IT", "mobile", "Europe/Rome|Europe/Vatican"),
    ("393331234567", "+393331234567", True, "IT", "mobile", "Europe/Rome|Europe/Vatican"),
    ("0039 06 1234 5678", "+390612345678", True, "IT", "fixed_line", "Europe/Rome"),
    ("whatsapp:+14155238886", "+14155238886", True, "US", "fixed_line_or_mobile", "America/Los_Angeles"),
    ("+1 212 555 0147", "+12125550147", True, "US", "fixed_line_or_mobile", "America/New_York"),
    ("+33 6 12 34 56 78", "+33612345678", True, "FR", "mobile", "Europe/Paris"),
    ("+39 333 12", "+3933312", False, "IT", "invalid", ""),
])
def test_parse(raw: str, e164: str, valid: bool, region: str, ntype: str, zones: str) -> None:
    p = parse_phone(raw, "IT")
    assert (p.e164, p.valid, p.region, p.number_type, p.time_zones, p.error) == (e164, valid, region, ntype, zones, None)


@pytest.mark.parametrize(("raw", "reason"), [
    ("3,93331E+11", "scientific notation"),
    ("abc-tel", "not a phone number"),
    ("", "no phone number"),
])
def test_unreadable_numbers_say_why(raw: str, reason: str) -> None:
    p = parse_phone(raw, "IT")
    assert p.e164 is None and reason in (p.error or "")


def test_normalise_maps_back_to_every_row() -> None:
    out = normalise(pd.Series(["+39 333 123 4567", None, "333 123 4567", "x"], index=[10, 11, 12, 13]), "IT")
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out["e164"].fillna("-")) == ["+393331234567", "-", "+393331234567", "-"]


@pytest.mark.parametrize(("contact", "shown"), [
    ("+393331234567", "+39 333 ••• 4567"),
    ("+12125550147", "+1 212 ••• 0147"),
    ("name:Niccolò Esposito", "N. E."),
    ("", ""),
])
def test_masking(contact: str, shown: str) -> None:
    assert mask_contact(contact) == shown


def test_mask_name_keeps_no_letters_beyond_initials() -> None:
    assert mask_name("Giulia D'Angelo") == "G. D."
