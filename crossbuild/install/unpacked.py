"""Wheels unpacked once: installed into the cache for a layout, then staged by copying.

Installing a wheel — decompressing every member, hashing it against RECORD, writing the
scripts and the new RECORD — is most of the time of laying it.  The installed files are
kept in the cache, ``unpacked/KEY/tree`` with a ``manifest`` of every file's host path,
size, mode and sha256, where KEY is a digest of the wheel's bytes and of everything
that shapes the installed files (the host's scheme and python, ``installer``'s version,
this code).  Staging a wheel copies the files of its entry.

Copies, never hard links: a file laid into a rootfs by hard link would share its inode
with the cache and with every other root laid from it, so an edit in place in one image
(a patch, an appended line) would change the cache and the other images.  On this kind
of file system (no reflinks) a copy costs what reading the files costs, and each file is
hashed while it is copied and compared with the manifest: an entry damaged in any way is
noticed, removed, and made again from the wheel.  What reaches the staging directory is
always what the wheel's RECORD vouches for, with the modes the manifest gives (0644, or
0755 for executables, whatever the umask).

An entry appears whole or not at all (made in a temporary directory of the cache and
renamed into place), so parallel runs share it safely.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import logging
import os
import posixpath
import shutil
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._cache import content_digest
from .._faults import fault_point
from .._files import DIR_MODE, atomic_file, make_dirs, normalise_modes, remove_tree
from .._pool import default_jobs, in_parallel

logger = logging.getLogger("crossbuild")

_TREE = "tree"
_MANIFEST = "manifest"
_BLOCK = 1 << 20


@dataclass(frozen=True)
class _File:
    """One installed file of an entry."""

    path: str
    """Its host path (``/usr/lib/python3/dist-packages/pkg/__init__.py``)."""
    size: int
    mode: int
    sha256: str


class _DamagedError(Exception):
    """An entry's file is missing, unreadable, or not what its manifest says."""


class UnpackedWheels:
    """The unpacked wheels of the cache ``cache``."""

    def __init__(self, cache: Path) -> None:
        self._directory = cache / "unpacked"

    def stage(
        self, wheel: Path, layout: str, install: Callable[[Path], None], place: Callable[[str], Path]
    ) -> tuple[str, ...]:
        """Copy the installed files of ``wheel`` to ``place(host path)`` (a new file in a
        directory that exists); return their host paths.

        ``layout`` is a digest of what shapes the installed files; ``install(tree)``
        installs the wheel with ``tree`` as its destination directory, when the cache has
        no sound entry for the wheel and layout yet.
        """
        key = hashlib.sha256(f"{content_digest(wheel)}\0{layout}".encode()).hexdigest()[:40]
        entry = self._directory / key
        files = _read_manifest(entry)
        if files is not None:
            try:
                return _copy(entry, files, place)
            except _DamagedError as damage:
                logger.info("unpacking %s again: its copy in the cache is damaged (%s)", wheel.name, damage)
                _remove(entry)
        else:
            logger.debug("unpacking %s into the cache", wheel.name)
        made, files = self._make(entry, install)
        try:
            return _copy(made, files, place)
        except _DamagedError as damage:  # just made: only another process can have removed it
            message = f"the unpacked copy of {wheel.name} changed while it was copied ({damage})"
            raise OSError(errno.EIO, message) from None
        finally:
            if made != entry:
                shutil.rmtree(made, ignore_errors=True)

    def _make(self, entry: Path, install: Callable[[Path], None]) -> tuple[Path, list[_File]]:
        """Install into a new entry; return where it is (``entry``, or a private copy if
        another process published ``entry`` meanwhile) and its files."""
        make_dirs(self._directory)
        work = Path(tempfile.mkdtemp(dir=self._directory, prefix=".unpacking-"))
        try:
            tree = work / _TREE
            install(tree)
            normalise_modes(tree)
            files = sorted((_describe(tree, path) for path in _regular_files(tree)), key=lambda f: f.path)
            manifest = {"files": [[f.path, f.size, f.mode, f.sha256] for f in files]}
            with atomic_file(work / _MANIFEST) as stream:
                stream.write(json.dumps(manifest, separators=(",", ":")).encode())
            work.chmod(DIR_MODE)
            try:
                work.rename(entry)
            except OSError as error:
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                return work, files  # another run published the same entry: copy from ours, then drop it
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return entry, files


def _read_manifest(entry: Path) -> list[_File] | None:
    """The files of ``entry``, or ``None`` if there is no entry (or no sound manifest)."""
    try:
        rows = json.loads((entry / _MANIFEST).read_bytes())["files"]
        files = [_File(str(p), int(size), int(mode), str(sha)) for p, size, mode, sha in rows]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as error:
        logger.info("removing %s from the cache: its manifest is unreadable (%s)", entry, error)
        _remove(entry)
        return None
    for file in files:
        if not file.path.startswith("/") or ".." in file.path.split("/") or posixpath.normpath(file.path) != file.path:
            logger.info("removing %s from the cache: its manifest names %r", entry, file.path)
            _remove(entry)
            return None
    return files


def _copy(entry: Path, files: Sequence[_File], place: Callable[[str], Path]) -> tuple[str, ...]:
    """Copy ``files`` of ``entry`` to their places, each hashed on the way, a file per core
    at a time; on damage, remove what was copied and raise :class:`_DamagedError`."""
    copied: list[Path] = []
    tree = str(entry / _TREE)
    targets = [place(file.path) for file in files]  # in this thread: placing is not thread-safe
    calls = [
        functools.partial(_copy_file, Path(tree + file.path), target, file, copied)
        for file, target in zip(files, targets, strict=True)
    ]
    try:
        in_parallel(calls, default_jobs())  # file creation waits on the file system: overlap it
    except _DamagedError:
        for path in copied:
            path.unlink(missing_ok=True)
        raise
    return tuple(f.path for f in files)


def _copy_file(source: Path, target: Path, file: _File, copied: list[Path]) -> None:
    fault_point("copy")
    try:
        reader = source.open("rb")
    except OSError as error:
        raise _DamagedError(f"{file.path}: {error.strerror}") from None
    with reader:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        copied.append(target)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(descriptor, "wb") as writer:
            while True:
                try:
                    block = reader.read(_BLOCK)
                except OSError as error:
                    raise _DamagedError(f"{file.path}: {error.strerror}") from None
                if not block:
                    break
                digest.update(block)
                size += len(block)
                writer.write(block)
            os.fchmod(writer.fileno(), file.mode)
    if size != file.size or digest.hexdigest() != file.sha256:
        raise _DamagedError(f"{file.path} is not the file that was unpacked")


def _describe(tree: Path, path: Path) -> _File:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(_BLOCK), b""):
            digest.update(block)
    info = path.stat()
    return _File("/" + path.relative_to(tree).as_posix(), info.st_size, info.st_mode & 0o777, digest.hexdigest())


def _regular_files(tree: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, _dirnames, filenames in os.walk(tree):
        found.extend(path for path in map(Path(dirpath).joinpath, filenames) if stat.S_ISREG(path.lstat().st_mode))
    return found


def _remove(entry: Path) -> None:
    """Take ``entry`` out of the cache (renamed away first: no reader finds it half gone)."""
    try:
        remove_tree(entry)
    except OSError as error:
        logger.debug("cannot remove %s: %s", entry, error)
