"""What a build can take from the host's root: a digest that changes when it changes.

A wheel cross-built against the root links the root's libraries and compiles against its
headers; Pillow turns features on by what it finds there.  A wheel built before
``libjpeg-dev`` was added to the image is not the wheel built after, so the built-wheel
cache keys on this digest too.

It covers every header under the include directories, the library files and ``.pc`` files
of the library directories (not what lies under them: Python's standard library, data),
and the ``*-config`` scripts of the bin directories: each file's name, size and
modification time, a link's target (never followed: an as-is root's absolute links are
stable text).  Listing a Debian sysroot's 2,600 such files takes about 30 ms; hashing
their content took 0.2 to 0.4 s, too much to pay on every build.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

from .configscripts import BIN_DIRS, CONFIG_NAME

_INCLUDE_DIRS = ("usr/include", "usr/local/include")
_LIBRARY_DIRS = ("usr/lib", "lib", "usr/lib64", "lib64", "usr/local/lib")
_PKG_CONFIG_DIRS = ("usr/share/pkgconfig",)
_LIBRARY_FILE = re.compile(r"lib.*\.(so(\.[0-9.]+)?|a)|.*\.o")


def root_surface_digest(root: Path, multiarch: str | None) -> str:
    """A digest of what builds see of ``root`` (its headers, libraries, ``.pc`` files and
    ``*-config`` scripts); ``/`` (a native build) gives the digest of nothing."""
    digest = hashlib.sha256()
    if root == Path("/"):
        return digest.hexdigest()
    for name in _surface(root, multiarch):
        digest.update(_entry(root, name))
    return digest.hexdigest()


def _surface(root: Path, multiarch: str | None) -> Iterator[str]:
    for directory in _INCLUDE_DIRS:
        yield from _tree(root, directory)
    library_dirs = [*_LIBRARY_DIRS, *(f"{d}/{multiarch}" for d in ("usr/lib", "lib") if multiarch)]
    for directory in library_dirs:
        yield from _listing(root, directory, _LIBRARY_FILE)
        yield from _listing(root, f"{directory}/pkgconfig", None)
    for directory in _PKG_CONFIG_DIRS:
        yield from _listing(root, directory, None)
    for directory in BIN_DIRS:
        yield from _listing(root, directory.lstrip("/"), CONFIG_NAME)


def _tree(root: Path, directory: str) -> Iterator[str]:
    top = root / directory
    for path, dirs, files in os.walk(top):
        dirs.sort()
        relative = os.path.relpath(path, root)
        for name in sorted(files + [d for d in dirs if Path(path, d).is_symlink()]):
            yield f"{relative}/{name}"


def _listing(root: Path, directory: str, pattern: re.Pattern[str] | None) -> Iterator[str]:
    try:
        names = sorted(entry.name for entry in (root / directory).iterdir())
    except OSError:
        return
    for name in names:
        if pattern is None or pattern.fullmatch(name):
            yield f"{directory}/{name}"


def _entry(root: Path, name: str) -> bytes:
    """A link by its target, a file by its size and modification time (whole seconds, as
    tar keeps them: a copy of the root made with ``cp -a``, ``rsync -a`` or tar matches)."""
    path = root / name
    try:
        if path.is_symlink():
            return f"{name}\0->{path.readlink()}\n".encode()
        status = path.stat()
    except OSError:
        return f"{name}\0unreadable\n".encode()
    return f"{name}\0{status.st_size}\0{int(status.st_mtime)}\n".encode()
