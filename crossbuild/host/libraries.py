"""The shared libraries the host's dynamic loader would find in its root.

A wheel for a device must load there: every library its ELF files name (``DT_NEEDED``)
is in the wheel or in the root, and every symbol version they need (``GLIBC_2.34``,
``GLIBCXX_3.4.30``, ``OPENSSL_3.0.0``) is one that the root's copy defines.  The root is
searched like ``ld.so`` searches ``/``: the directories of ``/etc/ld.so.conf`` (and its
``include`` files), then the multiarch and default directories; a library for another
machine (a ``lib32``/``lib64`` neighbour) is passed over, as ``ld.so`` does.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePosixPath

from .elf import ElfTarget, Linkage, read_elf_header, read_linkage
from .rootfs import resolve_in_root

#: Where ld.so looks when ld.so.conf says nothing more (after the multiarch directories).
DEFAULT_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib32", "/usr/lib32")


class HostLibraries:
    """Libraries in ``root`` for ``target`` (cached: one of these per host and run)."""

    def __init__(self, root: Path, multiarch: str, target: ElfTarget) -> None:
        self.root = root
        self.target = target
        multiarch_dirs = (f"/lib/{multiarch}", f"/usr/lib/{multiarch}") if multiarch else ()
        self.directories = tuple(dict.fromkeys([*self._configured_dirs(), *multiarch_dirs, *DEFAULT_DIRS]))

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
        if candidate.is_file() and read_elf_header(candidate) == self.target:
            return candidate
        return None

    @functools.cache  # noqa: B019
    def linkage(self, path: Path) -> Linkage | None:
        return read_linkage(path)

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
def host_libraries(root: Path, multiarch: str, target: ElfTarget) -> HostLibraries:
    """One :class:`HostLibraries` per host and process, so each library is read once."""
    return HostLibraries(root, multiarch, target)
