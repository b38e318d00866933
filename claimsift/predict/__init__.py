"""claimsift predict: new articles → sentences → class, probabilities and spans, plus a summary and a page.

    claimsift predict input=seeds output=predictions/seeds.jsonl report=predictions/seeds.html
    claimsift predict input='news/*.jsonl' output=out/news.csv classify_run=models/classify-transformer-mix-latest
    claimsift predict input=seeds output=x.jsonl dataset=mycorpus          # the newest runs trained on mycorpus
    claimsift predict input=seeds output=x.jsonl extract_run=null        # classes only
    python -m claimsift.predict input=... output=...

Articles stream through in chunks of ``predict.chunk_sentences`` sentences:
read → clean → segment → both models (sentences sorted by length) →
records appended to the output. The models load and predict through
``claimsift.predict.api.Predictor``, the Python API (``from claimsift import
Predictor``). Rerunning with the same output skips the
articles already written (see ``claimsift.predict.writer``). ``latest`` (the
default run of each task) is the newest run of that task trained on the
dataset ``dataset`` names; the runs used are printed, one line each.

Nothing a run reads is ever written: an output (or its side files, or the
report) that the input names is refused, and so is a second run on an output
another run is writing (an OS lock on ``<output>.lock``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from omegaconf import DictConfig
from omegaconf.errors import MissingMandatoryValue

from claimsift.config import CONFIG_DIR, set_verbosity
from claimsift.data.ingest import Skipped, find_files, read_by
from claimsift.io import describe_os_error
from claimsift.predict.api import Predictor, check_backend, chunked, resolve_runs
from claimsift.predict.runs import LATEST, run_info
from claimsift.predict.stream import iter_articles, prepare
from claimsift.predict.writer import (PredictionWriter, output_files, output_format, output_lock, summary_path,
                                      write_summary)

BACKENDS = ("native", "onnx", "onnx-fp32")  # onnx: int8; see claimsift.predict.onnx
ENGINES = ("local", "ray")  # ray: claimsift.predict.ray_engine (Ray Data actors)


def predict(cfg: DictConfig) -> dict:
    """Predict every article of ``cfg.input`` into ``cfg.output``; return the run's figures.

    Raises FileNotFoundError when the input matches nothing or a model run is
    missing, ValueError on a bad output name, backend or model, an output
    that is an input, or an output another run is writing.
    """
    set_verbosity(cfg.verbose)
    output = Path(cfg.output)
    output_format(output)
    check_backend(cfg.predict.backend)
    if cfg.engine not in ENGINES:
        raise ValueError(f"engine={cfg.engine}: not available (choose one of {', '.join(ENGINES)})")
    find_files(cfg.input)  # fail on an input that matches nothing before touching the output
    check_outputs(cfg.input, output, cfg.report)

    run_dirs = resolve_runs(classify_run(cfg), cfg.extract_run, cfg.models_dir, cfg.get("dataset"))
    with output_lock(output):
        if cfg.engine == "ray":
            from claimsift.predict.ray_engine import predict_ray  # imports Ray only when asked for

            return predict_ray(cfg, output, run_dirs)
        return _predict_locked(cfg, output, run_dirs)


def classify_run(cfg: DictConfig):
    """``cfg.classify_run``, with ``rules`` as the rules run of dataset ``cfg.dataset`` (its labeling functions
    and label model, ``<datasets_dir>/<dataset>/rules``). Raises ValueError / FileNotFoundError when there is none."""
    from claimsift.models.rules import RULES, rules_run

    if str(cfg.classify_run) != RULES:
        return cfg.classify_run
    if not cfg.get("dataset"):
        raise ValueError("classify_run=rules: the rules are a dataset's; pass dataset=<name> (data/built/<name>)")
    return rules_run(Path(cfg.datasets_dir) / cfg.dataset)


def check_outputs(input_path, output: Path, report) -> None:
    """Raise ValueError when a file the run writes is one it reads, or the report is one of the outputs."""
    written = output_files(output)
    read = read_by(input_path, written + ([Path(report)] if report else []))
    if read:
        raise ValueError(f"{read[0]}: is an input of this run (input={input_path}); "
                         "writing it would destroy it: pass another output= / report=")
    if report and Path(report).resolve() in {p.resolve() for p in written}:
        raise ValueError(f"report={report}: is one of the files the run writes for output={output}; "
                         "pass another report=")


def _predict_locked(cfg: DictConfig, output: Path, run_dirs: dict) -> dict:
    """The run proper, with the output locked."""
    say_runs(cfg, run_dirs)
    predictor = Predictor.from_run_dirs(run_dirs, backend=cfg.predict.backend,
                                        batch_size=cfg.predict.chunk_sentences)
    runs = predictor.runs

    writer = PredictionWriter(output, runs, resume=cfg.predict.resume, classes=predictor.classes)
    n_resumed = len(writer.done)
    n_sentences = 0
    t0 = time.perf_counter()
    from tqdm import tqdm

    bar = tqdm(unit="sent", desc="predict", dynamic_ncols=True, disable=not cfg.predict.progress)
    intake = Intake(writer.done, cfg.max_articles, bar)

    def new_articles():
        """The input's articles this output does not hold yet, cleaned and segmented; bad ones reported."""
        for item in iter_articles(cfg.input, cfg.id_field, cfg.text_field, cfg.title_field):
            if isinstance(item, Skipped):
                intake.skip(item)
                continue
            if not intake.wanted(item.doc_id, item.source):
                continue
            if intake.full:
                return
            article = prepare(item)
            if isinstance(article, Skipped):
                intake.skip(article)
                continue
            intake.take(article.doc_id)
            yield article

    try:
        for chunk in chunked(new_articles(), predictor.batch_size):
            writer.write(predictor.predict_chunk(chunk))
            n_chunk = sum(len(a.sentences) for a in chunk)
            bar.update(n_chunk)
            n_sentences += n_chunk
            intake.committed()
        writer.finish()
    finally:
        writer.close()
        bar.close()
    seconds = time.perf_counter() - t0
    stats = {"output": str(output), "runs": runs, "scheme": summary_scheme(cfg, predictor),
             "n_new_articles": intake.n_new, "n_resumed_articles": n_resumed,
             "n_new_sentences": n_sentences, "seconds": round(seconds, 3),
             "sentences_per_s": round(n_sentences / seconds, 1) if seconds > 0 else None}
    return write_outputs(cfg, output, intake.skipped, stats)


# ---------------------------------------------------------------- both engines' bookkeeping

def say_runs(cfg: DictConfig, run_dirs: dict) -> None:
    """The runs used, one stderr line each; a note for a task ``latest`` found no run for."""
    dataset = cfg.get("dataset")
    for task, run_dir in run_dirs.items():
        if run_dir is not None:
            print(f"claimsift predict: {task} run {run_dir} (model {(run_info(run_dir) or {}).get('model', '?')})",
                  file=sys.stderr)
        elif cfg[f"{task}_run"] == LATEST:
            on = f" trained on dataset {dataset!r}" if dataset else ""
            print(f"claimsift predict: no {task} run{on} under {cfg.models_dir}; predicting without it",
                  file=sys.stderr)


class Intake:
    """Which articles a run predicts, decided in input order by the rules both engines share: a doc_id read
    again is a duplicate (skipped and reported), one an earlier run committed is left out, and reading stops
    after ``max_articles`` new ones. Keeps the skips for the summary.

    ``done`` is the writer's (doc_id → True for an earlier run's article, False for one this run committed);
    ``bar`` the progress bar the skips are written through.
    """

    def __init__(self, done: dict[str, bool], max_articles: int | None, bar):
        self.done, self.max_articles, self.bar = done, max_articles, bar
        self.skipped: list[dict] = []
        self.pending: set[str] = set()  # doc_ids taken but not yet committed
        self.n_new = 0

    def skip(self, item: Skipped) -> None:
        self.skipped.append({"source": item.source, "reason": item.reason})
        self.bar.write(f"claimsift predict: skipped {item}", file=sys.stderr)

    def wanted(self, doc_id: str, source: str) -> bool:
        """False for a duplicate of an article read before (reported) or one an earlier run committed."""
        if doc_id in self.pending or self.done.get(doc_id) is False:
            self.skip(Skipped(source, f"duplicate doc_id {doc_id!r}"))
            return False
        return doc_id not in self.done

    @property
    def full(self) -> bool:
        """Whether ``max_articles`` new articles are taken: read no further."""
        return self.max_articles is not None and self.n_new >= self.max_articles

    def take(self, doc_id: str) -> None:
        self.pending.add(doc_id)
        self.n_new += 1

    def committed(self) -> None:
        """The articles taken so far are written (``done`` holds them now)."""
        self.pending.clear()


def write_outputs(cfg: DictConfig, output: Path, skipped: list[dict], stats: dict) -> dict:
    """Write the summary (and ``cfg.report``) of a finished run; return the run's figures."""
    overview = write_summary(output, skipped, stats)
    result = {**stats, "n_skipped": len(skipped), "summary": str(summary_path(output)), "report": None}
    if cfg.report:
        from claimsift.predict.html import write_report

        result["report"] = str(write_report(cfg.report, output, overview))
    return result


def summary_scheme(cfg: DictConfig, predictor: Predictor) -> dict:
    """The scheme the summary and report describe: the classify run's (label_map.json), else ``cfg.scheme`` for a
    run from before schemes with the same classes (``claimsift.predict.html.report_scheme``)."""
    from claimsift.predict.html import report_scheme
    from claimsift.scheme import load_scheme, run_scheme

    classify_dir = predictor.run_dirs.get("classify")
    tags = getattr(predictor.extractor, "tags_", None)
    types = sorted({t.split("-", 1)[1] for t in tags if "-" in t}) if tags else None
    return report_scheme(predictor.classes, types, run_scheme(classify_dir) if classify_dir else None,
                         load_scheme(cfg.scheme))


def _hydra_main(cfg: DictConfig) -> None:
    try:
        result = predict(cfg)
    except MissingMandatoryValue as exc:
        key = getattr(exc, "full_key", None) or "input/output"
        print(f"claimsift predict: {key}= is required (claimsift predict input=<path> output=<file.jsonl|.csv>)",
              file=sys.stderr)
        sys.exit(2)
    except (FileNotFoundError, ValueError) as exc:
        print(f"claimsift predict: {exc}", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        print(f"claimsift predict: {describe_os_error(exc)}", file=sys.stderr)
        sys.exit(2)
    print(f"{result['n_new_articles']} articles ({result['n_new_sentences']} sentences) predicted, "
          f"{result['n_resumed_articles']} already done, {result['n_skipped']} skipped "
          f"[{result['sentences_per_s']} sentences/s] → {result['output']}, {result['summary']}"
          + (f", {result['report']}" if result["report"] else ""))


def main() -> None:
    import hydra

    hydra.main(config_path=str(CONFIG_DIR), config_name="predict", version_base="1.3")(_hydra_main)()
