"""Span thresholds: spans a model is unsure of are dropped, per type, at thresholds fitted on validation."""

import pytest

from claimsift.config import compose
from claimsift.io import read_jsonl
from claimsift.labels import BIO_TAGS
from claimsift.models import load_model
from claimsift.models.base import THRESHOLD_GRID, SpanModel, fit_span_thresholds
from claimsift.train import build_model


class Fixed(SpanModel):
    """A span model that predicts what it is given: one list of spans per known sentence."""

    def __init__(self, spans: dict[str, list[dict]]):
        self.tags_ = list(BIO_TAGS)
        self.spans = spans

    def fit(self, texts, spans, *, eval_texts=None, eval_spans=None):
        return self

    def predict_proba(self, texts):
        raise NotImplementedError

    def predict(self, texts):
        return [self.keep_confident([dict(s) for s in self.spans[t]]) for t in texts]

    def save(self, path):
        raise NotImplementedError

    @classmethod
    def load(cls, path):
        raise NotImplementedError


def span(text, typ, words, score, attr=None):
    start = text.index(words)
    out = {"type": typ, "start": start, "end": start + len(words), "text": words, "score": score}
    return out if attr is None else {**out, "attr": attr}


A = "The minister said the talks would resume."
B = "Rain fell on the capital on Tuesday."
C = "Police said two men were held, a witness told reporters."


def test_keep_confident_drops_spans_under_their_type_threshold_and_renumbers_attributions():
    spans = [span(C, "SOURCE", "Police", 0.95, 0), span(C, "CUE", "said", 0.9, 0),
             span(C, "CONTENT", "two men were held", 0.35, 0),
             span(C, "SOURCE", "a witness", 0.4, 1), span(C, "CUE", "told", 0.45, 1)]
    model = Fixed({C: spans})
    assert model.predict([C]) == [spans], "no thresholds: every span stays, as it was"
    model.span_thresholds_ = {"CONTENT": 0.5, "CUE": 0.5, "SOURCE": 0.3}
    kept = model.predict([C])[0]
    assert [(s["type"], s["text"], s["attr"]) for s in kept] == [
        ("SOURCE", "Police", 0), ("CUE", "said", 0), ("SOURCE", "a witness", 0)], \
        "the unsure CONTENT and CUE go; the orphaned SOURCE joins the remaining cue's attribution"


def test_fitted_threshold_is_the_lowest_that_drops_the_wrong_spans():
    pred = {A: [span(A, "SOURCE", "The minister", 0.92), span(A, "CUE", "said", 0.3),
                span(A, "CONTENT", "the talks would resume", 0.8)],
            B: [span(B, "SOURCE", "Rain", 0.4), span(B, "CONTENT", "the capital", 0.6)]}
    gold = [[span(A, "SOURCE", "The minister", 1), span(A, "CUE", "said", 1),
             span(A, "CONTENT", "the talks would resume", 1)], []]
    th = fit_span_thresholds(Fixed(pred), [A, B], gold)
    assert th == {"CONTENT": 0.65, "CUE": 0.0, "SOURCE": 0.45}, \
        "SOURCE and CONTENT: just above the spurious span's score; CUE's only span is right: none"
    assert set(th.values()) <= set(THRESHOLD_GRID)


@pytest.fixture(scope="module")
def records():
    from conftest import FIXTURES

    return read_jsonl(FIXTURES / "train_sentences.jsonl")


def crf(*overrides):
    return build_model(compose("train", ["task=extract", "model=baseline", *overrides]))


def test_crf_fits_thresholds_on_validation_and_keeps_them(records, tmp_path):
    train = [r for r in records if r["split"] == "train"]
    val = [r for r in records if r["split"] == "validation"]
    texts = [r["text"] for r in val]
    model = crf().fit([r["text"] for r in train], [r["spans"] for r in train],
                      eval_texts=texts, eval_spans=[r["spans"] for r in val])
    assert set(model.span_thresholds_) == {"CONTENT", "CUE", "SOURCE"}
    assert set(model.span_thresholds_.values()) <= set(THRESHOLD_GRID)
    for sent in model.predict(texts):
        assert all(s["score"] >= model.span_thresholds_[s["type"]] for s in sent)
    model.save(tmp_path / "crf")
    again = load_model(tmp_path / "crf")
    assert again.span_thresholds_ == model.span_thresholds_ and again.predict(texts) == model.predict(texts)

    unfitted = crf().fit([r["text"] for r in train], [r["spans"] for r in train])
    assert unfitted.span_thresholds_ == {}, "no validation spans: nothing to fit, every span kept"
    fixed = crf("model.extract.span_thresholds=0.5").fit([r["text"] for r in train], [r["spans"] for r in train])
    assert fixed.span_thresholds_ == {"CONTENT": 0.5, "CUE": 0.5, "SOURCE": 0.5}
    off = crf("model.extract.span_thresholds=null").fit([r["text"] for r in train], [r["spans"] for r in train],
                                                         eval_texts=texts, eval_spans=[r["spans"] for r in val])
    assert off.span_thresholds_ == {}


def test_a_bad_threshold_setting_is_refused(records):
    train = [r for r in records if r["split"] == "train"]
    with pytest.raises(ValueError, match="span_thresholds='often'"):
        crf("model.extract.span_thresholds=often").fit([r["text"] for r in train], [r["spans"] for r in train])


def test_a_model_saved_before_thresholds_keeps_every_span(records, tmp_path):
    train = [r for r in records if r["split"] == "train"]
    texts = [r["text"] for r in records if r["split"] == "validation"]
    model = crf("model.extract.span_thresholds=null").fit([r["text"] for r in train], [r["spans"] for r in train])
    spans = model.predict(texts)
    del model.span_thresholds_  # as a CRF pickled before the setting existed
    assert model.predict(texts) == spans
    model.save(tmp_path / "old")
    assert load_model(tmp_path / "old").predict(texts) == spans
