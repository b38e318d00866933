"""Validation metrics of a fitted model, in the project's key vocabulary (``val/macro_f1``, ``val/f1_<class>``).

Classify: macro-F1 over the classes that occur in the truth or the predictions,
per-class F1, accuracy and log loss. Extract: seqeval's entity-level F1 per span
type over the word tokens of ``claimsift.data.tokens.tokenize``, macro and micro.
"""

from __future__ import annotations

from claimsift.data.tokens import spans_to_bio, tokenize
from claimsift.labels import CLASSES


def validation_metrics(task: str, model, texts: list[str], targets: list, prefix: str = "val") -> dict[str, float]:
    """Metrics of ``model`` on ``texts`` against ``targets``; empty when there is nothing to score."""
    if not texts:
        return {}
    if task == "classify":
        return _classify(model, texts, targets, prefix)
    return _extract(model, texts, targets, prefix)


def _classify(model, texts, targets, prefix):
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score, log_loss

    proba = model.predict_proba(texts)
    pred = [model.classes_[i] for i in proba.argmax(axis=1)]
    present = sorted(set(targets) | set(pred))
    per_class = f1_score(targets, pred, labels=present, average=None, zero_division=0)
    out = {f"{prefix}/macro_f1": float(np.mean(per_class)), f"{prefix}/accuracy": accuracy_score(targets, pred)}
    out.update({f"{prefix}/f1_{c}": float(f) for c, f in zip(present, per_class)})
    out[f"{prefix}/loss"] = log_loss(targets, np.clip(proba, 1e-7, 1), labels=CLASSES)
    out[f"{prefix}/n"] = len(texts)
    return {k: round(float(v), 4) if not k.endswith("/n") else v for k, v in out.items()}


def _extract(model, texts, targets, prefix):
    from seqeval.metrics import classification_report

    y_true, y_pred = [], []
    for text, gold, spans in zip(texts, targets, model.predict(texts)):
        toks = tokenize(text)
        y_true.append(spans_to_bio(toks, gold))
        y_pred.append(spans_to_bio(toks, spans))
    if not any(t != "O" for tags in y_true + y_pred for t in tags):  # no span anywhere: nothing to score
        return {f"{prefix}/macro_f1": 0.0, f"{prefix}/micro_f1": 0.0, f"{prefix}/n": len(texts)}
    report = classification_report(y_true, y_pred, output_dict=True, zero_division=0)
    out = {f"{prefix}/macro_f1": report["macro avg"]["f1-score"], f"{prefix}/micro_f1": report["micro avg"]["f1-score"]}
    for name, row in report.items():
        if "avg" not in name:
            out[f"{prefix}/f1_{name}"] = row["f1-score"]
    out = {k: round(float(v), 4) for k, v in out.items()}
    out[f"{prefix}/n"] = len(texts)
    return out
