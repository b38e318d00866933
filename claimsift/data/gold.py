"""Gold records: the one validator of sentence labels and spans, reading gold files, joining them to sentences.

A gold record (``data/gold/*.jsonl``) is one sentence: ``doc_id``,
``sent_id``, ``start``, ``end`` (offsets into the article's cleaned text),
``text``, ``label`` (a class of the scheme), ``spans`` and an optional
``note``. A span is ``{"type", "start", "end", "text", "attr"}`` (a span type
of the scheme, e.g. SOURCE, CUE, CONTENT) with offsets into the sentence;
``attr`` ties the spans of one attribution together.

The classes and span types to check against are given (``classes=``,
``span_types=``, a scheme's); a caller that gives none gets the default
scheme's (:func:`claimsift.scheme.default_scheme`).

Every reader of labels and spans validates them here (:func:`label_problem`,
:func:`check_label`, :func:`check_spans`, :func:`check_records`): ``claimsift
gold check``, the label stage's gold join, the written set, brat and standoff
labels, an evaluation file, the models' training labels. Problems are one
line each; the caller puts the file and line in front, so a broken record is
never read as a silent zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from claimsift.io import read_jsonl_objects

REQUIRED = {"doc_id": str, "sent_id": str, "start": int, "end": int, "text": str, "label": str, "spans": list}
SPAN_REQUIRED = {"type": str, "start": int, "end": int, "text": str, "attr": int}
# What scoring needs of a span; ``text`` and ``attr``, when given, are still checked.
SPAN_SCORED = {"type": str, "start": int, "end": int}
OPTIONAL = {"note"}


def _classes(classes) -> tuple[str, ...]:
    if classes is None:
        from claimsift.scheme import default_scheme

        return default_scheme().classes
    return tuple(classes)


def _span_types(span_types) -> tuple[str, ...]:
    if span_types is None:
        from claimsift.scheme import default_scheme

        return default_scheme().span_types
    return tuple(span_types)


def label_problem(label, classes: Iterable[str] | None = None) -> str | None:
    """Why ``label`` is not one of ``classes`` (one line), or None when it is one."""
    classes = _classes(classes)
    if isinstance(label, str) and label in classes:
        return None
    return f"unknown label {label!r} (expected one of {', '.join(classes)})"


def check_label(label, where: str, classes: Iterable[str] | None = None) -> str:
    """Return ``label`` if it is one of ``classes``; raise ValueError ``"<where>: unknown label ..."`` otherwise."""
    problem = label_problem(label, classes)
    if problem:
        raise ValueError(f"{where}: {problem}")
    return label


def _wrong_types(obj: dict, fields: dict) -> list[str]:
    return [k for k, t in fields.items()
            if k in obj and (not isinstance(obj[k], t) or (t is int and isinstance(obj[k], bool)))]


def check_spans(spans, text: str, *, complete: bool = True, span_types: Iterable[str] | None = None) -> list[str]:
    """Problems with the spans of one sentence ``text`` (messages without location; empty when all are valid).

    ``complete`` (gold files): every span has ``type``, ``start``, ``end``,
    ``text`` and ``attr``, no edge whitespace, no two spans overlap and the
    attributions are numbered and formed as the gold format says. Otherwise
    (a file only scored against) a span needs ``type`` and offsets inside the
    sentence; a ``text`` or ``attr`` it has must still be right.
    """
    if not isinstance(spans, list):
        return ["spans is not a list"]
    types = _span_types(span_types) if spans else ()
    required = SPAN_REQUIRED if complete else SPAN_SCORED
    out: list[str] = []
    good: list[dict] = []
    for j, span in enumerate(spans):
        name = f"span {j}"
        if not isinstance(span, dict):
            out.append(f"{name}: not an object")
            continue
        missing = [k for k in required if k not in span]
        if missing:
            out.append(f"{name}: missing field(s) {', '.join(missing)}")
            continue
        wrong = _wrong_types(span, SPAN_REQUIRED)
        if wrong:
            out.append(f"{name}: wrong type for {', '.join(wrong)}")
            continue
        name = f"span {j} {span['type']} {span['start']}-{span['end']}"
        if span["type"] not in types:
            out.append(f"{name}: unknown span type {span['type']!r} (expected one of {', '.join(types) or 'none'})")
            continue
        if not 0 <= span["start"] < span["end"] <= len(text):
            out.append(f"{name}: offsets outside the sentence (length {len(text)})")
            continue
        if "text" in span and text[span["start"]:span["end"]] != span["text"]:
            out.append(f"{name}: text {span['text']!r} does not match the sentence there "
                       f"({text[span['start']:span['end']]!r})")
            continue
        if complete:
            piece = span["text"]
            if piece != piece.strip():
                out.append(f"{name}: span has leading or trailing whitespace")
        if span.get("attr", 0) < 0:
            out.append(f"{name}: attr must be >= 0")
            continue
        good.append(span)
    if complete:
        out += _attribution_problems(good)
    return out


def _attribution_problems(good: list[dict]) -> list[str]:
    out = []
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


def canonical_attrs(spans: list[dict]) -> list[dict]:
    """Sort ``spans`` by offsets and renumber ``attr`` 0, 1, ... in order of each attribution's first span.

    The gold format's one form of the numbering; changes and returns ``spans``.
    """
    spans.sort(key=lambda s: (s["start"], s["end"]))
    order: dict[int, int] = {}
    for s in spans:
        order.setdefault(s["attr"], len(order))
    for s in spans:
        s["attr"] = order[s["attr"]]
    return spans


def check_records(records: Iterable[dict], where: str, articles: dict[str, str] | None = None, *,
                  classes: Iterable[str] | None = None, span_types: Iterable[str] | None = None) -> list[str]:
    """Return one line per problem found in gold ``records`` (empty when all are valid).

    ``where`` names the file in messages; records may carry ``_line``.
    ``articles`` (doc_id → cleaned text), when given, also checks that each
    sentence's text is ``article[start:end]``.
    """
    classes, span_types = _classes(classes), _span_types(span_types)
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
        wrong = _wrong_types(rec, REQUIRED)
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

        if label_problem(rec["label"], classes):
            bad(label_problem(rec["label"], classes))
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
        problems.extend(f"{at}: {msg}" for msg in check_spans(rec["spans"], rec["text"], span_types=span_types))
    return problems


def read_gold(path: str | Path) -> tuple[list[dict], list[str]]:
    """Read a gold JSONL file leniently: return (records, problems).

    Each record gets a ``_line`` key (its line number) for messages; a line
    that is not a JSON object is a problem, not an exception.
    """
    objects, problems = read_jsonl_objects(path)
    return [{**rec, "_line": lineno} for lineno, rec in objects], problems


def load_gold(path: str | Path, *, classes: Iterable[str] | None = None,
              span_types: Iterable[str] | None = None) -> list[dict]:
    """Read and validate a gold file; raise ValueError listing its problems (one per line)."""
    records, problems = read_gold(path)
    problems += check_records(records, str(path), classes=classes, span_types=span_types)
    if problems:
        raise ValueError(f"{path}: {len(problems)} problem(s) in the gold file:\n" + "\n".join(problems))
    return [{k: v for k, v in r.items() if k != "_line"} for r in records]


def check_files(paths: Iterable[str | Path], articles: dict[str, str] | None = None, *,
                classes: Iterable[str] | None = None, span_types: Iterable[str] | None = None
                ) -> tuple[int, list[str]]:
    """Check gold files; return (number of records read, problems across all files)."""
    n, problems = 0, []
    for path in paths:
        records, read_problems = read_gold(path)
        problems.extend(read_problems)
        problems.extend(check_records(records, str(path), articles, classes=classes, span_types=span_types))
        n += len(records)
    return n, problems


def load_articles(path: str | Path) -> dict[str, str]:
    """doc_id → cleaned text of the articles under ``path`` (as the label stage cleans them)."""
    from claimsift.data.clean import clean
    from claimsift.data.ingest import RawArticle, read_articles

    return {a.doc_id: clean(a.text).text for a in read_articles(path) if isinstance(a, RawArticle)}


def match_gold(sentences: Iterable[dict], gold_records: Iterable[dict]) -> tuple[list[tuple[dict, dict]], list[dict]]:
    """Join gold records to sentences by (doc_id, start, end).

    Returns ``(matched, unmatched)``: ``matched`` is a list of
    ``(sentence, gold_record)`` pairs in sentence order; ``unmatched`` holds
    every gold record that no sentence matches (a changed segmentation, a
    changed cleaning, or an article not in the dataset), for the caller to
    report (:func:`describe_unmatched` words it). A record whose offsets match
    but whose text differs is unmatched too.
    """
    by_key = {(g["doc_id"], g["start"], g["end"]): g for g in gold_records}
    used: set[tuple] = set()
    matched = []
    for sent in sentences:
        key = (sent["doc_id"], sent["start"], sent["end"])
        gold = by_key.get(key)
        if gold is not None and gold["text"] == sent["text"]:
            matched.append((sent, gold))
            used.add(key)
    unmatched = [g for k, g in by_key.items() if k not in used]
    return matched, unmatched


def describe_unmatched(unmatched: Iterable[dict], sentences: Iterable[dict]) -> list[str]:
    """One line per unmatched gold record saying why it matches no sentence."""
    by_doc: dict[str, list[dict]] = {}
    for s in sentences:
        by_doc.setdefault(s["doc_id"], []).append(s)
    lines = []
    for g in unmatched:
        head = f"gold {g['sent_id']} ({g['doc_id']} {g['start']}-{g['end']})"
        doc = by_doc.get(g["doc_id"])
        if not doc:
            lines.append(f"{head}: article not in the dataset")
            continue
        overlapping = [s for s in doc if s["start"] < g["end"] and g["start"] < s["end"]]
        if any(s["start"] == g["start"] and s["end"] == g["end"] for s in overlapping):
            lines.append(f"{head}: sentence text changed (cleaning differs)")
        elif overlapping:
            parts = ", ".join(f"{s['start']}-{s['end']}" for s in overlapping)
            lines.append(f"{head}: segmentation changed; now overlaps sentence(s) {parts}")
        else:
            lines.append(f"{head}: no sentence at these offsets")
    return lines
