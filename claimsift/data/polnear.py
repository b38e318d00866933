"""PolNeAR as a claimsift dataset: compartments as splits, gold spans, weak sentence labels.

    claimsift brat polnear                             # data=polnear, ../shared/polnear
    claimsift brat polnear data.path=/data/PolNeAR data.annotators=all
    claimsift brat polnear data.max_articles=20 out_dir=/tmp/polnear

PolNeAR is read in place (``data.path``), never copied. Each compartment
folder named in ``data.splits`` becomes one split (train → train, dev →
validation). Sentences come from segmenting the raw brat text, so the brat
offsets stay valid: ``articles.jsonl`` holds that raw text and every
``start``/``end`` points into it. ``gold_spans`` are PolNeAR's
SOURCE / CUE / CONTENT spans clipped to each sentence (see
:mod:`claimsift.data.brat`); ``gold_label`` stays null (PolNeAR has no
sentence classes); ``weak_label`` and ``spans`` come from the label stage's
labeling functions and label model, as for any other corpus.

Writes the same folder as ``claimsift label`` (``data/built/polnear/``), with
per-split reading counts (documents, sentences, spans per type, clipped and
dropped spans, documents with several annotators) in ``summary.json``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from claimsift.config import seed_everything, to_dict
from claimsift.data.brat import BratStats, read_brat_corpus
from claimsift.data.dataset import assign_splits, write_dataset
from claimsift.data.labeling import LF_NAMES
from claimsift.data.pipeline import weak_label
from claimsift.io import fingerprint
from claimsift.labels import CLASSES, SPAN_TYPES


def read_polnear(data: DictConfig) -> tuple[list[dict], list[dict], dict[str, dict]]:
    """Read every compartment named in ``data.splits``.

    Returns (articles, sentences, stats per split); sentence records carry
    doc_id, sent_id, start, end, text, gold_label (None), gold_spans, split.
    Raises FileNotFoundError when a compartment folder is missing.
    """
    root = Path(data.path)
    articles: list[dict] = []
    sentences: list[dict] = []
    stats: dict[str, dict] = {}
    for split, folder in data.splits.items():
        st = BratStats()
        t0 = time.perf_counter()
        docs = read_brat_corpus(root / folder, data.annotators, attr_mode=data.attr, stats=st,
                                max_documents=data.max_articles)
        for doc in tqdm(docs, desc=f"polnear {folder}", unit="doc", file=sys.stderr):
            articles.append({"doc_id": doc.doc_id, "source": doc.source, "ann": doc.ann, "annotator": doc.annotator,
                             "title": None, "text": doc.text, "dropped": [], "split": split})
            for s in doc.sentences:
                sentences.append({"doc_id": doc.doc_id, "sent_id": f"{doc.doc_id}:{s.index:03d}", "start": s.start,
                                  "end": s.end, "text": s.text, "gold_label": None, "gold_spans": s.gold_spans,
                                  "split": split})
        stats[split] = {"folder": str(root / folder), **st.as_dict(), "seconds": round(time.perf_counter() - t0, 2)}
    return articles, sentences, stats


def build_polnear(cfg: DictConfig) -> dict:
    """Build ``cfg.out_dir`` from PolNeAR (``cfg.data``); return the summary written to summary.json."""
    from claimsift.label import lf_table_markdown

    seed_everything(cfg.seed)
    t0 = time.perf_counter()
    articles, sentences, read_stats = read_polnear(cfg.data)
    if not sentences:
        raise ValueError(f"{cfg.data.path}: no sentences read from {', '.join(cfg.data.splits.values())}")
    read_seconds = time.perf_counter() - t0

    t_lf = time.perf_counter()
    L = weak_label(sentences, cfg.label_model, cfg.seed)
    lf_names = LF_NAMES
    lf_seconds = time.perf_counter() - t_lf

    # Folds number the articles within each split (the split itself is PolNeAR's).
    for split in {a["split"] for a in articles}:
        docs = [a["doc_id"] for a in articles if a["split"] == split]
        folds = assign_splits(docs, seed=cfg.seed, validation=0, test=0, n_folds=cfg.split.n_folds)
        for s in sentences:
            if s["split"] == split:
                s["fold"] = folds[s["doc_id"]][1]

    from claimsift.data.labelmodel import lf_analysis

    lf_rows = lf_analysis(L, lf_names, None)
    summary = {
        "articles": len(articles),
        "sentences": len(sentences),
        "split_articles": {sp: sum(a["split"] == sp for a in articles) for sp in ("train", "validation", "test")},
        "split_sentences": {sp: sum(s["split"] == sp for s in sentences) for sp in ("train", "validation", "test")},
        "annotators": cfg.data.annotators,
        "read": read_stats,
        "gold_spans": {sp: {t: sum(x["type"] == t for s in sentences if s["split"] == sp for x in s["gold_spans"] or [])
                            for t in SPAN_TYPES} for sp in read_stats},
        "weak_label_counts": {c: sum(s["weak_label"] == c for s in sentences) for c in CLASSES},
        "lf_coverage": float((L != -1).any(axis=1).mean()),
        "lf_table": lf_rows,
        "read_seconds": round(read_seconds, 2),
        "seconds": round(time.perf_counter() - t0, 2),
        "lf_sentences_per_second": round(len(sentences) / lf_seconds, 1) if lf_seconds > 0 else None,
    }
    meta = {
        "name": cfg.data.name,
        "config": to_dict(cfg),
        "classes": CLASSES,
        "lf_names": lf_names,
        "fingerprint": fingerprint((s["doc_id"], s["start"], s["end"], s["text"], s["weak_label"], s["gold_spans"])
                                   for s in sentences),
    }
    out = write_dataset(cfg.out_dir, sentences, articles, meta, summary, lf_table_markdown(lf_rows, None))
    summary["out_dir"] = str(out)
    print_summary(summary)
    return summary


def print_summary(s: dict) -> None:
    out = Console()
    t = Table(title=f"PolNeAR → {s.get('out_dir', '')} (annotators: {s['annotators']})")
    t.add_column("")
    for split in s["read"]:
        t.add_column(split, justify="right")
    rows = {"documents": lambda r: r["documents"], "several annotators": lambda r: r["multi_annotator_documents"],
            "sentences": lambda r: r["sentences"], "attributions": lambda r: r["attributions"]}
    for typ in SPAN_TYPES:
        rows[f"{typ} spans → pieces"] = lambda r, typ=typ: f"{r['spans'].get(typ, 0)} → {r['pieces'].get(typ, 0)}"
    rows.update({"clipped at sentence edges": lambda r: sum(r["clipped"].values()),
                 "dropped (outside sentences)": lambda r: sum(r["dropped"].values()),
                 "discontinuous": lambda r: sum(r["discontinuous"].values()),
                 "seconds to read": lambda r: r["seconds"]})
    for name, get in rows.items():
        t.add_row(name, *(str(get(r)) for r in s["read"].values()))
    out.print(t)
    out.print("spans: brat spans → sentence spans (discontinuous spans split into fragments, "
              "spans crossing sentences clipped into each)")
    for split, r in s["read"].items():
        if r["multi_annotator_documents"]:
            out.print(f"{split}: {r['multi_annotator_documents']} documents have several annotators "
                      f"(policy {s['annotators']!r})")
        if r["ignored_types"]:
            out.print(f"{split}: span types not used: "
                      + ", ".join(f"{k} {v}" for k, v in r["ignored_types"].items()))
        if r["unmatched_ann"]:
            out.print(f"[yellow]{split}: {len(r['unmatched_ann'])} .ann files match no .txt[/]")
    out.print("weak labels: " + ", ".join(f"{k} {v}" for k, v in s["weak_label_counts"].items())
              + f"; LF coverage {s['lf_coverage']:.1%}")
    overlapping = sum(r["overlapping_pieces"] for r in s["read"].values())
    if overlapping:
        out.print(f"{overlapping} gold sentence spans overlap another (nested attributions; kept)")
