"""The interface every claimsift model implements, whatever it is inside.

Evaluation and prediction only use these methods, so they never ask which
model they hold:

- ``ClassifierModel`` (task=classify): sentence → one of its ``classes_``
  (the scheme's classes, sorted).
- ``SpanModel`` (task=extract): sentence → spans of the scheme's types (SOURCE
  / CUE / CONTENT for news), each ``{"type", "start", "end", "text",
  "score"}`` with offsets into the sentence.

Every model takes its scheme as ``scheme`` (the spec a dataset records,
:meth:`claimsift.scheme.Scheme.spec`; training passes it), which names its
outputs and, where the model uses them, its labeling functions.

``save(path)`` writes everything needed into the folder ``path`` (including
a ``claimsift_model.json`` naming the class); ``load_model(path)`` reads it
back without the caller knowing the class.
"""

from __future__ import annotations

import importlib
import inspect
import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_META = "claimsift_model.json"
ESTIMATOR_FILE = "estimator.joblib"  # models pickled whole (JoblibSaved)


class _Saveable(ABC):
    task: str = ""

    @abstractmethod
    def save(self, path: str | Path) -> None:
        """Write the model into folder ``path``; must call ``write_model_meta``."""

    @classmethod
    @abstractmethod
    def load(cls, path: str | Path) -> "_Saveable":
        """Read a model written by ``save``."""

    def write_model_meta(self, path: str | Path, **extra) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"class": f"{type(self).__module__}.{type(self).__qualname__}", "task": self.task, **extra}
        (path / MODEL_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


class ClassifierModel(_Saveable):
    """Sentence classifier. ``classes_`` is the sorted class list, the column order of ``predict_proba``."""

    task = "classify"
    classes_: list[str]

    @abstractmethod
    def fit(self, texts: Sequence[str], labels: Sequence[str], *, soft_labels: np.ndarray | None = None,
            eval_texts: Sequence[str] | None = None, eval_labels: Sequence[str] | None = None) -> "ClassifierModel":
        """Train on sentences and their class names; return self."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n_sentences, n_classes) probabilities, columns in ``classes_`` order."""

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable class name of each sentence."""
        if len(texts) == 0:
            return []
        proba = self.predict_proba(texts)
        return [self.classes_[i] for i in proba.argmax(axis=1)]

    def label_meta(self) -> dict:
        """The label map saved with the model: ``classes`` and ``label2id``."""
        return {"classes": self.classes_, "label2id": {c: i for i, c in enumerate(self.classes_)}}

    def in_class_order(self, proba: np.ndarray, fitted: Sequence[str]) -> np.ndarray:
        """``proba`` (columns in an estimator's ``fitted`` class order) with columns in ``classes_`` order.

        A class absent from training gets probability 0, so columns always follow ``classes_``.
        """
        out = np.zeros((len(proba), len(self.classes_)))
        for j, name in enumerate(fitted):
            out[:, self.classes_.index(name)] = proba[:, j]
        return out


class SpanModel(_Saveable):
    """Attribution span extractor over word tokens (``claimsift.data.tokens.tokenize``)."""

    task = "extract"
    tags_: list[str]

    @abstractmethod
    def fit(self, texts: Sequence[str], spans: Sequence[Sequence[dict]], *,
            eval_texts: Sequence[str] | None = None, eval_spans: Sequence[Sequence[dict]] | None = None) -> "SpanModel":
        """Train on sentences and their gold or weak spans; return self."""

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> list[np.ndarray]:
        """One (n_word_tokens, n_tags) array per sentence, columns in ``tags_`` order."""

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> list[list[dict]]:
        """Spans per sentence: ``{"type", "start", "end", "text", "score"}``, offsets into the sentence."""

    @property
    def span_types(self) -> list[str]:
        """The span types of ``tags_`` (``B-SOURCE`` → ``SOURCE``), sorted."""
        return sorted({t.split("-", 1)[1] for t in self.tags_ if "-" in t})

    def label_meta(self) -> dict:
        """The label map saved with the model: ``tags`` and ``label2id``."""
        return {"tags": self.tags_, "label2id": {t: i for i, t in enumerate(self.tags_)}}


class JoblibSaved:
    """``save`` / ``load`` of a model pickled whole with joblib (the scikit-learn and CRF models).

    Put it first among the bases: its methods are the abstract ones of ``ClassifierModel`` / ``SpanModel``.
    """

    def save(self, path: str | Path) -> None:
        import joblib

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path / ESTIMATOR_FILE)
        self.write_model_meta(path, **self.label_meta())

    @classmethod
    def load(cls, path: str | Path):
        import joblib

        file = Path(path) / ESTIMATOR_FILE
        if not file.is_file():
            raise FileNotFoundError(f"{path}: no {ESTIMATOR_FILE} in the model folder")
        model = joblib.load(file)
        if not isinstance(model, cls):
            raise ValueError(f"{file}: holds a {type(model).__name__}, expected {cls.__name__}")
        return model


def param_names(cls: type) -> list[str]:
    """The hyperparameters of ``cls``: the keyword-only arguments of its and its bases' constructors.

    Constructors take every hyperparameter keyword-only and required (the values live in
    ``configs/model/*.yaml``); only ``seed``, ``class_weight`` and ``scheme``, which training passes, have
    defaults.
    """
    names: list[str] = []
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or klass is object:
            continue
        for p in inspect.signature(init).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in names:
                names.append(p.name)
    return names


def from_params(cls: type, params: dict):
    """``cls`` built from the hyperparameters a saved model recorded (its ``get_params()``).

    A key the saved model predates (one that only ``fit`` reads, such as ``precision``) is None.
    """
    return cls(**{name: params.get(name) for name in param_names(cls)})


def load_model(path: str | Path) -> ClassifierModel | SpanModel:
    """Load any model folder written by ``save``.

    Raises FileNotFoundError / ValueError naming the path and the cause, in
    one line, for a missing folder or meta file and for a model that does not
    load (a truncated ``model.safetensors``, a broken pickle, ...).
    """
    path = Path(path)
    meta_file = path / MODEL_META
    if not meta_file.is_file():
        raise FileNotFoundError(f"{path}: not a claimsift model folder (no {MODEL_META})")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        module_name, _, cls_name = meta["class"].rpartition(".")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{meta_file}: unreadable model description ({_first_line(exc)})") from None
    try:
        cls = getattr(importlib.import_module(module_name), cls_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"{meta_file}: unknown model class {meta['class']!r} ({exc})") from None
    try:
        return cls.load(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # torch, safetensors, joblib and pickle raise their own types; name the file
        line = _first_line(exc)
        if isinstance(exc, ValueError) and str(path) in line:  # already names the folder and the cause
            raise ValueError(line) from exc
        raise ValueError(f"{path}: the model does not load ({line})") from exc


def _first_line(exc: BaseException) -> str:
    """``exc`` as one line: its type when it says nothing, a broken file's name when it gives one."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    filename = getattr(exc, "filename", None)
    if filename and str(filename) not in text:
        text = f"{filename}: {text}"
    return text if len(text) <= 300 else text[:297] + "..."
