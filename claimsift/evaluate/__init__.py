"""The evaluate stage: how good is a run, on which classes, with intervals that survive a small test set.

    claimsift evaluate run=models/classify-baseline-seeds-latest           # split=gold
    claimsift evaluate run=models/extract-baseline-seeds-latest split=test
    claimsift evaluate run=models/classify-baseline-seeds-latest split=my_gold.jsonl
    claimsift evaluate run=models/classify-transformer-mix-latest split=validation eval.source=polnear  # one source of a mix
    claimsift evaluate cv=by_article task=classify model=baseline          # leave-one-article-out
    claimsift evaluate run=rules split=gold data=seeds                     # the labeling functions themselves
    python -m claimsift.evaluate run=... eval.n_resamples=200

``run=rules`` is the rules run of the dataset (``dataset=``, else
``data/built/<data.name>``): its labeling functions and label model as a
classifier (:mod:`claimsift.models.rules`), scored like any run into
``<dataset>/rules/eval/<split>/``. Classes come from the run's own label map,
so a run of any scheme is scored with its classes; the truth must use them.

Writes ``<run>/eval/<split>/``: ``metrics.json`` (keys ``<split>/<metric>[_<class>]``),
``report.md``, ``confusion.png`` and ``reliability.png`` (classification), and
``weak_reference.json`` (the weak labels scored the same way, when the split
comes from the built dataset). Cross-validation writes the same files into
``cv.out_dir``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from claimsift.config import CONFIG_DIR, seed_everything, set_verbosity
from claimsift.evaluate.records import DATASET_SPLITS, EvalSet, load_eval_set
from claimsift.evaluate.report import write_eval_dir
from claimsift.evaluate.score import Predictions, predict, score, span_types, weak_predictions
from claimsift.models.base import load_model
from claimsift.models.rules import RULES, rules_run
from claimsift.scheme import labels_of, run_scheme


def evaluate(cfg: DictConfig) -> dict[str, float]:
    """Evaluate ``cfg.run`` on ``cfg.split`` (or cross-validate when ``cfg.cv`` is set); return the metrics.

    Raises FileNotFoundError / ValueError naming the run, file or split at fault.
    """
    set_verbosity(cfg.verbose)
    seed_everything(cfg.seed)
    if cfg.get("cv"):
        from claimsift.evaluate.cv import cross_validate

        return cross_validate(cfg)
    if not cfg.run:
        raise ValueError("no run to evaluate: pass run=<run dir> or run=rules (or cv=by_article for cross-validation)")
    run = rules_run(cfg.dataset or cfg.dataset_dir) if str(cfg.run) == RULES else Path(cfg.run)
    info = read_run(run)
    task = info["task"]
    model = load_model(run / "model")
    if model.task != task:
        raise ValueError(f"{run}: run.json says task {task!r} but the model is a {model.task} model")
    spec = run_scheme(run)
    dataset = cfg.dataset or info.get("dataset")
    # The run's own label map names what it predicts; the rest of its scheme checks the other column of a file.
    classes, types = labels_of(spec)
    if task == "classify":
        classes = names = list(model.classes_)
    else:  # a span model without a tag list is taken to predict its scheme's span types
        types = names = span_types(getattr(model, "tags_", None) or []) or types
    if str(cfg.split) in DATASET_SPLITS or str(cfg.split) == "gold":
        check_run_dataset(names, task, dataset, run)
    eval_set = load_eval_set(str(cfg.split), dataset, task, cfg.eval.truth, source=cfg.eval.get("source"),
                             held_out=cfg.splits.held_out, classes=classes, span_types=types)

    texts = [r["text"] for r in eval_set.records]
    preds = predict(model, texts, cfg.eval.batch_size, desc=f"evaluate {eval_set.name}")
    preds.classes = names
    out_dir = Path(cfg.out_dir) if cfg.out_dir else run / "eval" / eval_set.name
    return score_and_report(cfg, eval_set, preds, task, out_dir, labels=names,
                            title=f"{run_name(run)} on {eval_set.name}",
                            notes=[f"Run `{run}` ({info.get('model', '?')}, task {task}).", *eval_set.notes])


def run_name(run: Path) -> str:
    """A run's name in titles and tables: its folder's, ``<dataset>/rules`` for a dataset's rules run."""
    real = run.resolve()
    return f"{real.parent.name}/{RULES}" if real.name == RULES else real.name


def check_run_dataset(names: list[str], task: str, dataset, run) -> None:
    """Raise ValueError when ``dataset`` was labelled with other classes (or span types) than the run predicts."""
    if dataset is None or not (Path(dataset) / "meta.json").is_file():
        return  # load_eval_set says what is missing
    from claimsift.data.dataset import load_meta
    from claimsift.scheme import recorded_scheme

    meta = load_meta(dataset)
    spec = recorded_scheme(meta) or {}
    theirs = sorted(meta.get("classes") or []) if task == "classify" else sorted(spec.get("span_types") or names)
    if theirs and theirs != sorted(names):
        what = "classes" if task == "classify" else "span types"
        raise ValueError(f"{run} predicts {what} {', '.join(names)} but {dataset} was labelled with "
                         f"{', '.join(theirs)} (scheme {spec.get('name', '?')}): evaluate it on a dataset of its scheme")


def score_and_report(cfg: DictConfig, eval_set: EvalSet, preds: Predictions, task: str, out_dir: Path, *,
                     title: str, notes: list[str], labels: list[str], extra: dict | None = None) -> dict[str, float]:
    """Score ``preds`` against ``eval_set``'s truth, write ``out_dir``, print the summary; return the metrics.

    ``labels`` are the classes (or span types) of the predictor, those of the dataset's weak labels too.
    Against hand labels the weak labels are scored the same way as a reference (against
    themselves they would say nothing). A weak truth's banner heads the report and stdout.
    """
    kw = _score_kwargs(cfg)
    scored = score(eval_set.records, preds, eval_set.name, **kw)
    weak = weak_predictions(eval_set.records, task, labels) if eval_set.truth == "gold" else None
    reference = score(eval_set.records, weak, eval_set.name, **kw) if weak is not None else None
    write_eval_dir(out_dir, scored, title=title, notes=notes, reference=reference, extra=extra,
                   banner=eval_set.banner)
    print_summary(scored.metrics, eval_set.name, task, title, out_dir, banner=eval_set.banner)
    return scored.metrics


def read_run(run: Path) -> dict:
    """``run.json`` of a run folder plus the dataset folder it was trained on (``dataset``, may be None)."""
    if not (run / "run.json").is_file():
        raise FileNotFoundError(f"{run}: not a run folder (no run.json); train one with `claimsift train`")
    info = json.loads((run / "run.json").read_text(encoding="utf-8"))
    if info.get("task") not in ("classify", "extract"):
        raise ValueError(f"{run / 'run.json'}: task {info.get('task')!r} is not classify or extract")
    info["dataset"] = run_dataset(run)
    return info


def run_dataset(run: Path) -> str | None:
    """The built dataset folder a run was trained on: data.json, else config.yaml's data.name; None if neither."""
    data_file = run / "data.json"
    if data_file.is_file():
        data = json.loads(data_file.read_text(encoding="utf-8"))
        for key in ("dataset", "dataset_dir", "path"):
            if isinstance(data.get(key), str):
                return data[key]
    cfg_file = run / "config.yaml"
    if cfg_file.is_file():
        saved = OmegaConf.load(cfg_file)
        name = OmegaConf.select(saved, "data.name")
        if name:
            return f"data/built/{name}"
    return None


def _score_kwargs(cfg: DictConfig) -> dict:
    e = cfg.eval
    return {"n_resamples": int(e.n_resamples), "seed": int(cfg.seed), "confidence": float(e.confidence),
            "calibration_bins": int(e.calibration_bins), "n_errors": int(e.n_errors)}


def print_summary(metrics: dict[str, float], prefix: str, task: str, title: str, out_dir: Path,
                  banner: str | None = None) -> None:
    """The headline numbers on stdout, under the banner (one line) when there is one."""
    t = Table(title=f"claimsift evaluate: {title} → {out_dir}")
    t.add_column("metric")
    t.add_column("value", justify="right")
    t.add_column("95% CI", justify="right")
    keys = (["macro_f1", "weighted_f1", "accuracy", "ece"] if task == "classify"
            else ["micro_f1", "macro_f1", "overlap_micro_f1"])
    for k in keys:
        key = f"{prefix}/{k}"
        ci = f"[{metrics[key + '_lo']:.3f}, {metrics[key + '_hi']:.3f}]" if key + "_lo" in metrics else ""
        t.add_row(key, f"{metrics[key]:.3f}", ci)
    console = Console()
    if banner:
        console.print(banner, style="bold yellow", soft_wrap=True, markup=False, highlight=False)
    console.print(t)


@hydra.main(config_path=str(CONFIG_DIR), config_name="evaluate", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        evaluate(cfg)
    except (FileNotFoundError, ValueError) as exc:
        print(f"claimsift evaluate: {exc}", file=sys.stderr)  # one line, never wrapped
        raise SystemExit(1) from None


def main() -> int:
    _hydra_main()
    return 0
