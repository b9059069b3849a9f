"""The shared libraries the host's dynamic loader would find in its root.

A wheel for a device must load there: every library its ELF files name (``DT_NEEDED``)
is in the wheel or in the root, and every symbol version they need (``GLIBC_2.34``,
``GLIBCXX_3.4.30``, ``OPENSSL_3.0.0``) is one that the root's copy defines.  The root is
searched like ``ld.so`` searches ``/``: the directories of ``/etc/ld.so.conf`` (and its
``include`` files), then the multiarch and default directories; a library for another
machine (a ``lib32``/``lib64`` neighbour) is passed over, as ``ld.so`` does.

Given a cache directory, what was read of each library (its machine, its linkage) is kept
there under the file's identity (inode, size, modification and change times: any write,
replacement or chmod changes the change time, which no tool can set back), so a warm
install does not parse libc and its neighbours again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from pathlib import Path, PurePosixPath

from .._cache import code_digest
from .._files import atomic_file, make_dirs
from .elf import ElfTarget, Linkage, linkage_from_json, linkage_to_json, read_elf_target, read_linkage
from .rootfs import resolve_in_root

logger = logging.getLogger("crossbuild")

#: Where ld.so looks when ld.so.conf says nothing more (after the multiarch directories).
DEFAULT_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib32", "/usr/lib32")


class HostLibraries:
    """Libraries in ``root`` for ``target`` (cached: one of these per host and run)."""

    def __init__(self, root: Path, multiarch: str, target: ElfTarget, cache: Path | None = None) -> None:
        self.root = root
        self.target = target
        multiarch_dirs = (f"/lib/{multiarch}", f"/usr/lib/{multiarch}") if multiarch else ()
        self.directories = tuple(dict.fromkeys([*self._configured_dirs(), *multiarch_dirs, *DEFAULT_DIRS]))
        self._kept = _KeptLibraries(cache, root) if cache is not None else None

    def find(self, name: str, extra_dirs: tuple[str, ...] = ()) -> Path | None:
        """The library ``name`` (``libz.so.1``) as the host would load it, on this machine."""
        for directory in (*extra_dirs, *self.directories):
            found = self._in(directory, name)
            if found is not None:
                return found
        return None

    @functools.cache  # noqa: B019 - one instance per run, a few hundred entries
    def _in(self, directory: str, name: str) -> Path | None:
        candidate = resolve_in_root(self.root, str(PurePosixPath(directory) / name))
        if candidate.is_file() and self._read(candidate)[0] == self.target:
            return candidate
        return None

    def linkage(self, path: Path) -> Linkage | None:
        return self._read(path)[1]

    @functools.cache  # noqa: B019
    def _read(self, path: Path) -> tuple[ElfTarget | None, Linkage | None]:
        """The machine and linkage of the library at ``path``, read once (and kept)."""
        kept = self._kept.get(path) if self._kept is not None else None
        if kept is not None:
            return kept
        target = read_elf_target(path)
        found = (target, read_linkage(path) if target == self.target else None)
        if self._kept is not None:
            self._kept.put(path, *found)
        return found

    def _configured_dirs(self) -> list[str]:
        """The directories of the root's ``/etc/ld.so.conf``, following ``include`` globs."""
        found: list[str] = []
        pending = [resolve_in_root(self.root, "/etc/ld.so.conf")]
        seen: set[Path] = set()
        while pending:
            conf = pending.pop(0)
            if conf in seen or not conf.is_file():
                continue
            seen.add(conf)
            for line in conf.read_text(errors="replace").splitlines():
                words = line.split("#", 1)[0].split()
                if words[:1] == ["include"]:
                    for pattern in words[1:]:
                        parent = resolve_in_root(self.root, str(PurePosixPath(pattern).parent))
                        pending.extend(sorted(parent.glob(PurePosixPath(pattern).name)))
                elif words and words[0].startswith("/"):
                    found.append(words[0])
        return found


@functools.lru_cache(maxsize=8)
def host_libraries(root: Path, multiarch: str, target: ElfTarget, cache: Path | None = None) -> HostLibraries:
    """One :class:`HostLibraries` per host and process, so each library is read once;
    with a ``cache``, once while it is the same file."""
    return HostLibraries(root, multiarch, target, cache)


class _KeptLibraries:
    """What was read of the root's libraries, in ``cache/verified`` (one file per root)."""

    def __init__(self, cache: Path, root: Path) -> None:
        key = hashlib.sha256(f"{root}\0{code_digest('host/elf.py', 'host/libraries.py')}".encode()).hexdigest()
        self._path = cache / "verified" / f"root-libraries-{key[:32]}.json"
        self._entries: dict[str, list[object]] | None = None
        self._lock = threading.Lock()  # verification runs in threads

    def _load(self) -> dict[str, list[object]]:
        if self._entries is None:
            try:
                entries = json.loads(self._path.read_bytes())
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                self._entries = {}
        return self._entries

    def get(self, path: Path) -> tuple[ElfTarget | None, Linkage | None] | None:
        with self._lock:
            entry = self._load().get(str(path))
        try:
            identity, target, linkage = entry  # type: ignore[misc]
            if identity != _identity(path):
                return None
            if target is None:
                return None, None
            e_machine, bits, byteorder = target  # type: ignore[misc]
            return ElfTarget(str(e_machine), int(bits), str(byteorder)), linkage_from_json(linkage)
        except (TypeError, ValueError, KeyError, OSError):  # none kept, or unreadable: read the file
            return None

    def put(self, path: Path, target: ElfTarget | None, linkage: Linkage | None) -> None:
        try:
            identity = _identity(path)
        except OSError:
            return
        kept_target = [target.e_machine, target.bits, target.byteorder] if target is not None else None
        with self._lock:
            entries = self._load()
            entries[str(path)] = [identity, kept_target, linkage_to_json(linkage)]
            try:
                make_dirs(self._path.parent)
                with atomic_file(self._path) as stream:
                    stream.write(json.dumps(entries, sort_keys=True).encode())
            except OSError as error:  # a cache that cannot be written costs time, nothing else
                logger.debug("cannot keep what was read of %s: %s", path, error)


def _identity(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
