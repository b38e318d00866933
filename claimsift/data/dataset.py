"""The sentence dataset: splits by article, the on-disk layout, and loading it back.

``data/built/<name>/`` holds ``dataset/`` (a Hugging Face DatasetDict with
train / validation / test), ``sentences.jsonl`` (every sentence, all splits),
``articles.jsonl`` (cleaned text and what cleaning dropped), ``meta.json``
(with the scheme that labelled it), ``summary.json``, ``lf_summary.md`` and
``rules/`` (the labeling functions and the fitted label model as a classify
run, :mod:`claimsift.models.rules`). The record format is described in
``docs/architecture.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from claimsift.io import atomic_path, read_jsonl, write_json, write_jsonl

SPLITS = ("train", "validation", "test")
SENTENCES_FILE = "sentences.jsonl"


def features():
    """The dataset's column types (explicit, so empty or all-null columns keep their type)."""
    from datasets import Features, List, Value

    span = {"type": Value("string"), "start": Value("int32"), "end": Value("int32"),
            "text": Value("string"), "attr": Value("int32")}
    return Features({
        "doc_id": Value("string"), "sent_id": Value("string"),
        "start": Value("int32"), "end": Value("int32"), "text": Value("string"),
        "weak_label": Value("string"), "weak_probs": List(Value("float32")),
        "lf_votes": List({"lf": Value("string"), "label": Value("string")}),
        "spans": List(span),
        "gold_label": Value("string"), "gold_spans": List(span),
        "split": Value("string"), "fold": Value("int32"),
        "source": Value("string"),      # which reader/source of a mix the sentence comes from
    })


def assign_splits(doc_ids: list[str], *, seed: int, validation: float, test: float,
                  n_folds: int) -> dict[str, tuple[str, int]]:
    """Map each article to (split, fold); an article never spans two splits.

    Articles are shuffled with ``seed``; ``validation`` and ``test`` are
    fractions of articles (rounded, at least one each when there are three or
    more articles). Folds number the shuffled articles round-robin; with fewer
    articles than ``n_folds`` every article is its own fold (leave-one-out).
    """
    docs = sorted(set(doc_ids))
    order = list(np.random.RandomState(seed).permutation(len(docs)))
    shuffled = [docs[i] for i in order]
    n = len(docs)
    n_test = max(1, round(test * n)) if test > 0 and n >= 3 else 0
    n_val = max(1, round(validation * n)) if validation > 0 and n >= 3 else 0
    k = max(1, min(n_folds, n))
    out = {}
    for i, doc in enumerate(shuffled):
        split = "test" if i < n_test else "validation" if i < n_test + n_val else "train"
        out[doc] = (split, i % k)
    return out


def write_dataset(out_dir: str | Path, sentences: list[dict], articles: list[dict], meta: dict,
                  summary: dict, lf_table_md: str, finish=None) -> Path:
    """Write the whole dataset folder atomically; return its path.

    ``finish(folder)``, when given, writes more into the folder before it is complete (the rules run).
    """
    from datasets import Dataset, DatasetDict

    out_dir = Path(out_dir)
    feats = features()
    with atomic_path(out_dir, is_dir=True) as tmp:
        write_jsonl(sentences_path(tmp), sentences)
        write_jsonl(tmp / "articles.jsonl", articles)
        write_json(tmp / "meta.json", meta)
        write_json(tmp / "summary.json", summary)
        (tmp / "lf_summary.md").write_text(lf_table_md, encoding="utf-8")
        columns = list(feats)
        rows = {split: [{c: s.get(c) for c in columns} for s in sentences if s["split"] == split] for split in SPLITS}
        # An empty split (PolNeAR has no test) needs from_dict and one shard to load back in datasets 5.
        dd = DatasetDict({
            split: Dataset.from_list(r, features=feats) if r else Dataset.from_dict({c: [] for c in columns},
                                                                                     features=feats)
            for split, r in rows.items()
        })
        dd.save_to_disk(str(tmp / "dataset"), num_shards={split: 1 for split, r in rows.items() if not r})
        if finish is not None:
            finish(tmp)
    return out_dir


def load_sentences(data_dir: str | Path):
    """The DatasetDict (train / validation / test) of a built dataset folder.

    Raises FileNotFoundError naming the folder and the command that builds it.
    """
    from datasets import load_from_disk

    data_dir = Path(data_dir)
    if not (data_dir / "dataset").is_dir():
        raise FileNotFoundError(f"{data_dir}: no built dataset here (run `claimsift label` first)")
    return load_from_disk(str(data_dir / "dataset"))


def sentences_path(data_dir: str | Path) -> Path:
    """Where a built dataset folder keeps every sentence record."""
    return Path(data_dir) / SENTENCES_FILE


def load_records(data: str | Path) -> list[dict]:
    """Every sentence record of a built dataset (all splits): the one reader of ``sentences.jsonl``.

    ``data`` is the dataset folder, or its ``sentences.jsonl`` itself. Raises
    FileNotFoundError naming the folder and the command that builds it, and
    ValueError naming file and line for a line that is not JSON.
    """
    data = Path(data)
    path = data if data.is_file() else sentences_path(data)
    if not path.is_file():
        raise FileNotFoundError(f"{data}: no sentences.jsonl here (run `claimsift label` first)")
    return read_jsonl(path)


def load_meta(data_dir: str | Path) -> dict:
    return json.loads((Path(data_dir) / "meta.json").read_text(encoding="utf-8"))

