"""One article in, its cleaned text and its sentences out (shared by the label and predict stages)."""

from __future__ import annotations

from claimsift.data.clean import clean
from claimsift.data.ingest import RawArticle
from claimsift.data.labeling import apply_lfs, weak_spans
from claimsift.data.segment import segment


def process_article(raw: RawArticle) -> tuple[dict, list[dict]]:
    """Clean and split one article.

    Returns the article record (doc_id, source, title, text, dropped) and its
    sentence records (doc_id, sent_id, start, end, text) with offsets into the
    cleaned text.
    """
    cleaned = clean(raw.text)
    article = {"doc_id": raw.doc_id, "source": raw.source, "title": raw.title, "text": cleaned.text,
               "dropped": [{"line": line, "reason": reason} for line, reason in cleaned.dropped]}
    sentences = [{"doc_id": raw.doc_id, "sent_id": f"{raw.doc_id}:{i:03d}", "start": s.start, "end": s.end,
                  "text": s.text} for i, s in enumerate(segment(cleaned.text))]
    return article, sentences


def weak_annotate(sentence: dict) -> tuple[list, list[dict]]:
    """Labeling-function votes and weak spans for one sentence record."""
    return apply_lfs(sentence["text"]), weak_spans(sentence["text"])
