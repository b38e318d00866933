"""Training time and validation macro-F1 of the four task × model combinations, on the seeds.

    .venv/bin/python bench/train.py                           # seeds 0,1,2; updates BENCHMARKS.md
    .venv/bin/python bench/train.py --seeds 0 --models baseline --no-write

Each run is ``claimsift.train.train`` with the real configs (``data=<data>``
``task=<task>`` ``model=<model>`` ``seed=<seed>`` plus any ``--override``),
writing its run folder into a temporary directory that is removed afterwards,
so ``models/`` and its latest links stay as they were. Time is the run's own
``train/seconds`` (data loading, fitting, saving, validation metrics), the
same figure ``metrics.json`` holds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.config import compose  # noqa: E402
from claimsift.train import train  # noqa: E402
from claimsift.train.run import latest_name  # noqa: E402



def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="seeds")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--tasks", default="classify,extract")
    ap.add_argument("--models", default="baseline,transformer")
    ap.add_argument("--override", action="append", default=[], help="extra Hydra override, repeatable")
    ap.add_argument("--out", type=Path, default=Path("BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args(argv)

    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-train-") as out_root:
        for task in args.tasks.split(","):
            for model in args.models.split(","):
                runs = []
                for seed in seeds:
                    cfg = compose("train", [f"data={args.data}", f"task={task}", f"model={model}", f"seed={seed}",
                                            f"out_root={out_root}", *args.override])
                    train(cfg)  # returns the monitored metric; the run's metrics.json holds them all
                    latest = Path(out_root) / latest_name(task, model, cfg.data.name)
                    runs.append(json.loads((latest / "metrics.json").read_text(encoding="utf-8")))
                rows.append((task, model, runs))

    section = render(rows, args, seeds)
    print(section)
    if not args.no_write:
        write_section(args.out, "train", section)
    return 0


def render(rows, args, seeds) -> str:
    import torch

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU"
    lines = [
        "## Training (`claimsift train`)",
        "",
        f"Measured by `.venv/bin/python bench/train.py --seeds {args.seeds}"
        + "".join(f" --override {o}" for o in args.override) + "`"
        f" on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {device},"
        f" load average {load} at the end (cores shared with other work: times vary).",
        f"Data: `data={args.data}` weak labels; time is `train/seconds` of each run (load, fit, save, validate);"
        " macro-F1 is `val/macro_f1` on the validation split (classes, or seqeval span types for extract).",
        "",
        "| task | model | seeds | train sentences | val sentences | seconds (mean ± sd) | per seed | val macro-F1 (mean ± sd) | per seed |",
        "|---|---|---|---:|---:|---:|---|---:|---|",
    ]
    for task, model, runs in rows:
        secs = [r["train/seconds"] for r in runs]
        f1 = [r.get("val/macro_f1", float("nan")) for r in runs]
        lines.append(
            f"| {task} | {model} | {','.join(map(str, seeds))} | {runs[0]['train/n']} | {runs[0].get('val/n', 0)} "
            f"| {statistics.mean(secs):.1f} ± {_sd(secs):.1f} | {' / '.join(f'{s:.1f}' for s in secs)} "
            f"| {statistics.mean(f1):.3f} ± {_sd(f1):.3f} | {' / '.join(f'{x:.3f}' for x in f1)} |")
    return "\n".join(lines)


def _sd(xs: list[float]) -> float:
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


if __name__ == "__main__":
    sys.exit(main())
