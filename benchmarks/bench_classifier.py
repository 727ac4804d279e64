"""Precision and recall of the message classifier on the labelled sets in tests/fixtures/classifier/.

    python benchmarks/bench_classifier.py [--set dev|heldout|all] [--errors]

`dev.csv` is the set the word lists in rules/reference/message_classes.yaml were
written against; `heldout.csv` was written before them and is never tuned on,
so its figures are the honest estimate. Labels: marketing, service, unknown
(a human could not tell). Marketing is the positive class: precision is the
share of messages called marketing that are; recall the share of marketing
messages found. Targets (asserted in tests/test_classifier.py): marketing
precision >= 0.9 on both sets; recall floors as measured there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from msgaudit.law.classify import MARKETING, load_classifier

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "classifier"


def measure(frame: pd.DataFrame) -> dict[str, float]:
    got = load_classifier().classify(frame["text"])["content_category"]
    truth = frame["label"]
    tp = int(((got == MARKETING) & (truth == MARKETING)).sum())
    called = int((got == MARKETING).sum())
    actual = int((truth == MARKETING).sum())
    service = truth == "service"
    return {
        "messages": len(frame),
        "marketing": actual,
        "precision": tp / called if called else 1.0,
        "recall": tp / actual if actual else 1.0,
        "service_recall": float(((got == "service") & service).sum() / service.sum()) if service.any() else 1.0,
        "service_as_marketing": int(((got == MARKETING) & service).sum()),
        "unknown_as_marketing": int(((got == MARKETING) & (truth == "unknown")).sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "heldout", "all"], default="all")
    parser.add_argument("--errors", action="store_true", help="print the misclassified messages")
    args = parser.parse_args(argv)
    names = ["dev", "heldout"] if args.set == "all" else [args.set]
    ok = True
    for name in names:
        frame = pd.read_csv(FIXTURES / f"{name}.csv", dtype=str, keep_default_na=False)
        start = time.perf_counter()
        m = measure(frame)
        took = time.perf_counter() - start
        print(f"{name:8} {m['messages']:4} messages ({m['marketing']} marketing): "
              f"precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
              f"service recall {m['service_recall']:.3f}  "
              f"service->marketing {m['service_as_marketing']}  unknown->marketing {m['unknown_as_marketing']}  "
              f"({took * 1000:.0f} ms)")
        for lang, part in frame.groupby("lang"):
            p = measure(part)
            print(f"    {lang}: {p['messages']:3} messages, precision {p['precision']:.3f}, recall {p['recall']:.3f}")
        ok &= m["precision"] >= 0.9
        if args.errors:
            got = load_classifier().classify(frame["text"])
            wrong = frame.assign(got=got["content_category"], cue=got["cue"])
            wrong = wrong[(wrong["got"] == MARKETING) != (wrong["label"] == MARKETING)]
            for row in wrong.itertuples():
                print(f"    [{row.label} -> {row.got}] ({row.cue}) {row.text}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
