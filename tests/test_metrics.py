"""Every metric of claimsift.evaluate.metrics against numbers worked out by hand."""

import numpy as np
import pytest
from sklearn.metrics import f1_score

from claimsift.evaluate import metrics as M
from claimsift.labels import CLASSES

A, C, B, O = CLASSES  # allegation, attributed_claim, background, official_statement

# gold / predicted: allegation 1 of 2 found, attributed_claim 1 right + 1 wrong,
# background 1 right + predicted once for attributed_claim; official_statement never occurs.
Y_TRUE = [A, A, C, B, C]
Y_PRED = [A, C, C, B, B]


def test_classification_metrics_by_hand():
    m = M.classification_metrics(Y_TRUE, Y_PRED, CLASSES, "test")
    assert m["test/accuracy"] == pytest.approx(3 / 5)
    assert m["test/precision_allegation"] == pytest.approx(1.0)
    assert m["test/recall_allegation"] == pytest.approx(0.5)
    assert m["test/f1_allegation"] == pytest.approx(2 / 3)
    assert m["test/precision_attributed_claim"] == pytest.approx(0.5)
    assert m["test/recall_attributed_claim"] == pytest.approx(0.5)
    assert m["test/f1_attributed_claim"] == pytest.approx(0.5)
    assert m["test/precision_background"] == pytest.approx(0.5)
    assert m["test/recall_background"] == pytest.approx(1.0)
    assert m["test/f1_background"] == pytest.approx(2 / 3)
    assert m["test/support_allegation"] == 2 and m["test/support_background"] == 1
    # official_statement: no gold, no prediction → 0 and left out of the macro average
    assert m["test/f1_official_statement"] == 0.0 and m["test/support_official_statement"] == 0
    assert m["test/macro_f1"] == pytest.approx((2 / 3 + 0.5 + 2 / 3) / 3)
    assert m["test/macro_precision"] == pytest.approx((1 + 0.5 + 0.5) / 3)
    assert m["test/weighted_f1"] == pytest.approx((2 * 2 / 3 + 2 * 0.5 + 1 * 2 / 3) / 5)
    assert m["test/n"] == 5


def test_confusion_by_hand():
    cm = M.confusion(Y_TRUE, Y_PRED, CLASSES)
    expected = np.zeros((4, 4), dtype=int)
    expected[0, 0] = 1  # allegation → allegation
    expected[0, 1] = 1  # allegation → attributed_claim
    expected[1, 1] = 1
    expected[1, 2] = 1  # attributed_claim → background
    expected[2, 2] = 1
    assert (cm == expected).all()


def test_bad_labels_raise():
    with pytest.raises(ValueError, match="outside the class list"):
        M.classification_metrics([A, "rumour"], [A, A], CLASSES, "x")
    with pytest.raises(ValueError, match="2 gold labels but 1"):
        M.classification_metrics([A, A], [A], CLASSES, "x")


def test_ece_and_bins_by_hand():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
    y = [0, 1, 1, 0]  # correct, wrong, correct, wrong
    bins = M.reliability_bins(proba, y, 4)
    assert [b["count"] for b in bins] == [0, 0, 2, 2]
    assert bins[2]["confidence"] == pytest.approx(0.65) and bins[2]["accuracy"] == pytest.approx(0.5)
    assert bins[3]["confidence"] == pytest.approx(0.85) and bins[3]["accuracy"] == pytest.approx(0.5)
    # 2/4 * |0.5 - 0.65| + 2/4 * |0.5 - 0.85|
    assert M.expected_calibration_error(proba, y, 4) == pytest.approx(0.25)
    # perfectly confident and right: no calibration error; 1.0 lands in the last bin
    assert M.expected_calibration_error(np.array([[1.0, 0.0]]), [0], 10) == 0.0


def test_bootstrap_is_seeded_and_matches_sklearn_per_resample():
    kw = dict(n_resamples=50, seed=7)
    a = M.bootstrap_classification(Y_TRUE, Y_PRED, CLASSES, "t", **kw)
    assert a == M.bootstrap_classification(Y_TRUE, Y_PRED, CLASSES, "t", **kw)
    assert a != M.bootstrap_classification(Y_TRUE, Y_PRED, CLASSES, "t", n_resamples=50, seed=8)
    assert a["t/macro_f1_lo"] <= a["t/macro_f1_hi"]
    # one resample: both ends equal that resample's metrics, computed here with scikit-learn
    idx = np.random.default_rng(3).integers(0, 5, size=(1, 5))[0]
    t, p = [Y_TRUE[i] for i in idx], [Y_PRED[i] for i in idx]
    one = M.bootstrap_classification(Y_TRUE, Y_PRED, CLASSES, "t", n_resamples=1, seed=3)
    present = M.present_classes(t, p, CLASSES)
    assert one["t/macro_f1_lo"] == pytest.approx(f1_score(t, p, labels=present, average="macro", zero_division=0))
    assert one["t/f1_allegation_hi"] == pytest.approx(f1_score(t, p, labels=[A], average="macro", zero_division=0))


def test_bootstrap_of_perfect_predictions_is_a_point():
    b = M.bootstrap_classification(Y_TRUE, Y_TRUE, CLASSES, "t", n_resamples=30, seed=0)
    assert b["t/macro_f1_lo"] == b["t/macro_f1_hi"] == 1.0


GOLD = [["B-SOURCE", "I-SOURCE", "B-CUE", "B-CONTENT", "I-CONTENT", "I-CONTENT"],
        ["O", "B-CUE", "O", "O"]]
PRED = [["B-SOURCE", "O", "B-CUE", "B-CONTENT", "I-CONTENT", "I-CONTENT"],  # SOURCE cut short
        ["O", "B-CUE", "B-SOURCE", "O"]]  # one spurious SOURCE


def test_exact_spans_by_hand():
    m = M.exact_span_metrics(GOLD, PRED, "gold")
    # SOURCE: 0 of 1 gold found, 2 predicted; CUE: 2/2; CONTENT: 1/1
    assert m["gold/precision_SOURCE"] == 0 and m["gold/recall_SOURCE"] == 0 and m["gold/f1_SOURCE"] == 0
    assert m["gold/f1_CUE"] == 1 and m["gold/f1_CONTENT"] == 1
    assert m["gold/support_SOURCE"] == 1 and m["gold/support_CUE"] == 2
    # micro: 3 right of 5 predicted, of 4 gold
    assert m["gold/micro_precision"] == pytest.approx(3 / 5)
    assert m["gold/micro_recall"] == pytest.approx(3 / 4)
    assert m["gold/micro_f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert m["gold/macro_f1"] == pytest.approx(2 / 3)
    # the per-sentence counts (used by the bootstrap) agree with seqeval
    totals = M.span_counts(GOLD, PRED, "exact").sum(axis=0)
    assert totals.tolist() == [[1, 1, 1], [2, 2, 2], [0, 2, 1]]  # CONTENT, CUE, SOURCE: (tp, pred, gold)


def test_overlap_spans_by_hand():
    m = M.overlap_span_metrics(GOLD, PRED, "gold")
    # the short SOURCE overlaps the gold one; the spurious one stays spurious
    assert m["gold/overlap_precision_SOURCE"] == pytest.approx(0.5)
    assert m["gold/overlap_recall_SOURCE"] == pytest.approx(1.0)
    assert m["gold/overlap_micro_precision"] == pytest.approx(4 / 5)
    assert m["gold/overlap_micro_recall"] == pytest.approx(1.0)


def test_overlap_is_one_to_one_and_greedy_by_shared_tokens():
    # gold CONTENT tokens 0-5; two predicted pieces: only one may match
    gold = ["B-CONTENT"] + ["I-CONTENT"] * 5
    pred = ["B-CONTENT", "I-CONTENT", "O", "B-CONTENT", "I-CONTENT", "I-CONTENT"]
    assert M.overlap_counts(gold, pred)["CONTENT"] == (1, 2, 1)
    # gold A = tokens 0-3, B = 4-5; predicted Y = 0-2 (3 tokens with A), X = 3-4 (1 with A, 1 with B).
    # Most shared first pairs Y-A, then X-B: two matches (taking X-A first would leave one).
    gold = ["B-CUE", "I-CUE", "I-CUE", "I-CUE", "B-CUE", "I-CUE"]
    pred = ["B-CUE", "I-CUE", "I-CUE", "B-CUE", "I-CUE", "O"]
    assert M.overlap_counts(gold, pred)["CUE"] == (2, 2, 2)
    # types never match across
    assert M.overlap_counts(["B-CUE"], ["B-SOURCE"])["CUE"] == (0, 0, 1)


def test_span_bootstrap_seeded():
    a = M.bootstrap_spans(GOLD, PRED, "g", n_resamples=40, seed=1)
    assert a == M.bootstrap_spans(GOLD, PRED, "g", n_resamples=40, seed=1)
    assert a["g/f1_CUE_lo"] == a["g/f1_CUE_hi"] == 1.0
    assert 0 <= a["g/micro_f1_lo"] <= a["g/micro_f1_hi"] <= 1
    assert "g/overlap_micro_f1_lo" in a


def test_span_length_mismatch_raises():
    with pytest.raises(ValueError, match="sentence 0: 2 gold tags but 1 predicted"):
        M.exact_span_metrics([["O", "O"]], [["O"]], "x")
