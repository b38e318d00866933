"""``python -m claimsift.train [overrides]``: the same as ``claimsift train``."""

from claimsift.train import main

main()
