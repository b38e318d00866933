"""One shape for every stage: stage modules call claimsift.data, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import claimsift
from claimsift.cli import STAGES

PACKAGE = Path(claimsift.__file__).resolve().parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module ``path`` imports, at any depth (lazy imports included)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-node.level]
                base = ".".join(package + ((node.module,) if node.module else ()))
            else:
                base = node.module or ""
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]  # from claimsift import gold
    return out


def test_no_data_module_imports_a_stage():
    files = sorted((PACKAGE / "data").rglob("*.py"))
    assert len(files) > 10
    offenders = [f"{f.relative_to(PACKAGE.parent)}:{line} imports {name}"
                 for f in files for line, name in imported_modules(f)
                 for stage in STAGES.values() if name == stage or name.startswith(stage + ".")]
    assert offenders == []


def test_the_import_scan_sees_lazy_and_package_imports(tmp_path):
    f = tmp_path / "probe.py"
    f.write_text("def g():\n    from claimsift.gold import load_gold\n\nfrom claimsift import train\n", encoding="utf-8")
    names = {n for _, n in imported_modules(f)}
    assert "claimsift.gold" in names and "claimsift.train" in names
