"""The label stage: articles → a weakly labeled, split sentence dataset.

    claimsift label                                  # the seeds (data=seeds)
    claimsift label data=corpus data.path=/path/to/articles
    claimsift label label_model.kind=majority split.test=0.3 seed=1
    python -m claimsift.label data.max_articles=2

Writes ``data/built/<data.name>/`` (see ``claimsift.data.dataset``) and prints
a summary: articles, skipped files, sentences, boilerplate dropped, class
distribution, and the labeling-function table.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

from claimsift.config import CONFIG_DIR, seed_everything, to_dict
from claimsift.data.dataset import assign_splits, write_dataset
from claimsift.data.ingest import Skipped, read_articles
from claimsift.data.labeling import LF_NAMES
from claimsift.data.labelmodel import lf_analysis
from claimsift.data.pipeline import process_article, weak_label
from claimsift.io import fingerprint
from claimsift.labels import CLASSES

console = Console(stderr=True)


def label(cfg: DictConfig) -> dict:
    """Build the dataset; return its summary (counts, LF table, weak-vs-gold scores)."""
    seed_everything(cfg.seed)
    data = cfg.data
    if data.get("reader") == "brat":  # annotated brat folders (PolNeAR): gold spans, raw-text offsets
        from claimsift.data.polnear import build_polnear

        return build_polnear(cfg)
    t0 = time.perf_counter()

    articles, sentences, skipped = [], [], []
    seen: set[str] = set()
    for item in tqdm(read_articles(data.path, data.id_field, data.text_field, data.title_field),
                     desc="articles", unit="art", file=sys.stderr):
        if isinstance(item, Skipped):
            skipped.append(item)
            console.print(f"[yellow]skipped[/] {item}")
            continue
        if item.doc_id in seen:
            skipped.append(Skipped(item.source, f"duplicate article id {item.doc_id!r}"))
            console.print(f"[yellow]skipped[/] {skipped[-1]}")
            continue
        if data.max_articles is not None and len(articles) >= data.max_articles:
            break
        seen.add(item.doc_id)
        article, sents = process_article(item)
        if not sents:
            skipped.append(Skipped(item.source, "no sentences left after cleaning"))
            continue
        articles.append(article)
        sentences.extend(sents)
    if not sentences:
        raise SystemExit(f"claimsift label: {data.path}: no sentences to label ({len(skipped)} file(s) skipped)")

    t_lf = time.perf_counter()
    L = weak_label(sentences, cfg.label_model, cfg.seed)
    lf_seconds = time.perf_counter() - t_lf

    gold_report = _join_gold(cfg.gold, sentences)

    splits = assign_splits([a["doc_id"] for a in articles], seed=cfg.seed, validation=cfg.split.validation,
                           test=cfg.split.test, n_folds=cfg.split.n_folds)
    for sent in sentences:
        sent["split"], sent["fold"] = splits[sent["doc_id"]]

    gold = [s.get("gold_label") for s in sentences]
    lf_rows = lf_analysis(L, LF_NAMES, gold if any(g is not None for g in gold) else None)
    weak_vs_gold = _weak_vs_gold(sentences)
    dropped = [d for a in articles for d in a["dropped"]]
    summary = {
        "articles": len(articles),
        "skipped": [{"source": s.source, "reason": s.reason} for s in skipped],
        "sentences": len(sentences),
        "boilerplate_dropped": len(dropped),
        "boilerplate_by_reason": dict(Counter(d["reason"] for d in dropped)),
        "boilerplate_examples": [d["line"][:80] for d in dropped[:8]],
        "weak_label_counts": {c: sum(s["weak_label"] == c for s in sentences) for c in CLASSES},
        "split_articles": {sp: sorted(d for d, (x, _) in splits.items() if x == sp)
                           for sp in ("train", "validation", "test")},
        "lf_coverage": float((L != -1).any(axis=1).mean()),
        "lf_table": lf_rows,
        "gold": gold_report,
        "weak_vs_gold": weak_vs_gold,
        "seconds": round(time.perf_counter() - t0, 3),
        "lf_sentences_per_second": round(len(sentences) / lf_seconds, 1) if lf_seconds > 0 else None,
    }
    meta = {
        "name": data.name,
        "config": to_dict(cfg),
        "classes": CLASSES,
        "lf_names": LF_NAMES,
        "fingerprint": fingerprint((s["doc_id"], s["start"], s["end"], s["text"], s["weak_label"],
                                    s.get("gold_label")) for s in sentences),
    }
    out = write_dataset(cfg.out_dir, sentences, articles, meta, summary, lf_table_markdown(lf_rows, weak_vs_gold))
    summary["out_dir"] = str(out)
    _print_summary(summary)
    return summary


def _join_gold(gold_path, sentences: list[dict]) -> dict | None:
    """Attach gold labels and spans by (doc_id, start, end); report every gold record left unmatched."""
    for s in sentences:
        s["gold_label"], s["gold_spans"] = None, None
    if not gold_path:
        return None
    if not Path(gold_path).is_file():
        console.print(f"[yellow]no gold file at {gold_path}: gold columns left empty[/]")
        return {"path": str(gold_path), "matched": 0, "unmatched": []}
    from claimsift.gold import describe_unmatched, load_gold, match_gold

    docs = {s["doc_id"] for s in sentences}
    records = [g for g in load_gold(gold_path) if g["doc_id"] in docs]
    matched, unmatched = match_gold(sentences, records)
    for sent, g in matched:
        sent["gold_label"] = g["label"]
        sent["gold_spans"] = g.get("spans", [])
    problems = describe_unmatched(unmatched, sentences)
    for line in problems:
        console.print(f"[red]gold not matched[/] {line}")
    return {"path": str(gold_path), "matched": len(matched), "unmatched": problems}


def _weak_vs_gold(sentences: list[dict]) -> dict | None:
    pairs = [(s["gold_label"], s["weak_label"]) for s in sentences if s.get("gold_label")]
    if not pairs:
        return None
    from sklearn.metrics import precision_recall_fscore_support

    y_true, y_pred = zip(*pairs)
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=CLASSES, zero_division=0)
    out = {"n": len(pairs), "accuracy": sum(a == b for a, b in pairs) / len(pairs),
           "macro_f1": float(f.mean())}
    for i, c in enumerate(CLASSES):
        out[c] = {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(n[i])}
    return out


def lf_table_markdown(rows: list[dict], weak_vs_gold: dict | None) -> str:
    lines = ["# Labeling functions", "",
             "| lf | polarity | coverage | overlaps | conflicts | gold votes | gold accuracy |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        acc = "—" if r["gold_accuracy"] is None else f"{r['gold_accuracy']:.2f}"
        lines.append(f"| {r['lf']} | {', '.join(r['polarity']) or '—'} | {r['coverage']:.2f} | {r['overlaps']:.2f} "
                     f"| {r['conflicts']:.2f} | {r['gold_votes']} | {acc} |")
    if weak_vs_gold:
        lines += ["", f"# Weak labels against gold ({weak_vs_gold['n']} sentences)", "",
                  f"accuracy {weak_vs_gold['accuracy']:.3f}, macro-F1 {weak_vs_gold['macro_f1']:.3f}", "",
                  "| class | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
        for c in CLASSES:
            m = weak_vs_gold[c]
            lines.append(f"| {c} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    return "\n".join(lines) + "\n"


def _print_summary(s: dict) -> None:
    out = Console()
    t = Table(title=f"claimsift label → {s['out_dir']}", show_header=False)
    t.add_row("articles", str(s["articles"]))
    t.add_row("skipped files", str(len(s["skipped"])))
    t.add_row("sentences", str(s["sentences"]))
    by_reason = ", ".join(f"{k} {v}" for k, v in s["boilerplate_by_reason"].items())
    t.add_row("boilerplate dropped", f"{s['boilerplate_dropped']} ({by_reason})" if by_reason else "0")
    for ex in s["boilerplate_examples"][:4]:
        t.add_row("", f"[dim]{ex}[/]")
    t.add_row("LF coverage", f"{s['lf_coverage']:.1%}")
    t.add_row("splits (articles)", "; ".join(f"{k} {len(v)}" for k, v in s["split_articles"].items()))
    if s["gold"]:
        t.add_row("gold matched", f"{s['gold']['matched']} ({len(s['gold']['unmatched'])} unmatched)")
    t.add_row("throughput", f"{s['lf_sentences_per_second']} sentences/s (LFs + label model)")
    out.print(t)
    c = Table(title="weak labels")
    c.add_column("class")
    c.add_column("sentences", justify="right")
    for k, v in s["weak_label_counts"].items():
        c.add_row(k, str(v))
    out.print(c)
    lf = Table(title="labeling functions")
    lf.add_column("lf", no_wrap=True)
    for col in ("polarity", "coverage", "overlaps", "conflicts", "gold acc."):
        lf.add_column(col)
    for r in s["lf_table"]:
        acc = "—" if r["gold_accuracy"] is None else f"{r['gold_accuracy']:.2f} ({r['gold_votes']})"
        lf.add_row(r["lf"].removeprefix("lf_"), ",".join(p[:12] for p in r["polarity"]), f"{r['coverage']:.2f}", f"{r['overlaps']:.2f}",
                   f"{r['conflicts']:.2f}", acc)
    out.print(lf)
    if s["weak_vs_gold"]:
        w = s["weak_vs_gold"]
        out.print(f"weak labels vs gold: accuracy {w['accuracy']:.3f}, macro-F1 {w['macro_f1']:.3f} on {w['n']} sentences")


@hydra.main(config_path=str(CONFIG_DIR), config_name="label", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        label(cfg)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"claimsift label: {exc}") from None


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
