"""The four models behind one interface: fit, predict, predict_proba, save → load_model → same outputs.

Transformers here are tiny random BERTs (hidden 32, 2 layers) with the MiniLM
tokenizer, except the one test that loads the real packaged weights.
"""

import numpy as np
import pytest

from claimsift.config import CONFIG_DIR, compose
from claimsift.data.tokens import tokenize
from claimsift.io import read_jsonl
from claimsift.labels import BIO_TAGS, CLASSES
from claimsift.models import load_model
from claimsift.models.base import MODEL_META
from claimsift.train import build_model


@pytest.fixture(scope="module")
def records(request):
    from conftest import FIXTURES

    return read_jsonl(FIXTURES / "train_sentences.jsonl")


def model_for(task, model, *overrides):
    return build_model(compose("train", [f"task={task}", f"model={model}", *overrides]))


def split(records, name):
    return [r for r in records if r["split"] == name]


def test_baseline_classifier_round_trip(records, tmp_path):
    train = split(records, "train")
    model = model_for("classify", "baseline").fit([r["text"] for r in train], [r["weak_label"] for r in train])
    texts = [r["text"] for r in split(records, "validation")]
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(CLASSES)) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(texts)) <= set(CLASSES)
    model.save(tmp_path / "m")
    assert (tmp_path / "m" / MODEL_META).is_file()
    again = load_model(tmp_path / "m")
    assert type(again) is type(model)
    np.testing.assert_array_equal(again.predict_proba(texts), proba)
    assert again.predict(texts) == model.predict(texts)


def test_baseline_same_seed_same_model(records):
    train = split(records, "train")
    texts, labels = [r["text"] for r in train], [r["weak_label"] for r in train]
    a = model_for("classify", "baseline", "seed=3").fit(texts, labels)
    b = model_for("classify", "baseline", "seed=3").fit(texts, labels)
    np.testing.assert_array_equal(a.pipeline_[-1].coef_, b.pipeline_[-1].coef_)
    c = model_for("extract", "baseline", "seed=3").fit(texts, [r["spans"] for r in train])
    d = model_for("extract", "baseline", "seed=3").fit(texts, [r["spans"] for r in train])
    assert c.crf_.state_features_ == d.crf_.state_features_


def test_baseline_classifier_keeps_all_class_columns_and_rejects_unknown_labels(records):
    train = [r for r in split(records, "train") if r["weak_label"] != "allegation"]
    model = model_for("classify", "baseline").fit([r["text"] for r in train], [r["weak_label"] for r in train])
    proba = model.predict_proba(["The ministry said the road would reopen."])
    assert proba.shape == (1, 4) and proba[0, CLASSES.index("allegation")] == 0
    with pytest.raises(ValueError, match="unknown label 'rumour'"):
        model_for("classify", "baseline").fit(["a", "b"], ["background", "rumour"])


def test_baseline_soft_labels_weight_the_argmax(records):
    train = split(records, "train")
    soft = np.array([r["weak_probs"] for r in train])
    model = model_for("classify", "baseline").fit([r["text"] for r in train], [r["weak_label"] for r in train],
                                                  soft_labels=soft)
    assert model.predict_proba([train[0]["text"]]).shape == (1, 4)
    with pytest.raises(ValueError, match="soft labels: shape"):
        model_for("classify", "baseline").fit(["a", "b"], ["background", "allegation"], soft_labels=soft)


def test_crf_spans_round_trip(records, tmp_path):
    train = split(records, "train")
    model = model_for("extract", "baseline").fit([r["text"] for r in train], [r["spans"] for r in train])
    texts = [r["text"] for r in split(records, "validation")]
    spans = model.predict(texts)
    assert any(spans), "the CRF should find spans in sentences built like its training data"
    for text, sent in zip(texts, spans):
        for s in sent:
            assert s["text"] == text[s["start"]:s["end"]] and 0 <= s["score"] <= 1
    proba = model.predict_proba(texts)
    assert [p.shape for p in proba] == [(len(tokenize(t)), len(BIO_TAGS)) for t in texts]
    model.save(tmp_path / "crf")
    again = load_model(tmp_path / "crf")
    assert again.predict(texts) == spans
    with pytest.raises(ValueError, match="no sentence has an attribution span"):
        model_for("extract", "baseline").fit(["Nothing here."], [[]])


def test_crf_rejects_class_weights():
    with pytest.raises(ValueError, match="CRF has no class weights"):
        model_for("extract", "baseline", "task.balance=weights")


def test_subword_alignment_labels_first_piece_only():
    from claimsift.models.transformer import IGNORE, TransformerSpanModel

    word_ids = [None, 0, 1, 1, 1, 2, None]
    assert TransformerSpanModel._align(word_ids, [5, 3, 0]) == [IGNORE, 5, 3, IGNORE, IGNORE, 0, IGNORE]


@pytest.mark.slow
@pytest.mark.parametrize("task", ["classify", "extract"])
def test_tiny_transformer_trains_and_round_trips(task, records, tiny_bert, tmp_path):
    model = model_for(task, "transformer", f"model.path={tiny_bert}", "model.params.epochs=1",
                      "model.params.progress=false", f"model.params.work_dir={tmp_path}")
    train, val = split(records, "train")[:24], split(records, "validation")
    key = "weak_label" if task == "classify" else "spans"
    if task == "classify":
        model.fit([r["text"] for r in train], [r[key] for r in train],
                  eval_texts=[r["text"] for r in val], eval_labels=[r[key] for r in val])
    else:
        model.fit([r["text"] for r in train], [r[key] for r in train],
                  eval_texts=[r["text"] for r in val], eval_spans=[r[key] for r in val])
    assert model.history_, "the Trainer ran"
    assert list(tmp_path.iterdir()) == [], "checkpoints live in a temporary folder that is removed"
    texts = [r["text"] for r in val]
    proba = model.predict_proba(texts)
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    if task == "classify":
        assert proba.shape == (len(texts), 4)
        assert set(model.class_offsets_) == set(CLASSES), "fitted on the validation sentences"
        assert again.class_offsets_ == model.class_offsets_
        assert again.model_.config.id2label == dict(enumerate(CLASSES))
        np.testing.assert_allclose(again.predict_proba(texts), proba, atol=1e-5)
        assert again.predict(texts) == model.predict(texts)
    else:
        assert [p.shape for p in proba] == [(len(tokenize(t)), len(BIO_TAGS)) for t in texts]
        assert again.model_.config.id2label == dict(enumerate(BIO_TAGS))
        assert set(model.span_thresholds_) == {"CONTENT", "CUE", "SOURCE"}, "fitted on the validation spans"
        assert again.span_thresholds_ == model.span_thresholds_
        for a, b in zip(again.predict_proba(texts), proba):
            np.testing.assert_allclose(a, b, atol=1e-5)
        assert [[(s["type"], s["start"], s["end"]) for s in x] for x in again.predict(texts)] == \
               [[(s["type"], s["start"], s["end"]) for s in x] for x in model.predict(texts)]


@pytest.mark.slow
def test_tiny_transformer_learns_soft_targets(records, tiny_bert):
    train = split(records, "train")[:16]
    model = model_for("classify", "transformer", f"model.path={tiny_bert}", "model.params.epochs=1",
                      "model.params.progress=false")
    model.fit([r["text"] for r in train], [r["weak_label"] for r in train],
              soft_labels=np.array([r["weak_probs"] for r in train]))
    losses = [h["loss"] for h in model.history_ if "loss" in h]
    assert losses and np.isfinite(losses).all()


@pytest.mark.slow
def test_packaged_minilm_loads_and_trains_one_step(records, tmp_path):
    train = split(records, "train")[:8]
    model = model_for("classify", "transformer", "++model.classify.epochs=1", "model.params.batch_size=8",
                      "model.params.progress=false")
    model.fit([r["text"] for r in train], [r["weak_label"] for r in train])
    steps = [h for h in model.history_ if "train_runtime" in h]
    assert model.model_.config.hidden_size == 384 and model.model_.config.num_hidden_layers == 6
    assert steps and model.epochs_trained_ == 1
    assert model.predict_proba([train[0]["text"]]).shape == (1, 4)


def test_model_path_must_be_a_hf_folder(tmp_path):
    from claimsift.models.transformer import resolve_model_path

    with pytest.raises(FileNotFoundError, match="model.path=.*no config.json"):
        resolve_model_path(tmp_path)


@pytest.mark.slow
def test_trainer_arguments_come_from_config(records, tiny_bert, monkeypatch):
    """precision, gradient_accumulation_steps and lr_scheduler_type reach TrainingArguments from the model config."""
    import claimsift.models.transformer as tr

    seen = []
    original = tr.Trainer.__init__

    def recording(self, *args, **kwargs):
        seen.append(kwargs["args"])
        original(self, *args, **kwargs)

    monkeypatch.setattr(tr.Trainer, "__init__", recording)
    model = model_for("classify", "transformer", f"model.path={tiny_bert}", "++model.classify.epochs=1",
                      "model.params.progress=false", "model.params.batch_size=4",
                      "++model.classify.learning_rate=3e-4", "model.params.gradient_accumulation_steps=2",
                      "model.params.lr_scheduler_type=cosine")
    train = split(records, "train")[:8]
    model.fit([r["text"] for r in train], [r["weak_label"] for r in train])
    (args,) = seen
    assert args.gradient_accumulation_steps == 2 and args.lr_scheduler_type == "cosine"
    assert args.num_train_epochs == 1 and args.learning_rate == 3e-4
    assert args.fp16 is False and args.bf16 is False  # precision: null, the default
    assert model.history_[-1]["step"] == 1, "8 sentences in batches of 4, two batches per optimizer step"


def test_precision_is_checked_against_the_machine(monkeypatch):
    import torch

    from claimsift.models.transformer import precision_flags

    assert precision_flags(None) == {"fp16": False, "bf16": False}
    with pytest.raises(ValueError, match="precision='fp8'"):
        precision_flags("fp8")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="precision=fp16: mixed precision needs a CUDA GPU"):
        precision_flags("fp16")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert precision_flags("fp16") == {"fp16": True, "bf16": False}
    with pytest.raises(ValueError, match="precision=bf16: this GPU has no bfloat16"):
        precision_flags("bf16")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert precision_flags("bf16") == {"fp16": False, "bf16": True}
    model = model_for("classify", "transformer", "model.params.precision=bf16")
    assert model.precision == "bf16"


@pytest.mark.slow
def test_training_resumes_from_a_checkpoint(records, tiny_bert, tmp_path, monkeypatch):
    """A checkpoint left by a run (as a killed one leaves it) is resumed: only the remaining epoch is trained."""
    import contextlib

    import claimsift.models.transformer as tr

    kept = tmp_path / "kept"

    @contextlib.contextmanager
    def kept_dir(prefix, dir):  # the temporary folder of a run that was killed: never removed
        kept.mkdir()
        yield str(kept)

    train, val = split(records, "train")[:8], split(records, "validation")[:4]
    texts, labels = [r["text"] for r in train], [r["weak_label"] for r in train]
    eval_kw = dict(eval_texts=[r["text"] for r in val], eval_labels=[r["weak_label"] for r in val])
    base = [f"model.path={tiny_bert}", "model.params.progress=false", "model.params.batch_size=4",
            "model.classify.calibrate=false"]
    monkeypatch.setattr(tr.tempfile, "TemporaryDirectory", kept_dir)
    model_for("classify", "transformer", *base, "++model.classify.epochs=1").fit(texts, labels, **eval_kw)
    monkeypatch.undo()
    (checkpoint,) = kept.glob("checkpoint-*")
    assert (checkpoint / "optimizer.pt").is_file(), "checkpoints hold the optimizer state"

    steps = []
    original = tr.Trainer.training_step

    def counting(self, *args, **kwargs):
        steps.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(tr.Trainer, "training_step", counting)
    resumed = model_for("classify", "transformer", *base, "++model.classify.epochs=2",
                        f"model.params.resume_from={checkpoint}")
    resumed.fit(texts, labels, **eval_kw)
    assert len(steps) == 2 and resumed.epochs_trained_ == 2, "epoch 1 came from the checkpoint, epoch 2 trained"
    with pytest.raises(ValueError, match="resume_from=.*not a Trainer checkpoint"):
        model_for("classify", "transformer", *base, f"model.params.resume_from={tmp_path}").fit(texts, labels)


def _model_classes():
    from claimsift.models.baseline import CrfSpanModel, TfidfClassifier
    from claimsift.models.contrastive import ContrastiveClassifier
    from claimsift.models.structured import StructuredClassifier
    from claimsift.models.transformer import TransformerClassifier, TransformerSpanModel

    return [TfidfClassifier, CrfSpanModel, StructuredClassifier, ContrastiveClassifier, TransformerClassifier,
            TransformerSpanModel]


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda c: c.__name__)
def test_constructors_take_hyperparameters_keyword_only_and_required(cls):
    """No constructor default can disagree with configs/model/*.yaml: only what train passes has one."""
    import inspect

    from claimsift.models.base import param_names

    for klass in cls.__mro__:
        if "__init__" not in vars(klass) or not klass.__module__.startswith("claimsift.models."):
            continue
        for p in inspect.signature(vars(klass)["__init__"]).parameters.values():
            if p.name == "self" or p.kind is p.VAR_KEYWORD:
                continue
            assert p.kind is p.KEYWORD_ONLY, f"{klass.__name__}({p.name}) is not keyword-only"
            if p.name in ("seed", "class_weight", "scheme"):  # what train passes
                continue
            assert p.default is p.empty, f"{klass.__name__}({p.name}={p.default!r}) has a default"
    assert {"seed", "class_weight", "scheme"} < set(param_names(cls))
    with pytest.raises(TypeError, match="required keyword-only"):
        cls()


@pytest.mark.parametrize("model", sorted(p.stem for p in (CONFIG_DIR / "model").glob("*.yaml")))
@pytest.mark.parametrize("task", ["classify", "extract"])
def test_every_hyperparameter_is_in_the_config_and_reaches_the_model(task, model):
    from omegaconf import OmegaConf

    from claimsift.models.base import param_names
    from claimsift.scheme import load_scheme

    cfg = compose("train", [f"task={task}", f"model={model}", "task.balance=none"])
    if task not in cfg.model:
        pytest.skip(f"model={model} has no {task} section")
    section = OmegaConf.to_container(cfg.model, resolve=True)
    spec = {**section.get("params", {}), **section[task]}
    spec.pop("_target_")
    built = build_model(cfg)
    assert set(param_names(type(built))) - {"seed", "class_weight", "scheme"} == set(spec), \
        f"configs/model/{model}.yaml and {type(built).__name__}'s arguments differ"
    assert built.scheme == load_scheme(cfg.scheme).spec()  # train passes the scheme: the model's outputs
    for key, value in spec.items():
        assert getattr(built, key) == (tuple(value) if isinstance(value, list) else value), key


def test_config_values_reach_the_estimators(records):
    clf = model_for("classify", "baseline", "model.classify.C=0.25", "model.classify.word_ngram_range=[1,3]",
                    "model.classify.char_ngram_range=[2,4]")
    pipe = clf._pipeline()
    blocks = dict(pipe.named_steps["features"].transformer_list)
    assert pipe.named_steps["clf"].C == 0.25
    assert blocks["word"].ngram_range == (1, 3) and blocks["char"].ngram_range == (2, 4)
    train = split(records, "train")
    crf = model_for("extract", "baseline", "task.balance=none", "model.extract.c1=0.3",
                    "model.extract.max_iterations=5")
    crf.fit([r["text"] for r in train], [r["spans"] for r in train])
    assert crf.crf_.c1 == 0.3 and crf.crf_.max_iterations == 5
    structured = model_for("classify", "structured", "model.classify.C=0.5", "model.classify.max_iter=77")
    assert structured._lr().C == 0.5 and structured._lr().max_iter == 77
