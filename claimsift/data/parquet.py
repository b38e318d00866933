"""Articles from a Parquet file: one per row, the same fields as a .jsonl / .csv row.

A Parquet file is read one record batch at a time (a corpus exported from a
warehouse or a Spark job never sits in memory whole); every row becomes an
article through the same checks as a .jsonl row (``ingest.from_record``), and
a row is named by its 1-based number: ``news.parquet:17``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from claimsift.data.ingest import RawArticle, Skipped, from_record

BATCH_ROWS = 1024  # rows decoded at a time: bounds memory for any file size


def stream_parquet(file: Path, id_field: str = "id", text_field: str = "text",
                   title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    """The articles of a .parquet file, or a Skipped for the file (unreadable, no id or text column) or a row."""
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(file)
        columns = handle.schema_arrow.names
    except Exception as exc:  # pyarrow raises ArrowInvalid / OSError / ...: one bad file must not stop a run
        yield Skipped(str(file), f"not a readable Parquet file ({_first_line(exc)})")
        return
    if id_field not in columns or text_field not in columns:
        yield Skipped(str(file), f"Parquet columns lack {id_field!r} or {text_field!r} (has {columns})")
        return
    batches = handle.iter_batches(batch_size=BATCH_ROWS)
    n = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # a corrupt row group: report where, keep the rows read so far
            yield Skipped(f"{file}:{n + 1}", f"unreadable Parquet data ({_first_line(exc)}); rest of file skipped")
            return
        for rec in batch.to_pylist():
            n += 1
            yield from_record(rec, f"{file}:{n}", id_field, text_field, title_field)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
