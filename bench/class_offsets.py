"""What class offsets gain, measured without scoring on the sentences they were fitted on.

    .venv/bin/python bench/class_offsets.py --run models/classify-transformer-mix-latest
    .venv/bin/python bench/class_offsets.py --run models/classify-baseline-mix-latest

The run predicts its dataset's validation sentences (PolNeAR dev and the written
set's validation articles) and the seeds' gold (the test split) once, with no
offsets. Then macro-F1 and per-class F1:

- *none*: the model's own argmax;
- *cross-fitted*: the validation articles in two random halves; offsets fitted on
  one half (``claimsift.models.base.fit_class_offsets``, as training does) decide
  the other, so no sentence is decided by offsets fitted on it;
- *run's own*: the offsets the run fitted on the whole validation split, which is
  what ``claimsift evaluate`` reports (in-sample on the validation sources);
- on the seeds' gold, which no offset ever saw: *none* and *run's own*.

Writes bench/results/class_offsets/<run name>.json and prints a Markdown table.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _crossfit import first_half, load_run, parser  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.data.dataset import load_records
from claimsift.models.base import fit_class_offsets

RESULTS = Path(__file__).resolve().parent / "results" / "class_offsets"


def decide(logp: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return (logp + offsets).argmax(axis=1)


def scores(y: np.ndarray, pred: np.ndarray, k: int) -> dict:
    per = f1_score(y, pred, labels=list(range(k)), average=None, zero_division=0)
    return {"macro_f1": round(float(f1_score(y, pred, average="macro", zero_division=0)), 4),
            "per_class": [round(float(v), 4) for v in per], "n": len(y)}


def main(argv=None) -> int:
    args = parser(__doc__, "a classify run folder", "the validation articles").parse_args(argv)
    loaded = load_run(args, "classify")
    if loaded is None:
        return 2
    model, dataset = loaded
    classes, k = list(model.classes_), len(model.classes_)
    own_map = dict(getattr(model, "class_offsets_", {}) or {})
    own = np.array([own_map.get(c, 0.0) for c in classes])
    rows = [r for r in load_records(dataset) if r.get("gold_label") is not None]
    val = [r for r in rows if r["split"] == "validation"]
    seeds = [r for r in rows if r["split"] == "test"]
    model.class_offsets_ = {}

    def logp(part):
        return np.log(np.clip(model.predict_proba([r["text"] for r in part]), 1e-12, None))

    lv, ls = logp(val), logp(seeds)
    yv = np.array([classes.index(r["gold_label"]) for r in val])
    ys = np.array([classes.index(r["gold_label"]) for r in seeds])
    half = first_half(val, args.seed)
    cross, fitted = np.zeros(len(val), dtype=int), []
    for fit_on in (half, ~half):
        b = fit_class_offsets(np.exp(lv[fit_on]), yv[fit_on])
        fitted.append(np.round(b, 2).tolist())
        cross[~fit_on] = decide(lv[~fit_on], b)
    sources = sorted({r.get("source") or "validation" for r in val})
    result = {"run": args.run.name, "classes": classes, "own_offsets": own.tolist(), "half_offsets": fitted,
              "validation": {}, "seeds": {"none": scores(ys, decide(ls, 0), k),
                                          "run's own": scores(ys, decide(ls, own), k)}}
    for src in sources:
        m = np.array([(r.get("source") or "validation") == src for r in val])
        result["validation"][src] = {"none": scores(yv[m], decide(lv[m], 0), k),
                                     "cross-fitted": scores(yv[m], cross[m], k),
                                     "run's own": scores(yv[m], decide(lv[m], own), k)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.run.name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"{args.run.name}: run's offsets {dict(zip(classes, own.round(2).tolist()))}; halves {fitted}\n")
    print("| sentences | offsets | macro-F1 | " + " | ".join(classes) + " |")
    print("|---|---|---:|" + "---:|" * k)
    table = [(f"{src} validation ({result['validation'][src]['none']['n']})", result["validation"][src])
             for src in sources] + [(f"seeds' gold ({len(seeds)})", result["seeds"])]
    for name, block in table:
        for how, s in block.items():
            print(f"| {name} | {how} | {s['macro_f1']:.3f} | " + " | ".join(f"{v:.2f}" for v in s["per_class"]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
