"""A tiny package whose tests say which machine runs them (crossbuild wheel --test-command)."""

import platform


def machine() -> str:
    return platform.machine()
