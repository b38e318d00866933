"""CRF extraction speed: sentences/s of ``CrfSpanModel.predict`` on PolNeAR dev sentences, median of repeats.

    .venv/bin/python bench/crf.py                                   # the current code, 7 repeats
    .venv/bin/python bench/crf.py --against HEAD --repeats 9         # before (a git ref) / after, alternating

Times ``predict`` alone (the sentences are read first): tokenising, the
features' state scores, Viterbi and marginals, BIO → spans decoding, with the
per-word caches warm (one untimed pass first), as ``claimsift predict`` runs
over a corpus. ``--against REF`` loads ``claimsift/models/baseline.py`` as it
is at REF and times its ``predict`` on the same fitted model, alternating
with the current one in the same process so that other jobs on the shared
cores weigh on both alike; it fails unless both give identical spans. Rates
are per wall-clock second and per second of the process's CPU time (steadier
when other jobs hold the cores). Also times each phase of the current code
once. Writes bench/results/crf.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from claimsift.data.tokens import bio_to_spans, tokenize  # noqa: E402
from claimsift.io import read_jsonl  # noqa: E402
from claimsift.models import load_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET = 5000  # sentences/s (issue 13)


def load_texts(path: str, source: str | None, split: str | None, limit: int | None) -> list[str]:
    """Sentence texts of ``path`` (a sentences.jsonl) from one source and split, in file order."""
    texts = [r["text"] for r in read_jsonl(path)
             if (source is None or r.get("source") == source) and (split is None or r.get("split") == split)]
    if not texts:
        raise SystemExit(f"bench/crf.py: no sentences of source {source!r}, split {split!r} in {path}")
    return texts[:limit]


def module_at(ref: str):
    """``claimsift/models/baseline.py`` as it is at git ``ref``, imported under another name."""
    source = subprocess.run(["git", "show", f"{ref}:claimsift/models/baseline.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "baseline_at_ref.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("baseline_at_ref", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rate(predict, texts: list[str]) -> tuple[float, float]:
    """Sentences per wall-clock second and per second of this process's CPU time.

    On shared cores the second is the steadier one: waiting for a core is not counted.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    predict(texts)
    return len(texts) / (time.perf_counter() - t0), len(texts) / (time.process_time() - c0)


def phases(model, texts: list[str]) -> dict[str, float]:
    """Seconds of each phase of the current ``predict`` over ``texts`` (one pass, caches warm)."""
    chain = model._chain()
    t0 = time.perf_counter()
    pairs = [(t, tk) for t, tk in ((t, tokenize(t)) for t in texts) if tk]
    texts, toks = [t for t, _ in pairs], [tk for _, tk in pairs]
    t1 = time.perf_counter()
    scores = model._scorer().scores(toks)  # the features' weights, word by word (FeatureScores)
    t3 = time.perf_counter()
    paths = chain.viterbi(scores)
    t4 = time.perf_counter()
    with_spans = [k for k, tags in enumerate(paths) if tags.count("O") < len(tags)]
    marginals = chain.marginals([scores[k] for k in with_spans])
    t5 = time.perf_counter()
    for k, m in zip(with_spans, marginals):  # as predict scores them: a span's tokens only
        scores = [float(m[n, chain.labels.index(t)]) if t != "O" else 1.0 for n, t in enumerate(paths[k])]
        bio_to_spans(texts[k], toks[k], paths[k], scores)
    t6 = time.perf_counter()
    return {"tokenize": t1 - t0, "state scores": t3 - t1, "viterbi": t4 - t3,
            "marginals": t5 - t4, "decode": t6 - t5}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", default="models/extract-baseline-mix-latest", help="a CRF extract run folder")
    ap.add_argument("--data", default="data/built/mix/sentences.jsonl")
    ap.add_argument("--source", default="polnear", help="only this source's sentences ('' for all)")
    ap.add_argument("--split", default="validation", help="only this split ('' for all)")
    ap.add_argument("--limit", type=int, default=None, help="at most this many sentences")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--against", default=None, help="a git ref: time its CrfSpanModel.predict too, alternating")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "crf.json"))
    args = ap.parse_args(argv)

    texts = load_texts(args.data, args.source or None, args.split or None, args.limit)
    model = load_model(Path(args.run) / "model")
    if type(model).__name__ != "CrfSpanModel":
        raise SystemExit(f"bench/crf.py: {args.run} holds a {type(model).__name__}, not a CrfSpanModel")
    impls = {"current": model.predict}
    if args.against:
        old = module_at(args.against)
        impls[args.against] = lambda batch: old.CrfSpanModel.predict(model, batch)

    load_before = os.getloadavg()[0]  # other jobs on the shared cores, for the record
    outputs = {name: predict(texts) for name, predict in impls.items()}  # warms the caches
    identical = all(out == outputs["current"] for out in outputs.values())
    rates: dict[str, list[float]] = {name: [] for name in impls}
    cpu_rates: dict[str, list[float]] = {name: [] for name in impls}
    for r in range(args.repeats):
        order = list(impls) if r % 2 == 0 else list(impls)[::-1]
        for name in order:
            wall, cpu = rate(impls[name], texts)
            rates[name].append(wall)
            cpu_rates[name].append(cpu)
    medians = {name: statistics.median(v) for name, v in rates.items()}
    cpu_medians = {name: statistics.median(v) for name, v in cpu_rates.items()}

    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores (shared), python {platform.python_version()}",
        "command": "bench/crf.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "run": str(Path(args.run).resolve().name), "data": args.data, "source": args.source, "split": args.split,
        "sentences": len(texts), "tokens": sum(len(tokenize(t)) for t in texts), "repeats": args.repeats,
        "sentences_per_second": {name: round(m, 1) for name, m in medians.items()},
        "all_rates": {name: [round(x, 1) for x in v] for name, v in rates.items()},
        "sentences_per_cpu_second": {name: round(m, 1) for name, m in cpu_medians.items()},
        "phases_seconds": {k: round(v, 4) for k, v in phases(model, texts).items()},
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],  # before, after
        "target": TARGET,
    }
    if args.against:
        result["ratio_current_over_against"] = round(medians["current"] / medians[args.against], 3)
        result["cpu_ratio_current_over_against"] = round(cpu_medians["current"] / cpu_medians[args.against], 3)
        result["identical_predictions"] = identical
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    print(f"{len(texts)} sentences ({result['tokens']} tokens) from {args.data} [{args.source or 'all'} / "
          f"{args.split or 'all'}], {args.repeats} repeats, run {result['run']}; 1-min load average "
          f"{result['load_average_1min'][0]} before, {result['load_average_1min'][1]} after")
    for name, m in medians.items():
        print(f"  {name}: {m:,.0f} sentences/s (median; {min(rates[name]):,.0f} to {max(rates[name]):,.0f}), "
              f"{cpu_medians[name]:,.0f} per CPU second")
    if args.against:
        print(f"  current / {args.against}: {result['ratio_current_over_against']:.2f}x wall, "
              f"{result['cpu_ratio_current_over_against']:.2f}x CPU; identical predictions: {identical}")
    print("  phases (s): " + ", ".join(f"{k} {v:.3f}" for k, v in result["phases_seconds"].items()))
    print(f"  wrote {args.out}")
    if not identical:
        print("bench/crf.py: the implementations' predictions differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
