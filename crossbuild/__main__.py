"""``python -m crossbuild``: the command line (:mod:`crossbuild.cli`)."""

from __future__ import annotations

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m crossbuild"))
