"""The CRF's fast feature path gives exactly the features and predictions of the plain per-token definition."""

import pycrfsuite
import pytest

from claimsift.config import compose
from claimsift.data.tokens import bio_to_spans, tokenize
from claimsift.io import read_jsonl
from claimsift.models.baseline import CUE_WORDS, QUOTE_MARKS, token_features
from claimsift.train import build_model

TRICKY = [
    "",
    "Yes.",
    "He said.",
    "“We will not leave,” the mayor told reporters, “not today, not ever.”",
    "According to Lt. Col. Anna Brandt of the U.N. mission, 1,200 people fled on Sept. 3 — “a catastrophe”.",
    "Officials SAID 42 ' ‘ ’ \" quotes \" were counted in the 12-page report released by the ministry's office today",
]


def reference_features(tokens, window):
    """The CRF's features written as plainly as possible, one token at a time (the definition before caching)."""
    def word(w, prefix):
        lower = w.lower()
        f = [f"{prefix}lower={lower}"]
        f += [prefix + "title"] if w.istitle() else []
        f += [prefix + "upper"] if w.isupper() else []
        f += [prefix + "digit"] if w.isdigit() else []
        f += [prefix + "punct"] if not any(c.isalnum() for c in w) else []
        f += [prefix + "cue"] if lower in CUE_WORDS else []
        return f

    words = [t for t, _, _ in tokens]
    out, inside = [], False
    for i, w in enumerate(words):
        f = ["bias", f"position={min(i, 10)}", f"suffix3={w[-3:].lower()}", f"prefix2={w[:2].lower()}"]
        f += ["quote"] if w in "\"“”‘’'" else []
        f += word(w, "")
        for d in range(1, window + 1):
            f += word(words[i - d], f"-{d}:") if i - d >= 0 else [f"-{d}:edge"]
            f += word(words[i + d], f"+{d}:") if i + d < len(words) else [f"+{d}:edge"]
        f += ["quotes_before"] if inside else []
        inside = inside != (w in QUOTE_MARKS)
        out.append(f)
    return out


@pytest.fixture(scope="module")
def records():
    from conftest import FIXTURES

    return read_jsonl(FIXTURES / "train_sentences.jsonl")


@pytest.mark.parametrize("window", [0, 1, 2, 3])
def test_token_features_match_the_plain_definition(records, window):
    for text in TRICKY + [r["text"] for r in records]:
        toks = tokenize(text)
        fast = [[name.decode("utf-8") for name in row] for row in token_features(toks, window)]
        assert fast == reference_features(toks, window), text


def reference_predict(model, texts):
    """Predict the way the CRF did before its fast path: str features → ItemSequence → tagger → decode."""
    tagger, out = model._tagger(), []
    for text in texts:
        toks = tokenize(text)
        if not toks:
            out.append([])
            continue
        tagger.set(pycrfsuite.ItemSequence(reference_features(toks, model.window)))
        tags = tagger.tag()
        scores = [tagger.marginal(t, i) if t != "O" else 1.0 for i, t in enumerate(tags)]
        out.append(bio_to_spans(text, toks, tags, scores))
    return out


def test_fast_predictions_equal_the_reference_path(records):
    train = [r for r in records if r["split"] == "train"]
    model = build_model(compose("train", ["task=extract", "model=baseline", "model.extract.max_iterations=50"]))
    model.fit([r["text"] for r in train], [r["spans"] for r in train])
    texts = TRICKY + [r["text"] for r in records]
    before = reference_predict(model, texts)  # computed here, never stored: the old path is the reference
    assert any(before), "the reference predicts no span at all: the comparison would be empty"
    assert model.predict(texts) == before
    proba = model.predict_proba(texts)
    assert [p.shape for p in proba] == [(len(tokenize(t)), len(model.tags_)) for t in texts]
