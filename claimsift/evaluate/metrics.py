"""Pure metric functions: labels and spans in, flat ``{"split/metric[_class]": float}`` dicts out.

Classification uses scikit-learn, exact span matching uses seqeval (default
mode, on BIO tags; its keys carry no mode: ``f1_SOURCE``, ``micro_f1``), overlap span matching is ours: a predicted and a gold span
of the same type match when they share a word token, paired one-to-one,
greedily by the number of shared tokens. Bootstrap intervals resample
sentences with replacement from a seeded generator, so they are reproducible.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as seqeval_prfs
from seqeval.metrics.sequence_labeling import get_entities
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

# ---------------------------------------------------------------- classification


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str],
                           prefix: str) -> dict[str, float]:
    """Per-class precision/recall/F1/support, macro and weighted averages, accuracy.

    Per-class scores are given for every class in ``classes`` (0 when a class
    has neither gold nor predicted sentences); the macro average is over the
    classes that occur in gold or predictions, as scikit-learn does by default,
    so a class absent from a small split does not drag the average down.
    Raises ValueError on empty input or a label outside ``classes``.
    """
    _check_labels(y_true, y_pred, classes)
    classes = list(classes)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=classes, zero_division=0)
    present = present_classes(y_true, y_pred, classes)
    mp, mr, mf, _ = precision_recall_fscore_support(y_true, y_pred, labels=present, average="macro", zero_division=0)
    wp, wr, wf, _ = precision_recall_fscore_support(y_true, y_pred, labels=classes, average="weighted",
                                                    zero_division=0)
    out = {
        f"{prefix}/accuracy": float(accuracy_score(y_true, y_pred)),
        f"{prefix}/macro_precision": float(mp),
        f"{prefix}/macro_recall": float(mr),
        f"{prefix}/macro_f1": float(mf),
        f"{prefix}/weighted_precision": float(wp),
        f"{prefix}/weighted_recall": float(wr),
        f"{prefix}/weighted_f1": float(wf),
        f"{prefix}/n": float(len(y_true)),
    }
    for i, c in enumerate(classes):
        out[f"{prefix}/precision_{c}"] = float(p[i])
        out[f"{prefix}/recall_{c}"] = float(r[i])
        out[f"{prefix}/f1_{c}"] = float(f[i])
        out[f"{prefix}/support_{c}"] = float(s[i])
    return out


def present_classes(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> list[str]:
    """The classes (in ``classes`` order) that occur in gold or predictions."""
    seen = set(y_true) | set(y_pred)
    return [c for c in classes if c in seen]


def confusion(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Confusion counts, rows = gold, columns = predicted, both in ``classes`` order."""
    _check_labels(y_true, y_pred, classes)
    return confusion_matrix(y_true, y_pred, labels=list(classes))


def _f1_from_confusion(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 from confusion matrices of shape (..., k, k), 0 where undefined."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(float)
    pred = cm.sum(axis=-2)
    gold = cm.sum(axis=-1)
    denom = pred + gold
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def bootstrap_classification(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str], prefix: str,
                             *, n_resamples: int, seed: int, confidence: float = 0.95) -> dict[str, float]:
    """Percentile intervals for macro-F1 and each class F1, resampling sentences.

    Returns ``{prefix}/macro_f1_lo``, ``..._hi`` and ``{prefix}/f1_<class>_lo`` /
    ``_hi``. In each resample the macro average is over the classes present
    in that resample (gold or predicted), matching ``classification_metrics``.
    """
    _check_labels(y_true, y_pred, classes)
    k = len(classes)
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[c] for c in y_true])
    p = np.array([index[c] for c in y_pred])
    idx = np.random.default_rng(seed).integers(0, len(t), size=(n_resamples, len(t)))
    flat = t[idx] * k + p[idx] + (np.arange(n_resamples) * k * k)[:, None]
    cm = np.bincount(flat.ravel(), minlength=n_resamples * k * k).reshape(n_resamples, k, k)
    f1 = _f1_from_confusion(cm)
    present = (cm.sum(axis=-1) + cm.sum(axis=-2)) > 0
    macro = (f1 * present).sum(axis=1) / present.sum(axis=1)
    out = _interval(macro, f"{prefix}/macro_f1", confidence)
    for i, c in enumerate(classes):
        out.update(_interval(f1[:, i], f"{prefix}/f1_{c}", confidence))
    return out


# A probability of exactly 0 on the true class would make the log loss infinite; floored, it costs log(1e7) ~ 16.
PROB_FLOOR = 1e-7


def log_loss(proba: np.ndarray, y_true_idx: Sequence[int]) -> float:
    """Mean negative log-probability of the true class (probabilities floored at ``PROB_FLOOR``)."""
    proba = np.asarray(proba, dtype=float)
    picked = proba[np.arange(len(proba)), np.asarray(y_true_idx, dtype=int)]
    return float(-np.log(np.clip(picked, PROB_FLOOR, 1.0)).mean())


def expected_calibration_error(proba: np.ndarray, y_true_idx: Sequence[int], n_bins: int) -> float:
    """ECE of the top-class confidence: sum over equal-width bins of |B|/n * |accuracy(B) - confidence(B)|."""
    bins = reliability_bins(proba, y_true_idx, n_bins)
    n = sum(b["count"] for b in bins)
    return float(sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"]))


def reliability_bins(proba: np.ndarray, y_true_idx: Sequence[int], n_bins: int) -> list[dict]:
    """Per equal-width confidence bin: lower/upper edge, count, mean confidence and accuracy.

    A confidence of exactly 1.0 falls into the last bin; bin i holds
    ``lo < confidence <= hi`` (the first bin also holds 0).
    """
    proba = np.asarray(proba, dtype=float)
    if proba.ndim != 2 or len(proba) != len(y_true_idx) or len(proba) == 0:
        raise ValueError(f"probabilities of shape {proba.shape} do not match {len(y_true_idx)} labels")
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == np.asarray(y_true_idx)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    bins = []
    for b in range(n_bins):
        mask = which == b
        bins.append({"lo": float(edges[b]), "hi": float(edges[b + 1]), "count": int(mask.sum()),
                     "confidence": float(conf[mask].mean()) if mask.any() else 0.0,
                     "accuracy": float(correct[mask].mean()) if mask.any() else 0.0})
    return bins


# ---------------------------------------------------------------- spans

def span_types_of(*tag_lists: Sequence[Sequence[str]]) -> list[str]:
    """The span types tagged anywhere in ``tag_lists`` (lists of BIO sequences), sorted."""
    return sorted({t for tags in tag_lists for seq in tags for t, _, _ in get_entities(list(seq))})


def exact_span_metrics(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]],
                       prefix: str, types: Sequence[str] | None = None) -> dict[str, float]:
    """seqeval exact-match precision/recall/F1/support per span type, micro and macro averages.

    Exact matching is the project's default span metric, so its keys carry no
    mode: ``{prefix}/f1_SOURCE``, ``{prefix}/micro_f1``, ``{prefix}/macro_f1``
    (mean over the types seen in gold or predictions, as seqeval does).
    Per-type keys for every one of ``types`` (the scheme's; None: the types seen).
    """
    _check_tags(gold_tags, pred_tags)
    gold_tags, pred_tags = [list(t) for t in gold_tags], [list(t) for t in pred_tags]
    out: dict[str, float] = {}
    p, r, f, s = seqeval_prfs(gold_tags, pred_tags, average=None, zero_division=0)
    # seqeval reports only the types it sees, in sorted order; absent types read 0.
    seen = sorted({t for t, _, _ in get_entities(gold_tags)} | {t for t, _, _ in get_entities(pred_tags)})
    per_type = dict(zip(seen, zip(p, r, f, s)))
    for t in (seen if types is None else types):
        tp_, tr_, tf_, ts_ = per_type.get(t, (0.0, 0.0, 0.0, 0))
        out[f"{prefix}/precision_{t}"] = float(tp_)
        out[f"{prefix}/recall_{t}"] = float(tr_)
        out[f"{prefix}/f1_{t}"] = float(tf_)
        out[f"{prefix}/support_{t}"] = float(ts_)
    mp, mr, mf, _ = seqeval_prfs(gold_tags, pred_tags, average="micro", zero_division=0)
    out.update({f"{prefix}/micro_precision": float(mp), f"{prefix}/micro_recall": float(mr),
                f"{prefix}/micro_f1": float(mf),
                f"{prefix}/macro_f1": float(np.mean([per_type[t][2] for t in seen])) if seen else 0.0})
    return out


def exact_counts(gold_tags: Sequence[str], pred_tags: Sequence[str],
                 types: Sequence[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """(true positives, predicted, gold) per span type (``types``; None: those seen) for one sentence,
    seqeval's entity reading."""
    gold = set(get_entities(list(gold_tags)))
    pred = set(get_entities(list(pred_tags)))
    types = span_types_of([gold_tags], [pred_tags]) if types is None else types
    return {t: (sum(1 for e in pred & gold if e[0] == t), sum(1 for e in pred if e[0] == t),
                sum(1 for e in gold if e[0] == t)) for t in types}


def overlap_counts(gold_tags: Sequence[str], pred_tags: Sequence[str],
                   types: Sequence[str] | None = None) -> dict[str, tuple[int, int, int]]:
    """(matched, predicted, gold) per span type for one sentence under overlap matching.

    Two spans of one type can match when they share at least one token; pairs
    are taken greedily by most shared tokens (then leftmost), each span used
    at most once.
    """
    gold = get_entities(list(gold_tags))
    pred = get_entities(list(pred_tags))
    out = {}
    for t in (span_types_of([gold_tags], [pred_tags]) if types is None else types):
        g = [(s, e) for typ, s, e in gold if typ == t]
        p = [(s, e) for typ, s, e in pred if typ == t]
        pairs = []
        for i, (gs, ge) in enumerate(g):
            for j, (ps, pe) in enumerate(p):
                shared = min(ge, pe) - max(gs, ps) + 1
                if shared > 0:
                    pairs.append((-shared, gs, ps, i, j))
        used_g, used_p = set(), set()
        for _, _, _, i, j in sorted(pairs):
            if i not in used_g and j not in used_p:
                used_g.add(i)
                used_p.add(j)
        out[t] = (len(used_g), len(p), len(g))
    return out


def span_counts(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], mode: str,
                types: Sequence[str] | None = None) -> np.ndarray:
    """(n_sentences, n_types, 3) array of (tp, predicted, gold) counts; ``mode`` is exact or overlap.

    Types are ``types`` in that order (None: every type seen, sorted).
    """
    _check_tags(gold_tags, pred_tags)
    types = span_types_of(gold_tags, pred_tags) if types is None else list(types)
    count = {"exact": exact_counts, "overlap": overlap_counts}[mode]
    rows = []
    for g, p in zip(gold_tags, pred_tags):
        c = count(g, p, types)
        rows.append([c[t] for t in types])
    return np.array(rows, dtype=float).reshape(len(rows), len(types), 3)


def prf_from_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 from (..., 3) arrays of (tp, predicted, gold), 0 where undefined."""
    tp, npred, ngold = counts[..., 0], counts[..., 1], counts[..., 2]
    p = np.divide(tp, npred, out=np.zeros_like(tp), where=npred > 0)
    r = np.divide(tp, ngold, out=np.zeros_like(tp), where=ngold > 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)
    return p, r, f


def overlap_span_metrics(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]],
                         prefix: str, types: Sequence[str] | None = None) -> dict[str, float]:
    """Overlap-match precision/recall/F1 per span type (``types``; None: those seen) and micro averages
    (``{prefix}/overlap_...``)."""
    types = span_types_of(gold_tags, pred_tags) if types is None else list(types)
    totals = span_counts(gold_tags, pred_tags, "overlap", types).sum(axis=0)
    p, r, f = prf_from_counts(totals)
    out = {}
    for i, t in enumerate(types):
        out[f"{prefix}/overlap_precision_{t}"] = float(p[i])
        out[f"{prefix}/overlap_recall_{t}"] = float(r[i])
        out[f"{prefix}/overlap_f1_{t}"] = float(f[i])
    mp, mr, mf = prf_from_counts(totals.sum(axis=0))
    out.update({f"{prefix}/overlap_micro_precision": float(mp), f"{prefix}/overlap_micro_recall": float(mr),
                f"{prefix}/overlap_micro_f1": float(mf)})
    return out


def bootstrap_spans(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], prefix: str, *,
                    n_resamples: int, seed: int, confidence: float = 0.95,
                    types: Sequence[str] | None = None) -> dict[str, float]:
    """Percentile intervals for micro-F1 and per-type F1 (``types``; None: those seen), exact (``micro_f1``)
    and overlap (``overlap_micro_f1``)."""
    types = span_types_of(gold_tags, pred_tags) if types is None else list(types)
    out = {}
    rng = np.random.default_rng(seed)
    n = len(gold_tags)
    idx = rng.integers(0, n, size=(n_resamples, n))
    for mode in ("exact", "overlap"):
        counts = span_counts(gold_tags, pred_tags, mode, types)  # (n, types, 3)
        sums = counts[idx].sum(axis=1)  # (resamples, types, 3)
        _, _, f = prf_from_counts(sums)
        _, _, micro = prf_from_counts(sums.sum(axis=1))
        name = "" if mode == "exact" else "overlap_"
        out.update(_interval(micro, f"{prefix}/{name}micro_f1", confidence))
        for i, t in enumerate(types):
            out.update(_interval(f[:, i], f"{prefix}/{name}f1_{t}", confidence))
    return out


# ---------------------------------------------------------------- helpers

def _interval(samples: np.ndarray, key: str, confidence: float) -> dict[str, float]:
    alpha = (1.0 - confidence) / 2
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha])
    return {f"{key}_lo": float(lo), f"{key}_hi": float(hi)}


def _check_labels(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> None:
    if len(y_true) == 0:
        raise ValueError("no sentences to evaluate")
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels but {len(y_pred)} predictions")
    unknown = (set(y_true) | set(y_pred)) - set(classes)
    if unknown:
        raise ValueError(f"labels outside the class list: {sorted(unknown)}")


def _check_tags(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]) -> None:
    if len(gold_tags) == 0:
        raise ValueError("no sentences to evaluate")
    if len(gold_tags) != len(pred_tags):
        raise ValueError(f"{len(gold_tags)} gold tag sequences but {len(pred_tags)} predicted")
    for i, (g, p) in enumerate(zip(gold_tags, pred_tags)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
