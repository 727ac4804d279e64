"""Benchmark: simulate 1,000,000 messages (default) and report wall time and peak memory.

    .venv/bin/python benchmarks/bench_simulate.py [--messages N] [--contacts N] [--days N] [--out DIR]

Targets (issue 4): under 60 s and under 4 GB for a million messages. Peak memory is the
process's maximum resident set size, so run it in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from msgaudit.simulate import simulate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--contacts", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "world"
        start = time.perf_counter()
        summary = simulate(out, seed=args.seed, contacts=args.contacts, messages=args.messages, days=args.days)
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 2**20
        print(f"messages={summary.messages} contacts={summary.contacts} ground_truth={sum(summary.by_rule.values())}")
        print(f"time={elapsed:.1f}s peak_rss={peak_mb:.0f}MB written={size_mb:.0f}MB")
        print("PASS" if elapsed < 60 and peak_mb < 4096 else "FAIL", "(targets: < 60 s, < 4096 MB)")


if __name__ == "__main__":
    main()
