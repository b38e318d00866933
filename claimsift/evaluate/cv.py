"""Cross-validation by article: the honest number for a corpus of a handful of articles.

    claimsift evaluate cv=by_article task=classify model=baseline
    claimsift evaluate cv=by_article task=extract model=baseline cv.group_by=fold
    claimsift evaluate cv=by_article task=classify model=transformer cv.validation=next

Each fold holds out whole articles (``cv.group_by=doc_id``: one article per
fold; ``fold``: the dataset's ``fold`` column), trains with the train config
(``claimsift.train.fit_model``) on every other article, and predicts the
held-out sentences. The pooled predictions of all folds are scored once, with
bootstrap intervals, into ``cv.out_dir`` (same files as a run's evaluation,
plus ``details.json`` with per-fold numbers and ``predictions.jsonl``).

``cv.extra_data`` (a list of built dataset folders, default none) adds every
sentence of those datasets to each fold's training set, after the fold's own
articles: transfer from another corpus, scored only on this dataset's
held-out articles. An extra sentence whose article id or text is also in the
cross-validated dataset is never used, so a held-out article cannot leak in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from omegaconf import DictConfig
from tqdm.auto import tqdm

from claimsift.data.dataset import load_records
from claimsift.evaluate.records import rows_to_eval_set
from claimsift.evaluate.score import Predictions, predict, score
from claimsift.scheme import check_dataset_scheme, load_scheme

PREFIX = "cv"


def cross_validate(cfg: DictConfig) -> dict[str, float]:
    """Train and test once per held-out group of articles, pool the predictions, score them; return the metrics.

    Raises ValueError with fewer than two groups or a bad ``cv`` value.
    """
    from claimsift.evaluate import _score_kwargs, score_and_report
    from claimsift.train import fit_model

    task = cfg.task.name
    dataset_dir = cfg.dataset or cfg.dataset_dir
    scheme = load_scheme(cfg.scheme)
    check_dataset_scheme(scheme, dataset_dir)
    rows = load_records(dataset_dir)
    key = cfg.cv.group_by
    if key not in ("doc_id", "fold"):
        raise ValueError(f"cv.group_by={key!r}: expected doc_id or fold")
    if cfg.cv.validation not in ("none", "next"):
        raise ValueError(f"cv.validation={cfg.cv.validation!r}: expected none or next")
    groups = sorted({r[key] for r in rows})
    if len(groups) < 2:
        raise ValueError(f"{dataset_dir}: {len(groups)} distinct {key} value(s), cross-validation needs two")

    extra_dirs = [str(d) for d in (cfg.cv.get("extra_data") or [])]
    extra = extra_rows(extra_dirs, rows)

    eval_set = rows_to_eval_set(rows, PREFIX, task, cfg.eval.truth)
    pos = {r["sent_id"]: i for i, r in enumerate(eval_set.records)}
    n = len(eval_set.records)
    labels = list(scheme.classes) if task == "classify" else list(scheme.span_types)
    proba = np.zeros((n, len(labels))) if task == "classify" else None
    spans: list = [None] * n
    folds = []
    for gi, g in enumerate(tqdm(groups, desc=f"cv {task}/{cfg.model.name}", unit="fold")):
        val_group = groups[(gi + 1) % len(groups)] if cfg.cv.validation == "next" else None
        train_rows = [r for r in rows if r[key] != g and r[key] != val_group] + extra
        val_rows = [r for r in rows if r[key] == val_group]
        test = [eval_set.records[pos[r["sent_id"]]] for r in rows if r[key] == g and r["sent_id"] in pos]
        if not test:
            continue
        model = fit_model(cfg, train_rows, val_rows)
        fold_preds = predict(model, [r["text"] for r in test], cfg.eval.batch_size, desc=f"predict {g}")
        for j, rec in enumerate(test):
            i = pos[rec["sent_id"]]
            if task == "classify":
                proba[i] = fold_preds.proba[j]
            else:
                spans[i] = fold_preds.spans[j]
        fold_scored = score(test, fold_preds, "fold", **{**_score_kwargs(cfg), "n_resamples": 1})
        headline = "fold/macro_f1" if task == "classify" else "fold/micro_f1"
        folds.append({"held_out": str(g), "n_train": len(train_rows), "n_extra": len(extra), "n_test": len(test),
                      "headline": headline.split("/")[1], "value": fold_scored.metrics[headline]})

    if task == "classify":
        from claimsift.evaluate.score import from_proba

        preds = from_proba(proba, labels)
    else:
        preds = Predictions("extract", spans=spans, classes=labels)
    title = f"cross-validation by {key}: {task} / {cfg.model.name}"
    notes = [f"{len(folds)} folds, each holding out every sentence of one {key} value; the model is trained "
             f"on the other articles with `train.labels={cfg.train.labels}` and the predictions are pooled.",
             *([f"Each fold also trains on {len(extra)} sentences of {', '.join(extra_dirs)} "
                f"(their weak labels unless `train.labels` finds hand labels)."] if extra_dirs else []),
             *eval_set.notes,
             "Per fold (" + folds[0]["headline"] + "): "
             + ", ".join(f"{f['held_out']} {f['value']:.3f} (n={f['n_test']})" for f in folds) + "."]
    return score_and_report(cfg, eval_set, preds, task, Path(cfg.cv.out_dir), title=title, notes=notes,
                            labels=labels, extra={"folds": folds})


def extra_rows(dirs: list[str], rows: list[dict]) -> list[dict]:
    """Every sentence of the built datasets ``dirs`` that shares no article id and no text with ``rows``.

    Raises FileNotFoundError when a folder is not a built dataset.
    """
    doc_ids = {r["doc_id"] for r in rows}
    texts = {r["text"] for r in rows}
    out = []
    for d in dirs:
        out.extend(r for r in load_records(d) if r["doc_id"] not in doc_ids and r["text"] not in texts)
    return out


