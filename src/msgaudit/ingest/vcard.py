"""vCard 2.1, 3.0 and 4.0 address books (.vcf), including WhatsApp contact cards.

The file is first cut into cards at their BEGIN:VCARD / END:VCARD lines, and
each card is parsed on its own by vobject: one broken card is rejected with
the line of its BEGIN, and the cards around it are still read. A card is a
record; its line is its BEGIN:VCARD line.

One bad property does not cost the card: when vobject refuses a card, each
property is tried on its own, the ones it refuses (a PHOTO whose base64 is
cut, a note in a charset it does not have, a stray line without a colon) are
left out and counted in the notes with their line, and the card is read
from the rest, so its name, numbers and e-mails are kept. A card is
rejected only when what is left still cannot be read.

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

from msgaudit.ingest.base import IngestContext, Ingested, Ledger, Source, counted
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
            ledger.note(f"{counted(stray, 'line', 'lines')} outside any BEGIN:VCARD … END:VCARD block were ignored")
        persons: list[dict[str, Any]] = []
        phones: list[dict[str, Any]] = []
        skipped: list[tuple[int, str, str]] = []
        for line, body in cards:
            try:
                card = _read_card(body, skipped)
            except Exception as exc:  # vobject raises ParseError, ValueError, … for a broken card
                ledger.reject(line, f"vCard cannot be read: {_why(exc)}")
                continue
            record = len(persons)
            persons.append({"line": line, **_person(card)})
            phones.extend({"record": record, **tel} for tel in _tels(card))
        _note_skipped(skipped, ledger)
        frame = pd.DataFrame(persons, columns=["line", "contact_id", "display_name", "email", "tags"])
        frame["line"] = frame["line"].astype("int64")
        long = pd.DataFrame(phones, columns=PHONE_COLUMNS)
        built = build_contacts(People(frame=frame, phones=long), source, ctx, ledger)
        report = ledger.close(len(cards) + len(unclosed))
        return Ingested(report=report, tables={"contacts": built.contacts})


Line = tuple[int, str]  # (file line, text)


def _split_cards(text: str) -> tuple[list[tuple[int, list[Line]]], list[int], int]:
    """(BEGIN line, card lines) for each closed card; BEGIN lines of unclosed cards; count of stray lines.

    The CR CR LF some Windows tools write (a CR LF file saved again in text mode) is one line end, so
    line numbers are the ones an editor shows; empty lines inside a card are dropped: they are no property.
    """
    cards: list[tuple[int, list[Line]]] = []
    unclosed: list[int] = []
    stray = 0
    start: int | None = None
    body: list[Line] = []
    for number, line in enumerate(text.replace("\r\r\n", "\r\n").splitlines(), start=1):
        if _BEGIN.match(line):
            if start is not None:
                unclosed.append(start)
            start, body = number, [(number, line)]
        elif start is None:
            stray += bool(line.strip())
        elif _END.match(line):
            joined = [ln for ln in _join_soft_breaks(body) if ln[1].strip()]
            cards.append((start, [*joined, (number, line)]))
            start, body = None, []
        else:
            body.append((number, _protect_tel(line)))
    if start is not None:
        unclosed.append(start)
    return cards, unclosed, stray


def _join_soft_breaks(lines: list[Line]) -> list[Line]:
    """Join vCard 2.1 quoted-printable soft line breaks (a value line ending in '='), which old Android
    writes for long names and notes and vobject does not understand."""
    out: list[Line] = []
    for number, line in lines:
        if out and _QP.search(out[-1][1].split(":", 1)[0]) and out[-1][1].endswith("="):
            out[-1] = (out[-1][0], out[-1][1][:-1] + line.lstrip())
        else:
            out.append((number, line))
    return out


def _text(lines: list[Line]) -> str:
    return "\r\n".join(text for _, text in lines) + "\r\n"


def _read_card(lines: list[Line], skipped: list[tuple[int, str, str]]) -> Any:
    """The card vobject reads; if it refuses the whole, the card without the properties it refuses alone.

    Properties that fail are appended to `skipped` as (line, property name, reason).
    """
    try:
        return vobject.readOne(_text(lines))
    except Exception:  # the card as a whole is refused: find the properties to blame
        pass
    begin, end = lines[0], lines[-1]
    version = [ln for ln in lines if re.match(r"^VERSION\s*:", ln[1], re.IGNORECASE)][:1]
    kept: list[Line] = []
    for prop in _properties(lines[1:-1]):
        if prop[0] in version:
            continue
        try:
            vobject.readOne(_text([begin, *version, *prop, end]))
        except Exception as exc:  # this property alone is refused
            skipped.append((prop[0][0], _property_name(prop[0][1]), _why(exc)))
            continue
        kept.extend(prop)
    return vobject.readOne(_text([begin, *version, *kept, end]))


def _properties(lines: list[Line]) -> list[list[Line]]:
    """Group a card's lines into properties: a line starting with a space or tab continues the one before."""
    props: list[list[Line]] = []
    for line in lines:
        if props and line[1][:1] in (" ", "\t"):
            props[-1].append(line)
        else:
            props.append([line])
    return props


def _property_name(line: str) -> str:
    head = re.split(r"[;:]", line, maxsplit=1)[0].strip()
    name = head.rsplit(".", 1)[-1].upper()  # without an iOS group prefix (item1.)
    return name if re.fullmatch(r"[A-Z0-9-]{1,40}", name) and ":" in line else ""


def _why(exc: Exception) -> str:
    """What was wrong, in words: vobject's own text quotes the line, and with it the person's data."""
    text = str(exc).lower()
    if "base64" in text or "padding" in text:
        return "invalid base64"
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid {exc.encoding} text"
    if "failed to parse line" in text:
        return "not a property line"
    return type(exc).__name__


def _note_skipped(skipped: list[tuple[int, str, str]], ledger: Ledger) -> None:
    by_what: dict[tuple[str, str], list[int]] = {}
    for line, name, why in skipped:
        by_what.setdefault((name, why), []).append(line)
    for (name, why), lines in sorted(by_what.items()):
        shown = ", ".join(str(n) for n in lines[:5]) + ("…" if len(lines) > 5 else "")
        what = f"{name}, {why}" if name else "text that is no property"
        ledger.note(f"{counted(len(lines), 'vCard line', 'vCard lines')} skipped, the rest of each card kept: {what} (lines {shown})")


def _protect_tel(line: str) -> str:
    """Escape commas in a TEL value: vobject reads an unescaped comma as a list separator and keeps only
    the first part, so Excel's '3,93331E+11' would silently become '3'."""
    m = _TEL_HEAD.match(line)
    if not m or "," not in m.group(2):
        return line
    return m.group(1) + re.sub(r"(?<!\\),", r"\\,", m.group(2))


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
