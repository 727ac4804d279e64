"""Benchmark: read a 1,000,000-line WhatsApp chat export (Android, 24h, Italian group).

    .venv/bin/python benchmarks/bench_ingest_chat.py [--lines N] [--keep DIR]

Writes the export to a temporary folder, times `WhatsAppChatAdapter().read`
end to end in a fresh state, then times each stage again on the same input
(decode, split into blocks, layout and datetime parse, DST localisation,
phone normalisation of the distinct authors, classification and direction
(which includes the phones again), conform) so a regression can be
placed. Peak memory is the process's maximum resident set (ru_maxrss).
Targets: under 10 s and under 2 GB for 1,000,000 lines.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from msgaudit.ingest import chat_layouts
from msgaudit.ingest.base import IngestContext, Source
from msgaudit.ingest.timeparse import localize
from msgaudit.ingest.whatsapp_chat import WhatsAppChatAdapter, authors_table, build_messages, load_text
from msgaudit.phones import parse_phone
from msgaudit.tables import MESSAGES, conform

T = TypeVar("T")
TARGET_SECONDS = 10.0
TARGET_BYTES = 2 << 30

# A full community group: named members plus a thousand unsaved numbers.
_PEOPLE = ["Anna Rossi", "Luca Bianchi", "Giulia Esposito", "Marco Ferrari", "Francesca Romano",
           "Davide Colombo", "Chiara Ricci", "Mario Rossi"] + [
    f"+39 3{n % 10}{(n * 7) % 10} {100 + n % 900} {1000 + n:04d}" for n in range(1000)]
_SINGLE = ["Ciao a tutti!", "Ci vediamo giovedì alle 21 in sede.", "<Media omessi>", "Grazie 🙏",
           "Questo messaggio è stato eliminato", "Perfetto, confermo la presenza.", "STOP",
           "Qualcuno ha il numero del tesoriere? 📞", "Va bene <Questo messaggio è stato modificato>"]
_LINES = ["Ordine del giorno:", "1. approvazione del bilancio", "2. quote sociali 2025",
          "3. varie ed eventuali", "Portate la tessera, per favore.", ""]
_SYSTEM = ["Anna Rossi ha aggiunto Luca Bianchi", "Marco Ferrari è uscito",
           "Anna Rossi ha cambiato l'oggetto da \"Soci\" a \"Soci ASD: 2025\""]


def write_chat(path: Path, lines: int, seed: int = 7) -> int:
    """Write an export of about `lines` lines; return the number of messages in it."""
    rng = random.Random(seed)
    minute = 0
    out: list[str] = ["12/01/23, 09:00 - I messaggi e le chiamate sono crittografati end-to-end. "
                      "Nessuno al di fuori di questa chat, nemmeno WhatsApp, può leggerli o ascoltarli."]
    messages = 1
    while len(out) < lines:
        minute += rng.randint(1, 9)
        day, rest = divmod(minute, 1440)
        stamp = f"{(day % 28) + 1:02d}/{(day // 28) % 12 + 1:02d}/{23 + day // 336}, {rest // 60:02d}:{rest % 60:02d}"
        roll = rng.random()
        if roll < 0.02:
            out.append(f"{stamp} - {rng.choice(_SYSTEM)}")
        elif roll < 0.22:
            body = rng.sample(_LINES, rng.randint(2, 5))
            out.append(f"{stamp} - {rng.choice(_PEOPLE)}: Avviso ai soci")
            out.extend(body)
        else:
            out.append(f"{stamp} - {rng.choice(_PEOPLE)}: {rng.choice(_SINGLE)}")
        messages += 1
    path.write_text("\n".join(out[:lines]) + "\n", encoding="utf-8")
    return messages


def timed(label: str, fn: Callable[[], T], rows: list[tuple[str, float, float]]) -> T:
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    rows.append((label, time.perf_counter() - start, time.process_time() - cpu))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the export here instead of a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        path = folder / "WhatsApp Chat with Soci ASD.txt"
        written = write_chat(path, args.lines)
        source = Source(path=path, data=path.read_bytes(), name=str(path))
        ctx = IngestContext(business_names=("Mario Rossi",))

        start, cpu_start = time.perf_counter(), time.process_time()
        result = WhatsAppChatAdapter().read(source, ctx)
        total, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux

        stages: list[tuple[str, float, float]] = []
        chat = timed("decode", lambda: load_text(source), stages)
        blocks = timed("split into blocks", lambda: chat_layouts.split_blocks(chat.text), stages)
        parsed = timed("layout + datetime parse", lambda: chat_layouts.parse(blocks.frame), stages)
        keep = (parsed.problem == "").to_numpy()
        utc = timed("localize (DST) to UTC", lambda: localize(parsed.naive[keep], ctx.timezone), stages)
        names = blocks.frame["author"].drop_duplicates().reset_index(drop=True)
        parse_phone.cache_clear()  # read() above warmed it
        timed(f"phones ({len(names):,} authors)", lambda: authors_table(names, ctx), stages)
        table = timed("classify, direction", lambda: build_messages(blocks.frame[keep], utc, source, chat, ctx), stages)
        timed("conform", lambda: conform(table, MESSAGES), stages)

    rep = result.report
    print(f"input: {args.lines:,} lines, {len(source.data) / 1e6:.1f} MB, {written:,} messages written")
    print(f"rows_read {rep.rows_read:,}  accepted {rep.rows_accepted:,}  rejected {rep.rows_rejected:,}")
    print(f"read(): {total:.2f} s wall ({cpu:.2f} s CPU), peak RSS {peak / 2**20:.0f} MiB "
          f"(targets {TARGET_SECONDS:.0f} s, {TARGET_BYTES / 2**30:.0f} GiB)")
    print("stages (re-run separately):        wall     CPU")
    for label, seconds, cpu_seconds in stages:
        print(f"  {label:<28} {seconds:6.2f} s {cpu_seconds:6.2f} s")
    ok = total < TARGET_SECONDS and peak < TARGET_BYTES and rep.rows_read == written
    print("OK" if ok else "MISSED TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
