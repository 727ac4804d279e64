"""vCard 2.1, 3.0 and 4.0 address books (.vcf), including WhatsApp contact cards.

The file is first cut into cards at their BEGIN:VCARD / END:VCARD lines, and
each card is parsed on its own by vobject: one broken card is rejected with
the line of its BEGIN, and the cards around it are still read. A card is a
record; its line is its BEGIN:VCARD line.

What a card says about its numbers becomes the phone label that
`contact_build` ranks on: TYPE values (CELL, cell, voice, pref), the iOS
group label (`item1.X-ABLabel:_$!<Mobile>!$_`), and WhatsApp's `waid=`
parameter, which marks a number WhatsApp reaches and stands in for a missing value.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pandas as pd
import vobject

from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source
from msgaudit.ingest.contact_build import PHONE_COLUMNS, People, build_contacts
from msgaudit.ingest.decoding import decode

_BEGIN = re.compile(r"^\s*BEGIN\s*:\s*VCARD\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*END\s*:\s*VCARD\s*$", re.IGNORECASE)
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_QP = re.compile(r";(?:ENCODING=)?QUOTED-PRINTABLE\b", re.IGNORECASE)
# A TEL line up to its value: group, name and parameters (quoted parameter values may hold ':' or ',').
_TEL_HEAD = re.compile(r'^((?:[A-Za-z0-9-]+\.)?TEL(?:;(?:[^":]|"[^"]*")*)?:)(.*)$', re.IGNORECASE)


class VCardAdapter:
    name: ClassVar[str] = "vcard"

    def sniff(self, source: Source, head: str) -> float:
        return 0.95 if "BEGIN:VCARD" in head.upper() else 0.0

    def read(self, source: Source, ctx: IngestContext) -> Ingested:
        text, encoding = decode(source.data, source.name)
        ledger = Ledger(source, self.name, encoding)
        cards, unclosed, stray = _split_cards(text)
        for line in unclosed:
            ledger.reject(line, "vCard has no END:VCARD line before the next card or the end of the file")
        if stray:
            ledger.note(f"{stray} lines outside any BEGIN:VCARD … END:VCARD block were ignored")
        persons: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        for line, body in cards:
            try:
                card = vobject.readOne(body)
            except Exception as exc:  # vobject raises ParseError, ValueError, … for a broken card
                ledger.reject(line, f"vCard cannot be read: {_one_line(exc)}")
                continue
            record = len(persons)
            persons.append({"line": line, **_person(card)})
            phones.extend({"record": record, **tel} for tel in _tels(card))
        frame = pd.DataFrame(persons, columns=["line", "contact_id", "display_name", "email", "tags"])
        frame["line"] = frame["line"].astype("int64")
        long = pd.DataFrame(phones, columns=PHONE_COLUMNS)
        built = build_contacts(People(frame=frame, phones=long), source, ctx, ledger)
        report = ledger.close(len(cards) + len(unclosed))
        return Ingested(report=report, tables={"contacts": built.contacts})


def _split_cards(text: str) -> tuple[list[tuple[int, str]], list[int], int]:
    """(BEGIN line, card text) for each closed card; BEGIN lines of unclosed cards; count of stray lines."""
    cards: list[tuple[int, str]] = []
    unclosed: list[int] = []
    stray = 0
    start: int | None = None
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if _BEGIN.match(line):
            if start is not None:
                unclosed.append(start)
            start, body = number, [line]
        elif start is None:
            stray += bool(line.strip())
        else:
            body.append(_protect_tel(line))
            if _END.match(line):
                cards.append((start, "\r\n".join(_join_soft_breaks(body)) + "\r\n"))
                start, body = None, []
    if start is not None:
        unclosed.append(start)
    return cards, unclosed, stray


def _join_soft_breaks(lines: list[str]) -> list[str]:
    """Join vCard 2.1 quoted-printable soft line breaks (a value line ending in '='), which old Android
    writes for long names and notes and vobject does not understand."""
    out: list[str] = []
    for line in lines:
        if out and _QP.search(out[-1].split(":", 1)[0]) and out[-1].endswith("="):
            out[-1] = out[-1][:-1] + line.lstrip()
        else:
            out.append(line)
    return out


def _protect_tel(line: str) -> str:
    """Escape commas in a TEL value: vobject reads an unescaped comma as a list separator and keeps only
    the first part, so Excel's '3,93331E+11' would silently become '3'."""
    m = _TEL_HEAD.match(line)
    if not m or "," not in m.group(2):
        return line
    return m.group(1) + re.sub(r"(?<!\\),", r"\\,", m.group(2))


def _one_line(exc: Exception) -> str:
    # vobject counts lines from its own buffer, not the file: the card's BEGIN line is the reliable one.
    text = re.sub(r"^At line \d+:\s*", "", " ".join(str(exc).split()))
    return text[:200] or type(exc).__name__


def _values(card: Any, name: str) -> list[Any]:
    return list(card.contents.get(name, []))


def _types(prop: Any) -> list[str]:
    """TYPE values however the version writes them: TYPE=a,b · type=a;type=b · 2.1 bare params."""
    found = [t for v in prop.params.get("TYPE", []) for t in str(v).split(",")]
    return [t.strip().strip('"').lower() for t in [*found, *prop.singletonparams] if t.strip()]


def _person(card: Any) -> dict[str, str | None]:
    uid = next((str(p.value).strip() for p in _values(card, "uid") if str(p.value).strip()), None)
    name = next((str(p.value).strip() for p in _values(card, "fn") if str(p.value).strip()), None)
    if not name:
        for p in _values(card, "n"):
            n = p.value
            parts = [getattr(n, a, "") for a in ("prefix", "given", "additional", "family", "suffix")]
            joined = " ".join(" ".join(x) if isinstance(x, list) else str(x) for x in parts).split()
            name = " ".join(joined) or None
    emails = _values(card, "email")
    emails.sort(key=lambda p: "pref" not in _types(p) and "PREF" not in p.params)
    email = next((str(p.value).strip() for p in emails if str(p.value).strip()), None)
    tags = [str(t).strip() for p in _values(card, "categories")
            for t in (p.value if isinstance(p.value, list) else str(p.value).split(",")) if str(t).strip()]
    return {"contact_id": uid, "display_name": name, "email": email,
            "tags": "|".join(dict.fromkeys(tags)) or None}


def _tels(card: Any) -> list[dict[str, Any]]:
    labels = {p.group.lower(): _APPLE_LABEL.sub(r"\1", str(p.value).strip())
              for p in _values(card, "x-ablabel") if p.group}
    out = []
    for order, p in enumerate(_values(card, "tel")):
        types = _types(p)
        waid = next((str(w) for w in p.params.get("WAID", []) if str(w).strip()), "")
        raw = str(p.value).strip() or (f"+{waid}" if waid else "")
        label = ",".join([*types, labels.get((p.group or "").lower(), ""), "whatsapp" if waid else ""])
        out.append({"raw": raw, "label": label, "pref": "pref" in types or "PREF" in p.params, "order": order})
    return out
