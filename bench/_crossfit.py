"""What bench/class_offsets.py and bench/span_thresholds.py share: the run to read and the article halves.

Both measure a setting fitted on the validation split without scoring a sentence
by a fit that saw it: the validation articles split into two random halves, each
fitted on one and scored on the other.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def parser(doc: str, task_run: str, halves_of: str) -> argparse.ArgumentParser:
    """``--run`` (``task_run``: "a classify run folder"), ``--dataset``, ``--seed`` (the halves of ``halves_of``)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--run", type=Path, required=True, help=task_run)
    ap.add_argument("--dataset", type=Path, default=None, help="default: the run's dataset (data.json)")
    ap.add_argument("--seed", type=int, default=0, help=f"the random halves of {halves_of}")
    return ap


def load_run(args: argparse.Namespace, task: str):
    """(model, dataset folder) of ``args.run``, resolved so a -latest link names the run it points to.

    None (after a line on stderr) when the run is not a ``task`` run.
    """
    from claimsift.models import load_model

    args.run = args.run.resolve()
    model = load_model(args.run / "model")
    if model.task != task:
        print(f"{args.run}: not {'an' if task[0] in 'aeiou' else 'a'} {task} run", file=sys.stderr)
        return None
    dataset = args.dataset or Path(json.loads((args.run / "data.json").read_text())["dataset_dir"])
    return model, dataset


def first_half(records: list[dict], seed: int) -> np.ndarray:
    """Per record, whether its article falls in the first of two random halves of the articles."""
    docs = sorted({r["doc_id"] for r in records})
    np.random.default_rng(seed).shuffle(docs)
    first = set(docs[: len(docs) // 2])
    return np.array([r["doc_id"] in first for r in records], dtype=bool)
