"""Warnings of the libraries crossbuild drives, turned into log messages."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator


@contextlib.contextmanager
def warnings_to_log(log: logging.Logger, level: int = logging.INFO) -> Iterator[None]:
    """Log the warnings raised inside the block (a backend's, installer's) instead of
    letting them reach the user's terminal, or ``filterwarnings = error`` in tests."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for warning in caught:
                log.log(level, "%s: %s", warning.category.__name__, warning.message)
