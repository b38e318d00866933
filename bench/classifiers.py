"""The classifier designs of issue 12, trained from configs and scored on three held-out sets.

    .venv/bin/python bench/classifiers.py --designs tfidf,tfidf_rules,structured     # train, score, save
    .venv/bin/python bench/classifiers.py --designs transformer --runs-dir models/bench
    .venv/bin/python bench/classifiers.py --table                                     # table from saved results

Every design trains on the ``data=mix`` dataset (``claimsift label data=mix``):
PolNeAR's hand-labelled train sentences and the written set's train articles,
never a seed article (the seeds are its held-out ``test`` source). Each is
scored once on:

- ``seeds``: the seeds' gold (128 sentences, the only real in-domain labels);
- ``polnear dev``: PolNeAR's dev compartment, labelled whole (3,134 sentences);
- ``written val``: the written set's validation articles.

The ``rules`` row is the labeling functions + label model (the weak labels)
scored the same way. Results go to ``bench/results/classifiers/<design>.json``
(one file per design, so slow designs can run in their own invocation) and the
table, rebuilt from every saved result, to BENCHMARKS.md and docs/classifiers.md.
Prediction speed is sentences/s of ``predict_proba`` over PolNeAR dev's
sentences in batches of 64 on this machine (model loaded, no file reading).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.config import compose  # noqa: E402
from claimsift.scheme import load_scheme  # noqa: E402

CLASSES = list(load_scheme("news").classes)  # the designs compared are the news scheme's

RESULTS = Path(__file__).resolve().parent / "results" / "classifiers"
EVAL_SETS = {"seeds": ("test", None), "polnear dev": ("validation", "polnear"), "written val": ("validation", "written")}

# name → (description, train overrides)
DESIGNS = {
    "tfidf": ("TF-IDF word 1-2 grams + logistic regression, gold labels",
              ["model=baseline", "train.labels=gold", "model.classify.lf_features=false"]),
    "tfidf_rules": ("TF-IDF + the labeling functions' votes as features, gold labels",
                    ["model=baseline", "train.labels=gold", "model.classify.lf_features=true"]),
    "rules_gold": ("the labeling functions' votes alone, re-weighted by a logistic regression on gold",
                   ["model=baseline", "train.labels=gold", "model.classify.lf_features=true",
                    "model.classify.word_ngram_range=null"]),
    "tfidf_rules_weak": ("TF-IDF + LF votes, weak labels only (every train sentence)",
                         ["model=baseline", "train.labels=weak", "model.classify.lf_features=true"]),
    "tfidf_rules_both": ("TF-IDF + LF votes, gold where labelled, weak elsewhere",
                         ["model=baseline", "train.labels=weak+gold", "model.classify.lf_features=true"]),
    "structured": ("parts (attributed / wrongdoing / official) in the spec's order, gold labels",
                   ["model=structured", "train.labels=gold"]),
    "structured_learned": ("parts with a learned head, gold labels",
                           ["model=structured", "train.labels=gold", "model.classify.combine=learned"]),
    "contrastive": ("SetFit-style: MiniLM tuned on same/different-class pairs + logistic regression head, gold",
                    ["model=contrastive", "train.labels=gold"]),
    "transformer": ("MiniLM-L6 fine-tuned end to end, class-weighted, temperature-scaled, gold labels",
                    ["model=transformer", "train.labels=gold"]),
    "transformer_rules": ("MiniLM-L6 fine-tuned with the labeling functions' votes as a second segment, gold",
                          ["model=transformer", "train.labels=gold", "model.classify.rule_hints=true"]),
    "transformer_weak": ("MiniLM-L6 fine-tuned on weak labels only (same number of sentences as gold)",
                         ["model=transformer", "train.labels=weak", "train.max_sentences=7911"]),
}


def run_design(name: str, runs_dir: Path, extra: list[str], n_resamples: int, tag: str | None = None) -> dict:
    from claimsift.evaluate import evaluate
    from claimsift.train import train

    desc, overrides = DESIGNS[name]
    design = f"{name}@{tag}" if tag else name
    cfg = compose("train", ["data=mix", "task=classify", f"out_root={runs_dir / design}", *overrides, *extra])
    t0 = time.perf_counter()
    val = train(cfg)  # the monitored validation metric
    train_seconds = time.perf_counter() - t0
    run = runs_dir / design / f"classify-{cfg.model.name}-mix-latest"
    scores = {}
    for label, (split, source) in EVAL_SETS.items():
        ecfg = compose("evaluate", [f"run={run}", f"split={split}", f"eval.n_resamples={n_resamples}",
                                    f"eval.source={source}" if source else "eval.source=null"])
        m = evaluate(ecfg)
        prefix = {"test": "test", "validation": "val"}[split] + (f"-{source}" if source else "")
        scores[label] = {k.removeprefix(prefix + "/"): v for k, v in m.items() if k.startswith(prefix + "/")}
        ref = Path(run) / "eval" / prefix / "weak_reference.json"
        if ref.is_file():
            r = json.loads(ref.read_text(encoding="utf-8"))
            scores[label + " (rules)"] = {k.split("/", 1)[1]: v for k, v in r.items() if "/" in k}
    data = json.loads((Path(run) / "data.json").read_text(encoding="utf-8"))
    return {"design": design, "description": desc + (f" (data: {tag})" if tag else ""), "overrides": overrides + extra,
            "run": str(Path(run).resolve()), "data_fingerprint": data.get("fingerprint"), "n_train": data.get("n_train"),
            "train_seconds": round(train_seconds, 1), "val_monitor": val if val == val else None,  # NaN: no val split
            "sentences_per_s": prediction_speed(run), "scores": scores, "machine": machine()}


def prediction_speed(run: Path) -> float:
    from claimsift.data.dataset import load_records
    from claimsift.models.base import load_model

    rows = [r for r in load_records("data/built/mix") if r.get("source") == "polnear" and r["split"] == "validation"]
    texts = [r["text"] for r in rows]
    model = load_model(Path(run) / "model")
    model.predict_proba(texts[:64])  # warm-up
    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        model.predict_proba(texts[i:i + 64])
    return round(len(texts) / (time.perf_counter() - t0), 1)


def machine() -> str:
    import torch

    return f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"


def fmt(m: dict | None, key: str) -> str:
    if not m or key not in m:
        return "—"
    lo, hi = m.get(key + "_lo"), m.get(key + "_hi")
    return f"{m[key]:.3f} [{lo:.2f}, {hi:.2f}]" if lo is not None else f"{m[key]:.3f}"


def render(results: list[dict]) -> str:
    lines = ["Every design trained with `claimsift train data=mix task=classify <overrides>` on PolNeAR's",
             "hand-labelled train sentences and the written set's train articles (no seed article), and scored",
             "once on each set (`bench/classifiers.py`). Macro-F1 with its 95% bootstrap interval; per-class F1.",
             "`rules` = the labeling functions + label model (the weak labels).", ""]
    for label in EVAL_SETS:
        lines += [f"**{label}**", "",
                  "| design | macro-F1 [95% CI] | " + " | ".join(CLASSES) + " | accuracy | ECE |",
                  "|---|---|" + "---:|" * (len(CLASSES) + 2)]
        rules = next((r["scores"].get(label + " (rules)") for r in results if r["scores"].get(label + " (rules)")),
                     None)
        rows = [("rules", rules)] + [(r["design"], r["scores"].get(label)) for r in results]
        for name, m in rows:
            if not m:
                continue
            per_class = " | ".join(f"{m.get('f1_' + c, float('nan')):.2f}" for c in CLASSES)
            ece = f"{m['ece']:.3f}" if "ece" in m else "—"
            lines.append(f"| {name} | {fmt(m, 'macro_f1')} | {per_class} | {m.get('accuracy', float('nan')):.3f} "
                         f"| {ece} |")
        lines.append("")
    lines += ["| design | what | training time (s) | prediction (sentences/s) |", "|---|---|---:|---:|"]
    for r in results:
        lines.append(f"| {r['design']} | {r['description']} | {r['train_seconds']:.0f} | {r['sentences_per_s']:.0f} |")
    if results:
        lines += ["", f"Machine: {results[0]['machine']}."]
    return "\n".join(lines)


def load_results() -> list[dict]:
    order = list(DESIGNS)
    found = [json.loads(p.read_text(encoding="utf-8")) for p in RESULTS.glob("*.json")]

    def key(r: dict) -> tuple:
        base, _, tag = r["design"].partition("@")
        return (tag, order.index(base) if base in order else len(order))

    return sorted(found, key=key)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--designs", default="", help=f"comma-separated, from: {', '.join(DESIGNS)}")
    ap.add_argument("--runs-dir", type=Path, default=Path("models/bench"))
    ap.add_argument("--override", action="append", default=[], help="extra Hydra override for training")
    ap.add_argument("--n-resamples", type=int, default=1000)
    ap.add_argument("--table", action="store_true", help="only rebuild the table from saved results")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--tag", default=None,
                    help="a name for the data the designs train on now (e.g. the dataset's version): results are "
                         "saved as <design>@<tag>, beside earlier results on other data")
    args = ap.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not args.table:
        for name in filter(None, args.designs.split(",")):
            if name not in DESIGNS:
                print(f"unknown design {name!r} (expected one of {', '.join(DESIGNS)})", file=sys.stderr)
                return 2
            result = run_design(name, args.runs_dir, args.override, args.n_resamples, args.tag)
            (RESULTS / f"{result['design']}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    section = render(load_results())
    print(section)
    if not args.no_write:
        write_section(Path("BENCHMARKS.md"), "classifiers", section)
        doc = Path("docs/classifiers.md")
        if doc.is_file():
            write_section(doc, "classifiers", section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
