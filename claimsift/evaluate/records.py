"""Which sentences an evaluation scores, and against which truth.

Every evaluation record has the same keys, whatever it was read from:
``doc_id, sent_id, text, label, spans`` (the truth: a class name and a span
list, either may be None when not annotated), ``weak_label, weak_probs,
weak_spans`` (None outside the built dataset) and ``split`` (the dataset
split the sentence belongs to, None for a user file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from claimsift.data.dataset import load_records
from claimsift.data.gold import check_label, check_spans
from claimsift.io import read_jsonl_objects

# bench/classifiers.py's name for the one reader of sentences.jsonl
read_dataset = load_records

DATASET_SPLITS = {"train": "train", "validation": "val", "val": "val", "test": "test"}


@dataclass
class EvalSet:
    """The records of one split, the key prefix of its metrics, and what the report should say about it."""

    name: str  # metric key prefix and folder name: val, test, gold or a file stem
    records: list[dict]
    truth: str  # "gold" (hand labels) or "weak" (the label model's output)
    notes: list[str] = field(default_factory=list)
    banner: str | None = None  # one line shown above the report and on stdout (set when the truth is weak)


def split_name(split: str) -> str:
    """The metric key prefix and folder name of a split: val, test, train, gold, or a file's stem."""
    if split in DATASET_SPLITS:
        return DATASET_SPLITS[split]
    if split == "gold":
        return "gold"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(split).stem)


def load_eval_set(split: str, dataset_dir: str | Path | None, task: str, truth: str = "auto",
                  source: str | None = None, held_out: str = "test", *, classes=None, span_types=None) -> EvalSet:
    """Records of ``split`` (train | validation | test | gold | a gold-format JSONL path) for ``task``.

    ``source`` keeps only the sentences of one source of a mixed dataset (its
    ``source`` column); the metrics' prefix becomes ``<split>-<source>``.

    ``truth``: ``gold`` keeps only hand-labeled sentences, ``weak`` scores against
    the weak labels, ``auto`` takes gold when the split has any and weak otherwise.
    ``split=gold`` with ``auto`` on a dataset without hand labels for ``task``
    scores the ``held_out`` split against the weak labels instead; the returned
    set's ``banner`` says so whenever the truth is weak. A gold-format file's labels and spans are
    checked against ``classes`` and ``span_types`` (the run's; None: the default scheme's).
    Raises FileNotFoundError / ValueError with the file and the problem.
    """
    if truth not in ("auto", "gold", "weak"):
        raise ValueError(f"eval.truth: {truth!r} is not one of auto, gold, weak")
    if split not in DATASET_SPLITS and split != "gold":
        path = Path(split)
        if not path.is_file():
            raise FileNotFoundError(f"split={split}: not a split name (train, validation, test, gold) nor a file")
        records = read_gold_file(path, classes=classes, span_types=span_types)
        return _keep_annotated(EvalSet(split_name(split), records, "gold", [f"Sentences from `{path}` (gold format)."]), task)

    if dataset_dir is None:
        raise ValueError("no dataset folder: the run's data.json names none and `dataset=` is not set")
    rows = load_records(dataset_dir)
    if source:
        sources = sorted({str(r.get("source")) for r in rows})
        rows = [r for r in rows if r.get("source") == source]
        if not rows:
            raise ValueError(f"eval.source={source!r}: {dataset_dir} has sources {', '.join(sources)}")
    if split == "gold":
        if truth == "auto" and not any(_truth_of(r, task, "gold") is not None for r in rows):
            return _weak_instead_of_gold(rows, dataset_dir, task, held_out, source)
        records = [_from_row(r, truth="gold") for r in rows]
        es = _keep_annotated(EvalSet("gold" + (f"-{source}" if source else ""), records, "gold"), task)
        in_train = sum(1 for r in es.records if r["split"] == "train")
        es.notes.append(f"All {len(es.records)} hand-labeled sentences of the dataset, whatever their split.")
        if in_train:
            es.notes.append(
                f"**Not held out:** {in_train} of them are in the training split, where the model saw them "
                "(their weak labels, or these hand labels with `train.labels=gold`). Prefer `split=test` or "
                "cross-validation (`cv=by_article`) for an honest number.")
        return es

    wanted = "validation" if DATASET_SPLITS[split] == "val" else split
    have = sorted({r.get("split") for r in rows} - {None})
    rows = [r for r in rows if r.get("split") == wanted]
    if not rows:  # data=deploy holds nothing out: say which splits there are to score
        raise ValueError(f"{dataset_dir}: no sentences in split {wanted!r} (it has {', '.join(have) or 'none'})")
    return rows_to_eval_set(rows, DATASET_SPLITS[split] + (f"-{source}" if source else ""), task, truth)


WEAK_MEANS = "the scores measure agreement with the labeling functions, not correctness"


def rows_to_eval_set(rows: list[dict], name: str, task: str, truth: str) -> EvalSet:
    """Dataset rows → an EvalSet scored against gold (``auto``: when any row has it) or weak labels."""
    has_gold = any(_truth_of(r, task, "gold") is not None for r in rows)
    asked = truth
    if truth == "auto":
        truth = "gold" if has_gold else "weak"
    es = _keep_annotated(EvalSet(name, [_from_row(r, truth) for r in rows], truth), task)
    if truth == "weak":
        why = "eval.truth=weak" if asked == "weak" else f"no hand labels for {task} in these {len(rows)} sentences"
        es.banner = f"Truth = WEAK LABELS ({why}): {WEAK_MEANS}."
    else:
        es.notes.append(f"Truth = hand labels ({len(es.records)} of {len(rows)} sentences have them).")
    return es


def read_gold_file(path: str | Path, *, classes=None, span_types=None) -> list[dict]:
    """Read a gold-format JSONL into evaluation records; a bad record raises ValueError naming file and line.

    Labels and spans are validated by :mod:`claimsift.data.gold` against ``classes`` and ``span_types``
    (None: the default scheme's); a span needs only its type and offsets here (what scoring uses).
    """
    path = Path(path)
    objects, problems = read_jsonl_objects(path)
    if problems:
        raise ValueError(problems[0])
    out = []
    for lineno, rec in objects:
        where = f"{path}:{lineno}"
        text = rec.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: missing or empty 'text'")
        label = rec.get("label")
        if label is not None:
            check_label(label, where, classes)
        spans = rec.get("spans")
        if spans is not None:
            span_problems = check_spans(spans, text, complete=False, span_types=span_types)
            if span_problems:
                raise ValueError(f"{where}: {span_problems[0]}")
        if label is None and spans is None:
            raise ValueError(f"{where}: neither 'label' nor 'spans' given")
        doc_id = str(rec.get("doc_id", path.stem))
        out.append({"doc_id": doc_id, "sent_id": str(rec.get("sent_id", f"{doc_id}:{lineno:03d}")), "text": text,
                    "label": label, "spans": spans, "weak_label": None, "weak_probs": None, "weak_spans": None,
                    "split": None})
    if not out:
        raise ValueError(f"{path}: no records")
    return out


def _weak_instead_of_gold(rows: list[dict], dataset_dir, task: str, held_out: str, source: str | None) -> EvalSet:
    """``split=gold`` on a dataset with no hand labels for ``task``: its held-out split against the weak labels."""
    where = f"{dataset_dir}" + (f" (source {source})" if source else "")
    kept = [r for r in rows if r.get("split") == held_out]
    if not kept:
        raise ValueError(f"{where} has no hand labels for {task} and no {held_out!r} split to score against "
                         f"the weak labels: pass split=validation (or train) eval.truth=weak")
    es = rows_to_eval_set(kept, DATASET_SPLITS.get(held_out, held_out) + (f"-{source}" if source else ""),
                          task, "weak")
    es.banner = (f"Truth = WEAK LABELS: {where} has no hand labels for {task}, so the held-out split "
                 f"{held_out!r} is scored against the weak labels instead: {WEAK_MEANS}.")
    return es


def _truth_of(row: dict, task: str, truth: str):
    if task == "classify":
        return row.get("gold_label") if truth == "gold" else row.get("weak_label")
    return row.get("gold_spans") if truth == "gold" else row.get("spans")


def _from_row(row: dict, truth: str) -> dict:
    gold = truth == "gold"
    return {"doc_id": row["doc_id"], "sent_id": row.get("sent_id"), "text": row["text"],
            "label": row.get("gold_label") if gold else row.get("weak_label"),
            "spans": row.get("gold_spans") if gold else row.get("spans"),
            "weak_label": row.get("weak_label"), "weak_probs": row.get("weak_probs"),
            "weak_spans": row.get("spans"), "split": row.get("split")}


def _keep_annotated(es: EvalSet, task: str) -> EvalSet:
    key = "label" if task == "classify" else "spans"
    kept = [r for r in es.records if r[key] is not None]
    if not kept:
        raise ValueError(f"split {es.name}: no sentence has a {'class' if task == 'classify' else 'span'} "
                         f"annotation to score {task} against")
    es.records = kept
    return es
