"""Push sentences to a Label Studio project with pre-annotations; pull its annotations back as gold.

The task format, labeling config and the conversion of an export to gold
records are the file round trip's (:mod:`claimsift.gold.labelstudio`); this
module adds the server: the project found or created by title, tasks sent in
batches, the export fetched.
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
from claimsift.gold.labelstudio import DATA_KEYS, _group, import_labelstudio, label_config, to_tasks

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


def project_for(ls: LabelStudio, title: str) -> tuple[dict, bool]:
    """The project titled ``title`` with the task's labeling config: (project, created).

    An existing project whose config differs gets the current one (Label
    Studio refuses, with a message, when its annotations would not fit).
    """
    config = label_config()
    project = ls.project_by_title(title)
    if project is None:
        return ls.create_project(title, config), True
    if project.get("label_config", "").strip() != config.strip():
        project = ls.update_label_config(project["id"], config)
    return project, False


def push(input_path: str | Path, s: Settings, limit: int | None = None, include_gold: bool = False) -> dict:
    """Send the sentences of ``input_path`` (see ``read_batch``) as tasks to the project ``s.project``.

    Sentences already in the project (by ``sent_id``) and, unless
    ``include_gold``, sentences with a gold label are left out; ``limit`` keeps
    the first that many of the rest (a selection file is in rank order).
    Returns a summary: project id and URL, whether it was created, tasks sent,
    and how many were left out and why. Raises LabelStudioError, ValueError,
    FileNotFoundError with one-line messages.
    """
    records = read_batch(input_path)
    ls = client(s)
    project, created = project_for(ls, s.project)
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
            "created": created, "tasks": sent, "left_out": counts}


# --- pull ---------------------------------------------------------------------

def pull(out_path: str | Path, s: Settings, overwrite: bool = False) -> tuple[int, list[str], list[str]]:
    """Write the annotated tasks of the project ``s.project`` as gold records to ``out_path`` (atomically).

    Returns (records written, skipped-task messages, gold-check problems).
    Raises LabelStudioError when the project does not exist or the server
    fails, ValueError for an existing ``out_path`` without ``overwrite`` or an
    annotation that is not valid gold (naming the export URL and task).
    """
    from claimsift.data.gold import check_records
    from claimsift.io import read_jsonl

    out_path = Path(out_path)
    if out_path.exists() and not overwrite:
        raise ValueError(f"{out_path}: exists; pass --overwrite to replace it with the project's annotations")
    ls = client(s)
    project = ls.project_by_title(s.project)
    if project is None:
        raise LabelStudioError(f"{ls.url}: no project titled {s.project!r} (run `claimsift annotate push` first)")
    tasks = ls.export(project["id"])
    with tempfile.TemporaryDirectory(prefix="claimsift-pull-") as tmp:
        export_path = Path(tmp) / "export.json"
        export_path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
        try:
            n, skipped = import_labelstudio(export_path, out_path)
        except ValueError as exc:  # name the server, not the temporary file
            raise ValueError(str(exc).replace(str(export_path), ls.export_url(project["id"]))) from None
    skipped = [line.replace(str(export_path), ls.export_url(project["id"])) for line in skipped]
    return n, skipped, check_records(read_jsonl(out_path), str(out_path))
