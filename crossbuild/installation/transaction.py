"""Change a host root directory all at once, or not at all — even if the process is killed.

Files are first staged in a work directory inside the root (so that moving them in is a
rename on the same file system): in a tree that mirrors the root (``stage_dir``, where
``installer`` writes), or each under a name of its own (:meth:`RootTransaction.new_file`,
where copies from the cache go: no directories to make in the stage, none to remove).
:meth:`RootTransaction.commit` plans every move, writes the plan to a journal
(:mod:`crossbuild.installation.journal`) and syncs it, then moves every replaced or removed
file aside and the staged files in.  On an exception, Ctrl-C or
SIGTERM it puts everything back as it was; after SIGKILL the next install does, from the
journal.  Every path is resolved inside the root like ``chroot`` would
(:func:`crossbuild.host.rootfs.resolve_in_root`): symlinks in the rootfs never lead a write
outside it.
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .._exceptions import InstallTargetError
from .._faults import fault_point
from .._files import make_dirs
from .._signals import deferred, signals_raise, work_complete
from ..host.rootfs import RootResolver
from . import journal
from .journal import Step

logger = logging.getLogger("crossbuild")

#: The directory of the stage where files staged under names of their own are: no host
#: path leads there (a scheme never puts a file in ``/``, and this is not a name to use).
_NEW = ".crossbuild-new"


class RootTransaction:
    """Staged changes to ``root``: files to add (``stage_dir``) and files to remove."""

    def __init__(self, root: Path) -> None:
        self.root = root
        make_dirs(root)  # 0755, whatever the umask
        self._work = Path(tempfile.mkdtemp(prefix=journal.WORK_PREFIX, dir=root))
        self.stage_dir = self._work / journal.STAGE
        self.stage_dir.mkdir()
        self._removals: list[str] = []
        self._new: dict[str, str] = {}  # host path: its file in the work directory
        self._kept = False

    def new_file(self, host_path: str) -> Path:
        """Where to write the file that goes to ``host_path``: a name of its own in the
        stage (the same again if its file was removed).  Raises :class:`FileExistsError`
        if another staged file goes there."""
        if host_path in self._new and not os.path.lexists(self._work / self._new[host_path]):
            return self._work / self._new[host_path]
        if host_path in self._new or os.path.lexists(f"{self.stage_dir}/{host_path.lstrip('/')}"):
            raise FileExistsError(errno.EEXIST, "two files are staged for the same path", host_path)
        if not self._new:
            (self.stage_dir / _NEW).mkdir(0o700)
        work_path = f"{journal.STAGE}/{_NEW}/{len(self._new)}"
        self._new[host_path] = work_path
        return self._work / work_path

    def remove(self, host_path: str) -> None:
        """Remove the file at ``host_path`` (a path on the host) when committing."""
        self._removals.append(host_path)

    def staged_files(self) -> list[str]:
        """Host paths of the staged files."""
        in_tree = list(_files(self.stage_dir))
        twice = set(in_tree) & self._new.keys()
        if twice:
            raise FileExistsError(errno.EEXIST, "two files are staged for the same path", min(twice))
        return sorted([*in_tree, *self._new])

    def commit(self) -> None:
        """Apply the changes; on any failure undo them and re-raise."""
        with signals_raise():
            steps = self._plan()
            resolve = RootResolver(self.root)
            try:
                journal.begin(self._work, steps)
                fault_point("commit:before-move")
                for count, step in enumerate(steps, 1):
                    journal.apply(self.root, self._work, step, resolve)
                    fault_point("commit:after-move", count)
                fault_point("commit:after-last-move")
            except BaseException:
                with deferred():
                    logger.info("restoring %s as it was", self.root)
                    self._kept = True  # until the roll back is through
                    journal.roll_back(self.root, self._work, steps)
                    self._kept = False
                raise
            journal.mark_committed(self._work)
            work_complete(f"the install into {self.root}")
            fault_point("commit:before-cleanup")
            journal.roll_forward(self.root, self._work, steps)

    def discard(self) -> None:
        """Forget the staged changes (before :meth:`commit`, or after it failed)."""
        if self._kept:
            return  # a commit that could not be undone: the next install needs its journal
        with deferred():
            shutil.rmtree(self._work, ignore_errors=True)

    def _plan(self) -> list[Step]:
        """Every step of the commit, in order: removals aside, then each staged file in
        (its missing parent directories made, the file it replaces moved aside first).

        Paths are strings here: a commit plans a thousand files, each with its directories.
        """
        steps: list[Step] = []
        backups = itertools.count()
        gone: set[str] = set()  # moved aside by an earlier step
        new: set[str] = set()  # made or placed by an earlier step
        resolve = RootResolver(self.root)  # the root does not change while this plans
        exists: dict[str, bool] = {}
        below_root = str(self.root).rstrip("/") + "/"

        def present(path: str) -> bool:
            if path in new:
                return True
            if path in gone:
                return False
            if path not in exists:
                exists[path] = os.path.lexists(path)
            return exists[path]

        def aside(target: str) -> None:
            if present(target) and not _is_directory(target):
                steps.append(Step("aside", self._relative(target), f"{journal.BACKUP}/{next(backups)}"))
                gone.add(target)
                new.discard(target)

        for host_path in self._removals:
            aside(resolve.text(host_path))
        for host_path in self.staged_files():
            target = resolve.text(host_path)
            missing = []  # up to the nearest present one: the parents of a present directory are present
            parent = target.rpartition("/")[0]
            while parent.startswith(below_root) and not present(parent):
                missing.append(parent)
                parent = parent.rpartition("/")[0]
            for directory in reversed(missing):
                steps.append(Step("mkdir", self._relative(directory)))
                new.add(directory)
            aside(target)
            staged = self._new.get(host_path) or f"{journal.STAGE}/{host_path.lstrip('/')}"
            steps.append(Step("place", self._relative(target), staged))
            new.add(target)
        return steps

    def _relative(self, target: str) -> str:
        prefix = str(self.root).rstrip("/") + "/"
        if not target.startswith(prefix) or target == prefix:  # resolve_in_root never does this
            raise InstallTargetError("refusing to write {target}: it is outside {root}", target=target, root=self.root)
        return target[len(prefix) :]


def _is_directory(path: str) -> bool:
    """A real directory, not a link to one: never moved aside as if it were a file."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _files(directory: Path) -> Iterator[str]:
    """The files under ``directory`` (but not under its own names), as host paths (``/usr/lib/...``)."""
    top = len(str(directory))
    for dirpath, dirnames, filenames in os.walk(directory):
        if dirpath == str(directory) and _NEW in dirnames:
            dirnames.remove(_NEW)
        prefix = dirpath[top:] + "/"
        for filename in filenames:
            yield prefix + filename
