"""Prediction speed on this machine: sentences/s of the baseline and the transformer, and the fp32 bound.

    .venv/bin/python bench/predict.py                      # seeds + PolNeAR, updates BENCHMARKS.md
    .venv/bin/python bench/predict.py --polnear ../shared/polnear/train/text --transformer-sentences 2000
    .venv/bin/python bench/predict.py --backends-only --variants   # torch fp32 vs ONNX fp32 vs ONNX int8 only
    .venv/bin/python bench/predict.py --backends-only --threads 1 --clock process   # on cores other jobs share

What is timed is the predict stage without reading: articles are read,
cleaned and segmented first (timed apart, as "ingest"), then chunks go
through ``predict_chunk`` (length-sorted model calls, records, summaries) and
the resumable writer into a temporary JSONL, exactly as ``claimsift predict``
does. The transformer's compute bound is the measured fp32 GEMM rate (the
shapes of one encoder layer, on ``--threads`` threads) divided by the model's
FLOPs per sentence (real token counts, no padding). PolNeAR's texts are read
from ``--polnear`` and never copied.

Backends (``predict.backend``, its own section of BENCHMARKS.md): the
transformer runs of both tasks (``--transformer-run``, ``--extract-transformer-run``)
as torch fp32, ONNX fp32 and ONNX int8 on the same PolNeAR sentences, in
``--repeats`` rounds; each round measures the GEMM bound again right before
the backends, and the best round of each counts, so a core taken by another
process for a while costs every figure alike. Agreement is the share of
sentences whose class (extract: whose span list) equals torch fp32's, on those
sentences and on the seeds' gold; macro-F1 is on the seeds' gold (the test
split's seeds sentences of ``--gold``). ``--variants`` adds the int8 recipe's
alternatives (per-tensor weights, no SmoothQuant, ONNX Runtime's BERT fusion).
Figures also go to ``--json`` (default ``bench/results/predict.json``). On
cores other jobs share, ``--threads 1 --clock process`` times CPU time of this
process instead of wall time (its own section and ``predict_process.json``).
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

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from _sections import write_section  # noqa: E402  (bench/ is on sys.path when run as a script)
from claimsift.data.ingest import Skipped  # noqa: E402
from claimsift.io import read_jsonl  # noqa: E402
from claimsift.predict.runs import find_latest_run, load_run_model  # noqa: E402
from claimsift.predict.stream import Article, iter_articles, predict_chunk, predict_texts, prepare  # noqa: E402
from claimsift.predict.writer import PredictionWriter  # noqa: E402


def clock() -> float:
    """The timer of every rate here: wall time, or with ``--clock process`` this process's CPU time
    (with ``--threads 1``, a figure that other processes sharing the cores do not lower)."""
    return time.process_time() if CLOCK == "process" else time.perf_counter()


CLOCK = "wall"  # set by --clock


def load_corpus(path: str, max_articles: int | None) -> tuple[list[Article], float]:
    """Read, clean and segment; return the articles and the seconds it took."""
    t0 = time.perf_counter()
    out = []
    for item in iter_articles(path):
        if isinstance(item, Skipped):
            continue
        art = prepare(item)
        if isinstance(art, Article):
            out.append(art)
        if max_articles and len(out) >= max_articles:
            break
    return out, time.perf_counter() - t0


def first_sentences(articles: list[Article], n: int) -> list[Article]:
    """Whole articles from the start until ``n`` sentences are covered."""
    out, total = [], 0
    for a in articles:
        if total >= n:
            break
        out.append(a)
        total += len(a.sentences)
    return out


def time_predict(articles: list[Article], classifier, extractor, chunk: int, repeats: int,
                 sort: bool = True) -> float:
    """Best-of-``repeats`` sentences/s of predict_chunk + writer over pre-read articles."""
    import claimsift.predict.stream as stream

    n = sum(len(a.sentences) for a in articles)
    classes = list(classifier.classes_) if classifier is not None else None
    runs = {"classify": "bench", "extract": "bench" if extractor is not None else None}
    by_length = stream.by_length
    if not sort:
        stream.by_length = lambda texts: np.arange(len(texts))
    best = 0.0
    try:
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                writer = PredictionWriter(Path(tmp) / "out.jsonl", runs, resume=False)
                t0 = clock()
                buf, nbuf = [], 0
                for art in articles:
                    buf.append(art)
                    nbuf += len(art.sentences)
                    if nbuf >= chunk:
                        writer.write(predict_chunk(buf, classifier, extractor, classes, runs))
                        buf, nbuf = [], 0
                if buf:
                    writer.write(predict_chunk(buf, classifier, extractor, classes, runs))
                writer.finish()
                best = max(best, n / (clock() - t0))
    finally:
        stream.by_length = by_length
    return best


def gemm_flops(rows: int, h: int, inter: int, seconds: float = 0.6) -> float:
    """Measured fp32 FLOP/s over one encoder layer's GEMM shapes (Q, K, V, O, FFN up, FFN down)."""
    import torch

    shapes = [(rows, h, h)] * 4 + [(rows, h, inter), (rows, inter, h)]
    mats = [(torch.randn(m, k), torch.randn(k, n)) for m, k, n in shapes]
    flops = sum(2 * m * k * n for m, k, n in shapes)
    with torch.inference_mode():
        for a, b in mats:
            a @ b
        best = 0.0
        for _ in range(3):
            iters, t0 = 0, clock()
            while clock() - t0 < seconds:
                for a, b in mats:
                    a @ b
                iters += 1
            best = max(best, flops * iters / (clock() - t0))
    return best


def model_flops(tokens: np.ndarray, layers: int, h: int, inter: int) -> np.ndarray:
    """Forward FLOPs per sentence of a BERT encoder: the projections, the FFN and attention's two matmuls."""
    return layers * (2 * tokens * (4 * h * h + 2 * h * inter) + 4 * tokens ** 2 * h)


def baseline_models(args):
    """The classify and extract baselines: given runs, the latest runs, or trained here on weak labels."""
    from claimsift.config import compose
    from hydra.utils import instantiate

    out, notes = {}, {}
    for task in ("classify", "extract"):
        run = getattr(args, f"{task}_run") or find_latest_run(args.models_dir, task)
        if run is not None and "baseline" in Path(run).name:
            out[task] = load_run_model(Path(run), task)
            notes[task] = Path(run).name
            continue
        cfg = compose("train", [f"task={task}", "model=baseline"]) if (Path("configs") / "train.yaml").is_file() \
            else None
        model_cfg = cfg.model[task] if cfg is not None else compose_model(task)
        rows = read_jsonl(args.train_data)
        model = instantiate(model_cfg)
        if task == "classify":
            model.fit([r["text"] for r in rows], [r["weak_label"] for r in rows])
        else:
            model.fit([r["text"] for r in rows], [r["spans"] for r in rows])
        out[task] = model
        notes[task] = f"trained here on {args.train_data} weak labels ({len(rows)} sentences)"
    return out, notes


def compose_model(task: str):
    from omegaconf import OmegaConf

    return OmegaConf.load(Path("configs/model/baseline.yaml"))[task]


def transformer_model(args):
    """A transformer classifier: the given or latest transformer run, else MiniLM with an untrained head."""
    from claimsift.config import compose
    from claimsift.train import build_model

    run = args.transformer_run or find_latest_run(args.models_dir, "classify")
    if run is not None and "transformer" in Path(run).name:
        return load_run_model(Path(run), "classify"), Path(run).name
    model = build_model(compose("train", ["task=classify", "model=transformer"]))  # configs/model/transformer.yaml
    model._init_model()  # packaged all-MiniLM-L6-v2, random head: the same compute as a trained one
    model.model_.eval()
    return model, "all-MiniLM-L6-v2 + untrained head (no transformer run found)"


BACKENDS = ("torch fp32", "onnx fp32", "onnx int8")


def int8_variants() -> dict:
    """The int8 recipe's alternatives, each one change from the default (claimsift.predict.onnx.Recipe)."""
    from claimsift.predict.onnx import Recipe

    return {"int8, weights per tensor": Recipe(per_channel=False),
            "int8, no SmoothQuant": Recipe(smooth_alpha=None),
            "int8, per tensor, no SmoothQuant": Recipe(per_channel=False, smooth_alpha=None),
            "int8 + BERT fusion": Recipe(fuse=True),
            "fp32 + BERT fusion": Recipe(quantize=False, per_channel=False, smooth_alpha=None,
                                         calibration_sentences=0, fuse=True)}


def backend_models(run: Path, task: str, variants: bool) -> dict:
    """{name: model} of ``run`` for each backend (and recipe variant): the same run loaded several ways."""
    from claimsift.predict.onnx import with_onnx

    models = {"torch fp32": load_run_model(run, task), "onnx fp32": load_run_model(run, task, "onnx-fp32"),
              "onnx int8": load_run_model(run, task, "onnx")}
    if variants:
        for name, recipe in int8_variants().items():
            models[name] = with_onnx(load_run_model(run, task), run, recipe=recipe)
    return models


def outputs(model, task: str, texts: list[str]) -> list:
    """What agreement compares: the class index (classify) or the (type, start, end) spans (extract) per sentence."""
    if task == "classify":
        proba, _ = predict_texts(texts, model, None)
        return list(proba.argmax(axis=1))
    _, spans = predict_texts(texts, None, model)
    return [[(sp["type"], sp["start"], sp["end"]) for sp in s] for s in spans]


def seeds_gold(dataset: str, task: str) -> list[dict]:
    """The seeds' hand-labelled sentences of ``dataset``'s test split for ``task``."""
    from claimsift.evaluate.records import load_eval_set

    return load_eval_set("test", dataset, task, truth="gold", source="seeds").records


def seeds_scores(model, task: str, records: list[dict]) -> dict:
    """Macro-F1 (extract: exact span macro-F1, and overlap micro-F1) of ``model`` on ``records``."""
    from claimsift.evaluate.score import predict as score_predict, score

    preds = score_predict(model, [r["text"] for r in records], batch_size=256)
    m = score(records, preds, "seeds", n_resamples=0, seed=0, confidence=0.95, calibration_bins=10,
              n_errors=0).metrics
    keys = ["macro_f1"] + (["overlap_micro_f1"] if task == "extract" else [])
    return {k: m[f"seeds/{k}"] for k in keys}


def compare_backends(args, polnear: list[Article]) -> list[dict]:
    """Torch fp32, ONNX fp32 and ONNX int8 (and the variants) of each task's transformer run; one row each."""
    runs = {"classify": args.transformer_run or find_latest_run(args.models_dir, "classify"),
            "extract": args.extract_transformer_run or find_latest_run(args.models_dir, "extract")}
    arts = first_sentences(polnear, args.transformer_sentences)
    texts = [s[2] for a in arts for s in a.sentences]
    rows = []
    for task, run in runs.items():
        if run is None or "transformer" not in Path(run).name:
            print(f"backends: no {task} transformer run (pass --{'transformer' if task == 'classify' else 'extract-transformer'}-run)",
                  file=sys.stderr)
            continue
        run = Path(run)
        models = backend_models(run, task, args.variants)
        from claimsift.predict.onnx import encode_items

        ref = models["torch fp32"]
        cfg = ref.model_.config
        layers, h, inter = cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size
        tokens = np.array([len(e["input_ids"]) for e in encode_items(ref, texts)])
        flops = model_flops(tokens, layers, h, inter).sum()
        rates, bound = {name: 0.0 for name in models}, 0.0
        clf_of = (lambda m: m) if task == "classify" else (lambda m: None)
        ext_of = (lambda m: m) if task == "extract" else (lambda m: None)
        for _ in range(args.repeats):
            bound = max(bound, len(texts) * gemm_flops(int(ref.eval_batch_size * tokens.mean()), h, inter) / flops)
            for name, model in models.items():
                rates[name] = max(rates[name], time_predict(arts, clf_of(model), ext_of(model), args.chunk, 1))
        gold = seeds_gold(args.gold, task)
        ref_out, ref_gold = outputs(ref, task, texts), outputs(ref, task, [r["text"] for r in gold])
        for name, model in models.items():
            same = np.mean([a == b for a, b in zip(outputs(model, task, texts), ref_out)])
            same_gold = np.mean([a == b for a, b in zip(outputs(model, task, [r["text"] for r in gold]), ref_gold)])
            rows.append({"task": task, "run": run.name, "backend": name, "sentences": len(texts),
                         "mean_tokens": float(tokens.mean()), "bound": bound, "rate": rates[name],
                         "of_bound": rates[name] / bound, "vs_torch": rates[name] / rates["torch fp32"],
                         "agreement": float(same), "agreement_seeds": float(same_gold), "seeds_n": len(gold),
                         **{f"seeds_{k}": v for k, v in seeds_scores(model, task, gold).items()}})
            print(rows[-1], file=sys.stderr)
    return rows


def render_backends(f: dict, command: str) -> str:
    """The ONNX subsection of BENCHMARKS.md."""
    title = "### ONNX Runtime (`predict.backend`)" if CLOCK == "wall" else \
        "### ONNX Runtime (`predict.backend`), CPU time of one thread"
    lines = [title, "",
             f"Measured by `{command}` on {f['machine']}; load average {f['machine_end'].rsplit('load average ', 1)[-1].removesuffix(' (cores shared)')} "
             "at the end. On cores other jobs share, the figures of one run are comparable with each other only; "
             "`--threads 1 --clock process` times this process's CPU alone, which the other jobs do not lower.",
             "Each task's transformer run on the same PolNeAR sentences, length-sorted chunks through the predict "
             "stage (records and fsync'd JSONL included), best of the rounds; the fp32 bound is measured again in "
             "each round. Agreement: share of sentences whose class (extract: whose span list) equals torch fp32's, "
             "on the PolNeAR sentences / on the seeds' gold; F1 on the seeds' gold (extract: exact span macro-F1, "
             "overlap micro-F1 after the slash).", "",
             "| task | run | backend | sentences | bound (sent/s) | sent/s | of bound | x torch fp32 | agreement | "
             "agreement, seeds | seeds macro-F1 |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in f["backends"]:
        f1 = f"{r['seeds_macro_f1']:.3f}" + (f" / {r['seeds_overlap_micro_f1']:.3f}" if "seeds_overlap_micro_f1" in r else "")
        lines.append(f"| {r['task']} | {r['run']} | {r['backend']} | {r['sentences']} | {r['bound']:.0f} | "
                     f"{r['rate']:.0f} | {100 * r['of_bound']:.0f}% | {r['vs_torch']:.2f} | "
                     f"{100 * r['agreement']:.1f}% | {100 * r['agreement_seeds']:.1f}% | {f1} |")
    lines += ["", "Targets (issue 14): torch fp32 >= 65% of the bound; ONNX int8 >= 1.8x torch fp32 with >= 99% "
              "agreement and seeds macro-F1 within 1 point."]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", default="seeds")
    p.add_argument("--polnear", default="../shared/polnear/train/text/*.txt",
                   help="PolNeAR article texts (a folder or glob; read in place)")
    p.add_argument("--polnear-articles", type=int, default=None, help="debug size: first N PolNeAR articles")
    p.add_argument("--models-dir", default="models")
    p.add_argument("--classify-run", default=None)
    p.add_argument("--extract-run", default=None)
    p.add_argument("--transformer-run", default=None)
    p.add_argument("--train-data", default="data/built/seeds/sentences.jsonl",
                   help="weak-labelled sentences to train a baseline on when no baseline run exists")
    p.add_argument("--transformer-sentences", type=int, default=1500, help="PolNeAR sentences for the transformer")
    p.add_argument("--chunk", type=int, default=4096)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--benchmarks", default="BENCHMARKS.md")
    p.add_argument("--extract-transformer-run", default=None, help="the extract transformer run for the backends")
    p.add_argument("--gold", default="data/built/mix", help="dataset whose test split holds the seeds' gold")
    only = p.add_mutually_exclusive_group()
    only.add_argument("--backends-only", action="store_true", help="only the torch / ONNX comparison")
    only.add_argument("--stages-only", action="store_true", help="without the torch / ONNX comparison")
    p.add_argument("--variants", action="store_true", help="also the int8 recipe's alternatives")
    p.add_argument("--json", default=None,
                   help="also write the figures here (default bench/results/predict.json, predict_process.json "
                        "with --clock process)")
    p.add_argument("--clock", choices=("wall", "process"), default="wall",
                   help="process: CPU time of this process (use with --threads 1 on cores other jobs share)")
    args = p.parse_args(argv)
    global CLOCK
    CLOCK = args.clock
    if args.json is None:
        args.json = "bench/results/predict.json" if CLOCK == "wall" else "bench/results/predict_process.json"

    import torch

    torch.set_num_threads(args.threads)
    command = " ".join([".venv/bin/python bench/predict.py", *(argv if argv is not None else sys.argv[1:])])
    corpora = {}
    for name, path, limit in (("seeds", args.seeds, None), ("PolNeAR train", args.polnear, args.polnear_articles)):
        arts, secs = load_corpus(path, limit)
        n = sum(len(a.sentences) for a in arts)
        corpora[name] = arts
        print(f"{name}: {len(arts)} articles, {n} sentences, ingest {n / secs:.0f} sentences/s", file=sys.stderr)
        corpora[name + ":ingest"] = (n, n / secs)

    figures = {"machine": machine(args.threads), "command": command}
    if not args.backends_only:
        figures.update(stage_figures(args, corpora))
    if not args.stages_only:
        figures["backends"] = compare_backends(args, corpora["PolNeAR train"])
    figures["machine_end"] = machine(args.threads)  # the load average after the run too
    if args.json:
        path = Path(args.json)
        old = json.loads(path.read_text()) if path.is_file() else {}
        if args.stages_only:
            old.pop("backends", None)  # an earlier run's: this command did not measure them
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**old, **figures}, indent=2, default=float) + "\n")
        print(f"wrote {path}", file=sys.stderr)
    if not args.backends_only:
        write_section(Path(args.benchmarks), "predict", render(figures, args))
    if figures.get("backends"):  # one section per clock: a CPU-time run does not replace the wall-clock one
        section = "predict_onnx" if args.clock == "wall" else "predict_onnx_process"
        write_section(Path(args.benchmarks), section, render_backends(figures, command))
    print(f"wrote the prediction section{'s' if not args.backends_only else ''} of {args.benchmarks}", file=sys.stderr)
    print(render(figures, args) if args.stages_only else render_backends(figures, command))
    return 0


def stage_figures(args, corpora: dict) -> dict:
    """The baselines' and the native transformer's sentences/s on the seeds and PolNeAR (the first tables)."""
    base, base_notes = baseline_models(args)
    rows = []
    for name in ("seeds", "PolNeAR train"):
        arts = corpora[name]
        n, ingest = corpora[name + ":ingest"]
        clf = time_predict(arts, base["classify"], None, args.chunk, args.repeats)
        both = time_predict(arts, base["classify"], base["extract"], args.chunk, args.repeats)
        rows.append({"corpus": name, "sentences": n, "ingest": ingest, "baseline_classify": clf,
                     "baseline_classify_extract": both,
                     "baseline_end_to_end": n / (n / ingest + n / clf)})
        print(rows[-1], file=sys.stderr)

    model, tnote = transformer_model(args)
    cfg = model.model_.config
    layers, h, inter = cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size
    trows = []
    for name, arts in (("seeds", corpora["seeds"]),
                       ("PolNeAR train", first_sentences(corpora["PolNeAR train"], args.transformer_sentences))):
        texts = [s[2] for a in arts for s in a.sentences]
        tokens = np.array([len(ids) for ids in model.tokenizer_(texts, truncation=True,
                                                                 max_length=model.max_length)["input_ids"]])
        rate = gemm_flops(int(model.eval_batch_size * tokens.mean()), h, inter)
        bound = len(texts) * rate / model_flops(tokens, layers, h, inter).sum()
        # best of --repeats: the first call of a shape also pays oneDNN's kernel set-up
        sorted_rate = time_predict(arts, model, None, args.chunk, args.repeats)
        unsorted_rate = time_predict(arts, model, None, args.chunk, args.repeats, sort=False)
        trows.append({"corpus": name, "sentences": len(texts), "mean_tokens": float(tokens.mean()),
                      "gemm_gflops": rate / 1e9, "gflop_per_sentence": float(model_flops(tokens, layers, h, inter).mean() / 1e9),
                      "bound": bound, "sorted": sorted_rate, "unsorted": unsorted_rate,
                      "efficiency": sorted_rate / bound})
        print(trows[-1], file=sys.stderr)
    return {"baseline_models": base_notes, "transformer_model": tnote, "baseline": rows, "transformer": trows}


def machine(threads: int) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {threads} torch threads, {CLOCK} clock, load average {load} "
            "(cores shared)")


def render(f: dict, args) -> str:
    lines = [
        "## Prediction (`claimsift predict`)", "",
        f"Measured by `{f['command']}` on {f['machine']}.",
        "Sentences/s of the predict stage without file reading (length-sorted model calls, records,",
        "summaries, fsync'd JSONL writes); *ingest* is reading + cleaning + segmenting (pysbd), timed apart.",
        f"Baselines: classify = {f['baseline_models']['classify']}; extract = {f['baseline_models']['extract']}.",
        "",
        "| corpus | sentences | ingest | baseline classify | baseline classify + CRF extract | baseline end to end incl. ingest |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in f["baseline"]:
        lines.append(f"| {r['corpus']} | {r['sentences']} | {r['ingest']:,.0f} | {r['baseline_classify']:,.0f} | "
                     f"{r['baseline_classify_extract']:,.0f} | {r['baseline_end_to_end']:,.0f} |")
    lines += ["", f"Transformer classifier: {f['transformer_model']}. The bound is the measured fp32 GEMM rate "
              "(one encoder layer's shapes) over the model's FLOPs per sentence at its real token count. *Unsorted*: "
              "the chunk in input order (the transformer still batches each call by token count).", "",
              "| corpus | sentences | mean tokens | GEMM GFLOP/s | GFLOP / sentence | bound (sent/s) | "
              "measured, length-sorted | unsorted | sorted / bound |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in f["transformer"]:
        lines.append(f"| {r['corpus']} | {r['sentences']} | {r['mean_tokens']:.1f} | {r['gemm_gflops']:.0f} | "
                     f"{r['gflop_per_sentence']:.3f} | {r['bound']:.0f} | {r['sorted']:.0f} | {r['unsorted']:.0f} | "
                     f"{100 * r['efficiency']:.0f}% |")
    lines += ["", "Targets (2 CPU cores): baseline >= 20,000 sentences/s excluding file reading; "
              "transformer >= 80% of the fp32 bound."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
