"""The console command: ``claimsift <stage> [hydra overrides]``.

    claimsift label data=seeds
    claimsift train task=classify model=baseline
    claimsift evaluate run=models/classify-baseline-seeds-latest split=gold
    claimsift predict input=seeds output=predictions/seeds.jsonl
    claimsift compare models/classify-baseline-seeds-latest models/classify-transformer-seeds-latest
    claimsift gold check
    claimsift annotate push annotate/next.jsonl

Each stage is also ``python -m claimsift.<stage>``.
"""

from __future__ import annotations

import importlib
import sys

STAGES = {
    "label": "claimsift.label",
    "gold": "claimsift.gold",
    "train": "claimsift.train",
    "evaluate": "claimsift.evaluate",
    "compare": "claimsift.compare",
    "predict": "claimsift.predict",
    "brat": "claimsift.brat",
    "annotate": "claimsift.annotate",
}


def main(argv: list[str] | None = None) -> int | None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nstages: " + ", ".join(STAGES))
        return 0
    stage, rest = argv[0], argv[1:]
    if stage not in STAGES:
        print(f"claimsift: unknown stage {stage!r} (expected one of {', '.join(STAGES)})", file=sys.stderr)
        return 2
    module = importlib.import_module(STAGES[stage])
    # Hydra reads sys.argv; show the stage in its messages.
    sys.argv = [f"claimsift {stage}", *rest]
    return module.main()


if __name__ == "__main__":
    sys.exit(main())
