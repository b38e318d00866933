"""claimsift predict engine=ray: the local engine's prediction as Ray Data actors, for corpora that outgrow one machine.

    claimsift predict input=articles/ output=out/a.jsonl engine=ray          # a Ray started on this machine
    claimsift predict input=/shared/news/ output=out/news.jsonl engine=ray ray.address=ray://head:10001 \
        ray.num_workers=32
    RAY_ADDRESS=ray://head:10001 claimsift predict input='/shared/news/*.parquet' output=out/news.csv engine=ray

One Ray Data dataset, streamed:

    input files ─▶ read tasks (``ingest.read_file``, one file per call) ─▶ raw articles
                ─▶ ``map_batches(ArticlePredictor)``: a fixed pool of actors, each holding one ``Predictor``
                   (models loaded once), ``prepare`` + ``Predictor.predict_chunk`` per batch of articles
                ─▶ this process: the local engine's ``PredictionWriter`` and ``write_summary``

Every step is the local engine's own function, so the records, the article
log, the summary and the skip reasons are the same. The dataset keeps input
order, and this process applies the local engine's rules in that order
(a duplicate doc_id is skipped, ``max_articles`` stops, articles committed by
an earlier run are left out), so resuming works as with ``engine=local``.
Beyond the local engine, an article whose cleaning or prediction raises is
skipped with the error as its reason instead of ending the job (a cluster
job should not die for one page).

Files are opened by the workers: on a cluster the input and the run folders
must be at the same paths on every node (shared storage). The output is
written here, by this process, one file: at some tens of thousands of
sentences/s this process, not the actors, bounds a large cluster.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
from omegaconf import DictConfig

from claimsift.data.ingest import Skipped, find_files, read_file
from claimsift.predict import Intake, say_runs, summary_scheme, write_outputs
from claimsift.predict.api import Predictor
from claimsift.predict.stream import Article, prepare
from claimsift.predict.writer import PredictionWriter

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colour codes in Ray's error messages
# Passed on to the actors, which may run on machines with another environment.
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "TOKENIZERS_PARALLELISM")
READ_BLOCKS_PER_ACTOR = 8  # input files are split into this many read tasks per actor (fewer files: one each)


def predict_ray(cfg: DictConfig, output: Path, run_dirs: dict[str, Path | None]) -> dict:
    """Predict ``cfg.input`` into ``output`` with Ray Data actors; return the run's figures (as the local engine).

    Called by ``claimsift.predict.predict`` with the output locked and the runs
    resolved. Raises ValueError for a bad ``ray`` setting, a model that does
    not load (here or in a worker), or a Ray that cannot be reached (naming the address).
    """
    import ray

    rcfg = cfg.ray
    for key in ("num_workers", "batch_size"):
        if not isinstance(rcfg[key], int) or rcfg[key] < 1:
            raise ValueError(f"ray.{key}={rcfg[key]}: must be a positive integer")
    if not isinstance(rcfg.cpus_per_actor, (int, float)) or rcfg.cpus_per_actor <= 0:
        raise ValueError(f"ray.cpus_per_actor={rcfg.cpus_per_actor}: must be a positive number")
    say_runs(cfg, run_dirs)
    # Loaded here too: a model that does not load is one line before Ray starts, and the
    # classes and scheme go into the writer and the summary as the local engine puts them.
    predictor = Predictor.from_run_dirs(run_dirs, backend=cfg.predict.backend)
    head = {"output": str(output), "runs": predictor.runs, "scheme": summary_scheme(cfg, predictor)}
    writer = PredictionWriter(output, predictor.runs, resume=cfg.predict.resume, classes=predictor.classes)
    del predictor  # the actors hold their own
    files = find_files(cfg.input)
    started = False
    try:
        started, where = _connect(rcfg.address, cfg.verbose)
        print(f"claimsift predict: engine=ray at {where}: {rcfg.num_workers} actors x {rcfg.cpus_per_actor} CPU, "
              f"{len(files)} input files", file=sys.stderr)
        results = _dataset(cfg, files, run_dirs, frozenset(writer.done)).iter_batches(batch_size=None,
                                                                                      batch_format="numpy")
        figures = _write(cfg, writer, results)
    finally:
        writer.close()
        if started:
            ray.shutdown()
    skipped = figures.pop("skipped")
    return write_outputs(cfg, output, skipped, {**head, **figures, "engine": "ray"})


def _connect(address: str | None, verbose: bool) -> tuple[bool, str]:
    """Join Ray (already joined: as it is); (whether this call started or joined it and so must shut it
    down, where Ray is).

    ``address`` None: ``RAY_ADDRESS`` when set, else a new Ray on this machine;
    ``auto``: the cluster this machine belongs to; ``ray://host:10001``: a
    remote cluster through Ray Client. Raises ValueError when it cannot be reached.
    """
    import ray

    if ray.is_initialized():
        return False, _where(address)
    address = address or os.environ.get("RAY_ADDRESS") or None
    kwargs = {"log_to_driver": bool(verbose), "logging_level": logging.INFO if verbose else logging.ERROR}
    if address is None:
        kwargs.update(address="local", include_dashboard=False)
    else:
        kwargs["address"] = address
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ValueError(f"ray.address={address}: cannot join Ray ({str(exc).strip().splitlines()[0]})") from None
    return True, _where(address)


def _where(address: str | None) -> str:
    """The joined Ray's address as Ray gives it (through Ray Client: the one passed)."""
    import ray

    try:
        return ray.get_runtime_context().gcs_address
    except Exception:  # Ray Client has no GCS address of its own; naming it is only for the message
        return str(address)


def _dataset(cfg: DictConfig, files: list[Path], run_dirs: dict, done: frozenset):
    """The lazy Ray dataset: one row per input file → read tasks → the actor pool; rows of (doc_id, source, result)."""
    import ray

    rcfg = cfg.ray
    ctx = ray.data.DataContext.get_current()
    if not cfg.verbose:  # Ray Data's INFO lines and its "progress bars disabled" warning (set up on import)
        logging.getLogger("ray.data").setLevel(logging.ERROR)
    ctx.execution_options.preserve_order = True  # the local engine's order: duplicates and max_articles as there
    ctx.enable_progress_bars = bool(cfg.verbose)  # this process shows its own bar (sentences/s)
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    # Files in blocks, each block one read task: enough of them to keep every actor fed.
    ds = ray.data.from_items([{"path": str(f)} for f in files],
                             override_num_blocks=min(len(files), READ_BLOCKS_PER_ACTOR * rcfg.num_workers))
    # num_cpus=0: reading is light, and a read task asking for a CPU would wait
    # for ever behind actors that hold them all (and Ray would fuse the read
    # into the actors, so one big file would go to one actor).
    ds = ds.map_batches(read_inputs, batch_size=1, num_cpus=0,
                        compute=ray.data.TaskPoolStrategy(size=rcfg.num_workers),
                        fn_kwargs={"id_field": cfg.id_field, "text_field": cfg.text_field,
                                   "title_field": cfg.title_field, "block_rows": rcfg.batch_size})
    return ds.map_batches(ArticlePredictor, batch_size=rcfg.batch_size,
                          compute=ray.data.ActorPoolStrategy(size=rcfg.num_workers), num_cpus=rcfg.cpus_per_actor,
                          runtime_env={"env_vars": env} if env else None,
                          fn_constructor_kwargs={"run_dirs": {t: str(d) if d else None for t, d in run_dirs.items()},
                                                 "backend": cfg.predict.backend, "done": done,
                                                 "threads": max(1, int(rcfg.cpus_per_actor))})


# ---------------------------------------------------------------- on the workers

def read_inputs(batch: dict[str, np.ndarray], id_field: str, text_field: str, title_field: str | None,
                block_rows: int) -> Iterator[dict[str, np.ndarray]]:
    """Read task: the raw articles (or Skippeds) of each input file, pickled, ``block_rows`` per block."""
    for path in batch["path"]:
        items = []
        for item in read_file(Path(path), id_field=id_field, text_field=text_field, title_field=title_field):
            items.append(pickle.dumps(item))
            if len(items) >= block_rows:
                yield {"item": _objects(items)}
                items = []
        if items:
            yield {"item": _objects(items)}


class ArticlePredictor:
    """Ray Data actor: one ``Predictor`` (models loaded once), then each batch of raw articles in one pass.

    Out: a row per article not committed by an earlier run (``done``): its
    doc_id (None for a file or row the reader skipped), source, the pickled
    ``(summary, cleaned_text, records)`` or Skipped, and ``busy_s``: the
    seconds the call took, on its first row (0 on the others).
    """

    def __init__(self, run_dirs: dict[str, str | None], backend: str, done: frozenset, threads: int):
        # No set_verbosity here: what the workers print reaches this process only with verbose=true
        # (log_to_driver), and then everything should show.
        self.predictor = Predictor.from_run_dirs({t: Path(d) if d else None for t, d in run_dirs.items()},
                                                 backend=backend)
        if "torch" in sys.modules:  # a transformer: as many threads as the CPUs Ray gave this actor
            import torch

            torch.set_num_threads(threads)
        self.done = done

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        t0 = time.perf_counter()
        rows: list[list] = []  # [doc_id, source, Article | Skipped | prediction]
        for blob in batch["item"]:
            item = pickle.loads(blob)
            if isinstance(item, Skipped):
                rows.append([None, item.source, item])
            elif item.doc_id not in self.done:
                rows.append([item.doc_id, item.source, _guarded(prepare, item, item.source, "cleaning")])
        ready = [row for row in rows if isinstance(row[2], Article)]
        for row, result in zip(ready, self._predict([row[2] for row in ready])):
            row[2] = result
        busy = np.zeros(len(rows))
        busy[:1] = time.perf_counter() - t0  # the call's time, on its first row: the per-actor rate
        return {"doc_id": _objects([r[0] for r in rows]), "source": _objects([r[1] for r in rows]),
                "result": _objects([pickle.dumps(r[2]) for r in rows]), "busy_s": busy}

    def _predict(self, articles: list[Article]) -> list:
        """``predict_chunk`` over all of them; when that raises, article by article, a failing one a Skipped."""
        if len(articles) == 1:
            return [_guarded(self.predictor.predict_chunk, articles, articles[0].source, "prediction")]
        try:
            return self.predictor.predict_chunk(articles) if articles else []
        except Exception:  # find the article that fails: the others are predicted one by one
            return [result for a in articles for result in self._predict([a])]


def _guarded(fn, arg, source: str, step: str):
    """``fn(arg)`` (a one-article list: its one result), or a Skipped naming ``source`` and the error."""
    try:
        out = fn(arg)
    except Exception as exc:  # one bad article must not end a cluster job: it is skipped and reported
        text = str(exc).strip()
        return Skipped(source, f"{step} failed ({type(exc).__name__}{': ' + text.splitlines()[0] if text else ''})")
    return out[0] if isinstance(out, list) else out


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# ---------------------------------------------------------------- back here

def _write(cfg: DictConfig, writer: PredictionWriter, results) -> dict:
    """Commit the actors' results in input order with the local engine's rules; the run's figures and skips."""
    from tqdm import tqdm

    n_resumed = len(writer.done)
    buffer: list[tuple] = []
    n_buffered = n_sentences = 0
    # What sizing a cluster needs: sentences per second of actor time (cleaning, segmenting, both
    # models), without Ray's start-up, the actors loading their models, or waiting for work.
    busy = 0.0
    n_predicted = 0
    t_first = None  # the first result: start-up and model loading before it
    bar = tqdm(unit="sent", desc="predict (ray)", dynamic_ncols=True, disable=not cfg.predict.progress)
    t0 = time.perf_counter()
    intake = Intake(writer.done, cfg.max_articles, bar)

    def flush() -> None:
        nonlocal buffer, n_buffered, n_sentences
        writer.write(buffer)
        bar.update(n_buffered)
        n_sentences += n_buffered
        buffer, n_buffered = [], 0
        intake.committed()

    try:
        for doc_id, source, result, busy_s in _rows(results):
            t_first = t_first or time.perf_counter()
            busy += busy_s
            n_predicted += len(result[2]) if isinstance(result, tuple) else 0
            if doc_id is None:  # a file or row the reader could not use
                intake.skip(result)
                continue
            if not intake.wanted(doc_id, source):  # (the actors already left out earlier runs' articles)
                continue
            if intake.full:
                break
            if isinstance(result, Skipped):
                intake.skip(result)
                continue
            buffer.append(result)
            intake.take(doc_id)
            n_buffered += len(result[2])
            if n_buffered >= cfg.predict.chunk_sentences:
                flush()
        if buffer:
            flush()
        writer.finish()
    except Exception as exc:
        error = _ray_error(exc)
        if error is exc:
            raise
        raise error from exc
    finally:
        writer.close()
        bar.close()
    t_end = time.perf_counter()
    seconds = t_end - t0
    return {"n_new_articles": intake.n_new, "n_resumed_articles": n_resumed,
            "n_new_sentences": n_sentences, "seconds": round(seconds, 3),
            "sentences_per_s": round(n_sentences / seconds, 1) if seconds > 0 else None,
            "startup_s": round((t_first or t_end) - t0, 3), "actor_busy_s": round(busy, 3),
            "sentences_per_actor_s": round(n_predicted / busy, 1) if busy > 0 else None,
            "skipped": intake.skipped}


def _rows(results) -> Iterator[tuple]:
    """(doc_id, source, result, busy_s) per article of the dataset's batches; stops the dataset if left early."""
    try:
        for batch in results:
            for doc_id, source, blob, busy_s in zip(batch["doc_id"], batch["source"], batch["result"],
                                                    batch["busy_s"]):
                yield doc_id, source, pickle.loads(blob), float(busy_s)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


def _ray_error(exc: Exception) -> Exception:
    """A Ray failure as a one-line ValueError: the last line of the innermost message, where Ray puts the
    worker's own error (e.g. ``ValueError: <run>/model: the model does not load (...)``); others as they are."""
    chain, seen = [exc], {id(exc)}
    while True:
        inner = getattr(chain[-1], "cause", None) or chain[-1].__cause__
        if not isinstance(inner, BaseException) or id(inner) in seen:
            break
        chain.append(inner)
        seen.add(id(inner))
    if not any(type(e).__module__.startswith("ray") for e in chain):
        return exc  # ours (an unwritable output, ...): as it is
    for e in reversed(chain):
        lines = [line.strip() for line in ANSI.sub("", str(e)).splitlines() if line.strip()]
        if lines:
            return ValueError(f"engine=ray: a worker failed: {lines[-1]}")
    return ValueError(f"engine=ray: a worker failed ({type(chain[-1]).__name__})")
