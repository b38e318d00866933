"""The labeling functions and a label model as a classifier: ship or compare the rules while models lag.

    claimsift evaluate run=rules split=gold data=seeds               # the dataset's own rules run
    claimsift predict input=seeds output=x.jsonl classify_run=rules extract_run=null dataset=seeds
    claimsift compare data/built/seeds/rules models/classify-baseline-seeds-latest
    claimsift train task=classify model=rules train.labels=weak      # a label model fitted on the training split

Every built dataset holds a rules run, ``data/built/<name>/rules/`` (run.json,
label_map.json, data.json, model/): the scheme's labeling functions and the
label model the label stage fitted on the dataset, saved as a
:class:`RulesClassifier`. ``run=rules`` (evaluate) and ``classify_run=rules``
(predict) name it; as a plain folder it works wherever a run does. On the
dataset's own sentences it gives exactly the weak labels.

``fit`` (``model=rules``) learns nothing from labels: it fits a label model
(Snorkel's, or a majority vote) on the votes the functions cast on the
training sentences. ``predict_proba`` votes on new sentences and combines the
votes with it; a sentence no function votes on gets the scheme's
``default_class``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import numpy as np

from claimsift.data.labelmodel import LabelModel, votes_matrix
from claimsift.models.base import ClassifierModel, JoblibSaved
from claimsift.scheme import Scheme, labels_of, load_scheme

RULES = "rules"  # the run name that means "this dataset's labeling functions and label model"


class RulesClassifier(JoblibSaved, ClassifierModel):
    """The scheme's labeling functions combined by a label model, behind the classifier interface."""

    def __init__(self, *, kind: str, n_epochs: int, lr: float, l2: float, class_weight: str | None = None,
                 seed: int = 0, scheme: dict | None = None):
        self.kind = kind
        self.n_epochs = n_epochs
        self.lr = lr
        self.l2 = l2
        self.class_weight = class_weight  # a label model learns no class weights; kept for the one interface
        self.seed = seed
        self.scheme = scheme
        self.classes_ = labels_of(scheme)[0]

    def _votes(self, texts: Sequence[str]) -> np.ndarray:
        rules = load_scheme(self.scheme)
        return votes_matrix([rules.vote(t) for t in texts], rules.classes)

    def fit(self, texts, labels=None, *, soft_labels=None, eval_texts=None, eval_labels=None):
        """Fit the label model on the functions' votes on ``texts``; the labels are not used. Return self."""
        rules = load_scheme(self.scheme)
        self.label_model_ = LabelModel(self.kind, classes=rules.classes, precedence=rules.precedence,
                                       default_class=rules.default_class, seed=self.seed, n_epochs=self.n_epochs,
                                       lr=self.lr, l2=self.l2).fit(self._votes(list(texts)))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        return self.label_model_.predict_proba(self._votes(list(texts)))

    @classmethod
    def from_label_model(cls, label_model: LabelModel, scheme: Scheme) -> "RulesClassifier":
        """A fitted rules classifier from a label model fitted on ``scheme``'s votes (the label stage's)."""
        if list(label_model.classes) != list(scheme.classes):
            raise ValueError(f"label model classes {label_model.classes} are not scheme {scheme.name}'s "
                             f"({', '.join(scheme.classes)})")
        model = cls(kind=label_model.kind, n_epochs=label_model.n_epochs, lr=label_model.lr, l2=label_model.l2,
                    seed=label_model.seed, scheme=scheme.spec())
        model.label_model_ = label_model
        return model


def save_rules_run(dataset_tmp: Path, label_model: LabelModel, scheme: Scheme, data_name: str,
                   dataset_dir: str | Path) -> Path:
    """Write the rules run (``rules/``) into the dataset folder being written (``dataset_tmp``); return it.

    ``dataset_dir`` is where the dataset folder will be once complete (what data.json names).
    """
    from claimsift.io import write_json

    run = Path(dataset_tmp) / RULES
    model = RulesClassifier.from_label_model(label_model, scheme)
    model.save(run / "model")
    names = model.classes_
    write_json(run / "label_map.json", {"label2id": {n: i for i, n in enumerate(names)},
                                        "id2label": dict(enumerate(names)), "scheme": scheme.spec()})
    write_json(run / "data.json", {"dataset_dir": str(dataset_dir), "labels": "none (a label model learns from "
                                                                               "the functions' votes)"})
    write_json(run / "run.json", {"task": "classify", "model": RULES, "data": data_name, "scheme": scheme.name,
                                  "seed": label_model.seed,
                                  "created": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                                  "command": f"claimsift label data={data_name} scheme={scheme.name}"})
    return run


def rules_run(dataset_dir: str | Path) -> Path:
    """The rules run of a built dataset (``<dataset_dir>/rules``).

    Raises FileNotFoundError naming the folder when the dataset or its rules run is missing.
    """
    dataset_dir = Path(dataset_dir)
    run = dataset_dir / RULES
    if not (run / "model").is_dir():
        if not dataset_dir.is_dir():
            raise FileNotFoundError(f"{dataset_dir}: no built dataset here (run `claimsift label` first)")
        raise FileNotFoundError(f"{dataset_dir}: has no rules run (built before datasets kept one): rebuild it "
                                "with `claimsift label`")
    return run
