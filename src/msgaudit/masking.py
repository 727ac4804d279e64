"""Personal data as reports show it by default: +39 333 ••• ••67 for numbers, initials for names.

A phone number keeps its country code and its real grouping (the groups
phonenumbers prints in INTERNATIONAL format) and hides at least half of its
national significant number, taken from the middle: a 7-digit Icelandic number
shows 3 digits, an Italian mobile 5 of 10. Hidden digits are dots one for one,
so the reader still sees the number's shape.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException

from msgaudit.tables import BSUID_KEY_PREFIX

_HIDDEN = "•"


@lru_cache(maxsize=200_000)
def mask_phone(e164: str | None) -> str:
    """+393331234567 → '+39 333 ••• ••67'; +390255501000 → '+39 02 •••• •000'; +3546111234 → '+354 6•• ••34'."""
    if not e164:
        return ""
    try:
        num = phonenumbers.parse(e164, None)
        cc = f"+{num.country_code}"
        grouped = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL).removeprefix(cc).strip()
    except NumberParseException:
        cc, grouped = "", re.sub(r"\D", "", e164)
    return f"{cc} {_hide_middle(grouped)}".strip()


def _hide_middle(grouped: str) -> str:
    """Keep the start of the first group and the end of the last; at most half the digits stay visible."""
    digits = [i for i, ch in enumerate(grouped) if ch.isdigit()]
    visible = len(digits) // 2
    first_group = len(grouped) - len(grouped.lstrip("0123456789"))
    lead = min(first_group, visible - min(2, visible))
    shown = set(digits[:lead]) | set(digits[len(digits) - (visible - lead):])
    return "".join(ch if not ch.isdigit() or i in shown else _HIDDEN for i, ch in enumerate(grouped))


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    parts = [p for p in name.replace("name:", "", 1).split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts if p[0].isalnum()) or _HIDDEN


def mask_user_id(key: str) -> str:
    """A business-scoped user id ('bsuid:US.1349…'): its country and last four characters, the rest hidden."""
    uid = key.removeprefix(BSUID_KEY_PREFIX)
    country, dot, rest = uid.rpartition(".")
    tail = rest[-4:] if len(rest) >= 8 else ""
    return f"{BSUID_KEY_PREFIX}{country}{dot}{_HIDDEN * 3}{tail}"


def mask_contact(contact: str | None) -> str:
    """A contact key is E.164, 'name:Full Name' for people known only by name, or 'bsuid:…' for a user id."""
    if not contact:
        return ""
    if contact.startswith("name:"):
        return mask_name(contact)
    if contact.startswith(BSUID_KEY_PREFIX):
        return mask_user_id(contact)
    return mask_phone(contact)


def show_contact(contact: str | None, masked: bool) -> str:
    if not contact:
        return ""
    if masked:
        return mask_contact(contact)
    return contact.removeprefix("name:")
