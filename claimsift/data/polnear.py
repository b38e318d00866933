"""PolNeAR as a claimsift dataset: compartments as splits, gold spans, weak sentence labels.

    claimsift label data=polnear                       # ../shared/polnear
    claimsift label data=polnear data.path=/data/PolNeAR data.annotators=all
    claimsift label data=polnear data.max_articles=20 out_dir=/tmp/polnear

PolNeAR is read in place (``data.path``), never copied. Each compartment
folder named in ``data.splits`` becomes one split (train → train, dev →
validation). Sentences come from segmenting the raw brat text, so the brat
offsets stay valid: ``articles.jsonl`` holds that raw text and every
``start``/``end`` points into it. ``gold_spans`` are PolNeAR's
SOURCE / CUE / CONTENT spans clipped to each sentence (see
:mod:`claimsift.data.brat`). PolNeAR has no sentence classes: the project's
hand labels are standoff files (``data.labels``, see
:mod:`claimsift.data.standoff`) joined in as ``gold_label`` by the builder;
``weak_label`` and ``spans`` come from the labeling functions and label
model, as for any other corpus.

This module is the ``brat`` reader of the one dataset builder
(:mod:`claimsift.data.build`), which writes ``data/built/polnear/`` with
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

from claimsift.data.brat import SPAN_TYPE_OF, BratStats, read_brat_corpus


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


def print_read_stats(read: dict, annotators: str | None) -> None:
    """The reading table of a brat corpus: documents, spans, clipping, per compartment."""
    s = {"read": read, "annotators": annotators}
    out = Console()
    t = Table(title=f"brat reading (annotators: {annotators})")
    t.add_column("")
    for split in s["read"]:
        t.add_column(split, justify="right")
    rows = {"documents": lambda r: r["documents"], "several annotators": lambda r: r["multi_annotator_documents"],
            "sentences": lambda r: r["sentences"], "attributions": lambda r: r["attributions"]}
    for typ in sorted(SPAN_TYPE_OF.values()):  # the attribution span types brat's Source / Cue / Content become
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
    overlapping = sum(r["overlapping_pieces"] for r in s["read"].values())
    if overlapping:
        out.print(f"{overlapping} gold sentence spans overlap another (nested attributions; kept)")
