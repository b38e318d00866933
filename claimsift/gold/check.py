"""Validate hand-annotated gold records (``data/gold/*.jsonl``).

    claimsift gold check                       # every data/gold/*.jsonl
    claimsift gold check data/gold/seeds.jsonl --articles seeds

A gold record is one sentence: ``doc_id``, ``sent_id``, ``start``, ``end``
(offsets into the article's cleaned text), ``text``, ``label`` (one of
``labels.CLASSES``), ``spans`` and an optional ``note``. A span is
``{"type": SOURCE|CUE|CONTENT, "start", "end", "text", "attr"}`` with offsets
into the sentence; ``attr`` ties the spans of one attribution together.

Every problem is one line naming the file, the line and sent_id, and what is
wrong, so a broken record is never read as a silent zero.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from claimsift.labels import CLASS2ID, CLASSES, SPAN_TYPES

REQUIRED = {"doc_id": str, "sent_id": str, "start": int, "end": int, "text": str, "label": str, "spans": list}
SPAN_REQUIRED = {"type": str, "start": int, "end": int, "text": str, "attr": int}
OPTIONAL = {"note"}


def read_gold(path: str | Path) -> tuple[list[dict], list[str]]:
    """Read a gold JSONL file leniently: return (records, problems).

    Each record gets a ``_line`` key (its line number) for messages; a line
    that is not a JSON object is a problem, not an exception.
    """
    path = Path(path)
    records, problems = [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read ({exc})"]
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{lineno}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{path}:{lineno}: not a JSON object")
            continue
        records.append({**rec, "_line": lineno})
    return records, problems


def check_records(records: Iterable[dict], where: str, articles: dict[str, str] | None = None) -> list[str]:
    """Return one line per problem found in ``records`` (empty when all are valid).

    ``where`` names the file in messages; records may carry ``_line``.
    ``articles`` (doc_id → cleaned text), when given, also checks that each
    sentence's text is ``article[start:end]``.
    """
    problems: list[str] = []
    seen_ids: dict[str, int | str] = {}
    seen_offsets: dict[tuple, str] = {}
    for i, rec in enumerate(records, 1):
        line = rec.get("_line", i)
        sid = rec.get("sent_id")
        at = f"{where}:{line} ({sid})" if isinstance(sid, str) else f"{where}:{line}"

        def bad(msg: str) -> None:
            problems.append(f"{at}: {msg}")

        missing = [k for k in REQUIRED if k not in rec]
        if missing:
            bad(f"missing field(s) {', '.join(missing)}")
            continue
        wrong = [k for k, t in REQUIRED.items() if not isinstance(rec[k], t) or (t is int and isinstance(rec[k], bool))]
        if wrong:
            bad(f"wrong type for {', '.join(f'{k} (expected {REQUIRED[k].__name__})' for k in wrong)}")
            continue
        extra = set(rec) - set(REQUIRED) - OPTIONAL - {"_line"}
        if extra:
            bad(f"unknown field(s) {', '.join(sorted(extra))}")
        if "note" in rec and not isinstance(rec["note"], str):
            bad("note must be a string")

        if sid in seen_ids:
            bad(f"duplicate sent_id {sid!r} (first on line {seen_ids[sid]})")
        else:
            seen_ids[sid] = line
        if not sid.startswith(rec["doc_id"] + ":"):
            bad(f"sent_id {sid!r} does not start with doc_id {rec['doc_id']!r} + ':'")
        key = (rec["doc_id"], rec["start"], rec["end"])
        if key in seen_offsets:
            bad(f"same sentence offsets {rec['start']}-{rec['end']} as {seen_offsets[key]}")
        else:
            seen_offsets[key] = sid

        if rec["label"] not in CLASS2ID:
            bad(f"unknown label {rec['label']!r} (expected one of {', '.join(CLASSES)})")
        if not 0 <= rec["start"] < rec["end"] or rec["end"] - rec["start"] != len(rec["text"]):
            bad(f"sentence offsets {rec['start']}-{rec['end']} do not fit its text of length {len(rec['text'])}")
        elif rec["text"] != rec["text"].strip():
            bad("sentence text has leading or trailing whitespace")
        if articles is not None:
            article = articles.get(rec["doc_id"])
            if article is None:
                bad(f"doc_id {rec['doc_id']!r} is not among the articles")
            elif article[rec["start"]:rec["end"]] != rec["text"]:
                bad(f"text differs from the article's cleaned text at {rec['start']}-{rec['end']}: "
                    f"{article[rec['start']:rec['end']][:60]!r}")
        problems.extend(f"{at}: {msg}" for msg in check_spans(rec["spans"], rec["text"]))
    return problems


def check_spans(spans: list, text: str) -> list[str]:
    """Problems with the spans of one sentence ``text`` (messages without location)."""
    out: list[str] = []
    good: list[dict] = []
    for j, span in enumerate(spans):
        name = f"span {j}"
        if not isinstance(span, dict):
            out.append(f"{name}: not an object")
            continue
        missing = [k for k in SPAN_REQUIRED if k not in span]
        if missing:
            out.append(f"{name}: missing field(s) {', '.join(missing)}")
            continue
        wrong = [k for k, t in SPAN_REQUIRED.items()
                 if not isinstance(span[k], t) or (t is int and isinstance(span[k], bool))]
        if wrong:
            out.append(f"{name}: wrong type for {', '.join(wrong)}")
            continue
        name = f"span {j} {span['type']} {span['start']}-{span['end']}"
        if span["type"] not in SPAN_TYPES:
            out.append(f"{name}: unknown span type {span['type']!r} (expected one of {', '.join(SPAN_TYPES)})")
            continue
        if not 0 <= span["start"] < span["end"] <= len(text):
            out.append(f"{name}: offsets outside the sentence (length {len(text)})")
            continue
        if text[span["start"]:span["end"]] != span["text"]:
            out.append(f"{name}: text {span['text']!r} does not match the sentence there "
                       f"({text[span['start']:span['end']]!r})")
            continue
        piece = span["text"]
        if piece != piece.strip():
            out.append(f"{name}: span has leading or trailing whitespace")
        if span["attr"] < 0:
            out.append(f"{name}: attr must be >= 0")
            continue
        good.append(span)

    ordered = sorted(good, key=lambda s: (s["start"], s["end"]))
    for a, b in zip(ordered, ordered[1:]):
        if b["start"] < a["end"]:
            out.append(f"overlapping spans {a['type']} {a['start']}-{a['end']} and {b['type']} {b['start']}-{b['end']}")

    # attr numbers 0..n-1 in order of each attribution's first span: one
    # canonical form, so a Label Studio round trip compares equal. An
    # attribution has at most one cue and one source; it may lack a cue only
    # where the sentence has none (a bare quote continuing the previous
    # sentence's, a "- Reuters" credit), and then it must have a CONTENT.
    first_seen: list[int] = []
    for span in ordered:
        if span["attr"] not in first_seen:
            first_seen.append(span["attr"])
    if first_seen != list(range(len(first_seen))):
        out.append(f"attr numbers {first_seen} (in span order) should be 0, 1, ... in order of first span")
    for attr in first_seen:
        types = [s["type"] for s in good if s["attr"] == attr]
        if types.count("CUE") > 1:
            out.append(f"attribution {attr}: more than one CUE (has {types.count('CUE')})")
        if types.count("SOURCE") > 1:
            out.append(f"attribution {attr}: more than one SOURCE")
        if "CONTENT" not in types and "CUE" not in types:
            out.append(f"attribution {attr}: has neither a CUE nor a CONTENT")
    return out


def check_files(paths: Iterable[str | Path], articles: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Check gold files; return (number of records read, problems across all files)."""
    n, problems = 0, []
    for path in paths:
        records, read_problems = read_gold(path)
        problems.extend(read_problems)
        problems.extend(check_records(records, str(path), articles))
        n += len(records)
    return n, problems


def load_articles(path: str | Path) -> dict[str, str]:
    """doc_id → cleaned text of the articles under ``path`` (as the label stage cleans them)."""
    from claimsift.data.clean import clean
    from claimsift.data.ingest import RawArticle, read_articles

    return {a.doc_id: clean(a.text).text for a in read_articles(path) if isinstance(a, RawArticle)}
