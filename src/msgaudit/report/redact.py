"""Masking phone numbers inside free text (file names, evidence values) when the report masks personal data.

WhatsApp names chat exports after the other person ("WhatsApp Chat with +39 333
123 4567.txt"), so paths and evidence can carry numbers as well as the contact column.
"""

from __future__ import annotations

import re

from msgaudit.masking import mask_phone

_INTERNATIONAL = re.compile(r"\+\d[\d \-().\u00a0]{5,20}\d")
_BARE_DIGITS = re.compile(r"(?<![\w+])\d{9,15}(?!\w)")


def mask_text(text: str) -> str:
    text = _INTERNATIONAL.sub(lambda m: mask_phone("+" + re.sub(r"\D", "", m.group())), text)
    return _BARE_DIGITS.sub(lambda m: "••• " + m.group()[-4:], text)
