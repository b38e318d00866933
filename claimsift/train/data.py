"""From dataset records to training examples: which split, which labels, how balanced.

``train.labels`` picks the targets: ``weak`` (the label model's), ``gold``
(hand labels; sentences without them are left out) or ``weak+gold`` (gold
overrides weak on the sentences it covers). The held-out split is never
returned for training.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

LABEL_SOURCES = ("weak", "gold", "weak+gold")
BALANCE = ("weights", "oversample", "none")
TASKS = ("classify", "extract")


@dataclass
class Examples:
    """Parallel lists of what a model trains on."""

    texts: list[str] = field(default_factory=list)
    targets: list = field(default_factory=list)  # class names (classify) or span lists (extract)
    soft: np.ndarray | None = None  # (n, n_classes) targets when train.soft_targets is on
    sent_ids: list[str] = field(default_factory=list)
    nested_spans: int = 0  # extract: spans nested inside another span, not in the (one-layer) targets

    def __len__(self) -> int:
        return len(self.texts)

    def pairs(self) -> list[tuple[str, object]]:
        """(text, target) pairs: what the data fingerprint hashes."""
        return list(zip(self.texts, self.targets))


def check_config(cfg) -> None:
    """Raise ValueError naming the config key whose value is not allowed."""
    def expect(key: str, value, allowed):
        if value not in allowed:
            raise ValueError(f"{key}={value!r}: expected one of {', '.join(map(str, allowed))}")

    expect("task.name", cfg.task.name, TASKS)
    expect("train.labels", cfg.train.labels, LABEL_SOURCES)
    expect("task.balance", cfg.task.balance, BALANCE)
    if cfg.task.name not in cfg.model:
        raise ValueError(f"model={cfg.model.name}: no '{cfg.task.name}' section in configs/model/{cfg.model.name}.yaml")
    held = cfg.splits.held_out
    for key in ("train", "validation"):
        if cfg.splits[key] == held:
            raise ValueError(f"splits.{key}={held!r} is the held-out split (splits.held_out): never train on it")
    if cfg.train.max_sentences is not None and int(cfg.train.max_sentences) < 1:
        raise ValueError(f"train.max_sentences={cfg.train.max_sentences!r}: expected a positive number or null")
    for source, times in (cfg.train.get("source_repeats") or {}).items():
        if not isinstance(times, int) or isinstance(times, bool) or times < 1:
            raise ValueError(f"train.source_repeats.{source}={times!r}: expected a whole number of times, 1 or more")


def load_splits(cfg) -> dict[str, list[dict]]:
    """Records of the training, validation and held-out splits, keyed ``train`` / ``validation`` / ``held_out``.

    Raises FileNotFoundError when the dataset is not built, ValueError when a split named in
    ``splits`` is missing or shares an article with the held-out split.
    """
    from claimsift.data.dataset import load_sentences

    dd = load_sentences(cfg.dataset_dir)
    out = {}
    for key in ("train", "validation", "held_out"):
        name = cfg.splits[key]
        if name not in dd:
            raise ValueError(f"splits.{key}={name!r}: {cfg.dataset_dir} has splits {', '.join(dd)}")
        out[key] = dd[name].to_list()
    held_docs = {r["doc_id"] for r in out["held_out"]}
    for key in ("train", "validation"):
        leaked = held_docs & {r["doc_id"] for r in out[key]}
        if leaked:
            raise ValueError(f"{cfg.dataset_dir}: split {cfg.splits[key]!r} shares articles with the held-out "
                             f"split {cfg.splits.held_out!r} ({', '.join(sorted(leaked)[:3])})")
    return out


def truth(record: dict, task: str, labels: str) -> tuple[object, bool] | None:
    """A record's label under the label source ``labels`` and whether it is the hand label.

    The label is a class name (classify) or the whole span list, every layer (extract). None when
    ``labels`` asks for a hand label the record lacks.
    """
    gold = record.get("gold_label" if task == "classify" else "gold_spans")
    use_gold = labels == "gold" or (labels == "weak+gold" and gold is not None)
    if use_gold:
        return None if gold is None else (gold, True)
    return record["weak_label"] if task == "classify" else record["spans"], False


def scoring_records(records: list[dict], task: str, labels: str) -> list[dict]:
    """The sentences ``examples`` keeps, as evaluation scores them (``claimsift.evaluate.score``).

    Each is ``sent_id``, ``text`` and the truth under ``labels`` as ``label`` (classify) or
    ``spans`` (extract: every layer, as evaluation counts them, while a tagger trains on the outer one).
    """
    key = "label" if task == "classify" else "spans"
    out = []
    for r in records:
        found = truth(r, task, labels)
        if found is not None:
            out.append({"sent_id": r["sent_id"], "text": r["text"], key: found[0]})
    return out


def examples(records: list[dict], task: str, labels: str, soft_targets: bool = False,
             classes: list[str] | None = None) -> Examples:
    """The (text, target) examples of ``records`` under the label source ``labels``.

    ``soft_targets`` (classify) needs ``classes``, the columns of ``weak_probs`` (the scheme's classes).
    """
    if soft_targets and task == "classify" and classes is None:
        raise ValueError("soft targets need the scheme's classes (the columns of weak_probs)")
    ex = Examples()
    soft_rows = []
    for r in records:
        found = truth(r, task, labels)
        if found is None:
            continue
        target, use_gold = found
        if task == "classify":
            if soft_targets:
                soft_rows.append(_one_hot(target, classes) if use_gold else np.asarray(r["weak_probs"], dtype=float))
        else:
            target, nested = outer_spans(r["text"], target)
            ex.nested_spans += nested
        ex.texts.append(r["text"])
        ex.targets.append(target)
        ex.sent_ids.append(r["sent_id"])
    if soft_targets and task == "classify":
        ex.soft = np.stack(soft_rows) if soft_rows else np.zeros((0, len(classes)))
        if ex.soft.shape[1] != len(classes):
            raise ValueError(f"weak_probs: {ex.soft.shape[1]} columns, expected one per class ({len(classes)})")
    return ex


def oversample(ex: Examples, task: str, seed: int) -> Examples:
    """Repeat minority examples (random, seeded) until each group matches the largest.

    Groups are classes for classify; for extract, sentences with spans versus sentences without.
    """
    keys = ex.targets if task == "classify" else [bool(t) for t in ex.targets]
    counts = Counter(keys)
    if not counts:
        return ex
    top = max(counts.values())
    rng = np.random.RandomState(seed)
    idx = list(range(len(ex)))
    for key, n in sorted(counts.items(), key=lambda kv: str(kv[0])):
        members = [i for i, k in enumerate(keys) if k == key]
        idx.extend(rng.choice(members, size=top - n, replace=True).tolist())
    return Examples(texts=[ex.texts[i] for i in idx], targets=[ex.targets[i] for i in idx],
                    soft=None if ex.soft is None else ex.soft[idx], sent_ids=[ex.sent_ids[i] for i in idx])


def label_counts(ex: Examples, task: str) -> dict[str, int]:
    """Classes (classify) or span types (extract) and how often they occur."""
    if task == "classify":
        return dict(sorted(Counter(ex.targets).items()))
    return dict(sorted(Counter(s["type"] for spans in ex.targets for s in spans).items()))


def _one_hot(name: str, classes: list[str]) -> np.ndarray:
    row = np.zeros(len(classes))
    row[list(classes).index(name)] = 1.0
    return row


def outer_spans(text: str, spans) -> tuple[list[dict], int]:
    """The outer layer of a sentence's spans (a tagger's targets) and how many nested spans it leaves out.

    A BIO sequence holds spans that share no token; an attribution nested in
    another's CONTENT is a second layer (:func:`claimsift.data.tokens.span_layers`).
    The count is reported at training time; evaluation scores every layer.
    """
    from claimsift.data.tokens import span_layers, tokenize

    clean = [{"type": s["type"], "start": int(s["start"]), "end": int(s["end"])} for s in (spans or [])]
    layers = span_layers(tokenize(text), clean)
    if not layers:
        return [], 0
    return sorted(layers[0], key=lambda s: s["start"]), sum(len(layer) for layer in layers[1:])
