"""Which trained runs predict: an explicit run folder, or the newest run of a task on a dataset.

A run folder is ``models/<task>-<model>-<data>-<timestamp>/`` with ``run.json``
(task, model, data, created) and ``model/``;
``models/<task>-<model>-<data>-latest`` are symlinks to some of them and
resolve to the same folders.
"""

from __future__ import annotations

import json
from pathlib import Path

from claimsift.models.base import ClassifierModel, SpanModel, load_model

LATEST = "latest"
TASK_CLASSES = {"classify": ClassifierModel, "extract": SpanModel}


def run_info(run_dir: Path) -> dict | None:
    """``run_dir/run.json`` as a dict; None if it is missing or unreadable."""
    try:
        meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return meta if isinstance(meta, dict) else None


def run_task(run_dir: Path) -> str | None:
    """The task named in ``run_dir/run.json`` (or the folder name's prefix); None if unreadable."""
    meta = run_info(run_dir)
    if meta is None:
        return None
    return meta.get("task") or run_dir.name.split("-", 1)[0]


def run_data(run_dir: Path) -> str | None:
    """The dataset name a run was trained on: run.json's ``data``, else config.yaml's ``data.name``; None if neither."""
    name = (run_info(run_dir) or {}).get("data")
    if name:
        return str(name)
    if (run_dir / "config.yaml").is_file():  # runs from before run.json named their data
        from omegaconf import OmegaConf

        try:
            name = OmegaConf.select(OmegaConf.load(run_dir / "config.yaml"), "data.name")
        except Exception:  # an unreadable config only means the dataset is unknown
            return None
        return str(name) if name else None
    return None


def _created(run_dir: Path) -> str:
    return str((run_info(run_dir) or {}).get("created") or "")


def find_latest_run(models_dir: str | Path, task: str, dataset: str | None = None) -> Path | None:
    """The newest complete run folder of ``task`` under ``models_dir`` (any model), or None.

    With ``dataset``, only runs trained on that dataset (``data.name``, see
    ``run_data``) count. Newest by run.json's ``created``, then by folder name
    (which ends in the timestamp). Folders being written (dot names) and
    folders without ``model/`` are ignored.
    """
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return None
    runs = set()
    for child in models_dir.iterdir():
        if child.name.startswith(".") or not child.is_dir():
            continue
        real = child.resolve()
        if (real / "model").is_dir() and run_task(real) == task and (dataset is None or run_data(real) == dataset):
            runs.add(real)
    if not runs:
        return None
    return max(runs, key=lambda r: (_created(r), r.name))


def resolve_run(spec: str | None, models_dir: str | Path, task: str, dataset: str | None = None) -> Path | None:
    """The run folder ``spec`` names for ``task``: a path, ``latest`` (on ``dataset``, if given), or None.

    None also when the task is not wanted (``spec`` null) or ``latest`` finds no run.
    Raises FileNotFoundError when an explicit run folder does not exist or
    holds no model, ValueError when it belongs to another task.
    """
    if spec is None or str(spec).lower() in ("", "none", "null", "false"):
        return None
    if str(spec) == LATEST:
        return find_latest_run(models_dir, task, dataset)
    run_dir = Path(spec)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"{spec}: no such run folder ({task}_run=)")
    if not (run_dir / "model").is_dir():
        raise FileNotFoundError(f"{spec}: not a run folder (no model/ inside)")
    found = run_task(run_dir.resolve())
    if found is not None and found != task:
        raise ValueError(f"{spec}: is a {found} run, expected a {task} run ({task}_run=)")
    return run_dir.resolve()


def load_run_model(run_dir: Path, task: str, backend: str = "native") -> ClassifierModel | SpanModel:
    """Load ``run_dir/model`` and check it does ``task``; with ``backend`` ``onnx`` / ``onnx-fp32`` a
    transformer's network runs in ONNX Runtime (``claimsift.predict.onnx``: exported and cached in the
    run folder on first use), with the same interface. Raises ValueError for another task or backend.
    """
    model = load_model(run_dir / "model")
    if not isinstance(model, TASK_CLASSES[task]):
        raise ValueError(f"{run_dir}: holds a {type(model).__name__}, not a {task} model")
    if backend == "native":
        return model
    from claimsift.predict.onnx import with_onnx  # onnxruntime is loaded only when asked for

    return with_onnx(model, run_dir, backend)
