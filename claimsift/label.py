"""The label stage: articles → a weakly labeled, split sentence dataset.

    claimsift label                                  # the seeds (data=seeds)
    claimsift label data=corpus data.path=/path/to/articles
    claimsift label data=polnear                     # PolNeAR in place, with the standoff sentence labels
    claimsift label data=written                     # the team's marked-up training articles
    claimsift label data=mix                         # seeds + polnear + written, seeds held out whole
    claimsift label label_model.kind=majority split.test=0.3 seed=1

Writes ``data/built/<data.name>/`` (see ``claimsift.data.dataset``) and prints
a summary: articles, skipped inputs, sentences, boilerplate dropped, gold
joined, class distribution, weak labels against gold. The work is
:func:`claimsift.data.build.build`; this module is its command line.
"""

from __future__ import annotations

import re

import hydra
from omegaconf import DictConfig

from claimsift.config import CONFIG_DIR, set_verbosity
from claimsift.data.build import build
from claimsift.io import describe_os_error

# data.name is a folder under data/built/: one plain name, so a dataset never lands outside it.
DATASET_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def check_dataset_name(name) -> str:
    """``name`` if it is a plain folder name (letters, digits, ``. _ -``, no leading dot); ValueError otherwise."""
    if not isinstance(name, str) or not DATASET_NAME.fullmatch(name):
        raise ValueError(f"data.name={name!r}: a dataset name is one plain folder name "
                         "(letters, digits, . _ -, not starting with '.'), e.g. data.name=mycorpus")
    return name


def label(cfg: DictConfig) -> dict:
    """Build the dataset; return its summary (counts, LF table, weak-vs-gold scores).

    Raises ValueError for a dataset name that is not a plain folder name, or
    an output folder claimsift did not write (see ``claimsift.io.atomic_path``).
    """
    set_verbosity(cfg.verbose)
    check_dataset_name(cfg.data.name)
    return build(cfg)


@hydra.main(config_path=str(CONFIG_DIR), config_name="label", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        label(cfg)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"claimsift label: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"claimsift label: {describe_os_error(exc)}") from None


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
