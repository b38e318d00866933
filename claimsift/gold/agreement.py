"""Inter-annotator agreement between two labellings of the same sentences.

    claimsift gold agreement data/gold/polnear/agreement/first.jsonl data/gold/polnear/agreement/second.jsonl

Reads two standoff (or gold-format) files, pairs records by
``(doc_id, start, end)`` and reports Cohen's kappa overall and per class
(each class against the rest), raw agreement, and the confusion of the two
passes. Records only one side has are counted and named, never dropped
silently.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from claimsift.data.gold import check_label
from claimsift.io import read_jsonl_objects
from claimsift.scheme import load_scheme

KEY_FIELDS = ("doc_id", "start", "end", "label")


def _labels(path: str | Path, classes) -> dict[tuple, str]:
    """(doc_id, start, end) → label of a standoff or gold file; ValueError naming file and line for a bad record."""
    objects, problems = read_jsonl_objects(path)
    if problems:
        raise ValueError(problems[0])
    out = {}
    for lineno, r in objects:
        where = f"{path}:{lineno}"
        missing = [k for k in KEY_FIELDS if k not in r]
        if missing:
            raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
        out[(r["doc_id"], r["start"], r["end"])] = check_label(r["label"], where, classes)
    return out


def agreement(a: dict[tuple, str], b: dict[tuple, str], classes=None) -> dict:
    """Kappa overall and per class (``classes``; None: the default scheme's) over the keys both labellings share."""
    from sklearn.metrics import cohen_kappa_score

    classes = list(load_scheme(None).classes if classes is None else classes)
    keys = sorted(set(a) & set(b))
    ya, yb = [a[k] for k in keys], [b[k] for k in keys]
    out = {"n": len(keys), "only_first": len(set(a) - set(b)), "only_second": len(set(b) - set(a)),
           "observed_agreement": sum(x == y for x, y in zip(ya, yb)) / len(keys) if keys else None,
           "kappa": float(cohen_kappa_score(ya, yb, labels=classes)) if keys else None, "per_class": {}}
    for c in classes:
        ba, bb = [x == c for x in ya], [y == c for y in yb]
        both = sum(x and y for x, y in zip(ba, bb))
        kappa = float(cohen_kappa_score(ba, bb)) if len(set(ba) | set(bb)) > 1 else None
        out["per_class"][c] = {"kappa": kappa, "first": sum(ba), "second": sum(bb), "both": both}
    out["confusion"] = {f"{x} -> {y}": n for (x, y), n in sorted(Counter(zip(ya, yb)).items()) if x != y}
    return out


def report(first: str | Path, second: str | Path, scheme=None) -> tuple[dict, str]:
    """The agreement of two labellings under ``scheme`` (None: the default scheme), and its text."""
    classes = load_scheme(scheme).classes
    res = agreement(_labels(first, classes), _labels(second, classes), classes)
    lines = [f"{res['n']} sentences labelled by both passes ({res['only_first']} only in the first, "
             f"{res['only_second']} only in the second)",
             f"observed agreement {res['observed_agreement']:.3f}, Cohen's kappa {res['kappa']:.3f}", "",
             "| class | kappa (class vs rest) | first pass | second pass | both |", "|---|---:|---:|---:|---:|"]
    for c, m in res["per_class"].items():
        k = "—" if m["kappa"] is None else f"{m['kappa']:.3f}"
        lines.append(f"| {c} | {k} | {m['first']} | {m['second']} | {m['both']} |")
    if res["confusion"]:
        lines += ["", "disagreements (first -> second): " + ", ".join(f"{k} {v}" for k, v in res["confusion"].items())]
    return res, "\n".join(lines)
