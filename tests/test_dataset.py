"""Label model, splits by article, and the label stage end to end on small fixtures."""

import json

import numpy as np
import pytest

from claimsift.config import compose
from claimsift.data.dataset import assign_splits, load_records, load_sentences
from claimsift.data.labelmodel import LabelModel, fit_predict_proba, majority_proba, votes_matrix
from claimsift.label import label
from claimsift.labels import ABSTAIN
from claimsift.scheme import load_scheme

NEWS = load_scheme("news")
CLASSES = list(NEWS.classes)
ORDER = dict(classes=NEWS.classes, precedence=NEWS.precedence, default_class=NEWS.default_class)


def test_majority_vote_and_precedence_ties():
    L = votes_matrix([["background", "background", ABSTAIN],
                      ["allegation", "attributed_claim", ABSTAIN],   # tie: allegation comes first in the spec
                      [ABSTAIN, ABSTAIN, ABSTAIN]], CLASSES)
    p = majority_proba(L, CLASSES, NEWS.precedence)
    assert CLASSES[p[0].argmax()] == "background" and p[0].max() == pytest.approx(1.0)
    assert CLASSES[p[1].argmax()] == "allegation"
    full = fit_predict_proba(L, "majority", seed=0, **ORDER)
    assert CLASSES[full[2].argmax()] == "background" and full[2].max() == 1.0
    # the tie goes the other way when the decision order says so
    flipped = [c for c in NEWS.precedence if c != "attributed_claim"]
    flipped.insert(0, "attributed_claim")
    assert CLASSES[majority_proba(L, CLASSES, flipped)[1].argmax()] == "attributed_claim"


def test_snorkel_label_model_is_seeded():
    rng = np.random.RandomState(0)
    L = rng.randint(-1, 4, size=(60, 5))
    a = fit_predict_proba(L, "snorkel", seed=3, n_epochs=50, **ORDER)
    b = fit_predict_proba(L, "snorkel", seed=3, n_epochs=50, **ORDER)
    assert np.allclose(a, b) and np.allclose(a.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="label_model.kind"):
        fit_predict_proba(L, "vote", seed=0, **ORDER)


def test_a_fitted_label_model_predicts_new_votes_as_on_its_own():
    rng = np.random.RandomState(1)
    L = rng.randint(-1, 4, size=(80, 5))
    model = LabelModel("snorkel", seed=0, n_epochs=50, **ORDER).fit(L)
    assert np.allclose(model.predict_proba(L[:10]), fit_predict_proba(L, "snorkel", seed=0, n_epochs=50, **ORDER)[:10])
    no_vote = model.predict_proba(np.full((1, 5), ABSTAIN))
    assert CLASSES[no_vote[0].argmax()] == NEWS.default_class

def test_splits_are_by_article_and_seeded():
    docs = [f"d{i}" for i in range(10)]
    a = assign_splits(docs, seed=1, validation=0.2, test=0.2, n_folds=5)
    assert a == assign_splits(docs, seed=1, validation=0.2, test=0.2, n_folds=5)
    assert a != assign_splits(docs, seed=2, validation=0.2, test=0.2, n_folds=5)
    counts = {s: sum(v[0] == s for v in a.values()) for s in ("train", "validation", "test")}
    assert counts == {"train": 6, "validation": 2, "test": 2}
    assert sorted({v[1] for v in a.values()}) == [0, 1, 2, 3, 4]
    five = assign_splits(docs[:5], seed=0, validation=0.2, test=0.2, n_folds=10)
    assert sorted(v[1] for v in five.values()) == [0, 1, 2, 3, 4]  # leave one article out


@pytest.fixture
def built(tmp_path, fixtures):
    cfg = compose("label", ["data=corpus", f"data.path={fixtures / 'label_articles'}", "data.name=fixture",
                            f"out_dir={tmp_path / 'built'}", "gold=null", "label_model.n_epochs=50"])
    summary = label(cfg)
    return tmp_path / "built", summary


def test_label_stage_writes_a_consistent_dataset(built):
    out, summary = built
    records = load_records(out)
    articles = {a["doc_id"]: a["text"] for a in map(json.loads, (out / "articles.jsonl").open(encoding="utf-8"))}
    assert summary["articles"] == 5 and summary["sentences"] == len(records)
    assert summary["boilerplate_dropped"] >= 2  # "Read more:" and the ad slot of plain.txt
    for r in records:
        assert articles[r["doc_id"]][r["start"]:r["end"]] == r["text"]
        assert r["weak_label"] in CLASSES and len(r["weak_probs"]) == len(CLASSES)
        assert abs(sum(r["weak_probs"]) - 1) < 1e-3
        for s in r["spans"]:
            assert r["text"][s["start"]:s["end"]] == s["text"]
    # No article in two splits, and the DatasetDict agrees with the JSONL.
    split_of = {}
    for r in records:
        assert split_of.setdefault(r["doc_id"], r["split"]) == r["split"]
    dd = load_sentences(out)
    assert sum(len(dd[s]) for s in dd) == len(records)
    for split in dd:
        assert set(dd[split]["split"]) <= {split}
    assert len({r["sent_id"] for r in records}) == len(records)


def test_gold_is_joined_and_mismatches_reported(tmp_path, fixtures):
    gold = tmp_path / "gold.jsonl"
    text = "Lawmakers met in Baghdad on Tuesday to debate a draft law on the Popular Mobilization Forces."
    start = len("Parliament debates PMF law\n")
    rows = [
        {"doc_id": "plain", "sent_id": "plain:001", "start": start, "end": start + len(text), "text": text,
         "label": "background", "spans": []},
        {"doc_id": "plain", "sent_id": "plain:009", "start": start + 5, "end": start + 40, "text": text[5:40],
         "label": "background", "spans": []},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = compose("label", ["data=corpus", f"data.path={fixtures / 'label_articles'}", "data.name=fixture",
                            f"out_dir={tmp_path / 'built'}", f"gold={gold}", "label_model.kind=majority"])
    summary = label(cfg)
    assert summary["gold"]["matched"] == 1
    assert len(summary["gold"]["unmatched"]) == 1 and "plain:009" in summary["gold"]["unmatched"][0]
    rec = [r for r in load_records(tmp_path / "built") if r["gold_label"]]
    assert [r["sent_id"] for r in rec] == ["plain:001"]
    assert summary["weak_vs_gold"]["n"] == 1
    assert summary["lf_table"][0].keys() >= {"lf", "coverage", "overlaps", "conflicts", "gold_accuracy"}


def test_a_failed_run_leaves_no_dataset(tmp_path, fixtures):
    cfg = compose("label", ["data=corpus", f"data.path={tmp_path / 'missing'}", f"out_dir={tmp_path / 'built'}", "gold=null"])
    with pytest.raises(FileNotFoundError):
        label(cfg)
    assert not (tmp_path / "built").exists()
    assert not list(tmp_path.glob(".built*"))


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_label_stage_is_quiet_unless_verbose(tmp_path, fixtures, verbose):
    """No datasets "Saving the dataset" bars and no scipy FutureWarning by default; verbose=true shows them."""
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "claimsift.label", "data=corpus", f"data.path={fixtures / 'label_articles'}",
                           "data.name=fixture", f"out_dir={tmp_path / 'built'}", "gold=null",
                           "label_model.n_epochs=50", f"verbose={str(verbose).lower()}"],
                          cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": ""})
    assert done.returncode == 0, done.stderr
    noise = ("Saving the dataset", "FutureWarning")
    assert all((n in done.stderr) == verbose for n in noise), done.stderr
    assert "labeling functions" in done.stderr, "our own bars stay"
