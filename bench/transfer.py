"""Transfer experiments: extraction on PolNeAR dev by training source, classification on the seeds' gold.

    .venv/bin/python bench/transfer.py                    # everything; writes the tables into BENCHMARKS.md
    .venv/bin/python bench/transfer.py --reuse            # keep runs and CV results already in --work
    .venv/bin/python bench/transfer.py --no-transformer   # baseline rows only (about 5 minutes)

Needs `claimsift label` (data/built/seeds) and `claimsift label data=polnear`
(data/built/polnear). Extraction: each training source is one `claimsift train`
run (into ``--work``/models/<row>/), scored by `claimsift evaluate
split=validation dataset=data/built/polnear` against PolNeAR dev's human spans;
the weak span rules are scored on the same sentences. Classification: the
`seeds_plus_*` experiments, cross-validation by article on the seeds' gold.
The configs are in configs/experiment/ (docs/transfer.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.config import compose  # noqa: E402
from claimsift.scheme import load_scheme  # noqa: E402

NEWS_CLASSES = list(load_scheme("news").classes)  # the transfer experiments are the news scheme's
POLNEAR = "data/built/polnear"
TYPES = ("SOURCE", "CUE", "CONTENT")

# (row name, training source shown in the table, model, train overrides)
EXTRACT_ROWS = [
    ("polnear-gold-baseline", "PolNeAR train, human spans (28,546 sentences)", "baseline",
     ["experiment=polnear_extract_baseline"]),
    ("polnear-gold-transformer", "PolNeAR train, human spans (first 3,000 sentences, 3 epochs)", "transformer",
     ["experiment=polnear_extract_transformer"]),
    ("seeds-weak-baseline", "seeds train split, weak spans", "baseline", ["task=extract", "model=baseline"]),
    ("seeds-gold-baseline", "seeds train split, gold spans", "baseline",
     ["task=extract", "model=baseline", "experiment=gold_only"]),
    ("seeds-weak-transformer", "seeds train split, weak spans", "transformer", ["task=extract", "model=transformer"]),
    ("seeds-gold-transformer", "seeds train split, gold spans", "transformer",
     ["task=extract", "model=transformer", "experiment=gold_only"]),
]

# (row name, training data shown in the table, model, evaluate overrides)
CLASSIFY_ROWS = [
    ("seeds-baseline", "seeds only (gold, other articles)", "baseline", ["experiment=seeds_plus_none"]),
    ("seeds-polnear-baseline", "seeds + PolNeAR weak labels (all 31,680)", "baseline",
     ["experiment=seeds_plus_polnear"]),
    ("seeds-transformer", "seeds only (gold, other articles; 5 epochs)", "transformer",
     ["experiment=seeds_plus_none_transformer"]),
    ("seeds-polnear-transformer", "seeds + PolNeAR weak labels (first 200 per fold, 2 epochs)", "transformer",
     ["experiment=seeds_plus_polnear_transformer"]),
]


def run_extract(work: Path, reuse: bool, models: set[str], n_resamples: int, skip=()) -> list[dict]:
    """Train each extraction row (unless reused), score it on PolNeAR dev; return one result per row."""
    from claimsift.evaluate import evaluate
    from claimsift.train import train

    out = []
    weak = None
    for name, source, model, overrides in EXTRACT_ROWS:
        if model not in models or name in skip:
            continue
        root = work / "models" / name
        cfg = compose("train", [*overrides, f"out_root={root}"])
        latest = root / f"extract-{model}-{cfg.data.name}-latest"
        t0 = time.perf_counter()
        if not (reuse and latest.exists()):
            train(cfg)
        train_s = json.loads((latest / "run.json").read_text())["seconds"]
        eval_dir = latest / "eval" / "polnear-dev"
        if not (reuse and (eval_dir / "metrics.json").exists()):
            evaluate(compose("evaluate", [f"run={latest}", f"dataset={POLNEAR}", "split=validation",
                                          "eval.truth=gold", f"out_dir={eval_dir}",
                                          f"eval.n_resamples={n_resamples}"]))
        metrics = json.loads((eval_dir / "metrics.json").read_text())
        data = json.loads((latest / "data.json").read_text())
        out.append({"row": name, "source": source, "model": model, "metrics": metrics,
                    "n_train": data.get("counts", {}).get("train", data.get("n_train")),
                    "train_seconds": train_s, "seconds": time.perf_counter() - t0})
        ref = eval_dir / "weak_reference.json"
        if weak is None and ref.exists():
            weak = {"row": "weak-rules", "source": "weak span rules (no training)", "model": "rules",
                    "metrics": json.loads(ref.read_text())}
    return out + ([weak] if weak else [])


def run_classify(work: Path, reuse: bool, models: set[str], n_resamples: int, skip=()) -> list[dict]:
    """Cross-validate each classification row (unless reused); return one result per row plus the weak labels."""
    from claimsift.evaluate import evaluate

    out = []
    weak = None
    for name, source, model, overrides in CLASSIFY_ROWS:
        if model not in models or name in skip:
            continue
        out_dir = work / "cv" / name
        t0 = time.perf_counter()
        if not (reuse and (out_dir / "metrics.json").exists()):
            evaluate(compose("evaluate", [*overrides, f"cv.out_dir={out_dir}", f"eval.n_resamples={n_resamples}"]))
            (out_dir / "seconds.txt").write_text(f"{time.perf_counter() - t0:.1f}\n")
        seconds = float((out_dir / "seconds.txt").read_text()) if (out_dir / "seconds.txt").exists() else None
        metrics = json.loads((out_dir / "metrics.json").read_text())
        details = json.loads((out_dir / "details.json").read_text()) if (out_dir / "details.json").exists() else {}
        folds = details.get("folds", [])
        cap = compose("evaluate", overrides).train.max_sentences  # the cap applies after the fold's rows are joined
        out.append({"row": name, "source": source, "model": model, "metrics": metrics,
                    "n_train": min(max((f["n_train"] for f in folds), default=0), cap or 10**9) or None,
                    "seconds": seconds})
        ref = out_dir / "weak_reference.json"
        if weak is None and ref.exists():
            weak = {"row": "weak-labels", "source": "weak labels (label model, no training)", "model": "rules",
                    "metrics": json.loads(ref.read_text())}
    return out + ([weak] if weak else [])


def _get(m: dict, key: str) -> float | None:
    """``key`` under whichever split prefix the metrics use (val/, cv/, ...)."""
    for k, v in m.items():
        if k.split("/", 1)[-1] == key:
            return v
    return None


def _ci(m: dict, key: str) -> str:
    v, lo, hi = _get(m, key), _get(m, key + "_lo"), _get(m, key + "_hi")
    if v is None:
        return "n/a"
    return f"{v:.3f} [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else f"{v:.3f}"


def _f(m: dict, key: str) -> str:
    v = _get(m, key)
    return "n/a" if v is None else f"{v:.3f}"


def render(extract: list[dict], classify: list[dict], args) -> str:
    import torch

    lines = ["## Transfer experiments", "",
             f"Measured by `.venv/bin/python bench/transfer.py` on {platform.machine()}, {os.cpu_count()} CPU cores "
             f"(shared), {torch.get_num_threads()} torch threads, no GPU, python {platform.python_version()}, "
             f"seed 0, {args.n_resamples} bootstrap resamples; 95% intervals in brackets. "
             "Configs: `configs/experiment/polnear_*.yaml`, `seeds_plus_*.yaml` (docs/transfer.md).", ""]
    if args.skip or args.no_transformer:
        left = [*args.skip, *(["every transformer row"] if args.no_transformer else [])]
        lines += [f"Left out of this run (CPU time): {', '.join(f'`{x}`' for x in left)}.", ""]
    if extract:
        lines += ["### Extraction on PolNeAR dev (84 articles, 3,134 sentences, 6,750 human spans)", "",
                  "Each row is one `claimsift train` run scored by `claimsift evaluate split=validation "
                  "dataset=data/built/polnear` against PolNeAR dev's human spans. Exact: seqeval entities on word "
                  "BIO tags; overlap: same type, at least one shared word, one to one.", "",
                  "| training source | model | train s | " + " | ".join(f"{t} exact" for t in TYPES)
                  + " | micro exact | " + " | ".join(f"{t} overlap" for t in TYPES) + " | micro overlap |",
                  "|---|---|---:|" + "---:|" * (2 * len(TYPES) + 2)]
        for r in extract:
            m = r["metrics"]
            secs = f"{r['train_seconds']:.0f}" if r.get("train_seconds") is not None else "–"
            lines.append(f"| {r['source']} | {r['model']} | {secs} | "
                         + " | ".join(_f(m, f"f1_{t}") for t in TYPES) + f" | {_ci(m, 'micro_f1')} | "
                         + " | ".join(_f(m, f"overlap_f1_{t}") for t in TYPES) + f" | {_ci(m, 'overlap_micro_f1')} |")
        lines.append("")
    if classify:
        lines += ["### Classification on the seeds' gold (cross-validation by article)", "",
                  "Leave one seed article out (5 folds, 128 gold sentences pooled); each fold trains on the other "
                  "seed articles' hand labels (`train.labels=weak+gold`) plus, for the +PolNeAR rows, every PolNeAR "
                  "sentence with its weak label (an extra sentence sharing an article id or a text with the seeds is "
                  "dropped). **There is no in-domain corpus in this repository: PolNeAR's article texts (news on "
                  "other topics) stand in for \"the corpus\", so seeds + corpus and + PolNeAR are the same row.**", "",
                  "| training data per fold | model | train sentences (largest fold) | macro-F1 [95% CI] | accuracy | "
                  + " | ".join(f"F1 {c}" for c in NEWS_CLASSES) + " | CV time s |",
                  "|---|---|---:|---:|---:|" + "---:|" * len(NEWS_CLASSES) + "---:|"]
        for r in classify:
            m = r["metrics"]
            secs = f"{r['seconds']:.0f}" if r.get("seconds") is not None else "–"
            n = r.get("n_train")
            lines.append(f"| {r['source']} | {r['model']} | {n if n is not None else '–'} | "
                         f"{_ci(m, 'macro_f1')} | {_f(m, 'accuracy')} | "
                         + " | ".join(_f(m, f"f1_{c}") for c in NEWS_CLASSES) + f" | {secs} |")
        lines += ["", "The transformer rows are capped hard for CPU time (see the configs) and are far from "
                  "converged: read them as a smoke test of the pipeline, not as the transformer's transfer number. "
                  "CV times were measured with other jobs on the same cores.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=ROOT / "reports" / "transfer",
                    help="where runs and CV results go (default reports/transfer)")
    ap.add_argument("--reuse", action="store_true", help="keep runs and results already in --work")
    ap.add_argument("--no-transformer", action="store_true", help="baseline rows only")
    ap.add_argument("--only", choices=("extract", "classify"), help="one table only")
    ap.add_argument("--skip", nargs="*", default=[], metavar="ROW",
                    help="leave these rows out (names as in --work, e.g. seeds-gold-transformer)")
    ap.add_argument("--n-resamples", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    ap.add_argument("--no-write", action="store_true", help="print the tables, leave BENCHMARKS.md alone")
    args = ap.parse_args(argv)

    os.chdir(ROOT)  # the configs' relative paths (data/built/...) are from the repository root
    for d in (POLNEAR, "data/built/seeds"):
        if not (Path(d) / "sentences.jsonl").is_file():
            print(f"bench/transfer.py: {d}/sentences.jsonl: not found (run `claimsift label` / "
                  f"`claimsift label data=polnear` first)", file=sys.stderr)
            return 1
    models = {"baseline"} if args.no_transformer else {"baseline", "transformer"}
    extract = run_extract(args.work, args.reuse, models, args.n_resamples, args.skip) if args.only != "classify" else []
    classify = run_classify(args.work, args.reuse, models, args.n_resamples, args.skip) if args.only != "extract" else []
    text = render(extract, classify, args)
    (args.work / "transfer.json").write_text(json.dumps({"extract": extract, "classify": classify}, indent=1))
    print(text)
    if not args.no_write:
        write_section(args.out, "transfer", text)
        print(f"wrote the transfer section of {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
