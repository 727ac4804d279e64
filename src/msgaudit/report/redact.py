"""Masking personal data inside free text (file names, sources, evidence values, message ids) when reports mask.

WhatsApp names a one-to-one chat export after the other person ("Chat
WhatsApp con Mario Rossi.txt", "WhatsApp Chat with +39 333 123 4567.txt"), so
a file name is masked like a name or a number. A Cloud API message id
(`wamid.HBgM…`) is base64 around the recipient's number, so it is shown as a
short stable hash: the same message always gets the same `wamid…3f2a9c`, but
only the full id of `--no-mask` joins with other files. Sources are shown
relative to the audited folder: the auditor's own folders are nobody's business.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable

from msgaudit.masking import mask_name, mask_phone

_INTERNATIONAL = re.compile(r"\+\d[\d \-().\u00a0]{5,20}\d")
_BARE_DIGITS = re.compile(r"(?<![\w+])\d{9,15}(?!\w)")
# How WhatsApp names chat exports in the languages our users export in (Android and iOS, with the
# underscores some mail clients put for spaces).
_CHAT_PREFIXES = ("WhatsApp Chat with ", "WhatsApp Chat - ", "Chat WhatsApp con ", "Chat de WhatsApp con ",
                  "WhatsApp Chat mit ", "Discussion WhatsApp avec ", "Conversa do WhatsApp com ",
                  "Conversa no WhatsApp com ", "WhatsApp-Chat mit ")
_CHAT_NAME = re.compile(
    "(?P<prefix>" + "|".join(re.escape(p).replace(r"\ ", "[ _]") for p in _CHAT_PREFIXES) + ")"
    r"(?P<name>[^/\\:]+?)(?P<end>(?:[ _]?\(\d+\))?\.(?:txt|zip)\b|:\d|$)", re.IGNORECASE)
_WAMID = re.compile(r"wamid\.[A-Za-z0-9+/=_\-]+")


def _mask_chat_name(m: re.Match[str]) -> str:
    name = m["name"]
    # "M. R." before ".txt" would read "M. R..txt".
    shown = _mask_numbers(name) if any(ch.isdigit() for ch in name) else mask_name(name.replace("_", " ")).rstrip(".")
    return m["prefix"] + shown + m["end"]


def _mask_numbers(text: str) -> str:
    text = _INTERNATIONAL.sub(lambda m: mask_phone("+" + re.sub(r"\D", "", m.group())), text)
    return _BARE_DIGITS.sub(lambda m: "••• " + m.group()[-4:], text)


def short_id(message_id: str) -> str:
    """`wamid.HBgM…` → `wamid…3f2a9c`: stable, short, and no longer decodable to a number."""
    return "wamid…" + hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:6]


def mask_text(text: str) -> str:
    """Chat-export names, platform message ids and phone numbers in `text`, masked."""
    text = _CHAT_NAME.sub(_mask_chat_name, text)
    text = _WAMID.sub(lambda m: short_id(m.group()), text)
    return _mask_numbers(text)


def audited_root(paths: Iterable[str]) -> str | None:
    """The folder every audited file lies in (the deepest common one), or None when no path is absolute."""
    folders = [os.path.dirname(p) for p in paths if os.path.isabs(p)]
    if not folders:
        return None
    try:
        return os.path.commonpath(folders)
    except ValueError:  # paths on different Windows drives
        return None


def relative_source(source: str, root: str | None) -> str:
    """`/home/auditor/exports/chat.txt:28` → `chat.txt:28`: relative to the audited folder, else only the file name.

    Relative sources are as the user typed them and stay so.
    """
    if not source or not os.path.isabs(source):
        return source
    if root and (source == root or source.startswith(root.rstrip(os.sep) + os.sep)):
        return source[len(root.rstrip(os.sep)) + 1:]
    return re.split(r"[\\/]", source)[-1]
