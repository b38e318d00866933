"""A tiny tagger trains on a brat fixture with nested attributions ("X said Y told him ...").

The fixture (tests/fixtures/brat_nested/, fictional news written for this
test) is read the way ``claimsift label data=polnear`` reads PolNeAR: the
polnear data config with ``data.path`` pointed at the fixture. Its train
compartment holds three attributions nested in another's CONTENT (nine nested
spans), its dev compartment one (three). The dataset is built, a CRF and a
tiny random BERT are trained on it from config, and the checks are: the nested
gold spans are in the truth the evaluator scores, the training targets report
the nested spans they leave out, and the trained taggers predict.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from claimsift.config import compose
from claimsift.data.tokens import span_layers, tokenize
from claimsift.io import read_jsonl
from claimsift.labels import BIO_TAGS, SPAN_TYPES

FIXTURE = Path(__file__).parent / "fixtures" / "brat_nested"
NESTED_TRAIN, NESTED_DEV = 9, 3  # three nested attributions in train, one in dev, three spans each
# The dev sentence with the nested attribution, and what its inner attribution is.
DEV_NESTED = "The coast guard said the captain told officers the engine had failed twice."
DEV_INNER = {("SOURCE", "the captain"), ("CUE", "told"), ("CONTENT", "the engine had failed twice")}
# A training sentence the CRF, trained lightly regularised on this tiny set, has to give back.
TRAIN_SENTENCE = "City engineers said the bridge was unsafe after the flood."


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from claimsift.label import label

    out = tmp_path_factory.mktemp("nested") / "built"
    label(compose("label", ["data=polnear", f"data.path={FIXTURE}", "data.name=nested", "data.labels=null",
                            f"out_dir={out}", "label_model.kind=majority"]))
    return out


def train_cfg(built: Path, models: Path, *overrides: str):
    return compose("train", ["task=extract", "data=polnear", "data.name=nested", "data.labels=null",
                             f"dataset_dir={built}", f"out_root={models}", "train.labels=gold", "seed=0",
                             *overrides])


def records(built: Path, split: str) -> list[dict]:
    return [r for r in read_jsonl(built / "sentences.jsonl") if r["split"] == split]


def the_run(models: Path) -> Path:
    (run,) = [p for p in models.iterdir() if not p.is_symlink() and not p.name.startswith(".")]
    return run


def test_the_reader_keeps_nested_gold_spans(built):
    summary = json.loads((built / "summary.json").read_text())
    assert summary["split_articles"] == {"train": 4, "validation": 1, "test": 0}
    # counted, not dropped: per nested attribution the outer CONTENT and the three spans inside it
    assert summary["read"]["train"]["overlapping_pieces"] == 4 * 3
    assert summary["read"]["validation"]["overlapping_pieces"] == 4
    for split, nested in (("train", NESTED_TRAIN), ("validation", NESTED_DEV)):
        layers = [span_layers(tokenize(r["text"]), r["gold_spans"]) for r in records(built, split)]
        assert sum(len(layer) for ls in layers for layer in ls[1:]) == nested, split
        assert max(len(ls) for ls in layers) == 2
    (dev,) = [r for r in records(built, "validation") if r["text"] == DEV_NESTED]
    assert DEV_INNER <= {(s["type"], s["text"]) for s in dev["gold_spans"]}
    assert len({s["attr"] for s in dev["gold_spans"]}) == 2  # two attributions, not one


@pytest.fixture(scope="module")
def crf_run(built, tmp_path_factory) -> Path:
    from claimsift.train import train

    models = tmp_path_factory.mktemp("crf-models")
    # Lightly regularised so that five tiny articles are enough to learn from (and to overfit).
    train(train_cfg(built, models, "model=baseline", "model.extract.c1=0.0", "model.extract.c2=0.01"))
    return the_run(models)


def test_training_targets_report_the_nested_spans_they_leave_out(built, crf_run):
    data = json.loads((crf_run / "data.json").read_text())
    assert data["nested_spans_not_in_targets"] == NESTED_TRAIN
    assert data["n_train"] == len(records(built, "train"))  # no sentence dropped for holding a nested span
    assert f"{NESTED_TRAIN} nested spans" in (crf_run / "train.log").read_text()


def test_nested_gold_spans_reach_the_evaluation_truth(built, crf_run):
    from claimsift.evaluate import evaluate

    metrics = evaluate(compose("evaluate", [f"run={crf_run}", "split=validation", "eval.n_resamples=20",
                                            f"out_dir={crf_run / 'eval-dev'}"]))
    gold = [s for r in records(built, "validation") for s in r["gold_spans"]]
    for typ in SPAN_TYPES:  # every layer is scored: the nested CUE, SOURCE and CONTENT count too
        assert metrics[f"val/support_{typ}"] == sum(s["type"] == typ for s in gold)
    assert sum(metrics[f"val/support_{t}"] for t in SPAN_TYPES) == 9  # 6 outer + 3 nested
    scored = {r["text"]: r for r in read_jsonl(crf_run / "eval-dev" / "predictions.jsonl")}
    assert DEV_INNER <= {(s["type"], s["text"]) for s in scored[DEV_NESTED]["spans"]}
    # the same truth at training time: metrics.json's validation support counts the nested spans
    saved = json.loads((crf_run / "metrics.json").read_text())
    assert all(saved[f"val/support_{t}"] == metrics[f"val/support_{t}"] for t in SPAN_TYPES)


def check_predictions(model, texts: list[str]) -> None:
    spans = model.predict(texts)
    assert len(spans) == len(texts)
    for text, sent in zip(texts, spans):
        for s in sent:
            assert s["type"] in SPAN_TYPES and 0 <= s["start"] < s["end"] <= len(text)
            assert s["text"] == text[s["start"]:s["end"]] and isinstance(s["attr"], int)
    proba = model.predict_proba(texts)
    assert [np.asarray(p).shape for p in proba] == [(len(tokenize(t)), len(BIO_TAGS)) for t in texts]


def test_the_crf_predicts_and_recovers_a_training_sentence(built, crf_run):
    from claimsift.models import load_model
    from claimsift.train.data import outer_spans

    model = load_model(crf_run / "model")
    check_predictions(model, [r["text"] for r in records(built, "validation")] + ["", "No one spoke."])
    (rec,) = [r for r in records(built, "train") if r["text"] == TRAIN_SENTENCE]
    want, _ = outer_spans(rec["text"], rec["gold_spans"])
    (got,) = model.predict([TRAIN_SENTENCE])
    assert [(s["type"], s["start"], s["end"]) for s in got] == [(s["type"], s["start"], s["end"]) for s in want]
    assert len({s["attr"] for s in got}) == 1  # one attribution: SOURCE and CONTENT grouped with their CUE


@pytest.mark.slow
def test_a_tiny_transformer_tagger_trains_on_the_fixture(built, tiny_bert, tmp_path):
    from claimsift.models import load_model
    from claimsift.train import train

    models = tmp_path / "models"
    train(train_cfg(built, models, "model=transformer", f"model.path={tiny_bert}", "model.extract.epochs=1",
                    "model.params.progress=false", "model.params.batch_size=8"))
    run = the_run(models)
    assert json.loads((run / "data.json").read_text())["nested_spans_not_in_targets"] == NESTED_TRAIN
    metrics = json.loads((run / "metrics.json").read_text())
    assert sum(metrics[f"val/support_{t}"] for t in SPAN_TYPES) == 9  # the nested dev spans are scored
    check_predictions(load_model(run / "model"), [r["text"] for r in records(built, "validation")])
