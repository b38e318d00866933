"""Sentence labels kept as standoff: ids and offsets into texts the project may not copy.

PolNeAR's licence is unstated, so the sentence classes added to it are stored
without its text: one JSON object per line,

    {"doc_id": "nyt_2016-09-08_...", "start": 1022, "end": 1187, "sha1": "3f0c9a1b2d4e",
     "label": "official_statement", "selection": "article", "note": "White House press secretary"}

``start``/``end`` are character offsets into the document's text as read
(for PolNeAR, the brat ``.txt``), ``sha1`` the first 12 hex digits of the SHA-1
of the sentence text there: it proves the offsets still point at the sentence
that was labelled without storing the sentence. ``selection`` says how the
sentence was chosen (``article``: every sentence of a whole article;
``picked``: chosen from another article by the rule recorded in
``data/gold/polnear/README.md``). ``note`` is optional.

A record whose document is absent, whose offsets no longer match a sentence,
or whose hash differs is reported with the reason, never dropped silently.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from claimsift.data.gold import label_problem
from claimsift.io import read_jsonl_objects

FIELDS = {"doc_id": str, "start": int, "end": int, "sha1": str, "label": str}
SELECTIONS = ("article", "picked")


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def standoff_files(path: str | Path) -> list[Path]:
    """The ``*.jsonl`` files a standoff path names (one file, or every file of a folder)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        return sorted(p.glob("*.jsonl"))
    raise FileNotFoundError(f"{path}: no standoff label file or folder")


def read_standoff(path: str | Path, classes: Iterable[str] | None = None) -> tuple[list[dict], list[str]]:
    """Read standoff records from a file or folder: (records, problems), one line per problem.

    Labels are checked against ``classes`` (None: the default scheme's).
    """
    records, problems = [], []
    for f in standoff_files(path):
        objects, read_problems = read_jsonl_objects(f)
        problems += read_problems
        for lineno, rec in objects:
            at = f"{f}:{lineno}"
            bad = [k for k, t in FIELDS.items() if not isinstance(rec.get(k), t) or isinstance(rec.get(k), bool)]
            if bad:
                problems.append(f"{at}: missing or wrong-typed field(s) {', '.join(bad)}")
                continue
            problem = label_problem(rec["label"], classes)
            if problem:
                problems.append(f"{at}: {problem}")
                continue
            if rec.get("selection", "article") not in SELECTIONS:
                problems.append(f"{at}: selection {rec['selection']!r} (expected one of {', '.join(SELECTIONS)})")
                continue
            if "text" in rec:
                problems.append(f"{at}: a standoff record carries no text")
                continue
            records.append({**rec, "_at": at})
    seen: dict[tuple, str] = {}
    for r in records:
        key = (r["doc_id"], r["start"], r["end"])
        if key in seen:
            problems.append(f"{r['_at']}: duplicate of {seen[key]} ({r['doc_id']} {r['start']}-{r['end']})")
        seen[key] = r["_at"]
    return records, problems


def check_standoff(records: Iterable[dict], texts: dict[str, str]) -> list[str]:
    """Problems of standoff records against the documents' texts (doc_id → text)."""
    problems = []
    for r in records:
        at = r.get("_at", r["doc_id"])
        text = texts.get(r["doc_id"])
        if text is None:
            problems.append(f"{at}: document {r['doc_id']!r} not found")
        elif not 0 <= r["start"] < r["end"] <= len(text):
            problems.append(f"{at}: offsets {r['start']}-{r['end']} outside {r['doc_id']} (length {len(text)})")
        elif text_hash(text[r["start"]:r["end"]]) != r["sha1"]:
            problems.append(f"{at}: text at {r['doc_id']} {r['start']}-{r['end']} has changed (sha1 differs)")
    return problems


def brat_texts(root: str | Path, doc_ids: set[str]) -> dict[str, str]:
    """doc_id → text of the wanted documents in the brat compartments under ``root`` (PolNeAR's layout)."""
    from claimsift.data.brat import document_files

    texts = {}
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        try:
            text_dir, _ = document_files(folder)
        except FileNotFoundError:
            continue
        for f in text_dir.glob("*.txt"):
            if f.stem in doc_ids:
                texts[f.stem] = f.read_text(encoding="utf-8")
    return texts


def join_standoff(sentences: list[dict], records: list[dict]) -> tuple[int, list[str]]:
    """Set ``gold_label`` (and ``gold_note``) of the sentences the records point at.

    Returns (matched, problems): every record that matches no sentence is one
    problem line (document absent, offsets that are no sentence of the current
    segmentation, or text changed).
    """
    by_key = {(s["doc_id"], s["start"], s["end"]): s for s in sentences}
    docs = {s["doc_id"] for s in sentences}
    matched, problems = 0, []
    for r in records:
        at = r.get("_at", r["doc_id"])
        sent = by_key.get((r["doc_id"], r["start"], r["end"]))
        if sent is None:
            why = "document not in the dataset" if r["doc_id"] not in docs else \
                "no sentence at these offsets (segmentation changed?)"
            problems.append(f"{at}: {r['doc_id']} {r['start']}-{r['end']}: {why}")
        elif text_hash(sent["text"]) != r["sha1"]:
            problems.append(f"{at}: {r['doc_id']} {r['start']}-{r['end']}: sentence text changed (sha1 differs)")
        else:
            sent["gold_label"] = r["label"]
            if r.get("note"):
                sent["gold_note"] = r["note"]
            matched += 1
    return matched, problems


def make_record(sentence: dict, label: str, selection: str = "article", note: str | None = None) -> dict:
    """The standoff record of a labelled sentence (doc_id, start, end and text as the dataset has them)."""
    rec = {"doc_id": sentence["doc_id"], "start": sentence["start"], "end": sentence["end"],
           "sha1": text_hash(sentence["text"]), "label": label, "selection": selection}
    if note:
        rec["note"] = note
    return rec
