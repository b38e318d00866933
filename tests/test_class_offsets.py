"""Class offsets: per-class shifts of the log probabilities, fitted on validation to its best macro-F1."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from claimsift.models.base import (
    OFFSET_GRID,
    ClassifierModel,
    fit_class_offsets,
    macro_f1,
)


class Fixed(ClassifierModel):
    """A classifier that returns the probabilities it is given."""

    def __init__(self, proba: np.ndarray, classes: list[str]):
        self.proba, self.classes_ = proba, classes

    def fit(self, texts, labels, *, soft_labels=None, eval_texts=None, eval_labels=None):
        return self

    def predict_proba(self, texts):
        return self.shifted(self.proba[: len(texts)])

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path):
        raise NotImplementedError


def test_macro_f1_counts_as_scikit_learn_does():
    rng = np.random.default_rng(0)
    for k in (2, 4, 6):
        y, p = rng.integers(0, k, 200), rng.integers(0, k - 1, 200)  # one class never predicted
        assert macro_f1(y, p, k) == pytest.approx(f1_score(y, p, average="macro"))


def test_offsets_move_the_decision_where_the_model_over_predicts_one_class():
    # Claims (class 1) come out as 0.55 allegation (class 0): an offset of at least log(0.55 / 0.45)
    # for class 1 over class 0 gets them right without losing the true allegations (0.8 / 0.2).
    proba = np.array([[0.8, 0.2, 0.0]] * 10 + [[0.55, 0.45, 0.0]] * 10 + [[0.1, 0.1, 0.8]] * 10)
    y = np.array([0] * 10 + [1] * 10 + [2] * 10)
    assert macro_f1(y, proba.argmax(1), 3) < 0.7
    b = fit_class_offsets(proba, y)
    assert macro_f1(y, (np.log(np.clip(proba, 1e-12, None)) + b).argmax(1), 3) == 1.0
    assert np.log(0.55 / 0.45) < b[1] - b[0] < np.log(0.8 / 0.2), "between the two groups' margins"
    assert set(b) <= set(OFFSET_GRID)
    model = Fixed(proba, ["allegation", "attributed_claim", "background"])
    model.set_class_offsets("fit", proba, y)
    assert model.predict(["s"] * 30) == ["allegation"] * 10 + ["attributed_claim"] * 10 + ["background"] * 10
    np.testing.assert_allclose(model.predict_proba(["s"] * 30).sum(axis=1), 1.0)


def test_offsets_that_cannot_help_stay_zero():
    proba = np.array([[0.9, 0.1], [0.2, 0.8]] * 5)
    y = np.array([0, 1] * 5)
    assert fit_class_offsets(proba, y).tolist() == [0.0, 0.0]


def test_settings():
    model = Fixed(np.array([[0.6, 0.4]]), ["a", "b"])
    assert model.set_class_offsets(None, model.proba, np.array([1])) == {}
    assert model.predict_proba(["s"]) is model.proba or np.array_equal(model.predict_proba(["s"]), model.proba)
    assert model.set_class_offsets("fit", None, None) == {}, "no validation: none"
    with pytest.raises(ValueError, match="class_offsets='often'"):
        model.set_class_offsets("often", model.proba, np.array([1]))
