"""A classifier that decides the class by its parts, as the spec defines it.

    claimsift train task=classify model=structured

The four classes are built from three questions asked in the spec's order:

1. ``attributed``: does a main clause report what a source says, or hedge?
   (no → ``background``)
2. ``wrongdoing``: does it impute a specific wrongful act to an identifiable
   actor? (yes → ``allegation``)
3. ``official``: is the source an on-record official? (yes →
   ``official_statement``, no → ``attributed_claim``)

Each part is a binary logistic regression over the same features as the
baseline (word TF-IDF, the labeling functions' votes and the span rules'
findings) plus the words of the sentence's weak SOURCE and CONTENT spans,
trained only on the sentences where its question applies (``wrongdoing`` on
attributed sentences, ``official`` on attributed sentences that are not
allegations), with part labels read off the class labels. ``combine=order``
applies the decision order to the parts' probabilities:

    P(background) = 1 - a,  P(allegation) = a·w,  P(official) = a·(1-w)·o,
    P(attributed_claim) = a·(1-w)·(1-o)

``combine=learned`` puts a multinomial logistic regression over the three
probabilities instead. :meth:`StructuredClassifier.explain` gives every
sentence's part probabilities, so a wrong class can be traced to the part
that failed.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from claimsift.data.gold import check_label
from claimsift.models.base import ClassifierModel, JoblibSaved
from claimsift.scheme import labels_of
from claimsift.schemes.news.lfs import ALLEGATION, ATTRIBUTED_CLAIM, BACKGROUND, OFFICIAL_STATEMENT

# The parts are questions of the news scheme (configs/scheme/news.yaml): this model serves it alone.
SCHEME = "news"
NEWS_CLASSES = sorted((ALLEGATION, ATTRIBUTED_CLAIM, BACKGROUND, OFFICIAL_STATEMENT))

PARTS = ("attributed", "wrongdoing", "official")
COMBINE = ("order", "learned")


def part_labels(label: str) -> dict[str, int | None]:
    """The three part answers implied by a class (None: the question does not apply)."""
    if label == BACKGROUND:
        return {"attributed": 0, "wrongdoing": None, "official": None}
    if label == ALLEGATION:
        return {"attributed": 1, "wrongdoing": 1, "official": None}
    return {"attributed": 1, "wrongdoing": 0, "official": int(label == OFFICIAL_STATEMENT)}


def combine_in_order(p: np.ndarray) -> np.ndarray:
    """(n, 3) part probabilities (attributed, wrongdoing, official) → (n, 4) class probabilities in sorted order."""
    a, w, o = p[:, 0], p[:, 1], p[:, 2]
    by_class = {BACKGROUND: 1 - a, ALLEGATION: a * w, OFFICIAL_STATEMENT: a * (1 - w) * o,
                ATTRIBUTED_CLAIM: a * (1 - w) * (1 - o)}
    return np.stack([by_class[c] for c in NEWS_CLASSES], axis=1)


def span_part_texts(texts, scheme: dict | None = None) -> list[str]:
    """Each sentence's weak SOURCE, CUE and CONTENT words, prefixed by their span type (``SRC_police``)."""
    from claimsift.scheme import load_scheme

    rules = load_scheme(scheme)
    prefix = {"SOURCE": "SRC_", "CUE": "CUE_", "CONTENT": "CNT_"}
    out = []
    for text in texts:
        words = []
        for sp in rules.weak_spans(text):
            words += [prefix[sp["type"]] + w.lower() for w in text[sp["start"]:sp["end"]].split()]
        out.append(" ".join(words) or "NO_SPANS")
    return out


class StructuredClassifier(JoblibSaved, ClassifierModel):
    """Three part classifiers combined in the spec's decision order (or by a learned head)."""

    def __init__(self, *, word_ngram_range, min_df: int, sublinear_tf: bool, C: float, max_iter: int,
                 lf_weight: float, combine: str, class_weight: str | None = "balanced", seed: int = 0,
                 scheme: dict | None = None):
        if combine not in COMBINE:
            raise ValueError(f"combine={combine!r}: expected one of {', '.join(COMBINE)}")
        classes = labels_of(scheme)[0]
        if classes != NEWS_CLASSES or (scheme is not None and scheme.get("name") != SCHEME):
            name = (scheme or {}).get("name", "the default scheme")
            raise ValueError(f"model=structured answers the news scheme's questions (scheme=news); scheme {name} "
                             f"has classes {', '.join(classes)}: pick model=baseline or model=transformer")
        self.word_ngram_range = tuple(word_ngram_range)
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.max_iter = max_iter
        self.lf_weight = lf_weight
        self.combine = combine
        self.class_weight = class_weight
        self.seed = seed
        self.scheme = scheme
        self.classes_ = classes

    def _features(self):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion, make_pipeline
        from sklearn.preprocessing import FunctionTransformer

        from claimsift.models.baseline import rule_features

        return FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=self.word_ngram_range, min_df=self.min_df,
                                     sublinear_tf=self.sublinear_tf)),
            ("spans", make_pipeline(FunctionTransformer(span_part_texts, kw_args={"scheme": self.scheme}),
                                    TfidfVectorizer(token_pattern=r"\S+", lowercase=False,
                                                    sublinear_tf=self.sublinear_tf))),
            ("rules", FunctionTransformer(rule_features, kw_args={"scheme": self.scheme}, accept_sparse=True)),
        ], transformer_weights={"word": 1.0, "spans": 1.0, "rules": self.lf_weight})

    def _lr(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                  random_state=self.seed)

    def fit(self, texts, labels, *, soft_labels=None, eval_texts=None, eval_labels=None):
        """Fit the three parts (and the learned head) on sentences and class names; return self."""
        labels = [check_label(y, "training labels", self.classes_) for y in labels]
        if soft_labels is not None:
            raise ValueError("model=structured: soft targets are not supported (train.soft_targets=false)")
        self.features_ = self._features().fit(list(texts))
        x = self.features_.transform(list(texts))
        answers = [part_labels(y) for y in labels]
        self.parts_ = {}
        for part in PARTS:
            rows = [i for i, a in enumerate(answers) if a[part] is not None]
            y = [answers[i][part] for i in rows]
            if len(set(y)) < 2:
                raise ValueError(f"training labels: part {part!r} needs both answers, got only {set(y)}")
            self.parts_[part] = self._lr().fit(x[rows], y)
        if self.combine == "learned":
            self.head_ = self._lr().fit(self._part_proba(x), labels)
        return self

    def _part_proba(self, x) -> np.ndarray:
        return np.stack([self.parts_[p].predict_proba(x)[:, 1] for p in PARTS], axis=1)

    def explain(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) probabilities of the parts, columns ``PARTS`` (attributed, wrongdoing, official)."""
        return self._part_proba(self.features_.transform(list(texts)))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        parts = self.explain(texts)
        if self.combine == "order":
            return combine_in_order(parts)
        return self.in_class_order(self.head_.predict_proba(parts), self.head_.classes_)
