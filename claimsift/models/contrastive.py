"""Few-shot contrastive training in the SetFit style, with sentence-transformers.

    claimsift train task=classify model=contrastive

Two stages (Tunstall et al. 2022, "Efficient Few-Shot Learning Without
Prompts"):

1. **Contrastive fine-tuning** of the sentence encoder (all-MiniLM-L6-v2 by
   default, any local sentence-transformers or Hugging Face folder via
   ``model.path``) on sentence pairs drawn from the training set: two
   sentences of the same class are a positive pair (cosine target 1), of
   different classes a negative one (target 0); ``CosineSimilarityLoss``.
2. **A classification head**: a class-balanced logistic regression on the
   fine-tuned embeddings.

The ``setfit`` package pins APIs of transformers 4 that transformers 5
removed, so the two stages are built on sentence-transformers directly.
Pairs are sampled per class (``samples_per_class`` sentences each,
``pairs_per_sample`` pairs per sentence), seeded.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from claimsift.data.gold import check_label
from claimsift.models.base import ClassifierModel, param_names
from claimsift.scheme import labels_of

log = logging.getLogger("claimsift.train")
ENCODER_DIR = "encoder"
HEAD_FILE = "head.joblib"


def sample_pairs(texts: list[str], labels: list[str], *, samples_per_class: int, pairs_per_sample: int,
                 seed: int) -> tuple[list[str], list[str], list[float]]:
    """Positive and negative pairs, half each, anchored on up to ``samples_per_class`` sentences per class."""
    rng = np.random.RandomState(seed)
    by_class: dict[str, list[int]] = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    classes = sorted(by_class)
    a, b, score = [], [], []
    for c in classes:
        members = by_class[c]
        anchors = rng.choice(members, size=min(samples_per_class, len(members)), replace=False)
        others = [i for k in classes if k != c for i in by_class[k]]
        for i in anchors:
            for p in range(pairs_per_sample):
                positive = p % 2 == 0 or not others
                j = rng.choice(members) if positive else rng.choice(others)
                a.append(texts[i])
                b.append(texts[j])
                score.append(1.0 if positive else 0.0)
    return a, b, score


class ContrastiveClassifier(ClassifierModel):
    """Sentence encoder tuned on same/different-class pairs, then a logistic regression head."""

    def __init__(self, *, path: str | None, samples_per_class: int, pairs_per_sample: int, epochs: float,
                 batch_size: int, learning_rate: float, warmup: float, embed_batch_size: int, C: float, max_iter: int,
                 work_dir: str | None, progress: bool, class_weight: str | None = "balanced", seed: int = 0,
                 scheme: dict | None = None):
        self.path = path
        self.samples_per_class = samples_per_class
        self.pairs_per_sample = pairs_per_sample
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warmup = warmup
        self.embed_batch_size = embed_batch_size
        self.C = C
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.seed = seed
        self.work_dir = work_dir
        self.progress = progress
        self.scheme = scheme
        self.classes_ = labels_of(scheme)[0]

    def get_params(self) -> dict:
        return {k: getattr(self, k) for k in param_names(type(self))}

    def _encoder(self):
        import torch
        from sentence_transformers import SentenceTransformer

        from claimsift.models.transformer import resolve_model_path

        return SentenceTransformer(str(resolve_model_path(self.path)),
                                   device="cuda" if torch.cuda.is_available() else "cpu")

    def fit(self, texts, labels, *, soft_labels=None, eval_texts=None, eval_labels=None):
        """Stage 1 on sampled pairs, stage 2 on all training sentences; return self."""
        import torch
        from datasets import Dataset
        from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses
        from sklearn.linear_model import LogisticRegression

        from claimsift.models.transformer import quiet_trainer

        if soft_labels is not None:
            raise ValueError("model=contrastive: soft targets are not supported (train.soft_targets=false)")
        labels = [check_label(y, "training labels", self.classes_) for y in labels]
        if len(set(labels)) < 2:
            raise ValueError(f"training labels: need at least two classes, got {sorted(set(labels))}")
        self.encoder_ = self._encoder()
        a, b, score = sample_pairs(list(texts), labels, samples_per_class=self.samples_per_class,
                                   pairs_per_sample=self.pairs_per_sample, seed=self.seed)
        log.info("contrastive stage: %d pairs (%d positive)", len(score), int(sum(score)))
        pairs = Dataset.from_dict({"sentence1": a, "sentence2": b, "score": score})
        with tempfile.TemporaryDirectory(prefix="st-", dir=self.work_dir) as tmp:
            args = SentenceTransformerTrainingArguments(
                output_dir=tmp, num_train_epochs=self.epochs, per_device_train_batch_size=self.batch_size,
                learning_rate=self.learning_rate, warmup_steps=self.warmup, seed=self.seed, data_seed=self.seed,
                report_to="none", save_strategy="no", logging_strategy="epoch",
                use_cpu=not torch.cuda.is_available(), disable_tqdm=not self.progress)
            trainer = SentenceTransformerTrainer(model=self.encoder_, args=args, train_dataset=pairs,
                                                 loss=losses.CosineSimilarityLoss(self.encoder_))
            quiet_trainer(trainer, self.progress)
            trainer.train()
        x = self._embed(list(texts))
        self.head_ = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                        random_state=self.seed).fit(x, labels)
        return self

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.encoder_.encode(texts, batch_size=self.embed_batch_size, normalize_embeddings=True,
                                    show_progress_bar=False, convert_to_numpy=True)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        return self.in_class_order(self.head_.predict_proba(self._embed(list(texts))), self.head_.classes_)

    def save(self, path: str | Path) -> None:
        import joblib

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.encoder_.save(str(path / ENCODER_DIR))
        joblib.dump(self.head_, path / HEAD_FILE)
        self.write_model_meta(path, params=self.get_params(), **self.label_meta())

    @classmethod
    def load(cls, path: str | Path) -> "ContrastiveClassifier":
        import json

        import joblib
        import torch
        from sentence_transformers import SentenceTransformer

        from claimsift.models.base import MODEL_META, from_params

        path = Path(path)
        meta = json.loads((path / MODEL_META).read_text(encoding="utf-8"))
        self = from_params(cls, meta.get("params", {}))
        if not (path / ENCODER_DIR).is_dir() or not (path / HEAD_FILE).is_file():
            raise FileNotFoundError(f"{path}: no {ENCODER_DIR}/ or {HEAD_FILE} in the model folder")
        self.encoder_ = SentenceTransformer(str(path / ENCODER_DIR),
                                            device="cuda" if torch.cuda.is_available() else "cpu")
        self.head_ = joblib.load(path / HEAD_FILE)
        return self
