"""Where the Hydra configs live and how a stage composes them.

The configs are the repository's ``configs/`` folder (an editable install
points here); ``CLAIMSIFT_CONFIG_DIR`` points elsewhere when needed.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
from omegaconf import DictConfig, OmegaConf

CONFIG_DIR = Path(os.environ.get("CLAIMSIFT_CONFIG_DIR", Path(__file__).resolve().parents[1] / "configs"))


def compose(config_name: str, overrides: list[str] | None = None) -> DictConfig:
    """Compose ``configs/<config_name>.yaml`` with overrides, outside of a Hydra app (tests, notebooks)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return hydra_compose(config_name=config_name, overrides=list(overrides or []))


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (when installed) from the one config seed."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    torch.manual_seed(seed)


_QUIET = ("ignore", None, Warning, None, 0)  # the warnings filter set_verbosity(False) adds


def set_verbosity(verbose: bool) -> None:
    """What a stage shows besides its own bars and lines: third-party output only when ``verbose``.

    Quiet (every stage config's ``verbose: false``): no warnings (claimsift raises none of its own,
    so those are scipy's, torch's, ...), no INFO lines from other libraries' loggers, no Hugging Face
    load reports or progress bars ("Loading weights", "Writing model shards", "Saving the dataset"),
    and the Trainer shows its training bar alone (``claimsift.models.transformer.quiet_trainer``).
    ``verbose=true`` puts every one of them back.
    """
    import logging
    import warnings

    import datasets
    import transformers

    claimsift_log = logging.getLogger("claimsift")
    if verbose:
        if _QUIET in warnings.filters:
            warnings.filters.remove(_QUIET)
            warnings._filters_mutated()  # the documented filterwarnings() does this after changing the list
        logging.getLogger().setLevel(logging.INFO)
        transformers.logging.set_verbosity_warning()
        transformers.logging.enable_progress_bar()
        datasets.logging.set_verbosity_warning()
        datasets.enable_progress_bars()
        return
    warnings.simplefilter("ignore")
    logging.getLogger().setLevel(logging.WARNING)  # other libraries' INFO lines (sentence-transformers, alembic)
    claimsift_log.setLevel(logging.INFO)  # ours stay
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()


def to_dict(cfg: DictConfig) -> dict:
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
