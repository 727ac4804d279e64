"""Bytes to text: BOMs, strict UTF-8, UTF-16, then a charset detector; delimiter sniffing.

Order follows what Excel and phones write: a BOM decides; else strict UTF-8;
else charset-normalizer, preferring cp1252 (Italian Excel's ANSI code page)
over look-alike single-byte code pages it cannot tell apart on short files.
"""

from __future__ import annotations

import codecs
import importlib
import csv
import io

from charset_normalizer import from_bytes

from msgaudit.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SINGLE_BYTE_FALLBACK = "cp1252"


def detect_encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16_without_bom(data):
        return "utf-16-le" if data[1::2].count(0) > data[0::2].count(0) else "utf-16-be"
    best = from_bytes(data[:200_000]).best()
    name = best.encoding.lower() if best is not None else _SINGLE_BYTE_FALLBACK
    if _is_single_byte(name) and _decodes(data, _SINGLE_BYTE_FALLBACK):
        # Detectors cannot tell cp1252 from its single-byte cousins (cp1250, cp1258, latin-1…) on a
        # short member list; Italian and Western Excel write cp1252, so it wins whenever it fits.
        return _SINGLE_BYTE_FALLBACK
    return name


def _is_single_byte(name: str) -> bool:
    """Charmap codecs (cp125x, iso8859-x, mac_*) map one byte to one character."""
    try:
        codec = codecs.lookup(name).name.replace("-", "_")
    except LookupError:
        return False
    if codec in {"latin_1", "iso8859_1"}:
        return True
    try:
        return hasattr(importlib.import_module(f"encodings.{codec}"), "decoding_table")
    except ImportError:
        return False


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16_without_bom(data: bytes) -> bool:
    """Latin text in UTF-16 has a NUL in every other byte, all on the same side."""
    sample = data[:4000]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    high, low = max(odd, even), min(odd, even)
    return len(sample) >= 8 and high >= 0.3 * (len(sample) / 2) and low <= 0.05 * high


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the head of a file that is neither UTF-16/32 text nor a ZIP archive."""
    head = data[:8000]
    if head.startswith(b"PK\x03\x04") or b"\x00" not in head:
        return False
    return not detect_encoding(head).startswith(("utf-16", "utf-32"))


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Return (text, encoding name); a binary file is an InputError."""
    if not data.strip():
        raise InputError(path, "the file is empty", "export it again or remove it from the audit")
    if looks_binary(data):
        raise InputError(path, "this is a binary file, not a text export", "give the .txt, .csv, .json or .zip the app exported")
    encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"cannot decode as {encoding} at byte {exc.start}", "save it as UTF-8 and try again") from None
    return text.lstrip("\ufeff"), encoding.replace("-sig", " with BOM") if encoding == "utf-8-sig" else encoding


def sniff_delimiter(text: str) -> str:
    """Pick `,` `;` or tab by counting them in the header line, outside quotes."""
    header = next(iter(text.splitlines()), "")
    counts = {d: _count_outside_quotes(header, d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delim: str) -> int:
    try:
        row = next(csv.reader(io.StringIO(line), delimiter=delim))
    except (csv.Error, StopIteration):
        return 0
    return len(row) - 1
