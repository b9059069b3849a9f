"""Paths inside a host's root directory, resolved the way the host would resolve them.

A rootfs holds symlinks that are meant for the host: ``/usr/lib/python3 -> /opt/py`` is
absolute *on the host*.  Followed on the build machine it would lead out of the rootfs.
:func:`resolve_in_root` follows every symlink of a path as if ``root`` were ``/`` (like
``chroot``): absolute targets restart at ``root`` and ``..`` never climbs above it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .._exceptions import RootfsError

MAX_SYMLINKS = 40


def resolve_in_root(root: Path, host_path: str | PurePosixPath, *, follow_last: bool = True) -> Path:
    """The build-machine path of ``host_path`` (a path on the host) inside ``root``.

    Missing components are fine (they are about to be created); every existing symlink on
    the way is followed inside ``root``.  With ``follow_last=False`` a symlink in the last
    component is left alone: the path names the link itself (to replace or remove it).
    The result is always under ``root``.
    """
    path = PurePosixPath("/", host_path)
    if not follow_last and path.name not in ("", ".", ".."):
        return resolve_in_root(root, path.parent) / path.name
    return root.joinpath(*_follow(root, path)[0])


class RootResolver:
    """:func:`resolve_in_root` with ``follow_last=False`` for many paths of one root, each
    parent directory resolved once (a thousand files of a wheel sit in a few dozen).

    Valid while no symlink on the way changes: :meth:`forget` what was resolved when one
    is moved or removed.  Directories made where nothing was change nothing: a missing
    component resolves to itself, as the directory made there does.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._parents: dict[str, str] = {"": str(root).rstrip("/")}

    def __call__(self, host_path: str | PurePosixPath) -> Path:
        return Path(self.text(host_path))

    def text(self, host_path: str | PurePosixPath) -> str:
        """The resolved path as a string (what a loop over a thousand files wants: no
        :class:`~pathlib.Path` made)."""
        text = str(host_path)
        if not text.startswith("/"):  # relative to the root, as resolve_in_root reads it (a journal's steps)
            text = "/" + text
        if not _plain(text):  # "//", "." or ".." in it, relative, a trailing "/": as resolve_in_root reads it
            path = PurePosixPath("/", host_path)
            return str(resolve_in_root(self.root, path, follow_last=False))  # rare: not kept
        parent, _, name = text.rpartition("/")
        return f"{self._directory(parent)}/{name}"

    def followed(self, host_path: str | PurePosixPath) -> str:
        """As :meth:`text`, with a symlink in the last component followed too (inside the
        root), as :func:`resolve_in_root` does by default."""
        found = self.text(host_path)
        return str(resolve_in_root(self.root, host_path)) if os.path.islink(found) else found  # noqa: PTH114

    def _directory(self, path: str) -> str:
        """The directory ``path`` (plain, ``""`` for ``/``) resolved: from its parent's
        resolution when its last component is no symlink (one ``lstat``), else in full."""
        found = self._parents.get(path)
        if found is not None:
            return found
        up, _, name = path.rpartition("/")
        candidate = f"{self._directory(up)}/{name}"
        link = os.path.islink(candidate)  # noqa: PTH114 (a Path costs more than the call)
        found = str(resolve_in_root(self.root, path)).rstrip("/") if link else candidate  # ("" for a root "/")
        self._parents[path] = found
        return found

    def forget(self) -> None:
        self._parents = {"": self._parents[""]}


def _plain(path: str) -> bool:
    """An absolute path whose parts are all names (what a RECORD or a stage lists)."""
    return (
        path.startswith("/")
        and not path.endswith(("/", "/.", "/.."))
        and "//" not in path
        and "/./" not in path
        and "/../" not in path
    )


def leaves_root(root: Path, host_path: str | PurePosixPath) -> bool:
    """Whether ``ROOT/host_path``, followed on the build machine, would leave ``root``.

    It does when a symlink on the way is absolute or climbs with ``..`` above ``root``:
    the kernel follows such a link out of the root, where chroot (the host) stays inside.
    """
    return _follow(root, PurePosixPath("/", host_path))[1]


def _follow(root: Path, path: PurePosixPath) -> tuple[list[str], bool]:
    """The components of ``path`` (absolute, on the host) resolved inside ``root``, and
    whether a symlink on the way would have led out of it on the build machine."""
    pending = list(path.parts[1:])
    resolved: list[str] = []
    followed = 0
    leaves = False
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            else:
                leaves = True
            continue
        candidate = root.joinpath(*resolved, part)
        if candidate.is_symlink():
            followed += 1
            if followed > MAX_SYMLINKS:
                raise RootfsError("{path}: too many levels of symbolic links", path=root.joinpath(*resolved, part))
            target = PurePosixPath(candidate.readlink())
            if target.is_absolute():
                resolved = []
                leaves = True
            pending[:0] = [p for p in target.parts if p != "/"]
            continue
        resolved.append(part)
    return resolved, leaves


def root_of(directory: Path, host_path: str) -> Path | None:
    """``ROOT`` for a ``directory`` ``ROOT/usr`` that stands for ``host_path`` ``/usr``, else ``None``."""
    parts = PurePosixPath(host_path).parts[1:]
    if not parts:
        return directory
    if directory.parts[-len(parts) :] != parts:
        return None
    return Path(*directory.parts[: -len(parts)])
