"""The Python API of claimsift predict: load the runs once, then predict sentences or whole articles.

    from claimsift import Predictor

    predictor = Predictor.from_runs(classify="latest", extract="latest", models_dir="models", dataset="mix")
    predictor(["The ministry said the crossing reopened.", "Rain fell on Monday."])   # a record per sentence
    predictor.predict_articles(["An article ...", {"id": "a2", "text": "...", "title": "..."}])

``claimsift predict`` predicts through the same object (``Predictor.from_run_dirs``,
then ``predict_chunk`` per chunk of articles), so the API's article records are
the command line's, field for field. Runs are found as the command line finds
them (``claimsift.predict.runs.resolve_run``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from claimsift.data.ingest import Skipped, from_record
from claimsift.predict.runs import LATEST, load_run_model, resolve_run
from claimsift.predict.stream import Article, check_classes, predict_chunk, predict_texts, prepare, sentence_prediction

TASKS = ("classify", "extract")


def resolve_runs(classify, extract, models_dir: str | Path, dataset: str | None,
                 how: str = "classify_run=/extract_run=") -> dict[str, Path | None]:
    """``{task: run folder or None}`` for the two run specs (a folder, ``latest`` or None; see ``resolve_run``).

    Raises FileNotFoundError when neither task has a run (``how`` names the
    caller's way to pass run folders), and what ``resolve_run`` raises.
    """
    run_dirs = {task: resolve_run(spec, models_dir, task, dataset) for task, spec in zip(TASKS, (classify, extract))}
    if not any(run_dirs.values()):
        on = f" trained on dataset {dataset!r}" if dataset else ""
        raise FileNotFoundError(f"{models_dir}: no trained classify or extract run{on} found "
                                f"(train one{f' with data={dataset}' if dataset else ''}, pass dataset=<name>, "
                                f"or pass {how})")
    return run_dirs


def check_backend(backend: str) -> None:
    """Raise ValueError when ``backend`` is not one of ``claimsift.predict.BACKENDS``."""
    from claimsift.predict import BACKENDS  # the package imports this module: look it up when called

    if backend not in BACKENDS:
        raise ValueError(f"predict.backend={backend}: not available (choose one of {', '.join(BACKENDS)})")


def chunked(articles: Iterable[Article], batch_size: int | None) -> Iterator[list[Article]]:
    """``articles`` in groups that each reach ``batch_size`` sentences (the last may hold fewer); None: one group."""
    group: list[Article] = []
    n = 0
    for article in articles:
        group.append(article)
        n += len(article.sentences)
        if batch_size is not None and n >= batch_size:
            yield group
            group, n = [], 0
    if group:
        yield group


class Predictor:
    """A classifier and/or a span extractor, called like a Hugging Face pipeline.

    ``predictor(sentences)`` gives one record per sentence, ``{text, label,
    probabilities, spans}``; ``predictor.predict_articles(articles)`` cleans and
    segments article texts as the label stage does and gives the command
    line's records (doc_id, sent_id, start, end, input_start, input_end, text,
    label, probabilities, spans, classify_run, extract_run). Without a
    classifier ``label``/``probabilities`` are None; without an extractor ``spans``.

    ``runs``: ``{task: run folder}`` the models came from (their names go into
    the records). ``batch_size`` sentences are predicted together (sorted by length inside
    the batch, so a transformer pads little; it bounds memory); None predicts
    each call's sentences in one batch. The models' own batch sizes (e.g. the
    transformer's forward batch) are their configs'.

    Raises ValueError when both models are None or a model predicts an unknown class.
    """

    def __init__(self, classifier=None, extractor=None, runs: dict | None = None, batch_size: int | None = None):
        if classifier is None and extractor is None:
            raise ValueError("Predictor: needs a classifier, an extractor or both")
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"Predictor: batch_size={batch_size!r}: must be a positive integer or None")
        self.classifier, self.extractor = classifier, extractor
        # {task: run folder} the models came from (None: not from a run), and the folder names records carry.
        self.run_dirs = {task: Path(d) if d else None for task, d in ((t, (runs or {}).get(t)) for t in TASKS)}
        self.runs = {task: d.name if d else None for task, d in self.run_dirs.items()}
        self.classes = (check_classes(classifier.classes_, str(self.run_dirs["classify"] or "classifier"))
                        if classifier is not None else None)
        self.batch_size = batch_size

    # ------------------------------------------------------------ loading

    @classmethod
    def from_runs(cls, classify: str | Path | None = LATEST, extract: str | Path | None = LATEST,
                  models_dir: str | Path = "models", dataset: str | None = "mix", backend: str = "native",
                  batch_size: int | None = None) -> "Predictor":
        """Load the runs the way ``claimsift predict`` picks them (defaults as in configs/predict.yaml).

        ``classify`` / ``extract``: a run folder, ``"latest"`` (the newest run
        of the task under ``models_dir`` trained on ``dataset``; None: any
        dataset) or None to leave the task out. A ``latest`` that finds no run
        leaves its task out with a warning. Raises FileNotFoundError when no
        run is found at all or a named folder is missing, ValueError for a
        folder of the other task, a model that does not load or an unknown backend.
        """
        run_dirs = resolve_runs(classify, extract, models_dir, dataset, how="classify=/extract=")
        for task, spec in zip(TASKS, (classify, extract)):
            if run_dirs[task] is None and str(spec) == LATEST:
                on = f" trained on dataset {dataset!r}" if dataset else ""
                warnings.warn(f"no {task} run{on} under {models_dir}; predicting without it", stacklevel=2)
        return cls.from_run_dirs(run_dirs, backend=backend, batch_size=batch_size)

    @classmethod
    def from_run_dirs(cls, run_dirs: dict[str, Path | None], backend: str = "native",
                      batch_size: int | None = None) -> "Predictor":
        """Load the model of each run folder in ``{task: folder or None}`` with ``backend``.

        Raises ValueError for an unknown backend or a model that does not load or is of the other task.
        """
        check_backend(backend)
        models = {task: _load(Path(d), task, backend) if d else None for task, d in run_dirs.items()}
        return cls(models.get("classify"), models.get("extract"), runs=run_dirs, batch_size=batch_size)

    # ------------------------------------------------------------ predicting

    def __call__(self, sentences: str | Sequence[str], batch_size: int | None = None) -> dict | list[dict]:
        """``{text, label, probabilities, spans}`` per sentence (one dict for one string).

        The texts are taken as sentences as they are (no cleaning or
        segmentation: use ``predict_articles`` for that); span offsets point
        into each text. Raises TypeError for anything but a string or a list of strings.
        """
        single = isinstance(sentences, str)
        if isinstance(sentences, dict):
            raise TypeError("Predictor: sentences must be a string or a list of strings, got a dict")
        texts = [sentences] if single else list(sentences)
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"Predictor: sentences must be strings, got a {type(t).__name__}")
        size = batch_size or self.batch_size or max(len(texts), 1)
        records = []
        for i in range(0, len(texts), size):
            batch = texts[i:i + size]
            proba, spans = predict_texts(batch, self.classifier, self.extractor)
            records += [{"text": t, **sentence_prediction(t, None if proba is None else proba[k],
                                                          None if spans is None else spans[k] or [], self.classes)}
                        for k, t in enumerate(batch)]
        return records[0] if single else records

    def predict_articles(self, articles: Iterable[str | dict], batch_size: int | None = None) -> list[dict]:
        """The command line's records for article texts, in order.

        Each article is a string (its id is its position, ``"0"``, ``"1"``, ...)
        or a dict with ``text`` and optionally ``id`` and ``title`` (as a
        .jsonl row). ``input_start``/``input_end`` point into the string or the
        dict's ``text``; a sentence of a title that the text does not start
        with has None there. An article with no sentence left after cleaning
        (empty, or boilerplate only) gives no records. Raises ValueError for a
        dict without text, a duplicate id, or an item that is neither.
        """
        return [rec for chunk in chunked(self._prepare_all(articles), batch_size or self.batch_size)
                for _, _, records in self.predict_chunk(chunk) for rec in records]

    def predict_chunk(self, articles: Sequence[Article]) -> list[tuple[dict, str, list[dict]]]:
        """Predict the sentences of ``articles`` (``claimsift.predict.stream.prepare``) in one pass.

        ``(summary, cleaned_text, records)`` per article, what ``PredictionWriter.write`` takes.
        """
        return predict_chunk(articles, self.classifier, self.extractor, self.classes, self.runs)

    @staticmethod
    def _prepare_all(articles: Iterable[str | dict]) -> Iterator[Article]:
        seen: set[str] = set()
        for i, item in enumerate(articles):
            where = f"articles[{i}]"
            if isinstance(item, str):
                item = {"text": item}
            elif not isinstance(item, dict):
                raise ValueError(f"Predictor.predict_articles: {where} is a {type(item).__name__}, "
                                 "not a text or a dict with 'text'")
            rec = {"id": str(i), **{k: v for k, v in item.items() if v is not None}}
            doc_id = str(rec["id"])
            if doc_id in seen:
                raise ValueError(f"Predictor.predict_articles: {where}: duplicate id {doc_id!r}")
            seen.add(doc_id)
            if isinstance(rec.get("text"), str) and not rec["text"].strip():
                continue  # an empty text has no sentences (as one that is boilerplate only)
            raw = from_record(rec, where)
            if isinstance(raw, Skipped):
                raise ValueError(f"Predictor.predict_articles: {raw}")
            article = prepare(raw)
            if isinstance(article, Article):
                yield article

    def __repr__(self) -> str:
        return f"Predictor(classify={self.runs['classify']!r}, extract={self.runs['extract']!r})"


def _load(run_dir: Path, task: str, backend: str):
    """The run's model for ``backend`` (``native``: the model's own predict_proba / predict)."""
    if backend == "native":
        return load_run_model(run_dir, task)
    # Other backends (ONNX) load through load_run_model's backend argument.
    return load_run_model(run_dir, task, backend=backend)
