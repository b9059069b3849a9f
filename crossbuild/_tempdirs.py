"""crossbuild's temporary directories: named after their process, removed even after SIGKILL.

A run removes its temporary directories on its way out, also on SIGINT and SIGTERM (see
:mod:`crossbuild._signals`).  SIGKILL leaves no way out, so every directory is named
``crossbuild-PID-PURPOSE-XXXXXXXX`` and locked (``flock``) by its process while it
exists; the first temporary directory a later run makes sweeps ``TMPDIR`` for those whose
lock is free and whose process is gone, and removes them.  Both tests are needed: the
lock is dropped by the kernel the moment its process dies, whatever its pid namespace,
while the pid closes the moment between creating a directory and locking it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._signals import deferred

logger = logging.getLogger("crossbuild")

_NAME = re.compile(r"crossbuild-(?P<pid>[0-9]+)-")
_swept: set[str] = set()
"""The directories swept by this process already."""


@contextlib.contextmanager
def temporary_directory(purpose: str) -> Iterator[Path]:
    """A new directory ``crossbuild-PID-PURPOSE-XXXXXXXX`` in ``TMPDIR``, removed at the end.

    The pid has seven digits (Linux's largest ``pid_max`` is 4194304), so the path's length
    does not depend on the process: a search path into it that a build wrote and mending
    dropped leaves padding of that length in the ELF file, the same for every build."""
    sweep(Path(tempfile.gettempdir()))
    path: Path | None = None
    descriptor = -1
    try:
        path = Path(tempfile.mkdtemp(prefix=f"crossbuild-{os.getpid():07d}-{purpose}-"))
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield path
    finally:
        with deferred():
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
            if descriptor >= 0:
                os.close(descriptor)


def sweep(directory: Path) -> None:
    """Remove the temporary directories that killed crossbuild runs left in ``directory``."""
    if str(directory) in _swept:
        return
    _swept.add(str(directory))
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or int(match["pid"]) == os.getpid() or process_alive(int(match["pid"])):
            continue
        try:
            with _locked(Path(entry.path)):
                shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:  # not a directory, or locked: not ours to remove
            continue
        if not os.path.lexists(entry.path):
            logger.info("removed %s, left by a crossbuild run that was killed", entry.path)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's
        return True
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` (a directory, not a link); raise :class:`OSError` if it is held."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(descriptor)
