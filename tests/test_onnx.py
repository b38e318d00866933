"""predict.backend=onnx / onnx-fp32: the same classes and spans as the torch model, a cache in the run folder
that is reused and rebuilt when the model changes, baselines falling back, and the predict stage's records.

The runs are tiny random BERTs (tests/conftest.py's ``tiny_bert``) with their weights scaled up so
their classes differ between sentences by clear margins, saved as the train stage saves them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from claimsift.config import compose
from claimsift.models import load_model
from claimsift.predict import predict
from claimsift.predict.onnx import CACHE_DIR, Recipe, with_onnx
from claimsift.predict.runs import load_run_model
from claimsift.train import build_model

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES))

from conftest import stub_predict_cfg  # noqa: E402
from predict_stub_models import StubClassifier, make_run  # noqa: E402

TEXTS = ["The minister said the bridge will reopen on Monday.", "He allegedly ordered the attack, police said.",
         "Rain fell.", "According to reporters who saw the convoy near the border crossing, the talks failed.",
         "Witnesses accused the militia of killing two men in the village.", "The army said it repelled the raid.",
         "Prices rose.", "\"We will not leave,\" the mayor told reporters on Tuesday evening."]


def tiny_run(models_dir: Path, task: str, tiny_bert: Path, name: str) -> Path:
    """A run of ``task`` holding a random tiny BERT whose head is scaled up, with data.json naming the
    fixture sentences (SmoothQuant's calibration data)."""
    model = build_model(compose("train", [f"task={task}", "model=transformer", f"model.path={tiny_bert}"]))
    model._init_model()
    with torch.no_grad():  # larger weights: outputs that differ between sentences, by clear margins
        for module in model.model_.modules():
            if isinstance(module, torch.nn.Linear):
                module.weight.mul_(10.0)
        model.model_.classifier.weight.mul_(20.0)
    model.temperature_ = 1.0
    run = make_run(models_dir, task, model, "2024-01-01T00:00:00", name=name)
    (run / "data.json").write_text(json.dumps({"dataset_dir": str(FIXTURES / "train_sentences.jsonl"),
                                               "splits": {"train": "train"}, "fingerprint": "fixture"}))
    return run


@pytest.fixture(scope="module")
def runs(tiny_bert, tmp_path_factory) -> dict[str, Path]:
    models = tmp_path_factory.mktemp("onnx-models")
    return {task: tiny_run(models, task, tiny_bert, f"{task}-transformer-mix-20240101") for task in ("classify", "extract")}


def spans_of(model, texts):
    return [[(s["type"], s["start"], s["end"]) for s in x] for x in model.predict(texts)]


def test_fp32_export_gives_the_native_outputs(runs):
    native = load_run_model(runs["classify"], "classify")
    onnx = load_run_model(runs["classify"], "classify", backend="onnx-fp32")
    assert onnx.classes_ == native.classes_
    np.testing.assert_allclose(onnx.predict_proba(TEXTS), native.predict_proba(TEXTS), atol=1e-4)
    assert len({*native.predict(TEXTS)}) > 1, "the test sentences must not all get one class"

    native_x = load_run_model(runs["extract"], "extract")
    onnx_x = load_run_model(runs["extract"], "extract", backend="onnx-fp32")
    assert any(spans_of(native_x, TEXTS)), "the tiny extractor must find some span"
    assert spans_of(onnx_x, TEXTS) == spans_of(native_x, TEXTS)
    for a, b in zip(onnx_x.predict_proba(TEXTS), native_x.predict_proba(TEXTS)):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_int8_mostly_agrees(runs, capfd):
    native = load_run_model(runs["classify"], "classify")
    int8 = load_run_model(runs["classify"], "classify", backend="onnx")
    assert "quantizing without smoothing" not in capfd.readouterr().err, "the fixture sentences calibrate it"
    a, b = native.predict_proba(TEXTS), int8.predict_proba(TEXTS)
    assert np.mean(a.argmax(1) == b.argmax(1)) >= 0.75
    assert not np.allclose(a, b, atol=1e-6), "int8 is a different network, not the fp32 one"

    native_x = load_run_model(runs["extract"], "extract")
    int8_x = load_run_model(runs["extract"], "extract", backend="onnx")
    same = [x == y for x, y in zip(spans_of(int8_x, TEXTS), spans_of(native_x, TEXTS))]
    assert np.mean(same) >= 0.75


def test_cache_is_reused_and_rebuilt_when_the_model_changes(tiny_bert, tmp_path, monkeypatch, capfd):
    import claimsift.predict.onnx as onnx_mod

    run = tiny_run(tmp_path / "models", "classify", tiny_bert, "classify-transformer-mix-20240102")
    first = load_run_model(run, "classify", backend="onnx")
    cache = run / CACHE_DIR
    assert sorted(p.name for p in cache.iterdir()) == ["model.int8.json", "model.int8.onnx"], "no temporary left"
    assert "exporting" in capfd.readouterr().err
    built = (cache / "model.int8.onnx").stat().st_mtime_ns

    real_build = onnx_mod.build
    monkeypatch.setattr(onnx_mod, "build", lambda *a: pytest.fail("a fresh cache was rebuilt"))
    again = load_run_model(run, "classify", backend="onnx")
    np.testing.assert_array_equal(again.predict_proba(TEXTS), first.predict_proba(TEXTS))
    assert (cache / "model.int8.onnx").stat().st_mtime_ns == built

    model = load_model(run / "model")  # the run is retrained: other weights, same folder
    with torch.no_grad():
        model.model_.classifier.bias.add_(torch.tensor([5.0, -5.0, 0.0, 0.0]))
    model.save(run / "model")
    calls = []
    monkeypatch.setattr(onnx_mod, "build", lambda *a: calls.append(1) or real_build(*a))
    new = load_run_model(run, "classify", backend="onnx")
    assert calls == [1], "a stale cache is rebuilt"
    native = load_run_model(run, "classify")
    assert np.mean(new.predict_proba(TEXTS).argmax(1) == native.predict_proba(TEXTS).argmax(1)) >= 0.75
    assert sorted(p.name for p in cache.iterdir()) == ["model.int8.json", "model.int8.onnx"]


def test_classify_int8_keeps_the_first_ffn_outputs_fp32(runs):
    import onnx

    load_run_model(runs["classify"], "classify", backend="onnx")
    graph = onnx.load(str(runs["classify"] / CACHE_DIR / "model.int8.onnx")).graph
    kept = [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense" in n.name
            and "attention" not in n.name]
    assert kept and all("layer.0/" in n or "layer.1/" in n for n in kept), kept
    assert any(n.op_type == "MatMulInteger" for n in graph.node), "the rest is int8"
    extract = onnx.load(str(runs["extract"] / CACHE_DIR / "model.int8.onnx")).graph if \
        (runs["extract"] / CACHE_DIR / "model.int8.onnx").is_file() else None
    if extract is not None:  # extract keeps the plain recipe: every weighted MatMul quantized
        assert not [n for n in extract.node if n.op_type == "MatMul" and "layer.0/output/dense" in n.name]


def test_recipes_are_cached_apart(runs):
    variant = Recipe(per_channel=False, smooth_alpha=None)
    assert variant.name.startswith("model.int8-") and Recipe().name == "model.int8"
    with_onnx(load_run_model(runs["classify"], "classify"), runs["classify"], recipe=variant)
    assert (runs["classify"] / CACHE_DIR / f"{variant.name}.onnx").is_file()


def test_a_baseline_run_keeps_its_own_predict(tmp_path, capfd):
    run = make_run(tmp_path / "models", "classify", StubClassifier(), "2024-01-01T00:00:00")
    model = load_run_model(run, "classify", backend="onnx")
    assert isinstance(model, StubClassifier)
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not a transformer" in err[0] and str(run) in err[0]
    assert not (run / CACHE_DIR).exists()
    with pytest.raises(ValueError, match="predict.backend=tensorrt"):
        with_onnx(model, run, "tensorrt")


def test_predict_stage_writes_the_same_records(runs, tmp_path):
    args = [f"classify_run={runs['classify']}", f"extract_run={runs['extract']}"]
    out = {}
    for backend in ("native", "onnx-fp32", "onnx"):
        path = tmp_path / f"{backend}.jsonl"
        predict(stub_predict_cfg(runs["classify"].parent, FIXTURES / "predict_articles", path, *args,
                                 f"predict.backend={backend}"))
        out[backend] = [json.loads(line) for line in path.read_text().splitlines()]
    native = out["native"]
    assert native and all(r["label"] and r["spans"] is not None for r in native)
    for backend in ("onnx-fp32", "onnx"):
        assert [list(r) for r in out[backend]] == [list(r) for r in native]
        assert [(r["sent_id"], r["text"]) for r in out[backend]] == [(r["sent_id"], r["text"]) for r in native]
    assert [(r["label"], r["spans"]) for r in out["onnx-fp32"]] == [(r["label"], r["spans"]) for r in native]
    assert np.mean([a["label"] == b["label"] for a, b in zip(out["onnx"], native)]) >= 0.75


def test_a_run_folder_that_cannot_be_written_is_predicted_uncached(tiny_bert, tmp_path, monkeypatch, capfd):
    import errno

    import claimsift.predict.onnx as onnx_mod

    def read_only(path, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    run = tiny_run(tmp_path / "models", "classify", tiny_bert, "classify-transformer-mix-20240103")
    monkeypatch.setattr(onnx_mod, "atomic_path", read_only)
    model = load_run_model(run, "classify", backend="onnx-fp32")
    err = capfd.readouterr().err
    assert "cannot cache the ONNX model (" in err and "Read-only file system" in err
    assert not list(run.glob(f"{CACHE_DIR}/*.onnx"))
    assert model.predict(TEXTS) == load_run_model(run, "classify").predict(TEXTS)
