"""Time `where:` conditions on a 1,000,000-row messages-shaped table.

    .venv/bin/python benchmarks/bench_conditions.py [ROWS]

Prints compile and evaluation time per condition (best of three runs) and the
number of rows each selects; nothing is asserted.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from msgaudit.rules.conditions import compile_condition

CONDITIONS = [
    'direction == "outbound" and category in ["marketing", "unknown"] and not is_template',
    'counterpart_region == "US" and timestamp >= 2025-04-01',
    'relationship not in ("member", "former-member") or email is null',
    'body matches "(?i)offerta|sconto" and kind != "system"',
    'timestamp < date("2020-07-16T00:00:00Z")',
    'lower(counterpart_name) contains "rossi"',
    "timestamp between 2020-07-16 and 2023-07-10 and not (is_template or category == \"utility\")",
    "body is empty",
]

KINDS = {
    "direction": "str", "category": "str", "is_template": "bool", "timestamp": "datetime",
    "counterpart_region": "str", "relationship": "str", "email": "str", "body": "str",
    "kind": "str", "counterpart_name": "str",
}


def _pick(rng: np.random.Generator, values: list[object], rows: int, null_share: float = 0.0) -> pd.Series:
    picked = pd.Series(rng.choice(np.array(values, dtype=object), size=rows), dtype=object)
    return picked.where(rng.random(rows) >= null_share, None)


def messages(rows: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2018-01-01", tz="UTC").value
    end = pd.Timestamp("2026-01-01", tz="UTC").value
    stamps = pd.Series(pd.to_datetime(rng.integers(start, end, size=rows), utc=True)).dt.as_unit("ns")
    bodies = [
        "Offerta speciale: sconto 20% per i soci", "Ciao, ci vediamo giovedì in sede",
        "Assemblea ordinaria il 12 maggio alle 18:00", "Grazie!", "", "Promemoria: rinnovo quota 2025",
    ]
    names = ["Mario Rossi", "Giulia Bianchi", "Niccolò Esposito", "ROSSI Lucia", "Francesca Romano"]
    return pd.DataFrame({
        "direction": _pick(rng, ["outbound", "inbound"], rows),
        "category": _pick(rng, ["marketing", "utility", "authentication", "service", "unknown"], rows, 0.1),
        "is_template": pd.Series(_pick(rng, [True, False], rows, 0.05), dtype="boolean"),
        "timestamp": stamps,
        "counterpart_region": _pick(rng, ["IT", "US", "DE", "FR", "CH"], rows, 0.02),
        "relationship": _pick(rng, ["member", "former-member", "customer", "prospect"], rows, 0.2),
        "email": _pick(rng, ["mario.rossi@example.it", "giulia@esempio.it"], rows, 0.3),
        "body": _pick(rng, bodies, rows, 0.05),
        "kind": _pick(rng, ["text", "media", "system", "template"], rows),
        "counterpart_name": _pick(rng, names, rows, 0.1),
    })


def _best(run: object, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - began)
    return best, result


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    began = time.perf_counter()
    frame = messages(rows)
    print(f"built {rows:,} rows in {time.perf_counter() - began:.2f} s")
    print(f"{'compile ms':>10} {'eval ms':>9} {'selected':>10}  condition")
    for text in CONDITIONS:
        compile_time, condition = _best(lambda: compile_condition(text, KINDS))
        eval_time, mask = _best(lambda: condition(frame))  # type: ignore[operator]
        print(f"{compile_time * 1e3:10.2f} {eval_time * 1e3:9.1f} {int(mask.sum()):10,}  {text}")  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
