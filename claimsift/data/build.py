"""The one dataset builder: readers yield sentences, the builder labels, splits and writes them.

Readers (``data.reader``):

- ``articles`` (default): ``.txt``/``.html``/``.jsonl``/``.csv`` files, cleaned
  and segmented (:func:`claimsift.data.pipeline.process_article`); gold
  records (``data.gold``) joined by ``(doc_id, start, end)``.
- ``brat``: annotated brat folders such as PolNeAR (compartments are splits,
  human spans are ``gold_spans``); sentence classes from standoff files
  (``data.labels``, :mod:`claimsift.data.standoff`) become ``gold_label``.
- ``written``: the team's marked-up articles (:mod:`claimsift.data.written`):
  sentences, ``gold_label`` and ``gold_spans`` straight from the markup.
- ``mix``: several of the above (``data.sources``) in one dataset, with a
  ``source`` column. Each source is split by article within itself; the
  sources named in ``data.held_out`` go whole to ``test`` and the others
  never reach it, so the held-out set is exactly those sources; those named
  in ``data.train_only`` go whole to ``train`` (``data=deploy``: the seeds'
  gold trains the model a user deploys).

Every reader returns the same :class:`Source`; weak labels, folds, the
labeling-function table, the summary and the atomic write are done once here.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from tqdm import tqdm

from claimsift.config import CONFIG_DIR, seed_everything, to_dict
from claimsift.data.dataset import SPLITS, assign_splits, write_dataset
from claimsift.data.labelmodel import lf_analysis
from claimsift.data.pipeline import weak_label
from claimsift.io import fingerprint
from claimsift.scheme import Scheme, load_scheme

console = Console(stderr=True)
READERS = ("articles", "brat", "written", "mix")


@dataclass
class Source:
    """What one reader read: articles, sentences (split set), skipped inputs and what it reports."""

    name: str
    articles: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)   # {"source", "reason"}
    report: dict = field(default_factory=dict)          # reader-specific counts for summary.json


# ---------------------------------------------------------------- readers

def read_source(data: DictConfig, *, seed: int, split: DictConfig, scheme: Scheme) -> Source:
    """Read one source as ``data`` configures it; every sentence leaves with ``split`` and ``fold`` set.

    Hand labels and spans are checked against ``scheme``'s classes and span types.
    """
    reader = data.get("reader") or "articles"
    if reader not in READERS or reader == "mix":
        raise ValueError(f"data.reader={reader!r}: expected one of {', '.join(r for r in READERS if r != 'mix')}")
    read = {"articles": _read_articles, "brat": _read_brat, "written": _read_written}[reader]
    src = read(data, seed, split, scheme)
    src.report["reader"] = reader
    for s in src.sentences:
        s.setdefault("gold_label", None)
        s.setdefault("gold_spans", None)
        s["source"] = src.name
    return src


def _read_articles(data: DictConfig, seed: int, split: DictConfig, scheme: Scheme) -> Source:
    from claimsift.data.ingest import Skipped, read_articles
    from claimsift.data.pipeline import process_article

    src = Source(data.name)
    seen: set[str] = set()
    for item in tqdm(read_articles(data.path, data.id_field, data.text_field, data.title_field),
                     desc="articles", unit="art", file=sys.stderr):
        if isinstance(item, Skipped):
            src.skipped.append({"source": item.source, "reason": item.reason})
            console.print(f"[yellow]skipped[/] {item}")
            continue
        if item.doc_id in seen:
            src.skipped.append({"source": item.source, "reason": f"duplicate article id {item.doc_id!r}"})
            console.print(f"[yellow]skipped[/] {item.source}: duplicate article id {item.doc_id!r}")
            continue
        if data.get("max_articles") is not None and len(src.articles) >= data.max_articles:
            break
        seen.add(item.doc_id)
        article, sents = process_article(item)
        if not sents:
            src.skipped.append({"source": item.source, "reason": "no sentences left after cleaning"})
            continue
        src.articles.append(article)
        src.sentences.extend(sents)
    src.report["gold"] = _join_gold(data.get("gold"), src.sentences, scheme)
    _split_by_article(src, seed, split)
    dropped = [d for a in src.articles for d in a["dropped"]]
    src.report["boilerplate_dropped"] = len(dropped)
    src.report["boilerplate_by_reason"] = dict(Counter(d["reason"] for d in dropped))
    src.report["boilerplate_examples"] = [d["line"][:80] for d in dropped[:8]]
    return src


def _read_brat(data: DictConfig, seed: int, split: DictConfig, scheme: Scheme) -> Source:
    from claimsift.data.polnear import read_polnear

    src = Source(data.name)
    src.articles, src.sentences, src.report["read"] = read_polnear(data)
    src.report["annotators"] = data.annotators
    for s in src.sentences:
        s["gold_label"] = None
    labels = data.get("labels")
    if labels and not Path(labels).exists():
        console.print(f"[yellow]no standoff labels at {labels}: gold_label left empty[/]")
    elif labels:
        from claimsift.data.standoff import join_standoff, read_standoff

        records, problems = read_standoff(labels, classes=scheme.classes)
        docs = {a["doc_id"] for a in src.articles}
        ours = [r for r in records if r["doc_id"] in docs]
        matched, unmatched = join_standoff(src.sentences, ours)
        for line in problems + unmatched:
            console.print(f"[red]standoff label not joined[/] {line}")
        src.report["gold"] = {"path": str(labels), "matched": matched, "unmatched": problems + unmatched,
                              "other_documents": len(records) - len(ours)}
    _folds_within_splits(src, seed, split.n_folds)
    return src


def _read_written(data: DictConfig, seed: int, split: DictConfig, scheme: Scheme) -> Source:
    from claimsift.data.written import read_written

    src = Source(data.name)
    written, bad = read_written(data.path, scheme)
    for path, problem in bad:
        src.skipped.append({"source": str(path), "reason": problem})
        console.print(f"[yellow]skipped[/] {problem}")
    for art in written[: data.get("max_articles")]:
        src.articles.append({"doc_id": art.doc_id, "source": str(art.path), "title": art.sentences[0]["text"],
                             "text": art.text, "dropped": [], "meta": art.meta})
        src.sentences.extend({k: v for k, v in s.items() if k != "line"} for s in art.sentences)
    _split_by_article(src, seed, split)
    return src


def _join_gold(gold_path, sentences: list[dict], scheme: Scheme) -> dict | None:
    """Attach gold labels and spans by (doc_id, start, end); report every gold record left unmatched."""
    for s in sentences:
        s["gold_label"], s["gold_spans"] = None, None
    if not gold_path:
        return None
    if not Path(gold_path).is_file():
        console.print(f"[yellow]no gold file at {gold_path}: gold columns left empty[/]")
        return {"path": str(gold_path), "matched": 0, "unmatched": []}
    from claimsift.data.gold import describe_unmatched, load_gold, match_gold

    docs = {s["doc_id"] for s in sentences}
    records = [g for g in load_gold(gold_path, classes=scheme.classes, span_types=scheme.span_types)
               if g["doc_id"] in docs]
    matched, unmatched = match_gold(sentences, records)
    for sent, g in matched:
        sent["gold_label"] = g["label"]
        sent["gold_spans"] = g.get("spans", [])
        if g.get("note"):
            sent["gold_note"] = g["note"]
    problems = describe_unmatched(unmatched, sentences)
    for line in problems:
        console.print(f"[red]gold not matched[/] {line}")
    return {"path": str(gold_path), "matched": len(matched), "unmatched": problems}


def _split_by_article(src: Source, seed: int, split: DictConfig) -> None:
    splits = assign_splits([a["doc_id"] for a in src.articles], seed=seed, validation=split.validation,
                           test=split.test, n_folds=split.n_folds)
    for a in src.articles:
        a["split"] = splits[a["doc_id"]][0]
    for s in src.sentences:
        s["split"], s["fold"] = splits[s["doc_id"]]


def _folds_within_splits(src: Source, seed: int, n_folds: int) -> None:
    """Folds number the articles within each preset split (PolNeAR's compartments)."""
    for name in {a["split"] for a in src.articles}:
        docs = [a["doc_id"] for a in src.articles if a["split"] == name]
        folds = assign_splits(docs, seed=seed, validation=0, test=0, n_folds=n_folds)
        for s in src.sentences:
            if s["split"] == name:
                s["fold"] = folds[s["doc_id"]][1]


def source_config(entry) -> DictConfig:
    """A mix entry: the name of a ``configs/data/`` file, or a whole data config inline."""
    if isinstance(entry, str):
        path = CONFIG_DIR / "data" / f"{entry}.yaml"
        if not path.is_file():
            raise ValueError(f"data.sources: no data config {entry!r} ({path} is missing)")
        return OmegaConf.load(path)
    return entry


def read_mix(data: DictConfig, *, seed: int, split: DictConfig, scheme: Scheme) -> list[Source]:
    """Read every source of a mix; held-out sources go whole to test, the others never do, and the sources in
    ``data.train_only`` go whole to train."""
    held = list(data.get("held_out") or [])
    train_only = list(data.get("train_only") or [])
    if both := sorted(set(held) & set(train_only)):
        raise ValueError(f"data.held_out and data.train_only both name {', '.join(both)}: a source goes whole to one")
    # The test split is the held-out sources': the others split into train and validation only,
    # and a train-only source into train alone.
    split_tv = OmegaConf.merge(split, {"test": 0})
    split_t = OmegaConf.merge(split, {"validation": 0, "test": 0})

    def source_split(name: str) -> DictConfig:
        return split if name in held else split_t if name in train_only else split_tv

    configs = [source_config(e) for e in data.sources]
    sources = [read_source(c, seed=seed, split=source_split(c.name), scheme=scheme) for c in configs]
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ValueError(f"data.sources: two sources share a name ({', '.join(names)})")
    for key, listed in (("held_out", held), ("train_only", train_only)):
        unknown = set(listed) - set(names)
        if unknown:
            raise ValueError(f"data.{key}: {', '.join(sorted(unknown))} is not among data.sources "
                             f"({', '.join(names)})")
    doc_owner: dict[str, str] = {}
    for src in sources:
        for a in src.articles:
            if a["doc_id"] in doc_owner:
                raise ValueError(f"article id {a['doc_id']!r} is in both {doc_owner[a['doc_id']]} and {src.name}")
            doc_owner[a["doc_id"]] = src.name
        for rec in src.articles + src.sentences:
            if src.name in held:
                rec["split"] = "test"
            elif src.name in train_only:  # a preset compartment too: the whole source trains
                rec["split"] = "train"
            elif rec["split"] == "test":  # a preset test split (a brat compartment) validates instead
                rec["split"] = "validation"
    return sources


# ---------------------------------------------------------------- the builder

def build(cfg: DictConfig) -> dict:
    """Build ``cfg.out_dir`` from ``cfg.data`` with the labeling functions of ``cfg.scheme``; return the summary
    written to summary.json."""
    seed_everything(cfg.seed)
    t0 = time.perf_counter()
    data = cfg.data
    scheme = load_scheme(cfg.scheme)
    if (data.get("reader") or "articles") == "mix":
        sources = read_mix(data, seed=cfg.seed, split=cfg.split, scheme=scheme)
    else:  # the stage's top-level `gold` (default ${data.gold}) is the one a user overrides
        one = OmegaConf.merge(data, {"gold": cfg.get("gold", data.get("gold"))})
        sources = [read_source(one, seed=cfg.seed, split=cfg.split, scheme=scheme)]
    sentences = [s for src in sources for s in src.sentences]
    articles = [a for src in sources for a in src.articles]
    skipped = [k for src in sources for k in src.skipped]
    if not sentences:
        raise ValueError(f"{data.get('path', data.name)}: no sentences to label ({len(skipped)} input(s) skipped)")
    read_seconds = time.perf_counter() - t0

    t_lf = time.perf_counter()
    L, label_model = weak_label(sentences, cfg.label_model, cfg.seed, scheme)
    lf_seconds = time.perf_counter() - t_lf

    classes = scheme.classes
    gold = [s.get("gold_label") for s in sentences]
    lf_rows = lf_analysis(L, scheme.lf_names, classes, gold if any(g is not None for g in gold) else None)
    weak_vs_gold = weak_vs_gold_scores(sentences, classes)
    summary = {
        "name": data.name,
        "scheme": scheme.name,
        "articles": len(articles),
        "skipped": skipped,
        "sentences": len(sentences),
        "split_articles": {sp: sum(a["split"] == sp for a in articles) for sp in SPLITS},
        "split_sentences": {sp: sum(s["split"] == sp for s in sentences) for sp in SPLITS},
        "sources": {src.name: source_counts(src, scheme) for src in sources},
        "weak_label_counts": {c: sum(s["weak_label"] == c for s in sentences) for c in classes},
        "lf_coverage": float((L != -1).any(axis=1).mean()),
        "lf_table": lf_rows,
        "weak_vs_gold": weak_vs_gold,
        "weak_vs_gold_by_source_split": {f"{src.name}/{sp}": w for src in sources for sp in SPLITS
                                         if (w := weak_vs_gold_scores([s for s in src.sentences
                                                                        if s["split"] == sp], classes))},
        "read_seconds": round(read_seconds, 2),
        "seconds": round(time.perf_counter() - t0, 3),
        "lf_sentences_per_second": round(len(sentences) / lf_seconds, 1) if lf_seconds > 0 else None,
    }
    if len(sources) == 1:  # the single-source summary keeps the reader's own keys at the top
        summary.update(sources[0].report)
    meta = {
        "name": data.name,
        "config": to_dict(cfg),
        "classes": list(classes),
        "lf_names": scheme.lf_names,
        # what train checks (the same scheme) and `rules` rebuilds (the labeling functions and word lists)
        "scheme": scheme.spec(),
        "scheme_fingerprint": scheme.fingerprint(),
        "sources": [src.name for src in sources],
        "fingerprint": fingerprint([scheme.name, *((s["doc_id"], s["start"], s["end"], s["text"], s["weak_label"],
                                                    s.get("gold_label"), s.get("gold_spans")) for s in sentences)]),
    }
    from claimsift.models.rules import save_rules_run

    out = write_dataset(cfg.out_dir, sentences, articles, meta, summary,
                        lf_table_markdown(lf_rows, weak_vs_gold, classes),
                        finish=lambda folder: save_rules_run(folder, label_model, scheme, data.name, cfg.out_dir))
    summary["out_dir"] = str(out)
    print_summary(summary, sources, classes)
    return summary


def source_counts(src: Source, scheme: Scheme) -> dict:
    """Per split: articles, sentences, gold labels per class, gold spans per type."""
    out = {}
    for sp in SPLITS:
        sents = [s for s in src.sentences if s["split"] == sp]
        if not sents:
            continue
        out[sp] = {
            "articles": len({s["doc_id"] for s in sents}),
            "sentences": len(sents),
            "gold_labels": {c: sum(s.get("gold_label") == c for s in sents) for c in scheme.classes},
            "gold_spans": {t: sum(x["type"] == t for s in sents for x in s.get("gold_spans") or [])
                           for t in scheme.span_types},
        }
    out["report"] = {k: v for k, v in src.report.items() if k not in ("read",)}
    return out


def weak_vs_gold_scores(sentences: list[dict], classes) -> dict | None:
    pairs = [(s["gold_label"], s["weak_label"]) for s in sentences if s.get("gold_label")]
    if not pairs:
        return None
    from sklearn.metrics import precision_recall_fscore_support

    y_true, y_pred = zip(*pairs)
    p, r, f, n = precision_recall_fscore_support(y_true, y_pred, labels=list(classes), zero_division=0)
    out = {"n": len(pairs), "accuracy": sum(a == b for a, b in pairs) / len(pairs), "macro_f1": float(f.mean())}
    for i, c in enumerate(classes):
        out[c] = {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(n[i])}
    return out


def lf_table_markdown(rows: list[dict], weak_vs_gold: dict | None, classes) -> str:
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
        for c in classes:
            m = weak_vs_gold[c]
            lines.append(f"| {c} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    return "\n".join(lines) + "\n"


def print_summary(s: dict, sources: list[Source], classes) -> None:
    from rich.table import Table

    out = Console()
    t = Table(title=f"claimsift label → {s['out_dir']}", show_header=False)
    t.add_row("articles", str(s["articles"]))
    t.add_row("skipped inputs", str(len(s["skipped"])))
    t.add_row("sentences", f"{s['sentences']} (" + ", ".join(f"{k} {v}" for k, v in s["split_sentences"].items())
              + ")")
    for src in sources:
        rep = src.report
        if "boilerplate_dropped" in rep:
            by_reason = ", ".join(f"{k} {v}" for k, v in rep["boilerplate_by_reason"].items())
            t.add_row(f"{src.name}: boilerplate dropped",
                      f"{rep['boilerplate_dropped']} ({by_reason})" if by_reason else "0")
        if rep.get("gold"):
            t.add_row(f"{src.name}: gold joined", f"{rep['gold']['matched']} ({len(rep['gold']['unmatched'])} not joined)")
    t.add_row("LF coverage", f"{s['lf_coverage']:.1%}")
    t.add_row("throughput", f"{s['lf_sentences_per_second']} sentences/s (LFs + label model)")
    out.print(t)
    c = Table(title="sentences per class (gold where labelled; weak for all)")
    c.add_column("source/split")
    for k in classes:
        c.add_column(k, justify="right")
    for name, counts in s["sources"].items():
        for sp, row in counts.items():
            if sp in SPLITS and any(row["gold_labels"].values()):
                c.add_row(f"{name}/{sp} gold", *(str(row["gold_labels"][k]) for k in classes))
    c.add_row("all weak", *(str(s["weak_label_counts"][k]) for k in classes))
    out.print(c)
    if s["weak_vs_gold"]:
        w = s["weak_vs_gold"]
        out.print(f"weak labels vs gold: accuracy {w['accuracy']:.3f}, macro-F1 {w['macro_f1']:.3f} on {w['n']} sentences")
        for key, w in s["weak_vs_gold_by_source_split"].items():
            out.print(f"  {key}: macro-F1 {w['macro_f1']:.3f}, accuracy {w['accuracy']:.3f} (n={w['n']})")
    for src in sources:
        if "read" in src.report:
            from claimsift.data.polnear import print_read_stats

            print_read_stats(src.report["read"], src.report.get("annotators"))
