from __future__ import annotations

import re

import pandas as pd
import phonenumbers
import pytest

from msgaudit.masking import mask_contact, mask_name
from msgaudit.phones import normalise, parse_phone
from msgaudit.report.redact import mask_text
from phonenumbers import PhoneNumberType


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


def _italian_mobile_prefixes() -> list[int]:
    """Every 3xx prefix phonenumbers accepts as an Italian mobile range (all 80 of 320-399 today)."""
    out = []
    for prefix in range(320, 400):
        num = phonenumbers.parse(f"+39{prefix}4445566")
        if phonenumbers.number_type(num) == PhoneNumberType.MOBILE:
            out.append(prefix)
    return out


ITALIAN_MOBILES = _italian_mobile_prefixes()


def test_every_italian_mobile_prefix_is_checked() -> None:
    assert len(ITALIAN_MOBILES) >= 40  # a metadata change must not silently shrink this test


@pytest.mark.parametrize("prefix", ITALIAN_MOBILES)
@pytest.mark.parametrize("layout", ["{p} 4445566", "{p}4445566", "{p} 444 5566", "{p}-444-5566", "{p}/4445566"])
def test_italian_mobiles_written_nationally_stay_italian(prefix: int, layout: str) -> None:
    p = parse_phone(layout.format(p=prefix), "IT")
    assert (p.e164, p.region, p.number_type, p.note) == (f"+39{prefix}4445566", "IT", "mobile", None)


@pytest.mark.parametrize(("region", "raw", "e164", "ntype"), [
    ("IT", "02 1234 5678", "+390212345678", "fixed_line"),
    ("IT", "06 1234 5678", "+390612345678", "fixed_line"),
    ("IT", "011 1234567", "+390111234567", "fixed_line"),
    ("IT", "055 123 4567", "+390551234567", "fixed_line"),
    ("IT", "0471 123456", "+390471123456", "fixed_line"),
    ("IT", "0039 333 1234567", "+393331234567", "mobile"),
    ("FR", "06 12 34 56 78", "+33612345678", "mobile"),
    ("FR", "0612345678", "+33612345678", "mobile"),
    ("FR", "01 42 68 53 00", "+33142685300", "fixed_line"),
    ("DE", "030 12345678", "+493012345678", "fixed_line"),
    ("DE", "0151 23456789", "+4915123456789", "mobile"),
    ("DE", "089 1234567", "+49891234567", "fixed_line"),
    ("ES", "612 34 56 78", "+34612345678", "mobile"),
    ("ES", "91 123 45 67", "+34911234567", "fixed_line"),
    ("GB", "07400 123456", "+447400123456", "mobile"),
    ("GB", "020 7946 0018", "+442079460018", "fixed_line"),
    ("US", "(415) 555-2671", "+14155552671", "fixed_line_or_mobile"),
    ("US", "212 555 0147", "+12125550147", "fixed_line_or_mobile"),
    ("US", "1 212 555 0147", "+12125550147", "fixed_line_or_mobile"),
])
def test_national_formats_stay_in_the_default_region(region: str, raw: str, e164: str, ntype: str) -> None:
    p = parse_phone(raw, region)
    assert (p.e164, p.region, p.number_type, p.note) == (e164, region, ntype, None)


@pytest.mark.parametrize(("region", "raw", "e164", "read_as"), [
    ("IT", "447400123456", "+447400123456", "GB"),
    ("IT", "12125550147", "+12125550147", "US"),
    ("FR", "393331234567", "+393331234567", "IT"),
    ("ES", "393331234567", "+393331234567", "IT"),
    ("GB", "393331234567", "+393331234567", "IT"),
    ("US", "447400123456", "+447400123456", "GB"),
])
def test_bare_digits_invalid_nationally_are_read_as_international_with_a_note(
        region: str, raw: str, e164: str, read_as: str) -> None:
    p = parse_phone(raw, region)
    assert (p.e164, p.region, p.valid) == (e164, read_as, True)
    assert p.note == f"digits without '+' are not a valid {region} number: read as international ({read_as})"


def test_bare_digits_valid_nationally_stay_national() -> None:
    # German numbers have no fixed length: 393331234567 is a valid Stendal landline as well as an Italian mobile.
    p = parse_phone("393331234567", "DE")
    assert (p.e164, p.region, p.note) == ("+49393331234567", "DE", None)


def test_spaced_numbers_are_never_guessed_international() -> None:
    # Not valid in IT and not bare digits: kept as an (invalid) Italian number, never read as Belgian.
    p = parse_phone("320 44455", "IT")
    assert (p.region, p.valid, p.note) == ("IT", False, None)


def test_a_bare_number_invalid_both_ways_stays_national() -> None:
    p = parse_phone("99999999999", "IT")
    assert (p.region, p.valid, p.note) == ("IT", False, None)


def test_business_scoped_user_ids_are_masked_to_country_and_last_four() -> None:
    assert mask_contact("bsuid:US.13491208655302741918") == "bsuid:US.•••1918"
    assert mask_contact("bsuid:ABC") == "bsuid:•••"
