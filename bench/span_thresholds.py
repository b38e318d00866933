"""What span thresholds gain, measured without scoring on the sentences they were fitted on.

    .venv/bin/python bench/span_thresholds.py --run models/extract-transformer-mix-latest
    .venv/bin/python bench/span_thresholds.py --run models/extract-baseline-mix-latest

The run predicts PolNeAR dev (the dataset's validation sentences from PolNeAR)
and the seeds' gold (its test split) once, with no threshold. Then, by overlap
and word-exact F1 per type (``claimsift evaluate``'s counting):

- *none*: every span kept;
- *cross-fitted*: PolNeAR dev's articles in two random halves; thresholds fitted
  on one half score the other, and the two halves' counts are summed, so no
  sentence is scored by thresholds fitted on it;
- *run's own*: the thresholds the run fitted on its whole validation split
  (PolNeAR dev and the written set's validation articles), which is what
  ``claimsift evaluate`` reports; on PolNeAR dev this is in-sample;
- on the seeds' gold, which no threshold ever saw: *none* and *run's own*.

Writes bench/results/span_thresholds/<run name>.json and prints a Markdown table.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _crossfit import first_half, load_run, parser  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.data.dataset import load_records
from claimsift.evaluate.metrics import prf_from_counts, span_counts
from claimsift.evaluate.score import tags_of
from claimsift.models.base import SpanModel, fit_span_thresholds

RESULTS = Path(__file__).resolve().parent / "results" / "span_thresholds"


class Predicted(SpanModel):
    """The raw predictions of one sentence list, served again under any thresholds (no model call)."""

    def __init__(self, tags: list[str], texts: list[str], spans: list[list[dict]]):
        self.tags_ = tags
        self.by_text = dict(zip(texts, spans))

    def fit(self, texts, spans, *, eval_texts=None, eval_spans=None):
        return self

    def predict_proba(self, texts):
        raise NotImplementedError

    def predict(self, texts):
        return [self.keep_confident(self.by_text[t]) for t in texts]

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path):
        raise NotImplementedError


def scores(texts, gold, model: Predicted, thresholds: dict, types) -> dict:
    """Summed (tp, predicted, gold) counts per type, overlap and exact, as ``claimsift evaluate`` counts them."""
    model.span_thresholds_ = thresholds
    records = [{"text": t, "spans": g} for t, g in zip(texts, gold)]
    gold_tags, pred_tags = tags_of(records, model.predict(texts))
    return {mode: span_counts(gold_tags, pred_tags, mode, types).sum(axis=0) for mode in ("overlap", "exact")}


def f1(c: np.ndarray) -> dict:
    return {"per_type": prf_from_counts(c)[2].round(4).tolist(), "micro": round(float(prf_from_counts(c.sum(0))[2]), 4)}


def main(argv=None) -> int:
    args = parser(__doc__, "an extract run folder", "PolNeAR dev's articles").parse_args(argv)
    loaded = load_run(args, "extract")
    if loaded is None:
        return 2
    model, dataset = loaded
    own = dict(getattr(model, "span_thresholds_", {}))  # none in a model saved before thresholds
    rows = load_records(dataset)
    annotated = [r for r in rows if r.get("gold_spans") is not None]
    dev = [r for r in annotated if r["split"] == "validation" and r.get("source") == "polnear"]
    seeds = [r for r in annotated if r["split"] == "test"]
    types = model.span_types
    model.span_thresholds_ = {}
    raw = {}
    for name, part in (("dev", dev), ("seeds", seeds)):
        texts = [r["text"] for r in part]
        raw[name] = (texts, [r["gold_spans"] for r in part], Predicted(model.tags_, texts, model.predict(texts)))

    texts, gold, pred = raw["dev"]
    first = first_half(dev, args.seed)
    halves = [np.flatnonzero(first == h).tolist() for h in (True, False)]
    fitted, cross = [], {"overlap": 0, "exact": 0}
    for fit_on, score_on in ((halves[0], halves[1]), (halves[1], halves[0])):
        th = fit_span_thresholds(pred, [texts[i] for i in fit_on], [gold[i] for i in fit_on])
        fitted.append(th)
        got = scores([texts[i] for i in score_on], [gold[i] for i in score_on], pred, th, types)
        cross = {m: cross[m] + got[m] for m in cross}
    result = {"run": args.run.name, "types": types, "own_thresholds": own, "half_thresholds": fitted,
              "dev_sentences": len(dev), "seeds_sentences": len(seeds),
              "dev": {"none": {m: f1(c) for m, c in scores(texts, gold, pred, {}, types).items()},
                      "cross-fitted": {m: f1(c) for m, c in cross.items()},
                      "run's own": {m: f1(c) for m, c in scores(texts, gold, pred, own, types).items()}},
              "seeds": {k: {m: f1(c) for m, c in scores(*raw["seeds"], th, types).items()}
                        for k, th in (("none", {}), ("run's own", own))}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.run.name}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"{args.run.name}: run's thresholds {own}; halves {fitted}\n")
    print("| sentences | thresholds | overlap F1 " + " / ".join(types) + " | micro | exact F1 "
          + " / ".join(types) + " | micro |")
    print("|---|---|---|---:|---|---:|")
    for where in ("dev", "seeds"):
        for k, v in result[where].items():
            o, e = v["overlap"], v["exact"]
            print(f"| {'PolNeAR dev' if where == 'dev' else 'seeds gold'} | {k} | "
                  f"{' / '.join(f'{x:.3f}' for x in o['per_type'])} | {o['micro']:.3f} | "
                  f"{' / '.join(f'{x:.3f}' for x in e['per_type'])} | {e['micro']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
