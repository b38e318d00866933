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


def to_dict(cfg: DictConfig) -> dict:
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
