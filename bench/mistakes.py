"""The most confident mistakes of a classifier run, with the part of the decision that failed.

    .venv/bin/python bench/mistakes.py models/classify-transformer-mix-latest --split test -n 10

The spec decides a class by three questions in order (is there an attribution
or hedge; is a specific wrongful act imputed; is the source an on-record
official; see ``claimsift.models.structured``). For a mistake, the first
question whose answer differs between the gold class and the predicted one is
the part that failed: gold ``allegation`` predicted ``attributed_claim`` is a
missed wrongful act; gold ``background`` predicted anything else is an
attribution seen where the main clause has none. Prints a markdown table and
the confusion matrix; reads the run's saved evaluation
(``<run>/eval/<split>/``), so evaluate the run first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from claimsift.models.structured import NEWS_CLASSES as CLASSES
from claimsift.models.structured import PARTS, part_labels


def failed_part(gold: str, pred: str) -> str:
    """The first of the spec's questions on which the gold and predicted classes disagree."""
    g, p = part_labels(gold), part_labels(pred)
    for part in PARTS:
        if g[part] is not None and p[part] is not None and g[part] != p[part]:
            return part
    return "attributed"  # unreachable for two different classes; kept total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--split", default="test", help="the eval folder name under <run>/eval/ (test, val-polnear, ...)")
    ap.add_argument("-n", type=int, default=10)
    args = ap.parse_args(argv)
    folder = args.run / "eval" / args.split
    preds_file = folder / "predictions.jsonl"
    if not preds_file.is_file():
        print(f"{preds_file}: not found (run `claimsift evaluate run={args.run} ...` first)", file=sys.stderr)
        return 1
    rows = [json.loads(line) for line in preds_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong = [r for r in rows if r["pred"] != r["label"]]
    wrong.sort(key=lambda r: -r["confidence"])
    print(f"| # | gold | predicted | confidence | part that failed | sentence |\n|---|---|---|---:|---|---|")
    for i, r in enumerate(wrong[: args.n], 1):
        text = r["text"].replace("|", "\\|")
        print(f"| {i} | {r['label']} | {r['pred']} | {r['confidence']:.2f} | {failed_part(r['label'], r['pred'])} "
              f"| {text[:160]}{'…' if len(text) > 160 else ''} |")
    from collections import Counter

    parts = Counter(failed_part(r["label"], r["pred"]) for r in wrong)
    print(f"\n{len(wrong)} of {len(rows)} wrong; part that failed: " + ", ".join(f"{k} {v}" for k, v in parts.items()))
    print("\n| gold \\ predicted | " + " | ".join(CLASSES) + " |\n|---|" + "---:|" * len(CLASSES))
    for g in CLASSES:
        print(f"| {g} | " + " | ".join(str(sum(r["label"] == g and r["pred"] == p for r in rows)) for p in CLASSES) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
