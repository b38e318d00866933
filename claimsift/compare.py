"""Compare runs side by side on one split, with the weak labels as a reference row.

    claimsift compare models/classify-baseline-seeds-latest models/classify-transformer-seeds-latest
    claimsift compare models/*-seeds-latest --split test --out reports/compare-test.md
    python -m claimsift.compare models/extract-baseline-seeds-latest --split gold --reevaluate

Each run's ``<run>/eval/<split>/metrics.json`` is read; a run not yet
evaluated on the split is evaluated first (``claimsift evaluate`` with the
default config). One table per task; the "weak labels" row scores the
labeling functions' output (the models' teacher) against the same truth.
Prints the tables and writes them as markdown (``--out``) plus the numbers as
JSON next to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claimsift.evaluate.records import split_name
from claimsift.evaluate.report import METRICS_FILE, REFERENCE_FILE
from claimsift.io import atomic_path, write_json

console = Console(stderr=True)

WEAK_ROW = "weak labels (teacher)"


def columns(task: str, names: list[str]) -> list[tuple[str, str]]:
    """(header, metric name without the split prefix) of the table of ``task``; ``names`` are the classes or
    span types the runs were scored on (:func:`scored_names`)."""
    if task == "classify":
        return ([("n", "n"), ("macro F1 [95% CI]", "macro_f1"), ("weighted F1", "weighted_f1"),
                 ("accuracy", "accuracy"), ("ECE", "ece")] + [(f"F1 {c}", f"f1_{c}") for c in names])
    return ([("n", "n"), ("exact micro F1 [95% CI]", "micro_f1"), ("overlap micro F1 [95% CI]", "overlap_micro_f1")]
            + [(f"exact F1 {t}", f"f1_{t}") for t in names]
            + [(f"overlap F1 {t}", f"overlap_f1_{t}") for t in names])


def scored_names(rows: list[dict], prefix: str) -> list[str]:
    """The classes (or span types) the rows' metrics have per-class keys for (``<prefix>/support_<name>``), in
    first-seen order: each run's own label map decided them."""
    out: list[str] = []
    head = f"{prefix}/support_"
    for row in rows:
        for key in row["metrics"]:
            if key.startswith(head) and key[len(head):] not in out:
                out.append(key[len(head):])
    return out


def run_metrics(run: Path, split: str, *, reevaluate: bool = False, overrides: list[str] | None = None
                ) -> tuple[str, dict, dict | None]:
    """(task, metrics, weak reference metrics or None) of ``run`` on ``split``, evaluating it when needed."""
    from claimsift.evaluate import evaluate, read_run

    info = read_run(run)
    eval_dir = run / "eval" / split_name(split)
    if reevaluate or not (eval_dir / METRICS_FILE).is_file():
        from claimsift.config import compose

        console.print(f"evaluating {run} on {split} ...")
        evaluate(compose("evaluate", [f"run={run}", f"split={split}", *(overrides or [])]))
        if not (eval_dir / METRICS_FILE).is_file():  # split=gold on a dataset without hand labels
            raise ValueError(f"{run}: its dataset has no hand labels for split {split}, so evaluate scored the "
                             "held-out split against the weak labels: compare with --split test")
    metrics = json.loads((eval_dir / METRICS_FILE).read_text(encoding="utf-8"))
    ref_file = eval_dir / REFERENCE_FILE
    reference = json.loads(ref_file.read_text(encoding="utf-8")) if ref_file.is_file() else None
    return info["task"], metrics, reference


def compare(runs: list[Path], split: str, *, reevaluate: bool = False,
            overrides: list[str] | None = None) -> dict[str, list[dict]]:
    """Rows per task: ``{"classify": [{"name", "metrics"}, ...], "extract": [...]}``, weak labels last."""
    from claimsift.evaluate import run_dataset, run_name
    from claimsift.models.rules import RULES

    prefix = split_name(split)
    tables: dict[str, list[dict]] = {}
    references: dict[str, dict] = {}
    datasets = set()
    for run in runs:
        task, metrics, reference = run_metrics(run, split, reevaluate=reevaluate, overrides=overrides)
        datasets.add(run_dataset(run))
        name = run_name(run) if run.is_symlink() or run.resolve().name == RULES else run.name
        tables.setdefault(task, []).append({"name": name, "path": str(run), "metrics": metrics})
        if reference is not None:
            references.setdefault(task, reference)
    if len(datasets) > 1:
        console.print(f"[yellow]warning:[/] the runs were trained on different datasets: {sorted(map(str, datasets))}")
    for task, rows in tables.items():
        if task in references:
            rows.append({"name": WEAK_ROW, "path": None, "metrics": references[task]})
        for row in rows:
            if f"{prefix}/n" not in row["metrics"]:
                raise ValueError(f"{row['path']}: metrics have no {prefix}/ keys (evaluated on another split?)")
    return tables


def cell(metrics: dict, key: str) -> str:
    if key not in metrics:
        return "—"
    if key.endswith("/n"):
        return str(int(metrics[key]))
    if f"{key}_lo" in metrics and ("micro_f1" in key or key.endswith("macro_f1")):
        return f"{metrics[key]:.3f} [{metrics[key + '_lo']:.3f}, {metrics[key + '_hi']:.3f}]"
    return f"{metrics[key]:.3f}"


def to_markdown(tables: dict[str, list[dict]], split: str) -> str:
    prefix = split_name(split)
    lines = [f"# Comparison on `{prefix}`", ""]
    for task, rows in tables.items():
        cols = columns(task, scored_names(rows, prefix))
        lines += [f"## {task}", "", "| run | " + " | ".join(h for h, _ in cols) + " |",
                  "|---" * (len(cols) + 1) + "|"]
        for row in rows:
            lines.append(f"| {row['name']} | " + " | ".join(cell(row["metrics"], f"{prefix}/{k}") for _, k in cols)
                         + " |")
        lines.append("")
    if not any(WEAK_ROW == r["name"] for rows in tables.values() for r in rows):
        lines.append("No weak-label reference: the split is not from the built dataset.")
    return "\n".join(lines) + "\n"


def print_tables(tables: dict[str, list[dict]], split: str) -> None:
    prefix = split_name(split)
    out = Console() if sys.stdout.isatty() else Console(width=160)  # a pipe or file gets whole rows
    for task, rows in tables.items():
        cols = columns(task, scored_names(rows, prefix))[:5]  # the terminal gets the headline columns; the file has all
        t = Table(title=f"{task} on {prefix}")
        t.add_column("run")
        for h, _ in cols:
            t.add_column(h, justify="right")
        for row in rows:
            t.add_row(row["name"], *(cell(row["metrics"], f"{prefix}/{k}") for _, k in cols))
        out.print(t)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claimsift compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (models/<task>-<model>-<data>-...)")
    parser.add_argument("--split", default="gold", help="train | validation | test | gold | a gold-format JSONL")
    parser.add_argument("--out", type=Path, default=None, help="markdown file (default reports/compare-<split>.md)")
    parser.add_argument("--reevaluate", action="store_true", help="evaluate every run again")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        help="an evaluate config override for runs evaluated here, e.g. --set eval.n_resamples=200")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        tables = compare(args.runs, args.split, reevaluate=args.reevaluate, overrides=args.overrides)
    except (FileNotFoundError, ValueError) as exc:
        print(f"claimsift compare: {exc}", file=sys.stderr)  # one line, never wrapped
        return 1
    print_tables(tables, args.split)
    out = args.out or Path("reports") / f"compare-{split_name(args.split)}.md"
    with atomic_path(out) as tmp:
        tmp.write_text(to_markdown(tables, args.split), encoding="utf-8")
    write_json(out.with_suffix(".json"), {"split": split_name(args.split), "tables": tables})
    console.print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
