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
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger("claimsift.train")  # fitting thresholds is part of training: its lines go to train.log

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

    # --- class offsets --------------------------------------------------------------------------
    # The training mix is mostly PolNeAR, where allegations are rare (1.8% of dev, a fifth of the
    # written set of conflict reporting), and class weights make up for it. Offsets added to each
    # class's log probability, fitted on the validation split to its best macro-F1, move the
    # decisions to where the classes are told apart best (docs/train.md, "Class offsets").
    class_offsets_: dict[str, float]  # per class; absent or empty (older saved models): none

    def set_class_offsets(self, setting, proba: np.ndarray | None, labels: np.ndarray | None) -> dict[str, float]:
        """Set ``class_offsets_`` from the model's ``class_offsets`` setting after training.

        ``"fit"``: :func:`fit_class_offsets` on the validation sentences' probabilities and class
        ids (none without validation); None: no offsets. Raises ValueError otherwise.
        """
        self.class_offsets_ = {}
        if setting is None:
            return {}
        if setting != "fit":
            raise ValueError(f"class_offsets={setting!r}: expected 'fit' or null")
        if proba is None or labels is None or not len(labels):
            log.info("class offsets: no validation sentences to fit them on, none used")
            return {}
        offsets = fit_class_offsets(proba, np.asarray(labels))
        self.class_offsets_ = {c: float(b) for c, b in zip(self.classes_, offsets)}
        return self.class_offsets_

    def shifted(self, proba: np.ndarray) -> np.ndarray:
        """``proba`` with each class's log probability raised by its offset, renormalised."""
        offsets = getattr(self, "class_offsets_", None)
        if not offsets or not len(proba):
            return proba
        b = np.array([offsets.get(c, 0.0) for c in self.classes_])
        out = np.asarray(proba, dtype=float) * np.exp(b - b.max())
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300)

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

    # --- span thresholds ------------------------------------------------------------------------
    # A span's score is the mean probability of its tokens' tags. Spans a model is unsure of are
    # more often wrong than right: dropping those under a per-type threshold fitted on validation
    # raised PolNeAR dev's overlap F1 for CONTENT from 0.817 to 0.857 with thresholds fitted on the
    # other half of its articles (docs/train.md, "Span thresholds").
    span_thresholds_: dict[str, float]  # per type; absent or empty (older saved models): keep every span

    def set_span_thresholds(self, setting, eval_texts: Sequence[str] | None,
                            eval_spans: Sequence[Sequence[dict]] | None) -> dict[str, float]:
        """Set ``span_thresholds_`` from the model's ``span_thresholds`` setting after training.

        ``"fit"``: per type, the lowest score threshold that maximizes overlap F1 on the
        validation sentences (:func:`fit_span_thresholds`; none without validation spans); a
        number: that threshold for every type; None: no threshold. Raises ValueError otherwise.
        """
        self.span_thresholds_ = {}
        if setting is None:
            return {}
        if setting == "fit":
            if not eval_texts or not eval_spans or not any(eval_spans):
                log.info("span thresholds: no validation spans to fit them on, every span is kept")
                return {}
            self.span_thresholds_ = fit_span_thresholds(self, eval_texts, eval_spans)
        elif isinstance(setting, (int, float)) and not isinstance(setting, bool) and 0 <= setting < 1:
            self.span_thresholds_ = {t: float(setting) for t in self.span_types}
        else:
            raise ValueError(f"span_thresholds={setting!r}: expected 'fit', a number in [0, 1) or null")
        return self.span_thresholds_

    def keep_confident(self, spans: list[dict]) -> list[dict]:
        """``spans`` of one sentence without those scoring under their type's threshold, renumbered
        into attributions when any was dropped."""
        th = getattr(self, "span_thresholds_", None)
        if not th or not spans:
            return spans
        kept = [sp for sp in spans if sp.get("score", 1.0) >= th.get(sp["type"], 0.0)]
        if len(kept) == len(spans):
            return spans
        from claimsift.data.tokens import group_attributions

        return group_attributions([{k: v for k, v in sp.items() if k != "attr"} for sp in kept])


OFFSET_GRID = tuple(round(0.25 * i, 2) for i in range(-8, 9))  # -2.0, -1.75, ..., 2.0


def macro_f1(y: np.ndarray, pred: np.ndarray, k: int) -> float:
    """Macro-F1 over the classes that occur in ``y`` or ``pred`` (as scikit-learn counts it), from ids."""
    cm = np.bincount(y * k + pred, minlength=k * k).reshape(k, k)
    tp, npred, ngold = np.diag(cm), cm.sum(axis=0), cm.sum(axis=1)
    seen = (npred + ngold) > 0
    return float((2 * tp[seen] / (npred[seen] + ngold[seen])).mean()) if seen.any() else 0.0


def fit_class_offsets(proba: np.ndarray, labels: np.ndarray, grid: Sequence[float] = OFFSET_GRID,
                      rounds: int = 10) -> np.ndarray:
    """Per class, an offset to its log probability that maximizes macro-F1 of the argmax on ``labels``.

    Coordinate ascent from all zeros over ``grid``: each round tries every value for each class in
    turn, the others held, and keeps a change only when macro-F1 rises; it stops when a round
    changes nothing. Returns the offsets in column order.
    """
    k = proba.shape[1]
    logp = np.log(np.clip(proba, 1e-12, None))
    b = np.zeros(k)
    best = macro_f1(labels, (logp + b).argmax(axis=1), k)
    start = best
    for _ in range(rounds):
        changed = False
        for c in range(k):
            for v in grid:
                trial = b.copy()
                trial[c] = v
                f = macro_f1(labels, (logp + trial).argmax(axis=1), k)
                if f > best + 1e-9:
                    best, b, changed = f, trial, True
        if not changed:
            break
    log.info("class offsets %s: validation macro-F1 %.4f (%.4f without; %d sentences)",
             np.round(b, 2).tolist(), best, start, len(labels))
    return b


THRESHOLD_GRID = tuple(round(0.05 * i, 2) for i in range(19))  # 0.0, 0.05, ..., 0.9


def fit_span_thresholds(model: SpanModel, texts: Sequence[str], gold: Sequence[Sequence[dict]],
                        grid: Sequence[float] = THRESHOLD_GRID) -> dict[str, float]:
    """Per span type, the lowest threshold of ``grid`` with the best overlap F1 of ``model`` on ``texts``.

    Overlap F1 is ``claimsift evaluate``'s (every gold layer, one-to-one matching). The model
    predicts once, with no threshold; each type is scored on its own spans.
    """
    from claimsift.data.tokens import layered_tags, tokenize
    from claimsift.evaluate.metrics import prf_from_counts, span_counts

    saved, model.span_thresholds_ = getattr(model, "span_thresholds_", {}), {}
    try:
        pred = model.predict(list(texts))
    finally:
        model.span_thresholds_ = saved

    def f1(rows: list, typ: str, th: float) -> float:
        tags = [layered_tags(toks, g, [s for s in p if s.get("score", 1.0) >= th]) for toks, g, p in rows]
        counts = span_counts([a for a, _ in tags], [b for _, b in tags], "overlap", [typ]).sum(axis=0)
        return float(prf_from_counts(counts)[2][0])

    out = {}
    for typ in model.span_types:
        rows = [(tokenize(t), [s for s in g if s["type"] == typ], [s for s in p if s["type"] == typ])
                for t, g, p in zip(texts, gold, pred)]
        rows = [r for r in rows if r[1] or r[2]]  # a sentence with neither counts for nothing
        scores = [f1(rows, typ, th) if rows else 0.0 for th in grid]
        best = int(np.argmax(scores))  # the first (lowest) of equal bests
        out[typ] = float(grid[best])
        log.info("span threshold %s: %.2f (validation overlap F1 %.4f, %.4f with none; %d sentences)",
                 typ, grid[best], scores[best], scores[0], len(rows))
    return out


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
