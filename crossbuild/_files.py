"""Writing files as a careful packager does: explicit modes and atomic renames, whatever the umask.

What crossbuild writes goes into firmware images, into ``-w`` and into a cache that
later runs trust.  None of it may depend on the process umask: a user may run with
``umask 000``, and a library may change it behind our back (unearth's sdist extraction
sets it to 0).  So files get 0644 (0755 when executable) and directories 0755, set
explicitly; and whatever another process may read is written under a temporary name
and renamed into place, so it is seen either whole or not at all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger("crossbuild")

DIR_MODE = 0o755
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755


#: How far a file's times may lag the clock: the kernel stamps them at its clock tick.
FILE_CLOCK_SLACK_NS = 50_000_000


def file_identity(info: os.stat_result) -> tuple[int, int, int, int]:
    """What changes when a file is written, truncated, chmodded or replaced: inode, size,
    mtime and ctime (the ctime is set by every change, and nothing sets it back)."""
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def identity_of(path: str | os.PathLike[str]) -> list[int] | None:
    """The :func:`file_identity` of the file at ``path`` (as JSON keeps it), or ``None``
    when there is none."""
    try:
        return list(file_identity(Path(path).stat()))
    except OSError:
        return None


def make_dirs(path: Path, created: list[Path] | None = None) -> list[Path]:
    """Create ``path`` and its missing parents with mode 0755.

    Each directory made is appended to ``created`` as soon as it exists (so a caller
    that undoes its changes knows of it even if a later one fails); that list is returned.
    ``mkdir`` alone would give ``0777 & ~umask``: world-writable under ``umask 000``.
    """
    created = [] if created is None else created
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(DIR_MODE)
        except FileExistsError:  # another process made it meanwhile
            continue
        created.append(directory)
        directory.chmod(DIR_MODE)
    return created


def normalise_modes(tree: Path) -> None:
    """Give ``tree``'s directories 0755 and its files 0644, or 0755 if any execute bit is set.

    These are the modes pip gives to what it installs; symbolic links are left alone.
    ``tree`` itself is changed last, so a tree made private (0700) while it was written
    opens only once everything in it has its mode.
    """
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                path.chmod(DIR_MODE)
            elif stat.S_ISREG(mode):
                path.chmod(EXECUTABLE_MODE if mode & 0o111 else FILE_MODE)
    tree.chmod(DIR_MODE)


@contextlib.contextmanager
def atomic_file(destination: Path, mode: int = FILE_MODE) -> Iterator[BinaryIO]:
    """A stream whose content becomes ``destination`` (with ``mode``) only if the block succeeds.

    It is written under a temporary name next to ``destination`` and renamed over it, so
    a reader (another process sharing the cache) never sees a partial file, and a failure
    or a signal leaves nothing behind.
    """
    descriptor, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w+b") as stream:
            yield stream
            stream.flush()
            os.fchmod(stream.fileno(), mode)
            os.fsync(stream.fileno())
        temporary.replace(destination)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def keep_in_cache(path: Path, data: bytes, what: str) -> bool:
    """Write ``data`` to ``path`` in a cache, atomically; whether it was written.  A cache
    that cannot be written costs time, nothing else: ``what`` it was is only logged."""
    try:
        make_dirs(path.parent)
        with atomic_file(path) as stream:
            stream.write(data)
    except OSError as error:
        logger.debug("cannot keep %s in %s: %s", what, path, error)
        return False
    return True


def publish_file(source: Path, destination: Path, mode: int = FILE_MODE) -> Path:
    """Copy ``source`` to ``destination`` atomically, with ``mode``."""
    with source.open("rb") as stream, atomic_file(destination, mode) as out:
        shutil.copyfileobj(stream, out)
    return destination


def remove_tree(path: Path) -> None:
    """Remove the directory ``path``: first renamed out of the way, so no reader ever finds
    it half-deleted, then deleted."""
    aside = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".removed"))
    try:
        path.rename(aside / path.name)
    except FileNotFoundError:
        pass
    shutil.rmtree(aside, ignore_errors=True)
