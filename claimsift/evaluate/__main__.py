import sys

from claimsift.evaluate import main

sys.exit(main())
