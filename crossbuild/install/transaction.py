"""Change a host root directory all at once, or not at all.

Files are first staged in a directory inside the root (so that moving them in is a
rename on the same file system).  :class:`RootTransaction` then moves every replaced or
removed file aside, moves the staged files in, and on any failure — an exception, Ctrl-C,
SIGTERM — puts everything back as it was.  Every path is resolved inside the root like
``chroot`` would (:func:`crossbuild.host.rootfs.resolve_in_root`): symlinks in the rootfs
never lead a write outside it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from .._exceptions import InstallTargetError
from .._faults import fault_point
from ..host.rootfs import resolve_in_root

logger = logging.getLogger("crossbuild")


class Interrupted(BaseException):
    """SIGTERM arrived while the root was being changed."""


class RootTransaction:
    """Staged changes to ``root``: files to add (``stage_dir``) and files to remove."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._work = Path(tempfile.mkdtemp(prefix=".crossbuild-", dir=root))
        self.stage_dir = self._work / "stage"
        self.stage_dir.mkdir()
        self._removals: list[str] = []
        self._moved_aside: list[tuple[Path, Path]] = []
        self._added: list[Path] = []
        self._created_dirs: list[Path] = []

    def remove(self, host_path: str) -> None:
        """Remove the file at ``host_path`` (a path on the host) when committing."""
        self._removals.append(host_path)

    def staged_files(self) -> list[str]:
        """Host paths of the staged files."""
        return sorted("/" + p.relative_to(self.stage_dir).as_posix() for p in _files(self.stage_dir))

    def commit(self) -> None:
        """Apply the changes; on any failure undo them and re-raise."""
        with _sigterm_raises():
            try:
                fault_point("commit:before-move")
                for host_path in self._removals:
                    self._move_aside(resolve_in_root(self.root, host_path, follow_last=False))
                for host_path in self.staged_files():
                    self._place(host_path)
                fault_point("commit:after-last-move")
            except BaseException:
                self._roll_back()
                raise
        fault_point("commit:before-cleanup")
        self._prune_emptied_directories()
        self.discard()

    def discard(self) -> None:
        """Forget the staged changes (and the backups of a committed transaction)."""
        shutil.rmtree(self._work, ignore_errors=True)

    def _move_aside(self, target: Path) -> None:
        if not (target.exists() or target.is_symlink()) or target.is_dir():
            return
        backup = self._work / "backup" / str(len(self._moved_aside))
        backup.parent.mkdir(exist_ok=True)
        target.rename(backup)
        fault_point("commit:after-move", len(self._moved_aside) + len(self._added) + 1)
        self._moved_aside.append((target, backup))

    def _place(self, host_path: str) -> None:
        target = resolve_in_root(self.root, host_path, follow_last=False)
        if not target.is_relative_to(self.root):  # resolve_in_root never does this; stay sure
            raise InstallTargetError("refusing to write {target}: it is outside {root}", target=target, root=self.root)
        self._make_parents(target.parent)
        self._move_aside(target)
        (self.stage_dir / host_path.lstrip("/")).rename(target)
        fault_point("commit:after-move", len(self._moved_aside) + len(self._added) + 1)
        self._added.append(target)

    def _prune_emptied_directories(self) -> None:
        """Remove the directories that held removed files and are empty now, as pip does."""
        candidates = {original.parent for original, _ in self._moved_aside}
        for directory in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
            if directory.is_relative_to(self.root) and directory != self.root:
                with contextlib.suppress(OSError):  # not empty: it stays
                    directory.rmdir()

    def _make_parents(self, directory: Path) -> None:
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for path in reversed(missing):
            path.mkdir()
            self._created_dirs.append(path)

    def _roll_back(self) -> None:
        logger.info("restoring %s as it was", self.root)
        for path in reversed(self._added):
            path.unlink(missing_ok=True)
        for original, backup in reversed(self._moved_aside):
            backup.rename(original)
        for directory in reversed(self._created_dirs):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self.discard()


def _files(directory: Path) -> Iterator[Path]:
    for dirpath, _dirnames, filenames in os.walk(directory):
        for filename in filenames:
            yield Path(dirpath) / filename


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """Turn SIGTERM into an exception for the duration, so the rollback runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
