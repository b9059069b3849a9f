"""The files and folders a run will write, checked before it does anything: a ``--log``
or ``--report`` that cannot be written, or a ``-w`` that is a file, is told at once —
never after a build of minutes, never after an install was committed."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._exceptions import OptionError


def check_outputs(args: argparse.Namespace) -> None:
    """Raise :class:`OptionError` for an output option that names something unusable."""
    for dest in ("log", "report"):
        value = getattr(args, dest, None)
        if value:
            _check_file(dest, Path(value))
    wheel_dir = getattr(args, "wheel_dir", None)
    if args.command == "wheel" and wheel_dir:
        path = Path(wheel_dir)
        if path.exists() and not path.is_dir():
            raise OptionError("{wheel_dir} {path} is not a directory; name a directory for the wheels", path=path)
        existing = next((parent for parent in path.absolute().parents if parent.exists()), None)
        if existing is not None and not existing.is_dir():
            raise OptionError(
                "{wheel_dir} {path}: {parent} is a file; name a directory for the wheels", path=path, parent=existing
            )


def _check_file(dest: str, path: Path) -> None:
    if path.is_dir():
        raise OptionError("{" + dest + "} {path} is a directory; name a file", path=path)
    folder = path.absolute().parent
    if not folder.is_dir():
        raise OptionError(
            "{" + dest + "} {path}: its folder {folder} does not exist; create it or name another file",
            path=path,
            folder=folder,
        )
