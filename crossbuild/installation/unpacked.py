"""Wheels unpacked once: installed into the cache for a layout, then laid in by copy or hard link.

Installing a wheel — decompressing every member, hashing it against RECORD, writing the
scripts and the new RECORD — is most of the time of laying it.  The installed files are
kept in the cache, ``unpacked/KEY/tree`` with a ``manifest`` of every file's host path,
size, mode and sha256, where KEY is a digest of the wheel's bytes and of everything
that shapes the installed files (the host's scheme and python, ``installer``'s version,
this code).  Staging a wheel copies (or links) the files of its entry.

Each file is checked before it is used, without reading it when it can be: ``stamps``
holds each file's inode, size, mtime, ctime and mode as they were when its bytes were
last found to be the manifest's.  A file whose ``lstat`` still gives its stamp is that
file, unchanged: every write, truncate, chmod or chown sets the ctime to the current
time and nothing sets it back (``touch``/``utime`` set the mtime, and the ctime with
it), and another file put in its place has another inode.  A file whose stamp differs
(the cache copied with ``cp -a`` or rsync, a file touched, and — see below — every hard
link made or removed) is hashed against the manifest: if it matches, its stamp is
recorded anew; if not, the entry is damaged: it is removed and made again from the
wheel.  A stamp is recorded only for a file whose mtime and ctime are older than the
moment the recording began: file times are coarse (a clock tick of a few milliseconds),
so a write in the very tick of the ``lstat`` would leave them as they were.  What no
check here sees is the disk's bytes changing under the file system (bit rot): that is
for a checksumming file system (btrfs, ZFS) to notice.  What reaches the staging
directory is what the wheel's RECORD vouches for, with the modes the manifest gives
(0644, or 0755 for executables, whatever the umask).

Copies by default, made in the kernel (``copy_file_range``; on btrfs or XFS that shares
the extents, a reflink: still a file of its own) or else by reading and writing.  A
file's stamp must stay current until its copy is done; if it does not (another run
linked the file meanwhile, or wrote to it), the copy itself is hashed.  A copy never
shares its inode with the cache or with another root, so an edit in place in one
image (a patch, an appended line) stays in that image.

Hard links on request (``link_mode="hardlink"``, uv's habit): the root's files *are* the
entry's files, so no byte is written — the cheapest way onto a file system without
reflinks.  The cost: an edit in place in one image changes the cache entry and every
image laid from it.  The next install notices the changed entry and makes it again,
but the images keep the edit.  Every link made or removed changes the ctime of the
entry's files, so in this mode the ctime is left out: a file is linked unread when its
inode, size, mtime and mode are its stamp's, and hashed (read, not written) otherwise;
after the link, the file must still be the one checked (inode, size, mtime).  An edit
that keeps the size and puts the mtime back to the nanosecond (``utime`` with the old
time; no editor or copy does) is not noticed in this mode: that is for copy mode, whose
images no edit elsewhere reaches anyway.  Where a link is refused (the cache on another
file system, too many links, a file of another user) files are copied.

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
from pathlib import Path

from .._cache import cache_writes, content_digest, sha256_of
from .._faults import fault_point
from .._files import DIR_MODE, FILE_MODE, atomic_file, make_dirs, normalise_modes, remove_tree
from .._pool import default_jobs, in_parallel
from .entryfiles import (
    LINK_REFUSED,
    DamagedError,
    EntryFile,
    Stamp,
    check_hash,
    checked,
    copy_hashed,
    copy_unchanged,
    link,
    same_file,
    stamp,
    without_ctime,
)

logger = logging.getLogger("crossbuild")

_TREE = "tree"
_MANIFEST = "manifest"
_STAMPS = "stamps"
#: From how many files on a wheel is laid by a thread per core (starting threads costs too).
_THREADED = 64


class UnpackedWheels:
    """The unpacked wheels of the cache ``cache``, laid in by copy or, with ``hardlink``,
    by hard link (by copy once a link is refused: said once)."""

    def __init__(self, cache: Path, *, hardlink: bool = False) -> None:
        self._directory = cache / "unpacked"
        self._hardlink = hardlink

    def stage(
        self, wheel: Path, layout: str, install: Callable[[Path], None], place: Callable[[str], Path]
    ) -> tuple[str, ...]:
        """Copy (or link) the installed files of ``wheel`` to ``place(host path)`` (a new
        file in a directory that exists); return their host paths.

        ``layout`` is a digest of what shapes the installed files; ``install(tree)``
        installs the wheel with ``tree`` as its destination directory, when the cache has
        no sound entry for the wheel and layout yet.
        """
        key = hashlib.sha256(f"{content_digest(wheel)}\0{layout}".encode()).hexdigest()[:40]
        entry = self._directory / key
        files = _read_manifest(entry)
        if files is not None:
            try:
                return self._lay(entry, files, place, link=self._hardlink)
            except DamagedError as damage:
                logger.info("unpacking %s again: its copy in the cache is damaged (%s)", wheel.name, damage)
                _remove(entry)
        else:
            logger.debug("unpacking %s into the cache", wheel.name)
        with cache_writes(self._directory):
            made, files = self._make(entry, install)
        try:
            return self._lay(made, files, place, link=self._hardlink and made == entry)
        except DamagedError as damage:  # just made: only another process can have removed it
            message = f"the unpacked copy of {wheel.name} changed while it was copied ({damage})"
            raise OSError(errno.EIO, message) from None
        finally:
            if made != entry:
                shutil.rmtree(made, ignore_errors=True)

    def _make(self, entry: Path, install: Callable[[Path], None]) -> tuple[Path, list[EntryFile]]:
        """Install into a new entry; return where it is (``entry``, or a private copy if
        another process published ``entry`` meanwhile) and its files."""
        make_dirs(self._directory)
        work = Path(tempfile.mkdtemp(dir=self._directory, prefix=".unpacking-"))
        try:
            tree = work / _TREE
            install(tree)
            fault_point("unpack")
            normalise_modes(tree)
            described = sorted((_describe(tree, path) for path in _regular_files(tree)), key=lambda f: f[0].path)
            files = [file for file, _info in described]
            manifest = {"files": [[f.path, f.size, f.mode, f.sha256] for f in files]}
            with atomic_file(work / _MANIFEST) as stream:
                stream.write(json.dumps(manifest, separators=(",", ":")).encode())
            _record_stamps(work, files, [info for _file, info in described])
            work.chmod(DIR_MODE)
            try:
                work.rename(entry)  # the files' ctimes stay: a rename changes only the directory's
            except OSError as error:
                if error.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
                return work, files  # another run published the same entry: copy from ours, then drop it
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        return entry, files

    def _lay(
        self, entry: Path, files: Sequence[EntryFile], place: Callable[[str], Path], *, link: bool
    ) -> tuple[str, ...]:
        """Copy or link ``files`` of ``entry`` to their places, a file per core at a time;
        on damage, remove what was laid and raise :class:`DamagedError`."""
        tree = str(entry / _TREE)
        stamps = _read_stamps(entry, len(files))
        targets = [place(file.path) for file in files]  # in this thread: placing is not thread-safe
        laid: list[Path] = []
        seen: list[os.stat_result | None] = [None] * len(files)  # each file's lstat when it was checked
        hashed: list[int] = []  # the files whose stamps were not current
        calls = [
            functools.partial(self._lay_file, tree + f.path, target, f, stamp, link, laid, seen, hashed, index)
            for index, (f, target, stamp) in enumerate(zip(files, targets, stamps, strict=True))
        ]
        try:
            in_parallel(calls, default_jobs() if len(calls) >= _THREADED else 1)  # file creation waits: overlap it
        except DamagedError:
            for path in laid:
                path.unlink(missing_ok=True)
            raise
        if hashed and not (link and self._hardlink):  # (a link changes the ctimes again)
            _record_stamps(entry, files, seen)
        return tuple(f.path for f in files)

    def _lay_file(
        self,
        source: str,
        target: Path,
        file: EntryFile,
        recorded: Stamp | None,
        link_it: bool,
        laid: list[Path],
        seen: list[os.stat_result | None],
        hashed: list[int],
        index: int,
    ) -> None:
        """Check ``source`` against its stamp (or else its hash), then link or copy it."""
        fault_point("copy")
        info = seen[index] = checked(source, file)
        verified = recorded is not None and stamp(info) == recorded
        if not verified:
            hashed.append(index)
        if link_it and self._hardlink:
            if not verified and not _unchanged_but_for_links(info, recorded):
                check_hash(source, file)
                verified = True  # as of ``info``: what is linked must still be that file
            try:
                return link(source, target, info, file, laid)
            except OSError as error:
                if error.errno not in LINK_REFUSED:
                    raise
                self._refused(error)
        if not verified:
            copy_hashed(source, target, file, laid)
        elif not copy_unchanged(source, target, file, info, laid):
            check_hash(str(target), file)  # the entry's file changed meanwhile (a link, a write): is the copy sound?

    def _refused(self, error: OSError) -> None:
        """Links are refused: copy from now on, and say so once."""
        if self._hardlink:
            self._hardlink = False
            logger.info("copying files from the cache instead of hard linking them: %s", error.strerror or error)


def _read_manifest(entry: Path) -> list[EntryFile] | None:
    """The files of ``entry``, or ``None`` if there is no entry (or no sound manifest)."""
    try:
        rows = json.loads((entry / _MANIFEST).read_bytes())["files"]
        files = [EntryFile(str(p), int(size), int(mode), str(sha)) for p, size, mode, sha in rows]
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


def _unchanged_but_for_links(info: os.stat_result, recorded: Stamp | None) -> bool:
    """Whether ``info`` is of the stamped file with the same size, mtime and mode: its ctime
    aside, which every link made or removed moves (hard-link mode only; see above)."""
    return recorded is not None and without_ctime(stamp(info)) == without_ctime(recorded)


def _read_stamps(entry: Path, count: int) -> list[Stamp | None]:
    """The stamps of ``entry``'s ``count`` files (``None`` where there is none: hashed)."""
    try:
        stamps = [_as_stamp(row) for row in json.loads((entry / _STAMPS).read_bytes())]
    except (OSError, ValueError, TypeError) as error:
        logger.debug("the stamps of %s are unreadable (%s): its files are hashed", entry, error)
        return [None] * count
    return stamps if len(stamps) == count else [None] * count


def _as_stamp(row: object) -> Stamp | None:
    if row is None:
        return None
    if not isinstance(row, list):
        raise TypeError(f"not a stamp: {row!r}")
    inode, size, mtime, ctime, mode = (int(n) for n in row)
    return inode, size, mtime, ctime, mode


def _record_stamps(entry: Path, files: Sequence[EntryFile], seen: Sequence[os.stat_result | None]) -> None:
    """Record the stamps of ``entry``'s files whose bytes were the manifest's when ``seen``
    (their ``lstat`` then) was taken; best effort (a missing stamp costs a hash)."""
    try:
        descriptor, name = tempfile.mkstemp(dir=entry, prefix=f".{_STAMPS}.", suffix=".part")
    except OSError as error:
        logger.debug("cannot record the stamps of %s: %s", entry, error)
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            began = os.fstat(stream.fileno()).st_mtime_ns  # now, by the clock of the files' times
            tree = str(entry / _TREE)
            stamps = [_stamp_since(tree + f.path, before, began) for f, before in zip(files, seen, strict=True)]
            stream.write(json.dumps(stamps, separators=(",", ":")).encode())
            os.fchmod(stream.fileno(), FILE_MODE)
        Path(name).replace(entry / _STAMPS)
    except OSError as error:
        Path(name).unlink(missing_ok=True)
        logger.debug("cannot record the stamps of %s: %s", entry, error)


def _stamp_since(path: str, before: os.stat_result | None, began: int) -> Stamp | None:
    """The stamp of ``path`` if it is still the file ``before`` was taken of and was last
    changed before ``began``: a write in the clock tick of ``began`` would not show."""
    if before is None:
        return None
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not same_file(info, before) or info.st_mtime_ns >= began or info.st_ctime_ns >= began:
        return None
    return stamp(info)


def _describe(tree: Path, path: Path) -> tuple[EntryFile, os.stat_result]:
    """A file just installed into ``tree``, and its ``lstat`` (taken before it was hashed)."""
    info = path.lstat()
    file = EntryFile("/" + path.relative_to(tree).as_posix(), info.st_size, info.st_mode & 0o777, sha256_of(path))
    return file, info


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
