"""Articles in, sentence records out, a bounded chunk at a time.

Reading streams: the label stage's ``read_articles`` reads a .jsonl or .csv
input line by line (a million-line file never sits in memory). Each article is cleaned and segmented exactly as the label
stage does it, so offsets mean the same thing in both stages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from claimsift.data import ingest
from claimsift.data.clean import Line, raw_span
from claimsift.data.gold import check_label
from claimsift.data.ingest import RawArticle, Skipped
from claimsift.data.pipeline import clean_and_split

PROB_DECIMALS = 4


@dataclass
class Article:
    """One cleaned, segmented article waiting for its predictions."""

    doc_id: str
    source: str
    title: str | None
    text: str  # the cleaned text: every sentence offset points into it
    sentences: list[tuple[int, int, str]]
    # Back to the input as given: the cleaned text's line map into the reader's
    # text, and where the input's own text starts in it (after a title line the
    # reader added). No map: records carry no input offsets.
    lines: list[Line] | None = field(default=None, repr=False)
    input_offset: int = 0
    input_text: str | None = field(default=None, repr=False)  # kept only for text extracted from HTML

    def input_span(self, start: int, end: int) -> tuple[int | None, int | None]:
        """Offsets in the input as given of the cleaned text's ``[start, end)``; (None, None) when the
        span lies in a title line the reader added, or the article has no map."""
        if self.lines is None:
            return None, None
        s, e = raw_span(self.lines, start, end)
        if s < self.input_offset:
            return None, None
        return s - self.input_offset, e - self.input_offset


# ---------------------------------------------------------------- reading

def iter_articles(path: str | Path, id_field: str = "id", text_field: str = "text",
                  title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    """Every article under ``path`` (file, folder or glob), or a Skipped per bad file or row.

    The label stage's reader, which streams .jsonl and .csv row by row. Raises
    FileNotFoundError (naming ``path``) when nothing matches, before anything is read.
    """
    return ingest.read_articles(path, id_field=id_field, text_field=text_field, title_field=title_field)


def prepare(raw: RawArticle) -> Article | Skipped:
    """Clean and segment one article as the label stage does (``clean_and_split``); a Skipped when nothing is left."""
    cleaned, sentences = clean_and_split(raw)
    if not sentences:
        return Skipped(raw.source, "no sentences left after cleaning")
    return Article(doc_id=raw.doc_id, source=raw.source, title=raw.title, text=cleaned.text,
                   sentences=[(s.start, s.end, s.text) for s in sentences], lines=cleaned.lines,
                   input_offset=raw.input_offset, input_text=raw.text if raw.extracted else None)


# ---------------------------------------------------------------- predicting

def by_length(texts: Sequence[str]) -> np.ndarray:
    """The order that sorts ``texts`` by length, so each model batch pads little."""
    return np.argsort(np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts)), kind="stable")


def predict_texts(texts: Sequence[str], classifier=None, extractor=None):
    """Class probabilities (n, n_classes) and spans per sentence, in the order of ``texts``.

    The models see the sentences sorted by length; results are put back in
    input order. Either model may be None (its result is then None).
    """
    order = by_length(texts)
    ordered = [texts[i] for i in order]
    proba = spans = None
    if classifier is not None:
        proba = np.empty((len(texts), len(classifier.classes_)))
        if len(texts):
            proba[order] = np.asarray(classifier.predict_proba(ordered))
    if extractor is not None:
        spans = [None] * len(texts)
        for i, sent_spans in zip(order, extractor.predict(ordered) if len(texts) else []):
            spans[i] = sent_spans
    return proba, spans


def check_classes(classes: Iterable[str], where: str, known: Iterable[str] | None = None) -> list[str]:
    """``classes`` as a list if they are distinct class names (and, with ``known``, each one of them: a
    scheme's classes); ValueError naming ``where`` otherwise. A model's own label map names its classes."""
    from claimsift.scheme import CLASS_NAME

    out = list(classes)
    for c in out:
        if known is not None:
            check_label(c, f"{where}: model predicts a class", known)
        elif not isinstance(c, str) or not CLASS_NAME.fullmatch(c):
            raise ValueError(f"{where}: model predicts a class {c!r} that is not a class name")
    if len(set(out)) != len(out):
        raise ValueError(f"{where}: model names a class twice ({', '.join(out)})")
    return out


def clean_spans(sentence: str, spans: Sequence[dict]) -> list[dict]:
    """Spans as ``{type, start, end, text}`` with ``text == sentence[start:end]``, in order."""
    out = []
    for sp in spans:
        s, e = int(sp["start"]), int(sp["end"])
        if 0 <= s < e <= len(sentence):
            out.append({"type": sp["type"], "start": s, "end": e, "text": sentence[s:e]})
    out.sort(key=lambda sp: (sp["start"], sp["end"]))
    return out


def sentence_prediction(text: str, proba_row, sent_spans, classes: list[str] | None) -> dict:
    """``{label, probabilities, spans}`` of one sentence; ``proba_row`` / ``sent_spans`` None without that model."""
    out = {"label": None, "probabilities": None, "spans": None}
    if proba_row is not None:
        out["label"] = classes[int(proba_row.argmax())]
        out["probabilities"] = {c: round(float(p), PROB_DECIMALS) for c, p in zip(classes, proba_row)}
    if sent_spans is not None:
        out["spans"] = clean_spans(text, sent_spans)
    return out


def article_records(article: Article, proba, spans, classes: list[str] | None, runs: dict) -> list[dict]:
    """The output records of one article; ``proba``/``spans`` are its rows (or None).

    ``start``/``end`` point into the cleaned text, ``input_start``/``input_end``
    into the input as given (``Article.input_span``); each span gets both its
    offsets in the sentence and in the input.
    """
    records = []
    for i, (start, end, text) in enumerate(article.sentences):
        input_start, input_end = article.input_span(start, end)
        rec = {"doc_id": article.doc_id, "sent_id": f"{article.doc_id}:{i:03d}", "start": start, "end": end,
               "input_start": input_start, "input_end": input_end, "text": text,
               **sentence_prediction(text, None if proba is None else proba[i],
                                     None if spans is None else spans[i] or [], classes),
               "classify_run": runs.get("classify"), "extract_run": runs.get("extract")}
        for sp in rec["spans"] or []:
            sp["input_start"], sp["input_end"] = article.input_span(start + sp["start"], start + sp["end"])
        records.append(rec)
    return records


def predict_chunk(articles: Sequence[Article], classifier, extractor, classes: list[str] | None,
                  runs: dict) -> list[tuple[dict, str, list[dict]]]:
    """Predict every sentence of ``articles`` in one pass; ``(summary, cleaned_text, records)`` per article."""
    texts = [s[2] for a in articles for s in a.sentences]
    proba, spans = predict_texts(texts, classifier, extractor)
    batch, i = [], 0
    for art in articles:
        j = i + len(art.sentences)
        records = article_records(art, None if proba is None else proba[i:j],
                                  None if spans is None else spans[i:j], classes, runs)
        summary = summarize(art, records)
        if art.input_text is not None:  # text extracted from HTML: the input offsets point into it
            summary["input_text"] = art.input_text
        batch.append((summary, art.text, records))
        i = j
    return batch


def summarize(article: Article, records: list[dict]) -> dict:
    """Per-article summary: counts and shares per class (the classifier's classes), sources named and how often."""
    labels = [r["label"] for r in records if r["label"] is not None]
    classes = next((list(r["probabilities"]) for r in records if r.get("probabilities")), [])
    counts = {c: 0 for c in classes}
    counts.update(Counter(labels))
    sources = Counter(" ".join(sp["text"].split()) for r in records for sp in (r["spans"] or [])
                      if sp["type"] == "SOURCE")
    return {
        "doc_id": article.doc_id,
        "source": article.source,
        "title": article.title,
        "n_sentences": len(records),
        "counts": counts if labels else None,
        "shares": {c: round(n / len(labels), 4) for c, n in counts.items()} if labels else None,
        "sources": dict(sources.most_common()),
    }
