"""One install at a time into a root: ``flock`` on the root directory itself.

Why the directory and not a lock file: nothing is added to the rootfs (a lock file would
end up in the firmware image); the kernel drops the lock when its process dies, even by
SIGKILL, so there is never a stale lock to clean up; and every path that reaches the root
(a symlink, a bind mount, a relative path) locks the same inode — a lock file in the cache
keyed by the root's path would miss those, and two runs with different ``--cache-dir``
would not see each other.  A file system that cannot lock (some network file systems)
gets a warning and no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger("crossbuild")

PROC_LOCKS = Path("/proc/locks")


@contextlib.contextmanager
def locked_root(root: Path) -> Iterator[None]:
    """Hold the root's lock, waiting (and saying so) while another install holds it.

    A missing root is made first (and removed again if it is still empty at the end).
    """
    made = [directory for directory in (root, *root.parents) if not directory.exists()]
    root.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            _lock(descriptor, root)
            yield
        finally:
            os.close(descriptor)
    finally:
        for directory in made:  # nearest first
            with contextlib.suppress(OSError):  # not empty: it is the installed root
                directory.rmdir()


def install_in_progress(root: Path) -> bool:
    """Whether another process holds ``root``'s lock now (an install is under way)."""
    try:
        descriptor = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False  # a file system that cannot lock: no install waits either
    finally:
        os.close(descriptor)  # and with it the shared lock, if taken
    return False


def _lock(descriptor: int, root: Path) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    except OSError as error:
        logger.warning("cannot lock %s (%s): an install into it at the same time would not wait", root, error.strerror)
        return
    holder = lock_holder(descriptor)
    logger.info("waiting for another crossbuild install into %s%s…", root, f" (pid {holder})" if holder else "")
    fcntl.flock(descriptor, fcntl.LOCK_EX)


def lock_holder(descriptor: int, locks: Path = PROC_LOCKS) -> int | None:
    """The pid that holds the ``flock`` on the file of ``descriptor``, from ``/proc/locks``."""
    info = os.fstat(descriptor)
    inode = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        lines = locks.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"; waiters have "->" after the number
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == inode and fields[4].isdigit():
            return int(fields[4])
    return None
