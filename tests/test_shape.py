"""One shape for every stage: stage modules call claimsift.data, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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


# ---------------------------------------------------------------- sentences.jsonl has one reader

def test_only_the_dataset_module_names_the_sentences_file():
    # Every reader goes through claimsift.data.dataset.load_records; no other module builds the path.
    named = [f"{f.relative_to(PACKAGE.parent)}:{node.lineno}"
             for f in sorted(PACKAGE.rglob("*.py")) if f.name != "dataset.py"
             for node in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
             if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
             and isinstance(node.right, ast.Constant) and node.right.value == "sentences.jsonl"]
    assert named == []


def test_every_reader_of_a_built_dataset_reads_it_the_same_way(tmp_path):
    from claimsift.brat import export
    from claimsift.data.dataset import load_records, sentences_path
    from claimsift.evaluate.records import load_eval_set
    from claimsift.gold.standoff_import import to_standoff
    from claimsift.io import write_jsonl

    text = "Police said the road was shut."
    rows = [{"doc_id": "d", "sent_id": "d:000", "start": 0, "end": len(text), "text": text, "split": "test",
             "weak_label": "official_statement", "weak_probs": [0, 0, 0, 1], "spans": [], "gold_label": None,
             "gold_spans": None}]
    write_jsonl(sentences_path(tmp_path / "ds"), rows)
    assert load_records(tmp_path / "ds") == load_records(sentences_path(tmp_path / "ds")) == rows
    assert [r["text"] for r in load_eval_set("test", tmp_path / "ds", "classify").records] == [text]
    assert export(tmp_path / "ds", tmp_path / "brat")["sentences"] == 1
    (tmp_path / "labels.tsv").write_text("d:000\tofficial_statement\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    assert to_standoff(tmp_path / "ds", tmp_path / "labels.tsv", tmp_path / "standoff.jsonl") == 1  # the folder
    for reader in (lambda p: load_eval_set("test", p, "classify"), lambda p: export(p, tmp_path / "b2"),
                   lambda p: to_standoff(p, tmp_path / "labels.tsv", tmp_path / "s2.jsonl")):
        with pytest.raises(FileNotFoundError, match="no sentences.jsonl here"):
            reader(tmp_path / "empty")


# ---------------------------------------------------------------- the README's stage table is the code's

def stage_table() -> list[tuple[str, list[str]]]:
    """(stage, [command, ...]) per row of the README's stage table, in order."""
    import re

    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Stages", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| stage ")]
    out = []
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        out.append((cells[0], re.findall(r"`(claimsift [^`]*)`", cells[1])))
    return out


def test_readme_stage_table_lists_every_entry_point_and_only_those():
    assert [stage for stage, _ in stage_table()] == list(STAGES)


@pytest.mark.parametrize("stage, commands", stage_table())
def test_readme_stage_commands_parse(stage, commands):
    import importlib
    import shlex

    from claimsift.config import compose

    assert commands, f"{stage}: no example command"
    for command in commands:
        words = shlex.split(command)
        assert words[:2] == ["claimsift", stage] and "..." not in command, command
        module = importlib.import_module(STAGES[stage])
        if hasattr(module, "_parser"):  # argparse stages
            module._parser().parse_args(words[2:])
        else:  # Hydra stages: the overrides compose with the stage's config
            compose(stage, words[2:])
