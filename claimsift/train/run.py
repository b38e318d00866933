"""The run folder: written under a hidden temporary name, renamed when complete, pointed at by ``latest``.

A run is ``<task>-<model>-<data>-<timestamp>/`` (``data`` is the dataset's
``data.name``) and ``<task>-<model>-<data>-latest`` links to the newest run of
that task, model and dataset, so training on one dataset never moves another
dataset's link. A run that fails or is interrupted removes its temporary
folder; one killed outright leaves only a hidden ``.<task>-<model>-<data>-*.tmp``
folder, never a complete-looking run folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

log = logging.getLogger("claimsift.train")
# Lines for train.log only: the transformer's per-epoch numbers, the full validation metrics.
epoch_log = logging.getLogger("claimsift.train.epochs")
epoch_log.propagate = False


@contextlib.contextmanager
def run_folder(out_root: str | Path, task: str, model: str, data: str) -> Iterator["Run"]:
    """Yield a Run writing into a temporary folder; on success rename it to ``<task>-<model>-<data>-<timestamp>``
    and point ``<task>-<model>-<data>-latest`` at it."""
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{task}-{model}-{data}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-{stamp}.", suffix=".tmp", dir=out_root))
    run = Run(tmp=tmp, out_root=out_root, base=f"{name}-{stamp}", latest=latest_name(task, model, data))
    handler = logging.FileHandler(tmp / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    for logger in (log, epoch_log):
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        try:
            yield run
        finally:
            for logger in (log, epoch_log):
                logger.removeHandler(handler)
            handler.close()
        run.finish()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def latest_name(task: str, model: str, data: str) -> str:
    """The link to the newest run of ``task`` and ``model`` trained on dataset ``data``."""
    return f"{task}-{model}-{data}-latest"


class Run:
    def __init__(self, tmp: Path, out_root: Path, base: str, latest: str):
        self.tmp = tmp
        self.out_root = out_root
        self.base = base
        self.latest = latest
        self.path: Path | None = None  # the final folder, once renamed

    def finish(self) -> None:
        """Rename the temporary folder to a free ``<base>[-n]`` name and point ``latest`` at it."""
        for n in range(1, 1000):
            final = self.out_root / (self.base if n == 1 else f"{self.base}-{n}")
            if final.exists():  # another run in the same second (multirun of fast models)
                continue
            try:
                self.tmp.chmod(0o755)  # mkdtemp made it private; a finished run is for everyone to read
                os.rename(self.tmp, final)
            except OSError:
                continue
            self.path = final
            break
        else:  # pragma: no cover - a thousand runs in one second
            raise RuntimeError(f"{self.out_root}: no free name for run {self.base}")
        link = self.out_root / self.latest
        tmp_link = self.out_root / f".{self.latest}.{os.getpid()}.tmp"
        tmp_link.unlink(missing_ok=True)
        os.symlink(final.name, tmp_link)  # relative: the models folder can move
        os.replace(tmp_link, link)


def reproduce_command(cfg) -> str:
    """The command line that repeats this run (Hydra's overrides when run from the CLI)."""
    try:
        from hydra.core.hydra_config import HydraConfig

        overrides = list(HydraConfig.get().overrides.task)
    except ValueError:  # not under a Hydra app (tests, bench): the choices that define the run
        overrides = [f"task={cfg.task.name}", f"model={cfg.model.name}", f"data={cfg.data.name}"]
    if not any(o.startswith("seed=") for o in overrides):
        overrides.append(f"seed={cfg.seed}")
    return " ".join(["claimsift", "train", *map(shlex.quote, overrides)])
