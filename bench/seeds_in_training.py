"""Does the seeds' gold help a model on conflict articles it has never seen? Leave one seed article out.

    .venv/bin/python bench/seeds_in_training.py --model baseline --repeats 1,4
    .venv/bin/python bench/seeds_in_training.py --model transformer --repeats 4 --override model.params.epochs=2
    .venv/bin/python bench/seeds_in_training.py --model baseline --task extract --repeats 1,4
    .venv/bin/python bench/seeds_in_training.py --table          # the table from saved results

The seeds are the only real conflict articles with labels, so the default
``data=mix`` run holds them out as its test set. A model a user deploys on new
conflict articles could train on them too. This measures what that is worth:

- ``held out``: one model trained on ``data=mix``'s train split (PolNeAR's
  labelled sentences and the written set), validated on its validation split,
  scored on all 128 seed sentences (the default run's own setting);
- ``+seeds xR``: five models, each trained on the same data plus the gold of
  four seed articles (each sentence repeated R times: ``train.source_repeats``),
  scored on the fifth article; the five articles' predictions are pooled.

Both arms are scored on the same 128 sentences, with 95% bootstrap intervals,
and for classification the difference in macro-F1 gets a paired bootstrap
interval (the same resampled sentences for both arms). Needs ``claimsift label
data=mix``. Results go to ``bench/results/seeds_in_training/<task>-<model>.json``
and the table, rebuilt from every saved result, to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from classifiers import machine  # noqa: E402
from claimsift.config import compose  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "seeds_in_training"
DATASET = "data/built/mix"
HEADLINE = {"classify": "macro_f1", "extract": "overlap_micro_f1"}


def load(dataset: str) -> tuple[list[dict], list[dict], list[dict]]:
    """(train, validation, seed) rows of the built mix dataset; exits with a line when it is not built."""
    from claimsift.data.dataset import load_records

    if not Path(dataset, "meta.json").is_file():
        sys.exit(f"{dataset}: no built dataset here; run `claimsift label data=mix` first")
    rows = load_records(dataset)
    seeds = [r for r in rows if r.get("source") == "seeds"]
    if not seeds:
        sys.exit(f"{dataset}: no seed sentences (was it built with data.held_out=[seeds]?)")
    return ([r for r in rows if r["split"] == "train" and r.get("source") != "seeds"],
            [r for r in rows if r["split"] == "validation" and r.get("source") != "seeds"], seeds)


def fit_and_predict(cfg, train_rows, val_rows, test_rows):
    """Train with the config on ``train_rows`` and return the predictions for ``test_rows`` (a Predictions)."""
    from claimsift.evaluate.score import predict
    from claimsift.scheme import load_scheme
    from claimsift.train import fit_model

    model = fit_model(cfg, train_rows, val_rows)
    preds = predict(model, [r["text"] for r in test_rows], cfg.val.batch_size)
    if preds.classes is None:  # a span model without a tag list: the scheme's span types
        preds.classes = list(load_scheme(cfg.scheme).span_types)
    return preds


def run_arm(cfg, train_rows, val_rows, seeds, records, with_seeds: bool):
    """Per-record predictions (class probabilities or span lists, in ``records`` order) of one arm, their
    columns (classes or span types) and the arm's time.

    Without seeds, one model scores every record; with them, one model per seed article, trained on the
    other articles' seed rows (``cfg`` sets how often each is repeated), scores that article's records.
    """
    t0 = time.perf_counter()
    doc_of = {r["sent_id"]: r["doc_id"] for r in seeds}
    pos = {r["sent_id"]: i for i, r in enumerate(records)}
    out: list = [None] * len(records)
    classes = None
    for doc in sorted(set(doc_of.values())) if with_seeds else [None]:
        test = [r for r in records if doc is None or doc_of[r["sent_id"]] == doc]
        extra = [r for r in seeds if r["doc_id"] != doc] if with_seeds else []
        preds = fit_and_predict(cfg, train_rows + extra, val_rows, test)
        classes = preds.classes
        for j, rec in enumerate(test):
            out[pos[rec["sent_id"]]] = preds.proba[j] if preds.proba is not None else preds.spans[j]
    return out, classes, time.perf_counter() - t0


def scored(records, task, out, classes, n_resamples: int, seed: int) -> dict:
    from claimsift.evaluate.score import Predictions, from_proba, score

    preds = from_proba(np.array(out), classes) if task == "classify" else Predictions("extract", spans=out,
                                                                                      classes=classes)
    m = score(records, preds, "seeds", n_resamples=n_resamples, seed=seed, confidence=0.95, calibration_bins=10,
              n_errors=0).metrics
    return {k.removeprefix("seeds/"): v for k, v in m.items()}


def paired_difference(records, classes, base, other, n_resamples: int, seed: int) -> dict:
    """Macro-F1 of ``other`` minus ``base`` on the same sentences, with a paired 95% bootstrap interval."""
    from sklearn.metrics import f1_score

    gold = np.array([r["label"] for r in records])
    a = np.array(classes)[np.argmax(np.array(base), axis=1)]
    b = np.array(classes)[np.argmax(np.array(other), axis=1)]
    labels = sorted(set(gold))

    def diff(idx):
        return (f1_score(gold[idx], b[idx], labels=labels, average="macro", zero_division=0)
                - f1_score(gold[idx], a[idx], labels=labels, average="macro", zero_division=0))

    rng = np.random.RandomState(seed)
    boots = [diff(rng.randint(0, len(gold), len(gold))) for _ in range(n_resamples)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"diff": float(diff(np.arange(len(gold)))), "lo": float(lo), "hi": float(hi),
            "p_not_better": float(np.mean(np.array(boots) <= 0))}


def run(task: str, model: str, repeats: list[int], overrides: list[str], n_resamples: int) -> dict:
    from claimsift.train.data import scoring_records

    base = ["data=mix", f"task={task}", f"model={model}", "train.labels=gold", *overrides]
    cfg = compose("train", base)
    train_rows, val_rows, seeds = load(DATASET)
    records = scoring_records(seeds, task, "gold")
    arms = {}
    held_out = None  # the held-out arm's predictions, which the others are compared with
    for r in [None, *repeats]:
        name = "held out" if r is None else f"+seeds x{r}"
        print(f"[seeds_in_training] {task}/{model}: {name}", file=sys.stderr, flush=True)
        arm_cfg = cfg if r is None else compose("train", [*base, f"train.source_repeats={{seeds:{r}}}"])
        out, classes, seconds = run_arm(arm_cfg, train_rows, val_rows, seeds, records, with_seeds=r is not None)
        arms[name] = {"seconds": round(seconds, 1), "metrics": scored(records, task, out, classes, n_resamples,
                                                                      cfg.seed)}
        if r is None:
            held_out = out
        elif task == "classify":
            arms[name]["vs_held_out"] = paired_difference(records, classes, held_out, out, n_resamples, cfg.seed)
    return {"task": task, "model": model, "overrides": overrides, "n": len(records), "arms": arms,
            "machine": machine(),
            "command": "bench/seeds_in_training.py " + " ".join(
                [f"--task {task}", f"--model {model}", f"--repeats {','.join(map(str, repeats))}"]
                + [f"--override {o}" for o in overrides])}


def render(results: list[dict]) -> str:
    lines = ["Leave one seed article out (`bench/seeds_in_training.py`): the seeds' 128 gold sentences scored by a "
             "model trained without any seed article (`held out`, the default `data=mix` run) and by five models "
             "each trained on the same data plus the other four articles' gold, repeated R times (`+seeds xR`).",
             "Classification: macro-F1 and per-class F1; the last column is the paired bootstrap difference "
             "against `held out` on the same sentences. Extraction: overlap micro-F1 and per type.", ""]
    for res in results:
        task = res["task"]
        lines += [f"**{task} / {res['model']}** (`{res['command']}`)", ""]
        if task == "classify":
            classes = sorted(k.removeprefix("f1_") for k in res["arms"]["held out"]["metrics"]
                             if k.startswith("f1_") and not k.endswith(("_lo", "_hi")))
            lines += ["| arm | macro-F1 [95% CI] | " + " | ".join(classes) + " | accuracy | ECE | "
                      "difference [95% CI] | time s |", "|---|---|" + "---:|" * (len(classes) + 4)]
        else:
            types = ["SOURCE", "CUE", "CONTENT"]
            lines += ["| arm | overlap micro-F1 [95% CI] | exact micro-F1 | " + " | ".join(types) + " | time s |",
                      "|---|---|---:|" + "---:|" * (len(types) + 1)]
        for name, arm in res["arms"].items():
            m = arm["metrics"]
            head = HEADLINE[task]
            cell = f"{m[head]:.3f} [{m[head + '_lo']:.3f}, {m[head + '_hi']:.3f}]"
            if task == "classify":
                d = arm.get("vs_held_out")
                dcell = f"{d['diff']:+.3f} [{d['lo']:+.3f}, {d['hi']:+.3f}]" if d else "–"
                lines.append(f"| {name} | {cell} | " + " | ".join(f"{m['f1_' + c]:.2f}" for c in classes)
                             + f" | {m['accuracy']:.3f} | {m['ece']:.3f} | {dcell} | {arm['seconds']:.0f} |")
            else:
                lines.append(f"| {name} | {cell} | {m['micro_f1']:.3f} | "
                             + " | ".join(f"{m['overlap_f1_' + t]:.3f}" for t in types) + f" | {arm['seconds']:.0f} |")
        lines.append("")
    machines = sorted({r["machine"] for r in results if r.get("machine")})
    if machines:
        lines.append("Machine: " + "; ".join(machines) + ". Times are whole arms (five trainings for `+seeds`).")
    return "\n".join(lines).rstrip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["classify", "extract"], default="classify")
    ap.add_argument("--model", default="baseline")
    ap.add_argument("--repeats", default="1", help="comma-separated repeat counts of the seed sentences")
    ap.add_argument("--override", action="append", default=[], help="extra Hydra override for training")
    ap.add_argument("--n-resamples", type=int, default=1000)
    ap.add_argument("--table", action="store_true", help="only rebuild the table from saved results")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.table:
        repeats = [int(x) for x in args.repeats.split(",") if x]
        result = run(args.task, args.model, repeats, args.override, args.n_resamples)
        (RESULTS / f"{args.task}-{args.model}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))]
    section = render(results)
    print(section)
    if not args.no_write:
        write_section(Path("BENCHMARKS.md"), "seeds-in-training", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
