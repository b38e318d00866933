"""Pick the sentences a person should label next: those the models are least sure of, spread over articles.

    claimsift annotate select --data data/built/mix --classify-run models/classify-baseline-mix-latest \\
        --split train --n 100 --strategy margin --per-article 2 --output annotate/next.jsonl
    claimsift annotate select --predictions predictions/new.jsonl --n 50 --strategy entropy \\
        --exclude data/gold/seeds.jsonl --output annotate/next.jsonl
    claimsift annotate select --data data/built/mix --classify-run models/classify-baseline-mix-latest \\
        --extract-run models/extract-baseline-mix-latest --span-weight 0.5 --output annotate/next.jsonl
    python -m claimsift.annotate.select --help

Reads a built dataset (``data/built/<name>/``, ``claimsift label``) scored by a
classify run, or a predictions file (``claimsift predict``, its
``probabilities``); writes a selection ``.jsonl`` (atomically), one sentence a
line in rank order, which ``claimsift annotate push`` sends to Label Studio.
Sentences with a gold class (``gold_label``) and sentences named in
``--exclude`` files (by ``sent_id``, or by ``doc_id`` + ``start`` + ``end`` as
in the PolNeAR standoff labels) are never selected. See docs/active-learning.md.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from collections.abc import Iterable, Sequence

import numpy as np

STRATEGIES = ("margin", "entropy", "random")
PROB_TOLERANCE = 1e-2  # predictions files round probabilities to 4 decimals; rows still sum to 1 within this
PREDICT_CHUNK = 1024   # sentences per model call, so a long pool shows progress


# ---------------------------------------------------------------- scores


def check_proba(proba, n_rows: int) -> np.ndarray:
    """``proba`` as an (n_rows, n_classes) float array; ValueError unless every row is a distribution."""
    p = np.asarray(proba, dtype=float)
    if p.ndim != 2 or p.shape[0] != n_rows:
        raise ValueError(f"probabilities: shape {p.shape}, expected ({n_rows}, n_classes)")
    if p.shape[1] < 2:
        raise ValueError(f"probabilities: {p.shape[1]} class column(s); uncertainty needs at least two classes")
    if n_rows and (not np.isfinite(p).all() or (p < 0).any()
                   or np.abs(p.sum(axis=1) - 1).max() > PROB_TOLERANCE):
        bad = int(np.flatnonzero(~np.isfinite(p).all(axis=1) | (p < 0).any(axis=1)
                                 | (np.abs(np.nan_to_num(p).sum(axis=1) - 1) > PROB_TOLERANCE))[0])
        raise ValueError(f"probabilities: row {bad} is not a probability distribution ({p[bad].tolist()})")
    return p


def margin_uncertainty(proba) -> np.ndarray:
    """1 − (top probability − runner-up) per row: 1 when the two best classes tie, 0 when one class has it all."""
    p = np.sort(np.asarray(proba, dtype=float), axis=1)
    return 1.0 - (p[:, -1] - p[:, -2])


def entropy_uncertainty(proba) -> np.ndarray:
    """Entropy of each row over log(n_classes): 1 for a uniform row, 0 for a one-hot row."""
    p = np.asarray(proba, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(axis=1)
    return h / np.log(p.shape[1])


def span_uncertainty(token_proba: Sequence[np.ndarray]) -> np.ndarray:
    """Per sentence, the span model's mean token uncertainty: the mean over word tokens of 1 − max tag probability.

    ``token_proba`` is a ``SpanModel.predict_proba`` result (one (n_tokens, n_tags) array per sentence: the CRF's
    marginals, the transformer's softmax). A sentence without tokens scores 0.
    """
    out = np.zeros(len(token_proba))
    for i, t in enumerate(token_proba):
        t = np.asarray(t, dtype=float)
        if t.size:
            out[i] = float(np.mean(1.0 - t.max(axis=1)))
    return out


UNCERTAINTY = {"margin": margin_uncertainty, "entropy": entropy_uncertainty}


def uncertainty_scores(proba, strategy: str, seed: int, span_scores=None, span_weight: float = 0.0) -> np.ndarray:
    """The ranking key of every row (higher: label it sooner).

    ``margin`` / ``entropy``: the classifier's uncertainty, mixed with the span model's as
    ``(1 − span_weight) · classifier + span_weight · span`` when ``span_weight`` > 0. ``random``: a uniform
    draw from ``seed`` (the baseline an uncertainty strategy has to beat). Raises ValueError on an unknown
    strategy, a weight outside [0, 1], or a weight without span scores.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy={strategy!r}: expected one of {', '.join(STRATEGIES)}")
    if not 0.0 <= span_weight <= 1.0:
        raise ValueError(f"span_weight={span_weight}: expected a value in [0, 1]")
    n = len(proba)
    if strategy == "random":
        return np.random.default_rng(seed).random(n)
    score = UNCERTAINTY[strategy](proba)
    if span_weight > 0:
        if span_scores is None:
            raise ValueError("span_weight > 0 needs span scores (an extract run)")
        span = np.asarray(span_scores, dtype=float)
        if span.shape != (n,):
            raise ValueError(f"span scores: shape {span.shape}, expected ({n},)")
        score = (1.0 - span_weight) * score + span_weight * span
    return score


# ---------------------------------------------------------------- selection


def record_keys(rec: dict) -> set:
    """How a sentence is recognised across files: its ``sent_id`` and its ``(doc_id, start, end)``, where given.

    Raises ValueError when a record has neither.
    """
    keys: set = set()
    if rec.get("sent_id") is not None:
        keys.add(str(rec["sent_id"]))
    if rec.get("doc_id") is not None and rec.get("start") is not None and rec.get("end") is not None:
        keys.add((str(rec["doc_id"]), int(rec["start"]), int(rec["end"])))
    if not keys:
        raise ValueError("a record has neither sent_id nor doc_id + start + end")
    return keys


def is_gold_labelled(rec: dict) -> bool:
    """True when the sentence already has a hand-given class (``gold_label``)."""
    return rec.get("gold_label") is not None


def select(records: Sequence[dict], proba, n: int, strategy: str = "margin", per_article: int | None = None,
           seed: int = 0, *, classes: Sequence[str] | None = None, exclude: Iterable = (),
           span_scores=None, span_weight: float = 0.0) -> list[dict]:
    """The next ``n`` sentences to label, most uncertain first; at most ``per_article`` from one ``doc_id``.

    ``records`` are sentence records (``sent_id``, ``doc_id``, ``text``, ``start``, ``end``; a built dataset's
    or a predictions file's rows) and ``proba`` their class probabilities, (len(records), n_classes), columns
    named by ``classes``. Records with a ``gold_label`` and those whose ``sent_id`` or ``(doc_id, start, end)``
    is in ``exclude`` are skipped. Ties are broken by a permutation seeded with ``seed``, so the result is
    reproducible. Fewer than ``n`` come back when the eligible pool or the per-article cap runs out.

    Returns selection records: ``sent_id``, ``doc_id``, ``text``, ``start``, ``end``, ``rank`` (1 = first),
    ``strategy``, ``score`` (the ranking key), ``label`` (the classifier's class), ``probabilities``
    (``{class: p}``, or a list without ``classes``), ``span_uncertainty`` when span scores are given, and
    ``source``, ``split``, ``spans`` when the record has them.
    Raises ValueError on bad probabilities, ``n`` < 0, ``per_article`` < 1 or a bad strategy / weight.
    """
    if n < 0:
        raise ValueError(f"n={n}: expected 0 or more sentences")
    if per_article is not None and per_article < 1:
        raise ValueError(f"per_article={per_article}: expected at least 1 (or None for no cap)")
    p = check_proba(proba, len(records))
    if classes is not None and len(classes) != p.shape[1]:
        raise ValueError(f"classes: {len(classes)} names for {p.shape[1]} probability columns")
    score = uncertainty_scores(p, strategy, seed, span_scores, span_weight)
    excluded = set(exclude)
    eligible = np.array([not is_gold_labelled(r) and not record_keys(r) & excluded for r in records], dtype=bool)
    tiebreak = np.random.default_rng(seed + 1).permutation(len(records))  # not the draw `random` ranks by
    order = np.lexsort((tiebreak, -score))
    taken: list[int] = []
    per_doc: Counter = Counter()
    for i in order:
        if len(taken) >= n:
            break
        if not eligible[i]:
            continue
        doc = records[i].get("doc_id")
        if per_article is not None and per_doc[doc] >= per_article:
            continue
        per_doc[doc] += 1
        taken.append(int(i))
    spans = None if span_scores is None else np.asarray(span_scores, dtype=float)
    return [selection_record(records[i], p[i], rank, strategy, float(score[i]), classes,
                             None if spans is None else float(spans[i]))
            for rank, i in enumerate(taken, 1)]


def selection_record(rec: dict, proba_row: np.ndarray, rank: int, strategy: str, score: float,
                     classes: Sequence[str] | None, span_unc: float | None) -> dict:
    """One line of the selection file (see ``select``)."""
    out = {"sent_id": rec.get("sent_id"), "doc_id": rec.get("doc_id"), "text": rec["text"],
           "start": rec.get("start"), "end": rec.get("end"), "rank": rank, "strategy": strategy,
           "score": round(score, 6)}
    top = int(np.argmax(proba_row))
    if classes is None:
        out["label"] = top
        out["probabilities"] = [round(float(x), 6) for x in proba_row]
    else:
        out["label"] = classes[top]
        out["probabilities"] = {c: round(float(x), 6) for c, x in zip(classes, proba_row)}
    if span_unc is not None:
        out["span_uncertainty"] = round(span_unc, 6)
    for key in ("source", "split", "spans"):
        if key in rec:
            out[key] = rec[key]
    return out


# ---------------------------------------------------------------- inputs


def read_predictions(path: str | Path) -> tuple[list[dict], np.ndarray, list[str]]:
    """Records, their probabilities and the class names of a ``claimsift predict`` .jsonl.

    Raises ValueError naming the file and line when a record has no ``probabilities`` (predicted without a
    classifier) or names other classes than the first record.
    """
    from claimsift.io import read_jsonl

    records = read_jsonl(path)
    if not records:
        raise ValueError(f"{path}: no predictions in the file")
    classes: list[str] | None = None
    rows = []
    for lineno, rec in enumerate(records, 1):
        probs = rec.get("probabilities")
        if not isinstance(probs, dict) or not probs:
            raise ValueError(f"{path}:{lineno}: no probabilities (predict with a classifier: classify_run=...)")
        if "text" not in rec or "doc_id" not in rec:
            raise ValueError(f"{path}:{lineno}: a prediction needs doc_id and text")
        if classes is None:
            classes = list(probs)
        elif list(probs) != classes:
            raise ValueError(f"{path}:{lineno}: classes {list(probs)} differ from the first record's {classes}")
        rows.append([probs[c] for c in classes])
    return records, np.asarray(rows, dtype=float), classes


def read_exclusions(paths: Sequence[str | Path]) -> set:
    """The keys (``record_keys``) of every sentence in the given JSONL files: gold, earlier selections.

    Raises ValueError naming file and line for a line with neither ``sent_id`` nor ``doc_id`` + offsets.
    """
    from claimsift.io import read_jsonl

    keys: set = set()
    for path in paths:
        for lineno, rec in enumerate(read_jsonl(path), 1):
            try:
                keys |= record_keys(rec)
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: {exc}") from None
    return keys


def classify_records(records: list[dict], run: str | Path) -> tuple[np.ndarray, list[str]]:
    """The probabilities of a classify run's model for ``records`` (length-sorted batches, with a progress bar)."""
    from tqdm import tqdm

    from claimsift.predict.runs import load_run_model, resolve_run
    from claimsift.predict.stream import predict_texts

    model = load_run_model(resolve_run(str(run), "models", "classify"), "classify")
    texts = [r["text"] for r in records]
    proba = np.zeros((len(texts), len(model.classes_)))
    for i in tqdm(range(0, len(texts), PREDICT_CHUNK), desc="classify", unit="chunk", disable=len(texts) == 0):
        proba[i:i + PREDICT_CHUNK] = predict_texts(texts[i:i + PREDICT_CHUNK], classifier=model)[0]
    return proba, list(model.classes_)


def span_records(records: list[dict], run: str | Path) -> np.ndarray:
    """``span_uncertainty`` of an extract run's model over ``records`` (with a progress bar)."""
    from tqdm import tqdm

    from claimsift.predict.runs import load_run_model, resolve_run

    model = load_run_model(resolve_run(str(run), "models", "extract"), "extract")
    texts = [r["text"] for r in records]
    out = np.zeros(len(texts))
    for i in tqdm(range(0, len(texts), PREDICT_CHUNK), desc="extract", unit="chunk", disable=len(texts) == 0):
        out[i:i + PREDICT_CHUNK] = span_uncertainty(model.predict_proba(texts[i:i + PREDICT_CHUNK]))
    return out


# ---------------------------------------------------------------- command line


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="claimsift annotate select", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="a built dataset folder (or its sentences.jsonl); needs --classify-run")
    src.add_argument("--predictions", type=Path, help="a claimsift predict .jsonl with probabilities")
    ap.add_argument("--classify-run", help="run folder (or 'latest') whose classifier scores --data's sentences")
    ap.add_argument("--extract-run", help="run folder (or 'latest') whose span model adds its token uncertainty")
    ap.add_argument("--span-weight", type=float, default=0.0,
                    help="share of the span model's uncertainty in the score (needs --extract-run)")
    ap.add_argument("--split", action="append", default=[], help="only sentences of this split (repeatable)")
    ap.add_argument("--source", action="append", default=[], help="only sentences of this source (repeatable)")
    ap.add_argument("--exclude", action="append", default=[], type=Path,
                    help="a JSONL of sentences not to select (gold, an earlier selection); repeatable")
    ap.add_argument("--n", type=int, default=100, help="sentences to select")
    ap.add_argument("--strategy", choices=STRATEGIES, default="margin")
    ap.add_argument("--per-article", type=int, default=2,
                    help="at most this many sentences from one article (0: no cap)")
    ap.add_argument("--seed", type=int, default=0, help="tie-breaking and the random strategy")
    ap.add_argument("--output", type=Path, required=True, help="the selection .jsonl to write")
    return ap


def main(argv: list[str] | None = None) -> int:
    """``claimsift annotate select``: 0 when the selection is written, 1 on a data or run problem, 2 on usage."""
    ap = parser()
    args = ap.parse_args(argv)
    if args.data is not None and not args.classify_run:
        ap.error("--data needs --classify-run (the classifier whose uncertainty ranks the sentences)")
    if args.span_weight > 0 and not args.extract_run:
        ap.error("--span-weight > 0 needs --extract-run")
    try:
        written = run(args)
    except OSError as exc:  # an input that is missing or unreadable, an output folder that cannot be written
        from claimsift.io import describe_os_error

        print(f"claimsift annotate select: {describe_os_error(exc)}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"claimsift annotate select: {exc}", file=sys.stderr)
        return 1
    print(written)
    return 0


def run(args: argparse.Namespace) -> str:
    """Read, score, select and write as ``args`` say; return a one-paragraph summary of what was written."""
    from claimsift.io import write_jsonl

    inputs = [p for p in (args.data, args.predictions, *args.exclude) if p is not None]
    if any(args.output.resolve() == Path(p).resolve() for p in inputs):
        raise ValueError(f"{args.output}: is one of the inputs; write the selection elsewhere")
    excluded = read_exclusions(args.exclude)
    if args.predictions is not None:
        records, proba, classes = read_predictions(args.predictions)
    else:
        from claimsift.data.dataset import load_records

        records, proba, classes = load_records(args.data), None, None
    keep = [i for i, r in enumerate(records)  # score only what may be selected
            if (not args.split or r.get("split") in args.split)
            and (not args.source or r.get("source") in args.source)
            and not is_gold_labelled(r) and not record_keys(r) & excluded]
    records = [records[i] for i in keep]
    if proba is None:
        proba, classes = classify_records(records, args.classify_run)
    else:
        proba = proba[keep] if keep else np.zeros((0, len(classes)))
    spans = span_records(records, args.extract_run) if args.extract_run else None
    chosen = select(records, proba, args.n, args.strategy, args.per_article or None, args.seed,
                    classes=classes, span_scores=spans, span_weight=args.span_weight)
    write_jsonl(args.output, chosen)
    labels = Counter(r["label"] for r in chosen)
    lines = [(f"{args.output}: {len(chosen)} sentences from {len({r['doc_id'] for r in chosen})} articles "
              f"({args.strategy}, at most {args.per_article or 'any'} per article) out of {len(records)} eligible"),
             "predicted classes: " + ", ".join(f"{k} {v}" for k, v in sorted(labels.items()))]
    if len(chosen) < args.n:
        lines.append(f"fewer than --n {args.n}: the eligible pool or the per-article cap ran out "
                     "(raise --per-article, or add sentences)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
