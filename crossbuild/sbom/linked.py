"""The root's libraries that ELF files link, as the host's loader would find them.

Each ``DT_NEEDED`` of the given files is looked up as ``ld.so`` looks it up in the root
(:class:`~crossbuild.host.libraries.HostLibraries`), then each found library's own, until
none is new: an extension module linking ``libpng16.so.16`` links ``libz.so.1`` through
it.  A library the files' own package holds (a wheel's ``.libs/``, ``$ORIGIN``) is not the
root's and is left out.  Each is named by the Debian package that installed it where the
root has a dpkg database, and always by its sha256.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._cache import content_digest
from ..host.elf import Linkage
from ..host.libraries import HostLibraries
from .debian import DebianPackage, DpkgDatabase


@dataclass(frozen=True)
class RootLibrary:
    """A library of the root that the described files load."""

    soname: str
    """The name files ask for (``libz.so.1``)."""
    path: str
    """The host path of the file loaded (``/lib/aarch64-linux-gnu/libz.so.1.2.13``)."""
    sha256: str
    package: DebianPackage | None
    """The package that installed it, when the root has a dpkg database."""
    needs: tuple[str, ...]
    """The sonames of the root's libraries it loads in turn."""

    @property
    def ref(self) -> str:
        """Its reference in a document: its package's purl with the file, else its path."""
        return f"{self.package.purl}#{self.path}" if self.package else f"file:{self.path}"


@dataclass(frozen=True)
class Linked:
    """What a set of ELF files takes from the root."""

    direct: Mapping[str, tuple[str, ...]]
    """Per file: the sonames of the root's libraries it needs itself."""
    libraries: tuple[RootLibrary, ...]
    """Every root library loaded, by soname."""


def linked_root_libraries(
    linkages: Mapping[str, Linkage | None],
    libraries: HostLibraries,
    own: Callable[[str, str], bool] = lambda member, soname: False,
    dpkg: DpkgDatabase | None = None,
) -> Linked:
    """The root's libraries the files of ``linkages`` (by name) load, directly or through
    each other; ``own(file, soname)`` says a library is the files' package's, not the root's."""
    dpkg = dpkg if dpkg is not None else DpkgDatabase(libraries.root)
    direct: dict[str, tuple[str, ...]] = {}
    pending: list[tuple[str, tuple[str, ...]]] = []
    for name, linkage in sorted(linkages.items()):
        if linkage is None:
            continue
        absolute = tuple(p for p in linkage.search_paths if p.startswith("/"))
        wanted = tuple(soname for soname in linkage.needed if not own(name, soname))
        direct[name] = tuple(sorted(soname for soname in wanted if libraries.find(soname, absolute) is not None))
        pending.extend((soname, absolute) for soname in direct[name])
    found: dict[str, RootLibrary] = {}
    while pending:
        soname, search = pending.pop()
        if soname in found:
            continue
        path = libraries.find(soname, search)
        if path is None:
            continue
        linkage = libraries.linkage(path)
        needs = tuple(sorted(n for n in (linkage.needed if linkage else ()) if libraries.find(n) is not None))
        found[soname] = _library(soname, path, libraries.root, needs, dpkg)
        pending.extend((n, ()) for n in needs)
    return Linked(direct, tuple(found[soname] for soname in sorted(found)))


def _library(soname: str, path: Path, root: Path, needs: tuple[str, ...], dpkg: DpkgDatabase) -> RootLibrary:
    host_path = "/" + path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    owner = dpkg.owner(host_path) if dpkg else None
    return RootLibrary(soname, host_path, content_digest(path), owner, needs)
