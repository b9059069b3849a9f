"""A pure-Python package with a console script."""

import platform


def main() -> None:
    print(f"hello from {platform.machine()}")
