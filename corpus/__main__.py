"""``python -m corpus``: see :mod:`corpus.run`."""

import sys

from corpus.run import main

sys.exit(main())
