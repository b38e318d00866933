"""Read articles from .txt, .html, .jsonl, .csv and .parquet files, a folder of them, or a glob.

Every article gets a stable id: the file stem for .txt/.html, the configured
id field for .jsonl/.csv/.parquet rows. A file or row that cannot be read is
yielded as a :class:`Skipped` with the reason, never dropped silently.
``.jsonl``, ``.csv`` and ``.parquet`` files are streamed (row by row, or a
record batch at a time: ``claimsift.data.parquet``), so their size does not matter.
"""

from __future__ import annotations

import codecs
import csv
import fnmatch
import glob
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".csv", ".parquet")


@dataclass
class RawArticle:
    doc_id: str
    text: str
    source: str
    title: str | None = None
    meta: dict = field(default_factory=dict)
    # Where the input's own text starts in ``text``: the length of the title line
    # a reader put in front of a row's text (0: ``text`` is the input as given).
    input_offset: int = 0
    # True when ``text`` was extracted from the file (HTML), so the user does not hold it.
    extracted: bool = False


@dataclass
class Skipped:
    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


def find_files(path: str | Path) -> list[Path]:
    """Files an input names: one file, every article file under a folder, or a glob.

    Folders and ``**`` follow symbolic links but never enter a folder twice,
    so a link loop ends; a file reached by several names is read once (the
    first name in sorted order). Raises FileNotFoundError when nothing matches.
    """
    p = Path(path)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = [f for f in _walk(p)[0] if _is_article_name(f.name)]
    else:
        files = _glob(str(path))
    files = _unique(sorted(files))
    if not files:
        raise FileNotFoundError(f"{path}: no article files found (.txt, .html, .jsonl, .csv, .parquet)")
    return files


def read_by(path: str | Path, files: list[str | Path]) -> list[Path]:
    """Those of ``files`` (existing or not) that reading the input ``path`` (file, folder or glob) would read."""
    targets = []
    for f in map(Path, files):
        targets.append((f, f.resolve() if f.exists() or f.is_symlink() else f.parent.resolve() / f.name))
    p = Path(path)
    if p.is_file():
        return [f for f, t in targets if t == p.resolve()]
    if p.is_dir():
        folders = _walk(p)[1]
        return [f for f, t in targets if _is_article_name(t.name) and t.parent in folders]
    parts = p.parts
    n = _literal_prefix(parts)
    base = Path(*parts[:n]).resolve() if n else Path.cwd().resolve()
    return [f for f, t in targets if base in t.parents and _match(list(parts[n:]), list(t.relative_to(base).parts))]


def _is_article_name(name: str) -> bool:
    return Path(name).suffix.lower() in SUFFIXES and not name.startswith(".") and name.lower() != "readme.md"


def _unique(files: list[Path]) -> list[Path]:
    """``files`` without a second name for the same file (by resolved path), order kept."""
    seen, out = set(), []
    for f in files:
        real = f.resolve()
        if real not in seen:
            seen.add(real)
            out.append(f)
    return out


def _walk(root: Path) -> tuple[list[Path], set[Path]]:
    """(every file under ``root``, the resolved folders visited); each folder is entered once."""
    files: list[Path] = []
    visited: set[Path] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = Path(dirpath).resolve()
        if real in visited:
            dirnames[:] = []
            continue
        visited.add(real)
        dirnames[:] = sorted(d for d in dirnames if (Path(dirpath) / d).resolve() not in visited)
        files.extend(Path(dirpath) / f for f in filenames if (Path(dirpath) / f).is_file())
    return files, visited


def _literal_prefix(parts: tuple[str, ...]) -> int:
    n = 0
    while n < len(parts) and not glob.has_magic(parts[n]):
        n += 1
    return n


def _name_match(name: str, pattern: str) -> bool:
    """glob's rule for one path component: wildcards never match a leading dot."""
    if name.startswith(".") and not pattern.startswith("."):
        return False
    return fnmatch.fnmatchcase(name, pattern)


def _match(pats: list[str], names: list[str]) -> bool:
    """Whether path components ``names`` match glob components ``pats`` (``**``: any depth, no hidden names)."""
    if not pats:
        return not names
    if pats[0] == "**":
        for k in range(len(names) + 1):
            if k and names[k - 1].startswith("."):
                return False
            if _match(pats[1:], names[k:]):
                return True
        return False
    return bool(names) and _name_match(names[0], pats[0]) and _match(pats[1:], names[1:])


def _glob(pattern: str) -> list[Path]:
    """Files matching ``pattern`` (``**`` recursive), like ``glob.glob`` but entering each folder once per step."""
    parts = Path(pattern).parts
    n = _literal_prefix(parts)
    base = Path(*parts[:n]) if n else Path()
    pats = list(parts[n:])
    if not pats:
        return [base] if base.is_file() else []
    out: list[Path] = []
    seen: set[tuple[Path, int]] = set()
    stack = [(base, 0)]
    while stack:
        folder, i = stack.pop()
        key = (folder.resolve(), i)
        if key in seen:
            continue
        seen.add(key)
        pat = pats[i]
        last = i == len(pats) - 1
        if not glob.has_magic(pat):
            child = folder / pat
            if last and child.is_file():
                out.append(child)
            elif not last and child.is_dir():
                stack.append((child, i + 1))
            continue
        if pat == "**":
            if last:  # "dir/**": every file below
                stack.extend((folder / e.name, i) for e in _entries(folder) if e.is_dir())
                out.extend(folder / e.name for e in _entries(folder) if e.is_file())
                continue
            stack.append((folder, i + 1))  # zero folders
            stack.extend((folder / e.name, i) for e in _entries(folder) if e.is_dir())
            continue
        for e in _entries(folder, hidden=pat.startswith(".")):
            if not fnmatch.fnmatchcase(e.name, pat):
                continue
            if last:
                if e.is_file():
                    out.append(folder / e.name)
            elif e.is_dir():
                stack.append((folder / e.name, i + 1))
    return out


def _entries(folder: Path, hidden: bool = False) -> list[os.DirEntry]:
    """The entries of ``folder`` (no dot names unless ``hidden``); none when it cannot be listed."""
    try:
        with os.scandir(folder if str(folder) else ".") as it:
            return [e for e in it if hidden or not e.name.startswith(".")]
    except OSError:
        return []


def read_articles(path: str | Path, id_field: str = "id", text_field: str = "text",
                  title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    """Yield every article under ``path`` (file, folder or glob), or a Skipped for each bad one."""
    for file in find_files(path):
        yield from read_file(file, id_field=id_field, text_field=text_field, title_field=title_field)


def read_file(file: Path, id_field: str = "id", text_field: str = "text",
              title_field: str | None = "title") -> Iterator[RawArticle | Skipped]:
    """The articles of one file (a .txt or .html is one article; a .jsonl, .csv, .parquet one per row), or Skippeds."""
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        yield Skipped(str(file), f"unsupported file type {suffix or '(none)'}")
        return
    if suffix == ".parquet":  # one article per row, the fields of a .jsonl row
        from claimsift.data.parquet import stream_parquet

        yield from stream_parquet(file, id_field=id_field, text_field=text_field, title_field=title_field)
        return
    if suffix in (".jsonl", ".csv"):
        reason, encoding = _precheck(file)
        if reason:
            yield Skipped(str(file), reason)
        elif suffix == ".jsonl":
            yield from _stream_jsonl(file, encoding, id_field, text_field, title_field)
        else:
            yield from _stream_csv(file, encoding, id_field, text_field, title_field)
        return
    try:
        data = file.read_bytes()
    except OSError as exc:
        yield Skipped(str(file), f"unreadable ({exc.strerror or exc})")
        return
    encoding = text_encoding(data[:4096])
    if encoding is None:
        yield Skipped(str(file), "binary file (NUL bytes)")
        return
    try:
        content = data.decode(encoding)
    except UnicodeDecodeError as exc:
        yield Skipped(str(file), f"not {_name(encoding)} (bad byte at offset {exc.start})")
        return
    if not content.strip():
        yield Skipped(str(file), "empty file")
        return
    if suffix == ".txt":
        yield _article(file.stem, content, str(file))
    else:
        yield _from_html(file, content)


BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def text_encoding(head: bytes) -> str | None:
    """The encoding of a file starting with ``head``: UTF-8 (the default), UTF-16/32 by byte-order mark,
    UTF-16 without one by its zero bytes; None for a binary file (zero bytes in no UTF-16 pattern)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" not in head:
        return "utf-8-sig"
    # ASCII-range text in UTF-16 has a zero in every other byte (odd bytes: little-endian).
    even, odd = head[0::2], head[1::2]
    if b"\x00" not in even and odd.count(0) * 2 >= len(odd):
        return "utf-16-le"
    if b"\x00" not in odd and even.count(0) * 2 >= len(even):
        return "utf-16-be"
    return None


def _name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8"}.get(encoding, encoding.upper())


def _article(doc_id: str, text: str, source: str, title: str | None = None,
             meta: dict | None = None) -> RawArticle | Skipped:
    if not text or not text.strip():
        return Skipped(source, "no text")
    return RawArticle(doc_id=doc_id, text=text, source=source, title=title, meta=meta or {})


def _from_html(file: Path, html: str) -> RawArticle | Skipped:
    import trafilatura

    try:
        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
        meta = trafilatura.extract_metadata(html) if text and text.strip() else None
    except Exception as exc:  # trafilatura / lxml on broken markup: one bad page must not stop the run
        return Skipped(str(file), f"HTML not readable ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})")
    if not text or not text.strip():
        return Skipped(str(file), "no main text found in HTML")
    title = meta.title if meta is not None and meta.title else None
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n{text}"
    return RawArticle(doc_id=file.stem, text=text, source=str(file), title=title, extracted=True)


def _scalar_text(value) -> str | None:
    """A JSON/CSV value as text: strings as they are, numbers written out; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def from_record(rec: dict, where: str, id_field: str = "id", text_field: str = "text",
                title_field: str | None = "title") -> RawArticle | Skipped:
    """The article one .jsonl / .csv row (a dict) holds, or a Skipped naming ``where`` and what is wrong.

    A title that the text does not start with becomes the text's first line;
    ``input_offset`` then says where the row's own text starts.
    """
    if id_field not in rec or rec[id_field] in (None, ""):
        return Skipped(where, f"missing id field {id_field!r}")
    doc_id = _scalar_text(rec[id_field])
    if doc_id is None:
        return Skipped(where, f"id field {id_field!r} is a {type(rec[id_field]).__name__}, not text or a number")
    if text_field not in rec:
        return Skipped(where, f"missing text field {text_field!r}")
    text = rec[text_field]
    if not isinstance(text, str):
        return Skipped(where, f"text field {text_field!r} is not a string")
    title = rec.get(title_field) if title_field else None
    if title is not None:
        title = _scalar_text(title)
        if title is None:
            return Skipped(where, f"title field {title_field!r} is a {type(rec[title_field]).__name__}, "
                                  "not text or a number")
    input_offset = 0
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n{text}"
        input_offset = len(title) + 1
    meta = {k: v for k, v in rec.items() if k not in (id_field, text_field) and isinstance(k, str)
            and isinstance(v, (str, int, float))}
    article = _article(doc_id, text, where, title=title or None, meta=meta)
    if isinstance(article, RawArticle):
        article.input_offset = input_offset
    return article


def _precheck(file: Path) -> tuple[str | None, str]:
    """(why ``file`` cannot be read at all: unreadable, empty, binary; or None, and its encoding)."""
    try:
        with file.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})", ""
    if not head.strip():
        return "empty file", ""
    encoding = text_encoding(head)
    if encoding is None:
        return "binary file (NUL bytes)", ""
    return None, encoding


def _stream_jsonl(file: Path, encoding: str, id_field, text_field, title_field):
    """Rows of a .jsonl file read line by line: a million-line file never sits in memory."""
    if encoding == "utf-8-sig":
        lines = _utf8_lines(file)
    else:
        lines = _decoded_lines(file, encoding)
    for lineno, line in lines:
        where = f"{file}:{lineno}"
        if isinstance(line, Skipped):
            yield Skipped(where, line.reason)
            continue
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"not valid JSON ({exc.msg})")
            continue
        except RecursionError:
            yield Skipped(where, "JSON nested too deeply")
            continue
        if not isinstance(rec, dict):
            yield Skipped(where, "not a JSON object")
            continue
        yield from_record(rec, where, id_field, text_field, title_field)


def _utf8_lines(file: Path):
    """(line number, text or a Skipped for a line that is not UTF-8): one bad line spoils only itself."""
    with file.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                yield lineno, raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield lineno, Skipped("", f"not UTF-8 (bad byte at offset {exc.start})")


def _decoded_lines(file: Path, encoding: str):
    """(line number, text) of a UTF-16/32 file; a bad byte skips the rest of the file, said so."""
    lineno = 0
    with file.open(encoding=encoding, newline="\n") as fh:
        try:
            for lineno, line in enumerate(fh, 1):
                yield lineno, line
        except UnicodeDecodeError as exc:
            yield lineno + 1, Skipped("", f"not {_name(encoding)} text ({exc.reason}); rest of file skipped")


def _stream_csv(file: Path, encoding: str, id_field, text_field, title_field):
    """Rows of a .csv file read one at a time; every row is read or reported by file and line.

    A quote that is never closed (or a stray one after a closing quote) makes
    the rows it swallowed a Skipped naming their lines; reading goes on after them.
    """
    csv.field_size_limit(sys.maxsize if sys.maxsize < 2**63 else 2**31 - 1)
    with file.open(encoding=encoding, newline="") as fh:
        reader = csv.DictReader(fh, strict=True)
        try:
            fields = reader.fieldnames
        except (csv.Error, UnicodeDecodeError) as exc:
            yield Skipped(f"{file}:1", f"bad CSV header ({exc})")
            return
        if fields is None or text_field not in fields or id_field not in fields:
            yield Skipped(str(file), f"CSV header lacks {id_field!r} or {text_field!r} (has {fields})")
            return
        while True:
            start = reader.reader.line_num + 1
            try:
                rec = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                yield Skipped(f"{file}:{start}", f"not {_name(encoding)} (bad byte at offset {exc.start}); "
                                                 "rest of file skipped")
                return
            except csv.Error as exc:
                end = reader.reader.line_num
                lines = f"line {start}" if end <= start else f"lines {start}-{end}"
                yield Skipped(f"{file}:{start}", f"bad CSV ({exc}: a quote not closed, or a stray quote); "
                                                 f"{lines} skipped")
                continue
            where = f"{file}:{start}"
            if None in rec:
                yield Skipped(where, f"row has {len(fields) + len(rec[None])} fields, the header {len(fields)} "
                                     "(an unquoted comma in the text?)")
                continue
            yield from_record(rec, where, id_field, text_field, title_field)
