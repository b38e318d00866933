"""The written in-domain set: articles the team wrote for training, in a light markup.

One article per ``.txt`` file under ``data/written/articles/``::

    # region: Iraq
    # style: wire
    background | Drone strike hits depot near Basra
    official_statement | <SOURCE1>The Interior Ministry</SOURCE1> <CUE1>said</CUE1> <CONTENT1>two guards were hurt</CONTENT1>.

    attributed_claim | <CONTENT1>“We heard three blasts,”</CONTENT1> <SOURCE1>a shopkeeper</SOURCE1> <CUE1>told</CUE1> reporters.

- ``# key: value`` lines before the first sentence are metadata (region, style, ...).
- Every other non-blank line is one sentence: ``label | text``. A blank line
  ends a paragraph. Sentences of a paragraph are joined by one space,
  paragraphs by a blank line, which gives the article text and every offset.
- ``<TYPEn>...</TYPEn>`` marks a span of TYPE (SOURCE, CUE, CONTENT) of the
  sentence's attribution n (1, 2, ...); pieces of one CONTENT share n. Tags
  do not nest and never overlap. ``<`` is not otherwise allowed in the text.

Check files with ``python -m claimsift.data.written check data/written/articles``.
The sentences keep the writer's segmentation (the reader yields sentences, no
segmenter runs), so gold labels and spans need no offset join.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from claimsift.data.gold import canonical_attrs, check_label, check_spans
from claimsift.scheme import Scheme, load_scheme

TAG = re.compile(r"<(/?)(SOURCE|CUE|CONTENT)(\d+)>")


@dataclass
class WrittenArticle:
    doc_id: str
    path: Path
    text: str
    meta: dict = field(default_factory=dict)
    sentences: list[dict] = field(default_factory=list)  # doc_id, sent_id, start, end, text, gold_label, gold_spans


def parse_sentence(marked: str, where: str) -> tuple[str, list[dict]]:
    """Strip span tags from one marked-up sentence; return (text, spans with offsets into text)."""
    out: list[str] = []
    pos = 0  # position in the stripped text
    open_span: tuple[str, int, int] | None = None
    spans: list[dict] = []
    last = 0
    for m in TAG.finditer(marked):
        chunk = marked[last:m.start()]
        out.append(chunk)
        pos += len(chunk)
        last = m.end()
        closing, typ, n = m.group(1) == "/", m.group(2), int(m.group(3))
        if not closing:
            if open_span is not None:
                raise ValueError(f"{where}: <{typ}{n}> opens inside <{open_span[0]}{open_span[1]}>")
            open_span = (typ, n, pos)
        else:
            if open_span is None or open_span[:2] != (typ, n):
                raise ValueError(f"{where}: </{typ}{n}> closes no open <{typ}{n}>")
            start = open_span[2]
            if pos == start:
                raise ValueError(f"{where}: <{typ}{n}> is empty")
            spans.append({"type": typ, "start": start, "end": pos, "attr": n})
            open_span = None
    if open_span is not None:
        raise ValueError(f"{where}: <{open_span[0]}{open_span[1]}> is never closed")
    out.append(marked[last:])
    text = "".join(out)
    if "<" in text or ">" in text:
        raise ValueError(f"{where}: stray '<' or '>' (a misspelt tag?)")
    if text != text.strip():
        raise ValueError(f"{where}: leading or trailing spaces around the sentence")
    for s in spans:
        piece = text[s["start"]:s["end"]]
        if piece != piece.strip():
            raise ValueError(f"{where}: span {s['type']}{s['attr']} {piece!r} has leading or trailing spaces")
        s["text"] = piece
    return text, canonical_attrs(spans)


def parse_article(path: Path, scheme: Scheme | None = None) -> WrittenArticle:
    """Parse one marked-up article; raise ValueError naming file and line on any problem.

    Labels and spans are checked against ``scheme`` (None: the default scheme).
    """
    scheme = load_scheme(scheme)
    doc_id = path.stem
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    meta: dict[str, str] = {}
    paragraphs: list[list[tuple[int, str, str]]] = [[]]
    for i, line in enumerate(lines, 1):
        where = f"{path}:{i}"
        stripped = line.strip()
        if not stripped:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if stripped.startswith("#") and not any(paragraphs):
            key, _, value = stripped.lstrip("#").partition(":")
            meta[key.strip()] = value.strip()
            continue
        label, sep, marked = stripped.partition("|")
        if not sep:
            raise ValueError(f"{where}: expected 'label | sentence' with label one of {', '.join(scheme.classes)}")
        label = check_label(label.strip(), where, scheme.classes)
        paragraphs[-1].append((i, label, marked.strip()))
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise ValueError(f"{path}: no sentences")
    text_parts: list[str] = []
    sentences: list[dict] = []
    offset = 0
    for p, para in enumerate(paragraphs):
        if p:
            text_parts.append("\n\n")
            offset += 2
        for j, (i, label, marked) in enumerate(para):
            if j:
                text_parts.append(" ")
                offset += 1
            text, spans = parse_sentence(marked, f"{path}:{i}")
            if not text:
                raise ValueError(f"{path}:{i}: empty sentence")
            problems = check_spans(spans, text, span_types=scheme.span_types)
            if problems:
                raise ValueError(f"{path}:{i}: {'; '.join(problems)}")
            sentences.append({"doc_id": doc_id, "sent_id": f"{doc_id}:{len(sentences):03d}", "start": offset,
                              "end": offset + len(text), "text": text, "gold_label": label, "gold_spans": spans,
                              "line": i})
            text_parts.append(text)
            offset += len(text)
    return WrittenArticle(doc_id, path, "".join(text_parts), meta, sentences)


def read_written(path: str | Path, scheme: Scheme | None = None
                 ) -> tuple[list[WrittenArticle], list[tuple[Path, str]]]:
    """Parse every ``*.txt`` under ``path``; return (articles, [(file, problem)]) — a bad file is reported, not fatal."""
    root = Path(path)
    files = [root] if root.is_file() else sorted(root.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"{path}: no written articles (*.txt)")
    articles, bad = [], []
    for f in files:
        try:
            articles.append(parse_article(f, scheme))
        except ValueError as exc:
            bad.append((f, str(exc)))
    return articles, bad


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or args[0] != "check":
        print("usage: python -m claimsift.data.written check PATH [PATH ...]", file=sys.stderr)
        return 2
    from collections import Counter

    scheme = load_scheme(None)
    counts: Counter = Counter()
    spans: Counter = Counter()
    n_articles = n_bad = 0
    for p in args[1:]:
        articles, bad = read_written(p, scheme)
        for f, problem in bad:
            print(problem)
        n_bad += len(bad)
        n_articles += len(articles)
        for a in articles:
            counts.update(s["gold_label"] for s in a.sentences)
            spans.update(x["type"] for s in a.sentences for x in s["gold_spans"])
    total = sum(counts.values())
    print(f"{n_articles} article(s) read, {n_bad} with problems; {total} sentences: "
          + ", ".join(f"{c} {counts[c]}" for c in scheme.classes) + "; spans: "
          + ", ".join(f"{t} {spans[t]}" for t in scheme.span_types))
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main())
