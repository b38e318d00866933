"""Score the span labeling functions against PolNeAR's human spans.

    .venv/bin/claimsift label data=polnear                      # builds data/built/polnear/ (~1.5 min)
    .venv/bin/python bench/span_lfs.py                          # prints the tables
    .venv/bin/python bench/span_lfs.py --save-json after.json --before bench/span_lfs_before.json --write
    .venv/bin/python bench/span_lfs.py --errors 30              # most frequent misses / false positives (train)

Reruns the span rules of ``claimsift.schemes.news.lfs`` on the sentences of a
built PolNeAR dataset (the stored ``spans`` may be stale) and compares them
with ``gold_spans``, per span type, exact and overlap match, on train (which
the rules may be tuned on) and validation (PolNeAR dev: report only). Each
rule is also scored alone, so a reader sees which rule is weak. With
``--write`` the tables replace this script's section of BENCHMARKS.md
(other sections are kept). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.data.tokens import spans_to_bio, tokenize
from claimsift.evaluate.metrics import exact_span_metrics, overlap_span_metrics, prf_from_counts, span_counts
from claimsift.io import atomic_path, read_jsonl
from claimsift.scheme import load_scheme
from claimsift.schemes.news.lfs import SPAN_LFS, span_attributions

SPAN_TYPES = load_scheme("news").span_types  # the news scheme's span rules are what this measures

ROOT = Path(__file__).resolve().parents[1]
SPLITS = {"train": "train", "dev": "validation"}
TYPES = ("SOURCE", "CUE", "CONTENT")


def load(path: Path) -> dict[str, list[dict]]:
    """Sentences with gold spans, per reported split name."""
    if not path.is_file():
        raise SystemExit(f"{path}: not found (build it with `claimsift label data=polnear`)")
    by_split: dict[str, list[dict]] = {name: [] for name in SPLITS}
    wanted = {v: k for k, v in SPLITS.items()}
    for r in read_jsonl(path):
        if r.get("gold_spans") is not None and r.get("split") in wanted:
            by_split[wanted[r["split"]]].append(r)
    return by_split


def predict(sentences: list[dict], rules=None, desc: str = "") -> list[list[dict]]:
    return [[s for _, a in span_attributions(r["text"], rules) for s in a]
            for r in tqdm(sentences, desc=desc, leave=False, mininterval=1.0)]


def tags(sentences: list[dict], spans: list[list[dict]]) -> list[list[str]]:
    return [spans_to_bio(tokenize(r["text"]), sp) for r, sp in zip(sentences, spans)]


def score(gold_tags, pred_tags) -> dict[str, float]:
    """``exact/{p,r,f1}_T`` and ``overlap/{p,r,f1}_T`` per type, and micro F1 for both."""
    ex = exact_span_metrics(gold_tags, pred_tags, "x")
    ov = overlap_span_metrics(gold_tags, pred_tags, "x")
    out = {}
    for t in SPAN_TYPES:
        out.update({f"exact/p_{t}": ex[f"x/precision_{t}"], f"exact/r_{t}": ex[f"x/recall_{t}"],
                    f"exact/f1_{t}": ex[f"x/f1_{t}"], f"overlap/p_{t}": ov[f"x/overlap_precision_{t}"],
                    f"overlap/r_{t}": ov[f"x/overlap_recall_{t}"], f"overlap/f1_{t}": ov[f"x/overlap_f1_{t}"],
                    f"gold_{t}": ex[f"x/support_{t}"]})
    out["exact/micro_f1"] = ex["x/micro_f1"]
    out["overlap/micro_f1"] = ov["x/overlap_micro_f1"]
    return out


def rule_rows(sentences, gold_tags) -> list[tuple[str, int, dict]]:
    """Each rule alone: sentences it fires on, and its (exact, overlap) precision and predicted count per type."""
    rows = []
    for rule in SPAN_LFS:
        pred = predict(sentences, [rule], desc=rule.__name__)
        pt = tags(sentences, pred)
        cells = {}
        for mode in ("exact", "overlap"):
            counts = span_counts(gold_tags, pt, mode).sum(axis=0)
            p, r, _ = prf_from_counts(counts)
            for i, t in enumerate(SPAN_TYPES):
                cells[f"{mode}/p_{t}"], cells[f"{mode}/r_{t}"] = float(p[i]), float(r[i])
                cells[f"n_{t}"] = int(counts[i, 1])
        rows.append((rule.__name__, sum(1 for sp in pred if sp), cells))
    return rows


def errors(sentences, pred, k: int) -> str:
    """Most frequent (lower-cased) span texts missed and falsely predicted, per type, exact match."""
    miss, false = {t: Counter() for t in TYPES}, {t: Counter() for t in TYPES}
    for r, sp in zip(sentences, pred):
        gold = {(s["type"], s["start"], s["end"]) for s in r["gold_spans"]}
        got = {(s["type"], s["start"], s["end"]) for s in sp}
        for t, a, b in gold - got:
            miss[t][r["text"][a:b].lower()] += 1
        for t, a, b in got - gold:
            false[t][r["text"][a:b].lower()] += 1
    lines = []
    for t in TYPES:
        for name, c in (("missed", miss[t]), ("false", false[t])):
            lines.append(f"{t} {name} ({sum(c.values())}): " + "; ".join(f"{s[:40]!r}×{n}" for s, n in c.most_common(k)))
    return "\n".join(lines)


def fmt(x: float) -> str:
    return f"{x:.3f}"


def main_table(results: dict[str, dict], before: dict | None) -> str:
    lines = ["| split | type | gold | exact P | exact R | exact F1 | overlap P | overlap R | overlap F1 |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for split, m in results.items():
        for t in (*TYPES, "micro"):
            if t == "micro":
                cells = ["", "", f"**{fmt(m['exact/micro_f1'])}**", "", "", f"**{fmt(m['overlap/micro_f1'])}**"]
                lines.append(f"| {split} | all (micro) | {int(sum(m[f'gold_{x}'] for x in TYPES))} | " + " | ".join(cells) + " |")
                continue
            cells = [fmt(m[f"{mode}/{k}_{t}"]) for mode in ("exact", "overlap") for k in ("p", "r", "f1")]
            lines.append(f"| {split} | {t} | {int(m[f'gold_{t}'])} | " + " | ".join(cells) + " |")
    if before:
        lines += ["", "F1 before → after this change (same command, same data):", "",
                  "| split | type | exact F1 before | exact F1 after | overlap F1 before | overlap F1 after |",
                  "|---|---|---:|---:|---:|---:|"]
        for split, m in results.items():
            b = before.get(split)
            if not b:
                continue
            for t in TYPES:
                lines.append(f"| {split} | {t} | {fmt(b[f'exact/f1_{t}'])} | {fmt(m[f'exact/f1_{t}'])} | "
                             f"{fmt(b[f'overlap/f1_{t}'])} | {fmt(m[f'overlap/f1_{t}'])} |")
            lines.append(f"| {split} | micro | {fmt(b['exact/micro_f1'])} | {fmt(m['exact/micro_f1'])} | "
                         f"{fmt(b['overlap/micro_f1'])} | {fmt(m['overlap/micro_f1'])} |")
    return "\n".join(lines)


def rules_table(split: str, rows) -> str:
    head = "| rule (alone, " + split + ") | sentences | " + " | ".join(
        f"{t} n | {t} P exact / overlap | {t} R overlap" for t in TYPES) + " |"
    lines = [head, "|---|---:|" + "---:|---:|---:|" * len(TYPES)]
    for name, fired, c in rows:
        cells = [f"{c[f'n_{t}']} | {fmt(c[f'exact/p_{t}'])} / {fmt(c[f'overlap/p_{t}'])} | {fmt(c[f'overlap/r_{t}'])}"
                 for t in TYPES]
        lines.append(f"| `{name}` | {fired} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT / "data/built/polnear/sentences.jsonl"))
    ap.add_argument("--errors", type=int, default=0, help="show the K most frequent errors per type on train")
    ap.add_argument("--save-json", help="write the scores (per split) to this JSON file")
    ap.add_argument("--before", help="scores JSON of an earlier version, shown as before → after")
    ap.add_argument("--write", action="store_true", help="write the tables into BENCHMARKS.md")
    args = ap.parse_args()

    data = load(Path(args.data))
    results, rules, seconds = {}, {}, {}
    for split, sentences in data.items():
        gold_tags = tags(sentences, [r["gold_spans"] for r in sentences])
        t0 = time.perf_counter()
        pred = predict(sentences, desc=f"spans {split}")
        seconds[split] = (time.perf_counter() - t0, len(sentences))
        results[split] = score(gold_tags, tags(sentences, pred))
        rules[split] = rule_rows(sentences, gold_tags)
        if args.errors and split == "train":
            print(errors(sentences, pred, args.errors), "\n")
    before = json.loads(Path(args.before).read_text(encoding="utf-8")) if args.before else None
    rate = ", ".join(f"{s}: {n} sentences, {n / t:,.0f} sentences/s" for s, (t, n) in seconds.items())
    text = "\n\n".join([
        "## Span labeling functions vs PolNeAR gold",
        f"Measured by `.venv/bin/python bench/span_lfs.py` on {platform.machine()}, 2 CPU cores, no GPU, "
        f"python {platform.python_version()}, from `{Path(args.data).relative_to(ROOT) if Path(args.data).is_relative_to(ROOT) else args.data}` "
        "(built by `claimsift label data=polnear`; the span rules are rerun, not read from the file). "
        "train = PolNeAR train (the rules were tuned on it), dev = PolNeAR dev (reported only, never tuned on). "
        "Exact: seqeval on word BIO tags; overlap: a predicted and a gold span of one type share a word token, "
        f"paired one to one (`claimsift.evaluate.metrics`). Span rule speed: {rate}.",
        main_table(results, before),
        "Each rule run alone (its spans only, all gold spans as reference): n = spans predicted, "
        "P = precision, R = recall against all gold spans of the type.",
        *(rules_table(split, rows) for split, rows in rules.items()),
    ])
    print(text)
    if args.save_json:
        with atomic_path(Path(args.save_json)) as tmp:
            Path(tmp).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.write:
        write_section(ROOT / "BENCHMARKS.md", "span_lfs", text)


if __name__ == "__main__":
    main()
