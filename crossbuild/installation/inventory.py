"""``describe_root``: the SBOM of a root's Python layer.

Every distribution of the host's site directories (of every install scheme, as
:func:`~crossbuild.installation.check.check_root` reads them) with its version and purl,
where its wheel came from (``crossbuild-origin.json``, written by ``install``), the files
its RECORD lists with their sha256, the installed distributions it needs on the host
(``Requires-Dist`` with the host's markers and the extras asked for), the root's
libraries its ELF files load (with the Debian packages that installed them) and the
components of its own PEP 770 SBOMs (``sboms/*.cdx.json``: a wheel's cross-build, the
libraries auditwheel grafted).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .._exceptions import OptionError
from ..host.elf import Linkage, is_elf, read_linkage
from ..host.libraries import libraries_of
from ..host.rootfs import RootResolver
from ..sbom import SBOM_FORMATS
from ..sbom.linked import Linked, linked_root_libraries
from ..sbom.model import InstalledFile, Layer, LayerDistribution
from ..wheel.context import HostSpec
from .check import _extras_asked, _needed_by
from .installed import Existing, find_installed
from .provenance import read_origin
from .sites import root_sites


def describe_root(
    root: str | os.PathLike[str],
    *,
    host: HostSpec | None = None,
    sbom_format: str = "cyclonedx",
    timestamp: int | None = None,
) -> bytes:
    """The SBOM of the Python layer of ``root`` (the directory that is ``/`` on the host)
    for ``host``: a :class:`Host`, a host python's path or a host profile (default: the
    root's only ``python3.X``): CycloneDX 1.6 JSON, or SPDX 2.3
    JSON with ``sbom_format="spdx"``.  ``timestamp`` (seconds since 1970) dates it; the
    same root gives the same bytes."""
    if sbom_format not in SBOM_FORMATS:
        raise OptionError(
            "SBOM format {format!r} is not one of {known}; pass {sbom_format} one of them",
            format=sbom_format,
            known=", ".join(SBOM_FORMATS),
        )
    layer = root_layer(root, host=host)
    if sbom_format == "spdx":
        from ..sbom.spdx import layer_spdx_document

        return layer_spdx_document(layer, timestamp)
    from ..sbom.cdx import layer_document

    return layer_document(layer, timestamp)


def root_layer(root: str | os.PathLike[str], *, host: HostSpec | None = None) -> Layer:
    """What :func:`describe_root` describes, as data."""
    opened = root_sites(root, host)
    root_dir, host, sites = opened.root, opened.host, opened.sites
    distributions = [d for d in find_installed(root_dir, sites) if d.record is not None]
    linkages, own = _linkages(root_dir, distributions)
    libraries = libraries_of(host)
    linked = linked_root_libraries(linkages, libraries, lambda path, soname: soname in own[path])
    requires = _requirements(distributions, host.marker_environment())
    layer = tuple(
        LayerDistribution(
            name=distribution.key,
            version=distribution.version,
            files=tuple(_file(entry.path, entry.hash) for entry in distribution.record or ()),
            origin=read_origin(distribution.dist_info),
            requires=requires[distribution.key],
            links=_links(distribution, linked),
            embedded=_embedded(distribution.dist_info),
        )
        for distribution in _first_of_each(distributions)
    )
    facts = {"machine": host.machine, "python": host.full_version, "tag": str(host.tag)}
    if host.glibc:
        facts |= {"libc": "glibc", "libc-version": ".".join(map(str, host.glibc))}
    return Layer(root_dir.name, facts, layer, linked.libraries, root=root_dir)


def _linkages(root: Path, distributions: list[Existing]) -> tuple[dict[str, Linkage | None], dict[str, set[str]]]:
    """The linkage of every ELF file of the distributions (by host path), and for each the
    file names of its own distribution (a library there is not the root's)."""
    resolve = RootResolver(root)
    linkages: dict[str, Linkage | None] = {}
    own: dict[str, set[str]] = {}
    for distribution in distributions:
        names = {PurePosixPath(path).name for path in distribution.files or ()}
        for entry in distribution.record or ():
            path = Path(resolve.followed(entry.path))
            if not path.is_file() or path.stat().st_size < 4:
                continue
            with path.open("rb") as stream:
                if not is_elf(stream.read(4)):
                    continue
            linkages[entry.path] = read_linkage(path)
            own[entry.path] = names
    return linkages, own


def _links(distribution: Existing, linked: Linked) -> tuple[str, ...]:
    files = {entry.path for entry in distribution.record or ()}
    return tuple(sorted({soname for path, sonames in linked.direct.items() if path in files for soname in sonames}))


def _requirements(distributions: list[Existing], environment: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """Per distribution, the installed distributions its ``Requires-Dist`` asks for on the host."""
    parsed = []
    for distribution in distributions:
        requirements = []
        for line in distribution.requires():
            try:
                requirements.append(Requirement(line))
            except InvalidRequirement:
                continue  # told by check
        parsed.append((distribution, requirements))
    asked = _extras_asked(parsed, environment)
    installed = {d.key for d in distributions}
    found: dict[str, tuple[str, ...]] = {}
    for distribution, requirements in parsed:
        needed = {
            canonicalize_name(r.name) for r in requirements if _needed_by(r, asked[distribution.key], environment)
        }
        found[distribution.key] = tuple(sorted(str(name) for name in needed & installed))
    return found


def _embedded(dist_info: Path) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The distribution's own CycloneDX SBOMs (PEP 770), parsed."""
    found = []
    for path in sorted((dist_info / "sboms").glob("*.cdx.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, dict):
            found.append((path.name, document))
    return tuple(found)


def _file(path: str, recorded: str) -> InstalledFile:
    algorithm, _, value = recorded.partition("=")
    if algorithm != "sha256" or not value:
        return InstalledFile(path, "")
    return InstalledFile(path, base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex())


def _first_of_each(distributions: list[Existing]) -> list[Existing]:
    """One per project: the first on the host's ``sys.path``, as it imports."""
    seen: dict[str, Existing] = {}
    for distribution in distributions:
        seen.setdefault(distribution.key, distribution)
    return sorted(seen.values(), key=lambda d: d.key)
