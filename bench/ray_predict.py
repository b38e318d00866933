"""Throughput per Ray worker of ``claimsift predict engine=ray``: sentences/s per actor and per CPU.

    .venv/bin/python bench/ray_predict.py                                   # 200 PolNeAR articles, 1 and 2 actors
    .venv/bin/python bench/ray_predict.py --articles seeds --repeat 40      # the seeds, each read 40 times
    .venv/bin/python bench/ray_predict.py --workers 1 2 4 --cpus 4          # on a bigger machine

Each setting is one real ``claimsift predict`` run (``predict(cfg)``, the
command line's function) on a Ray started here with ``--cpus`` CPUs, actors
of one CPU each: reading, cleaning, segmenting, both models, records and the
fsync'd output, end to end. Two model sets: the baseline pair (TF-IDF + LF
classifier, CRF extractor) and the transformer classifier alone. The figure
to size a cluster with is the rate *per worker*, the summary's
``sentences_per_actor_s``: sentences over the actors' busy seconds (each
call timed inside the actor), which leaves out Ray's start-up, the actors
loading their models (``startup_s``, paid once per run) and time spent
waiting for work. The local engine (one process, one torch thread) on the
same input is given beside for reference.

The input is a temporary folder of links to the first ``--n`` article files
of ``--articles`` (PolNeAR's texts are read in place, never copied); with
``--repeat`` every file is linked that many times under new names. Writes
``bench/results/ray_predict.json``, prints a table, and with ``--benchmarks``
replaces the Ray section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.config import compose  # noqa: E402
from claimsift.data.ingest import find_files  # noqa: E402
from claimsift.predict import predict  # noqa: E402

MODEL_SETS = {
    "baseline pair": ("classify-baseline-mix-latest", "extract-baseline-mix-latest"),
    "transformer classifier": ("classify-transformer-mix-latest", None),
}
SECTION = "predict_ray"


def find_run(models_dir: Path, name: str | None) -> Path | None:
    """``models_dir/name``, else ``models_dir/bench/name``; None for no run. Raises FileNotFoundError if neither."""
    if name is None:
        return None
    for place in (models_dir / name, models_dir / "bench" / name):
        if (place / "model").is_dir():
            return place.resolve()
    raise FileNotFoundError(f"{models_dir / name}: no such run (train it, or pass --models-dir)")


def link_input(source: str, n: int, repeat: int, folder: Path) -> int:
    """Links to the first ``n`` article files of ``source`` (each ``repeat`` times) in ``folder``; their number."""
    files = [f for f in find_files(source) if f.suffix.lower() in (".txt", ".html", ".htm")][:n]
    if not files:
        raise FileNotFoundError(f"{source}: no .txt / .html articles")
    for k in range(repeat):
        for f in files:
            (folder / f"{k:03d}-{f.name}").symlink_to(f.resolve())
    return len(files) * repeat


def one_run(input_dir: Path, out: Path, runs: tuple, engine: str, workers: int, batch: int) -> dict:
    classify, extract = runs
    cfg = compose("predict", [f"input={input_dir}", f"output={out}", f"classify_run={classify or 'null'}",
                              f"extract_run={extract or 'null'}", "predict.resume=false", "predict.progress=false",
                              f"engine={engine}", f"ray.num_workers={workers}", f"ray.batch_size={batch}",
                              "ray.cpus_per_actor=1"])
    t0 = time.perf_counter()
    result = predict(cfg)
    wall = time.perf_counter() - t0
    if engine == "ray":
        startup, per_worker = result["startup_s"], result["sentences_per_actor_s"]
    else:  # the one process is the one worker; its rate leaves out loading the models, as the actors' does
        startup, per_worker = round(wall - result["seconds"], 3), result["sentences_per_s"]
    return {"engine": engine, "workers": workers if engine == "ray" else None, "articles": result["n_new_articles"],
            "sentences": result["n_new_sentences"], "wall_s": round(wall, 2),
            "end_to_end_per_s": round(result["n_new_sentences"] / wall, 1), "startup_s": startup,
            "per_worker_per_s": per_worker}


def machine(cpus: int) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "ray_cpus": cpus,
            "load_average_start": [round(x, 1) for x in os.getloadavg()]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--articles", default="../shared/polnear/train/text", help="a folder or glob of .txt/.html articles")
    p.add_argument("--n", type=int, default=200, help="articles taken from --articles")
    p.add_argument("--repeat", type=int, default=1, help="link each article this many times (the seeds are 5)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="actor counts to measure")
    p.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray")
    p.add_argument("--batch-size", type=int, default=16, help="ray.batch_size: articles per actor call")
    p.add_argument("--models-dir", default="models")
    p.add_argument("--sets", nargs="+", default=list(MODEL_SETS), choices=list(MODEL_SETS))
    p.add_argument("--json", default="bench/results/ray_predict.json")
    p.add_argument("--benchmarks", default=None, help="replace the Ray section of this file (BENCHMARKS.md)")
    p.add_argument("--render", action="store_true", help="measure nothing: render --json into --benchmarks")
    args = p.parse_args(argv)
    if args.render:
        return publish(json.loads(Path(args.json).read_text(encoding="utf-8")), args.benchmarks)

    import ray
    import torch

    torch.set_num_threads(1)  # the local engine as one worker of one CPU, like each actor
    models_dir = Path(args.models_dir)
    sets = {name: tuple(find_run(models_dir, r) for r in MODEL_SETS[name]) for name in args.sets}
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    figures = {"command": argv_line(argv), "machine": machine(args.cpus),
               "input": {"articles": args.articles, "n": args.n, "repeat": args.repeat},
               "batch_size": args.batch_size, "results": []}
    try:
        with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
            input_dir = Path(tmp) / "input"
            input_dir.mkdir()
            figures["input"]["files"] = link_input(args.articles, args.n, args.repeat, input_dir)
            for name, runs in sets.items():
                for engine, workers in [("local", 1)] + [("ray", w) for w in args.workers]:
                    row = {"models": name, "runs": [r.name if r else None for r in runs],
                           **one_run(input_dir, Path(tmp) / f"out-{engine}-{workers}.jsonl", runs, engine, workers,
                                     args.batch_size)}
                    figures["results"].append(row)
                    print(json.dumps(row), file=sys.stderr)
    finally:
        ray.shutdown()
    figures["machine"]["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return publish(figures, args.benchmarks)


def publish(figures: dict, benchmarks: str | None) -> int:
    """Print the table; with ``benchmarks``, replace its Ray section (after the prediction section)."""
    table = render(figures, figures["command"])
    print(table)
    if benchmarks:
        write_section(Path(benchmarks), SECTION, table)
        print(f"wrote the Ray section of {benchmarks}", file=sys.stderr)
    return 0


def argv_line(argv) -> str:
    return " ".join(["bench/ray_predict.py"] + list(sys.argv[1:] if argv is None else argv))


def render(f: dict, command: str) -> str:
    m, inp = f["machine"], f["input"]
    load = (f"load average {', '.join(map(str, m['load_average_start']))} at the start, "
            f"{', '.join(map(str, m['load_average_end']))} at the end")
    busy = max(m["load_average_start"] + m["load_average_end"]) > m["cores"]
    shared = " (cores shared with other jobs)" if busy else ""
    times = f", each {inp['repeat']} times" if inp["repeat"] > 1 else ""
    lines = [
        "### Ray (`claimsift predict engine=ray`)", "",
        f"Measured by `.venv/bin/python {command}` on {m['cpu']}, {m['cores']} cores, a local Ray with "
        f"{m['ray_cpus']} CPUs, actors of 1 CPU (1 torch thread), `ray.batch_size={f['batch_size']}`; "
        f"{load}{shared}.",
        f"Input: {inp['files']} article files ({inp['n']} from `{inp['articles']}`{times}), end to end: reading, "
        "cleaning, segmenting (pysbd), the models, records, fsync'd JSONL. *per worker*: sentences per second of "
        "an actor's busy time, cleaning, segmenting and the models (the summary's `sentences_per_actor_s`), "
        "the figure to size a cluster with; reading runs beside it in read tasks and writing in the driver; "
        "for the local engine, its own rate with reading and writing, 1 thread. *end to end*: sentences over "
        "the wall time; *after start-up*: over the wall time after the first result; *start-up*: Ray, the "
        "actors and their models, until the first result (the local engine: loading the models).", "",
        "| models | engine | actors | articles | sentences | wall s | start-up s | end to end sent/s "
        "| after start-up sent/s | per worker sent/s (= per CPU) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in f["results"]:
        lines.append(f"| {r['models']} | {r['engine']} | {r['workers'] or ''} | {r['articles']} | {r['sentences']:,} "
                     f"| {r['wall_s']} | {r['startup_s']} | {_num(r['end_to_end_per_s'])} "
                     f"| {_num(round(r['sentences'] / (r['wall_s'] - r['startup_s']), 1))} "
                     f"| {_num(r['per_worker_per_s'])} |")
    lines += ["", "Runs: " + "; ".join(sorted({f"{r['models']} = {', '.join(x for x in r['runs'] if x)}"
                                               for r in f["results"]})) + "."]
    return "\n".join(lines)


def _num(x) -> str:
    return "" if x is None else f"{x:,}"


if __name__ == "__main__":
    sys.exit(main())
