"""One file of a wheel unpacked in the cache, laid into a stage: linked, or copied in the
kernel where it can be, with what could have changed it checked on the way (see
:mod:`crossbuild.installation.unpacked` for why these checks suffice)."""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .._cache import sha256_of
from .._files import file_identity

_BLOCK = 1 << 20

#: What ``link`` refuses with where a copy works: another file system, too many links,
#: a file of another user (``fs.protected_hardlinks``), a file system without links.
LINK_REFUSED = frozenset({errno.EXDEV, errno.EMLINK, errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP})
#: What ``copy_file_range`` fails with where reading and writing works (another file
#: system, an old kernel, a file system that cannot).
_NO_KERNEL_COPY = frozenset(
    {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EBADF}
)

Stamp = tuple[int, int, int, int, int]
"""A file's inode, size, mtime and ctime (in ns) and ``st_mode``, as ``lstat`` gives them."""


@dataclass(frozen=True)
class EntryFile:
    """One installed file of an entry, as its manifest describes it."""

    path: str
    """Its host path (``/usr/lib/python3/dist-packages/pkg/__init__.py``)."""
    size: int
    mode: int
    sha256: str


class DamagedError(Exception):
    """An entry's file is missing, unreadable, or not what its manifest says."""


def stamp(info: os.stat_result) -> Stamp:
    return (*file_identity(info), info.st_mode)


def without_ctime(stamped: Stamp) -> tuple[int, ...]:
    """A stamp but its ctime, which a link made or removed changes too: a write changes the mtime."""
    return stamped[:3] + stamped[4:]


def same_file(info: os.stat_result, other: os.stat_result) -> bool:
    """Whether two ``lstat`` results are of one file with the same bytes, its ctime aside."""
    return without_ctime(stamp(info)) == without_ctime(stamp(other))


def checked(source: str, file: EntryFile) -> os.stat_result:
    """The ``lstat`` of ``source``, a regular file with the size and mode of ``file``."""
    try:
        info = os.lstat(source)
    except OSError as error:
        raise DamagedError(f"{file.path}: {error.strerror}") from None
    if not _regular(info, file):
        raise DamagedError(f"{file.path} is not the file that was unpacked")
    return info


def link(source: str, target: Path, info: os.stat_result, file: EntryFile, laid: list[Path]) -> None:
    """Hard link ``target`` to ``source``, the file ``info`` was taken of; raises
    :class:`OSError` if links are refused (:data:`LINK_REFUSED`)."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        if os.path.lexists(source):  # the stage directory is missing: not the entry's fault
            raise
        raise DamagedError(f"{file.path}: gone (the entry was removed meanwhile)") from None
    laid.append(target)
    if not same_file(os.lstat(target), info):  # another file put there, or a write, since it was checked
        raise DamagedError(f"{file.path} changed while it was linked")


def copy_unchanged(source: str, target: Path, file: EntryFile, info: os.stat_result, laid: list[Path]) -> bool:
    """Copy ``source``, whose stamp was current when ``info`` was taken, in the kernel where
    it can be; whether its stamp stayed current until the copy was done (if not — another
    run linked it, or someone wrote to it — the copy must be checked otherwise)."""
    try:
        reader = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise DamagedError(f"{file.path}: {error.strerror}") from None
    try:
        writer = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        laid.append(target)
        try:
            copied = _kernel_copy(reader, writer, file.size)
            if copied is None:  # not here: read and write
                copied = _plain_copy(reader, writer, file)
            os.fchmod(writer, file.mode)
        finally:
            os.close(writer)
        # The same stamp now (the same inode, and a ctime that only ever moves forward) is
        # the same file, unchanged since ``info`` was taken: what was copied is that file.
        return copied == file.size and stamp(os.fstat(reader)) == stamp(info)
    finally:
        os.close(reader)


def copy_hashed(source: str, target: Path, file: EntryFile, laid: list[Path]) -> None:
    """Copy ``source`` and hash what is copied: the copy is the manifest's file, or damage."""
    try:
        reader = Path(source).open("rb")
    except OSError as error:
        raise DamagedError(f"{file.path}: {error.strerror}") from None
    with reader:
        if not _regular(os.fstat(reader.fileno()), file):
            raise DamagedError(f"{file.path} is not the file that was unpacked")
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        laid.append(target)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(descriptor, "wb") as writer:
            while True:
                try:
                    block = reader.read(_BLOCK)
                except OSError as error:
                    raise DamagedError(f"{file.path}: {error.strerror}") from None
                if not block:
                    break
                digest.update(block)
                size += len(block)
                writer.write(block)
            os.fchmod(writer.fileno(), file.mode)
    if size != file.size or digest.hexdigest() != file.sha256:
        raise DamagedError(f"{file.path} is not the file that was unpacked")


def check_hash(source: str, file: EntryFile) -> None:
    """Raise :class:`DamagedError` unless the bytes of ``source`` are ``file``'s."""
    try:
        digest = sha256_of(source)
    except OSError as error:
        raise DamagedError(f"{file.path}: {error.strerror}") from None
    if digest != file.sha256:
        raise DamagedError(f"{file.path} is not the file that was unpacked")


def _regular(info: os.stat_result, file: EntryFile) -> bool:
    return info.st_mode & 0o170000 == 0o100000 and (info.st_size, info.st_mode & 0o777) == (file.size, file.mode)


def _kernel_copy(reader: int, writer: int, size: int) -> int | None:
    """Copy up to ``size`` bytes with ``copy_file_range``; how many, or ``None`` if it
    cannot here (nothing was copied then)."""
    if not hasattr(os, "copy_file_range"):  # not Linux
        return None
    copied = 0
    try:
        while copied < size:
            count = os.copy_file_range(reader, writer, size - copied)
            if not count:
                break  # the file is shorter than it was
            copied += count
    except OSError as error:
        if error.errno not in _NO_KERNEL_COPY or copied:
            raise
        return None
    return copied


def _plain_copy(reader: int, writer: int, file: EntryFile) -> int:
    copied = 0
    while True:
        try:
            block = os.read(reader, _BLOCK)
        except OSError as error:
            raise DamagedError(f"{file.path}: {error.strerror}") from None
        if not block:
            return copied
        view = memoryview(block)
        while view:
            view = view[os.write(writer, view) :]
        copied += len(block)
