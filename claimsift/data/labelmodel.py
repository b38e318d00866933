"""Combine labeling-function votes into one weak label and a probability per class.

``snorkel``: Snorkel's ``LabelModel``, which learns each function's accuracy
from their agreements and conflicts. ``majority``: the reference, a vote count
(ties go to the class first in the scheme's decision order). Sentences no
function votes on get the scheme's ``default_class`` with probability 1.

A fitted :class:`LabelModel` predicts new sentences' votes too: the label
stage saves it with the dataset, and ``model=rules`` (the labeling functions
as a classifier, :mod:`claimsift.models.rules`) predicts with it.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from claimsift.labels import ABSTAIN

KINDS = ("snorkel", "majority")


def votes_matrix(votes: list[list], classes: Sequence[str]) -> np.ndarray:
    """(n_sentences, n_lfs) int matrix of class ids (positions in ``classes``), ABSTAIN where a function abstained."""
    index = {c: i for i, c in enumerate(classes)}
    L = np.full((len(votes), len(votes[0]) if votes else 0), ABSTAIN, dtype=int)
    for i, row in enumerate(votes):
        for j, v in enumerate(row):
            if v != ABSTAIN:
                L[i, j] = index[v]
    return L


def majority_proba(L: np.ndarray, classes: Sequence[str], precedence: Sequence[str]) -> np.ndarray:
    """Vote shares per class; a tie is broken toward the class first in ``precedence``."""
    counts = np.zeros((L.shape[0], len(classes)))
    for k in range(len(classes)):
        counts[:, k] = (L == k).sum(axis=1)
    # A tiny bonus by precedence breaks ties the way the scheme decides them.
    bonus = np.array([1e-6 * (len(precedence) - list(precedence).index(c)) for c in classes])
    counts = counts + (counts > 0) * bonus
    total = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


class LabelModel:
    """A fitted combiner of votes: ``fit(L)`` then ``predict_proba(L)`` on the same or new sentences.

    Picklable (the label stage saves it with the dataset); columns follow ``classes``.
    """

    def __init__(self, kind: str, *, classes: Sequence[str], precedence: Sequence[str], default_class: str,
                 seed: int, n_epochs: int = 500, lr: float = 0.01, l2: float = 0.0):
        if kind not in KINDS:
            raise ValueError(f"label_model.kind: unknown {kind!r} (expected snorkel or majority)")
        if default_class not in classes:
            raise ValueError(f"default_class={default_class!r}: not one of the classes ({', '.join(classes)})")
        self.kind = kind
        self.classes = list(classes)
        self.precedence = list(precedence)
        self.default_class = default_class
        self.seed, self.n_epochs, self.lr, self.l2 = seed, n_epochs, lr, l2
        self.snorkel_ = None

    def fit(self, L: np.ndarray) -> "LabelModel":
        """Learn the functions' accuracies from ``L`` (snorkel); nothing to learn for a majority vote."""
        if self.kind == "snorkel" and L.shape[0]:
            import warnings

            if L.shape[1] < 3:  # Snorkel's model identifies the functions' accuracies from three or more
                raise ValueError(f"label_model.kind=snorkel needs at least 3 labeling functions, the scheme has "
                                 f"{L.shape[1]}: pass label_model.kind=majority")

            from snorkel.labeling.model import LabelModel as Snorkel

            model = Snorkel(cardinality=len(self.classes), verbose=False, device="cpu")
            with warnings.catch_warnings():  # scipy's dtype FutureWarning inside snorkel
                warnings.simplefilter("ignore", FutureWarning)
                model.fit(L, n_epochs=self.n_epochs, lr=self.lr, l2=self.l2, seed=self.seed, progress_bar=False)
            self.snorkel_ = model
        return self

    def predict_proba(self, L: np.ndarray) -> np.ndarray:
        """(n_sentences, n_classes) probabilities in ``classes`` order; no vote at all means ``default_class``."""
        if L.shape[0] == 0:
            return np.zeros((0, len(self.classes)))
        if self.kind == "majority" or self.snorkel_ is None:
            proba = majority_proba(L, self.classes, self.precedence)
        else:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                proba = np.asarray(self.snorkel_.predict_proba(L), dtype=float)
        no_vote = (L == ABSTAIN).all(axis=1)
        proba[no_vote] = 0.0
        proba[no_vote, self.classes.index(self.default_class)] = 1.0
        return proba


def fit_predict_proba(L: np.ndarray, kind: str, *, classes: Sequence[str], precedence: Sequence[str],
                      default_class: str, seed: int, n_epochs: int = 500, lr: float = 0.01,
                      l2: float = 0.0) -> np.ndarray:
    """Class probabilities (n_sentences, n_classes) in ``classes`` order, from a label model fitted on ``L``."""
    model = LabelModel(kind, classes=classes, precedence=precedence, default_class=default_class, seed=seed,
                       n_epochs=n_epochs, lr=lr, l2=l2)
    return model.fit(L).predict_proba(L)


def lf_analysis(L: np.ndarray, names: list[str], classes: Sequence[str],
                gold: list[str | None] | None = None) -> list[dict]:
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
            "polarity": sorted({classes[v] for v in L[:, j] if v != ABSTAIN}),
            "coverage": float(summary["Coverage"].iloc[j]) if summary is not None else 0.0,
            "overlaps": float(summary["Overlaps"].iloc[j]) if summary is not None else 0.0,
            "conflicts": float(summary["Conflicts"].iloc[j]) if summary is not None else 0.0,
            "gold_votes": 0,
            "gold_accuracy": None,
        }
        if gold is not None:
            idx = [i for i, g in enumerate(gold) if g is not None and L[i, j] != ABSTAIN]
            if idx:
                correct = sum(classes[L[i, j]] == gold[i] for i in idx)
                row["gold_votes"] = len(idx)
                row["gold_accuracy"] = correct / len(idx)
        rows.append(row)
    return rows
