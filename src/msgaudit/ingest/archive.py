"""Zip archives among the inputs (a shared WhatsApp chat, an .xlsx workbook), opened as untrusted.

    with open_zip(data, name, hint) as zf:
        check_members(zf, names, name, hint)       # before anything is unpacked
        data = read_member(zf, member, name, hint)  # streamed, never past the limits

A zip bomb is a small archive whose members unpack to gigabytes. Before a byte
is unpacked, each member to be read is checked from the archive's directory:

- compression: stored or deflate only. WhatsApp and spreadsheets write nothing
  else, and bzip2 and LZMA members unpack a whole block at once, so a few
  kilobytes could fill memory before any count could stop them;
- size: at most `MAX_UNPACKED` for all the members read together;
- ratio: unpacked size at most `MAX_RATIO` times the packed size. Deflate
  reaches about 1000:1 on repeated bytes; chat text packs 3 to 10:1 and
  workbooks rarely past 30:1. Apache POI refuses workbooks past the same 100:1.
  Members under `RATIO_GRACE` are exempt: they cost nothing whatever their ratio.

Members are then read in chunks up to their declared size (zipfile stops
there too and checks the CRC), so a directory that lies gains nothing.
A damaged archive, an unknown compression method or an encrypted member is an
`InputError` naming the file: one line, never a traceback.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from msgaudit.errors import InputError

MAX_UNPACKED = 1 << 30
MAX_RATIO = 100
RATIO_GRACE = 1 << 20
_CHUNK = 1 << 20
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What zipfile raises for a damaged archive: bad headers, bad CRC, truncated streams, unknown methods.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, OverflowError)


@contextmanager
def open_zip(data: bytes, name: str, hint: str = "") -> Iterator[zipfile.ZipFile]:
    """The archive in `data`; any zipfile error inside the block becomes one InputError naming `name`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            yield zf
    except InputError:
        raise
    except RuntimeError as exc:  # zipfile signals encrypted members this way
        raise InputError(name, f"the archive cannot be opened ({exc})", hint) from None
    except _DAMAGED as exc:
        raise InputError(name, f"not a readable zip archive ({type(exc).__name__}: {exc})", hint) from None


def check_members(zf: zipfile.ZipFile, members: Iterable[str], name: str, hint: str = "") -> None:
    """Refuse, before unpacking, members whose method, size or ratio is not what an export writes."""
    total = 0
    for member in members:
        info = zf.getinfo(member)
        if info.compress_type not in _METHODS:
            raise InputError(name, f"{member} is packed with compression method {info.compress_type}, "
                                   "which no WhatsApp or spreadsheet export uses", hint)
        total += info.file_size
        if total > MAX_UNPACKED:
            raise InputError(name, f"unpacks to more than {MAX_UNPACKED >> 20} MiB",
                             "split the export, or check that the archive is what the app wrote")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_GRACE and ratio > MAX_RATIO:
            raise InputError(name, f"{member} would unpack {ratio:.0f} times its packed size "
                                   f"(more than {MAX_RATIO}): a zip bomb, not an export", hint)


def read_member(zf: zipfile.ZipFile, member: str, name: str, hint: str = "", limit: int | None = None) -> bytes:
    """The member's bytes (its first `limit` bytes if given), checked first and streamed with a count."""
    check_members(zf, [member], name, hint)
    declared = zf.getinfo(member).file_size
    want = declared if limit is None else min(limit, declared)
    out = bytearray()
    with zf.open(member) as f:
        while len(out) < want:
            chunk = f.read(min(_CHUNK, want - len(out)))
            if not chunk:
                break
            out += chunk
    return bytes(out)
