"""Split cleaned article text into sentences with exact character offsets.

pysbd (rule-based, built for news-like English) splits each paragraph line;
its sentences are located in the text, so ``text[start:end] == sentence``
always holds. Measured against the hand-made segmentation of the seeds
(``tests/data/seed_sentences_reference.jsonl``) pysbd made no boundary error,
so no correcting rules are added; ``tests/test_segment.py`` keeps it so.

pysbd's time grows with the square of a line's length (a 20 MB line would
take days), so a line longer than ``MAX_PIECE`` characters is first cut into
pieces of at most that size, each at the last likely sentence end (else the
last space) before the limit; the time is then linear in the text's size.
News paragraphs are far shorter, so ordinary text is segmented as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


# pysbd takes ~5 µs a character up to a few thousand characters, then slows down quadratically.
MAX_PIECE = 2000
# A likely sentence end: . ! or ? with any closing quotes or brackets, then spaces.
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


# Texts longer than this get a progress bar of their own (characters segmented): a huge single
# article is otherwise one silent step of the stage's per-article bar.
PROGRESS_CHARS = 1_000_000


def segment(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order; every paragraph line break is a boundary."""
    out: list[Sentence] = []
    pos = 0
    bar = None
    if len(text) > PROGRESS_CHARS:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=len(text), unit="char", unit_scale=True, desc="segment", file=sys.stderr, leave=False)
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        for piece_start, piece in pieces(line, MAX_PIECE):
            if bar is not None:
                bar.update(len(piece))
            if not piece.strip():
                continue
            for s, e in _locate(piece, _segmenter().segment(piece)):
                out.append(Sentence(line_start + piece_start + s, line_start + piece_start + e, piece[s:e]))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return out


def pieces(line: str, limit: int) -> list[tuple[int, str]]:
    """``line`` as (offset, piece) pieces of at most ``limit`` characters that join back into it.

    Each cut falls after the last likely sentence end in the second half of
    the window, else after its last space, else (no space at all) at the limit.
    """
    out = []
    start = 0
    while len(line) - start > limit:
        window = line[start:start + limit]
        cut = 0
        for m in SENTENCE_END.finditer(window, limit // 2):
            cut = m.end()
        if not cut:
            space = max(window.rfind(" "), window.rfind("\t"))
            cut = space + 1 if space > 0 else limit
        out.append((start, line[start:start + cut]))
        start += cut
    out.append((start, line[start:]))
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
