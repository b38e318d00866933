"""Small file helpers shared by every stage: writes are atomic, reads say which file failed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator


MARKER = ".claimsift"  # inside every folder atomic_path writes: the folder is ours to replace
# predict's per-article log beside its output (<output>.articles.jsonl); brat export reads the texts from it
ARTICLE_LOG_SUFFIX = ".articles.jsonl"


def beside(path: str | Path, suffix: str) -> Path:
    """The file next to ``path`` named ``path``'s name + ``suffix`` (``out.jsonl`` → ``out.jsonl.lock``)."""
    path = Path(path)
    return path.with_name(path.name + suffix)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, is_dir: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success rename it onto ``path``.

    On an exception the temporary file or folder is removed, so ``path`` is
    either complete or absent (or the previous complete version).

    A folder (``is_dir=True``) gets a ``.claimsift`` marker file, and only a
    folder holding one, or an empty folder, is ever replaced: a user's folder
    is never removed. Raises ValueError naming ``path`` when it is a folder
    claimsift did not write, a file or link where a folder should go, a
    folder where a file should go, or a place that cannot be written.
    """
    path = Path(path)
    _check_replaceable(path, is_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if is_dir:
            tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
            (tmp / MARKER).write_text("written by claimsift; the whole folder is replaced when rewritten\n",
                                      encoding="utf-8")
        else:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise ValueError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        # mkdtemp / mkstemp make the folder or file private; give it the mode a plain mkdir / open() would.
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod((0o777 if is_dir else 0o666) & ~umask)
        yield tmp
        if is_dir and path.exists():
            _check_replaceable(path, is_dir)  # the folder may have changed while we wrote
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            path.rename(old / path.name)
            try:
                tmp.rename(path)
            except BaseException:
                (old / path.name).rename(path)  # put the previous version back
                old.rmdir()
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
        raise


def _check_replaceable(path: Path, is_dir: bool) -> None:
    """Raise ValueError when writing ``path`` would destroy something claimsift did not write."""
    if path.is_symlink():
        raise ValueError(f"{path}: is a link; claimsift does not replace it (remove it, or write elsewhere)")
    if not path.exists():
        return
    if not is_dir:
        if path.is_dir():
            raise ValueError(f"{path}: is a folder, not a file (pass a file name)")
        return
    if not path.is_dir():
        raise ValueError(f"{path}: is a file, not a folder; claimsift does not replace it (remove it, or write elsewhere)")
    if not (path / MARKER).is_file() and any(path.iterdir()):
        raise ValueError(f"{path}: folder exists and was not written by claimsift (no {MARKER} inside); "
                         "it is left as it is: remove it yourself, or write elsewhere")


def describe_os_error(exc: OSError) -> str:
    """One line for a failed file operation: the file and the cause (``x.jsonl: Permission denied``)."""
    names = " → ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    cause = exc.strerror or str(exc)
    return f"{names}: {cause}" if names else cause


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=_jsonable) + "\n", encoding="utf-8")


def write_jsonl(path: str | Path, records: Iterable[dict]) -> int:
    """Write records atomically; return how many were written."""
    n = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, default=_jsonable) + "\n")
            n += 1
    return n


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSONL file; a bad line raises ValueError naming file and line."""
    path = Path(path)
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    return out


def read_jsonl_objects(path: str | Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """Read a JSONL file leniently: return ([(line number, object)], problems), one line per problem.

    For files a person writes (gold, standoff labels): a line that is not a
    JSON object, or a file that cannot be read, is a problem naming file and
    line, not an exception, so every problem is reported at once.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{path}: cannot read ({exc})"]
    objects, problems = [], []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{lineno}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            problems.append(f"{path}:{lineno}: not a JSON object")
            continue
        objects.append((lineno, obj))
    return objects, problems


def fingerprint(items: Iterable[Any]) -> str:
    """A short stable hash of JSON-serialisable items (the data fingerprint of a run)."""
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, sort_keys=True, ensure_ascii=False, default=_jsonable).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
