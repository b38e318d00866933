"""Split cleaned article text into sentences with exact character offsets.

pysbd (rule-based, built for news-like English) splits each paragraph line;
its sentences are located in the text, so ``text[start:end] == sentence``
always holds. Measured against the hand-made segmentation of the seeds
(``tests/data/seed_sentences_reference.jsonl``) pysbd made no boundary error,
so no correcting rules are added; ``tests/test_segment.py`` keeps it so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def segment(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; every paragraph line break is a boundary."""
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        if not line.strip():
            continue
        spans = _locate(line, _segmenter().segment(line))
        for s, e in spans:
            out.append(Sentence(line_start + s, line_start + e, line[s:e]))
    return out


def _locate(line: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Map pysbd's sentence strings back to (start, end) offsets in ``line``, trimmed of spaces."""
    spans = []
    cursor = 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        start = line.find(piece, cursor)
        if start < 0:  # pysbd altered the text; fall back to what is left of the line
            start = cursor + (len(line[cursor:]) - len(line[cursor:].lstrip()))
            end = len(line.rstrip())
        else:
            end = start + len(piece)
        spans.append((start, end))
        cursor = end
    # Make the pieces tile the line (no text lost between two sentences).
    fixed = []
    for i, (s, e) in enumerate(spans):
        nxt = spans[i + 1][0] if i + 1 < len(spans) else len(line)
        gap = line[e:nxt]
        e = e + len(gap.rstrip())  # attach any non-space leftovers to this sentence
        fixed.append((s, e))
    return fixed
