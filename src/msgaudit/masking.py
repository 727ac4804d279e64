"""Personal data as reports show it by default: +39 333 ••• 4567, initials for names."""

from __future__ import annotations

from msgaudit.phones import mask as mask_phone


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    parts = [p for p in name.replace("name:", "", 1).split() if p]
    return " ".join(f"{p[0].upper()}." for p in parts if p[0].isalnum()) or "•"


def mask_contact(contact: str | None) -> str:
    """A contact key is E.164 or 'name:Full Name' for people known only by name."""
    if not contact:
        return ""
    if contact.startswith("name:"):
        return mask_name(contact)
    return mask_phone(contact)


def show_contact(contact: str | None, masked: bool) -> str:
    if not contact:
        return ""
    if masked:
        return mask_contact(contact)
    return contact.removeprefix("name:")
