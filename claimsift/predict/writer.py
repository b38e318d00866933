"""Resumable, crash-safe output: records, the article log, and the summary.

How a run writes ``<output>`` (say ``predictions/x.jsonl``):

- Records are appended to ``<output>.part``; ``<output>`` itself only ever
  appears by an atomic rename of a complete part, so it never holds a
  truncated record.
- After each chunk the part is flushed and fsync'd, then one line per article
  of the chunk is appended (and fsync'd) to ``<output>.articles.jsonl``: the
  article's cleaned text, its summary, the model run ids and ``end``, the byte
  offset in the part where its records end. A line there is the article's
  commit marker.
- Rerunning with the same output reads the article log (up to its last whole
  line), cuts the part back to the last committed ``end`` (dropping records of
  an article that was being written when the run died) and skips the
  committed articles. A finished output is copied back to a part first, so
  the old output stays whole until the new one replaces it.

The article log doubles as the article store of the HTML report (the cleaned
text that sentence offsets point into).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Iterator

from claimsift.io import atomic_path
from claimsift.labels import CLASSES

FORMATS = {".jsonl": "jsonl", ".csv": "csv"}
CSV_COLUMNS = (["doc_id", "sent_id", "start", "end", "text", "label"] + [f"p_{c}" for c in CLASSES]
               + ["spans", "classify_run", "extract_run"])


def output_format(output: str | Path) -> str:
    """``jsonl`` or ``csv`` from the output's extension; ValueError for anything else."""
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        raise ValueError(f"{output}: output must end in .jsonl or .csv")
    return fmt


def log_path(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(output.name + ".articles.jsonl")


def summary_path(output: str | Path) -> Path:
    output = Path(output)
    return output.with_name(output.name + ".summary.json")


def _fsync(fh) -> None:
    fh.flush()
    os.fsync(fh.fileno())


class PredictionWriter:
    """Append-only writer of one output.

    ``done`` maps each committed doc_id to True when a previous run wrote it
    (False: this run). The ids are the only state that grows with the input.

    Raises ValueError when resuming an output written by other model runs.
    """

    def __init__(self, output: str | Path, runs: dict, resume: bool = True):
        self.output = Path(output)
        self.fmt = output_format(self.output)
        self.part = self.output.with_name(self.output.name + ".part")
        self.log = log_path(self.output)
        self.runs = dict(runs)
        self.done: dict[str, bool] = {}
        self.output.parent.mkdir(parents=True, exist_ok=True)
        if not (resume and self._resume()):
            self._start_fresh()

    # -- opening
    def _scan_log(self) -> tuple[int, int]:
        """Read the committed articles; return (bytes of whole log lines, last committed record offset)."""
        good_bytes = data_end = 0
        with self.log.open("rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                except json.JSONDecodeError:
                    break
                if entry.get("runs") != self.runs:
                    raise ValueError(f"{self.output}: was written by runs {entry.get('runs')}, not {self.runs}; "
                                     "pass another output= or predict.resume=false")
                self.done[entry["doc_id"]] = True
                data_end = int(entry["end"])
                good_bytes += len(raw)
        return good_bytes, data_end

    def _resume(self) -> bool:
        if not self.log.is_file():
            return False
        good_bytes, data_end = self._scan_log()
        if not self.done:
            return False
        if self.part.is_file() and self.part.stat().st_size >= data_end:
            pass
        elif self.output.is_file() and self.output.stat().st_size == data_end:
            shutil.copyfile(self.output, self.part)
        else:
            print(f"claimsift predict: {self.output}: records do not match {self.log.name}; predicting everything again",
                  file=sys.stderr)
            self.done.clear()
            return False
        with self.log.open("r+b") as fh:
            fh.truncate(good_bytes)
        self._part = self.part.open("r+b")
        self._part.truncate(data_end)
        self._part.seek(data_end)
        self._log = self.log.open("ab")
        return True

    def _start_fresh(self) -> None:
        self._part = self.part.open("wb")
        if self.fmt == "csv":
            self._part.write(_csv_line(CSV_COLUMNS))
        self._log = self.log.open("wb")
        _fsync(self._part)
        _fsync(self._log)

    # -- writing
    def write(self, batch: list[tuple[dict, str, list[dict]]]) -> None:
        """Commit whole articles: ``(summary, cleaned_text, records)`` each."""
        ends, entries = [], []
        pos = self._part.tell()
        for summary, text, records in batch:
            data = self._encode(records)
            self._part.write(data)
            pos += len(data)
            entries.append(json.dumps({**summary, "runs": self.runs, "end": pos, "text": text},
                                      ensure_ascii=False).encode("utf-8") + b"\n")
        _fsync(self._part)
        self._log.write(b"".join(entries))
        _fsync(self._log)
        self.done.update((summary["doc_id"], False) for summary, _, _ in batch)

    def _encode(self, records: list[dict]) -> bytes:
        if self.fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for r in records:
            probs = r["probabilities"] or {}
            writer.writerow([r["doc_id"], r["sent_id"], r["start"], r["end"], r["text"], r["label"] or ""]
                            + [probs.get(c, "") for c in CLASSES]
                            + ["" if r["spans"] is None else json.dumps(r["spans"], ensure_ascii=False),
                               r["classify_run"] or "", r["extract_run"] or ""])
        return buf.getvalue().encode("utf-8")

    def finish(self) -> None:
        """Close and rename the complete part onto the output."""
        _fsync(self._part)
        self._part.close()
        self._log.close()
        os.replace(self.part, self.output)

    def close(self) -> None:
        """Close without finishing (an interrupted run): the part and log stay for a resume."""
        for fh in (self._part, self._log):
            if not fh.closed:
                fh.close()


def _csv_line(row) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------- reading back

def iter_log(path: str | Path) -> Iterator[dict]:
    """Committed article entries of an article log, in order (a torn last line is ignored)."""
    with Path(path).open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                return
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                return


def iter_records(output: str | Path) -> Iterator[dict]:
    """The records of a .jsonl or .csv output, as the dicts the JSONL holds."""
    output = Path(output)
    if output_format(output) == "jsonl":
        with output.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
        return
    with output.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            probs = {c: float(row[f"p_{c}"]) for c in CLASSES if row[f"p_{c}"] != ""}
            yield {"doc_id": row["doc_id"], "sent_id": row["sent_id"], "start": int(row["start"]),
                   "end": int(row["end"]), "text": row["text"], "label": row["label"] or None,
                   "probabilities": probs or None, "spans": json.loads(row["spans"]) if row["spans"] else None,
                   "classify_run": row["classify_run"] or None, "extract_run": row["extract_run"] or None}


def write_summary(output: str | Path, skipped: list[dict], stats: dict) -> dict:
    """Write ``<output>.summary.json`` from the article log, one article at a time (flat memory).

    Returns its head: ``stats``, totals over all committed articles, skipped inputs.
    """
    totals = {c: 0 for c in CLASSES}
    n_articles = n_sentences = 0
    for entry in iter_log(log_path(output)):
        n_articles += 1
        n_sentences += entry["n_sentences"]
        for c, n in (entry["counts"] or {}).items():
            totals[c] += n
    labelled = sum(totals.values())
    head = {**stats, "n_articles": n_articles, "n_sentences": n_sentences, "counts": totals if labelled else None,
            "allegation_share": round(totals["allegation"] / labelled, 4) if labelled else None,
            "skipped": skipped}
    path = summary_path(output)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "articles": [')
        for i, entry in enumerate(iter_log(log_path(output))):
            entry = {k: v for k, v in entry.items() if k not in ("text", "end", "runs")}
            fh.write(("," if i else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
        fh.write("\n  ]\n}\n")
    return head
