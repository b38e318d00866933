"""The batched numpy inference gives crfsuite's own Viterbi tags and marginals."""

import numpy as np
import pytest

from claimsift.data.tokens import tokenize
from claimsift.models.crf_chain import LinearChain
from test_crf import TRICKY, plain_crf


@pytest.fixture(scope="module")
def fitted():
    from conftest import FIXTURES
    from claimsift.io import read_jsonl

    records = read_jsonl(FIXTURES / "train_sentences.jsonl")
    return plain_crf(records), TRICKY + [r["text"] for r in records]


def crfsuite_says(model, features):
    """Tags and a (tokens, labels) marginal array per sentence, from the crfsuite tagger one sentence at a time."""
    tagger, labels = model._tagger(), list(model._tagger().labels())
    out = []
    for rows in features:
        tags = tagger.tag(rows)
        out.append((tags, np.array([[tagger.marginal(y, i) for y in labels] for i in range(len(rows))])))
    return out


def test_tags_and_marginals_equal_crfsuite_over_several_padded_chunks(fitted):
    model, texts = fitted
    # more sentences than one chunk holds, of every length from 1 token up, in no particular order
    sentences = [tokenize(t) for t in texts if tokenize(t)]
    sentences += [s[k:] for s in sentences for k in range(1, len(s), 2)]
    assert len(sentences) > 256 and min(map(len, sentences)) == 1
    features = [model._features(s) for s in sentences]
    chain = model._chain()
    scores = chain.state_scores(features)
    tags, marginals = chain.viterbi(scores), chain.marginals(scores)
    expected = crfsuite_says(model, features)
    assert tags == [t for t, _ in expected]
    for got, (_, want) in zip(marginals, expected):
        np.testing.assert_allclose(got, want, atol=1e-9)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-9)
    assert any(t.count("O") < len(t) for t in tags), "no span tag anywhere: the comparison would be weak"


def test_weights_are_read_exactly_from_the_model_file(fitted, tmp_path):
    """``tagger.info()`` parses a text dump that rounds every weight to 1e-6; the model file holds them exactly."""
    model, _ = fitted
    exact, dumped = model._chain(), LinearChain.from_tagger(model._tagger())
    assert exact.labels == dumped.labels and exact.index.keys() == dumped.index.keys()
    order = [dumped.index[a] for a in exact.index]
    np.testing.assert_allclose(exact.state[:-1], dumped.state[order], atol=5.1e-7)
    np.testing.assert_allclose(exact.transitions, dumped.transitions, atol=5.1e-7)
    assert not np.allclose(exact.state * 1e6, np.round(exact.state * 1e6), atol=1e-3)  # not rounded
    assert np.allclose(dumped.state * 1e6, np.round(dumped.state * 1e6), atol=1e-3)
    other = tmp_path / "not-a-model"
    other.write_bytes(b"lCRF" + bytes(60))
    np.testing.assert_array_equal(LinearChain.from_tagger(model._tagger(), str(other)).state, dumped.state)


def test_unknown_attributes_weigh_nothing(fitted):
    model, _ = fitted
    chain = model._chain()
    row = model._features(tokenize("The minister said it."))[2]
    with_noise = [tuple(r) + (b"never-seen-attribute",) for r in [row]]
    np.testing.assert_array_equal(chain.state_scores([with_noise])[0], chain.state_scores([[row]])[0])
    assert [s.shape for s in chain.state_scores([[], [row]])] == [(0, len(chain.labels)), (1, len(chain.labels))]


def test_predict_proba_columns_follow_the_model_tags(fitted):
    model, texts = fitted
    proba = model.predict_proba(texts)
    tagger = model._tagger()
    for text, p in zip(texts, proba):
        toks = tokenize(text)
        assert p.shape == (len(toks), len(model.tags_))
        if toks:
            tagger.set(model._features(toks))
            for j, tag in enumerate(model.tags_):
                want = [tagger.marginal(tag, i) if tag in tagger.labels() else 0.0 for i in range(len(toks))]
                np.testing.assert_allclose(p[:, j], want, atol=1e-9)


@pytest.mark.parametrize("window", [0, 1, 3])
def test_word_by_word_scores_equal_the_weights_of_every_attribute(window):
    """``FeatureScores`` against the fitted weights summed over ``token_features``' attribute names."""
    from conftest import FIXTURES
    from claimsift.config import compose
    from claimsift.io import read_jsonl
    from claimsift.models.baseline import token_features
    from claimsift.train import build_model

    records = read_jsonl(FIXTURES / "train_sentences.jsonl")
    train = [r for r in records if r["split"] == "train"]
    model = build_model(compose("train", ["task=extract", "model=baseline", "model.extract.max_iterations=30",
                                          f"model.extract.window={window}", "model.extract.word_clusters=null",
                                          "model.extract.span_rates=2"]))
    model.fit([r["text"] for r in train], [r["spans"] for r in train])
    sentences = [tokenize(t) for t in TRICKY + [r["text"] for r in records] if tokenize(t)]
    chain = model._chain()
    want = chain.state_scores([token_features(s, window, context=True, rates=model.rates_) for s in sentences])
    got = model._scorer().scores(sentences)
    assert len(got) == len(want) == len(sentences)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-9)
