"""The classifier designs of the comparison: each trains and predicts on a tiny config; the parts follow the spec."""

import numpy as np
import pytest

from claimsift.config import compose
from claimsift.labels import CLASSES
from claimsift.models.structured import PARTS, combine_in_order, part_labels
from claimsift.train import build_model, fit_model

SENTENCES = [
    ("The militia shelled the market, the governor said.", "allegation"),
    ("Witnesses accused the army of burning homes.", "allegation"),
    ("Police said the gang had smuggled weapons across the border.", "allegation"),
    ("The ministry said the talks would resume on Monday.", "official_statement"),
    ("The defence minister announced a curfew in the city.", "official_statement"),
    ("A military spokesman said the convoy had reached the camp.", "official_statement"),
    ("A shopkeeper said the market was quiet again.", "attributed_claim"),
    ("Analysts said the ceasefire was fragile.", "attributed_claim"),
    ("According to residents, the road was reopened.", "attributed_claim"),
    ("The river rose after heavy rain.", "background"),
    ("The city has about two million people.", "background"),
    ("Fighting began in 2014.", "background"),
]


@pytest.mark.parametrize("parts, expected", [
    ((0.1, 0.9, 0.9), "background"),            # no attribution: nothing else matters
    ((0.9, 0.9, 0.9), "allegation"),            # wrongdoing beats an official source (first match wins)
    ((0.9, 0.1, 0.9), "official_statement"),
    ((0.9, 0.1, 0.1), "attributed_claim"),
])
def test_decision_order_follows_the_spec(parts, expected):
    proba = combine_in_order(np.array([parts]))
    assert proba.shape == (1, len(CLASSES)) and proba.sum() == pytest.approx(1.0)
    assert CLASSES[int(proba.argmax())] == expected


@pytest.mark.parametrize("label, answers", [
    ("background", {"attributed": 0, "wrongdoing": None, "official": None}),
    ("allegation", {"attributed": 1, "wrongdoing": 1, "official": None}),   # an official source does not matter
    ("official_statement", {"attributed": 1, "wrongdoing": 0, "official": 1}),
    ("attributed_claim", {"attributed": 1, "wrongdoing": 0, "official": 0}),
])
def test_part_labels_read_off_the_class(label, answers):
    assert part_labels(label) == answers


@pytest.mark.parametrize("combine", ["order", "learned"])
def test_structured_classifier_trains_predicts_and_explains(combine, tmp_path):
    texts, labels = zip(*SENTENCES)
    model = build_model(compose("train", ["model=structured", f"model.classify.combine={combine}"]))
    model.fit(list(texts), list(labels))
    proba = model.predict_proba(list(texts))
    assert proba.shape == (len(texts), len(CLASSES)) and np.allclose(proba.sum(axis=1), 1.0)
    parts = model.explain(["The army said rebels bombed the bridge."])
    assert parts.shape == (1, len(PARTS)) and ((parts >= 0) & (parts <= 1)).all()
    model.save(tmp_path / "m")
    from claimsift.models.base import load_model

    again = load_model(tmp_path / "m")
    assert np.allclose(again.predict_proba(list(texts)), proba)


@pytest.mark.parametrize("model, extra", [
    ("structured", []),
    ("baseline", ["model.classify.lf_features=true"]),
    ("baseline", ["model.classify.lf_features=true", "model.classify.word_ngram_range=null"]),
])
def test_each_design_trains_from_its_config(model, extra):
    cfg = compose("train", ["task=classify", f"model={model}", *extra])
    records = [{"text": t, "gold_label": y, "weak_label": y, "weak_probs": None, "sent_id": f"d:{i}"}
               for i, (t, y) in enumerate(SENTENCES)]
    cfg.train.labels = "gold"
    m = fit_model(cfg, records)
    assert set(m.predict([t for t, _ in SENTENCES])) <= set(CLASSES)


def test_temperature_scaling_fits_overconfident_logits():
    from claimsift.models.transformer import fit_temperature

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=400)
    logits = rng.normal(size=(400, 4))
    logits[np.arange(400), labels] += 1.0       # right more often than chance ...
    t = fit_temperature(logits * 8.0, labels)   # ... but eight times too sure
    assert 4.0 < t < 16.0


def test_contrastive_pairs_are_balanced_and_seeded():
    from claimsift.models.contrastive import sample_pairs

    texts, labels = map(list, zip(*SENTENCES))
    a1 = sample_pairs(texts, labels, samples_per_class=2, pairs_per_sample=4, seed=3)
    a2 = sample_pairs(texts, labels, samples_per_class=2, pairs_per_sample=4, seed=3)
    assert a1 == a2 and len(a1[2]) == 4 * 2 * 4 and sum(a1[2]) == len(a1[2]) / 2
    by_text = dict(SENTENCES)
    for x, y, s in zip(*a1):
        assert (by_text[x] == by_text[y]) == (s == 1.0)


def test_contrastive_classifier_trains_on_a_tiny_bert(tmp_path, tiny_bert):
    from claimsift.models.base import load_model

    texts, labels = map(list, zip(*SENTENCES))
    model = build_model(compose("train", ["model=contrastive", f"model.path={tiny_bert}",
                                          "model.classify.samples_per_class=2", "model.classify.pairs_per_sample=2",
                                          "model.classify.batch_size=4", "model.classify.progress=false"]))
    model.fit(texts, labels)
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(CLASSES)) and np.allclose(proba.sum(axis=1), 1.0)
    model.save(tmp_path / "m")
    assert np.allclose(load_model(tmp_path / "m").predict_proba(texts), proba, atol=1e-5)


@pytest.mark.parametrize("gold, pred, part", [
    ("allegation", "attributed_claim", "wrongdoing"),
    ("allegation", "official_statement", "wrongdoing"),
    ("official_statement", "attributed_claim", "official"),
    ("attributed_claim", "official_statement", "official"),
    ("background", "allegation", "attributed"),
    ("attributed_claim", "background", "attributed"),
])
def test_the_part_that_failed_is_the_first_question_that_differs(gold, pred, part):
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    from mistakes import failed_part

    assert failed_part(gold, pred) == part


def test_transformer_with_rule_hints_trains_on_a_tiny_bert(tiny_bert):
    from claimsift.models.transformer import rule_hint

    assert "background" in rule_hint("The river rose after heavy rain.")
    texts, labels = map(list, zip(*SENTENCES))
    model = build_model(compose("train", ["model=transformer", f"model.path={tiny_bert}", "++model.classify.epochs=1",
                                          "model.params.batch_size=4", "model.classify.rule_hints=true",
                                          "model.params.progress=false"]))
    model.fit(texts, labels, eval_texts=texts[:4], eval_labels=labels[:4])
    enc = model._encode(texts[:1])[0]
    assert 1 in enc["token_type_ids"], "the rule votes are a second segment"
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(CLASSES)) and np.allclose(proba.sum(axis=1), 1.0)
    assert model.temperature_ > 0
