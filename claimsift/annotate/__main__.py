"""``python -m claimsift.annotate push ...`` (same as ``claimsift annotate push ...``)."""

import sys

from claimsift.annotate import main

sys.exit(main())
