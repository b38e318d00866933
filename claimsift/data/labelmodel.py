"""Combine labeling-function votes into one weak label and a probability per class.

``snorkel``: Snorkel's ``LabelModel``, which learns each function's accuracy
from their agreements and conflicts. ``majority``: the reference, a vote count.
Sentences no function votes on get ``default_class`` (the spec's "everything
else" class) with probability 1.
"""

from __future__ import annotations

import numpy as np

from claimsift.labels import ABSTAIN, CLASS2ID, CLASSES, PRECEDENCE


def votes_matrix(votes: list[list]) -> np.ndarray:
    """(n_sentences, n_lfs) int matrix of class ids, ABSTAIN where a function abstained."""
    L = np.full((len(votes), len(votes[0]) if votes else 0), ABSTAIN, dtype=int)
    for i, row in enumerate(votes):
        for j, v in enumerate(row):
            if v != ABSTAIN:
                L[i, j] = CLASS2ID[v]
    return L


def majority_proba(L: np.ndarray) -> np.ndarray:
    """Vote shares per class; a tie is broken toward the class first in the spec's decision order."""
    counts = np.zeros((L.shape[0], len(CLASSES)))
    for k in range(len(CLASSES)):
        counts[:, k] = (L == k).sum(axis=1)
    # A tiny bonus by precedence breaks ties the way the spec decides them.
    bonus = np.array([1e-6 * (len(PRECEDENCE) - PRECEDENCE.index(c)) for c in CLASSES])
    counts = counts + (counts > 0) * bonus
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


def fit_predict_proba(L: np.ndarray, kind: str, *, seed: int, n_epochs: int = 500, lr: float = 0.01,
                      l2: float = 0.0, default_class: str = "background") -> np.ndarray:
    """Class probabilities (n_sentences, n_classes) in ``CLASSES`` order."""
    if kind == "majority":
        proba = majority_proba(L)
    elif kind == "snorkel":
        proba = _snorkel_proba(L, seed=seed, n_epochs=n_epochs, lr=lr, l2=l2)
    else:
        raise ValueError(f"label_model.kind: unknown {kind!r} (expected snorkel or majority)")
    no_vote = (L == ABSTAIN).all(axis=1)
    proba[no_vote] = 0.0
    proba[no_vote, CLASS2ID[default_class]] = 1.0
    return proba


def _snorkel_proba(L: np.ndarray, *, seed: int, n_epochs: int, lr: float, l2: float) -> np.ndarray:
    import warnings

    from snorkel.labeling.model import LabelModel

    if L.shape[0] == 0:
        return np.zeros((0, len(CLASSES)))
    model = LabelModel(cardinality=len(CLASSES), verbose=False, device="cpu")
    with warnings.catch_warnings():  # scipy's dtype FutureWarning inside snorkel
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(L, n_epochs=n_epochs, lr=lr, l2=l2, seed=seed, progress_bar=False)
        return model.predict_proba(L)


def lf_analysis(L: np.ndarray, names: list[str], gold: list[str | None] | None = None) -> list[dict]:
    """One row per labeling function: polarity, coverage, overlaps, conflicts, and accuracy on gold.

    Accuracy is measured on the sentences that have a gold label and on which
    the function voted (``gold_votes``); it is None where it never voted there.
    """
    from snorkel.labeling import LFAnalysis

    summary = LFAnalysis(L).lf_summary() if L.shape[0] else None
    rows = []
    for j, name in enumerate(names):
        row = {
            "lf": name,
            "polarity": sorted({CLASSES[v] for v in L[:, j] if v != ABSTAIN}),
            "coverage": float(summary["Coverage"].iloc[j]) if summary is not None else 0.0,
            "overlaps": float(summary["Overlaps"].iloc[j]) if summary is not None else 0.0,
            "conflicts": float(summary["Conflicts"].iloc[j]) if summary is not None else 0.0,
            "gold_votes": 0,
            "gold_accuracy": None,
        }
        if gold is not None:
            idx = [i for i, g in enumerate(gold) if g is not None and L[i, j] != ABSTAIN]
            if idx:
                correct = sum(CLASSES[L[i, j]] == gold[i] for i in idx)
                row["gold_votes"] = len(idx)
                row["gold_accuracy"] = correct / len(idx)
        rows.append(row)
    return rows
