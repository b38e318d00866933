"""The training stage: configs compose, runs write complete folders (or none), labels come from the right place."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from claimsift.config import CONFIG_DIR, compose
from claimsift.data.dataset import write_dataset
from claimsift.io import fingerprint, read_jsonl
from claimsift.models import load_model
from claimsift.train.data import check_config
from claimsift.train import build_model, fit_model, train
from claimsift.train.data import examples, oversample

RUN_FILES = {"config.yaml", "label_map.json", "data.json", "metrics.json", "train.log", "model", "run.json"}


@pytest.fixture(scope="module")
def records():
    from conftest import FIXTURES

    return read_jsonl(FIXTURES / "train_sentences.jsonl")


@pytest.fixture(scope="module")
def dataset(records, tmp_path_factory) -> Path:
    """The fixture sentences written as the label stage writes them (3 train, 1 validation, 1 test article)."""
    return write_dataset(tmp_path_factory.mktemp("built") / "fx", records, [], {}, {}, "")


def cfg_for(dataset, out_root, *overrides):
    """The fixture dataset stands in for the seeds (run names end in -seeds-...), trained on its weak labels."""
    return compose("train", ["data=seeds", "train.labels=weak", f"dataset_dir={dataset}", f"out_root={out_root}",
                             *overrides])


def run_dirs(out_root: Path) -> list[Path]:
    return sorted(p for p in out_root.iterdir() if not p.is_symlink()) if out_root.exists() else []


@pytest.mark.parametrize("task", ["classify", "extract"])
@pytest.mark.parametrize("model", sorted(p.stem for p in (CONFIG_DIR / "model").glob("*.yaml")))
def test_every_task_and_model_config_instantiates(task, model):
    cfg = compose("train", [f"task={task}", f"model={model}", "task.balance=none"])
    if task not in cfg.model:  # a classify-only design: refused by name, not with a KeyError
        with pytest.raises(ValueError, match=f"no '{task}' section"):
            check_config(cfg)
        return
    built = build_model(cfg)
    assert built.task == task and built.seed == 0


@pytest.mark.parametrize("group", ["data", "experiment"])
def test_every_data_and_experiment_config_composes(group):
    names = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
    assert names
    for name in names:
        cfg = compose("train", [f"{group}={name}"])
        OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves
        build_model(cfg)


def test_experiment_overrides_only_what_it_names():
    base, exp = compose("train"), compose("train", ["experiment=weak_plus_gold"])
    assert base.train.labels == "gold" and exp.train.labels == "weak+gold"
    exp.train.labels = base.train.labels
    assert OmegaConf.to_container(exp, resolve=True) == OmegaConf.to_container(base, resolve=True)


def test_run_folder_explains_itself(dataset, tmp_path):
    monitored = train(cfg_for(dataset, tmp_path, "seed=5"))
    (run,) = run_dirs(tmp_path)
    metrics = json.loads((run / "metrics.json").read_text())
    # train() returns the monitored metric (what a Hydra sweeper optimises); the rest is in metrics.json
    assert type(monitored) is float and monitored == metrics["val/macro_f1"]
    assert run.name.startswith("classify-baseline-seeds-") and {p.name for p in run.iterdir()} == RUN_FILES
    latest = tmp_path / "classify-baseline-seeds-latest"
    assert latest.is_symlink() and os.readlink(latest) == run.name  # relative link
    assert 0 <= metrics["val/macro_f1"] <= 1 and "val/f1_background" in metrics and "val/loss" in metrics
    run_info = json.loads((run / "run.json").read_text())
    assert run_info["task"] == "classify" and run_info["data"] == "seeds" and "seed=5" in run_info["command"]
    assert json.loads((run / "label_map.json").read_text())["id2label"]["0"] == "allegation"
    assert OmegaConf.load(run / "config.yaml").seed == 5
    assert "validation" in (run / "train.log").read_text()
    # The saved model reproduces the validation metrics (the train → evaluate round trip).
    val = [r for r in read_jsonl(dataset / "sentences.jsonl") if r["split"] == "validation"]
    pred = load_model(run / "model").predict([r["text"] for r in val])
    acc = sum(p == r["weak_label"] for p, r in zip(pred, val)) / len(val)
    assert acc == pytest.approx(metrics["val/accuracy"], abs=1e-4)


def test_extract_run_metrics_per_span_type(dataset, tmp_path):
    monitored = train(cfg_for(dataset, tmp_path, "task=extract"))
    metrics = json.loads((tmp_path / "extract-baseline-seeds-latest" / "metrics.json").read_text())
    assert monitored == metrics["val/macro_f1"]
    assert {"val/macro_f1", "val/f1_SOURCE", "val/f1_CUE", "val/f1_CONTENT"} <= set(metrics)
    assert (tmp_path / "extract-baseline-seeds-latest" / "model" / "claimsift_model.json").is_file()


def test_data_fingerprint_follows_the_training_labels(dataset, tmp_path):
    train(cfg_for(dataset, tmp_path / "a"))
    train(cfg_for(dataset, tmp_path / "b"))
    train(cfg_for(dataset, tmp_path / "c", "train.labels=weak+gold"))
    fps = [json.loads((run_dirs(tmp_path / d)[0] / "data.json").read_text())["fingerprint"] for d in "abc"]
    assert fps[0] == fps[1] != fps[2]


def test_interrupted_run_leaves_no_complete_looking_folder(dataset, tmp_path, monkeypatch):
    import claimsift.train as stage

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(stage, "fit_examples", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(cfg_for(dataset, tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_runs_in_the_same_second_get_distinct_folders(dataset, tmp_path):
    for seed in (0, 1, 2):
        train(cfg_for(dataset, tmp_path, f"seed={seed}"))
    runs = run_dirs(tmp_path)
    assert len(runs) == 3
    assert os.readlink(tmp_path / "classify-baseline-seeds-latest") == max(runs, key=lambda p: p.stat().st_mtime).name


def test_latest_links_are_per_dataset(dataset, tmp_path):
    """A run on another dataset gets its own folder name and link; the first dataset's link stays put."""
    train(cfg_for(dataset, tmp_path))
    seeds_run = os.readlink(tmp_path / "classify-baseline-seeds-latest")
    train(cfg_for(dataset, tmp_path, "data.name=mycorpus"))
    assert os.readlink(tmp_path / "classify-baseline-seeds-latest") == seeds_run
    mine = tmp_path / "classify-baseline-mycorpus-latest"
    assert os.readlink(mine).startswith("classify-baseline-mycorpus-2")
    assert json.loads((mine / "run.json").read_text())["data"] == "mycorpus"


def test_label_sources(records):
    train_recs = [r for r in records if r["split"] == "train"]
    weak = examples(train_recs, "classify", "weak")
    gold = examples(train_recs, "classify", "gold")
    both = examples(train_recs, "classify", "weak+gold")
    assert len(weak) == len(both) == len(train_recs)
    assert gold.sent_ids == [r["sent_id"] for r in train_recs if r["gold_label"] is not None]
    for r, label in zip(train_recs, both.targets):
        assert label == (r["gold_label"] or r["weak_label"])
    assert weak.targets != both.targets, "the fixture has weak labels that gold corrects"
    news = ["allegation", "attributed_claim", "background", "official_statement"]  # the fixture's weak_probs columns
    soft = examples(train_recs, "classify", "weak+gold", soft_targets=True, classes=news).soft
    assert soft.shape == (len(train_recs), 4) and soft.sum(axis=1) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="soft targets need the scheme's classes"):
        examples(train_recs, "classify", "weak+gold", soft_targets=True)
    spans = examples(train_recs, "extract", "gold")
    assert len(spans) == len(gold)


def test_held_out_split_is_never_trained_on(dataset, tmp_path, records):
    with pytest.raises(ValueError, match="splits.train='test' is the held-out split"):
        train(cfg_for(dataset, tmp_path, "splits.train=test"))
    with pytest.raises(ValueError, match="splits.validation='nope'"):
        train(cfg_for(dataset, tmp_path, "splits.validation=nope"))
    train(cfg_for(dataset, tmp_path))
    data = json.loads((run_dirs(tmp_path)[0] / "data.json").read_text())
    train_recs = [r for r in records if r["split"] == "train"]
    assert data["fingerprint"] == fingerprint(examples(train_recs, "classify", "weak").pairs())


def test_gold_labels_on_too_few_sentences_fail_clearly(dataset, tmp_path, records):
    with pytest.raises(ValueError, match="need at least two classes"):
        train(cfg_for(dataset, tmp_path, "train.labels=gold", "train.max_sentences=1"))
    assert run_dirs(tmp_path) == []
    no_gold = [r for r in records if r["gold_label"] is None]
    with pytest.raises(ValueError, match="train.labels=gold: no 'train' sentence"):
        fit_model(compose("train", ["train.labels=gold"]), no_gold)


def test_oversample_balances_classes(records):
    ex = examples([r for r in records if r["split"] == "train"], "classify", "weak")
    balanced = oversample(ex, "classify", seed=0)
    counts = {c: balanced.targets.count(c) for c in set(balanced.targets)}
    assert len(set(counts.values())) == 1 and len(balanced) > len(ex)
    assert oversample(ex, "classify", seed=0).sent_ids == balanced.sent_ids


def test_fit_model_writes_nothing(records, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = compose("train", ["task=extract", "task.balance=oversample"])
    model = fit_model(cfg, [r for r in records if r["fold"] != 4], [r for r in records if r["fold"] == 4])
    assert model.predict(["The army spokesman said the border crossing was closed."])[0]
    assert list(tmp_path.iterdir()) == []


def test_bad_override_names_the_key():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException, match="train.labls"):
        compose("train", ["train.labls=gold"])
    with pytest.raises(ValueError, match=r"train.labels='silver'"):
        fit_model(compose("train", ["train.labels=silver"]), [])
    with pytest.raises(ValueError, match=r"task.balance='smote'"):
        fit_model(compose("train", ["task.balance=smote"]), [])


@pytest.mark.slow
def test_cli_multirun_and_one_line_errors(dataset, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "claimsift.train"]
    paths = [f"dataset_dir={dataset}", f"out_root={tmp_path / 'models'}"]
    done = subprocess.run([*cli, "-m", *paths, "task=classify,extract", "seed=0,1"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(run_dirs(tmp_path / "models")) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "multirun"], "Hydra writes nothing else"
    bad = subprocess.run([*cli, *paths, "train.labels=silver"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("claimsift train: train.labels='silver'")


def test_no_validation_sentences_returns_nan(records, tmp_path):
    """Nothing to monitor: NaN (a sweeper marks the trial failed), and the run is still written."""
    import math

    no_val = [{**r, "split": "train" if r["split"] == "validation" else r["split"]} for r in records]
    data = write_dataset(tmp_path / "noval", no_val, [], {}, {}, "")
    assert math.isnan(train(cfg_for(data, tmp_path / "models")))
    assert len(run_dirs(tmp_path / "models")) == 1


@pytest.mark.slow
def test_optuna_sweep_tunes_the_baseline_c(dataset, tmp_path):
    """experiment=sweep_baseline: two Optuna trials, each a run folder, the best C by val/macro_f1."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "claimsift.train", "-m", "experiment=sweep_baseline",
                           "hydra.sweeper.n_trials=2", f"dataset_dir={dataset}", f"out_root={tmp_path / 'models'}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    runs = run_dirs(tmp_path / "models")
    assert len(runs) == 2
    cs = [OmegaConf.load(r / "config.yaml").model.classify.C for r in runs]
    assert len(set(cs)) == 2 and all(0.01 <= c <= 100 for c in cs)
    (results,) = (tmp_path / "multirun").glob("*/optimization_results.yaml")
    best = OmegaConf.load(results)
    scores = [json.loads((r / "metrics.json").read_text())["val/macro_f1"] for r in runs]
    assert best.best_value == max(scores) and best.best_params["model.classify.C"] in cs


@pytest.mark.slow
def test_tiny_transformer_run_folder(dataset, tmp_path):
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from claimsift.models.transformer import packaged_model_path

    tok = AutoTokenizer.from_pretrained(packaged_model_path())
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64)).save_pretrained(tmp_path / "tiny")
    tok.save_pretrained(tmp_path / "tiny")
    train(cfg_for(dataset, tmp_path / "models", "task=extract", "model=transformer",
                  f"model.path={tmp_path / 'tiny'}", "model.extract.epochs=2", "model.params.progress=false"))
    run = tmp_path / "models" / "extract-transformer-seeds-latest"
    metrics = json.loads((run / "metrics.json").read_text())
    assert {p.name for p in run.iterdir()} == RUN_FILES and "val/f1_SOURCE" in metrics
    assert "eval_macro_f1" in (run / "train.log").read_text(), "per-epoch validation lines reach train.log"
    model = load_model(run / "model")
    assert model.model_.config.id2label[0] == "O"


def test_extract_metrics_without_any_span_are_zero_not_nan():
    from claimsift.train import validation_metrics

    class NoSpans:
        task = "extract"

        def predict(self, texts):
            return [[] for _ in texts]

    record = {"sent_id": "a:000", "text": "Nothing here.", "spans": [], "gold_spans": None}
    metrics = validation_metrics(compose("train", ["task=extract", "train.labels=weak"]), NoSpans(), [record])
    assert metrics["val/macro_f1"] == 0.0 and metrics["val/f1_SOURCE"] == 0.0


def test_validation_metrics_name_every_class(records):
    """Per-class keys for every class, also one absent from the validation truth and the predictions."""
    from claimsift.train import validation_metrics

    class Background:
        task = "classify"
        classes_ = ["allegation", "attributed_claim", "background", "official_statement"]

        def predict_proba(self, texts):
            import numpy as np

            return np.tile([0.1, 0.2, 0.6, 0.1], (len(texts), 1))

    val = [r for r in records if r["weak_label"] in ("background", "attributed_claim")][:6]
    metrics = validation_metrics(compose("train", ["train.labels=weak"]), Background(), val)
    assert {f"val/f1_{c}" for c in Background.classes_} <= set(metrics)
    assert metrics["val/f1_allegation"] == metrics["val/f1_official_statement"] == 0.0
    assert metrics["val/n"] == 6 and metrics["val/loss"] > 0 and "val/ece" in metrics
    assert not any(k.endswith(("_lo", "_hi")) for k in metrics), "no intervals at training time (val.n_resamples=0)"


@pytest.mark.slow
@pytest.mark.parametrize("verbose", [False, True])
def test_transformer_training_is_quiet_unless_verbose(dataset, tmp_path, tiny_bert, capfd, caplog, verbose):
    """One bar per long step (train, validate); no load report, weight bars or printed Trainer logs by default."""
    train(cfg_for(dataset, tmp_path, "model=transformer", f"model.path={tiny_bert}", "++model.classify.epochs=1",
                  f"verbose={str(verbose).lower()}"))
    out = capfd.readouterr()
    shown = out.out + out.err
    noise = ("Loading weights", "'eval_loss'", "'train_runtime'")
    assert [n for n in noise if n in shown] == (list(noise) if verbose else []), shown
    assert ("LOAD REPORT" in caplog.text) == verbose  # transformers' warning that the new head is untrained
    if not verbose:
        bars = {line.split(":")[0] for line in shown.replace("\r", "\n").splitlines() if "%|" in line}
        assert bars == {"train", "validate"}
        run = run_dirs(tmp_path)[0]
        assert "eval_macro_f1" in (run / "train.log").read_text(), "the Trainer's numbers still reach train.log"


def test_validation_cap_samples_the_validation_split(dataset, tmp_path):
    from claimsift.train import sample_examples
    from claimsift.train.data import examples

    records = [{"text": f"s{i}", "gold_label": "background", "weak_label": "background", "sent_id": f"d:{i}"}
               for i in range(10)]
    ex = examples(records, "classify", "weak")
    small = sample_examples(ex, 4, seed=3)
    assert len(small) == 4 and small.sent_ids == sorted(small.sent_ids, key=lambda s: int(s.split(":")[1]))
    assert sample_examples(ex, 4, seed=3).sent_ids == small.sent_ids and sample_examples(ex, None, 3) is ex
    train(cfg_for(dataset, tmp_path, "train.max_validation=1"))
    data = json.loads(next(p for p in tmp_path.iterdir() if not p.is_symlink()).joinpath("data.json").read_text())
    assert data["n_validation"] == 1


def test_source_repeats_weigh_a_source_and_refuse_a_bad_count(records, tmp_path):
    from claimsift.train import training_examples
    from claimsift.train.data import check_config

    train = [dict(r, source="written" if i % 3 == 0 else "polnear")
             for i, r in enumerate(x for x in records if x["split"] == "train")]
    written = sum(r["source"] == "written" for r in train)
    assert 0 < written < len(train)
    base = training_examples(cfg_for(tmp_path, tmp_path), train)
    more = training_examples(cfg_for(tmp_path, tmp_path, "train.source_repeats={written: 3}"), train)
    assert len(more) == len(base) + 2 * written
    ids = {r["sent_id"] for r in train if r["source"] == "written"}
    assert all(more.sent_ids.count(i) == 3 for i in ids)
    assert all(more.sent_ids.count(r["sent_id"]) == 1 for r in train if r["source"] == "polnear")
    for bad in ("0", "1.5", "true"):
        with pytest.raises(ValueError, match=r"train.source_repeats.written="):
            check_config(cfg_for(tmp_path, tmp_path, f"train.source_repeats={{written: {bad}}}"))
