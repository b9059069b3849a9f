"""Mend the run-time search paths of a built wheel's ELF files that name this machine.

A backend may write a ``RUNPATH``/``RPATH`` entry that only makes sense here: CMake's
install step sets a target's ``INSTALL_RPATH`` (a project that names the directory it
found a library in gets ``<root>/usr/lib/aarch64-linux-gnu``), or leaves the build tree's
(``/tmp/…/build``).  The compiler wrappers never see these (no compiler call makes them),
and on the host such a directory does not exist.  A build on the host would have recorded
the host's own path, so that is what the file gets, with patchelf, before verification:

- an entry under the root becomes the host's path (``<root>/usr/lib/aarch64-linux-gnu/foo``
  → ``/usr/lib/aarch64-linux-gnu/foo``); one that then names a directory the host's loader
  searches anyway (its ``ld.so.conf``, multiarch and default directories) is dropped when
  only such entries follow it, since dropping it then changes no search order;
- an entry under one of the build's directories (the work directory, the source tree, the
  build environment, crossbuild's cache, the temporary directory) is dropped: on the host
  it names nothing;
- anything else (``$ORIGIN/../pkg.libs``, the host's ``/opt/vendor/lib``) is kept as is.

patchelf rewrites the string in place (a shorter one, the rest filled with ``X``) and keeps
the kind of tag (``--force-rpath`` for a ``DT_RPATH``); a path that goes is blanked first
and its tag then removed, so no path of this machine is left in the file.  The same input
gives the same bytes.
"""

from __future__ import annotations

import logging
import os
import posixpath
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._subprocess import run
from ..backend_env.wrappers import BuildDirs, root_spellings
from ..host.elf import read_search_paths
from ..host.host import Host
from ..host.libraries import libraries_of
from .members import elf_members, replace_members
from .repair import find_patchelf

logger = logging.getLogger("crossbuild")


@dataclass(frozen=True)
class SearchPathRules:
    """What names this machine in a run-time search path, and what the host searches anyway."""

    roots: tuple[str, ...]
    """The host's root as the build may name it (given, resolved, its view)."""
    build_dirs: tuple[str, ...]
    """The build's own directories, which the host does not have."""
    loader_dirs: frozenset[str]
    """The directories the host's loader searches without being told."""

    def mended(self, paths: Sequence[str]) -> tuple[str, ...]:
        """``paths`` (a file's search path, in order) with this machine's entries mended."""
        entries: list[tuple[str, bool]] = []  # (entry, droppable: a loader directory of the root)
        for path in paths:
            host_path = _under(path, self.roots)
            if host_path is not None:
                entries.append((host_path, host_path in self.loader_dirs))
            elif _under(path, self.build_dirs) is None:
                entries.append((path, False))
        while entries and entries[-1][1]:
            entries.pop()
        return tuple(dict.fromkeys(entry for entry, _ in entries))


def search_path_rules(host: Host, dirs: BuildDirs, cache: Path) -> SearchPathRules:
    """The rules of a build of ``host`` in ``dirs``, with crossbuild's ``cache`` (build
    environments, host copies of build requirements: a library there is not on the host)."""
    build = [dirs.work, dirs.source, dirs.env, cache, Path(tempfile.gettempdir())]
    spellings = dict.fromkeys(s for d in build for s in (str(d), os.path.realpath(d)))
    libraries = libraries_of(host)
    return SearchPathRules(
        roots=tuple(root_spellings(host)),
        build_dirs=tuple(s for s in spellings if s != "/"),
        loader_dirs=frozenset(posixpath.normpath(d) for d in libraries.directories),
    )


def mend_search_paths(wheel: Path, rules: SearchPathRules, out_dir: Path) -> Path:
    """``wheel``, or its copy in ``out_dir`` whose ELF files' run-time search paths name no
    directory of this machine (see :class:`SearchPathRules`)."""
    changes = dict(_changes(wheel, rules))
    if not changes:
        return wheel
    patchelf = find_patchelf("mending run-time search paths")
    contents = {}
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(prefix="crossbuild-mend-") as tmp:
        for index, (member, (tag, old, new)) in enumerate(sorted(changes.items())):
            path = Path(tmp, f"{index:05d}")
            path.write_bytes(archive.read(member))
            for command in _patchelf_commands(tag, new):
                run([patchelf, *command, path], what=f"patchelf on {member} of {wheel.name}")
            contents[member] = path.read_bytes()
            logger.info(
                "%s: run-time search path %s named this machine's directories; now %s",
                member,
                ":".join(old),
                ":".join(new) or "none",
            )
    return replace_members(wheel, contents, out_dir / wheel.name)


def _changes(wheel: Path, rules: SearchPathRules) -> Iterable[tuple[str, tuple[str, tuple[str, ...], tuple[str, ...]]]]:
    """Each ELF member whose search path changes: its tag, old and new entries."""
    with zipfile.ZipFile(wheel) as archive:
        for info in elf_members(archive):
            found = read_search_paths(archive.read(info))
            if not found:
                continue
            tag = "DT_RUNPATH" if "DT_RUNPATH" in found else "DT_RPATH"  # the loader reads RUNPATH if both
            old = found[tag]
            new = rules.mended(old)
            if new != old:
                yield info.filename, (tag, old, new)


def _patchelf_commands(tag: str, new: tuple[str, ...]) -> list[list[str]]:
    """patchelf's options that give a file the search path ``new`` in the same kind of tag."""
    force = ["--force-rpath"] if tag == "DT_RPATH" else []  # else patchelf makes it a RUNPATH
    if new:
        return [[*force, "--set-rpath", ":".join(new)]]
    return [[*force, "--set-rpath", ""], ["--remove-rpath"]]  # blanked, then gone: no path left behind


def _under(path: str, prefixes: Iterable[str]) -> str | None:
    """``path`` as seen from the first of ``prefixes`` it is under (``/`` for the prefix
    itself), or ``None``; ``$ORIGIN`` and relative entries are under none."""
    if not path.startswith("/"):
        return None
    normal = posixpath.normpath(path)
    for prefix in prefixes:
        if normal == prefix or normal.startswith(prefix.rstrip("/") + "/"):
            return "/" + normal[len(prefix) :].lstrip("/")
    return None
