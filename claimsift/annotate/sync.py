"""Push sentences to a Label Studio project with pre-annotations; pull its annotations back as gold.

The task format, labeling config and the conversion of an export to gold
records are the file round trip's (:mod:`claimsift.gold.labelstudio`); this
module adds the server: the project found or created by title, tasks sent in
batches, the export fetched.

The choices and span labels are a scheme's (``scheme=``, as in
:mod:`claimsift.gold.labelstudio`): by default a built dataset's own scheme
when pushing one, else the default scheme (``batch_scheme``).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from claimsift.annotate.labelstudio_api import LabelStudio, LabelStudioError
from claimsift.config import CONFIG_DIR
# _group: the import's rule for spans without relations, reused for predicted spans without attr
from claimsift.gold.labelstudio import CHOICE, DATA_KEYS, _group, import_labelstudio, label_config, to_tasks
from claimsift.scheme import Scheme, check_dataset_scheme, dataset_scheme, load_scheme

CONFIG = CONFIG_DIR / "annotate.yaml"
URL_ENV = "LABEL_STUDIO_URL"


@dataclass
class Settings:
    url: str
    token: str
    project: str
    timeout_s: float
    import_batch: int


def settings(url: str | None = None, project: str | None = None, config: str | Path = CONFIG) -> Settings:
    """Where to reach Label Studio: flags first, then ``LABEL_STUDIO_URL``, then ``configs/annotate.yaml``.

    The token comes only from the environment variable the config names
    (``LABEL_STUDIO_API_KEY``). Raises LabelStudioError when it is unset.
    """
    cfg = OmegaConf.load(config)
    token_env = cfg.label_studio.token_env
    token = os.environ.get(token_env, "").strip()
    url = url or os.environ.get(URL_ENV) or cfg.label_studio.url
    if not token:
        raise LabelStudioError(f"{url}: no API token: set {token_env} to a Label Studio access token "
                               "(Account & Settings → Personal Access Token)")
    return Settings(url=url, token=token, project=project or cfg.project,
                    timeout_s=float(cfg.label_studio.timeout_s), import_batch=int(cfg.import_batch))


def client(s: Settings) -> LabelStudio:
    return LabelStudio(s.url, s.token, s.timeout_s)


# --- push ---------------------------------------------------------------------

def read_batch(path: str | Path) -> list[dict]:
    """Sentence records from a built dataset (its folder or ``sentences.jsonl``), a ``claimsift predict``
    output (.jsonl or .csv) or a ``claimsift annotate select`` file.

    Raises FileNotFoundError for a missing input and ValueError naming file and
    line for a record without the fields a task needs.
    """
    path = Path(path)
    if path.is_dir():
        from claimsift.data.dataset import load_records

        records = load_records(path)
    elif not path.is_file():
        raise FileNotFoundError(f"{path}: no such file or folder")
    elif path.suffix == ".csv":
        from claimsift.predict.writer import iter_records

        records = list(iter_records(path))
    else:
        from claimsift.io import read_jsonl

        records = read_jsonl(path)
    for n, rec in enumerate(records, 1):
        missing = [k for k in DATA_KEYS if rec.get(k) is None]
        if missing:
            raise ValueError(f"{path}:{n}: record lacks {', '.join(missing)}")
    return records


def dataset_dir(path: str | Path) -> Path | None:
    """The built dataset ``path`` is (its folder or its ``sentences.jsonl``), or None for any other input."""
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    return folder if (folder / "meta.json").is_file() and (path.is_dir() or path.name == "sentences.jsonl") else None


def batch_scheme(input_path: str | Path, scheme=None) -> Scheme:
    """The scheme whose classes and span types a push offers: ``scheme`` when given (a name in
    ``configs/scheme/``, a ``.yaml`` path or a Scheme), else a built dataset's own (its ``meta.json``), else the
    default scheme.

    Raises ValueError when a built dataset was labelled with another scheme than ``scheme``, or records none.
    """
    folder = dataset_dir(input_path)
    if scheme is None:
        return dataset_scheme(folder) if folder is not None else load_scheme(None)
    scheme = load_scheme(scheme)
    if folder is not None:
        check_dataset_scheme(scheme, folder)
    return scheme


def check_batch_labels(records: list[dict], scheme: Scheme, where: str) -> None:
    """Raise ValueError naming ``where`` and the line when a record's class (predicted, weak or gold) or span
    type is not ``scheme``'s: a file of another scheme's runs or dataset, whose scheme --scheme must name."""
    for n, rec in enumerate(records, 1):
        labels = {rec.get(k) for k in ("label", "weak_label", "gold_label")} - {None}
        types = {sp.get("type") for k in ("spans", "gold_spans") for sp in rec.get(k) or []}
        wrong = sorted(labels - set(scheme.classes)) + sorted(types - set(scheme.span_types))
        if wrong:
            raise ValueError(f"{where}:{n}: {', '.join(map(repr, wrong))} not of scheme {scheme.name} (classes "
                             f"{', '.join(scheme.classes)}; span types {', '.join(scheme.span_types) or 'none'}); "
                             "pass --scheme with the scheme of the runs or dataset that wrote it")


def is_model_output(rec: dict) -> bool:
    """A predictions or selection record (the model's class in ``label``), not a dataset sentence or gold."""
    return "probabilities" in rec and "weak_label" not in rec


def task_for(rec: dict) -> dict:
    """The Label Studio task of one record, the model's or labeling functions' output as its prediction.

    A dataset sentence keeps the file round trip's task (weak labels as the
    prediction, a gold label as an annotation). A predictions or selection
    record's class and spans become the prediction, scored by the class's
    probability; spans without ``attr`` are grouped in order (a repeated span
    type starts a new attribution).
    """
    if not is_model_output(rec):
        return to_tasks([rec])[0]
    spans = [dict(s) for s in rec.get("spans") or []]
    if any("attr" not in s for s in spans):
        spans.sort(key=lambda s: (s["start"], s["end"]))
        _group(spans, [])
    label = rec.get("label")
    task = to_tasks([{**{k: rec[k] for k in DATA_KEYS}, "weak_label": label, "spans": spans}])[0]
    (prediction,) = task["predictions"]
    if label is None:  # predicted by a span model alone: no class to suggest
        prediction["result"] = [r for r in prediction["result"] if r.get("type") != "choices"]
    runs = "+".join(r for r in (rec.get("classify_run"), rec.get("extract_run")) if r)
    prediction["model_version"] = runs or f"claimsift-select-{rec.get('strategy') or 'model'}"
    probs = rec.get("probabilities")
    if isinstance(probs, dict) and label in probs:
        prediction["score"] = float(probs[label])
    return task


def project_for(ls: LabelStudio, title: str, scheme=None) -> tuple[dict, bool]:
    """The project titled ``title`` with ``scheme``'s labeling config (None: the default scheme): (project, created).

    An existing project whose config differs gets the current one (Label
    Studio refuses, with a message, when its annotations would not fit).
    """
    config = label_config(scheme)
    project = ls.project_by_title(title)
    if project is None:
        return ls.create_project(title, config), True
    if project.get("label_config", "").strip() != config.strip():
        project = ls.update_label_config(project["id"], config)
    return project, False


def push(input_path: str | Path, s: Settings, limit: int | None = None, include_gold: bool = False,
         scheme=None) -> dict:
    """Send the sentences of ``input_path`` (see ``read_batch``) as tasks to the project ``s.project``, whose
    labeling config offers the classes and span types of ``scheme`` (see ``batch_scheme``).

    Sentences already in the project (by ``sent_id``) and, unless
    ``include_gold``, sentences with a gold label are left out; ``limit`` keeps
    the first that many of the rest (a selection file is in rank order).
    Returns a summary: project id and URL, whether it was created, tasks sent,
    and how many were left out and why, and the scheme's name. Raises
    LabelStudioError, ValueError, FileNotFoundError with one-line messages.
    """
    scheme = batch_scheme(input_path, scheme)
    records = read_batch(input_path)
    check_batch_labels(records, scheme, str(input_path))
    ls = client(s)
    project, created = project_for(ls, s.project, scheme)
    present = set() if created else {t.get("data", {}).get("sent_id") for t in ls.export(project["id"], all_tasks=True)}
    batch, seen, counts = [], set(), {"already_in_project": 0, "gold": 0, "duplicate": 0}
    for rec in records:
        sent_id = rec["sent_id"]
        if sent_id in present:
            counts["already_in_project"] += 1
        elif sent_id in seen:
            counts["duplicate"] += 1
        elif not include_gold and (rec.get("gold_label") is not None or
                                   ("label" in rec and not is_model_output(rec))):
            counts["gold"] += 1
        else:
            seen.add(sent_id)
            batch.append(rec)
    if limit is not None:
        batch = batch[:limit]
    tasks = [task_for(rec) for rec in batch]
    sent = 0
    for i in range(0, len(tasks), s.import_batch):
        answer = ls.import_tasks(project["id"], tasks[i:i + s.import_batch])
        sent += int(answer.get("task_count", 0))
    return {"project_id": project["id"], "project_url": f"{ls.url}/projects/{project['id']}/data",
            "created": created, "tasks": sent, "left_out": counts, "scheme": scheme.name}


# --- pull ---------------------------------------------------------------------

def config_classes(config: str) -> list[str] | None:
    """The class choices a labeling config (XML) offers, sorted; None when it is not one of ours."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(config)
    except ElementTree.ParseError:
        return None
    for choices in root.iter("Choices"):
        if choices.get("name") == CHOICE:
            return sorted(c.get("value") for c in choices.iter("Choice"))
    return None


def pull(out_path: str | Path, s: Settings, overwrite: bool = False,
         scheme=None) -> tuple[int, list[str], list[str]]:
    """Write the annotated tasks of the project ``s.project`` as gold records to ``out_path`` (atomically),
    their classes and span types checked against ``scheme`` (None: the default scheme).

    Returns (records written, skipped-task messages, gold-check problems).
    Raises LabelStudioError when the project does not exist or the server
    fails, ValueError for an existing ``out_path`` without ``overwrite``, a
    project whose classes are not ``scheme``'s, or an annotation that is not
    valid gold (naming the export URL and task).
    """
    from claimsift.data.gold import check_records
    from claimsift.io import read_jsonl

    out_path, scheme = Path(out_path), load_scheme(scheme)
    if out_path.exists() and not overwrite:
        raise ValueError(f"{out_path}: exists; pass --overwrite to replace it with the project's annotations")
    ls = client(s)
    project = ls.project_by_title(s.project)
    if project is None:
        raise LabelStudioError(f"{ls.url}: no project titled {s.project!r} (run `claimsift annotate push` first)")
    offered = config_classes(project.get("label_config") or "")
    if offered is not None and offered != list(scheme.classes):
        raise ValueError(f"{ls.url}: project {s.project!r} offers the classes {', '.join(offered)}, not scheme "
                         f"{scheme.name}'s ({', '.join(scheme.classes)}): pass --scheme with the project's scheme")
    tasks = ls.export(project["id"])
    with tempfile.TemporaryDirectory(prefix="claimsift-pull-") as tmp:
        export_path = Path(tmp) / "export.json"
        export_path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
        try:
            n, skipped = import_labelstudio(export_path, out_path, scheme)
        except ValueError as exc:  # name the server, not the temporary file
            raise ValueError(str(exc).replace(str(export_path), ls.export_url(project["id"]))) from None
    skipped = [line.replace(str(export_path), ls.export_url(project["id"])) for line in skipped]
    return n, skipped, check_records(read_jsonl(out_path), str(out_path),
                                     classes=scheme.classes, span_types=scheme.span_types)
