"""Transfer experiments: cv.extra_data never leaks a held-out article, the experiment configs say what they claim."""

import json
import sys
from pathlib import Path

import pytest

from claimsift.config import compose
from claimsift.evaluate import evaluate
from claimsift.evaluate.cv import extra_rows
from claimsift.io import read_jsonl, write_jsonl
from claimsift.train.data import examples

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))  # eval_stub_models.TableClassifier must be importable


@pytest.fixture
def datasets(tmp_path):
    """The 4-article evaluation fixture, and an extra dataset: 2 new sentences, 3 copies of fixture sentences."""
    from claimsift.data.dataset import write_dataset

    rows = read_jsonl(FIXTURES / "eval_sentences.jsonl")
    main = write_dataset(tmp_path / "main", rows, [], {"name": "main"}, {}, "")
    novel = [dict(rows[0], doc_id="other_1", sent_id=f"other_1:{i:03d}", text=f"A new sentence number {i}.",
                  gold_label=None, gold_spans=None, weak_label="allegation") for i in range(2)]
    # The same held-out text under another article id, and a new text under a fixture article's id.
    same_text = [dict(r, doc_id="copy", sent_id=f"copy:{i:03d}", gold_label=None) for i, r in enumerate(rows[:2])]
    same_doc = [dict(rows[6], sent_id="art_b:099", text="Unseen text, but art_b is cross-validated.")]
    extra = tmp_path / "extra"
    extra.mkdir()
    write_jsonl(extra / "sentences.jsonl", novel + same_text + same_doc)
    return main, extra, rows


def test_extra_rows_drop_shared_articles_and_texts(datasets):
    main, extra, rows = datasets
    kept = extra_rows([str(extra)], rows)
    assert [r["doc_id"] for r in kept] == ["other_1", "other_1"]
    assert extra_rows([], rows) == []
    with pytest.raises(FileNotFoundError, match="sentences.jsonl"):
        extra_rows([str(extra / "missing")], rows)


def test_cv_extra_data_trains_on_it_but_never_on_held_out_text(datasets, tmp_path):
    # The stub memorises its training sentences; a held-out sentence copied into the extra data
    # (other doc_id) would be predicted with its label instead of the "background" fallback.
    main, extra, _ = datasets
    out = tmp_path / "cv"
    m = evaluate(compose("evaluate", ["eval.n_resamples=20", "cv=by_article", f"dataset={main}",
                                      f"cv.out_dir={out}", f"+cv.extra_data=[{extra}]", "train.labels=weak+gold",
                                      "model.classify._target_=eval_stub_models.TableClassifier"]))
    assert m["cv/n"] == 24
    assert {p["pred"] for p in read_jsonl(out / "predictions.jsonl")} == {"background"}
    folds = json.loads((out / "details.json").read_text())["folds"]
    assert all(f["n_extra"] == 2 and f["n_train"] == 18 + 2 for f in folds)
    assert "Each fold also trains on 2 sentences" in (out / "report.md").read_text()


@pytest.mark.parametrize("name, data, task, model", [
    ("polnear_extract_baseline", "polnear", "extract", "baseline"),
    ("polnear_extract_transformer", "polnear", "extract", "transformer"),
])
def test_polnear_extract_experiments(name, data, task, model):
    cfg = compose("train", [f"experiment={name}"])
    assert (cfg.data.name, cfg.task.name, cfg.model.name, cfg.train.labels) == (data, task, model, "gold")
    if model == "transformer":
        assert cfg.train.max_sentences == 3000 and cfg.model.extract.epochs == 3
        # PolNeAR dev is held out (evaluate scores it), the empty test split is the validation.
        assert (cfg.splits.validation, cfg.splits.held_out) == ("test", "validation")


def test_seeds_plus_experiments_are_complete_cv_configs():
    none = compose("evaluate", ["experiment=seeds_plus_none"])
    polnear = compose("evaluate", ["experiment=seeds_plus_polnear"])
    tr = compose("evaluate", ["experiment=seeds_plus_polnear_transformer"])
    assert list(none.cv.extra_data) == [] and list(polnear.cv.extra_data) == ["data/built/polnear"]
    for cfg in (none, polnear, tr):
        assert cfg.cv.group_by == "doc_id" and cfg.train.labels == "weak+gold" and cfg.task.name == "classify"
    assert tr.model.name == "transformer" and tr.train.max_sentences == 200 and list(tr.cv.extra_data)
    assert none.cv.out_dir != polnear.cv.out_dir


def test_gold_spans_for_extract_keep_sentences_without_spans():
    # PolNeAR: every sentence has gold_spans, [] when no attribution; those are negatives, not dropped.
    rows = [{"sent_id": "a:0", "text": "He said it.", "spans": [], "gold_label": None,
             "gold_spans": [{"type": "CUE", "start": 3, "end": 7, "text": "said", "attr": 0}]},
            {"sent_id": "a:1", "text": "Rain fell.", "spans": [{"type": "CUE", "start": 0, "end": 4}],
             "gold_label": None, "gold_spans": []},
            {"sent_id": "a:2", "text": "No gold here.", "spans": [], "gold_label": None, "gold_spans": None}]
    ex = examples(rows, "extract", "gold")
    assert ex.sent_ids == ["a:0", "a:1"]
    assert ex.targets == [[{"type": "CUE", "start": 3, "end": 7}], []]
