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

import hydra
from omegaconf import DictConfig

from claimsift.config import CONFIG_DIR
from claimsift.data.build import build


def label(cfg: DictConfig) -> dict:
    """Build the dataset; return its summary (counts, LF table, weak-vs-gold scores)."""
    return build(cfg)


@hydra.main(config_path=str(CONFIG_DIR), config_name="label", version_base="1.3")
def _hydra_main(cfg: DictConfig) -> None:
    try:
        label(cfg)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"claimsift label: {exc}") from None


def main() -> None:
    _hydra_main()


if __name__ == "__main__":
    main()
