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

One run at a time: a run holds an OS lock (``flock``) on ``<output>.lock``
from start to end, and a second run on the same output is refused. The lock
file stays (empty); removing it could let two runs lock two different files.

CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) are written with a leading
``'`` (OWASP's CSV-injection advice); reading the CSV back removes it.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Iterator

from claimsift.io import ARTICLE_LOG_SUFFIX, atomic_path, beside
FORMATS = {".jsonl": "jsonl", ".csv": "csv"}


def csv_columns(classes) -> list[str]:
    """The CSV header for a classifier of ``classes`` (its label map; none without a classifier): a
    ``p_<class>`` column per class."""
    return (["doc_id", "sent_id", "start", "end", "input_start", "input_end", "text", "label"]
            + [f"p_{c}" for c in classes or []] + ["spans", "classify_run", "extract_run"])


# The keys of a JSONL record (``claimsift.predict.stream.article_records``).
RECORD_FIELDS = ("doc_id", "sent_id", "start", "end", "input_start", "input_end", "text", "label", "probabilities",
                 "spans", "classify_run", "extract_run")


def output_format(output: str | Path) -> str:
    """``jsonl`` or ``csv`` from the output's extension; ValueError for anything else."""
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        raise ValueError(f"{output}: output must end in .jsonl or .csv")
    return fmt


def log_path(output: str | Path) -> Path:
    return beside(output, ARTICLE_LOG_SUFFIX)


def summary_path(output: str | Path) -> Path:
    return beside(output, ".summary.json")


def part_path(output: str | Path) -> Path:
    return beside(output, ".part")


def lock_path(output: str | Path) -> Path:
    return beside(output, ".lock")


def output_files(output: str | Path) -> list[Path]:
    """Every file a run on ``output`` writes: the output, its part, article log, summary and lock."""
    return [Path(output), part_path(output), log_path(output), summary_path(output), lock_path(output)]


@contextlib.contextmanager
def output_lock(output: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``<output>.lock`` while the block runs.

    Raises ValueError when another run holds it, or when the lock file cannot
    be written (naming it and the cause).
    """
    path = lock_path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = path.open("ab")
    except OSError as exc:
        raise ValueError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    with fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(f"{output}: another claimsift predict is writing it (it holds {path.name}); "
                             "wait for it to end, or pass another output=") from None
        try:
            yield path
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


# A cell a spreadsheet would evaluate; with leading quotes, the cells this writer escaped.
FORMULA = re.compile(r"'*[=+\-@\t\r]")
ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def csv_cell(value: str) -> str:
    """``value`` safe for a spreadsheet: a formula-like cell gets a leading ``'`` (undone by ``csv_value``)."""
    return "'" + value if FORMULA.match(value) else value


def csv_value(cell: str) -> str:
    """The value ``csv_cell`` wrote as ``cell``."""
    return cell[1:] if ESCAPED.match(cell) else cell


def _fsync(fh) -> None:
    fh.flush()
    os.fsync(fh.fileno())


class PredictionWriter:
    """Append-only writer of one output.

    ``done`` maps each committed doc_id to True when a previous run wrote it
    (False: this run). The ids are the only state that grows with the input.

    ``classes`` are the classifier's (its label map), the CSV's probability columns; None takes them
    from the output being resumed, else from the first record written.
    Raises ValueError when resuming an output written by other model runs.
    """

    def __init__(self, output: str | Path, runs: dict, resume: bool = True, classes=None):
        self.output = Path(output)
        self.fmt = output_format(self.output)
        self.classes = list(classes) if classes is not None else None
        self._header_due = False  # a CSV whose header waits for the first record (classes not given)
        self.part = part_path(self.output)
        self.log = log_path(self.output)
        self.runs = dict(runs)
        self.done: dict[str, bool] = {}
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            if not (resume and self._resume()):
                self._start_fresh()
        except OSError as exc:
            raise ValueError(f"{exc.filename or self.output}: cannot write here ({exc.strerror or exc})") from None

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
            self._check_fields(self.part)
        elif self.output.is_file() and self.output.stat().st_size == data_end:
            self._check_fields(self.output)
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

    def _check_fields(self, path: Path) -> None:
        """Raise ValueError when the records in ``path`` have other fields than this writer's (an older output)."""
        with path.open("rb") as fh:
            first = fh.readline()
        if self.fmt == "csv":
            if self.classes is None:  # resume with the classes the output has
                self.classes = [c[2:] for c in next(csv.reader([first.decode("utf-8")]), []) if c.startswith("p_")]
            same = first == _csv_line(csv_columns(self.classes))
        else:
            try:
                same = set(json.loads(first)) == set(RECORD_FIELDS)
            except (json.JSONDecodeError, TypeError):
                same = False
        if not same:
            raise ValueError(f"{path}: holds records with other fields than this claimsift writes "
                             "(an older version's output?); pass another output= or predict.resume=false")

    def _start_fresh(self) -> None:
        self._part = self.part.open("wb")
        if self.fmt == "csv":
            if self.classes is None:
                self._header_due = True
            else:
                self._part.write(_csv_line(csv_columns(self.classes)))
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
        if self._header_due:
            first = next((r["probabilities"] for r in records if r.get("probabilities")), None)
            self.classes = list(first or [])
            writer.writerow(csv_columns(self.classes))
            self._header_due = False
        for r in records:
            probs = r["probabilities"] or {}
            writer.writerow([csv_cell(r["doc_id"]), csv_cell(r["sent_id"]), r["start"], r["end"],
                             _cell_int(r["input_start"]), _cell_int(r["input_end"]), csv_cell(r["text"]),
                             r["label"] or ""]
                            + [probs.get(c, "") for c in self.classes]
                            + ["" if r["spans"] is None else json.dumps(r["spans"], ensure_ascii=False),
                               csv_cell(r["classify_run"] or ""), csv_cell(r["extract_run"] or "")])
        return buf.getvalue().encode("utf-8")

    def finish(self) -> None:
        """Close and rename the complete part onto the output."""
        if self._header_due:  # nothing was written: the header alone
            self._part.write(_csv_line(csv_columns(self.classes or [])))
            self._header_due = False
        _fsync(self._part)
        self._part.close()
        self._log.close()
        os.replace(self.part, self.output)

    def close(self) -> None:
        """Close without finishing (an interrupted run): the part and log stay for a resume."""
        for fh in (self._part, self._log):
            if not fh.closed:
                fh.close()


def _cell_int(value: int | None):
    return "" if value is None else value


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
        reader = csv.DictReader(fh)
        classes = [f[2:] for f in reader.fieldnames or [] if f.startswith("p_")]  # the p_<class> columns
        for row in reader:
            probs = {c: float(row[f"p_{c}"]) for c in classes if row[f"p_{c}"] != ""}
            yield {"doc_id": csv_value(row["doc_id"]), "sent_id": csv_value(row["sent_id"]), "start": int(row["start"]),
                   "end": int(row["end"]), "input_start": _int_or_none(row.get("input_start")),
                   "input_end": _int_or_none(row.get("input_end")), "text": csv_value(row["text"]),
                   "label": row["label"] or None,
                   "probabilities": probs or None, "spans": json.loads(row["spans"]) if row["spans"] else None,
                   "classify_run": csv_value(row["classify_run"]) or None,
                   "extract_run": csv_value(row["extract_run"]) or None}


def _int_or_none(cell: str | None) -> int | None:
    return int(cell) if cell else None


def write_summary(output: str | Path, skipped: list[dict], stats: dict) -> dict:
    """Write ``<output>.summary.json`` from the article log, one article at a time (flat memory).

    Returns its head: ``stats``, totals (counts and shares per class) over all committed articles,
    skipped inputs.
    """
    totals: dict[str, int] = {}
    n_articles = n_sentences = 0
    for entry in iter_log(log_path(output)):
        n_articles += 1
        n_sentences += entry["n_sentences"]
        for c, n in (entry["counts"] or {}).items():
            totals[c] = totals.get(c, 0) + n
    labelled = sum(totals.values())
    head = {**stats, "n_articles": n_articles, "n_sentences": n_sentences, "counts": totals if labelled else None,
            "shares": {c: round(n / labelled, 4) for c, n in totals.items()} if labelled else None,
            "skipped": skipped}
    path = summary_path(output)
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "articles": [')
        for i, entry in enumerate(iter_log(log_path(output))):
            entry = {k: v for k, v in entry.items() if k not in ("text", "input_text", "end", "runs")}
            fh.write(("," if i else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
        fh.write("\n  ]\n}\n")
    return head
