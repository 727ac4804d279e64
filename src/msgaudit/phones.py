"""Phone numbers: E.164, region, number type and time zones through phonenumbers.

Work is done once per distinct raw number and mapped back, so a million
messages to ten thousand people cost ten thousand parses.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import pandas as pd
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, timezone as pn_timezone

_TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}

_PREFIXES = re.compile(r"^\s*(?:whatsapp:|tel:|sms:)", re.IGNORECASE)
# Excel turns +393331234567 into 3,93331E+11 or 393331234567: the digits after the
# exponent are lost, so a number in scientific notation cannot be recovered.
_SCIENTIFIC = re.compile(r"^\s*\d+[.,]\d+E\+\d+\s*$", re.IGNORECASE)


class Parsed(NamedTuple):
    e164: str | None
    valid: bool
    region: str | None
    number_type: str
    time_zones: str
    error: str | None
    # Set when digits written without "+" were read as an international number: the reader should say so.
    note: str | None = None


@lru_cache(maxsize=500_000)
def parse_phone(raw: str, default_region: str | None = "IT") -> Parsed:
    """Parse one raw number; `error` says why a number could not be read at all.

    A number written without "+" is read in `default_region` first: "320 4445566" is an Italian
    mobile, not a Belgian number. Only a bare digit string that is not valid there and is valid with
    "+" (a WhatsApp id, an API log's 393331234567) is read as international, and `note` says so.
    """
    text = _PREFIXES.sub("", raw or "").strip()
    if not text:
        return Parsed(None, False, None, "invalid", "", "no phone number")
    if _SCIENTIFIC.match(text):
        return Parsed(None, False, None, "invalid", "",
                      f"phone {raw!r} was turned into scientific notation by a spreadsheet; re-export the column as text")
    if text.startswith("00"):
        text = "+" + text[2:]
    region = (default_region or "").upper() or None
    if text.startswith("+") or region is None and _BARE.fullmatch(text):
        return _parse(raw, text if text.startswith("+") else "+" + text, None)
    national = _parse(raw, text, region)
    # A number valid in the region stays there even when it is also valid with "+" (3214445566 is an
    # Italian mobile and a Belgian landline): lists hold their own country's numbers far more often.
    if national.valid or not _BARE.fullmatch(text):
        return national
    international = _parse(raw, "+" + text, None)
    if not international.valid:
        return national
    return international._replace(note=f"digits without '+' are not a valid {region} number: "
                                        f"read as international ({international.region})")


# Digits only, as WhatsApp ids and spreadsheets' number cells hold them; a number a person typed with
# spaces ("320 4445566") is national unless it starts with + or 00.
_BARE = re.compile(r"\d{8,15}")


def _parse(raw: str, text: str, region: str | None) -> Parsed:
    try:
        num = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return Parsed(None, False, None, "invalid", "", f"phone {raw!r} is not a phone number ({_reason(exc)})")
    return _facts(num)


def _facts(num: phonenumbers.PhoneNumber) -> Parsed:
    # number_type() finds the region and matches every pattern once; is_valid_number()
    # would do both again, and is true exactly when the type is known.
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    raw_type = phonenumbers.number_type(num)
    valid = raw_type != PhoneNumberType.UNKNOWN
    # An invalid number still says which country it is meant for: its calling code's main region.
    region = phonenumbers.region_code_for_number(num) or phonenumbers.region_code_for_country_code(num.country_code)
    region = None if region == "ZZ" else region
    ntype = _TYPE_NAMES.get(raw_type, "unknown") if valid else "invalid"
    if valid and not phonenumbers.is_number_type_geographical(raw_type, num.country_code):
        zones = _COUNTRY_ZONES.get(num.country_code) or _COUNTRY_ZONES.setdefault(num.country_code, _zones(num))
    else:
        zones = _zones(num)
    return Parsed(e164, valid, region, ntype, zones, None)


# Mobiles and other non-geographic numbers get their country's zones, the same for every such number.
_COUNTRY_ZONES: dict[int, str] = {}


def _zones(num: phonenumbers.PhoneNumber) -> str:
    return "|".join(sorted(z for z in pn_timezone.time_zones_for_number(num) if z != "Etc/Unknown"))


def _reason(exc: NumberParseException) -> str:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        NumberParseException.NOT_A_NUMBER: "not a number",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, "unreadable")


def normalise(raw: pd.Series, default_region: str | None = "IT") -> pd.DataFrame:
    """Parse a Series of raw numbers; one row per input row, columns of `Parsed`."""
    keys = raw.fillna("").astype(str)
    uniques = pd.unique(keys)
    parsed = pd.DataFrame([parse_phone(u, default_region) for u in uniques], columns=Parsed._fields, index=uniques)
    out = parsed.reindex(keys.to_numpy())
    out.index = raw.index
    return out

