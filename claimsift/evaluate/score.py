"""Predictions → metrics and the details a report needs, the same way for a model, the weak labels and CV.

``Predictions`` holds what any predictor gave for a list of records: class
probabilities (columns in the order of its ``classes``, the predictor's own
label map) for classification, span lists (of its ``classes``, the span
types) for extraction. ``score`` turns records + predictions into a ``Scored``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from claimsift.data.tokens import layered_tags, tokenize
from claimsift.evaluate import metrics as M


@dataclass
class Predictions:
    task: str
    proba: np.ndarray | None = None  # classify: (n, len(classes))
    labels: list[str] | None = None  # classify: predicted class names
    spans: list[list[dict]] | None = None  # extract
    classes: list[str] | None = None  # classify: proba's columns; extract: the span types scored


@dataclass
class Scored:
    task: str
    prefix: str
    metrics: dict[str, float]
    records: list[dict]
    predictions: Predictions
    confusion: np.ndarray | None = None
    bins: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def predict(model, texts: Sequence[str], batch_size: int, desc: str = "predict") -> Predictions:
    """Run any claimsift model over ``texts`` in batches, with a progress bar; its label map names the outputs."""
    texts = list(texts)
    batches = range(0, len(texts), batch_size)
    if model.task == "classify":
        classes = list(model.classes_)
        if len(set(classes)) != len(classes) or not classes:
            raise ValueError(f"model classes {classes}: not a list of distinct class names")
        parts = [np.asarray(model.predict_proba(texts[i:i + batch_size]))
                 for i in tqdm(batches, desc=desc, unit="batch", leave=False)]
        proba = np.concatenate(parts) if parts else np.zeros((0, len(classes)))
        return from_proba(proba, classes)
    spans: list[list[dict]] = []
    for i in tqdm(batches, desc=desc, unit="batch", leave=False):
        spans.extend(model.predict(texts[i:i + batch_size]))
    tags = getattr(model, "tags_", None)
    return Predictions("extract", spans=spans, classes=span_types(tags) if tags else None)


def span_types(tags) -> list[str]:
    """The span types of a BIO tag list, sorted."""
    return sorted({t.split("-", 1)[1] for t in tags if "-" in t})


def from_proba(proba: np.ndarray, classes) -> Predictions:
    """Predictions from probabilities whose columns are ``classes``."""
    proba = np.asarray(proba, dtype=float)
    classes = list(classes)
    return Predictions("classify", proba=proba, labels=[classes[i] for i in proba.argmax(axis=1)], classes=classes)


def weak_predictions(records: list[dict], task: str, classes) -> Predictions | None:
    """The weak labels as a predictor (the labeling functions' teacher), or None when records have none.

    ``classes`` are the dataset scheme's classes (the columns of ``weak_probs``) or span types.
    """
    if task == "classify":
        if any(r.get("weak_probs") is None for r in records):
            return None
        # Argmax of weak_probs may differ from weak_label on ties; the label model's own choice wins.
        proba = np.array([r["weak_probs"] for r in records], dtype=float)
        return Predictions("classify", proba=proba, labels=[r["weak_label"] for r in records], classes=list(classes))
    if any(r.get("weak_spans") is None for r in records):
        return None
    return Predictions("extract", spans=[r["weak_spans"] for r in records], classes=list(classes))


def score(records: list[dict], preds: Predictions, prefix: str, *, n_resamples: int, seed: int,
          confidence: float, calibration_bins: int, n_errors: int) -> Scored:
    """All metrics of ``preds`` against the records' truth, with bootstrap intervals and the top mistakes.

    ``n_resamples=0`` leaves the intervals out (training's validation metrics). Per-class (per span
    type) keys are given for every class, present or not.
    """
    if preds.task == "classify":
        return _score_classify(records, preds, prefix, n_resamples, seed, confidence, calibration_bins, n_errors)
    return _score_extract(records, preds, prefix, n_resamples, seed, confidence, n_errors)


def _score_classify(records, preds, prefix, n_resamples, seed, confidence, n_bins, n_errors) -> Scored:
    classes = list(preds.classes)
    class2id = {c: i for i, c in enumerate(classes)}
    y_true = [r["label"] for r in records]
    y_pred = list(preds.labels)
    unknown = sorted(set(y_true) - set(classes))
    if unknown:
        raise ValueError(f"the truth has class(es) {', '.join(unknown)}, which the predictor does not know (its "
                         f"classes: {', '.join(classes)}): score it on data of its own scheme")
    out = M.classification_metrics(y_true, y_pred, classes, prefix)
    if n_resamples:
        out.update(M.bootstrap_classification(y_true, y_pred, classes, prefix, n_resamples=n_resamples, seed=seed,
                                              confidence=confidence))
    true_idx = [class2id[y] for y in y_true]
    out[f"{prefix}/ece"] = M.expected_calibration_error(preds.proba, true_idx, n_bins)
    out[f"{prefix}/loss"] = M.log_loss(preds.proba, true_idx)
    bins = M.reliability_bins(preds.proba, true_idx, n_bins)
    errors = []
    for i, (t, p) in enumerate(zip(y_true, y_pred)):
        if t != p:
            errors.append({"sent_id": records[i]["sent_id"], "text": records[i]["text"], "gold": t, "pred": p,
                           "prob": float(preds.proba[i, class2id[p]])})
    errors.sort(key=lambda e: -e["prob"])
    return Scored("classify", prefix, out, records, preds, M.confusion(y_true, y_pred, classes), bins,
                  errors[:n_errors])


def tags_of(records: list[dict], spans: list[list[dict]]) -> tuple[list[list[str]], list[list[str]]]:
    """Gold (the records' spans) and predicted BIO tags over every span layer of each sentence.

    Nested gold spans (an attribution inside another's CONTENT) are a second
    layer, scored like the first: the truth is the full gold
    (:func:`claimsift.data.tokens.layered_tags`).
    """
    gold, pred = [], []
    for r, s in zip(records, spans):
        g, p = layered_tags(tokenize(r["text"]), r["spans"] or [], s or [])
        gold.append(g)
        pred.append(p)
    return gold, pred


def _score_extract(records, preds, prefix, n_resamples, seed, confidence, n_errors) -> Scored:
    gold, pred = tags_of(records, preds.spans)
    types = preds.classes if preds.classes is not None else M.span_types_of(gold, pred)
    unknown = sorted(set(M.span_types_of(gold)) - set(types))
    if unknown:
        raise ValueError(f"the truth has span type(s) {', '.join(unknown)}, which the predictor does not know (its "
                         f"span types: {', '.join(types)}): score it on data of its own scheme")
    out = M.exact_span_metrics(gold, pred, prefix, types)
    out.update(M.overlap_span_metrics(gold, pred, prefix, types))
    if n_resamples:
        out.update(M.bootstrap_spans(gold, pred, prefix, n_resamples=n_resamples, seed=seed, confidence=confidence,
                                     types=types))
    out[f"{prefix}/n"] = float(len(records))
    errors = []
    for i, (g, p) in enumerate(zip(gold, pred)):
        if g == p:
            continue
        g_set, p_set = set(M.get_entities(g)), set(M.get_entities(p))
        wrong = [s for s in preds.spans[i] if s.get("score") is not None]
        errors.append({"sent_id": records[i]["sent_id"], "text": records[i]["text"],
                       "missed": len(g_set - p_set), "spurious": len(p_set - g_set),
                       "gold": _span_str(records[i]["text"], records[i]["spans"]),
                       "pred": _span_str(records[i]["text"], preds.spans[i]),
                       "prob": max((float(s["score"]) for s in wrong), default=float("nan"))})
    # Most confident first; sentences with no span scores (weak spans) by how much they got wrong.
    errors.sort(key=lambda e: (-(e["prob"] if e["prob"] == e["prob"] else -1.0), -(e["missed"] + e["spurious"])))
    preds.classes = list(types)
    return Scored("extract", prefix, out, records, preds, errors=errors[:n_errors])


def _span_str(text: str, spans: list[dict]) -> str:
    parts = [f"{s['type']}: {text[s['start']:s['end']]}" for s in sorted(spans, key=lambda s: s["start"])]
    return "; ".join(parts) or "—"
