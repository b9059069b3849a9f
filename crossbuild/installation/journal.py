"""The journal of a commit into a root: every move it will make, on disk before the first.

A :class:`~crossbuild.installation.transaction.RootTransaction` works in a directory inside
the root, ``ROOT/.crossbuild-XXXXXXXX``: ``stage/`` holds the new files, ``backup/`` the
files moved aside.  Before its first move, the commit writes its whole plan to
``journal`` there and syncs it to disk; when the last move is done, it appends
``committed`` (synced too).  Each step of the plan is a rename between the root and a
path of its own in the work directory, or a new directory, so whether it happened is
visible on disk: a staged file that is no longer in ``stage/`` was placed, a backup that
is in ``backup/`` was moved aside.  Undoing a step renames the file back, which makes
undoing idempotent: an undo that was itself cut short is simply run again.  However a
run ended (an exception, a signal, SIGKILL), its work directory says what to do:

- no journal: nothing moved yet; the directory goes;
- a journal without ``committed``: the moves that happened are undone, last first
  (:func:`roll_back`), and the directory goes;
- ``committed``: the root is fully new; the backups and the directories the removals
  emptied go (:func:`roll_forward`).

:func:`recover` does this for every work directory a killed run left in a root; the
next ``install`` calls it under the root's lock, before anything else.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .._exceptions import InstallTargetError
from .._files import DIR_MODE
from .._signals import deferred
from ..host.rootfs import RootResolver, resolve_in_root

logger = logging.getLogger("crossbuild")

WORK_PREFIX = ".crossbuild-"
JOURNAL = "journal"
STAGE = "stage"
BACKUP = "backup"
_COMMITTED = "committed"
_VERSION = 1


@dataclass(frozen=True)
class Step:
    """One change of a commit."""

    action: Literal["mkdir", "aside", "place"]
    """``mkdir`` makes a directory at ``path``; ``aside`` moves the file at ``path`` to
    ``work``; ``place`` moves the staged file ``work`` to ``path``."""
    path: str
    """In the root, relative to it (symlinks already resolved inside the root)."""
    work: str = ""
    """In the work directory, relative to it."""


def begin(work: Path, steps: Sequence[Step]) -> None:
    """Write the plan of the commit to ``work``'s journal, on disk before anything moves."""
    plan = {"version": _VERSION, "steps": [[s.action, s.path, s.work] for s in steps]}
    _write(work / JOURNAL, json.dumps(plan, separators=(",", ":")) + "\n", os.O_CREAT | os.O_EXCL)
    _sync_directory(work)
    (work / BACKUP).mkdir()


def mark_committed(work: Path) -> None:
    """Every step is done: from now on the root is new, whatever happens."""
    _write(work / JOURNAL, f"{_COMMITTED}\n", os.O_APPEND)


def read(work: Path) -> tuple[list[Step], bool] | None:
    """The plan in ``work``'s journal and whether it was committed; ``None`` without one.

    A journal cut short while it was written was never synced: nothing moved after it.
    """
    try:
        lines = (work / JOURNAL).read_text(encoding="utf-8").splitlines()
        plan = json.loads(lines[0])
    except (OSError, IndexError, ValueError):
        return None
    if not isinstance(plan, dict) or plan.get("version") != _VERSION:
        return None
    steps = [Step(action, path, work_path) for action, path, work_path in plan["steps"]]
    return steps, lines[1:] == [_COMMITTED]


def apply(root: Path, work: Path, step: Step, resolve: RootResolver | None = None) -> None:
    """Do ``step``; ``resolve`` (of ``root``) resolves its path, and forgets what it
    resolved when the step moves a symlink aside."""
    # Strings, not Paths: a commit takes a thousand steps, and a Path costs more than the call.
    target = _target(root, step.path, resolve)
    if step.action == "mkdir":
        os.mkdir(target, DIR_MODE)  # noqa: PTH102
        os.chmod(target, DIR_MODE)  # noqa: PTH101 - mkdir's mode goes through the umask: directories are 0755
    elif step.action == "aside":
        if resolve is not None and os.path.islink(target):  # noqa: PTH114 - paths through it resolve otherwise now
            resolve.forget()
        os.rename(target, f"{work}/{step.work}")  # noqa: PTH104
    else:
        os.rename(f"{work}/{step.work}", target)  # noqa: PTH104


def roll_back(root: Path, work: Path, steps: Sequence[Step]) -> tuple[int, int]:
    """Undo the steps that happened, last first; remove ``work``.

    Returns how many files were put back and how many new ones removed.  If a step cannot
    be undone, ``work`` (the journal and the backups) stays for the next run and
    :class:`InstallTargetError` says what is wrong.
    """
    put_back = removed = 0
    problems = []
    with deferred():
        for step in reversed(steps):
            try:
                target = _in_root(root, step.path)
                if step.action == "mkdir":
                    with contextlib.suppress(OSError):  # gone, or not empty: it stays
                        target.rmdir()
                elif step.action == "aside" and os.path.lexists(work / step.work):
                    (work / step.work).rename(target)
                    put_back += 1
                elif step.action == "place" and not os.path.lexists(work / step.work) and os.path.lexists(target):
                    if stat.S_ISDIR(target.lstat().st_mode):
                        raise IsADirectoryError(errno.EISDIR, "a directory took the place of the installed file")
                    target.rename(work / step.work)  # back into stage/: undone, as it shows on disk
                    removed += 1
            except OSError as error:
                problems.append(f"{step.path}: {error.strerror or error}")
        if problems:
            raise InstallTargetError(
                "cannot restore {root} as it was ({problems}); the journal and the backups are in {work}",
                root=root,
                problems="; ".join(problems),
                work=work,
            )
        shutil.rmtree(work, ignore_errors=True)
    return put_back, removed


def roll_forward(root: Path, work: Path, steps: Sequence[Step]) -> int:
    """The commit is complete: remove the directories its removals emptied, and ``work``.

    Returns how many backups were removed.  Directories are removed as pip does: those
    that held a removed file, if they are empty now.
    """
    with deferred():
        asides = [step for step in steps if step.action == "aside"]
        _prune({_in_root(root, step.path).parent for step in asides}, root)
        shutil.rmtree(work, ignore_errors=True)
    return len(asides)


def recover(root: Path) -> None:
    """Finish or undo what killed runs left in ``root``, and say so (hold the root's lock)."""
    for work, state in interrupted_installs(root):
        if state == "unknown":
            logger.warning("%s holds backups but no journal (an older crossbuild?): it stays; look inside", work)
        elif state == "staged":
            with deferred():
                shutil.rmtree(work, ignore_errors=True)
            logger.info("removed the staging directory of an interrupted install from %s", root)
        elif state == "committed":
            found = read(work)
            count = roll_forward(root, work, found[0] if found else [])
            logger.info("finished an interrupted install into %s (removed %d backups)", root, count)
        else:
            found = read(work)
            put_back, removed = roll_back(root, work, found[0] if found else [])
            logger.info(
                "restored %s after an interrupted install (%d files put back, %d new ones removed)",
                root,
                put_back,
                removed,
            )


State = Literal["staged", "committing", "committed", "unknown"]


def interrupted_installs(root: Path) -> list[tuple[Path, State]]:
    """The work directories that runs which did not end left in ``root``, each with its
    state: ``staged`` (nothing moved yet), ``committing`` (a journal, not committed: the
    root is half changed), ``committed`` (the root is new, the backups remain), or
    ``unknown`` (backups without a journal: not ours to undo)."""
    found: list[tuple[Path, State]] = []
    for work in sorted(root.glob(f"{WORK_PREFIX}*")):
        if not stat.S_ISDIR(work.lstat().st_mode):
            continue
        contents = {path.name for path in work.iterdir()}
        if not contents <= {JOURNAL, STAGE, BACKUP}:
            continue  # not a work directory of crossbuild's: not ours to touch
        plan = read(work)
        if plan is None:
            found.append((work, "unknown" if BACKUP in contents and any((work / BACKUP).iterdir()) else "staged"))
        else:
            found.append((work, "committed" if plan[1] else "committing"))
    return found


def _in_root(root: Path, relative: str) -> Path:
    return Path(_target(root, relative))


def _target(root: Path, relative: str, resolve: RootResolver | None = None) -> str:
    """``relative`` (a step's path) resolved inside ``root``, as a string."""
    if resolve is not None:
        target = resolve.text(relative)
    else:
        target = str(resolve_in_root(root, relative, follow_last=False))
    if target == str(root) or not target.startswith(str(root).rstrip("/") + "/"):  # resolve_in_root never does this
        raise InstallTargetError("refusing to write {target}: it is outside {root}", target=target, root=root)
    return target


def _prune(directories: Iterable[Path], root: Path) -> None:
    for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
        if directory.is_relative_to(root) and directory != root:
            with contextlib.suppress(OSError):  # not empty: it stays
                directory.rmdir()


def _write(path: Path, text: str, flags: int) -> None:
    data = memoryview(text.encode())
    descriptor = os.open(path, os.O_WRONLY | os.O_CLOEXEC | flags, 0o600)
    try:
        while data:
            data = data[os.write(descriptor, data) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
