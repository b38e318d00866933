"""The scikit-learn baselines: TF-IDF + logistic regression (classify) and a CRF (extract).

    claimsift train task=classify model=baseline
    claimsift train task=extract model=baseline

Both take every hyperparameter as a required keyword-only constructor
argument (the values live in ``configs/model/baseline.yaml``: build them with
``claimsift.train.build_model``) and save with joblib next to
``claimsift_model.json``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from claimsift.data.gold import check_label
from claimsift.data.tokens import bio_to_spans, spans_to_bio, tokenize
from claimsift.labels import bio_tags
from claimsift.models.base import ClassifierModel, JoblibSaved, SpanModel
from claimsift.scheme import labels_of


def rule_features(texts, scheme: dict | None = None) -> "np.ndarray":
    """The labeling functions' votes (one column per LF and class) and the span rules' findings, per sentence.

    What the rules of ``scheme`` (a recorded spec; None: the default scheme) know, as features a model can
    weigh: rules + model in one estimator (``lf_features: true``). Module level so a saved pipeline pickles it.
    """
    from scipy.sparse import csr_matrix

    from claimsift.labels import ABSTAIN
    from claimsift.scheme import load_scheme

    rules = load_scheme(scheme)
    classes = list(rules.classes)
    n_cls, n_lfs = len(classes), len(rules.lf_names)
    # One column per span type found, then "none found"; span types in reverse sorted order, the column
    # order of the first saved models (SOURCE, CUE, CONTENT), which still load.
    span_types = sorted(rules.span_types, reverse=True)
    width = n_lfs * n_cls + len(span_types) + 1
    rows, cols = [], []
    for i, text in enumerate(texts):
        for j, vote in enumerate(rules.vote(text)):
            if vote != ABSTAIN:
                rows.append(i)
                cols.append(j * n_cls + classes.index(vote))
        types = {sp["type"] for sp in rules.weak_spans(text)}
        for k, flag in enumerate([t in types for t in span_types] + [not types]):
            if flag:
                rows.append(i)
                cols.append(n_lfs * n_cls + k)
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), width))


class TfidfClassifier(JoblibSaved, ClassifierModel):
    """TF-IDF over word (and optionally character) n-grams, optionally the rules' votes, into a logistic regression."""

    def __init__(self, *, word_ngram_range, char_ngram_range, min_df: int, max_features: int | None,
                 sublinear_tf: bool, lowercase: bool, C: float, max_iter: int, lf_features: bool, lf_weight: float,
                 class_offsets: str | None, class_weight: str | None = "balanced", seed: int = 0,
                 scheme: dict | None = None):
        self.word_ngram_range = tuple(word_ngram_range) if word_ngram_range else None
        # None turns the character n-grams off (about 8x faster to predict; see BENCHMARKS.md).
        self.char_ngram_range = tuple(char_ngram_range) if char_ngram_range else None
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.lowercase = lowercase
        self.C = C
        self.max_iter = max_iter
        self.lf_features = lf_features
        self.lf_weight = lf_weight
        self.class_offsets = class_offsets  # "fit" (on the validation split) or None (ClassifierModel)
        self.class_weight = class_weight
        self.seed = seed
        self.scheme = scheme  # the recorded scheme spec: its classes, and its labeling functions for lf_features
        self.classes_ = labels_of(scheme)[0]

    def _pipeline(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        common = dict(min_df=self.min_df, max_features=self.max_features, sublinear_tf=self.sublinear_tf,
                      lowercase=self.lowercase)
        parts = []
        if self.word_ngram_range:  # None: no word block (with lf_features: the rules re-weighted on gold)
            parts.append(("word", TfidfVectorizer(analyzer="word", ngram_range=self.word_ngram_range, **common)))
        if self.char_ngram_range:
            parts.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngram_range, **common)))
        weights = None
        if not parts and not self.lf_features:
            raise ValueError("word_ngram_range, char_ngram_range and lf_features are all off: no features")
        if self.lf_features:
            from sklearn.preprocessing import FunctionTransformer

            parts.append(("rules", FunctionTransformer(rule_features, kw_args={"scheme": self.scheme},
                                                       accept_sparse=True)))
            weights = {name: (self.lf_weight if name == "rules" else 1.0) for name, _ in parts}
        features = FeatureUnion(parts, transformer_weights=weights)
        clf = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                 random_state=self.seed)
        return Pipeline([("features", features), ("clf", clf)])

    def fit(self, texts, labels, *, soft_labels=None, eval_texts=None, eval_labels=None):
        """Fit on sentences and class names; return self. The eval set fits the class offsets (when set).

        With ``soft_labels`` ((n, n_classes) probabilities) each sentence trains on its most probable
        class, weighted by that probability. Raises ValueError on an unknown class or fewer than two classes.
        """
        labels = [check_label(y, "training labels", self.classes_) for y in labels]
        weights = None
        if soft_labels is not None:
            soft = np.asarray(soft_labels, dtype=float)
            if soft.shape != (len(labels), len(self.classes_)):
                raise ValueError(f"soft labels: shape {soft.shape}, expected {(len(labels), len(self.classes_))}")
            labels = [self.classes_[i] for i in soft.argmax(axis=1)]
            weights = soft.max(axis=1)
        if len(set(labels)) < 2:
            raise ValueError(f"training labels: need at least two classes to fit, got {sorted(set(labels))}")
        self.pipeline_ = self._pipeline().fit(list(texts), labels, clf__sample_weight=weights)
        proba = ids = None
        if self.class_offsets is not None and eval_texts and eval_labels:
            proba = self.in_class_order(self.pipeline_.predict_proba(list(eval_texts)), self.pipeline_.classes_)
            ids = np.array([self.classes_.index(check_label(y, "validation labels", self.classes_))
                            for y in eval_labels])
        self.set_class_offsets(self.class_offsets, proba, ids)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.shifted(self.in_class_order(self.pipeline_.predict_proba(list(texts)), self.pipeline_.classes_))


# Words that often mark attribution; a feature, not a rule.
CUE_WORDS = frozenset("""said says say told tells according reported reports reportedly allegedly claimed claims
added noted warned stated explained confirmed denied accused revealed admitted announced insisted quoted wrote
described condemned alleged suspected believed""".split())


QUOTE_MARKS = frozenset("\"“”")

# CUE_WORDS and more words PolNeAR's CUE spans hold: verbs of saying, stance and belief. Read by the
# sentence-context features (``context_columns``), which a CRF fitted before them does not use.
MORE_CUE_WORDS = CUE_WORDS | frozenset("""stressed argued asserted maintained acknowledged suggested urged vowed
demanded tweeted declared agreed complained charged blamed indicated emphasized emphasised pointed estimated
predicted contended countered recalled recounted testified alleges alleging adds argue argues telling announces
announcing believes believe think thinks thought feels felt hopes expects expected predicts insists concluded
cautioned observed remarked replied responded writes reiterated signaled signalled conceded threatened
promised pledged called""".split())


def _word_features(word: str, prefix: str) -> tuple[str, ...]:
    """The shape features of one word, named with ``prefix`` (its position relative to the token)."""
    lower = word.lower()
    f = [f"{prefix}lower={lower}"]
    if word.istitle():
        f.append(prefix + "title")
    if word.isupper():
        f.append(prefix + "upper")
    if word.isdigit():
        f.append(prefix + "digit")
    if not any(c.isalnum() for c in word):
        f.append(prefix + "punct")
    if lower in CUE_WORDS:
        f.append(prefix + "cue")
    return tuple(f)


def _own_features(word: str) -> tuple[str, ...]:
    quote = ("quote",) if word in "\"“”‘’'" else ()
    return (f"suffix3={word[-3:].lower()}", f"prefix2={word[:2].lower()}", *quote, *_word_features(word, ""))


def _encode(names) -> tuple[bytes, ...]:
    return tuple(name.encode("utf-8") for name in names)


@lru_cache(maxsize=100_000)
def _word_views(word: str, window: int) -> tuple[tuple[bytes, ...], ...]:
    """Every way a token can see ``word``: as itself, then from d words to its right (``-d:``) and left (``+d:``).

    (own, -1, +1, -2, +2, ...), already UTF-8: a news vocabulary repeats, so
    each word is described and encoded once, not once per token.
    """
    views = [_encode(_own_features(word))]
    for d in range(1, window + 1):
        views += [_encode(_word_features(word, f"-{d}:")), _encode(_word_features(word, f"+{d}:"))]
    return tuple(views)


_MAX_POSITION = 10
_HEADS = [(b"bias", f"position={i}".encode()) for i in range(_MAX_POSITION + 1)]
_QUOTES_BEFORE = (b"quotes_before",)


def _distance(d: int) -> str:
    return "1" if d == 1 else "2" if d == 2 else "3-4" if d <= 4 else "5-8" if d <= 8 else "9+"


_DISTANCES = {side: [f"{side}={_distance(d)}".encode() for d in range(1, 10)] for side in ("cueL", "cueR")}
_NO_CUE = (b"nocue",)


def _near_attributes(left: int, right: int, cue: bool, next_cue: bool) -> tuple[bytes, ...]:
    f = []
    if left:
        f.append(_DISTANCES["cueL"][left - 1])
    if right:
        f.append(_DISTANCES["cueR"][right - 1])
    if cue:
        f.append(b"mcue")
    if next_cue:
        f.append(b"+1:mcue")
    return tuple(f)


# (distance to the nearest cue word on the left, on the right (1-9, 0: none), is a cue, next is a cue) → attributes
_NEAR = {(a, b, c, d): _near_attributes(a, b, c, d)
         for a in range(10) for b in range(10) for c in (False, True) for d in (False, True)}


def context_columns(words: list[str]) -> list[list[tuple[bytes, ...]]]:
    """Sentence-context features, as one column: word bigrams, the nearest cue words, the sentence's quote marks.

    Per token: ``bi-=<previous>|<word>`` and ``bi+=<word>|<next>`` (lower case, ``<s>`` / ``</s>`` at
    the edges); ``mcue`` when the word is in ``MORE_CUE_WORDS`` and ``+1:mcue`` when the next one is;
    ``cueL=<distance>`` / ``cueR=<distance>`` to the nearest such word on each side (1, 2, 3-4, 5-8, 9+),
    or ``nocue`` in a sentence with none; ``sent_open_quote`` / ``sent_close_quote`` when the sentence
    starts with a quote mark / ends with one (or with one and a last punctuation mark).
    """
    pairs, near, shape = context_parts(words)
    bigrams = zip([b"bi-=" + p for p in pairs[:-1]], [b"bi+=" + p for p in pairs[1:]])
    near = [_NO_CUE] * len(words) if near is None else [_NEAR[key] for key in near]
    return [[b + c + shape for b, c in zip(bigrams, near)]]


def context_parts(words: list[str]) -> tuple[list[bytes], list[tuple] | None, tuple[bytes, ...]]:
    """What :func:`context_columns` describes a sentence with: its n + 1 word pairs (``<s>|first`` ...
    ``last|</s>``), each token's key of ``_NEAR`` (None: no cue word in the sentence) and its quote shape."""
    n = len(words)
    lower = [w.lower() for w in words]
    padded = [b"<s>", *(w.encode("utf-8") for w in lower), b"</s>"]
    pairs = [b"%s|%s" % (a, b) for a, b in zip(padded, padded[1:])]  # n + 1 pairs, edges included
    is_cue = [w in MORE_CUE_WORDS for w in lower]
    near = None
    if any(is_cue):
        # capped distance to the nearest cue word strictly left / right of each token (0: none)
        left, last = [], None
        for i, cue in enumerate(is_cue):
            left.append(0 if last is None else min(i - last, 9))
            if cue:
                last = i
        right, last = [0] * n, None
        for i in range(n - 1, -1, -1):
            right[i] = 0 if last is None else min(last - i, 9)
            if is_cue[i]:
                last = i
        near = list(zip(left, right, is_cue, is_cue[1:] + [False]))
    shape = []
    if n and words[0] in QUOTE_MARKS:
        shape.append(b"sent_open_quote")
    if n and (words[-1] in QUOTE_MARKS
              or (n > 1 and words[-2] in QUOTE_MARKS and not any(c.isalnum() for c in words[-1]))):
        shape.append(b"sent_close_quote")
    return pairs, near, tuple(shape)


RATE_MIN_COUNT = 2  # sightings below which a word's span rates are "rare" (3: 0.002-0.004 lower on PolNeAR dev)


class SpanRates:
    """How often each word is tagged as each span type in training, in coarse buckets (target encoding).

    A word's identity weight rests on its own few sightings; the bucket of
    its CUE or SOURCE rate shares one weight among all words of that rate, so
    a reporting verb seen a handful of times gets what the common ones taught.
    Each token carries its own word's buckets and its neighbours' (``-1:`` /
    ``+1:``); a word seen under ``min_count`` times is ``lex=rare``. Fitting
    counts the rates of a training sentence without it (``crossfit``), as they
    will be for a new article's words.
    """

    TYPES = ("CUE", "SOURCE")  # CONTENT's rates too: no gain on PolNeAR dev (BENCHMARKS.md, CRF section)
    EDGES = (0.0, 0.05, 0.2, 0.5)  # bucket = how many edges the rate is above (0: never in a span)
    _RARE = tuple((f"{side}lex=rare".encode(),) for side in ("", "-1:", "+1:"))

    def __init__(self, counts: dict[str, tuple[int, ...]], min_count: int):
        self.counts, self.min_count = counts, min_count  # word → (sightings, CUE sightings, SOURCE sightings)
        self.views: dict[str, tuple[tuple[bytes, ...], ...]] = {}
        for word, (total, *hits) in counts.items():
            if total >= min_count:
                names = [f"lex{t}={sum(n / total > e for e in self.EDGES)}" for t, n in zip(self.TYPES, hits)]
                self.views[word] = tuple(_encode(side + name for name in names) for side in ("", "-1:", "+1:"))

    @classmethod
    def count(cls, tok_lists, tag_lists, min_count: int) -> "SpanRates":
        """The rates of the (lower-cased) words of ``tok_lists`` under their BIO ``tag_lists``."""
        counts: dict[str, list[int]] = {}
        for toks, tags in zip(tok_lists, tag_lists):
            for (word, _, _), tag in zip(toks, tags):
                c = counts.setdefault(word.lower(), [0] * (1 + len(cls.TYPES)))
                c[0] += 1
                if tag[2:] in cls.TYPES:
                    c[1 + cls.TYPES.index(tag[2:])] += 1
        return cls({w: tuple(c) for w, c in counts.items()}, min_count)

    @classmethod
    def crossfit(cls, tok_lists, tag_lists, blocks: int, min_count: int) -> list["SpanRates"]:
        """For each sentence, the rates counted without its block of ``blocks`` contiguous blocks.

        Contiguous, not interleaved: a dataset's sentences come article by article, so a sentence's
        rates are (nearly all) counted on other articles, and a name an article repeats stays rare.
        """
        n = len(tok_lists)
        block = [i * blocks // n for i in range(n)]
        fitted = [cls.count([t for t, k in zip(tok_lists, block) if k != b],
                            [t for t, k in zip(tag_lists, block) if k != b], min_count) for b in range(blocks)]
        return [fitted[k] for k in block]

    def word_views(self, word: str) -> tuple[tuple[bytes, ...], ...]:
        """(own, as the word to the left, as the word to the right) buckets of ``word``."""
        return self.views.get(word.lower(), self._RARE)

    def columns(self, words: list[str]) -> list[list[tuple[bytes, ...]]]:
        """One feature column over a sentence's words: each word's buckets, then its neighbours'."""
        views = [self.word_views(w) for w in words]
        lefts = [()] + [v[1] for v in views[:-1]]
        rights = [v[2] for v in views[1:]] + [()]
        return [[v[0] + a + b for v, a, b in zip(views, lefts, rights)]]

    def __getstate__(self):
        return {"counts": self.counts, "min_count": self.min_count}  # the views are rebuilt on load

    def __setstate__(self, state):
        self.__init__(state["counts"], state["min_count"])


def inside_quotes(words: list[str]) -> list[bool] | None:
    """Per word, whether an odd number of quote marks comes before it; None in a sentence without quote marks."""
    if not QUOTE_MARKS.intersection(words):
        return None
    inside, quoted = False, []
    for w in words:
        quoted.append(inside)
        if w in QUOTE_MARKS:
            inside = not inside
    return quoted


def token_features(tokens: list[tuple[str, int, int]], window: int, *, context: bool = False,
                   clusters=None, rates=None) -> list[tuple[bytes, ...]]:
    """CRF features of each word token, as crfsuite attribute names (UTF-8 bytes).

    Per token, in this order: ``bias``, ``position=<min(i, 10)>``, its own
    shape (suffix, prefix, quote mark, lower-case form, title / upper / digit /
    punct / cue word), then for d = 1 .. ``window`` the shape of the word d to
    the left (``-d:``) and d to the right (``+d:``) or ``-d:edge`` / ``+d:edge``,
    and ``quotes_before`` inside an open quotation (an odd number of quote
    marks before the token). With ``context``, the columns of
    :func:`context_columns` follow; with ``clusters`` (a
    :class:`~claimsift.models.word_clusters.WordClusters`), each word's cluster
    ids and its neighbours'; with ``rates`` (a :class:`SpanRates`), each
    word's CUE / SOURCE rate buckets and its neighbours'. Built column by column
    from per-word caches, as bytes, which crfsuite takes without re-encoding.
    This is what the CRF trains on; prediction sums the same attributes' weights
    word by word (:class:`FeatureScores`).
    """
    words = [t for t, _, _ in tokens]
    n = len(words)
    views = [_word_views(w, window) for w in words]
    heads = _HEADS[:n] if n <= len(_HEADS) else _HEADS + [_HEADS[-1]] * (n - len(_HEADS))
    columns = [heads, [v[0] for v in views]]
    for d in range(1, window + 1):
        left_edge, right_edge = (f"-{d}:edge".encode(),), (f"+{d}:edge".encode(),)
        columns.append([left_edge] * min(d, n) + [v[2 * d - 1] for v in views[:max(n - d, 0)]])
        columns.append([v[2 * d] for v in views[d:]] + [right_edge] * min(d, n))
    quoted = inside_quotes(words)
    if quoted is not None:
        columns.append([_QUOTES_BEFORE if q else () for q in quoted])
    if context and n:
        columns.extend(context_columns(words))
    if clusters is not None and n:
        columns.extend(clusters.columns(words))
    if rates is not None and n:
        columns.extend(rates.columns(words))
    return [sum(row, ()) for row in zip(*columns)]


class FeatureScores:
    """:func:`token_features` already summed into each tag's state score, word by word: ``predict``'s fast path.

    A token's attributes come from the words around it: its own word's shape, clusters
    and rates, the shape of the words up to ``window`` either side, the clusters and rates
    of its two neighbours. So each distinct word is turned once into one weight vector
    per offset (the summed state weights of what it tells the token ``o`` words to its
    right, o = -reach .. reach: ``window``, and at least 1 with clusters or rates), and a
    token's score is the sum of its words' vectors at their offsets, plus its position,
    window edges, quotation, bigrams and cue distances. The sums are numpy over all tokens of a batch: no attribute name is built
    or looked up per token except the two bigrams. Every attribute is the one
    :func:`token_features` gives (tests/test_crf_chain.py checks the scores against
    the fitted weights applied to those attributes, and the tags against crfsuite's).
    """

    _MAX_WORDS = 200_000  # distinct words kept; a larger corpus starts the cache again

    def __init__(self, model: "CrfSpanModel", chain):
        self.window, self.chain = model.window, chain
        self.context = getattr(model, "context_features", False)
        self.clusters = getattr(model, "clusters_", None)
        self.rates = getattr(model, "rates_", None)
        # how far a word's attributes reach: its shape up to ``window`` away, its clusters and rates one away
        self.reach = max(self.window, 1 if self.clusters is not None or self.rates is not None else 0)
        self._zero = chain.state.shape[0] - 1
        vec = self.vector
        self.heads = np.stack([vec(h) for h in _HEADS])
        self.edges = [(vec((f"-{d}:edge".encode(),)), vec((f"+{d}:edge".encode(),)))
                      for d in range(1, self.window + 1)]
        self.quoted = vec(_QUOTES_BEFORE)
        self.near_keys = {key: i for i, key in enumerate(_NEAR)}
        self.near = np.stack([vec(attrs) for attrs in _NEAR.values()] + [vec(_NO_CUE)])  # last: no cue word
        self._shapes: dict[tuple, np.ndarray] = {}
        self._words: dict[str, np.ndarray] = {}

    def vector(self, attrs) -> np.ndarray:
        """The summed state weights of ``attrs`` (attribute names, bytes; those without weight count 0)."""
        get, zero = self.chain.index.get, self._zero
        return self.chain.state[[get(a, zero) for a in attrs]].sum(axis=0)

    def word(self, word: str) -> np.ndarray:
        """(2 * reach + 1, tags): what ``word`` adds to the token ``o`` words to its right, at row o + reach."""
        table = self._words.get(word)
        if table is None:
            w, views = self.reach, _word_views(word, self.window)
            parts = {0: list(views[0])}
            for d in range(1, self.window + 1):
                parts[d], parts[-d] = list(views[2 * d - 1]), list(views[2 * d])
            for source in (self.clusters.views(word) if self.clusters is not None else None,
                           self.rates.word_views(word) if self.rates is not None else None):
                if source is not None:  # own, as the left neighbour (offset +1), as the right one (-1)
                    for o, view in zip((0, 1, -1), source):
                        parts.setdefault(o, []).extend(view)
            table = np.stack([self.vector(parts.get(o, ())) for o in range(-w, w + 1)])
            if len(self._words) >= self._MAX_WORDS:
                self._words.clear()
            self._words[word] = table
        return table

    def scores(self, token_lists: Sequence[list[tuple[str, int, int]]]) -> list[np.ndarray]:
        """Per sentence (each with at least one token), a (tokens, tags) array of state scores."""
        words = [t for toks in token_lists for t, _, _ in toks]
        lengths = np.array([len(toks) for toks in token_lists], dtype=np.int64)
        if not words:
            return []
        local: dict[str, int] = {}
        widx = np.array([local.setdefault(w, len(local)) for w in words], dtype=np.int64)
        table = np.stack([self.word(w) for w in local])  # (distinct words, offsets, tags)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        pos = np.arange(len(words)) - starts  # each token's place in its sentence
        size = np.repeat(lengths, lengths)
        w = self.reach
        out = self.heads[np.minimum(pos, len(_HEADS) - 1)] + table[widx, w]
        for o in range(1, w + 1):  # the word o to the left tells its right neighbour o away, and the reverse
            out[o:] += np.where((pos[o:] >= o)[:, None], table[widx[:-o], w + o], 0.0)
            out[:-o] += np.where((pos[:-o] + o < size[:-o])[:, None], table[widx[o:], w - o], 0.0)
        for o, (left_edge, right_edge) in enumerate(self.edges, start=1):
            out[pos < o] += left_edge
            out[pos >= size - o] += right_edge
        quoted, bigrams, near, shapes = [], [], [], []
        for toks in token_lists:
            sent = [t for t, _, _ in toks]
            q = inside_quotes(sent)
            quoted.extend(q if q is not None else [False] * len(sent))
            if self.context:
                pairs, keys, shape = context_parts(sent)
                bigrams.append(pairs)
                near.extend([len(self.near) - 1] * len(sent) if keys is None else map(self.near_keys.get, keys))
                shapes.append(shape)
        out[np.array(quoted, dtype=bool)] += self.quoted
        if self.context:
            get, zero = self.chain.index.get, self._zero
            minus = [get(b"bi-=" + p, zero) for pairs in bigrams for p in pairs[:-1]]
            plus = [get(b"bi+=" + p, zero) for pairs in bigrams for p in pairs[1:]]
            shape_rows = np.stack([self._shape(sh) for sh in shapes])
            out += (self.chain.state[minus] + self.chain.state[plus] + self.near[near]
                    + np.repeat(shape_rows, lengths, axis=0))
        return np.split(out, np.cumsum(lengths)[:-1])

    def _shape(self, shape: tuple[bytes, ...]) -> np.ndarray:
        v = self._shapes.get(shape)
        if v is None:
            v = self._shapes[shape] = self.vector(shape)
        return v


class CrfSpanModel(JoblibSaved, SpanModel):
    """A linear-chain CRF (sklearn-crfsuite) over word tokens and their context."""

    def __init__(self, *, c1: float, c2: float, max_iterations: int, all_possible_transitions: bool, window: int,
                 span_thresholds: str | float | None, context_features: bool,
                 word_clusters: Sequence[int] | None, cluster_neighbours: int, cluster_encoder: str | None,
                 span_rates: int | None,
                 class_weight: str | None = None, seed: int = 0, scheme: dict | None = None):
        if class_weight is not None:
            raise ValueError(f"class_weight={class_weight!r}: the CRF has no class weights "
                             "(use task.balance=oversample or none)")
        if span_rates is not None and (isinstance(span_rates, bool) or not isinstance(span_rates, int)
                                       or span_rates < 2):
            raise ValueError(f"model.extract.span_rates={span_rates!r}: expected null (off) or a number of "
                             "blocks of at least 2")
        self.class_weight = class_weight
        self.c1 = c1
        self.c2 = c2
        self.max_iterations = max_iterations
        self.all_possible_transitions = all_possible_transitions
        self.window = window
        self.span_thresholds = span_thresholds  # "fit" (on the validation split), a number or None (SpanModel)
        self.context_features = context_features  # bigrams, nearest cue words, quote shape (context_columns)
        self.word_clusters = tuple(word_clusters) if word_clusters else None  # k-means granularities (WordClusters)
        self.cluster_neighbours = cluster_neighbours  # how many granularities also describe the words either side
        self.cluster_encoder = cluster_encoder  # the encoder whose embeddings are clustered (None: packaged MiniLM)
        self.span_rates = span_rates  # folds of the cross-fitted span-type rates of words (SpanRates); None: off
        self.seed = seed  # crfsuite's L-BFGS is deterministic; kept for the one config interface
        self.scheme = scheme
        self.tags_ = bio_tags(labels_of(scheme)[1])

    def fit(self, texts, spans, *, eval_texts=None, eval_spans=None):
        """Fit on sentences and their spans. Raises ValueError when no sentence has a span."""
        import sklearn_crfsuite

        if not any(len(s) for s in spans):
            raise ValueError("training spans: no sentence has an attribution span, nothing to learn")
        self.clusters_ = None
        if self.word_clusters:
            from claimsift.models.word_clusters import WordClusters

            self.clusters_ = WordClusters.fit(self.cluster_encoder, self.word_clusters, self.seed,
                                              self.cluster_neighbours)
        # a refit has other attributes: build its features unfiltered, from scratch
        for stale in ("_chain_cache", "_scorer_cache", "crf_", "span_thresholds_", "rates_"):
            self.__dict__.pop(stale, None)
        tok_lists, y = [], []
        for text, sent_spans in zip(texts, spans):
            toks = tokenize(text)
            if toks:
                tok_lists.append(toks)
                y.append(spans_to_bio(toks, sent_spans))
        if self.span_rates:
            X = []
            for toks, rates in zip(tok_lists, SpanRates.crossfit(tok_lists, y, self.span_rates, RATE_MIN_COUNT)):
                self.rates_ = rates
                X.append(self._features(toks))
            self.rates_ = SpanRates.count(tok_lists, y, RATE_MIN_COUNT)
        else:
            X = [self._features(toks) for toks in tok_lists]
        self.crf_ = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=self.c1, c2=self.c2,
                                         max_iterations=self.max_iterations,
                                         all_possible_transitions=self.all_possible_transitions)
        self.crf_.fit(X, y)
        self.set_span_thresholds(self.span_thresholds, eval_texts, eval_spans)
        return self

    def _features(self, toks) -> list[tuple[bytes, ...]]:
        """The training features of one sentence's tokens (:func:`token_features` with this model's settings)."""
        # getattr: a CRF saved before the context features and clusters existed has its own features
        return token_features(toks, self.window, context=getattr(self, "context_features", False),
                              clusters=getattr(self, "clusters_", None), rates=getattr(self, "rates_", None))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_chain_cache", None)  # rebuilt from the model on first use
        state.pop("_scorer_cache", None)
        return state

    def _tagger(self):
        """The fitted crfsuite tagger (sklearn-crfsuite keeps one open)."""
        return self.crf_.tagger_

    def _chain(self):
        """The fitted weights as a :class:`~claimsift.models.crf_chain.LinearChain` (built once per load)."""
        chain_ = self.__dict__.get("_chain_cache")
        if chain_ is None:
            from claimsift.models.crf_chain import LinearChain

            chain_ = self._chain_cache = LinearChain.from_tagger(self._tagger(), self.crf_.modelfile.name)
        return chain_

    def _scorer(self) -> FeatureScores:
        scorer = self.__dict__.get("_scorer_cache")
        if scorer is None:
            scorer = self._scorer_cache = FeatureScores(self, self._chain())
        return scorer

    def predict_proba(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per sentence, a (tokens, tags) array of each tag's marginal probability (0 for a tag the CRF never saw)."""
        chain_ = self._chain()
        toks = [tokenize(text) for text in texts]  # texts is read once (any iterable)
        marginals = chain_.marginals(self._scorer().scores([t for t in toks if t]))
        cols = [chain_.labels.index(tag) if tag in chain_.labels else None for tag in self.tags_]
        out, it = [], iter(marginals)
        for t in toks:
            m = next(it) if t else np.zeros((0, len(chain_.labels)))
            out.append(np.stack([m[:, c] if c is not None else np.zeros(len(t)) for c in cols], axis=1)
                       if len(self.tags_) else np.zeros((len(t), 0)))
        return out

    def predict(self, texts: Sequence[str]) -> list[list[dict]]:
        """Per sentence, its spans (repaired BIO, grouped into attributions), each scored by its tokens' marginals.

        The whole batch is scored at once (:class:`~claimsift.models.crf_chain.LinearChain`); the
        marginals are computed only for sentences whose Viterbi path has a span (few news sentences).
        """
        chain_, texts = self._chain(), list(texts)
        toks = [tokenize(text) for text in texts]
        tagged = [i for i, t in enumerate(toks) if t]
        scores = self._scorer().scores([toks[i] for i in tagged])
        paths = chain_.viterbi(scores)
        with_spans = [k for k, tags in enumerate(paths) if tags.count("O") < len(tags)]
        marginals = chain_.marginals([scores[k] for k in with_spans])
        col = {label: j for j, label in enumerate(chain_.labels)}
        out: list[list[dict]] = [[] for _ in texts]
        for k, m in zip(with_spans, marginals):
            i, tags = tagged[k], paths[k]
            token_scores = [float(m[n, col[t]]) if t != "O" else 1.0 for n, t in enumerate(tags)]
            out[i] = self.keep_confident(bio_to_spans(texts[i], toks[i], tags, token_scores, self.span_types))
        return out
