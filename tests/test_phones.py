from __future__ import annotations

import re

import pandas as pd
import phonenumbers
import pytest

from msgaudit.masking import mask_contact, mask_name
from msgaudit.phones import normalise, parse_phone
from msgaudit.report.redact import mask_text


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
    ("+393331234567", "+39 333 ••• ••67"),      # IT mobile
    ("+390255501000", "+39 02 •••• •000"),      # IT fixed: Milan's 02 stays a group of its own
    ("+3546111234", "+354 6•• ••34"),           # IS: 7 digits, 3 shown
    ("+4741234567", "+47 41 •• •• 67"),         # NO: 8 digits, 4 shown
    ("+12125550147", "+1 212-•••-••47"),        # US keeps its hyphens
    ("+447911123456", "+44 791• ••••56"),       # GB mobile
    ("+442079460018", "+44 20 •••• •018"),      # GB London
    ("+4915123456789", "+49 151• •••••89"),     # DE mobile
    ("+49301234567", "+49 30 •••••67"),         # DE Berlin
    ("+3933312", "+39 •••12"),                  # too short to be valid: still half hidden
    ("name:Niccolò Esposito", "N. E."),
    ("", ""),
])
def test_masking(contact: str, shown: str) -> None:
    assert mask_contact(contact) == shown


@pytest.mark.parametrize("contact", [
    "+393331234567", "+390255501000", "+390612345678", "+3546111234", "+3545511234", "+4741234567", "+4722123456",
    "+12125550147", "+447911123456", "+442079460018", "+4915123456789", "+49301234567", "+33612345678", "+3581234",
])
def test_masking_hides_at_least_half_of_the_national_number(contact: str) -> None:
    num = phonenumbers.parse(contact, None)
    national = phonenumbers.national_significant_number(num)
    shown = mask_contact(contact)
    assert shown.startswith(f"+{num.country_code} ")
    places = re.sub(r"[^\d•]", "", shown.removeprefix(f"+{num.country_code}"))
    assert len(places) == len(national) and places.count("•") >= len(national) / 2
    # Visible digits are the number's own, in place.
    assert all(c in ("•", d) for c, d in zip(places, national, strict=True))


def test_mask_name_keeps_no_letters_beyond_initials() -> None:
    assert mask_name("Giulia D'Angelo") == "G. D."


def test_numbers_inside_file_names_are_masked_by_their_structure() -> None:
    assert mask_text("Chat WhatsApp con +39 02 5550 1000.txt") == "Chat WhatsApp con +39 02 •••• •000.txt"
    assert mask_text("WhatsApp Chat with +354 611 1234.txt") == "WhatsApp Chat with +354 6•• ••34.txt"
