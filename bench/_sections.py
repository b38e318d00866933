"""Each bench script owns one section of BENCHMARKS.md, between ``<!-- name:begin -->`` and ``<!-- name:end -->``."""

from __future__ import annotations

from pathlib import Path

from claimsift.io import atomic_path


def write_section(path: str | Path, name: str, text: str) -> None:
    """Replace section ``name`` of ``path`` (or append it), keeping every other section."""
    path = Path(path)
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    if begin in old and end in old:
        new = old[:old.index(begin)] + block + old[old.index(end) + len(end):].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    with atomic_path(path) as tmp:
        tmp.write_text(new, encoding="utf-8")
