"""``python -m claimsift.gold check`` (same as ``claimsift gold check``)."""

import sys

from claimsift.gold import main

sys.exit(main())
