"""Benchmark the label stage: segmentation boundaries on the seeds, and labeling throughput.

    .venv/bin/python bench/label.py                       # seeds only
    .venv/bin/python bench/label.py --corpus ../shared/polnear/train/text

Prints a Markdown table to paste into BENCHMARKS.md. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from claimsift.data.clean import clean
from claimsift.data.ingest import RawArticle, read_articles
from claimsift.data.labelmodel import fit_predict_proba, votes_matrix
from claimsift.data.segment import segment
from claimsift.scheme import load_scheme

NEWS = load_scheme("news")  # the scheme these benchmarks measure (configs/scheme/news.yaml)

ROOT = Path(__file__).resolve().parents[1]


def segmentation_scores() -> tuple[float, float, int]:
    ref = [json.loads(l) for l in (ROOT / "tests/data/seed_sentences_reference.jsonl").open(encoding="utf-8")]
    reference = {(r["doc_id"], r["end"]) for r in ref}
    predicted = set()
    for f in sorted((ROOT / "seeds").glob("*.txt")):
        predicted |= {(f.stem, s.end) for s in segment(clean(f.read_text(encoding="utf-8")).text)}
    hit = len(reference & predicted)
    return hit / len(predicted), hit / len(reference), len(reference)


def throughput(path: str) -> dict:
    arts = [a for a in read_articles(path) if isinstance(a, RawArticle)]
    t0 = time.perf_counter()
    sents = [s.text for a in arts for s in segment(clean(a.text).text)]
    t1 = time.perf_counter()
    votes = [NEWS.vote(s) for s in sents]
    spans = [NEWS.weak_spans(s) for s in sents]
    t2 = time.perf_counter()
    fit_predict_proba(votes_matrix(votes, NEWS.classes), "snorkel", seed=0, classes=NEWS.classes,
                      precedence=NEWS.precedence, default_class=NEWS.default_class)
    t3 = time.perf_counter()
    return {"articles": len(arts), "sentences": len(sents), "clean+segment": len(sents) / (t1 - t0),
            "LFs+spans": len(sents) / (t2 - t1), "label model": len(sents) / (t3 - t2),
            "all": len(sents) / (t3 - t0), "spans": sum(map(len, spans))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", action="append", default=[], help="extra article folders to time")
    args = ap.parse_args()
    p, r, n = segmentation_scores()
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}")
    print(f"\nsegmentation vs hand reference ({n} sentences): boundary precision {p:.3f}, recall {r:.3f}\n")
    print("| input | articles | sentences | clean+segment sent/s | LFs+spans sent/s | label model sent/s | end to end sent/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path in [str(ROOT / "seeds"), *args.corpus]:
        t = throughput(path)
        print(f"| {Path(path).name} | {t['articles']} | {t['sentences']} | {t['clean+segment']:,.0f} | "
              f"{t['LFs+spans']:,.0f} | {t['label model']:,.0f} | {t['all']:,.0f} |")


if __name__ == "__main__":
    main()
