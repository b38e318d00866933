"""Annotators' label lists → standoff records (ids, offsets, text hash; never the text).

An annotator writes ``sent_id<TAB>label<TAB>note`` lines for sentences of a
built dataset; :func:`to_standoff` looks each sent_id up in the dataset's
``sentences.jsonl`` and writes :mod:`claimsift.data.standoff` records.
"""

from __future__ import annotations

import json
from pathlib import Path

from claimsift.data.dataset import load_records
from claimsift.data.gold import check_label
from claimsift.data.standoff import make_record
from claimsift.io import write_jsonl


def read_label_lines(path: str | Path, classes=None) -> list[tuple[str, str, str]]:
    """(sent_id, label, note) per line, labels of ``classes`` (None: the default scheme's); raise ValueError
    naming file and line."""
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2:
            raise ValueError(f"{path}:{lineno}: expected sent_id<TAB>label[<TAB>note]")
        check_label(parts[1].strip(), f"{path}:{lineno}", classes)
        out.append((parts[0].strip(), parts[1].strip(), parts[2].strip() if len(parts) > 2 else ""))
    return out


def to_standoff(sentences_path: str | Path, labels_path: str | Path, out: str | Path,
                selection: str = "article") -> int:
    """Write the standoff records of the labelled sentences; return how many."""
    sentences = {s["sent_id"]: s for s in load_records(sentences_path)}
    manifest = None
    if selection.startswith("manifest:"):
        manifest = json.loads(Path(selection.removeprefix("manifest:")).read_text(encoding="utf-8"))
    records, seen = [], set()
    for sent_id, label, note in read_label_lines(labels_path):
        if sent_id not in sentences:
            raise ValueError(f"{labels_path}: sent_id {sent_id!r} is not in {sentences_path}")
        if sent_id in seen:
            raise ValueError(f"{labels_path}: sent_id {sent_id!r} labelled twice")
        seen.add(sent_id)
        kind = manifest[sent_id] if manifest is not None else selection
        records.append(make_record(sentences[sent_id], label, kind, note or None))
    records.sort(key=lambda r: (r["doc_id"], r["start"]))
    return write_jsonl(out, records)
