"""The CRF's fast feature path gives exactly the features and predictions of the plain per-token definition."""

import pickle

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


def reference_predict(model, texts, features=None):
    """Predict the way the CRF did before its fast path: str features → ItemSequence → tagger → decode.

    ``features(tokens)``: each token's attribute names (default: ``reference_features`` at the model's window).
    """
    features = features or (lambda toks: reference_features(toks, model.window))
    tagger, out = model._tagger(), []
    for text in texts:
        toks = tokenize(text)
        if not toks:
            out.append([])
            continue
        tagger.set(pycrfsuite.ItemSequence(features(toks)))
        tags = tagger.tag()
        scores = [tagger.marginal(t, i) if t != "O" else 1.0 for i, t in enumerate(tags)]
        out.append(model.keep_confident(bio_to_spans(text, toks, tags, scores, model.span_types)))
    return out


def plain_crf(records):
    """A CRF with the shape and window features only (no context, clusters or rates), fitted on the fixture."""
    train = [r for r in records if r["split"] == "train"]
    model = build_model(compose("train", ["task=extract", "model=baseline", "model.extract.max_iterations=50",
                                          "model.extract.context_features=false", "model.extract.word_clusters=null",
                                          "model.extract.span_rates=null"]))
    return model.fit([r["text"] for r in train], [r["spans"] for r in train])


def test_fast_predictions_equal_the_reference_path(records):
    model = plain_crf(records)
    texts = TRICKY + [r["text"] for r in records]
    before = reference_predict(model, texts)  # computed here, never stored: the old path is the reference
    assert any(before), "the reference predicts no span at all: the comparison would be empty"
    assert model.predict(texts) == before
    proba = model.predict_proba(texts)
    assert [p.shape for p in proba] == [(len(tokenize(t)), len(model.tags_)) for t in texts]


def reference_context(words):
    """``context_columns`` written plainly, token by token."""
    from claimsift.models.baseline import MORE_CUE_WORDS

    def bucket(d):
        return "1" if d == 1 else "2" if d == 2 else "3-4" if d <= 4 else "5-8" if d <= 8 else "9+"

    low = [w.lower() for w in words]
    cues = [i for i, w in enumerate(low) if w in MORE_CUE_WORDS]
    out = []
    for i in range(len(words)):
        f = [f"bi-={low[i - 1] if i else '<s>'}|{low[i]}", f"{'bi+'}={low[i]}|{low[i + 1] if i + 1 < len(low) else '</s>'}"]
        if not cues:
            f.append("nocue")
        else:
            left, right = [c for c in cues if c < i], [c for c in cues if c > i]
            f += [f"cueL={bucket(i - left[-1])}"] if left else []
            f += [f"cueR={bucket(right[0] - i)}"] if right else []
            f += ["mcue"] if i in cues else []
            f += ["+1:mcue"] if i + 1 in cues else []
        f += ["sent_open_quote"] if words[0] in QUOTE_MARKS else []
        closes = words[-1] in QUOTE_MARKS or (len(words) > 1 and words[-2] in QUOTE_MARKS
                                              and not any(c.isalnum() for c in words[-1]))
        f += ["sent_close_quote"] if closes else []
        out.append(f)
    return out


def test_context_features_follow_their_definition(records):
    for text in TRICKY + [r["text"] for r in records]:
        toks = tokenize(text)
        words = [t for t, _, _ in toks]
        got = [[n.decode("utf-8") for n in row] for row in token_features(toks, 2, context=True)]
        expected = [a + b for a, b in zip(reference_features(toks, 2), reference_context(words))]
        assert got == expected, text


def test_context_features_on_a_hand_made_sentence():
    words = [t for t, _, _ in tokenize("“No,” the minister said, and he then argued it was over")]
    rows = reference_context(words)
    said, argued = words.index("said"), words.index("argued")
    assert rows[said][2:] == ["cueR=5-8", "mcue", "sent_open_quote"]  # "said" to "argued": 5 words on
    assert "cueL=2" in rows[said + 2] and "cueR=3-4" in rows[said + 2]  # "and": 2 after said, 3 before argued
    assert "+1:mcue" in rows[said - 1]
    assert "sent_open_quote" in rows[0] and "sent_close_quote" not in rows[0]
    closing = [t for t, _, _ in tokenize('He said "no".')]
    assert "sent_close_quote" in reference_context(closing)[0]
    inner = [t for t, _, _ in tokenize('He said "no" again')]  # a quote mark before the last word, not at the end
    assert "sent_close_quote" not in reference_context(inner)[0]
    got = [[n.decode("utf-8") for n in row] for row in token_features(tokenize(" ".join(words)), 0, context=True)]
    assert [r[-len(rows[i]):] for i, r in enumerate(got)] == rows


def test_word_clusters_take_the_first_word_piece_and_describe_neighbours():
    from claimsift.models.word_clusters import WordClusters

    wc = WordClusters({4: {"said": 1, "sa": 2, "reyes": 3}, 16: {"said": 9, "sa": 7}, 64: {"said": 40}}, neighbours=2)
    assert wc.cluster("Said", 4) == 1
    assert wc.cluster("Sanchez", 4) == 2  # longest known prefix: "sa"
    assert wc.cluster("Reyesville", 16) is None and wc.cluster("xyz", 4) is None
    assert wc.cluster("Sánchez", 4) == wc.cluster("SANCHEZ", 4) == 2  # accents stripped, as the tokenizer does
    assert wc.cluster("SAÍD", 16) == 9
    own, left, right = wc.views("said")
    assert own == (b"cl4=1", b"cl16=9", b"cl64=40")
    assert left == (b"-1:cl4=1", b"-1:cl16=9") and right == (b"+1:cl4=1", b"+1:cl16=9")
    cols = wc.columns(["said", "xyz"])
    # each word's own classes, then its left neighbour's ("said" for "xyz"), then its right neighbour's
    assert cols == [[own, left]]
    assert wc.columns([]) == []
    back = pickle.loads(pickle.dumps(wc))
    assert back.tables == wc.tables and back.neighbours == 2 and back.columns(["said", "xyz"]) == cols
    alone = WordClusters(wc.tables)  # no neighbour classes by default
    assert alone.views("said") == (own, (), ()) and alone.columns(["said", "said"]) == [[own, own]]


def test_crf_with_context_and_clusters_fits_saves_and_predicts_the_same(records, tmp_path, monkeypatch):
    """The default CRF's new features, with small cluster tables fitted on the packaged MiniLM's embeddings."""
    from claimsift.models import load_model

    monkeypatch.setenv("CLAIMSIFT_CACHE", str(tmp_path / "cache"))
    train = [r for r in records if r["split"] == "train"]
    model = build_model(compose("train", ["task=extract", "model=baseline", "model.extract.max_iterations=50",
                                          "model.extract.word_clusters=[8,16]", "model.extract.cluster_neighbours=1",
                                          "model.extract.span_rates=null"]))
    assert model.context_features and model.word_clusters == (8, 16) and model.cluster_neighbours == 1
    model.fit([r["text"] for r in train], [r["spans"] for r in train])
    assert sorted(model.clusters_.tables) == [8, 16]
    assert len(model.clusters_.tables[8]) > 20_000  # the word-initial pieces of MiniLM's vocabulary
    said = model.clusters_.cluster("said", 16)
    assert said is not None and said == model.clusters_.cluster("SAID", 16)
    names = {a for row in model.crf_.tagger_.info().state_features for a in [row[0]]}
    assert any(n.startswith("cl16=") for n in names) and any(n.startswith("bi-=") for n in names)
    assert any(n.startswith("-1:cl8=") for n in names) and not any(n.startswith("-1:cl16=") for n in names)
    texts = TRICKY + [r["text"] for r in records]
    before = model.predict(texts)
    assert any(before)
    model.save(tmp_path / "m")
    assert load_model(tmp_path / "m").predict(texts) == before
    # the word-by-word scores give what crfsuite gives on every attribute, through an ItemSequence
    def every_attribute(toks):
        return [[a.decode("utf-8") for a in row]
                for row in token_features(toks, model.window, context=True, clusters=model.clusters_)]

    assert reference_predict(model, texts, every_attribute) == before


def test_a_refit_crf_forgets_its_first_fit(records):
    """A second fit builds its features from scratch, not filtered by the first model's attributes."""
    train = [r for r in records if r["split"] == "train"]
    half = len(train) // 2
    overrides = ["task=extract", "model=baseline", "model.extract.max_iterations=50", "model.extract.word_clusters=null"]
    refit = build_model(compose("train", overrides))
    refit.fit([r["text"] for r in train[:half]], [r["spans"] for r in train[:half]])
    first = set(refit._chain().index)
    refit.fit([r["text"] for r in train[half:]], [r["spans"] for r in train[half:]])
    fresh = build_model(compose("train", overrides))
    fresh.fit([r["text"] for r in train[half:]], [r["spans"] for r in train[half:]])
    assert set(refit._chain().index) == set(fresh._chain().index) != first
    texts = [r["text"] for r in records]
    assert refit.predict(texts) == fresh.predict(texts)


def test_a_crf_saved_without_the_new_features_predicts_with_its_own(records):
    model = plain_crf(records)
    texts = [r["text"] for r in records]
    before = model.predict(texts)
    for name in ("context_features", "word_clusters", "cluster_neighbours", "cluster_encoder", "clusters_",
                 "span_rates"):
        del model.__dict__[name]  # as unpickled from a run saved before them
    assert model.predict(texts) == before == reference_predict(model, texts)


def test_word_clusters_are_cached_by_embeddings_ks_and_seed(tmp_path, monkeypatch):
    from claimsift.models import word_clusters
    from claimsift.models.word_clusters import WordClusters

    monkeypatch.setenv("CLAIMSIFT_CACHE", str(tmp_path))
    first = WordClusters.fit(None, [4, 8], seed=0)
    files = list((tmp_path / "word_clusters").glob("*.json"))
    assert len(files) == 1
    fitted = []
    monkeypatch.setattr("sklearn.cluster.MiniBatchKMeans.fit", lambda self, x: fitted.append(1) or self)
    assert WordClusters.fit(None, [4, 8], seed=0).tables == first.tables  # read back, no k-means
    assert not fitted
    files[0].write_text("{not json", encoding="utf-8")  # a damaged cache is fitted again, not trusted
    with pytest.raises(AttributeError):  # the patched k-means has no labels_: proof that it ran
        WordClusters.fit(None, [4, 8], seed=0)
    assert fitted and word_clusters.cache_dir() == tmp_path / "word_clusters"
    monkeypatch.undo()
    monkeypatch.setenv("CLAIMSIFT_CACHE", str(tmp_path))
    files[0].write_text('{"4": [1, 2], "8": "x"}', encoding="utf-8")  # JSON, but not tables: fitted again
    again = WordClusters.fit(None, [8, 4], seed=0)  # the order of the k's does not matter
    assert again.tables == first.tables
    WordClusters.fit(None, [4, 8], seed=1)
    WordClusters.fit(None, [4], seed=0)
    assert len(list((tmp_path / "word_clusters").glob("*.json"))) == 3  # the seed and the k's are in the key


def test_span_rates_bucket_each_word_and_leave_out_its_block():
    from claimsift.data.tokens import spans_to_bio
    from claimsift.models.baseline import SpanRates

    def sentence(text, *spans):  # spans as (type, words): the words' first occurrence
        toks = tokenize(text)
        found = []
        for kind, words in spans:
            start = text.index(words)
            found.append({"type": kind, "start": start, "end": start + len(words)})
        return toks, spans_to_bio(toks, found)

    data = [sentence("Officials said the talks failed.", ("SOURCE", "Officials"), ("CUE", "said")),
            sentence("He said the talks went on.", ("SOURCE", "He"), ("CUE", "said")),
            sentence("The talks said nothing to anyone.", ("CUE", "said")),
            sentence("Officials met the envoy.")]
    toks, tags = zip(*data)
    rates = SpanRates.count(toks, tags, min_count=2)
    view = {w: [a.decode() for a in v[0]] for w, v in rates.views.items()}
    assert view["said"] == ["lexCUE=4", "lexSOURCE=0"]  # 3 of 3: above every edge
    assert view["officials"] == ["lexCUE=0", "lexSOURCE=3"]  # 1 of 2: above 0.2, not above 0.5
    assert view["the"] == ["lexCUE=0", "lexSOURCE=0"]
    assert "he" not in view and "envoy" not in view  # seen once: rare
    row = [[a.decode() for a in cell] for cell in rates.columns(["He", "said", "it"])[0]]
    assert row == [["lex=rare", "+1:lexCUE=4", "+1:lexSOURCE=0"],
                   ["lexCUE=4", "lexSOURCE=0", "-1:lex=rare", "+1:lex=rare"],
                   ["lex=rare", "-1:lexCUE=4", "-1:lexSOURCE=0"]]
    # two contiguous blocks: the first two sentences see the rates of the last two only, and the reverse
    first, _, third, _ = SpanRates.crossfit(toks, tags, blocks=2, min_count=1)
    assert first.counts == SpanRates.count(toks[2:], tags[2:], min_count=1).counts
    assert third.counts == SpanRates.count(toks[:2], tags[:2], min_count=1).counts
    assert first.counts["said"] == (1, 1, 0) and "he" not in first.counts
    restored = pickle.loads(pickle.dumps(rates))  # saved as counts, the views rebuilt
    assert restored.views == rates.views and restored.min_count == 2


def test_a_crf_with_span_rates_fits_saves_and_predicts_the_same(records, tmp_path):
    from claimsift.models import load_model

    assert compose("train", ["task=extract", "model=baseline"]).model.extract.span_rates == 5  # the default
    train = [r for r in records if r["split"] == "train"]
    model = build_model(compose("train", ["task=extract", "model=baseline", "model.extract.max_iterations=50",
                                          "model.extract.word_clusters=null", "model.extract.span_rates=3"]))
    model.fit([r["text"] for r in train], [r["spans"] for r in train])
    names = {row[0] for row in model.crf_.tagger_.info().state_features}
    assert any(n.startswith("lexCUE=") for n in names) and any(n.startswith("-1:lexSOURCE=") for n in names)
    # the rates kept for prediction are counted on all the training sentences
    assert model.rates_.counts["said"][0] == sum(w.lower() == "said" for r in train for w, _, _ in tokenize(r["text"]))
    texts = TRICKY + [r["text"] for r in records]
    before = model.predict(texts)
    assert any(before)
    model.save(tmp_path / "m")
    assert load_model(tmp_path / "m").predict(texts) == before

    def every_attribute(toks):  # the full feature rows, rates included, through an ItemSequence
        return [[a.decode("utf-8") for a in row]
                for row in token_features(toks, model.window, context=True, rates=model.rates_)]

    assert reference_predict(model, texts, every_attribute) == before


@pytest.mark.parametrize("blocks", [0, 1, 2.5, True, '"5"'])  # '"5"': the string 5
def test_span_rates_refuse_a_bad_number_of_blocks(blocks):
    with pytest.raises(ValueError, match="span_rates"):
        build_model(compose("train", ["task=extract", "model=baseline", f"model.extract.span_rates={blocks}"]))
