"""The files and folders a run will write, checked before it does anything: a ``--log``
or ``--report`` that cannot be written, or a ``-w`` that is a file, is told at once —
never after a build of minutes, never after an install was committed."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .._exceptions import CrossbuildError, OptionError


def check_outputs(args: argparse.Namespace) -> None:
    """Raise :class:`OptionError` for an output option that names something unusable."""
    for dest in ("log", "report", "sbom", "output"):  # sbom: install --sbom; output: sbom -o
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


@contextlib.contextmanager
def logs_kept_from(cache: Path) -> Iterator[None]:
    """With ``--no-cache-dir`` the cache is a temporary directory, removed when the run ends:
    the log of a build that failed there is copied first into ``TMPDIR``, where it
    survives (``crossbuild-log-XXXXXXXX-PROJECT-TIME.log``), and the error names the copy."""
    try:
        yield
    except CrossbuildError as error:
        if error.log is not None and error.log.is_relative_to(cache) and error.log.is_file():
            descriptor, name = tempfile.mkstemp(prefix="crossbuild-log-", suffix=f"-{error.log.name}")
            with os.fdopen(descriptor, "wb") as kept, error.log.open("rb") as log:
                shutil.copyfileobj(log, kept)
            error.log = Path(name)
        raise
