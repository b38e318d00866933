"""claimsift annotate select: uncertainty ranking, the per-article cap, exclusions, the command line, and the
active-learning bench's loop on a tiny pool."""

import json

import numpy as np
import pytest

from claimsift.annotate.select import (entropy_uncertainty, main, margin_uncertainty, select, span_uncertainty,
                                       uncertainty_scores)

CLASSES = ["a", "b", "c", "d"]


def recs(n, doc=lambda i: f"doc{i}"):
    return [{"sent_id": f"s{i}", "doc_id": doc(i), "text": f"sentence {i}", "start": 10 * i, "end": 10 * i + 9}
            for i in range(n)]


def ids(selection):
    return [r["sent_id"] for r in selection]


def test_margin_and_entropy_rank_hand_made_probabilities():
    proba = np.array([[0.90, 0.05, 0.03, 0.02],   # s0: sure
                      [0.50, 0.50, 0.00, 0.00],   # s1: two classes tie, the rest impossible
                      [0.40, 0.20, 0.20, 0.20],   # s2: spread over all four
                      [0.25, 0.25, 0.25, 0.25]])  # s3: uniform
    assert np.allclose(margin_uncertainty(proba), [0.15, 1.0, 0.8, 1.0])
    assert np.allclose(entropy_uncertainty(proba)[[1, 3]], [0.5, 1.0])
    assert entropy_uncertainty(proba)[0] < entropy_uncertainty(proba)[1] < entropy_uncertainty(proba)[2] < 1

    by_margin = select(recs(4), proba, 4, "margin", classes=CLASSES)
    assert set(ids(by_margin[:2])) == {"s1", "s3"} and ids(by_margin[2:]) == ["s2", "s0"]
    by_entropy = select(recs(4), proba, 4, "entropy", classes=CLASSES)
    assert ids(by_entropy) == ["s3", "s2", "s1", "s0"]  # the tie s1 is only third: entropy counts every class
    first = by_entropy[0]
    assert first["rank"] == 1 and first["strategy"] == "entropy" and first["score"] == pytest.approx(1.0)
    assert first["probabilities"] == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}
    assert first["label"] in CLASSES and first["start"] == 30 and first["text"] == "sentence 3"
    assert [r["score"] for r in by_entropy] == sorted((r["score"] for r in by_entropy), reverse=True)


def test_per_article_cap_spreads_the_batch_over_articles():
    records = recs(8, doc=lambda i: "big" if i < 6 else f"small{i}")
    sure = np.linspace(0.5, 0.95, 8)  # the big article's sentences are the least sure
    proba = np.column_stack([sure, 1 - sure])
    uncapped = select(records, proba, 4, "margin")
    assert {r["doc_id"] for r in uncapped} == {"big"}
    capped = select(records, proba, 4, "margin", per_article=2)
    assert [r["doc_id"] for r in capped] == ["big", "big", "small6", "small7"]
    assert ids(capped[:2]) == ["s0", "s1"], "within the cap the most uncertain still come first"
    assert len(select(records, proba, 10, "margin", per_article=1)) == 3, "the cap can leave fewer than n"
    with pytest.raises(ValueError, match="per_article"):
        select(records, proba, 4, "margin", per_article=0)


def test_gold_labelled_and_excluded_sentences_are_never_selected():
    records = recs(5)
    records[0]["gold_label"] = "a"  # the most uncertain sentence already has a hand label
    proba = np.array([[0.5, 0.5], [0.6, 0.4], [0.7, 0.3], [0.8, 0.2], [0.9, 0.1]])
    assert ids(select(records, proba, 2, "margin")) == ["s1", "s2"]
    excluded = select(records, proba, 5, "entropy", exclude={"s1", ("doc2", 20, 29)})
    assert ids(excluded) == ["s3", "s4"]
    for seed in range(5):
        assert sorted(ids(select(records, proba, 5, "random", seed=seed))) == ["s1", "s2", "s3", "s4"]


def test_random_is_seeded_and_checks_its_inputs():
    records, proba = recs(40), np.full((40, 2), 0.5)
    assert ids(select(records, proba, 10, "random", seed=1)) == ids(select(records, proba, 10, "random", seed=1))
    assert ids(select(records, proba, 10, "random", seed=1)) != ids(select(records, proba, 10, "random", seed=2))
    with pytest.raises(ValueError, match="not a probability distribution"):
        select(records[:2], [[0.5, 0.6], [0.5, 0.5]], 1)
    with pytest.raises(ValueError, match="shape"):
        select(records, proba[:3], 1)
    with pytest.raises(ValueError, match="strategy"):
        select(records, proba, 1, "least_sure")


def test_span_uncertainty_mixes_in_with_its_weight():
    sure = np.array([[1.0, 0.0], [0.0, 1.0]])
    unsure = np.array([[0.5, 0.5], [0.6, 0.4]])
    span = span_uncertainty([sure, unsure, np.zeros((0, 2))])
    assert np.allclose(span, [0.0, 0.45, 0.0])
    proba = np.array([[0.5, 0.5], [0.9, 0.1], [0.9, 0.1]])
    assert np.allclose(uncertainty_scores(proba, "margin", 0, span, 0.5), [0.5, 0.325, 0.1])
    chosen = select(recs(3), proba, 2, "margin", span_scores=span, span_weight=1.0)
    assert ids(chosen) == ["s1", "s0"] and chosen[0]["span_uncertainty"] == pytest.approx(0.45)
    with pytest.raises(ValueError, match="span"):
        uncertainty_scores(proba, "margin", 0, None, 0.5)


def test_cli_writes_a_selection_from_a_predictions_file(tmp_path, capsys):
    preds = tmp_path / "preds.jsonl"
    rows = []
    for i, x in enumerate([0.2, 0.35, 0.45, 0.52, 0.7, 0.9]):  # margin uncertainty 0.4, 0.7, 0.9, 0.96, 0.6, 0.2
        p = [x, round(1 - x, 2)]
        rows.append({"doc_id": f"d{i % 2}", "sent_id": f"d{i % 2}:{i:03d}", "start": 0, "end": 5, "text": f"text {i}",
                     "label": "x" if p[0] > p[1] else "y", "probabilities": {"x": p[0], "y": p[1]}, "spans": None})
    preds.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"sent_id": "d0:002", "label": "x"}) + "\n", encoding="utf-8")
    out = tmp_path / "next" / "batch.jsonl"

    assert main(["--predictions", str(preds), "--n", "3", "--per-article", "2", "--exclude", str(gold),
                 "--output", str(out)]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["sent_id"] for r in lines] == ["d1:003", "d1:001", "d0:004"]  # d0:002 is gold
    for r in lines:
        assert {"sent_id", "doc_id", "text", "start", "end", "score", "probabilities", "rank"} <= set(r)
        assert set(r["probabilities"]) == {"x", "y"}
    assert [r["rank"] for r in lines] == [1, 2, 3]
    assert "3 sentences from 2 articles" in capsys.readouterr().out
    assert not list(out.parent.glob(".*.tmp")), "written atomically: no temporary file left"

    assert main(["--predictions", str(preds), "--output", str(preds)]) == 1, "never overwrites an input"
    assert "one of the inputs" in capsys.readouterr().err
    no_probs = tmp_path / "no_probs.jsonl"
    no_probs.write_text(json.dumps({**rows[0], "probabilities": None}) + "\n", encoding="utf-8")
    assert main(["--predictions", str(no_probs), "--output", str(tmp_path / "x.jsonl")]) == 1
    assert "no probabilities" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--data", str(tmp_path), "--output", str(tmp_path / "x.jsonl")])  # --data needs --classify-run


# ---------------------------------------------------------------- the bench's loop


@pytest.fixture
def bench(monkeypatch):
    import importlib

    from conftest import ROOT

    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    return importlib.import_module("active_learning")


TEMPLATES = {
    "allegation": "Officials accused the militia of killing {n} civilians in {town}.",
    "official_statement": "The ministry said in a statement that talks in {town} would resume on day {n}.",
    "attributed_claim": "Witnesses told reporters that {n} people had gathered in {town}.",
    "background": "The river in {town} rose after {n} days of rain.",
}
TOWNS = ["Basra", "Mosul", "Erbil", "Kirkuk", "Najaf", "Hilla"]


def synthetic(n_per_class, offset=0):
    out = []
    for k, (label, template) in enumerate(TEMPLATES.items()):
        for i in range(n_per_class):
            j = offset + i
            out.append({"sent_id": f"{label}:{j}", "doc_id": f"doc{(j + k) % 6}", "gold_label": label,
                        "text": template.format(n=j + 2, town=TOWNS[(j + k) % len(TOWNS)])})
    return out


def test_bench_loop_runs_two_rounds_on_a_tiny_pool(bench):
    pool = synthetic(10)
    held = synthetic(3, offset=50)
    eval_sets = {"held": ([r["text"] for r in held], [r["gold_label"] for r in held])}
    configured = bench.baseline_factory(["model.classify.lf_features=false"], None)
    fits = []

    def make_model(seed):
        model = configured(seed)
        fit = model.fit

        def spy(texts, labels, **kw):
            fits.append(list(texts))
            return fit(texts, labels, **kw)

        model.fit = spy
        return model

    for arm in ("margin:2", "random"):
        fits.clear()
        curve = bench.simulate(pool, eval_sets, make_model, arm=arm, seed=0, start=8, batch=6, rounds=2)
        assert [p["labelled"] for p in curve] == [8, 14, 20]
        assert [len(f) for f in fits] == [8, 14, 20]
        assert set(fits[0]) < set(fits[1]) < set(fits[2]), "each round adds the revealed batch to the last"
        assert all(0.0 <= p["held"] <= 1.0 for p in curve)
        assert sum(curve[-1]["class_counts"].values()) == 20
    assert all(r["gold_label"] is not None for r in pool), "the caller's pool is not modified"
    with pytest.raises(ValueError, match="strategy"):
        bench.simulate(pool, eval_sets, make_model, arm="sure", seed=0, start=8, batch=6, rounds=1)


def test_bench_reads_rule_features_from_dataset_records(bench):
    records = [{"text": "one", "lf_votes": [{"lf": "lf_b", "label": "y"}], "spans": [{"type": "CUE"}]},
               {"text": "two", "lf_votes": [], "spans": []},
               {"text": "one", "lf_votes": [{"lf": "lf_b", "label": "y"}], "spans": [{"type": "CUE"}]}]
    rules = bench.DatasetRules(records, ["lf_a", "lf_b"], ["x", "y"])
    m = rules(["two", "one"]).toarray()
    assert m.shape == (2, 2 * 2 + 4)
    assert m[1].nonzero()[0].tolist() == [3, 5]  # lf_b voted y; a CUE was found
    assert m[0].nonzero()[0].tolist() == [7]     # no span found
    with pytest.raises(KeyError):
        rules(["three"])
