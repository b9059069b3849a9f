"""The shared libraries the host's dynamic loader would find in its root.

A wheel for a device must load there: every library its ELF files name (``DT_NEEDED``)
is in the wheel or in the root, and every symbol version they need (``GLIBC_2.34``,
``GLIBCXX_3.4.30``, ``OPENSSL_3.0.0``) is one that the root's copy defines.  The root is
searched like ``ld.so`` searches ``/``: the directories of ``/etc/ld.so.conf`` (and its
``include`` files), then the multiarch and default directories; a library for another
machine (a ``lib32``/``lib64`` neighbour) is passed over, as ``ld.so`` does.

musl's loader searches otherwise: the directories of ``/etc/ld-musl-<arch>.path``, else
``/lib:/usr/local/lib:/usr/lib``; and it is the C library itself, which it gives for any
name of its parts (``libc.so``, Alpine's ``libc.musl-aarch64.so.1`` that PyPI's musllinux
wheels name, ``libm.so.6``, ``libpthread.so.0``…) whatever files the root has.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from .elf import ElfTarget, Linkage, read_elf_header, read_interpreter, read_linkage
from .rootfs import resolve_in_root

if TYPE_CHECKING:
    from .host import Host

#: Where ld.so looks when ld.so.conf says nothing more (after the multiarch directories).
DEFAULT_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib32", "/usr/lib32")
#: Where musl's loader looks when its ``/etc/ld-musl-<arch>.path`` does not exist.
MUSL_DEFAULT_DIRS = ("/lib", "/usr/local/lib", "/usr/lib")
#: The names musl's loader takes for itself (its ``reserved`` list: lib + c, pthread, rt, m, dl, util, xnet + ``.``).
MUSL_OWN_NAMES = re.compile(r"lib(c|pthread|rt|m|dl|util|xnet)\..*|ld-musl-.*")


class HostLibraries:
    """Libraries in ``root`` for ``target`` (cached: one of these per host and run);
    ``musl_loader`` is the path of musl's loader on a musl host."""

    def __init__(self, root: Path, multiarch: str, target: ElfTarget, musl_loader: str | None = None) -> None:
        self.root = root
        self.target = target
        self.musl_loader = musl_loader
        if musl_loader is not None:
            self.directories = tuple(dict.fromkeys(self._musl_dirs(musl_loader)))
        else:
            multiarch_dirs = (f"/lib/{multiarch}", f"/usr/lib/{multiarch}") if multiarch else ()
            self.directories = tuple(dict.fromkeys([*self._configured_dirs(), *multiarch_dirs, *DEFAULT_DIRS]))

    def find(self, name: str, extra_dirs: tuple[str, ...] = ()) -> Path | None:
        """The library ``name`` (``libz.so.1``) as the host would load it, on this machine."""
        if self.musl_loader is not None and MUSL_OWN_NAMES.fullmatch(name):
            return self._in(str(PurePosixPath(self.musl_loader).parent), PurePosixPath(self.musl_loader).name)
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

    def _musl_dirs(self, loader: str) -> list[str]:
        """The directories of the root's ``/etc/ld-musl-<arch>.path`` (``:`` or newline
        separated), else musl's defaults."""
        name = PurePosixPath(loader).name.removesuffix(".so.1")
        path_file = resolve_in_root(self.root, f"/etc/{name}.path")
        if path_file.is_file():
            return [d for d in re.split(r"[:\n]", path_file.read_text(errors="replace")) if d.startswith("/")]
        return list(MUSL_DEFAULT_DIRS)

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
def host_libraries(root: Path, multiarch: str, target: ElfTarget, musl_loader: str | None = None) -> HostLibraries:
    """One :class:`HostLibraries` per host and process, so each library is read once."""
    return HostLibraries(root, multiarch, target, musl_loader)


def libraries_of(host: Host) -> HostLibraries:
    """The :class:`HostLibraries` of ``host``: its loader's, glibc's or musl's."""
    loader = read_interpreter(host.python) if host.musl is not None else None
    return host_libraries(host.sysroot, host.multiarch, host.elf, loader)
