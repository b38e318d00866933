"""One article in, its cleaned text and its sentences out (shared by the label and predict stages)."""

from __future__ import annotations

import sys

import numpy as np
from tqdm import tqdm

from claimsift.data.clean import Cleaned, clean
from claimsift.data.ingest import RawArticle
from claimsift.data.labelmodel import LabelModel, votes_matrix
from claimsift.data.segment import Sentence, segment
from claimsift.labels import ABSTAIN
from claimsift.scheme import Scheme


def clean_and_split(raw: RawArticle) -> tuple[Cleaned, list[Sentence]]:
    """The cleaned article (text, dropped lines, map back to ``raw.text``) and its sentences
    (offsets into the cleaned text): the one clean-and-segment path of the label and predict stages."""
    cleaned = clean(raw.text)
    return cleaned, segment(cleaned.text)


def process_article(raw: RawArticle) -> tuple[dict, list[dict]]:
    """Clean and split one article (``clean_and_split``).

    Returns the article record (doc_id, source, title, text, dropped) and its
    sentence records (doc_id, sent_id, start, end, text) with offsets into the
    cleaned text.
    """
    cleaned, sentences = clean_and_split(raw)
    article = {"doc_id": raw.doc_id, "source": raw.source, "title": raw.title, "text": cleaned.text,
               "dropped": [{"line": line, "reason": reason} for line, reason in cleaned.dropped]}
    records = [{"doc_id": raw.doc_id, "sent_id": f"{raw.doc_id}:{i:03d}", "start": s.start, "end": s.end,
                "text": s.text} for i, s in enumerate(sentences)]
    return article, records


def weak_annotate(sentence: dict, scheme: Scheme) -> tuple[list, list[dict]]:
    """The scheme's labeling-function votes and weak spans for one sentence record."""
    return scheme.vote(sentence["text"]), scheme.weak_spans(sentence["text"])


def weak_label(sentences: list[dict], label_model, seed: int, scheme: Scheme) -> tuple[np.ndarray, LabelModel]:
    """Fill lf_votes, spans, weak_probs and weak_label of every sentence record in place.

    ``label_model`` is the ``label_model`` config node. Returns the label matrix and the fitted label model.
    """
    votes = []
    for sent in tqdm(sentences, desc="labeling functions", unit="sent", file=sys.stderr):
        v, spans = weak_annotate(sent, scheme)
        votes.append(v)
        sent["lf_votes"] = [{"lf": n, "label": x} for n, x in zip(scheme.lf_names, v) if x != ABSTAIN]
        sent["spans"] = spans
    L = votes_matrix(votes, scheme.classes)
    model = LabelModel(label_model.kind, classes=scheme.classes, precedence=scheme.precedence,
                       default_class=scheme.default_class, seed=seed, n_epochs=label_model.n_epochs,
                       lr=label_model.lr, l2=label_model.l2).fit(L)
    proba = model.predict_proba(L)
    for sent, p in zip(sentences, proba):
        sent["weak_probs"] = [round(float(x), 6) for x in p]
        sent["weak_label"] = scheme.classes[int(p.argmax())]
    return L, model
