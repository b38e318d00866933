"""Read articles from .txt, .html, .jsonl and .csv files, a folder of them, or a glob.

Every article gets a stable id: the file stem for .txt/.html, the configured
id field for .jsonl/.csv rows. A file or row that cannot be read is yielded
as a :class:`Skipped` with the reason, never dropped silently. ``.jsonl`` and
``.csv`` files are streamed row by row, so their size does not matter.
"""

from __future__ import annotations

import csv
import glob
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".csv")


@dataclass
class RawArticle:
    doc_id: str
    text: str
    source: str
    title: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class Skipped:
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def find_files(path: str | Path) -> list[Path]:
    """Files an input names: one file, every article file under a folder, or a glob.

    Raises FileNotFoundError when nothing matches.
    """
    p = Path(path)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                       and not f.name.startswith(".") and f.name.lower() != "readme.md")
    else:
        files = sorted(Path(f) for f in glob.glob(str(path), recursive=True) if Path(f).is_file())
    if not files:
        raise FileNotFoundError(f"{path}: no article files found (.txt, .html, .jsonl, .csv)")
    return files


def read_articles(path: str | Path, id_field: str = "id", text_field: str = "text",
                  title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    """Yield every article under ``path`` (file, folder or glob), or a Skipped for each bad one."""
    for file in find_files(path):
        yield from read_file(file, id_field=id_field, text_field=text_field, title_field=title_field)


def read_file(file: Path, id_field: str = "id", text_field: str = "text",
              title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        yield Skipped(str(file), f"unsupported file type {suffix or '(none)'}")
        return
    if suffix in (".jsonl", ".csv"):
        reason = _precheck(file)
        if reason:
            yield Skipped(str(file), reason)
        elif suffix == ".jsonl":
            yield from _stream_jsonl(file, id_field, text_field, title_field)
        else:
            yield from _stream_csv(file, id_field, text_field, title_field)
        return
    try:
        data = file.read_bytes()
    except OSError as exc:
        yield Skipped(str(file), f"unreadable ({exc.strerror or exc})")
        return
    if b"\x00" in data[:4096]:
        yield Skipped(str(file), "binary file (NUL bytes)")
        return
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield Skipped(str(file), f"not UTF-8 (bad byte at offset {exc.start})")
        return
    if not content.strip():
        yield Skipped(str(file), "empty file")
        return
    if suffix == ".txt":
        yield _article(file.stem, content, str(file))
    else:
        yield _from_html(file, content)


def _article(doc_id: str, text: str, source: str, title: str | None = None,
             meta: dict | None = None) -> RawArticle | Skipped:
    if not text or not text.strip():
        return Skipped(source, "no text")
    return RawArticle(doc_id=doc_id, text=text, source=source, title=title, meta=meta or {})


def _from_html(file: Path, html: str) -> RawArticle | Skipped:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        return Skipped(str(file), "no main text found in HTML")
    meta = trafilatura.extract_metadata(html)
    title = meta.title if meta is not None and meta.title else None
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n{text}"
    return RawArticle(doc_id=file.stem, text=text, source=str(file), title=title)


def _row(rec: dict, where: str, id_field: str, text_field: str, title_field: str | None):
    if id_field not in rec or rec[id_field] in (None, ""):
        return Skipped(where, f"missing id field {id_field!r}")
    if text_field not in rec:
        return Skipped(where, f"missing text field {text_field!r}")
    text = rec[text_field]
    if not isinstance(text, str):
        return Skipped(where, f"text field {text_field!r} is not a string")
    title = rec.get(title_field) if title_field else None
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n{text}"
    meta = {k: v for k, v in rec.items() if k not in (id_field, text_field) and isinstance(v, (str, int, float))}
    return _article(str(rec[id_field]), text, where, title=title or None, meta=meta)


def _precheck(file: Path) -> str | None:
    """Why ``file`` cannot be read at all (unreadable, empty, binary), or None."""
    try:
        with file.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if not head.strip():
        return "empty file"
    if b"\x00" in head:
        return "binary file (NUL bytes)"
    return None


def _stream_jsonl(file: Path, id_field, text_field, title_field):
    """Rows of a .jsonl file read line by line: a million-line file never sits in memory."""
    with file.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{file}:{lineno}"
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Skipped(where, f"not UTF-8 (bad byte at offset {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Skipped(where, f"not valid JSON ({exc.msg})")
                continue
            if not isinstance(rec, dict):
                yield Skipped(where, "not a JSON object")
                continue
            yield _row(rec, where, id_field, text_field, title_field)


def _stream_csv(file: Path, id_field, text_field, title_field):
    """Rows of a .csv file read one at a time; a bad byte or quote skips the rest, said so."""
    csv.field_size_limit(sys.maxsize if sys.maxsize < 2**63 else 2**31 - 1)
    with file.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rowno = 1
        try:
            if reader.fieldnames is None or text_field not in reader.fieldnames or id_field not in reader.fieldnames:
                yield Skipped(str(file), f"CSV header lacks {id_field!r} or {text_field!r} (has {reader.fieldnames})")
                return
            for rowno, rec in enumerate(reader, 2):
                yield _row(rec, f"{file}:{rowno}", id_field, text_field, title_field)
        except UnicodeDecodeError as exc:
            yield Skipped(f"{file}:{rowno + 1}", f"not UTF-8 (bad byte at offset {exc.start}); rest of file skipped")
        except csv.Error as exc:
            yield Skipped(f"{file}:{rowno + 1}", f"bad CSV ({exc}); rest of file skipped")
