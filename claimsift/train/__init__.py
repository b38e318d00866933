"""Train a model on the built dataset; write a run folder that explains itself.

    claimsift train task=classify model=baseline
    claimsift train task=extract model=transformer seed=1
    claimsift train train.labels=weak+gold model.path=/path/to/hf-model
    claimsift train scheme=weather data=weather          # a dataset built with another scheme (docs/adapt.md)
    claimsift train -m task=classify,extract model=baseline,transformer seed=0,1,2
    claimsift train -m experiment=sweep_baseline                      # Optuna tunes the baseline's C
    python -m claimsift.train experiment=gold_only

Reads ``data/built/<data.name>/`` (``claimsift label``); writes
``models/<task>-<model>-<data.name>-<timestamp>/`` (config.yaml,
label_map.json, data.json, metrics.json, train.log, model/, run.json) and the
``models/<task>-<model>-<data.name>-latest`` link: one link per dataset, so a
run on your own data never moves the link of another dataset's runs. See
docs/train.md.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time

from omegaconf import DictConfig, OmegaConf

from claimsift.config import CONFIG_DIR, seed_everything, set_verbosity, to_dict
from claimsift.io import fingerprint, write_json
from claimsift.scheme import check_dataset_scheme, load_scheme
from claimsift.train.data import (Examples, check_config, examples, label_counts, load_splits, oversample,
                                  scoring_records)
from claimsift.train.run import epoch_log, reproduce_command, run_folder

log = logging.getLogger("claimsift.train")

__all__ = ["train", "fit_model", "build_model", "main"]


def train(cfg: DictConfig) -> float:
    """Train one model as ``cfg`` says and write its run folder; return the value of ``cfg.monitor``.

    The monitored validation metric is what a Hydra sweeper (Optuna) optimises; every metric is in
    the run folder's ``metrics.json``. NaN when the validation split is empty (nothing to monitor).
    Raises ValueError (a config value or the data is unusable, naming the key or file; a dataset built
    with another scheme than ``cfg.scheme``) and FileNotFoundError (no built dataset). A failed run
    leaves no run folder behind.
    """
    set_verbosity(cfg.verbose)
    check_config(cfg)
    task, started = cfg.task.name, time.time()
    seed_everything(cfg.seed)
    scheme = load_scheme(cfg.scheme)
    check_dataset_scheme(scheme, cfg.dataset_dir)

    splits = load_splits(cfg)
    train_ex = training_examples(cfg, splits["train"])
    val_ex = sample_examples(examples(splits["validation"], task, cfg.train.labels),
                             cfg.train.get("max_validation"), cfg.seed)

    with run_folder(cfg.out_root, task, cfg.model.name, cfg.data.name) as run:
        log.info("task=%s model=%s seed=%s labels=%s: %d training sentences (%s), %d validation",
                 task, cfg.model.name, cfg.seed, cfg.train.labels, len(train_ex),
                 label_counts(train_ex, task), len(val_ex))
        if train_ex.nested_spans:
            log.info("%d nested spans (inside another span) are not in the one-layer training targets; "
                     "evaluation still scores them", train_ex.nested_spans)
        model = fit_examples(cfg, train_ex, val_ex)
        model.save(run.tmp / "model")
        metrics = validation_metrics(cfg, model, splits["validation"])
        metrics["train/n"] = len(train_ex)
        metrics["train/seconds"] = round(time.time() - started, 2)
        (log if cfg.verbose else epoch_log).info("validation: %s", metrics)  # the summary table shows the gist

        OmegaConf.save(cfg, run.tmp / "config.yaml", resolve=True)
        names = model.classes_ if task == "classify" else model.tags_
        write_json(run.tmp / "label_map.json", {"label2id": {n: i for i, n in enumerate(names)},
                                                "id2label": dict(enumerate(names)), "scheme": scheme.spec()})
        write_json(run.tmp / "data.json", {
            "dataset_dir": str(cfg.dataset_dir), "labels": cfg.train.labels,
            "splits": to_dict(cfg.splits), "fingerprint": fingerprint(train_ex.pairs()),
            "n_train": len(train_ex), "n_validation": len(val_ex), "label_counts": label_counts(train_ex, task),
            "nested_spans_not_in_targets": train_ex.nested_spans})
        write_json(run.tmp / "metrics.json", metrics)
        write_json(run.tmp / "run.json", {
            "task": task, "model": cfg.model.name, "data": cfg.data.name, "scheme": scheme.name, "seed": cfg.seed,
            "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": reproduce_command(cfg), "seconds": metrics["train/seconds"]})
    _summary(run.path, cfg, metrics, len(train_ex), len(val_ex), names)
    return float(metrics.get(cfg.monitor, float("nan")))


def validation_metrics(cfg: DictConfig, model, val_records: list[dict]) -> dict[str, float]:
    """``val/...`` metrics of ``model`` on the validation records, scored by the evaluation code.

    ``claimsift.evaluate.score`` against the training label source (``train.labels``), so
    ``claimsift evaluate split=validation`` with the same truth reproduces them; empty when the
    validation split has no sentence with such labels.
    """
    from claimsift.evaluate.score import predict, score

    records = scoring_records(val_records, cfg.task.name, cfg.train.labels)
    if not records:
        return {}
    preds = predict(model, [r["text"] for r in records], cfg.val.batch_size, desc="validate")
    if preds.classes is None:  # a span model without a tag list: the scheme's span types
        preds.classes = list(load_scheme(cfg.scheme).span_types)
    return score(records, preds, "val", n_resamples=cfg.val.n_resamples, seed=cfg.seed,
                 confidence=cfg.val.confidence, calibration_bins=cfg.val.calibration_bins, n_errors=0).metrics


def sample_examples(ex: Examples, cap, seed: int) -> Examples:
    """At most ``cap`` examples (None: all): a seeded sample in dataset order, every source and class in proportion."""
    if cap is None or int(cap) >= len(ex):
        return ex
    import numpy as np

    keep = np.sort(np.random.RandomState(seed).choice(len(ex), int(cap), replace=False))
    return Examples([ex.texts[i] for i in keep], [ex.targets[i] for i in keep],
                    None if ex.soft is None else ex.soft[keep], [ex.sent_ids[i] for i in keep], ex.nested_spans)


def training_examples(cfg: DictConfig, train_records: list[dict]) -> Examples:
    """The training split's examples under ``train.labels``, sampled down to ``train.max_sentences``.

    ``train.source_repeats`` ({source: n}) repeats the sentences of a source n times first: more weight
    for the in-domain written set against PolNeAR's many political-news sentences.

    Raises ValueError when no sentence is left to train on.
    """
    task = cfg.task.name
    soft = bool(cfg.train.soft_targets) and task == "classify"
    repeats = dict(cfg.train.get("source_repeats") or {})
    if repeats:  # each sentence of a listed source seen that many times per epoch
        train_records = [r for r in train_records for _ in range(repeats.get(r.get("source"), 1))]
    ex = examples(train_records, task, cfg.train.labels, soft_targets=soft,
                  classes=load_scheme(cfg.scheme).classes if soft else None)
    ex = sample_examples(ex, cfg.train.max_sentences, cfg.seed)
    if not len(ex):
        raise ValueError(f"train.labels={cfg.train.labels}: no {cfg.splits.train!r} sentence of "
                         f"{cfg.dataset_dir} has such labels")
    return ex


def build_model(cfg: DictConfig):
    """An unfitted model of ``model=<name>`` for ``task=<name>`` and ``scheme=<name>``, seeded and balanced as
    configured. Raises ValueError naming the config when the model cannot serve them."""
    from hydra.errors import InstantiationException
    from hydra.utils import instantiate

    scheme = load_scheme(cfg.scheme)
    if cfg.task.name == "extract" and not scheme.span_types:
        raise ValueError(f"task=extract: scheme {scheme.name} has no span_types (configs/scheme/{scheme.name}.yaml)")
    model = to_dict(cfg.model)
    spec = {**model.get("params", {}), **model[cfg.task.name]}
    class_weight = "balanced" if cfg.task.balance == "weights" else None
    try:
        return instantiate(spec, seed=cfg.seed, class_weight=class_weight, scheme=scheme.spec(), _convert_="all")
    except InstantiationException as exc:  # say which config and why, not Hydra's wrapper
        cause = exc.__cause__ or exc
        raise ValueError(f"model={cfg.model.name} task={cfg.task.name}: {cause}") from None


def fit_examples(cfg: DictConfig, train_ex: Examples, val_ex: Examples):
    """Build the configured model and fit it on ``train_ex`` (early stopping on ``val_ex``)."""
    if cfg.task.balance == "oversample":
        train_ex = oversample(train_ex, cfg.task.name, cfg.seed)
    model = build_model(cfg)
    val_texts = val_ex.texts or None
    if cfg.task.name == "classify":
        return model.fit(train_ex.texts, train_ex.targets, soft_labels=train_ex.soft,
                         eval_texts=val_texts, eval_labels=val_ex.targets or None)
    return model.fit(train_ex.texts, train_ex.targets, eval_texts=val_texts, eval_spans=val_ex.targets or None)


def fit_model(cfg: DictConfig, train_records: list[dict], val_records: list[dict] | None = None):
    """Fit the configured model on sentence records and return it, writing no run folder.

    Records are rows of the dataset (docs/architecture.md); ``train.labels``,
    ``train.soft_targets``, ``train.max_sentences`` and ``task.balance`` apply as in ``train``.
    For cross-validation by article, pass the other folds' records as ``train_records``.
    Raises ValueError on a bad config value or when no record has the configured labels.
    """
    check_config(cfg)
    seed_everything(cfg.seed)
    val_ex = examples(val_records or [], cfg.task.name, cfg.train.labels)
    return fit_examples(cfg, training_examples(cfg, train_records), val_ex)


def _summary(path, cfg, metrics: dict, n_train: int, n_val: int, labels: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"claimsift train: {cfg.task.name} / {cfg.model.name} / seed {cfg.seed}", show_header=False)
    table.add_row("run", str(path))
    table.add_row("time", f"{metrics['train/seconds']:.1f} s")
    table.add_row("sentences", f"{n_train} train, {n_val} validation ({cfg.train.labels} labels)")
    monitored = metrics.get(cfg.monitor)
    table.add_row(cfg.monitor, "n/a (no validation sentences)" if monitored is None else f"{monitored:.4f}")
    names = labels if cfg.task.name == "classify" else sorted({t.split("-", 1)[1] for t in labels if "-" in t})
    per_class = {n: metrics[f"val/f1_{n}"] for n in names if f"val/f1_{n}" in metrics}
    if per_class:
        table.add_row("val F1 by class", ", ".join(f"{k} {v:.2f}" for k, v in per_class.items()))
    Console(stderr=True).print(table)


def _hydra_main():
    import hydra

    @hydra.main(config_path=str(CONFIG_DIR), config_name="train", version_base="1.3")
    def run(cfg: DictConfig) -> float:
        try:
            return train(cfg)  # a sweeper (hydra/sweeper=optuna) optimises this value
        except (ValueError, FileNotFoundError) as exc:
            print(f"claimsift train: {exc}", file=sys.stderr)
            sys.exit(1)

    run()


def main() -> None:
    """The Hydra entry: ``claimsift train [overrides]``."""
    _hydra_main()
